"""What is wrong with one JSON object from cStar: wrong types, nulls, invalid dates.

The models (``_models.py``) read every generation of cStar's JSON tolerantly and fall back to
a default for anything unusable; :func:`field_problems` says, for the build report, what was
unusable and which default is used instead (``viewCount: expected a number, got text
('many'); using 0``). The documented tolerances (``shared/cstar-api.md``: camelCase or
snake_case, ``category`` as a name, slug or object, tags as objects, missing optional fields)
are not problems. Missing or empty identity (id, slug, title, name) and cross-item problems
(duplicates, dangling references) are judged over the whole snapshot, in
``helpgen.content.validate``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["field_problems", "is_timestamp", "KINDS"]

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=4096)
def _snake(key: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", key).lower()

TEXT, NUMBER, FLAG, DATE, TAGS, ITEMS, ANY = "text", "number", "flag", "date", "tags", "items", "any"


@dataclass(frozen=True)
class _Rule:
    """How one field is checked: its kind, whether null is fine, and its default."""

    kind: str
    nullable: bool = False
    default: Any = None


def _rules(**fields: _Rule) -> dict[str, _Rule]:
    return fields


_IDENTITY = _Rule(ANY)  # judged over the whole snapshot (helpgen.content.validate)
_COUNT = _Rule(NUMBER, default=0)
_OPTIONAL_TEXT = _Rule(TEXT, nullable=True, default="")
_WHEN = _Rule(DATE, nullable=True)

KINDS: dict[str, dict[str, _Rule]] = {
    "category": _rules(
        id=_IDENTITY, name=_IDENTITY, slug=_IDENTITY, description=_OPTIONAL_TEXT,
        icon=_OPTIONAL_TEXT, color=_OPTIONAL_TEXT, sort_order=_COUNT,
        is_public=_Rule(FLAG, default=True), article_count=_COUNT,
        created_at=_WHEN, updated_at=_WHEN,
    ),
    "article": _rules(
        id=_IDENTITY, title=_IDENTITY, slug=_IDENTITY, excerpt=_OPTIONAL_TEXT,
        content=_Rule(TEXT, nullable=True, default=""), category_id=_OPTIONAL_TEXT,
        category_slug=_OPTIONAL_TEXT, category_name=_OPTIONAL_TEXT, tags=_Rule(TAGS, default=()),
        status=_Rule(TEXT, default="published"), is_public=_Rule(FLAG, default=True),
        view_count=_COUNT, helpful_count=_COUNT, not_helpful_count=_COUNT,
        read_time=_OPTIONAL_TEXT, meta_description=_OPTIONAL_TEXT,
        published_at=_WHEN, created_at=_WHEN, updated_at=_WHEN,
    ),
    "topic": _rules(
        id=_IDENTITY, name=_IDENTITY, slug=_IDENTITY, description=_OPTIONAL_TEXT,
        sort_order=_COUNT, post_count=_COUNT,
    ),
    "post": _rules(
        id=_IDENTITY, title=_IDENTITY, slug=_IDENTITY, body=_Rule(TEXT, default=""),
        topic_id=_OPTIONAL_TEXT, topic_slug=_OPTIONAL_TEXT, status=_Rule(TEXT, default="open"),
        vote_count=_COUNT, comment_count=_COUNT, is_pinned=_Rule(FLAG, default=False),
        is_locked=_Rule(FLAG, default=False), author_name=_Rule(TEXT, nullable=True, default=""),
        attachments=_Rule(ITEMS, nullable=True, default=()), created_at=_WHEN, updated_at=_WHEN,
    ),
    "attachment": _rules(
        filename=_Rule(TEXT, default=""), content_type=_Rule(TEXT, default=""),
        size_bytes=_COUNT, url=_Rule(TEXT, default=""),
    ),
    "comment": _rules(
        id=_IDENTITY, body=_Rule(TEXT, default=""), author_name=_Rule(TEXT, nullable=True, default=""),
        is_official=_Rule(FLAG, default=False), created_at=_WHEN,
    ),
    "thread": _rules(comments=_Rule(ITEMS, nullable=True, default=())),
}
"""The checked fields of each kind of object, by snake_case name."""


def is_timestamp(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 date or timestamp (``2026-03-01T09:30:00Z``)."""
    text = value.strip()
    if not text:
        return False
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"a number ({text if len(text) <= 20 else text[:17] + '...'})"
    if isinstance(value, str):
        return f"text ({value[:40]!r}{'...' if len(value) > 40 else ''})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _number(value: Any) -> int | None:
    """What the models make of a would-be number (``_models._int``), or None when nothing."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None


def _check(name: str, rule: _Rule, value: Any) -> str | None:
    """One field's problem (``None`` when fine), worded for the build report."""
    if value is None:
        return None if rule.nullable or rule.kind == ANY else f"{name}: null; using {_shown(rule.default)}"
    kind = rule.kind
    if kind == ANY:
        return None
    if kind == TEXT:
        if isinstance(value, str):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{name}: expected text, got {_describe(value)}; using {str(value)!r}"
        return f"{name}: expected text, got {_describe(value)}; using {_shown(rule.default)}"
    if kind == NUMBER:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            return None
        number = _number(value)
        if isinstance(value, float) and number is not None:
            return f"{name}: expected a whole number, got {value!r}; using {number}"
        using = number if number is not None else rule.default
        return f"{name}: expected a number, got {_describe(value)}; using {using}"
    if kind == FLAG:
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            using = value.strip().lower() in {"true", "1", "yes"}
        elif isinstance(value, (int, float)):
            using = bool(value)
        else:
            using = rule.default
        return f"{name}: expected true or false, got {_describe(value)}; using {_shown(using)}"
    if kind == DATE:
        if isinstance(value, str) and is_timestamp(value):
            return None
        what = f"not a valid date {value!r}" if isinstance(value, str) else f"expected a date, got {_describe(value)}"
        return f"{name}: {what}; left out"
    if kind == TAGS:
        if isinstance(value, str):
            return None  # a comma-separated string: tolerated
        if not isinstance(value, (list, tuple)):
            return f"{name}: expected a list, got {_describe(value)}; using none"
        bad = [i for i, v in enumerate(value) if not isinstance(v, (str, Mapping)) and v is not None]
        if bad:
            return f"{name}: item {bad[0] + 1} is {_describe(value[bad[0]])}, not text; using it as text"
        return None
    if kind == ITEMS:
        if not isinstance(value, (list, tuple)):
            return f"{name}: expected a list, got {_describe(value)}; using none"
        bad = [i for i, v in enumerate(value) if not isinstance(v, Mapping)]
        if bad:
            return f"{name}: item {bad[0] + 1} is {_describe(value[bad[0]])}, not an object; left out"
        return None
    raise ValueError(f"unknown field kind {kind!r}")  # pragma: no cover - a typo in KINDS


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == ():
        return "none"
    return repr(value)


# Values that are fine for a kind whatever the rule (checked by type alone, the common case).
_FINE_TYPES: dict[str, tuple[type, ...]] = {TEXT: (str,), NUMBER: (int,), FLAG: (bool,), TAGS: (str,)}


def field_problems(kind: str, raw: Mapping[str, Any]) -> tuple[str, ...]:
    """Every problem of ``raw`` (one object of ``kind``, any key style), in key order.

    Each names the field as the JSON spelled it and the default the model uses instead.
    """
    rules = KINDS[kind]
    problems: list[str] = []
    seen: set[str] = set()
    for key, value in raw.items():
        field = _snake(key if type(key) is str else str(key))
        rule = rules.get(field)
        if rule is None or field in seen:  # the first spelling wins, as in the models
            continue
        seen.add(field)
        if rule.kind == ANY or type(value) in _FINE_TYPES.get(rule.kind, ()):
            continue
        problem = _check(str(key), rule, value)
        if problem:
            problems.append(problem)
    return tuple(problems)
