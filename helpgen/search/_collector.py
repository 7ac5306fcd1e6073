"""The garbage collector paused while the search caches create millions of plain objects.

Loading the term cache, analysing and exporting make tuples, dicts of strings and ints and
bytes that hold no reference cycles; each collection their allocations set off would walk
the young objects for nothing (about 0.05 s of a one-article rebuild at 10,000 articles).
:func:`collector_paused` is the pause loading a snapshot uses (one helper, not a copy): it
re-enables the collector afterwards when it was enabled before, so blocks nest.
"""

from __future__ import annotations

from helpgen.content.snapshot import _without_cyclic_gc as collector_paused

__all__ = ["collector_paused"]
