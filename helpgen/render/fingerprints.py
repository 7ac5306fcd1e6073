"""What each output page depends on, and whether the last build's copy is still right.

A page's fingerprint is a hash of everything its HTML is made from: helpgen's version, the
site settings, the asset names, the templates it uses (its own, and every template it
extends, includes or imports, as the site's overrides resolve them), and its context (every
link, list and count it shows; bodies by the hash of their Markdown and the outcome of each
of their links). An incremental build re-renders a page exactly when its fingerprint
changed, so its output is byte-identical to a clean build's.

:class:`BuildManifest` (``build.json`` in the cache) keeps, for each published page, its
fingerprint and the size and mtime of the file written, and names the reason a page is
re-rendered: new page, template changed, settings changed, content changed or a dependency
(a title in a list, navigation, prev/next) changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jinja2
from jinja2 import meta

from helpgen.render.bodies import Body

__all__ = ["Fingerprinter", "TemplateHasher", "BuildManifest", "PageRecord", "digest", "OWN_CONTENT_KEYS"]

# The context keys that hold a page's own content (the rest are dependencies).
OWN_CONTENT_KEYS = ("article", "category", "topic", "post", "comments")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class Fingerprinter:
    """Hashes page contexts as a Merkle tree, remembering the hash of each shared value.

    Every page carries the same navigation and many carry the same article links; hashing
    each of those once per build (not once per page) is what keeps a no-change build of
    10,000 pages fast. Values are remembered by identity first, then by value when they are
    hashable; bodies are never remembered (their links resolve relative to their page).
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, Any]] = {}
        self._by_value: dict[tuple[type, Any], Any] = {}

    def token(self, value: Any) -> Any:
        """A small JSON-able stand-in for ``value``: scalars as they are, the rest as hashes."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, Body):
            return {"body": value.fingerprint()}
        known = self._by_id.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        memo_key = None
        if isinstance(value, tuple) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            try:
                memo_key = (type(value), value)
                cached = self._by_value.get(memo_key)
            except TypeError:  # unhashable inside
                memo_key, cached = None, None
            if cached is not None:
                self._by_id[id(value)] = (value, cached)
                return cached
        token = self._compute(value)
        if memo_key is not None and not self._holds_body(value):
            self._by_value[memo_key] = token
            self._by_id[id(value)] = (value, token)
        return token

    @staticmethod
    def _holds_body(value: Any) -> bool:
        if dataclasses.is_dataclass(value):
            return any(isinstance(getattr(value, n), Body) for n in _field_names(type(value)))
        return any(isinstance(v, Body) for v in value) if isinstance(value, tuple) else False

    def _compute(self, value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner: Any = [type(value).__name__, [self.token(getattr(value, n)) for n in _field_names(type(value))]]
        elif isinstance(value, Mapping):
            inner = {str(k): self.token(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        elif isinstance(value, (list, tuple)):
            inner = [self.token(v) for v in value]
        elif isinstance(value, Path):
            return str(value)
        elif callable(value):
            return None  # url()/asset(): derived from the page path and the asset names
        else:
            return repr(value)
        return "#" + digest(inner)

    def page_record(self, page: Any, settings_hash: str, template_hash: str) -> "PageRecord":
        """The record of one planned page: its fingerprint and what its own content hashes to."""
        context = {key: self.token(value) for key, value in page.context.items()}
        own = {k: context[k] for k in OWN_CONTENT_KEYS if k in context}
        fingerprint = digest(
            [settings_hash, template_hash, page.kind, page.path, page.template, page.title, page.description, context]
        )
        return PageRecord(fingerprint=fingerprint, template=template_hash, own=digest(own), size=0, mtime_ns=0)


def digest(value: Any) -> str:
    """A stable hash of JSON-able data."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class TemplateHasher:
    """Hashes a template together with every template it (transitively) uses."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._sources: dict[str, str] = {}
        self._closure: dict[str, frozenset[str] | None] = {}
        self._hashes: dict[str, str] = {}

    def _source(self, name: str) -> str:
        if name not in self._sources:
            assert self.env.loader is not None
            source, _, _ = self.env.loader.get_source(self.env, name)
            self._sources[name] = source
        return self._sources[name]

    def _uses(self, name: str, seen: set[str]) -> set[str] | None:
        """Every template ``name`` uses, or None when one is chosen at run time."""
        if name in seen:
            return set()
        seen.add(name)
        used = {name}
        for ref in meta.find_referenced_templates(self.env.parse(self._source(name))):
            if ref is None:
                return None
            inner = self._uses(ref, seen)
            if inner is None:
                return None
            used |= inner
        return used

    def hash_all(self) -> str:
        """The hash of every template the site could use (site overrides and theme)."""
        return digest([[n, self._source(n)] for n in sorted(self.env.list_templates())])

    def hash_for(self, name: str) -> str:
        """The hash of ``name`` and everything it extends, includes or imports."""
        if name not in self._hashes:
            used = self._uses(name, set())
            names = sorted(used) if used is not None else sorted(self.env.list_templates())
            self._hashes[name] = digest([[n, self._source(n)] for n in names])
        return self._hashes[name]


@dataclass
class PageRecord:
    """One published page as the manifest remembers it."""

    fingerprint: str
    template: str
    own: str
    size: int
    mtime_ns: int


@dataclass
class BuildManifest:
    """What the last build published (``build.json`` in the cache folder)."""

    out_dir: str = ""
    settings: str = ""
    inputs: str = ""  # the hash of everything the whole site is made from
    pages: dict[str, PageRecord] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "BuildManifest":
        """The manifest at ``path``; an empty one when missing or damaged."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                out_dir=raw["out_dir"],
                settings=raw["settings"],
                inputs=raw.get("inputs", ""),
                pages={k: PageRecord(**v) for k, v in raw["pages"].items()},
                warnings=list(raw.get("warnings", [])),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def to_json(self) -> dict[str, Any]:
        return {
            "out_dir": self.out_dir,
            "settings": self.settings,
            "inputs": self.inputs,
            "pages": {k: dataclasses.asdict(v) for k, v in sorted(self.pages.items())},
            "warnings": self.warnings,
        }

    def published_intact(self, out_dir: Path) -> bool:
        """True when every page file is still as this manifest's build left it."""
        if self.out_dir != str(out_dir) or not self.pages:
            return False
        for site_file, record in self.pages.items():
            try:
                stat = (out_dir / site_file).stat()
            except OSError:
                return False
            if stat.st_size != record.size or stat.st_mtime_ns != record.mtime_ns:
                return False
        return True

    def reason_to_render(self, site_file: str, record: PageRecord, settings: str, out_dir: Path) -> str | None:
        """Why ``site_file`` must be rendered again, or None when the published copy is right."""
        old = self.pages.get(site_file)
        if old is None or self.out_dir != str(out_dir):
            return "new page"
        if old.fingerprint == record.fingerprint:
            try:
                stat = (out_dir / site_file).stat()
            except OSError:
                return "published file missing"
            if stat.st_size != old.size or stat.st_mtime_ns != old.mtime_ns:
                return "published file changed"
            return None
        if old.template != record.template:
            return "template changed"
        if self.settings != settings:
            return "settings changed"
        if old.own != record.own:
            return "content changed"
        return "dependency changed"
