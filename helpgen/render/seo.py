"""What search engines and link previews read in each page's ``<head>``, as data.

:func:`add_head_data` gives every planned page a ``head`` (:class:`HeadData`): its canonical
URL, meta description, Open Graph and Twitter card tags, ``<link rel="alternate">`` feeds and
Markdown copy, and its JSON-LD (``WebSite`` with a ``SearchAction`` on the home page,
``TechArticle`` on articles, ``QAPage`` on community posts with an official answer,
``BreadcrumbList`` everywhere below home). ``partials/meta.html`` prints it. It is built
lazily (:class:`PageHead`), only for the pages a build renders; its fingerprint (what it shows
beyond the page itself and the settings: the feeds it links to) is part of the page's.

Absolute URLs need ``[site].base_url``. Without it, the canonical link, ``og:url``,
``WebSite``/``SearchAction`` and ``BreadcrumbList`` are left out (and :mod:`helpgen.render.sitemap`
and :mod:`helpgen.render.feeds` write nothing): :func:`missing_base_url_warning` says so once.

JSON-LD sits in an inline ``<script type="application/ld+json">``: a data block the browser
never executes (the CSP's ``script-src`` does not apply to it), but customer text inside it
must never end the element. :func:`json_ld_text` escapes ``<``, ``>``, ``&`` and U+2028/U+2029
as JSON ``\\u`` escapes, so ``</script>`` or ``<!--`` cannot appear in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Iterable

from babel.core import get_global
from markupsafe import Markup

from helpgen.render.feeds import SITE_FEED, feed_path, feed_sections, feed_title
from helpgen.render.paths import absolute_url, markdown_copy_path
from helpgen.render.templates import iso_date
from helpgen.search.documents import markdown_text

__all__ = [
    "HeadData",
    "PageHead",
    "Alternate",
    "add_head_data",
    "json_ld_text",
    "missing_base_url_warning",
]

MAX_ANSWER_CHARS = 5000  # QAPage texts: enough for a rich result, bounded for hostile bodies


@dataclass(frozen=True)
class Alternate:
    """A ``<link rel="alternate">``: another format of this page or a feed about it."""

    type: str
    title: str
    path: str  # a site path; templates print it with url()


@dataclass(frozen=True)
class HeadData:
    """``head`` in templates: everything ``partials/meta.html`` prints."""

    description: str
    canonical: str  # absolute URL, or "" without base_url
    properties: tuple[tuple[str, str], ...]  # <meta property=... content=...>: Open Graph
    names: tuple[tuple[str, str], ...]  # <meta name=... content=...>: Twitter card
    alternates: tuple[Alternate, ...]
    json_ld: Markup  # escaped JSON (json_ld_text), safe inside <script type="application/ld+json">; "" for none
    markdown_path: str  # the article's Markdown copy (site path), "" on other pages


def json_ld_text(data: Any) -> str:
    """``data`` as JSON that cannot end a ``<script>`` element or open an HTML comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def missing_base_url_warning() -> str:
    """The one warning a site without ``[site].base_url`` gets."""
    return (
        "[site].base_url is not set: sitemap.xml and the Atom feeds are not written, and pages carry "
        "no canonical link, og:url or link-based structured data (all need absolute URLs)"
    )


def _clean(text: str | None, limit: int = 0) -> str:
    value = " ".join((text or "").split())
    if limit and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def _plain(markdown: str, limit: int) -> str:
    """Customer Markdown as the plain text a reader sees (raw HTML stays text, as on the page)."""
    return _clean(markdown_text(markdown, raw_html=False).body, limit)


def og_locale(catalog: Any) -> str:
    """``og:locale`` (``language_TERRITORY``) of the site's language: ``de`` → ``de_DE``; "" when unknown."""
    locale = catalog.locale
    territory = locale.territory or get_global("likely_subtags").get(locale.language, "").split("_")[-1]
    return f"{locale.language}_{territory}" if territory.isalpha() and territory.isupper() else ""


def _person(name: str) -> dict[str, str]:
    return {"@type": "Person", "name": _clean(name) or "Anonymous"}


