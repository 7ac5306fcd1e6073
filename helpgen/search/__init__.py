"""Site search: a Whoosh index built at build time, exported as static files for the browser.

* :mod:`~helpgen.search.documents`: pages → :class:`SearchDocument` (text from Markdown);
* :mod:`~helpgen.search.terms`: documents → their analysed terms (cached by content, in
  parallel) → Whoosh's BM25F score of every (term, document);
* :mod:`~helpgen.search._whoosh`: the only module that imports Whoosh (analyzer, index,
  per-(term, document) BM25F scores, reference ranking);
* :mod:`~helpgen.search.usage`: views, helpfulness and votes → one bounded score multiplier
  per document (the usage boost, ``[search] usage_boost``);
* :mod:`~helpgen.search.titles`: the exact-title key that keeps a typed title's page first;
* :mod:`~helpgen.search.export`: documents (and multipliers) → ``search/`` files (a pure function);
* :mod:`~helpgen.search.incremental`: the same files, recomputed only for the terms of changed
  documents from the last export kept in the build cache (byte-identical to a clean export);
* :mod:`~helpgen.search.engine`: the query algorithm in Python, the same as ``search.js``.

``docs/search.md`` describes the design and the file format.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpgen import progress
from helpgen.search._collector import collector_paused
from helpgen.search.documents import SearchDocument, search_documents
from helpgen.search.terms import AnalyzedDocument, DocumentScorer, TermCache, analyze_sources, document_sources
from helpgen.search.engine import Hit, SearchIndexError, ResultDocument, SearchEngine, SearchResult
from helpgen.search.export import MANIFEST, ExportedIndex, IndexSettings, export_analyzed, export_index
from helpgen.search.incremental import ExportCache, export_search

__all__ = [
    "ExportedIndex",
    "Hit",
    "SearchIndexError",
    "IndexSettings",
    "MANIFEST",
    "ResultDocument",
    "SearchDocument",
    "SearchEngine",
    "SearchResult",
    "analyze_pages",
    "export_analyzed",
    "export_search",
    "ExportCache",
    "TermCache",
    "DocumentScorer",
    "AnalyzedDocument",
    "export_index",
    "open_site_index",
    "search_documents",
]


def analyze_pages(pages: Iterable[Any], cache: TermCache, jobs: int = 1) -> list[AnalyzedDocument]:
    """The search documents of ``pages`` (articles, then posts), analysed: from ``cache`` when
    their content is unchanged, otherwise now, in up to ``jobs`` worker processes."""
    with collector_paused():
        sources = document_sources(pages)
        with progress.stage("index", total=len(sources), unit="documents") as bar:
            return analyze_sources(sources, cache, jobs, progress=bar.advance)


def open_site_index(site: Path) -> SearchEngine:
    """A :class:`SearchEngine` over the index of a built site folder (``--out`` of a build)."""
    root = Path(site).resolve()

    def read(site_path: str) -> bytes:
        target = (root / site_path).resolve()
        if root not in target.parents:
            raise OSError(f"{site_path!r} is outside the site")
        return target.read_bytes()

    return SearchEngine(read)
