"""Which pages a site has, where they live and what their templates receive.

Pure: a :class:`~helpgen.content.snapshot.Snapshot` and a few settings in, a list of
:class:`Page` out. Navigation, popular lists and prev/next are computed once per build, not
per page. The template context is documented in ``docs/templates.md``; keep the two in step.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit


from helpgen.content.snapshot import Snapshot
from helpgen.content.validate import check_snapshot
from helpgen.cstar._models import Article, Category, Comment, Post, PostThread, Topic
from helpgen.render.bodies import ARTICLE, CUSTOMER, Body, BodyRenderer
from helpgen.render.chat import ChatWidget
from helpgen.render.colors import safe_color
from helpgen.render.i18n import Catalog, default_catalog
from helpgen.render.paths import SitePaths, relative_url
from helpgen.render.popularity import most_viewed, trending
from helpgen.render.search_pages import plan_search_pages

__all__ = [
    "Page",
    "SiteSettings",
    "plan_pages",
    "CategoryLink",
    "ArticleLink",
    "TopicLink",
    "PostLink",
    "Crumb",
    "TrendingLink",
    "STATUS_LABELS",
]

log = logging.getLogger("helpgen.pages")

STATUS_LABELS = {
    "open": "Open",
    "answered": "Answered",
    "officially_answered": "Official answer",
    "planned": "Planned",
    "not_planned": "Not planned",
    "completed": "Completed",
    "under_review": "Under review",
}

HOME_POPULAR = 6
RECENT_POSTS = 5
MORE_IN_CATEGORY = 5
TRENDING = 5  # trending articles on home, category and 404 pages
CATEGORY_POPULAR = 5  # "Popular in {category}"
_CSTAR_HOST = re.compile(r"(^|\.)cstar\.help$")
# A root-relative link urlsplit would read as a path only: printable ASCII, no "//", ":" or "\\".
_PLAIN_SITE_PATH = re.compile(r"/(?!/)[\x21-\x39\x3b-\x5b\x5d-\x7e]*\Z")
_PLAIN_REST = re.compile(r"[\x21-\x5b\x5d-\x7e]*\Z")  # printable ASCII but "\\"
_NOT_A_SLUG = re.compile(r"[:/?#]")  # a bare slug has no scheme, path, query or fragment
# An http(s) link whose host urlsplit would read the same way: ASCII name, optional port.
_PLAIN_WEB_LINK = re.compile(r"https?://([A-Za-z0-9.-]+)(?::[0-9]*)?(?=[/?#]|$)", re.ASCII | re.IGNORECASE)


@dataclass(frozen=True)
class SiteSettings:
    """The parts of the config the pages and templates see (``site`` in templates)."""

    title: str = "Help Center"
    description: str = ""
    base_url: str = ""
    language: str = "en"
    footer_links: tuple[Any, ...] = ()
    team: str = ""
    api_url: str = ""
    analytics: bool = True
    respect_dnt: bool = True
    feedback: bool = True
    content_security_policy: str = ""  # the <meta> CSP of every page (render/csp.py)
    catalog: Catalog = field(default_factory=default_catalog)  # the language's texts (render/i18n.py)
    chat: ChatWidget | None = None  # [chat]: cStar's chat widget on every page (render/chat.py)
    draft_slugs: tuple[str, ...] = ()  # articles shown with a "Draft" banner (only `helpgen serve --drafts`)


@dataclass(frozen=True)
class CategoryLink:
    """A category as lists and navigation show it."""

    name: str
    slug: str
    path: str
    description: str
    icon: str | None
    color: str | None
    article_count: int


@dataclass(frozen=True)
class ArticleLink:
    """An article as lists show it."""

    title: str
    slug: str
    path: str
    excerpt: str
    category_name: str | None
    category_path: str | None
    view_count: int
    updated_at: str | None
    read_time: str | None


@dataclass(frozen=True)
class TrendingLink:
    """A trending article and how many views a day it gained (``render.popularity``)."""

    article: ArticleLink
    views_per_day: int


@dataclass(frozen=True)
class TopicLink:
    """A community topic as lists and navigation show it."""

    name: str
    slug: str
    path: str
    description: str
    post_count: int


@dataclass(frozen=True)
class PostLink:
    """A community post as lists show it."""

    title: str
    slug: str
    path: str
    status: str
    status_label: str
    vote_count: int
    comment_count: int
    is_pinned: bool
    is_locked: bool
    author_name: str
    created_at: str | None
    topic_name: str | None
    topic_path: str | None
    has_official_answer: bool


@dataclass(frozen=True)
class Crumb:
    """One step of a breadcrumb trail."""

    title: str
    path: str


@dataclass(frozen=True)
class Navigation:
    """``nav`` in templates."""

    categories: tuple[CategoryLink, ...]
    topics: tuple[TopicLink, ...]


@dataclass(frozen=True)
class ArticleView:
    """``article`` in ``article.html``."""

    title: str
    slug: str
    excerpt: str
    html: Body
    updated_at: str | None
    published_at: str | None
    read_time: str | None
    tags: tuple[str, ...]
    category: CategoryLink | None
    view_count: int
    helpful_count: int
    not_helpful_count: int
    listed: ArticleLink  # this article as lists show it (the one link object all lists share)

    @property
    def toc(self) -> tuple[Any, ...]:
        """The article's ``h2``/``h3`` headings, as ``TocEntry(level, id, text)``."""
        return self.html.toc