class _HeadBuilder:
    """Per-build lookups (which feeds exist) and the per-page assembly."""

    def __init__(self, pages: list[Any], settings: Any) -> None:
        self.settings = settings
        self.base = settings.base_url
        self.feeds = feed_sections(pages) if self.base else set()

    def url(self, path: str) -> str:
        return absolute_url(self.base, path) if self.base else ""

    @staticmethod
    def section(page: Any) -> Any:
        """The category or topic a page belongs to (or is), whose feed it links to; else None."""
        if page.kind in ("category", "topic"):
            return page.context.get(page.kind)
        if page.kind == "article":
            return page.context["article"].category
        if page.kind == "post":
            return page.context["post"].topic
        return None

    def feeds_of(self, page: Any) -> tuple[str, ...]:
        """The feeds ``page`` links to: the site's, then its section's (those the site has).

        The only thing a page's head shows that is not in the page itself or the settings.
        """
        found = (SITE_FEED,) if SITE_FEED in self.feeds else ()
        section = self.section(page)
        if section is not None and feed_path(section.path) in self.feeds:
            found += (feed_path(section.path),)
        return found

    def alternates(self, page: Any) -> tuple[Alternate, ...]:
        found: list[Alternate] = []
        for path in self.feeds_of(page):
            if path == SITE_FEED:
                found.append(Alternate("application/atom+xml", feed_title(self.settings, None), SITE_FEED))
            else:
                title = feed_title(self.settings, self.section(page), posts=page.kind in ("topic", "post"))
                found.append(Alternate("application/atom+xml", title, path))
        return tuple(found)

    def breadcrumbs(self, page: Any) -> dict[str, Any] | None:
        crumbs = list(page.context.get("breadcrumbs") or [])
        if not self.base or not crumbs:
            return None
        items = [(c.title, c.path) for c in crumbs] + [(page.title, page.path)]
        return {
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": i, "name": _clean(title) or self.settings.title, "item": self.url(path)}
                for i, (title, path) in enumerate(items, start=1)
            ],
        }

    def graph(self, page: Any, description: str) -> list[dict[str, Any]]:
        graph: list[dict[str, Any]] = []
        if page.kind == "home" and self.base:
            graph.append(
                {
                    "@type": "WebSite",
                    "name": self.settings.title,
                    "url": self.base,
                    "inLanguage": self.settings.catalog.language,
                    **({"description": self.settings.description} if self.settings.description else {}),
                    "potentialAction": {
                        "@type": "SearchAction",
                        "target": {"@type": "EntryPoint", "urlTemplate": self.url("search/") + "?q={search_term_string}"},
                        "query-input": "required name=search_term_string",
                    },
                }
            )
        elif page.kind == "article":
            graph.append(self.article(page, description))
        elif page.kind == "post" and page.context.get("official_answer") is not None:
            graph.append(self.qa_page(page))
        crumbs = self.breadcrumbs(page)
        if crumbs:
            graph.append(crumbs)
        return graph

    def article(self, page: Any, description: str) -> dict[str, Any]:
        article = page.context["article"]
        data: dict[str, Any] = {
            "@type": "TechArticle",
            "headline": _clean(article.title, 110),
            "inLanguage": self.settings.catalog.language,
        }
        if description:
            data["description"] = description
        if iso_date(article.published_at or article.updated_at):
            data["datePublished"] = iso_date(article.published_at or article.updated_at)
        if iso_date(article.updated_at):
            data["dateModified"] = iso_date(article.updated_at)
        if article.category is not None:
            data["articleSection"] = article.category.name
        if article.tags:
            data["keywords"] = ", ".join(article.tags)
        data["publisher"] = {"@type": "Organization", "name": self.settings.title}
        if self.base:
            data["url"] = data["mainEntityOfPage"] = self.url(page.path)
        return data

    def qa_page(self, page: Any) -> dict[str, Any]:
        post = page.context["post"]
        comments = page.context.get("comments") or []
        official = page.context["official_answer"]

        def answer(comment: Any) -> dict[str, Any]:
            item: dict[str, Any] = {
                "@type": "Answer",
                "text": _plain(comment.html.markdown, MAX_ANSWER_CHARS),
                "author": _person(comment.author_name),
            }
            if iso_date(comment.created_at):
                item["dateCreated"] = iso_date(comment.created_at)
            return item

        question: dict[str, Any] = {
            "@type": "Question",
            "name": _clean(post.title, 300),
            "text": _plain(post.html.markdown, MAX_ANSWER_CHARS) or _clean(post.title, 300),
            "answerCount": len(comments),
            "upvoteCount": post.vote_count,
            "author": _person(post.author_name),
            "acceptedAnswer": answer(official),
        }
        if iso_date(post.created_at):
            question["dateCreated"] = iso_date(post.created_at)
        others = [answer(c) for c in comments if c is not official]
        if others:
            question["suggestedAnswer"] = others
        return {"@type": "QAPage", "mainEntity": question}

    def head(self, page: Any) -> HeadData:
        settings = self.settings
        description = _clean(page.description or settings.description, 300)
        canonical = self.url(page.path) if page.kind != "not_found" else ""
        is_article = page.kind in ("article", "post")
        title = settings.title if page.kind == "home" or not page.title else page.title
        properties: list[tuple[str, str]] = [
            ("og:type", "article" if is_article else "website"),
            ("og:site_name", settings.title),
            ("og:title", _clean(title)),
        ]
        locale = og_locale(settings.catalog)
        if locale:
            properties.append(("og:locale", locale))
        if description:
            properties.append(("og:description", description))
        if canonical:
            properties.append(("og:url", canonical))
        if page.kind == "article":
            article = page.context["article"]
            if iso_date(article.published_at):
                properties.append(("article:published_time", iso_date(article.published_at)))
            if iso_date(article.updated_at):
                properties.append(("article:modified_time", iso_date(article.updated_at)))
        names: list[tuple[str, str]] = [("twitter:card", "summary"), ("twitter:title", _clean(title))]
        if description:
            names.append(("twitter:description", description))
        markdown_path = markdown_copy_path(page.path) if page.kind == "article" else ""
        alternates = self.alternates(page)
        if markdown_path:
            alternates += (Alternate("text/markdown", settings.catalog.text("meta.markdown_copy"), markdown_path),)
        graph = self.graph(page, description) if page.kind != "not_found" else []
        json_ld = Markup(json_ld_text({"@context": "https://schema.org", "@graph": graph}) if graph else "")
        return HeadData(
            description=description,
            canonical=canonical,
            properties=tuple(properties),
            names=tuple(names),
            alternates=alternates,
            json_ld=json_ld,
            markdown_path=markdown_path,
        )


