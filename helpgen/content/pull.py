"""Pull a whole :class:`~helpgen.content.snapshot.Snapshot` through the cStar clients.

Request budget (the public API allows about 200 requests an hour): one request for the
categories, one per 100 articles, one per article body (skipped when the list already carries
``content``), one each for popular and stats, one for the topics, one per 100 posts and one
per post thread. Incremental pulls that skip unchanged bodies are a later step.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from helpgen.content.snapshot import Snapshot
from helpgen.cstar import CommunityClient, CStarNotFoundError, LibraryClient

__all__ = ["pull_snapshot", "POPULAR_LIMIT", "PAGE_SIZE"]

log = logging.getLogger("helpgen.pull")

POPULAR_LIMIT = 10
PAGE_SIZE = 100


def pull_snapshot(library: LibraryClient, community: CommunityClient, team: str) -> Snapshot:
    """Fetch every public category, article, topic and post of ``team``.

    A team without a community (its community endpoints answer 404 while the Library
    works) gets an empty community. Any other API error propagates as a ``CStarError``.
    """
    categories = library.categories()
    summaries = list(library.iter_articles(page_size=PAGE_SIZE))
    log.info("pull: %d categories, %d articles listed", len(categories), len(summaries))
    articles = [s if s.has_content else library.article(s.slug) for s in summaries]
    popular = library.popular_articles(limit=POPULAR_LIMIT)
    stats = library.stats()
    try:
        topics = community.topics()
    except CStarNotFoundError:
        log.warning("pull: the community of team %r answered 404; building without a community", team)
        topics, threads = [], []
    else:
        posts = list(community.iter_posts(sort="recent", page_size=PAGE_SIZE))
        log.info("pull: %d topics, %d posts listed", len(topics), len(posts))
        threads = [community.post(p.slug) for p in posts]
    return Snapshot(
        team=team,
        categories=tuple(categories),
        articles=tuple(articles),
        popular=tuple(a.summary() for a in popular),
        stats=stats,
        topics=tuple(topics),
        threads=tuple(threads),
        pulled_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
