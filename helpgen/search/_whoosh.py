"""The one module that imports Whoosh: the analyzer, the index, exported scores, reference search.

Everything else in :mod:`helpgen.search` sees Whoosh through four calls:

* :func:`analyze` turns text into index terms with Whoosh's ``StemmingAnalyzer``
  (``RegexTokenizer`` → ``LowercaseFilter`` → ``StopFilter`` (2 to 100 characters) →
  ``StemFilter`` with Whoosh's own, not-quite-textbook Porter stemmer). ``search.js`` is a
  port of exactly this pipeline;
* :func:`build_whoosh_index` indexes the search documents in memory, one Whoosh document per
  search document, so Whoosh's docnum *is* the search document's number;
* :func:`term_scores` yields, for every term, each document's score for that term: Whoosh's
  BM25F is a sum of per-field BM25 scores, so a query's score is a sum of these per-(term,
  document) numbers, each multiplied by the field's boost;
* :class:`BM25FStatistics` computes the same scores from analysed documents without building
  a Whoosh index: Whoosh's own ``bm25`` and ``idf`` formulas, with field lengths quantised to
  a byte as Whoosh stores them, so the numbers are equal to the last bit (the tests compare
  them with :func:`term_scores`). This is what a build uses: Whoosh's index writer is the
  slow part of indexing, and analysed documents can be cached and re-used. Both sides use
  the *quantised* average field lengths and document frequencies (:func:`quantised`, 7
  significant bits), so one edited document rarely moves any score but its own;
* :func:`reference_search` runs the same query through Whoosh's own searcher (exhaustively:
  ``limit=None``, since ``limit=10`` prunes wrongly on OR queries), with the same usage
  multipliers as the export (BM25F's ``final()`` multiplies a document's score by its own)
  and the same exact titles first. Tests and the benchmark compare the exported index's
  rankings with it.
"""

from __future__ import annotations

import math
import os
import tempfile
from math import log
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from whoosh import query as wq
from whoosh import scoring
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.fields import TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import Index
from whoosh.matching import DisjunctionMaxMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

__all__ = [
    "FIELD_BOOSTS",
    "STOP_WORDS",
    "WhooshIndex",
    "analyze",
    "words",
    "ends_in_word",
    "term_of",
    "build_whoosh_index",
    "reference_search",
    "term_scores",
    "BM25FStatistics",
    "FIELD_NAMES",
    "quantised",
]

FIELD_BOOSTS: Mapping[str, float] = {
    "title": 6.0,
    "tags": 2.5,
    "headings": 2.0,
    "excerpt": 1.5,
    "category": 1.0,
    "body": 1.0,
    "answer": 1.0,
}
"""Query-time boost of each field: an exact title match outweighs the same words in a body."""

FIELD_NAMES: tuple[str, ...] = tuple(FIELD_BOOSTS)
"""The fields in the order their scores are summed (Whoosh's lexicon order in :func:`term_scores`)."""

MAX_WORD_CHARS = 100
"""Longer words are not indexed (StopFilter's ``maxsize``): no real query types one, and a
hostile megabyte-long "word" must not become a key every search downloads."""

_ANALYZER = StemmingAnalyzer(maxsize=MAX_WORD_CHARS)
_WORDS = RegexTokenizer() | LowercaseFilter()
_MIN_TERM = 2  # StemmingAnalyzer's StopFilter minsize
_B, _K1 = 0.75, 1.2
STATISTIC_BITS = 7
"""Significant bits kept of a collection statistic (:func:`quantised`)."""


def quantised(value: float) -> float:
    """``value`` rounded to :data:`STATISTIC_BITS` significant bits (steps of 0.8–1.6%).

    Applied to BM25F's collection statistics: each field's average length and each term's
    per-field document frequency (a frequency below 128 is exact; above, it moves in steps
    of 1/128 to 1/64 of itself). Exact, they move with every edit, and every score of every
    document holding a moved term (every score, for the average length) moves with them.
    Rounded, an edit of one document in thousands rarely moves any (the average crosses a
    step about once in a hundred edits at 10,000 documents; a term in 5,000 documents about
    once in 64 times it is added or removed), so an incremental export recomputes little
    more than the changed documents' postings. The rounding is exact binary arithmetic
    (``frexp``/``ldexp``), the same on every machine; an idf or a length normalisation off
    by under 0.8% does not change what ranks well.
    """
    mantissa, exponent = math.frexp(value)
    return math.ldexp(round(mantissa * (1 << STATISTIC_BITS)), exponent - STATISTIC_BITS)


class _QuantisedBM25FScorer(scoring.BM25FScorer):  # type: ignore[misc]
    """Whoosh's ``BM25FScorer`` (same statements) with the average field length rounded by
    :func:`quantised` before anything (its maximum quality too) is computed."""

    def __init__(self, searcher, fieldname, text, B, K1, qf=1):  # type: ignore[no-untyped-def]
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        self.avgfl = quantised(parent.avg_field_length(fieldname) or 1)
        self.B = B
        self.K1 = K1
        self.qf = qf
        self.setup(searcher, fieldname, text)


