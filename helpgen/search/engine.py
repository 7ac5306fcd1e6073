"""Queries against the exported index, in Python: the same algorithm as ``search.js``.

:class:`SearchEngine` reads the files :func:`~helpgen.search.export.export_index` wrote,
through a ``read(site_path) -> bytes`` function, reading each file at most once, like the
browser. ``helpgen search`` uses it, and the tests and the benchmark compare it (and the
browser) with Whoosh's own ranking.

How a query runs (``search.js`` does exactly the same, step for step):

1. The query's words are Whoosh's (tokenizer, lowercase); each word that is not a stop word
   becomes its index term (Whoosh's Porter stemmer).
2. Each word becomes a *group* of index terms: its term if the index has it; for the last
   word, when the query ends inside it (no space or punctuation typed after it), also its
   best completions (the most frequent
   terms starting with what was typed); and, when that finds nothing, the terms one edit
   away (insertion, deletion, substitution or transposition of two neighbours, after the
   first letter) for words of at least ``minTypo`` letters.
3. A document scores, for each group, its best term (Whoosh's ``DisjunctionMax``), and
   sums the groups (``And``/``Or``); a term's score sums its fields, each boosted. AND first:
   the documents that match every group; if there are none, OR: those that match any.
4. Top-k without reading whole posting lists: postings are stored best first in tiers, and
   tiers are read only until no unread posting can change the top ``limit`` (threshold
   algorithm: a document's best possible score is its known part plus, for each term not
   yet seen for it, the best score that term has left unread).
5. An exact title match stays first: the documents whose analysed title equals the
   query's analysed words (listed in the shard of the query's rarest term,
   :mod:`helpgen.search.titles`) come before all others, in score order, whatever their
   scores (a usage boost or a longer title's body text could otherwise outrank them).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from helpgen.search._whoosh import ends_in_word, term_of, words
from helpgen.search.export import FORMAT, INDEX_DIR, MANIFEST, TAG_LENGTH
from helpgen.search.text import utf16_key, within_one_edit
from helpgen.search.titles import MAX_QUERY_WORDS, anchor, query_key

__all__ = ["SearchEngine", "SearchResult", "Hit", "QueryWord", "ResultDocument", "SearchIndexError"]

Reader = Callable[[str], bytes]

MAX_WORDS = MAX_QUERY_WORDS
"""Words after the tenth are ignored (a pasted paragraph is not a query)."""

MAX_TYPO_LENGTH = 40


class SearchIndexError(Exception):
    """The exported index is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class QueryWord:
    """One word of the query and the index terms it was matched with."""

    word: str
    term: str | None  # its own index term (None for a stop word)
    terms: tuple[str, ...]  # every term of its group
    how: str  # "exact", "prefix", "typo", "stop" or "none"


@dataclass(frozen=True)
class Hit:
    """A ranked document: its number and its integer score (Whoosh's × ``scale``)."""

    doc: int
    score: int


@dataclass(frozen=True)
class SearchResult:
    """The ranked hits, whether every word matched (``all``) or any (``any``), and the words."""

    hits: tuple[Hit, ...]
    mode: str  # "all", "any" or "none"
    words: tuple[QueryWord, ...]
    files_read: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultDocument:
    """What a result shows."""

    doc: int
    kind: str  # "article" or "post"
    title: str
    path: str
    category: str
    status: str
    status_label: str
    excerpt: str


def _posting_file(tags: str, number: int) -> str:
    """The site path of the ``number``-th (from 0) posting file whose tags are ``tags``."""
    return f"{INDEX_DIR}p/{tags[number * TAG_LENGTH : (number + 1) * TAG_LENGTH]}.json"


@dataclass
class _TermState:
    """One term's postings known so far, and what is left to read of it."""

    term: str
    df: int
    scores: dict[int, int]
    tier_tags: str = ""  # the tags (file names) of the tiers, TAG_LENGTH characters each
    block_tags: str = ""  # and of the blocks
    tiers: list[list[int]] = field(default_factory=list)  # [best score, count] of each unread tier
    next_tier: int = 1
    doc_range: int = 0
    blocks_read: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return not self.tiers

    @property
    def best_unread(self) -> int:
        """The best score of a posting not read yet (0 when every posting is known)."""
        return self.tiers[0][0] if self.tiers else 0

    def bound(self, doc: int) -> int:
        """For a document without a known score: the best it could have (0: it lacks the term)."""
        if not self.tiers or doc // self.doc_range in self.blocks_read:
            return 0
        return self.tiers[0][0]


