"""``helpgen check``: what is broken in a built site, as a reader would find it.

Reads every HTML page of a built site (``_site/``) and follows each reference that stays inside
the site: ``<a href>``, ``<link href>``, ``<img src/srcset>``, ``<source srcset>``, ``<script
src>``, ``<form action>`` and ``<meta http-equiv="refresh">``. Relative URLs, root-relative
URLs under the site's base path and absolute URLs under ``[site].base_url`` are checked against
the files of the site (a folder URL needs its ``index.html``; a ``#fragment`` needs an element
with that id on the page it names); other hosts are not fetched. Every URL ``sitemap.xml``
lists (through its index, when split) must be a page of the site too.

Kinds of problem:

- ``missing image``: an image whose file is not in the site;
- ``unpublished article``: a link to ``articles/SLUG`` (or a bare ``SLUG``) where SLUG is an
  article of the content that is a draft or private (so it has no page);
- ``broken link``: any other reference to a file the site does not have, or to an id its page
  does not have (the target then reads ``path#fragment``);
- ``not valid XML``: a sitemap file that cannot be read.

Pure apart from reading the site: :func:`check_site` returns a :class:`CheckReport`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from helpgen.render.paths import safe_segment

__all__ = ["Problem", "CheckReport", "check_site", "unpublished_article_slugs", "unpublished_from_content"]

BROKEN_LINK = "broken link"
MISSING_IMAGE = "missing image"
UNPUBLISHED = "unpublished article"
INVALID_XML = "not valid XML"  # a sitemap file that cannot be read
_ORIGIN = "https://site.invalid"


@dataclass(frozen=True)
class Problem:
    """One broken reference: on which page, what it said, and what it should have reached."""

    kind: str  # BROKEN_LINK, MISSING_IMAGE or UNPUBLISHED
    page: str  # the site file it is on, e.g. "articles/x/index.html"
    url: str  # the URL as written
    target: str  # the site path it resolves to

    def __str__(self) -> str:
        if not self.url:
            return f"{self.page}: {self.kind}"
        return f"{self.page}: {self.kind}: {self.url} (/{self.target} not found)"


@dataclass
class CheckReport:
    """What :func:`check_site` found."""

    pages: int = 0
    references: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _References(HTMLParser):
    """(kind, url) of every reference in one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.ids: set[str] = {"top"}  # "#top" is the top of any page (HTML standard)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and "href" in values:
            self.found.append((BROKEN_LINK, values["href"]))
        elif tag == "link" and "href" in values and "canonical" not in values.get("rel", "").split():
            self.found.append((BROKEN_LINK, values["href"]))
        elif tag in ("script", "iframe") and values.get("src"):
            self.found.append((BROKEN_LINK, values["src"]))
        elif tag == "form" and values.get("action"):
            self.found.append((BROKEN_LINK, values["action"]))
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            _, _, target = values.get("content", "").partition("url=")
            if target.strip():
                self.found.append((BROKEN_LINK, target.strip()))
        if tag in ("img", "source"):
            if values.get("src"):
                self.found.append((MISSING_IMAGE, values["src"]))
            for candidate in values.get("srcset", "").split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    self.found.append((MISSING_IMAGE, url))