class _QuantisedBM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the average field length and the document frequency (in its idf)
    rounded by :func:`quantised`."""

    def idf(self, searcher, fieldname, text):  # type: ignore[no-untyped-def]
        # Whoosh's WeightingModel.idf, the same statements, with the frequency rounded.
        parent = searcher.get_parent()
        n = quantised(parent.doc_frequency(fieldname, text))
        dc = parent.doc_count_all()
        return log(dc / (n + 1)) + 1

    def scorer(self, searcher, fieldname, text, qf=1):  # type: ignore[no-untyped-def]
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        return _QuantisedBM25FScorer(searcher, fieldname, text, self._field_B.get(fieldname, self.B), self.K1, qf=qf)


_BM25F = _QuantisedBM25F(B=_B, K1=_K1)


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order (Whoosh's ``StemmingAnalyzer``)."""
    return [token.text for token in _ANALYZER(text)]


def words(text: str) -> list[str]:
    """The lowercased words of ``text`` before stop words and stemming (what a reader typed)."""
    return [token.text for token in _WORDS(text)]


def ends_in_word(text: str) -> bool:
    """True when ``text`` ends inside a word (nothing typed after its last word yet)."""
    end = None
    for token in _WORDS(text, chars=True):
        end = token.endchar
    return end is not None and end == len(text)


def term_of(word: str) -> str | None:
    """The index term of one lowercased word; None for a stop word, a one-letter word or a
    word longer than :data:`MAX_WORD_CHARS`.

    ``analyze(text) == [t for w in words(text) if (t := term_of(w))]``, which the tests check.
    """
    if len(word) < _MIN_TERM or len(word) > MAX_WORD_CHARS or word in STOP_WORDS:
        return None
    return stem(word)


def _schema() -> Schema:
    # No positions (no phrase search) and nothing stored: the browser index is the product.
    return Schema(**{name: TEXT(analyzer=_ANALYZER, phrase=False) for name in FIELD_BOOSTS})


@dataclass(frozen=True)
class WhooshIndex:
    """An in-memory Whoosh index; document number ``n`` is the ``n``-th document given."""

    index: Index
    doc_count: int


class _PrivateRamStorage(RamStorage):  # type: ignore[misc]
    """An in-memory index whose scratch files go to a private folder.

    Whoosh's ``RamStorage`` writes them to ``/tmp/<index name>.tmp``, a folder shared by
    every process on the machine: two builds at once would delete each other's files.
    """

    def __init__(self, scratch: str) -> None:
        super().__init__()
        self.scratch = scratch

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return FileStorage(tempfile.mkdtemp(prefix="tmp-", dir=self.scratch)).create()


def build_whoosh_index(documents: Iterable[Mapping[str, str]]) -> WhooshIndex:
    """Index each document's field texts (unknown field names are an error) in memory."""
    with tempfile.TemporaryDirectory(prefix=f"helpgen-whoosh-{os.getpid()}-") as scratch:
        index = _PrivateRamStorage(scratch).create_index(_schema())
        writer = index.writer(limitmb=256)
        count = 0
        for fields in documents:
            unknown = set(fields) - set(FIELD_BOOSTS)
            if unknown:
                writer.cancel()
                raise ValueError(f"unknown search fields: {sorted(unknown)}")
            writer.add_document(**{name: text for name, text in fields.items() if text})
            count += 1
        writer.commit()
    return WhooshIndex(index=index, doc_count=count)


def term_scores(whoosh: WhooshIndex) -> Iterator[tuple[str, dict[int, float]]]:
    """Every term with ``{docnum: score}``: the sum over fields of boost × Whoosh's BM25F score.

    Terms come in Whoosh's lexicon order (by UTF-8 bytes); each term's scores are complete.
    """
    with whoosh.index.searcher(weighting=_BM25F) as searcher:
        reader = searcher.reader()
        lexicons = {name: iter(reader.lexicon(name)) for name in FIELD_BOOSTS}
        heads: dict[str, bytes] = {}
        for name, lexicon in lexicons.items():
            head = next(lexicon, None)
            if head is not None:
                heads[name] = head
        while heads:
            current = min(heads.values())
            scores: dict[int, float] = {}
            for name in [n for n, head in heads.items() if head == current]:
                boost = FIELD_BOOSTS[name]
                matcher = searcher.postings(name, current, weighting=_BM25F)
                while matcher.is_active():
                    docnum = matcher.id()
                    scores[docnum] = scores.get(docnum, 0.0) + boost * matcher.score()
                    matcher.next()
                following = next(lexicons[name], None)
                if following is None:
                    del heads[name]
                else:
                    heads[name] = following
            yield current.decode("utf-8"), scores