def _decode_postings(flat: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    doc = 0
    for index in range(0, len(flat), 2):
        doc += flat[index]
        out[doc] = flat[index + 1]
    return out


@dataclass
class SearchEngine:
    """Searches one exported index; caches every file it reads (like a browser)."""

    read: Reader
    files_read: list[str] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.manifest = self._load(MANIFEST)
        if not isinstance(self.manifest, dict) or self.manifest.get("format") != FORMAT:
            raise SearchIndexError(f"{MANIFEST}: not a helpgen search index of format {FORMAT}")
        self.limits = self.manifest["limits"]
        self._term_keys = [utf16_key(k) for k in self.manifest["terms"]["keys"]]
        self._lexicon_keys = [utf16_key(k) for k in self.manifest["lexicon"]["keys"]]

    # ---------------------------------------------------------------------------- files

    def _load(self, site_path: str) -> Any:
        if site_path not in self._cache:
            try:
                data = self.read(site_path)
            except OSError as exc:
                raise SearchIndexError(f"{site_path}: cannot read the search index ({exc})") from exc
            self.files_read.append(site_path)
            try:
                self._cache[site_path] = json.loads(data)
            except ValueError as exc:
                raise SearchIndexError(f"{site_path}: not valid JSON ({exc})") from exc
        return self._cache[site_path]

    def _numbered(self, family: str, number: int, section: dict[str, Any]) -> Any:
        digest = section["groups"][number // section["groupSize"]]
        return self._load(f"{INDEX_DIR}{family}/{number}.{digest}.json")

    def _term_shard(self, term: str) -> dict[str, Any]:
        if not self._term_keys:
            return {"t": {}}  # an empty site
        number = max(bisect.bisect_right(self._term_keys, utf16_key(term)) - 1, 0)
        shard: dict[str, Any] = self._numbered("t", number, self.manifest["terms"])
        return shard

    def _entry(self, term: str) -> list[Any] | None:
        entry: list[Any] | None = self._term_shard(term)["t"].get(term)
        return entry

    # ---------------------------------------------------------------------------- words

    def completions(self, prefix: str) -> list[str]:
        """The most frequent index terms that start with ``prefix`` (at most ``completions``)."""
        if len(prefix) < self.limits["minPrefix"]:
            return []
        shard = self._term_shard(prefix)
        listed = shard.get("w", {}).get(prefix)
        if listed is not None:
            return list(listed)
        found = [(term, entry[0]) for term, entry in shard["t"].items() if term.startswith(prefix)]
        found.sort(key=lambda pair: (-pair[1], utf16_key(pair[0])))
        return [term for term, _ in found[: self.limits["completions"]]]

    def corrections(self, term: str) -> list[str]:
        """Index terms one edit from ``term`` (first letter kept), most frequent first."""
        length = len(term)
        if length < self.limits["minTypo"] or length > MAX_TYPO_LENGTH:
            return []
        found: dict[str, int] = {}
        for size in (length - 1, length, length + 1):
            low = f"{min(size, 999):03d}{term[0]}"
            for words_, freqs in self._lexicon_range(low, low + "\uffff"):
                for candidate, df in zip(words_, freqs):
                    if candidate != term and candidate.startswith(term[0]) and within_one_edit(term, candidate):
                        found[candidate] = df
        ranked = sorted(found.items(), key=lambda pair: (-pair[1], utf16_key(pair[0])))
        return [candidate for candidate, _ in ranked[: self.limits["typos"]]]

    def _lexicon_range(self, low: str, high: str) -> list[list[Any]]:
        keys = self._lexicon_keys
        if not keys:
            return []
        first = max(bisect.bisect_right(keys, utf16_key(low)) - 1, 0)
        last = max(bisect.bisect_right(keys, utf16_key(high)) - 1, 0)
        return [self._numbered("l", number, self.manifest["lexicon"]) for number in range(first, last + 1)]

    def plan(self, query: str, *, complete_last: bool = True) -> list[QueryWord]:
        """The query's words and the terms each one matches (step 1 and 2 above)."""
        typed = words(query)[:MAX_WORDS]
        still_typing = complete_last and ends_in_word(query)
        planned: list[QueryWord] = []
        for position, word in enumerate(typed):
            term = term_of(word)
            terms: list[str] = []
            how = "none"
            if term is not None and self._entry(term) is not None:
                terms.append(term)
                how = "exact"
            if still_typing and position == len(typed) - 1:
                for completion in self.completions(word):
                    if completion not in terms:
                        terms.append(completion)
                        how = "exact" if how == "exact" else "prefix"
            if not terms and term is not None:
                terms = self.corrections(term)
                how = "typo" if terms else "none"
            if term is None and not terms:
                how = "stop"
            planned.append(QueryWord(word=word, term=term, terms=tuple(terms), how=how))
        return planned

    # ---------------------------------------------------------------------------- ranking

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        kind: str | None = None,
        category: str | None = None,
        complete_last: bool = True,
    ) -> SearchResult:
        """The top ``limit`` documents for ``query``, optionally of one kind or category."""
        start = len(self.files_read)
        planned = self.plan(query, complete_last=complete_last)
        groups: list[list[str]] = []
        for word in planned:
            if word.how != "stop" and list(word.terms) not in groups:
                groups.append(list(word.terms))  # Whoosh drops a repeated word the same way
        allowed = self._allowed(kind, category)
        first = [doc for doc in self.exact_titles(planned) if any(low <= doc < high for low, high in allowed)]
        hits, mode = self._rank(groups, limit, allowed, set(first))
        return SearchResult(hits=tuple(hits), mode=mode, words=tuple(planned), files_read=tuple(self.files_read[start:]))

    def exact_titles(self, planned: Sequence[QueryWord]) -> list[int]:
        """The documents whose analysed title equals the query's analysed words (step 5)."""
        if any(word.term is not None and word.how != "exact" for word in planned):
            return []  # a word no document has: no title can equal the query
        terms = [word.term for word in planned if word.term is not None]
        key = query_key(terms)
        if key is None:
            return []
        doc_freq: dict[str, int] = {}
        for term in terms:
            entry = self._entry(term)
            if entry is None:
                return []
            doc_freq[term] = int(entry[0])
        listed = self._term_shard(anchor(terms, doc_freq.__getitem__)).get("x", {}).get(key, [])
        return [doc for doc in listed if isinstance(doc, int)]

    def _allowed(self, kind: str | None, category: str | None) -> list[tuple[int, int]]:
        """The ranges of document numbers a kind and a category allow (from the manifest)."""
        docs = self.manifest["docs"]
        ranges = [(0, docs["count"])]
        if kind == "article":
            ranges = [(0, docs["articles"])]
        elif kind == "post":
            ranges = [(docs["articles"], docs["count"])]
        if category:
            listed = self._load(INDEX_DIR + self.manifest["categories"])["categories"]
            ranges = [(max(low, c[1]), min(high, c[2])) for low, high in ranges for c in listed if c[0] == category]
        return [(low, high) for low, high in ranges if low < high]

    def _states(self, groups: list[list[str]]) -> dict[str, _TermState]:
        states: dict[str, _TermState] = {}
        for group in groups:
            for term in group:
                if term not in states:
                    entry = self._entry(term)
                    assert entry is not None
                    state = _TermState(term, entry[0], _decode_postings(entry[1]))
                    if len(entry) > 2:
                        state.tier_tags, state.tiers, state.doc_range = entry[2], [list(t) for t in entry[3]], entry[4]
                        state.block_tags = entry[5]
                    states[term] = state
        return states

    def _rank(
        self, groups: list[list[str]], limit: int, allowed: list[tuple[int, int]], first: AbstractSet[int] = frozenset()
    ) -> tuple[list[Hit], str]:
        if not groups or all(not group for group in groups):
            return [], "none"
        states = self._states(groups)
        mode = "all" if all(groups) else "any"
        every_group_found = False
        while True:
            ranking = _Ranking(groups, states, allowed, mode, first)
            if mode == "all" and not every_group_found:
                if ranking.some_doc_matches_every_group:
                    every_group_found = True
                elif not ranking.open:
                    mode = "any"
                    continue
                else:
                    self._read(ranking.open, states, limit)
                    continue
            top = ranking.exact[:limit]
            threshold: float = -1
            if len(top) >= limit:  # a full top: only a better score (or an exact title) gets in
                threshold = float("inf") if top[-1].doc in first else top[-1].score
            needed = [item for item in ranking.open if item.doc in first or item.bound >= threshold]
            if not needed:
                return top, mode
            self._read(needed, states, limit)

    def _read(self, items: "list[_Open]", states: dict[str, _TermState], limit: int) -> None:
        """One round of reads, for the open items that could still make the top.

        Each item depends most on one term (the unknown one with the best unread score).
        The unseen documents read that term's next tier. If the term's next tier is no
        larger than the blocks of all the open documents that depend on it, that tier is
        read (it narrows every bound at once); otherwise the first ``limit`` of those
        documents read their block of the term. A round's files are independent, so the
        browser fetches them in parallel.
        """
        waiting: dict[str, list[int]] = {}
        tiers: list[str] = []
        for item in items:
            term = item.terms[0]
            for other in item.terms[1:]:
                if states[other].best_unread > states[term].best_unread:
                    term = other
            if item.doc is None:
                if term not in tiers:
                    tiers.append(term)
            else:
                waiting.setdefault(term, []).append(item.doc)
        blocks: list[tuple[str, int]] = []
        doc_count = self.manifest["docs"]["count"]
        for term, docs in waiting.items():
            state = states[term]
            per_block = state.df * state.doc_range / doc_count
            if state.tiers[0][1] <= len(docs) * per_block:
                if term not in tiers:
                    tiers.append(term)
                continue
            for doc in docs[:limit]:
                if (term, doc // state.doc_range) not in blocks:
                    blocks.append((term, doc // state.doc_range))
        for term, block in blocks:
            state = states[term]
            state.scores.update(_decode_postings(self._load(_posting_file(state.block_tags, block))))
            state.blocks_read.add(block)
        for term in tiers:
            state = states[term]
            state.scores.update(_decode_postings(self._load(_posting_file(state.tier_tags, state.next_tier - 1))))
            state.next_tier += 1
            state.tiers.pop(0)

    # ---------------------------------------------------------------------------- documents

    def document(self, doc: int) -> ResultDocument:
        """What result ``doc`` shows (reads its document shard)."""
        docs = self.manifest["docs"]
        if not 0 <= doc < docs["count"]:
            raise SearchIndexError(f"document {doc} is not in the index ({docs['count']} documents)")
        per = docs["perShard"]
        title, path, category, status, excerpt = self._numbered("d", doc // per, docs)[doc % per]
        return ResultDocument(
            doc=doc,
            kind="article" if doc < docs["articles"] else "post",
            title=title,
            path=path,
            category=category,
            status=status,
            status_label=self.manifest["statuses"].get(status, ""),
            excerpt=excerpt,
        )


@dataclass(frozen=True)
class _Open:
    """A document (or all documents no list has shown yet) without an exact score yet."""

    bound: int  # the best score it could still reach
    doc: int | None  # None for the unseen documents
    terms: tuple[str, ...]  # the terms whose scores for it are unknown


class _Ranking:
    """One look at what is known: the exact scores, and the open documents best bound first.

    Documents are looked at in number order, the unseen ones last; on equal bounds the
    first one stays first, so the browser and Python read the same files in the same order.
    The ``first`` documents (exact titles, allowed by the filters) are always looked at and
    rank before the others.
    """

    def __init__(
        self,
        groups: list[list[str]],
        states: dict[str, _TermState],
        allowed: list[tuple[int, int]],
        mode: str,
        first: AbstractSet[int] = frozenset(),
    ) -> None:
        self.exact: list[Hit] = []
        self.open: list[_Open] = []
        self.some_doc_matches_every_group = False
        seen: set[int] = set(first)
        for state in states.values():
            seen.update(state.scores)
        for doc in sorted(seen):
            if any(low <= doc < high for low, high in allowed):
                self._document(doc, groups, states, mode)
        self._unseen(groups, states, mode)
        self.exact.sort(key=lambda hit: (hit.doc not in first, -hit.score, hit.doc))
        self.open.sort(key=lambda item: -item.bound)  # stable: document order within a bound

    def _document(self, doc: int, groups: list[list[str]], states: dict[str, _TermState], mode: str) -> None:
        total = 0
        exact = True
        terms: list[str] = []
        matches_every_group = True
        for group in groups:
            known = unknown = 0
            unknown_terms: list[str] = []
            for term in group:
                state = states[term]
                score = state.scores.get(doc)
                if score is not None:
                    known = max(known, score)
                    continue
                bound = state.bound(doc)
                if bound:
                    unknown = max(unknown, bound)
                    unknown_terms.append(term)
            if not known:
                matches_every_group = False
                if mode == "all" and not unknown:
                    return
            if unknown > known:
                exact = False
                terms.extend(t for t in unknown_terms if states[t].bound(doc) > known)
                total += unknown
            else:
                total += known
        if matches_every_group:
            self.some_doc_matches_every_group = True
        if exact:
            self.exact.append(Hit(doc=doc, score=total))
        else:
            self.open.append(_Open(total, doc, tuple(terms)))

    def _unseen(self, groups: list[list[str]], states: dict[str, _TermState], mode: str) -> None:
        bound = 0
        terms: list[str] = []
        for group in groups:
            best = 0
            for term in group:
                state = states[term]
                if not state.complete:
                    best = max(best, state.best_unread)
                    terms.append(term)
            if mode == "all" and not best:
                return
            bound += best
        if terms:
            self.open.append(_Open(bound, None, tuple(terms)))
