"""The history of article view counts kept in the cache folder (``views.json``), for trending.

Each successful build may add one :class:`ViewSample` (every article's ``viewCount`` and when
it was read). Samples are kept at most every :data:`SAMPLE_EVERY` seconds and for
:data:`WINDOW` seconds, at most :data:`MAX_SAMPLES` of them, and only for articles that still
exist, so the file stays small at 10,000 articles (at most 29 samples of 10,000 numbers).
``helpgen.render.popularity.view_growth`` turns the history into views per day.

File shape: ``{"format": 1, "samples": [{"at": UNIX_SECONDS, "views": {ARTICLE_ID: COUNT}}]}``,
oldest first. A missing or damaged file is an empty history (the next build starts a new one).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from helpgen.content.cache import read_json, write_json_atomic
from helpgen.content.snapshot import Snapshot

__all__ = [
    "ViewSample",
    "SAMPLE_EVERY",
    "WINDOW",
    "MAX_SAMPLES",
    "current_views",
    "snapshot_time",
    "load_view_history",
    "record_sample",
    "save_view_history",
]

log = logging.getLogger("helpgen.views")

HISTORY_FORMAT = 1
SAMPLE_EVERY = 6 * 3600
"""Seconds between kept samples: a cron run every 10 minutes keeps one sample in 36."""
WINDOW = 7 * 86400
"""Samples older than this (relative to the newest build) are dropped."""
MAX_SAMPLES = 30


@dataclass(frozen=True)
class ViewSample:
    """Every article's view count at one moment (Unix seconds)."""

    at: float
    views: Mapping[str, int]  # article id -> viewCount


def snapshot_time(snapshot: Snapshot, now: float | None = None) -> float:
    """When the snapshot's view counts were read: its ``pulledAt``, else ``now`` (the clock)."""
    stamp = snapshot.pulled_at
    if stamp:
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
        except ValueError:
            log.debug("snapshot pulledAt %r is not a timestamp; using the clock", stamp)
    return time.time() if now is None else now


def current_views(snapshot: Snapshot, now: float | None = None) -> ViewSample:
    """The view counts of the snapshot's published, public articles, as a sample."""
    views = {
        a.id: max(0, int(a.view_count))
        for a in snapshot.articles
        if a.id and a.is_public and a.status == "published"
    }
    return ViewSample(at=snapshot_time(snapshot, now), views=views)


def _sample_from_json(raw: Any) -> ViewSample | None:
    if not isinstance(raw, dict):
        return None
    at, views = raw.get("at"), raw.get("views")
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not isinstance(views, dict):
        return None
    clean = {
        str(k): int(v) for k, v in views.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }
    return ViewSample(at=float(at), views=clean)


def load_view_history(path: Path) -> tuple[ViewSample, ...]:
    """The samples in ``path``, oldest first; empty when the file is missing or damaged."""
    raw = read_json(path, {})
    samples = raw.get("samples") if isinstance(raw, dict) else None
    if not isinstance(samples, list):
        return ()
    parsed = [s for s in (_sample_from_json(item) for item in samples) if s is not None]
    return tuple(sorted(parsed, key=lambda s: s.at))


def record_sample(history: Sequence[ViewSample], sample: ViewSample) -> tuple[ViewSample, ...]:
    """The history to keep after a build that saw ``sample``.

    * samples stamped at or after ``sample.at`` are dropped: the clock went back (or the
      snapshot is older than the history), and growth against them would be meaningless;
    * samples older than :data:`WINDOW` are dropped;
    * ``sample`` is added only when the newest kept sample is at least :data:`SAMPLE_EVERY`
      seconds older (or there is none), so cron runs minutes apart do not fill the file;
    * deleted articles leave every sample; at most :data:`MAX_SAMPLES` (the newest) are kept.
    """
    kept = [s for s in history if s.at < sample.at and sample.at - s.at <= WINDOW]
    if not kept or sample.at - kept[-1].at >= SAMPLE_EVERY:
        kept.append(sample)
    alive = set(sample.views)
    pruned = [ViewSample(at=s.at, views={k: v for k, v in s.views.items() if k in alive}) for s in kept]
    return tuple(pruned[-MAX_SAMPLES:])


def save_view_history(path: Path, history: Sequence[ViewSample]) -> None:
    """Write the history atomically (ids sorted, so equal histories are equal files)."""
    write_json_atomic(
        path,
        {
            "format": HISTORY_FORMAT,
            "samples": [{"at": s.at, "views": dict(sorted(s.views.items()))} for s in history],
        },
    )
