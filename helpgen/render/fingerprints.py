"""What each output page depends on, and whether the last build's copy is still right.

A page's fingerprint is a hash of everything its HTML is made from: helpgen's version, the
site settings, the asset names, the templates it uses (its own, and every template it
extends, includes or imports, as the site's overrides resolve them), and its context (every
link, list and count it shows; bodies by the hash of their Markdown and where each of their
links leads; the page's lazily built head by the feeds it links to). An incremental build
re-renders a page exactly when its fingerprint changed, so its output is byte-identical to a
clean build's. :class:`Fingerprinter` says how values are hashed, cheaply enough to
fingerprint every page of a 10,000-article site on every build.

:class:`BuildManifest` (``build.json`` in the cache) keeps, for each published page, its
fingerprint and the size and mtime of the file written, and names the reason a page is
re-rendered: new page, template changed, settings changed, content changed or a dependency
(a title in a list, navigation, prev/next) changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import operator
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2
from jinja2 import meta

from helpgen.atomic import write_atomic
from helpgen.content.cache import write_json_atomic

__all__ = ["Fingerprinter", "TemplateHasher", "BuildManifest", "PageRecord", "digest", "OWN_CONTENT_KEYS"]

# The context keys that hold a page's own content (the rest are dependencies).
OWN_CONTENT_KEYS = frozenset({"article", "category", "topic", "post", "comments"})


_SCALARS = frozenset({str, int, float, bool, type(None)})  # tokens of themselves
# A dataclass's fields, read at once: (type name, getter returning a tuple); None for other types.
_FIELD_GETTERS: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]] | None] = {}


def _field_getter(cls: type) -> tuple[str, Callable[[Any], tuple[Any, ...]]] | None:
    found = None
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
        getter = operator.attrgetter(*names) if names else (lambda value: ())
        found = (cls.__name__, getter if len(names) != 1 else (lambda value: (getter(value),)))
    _FIELD_GETTERS[cls] = found
    return found


def _hash(data: Any) -> str:
    """The hash of nested tuples and lists of ``str``, ``int``, ``float``, ``bool`` and ``None``.

    ``marshal`` format 0 writes each as a type tag and its value (no references between
    objects, no interning flags), so equal data give equal bytes and different data different
    bytes, at C speed.
    """
    return hashlib.blake2b(marshal.dumps(data, 0), digest_size=16).hexdigest()


class Fingerprinter:
    """Turns page contexts into fingerprints, remembering the token of each shared object.

    A value's *token* stands in for it in a page's fingerprint: scalars as they are; lists,
    tuples and mappings as tuples of their items' tokens; a dataclass as the hash of its type
    and its fields' tokens; a value rendered lazily (a Markdown body, the page's ``head``) as
    what its output depends on, its ``fingerprint()`` (plain data: str, int, float, bool,
    None, tuples and lists). Every page carries the same
    navigation and many carry the same article links: a dataclass's token is remembered by
    identity (with the object, so its id cannot be reused), so each shared object is hashed
    once per build (per worker), not once per page. A page's fingerprint is then one hash
    over its own fields and the tokens of its context.

    Tokens are built of exact ``str``, ``int``, ``float``, ``bool``, ``None``, tuples and
    lists only (a subclass such as ``Markup`` becomes its type name and ``repr``), and hashed
    with BLAKE2b over their ``marshal`` bytes (:func:`_hash`): canonical and computed in C, so
    a page costs some microseconds, not a JSON document per level.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, str]] = {}

    def token(self, value: Any) -> Any:
        """A small stand-in for ``value``: everything of it a rendered page can show."""
        cls = type(value)
        if cls in _SCALARS:
            return value
        known = self._by_id.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        fields = _FIELD_GETTERS.get(cls, False)
        if fields is False:
            fields = _field_getter(cls)
        if fields is not None:
            token = self.token
            name, getter = fields
            parts = [v if type(v) in _SCALARS else token(v) for v in getter(value)]
            digest = _hash((name, parts))
            self._by_id[id(value)] = (value, digest)
            return digest
        if cls is list or cls is tuple:
            token = self.token
            return tuple([v if type(v) in _SCALARS else token(v) for v in value])
        return self._other(value)

    def _other(self, value: Any) -> Any:
        fingerprint = getattr(value, "fingerprint", None)
        if callable(fingerprint):
            # Body, PageHead: rendered lazily. What their output depends on, as plain data
            # (marshal refuses anything else, loudly), goes into the hash as it is.
            return fingerprint()
        if isinstance(value, (str, int, float)):  # subclasses: Markup, enums with values
            return (type(value).__name__, repr(value))
        if isinstance(value, (list, tuple)):
            return tuple([self.token(item) for item in value])
        if isinstance(value, Mapping):
            return ("{}", tuple(sorted((str(k), self.token(v)) for k, v in value.items())))
        if isinstance(value, Path):
            return str(value)
        if callable(value):
            return None  # url()/asset(): derived from the page path and the asset names
        return (type(value).__name__, repr(value))

    def page_record(
        self, page: Any, settings_hash: str, template_hash: str, previous: "PageRecord | None" = None
    ) -> "PageRecord":
        """The record of one planned page: its fingerprint and what its own content hashes to.

        ``previous``: the last build's record of the page; when the fingerprint is the same,
        so is its own content (a part of what the fingerprint hashes), which is then not
        hashed again.
        """
        token = self.token
        context = tuple(sorted([(key, token(value)) for key, value in page.context.items()]))
        fingerprint = _hash(
            (settings_hash, template_hash, page.kind, page.path, page.template, token(page.title), token(page.description), context)
        )
        if previous is not None and previous.fingerprint == fingerprint:
            own = previous.own
        else:
            own = _hash(tuple([item for item in context if item[0] in OWN_CONTENT_KEYS]))
        return PageRecord(fingerprint=fingerprint, template=template_hash, own=own, size=0, mtime_ns=0)