@dataclass(frozen=True)
class AttachmentView:
    """An image attached to a post."""

    filename: str
    url: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class PostView:
    """``post`` in ``post.html``."""

    title: str
    slug: str
    html: Body
    status: str
    status_label: str
    vote_count: int
    comment_count: int
    is_pinned: bool
    is_locked: bool
    author_name: str
    created_at: str | None
    updated_at: str | None
    attachments: tuple[AttachmentView, ...]
    topic: TopicLink | None
    listed: PostLink  # this post as lists show it



@dataclass(frozen=True)
class CommentView:
    """One comment in ``post.html``."""

    id: str
    html: Body
    author_name: str
    is_official: bool
    created_at: str | None


@dataclass(frozen=True)
class Page:
    """One output page: where it goes, which template renders it, and with what."""

    kind: str
    path: str
    template: str
    title: str
    description: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Site:
    """Lookups shared by every page of one build (computed once)."""

    snapshot: Snapshot
    settings: SiteSettings
    renderer: BodyRenderer
    paths: SitePaths
    categories: list[Category]
    category_links: dict[str, CategoryLink]  # by category id
    category_paths: dict[str, str]  # by slug
    articles: list[Article]
    article_paths: dict[str, str]  # by slug
    article_category: dict[str, Category | None]  # by article id
    topics: list[Topic]
    topic_links: dict[str, TopicLink]  # by topic id
    topic_by_slug: dict[str, Topic]
    threads: list[PostThread]
    post_paths: dict[str, str]  # by slug
    warnings: list[str]
    # One ArticleLink per article, shared by every list that shows it (fingerprints hash it once).
    article_links: dict[str, ArticleLink] = field(default_factory=dict)  # by article id
    # Where each href found in content leads (_LinkResolver.target), whatever the page.
    link_targets: dict[str, tuple[str | None, str, tuple[str, str] | None]] = field(default_factory=dict)


def _sorted_categories(categories: Iterable[Category]) -> list[Category]:
    return sorted((c for c in categories if c.is_public), key=lambda c: (c.sort_order, c.name.lower()))


