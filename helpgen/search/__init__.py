"""Site search: a Whoosh index built at build time, exported as static files for the browser.

* :mod:`~helpgen.search.documents`: pages → :class:`SearchDocument` (text from Markdown);
* :mod:`~helpgen.search._whoosh`: the only module that imports Whoosh (analyzer, index,
  per-(term, document) BM25F scores, reference ranking);
* :mod:`~helpgen.search.export`: documents → ``search/`` files (a pure function);
* :mod:`~helpgen.search.engine`: the query algorithm in Python, the same as ``search.js``.

``docs/search.md`` describes the design and the file format.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpgen.search.documents import SearchDocument, search_documents
from helpgen.search.engine import Hit, SearchIndexError, ResultDocument, SearchEngine, SearchResult
from helpgen.search.export import MANIFEST, ExportedIndex, IndexSettings, export_index

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
    "build_search_index",
    "export_index",
    "open_site_index",
    "search_documents",
]


def build_search_index(pages: Iterable[Any], settings: IndexSettings = IndexSettings()) -> ExportedIndex:
    """The search index files of a site's planned pages (site path → bytes)."""
    return export_index(search_documents(pages), settings)


def open_site_index(site: Path) -> SearchEngine:
    """A :class:`SearchEngine` over the index of a built site folder (``--out`` of a build)."""
    root = Path(site).resolve()

    def read(site_path: str) -> bytes:
        target = (root / site_path).resolve()
        if root not in target.parents:
            raise OSError(f"{site_path!r} is outside the site")
        return target.read_bytes()

    return SearchEngine(read)
