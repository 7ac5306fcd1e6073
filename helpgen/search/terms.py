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
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpgen.atomic import atomic_file
from helpgen.workers import can_fork, fork_pool
from helpgen.search._collector import collector_paused
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
    "collection_counts",
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
    number of tokens and each term's frequency in it. ``key`` is the content key of the
    document's :class:`DocumentSource` (empty when it was analysed straight from a
    :class:`SearchDocument`): equal keys, equal documents, so builds diff documents by it.
    """

    kind: str
    category_key: str
    status: str
    status_label: str
    record: tuple[str, str, str, str, str]
    fields: tuple[tuple[str, int, dict[str, int]], ...]
    key: str = ""

    @property
    def path(self) -> str:
        return self.record[1]

    def to_marshal(self) -> tuple[Any, ...]:
        return (self.kind, self.category_key, self.status, self.status_label, self.record, self.fields)

    @classmethod
    def from_marshal(cls, value: Sequence[Any], key: str = "") -> AnalyzedDocument:
        kind, category_key, status, status_label, record, fields = value
        # marshal gives tuples back as tuples: convert only what came as lists (JSON, tests).
        if type(record) is not tuple:
            record = tuple(record)
        if type(fields) is not tuple or (fields and type(fields[0]) is not tuple):
            fields = tuple(tuple(f) for f in fields)
        return cls(kind, category_key, status, status_label, record, fields, key)


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


_SHARED_TERMS = "shared-terms"
"""Marks a cache file whose term strings are interned: one string object per term, however
many documents hold it. marshal writes a string object seen before as a 5-byte reference and
reads an interned one back interned, so the file, the time to read it and the memory it takes
shrink to about a third (2.6 million term strings become about 100,000 at 10,000 articles)."""


def _shared_terms(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """An analysed document's marshal value with its field names and terms interned."""
    kind, category_key, status, status_label, record, fields = value
    intern = sys.intern
    shared = tuple(
        (intern(name), length, {intern(term): count for term, count in counts.items()}) for name, length, counts in fields
    )
    return (kind, category_key, status, status_label, record, shared)


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
        with collector_paused():  # millions of plain objects: nothing for the collector to find
            self._load(folder)

    def _load(self, folder: Path) -> None:
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
                if not (isinstance(loaded, tuple) and len(loaded) in (2, 3) and loaded[0] == ANALYSIS_VERSION):
                    continue  # another version's cache: analyse again
                part = dict(loaded[1])
                if loaded[2:] != (_SHARED_TERMS,):  # written before terms were shared: share them now
                    part = {key: _shared_terms(value) for key, value in part.items()}
                    self._dirty.add(shard)
            except (EOFError, ValueError, TypeError) as exc:
                log.warning("search cache %s is damaged (%s); its documents are analysed again", path, exc)
                continue
            self.entries.update(part)
            self._loaded[shard] = len(part)

    def add(self, key: str, value: tuple[Any, ...]) -> None:
        self.entries[key] = _shared_terms(value)
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
            with atomic_file(self.folder / f"{shard}.marshal", "wb") as fh:
                marshal.dump((ANALYSIS_VERSION, part, _SHARED_TERMS), fh)
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
    return [AnalyzedDocument.from_marshal(cache.entries[source.key], source.key) for source in sources]


def collection_counts(documents: Iterable[AnalyzedDocument]) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """Each field's total length over ``documents``, and each term's document frequency per field."""
    totals = dict.fromkeys(FIELD_NAMES, 0)
    doc_freq: dict[str, Counter[str]] = {name: Counter() for name in FIELD_NAMES}
    for doc in documents:
        for name, length, counts in doc.fields:
            totals[name] += length
            doc_freq[name].update(counts.keys())
    return totals, doc_freq


