"""Small text helpers shared by the exporter and the query engine (no Whoosh here).

* :func:`utf16_key`: the order JavaScript compares strings in (UTF-16 code units), so the
  shard keys written in Python are binary-searched correctly in the browser;
  :func:`all_bmp` tells when Python's own string order is that order (no character beyond
  U+FFFF), and :func:`sorted_utf16` sorts in it;
* :func:`within_one_edit`: Damerau–Levenshtein distance ≤ 1 (an adjacent transposition
  counts as one edit), on code points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

__all__ = ["utf16_key", "all_bmp", "sorted_utf16", "within_one_edit"]

_T = TypeVar("_T")


def utf16_key(text: str) -> bytes:
    """A sort key that orders strings as JavaScript's ``<`` does."""
    return text.encode("utf-16-be", "surrogatepass")


def all_bmp(texts: Iterable[str]) -> bool:
    """True when no character of ``texts`` is beyond U+FFFF: then one code point is one
    UTF-16 code unit, and Python's string order is :func:`utf16_key`'s (without encoding)."""
    joined = "".join(texts)
    return not joined or max(joined) <= "\uffff"


def sorted_utf16(items: Iterable[_T], key: Callable[[_T], str] | None = None) -> list[_T]:
    """``items`` (strings, or sorted by the string ``key`` gives) in :func:`utf16_key` order."""
    items = list(items)
    keys: list[str] = items if key is None else [key(item) for item in items]  # type: ignore[assignment]
    if all_bmp(keys):
        return sorted(items, key=key)  # type: ignore[arg-type]
    if key is None:
        return sorted(items, key=utf16_key)  # type: ignore[arg-type]
    return sorted(items, key=lambda item: utf16_key(key(item)))


def within_one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    start = 0
    while start < min(la, lb) and a[start] == b[start]:
        start += 1
    if la == lb:
        if a[start + 1 :] == b[start + 1 :]:
            return True  # one substitution
        return (
            start + 1 < la
            and a[start] == b[start + 1]
            and a[start + 1] == b[start]
            and a[start + 2 :] == b[start + 2 :]
        )
    if la < lb:
        return a[start:] == b[start + 1 :]
    return a[start + 1 :] == b[start:]