def _read_time(value: str | None) -> str | None:
    """cStar sends ``"3 min"``; older data may carry a bare number of minutes."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    return f"{value} min" if value.isdigit() else value


def _index(snapshot: Snapshot, settings: SiteSettings, renderer: BodyRenderer) -> _Site:
    paths = SitePaths()
    for fixed in ("categories/", "articles/", "community/", "community/posts/", "assets/", "media/"):
        paths.reserve(fixed, "a helpgen section")
    warnings: list[str] = []

    categories = _sorted_categories(snapshot.categories)
    by_id = {c.id: c for c in categories}
    by_slug = {c.slug: c for c in categories}
    by_name = {c.name: c for c in categories}

    articles = [a for a in snapshot.articles if a.is_public and a.status == "published"]
    article_category: dict[str, Category | None] = {}
    for article in articles:
        category = (
            by_id.get(article.category_id or "")
            or by_slug.get(article.category_slug or "")
            or by_name.get(article.category_name or "")
        )
        if category is None and (article.category_id or article.category_slug or article.category_name):
            warnings.append(
                f"article {article.slug!r}: category "
                f"{article.category_slug or article.category_id or article.category_name!r} "
                "not found; listed as uncategorised"
            )
        article_category[article.id] = category

    counts: dict[str, int] = {}
    for category in article_category.values():
        if category is not None:
            counts[category.id] = counts.get(category.id, 0) + 1
    category_links = {
        c.id: CategoryLink(
            name=c.name,
            slug=c.slug,
            path=paths.assign("category", "categories/", c.id, c.slug),
            description=c.description,
            icon=c.icon,
            color=safe_color(c.color),
            article_count=counts.get(c.id, 0),
        )
        for c in categories
    }
    article_paths = {a.slug: paths.assign("article", "articles/", a.id, a.slug) for a in articles}

    topics = sorted(snapshot.topics, key=lambda t: (t.sort_order, t.name.lower()))
    threads = list(snapshot.threads)
    topic_post_counts: dict[str, int] = {}
    topic_by_slug = {t.slug: t for t in topics}
    topic_ids = {t.id: t for t in topics}
    for thread in threads:
        topic = topic_ids.get(thread.post.topic_id or "") or topic_by_slug.get(thread.post.topic_slug or "")
        if topic is not None:
            topic_post_counts[topic.id] = topic_post_counts.get(topic.id, 0) + 1
    topic_links = {
        t.id: TopicLink(
            name=t.name,
            slug=t.slug,
            path=paths.assign("topic", "community/", t.id, t.slug),
            description=t.description,
            post_count=topic_post_counts.get(t.id, 0),
        )
        for t in topics
    }
    post_paths = {
        th.post.slug: paths.assign("post", "community/posts/", th.post.id, th.post.slug) for th in threads
    }
    warnings.extend(paths.warnings)
    return _Site(
        snapshot=snapshot,
        settings=settings,
        renderer=renderer,
        paths=paths,
        categories=categories,
        category_links=category_links,
        category_paths={c.slug: category_links[c.id].path for c in categories},
        articles=articles,
        article_paths=article_paths,
        article_category=article_category,
        topics=topics,
        topic_links=topic_links,
        topic_by_slug=topic_by_slug,
        threads=threads,
        post_paths=post_paths,
        warnings=warnings,
    )


def _article_link(site: _Site, article: Article) -> ArticleLink:
    known = site.article_links.get(article.id)
    if known is not None:
        return known
    category = site.article_category.get(article.id)
    link = site.category_links.get(category.id) if category else None
    known = site.article_links[article.id] = ArticleLink(
        title=article.title,
        slug=article.slug,
        path=site.article_paths[article.slug],
        excerpt=article.excerpt,
        category_name=link.name if link else None,
        category_path=link.path if link else None,
        view_count=article.view_count,
        updated_at=article.updated_at,
        read_time=_read_time(article.read_time),
    )
    return known


def _topic_of(site: _Site, post: Post) -> TopicLink | None:
    for topic in site.topics:
        if topic.id == post.topic_id:
            return site.topic_links[topic.id]
    topic = site.topic_by_slug.get(post.topic_slug or "")
    return site.topic_links[topic.id] if topic else None


def _post_link(site: _Site, thread: PostThread) -> PostLink:
    post = thread.post
    topic = _topic_of(site, post)
    return PostLink(
        title=post.title,
        slug=post.slug,
        path=site.post_paths[post.slug],
        status=post.status if post.status in STATUS_LABELS else "open",
        status_label=site.settings.catalog.text(f"status.{post.status if post.status in STATUS_LABELS else 'open'}"),
        vote_count=post.vote_count,
        comment_count=post.comment_count,
        is_pinned=post.is_pinned,
        is_locked=post.is_locked,
        author_name=post.author_name,
        created_at=post.created_at,
        topic_name=topic.name if topic else None,
        topic_path=topic.path if topic else None,
        has_official_answer=any(c.is_official for c in thread.comments),
    )


def _popular(site: _Site) -> list[Article]:
    """The API's popular list mapped to current articles; by view count when it is empty."""
    by_slug = {a.slug: a for a in site.articles}
    by_id = {a.id: a for a in site.articles}
    chosen: list[Article] = []
    for item in site.snapshot.popular:
        article = by_id.get(item.id) or by_slug.get(item.slug)
        if article is not None and article not in chosen:
            chosen.append(article)
    if not chosen:
        chosen = sorted(site.articles, key=lambda a: (-a.view_count, a.title.lower()))
    return chosen


