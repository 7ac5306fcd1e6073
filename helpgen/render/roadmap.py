"""The public roadmap: feature-request posts grouped by status, and an Atom feed per status.

Pure: planned pages in, the roadmap page and its feeds out. Which community topics hold
feature requests is ``[roadmap] topics`` (topic slugs); with none, there is no roadmap.

- ``roadmap/``: one group per status in :data:`ROADMAP_STATUSES` order (``under_review``,
  ``planned``, ``completed``, ``not_planned``), each sorted by votes (most first; ties newest
  first, then title), and "Recently completed": the :data:`RECENTLY_COMPLETED` completed
  requests updated last. Requests with another status (``open``, ``answered``) are not on it.
- ``roadmap/{status}/``: one status alone (the same template, one group), the page its feed
  links to;
- ``roadmap/{status}/feed.xml``: an Atom feed per status that has requests, written by the
  site's feed writer (``render.feeds.feed_files``); an entry is dated by the request's last
  update (when its status most likely changed). Feeds need ``[site].base_url``.

The community page gets ``roadmap`` (the roadmap's site path) so it can link to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from helpgen.render.feeds import feed_files
from helpgen.render.pages import Crumb, Page, PostLink

__all__ = [
    "ROADMAP_PATH",
    "ROADMAP_STATUSES",
    "RECENTLY_COMPLETED",
    "RoadmapGroup",
    "add_roadmap",
    "roadmap_feed_path",
]

ROADMAP_PATH = "roadmap/"
ROADMAP_STATUSES = ("under_review", "planned", "completed", "not_planned")
RECENTLY_COMPLETED = 5


@dataclass(frozen=True)
class RoadmapGroup:
    """One status column of the roadmap (``groups`` in ``roadmap.html``)."""

    status: str
    label: str  # the status as readers see it, in the site's language
    posts: tuple[PostLink, ...]  # most votes first
    feed_path: str | None  # its Atom feed's site path; None when no feed is written


@dataclass(frozen=True)
class _FeedSection:
    """What the feed writer needs of a section (like a ``TopicLink``): one roadmap status."""

    name: str
    slug: str
    path: str
    description: str


def roadmap_feed_path(status: str) -> str:
    """``roadmap/planned/feed.xml`` for ``planned``."""
    return f"{ROADMAP_PATH}{status}/feed.xml"


def _link(page: Page) -> PostLink:
    return page.context["post"].listed


def add_roadmap(pages: Sequence[Page], topics: Sequence[str], settings: Any) -> tuple[list[Page], dict[str, bytes]]:
    """``pages`` plus the roadmap page (when ``topics`` name any), and its feeds (site path → bytes)."""
    topics = set(topics)
    requests = [
        p for p in pages
        if p.kind == "post" and p.context["post"].topic is not None and p.context["post"].topic.slug in topics
        and p.context["post"].status in ROADMAP_STATUSES
    ]
    if not topics or not any(p.kind == "post" or p.kind == "topic" for p in pages):
        return list(pages), {}
    text = settings.catalog.text
    by_status: dict[str, list[Page]] = {status: [] for status in ROADMAP_STATUSES}
    for page in requests:
        by_status[page.context["post"].status].append(page)

    feeds: dict[str, bytes] = {}
    sections: dict[str, _FeedSection] = {}
    feed_pages: list[Page] = []
    for status, members in by_status.items():
        members.sort(key=lambda p: (p.context["post"].title.lower(), p.path))
        members.sort(key=lambda p: p.context["post"].created_at or "", reverse=True)
        members.sort(key=lambda p: -p.context["post"].vote_count)  # stable: votes, then newest, then title
        label = text(f"status.{status}")
        section = _FeedSection(
            name=text("roadmap.feed_title", status=label), slug=status, path=f"{ROADMAP_PATH}{status}/",
            description=text("roadmap.description", site=settings.title),
        )
        sections[status] = section
        feed_pages.append(Page(kind="topic", path=section.path, template="", title=section.name, description=""))
        for page in members:
            post = page.context["post"]
            dated = replace(post, topic=section, created_at=post.updated_at or post.created_at)
            feed_pages.append(replace(page, context={**page.context, "post": dated}))
    feeds = feed_files(feed_pages, settings)

    groups = [
        RoadmapGroup(
            status=status,
            label=text(f"status.{status}"),
            posts=tuple(_link(p) for p in members),
            feed_path=roadmap_feed_path(status) if roadmap_feed_path(status) in feeds else None,
        )
        for status, members in by_status.items()
    ]
    completed = sorted(
        by_status["completed"],
        key=lambda p: (p.context["post"].updated_at or p.context["post"].created_at or "", p.path),
        reverse=True,
    )
    home = next((p for p in pages if p.kind == "home"), None)
    common = {"nav": home.context["nav"]} if home is not None and "nav" in home.context else {}
    roadmap = Page(
        kind="roadmap",
        path=ROADMAP_PATH,
        template="roadmap.html",
        title=text("roadmap.title"),
        description=text("roadmap.description", site=settings.title),
        context={
            **common,
            "breadcrumbs": [Crumb(settings.title, ""), Crumb(text("community.title"), "community/")],
            "groups": groups,
            "recently_completed": [_link(p) for p in completed[:RECENTLY_COMPLETED]],
        },
    )
    roadmap_crumb = Crumb(roadmap.title, ROADMAP_PATH)
    per_status = [
        Page(
            kind="roadmap",
            path=sections[group.status].path,
            template="roadmap.html",
            title=sections[group.status].name,
            description=roadmap.description,
            context={**roadmap.context, "breadcrumbs": [*roadmap.context["breadcrumbs"], roadmap_crumb],
                     "groups": [group], "recently_completed": []},
        )
        for group in groups
    ]
    out = [
        replace(p, context={**p.context, "roadmap": ROADMAP_PATH}) if p.kind == "community" else p for p in pages
    ]
    return out + [roadmap, *per_status], feeds
