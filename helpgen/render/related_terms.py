"""Related articles' own term weights: BM25F over coarsely quantised collection statistics.

Search ranks by exact BM25F scores, so one edit anywhere moves the idf of every term whose
document frequency changed, and with it nearly every article's scores. Related articles only
need each article's heaviest terms, so they weigh terms by BM25F with every collection-wide
number rounded to a geometric bucket first, and an edit elsewhere rarely moves anything:

* a number ``x >= 1`` falls in bucket ``b = round(BUCKETS_PER_OCTAVE * log2(x))`` and counts as
  ``2 ** (b / BUCKETS_PER_OCTAVE)`` (quarter-octave buckets: about ±9 %);
* ``N``: the number of search documents (articles and posts), bucketed;
* ``df``: a term's document frequency in one field (per field, as search counts it), bucketed;
* ``avgfl``: a field's average length in tokens over all documents, bucketed;
* ``weight(term) = Σ over the article's fields f holding the term, in FIELD_NAMES order, of
  boost_f × (log(N / (df + 1)) + 1) × tf × (K1 + 1) / (tf + K1 × (1 − B + B × length / avgfl))``
  with the field's exact token ``length`` and term frequency ``tf`` in the article.

So an article's weights depend only on its own analysed fields, the buckets of ``N`` and of
every ``avgfl``, and the bucket of each of its terms' ``df``: an edit moves only the articles
whose content changed or that hold a term whose bucket moved (:meth:`RelatedWeights.moved_terms`,
:meth:`RelatedWeights.held`), and of those only the moved terms' weights
(:meth:`RelatedWeights.term_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from helpgen.search._whoosh import FIELD_BOOSTS, FIELD_NAMES
from helpgen.search.terms import collection_counts

__all__ = ["RelatedWeights", "BUCKETS_PER_OCTAVE", "K1", "B"]

BUCKETS_PER_OCTAVE = 4
K1, B = 1.2, 0.75

Buckets = dict[str, dict[str, int]]
"""field → term → bucket of the term's document frequency in that field."""


def bucket(value: float) -> int:
    """The geometric bucket of ``value`` (values below 1 count as 1)."""
    return round(BUCKETS_PER_OCTAVE * math.log2(max(value, 1.0)))


def bucket_value(number: int) -> float:
    """The value every number of bucket ``number`` counts as."""
    return 2.0 ** (number / BUCKETS_PER_OCTAVE)


class RelatedWeights:
    """Quantised collection statistics of all search documents, and an article's weights.

    Made from the collection's counts: ``doc_count`` documents, ``field_lengths`` (total tokens
    per field) and ``doc_freq`` (``{field: {term: df}}``), as ``DocumentScorer`` keeps them;
    :meth:`of_documents` counts them.
    """

    def __init__(
        self, doc_count: int, field_lengths: Mapping[str, int], doc_freq: Mapping[str, Mapping[str, int]]
    ) -> None:
        count = max(doc_count, 1)
        self.stats: tuple[int, ...] = (bucket(count),) + tuple(bucket(field_lengths.get(n, 0) / count) for n in FIELD_NAMES)
        """Bucket of ``N``, then of each field's average length: when they move, every weight does."""
        table = {df: bucket(df) for name in FIELD_NAMES for df in set(doc_freq.get(name, {}).values())}  # df → its bucket
        self.buckets: Buckets = {
            name: {term: table[df] for term, df in doc_freq.get(name, {}).items()} for name in FIELD_NAMES
        }
        self._total = bucket_value(self.stats[0])
        self._avgfl = {name: bucket_value(b) for name, b in zip(FIELD_NAMES, self.stats[1:])}
        self._idf_of_bucket = {b: math.log(self._total / (bucket_value(b) + 1)) + 1 for b in set(table.values())}

    @classmethod
    def of_documents(cls, documents: Sequence[Any]) -> RelatedWeights:
        """The weights of analysed ``documents`` (all of the site's search documents)."""
        totals, doc_freq = collection_counts(documents)
        return cls(len(documents), totals, doc_freq)

    def vector(self, doc: Any) -> dict[str, float]:
        """``{term: weight}`` of one analysed document (one of the statistics' ``documents``)."""
        result: dict[str, float] = {}
        idf_of = self._idf_of_bucket
        for name, length, counts in doc.fields:
            boost, buckets = FIELD_BOOSTS[name], self.buckets[name]
            norm = K1 * ((1 - B) + B * length / self._avgfl[name])
            for term, frequency in counts.items():
                score = boost * idf_of[buckets[term]] * (frequency * (K1 + 1)) / (frequency + norm)
                previous = result.get(term)
                result[term] = score if previous is None else previous + score
        return result

    def moved_terms(self, previous: Buckets) -> dict[str, set[str]]:
        """field → the terms whose bucket differs from ``previous`` (new terms included)."""
        moved: dict[str, set[str]] = {}
        for name in FIELD_NAMES:
            now, before = self.buckets[name], previous.get(name, {})
            if now != before:
                moved[name] = {term for term, b in now.items() if before.get(term) != b}
        return moved

    @staticmethod
    def held(doc: Any, moved: Mapping[str, set[str]]) -> set[str]:
        """The terms of ``moved`` that ``doc`` holds in the same field."""
        held: set[str] = set()
        for name, _length, counts in doc.fields:
            terms = moved.get(name)
            if terms and not counts.keys().isdisjoint(terms):
                held.update(counts.keys() & terms)
        return held

    def term_weights(self, doc: Any, terms: set[str], *tables: Mapping[str, Mapping[str, int]]) -> list[dict[str, float]]:
        """For each of ``tables`` (these statistics' buckets or earlier ones), the weights
        :meth:`vector` gives ``terms`` in ``doc`` when the document frequencies fall in those
        buckets (same operations, same floats)."""
        results: list[dict[str, float]] = [{} for _ in tables]
        idf = self._idf
        for name, length, counts in doc.fields:
            found = [(term, frequency) for term in terms if (frequency := counts.get(term)) is not None]
            if not found:
                continue
            boost = FIELD_BOOSTS[name]
            norm = K1 * ((1 - B) + B * length / self._avgfl[name])
            for buckets, result in zip(tables, results):
                field_buckets = buckets[name]
                for term, frequency in found:
                    score = boost * idf(field_buckets[term]) * (frequency * (K1 + 1)) / (frequency + norm)
                    previous = result.get(term)
                    result[term] = score if previous is None else previous + score
        return results

    def _idf(self, number: int) -> float:
        idf = self._idf_of_bucket.get(number)
        if idf is None:
            idf = self._idf_of_bucket[number] = math.log(self._total / (bucket_value(number) + 1)) + 1
        return idf