def _newest_first(threads: Iterable[PostThread]) -> list[PostThread]:
    return sorted(threads, key=lambda t: (t.post.created_at or "", t.post.id), reverse=True)


class _LinkResolver:
    """Rewrites links in content: article/category/post references and root-relative URLs.

    Where a link leads does not depend on the page it is on (:meth:`target`, worked out once
    per build for each distinct href); only the relative URL written into the page does.
    """

    def __init__(self, site: _Site, page_path: str, owner: str, api_host: str) -> None:
        self.site = site
        self.page_path = page_path
        self.owner = owner
        self.api_host = api_host

    def __call__(self, href: str) -> str | None:
        found = self.target(href)
        return None if found is None else relative_url(self.page_path, found[0]) + found[1]

    def target(self, href: str) -> tuple[str, str] | None:
        """Where ``href`` leads on this site: (site path, ``?query#fragment``); None: left as written."""
        try:
            target, suffix, unknown = self.site.link_targets[href]
        except KeyError:
            target, suffix, unknown = self.site.link_targets[href] = self._resolve(href)
        if unknown is not None:
            warning = f"{self.owner}: link to unknown {unknown[0]} {unknown[1]!r}"
            if warning not in self.site.warnings:
                self.site.warnings.append(warning)
        return None if target is None else (target, suffix)

    def _resolve(self, href: str) -> tuple[str | None, str, tuple[str, str] | None]:
        """(site path or None, suffix, the unknown (kind, slug) it names, if any)."""
        # Short ways for the common shapes, where urlsplit would read the same (it is slow).
        plain = _PLAIN_WEB_LINK.match(href)
        if plain is not None:
            if not self._help_center(plain.group(1).lower()):
                return None, "", None  # most links: to another site, left as written
            rest = href[plain.end() :]
            if _PLAIN_REST.match(rest):  # the help center's own address: where it leads here
                rest, _, fragment = rest.partition("#")
                target, unknown = self._section_target(rest.partition("?")[0])
                return target, f"#{fragment}" if fragment else "", unknown
        elif _PLAIN_SITE_PATH.match(href):  # /media/... and /articles/... links
            rest, _, fragment = href.partition("#")
            path, _, query = rest.partition("?")
            return self._root_relative(unquote(path), query, f"#{fragment}" if fragment else "")
        elif _PLAIN_REST.match(href) and not _NOT_A_SLUG.search(href):
            return self._bare_slug(unquote(href), "")
        return self._resolve_split(href)

    def _resolve_split(self, href: str) -> tuple[str | None, str, tuple[str, str] | None]:
        """:meth:`_resolve` for any href, through ``urlsplit``."""
        try:
            parts = urlsplit(href.strip())
        except ValueError:  # "http://[::1", "//]": not a URL; left as written (the sanitiser decides)
            return None, "", None
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if parts.scheme in ("http", "https"):
            if not self._help_center((parts.hostname or "").lower()):
                return None, "", None
            target, unknown = self._section_target(parts.path)
            return target, fragment, unknown
        if parts.scheme or parts.netloc:
            return None, "", None
        path = unquote(parts.path)
        if path.startswith("/"):
            return self._root_relative(path, parts.query, fragment)
        return self._bare_slug(path, fragment)

    def _help_center(self, host: str) -> bool:
        """True when a link to ``host`` (lowercase) is a link to this help center in cStar."""
        return bool(_CSTAR_HOST.search(host) or (self.api_host and host == self.api_host))

    def _bare_slug(self, path: str, fragment: str) -> tuple[str | None, str, tuple[str, str] | None]:
        """A relative link by an article's slug alone; anything else is left as written."""
        if path in self.site.article_paths and "/" not in path:
            return self.site.article_paths[path], fragment, None
        return None, "", None

    def _root_relative(self, path: str, query: str, fragment: str) -> tuple[str | None, str, tuple[str, str] | None]:
        target, unknown = self._section_target(path)
        if target is None:
            # Root-relative (e.g. /media/x.svg): relative to the site root, so subfolders work.
            target = path.lstrip("/")
        return target, (f"?{query}" if query else "") + fragment, unknown

    def _section_target(self, path: str) -> tuple[str | None, tuple[str, str] | None]:
        segments = [s for s in unquote(path).split("/") if s]
        if len(segments) >= 2 and segments[-2] == "articles":
            return self._known("article", segments[-1], self.site.article_paths)
        if len(segments) >= 2 and segments[-2] == "categories":
            return self._known("category", segments[-1], self.site.category_paths)
        if len(segments) >= 3 and segments[-3:-1] == ["community", "posts"]:
            return self._known("post", segments[-1], self.site.post_paths)
        return None, None

    @staticmethod
    def _known(kind: str, slug: str, known: Mapping[str, str]) -> tuple[str | None, tuple[str, str] | None]:
        return (known[slug], None) if slug in known else (None, (kind, slug))


