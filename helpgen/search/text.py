"""Small text helpers shared by the exporter and the query engine (no Whoosh here).

* :func:`utf16_key`: the order JavaScript compares strings in (UTF-16 code units), so the
  shard keys written in Python are binary-searched correctly in the browser;
* :func:`within_one_edit`: Damerau–Levenshtein distance ≤ 1 (an adjacent transposition
  counts as one edit), on code points.
"""

from __future__ import annotations

__all__ = ["utf16_key", "within_one_edit"]


def utf16_key(text: str) -> bytes:
    """A sort key that orders strings as JavaScript's ``<`` does."""
    return text.encode("utf-16-be", "surrogatepass")


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
