"""``sitemap.xml`` and ``robots.txt``: the site's pages as search engines list them.

Pure: planned pages in, ``{site path: bytes}`` out, written through the staged site like the
search index. Every page but the 404 page is listed, at its absolute URL under
``[site].base_url``, with ``lastmod`` from the content it shows: an article's or a post's own
``updatedAt``, and for a list page (home, category, topic, community) the newest date among the
items it lists. Past :data:`MAX_URLS` URLs (the sitemaps.org limit) the URLs are split into
``sitemap-1.xml``, ``sitemap-2.xml``, ... and ``sitemap.xml`` becomes their sitemap index.

Without a base URL there is no sitemap (its URLs must be absolute) and ``robots.txt`` has no
``Sitemap:`` line.
"""

from __future__ import annotations

from typing import Any, Iterable
from xml.etree import ElementTree as ET

from helpgen.render.paths import absolute_url
from helpgen.render.templates import iso_date

__all__ = ["MAX_URLS", "sitemap_files", "robots_txt", "page_lastmod", "SITEMAP", "ROBOTS"]

MAX_URLS = 50_000
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _newest(values: Iterable[str | None]) -> str:
    dates = [iso_date(v) for v in values]
    return max((d for d in dates if d), default="")


def page_lastmod(page: Any) -> str:
    """The RFC 3339 date a page's content last changed, or "" when it shows no dated content."""
    context = page.context
    if page.kind == "article":
        return iso_date(context["article"].updated_at)
    if page.kind == "post":
        post = context["post"]
        comments = context.get("comments") or []
        return _newest([post.updated_at, post.created_at, *(c.created_at for c in comments)])
    if page.kind == "category":
        return _newest(a.updated_at for a in context.get("articles") or [])
    if page.kind == "topic":
        return _newest(p.created_at for p in context.get("posts") or [])
    if page.kind in ("home", "community"):
        listed = [*(context.get("popular") or []), *(context.get("recent_posts") or [])]
        return _newest(getattr(item, "updated_at", None) or getattr(item, "created_at", None) for item in listed)
    return ""


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _urlset(entries: list[tuple[str, str]]) -> bytes:
    root = ET.Element("urlset", xmlns=_NS)
    for loc, lastmod in entries:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = loc
        if lastmod:
            ET.SubElement(url, "lastmod").text = lastmod
    return _xml(root)


def sitemap_files(pages: Iterable[Any], base_url: str, *, max_urls: int = MAX_URLS) -> dict[str, bytes]:
    """``sitemap.xml`` (and its parts past ``max_urls`` URLs); empty without ``base_url``."""
    if not base_url:
        return {}
    entries = [(absolute_url(base_url, p.path), page_lastmod(p)) for p in pages if p.kind != "not_found"]
    if len(entries) <= max_urls:
        return {SITEMAP: _urlset(entries)}
    files: dict[str, bytes] = {}
    index = ET.Element("sitemapindex", xmlns=_NS)
    for number, start in enumerate(range(0, len(entries), max_urls), start=1):
        part = entries[start : start + max_urls]
        name = f"sitemap-{number}.xml"
        files[name] = _urlset(part)
        item = ET.SubElement(index, "sitemap")
        ET.SubElement(item, "loc").text = absolute_url(base_url, name)
        newest = max((lastmod for _, lastmod in part if lastmod), default="")
        if newest:
            ET.SubElement(item, "lastmod").text = newest
    files[SITEMAP] = _xml(index)
    return files


def robots_txt(base_url: str) -> bytes:
    """A ``robots.txt`` that allows everything and names the sitemap (when there is one)."""
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines += ["", f"Sitemap: {absolute_url(base_url, SITEMAP)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