def _api_host(settings: SiteSettings) -> str:
    return (urlsplit(settings.api_url).hostname or "").lower() if settings.api_url else ""


def _render_comment(site: _Site, comment: Comment, resolver: _LinkResolver) -> CommentView:
    return CommentView(
        id=comment.id,
        html=Body(CUSTOMER, comment.body, resolver, site.renderer, f"comment {comment.id!r} on {resolver.owner}"),
        author_name=comment.author_name,
        is_official=comment.is_official,
        created_at=comment.created_at,
    )


def plan_pages(
    snapshot: Snapshot,
    settings: SiteSettings,
    renderer: BodyRenderer | None = None,
    view_growth: Mapping[str, int] | None = None,
) -> tuple[list[Page], list[str]]:
    """Every page of the site, in a stable order, and the warnings found on the way.

    ``view_growth`` (article id → views gained per day, from ``render.popularity``) makes
    the trending lists; without it nothing is trending.

    The content is checked first (``content.validate``: bad data becomes warnings and
    fallbacks). Bodies are not rendered here: each is a :class:`~helpgen.render.bodies.Body`
    that renders (through ``renderer``'s cache) when a template prints it, adding a warning
    to the returned list if it fails or hits a parser limit.
    """
    snapshot, content_warnings = check_snapshot(snapshot)
    site = _index(snapshot, settings, renderer or BodyRenderer(texts=settings.catalog.body_texts()))
    site.warnings[:0] = content_warnings
    site.renderer.report_to(site.warnings)
    api_host = _api_host(settings)
    category_links = [site.category_links[c.id] for c in site.categories]
    topic_links = [site.topic_links[t.id] for t in site.topics]
    nav = Navigation(categories=tuple(category_links), topics=tuple(topic_links))
    popular = [_article_link(site, a) for a in _popular(site)]
    growth = view_growth or {}

    def trending_links(articles: Iterable[Article], shown: Iterable[ArticleLink]) -> list[TrendingLink]:
        """Trending among ``articles``, leaving out those a list on the same page shows."""
        skip = {link.path for link in shown}
        candidates = [a for a in articles if site.article_paths[a.slug] not in skip]
        return [TrendingLink(_article_link(site, a), per_day) for a, per_day in trending(candidates, growth, TRENDING)]

    threads_newest = _newest_first(site.threads)
    recent_posts = [_post_link(site, t) for t in threads_newest[:RECENT_POSTS]]
    home = Crumb(settings.title, "")
    text = settings.catalog.text
    community_crumb = Crumb(text("community.title"), "community/")
    common = {"nav": nav}

    pages: list[Page] = [
        Page(
            kind="home",
            path="",
            template="home.html",
            title=settings.title,
            description=settings.description,
            context={
                **common,
                "breadcrumbs": [],
                "categories": category_links,
                "popular": popular[:HOME_POPULAR],
                "trending": trending_links(site.articles, popular[:HOME_POPULAR]),
                "recent_posts": recent_posts,
                "stats": snapshot.stats,
            },
        )
    ]

    by_category: dict[str, list[Article]] = {c.id: [] for c in site.categories}
    uncategorised: list[Article] = []
    for article in site.articles:
        category = site.article_category[article.id]
        (by_category[category.id] if category else uncategorised).append(article)

    for category in site.categories:
        link = site.category_links[category.id]
        in_category = by_category[category.id]
        # Listed only when it says more than the full list below it (which shows them all).
        popular_here = (
            [_article_link(site, a) for a in most_viewed(in_category, CATEGORY_POPULAR)]
            if len(in_category) > CATEGORY_POPULAR
            else []
        )
        pages.append(
            Page(
                kind="category",
                path=link.path,
                template="category.html",
                title=category.name,
                description=category.description,
                context={
                    **common,
                    "breadcrumbs": [home],
                    "category": link,
                    "articles": [_article_link(site, a) for a in by_category[category.id]],
                    "popular": popular_here,
                    "trending": trending_links(by_category[category.id], popular_here),
                },
            )
        )

    for group in [*by_category.values(), uncategorised]:
        by_views = sorted(group, key=lambda a: (-a.view_count, a.title.lower()))  # once per category
        for index, article in enumerate(group):
            pages.append(_article_page(site, article, group, by_views, index, home, common, api_host))

    if site.topics or site.threads:
        pages.append(
            Page(
                kind="community",
                path="community/",
                template="community.html",
                title=text("community.title"),
                description=text("community.description", site=settings.title),
                context={
                    **common,
                    "breadcrumbs": [home],
                    "topics": topic_links,
                    "recent_posts": recent_posts,
                    "roadmap": None,  # the roadmap's path, when there is one (render/roadmap.py)
                },
            )
        )
    for topic in site.topics:
        link = site.topic_links[topic.id]
        in_topic = [t for t in threads_newest if _topic_of(site, t.post) == link]
        in_topic.sort(key=lambda t: not t.post.is_pinned)  # stable: pinned first, newest first within
        pages.append(
            Page(
                kind="topic",
                path=link.path,
                template="topic.html",
                title=topic.name,
                description=topic.description,
                context={
                    **common,
                    "breadcrumbs": [home, community_crumb],
                    "topic": link,
                    "posts": [_post_link(site, t) for t in in_topic],
                },
            )
        )
    for thread in site.threads:
        pages.append(_post_page(site, thread, home, community_crumb, common, api_host))

    pages.extend(
        plan_search_pages(
            categories=category_links,
            topics=topic_links,
            articles=[_article_link(site, a) for a in site.articles],
            popular=popular,
            common=common,
            home=home,
            crumb=Crumb,
            page=Page,
            catalog=settings.catalog,
        )
    )
    pages.append(
        Page(
            kind="not_found",
            path="404.html",
            template="404.html",
            title=text("not_found.title"),
            description="",
            context={
                **common,
                "breadcrumbs": [],
                "categories": category_links,
                "popular": popular[:HOME_POPULAR],
                "trending": trending_links(site.articles, popular[:HOME_POPULAR]),
            },
        )
    )
    return pages, site.warnings


