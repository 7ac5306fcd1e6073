"""Markdown bodies rendered on demand, and remembered between builds.

A :class:`Body` stands in a page's context where the rendered HTML goes. Jinja prints any
object with ``__html__`` as markup, so a body is rendered only when a template actually
prints it: a page that an incremental build skips never pays for its Markdown.

What a body's HTML depends on is exactly its Markdown plus what each of its links resolves
to (article slugs become site paths). :class:`BodyCache` keys rendered HTML by the
Markdown's hash and keeps the links it saw, so a cached render is reused only while every
one of those links still resolves the same way. The same facts give a page its fingerprint
(:meth:`Body.fingerprint`) without rendering it.

One bad body never fails a build: any exception while rendering it is reported as a warning
naming the item, and the body is shown as plain text under a notice. A body that hit the
parser limits (cut, or shown as plain text) is reported the same way. With ``strict=True``
both raise :class:`BodyRenderError` instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from helpgen.atomic import write_atomic
from helpgen.render.limits import failed_notice, plain_text_html
from helpgen.render.markdown import (
    ENGLISH_BODY_TEXTS,
    BodyTexts,
    RenderedMarkdown,
    TocEntry,
    render_article,
    render_customer_body,
)

__all__ = ["Body", "BodyCache", "BodyNotRendered", "BodyRenderError", "BodyRenderer"]

log = logging.getLogger("helpgen.render")

Resolver = Callable[[str], "str | None"]
ARTICLE = "article"
CUSTOMER = "customer"


def _sha(kind: str, markdown: str) -> str:
    return hashlib.sha256(f"{kind}\0{markdown}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Entry:
    """One cached render: the HTML, its TOC and the link outcomes it was rendered with."""

    links: dict[str, str | None]
    html: str
    toc: list[list[Any]] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # what the parser limits changed


class BodyCache:
    """Rendered bodies on disk (``folder/xx/<sha>.json``) plus an index of their links.

    With ``folder=None`` it lives in memory only (one build). The link index is one small
    JSON file read at start; rendered HTML is read lazily, one file per body, when needed.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._links: dict[str, list[str]] = {}
        self._memory: dict[str, _Entry] = {}
        self._dirty: set[str] = set()
        self.hits = 0
        self.misses = 0
        if folder is not None:
            index = folder / "links.json"
            try:
                self._links = json.loads(index.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._links = {}

    def known_links(self, key: str) -> list[str] | None:
        """The hrefs a body with this key passed to its resolver last time, if known."""
        return self._links.get(key)

    def get(self, key: str, resolver: Resolver) -> _Entry | None:
        """A cached render whose every link still resolves as it did; else None."""
        entry = self._memory.get(key) or self._read(key)
        if entry is None:
            return None
        for href, outcome in entry.links.items():
            if resolver(href) != outcome:
                return None
        return entry

    def put(self, key: str, entry: _Entry) -> None:
        """Remember a fresh render (written to disk by :meth:`save`)."""
        self._memory[key] = entry
        self._links[key] = list(entry.links)
        self._dirty.add(key)

    def take_new(self) -> list[tuple[str, _Entry]]:
        """The renders added since the last call (a worker hands them to its parent)."""
        new = [(key, self._memory[key]) for key in sorted(self._dirty)]
        self._dirty.clear()
        return new

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def _read(self, key: str) -> _Entry | None:
        if self.folder is None or key not in self._links:
            return None
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            entry = _Entry(links=raw["links"], html=raw["html"], toc=raw.get("toc", []), limits=raw.get("limits", []))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self._memory[key] = entry
        return entry

    def save(self, keep: set[str] | None = None) -> None:
        """Write new renders and the link index; drop entries not in ``keep`` (if given)."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for key in sorted(self._dirty):
            entry = self._memory[key]
            write_atomic(
                self._path(key),
                json.dumps(
                    {"links": entry.links, "html": entry.html, "toc": entry.toc, "limits": entry.limits},
                    ensure_ascii=False,
                ),
            )
        self._dirty.clear()
        if keep is not None:
            for key in [k for k in self._links if k not in keep]:
                del self._links[key]
                self._memory.pop(key, None)
                try:
                    self._path(key).unlink()
                except OSError:
                    pass
        write_atomic(self.folder / "links.json", json.dumps(self._links, sort_keys=True), errors="surrogatepass")


class BodyRenderError(Exception):
    """A body could not be rendered as written and the build is strict; names the item."""


class BodyNotRendered(Exception):
    """Raised by :meth:`BodyRenderer.fingerprint` inside :meth:`BodyRenderer.known_bodies_only`
    for a body whose links are not known from an earlier build (new or changed Markdown)."""


class BodyRenderer:
    """Renders bodies through a :class:`BodyCache`; shared by every page of one build.

    ``iframe_hosts`` are the hosts article iframes may come from (``[security]``);
    ``texts`` the callout titles, permalink labels and notices in the site's language;
    ``warnings`` collects, once per item, every body that failed or hit a parser limit.
    """

    def __init__(
        self,
        cache: BodyCache | None = None,
        *,
        iframe_hosts: Iterable[str] = (),
        strict: bool = False,
        texts: BodyTexts = ENGLISH_BODY_TEXTS,
    ) -> None:
        self.cache = cache or BodyCache()
        self.texts = texts
        # The texts are part of what the HTML depends on (English keeps the historical keys).
        self._texts_key = "" if texts == ENGLISH_BODY_TEXTS else hashlib.sha256(repr(texts).encode("utf-8")).hexdigest()[:16]
        self.used: set[str] = set()
        self.iframe_hosts = tuple(sorted(set(iframe_hosts)))
        self.strict = strict
        self.warnings: list[str] = []
        self._failed: dict[str, _Entry] = {}  # this build only: a failure is retried next build
        self._known_only = False

    @contextmanager
    def known_bodies_only(self) -> Iterator[None]:
        """Make :meth:`fingerprint` raise :class:`BodyNotRendered` instead of rendering a body
        whose links are not known, so a caller that only compares fingerprints never renders
        Markdown (a body not seen before means its page is rendered anyway)."""
        self._known_only = True
        try:
            yield
        finally:
            self._known_only = False

    def report_to(self, warnings: list[str]) -> None:
        """Add this renderer's warnings to ``warnings`` (the build's list) from now on."""
        warnings.extend(w for w in self.warnings if w not in warnings)
        self.warnings = warnings

    def _key(self, kind: str, markdown: str) -> str:
        # The article policy is part of what the HTML depends on.
        if kind == ARTICLE and self.iframe_hosts:
            kind = f"{kind}\0iframes:{','.join(self.iframe_hosts)}"
        if self._texts_key:
            kind = f"{kind}\0texts:{self._texts_key}"
        return _sha(kind, markdown)

    def _warn(self, owner: str, problem: str) -> None:
        warning = f"{owner}: {problem}"
        if warning not in self.warnings:
            self.warnings.append(warning)
            log.warning("%s", warning)

    def _report_limits(self, entry: _Entry, owner: str) -> None:
        for note in entry.limits:
            if self.strict:
                raise BodyRenderError(f"{owner}: {note} (--strict)")
            self._warn(owner, note)

    def render(self, kind: str, markdown: str, resolver: Resolver, owner: str = "") -> _Entry:
        """The rendered body, from the cache when its links still resolve the same.

        Never raises for a bad body (unless strict): it becomes a notice and plain text.
        """
        owner = owner or f"{kind} text"
        key = self._key(kind, markdown)
        self.used.add(key)
        if key in self._failed:
            return self._failed[key]
        entry = self.cache.get(key, resolver)
        if entry is not None:
            self.cache.hits += 1
            self._report_limits(entry, owner)
            return entry
        self.cache.misses += 1
        seen: dict[str, str | None] = {}

        def recording(href: str) -> str | None:
            outcome = resolver(href)
            seen[href] = outcome
            return outcome

        try:
            entry = self._render_fresh(kind, markdown, recording, seen)
        except Exception as exc:  # one bad body must not fail the whole build
            problem = f"its text could not be rendered ({type(exc).__name__}: {exc})"
            if self.strict:
                raise BodyRenderError(f"{owner}: {problem} (--strict)") from exc
            log.debug("rendering %s failed", owner, exc_info=True)
            self._warn(owner, problem + "; it is shown as plain text under a notice")
            entry = _Entry(links={}, html=failed_notice(self.texts.failed_notice) + plain_text_html(markdown))
            self._failed[key] = entry
            return entry
        self._report_limits(entry, owner)
        self.cache.put(key, entry)
        return entry

    def _render_fresh(
        self, kind: str, markdown: str, resolver: Resolver, seen: dict[str, str | None]
    ) -> _Entry:
        rendered: RenderedMarkdown
        if kind == ARTICLE:
            rendered = render_article(markdown, resolve_link=resolver, iframe_hosts=self.iframe_hosts, texts=self.texts)
        else:
            rendered = render_customer_body(markdown, resolve_link=resolver, texts=self.texts)
        return _Entry(
            links=seen,
            html=rendered.html,
            toc=[[t.level, t.id, t.text] for t in rendered.toc],
            limits=list(rendered.limits),
        )

    def fingerprint(self, kind: str, markdown: str, resolver: Resolver, owner: str = "") -> tuple[Any, ...]:
        """What the body's HTML depends on: ``("body", its hash, page, ((href, outcome), ...))``.

        Renders the body only when its links are not known from an earlier build (or, inside
        :meth:`known_bodies_only`, raises :class:`BodyNotRendered` instead). A
        resolver that offers ``target(href)`` (where a link leads, whatever the page) and
        ``page_path`` (the page it writes links for) is asked for those: the same facts,
        without working out a relative URL per link.
        """
        key = self._key(kind, markdown)
        self.used.add(key)
        hrefs = self.cache.known_links(key)
        if hrefs is None:
            if self._known_only:
                raise BodyNotRendered(owner or kind)
            hrefs = list(self.render(kind, markdown, resolver, owner).links)
        if not hrefs:
            return ("body", key)
        outcome = getattr(resolver, "target", resolver)
        page = getattr(resolver, "page_path", None) if outcome is not resolver else None
        return ("body", key, page, tuple([(href, outcome(href)) for href in hrefs]))


class Body:
    """A Markdown body in a page's context; rendered when a template prints it."""

    __slots__ = ("kind", "markdown", "resolver", "renderer", "owner", "_entry")

    def __init__(
        self, kind: str, markdown: str, resolver: Resolver, renderer: BodyRenderer, owner: str = ""
    ) -> None:
        self.kind = kind
        self.markdown = markdown
        self.resolver = resolver
        self.renderer = renderer
        self.owner = owner  # names the item in warnings: "article 'reset-password'"
        self._entry: _Entry | None = None

    def _rendered(self) -> _Entry:
        if self._entry is None:
            self._entry = self.renderer.render(self.kind, self.markdown, self.resolver, self.owner)
        return self._entry

    def __html__(self) -> str:
        return self._rendered().html

    def __str__(self) -> str:
        return self.__html__()

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        """The article's ``h2``/``h3`` headings (empty for customer text)."""
        return tuple(TocEntry(level, id_, text) for level, id_, text in self._rendered().toc)

    def fingerprint(self) -> tuple[Any, ...]:
        """What this body's HTML depends on (see :meth:`BodyRenderer.fingerprint`)."""
        return self.renderer.fingerprint(self.kind, self.markdown, self.resolver, self.owner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Body) and (self.kind, self.markdown) == (other.kind, other.markdown)

    def __hash__(self) -> int:
        return hash((self.kind, self.markdown))
