"""Atom feeds (RFC 4287): recently updated articles, per site and per category; new posts per topic.

Pure: planned pages in, ``{site path: bytes}`` out, written through the staged site like the
search index. Feeds and their paths:

- ``feed.xml``: the :data:`FEED_ENTRIES` most recently updated articles of the whole site;
- ``categories/{slug}/feed.xml``: the same for one category;
- ``community/{topic}/feed.xml``: the newest community posts of one topic.

Entries are newest first (ties by title, then URL) and dates are RFC 3339 in UTC. Titles,
excerpts, author names and a post's opening words are plain text (``type="text"``); an entry's
``content`` is the body's HTML exactly as its page shows it (sanitised by
:mod:`~helpgen.render.sanitize`, links relative to the page, with ``xml:base`` set to the page's
URL). The XML serialiser escapes all of it, and characters XML cannot carry are removed. A feed is written only
when it has an entry with a valid date; its ``updated`` is its newest entry's, so an unchanged
site gives byte-identical feeds. Feeds need absolute URLs: without ``[site].base_url`` none is
written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from xml.etree import ElementTree as ET

from helpgen.render.paths import absolute_url
from helpgen.search.documents import markdown_text
from helpgen.render.templates import iso_date

__all__ = ["FEED_ENTRIES", "SITE_FEED", "feed_path", "feed_sections", "feed_title", "feed_files"]

FEED_ENTRIES = 20
SITE_FEED = "feed.xml"
SUMMARY_CHARS = 400
_ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def feed_path(section_path: str) -> str:
    """The Atom feed of a category or topic page: ``categories/x/`` → ``categories/x/feed.xml``."""
    return section_path + "feed.xml"


@dataclass(frozen=True)
class _Entry:
    title: str
    path: str
    updated: str  # RFC 3339
    published: str
    summary: str
    author: str
    category: tuple[str, str] | None  # (term, label)
    body: Any = field(default=None, compare=False)  # the page's Body: its sanitised HTML is the entry's content
    markdown: str = ""  # a post's Markdown: its opening words become the summary (only for entries kept)


def _text(value: str | None, limit: int = 0) -> str:
    text = " ".join(_NOT_XML.sub("", value or "").split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _article_entry(page: Any) -> _Entry | None:
    article = page.context["article"]
    updated = iso_date(article.updated_at) or iso_date(article.published_at)
    if not updated:
        return None
    category = article.category
    return _Entry(
        title=_text(article.title),
        path=page.path,
        updated=updated,
        published=iso_date(article.published_at),
        summary=_text(article.excerpt or page.description, SUMMARY_CHARS),
        author="",
        category=(category.slug, category.name) if category is not None else None,
        body=article.html,
    )


def _post_entry(page: Any) -> _Entry | None:
    post = page.context["post"]
    created = iso_date(post.created_at)
    if not created:
        return None
    topic = post.topic
    return _Entry(
        title=_text(post.title),
        path=page.path,
        updated=created,  # a feed of new posts: each entry is dated by its creation
        published=created,
        summary="",
        markdown=post.html.markdown,
        author=_text(post.author_name) or "Anonymous",
        category=(topic.slug, topic.name) if topic is not None else None,
        body=post.html,
    )


def _newest(entries: Iterable[_Entry]) -> list[_Entry]:
    ordered = sorted(entries, key=lambda e: (e.title.lower(), e.path))
    ordered.sort(key=lambda e: e.updated, reverse=True)  # stable: ties keep title order
    return ordered[:FEED_ENTRIES]


def _collect(pages: Iterable[Any]) -> dict[str, tuple[Any, list[_Entry]]]:
    """Feed path → (the page it is about, or None for the site feed; its entries, newest first)."""
    site: list[_Entry] = []
    sections: dict[str, tuple[Any, list[_Entry]]] = {}
    for page in pages:
        if page.kind == "article":
            entry = _article_entry(page)
            section = page.context["article"].category
            if entry is not None:
                site.append(entry)
        elif page.kind == "post":
            entry = _post_entry(page)
            section = page.context["post"].topic
        else:
            continue
        if entry is not None and section is not None:
            sections.setdefault(feed_path(section.path), (section, []))[1].append(entry)
    feeds = {path: (section, _newest(entries)) for path, (section, entries) in sections.items()}
    if site:
        feeds[SITE_FEED] = (None, _newest(site))
    return feeds


def feed_title(settings: Any, section: Any, *, posts: bool = False) -> str:
    """A feed's title in the site's language: the site's, a category's or a topic's."""
    site = _text(settings.title)
    if section is None:
        return settings.catalog.text("feed.site", site=site)
    return settings.catalog.text("feed.topic" if posts else "feed.category", name=_text(section.name), site=site)


def feed_sections(pages: Iterable[Any]) -> set[str]:
    """The paths of the feeds a site has (``feed.xml``, ``categories/x/feed.xml``, ...)."""
    return set(_collect(pages))


def _feed(settings: Any, path: str, section: Any, entries: list[_Entry], posts: bool) -> bytes:
    base = settings.base_url
    ET.register_namespace("", _ATOM)
    root = ET.Element(f"{{{_ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": settings.language or "en"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed_url = absolute_url(base, path)
    title = feed_title(settings, section, posts=posts)
    page_url = base if section is None else absolute_url(base, section.path)
    sub(root, "id", feed_url)
    sub(root, "title", title, type="text")
    if section is not None and _text(section.description):
        sub(root, "subtitle", _text(section.description, SUMMARY_CHARS), type="text")
    elif section is None and _text(settings.description):
        sub(root, "subtitle", _text(settings.description, SUMMARY_CHARS), type="text")
    sub(root, "updated", entries[0].updated)
    sub(root, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(root, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(root, "author")
    sub(author, "name", _text(settings.title) or "Help Center")
    sub(root, "generator", "helpgen")
    for item in entries:
        entry = sub(root, "entry")
        url = absolute_url(base, item.path)
        sub(entry, "id", url)
        sub(entry, "title", item.title or "Untitled", type="text")
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "updated", item.updated)
        if item.published:
            sub(entry, "published", item.published)
        if item.author:
            sub(sub(entry, "author"), "name", item.author)
        if item.category is not None:
            sub(entry, "category", term=_text(item.category[0]), label=_text(item.category[1]))
        summary = item.summary or _text(markdown_text(item.markdown, raw_html=False).body, SUMMARY_CHARS)
        if summary:
            sub(entry, "summary", summary, type="text")
        html = _NOT_XML.sub("", str(item.body)) if item.body is not None else ""
        if html.strip():
            # The body as the page shows it (sanitised HTML, links relative to the page): xml:base
            # makes feed readers resolve those links against the page's own URL.
            sub(entry, "content", html, type="html", **{"{http://www.w3.org/XML/1998/namespace}base": url})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def feed_files(pages: Iterable[Any], settings: Any) -> dict[str, bytes]:
    """Every Atom feed of the site as ``{site path: bytes}``; empty without ``settings.base_url``."""
    if not settings.base_url:
        return {}
    pages = list(pages)
    topic_feeds = {feed_path(p.path) for p in pages if p.kind == "topic"}
    return {
        path: _feed(settings, path, section, entries, posts=path in topic_feeds)
        for path, (section, entries) in sorted(_collect(pages).items())
    }