class BM25FStatistics:
    """Collection statistics of analysed documents, and Whoosh's BM25F score of a posting.

    ``field_lengths[f]`` is the total number of tokens of field ``f`` over all documents and
    ``doc_count`` the number of documents; a term's document frequency is per field, as in
    Whoosh. With them, ``boost × idf × (tf × K1_PLUS_1) / (tf + length_norm)`` is exactly what
    :func:`term_scores` yields for the same documents (``whoosh.scoring.bm25``, same operations
    in the same order): ``idf = log(N / (q(df) + 1)) + 1`` (Whoosh's ``WeightingModel.idf``), the
    average field length as ``q(total / N)`` (``total / N`` is ``1`` when 0), ``q`` being
    :func:`quantised` (the reference scorer rounds Whoosh's statistics alike), and the document's field length as stored by Whoosh
    (one byte, logarithmic: ``byte_to_length(length_to_byte(n))``).
    """

    K1_PLUS_1 = _K1 + 1

    def __init__(self, doc_count: int, field_lengths: Mapping[str, int]) -> None:
        self.doc_count = doc_count
        self._avgfl = {
            name: quantised((field_lengths.get(name, 0) / (doc_count or 1)) or 1) for name in FIELD_NAMES
        }
        self._stored_length: dict[int, int] = {}

    @property
    def key(self) -> tuple[object, ...]:
        """What every score depends on besides the term's own document frequencies: two
        collections with the same key score a document with the same terms alike."""
        return (self.doc_count, tuple(self._avgfl[name] for name in FIELD_NAMES))

    def idf(self, doc_frequency: int) -> float:
        return log(self.doc_count / (quantised(doc_frequency) + 1)) + 1

    def stored_length(self, length: int) -> int:
        stored = self._stored_length.get(length)
        if stored is None:
            stored = self._stored_length[length] = byte_to_length(length_to_byte(length))
        return stored

    def length_norm(self, field: str, length: int) -> float:
        """The part of BM25's denominator that depends on the document's field length:
        ``K1 × ((1 − B) + B × fl / avgfl)``, computed as Whoosh's ``bm25`` computes it."""
        return _K1 * ((1 - _B) + _B * self.stored_length(length) / self._avgfl[field])


class _DisjunctionMaxMatcher(DisjunctionMaxMatcher):
    """Whoosh 2.7's ``DisjunctionMaxMatcher.score`` takes the max of both sides even when one
    side sits on a later document, mixing in another document's score; this one does not."""

    def score(self) -> float:
        a, b = self.a, self.b
        if not a.is_active():
            return float(b.score())
        if not b.is_active() or a.id() < b.id():
            return float(a.score())
        if b.id() < a.id():
            return float(b.score())
        return max(float(a.score()), float(b.score()))


class _DisjunctionMax(wq.DisjunctionMax):
    """``DisjunctionMax`` (a document scores its best sub-query) on the fixed matcher."""

    def _matcher(self, subs, searcher, context):  # type: ignore[no-untyped-def]
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _DisjunctionMaxMatcher, searcher, context, lambda q: q.estimate_size(reader), tiebreak=self.tiebreak
        )


def _term_query(term: str) -> wq.Query:
    return wq.Or([wq.Term(name, term, boost=boost) for name, boost in FIELD_BOOSTS.items()])


def _group_query(terms: Sequence[str]) -> wq.Query:
    return _DisjunctionMax([_term_query(term) for term in terms])


class _UsageBM25F(_QuantisedBM25F):
    """BM25F whose final score is multiplied by the document's usage multiplier."""

    use_final = True

    def __init__(self, multipliers: Sequence[float]) -> None:
        super().__init__(B=_B, K1=_K1)
        self.multipliers = multipliers

    def final(self, searcher, docnum, score):  # type: ignore[no-untyped-def]
        return score * self.multipliers[docnum]


def reference_search(
    whoosh: WhooshIndex,
    groups: Sequence[Sequence[str]],
    *,
    require_all: bool,
    multipliers: Sequence[float] | None = None,
    first: Iterable[int] = (),
) -> list[tuple[int, float]]:
    """Whoosh's own exhaustive ranking for a query of term groups: ``[(docnum, score)]``.

    A group is one query word: a document matches it with any of its terms (its stem, its
    completions, its typo corrections) and scores its best one (``DisjunctionMax``); a
    term's score sums its fields (``Or``). ``require_all`` is the AND query (every group),
    otherwise OR (any group); the score sums the groups. Ties are broken by docnum, as
    Whoosh's collector does. ``multipliers[docnum]`` (the usage boost) multiplies each
    document's score; the matching documents listed in ``first`` (the exact titles) come
    before the others, in score order.
    """
    groups = [g for g in groups if g] if not require_all else list(groups)
    if not groups or any(not g for g in groups):
        return []
    parts = [_group_query(terms) for terms in groups]
    combined: wq.Query = wq.And(parts) if require_all else wq.Or(parts)
    weighting = _BM25F if multipliers is None else _UsageBM25F(multipliers)
    with whoosh.index.searcher(weighting=weighting) as searcher:
        results = searcher.search(combined, limit=None)
        ranked = [(hit.docnum, hit.score) for hit in results]
    pinned = set(first)
    return [pair for pair in ranked if pair[0] in pinned] + [pair for pair in ranked if pair[0] not in pinned]
