"""Each search document's index terms, analysed once and cached by content.

Analysis (Markdown → plain text → Whoosh's analyzer) is most of the cost of indexing. A
document's result, an :class:`AnalyzedDocument`, depends only on what the document is made
of, so it is keyed by a hash of those inputs (:attr:`DocumentSource.key`), kept in the build
cache between builds and recomputed only for new or changed documents; documents still to
analyse are spread over forked worker processes.

:func:`postings` then turns analysed documents into every term's per-document BM25F scores,
exactly as Whoosh would score the same documents (:class:`~helpgen.search._whoosh.BM25FStatistics`).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpgen.workers import can_fork, fork_pool
from helpgen.search._whoosh import FIELD_BOOSTS, FIELD_NAMES, BM25FStatistics, analyze
from helpgen.search.documents import ARTICLE, SearchDocument, document_inputs, search_document

__all__ = [
    "AnalyzedDocument",
    "DocumentSource",
    "TermCache",
    "analyze_document",
    "analyze_sources",
    "document_sources",
    "postings",
    "DocumentScorer",
    "ANALYSIS_VERSION",
]

log = logging.getLogger("helpgen.search")

ANALYSIS_VERSION = 1
"""Bump when what a document's terms are changes (analyzer, fields, text extraction)."""

MIN_DOCUMENTS_PER_WORKER = 100  # below this, forking costs more than it saves
_CHUNK = 32


@dataclass(frozen=True)
class AnalyzedDocument:
    """One document as the index sees it.

    ``record`` is what a result shows (``[title, path, category, status, excerpt]``);
    ``fields`` holds, for each non-empty field in :data:`FIELD_NAMES` order, its name, its
    number of tokens and each term's frequency in it.
    """

    kind: str
    category_key: str
    status: str
    status_label: str
    record: tuple[str, str, str, str, str]
    fields: tuple[tuple[str, int, dict[str, int]], ...]

    @property
    def path(self) -> str:
        return self.record[1]

    def to_marshal(self) -> tuple[Any, ...]:
        return (self.kind, self.category_key, self.status, self.status_label, self.record, self.fields)

    @classmethod
    def from_marshal(cls, value: Sequence[Any]) -> AnalyzedDocument:
        kind, category_key, status, status_label, record, fields = value
        return cls(kind, category_key, status, status_label, tuple(record), tuple(tuple(f) for f in fields))


def analyze_document(doc: SearchDocument) -> AnalyzedDocument:
    """A search document's terms: Whoosh's analyzer over each field, as its index writer runs it."""
    fields: list[tuple[str, int, dict[str, int]]] = []
    for name in FIELD_NAMES:
        text = doc.fields.get(name)
        if not text:
            continue
        counts = Counter(analyze(text))
        length = sum(counts.values())
        if length:
            fields.append((name, length, dict(counts)))
    unknown = set(doc.fields) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"unknown search fields: {sorted(unknown)}")
    return AnalyzedDocument(
        kind=doc.kind,
        category_key=doc.category_key,
        status=doc.status,
        status_label=doc.status_label,
        record=(doc.title, doc.path, doc.category, doc.status, doc.excerpt),
        fields=tuple(fields),
    )


@dataclass(frozen=True)
class DocumentSource:
    """A page that becomes a search document, before its (costly) text extraction.

    ``key`` hashes everything the document is made of, so two builds with the same key get
    the same :class:`AnalyzedDocument`.
    """

    page: Any
    key: str

    def analyze(self) -> AnalyzedDocument:
        return analyze_document(search_document(self.page))


def document_sources(pages: Iterable[Any]) -> list[DocumentSource]:
    """The pages that are search documents (articles, then posts), each with its content key."""
    articles: list[DocumentSource] = []
    posts: list[DocumentSource] = []
    for page in pages:
        inputs = document_inputs(page)
        if inputs is None:
            continue
        material = marshal.dumps((ANALYSIS_VERSION, inputs))
        source = DocumentSource(page=page, key=hashlib.blake2b(material, digest_size=16).hexdigest())
        (articles if page.kind == ARTICLE else posts).append(source)
    return articles + posts


class TermCache:
    """Analysed documents of earlier builds, by content key, in a folder of marshal files.

    Entries are spread over :data:`SHARDS` files by the first character of their key, so a
    build that analysed one document rewrites one file, not the whole cache. A missing or
    damaged file is an empty part of the cache (its documents are analysed again).
    :meth:`save` keeps only the keys used by this build (:attr:`used`), so the cache never
    grows past the site.
    """

    SHARDS = "0123456789abcdef"

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.used: set[str] = set()
        self._loaded: dict[str, int] = {}  # shard → entries loaded from it
        self._dirty: set[str] = set()  # shards with new entries
        if folder is None:
            return
        for shard in self.SHARDS:
            path = folder / f"{shard}.marshal"
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("search cache %s is unreadable (%s); its documents are analysed again", path, exc)
                continue
            try:
                loaded = marshal.loads(data)
                if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == ANALYSIS_VERSION):
                    continue  # another version's cache: analyse again
                part = dict(loaded[1])
            except (EOFError, ValueError, TypeError) as exc:
                log.warning("search cache %s is damaged (%s); its documents are analysed again", path, exc)
                continue
            self.entries.update(part)
            self._loaded[shard] = len(part)

    def add(self, key: str, value: tuple[Any, ...]) -> None:
        self.entries[key] = value
        self._dirty.add(key[:1])

    def save(self) -> None:
        """Write each shard whose entries changed, atomically."""
        if self.folder is None:
            return
        kept: dict[str, dict[str, tuple[Any, ...]]] = {shard: {} for shard in self.SHARDS}
        for key in self.used:
            if key in self.entries and key[:1] in kept:
                kept[key[:1]][key] = self.entries[key]
        for shard, part in kept.items():
            if shard not in self._dirty and len(part) == self._loaded.get(shard, 0):
                continue
            path = self.folder / f"{shard}.marshal"
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    marshal.dump((ANALYSIS_VERSION, part), fh)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._loaded[shard] = len(part)
        self._dirty.clear()


