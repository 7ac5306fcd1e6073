"""Bad content never breaks a build: every problem becomes a warning and a sane fallback.

:func:`check_snapshot` runs once per build, between loading the content and planning pages.
It reports what the models found wrong in each object (wrong types, nulls, invalid dates: see
``helpgen/cstar/_checks.py``) under the item's name, and fixes what only the whole snapshot
shows:

* an item with no id, slug and title (or name) is left out; one missing some of them gets
  them from the others (a missing title becomes "Untitled ...");
* of two items with the same id, the second is left out (comments: within their post);
* of two items with the same slug, the second is published under ``slug-<hash of its id>``,
  so every link by slug still means one page;
* an invalid date is dropped, an article without text is published with an empty body, a
  post with an unknown status shows as open, a post in a missing topic has no topic.

Each warning names the item (``article 'reset-password'``, ``post with id 'p_9'``) and says
what was wrong and what is used instead. Only structural failures (no snapshot, an API error)
fail a build, and those are raised long before this.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, TypeVar

from helpgen.content.snapshot import Snapshot
from helpgen.cstar._checks import is_timestamp
from helpgen.cstar._models import POST_STATUSES, Comment, Post, PostThread, Topic
from helpgen.render.colors import safe_color

__all__ = ["check_snapshot"]

T = TypeVar("T", bound=Any)  # a Category, Article, Topic, Post or Comment


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _label(kind: str, slug: str, item_id: str, position: int) -> str:
    if slug:
        return f"{kind} {slug!r}"
    if item_id:
        return f"{kind} with id {item_id!r}"
    return f"{kind} #{position}"


class _Checker:
    """Collects the warnings of one snapshot, in content order."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, item: str, problem: str) -> None:
        self.warnings.append(f"{item}: {problem}")

    def dates(self, item: str, obj: T, *names: str) -> T:
        """``obj`` with every invalid date among ``names`` set to None (already reported)."""
        bad = {n: None for n in names if getattr(obj, n) is not None and not is_timestamp(getattr(obj, n))}
        return replace(obj, **bad) if bad else obj

    def identified(
        self, kind: str, items: tuple[T, ...], title_field: str, untitled: str
    ) -> list[tuple[str, T, int]]:
        """Items with an id, a slug and a title, with their label and index; problems reported."""
        out: list[tuple[str, T, int]] = []
        for position, obj in enumerate(items, 1):
            item_id, slug, title = obj.id.strip(), getattr(obj, "slug").strip(), getattr(obj, title_field).strip()
            label = _label(kind, slug, item_id, position)
            for problem in obj.problems:
                self.warn(label, problem)
            if not (item_id or slug or title):
                self.warn(label, f"has no id, slug or {title_field}; left out")
                continue
            changes: dict[str, str] = {}
            if not title:
                changes[title_field] = untitled
                self.warn(label, f"{title_field} is missing or empty; shown as {untitled!r}")
            if not slug:
                changes["slug"] = title or item_id
                self.warn(label, f"slug is missing or empty; using {changes['slug']!r}")
            if not item_id:
                changes["id"] = f"{kind}:{changes.get('slug', slug)}"
                self.warn(label, f"id is missing or empty; using {changes['id']!r}")
            out.append((label, replace(obj, **changes) if changes else obj, position - 1))
        return out

    def unique(self, kind: str, labelled: list[tuple[str, T, int]]) -> list[tuple[str, T, int]]:
        """Drop repeated ids (keeping the first); give repeated slugs a distinct suffix."""
        by_id: dict[str, str] = {}
        by_slug: dict[str, tuple[str, str]] = {}
        out: list[tuple[str, T, int]] = []
        for label, obj, index in labelled:
            if obj.id in by_id:
                self.warn(label, f"has the same id {obj.id!r} as {by_id[obj.id]}; left out")
                continue
            by_id[obj.id] = label
            slug = obj.slug
            if slug in by_slug:
                first_label, first_id = by_slug[slug]
                new_slug = f"{slug}-{_short_hash(kind + ':' + obj.id)}"
                self.warn(
                    label,
                    f"the slug is also used by {first_label} (id {first_id!r}); "
                    f"this one (id {obj.id!r}) is published as {new_slug!r}",
                )
                obj = replace(obj, slug=new_slug)
                slug = new_slug
            by_slug[slug] = (label, obj.id)
            out.append((label, obj, index))
        return out