def digest(value: Any) -> str:
    """A stable hash of JSON-able data."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class TemplateHasher:
    """Hashes a template together with every template it (transitively) uses.

    Finding what a template uses means parsing it; with ``cache_file`` the hashes are
    remembered between builds, keyed by the hash of every template (:meth:`hash_all`), so
    a build whose templates did not change parses none of them.
    """

    def __init__(self, env: jinja2.Environment, cache_file: Path | None = None) -> None:
        self.env = env
        self.cache_file = cache_file
        self._sources: dict[str, str] = {}
        self._hashes: dict[str, str] = {}
        self._all: str | None = None
        self._saved: dict[str, str] | None = None  # what cache_file holds for these templates

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
        if self._all is None:
            self._all = digest([[n, self._source(n)] for n in sorted(self.env.list_templates())])
        return self._all

    def _load(self) -> None:
        self._saved = {}
        if self.cache_file is None:
            return
        try:
            raw = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if raw["templates"] == self.hash_all():
                self._saved = {str(k): str(v) for k, v in raw["hashes"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        self._hashes.update(self._saved)

    def hash_for(self, name: str) -> str:
        """The hash of ``name`` and everything it extends, includes or imports."""
        found = self._hashes.get(name)
        if found is None:
            if self._saved is None:
                self._load()
                found = self._hashes.get(name)
            if found is None:
                used = self._uses(name, set())
                names = sorted(used) if used is not None else sorted(self.env.list_templates())
                found = self._hashes[name] = digest([[n, self._source(n)] for n in names])
        return found

    def save(self) -> None:
        """Write the hashes to ``cache_file`` when this build found new ones."""
        if self.cache_file is None or self._saved is None or self._hashes == self._saved:
            return
        text = json.dumps({"templates": self.hash_all(), "hashes": self._hashes}, sort_keys=True)
        write_atomic(self.cache_file, text)
        self._saved = dict(self._hashes)


@dataclass
class PageRecord:
    """One published page as the manifest remembers it."""

    fingerprint: str
    template: str
    own: str
    size: int
    mtime_ns: int


MANIFEST_FORMAT = 2  # build.json: one [fingerprint, template, own, size, mtime_ns] list per page


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
        """The manifest at ``path``; an empty one when missing, damaged or of another format."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != MANIFEST_FORMAT:
                return cls()
            return cls(
                out_dir=raw["out_dir"],
                settings=raw["settings"],
                inputs=raw.get("inputs", ""),
                pages={k: PageRecord(*v) for k, v in raw["pages"].items()},
                warnings=list(raw.get("warnings", [])),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "out_dir": self.out_dir,
            "settings": self.settings,
            "inputs": self.inputs,
            # In page order (the build's, deterministic): sorting 13,000 paths costs more than it buys.
            "pages": {k: (v.fingerprint, v.template, v.own, v.size, v.mtime_ns) for k, v in self.pages.items()},
            "warnings": self.warnings,
        }

    def save(self, path: Path) -> None:
        """Write the manifest to ``path`` through a temporary file and a rename."""
        write_json_atomic(path, self.to_json())

    def record_published(
        self, out_dir: Path, published: Callable[[str], tuple[Any, ...] | None] | None = None
    ) -> None:
        """Remember the size and mtime of each page file as published in ``out_dir``.

        ``published(site_file)`` (the publisher's record, :meth:`StagedSite.published_file`:
        ``(inode, size, mtime_ns, ...)`` or None) saves a ``stat`` per page; a page it does
        not know is looked up in ``out_dir``."""
        root = str(out_dir) + os.sep
        for site_file, record in self.pages.items():
            entry = published(site_file) if published is not None else None
            if entry is not None:
                record.size, record.mtime_ns = entry[1], entry[2]
            else:
                stat = os.stat(root + site_file)
                record.size, record.mtime_ns = stat.st_size, stat.st_mtime_ns

    def published_intact(self, out_dir: Path) -> bool:
        """True when every page file is still as this manifest's build left it."""
        if self.out_dir != str(out_dir) or not self.pages:
            return False
        root = str(out_dir) + os.sep
        for site_file, record in self.pages.items():
            try:
                stat = os.stat(root + site_file)
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
                stat = os.stat(self.out_dir + os.sep + site_file)
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
