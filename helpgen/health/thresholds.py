"""The ``[report]`` section of ``helpgen.toml``: the thresholds of ``helpgen report``.

Every key is optional; a wrong type or an out-of-range value is a ``ConfigError`` naming the
file and the key (``helpgen.toml: [report].max_helpful_ratio: expected a number from 0 to 1``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

__all__ = ["ReportThresholds", "report_thresholds", "REPORT_KEYS"]


@dataclass(frozen=True)
class ReportThresholds:
    """What counts as a problem in the content-health report."""

    min_views: int = 100  # "most viewed": an article needs this many views to be judged unhelpful
    min_votes: int = 5  # ... and this many helpful + not-helpful votes
    max_helpful_ratio: float = 0.6  # ... and a helpful share below this
    stale_months: int = 12  # "stale": not updated for this many months
    stale_min_views: int = 500  # ... and viewed at least this often
    question_min_votes: int = 5  # community questions with this many votes and no official answer
    question_topics: tuple[str, ...] = ()  # topic slugs that hold questions (default: all but [roadmap] topics)
    limit: int = 50  # at most this many entries per kind (the worst first)


REPORT_KEYS: dict[str, str] = {
    "min_views": "a whole number, 0 or more",
    "min_votes": "a whole number, 0 or more",
    "max_helpful_ratio": "a number from 0 to 1",
    "stale_months": "a whole number, 1 or more",
    "stale_min_views": "a whole number, 0 or more",
    "question_min_votes": "a whole number, 0 or more",
    "question_topics": 'a list of topic slugs like ["questions-and-answers"]',
    "limit": "a whole number, 1 or more",
}


def _valid(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if key == "question_topics":
        return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if key == "max_helpful_ratio":
        return isinstance(value, (int, float)) and 0 <= value <= 1
    if not isinstance(value, int):
        return False
    return value >= (1 if key in ("stale_months", "limit") else 0)


def report_thresholds(section: Mapping[str, Any], source: str) -> ReportThresholds:
    """The thresholds of a ``[report]`` table read from ``source`` (a file name, for errors)."""
    from helpgen.config import ConfigError  # config imports this module

    known = {f.name for f in fields(ReportThresholds)}
    values: dict[str, Any] = {}
    for key, value in section.items():
        where = f"{source}: [report].{key}"
        if key not in known:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(REPORT_KEYS)})")
        if not _valid(key, value):
            raise ConfigError(f"{where}: expected {REPORT_KEYS[key]}, got {type(value).__name__} {value!r}")
        values[key] = float(value) if key == "max_helpful_ratio" else tuple(value) if isinstance(value, list) else value
    return ReportThresholds(**values)
