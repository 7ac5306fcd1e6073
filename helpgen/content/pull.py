"""Pull a :class:`~helpgen.content.snapshot.Snapshot` through the cStar clients, incrementally.

The public API allows about 200 requests an hour, so a pull spends requests only where
content changed. It always lists everything (categories, articles in pages of 100, popular,
stats, topics, posts in pages of 100), then fetches a body only when it is new or changed:

- an article when the list item has no ``content`` and its ``updatedAt`` differs from the
  body we hold;
- a post's thread (its comments) when its ``updated_at`` or ``comment_count`` differs.

What disappeared from the lists disappears from the snapshot. An unchanged site costs only
the list requests. Bodies fetched before a run was cut short (rate limit, network loss,
SIGTERM) are kept in ``known`` by the caller, so the next run continues where this one
stopped; :class:`PullResult` says whether the content is complete.

One bad body never stops a pull: an article or thread whose response is not JSON (or not
its shape) even after the transport's retries keeps the version fetched earlier, or else is
published from its list entry without its text or comments; one that answers 404 although
it was just listed (deleted meanwhile) is left out. Each case is recorded as a problem for
the build report, and the body is fetched again on the next run.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable

from helpgen import progress as progress_bars
from helpgen.content.snapshot import Snapshot
from helpgen.cstar import (
    CommunityClient,
    CStarNotFoundError,
    CStarRateLimitError,
    CStarResponseError,
    LibraryClient,
)
from helpgen.cstar._models import Article, Post, PostThread
from helpgen.cstar._transport import TRUNCATED_RESPONSE

__all__ = ["pull_snapshot", "PullResult", "list_request_estimate", "POPULAR_LIMIT", "PAGE_SIZE"]

log = logging.getLogger("helpgen.pull")

POPULAR_LIMIT = 10
PAGE_SIZE = 100


@dataclass
class PullResult:
    """What a pull got: the content, and whether it is complete enough to publish."""

    snapshot: Snapshot
    complete: bool
    articles_fetched: int = 0
    articles_pending: int = 0
    posts_fetched: int = 0
    posts_pending: int = 0
    stopped_because: str | None = None
    resume_after: float | None = None  # Unix seconds


class _OutOfRequests(Exception):
    """The rate-limit window has no requests left for the work still to do."""

    def __init__(self, reason: str, resume_after: float | None) -> None:
        super().__init__(reason)
        self.resume_after = resume_after


def list_request_estimate(articles: int, posts: int) -> int:
    """Requests a pull spends on lists alone: the cost of a run where nothing changed."""
    return 1 + max(1, math.ceil(articles / PAGE_SIZE)) + 2 + 1 + max(1, math.ceil(posts / PAGE_SIZE))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unusable_body(error: CStarResponseError) -> bool:
    """A complete 2xx answer whose body is not JSON, or not the item's shape: bad data.

    A body cut short in transit or a 5xx is a failure of the network or the API, not of the
    item: those still fail the build, keeping the last good site.
    """
    status = error.status_code
    return status is not None and 200 <= status < 300 and error.code != TRUNCATED_RESPONSE


def _article_unfetched(summary: Article, known: Article | None, error: CStarResponseError) -> Article:
    """The stand-in for an article whose body came back unusable (fetched again next run)."""
    if known is not None:  # its older updatedAt makes the next run fetch it again
        problem = f"its text could not be fetched ({error}); showing the version fetched earlier"
        return replace(known, problems=(*known.problems, problem))
    problem = f"its text could not be fetched ({error}); published without its text"
    return replace(summary, content=None, problems=(*summary.problems, problem))


def _thread_unfetched(post: Post, known: PostThread | None, error: CStarResponseError) -> PostThread:
    """The stand-in for a thread whose response came back unusable (fetched again next run)."""
    if known is not None:
        problem = f"its comments could not be fetched ({error}); showing the ones fetched earlier"
        return replace(known, problems=(*known.problems, problem))
    problem = f"its comments could not be fetched ({error}); published without comments"
    return PostThread(post=post, comments=(), problems=(problem,))


def _thread_is_current(known: PostThread | None, post: Post) -> bool:
    return (
        known is not None
        and known.post.updated_at == post.updated_at
        and known.post.comment_count == post.comment_count
    )


def pull_snapshot(
    library: LibraryClient,
    community: CommunityClient,
    team: str,
    *,
    known: Snapshot | None = None,
    on_progress: Callable[[Snapshot], None] | None = None,
    progress_every: int = 200,
    last_rate_limit: tuple[int, float] | None = None,
) -> PullResult:
    """Pull ``team``'s content, fetching only bodies that are new or changed since ``known``.

    ``on_progress`` receives the bodies held so far (for the cache) every ``progress_every``
    fetches and when the pull ends or is interrupted. A rate limit that cannot be waited out
    ends the pull early with ``complete=False``; any other API error propagates as a
    ``CStarError`` after the progress was handed over. ``last_rate_limit`` is the
    (remaining, reset) the previous run saw last: a window known to be too small for the
    list pass is not touched at all.
    """
    transport = library.transport
    known_articles = {a.id: a for a in (known.articles if known else ()) if a.content is not None}
    known_threads = {t.post.id: t for t in (known.threads if known else ())}
    estimate = list_request_estimate(len(known_articles), len(known_threads))

    def check_budget(needed: int, what: str) -> None:
        state = transport.rate_limit
        if state is None and last_rate_limit is not None and last_rate_limit[1] > time.time():
            remaining, resume = last_rate_limit
        elif state is None or state.remaining is None:
            return
        else:
            remaining = state.remaining
            wait = state.seconds_until_reset()
            resume = time.time() + wait if wait is not None else None
        if remaining >= needed:
            return
        raise _OutOfRequests(f"the rate limit has {remaining} requests left and {what} needs {needed}", resume)

    fetched_articles: dict[str, Article] = {}
    fetched_threads: dict[str, PostThread] = {}
    unfetched_articles: dict[str, Article] = {}  # bodies that came back unusable this run
    unfetched_threads: dict[str, PostThread] = {}
    gone: set[str] = set()  # listed, then 404: deleted meanwhile
    problems: list[str] = []
    summaries: list[Article] = []
    posts: list[Post] = []
    lists_done = False

    def held() -> Snapshot:
        """Every body we hold now: fresh ones, plus older ones not yet replaced."""
        if lists_done:
            listed_a = {s.id for s in summaries}
            listed_p = {p.id for p in posts}
            articles = {**{k: v for k, v in known_articles.items() if k in listed_a}, **fetched_articles}
            threads = {**{k: v for k, v in known_threads.items() if k in listed_p}, **fetched_threads}
            order_a = [s.id for s in summaries]
            order_p = [p.id for p in posts]
        else:
            articles = {**known_articles, **fetched_articles}
            threads = {**known_threads, **fetched_threads}
            order_a, order_p = list(articles), list(threads)
        base = known or Snapshot(team=team)
        return replace(
            base,
            team=team,
            articles=tuple(articles[i] for i in order_a if i in articles),
            threads=tuple(threads[i] for i in order_p if i in threads),
        )

    fetches = 0
    shown = progress_bars.stage("pull", unit="requests")  # a bar of API requests, on a terminal
    bar = shown.__enter__()

    def count_requests(items: Any) -> Any:
        for item in items:
            bar.advance(transport.stats.requests - bar.done)
            yield item

    def progress() -> None:
        nonlocal fetches
        fetches += 1
        bar.advance(transport.stats.requests - bar.done)
        if on_progress is not None and fetches % progress_every == 0:
            on_progress(held())

    def fetch_each(
        items: list[Any],
        noun: str,
        fetch: Callable[[str], Any],
        stand_in: Callable[[Any, Any, CStarResponseError], Any],
        fetched: dict[str, Any],
        unfetched: dict[str, Any],
        known_items: dict[str, Any],
        kind: str,
        what: str,
    ) -> None:
        """Fetch each item's body by slug, one budget check each.

        An unusable 2xx body gets a stand-in (refetched next run); a 404 means the item was
        deleted since it was listed. ``pending_of[noun]`` follows the count, for a cut-short run.
        """
        for item in items:
            check_budget(1, f"fetching {pending_of[noun]} more {noun}")
            try:
                fetched[item.id] = fetch(item.slug)
            except CStarResponseError as exc:
                if not _unusable_body(exc):
                    raise
                unfetched[item.id] = stand_in(item, known_items.get(item.id), exc)
            except CStarNotFoundError as exc:
                gone.add(item.id)
                problems.append(f"{kind} {item.slug!r}: listed, but {what} answered 404 ({exc}); left out")
            pending_of[noun] -= 1
            progress()

    pending_of = {"article bodies": 0, "post threads": 0}
    try:
        check_budget(estimate, "listing the content")
        categories = library.categories()
        check_budget(estimate - 1, "listing the content")
        summaries = list(count_requests(library.iter_articles(page_size=PAGE_SIZE)))
        popular = library.popular_articles(limit=POPULAR_LIMIT)
        stats = library.stats()
        try:
            topics = community.topics()
        except CStarNotFoundError:
            log.warning("pull: the community of team %r answered 404; building without a community", team)
            topics, posts = [], []
        else:
            posts = list(count_requests(community.iter_posts(sort="recent", page_size=PAGE_SIZE)))
        lists_done = True
        log.info(
            "pull: %d categories, %d articles, %d topics, %d posts listed",
            len(categories), len(summaries), len(topics), len(posts),
        )

        to_fetch = [
            s for s in summaries
            if not s.has_content
            and not (s.id in known_articles and known_articles[s.id].updated_at == s.updated_at)
        ]
        threads_to_fetch = [p for p in posts if not _thread_is_current(known_threads.get(p.id), p)]
        pending_of.update({"article bodies": len(to_fetch), "post threads": len(threads_to_fetch)})
        bar.total = transport.stats.requests + len(to_fetch) + len(threads_to_fetch)
        bar.advance(transport.stats.requests - bar.done)
        log.info("pull: %d article bodies and %d post threads to fetch", len(to_fetch), len(threads_to_fetch))
        fetch_each(
            to_fetch, "article bodies", library.article, _article_unfetched,
            fetched_articles, unfetched_articles, known_articles, "article", "its text",
        )
        fetch_each(
            threads_to_fetch, "post threads", community.post, _thread_unfetched,
            fetched_threads, unfetched_threads, known_threads, "post", "its thread",
        )
    except (_OutOfRequests, CStarRateLimitError) as exc:
        if isinstance(exc, CStarRateLimitError):
            reason = f"rate limited ({exc})"
            resume = time.time() + exc.retry_after if exc.retry_after is not None else None
        else:
            reason, resume = str(exc), exc.resume_after
        partial = held()
        if on_progress is not None:
            on_progress(partial)
        articles_pending, posts_pending = pending_of["article bodies"], pending_of["post threads"]
        if not lists_done:
            articles_pending = max(articles_pending, len(known_articles))
        return PullResult(
            snapshot=partial,
            complete=False,
            articles_fetched=len(fetched_articles),
            articles_pending=articles_pending,
            posts_fetched=len(fetched_threads),
            posts_pending=posts_pending,
            stopped_because=reason,
            resume_after=resume,
        )
    except BaseException:
        if on_progress is not None:
            on_progress(held())
        raise
    finally:
        shown.__exit__(None, None, None)

    bodies = {**known_articles, **fetched_articles}
    articles = tuple(
        unfetched_articles[s.id] if s.id in unfetched_articles
        else s if s.has_content else replace(s, content=bodies[s.id].content)
        for s in summaries
        if s.id not in gone
    )
    threads_by_id = {**known_threads, **fetched_threads}
    threads = tuple(
        unfetched_threads[p.id] if p.id in unfetched_threads
        else PostThread(post=p, comments=threads_by_id[p.id].comments) if p.id not in fetched_threads
        else fetched_threads[p.id]
        for p in posts
        if p.id not in gone
    )
    snapshot = Snapshot(
        team=team,
        categories=tuple(categories),
        articles=articles,
        popular=tuple(a.summary() for a in popular),
        stats=stats,
        topics=tuple(topics),
        threads=threads,
        pulled_at=_now(),
        problems=tuple(problems),
    )
    removed = bool(set(known_articles) - {s.id for s in summaries} or set(known_threads) - {p.id for p in posts})
    if on_progress is not None and (fetched_articles or fetched_threads or removed or known is None or unfetched_threads):
        # A thread fetched without its comments must not look current to the next run.
        fresh_stand_ins = {i for i, t in unfetched_threads.items() if i not in known_threads}
        on_progress(replace(snapshot, threads=tuple(t for t in threads if t.post.id not in fresh_stand_ins)))
    return PullResult(
        snapshot=snapshot,
        complete=True,
        articles_fetched=len(fetched_articles),
        posts_fetched=len(fetched_threads),
    )