def _article_page(
    site: _Site,
    article: Article,
    group: list[Article],
    by_views: list[Article],
    index: int,
    home: Crumb,
    common: dict[str, Any],
    api_host: str,
) -> Page:
    path = site.article_paths[article.slug]
    category = site.article_category[article.id]
    category_link = site.category_links[category.id] if category else None
    resolver = _LinkResolver(site, path, f"article {article.slug!r}", api_host)
    others = [a for a in by_views[: MORE_IN_CATEGORY + 1] if a.id != article.id][:MORE_IN_CATEGORY] if category else []
    crumbs = [home] + ([Crumb(category_link.name, category_link.path)] if category_link else [])
    view = ArticleView(
        title=article.title,
        slug=article.slug,
        excerpt=article.excerpt,
        html=Body(ARTICLE, article.content or "", resolver, site.renderer, resolver.owner),
        updated_at=article.updated_at,
        published_at=article.published_at,
        read_time=_read_time(article.read_time),
        tags=article.tags,
        category=category_link,
        view_count=article.view_count,
        helpful_count=article.helpful_count,
        not_helpful_count=article.not_helpful_count,
        listed=_article_link(site, article),
    )
    return Page(
        kind="article",
        path=path,
        template="article.html",
        title=article.title,
        description=article.meta_description or article.excerpt,
        context={
            **common,
            "breadcrumbs": crumbs,
            "article": view,
            "more_in_category": [_article_link(site, a) for a in others],
            "related": [],  # filled by render.related.add_related_articles
            "prev": _article_link(site, group[index - 1]) if index > 0 else None,
            "next": _article_link(site, group[index + 1]) if index + 1 < len(group) else None,
        },
    )