class DocumentScorer:
    """Collection statistics of ``documents``, and each document's BM25F score per term.

    :meth:`scores` gives exactly the floats Whoosh gives (see :func:`postings`): per-field
    idf and average length from all ``documents``, a document's fields added up in
    :data:`FIELD_NAMES` order. ``doc_freq[field][term]`` is the number of documents with the
    term in that field (Whoosh's per-field document frequency) and ``stats`` the collection's
    :class:`BM25FStatistics` (``stats.doc_count`` documents). :meth:`from_counts` builds one
    from counts kept by an earlier build (:mod:`helpgen.search.incremental`), without a pass
    over every document.
    """

    def __init__(self, documents: Sequence[AnalyzedDocument]) -> None:
        totals, doc_freq = collection_counts(documents)
        self._setup(len(documents), totals, doc_freq)

    @classmethod
    def from_counts(
        cls, doc_count: int, field_lengths: Mapping[str, int], doc_freq: Mapping[str, Mapping[str, int]]
    ) -> DocumentScorer:
        """The scorer of a collection of ``doc_count`` documents with these total field
        lengths and per-field document frequencies (equal to one built from the documents)."""
        scorer = cls.__new__(cls)
        scorer._setup(doc_count, field_lengths, doc_freq)
        return scorer

    def _setup(self, doc_count: int, field_lengths: Mapping[str, int], doc_freq: Mapping[str, Mapping[str, int]]) -> None:
        self.field_lengths: dict[str, int] = {name: field_lengths.get(name, 0) for name in FIELD_NAMES}
        self.doc_freq: dict[str, Mapping[str, int]] = {name: doc_freq.get(name, {}) for name in FIELD_NAMES}
        self.stats = BM25FStatistics(doc_count, self.field_lengths)
        self._idf: dict[str, dict[str, float]] = {name: {} for name in FIELD_NAMES}  # filled as terms are scored
        self._norms: dict[tuple[str, int], float] = {}

    def _norm(self, name: str, length: int) -> float:
        norm = self._norms.get((name, length))
        if norm is None:
            norm = self._norms[(name, length)] = self.stats.length_norm(name, length)
        return norm

    def scores(self, doc: AnalyzedDocument) -> dict[str, float]:
        """``{term: score}`` of one document (one of the scorer's ``documents``)."""
        k1_plus_1 = BM25FStatistics.K1_PLUS_1
        idf = self.stats.idf
        result: dict[str, float] = {}
        for name, length, counts in doc.fields:
            norm = self._norm(name, length)
            boost, field_idf, field_df = FIELD_BOOSTS[name], self._idf[name], self.doc_freq[name]
            for term, frequency in counts.items():
                term_idf = field_idf.get(term)
                if term_idf is None:
                    term_idf = field_idf[term] = idf(field_df[term])
                # whoosh.scoring.bm25 × boost, inlined: the same operations in the same order.
                score = boost * (term_idf * ((frequency * k1_plus_1) / (frequency + norm)))
                previous = result.get(term)
                result[term] = score if previous is None else previous + score
        return result

    def score(self, doc: AnalyzedDocument, term: str) -> float | None:
        """One term's score in one document (the same float as ``scores(doc)[term]``), None
        when the document lacks the term."""
        k1_plus_1 = BM25FStatistics.K1_PLUS_1
        result: float | None = None
        for name, length, counts in doc.fields:
            frequency = counts.get(term)
            if frequency is None:
                continue
            field_idf = self._idf[name]
            term_idf = field_idf.get(term)
            if term_idf is None:
                term_idf = field_idf[term] = self.stats.idf(self.doc_freq[name][term])
            score = FIELD_BOOSTS[name] * (term_idf * ((frequency * k1_plus_1) / (frequency + self._norm(name, length))))
            result = score if result is None else result + score
        return result

    def term_scores(self, docs: Iterable[AnalyzedDocument], term: str) -> list[float | None]:
        """:meth:`score` of one term in each of ``docs`` (the same floats), with the term's
        per-field idf looked up once: for the many documents of a term whose idf moved."""
        k1_plus_1 = BM25FStatistics.K1_PLUS_1
        weights: dict[str, tuple[float, float]] = {}  # field → (boost, the term's idf in it)
        for name in FIELD_NAMES:
            if self.doc_freq[name].get(term):
                field_idf = self._idf[name]
                term_idf = field_idf.get(term)
                if term_idf is None:
                    term_idf = field_idf[term] = self.stats.idf(self.doc_freq[name][term])
                weights[name] = (FIELD_BOOSTS[name], term_idf)
        norms = self._norms
        result: list[float | None] = []
        for doc in docs:
            total: float | None = None
            for name, length, counts in doc.fields:
                frequency = counts.get(term)
                if frequency is None:
                    continue
                boost, term_idf = weights[name]
                norm = norms.get((name, length))
                if norm is None:
                    norm = self._norm(name, length)
                score = boost * (term_idf * ((frequency * k1_plus_1) / (frequency + norm)))
                total = score if total is None else total + score
            result.append(total)
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