class PageHead:
    """``head`` in a page's context: the page's :class:`HeadData`, built when first read.

    Templates read it like the :class:`HeadData` it stands for (``head.canonical``,
    ``head.json_ld``, ...). An incremental build renders few pages, so only those pay for
    their head tags and JSON-LD (built in the render workers). What a head shows is a pure
    function of its page (kind, path, title, description and context, all part of the
    page's fingerprint), the settings (part of every fingerprint) and which feeds the site
    has: :meth:`fingerprint` adds the last, so a page is re-rendered whenever its head
    would change.
    """

    __slots__ = ("_builder", "_page", "_data")

    def __init__(self, builder: _HeadBuilder, page: Any) -> None:
        self._builder = builder
        self._page = page  # the page as planned, without its head
        self._data: HeadData | None = None

    @property
    def data(self) -> HeadData:
        """The page's head data (built once)."""
        if self._data is None:
            self._data = self._builder.head(self._page)
        return self._data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.data, name)

    def fingerprint(self) -> tuple[Any, ...]:
        """What the head depends on besides its page and the settings: the feeds it links to."""
        return ("head", self._builder.feeds_of(self._page))


def add_head_data(pages: Iterable[Any], settings: Any) -> list[Any]:
    """The planned pages, each with ``head`` (a :class:`PageHead`) added to its context.

    Run it after every stage that changes pages: a head is built from the page it was given.
    """
    pages = list(pages)
    builder = _HeadBuilder(pages, settings)
    return [replace(page, context={**page.context, "head": PageHead(builder, page)}) for page in pages]
