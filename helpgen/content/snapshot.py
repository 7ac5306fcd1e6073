"""The site's content as data (:class:`Snapshot`), and its load/save as JSON on disk.

A snapshot is a folder of JSON files in the API's own shapes (``docs/architecture.md``), so a
saved snapshot is also a fixture for the project's cStar test server.

Loading is on the path of every build (about 60 MB of JSON at 10,000 articles), so it is
made cheap: orjson parses the files (the standard library only where orjson refuses what
Python's ``json`` accepts: ``NaN``, lone surrogates), their digest is computed in a thread
while they are parsed, and the cyclic garbage collector stays out of the way (nothing loaded
is in a cycle).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import orjson

from helpgen.atomic import write_atomic
from helpgen.cstar._models import Article, Category, LibraryStats, PostThread, Topic

__all__ = ["Snapshot", "SnapshotError", "load_snapshot", "save_snapshot", "SNAPSHOT_FORMAT"]

SNAPSHOT_FORMAT = 1

T = TypeVar("T")


class SnapshotError(Exception):
    """A snapshot folder is missing, unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class Snapshot:
    """Everything a site is built from: the Library and the Community of one team."""

    team: str
    categories: tuple[Category, ...] = ()
    articles: tuple[Article, ...] = ()
    popular: tuple[Article, ...] = ()
    stats: LibraryStats = field(default_factory=LibraryStats)
    topics: tuple[Topic, ...] = ()
    threads: tuple[PostThread, ...] = ()
    pulled_at: str | None = None
    # What was wrong beyond single items (a file entry that is not an object, a body that
    # could not be fetched), each naming where; for the build report, never saved.
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)
    # A hash of the files this snapshot was read from (everything but ``pulledAt``), set by
    # :func:`load_snapshot`; None for a snapshot made or changed in memory. Not an init field,
    # so ``dataclasses.replace`` never carries it over to content it does not describe.
    source_digest: str | None = field(default=None, init=False, compare=False, repr=False)

    def content_digest(self) -> str:
        """A hash of everything the snapshot holds but ``pulledAt`` (shown on no page).

        Equal content gives an equal digest within one way of getting it: from the files read
        (cheap: their bytes are hashed as they are read), else from the canonical JSON of
        :meth:`to_files`. A snapshot read from files and the same content made in memory may
        hash differently; that costs one incremental build, never a stale site.
        """
        if self.source_digest is not None:
            return self.source_digest
        files = self.to_files()
        files["snapshot.json"] = {**files["snapshot.json"], "pulledAt": None}
        text = json.dumps(files, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "json:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def to_files(self) -> dict[str, Any]:
        """Map of relative file path → JSON value, exactly as :func:`save_snapshot` writes."""
        return {
            "snapshot.json": {"format": SNAPSHOT_FORMAT, "team": self.team, "pulledAt": self.pulled_at},
            "library/categories.json": [c.to_api() for c in self.categories],
            "library/articles.json": [a.to_api() for a in self.articles],
            "library/popular.json": [a.to_api(with_content=False) for a in self.popular],
            "library/stats.json": self.stats.to_api(),
            "community/topics.json": [t.to_api() for t in self.topics],
            "community/posts.json": [t.to_api() for t in self.threads],
        }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def save_snapshot(snapshot: Snapshot, folder: str | os.PathLike[str]) -> Path:
    """Write ``snapshot`` into ``folder`` (created if needed); each file is replaced atomically."""
    root = Path(folder)
    for rel, value in snapshot.to_files().items():
        write_atomic(root / rel, _dump(value))
    return root


class _BackgroundDigest:
    """A hash fed in order by a thread of its own (hashlib lets go of the GIL on big buffers),
    so the snapshot files are hashed while they are parsed. Use as a context manager."""

    def __init__(self, seed: bytes) -> None:
        self._hasher = hashlib.blake2b(seed, digest_size=32)
        self._pending: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="snapshot-digest", daemon=True)

    def __enter__(self) -> "_BackgroundDigest":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finish()

    def _run(self) -> None:
        while (data := self._pending.get()) is not None:
            self._hasher.update(data)

    def _finish(self) -> None:
        if self._thread.is_alive():
            self._pending.put(None)
            self._thread.join()

    def update(self, data: bytes) -> None:
        """Add ``data`` after everything added before."""
        self._pending.put(data)

    def hexdigest(self) -> str:
        """The digest of everything added (waits for the thread)."""
        self._finish()
        return self._hasher.hexdigest()


