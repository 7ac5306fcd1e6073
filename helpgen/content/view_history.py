"""The history of article view counts kept in the cache folder (``views.json``), for trending.

Each successful build may add one :class:`ViewSample` (every article's ``viewCount`` and when
it was read). Samples are kept at most every :data:`SAMPLE_EVERY` seconds and for
:data:`WINDOW` seconds, at most :data:`MAX_SAMPLES` of them, and only for articles that still
exist, so the file stays small at 10,000 articles (at most 29 samples of 10,000 numbers).
``helpgen.render.popularity.view_growth`` turns the history into views per day.

Every build reads the history (trending is an input of the pages), and a week of samples
at 10,000 articles is some 290,000 counts, so the file is columnar: the article ids once,
then each sample's counts in that order (``null`` where the sample lacks the article)::

    {"format": 2, "ids": [ARTICLE_ID, ...],
     "samples": [{"at": UNIX_SECONDS, "views": [COUNT or null, ...]}, ...]}

oldest first. It is rewritten only when the history changes: a sample is added (at most
every :data:`SAMPLE_EVERY`), one leaves the window, or an article is deleted. A file of the
first format (``{"format": 1, "samples": [{"at", "views": {ARTICLE_ID: COUNT}}]}``) is still
read. A missing or damaged file is an empty history (the next build starts a new one); a
damaged entry of a readable file (a count that is not a whole number >= 0, a sample whose
counts do not match the ids) is left out.
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

HISTORY_FORMAT = 2
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


def _moment(raw: Mapping[str, Any]) -> float | None:
    at = raw.get("at")
    return None if isinstance(at, bool) or not isinstance(at, (int, float)) else float(at)


def _sample_from_json(raw: Any) -> ViewSample | None:
    """A sample of the first format (``"views": {ARTICLE_ID: COUNT}``)."""
    if not isinstance(raw, dict):
        return None
    at, views = _moment(raw), raw.get("views")
    if at is None or not isinstance(views, dict):
        return None
    clean = {
        str(k): int(v) for k, v in views.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }
    return ViewSample(at=at, views=clean)


def _sample_from_columns(ids: list[str], raw: Any) -> ViewSample | None:
    """A sample of the columnar format: its counts in the order of ``ids``."""
    if not isinstance(raw, dict):
        return None
    at, counts = _moment(raw), raw.get("views")
    if at is None or not isinstance(counts, list) or len(counts) != len(ids):
        return None
    if counts and set(map(type, counts)) == {int} and min(counts) >= 0:  # every article, all fine
        return ViewSample(at=at, views=dict(zip(ids, counts)))
    return ViewSample(at=at, views={k: v for k, v in zip(ids, counts) if type(v) is int and v >= 0})


def _samples(raw: Any) -> list[ViewSample]:
    samples = raw.get("samples") if isinstance(raw, dict) else None
    if not isinstance(samples, list):
        return []
    if raw.get("format") == 1:
        parsed = [_sample_from_json(item) for item in samples]
    else:
        ids = raw.get("ids")
        if not isinstance(ids, list) or not all(type(i) is str for i in ids):
            return []
        parsed = [_sample_from_columns(ids, item) for item in samples]
    return [s for s in parsed if s is not None]


def load_view_history(path: Path) -> tuple[ViewSample, ...]:
    """The samples in ``path``, oldest first; empty when the file is missing or damaged."""
    return tuple(sorted(_samples(read_json(path, {})), key=lambda s: s.at))


def record_sample(history: Sequence[ViewSample], sample: ViewSample) -> tuple[ViewSample, ...]:
    """The history to keep after a build that saw ``sample``.

    * samples stamped at or after ``sample.at`` are dropped: the clock went back (or the
      snapshot is older than the history), and growth against them would be meaningless;
    * samples older than :data:`WINDOW` are dropped;
    * ``sample`` is added only when the newest kept sample is at least :data:`SAMPLE_EVERY`
      seconds older (or there is none), so cron runs minutes apart do not fill the file;
    * deleted articles leave every sample; at most :data:`MAX_SAMPLES` (the newest) are kept.

    Most builds change nothing (a cron run minutes after the last kept sample): then the
    result is ``history`` itself, and nothing need be saved.
    """
    kept = [s for s in history if s.at < sample.at and sample.at - s.at <= WINDOW]
    if not kept or sample.at - kept[-1].at >= SAMPLE_EVERY:
        kept.append(sample)
    alive = sample.views.keys()
    pruned = [
        s if s.views.keys() <= alive else ViewSample(at=s.at, views={k: v for k, v in s.views.items() if k in alive})
        for s in kept[-MAX_SAMPLES:]
    ]
    if len(pruned) == len(history) and all(a is b for a, b in zip(pruned, history)):
        return tuple(history)
    return tuple(pruned)


def save_view_history(path: Path, history: Sequence[ViewSample]) -> None:
    """Write the history atomically (ids sorted, so equal histories are equal files)."""
    ids = sorted(set().union(*(s.views for s in history)))
    write_json_atomic(
        path,
        {
            "format": HISTORY_FORMAT,
            "ids": ids,
            "samples": [{"at": s.at, "views": [s.views.get(i) for i in ids]} for s in history],
        },
    )