_SOURCES: Sequence[DocumentSource] = ()  # set in the parent just before forking workers


def _analyze_chunk(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    return [_SOURCES[i].analyze().to_marshal() for i in range(*bounds)]


def analyze_sources(
    sources: Sequence[DocumentSource],
    cache: TermCache,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[AnalyzedDocument]:
    """Every source analysed: from ``cache`` when its key is there, otherwise now (in up to
    ``jobs`` forked workers), adding the new results to ``cache``."""
    global _SOURCES
    cache.used.update(source.key for source in sources)
    missing = [i for i, source in enumerate(sources) if source.key not in cache.entries]
    workers = max(1, min(jobs, len(missing) // MIN_DOCUMENTS_PER_WORKER))
    if progress is not None and len(sources) > len(missing):
        progress(len(sources) - len(missing))
    if missing:
        todo = [sources[i] for i in missing]
        bounds = [(start, min(start + _CHUNK, len(todo))) for start in range(0, len(todo), _CHUNK)]
        if workers > 1 and can_fork():
            _SOURCES = todo
            try:
                with fork_pool(workers) as pool:
                    results = []
                    for chunk in pool.imap(_analyze_chunk, bounds):
                        results.extend(chunk)
                        if progress is not None:
                            progress(len(chunk))
            finally:
                _SOURCES = ()
        else:
            results = []
            for start, end in bounds:
                results.extend(source.analyze().to_marshal() for source in todo[start:end])
                if progress is not None:
                    progress(end - start)
        for source, result in zip(todo, results):
            cache.add(source.key, result)
    return [AnalyzedDocument.from_marshal(cache.entries[source.key]) for source in sources]


class DocumentScorer:
    """Collection statistics of ``documents``, and each document's BM25F score per term.

    :meth:`scores` gives exactly the floats Whoosh gives (see :func:`postings`): per-field
    idf and average length from all ``documents``, a document's fields added up in
    :data:`FIELD_NAMES` order.
    """

    def __init__(self, documents: Sequence[AnalyzedDocument]) -> None:
        totals = dict.fromkeys(FIELD_NAMES, 0)
        doc_freq: dict[str, Counter[str]] = {name: Counter() for name in FIELD_NAMES}
        for doc in documents:
            for name, length, counts in doc.fields:
                totals[name] += length
                doc_freq[name].update(counts.keys())
        self.stats = BM25FStatistics(len(documents), totals)
        self._idf = {name: {term: self.stats.idf(df) for term, df in doc_freq[name].items()} for name in FIELD_NAMES}
        self._norms: dict[tuple[str, int], float] = {}

    def scores(self, doc: AnalyzedDocument) -> dict[str, float]:
        """``{term: score}`` of one document (one of the scorer's ``documents``)."""
        k1_plus_1 = BM25FStatistics.K1_PLUS_1
        result: dict[str, float] = {}
        for name, length, counts in doc.fields:
            norm = self._norms.get((name, length))
            if norm is None:
                norm = self._norms[(name, length)] = self.stats.length_norm(name, length)
            boost, field_idf = FIELD_BOOSTS[name], self._idf[name]
            for term, frequency in counts.items():
                # whoosh.scoring.bm25 × boost, inlined: the same operations in the same order.
                score = boost * (field_idf[term] * ((frequency * k1_plus_1) / (frequency + norm)))
                previous = result.get(term)
                result[term] = score if previous is None else previous + score
        return result


def postings(
    documents: Sequence[AnalyzedDocument], scorer: DocumentScorer | None = None
) -> tuple[dict[str, dict[int, float]], BM25FStatistics]:
    """Every term's ``{document number: score}`` for ``documents`` (numbered in the given order).

    The score of a (term, document) pair is the sum over the document's fields of boost ×
    BM25 (Whoosh's BM25F), added up in :data:`FIELD_NAMES` order as :func:`term_scores` does,
    so the floats are the same to the last bit. ``scorer``, when given, must be a
    :class:`DocumentScorer` of the same documents (in any order: the statistics do not
    depend on it); it saves a pass over them.
    """
    scorer = scorer if scorer is not None else DocumentScorer(documents)
    by_term: dict[str, dict[int, float]] = {}
    for number, doc in enumerate(documents):
        for term, score in scorer.scores(doc).items():
            term_scores = by_term.get(term)
            if term_scores is None:
                by_term[term] = {number: score}
            else:
                term_scores[number] = score
    return by_term, scorer.stats
