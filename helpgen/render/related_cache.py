"""The related-articles cache: what the last build's related lists were computed from.

One marshal file in the build cache folder (``related.marshal``), written atomically. It holds
:class:`RelatedState`: the quantised statistics of :mod:`helpgen.render.related_terms`, and
per article its inputs (content key, top terms, tags, category, fallback rank) and its list,
so the next build recomputes only the lists that can change (``helpgen.render.related``).
A missing, damaged or other-version file is no cache (every list is computed again); it is
never an error.
"""

from __future__ import annotations

import logging
import marshal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from helpgen.atomic import write_atomic
from helpgen.search._collector import collector_paused

__all__ = ["ArticleState", "RelatedState", "RelatedCache", "FILE_NAME"]

log = logging.getLogger("helpgen.related")

FILE_NAME = "related.marshal"
FORMAT_VERSION = 1
"""Bump when the file layout or what its numbers mean changes."""


class ArticleState(NamedTuple):
    """One article as its related list was computed (a named tuple: ten thousand of them are
    loaded and made every build, which a dataclass makes several times slower)."""

    key: str  # content key of its analysed search document ("" when it has none)
    terms: dict[str, float]  # its top terms, in scoring order (see related._top_terms)
    heaviest: float  # the weight of its heaviest term
    cut: int  # the lowest weight step a term needs to be among its top terms
    category: str | None
    tags: tuple[str, ...]  # sorted, lowercased
    rank: int  # fallback rank in its category
    related: tuple[str, ...]  # its list, best first
    filled: bool  # whether the category fallback was consulted for it (too few candidates)


@dataclass(frozen=True)
class RelatedState:
    """Everything the related lists of one build were computed from, and the lists."""

    params: tuple[Any, ...]  # scoring parameters: a cache made with others is not used
    stats: tuple[int, ...]  # RelatedWeights.stats
    buckets: dict[str, dict[str, int]]  # RelatedWeights.buckets
    articles: dict[str, ArticleState]  # page path → its state


class RelatedCache:
    """The related-articles state of the last build in the cache folder ``folder``.

    :attr:`state` is what was loaded (None: nothing usable, or ``fresh``); the build replaces it
    with the new state and calls :meth:`save` once the site is published.
    """

    def __init__(self, folder: Path | None, fresh: bool = False) -> None:
        self.folder = folder
        self.state: RelatedState | None = None if fresh or folder is None else self._load(folder / FILE_NAME)

    @staticmethod
    def _load(path: Path) -> RelatedState | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("related-articles cache %s is unreadable (%s); every list is computed again", path, exc)
            return None
        with collector_paused():  # 10,000 articles' tuples and dicts, none in a cycle
            return RelatedCache._decode(path, data)

    @staticmethod
    def _decode(path: Path, data: bytes) -> RelatedState | None:
        try:
            version, params, stats, buckets, articles = marshal.loads(data)
            if version != FORMAT_VERSION:
                return None
            return RelatedState(
                params=tuple(params),
                stats=tuple(stats),
                buckets={str(name): dict(terms) for name, terms in buckets.items()},
                articles={path: ArticleState._make(record) for path, record in articles.items()},
            )
        except (EOFError, ValueError, TypeError, AttributeError) as exc:
            log.warning("related-articles cache %s is damaged (%s); every list is computed again", path, exc)
            return None

    def save(self) -> None:
        """Write :attr:`state` atomically (nothing when there is no folder or no state)."""
        if self.folder is None or self.state is None:
            return
        state = self.state
        with collector_paused():
            articles = {path: tuple(article) for path, article in state.articles.items()}  # marshal takes plain tuples
            data = marshal.dumps((FORMAT_VERSION, state.params, state.stats, state.buckets, articles))
        write_atomic(self.folder / FILE_NAME, data)