def _parse_json(data: bytes) -> Any:
    """``data`` as JSON, as Python's ``json`` reads it (orjson first: twice as fast).

    One difference is accepted: a whole number beyond 64 bits (past 18446744073709551615 or
    below -9223372036854775808; no count or id of the contract comes near) is read by orjson
    as the nearest float instead of an exact int.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # orjson refuses some of what ``json`` accepts (NaN, Infinity, lone surrogates); the
        # standard library reads those, or words the error.
        return json.loads(data.decode("utf-8"))


def _read_json(root: Path, rel: str, *, required: bool, default: Any, hasher: _BackgroundDigest | None = None) -> Any:
    path = root / rel
    if not path.is_file():
        if required:
            raise SnapshotError(f"{path}: missing snapshot file")
        if hasher is not None:
            hasher.update(f"{rel}\0missing\0".encode())
        return default
    try:
        data = path.read_bytes()
        if hasher is not None:
            hasher.update(f"{rel}\0{len(data)}\0".encode())
            hasher.update(data)
        return _parse_json(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: not valid JSON ({exc})") from exc


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector: loading makes some 100,000 containers, none in a cycle, and
    the collector would walk the growing heap again and again (about 10% of a load)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _items(
    root: Path, rel: str, parse: Callable[[Any], T], raw: Any, problems: list[str]
) -> tuple[T, ...]:
    if not isinstance(raw, list):
        raise SnapshotError(f"{root / rel}: expected a JSON list, got {type(raw).__name__}")
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):  # one bad entry is skipped, not fatal
            problems.append(f"{root / rel}: item {index + 1} is not an object ({type(item).__name__}); left out")
            continue
        out.append(parse(item))
    return tuple(out)


def load_snapshot(folder: str | os.PathLike[str], *, team: str | None = None) -> Snapshot:
    """Read a snapshot folder. Raises :class:`SnapshotError` naming the bad file."""
    root = Path(folder)
    if not root.is_dir():
        raise SnapshotError(f"{root}: snapshot folder not found")
    meta = _read_json(root, "snapshot.json", required=False, default={})
    if not isinstance(meta, dict):
        raise SnapshotError(f"{root / 'snapshot.json'}: expected a JSON object")
    fmt = meta.get("format", SNAPSHOT_FORMAT)
    if fmt != SNAPSHOT_FORMAT:
        raise SnapshotError(f"{root / 'snapshot.json'}: unsupported format {fmt!r}")

    problems: list[str] = []
    team_name = str(meta.get("team") or team or "")
    seed = f"helpgen-snapshot\0{SNAPSHOT_FORMAT}\0{team_name}\0".encode()
    with _BackgroundDigest(seed) as hasher, _without_cyclic_gc():

        def items(rel: str, parse: Callable[[Any], T], required: bool = False) -> tuple[T, ...]:
            raw = _read_json(root, rel, required=required, default=[], hasher=hasher)
            return _items(root, rel, parse, raw, problems)

        stats_raw = _read_json(root, "library/stats.json", required=False, default={}, hasher=hasher)
        if not isinstance(stats_raw, dict):
            raise SnapshotError(f"{root / 'library/stats.json'}: expected a JSON object")
        snapshot = Snapshot(
            team=team_name,
            categories=items("library/categories.json", Category.from_api, required=True),
            articles=items("library/articles.json", Article.from_api, required=True),
            popular=items("library/popular.json", Article.from_api),
            stats=LibraryStats.from_api(stats_raw),
            topics=items("community/topics.json", Topic.from_api),
            threads=items("community/posts.json", PostThread.from_api),
            pulled_at=meta.get("pulledAt"),
            problems=tuple(problems),
        )
        object.__setattr__(snapshot, "source_digest", "files:" + hasher.hexdigest())
    return snapshot