def _site_path(url: str, page_url: str, base_path: str, base_url: str) -> str | None:
    """The site path ``url`` (on the page at ``page_url``) points at; None when outside the site."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        if not base_url or not url.startswith(base_url):
            return None  # another host: not checked
        url = base_path + url[len(base_url):]
    elif parts.scheme or url.startswith("//"):
        return None  # mailto:, tel:, data:, a protocol-relative host
    resolved = urlsplit(urljoin(page_url, url))
    path = unquote(resolved.path)
    if not path.startswith(base_path):
        return "/" + path.lstrip("/")  # above the site's folder: cannot be one of its files
    return path[len(base_path):]


def _exists(site: Path, path: str) -> bool:
    if path.startswith("/") or ".." in path.split("/"):
        return False
    target = site / path
    if path == "" or path.endswith("/"):
        return (target / "index.html").is_file()
    return target.is_file() or (target / "index.html").is_file()


def _pages(site: Path) -> Iterable[str]:
    for folder, dirs, files in os.walk(site):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".html"):
                yield os.path.relpath(os.path.join(folder, name), site).replace(os.sep, "/")


def unpublished_article_slugs(articles: Iterable[object]) -> set[str]:
    """The slugs (as written and as path segments) of articles that have no page: drafts, private."""
    slugs: set[str] = set()
    for article in articles:
        if getattr(article, "status", "published") != "published" or not getattr(article, "is_public", True):
            slug = getattr(article, "slug", "")
            if slug:
                slugs |= {slug, safe_segment(slug)}
    return slugs


def check_site(site: Path, *, base_url: str = "", unpublished: Iterable[str] = ()) -> CheckReport:
    """Every broken internal reference of the built site in ``site``.

    ``base_url`` is the site's ``[site].base_url`` (its path is where the site is served, and
    absolute URLs under it are internal); ``unpublished`` holds the slugs of draft and private
    articles, so links to them are named as such.
    """
    base_path = urlsplit(base_url).path if base_url else "/"
    base_path = base_path if base_path.endswith("/") else base_path + "/"
    hidden = set(unpublished)
    report = CheckReport()
    parsed: dict[str, _References] = {}
    for page in _pages(site):
        parser = _References()
        parser.feed((site / page).read_text(encoding="utf-8", errors="replace"))
        parser.close()
        parsed[page] = parser
    report.pages = len(parsed)
    references = [(page, parser.found) for page, parser in parsed.items()] + _sitemap_references(site)
    known: dict[str, bool] = {}  # site path → exists (most pages link the same assets and lists)
    for page, found in references:
        page_url = _ORIGIN + base_path + page.removesuffix("index.html")  # a folder URL, as readers see it
        seen: set[tuple[str, str]] = set()
        for kind, url in found:
            target = page if kind == INVALID_XML else _site_path(url, page_url, base_path, base_url)
            if target is None or (kind, url) in seen:
                continue
            seen.add((kind, url))
            report.references += 1
            if kind == INVALID_XML:
                report.problems.append(Problem(kind, page, "", page))
                continue
            exists = known.get(target)
            if exists is None:
                exists = known[target] = _exists(site, target)
            if exists:
                problem = _missing_anchor(parsed, target, unquote(urlsplit(url.strip()).fragment))
                if problem:
                    report.problems.append(Problem(BROKEN_LINK, page, url, problem))
                continue
            segments = [s for s in target.split("/") if s]
            # /articles/SLUG, or a bare SLUG (cStar's short form, left as written when it has no page)
            names_article = len(segments) >= 2 and segments[-2] == "articles" or "/" not in url.strip().strip("/")
            if kind == BROKEN_LINK and segments and segments[-1] in hidden and names_article:
                kind = UNPUBLISHED
            report.problems.append(Problem(kind, page, url, target))
    return report


def _sitemap_references(site: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """The URLs ``sitemap.xml`` lists (through its index, when it is one), per sitemap file."""
    found: list[tuple[str, list[tuple[str, str]]]] = []
    queue, done = ["sitemap.xml"], set()
    while queue:
        name = queue.pop(0)
        if name in done or not (site / name).is_file():
            continue
        done.add(name)
        try:
            root = ElementTree.parse(site / name).getroot()
        except ElementTree.ParseError:
            found.append((name, [(INVALID_XML, "")]))
            continue
        locs = [(el.text or "").strip() for el in root.iter() if el.tag.endswith("}loc") or el.tag == "loc"]
        found.append((name, [(BROKEN_LINK, loc) for loc in locs if loc]))
        if root.tag.endswith("sitemapindex"):
            queue += [loc.rsplit("/", 1)[-1] for loc in locs if loc.endswith(".xml")]
    return found


def _missing_anchor(parsed: dict[str, _References], target: str, fragment: str) -> str:
    """``target#fragment`` when that page of the site has no element with that id, else ""."""
    if not fragment:
        return ""
    page = target + "index.html" if target == "" or target.endswith("/") else target
    if page not in parsed:
        page = page + "/index.html"
    found = parsed.get(page)
    if found is None or fragment in found.ids:
        return ""
    return f"{target}#{fragment}"


def unpublished_from_content(snapshot_dir: Path | None, cache_dir: Path, team: str = "") -> tuple[set[str], str]:
    """Unpublished article slugs from the site's snapshot, else the build cache; and where from.

    Returns an empty set and "" when neither has content (links are then only "broken").
    """
    from helpgen.content.cache import ContentCache
    from helpgen.content.snapshot import SnapshotError, load_snapshot

    if snapshot_dir is not None:
        try:
            return unpublished_article_slugs(load_snapshot(snapshot_dir, team=team).articles), str(snapshot_dir)
        except SnapshotError:
            return set(), ""
    cached = ContentCache(cache_dir).load_content(team)
    if cached is None:
        return set(), ""
    return unpublished_article_slugs(cached.articles), str(cache_dir)