def check_snapshot(snapshot: Snapshot) -> tuple[Snapshot, list[str]]:
    """``snapshot`` made safe to build from, and one warning per problem found (in order)."""
    checker = _Checker()
    checker.warnings.extend(snapshot.problems)  # each already names its file or item

    categories = []
    for label, category, _ in checker.unique(
        "category", checker.identified("category", snapshot.categories, "name", "Untitled category")
    ):
        category = checker.dates(label, category, "created_at", "updated_at")
        if category.color is not None and category.color.strip() and safe_color(category.color) is None:
            checker.warn(label, f"color {category.color!r} is not a #hex colour; not used")
            category = replace(category, color=None)
        categories.append(category)

    articles = []
    for label, article, _ in checker.unique(
        "article", checker.identified("article", snapshot.articles, "title", "Untitled article")
    ):
        article = checker.dates(label, article, "published_at", "created_at", "updated_at")
        if article.content is None:
            checker.warn(label, "has no content (text); published with an empty body")
            article = replace(article, content="")
        articles.append(article)

    topics = [
        topic
        for _, topic, _ in checker.unique(
            "topic", checker.identified("topic", snapshot.topics, "name", "Untitled topic")
        )
    ]
    threads = _checked_threads(checker, snapshot.threads, topics)

    checked = replace(
        snapshot,
        categories=tuple(categories),
        articles=tuple(articles),
        topics=tuple(topics),
        threads=tuple(threads),
        problems=(),
    )
    return checked, checker.warnings


def _checked_threads(
    checker: _Checker, threads: tuple[PostThread, ...], topics: list[Topic]
) -> list[PostThread]:
    posts = tuple(thread.post for thread in threads)
    topic_ids = {t.id for t in topics}
    topic_slugs = {t.slug for t in topics}
    out = []
    for label, post, index in checker.unique("post", checker.identified("post", posts, "title", "Untitled post")):
        thread = threads[index]
        for problem in thread.problems:
            checker.warn(label, problem)
        for number, attachment in enumerate(post.attachments, 1):
            for problem in attachment.problems:
                checker.warn(label, f"attachment {number}: {problem}")
        post = checker.dates(label, post, "created_at", "updated_at")
        if post.status not in POST_STATUSES:
            checker.warn(label, f"status {post.status!r} is unknown; shown as 'open'")
            post = replace(post, status="open")
        if (post.topic_id or post.topic_slug) and post.topic_id not in topic_ids and post.topic_slug not in topic_slugs:
            checker.warn(label, f"topic {post.topic_slug or post.topic_id!r} not found; listed without a topic")
            post = replace(post, topic_id=None, topic_slug=None)
        comments = _checked_comments(checker, label, post, thread.comments)
        out.append(PostThread(post=post, comments=tuple(comments)))
    return out


def _checked_comments(
    checker: _Checker, post_label: str, post: Post, comments: tuple[Comment, ...]
) -> list[Comment]:
    seen: set[str] = set()
    out = []
    for number, comment in enumerate(comments, 1):
        label = f"comment {comment.id!r} on {post_label}" if comment.id.strip() else f"comment #{number} on {post_label}"
        for problem in comment.problems:
            checker.warn(label, problem)
        if not comment.id.strip():
            comment = replace(comment, id=f"{post.id}-{number}")
            checker.warn(label, f"id is missing or empty; using {comment.id!r}")
        if comment.id in seen:
            checker.warn(label, "has the same id as an earlier comment on the post; left out")
            continue
        seen.add(comment.id)
        out.append(checker.dates(label, comment, "created_at"))
    return out