def _post_page(
    site: _Site,
    thread: PostThread,
    home: Crumb,
    community_crumb: Crumb,
    common: dict[str, Any],
    api_host: str,
) -> Page:
    post = thread.post
    path = site.post_paths[post.slug]
    topic = _topic_of(site, post)
    resolver = _LinkResolver(site, path, f"post {post.slug!r}", api_host)
    comments = [_render_comment(site, c, resolver) for c in thread.comments]
    link = _post_link(site, thread)
    view = PostView(
        title=post.title,
        slug=post.slug,
        html=Body(CUSTOMER, post.body, resolver, site.renderer, resolver.owner),
        status=link.status,
        status_label=link.status_label,
        vote_count=post.vote_count,
        comment_count=post.comment_count,
        is_pinned=post.is_pinned,
        is_locked=post.is_locked,
        author_name=post.author_name,
        created_at=post.created_at,
        updated_at=post.updated_at,
        attachments=tuple(
            AttachmentView(a.filename, resolver(a.url) or a.url, a.content_type, a.size_bytes)
            for a in post.attachments
            if _is_safe_attachment(a.url, a.content_type)
        ),
        topic=topic,
        listed=link,
    )
    crumbs = [home, community_crumb] + ([Crumb(topic.name, topic.path)] if topic else [])
    return Page(
        kind="post",
        path=path,
        template="post.html",
        title=post.title,
        description=_first_line(post.body),
        context={
            **common,
            "breadcrumbs": crumbs,
            "post": view,
            "comments": comments,
            "official_answer": next((c for c in comments if c.is_official), None),
        },
    )


def _is_safe_attachment(url: str, content_type: str) -> bool:
    """Attachments are images only, from http(s) or the site itself (never javascript:/data:)."""
    parts = urlsplit(url.strip())
    scheme_ok = parts.scheme in ("http", "https") or (not parts.scheme and not parts.netloc and url.startswith("/"))
    return scheme_ok and content_type.startswith("image/")


def _first_line(markdown: str, limit: int = 160) -> str:
    text = " ".join(markdown.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
