"""The site's cache folder (default ``SITE_DIR/.helpgen-cache/``): what earlier runs fetched.

```
.helpgen-cache/
  build.lock        one build at a time (helpgen.lock)
  content/          every article and post body fetched so far, as a snapshot folder
  pull.json         how the last pull ended: complete or not, how far it got, when to resume
  etags.json        ETag and body of each list response, for If-None-Match
  bodies/           rendered Markdown, keyed by content (helpgen.render.bodies)
  build.json        what the last build published and what each page depended on
  templates.json    each template's hash with what it uses, by the hash of all their sources
  jinja/            compiled templates (Jinja's bytecode cache, checked against each source)
  search-terms/     each search document's analysed terms, by content (helpgen.search.terms)
  search-export/    the last search export: counts, postings and file entries, so an edit
                    exports only the terms it touches (helpgen.search.incremental)
  related.marshal   each article's related-article inputs and list (helpgen.render.related_cache)
  publish/          the spare site (hard links to the published files), state.marshal recording
                    both trees, the render workers' journal (helpgen.publish, helpgen.publish_state)
  views.json        article view counts of recent builds, for trending (helpgen.content.view_history)
  redirects.json    every path each article, category, topic and post was published at (helpgen.render.redirects)
```

Every file is replaced atomically, so a run killed at any moment leaves the cache readable,
and a damaged file is treated as absent (the next run refetches, it never fails on it).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from helpgen.atomic import write_atomic
from helpgen.content.snapshot import Snapshot, SnapshotError, load_snapshot, save_snapshot

__all__ = ["ContentCache", "PullStatus", "write_json_atomic", "read_json"]

log = logging.getLogger("helpgen.cache")


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    # dumps, not dump: json.dump encodes in Python, dumps in C (5x faster, same text)
    write_atomic(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def read_json(path: Path, default: Any) -> Any:
    """The JSON in ``path``, or ``default`` when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("cache file %s is damaged (%s); ignoring it", path, exc)
        return default


@dataclass
class PullStatus:
    """How the last pull ended, kept in ``pull.json``."""

    complete: bool = False
    articles_listed: int = 0
    articles_fetched: int = 0
    articles_pending: int = 0
    posts_listed: int = 0
    posts_pending: int = 0
    stopped_because: str | None = None
    resume_after: float | None = None  # Unix seconds
    finished_at: float | None = None
    rate_limit_remaining: int | None = None  # as the last response of the run said
    rate_limit_reset: float | None = None  # Unix seconds

    @classmethod
    def from_json(cls, raw: Any) -> "PullStatus":
        if not isinstance(raw, dict):
            return cls()
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return cls()


@dataclass
class ContentCache:
    """Reads and writes the content parts of the cache folder."""

    folder: Path
    _etags: dict[str, tuple[str, bytes]] | None = field(default=None, repr=False)
    _etags_as_loaded: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def content_dir(self) -> Path:
        return self.folder / "content"

    @property
    def bodies_dir(self) -> Path:
        return self.folder / "bodies"

    @property
    def build_manifest(self) -> Path:
        return self.folder / "build.json"

    @property
    def search_terms(self) -> Path:
        """Each search document's analysed terms, by content key (helpgen.search.terms)."""
        return self.folder / "search-terms"

    @property
    def view_history(self) -> Path:
        return self.folder / "views.json"

    @property
    def redirect_history(self) -> Path:
        """Every site path each item was ever published at: old URLs become redirects."""
        return self.folder / "redirects.json"

    def load_content(self, team: str) -> Snapshot | None:
        """The bodies fetched so far, or None when there are none (or they are damaged)."""
        if not (self.content_dir / "library" / "articles.json").is_file():
            return None
        try:
            return load_snapshot(self.content_dir, team=team)
        except SnapshotError as exc:
            log.warning("cached content is damaged (%s); fetching everything again", exc)
            return None

    def save_content(self, snapshot: Snapshot) -> None:
        """Replace the cached content (each file atomically)."""
        save_snapshot(snapshot, self.content_dir)

    def load_status(self) -> PullStatus:
        return PullStatus.from_json(read_json(self.folder / "pull.json", {}))

    def save_status(self, status: PullStatus) -> None:
        write_json_atomic(self.folder / "pull.json", asdict(status))

    def etags(self) -> dict[str, tuple[str, bytes]]:
        """URL → (ETag, body) of earlier list responses, for ``If-None-Match``.

        Bodies are stored as text when they are UTF-8 (JSON always is), else as base64.
        """
        if self._etags is None:
            raw = read_json(self.folder / "etags.json", {})
            self._etags = {}
            if isinstance(raw, dict):
                for url, item in raw.items():
                    try:
                        etag, body, encoding = str(item[0]), item[1], item[2] if len(item) > 2 else "base64"
                        data = body.encode("utf-8") if encoding == "text" else base64.b64decode(body)
                        self._etags[url] = (etag, data)
                    except (TypeError, ValueError, IndexError, AttributeError):
                        continue
            self._etags_as_loaded = {url: etag for url, (etag, _) in self._etags.items()}
        return self._etags

    def save_etags(self) -> None:
        """Write the ETags back, unless no response changed them."""
        if self._etags is None:
            return
        if {url: etag for url, (etag, _) in self._etags.items()} == self._etags_as_loaded:
            return
        data: dict[str, list[str]] = {}
        for url, (etag, body) in sorted(self._etags.items()):
            try:
                data[url] = [etag, body.decode("utf-8"), "text"]
            except UnicodeDecodeError:
                data[url] = [etag, base64.b64encode(body).decode(), "base64"]
        write_json_atomic(self.folder / "etags.json", data)
        self._etags_as_loaded = {url: etag for url, (etag, _) in self._etags.items()}
