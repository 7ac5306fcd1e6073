"""Exact-title matches: a query whose analysed words equal a document's analysed title.

"An exact title match always stays first": however usage or other documents' text scores
move the ranking, a reader who types a page's whole title gets that page first. Both sides
compare *analysed* text (Whoosh's tokenizer, lowercase, stop words dropped, stemmed), so
``"How do I refund a payment?"`` matches the title ``"Refund payments"`` only if their terms
are equal: ``refund payment``.

The exporter lists each document under its :func:`title_key` in the term shard of the key's
:func:`anchor` term (its rarest term, then the first in UTF-16 order); the query engine
(``engine.py`` and ``search.js``) reads that shard anyway, since the anchor is one of the
query's own terms, so the check costs no extra file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from helpgen.search._whoosh import term_of, words
from helpgen.search.text import utf16_key

__all__ = ["MAX_QUERY_WORDS", "title_key", "query_key", "anchor"]

MAX_QUERY_WORDS = 10
"""Words after the tenth are ignored (a pasted paragraph is not a query); a title of more
words cannot be typed whole, so it has no key."""


def title_key(title: str) -> str | None:
    """The analysed terms of ``title`` joined by spaces; None when it has none or too many words."""
    typed = words(title)
    if len(typed) > MAX_QUERY_WORDS:
        return None
    terms = [term for term in (term_of(word) for word in typed) if term is not None]
    return " ".join(terms) or None


def query_key(terms: Sequence[str]) -> str | None:
    """The key of a query whose (non-stop) words have the index terms ``terms``, in order."""
    return " ".join(terms) or None


def anchor(terms: Sequence[str], doc_freq: Callable[[str], int]) -> str:
    """The term whose shard lists the key: the lowest document frequency, then UTF-16 order."""
    frequencies = list(map(doc_freq, terms))
    lowest = min(frequencies)
    if frequencies.count(lowest) == 1:  # the common case: no tie to break
        return terms[frequencies.index(lowest)]
    return min((term for term, frequency in zip(terms, frequencies) if frequency == lowest), key=utf16_key)
