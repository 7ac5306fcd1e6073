"""Old URLs keep working: redirects from every path an item was ever published at.

cStar appends suffixes to slugs and teams rename articles, categories and topics; links to the
old address live on in bookmarks, search results and other sites. The build cache keeps a
history (``redirects.json``: every site path ever published for an article, category, topic or
post, with that item's id). Each build, every path in the history whose item still exists at
another path becomes a redirect to where the item is now; extra redirects come from
``[redirects] extra`` in ``helpgen.toml``. A page or a file of the new site at an old path
always wins over a redirect.

Each redirect is published three ways:

- an HTML page at the old path (``meta refresh`` + ``rel=canonical`` + a link), which works on
  any static host, ``file://`` included (``templates/redirect.html``);
- ``_redirects`` (Netlify, Cloudflare Pages): ``/old/ /new/ 301``;
- ``redirects.map`` (nginx): ``"/old/" "/new/";`` lines for a ``map`` block (see the README).

A moved article's Markdown copy (``articles/old.md``) is redirected by the last two only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote, urlsplit

from helpgen.content.cache import read_json, write_json_atomic
from helpgen.render.paths import absolute_url, markdown_copy_path, output_file, relative_url

__all__ = [
    "Redirect",
    "RedirectHistory",
    "item_paths",
    "plan_redirects",
    "publish_redirects",
    "stage_redirects",
    "netlify_redirects",
    "nginx_map",
    "redirect_page_file",
    "NETLIFY_FILE",
    "NGINX_FILE",
]

NETLIFY_FILE = "_redirects"
NGINX_FILE = "redirects.map"
HISTORY_FORMAT = 1
_SAFE = "/-._~!$&'()*+,;=:@%"


@dataclass(frozen=True)
class Redirect:
    """One old address and where it goes now."""

    source: str  # a site path, e.g. "articles/old-slug/" or "old-faq.html"
    target: str  # a site path, or an absolute http(s) URL (only from helpgen.toml)
    reason: str  # "article moved", "category moved", ..., or "helpgen.toml"
    page: bool = True  # False: a file (an article's .md copy), redirected only by _redirects and nginx

    @property
    def external(self) -> bool:
        return urlsplit(self.target).scheme in ("http", "https")


@dataclass
class RedirectHistory:
    """Every site path ever published for an item: path → (kind, id). Kept in the cache folder."""

    paths: dict[str, tuple[str, str]] = field(default_factory=dict)
    # What ``file`` held when loaded (None: not loaded from a readable file), so an unchanged
    # history is not written again.
    loaded: dict[str, tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, file: Path) -> "RedirectHistory":
        """The history in ``file``; empty when missing or damaged."""
        raw = read_json(file, {})
        paths: dict[str, tuple[str, str]] = {}
        readable = isinstance(raw, dict) and isinstance(raw.get("paths"), dict) and raw.get("format") == HISTORY_FORMAT
        if isinstance(raw, dict) and isinstance(raw.get("paths"), dict):
            for path, item in raw["paths"].items():
                if isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item):
                    paths[path] = (item[0], item[1])
                else:
                    readable = False
        return cls(paths, loaded=dict(paths) if readable else None)

    def save(self, file: Path) -> None:
        """Write the history atomically, unless it is what ``file`` already holds."""
        if self.loaded == self.paths and file.is_file():
            return
        write_json_atomic(file, {"format": HISTORY_FORMAT, "paths": {p: list(v) for p, v in sorted(self.paths.items())}})
        self.loaded = dict(self.paths)

    def record(self, current: Mapping[tuple[str, str], str]) -> None:
        """Remember where each item is published now (a path taken by a new item changes owner)."""
        for item, path in current.items():
            self.paths[path] = item


def item_paths(pages: Iterable[Any], snapshot: Any) -> dict[tuple[str, str], str]:
    """(kind, id) → site path for every article, category, topic and post page of this build.

    Pages name their item by slug; ids come from the snapshot. A slug the snapshot does not
    know (or knows twice) is left out: it gets no history rather than a wrong one.
    """
    ids: dict[str, dict[str, str | None]] = {"article": {}, "category": {}, "topic": {}, "post": {}}

    def index(kind: str, items: Iterable[Any]) -> None:
        for item in items:
            known = ids[kind]
            known[item.slug] = None if item.slug in known else item.id

    index("article", snapshot.articles)
    index("category", snapshot.categories)
    index("topic", snapshot.topics)
    index("post", (t.post for t in snapshot.threads))
    found: dict[tuple[str, str], str] = {}
    for page in pages:
        if page.kind not in ids:
            continue
        slug = page.context[page.kind].slug
        item_id = ids[page.kind].get(slug)
        if item_id:
            found[(page.kind, item_id)] = page.path
    return found


def plan_redirects(
    history: RedirectHistory,
    current: Mapping[tuple[str, str], str],
    extra: Iterable[tuple[str, str]],
    taken: set[str],
) -> tuple[list[Redirect], list[str]]:
    """The redirects of this build and warnings; ``taken`` holds every file the site has.

    ``extra`` is ``[redirects] extra`` as (source, target) site paths or URLs.
    """
    warnings: list[str] = []
    redirects: dict[str, Redirect] = {}
    live = set(current.values())
    for source, target in extra:
        if source in live or redirect_page_file(source) in taken:
            warnings.append(f"helpgen.toml: [redirects].extra: {('/' + source)!r} is a page of the site; not redirected")
            continue
        last = source.rstrip("/").rsplit("/", 1)[-1]
        is_page = source.endswith("/") or "." not in last or last.endswith((".html", ".htm"))
        redirects[source] = Redirect(source, target, "helpgen.toml", page=is_page)  # "/old.pdf": host files only
    for source, item in sorted(history.paths.items()):
        now = current.get(item)
        if now is None or now == source or source in live or source in redirects:
            continue
        if redirect_page_file(source) in taken:
            continue  # a static file now has that path: it wins
        redirects[source] = Redirect(source, now, f"{item[0]} moved")
        if item[0] == "article":  # its Markdown copy moved with it
            old_copy, new_copy = markdown_copy_path(source), markdown_copy_path(now)
            if old_copy not in taken:
                redirects[old_copy] = Redirect(old_copy, new_copy, "article moved", page=False)
    return sorted(redirects.values(), key=lambda r: r.source), warnings


def redirect_page_file(source: str) -> str:
    """The file the HTML redirect for ``source`` is written to (``old/`` → ``old/index.html``)."""
    if source.endswith("/") or source.endswith(".html") or source.endswith(".htm"):
        return output_file(source)
    return source + "/index.html"


def _site_url(base_path: str, path: str) -> str:
    return base_path + quote(path, safe=_SAFE)


def netlify_redirects(redirects: Iterable[Redirect], base_path: str) -> bytes:
    """``_redirects`` for Netlify and Cloudflare Pages: ``/old/ /new/ 301`` per line."""
    lines = ["# Written by helpgen: old addresses of moved pages, and [redirects] extra from helpgen.toml."]
    for r in redirects:
        target = r.target if r.external else _site_url(base_path, r.target)
        lines.append(f"{_site_url(base_path, r.source)} {target} 301")
    return ("\n".join(lines) + "\n").encode("utf-8")


def nginx_map(redirects: Iterable[Redirect], base_path: str) -> bytes:
    """``map`` entries for nginx, keyed by ``$uri`` (decoded): ``"/old/" "/new/";`` per line."""
    lines = [
        "# Written by helpgen. Use inside http {}:",
        "#   map $uri $helpgen_redirect { default \"\"; include /path/to/site/redirects.map; }",
        "# and in the server {}: if ($helpgen_redirect) { return 301 $helpgen_redirect; }",
    ]
    for r in redirects:
        target = r.target if r.external else base_path + quote(r.target, safe="/-._~%")
        lines.append(f"{json.dumps(base_path + r.source, ensure_ascii=False)} {json.dumps(target, ensure_ascii=False)};")
    return ("\n".join(lines) + "\n").encode("utf-8")


def redirect_context(redirect: Redirect, base_url: str) -> dict[str, str]:
    """What ``redirect.html`` receives: the relative link and the canonical (absolute) address."""
    page = redirect_page_file(redirect.source)
    if redirect.external:
        return {"target_url": redirect.target, "canonical_url": redirect.target}
    link = relative_url(page.rsplit("/", 1)[0] + "/" if "/" in page else "", redirect.target)
    return {"target_url": link, "canonical_url": absolute_url(base_url, redirect.target) if base_url else ""}


def publish_redirects(
    staged: Any,
    redirects: list[Redirect],
    *,
    render_page: Any,
    base_url: str,
    base_path: str,
) -> list[str]:
    """Write each redirect's HTML page, ``_redirects`` and ``redirects.map`` into the staged site.

    Runs after every page, data file and static file is staged: a path already taken wins.
    ``render_page(context)`` renders ``redirect.html``. Returns warnings.
    """
    warnings: list[str] = []
    for redirect in redirects:
        page_file = redirect_page_file(redirect.source)
        if not redirect.page or page_file in staged.paths:
            continue
        staged.write(page_file, render_page(redirect_context(redirect, base_url)).encode("utf-8"))
    for name, data in ((NETLIFY_FILE, netlify_redirects(redirects, base_path)), (NGINX_FILE, nginx_map(redirects, base_path))):
        if not redirects:
            continue
        if name in staged.paths:
            warnings.append(f"static file {name!r} is kept: helpgen's redirects are not written to it (add them yourself)")
            continue
        staged.write(name, data)
    return warnings


def stage_redirects(
    staged: Any,
    history_file: Path,
    pages: Iterable[Any],
    snapshot: Any,
    extra: Iterable[tuple[str, str]],
    *,
    render_page: Any,
    base_url: str,
    base_path: str,
) -> tuple[RedirectHistory, list[str]]:
    """The whole redirect step of a build: plan from the history, write into ``staged``.

    Returns the updated history (save it once the site is published) and warnings.
    """
    history = RedirectHistory.load(history_file)
    current = item_paths(pages, snapshot)
    redirects, warnings = plan_redirects(history, current, extra, staged.paths)
    warnings += publish_redirects(staged, redirects, render_page=render_page, base_url=base_url, base_path=base_path)
    history.record(current)
    return history, warnings
