"""Related articles: for every article page, the few articles most like it.

Deterministic: articles (tags, category) and their top terms in, an ordered tuple of related
page paths per article out. The score of a candidate ``b`` for an article ``a``:

    score = 0.40 * tag_cosine(a, b) + 0.45 * text_cosine(a, b) + 0.15 * same_category(a, b)

* ``tag_cosine``: cosine of the two tag sets, each tag weighted by ``log(1 + N / df)`` so a tag
  on every article says little (``N``, the number of articles, rounded to its geometric bucket
  as in :mod:`helpgen.render.related_terms`, so an added article does not move every weight);
* ``text_cosine``: cosine of the two term vectors cut to their :data:`TOP_TERMS`
  heaviest terms, weights quantised (the vectors are :mod:`helpgen.render.related_terms`'
  BM25F weights over quantised collection statistics);
* ``same_category``: 1 when both are in the same category.

Near-linear at 10,000 articles: no pair of articles is compared unless they share a tag or one
of their top terms, found through inverted indexes whose posting lists hold at most
:data:`MAX_POSTING` articles (a term's heaviest users; a tag used more often than that is
skipped as uninformative). When that finds fewer than ``limit`` candidates, the most viewed
articles of the same category fill in. Scores are compared in steps of :data:`SCORE_STEP`;
ties break by page path. Only published articles are
ever given (``render.pages`` plans pages only for them), and an article never relates to itself.

Incremental (:func:`update_related`, with the last build's :class:`RelatedState` from
:mod:`helpgen.render.related_cache`), exactly the result of a computation from scratch:

* an article's whole term vector is weighed again only when its content key changed; when it
  holds terms whose df bucket moved (:mod:`helpgen.render.related_terms`), its top terms are
  chosen again from the last choice and those terms' old and new weights alone
  (:func:`_choose_again`), unless one of them is, or becomes, its heaviest term or a term
  never chosen could now enter (then the whole vector is weighed);
* an article's list is a function of its own inputs (top terms, tags, category), the capped
  posting list of each of its keys (a term's heaviest users; a tag's idf, members and their
  tag norms), its candidates' categories, and its category's first ``limit + 1`` articles by
  fallback rank. So it is scored again when its own inputs changed, when one of its tags'
  entries or its category's head changed, or when a posting list of one of its terms changed
  in a way that can reach its list: an article whose entry differs (or who moved category,
  whatever else changed with it) is on the list, or now ranks above its last entry, or the
  list was filled in from the category (too few candidates). All other lists are the cached
  ones.

The whole computation makes only plain, acyclic objects (some 100,000 at 10,000 articles), so
it runs with the cyclic garbage collector paused.
"""

from __future__ import annotations

import hashlib
import heapq
import marshal
import math
from collections import Counter, defaultdict
from itertools import chain
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from helpgen.render.related_cache import ArticleState, RelatedCache, RelatedState
from helpgen.render.related_terms import BUCKETS_PER_OCTAVE, K1, B, RelatedWeights, bucket, bucket_value
from helpgen.search._collector import collector_paused
from helpgen.search._whoosh import FIELD_BOOSTS
from helpgen.workers import can_fork, fork_pool

__all__ = [
    "RelatedInput",
    "related_articles",
    "update_related",
    "add_related_articles",
    "TOP_TERMS",
    "MAX_POSTING",
    "RELATED_LIMIT",
]

TOP_TERMS = 12
"""Terms kept per article for text similarity (its heaviest)."""
MAX_POSTING = 50
"""Longest posting list of the inverted indexes (articles per term or tag)."""
RELATED_LIMIT = 5
WEIGHT_STEPS = 20
"""Term weights are quantised to 1/20 of the article's heaviest before the top terms are chosen,
and scores to :data:`SCORE_STEP`, so small weight shifts do not reorder a list."""
SCORE_STEP = 0.01

TAG_WEIGHT, TEXT_WEIGHT, CATEGORY_WEIGHT = 0.40, 0.45, 0.15

Listed = tuple[tuple[str, ...], bool]
"""An article's related list, and whether the category fallback was consulted for it."""

STATE_VERSION = 2
"""Bump when how a list or a top-term set is computed changes (the cache is then unused).
2: version 1 could keep stale lists of others after an article moved category and changed text."""


@dataclass(frozen=True)
class RelatedInput:
    """What related-article scoring knows of one article."""

    path: str  # its page path, the key of the result
    category: str | None  # category id (or any stable key); None when uncategorised
    tags: frozenset[str]  # lowercased
    fallback_rank: int  # position in its category by views (0 = most viewed), for filling in


def _top_terms(vector: Mapping[str, float]) -> dict[str, float]:
    """The :data:`TOP_TERMS` heaviest terms of ``vector``, quantised, L2-normalised (ties by term)."""
    return _choose_terms(vector)[0]


def _choose_terms(vector: Mapping[str, float]) -> tuple[dict[str, float], float, int]:
    """:func:`_top_terms`, with the heaviest weight and the lowest step a term needs to be
    chosen (a term whose step stays below it, while the heaviest stays, changes nothing)."""
    heaviest = max((w for w in vector.values() if w > 0), default=0.0)
    if not heaviest:
        return {}, 0.0, 1
    if len(vector) > TOP_TERMS:
        # Only terms whose step can reach the TOP_TERMS-th largest step can be chosen: skip the
        # rest before the per-term arithmetic (a margin keeps the cut on the safe side).
        lowest = round(heapq.nlargest(TOP_TERMS, vector.values())[-1] / heaviest * WEIGHT_STEPS)
        floor = (lowest - 0.5) / WEIGHT_STEPS * heaviest * (1 - 1e-9)
        vector = {t: w for t, w in vector.items() if w >= floor}
    steps = ((round(w / heaviest * WEIGHT_STEPS), t) for t, w in vector.items() if w > 0)
    top = sorted((s for s in steps if s[0] > 0), key=lambda st: (-st[0], st[1]))[:TOP_TERMS]
    norm = math.sqrt(sum(w * w for w, _ in top))
    return ({t: w / norm for w, t in top} if norm else {}), heaviest, top[-1][0] if len(top) == TOP_TERMS else 1


def _capped(entries: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A posting list: the heaviest ``(path, weight)`` entries, at most :data:`MAX_POSTING`
    (ties by path); ``entries`` itself when it is no longer (in no particular order)."""
    if len(entries) <= MAX_POSTING:
        return entries
    ranked = sorted([(-weight, path) for path, weight in entries])[:MAX_POSTING]  # plain tuples: much faster
    return [(path, -negated) for negated, path in ranked]


def _users(weighted: Mapping[str, Mapping[str, float]]) -> dict[str, list[tuple[str, float]]]:
    """term → all its ``(path, weight)`` users, the articles with it among their top terms (in
    no particular order)."""
    lists: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for path, entries in weighted.items():
        for key, weight in entries.items():
            lists[key].append((path, weight))
    return lists


def _tag_tables(
    tags_of: Mapping[str, Sequence[str] | frozenset[str]],
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, list[str]]]:
    """Tag weights per article (only tags on at most :data:`MAX_POSTING` articles), tag norm
    per article, and tag → its articles (in the order of ``tags_of``)."""
    tag_df = Counter(chain.from_iterable(tags_of.values()))
    articles = bucket_value(bucket(len(tags_of)))
    tag_idf = {tag: math.log(1 + articles / df) for tag, df in tag_df.items() if df <= MAX_POSTING}
    weights = {p: {t: tag_idf[t] for t in sorted(tags) if t in tag_idf} for p, tags in tags_of.items()}
    norms = {p: math.sqrt(sum([w * w for w in ws.values()])) for p, ws in weights.items()}
    index: dict[str, list[str]] = defaultdict(list)
    for path, ws in weights.items():
        for tag in ws:
            index[tag].append(path)
    return weights, norms, index


def _tag_entries(
    weights: Mapping[str, Mapping[str, float]], norms: Mapping[str, float], index: Mapping[str, list[str]]
) -> dict[str, tuple[float, tuple[tuple[str, float], ...]]]:
    """tag → what a list that holds it reads of it: its idf, and each member with its tag norm."""
    idf = {tag: w for ws in weights.values() for tag, w in ws.items()}
    return {tag: (idf[tag], tuple(sorted((p, norms[p]) for p in members))) for tag, members in index.items()}


def _category_heads(inputs: Sequence[RelatedInput] | Sequence[tuple[str, str | None, int]], limit: int) -> dict[str, tuple[str, ...]]:
    """category → its first ``limit + 1`` article paths by fallback rank (the only ones filling in)."""
    members: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for path, category, rank in inputs:  # type: ignore[misc]
        if category is not None:
            members[category].append((rank, path))
    return {c: tuple(p for _, p in heapq.nsmallest(limit + 1, ranked)) for c, ranked in members.items()}


class _Scorer:
    """The indexes of one set of articles, and :meth:`related_to` any of them."""

    def __init__(self, articles: Sequence[RelatedInput], texts: Mapping[str, Mapping[str, float]], limit: int) -> None:
        self.limit = limit
        self.by_path = {a.path: a for a in articles}
        self.texts = texts
        self.term_users = _users(texts)
        self._postings: dict[str, list[tuple[str, float]]] = {}  # capped lists, made as needed
        self.tag_weights, self.tag_norm, self.tag_index = _tag_tables({a.path: a.tags for a in articles})
        self.heads = _category_heads([(a.path, a.category, a.fallback_rank) for a in articles], limit)
        self._posting_maps: dict[str, dict[str, float]] = {}
        self._tag_sets: dict[str, set[str]] = {}

    def posting(self, term: str) -> list[tuple[str, float]]:
        """The term's posting list: its :data:`MAX_POSTING` heaviest users (ties by path), in
        no particular order (scoring does not depend on it: an article is in it once)."""
        capped = self._postings.get(term)
        if capped is None:
            capped = self._postings[term] = _capped(self.term_users.get(term, []))
        return capped

    def fill_postings(self) -> None:
        """Make every posting list now (before forking workers that would each make them)."""
        for term in self.term_users:
            self.posting(term)

    def related_to(self, a: RelatedInput) -> Listed:
        """``a``'s list, and whether the fallback was consulted (fewer than ``limit`` candidates)."""
        limit, by_path, path, category = self.limit, self.by_path, a.path, a.category
        text_score: dict[str, float] = defaultdict(float)
        posting = self.posting
        for term, weight in self.texts.get(path, {}).items():
            for other, other_weight in posting(term):
                text_score[other] += weight * other_weight
        tag_score: dict[str, float] = defaultdict(float)
        for tag, weight in self.tag_weights[path].items():
            for other in self.tag_index[tag]:
                tag_score[other] += weight * weight
        text_score.pop(path, None)
        tag_score.pop(path, None)
        # score = TAG_WEIGHT * tags + TEXT_WEIGHT * text + CATEGORY_WEIGHT * same; without shared
        # tags the first term is 0.0 and adds nothing, so the float is the same with it left out.
        scores: dict[str, float] = {}
        for other, text in text_score.items():
            if other not in tag_score:
                same = category is not None and by_path[other].category == category
                scores[other] = TEXT_WEIGHT * text + CATEGORY_WEIGHT * same
        if tag_score:
            tag_norm = self.tag_norm
            norm = tag_norm[path]
            for other, shared in tag_score.items():
                tags = shared / (norm * tag_norm[other])
                same = category is not None and by_path[other].category == category
                scores[other] = TAG_WEIGHT * tags + TEXT_WEIGHT * text_score.get(other, 0.0) + CATEGORY_WEIGHT * same
        filled = len(scores) < limit
        if filled and category is not None:
            for other_path in self.heads[category]:
                if other_path != path and other_path not in scores:
                    scores[other_path] = CATEGORY_WEIGHT
        step = SCORE_STEP
        ranked = sorted([(-round(score / step), other) for other, score in scores.items()])[:limit]
        return tuple(path for _, path in ranked), filled

    def rank_keys(self, a: RelatedInput, others: Sequence[str]) -> list[tuple[int, str] | None]:
        """The key :meth:`related_to` ranks each of ``others`` by in ``a``'s list (smaller is
        better), each computed with the same operations in the same order, so the same float;
        None for one that is no candidate (shares no key with ``a``) or is ``a``."""
        text = dict.fromkeys(others, 0.0)
        found: set[str] = set()
        for term, weight in self.texts.get(a.path, {}).items():
            members = self._posting_maps.get(term)
            if members is None:
                members = self._posting_maps[term] = dict(self.posting(term))
            for other in others:
                other_weight = members.get(other)
                if other_weight is not None:
                    text[other] += weight * other_weight
                    found.add(other)
        tags = dict.fromkeys(others, 0.0)
        for tag, weight in self.tag_weights[a.path].items():
            holders = self._tag_sets.get(tag)
            if holders is None:
                holders = self._tag_sets[tag] = set(self.tag_index[tag])
            for other in others:
                if other in holders:
                    tags[other] += weight * weight
                    found.add(other)
        keys: list[tuple[int, str] | None] = []
        for other in others:
            if other not in found or other == a.path:
                keys.append(None)
                continue
            shared = tags[other]
            shared = shared / (self.tag_norm[a.path] * self.tag_norm[other]) if shared else 0.0
            same = a.category is not None and self.by_path[other].category == a.category
            score = TAG_WEIGHT * shared + TEXT_WEIGHT * text[other] + CATEGORY_WEIGHT * same
            keys.append((-round(score / SCORE_STEP), other))
        return keys


def _score_all(scorer: _Scorer, articles: Sequence[RelatedInput], jobs: int) -> dict[str, Listed]:
    """``scorer.related_to`` every article of ``articles``, in forked workers when there are many."""
    global _JOB
    count = len(articles)
    workers = max(1, min(jobs, count // MIN_ARTICLES_PER_WORKER))
    if workers == 1 or not can_fork():
        return {a.path: scorer.related_to(a) for a in articles}
    scorer.fill_postings()
    _JOB = (articles, scorer.related_to)
    try:
        size = -(-count // (workers * 4))
        with fork_pool(workers) as pool:
            parts = pool.map(_related_slice, [(start, min(start + size, count)) for start in range(0, count, size)])
    finally:
        _JOB = None
    return {path: related for part in parts for path, related in part}


MIN_ARTICLES_PER_WORKER = 1000  # below this, forking costs more than it saves
_JOB: tuple[Sequence[RelatedInput], Callable[[RelatedInput], Listed]] | None = None  # set before forking


def _related_slice(bounds: tuple[int, int]) -> list[tuple[str, Listed]]:
    assert _JOB is not None
    articles, related_to = _JOB
    return [(articles[i].path, related_to(articles[i])) for i in range(*bounds)]


def related_articles(
    articles: Sequence[RelatedInput],
    term_vectors: Mapping[str, Mapping[str, float]],
    limit: int = RELATED_LIMIT,
    jobs: int = 1,
) -> dict[str, tuple[str, ...]]:
    """Page path → up to ``limit`` related page paths, best first, for every article given.

    ``term_vectors`` maps page path → {term: weight} (any non-negative weights; articles
    missing from it have no text similarity). With ``jobs > 1`` the articles are scored in
    forked worker processes (same result).
    """
    texts = {a.path: _top_terms(term_vectors.get(a.path, {})) for a in articles}
    return {path: listed for path, (listed, _) in _score_all(_Scorer(articles, texts, limit), articles, jobs).items()}


def _tag_set(tags: Sequence[str]) -> frozenset[str]:
    """An article's tags as related articles compare them: stripped, lowercased, none empty."""
    if not tags:
        return frozenset()
    cleaned = frozenset(map(str.lower, map(str.strip, tags)))
    return cleaned - {""} if "" in cleaned else cleaned


def _state_params(limit: int) -> tuple[Any, ...]:
    """Everything besides the inputs that a cached list or top-term set depends on."""
    return (
        STATE_VERSION, limit, TOP_TERMS, MAX_POSTING, WEIGHT_STEPS, SCORE_STEP,
        (TAG_WEIGHT, TEXT_WEIGHT, CATEGORY_WEIGHT), (BUCKETS_PER_OCTAVE, K1, B), tuple(FIELD_BOOSTS.items()),
    )


def _content_key(doc: Any) -> str:
    """The content key of an analysed document: same key, same analysed terms (the analysis
    cache's key; a hash of the terms for a document analysed without one)."""
    return doc.key or hashlib.blake2b(marshal.dumps(doc.fields, 2), digest_size=16).hexdigest()  # 2: no object references


def update_related(
    articles: Sequence[RelatedInput],
    documents: Sequence[Any],
    previous: RelatedState | None,
    *,
    weights: RelatedWeights | None = None,
    limit: int = RELATED_LIMIT,
    jobs: int = 1,
    kind: str = "article",
) -> RelatedState:
    """The related list of every article, as a new :class:`RelatedState` (its ``articles``
    hold the lists), computing again only what can differ from ``previous``.

    ``documents`` are all analysed search documents: their statistics weigh the terms (or
    ``weights``, made from their counts), and those of ``kind`` are the articles' texts (by
    page path). ``previous`` is the state an earlier call returned (or None: everything is
    computed; a state made with other parameters counts as None). The lists are exactly those
    of a computation from scratch, whatever earlier inputs ``previous`` was made from. Small
    updates run in this process; many lists to score go to ``jobs`` forked workers.
    """
    weights = weights if weights is not None else RelatedWeights.of_documents(documents)
    docs = {doc.path: doc for doc in documents if doc.kind == kind}
    params = _state_params(limit)
    if previous is not None and previous.params != params:
        previous = None
    old = previous.articles if previous is not None else {}
    moved = weights.moved_terms(previous.buckets) if previous is not None and previous.stats == weights.stats else None

    keys: dict[str, str] = {}
    texts: dict[str, dict[str, float]] = {}
    cuts: dict[str, tuple[float, int]] = {}  # heaviest weight, lowest chosen step
    held_in = weights.held
    for a in articles:
        path = a.path
        doc = docs.get(path)
        keys[path] = key = (doc.key or _content_key(doc)) if doc is not None else ""
        before = old.get(path)
        chosen = None
        if doc is None:
            chosen = {}, 0.0, 1
        elif moved is not None and before is not None and before.key == key:
            held = held_in(doc, moved) if moved else None
            if not held:
                chosen = before.terms, before.heaviest, before.cut
            else:
                chosen = _choose_again(weights, doc, held, previous.buckets, before)  # type: ignore[union-attr]
        if chosen is None:
            chosen = _choose_terms(weights.vector(doc))
        texts[path], cuts[path] = chosen[0], chosen[1:]

    scorer = _Scorer(articles, texts, limit)
    todo = articles if previous is None else _to_score(articles, texts, scorer, old, limit)
    lists = _score_all(scorer, todo, jobs)
    states: dict[str, ArticleState] = {}
    for a in articles:
        path = a.path
        listed = lists.get(path)
        if listed is None:
            before = old[path]
            listed = before.related, before.filled
        states[path] = ArticleState(  # key, terms, heaviest, cut, category, tags, rank, related, filled
            keys[path], texts[path], *cuts[path], a.category, tuple(sorted(a.tags)), a.fallback_rank, *listed
        )
    return RelatedState(params=params, stats=weights.stats, buckets=weights.buckets, articles=states)


def _choose_again(
    weights: RelatedWeights, doc: Any, held: set[str], before_buckets: Mapping[str, Mapping[str, int]], before: ArticleState
) -> tuple[dict[str, float], float, int] | None:
    """:func:`_choose_terms` of ``doc`` (content unchanged since ``before``) when only the
    buckets of its ``held`` terms moved, from ``before``'s choice and those terms' weights
    alone; None when that cannot be known without the whole vector.

    Every other term weighs what it weighed. So while each held term weighs less than the
    heaviest term, before and now, the heaviest stays and so does every other term's step;
    held terms a step below the last chosen one, before and now, change nothing. Otherwise the
    chosen terms' steps are read back from ``before.terms`` (the heaviest has step
    :data:`WEIGHT_STEPS`); the terms never chosen ranked below the last chosen one, so the
    new choice is exact when its last term still ranks above that."""
    heaviest, cut, chosen = before.heaviest, before.cut, before.terms
    if heaviest <= 0 or not chosen:
        return None
    then, now = weights.term_weights(doc, held, before_buckets, weights.buckets)
    unchosen = True  # each held term, before and now, a step below the last chosen one
    for weight in (*then.values(), *now.values()):
        if weight >= heaviest:
            return None
        if unchosen and round(weight / heaviest * WEIGHT_STEPS) >= cut:
            unchosen = False
    if unchosen:  # chosen neither before nor now: nothing else moved
        return chosen, heaviest, cut
    scale = WEIGHT_STEPS / max(chosen.values())  # weight / norm → step
    steps = [(round(w * scale), t) for t, w in chosen.items() if t not in held]
    steps += [(s, t) for t, s in ((t, round(w / heaviest * WEIGHT_STEPS)) for t, w in now.items()) if s > 0]
    steps.sort(key=lambda st: (-st[0], st[1]))
    top = steps[:TOP_TERMS]
    if len(chosen) == TOP_TERMS:  # unchosen terms may have a step up to the cut: rank above the old last
        last = max(((round(w * scale), t) for t, w in chosen.items()), key=lambda st: (-st[0], st[1]))
        if len(top) < TOP_TERMS or (-top[-1][0], top[-1][1]) > (-last[0], last[1]):
            return None
    norm = math.sqrt(sum(w * w for w, _ in top))
    return ({t: w / norm for w, t in top} if norm else {}), heaviest, top[-1][0] if len(top) == TOP_TERMS else 1


def _to_score(
    articles: Sequence[RelatedInput],
    texts: Mapping[str, Mapping[str, float]],
    scorer: _Scorer,
    old: Mapping[str, ArticleState],
    limit: int,
) -> list[RelatedInput]:
    """The articles whose list can differ from the one in ``old`` (see the module docstring)."""
    current = {a.path: a for a in articles}
    own_changed: set[str] = set()  # new, or its top terms, tags or category changed
    moved_category: list[str] = []
    tags_moved = heads_moved = len(current) != len(old)  # (an article came or went)
    for a in articles:
        before = old.get(a.path)
        if before is None:
            own_changed.add(a.path)
            tags_moved = heads_moved = True
            continue
        if len(before.tags) != len(a.tags) or not a.tags.issuperset(before.tags):
            own_changed.add(a.path)
            tags_moved = True
        elif before.terms != texts[a.path]:
            own_changed.add(a.path)
        if before.category != a.category:
            own_changed.add(a.path)
            moved_category.append(a.path)
            heads_moved = True
        elif before.rank != a.fallback_rank:
            heads_moved = True

    # Text keys: a posting list changes only where an article's entry for the term changed;
    # ``differs[term]`` holds the articles whose entry in the capped list is not as it was.
    reweighed = {p for p in own_changed if p not in old or old[p].terms != texts[p]}
    reweighed.update(p for p in old if p not in current)
    touched = {t for p in reweighed for t in (*texts.get(p, {}), *(old[p].terms if p in old else ()))}
    earlier: dict[str, list[tuple[str, float]]] = defaultdict(list)  # term → reweighed articles' old entries
    for path in reweighed:
        if path in old:
            for term, weight in old[path].terms.items():
                earlier[term].append((path, weight))
    differs: dict[str, set[str]] = {}
    for term in touched:
        now = scorer.posting(term)
        kept = [entry for entry in now if entry[0] not in reweighed]
        if len(kept) == len(now) or len(scorer.term_users.get(term, ())) <= MAX_POSTING:
            # The other entries were all in the list (the others rank below every kept one).
            entries = kept + earlier.get(term, [])
        else:  # entries below the cap move up where a reweighed one left the list
            entries = [(p, w) for p, w in scorer.term_users[term] if p not in reweighed] + earlier.get(term, [])
        difference = set(_capped(entries)) ^ set(now)
        if difference:
            differs[term] = {p for p, _ in difference}
    for path in moved_category:  # a candidate's category is part of every list it is scored in
        for term in texts[path]:
            if any(p == path for p, _ in scorer.posting(term)):
                differs.setdefault(term, set()).add(path)

    changed_tags: set[str] = set()
    old_tag_index: Mapping[str, list[str]] = scorer.tag_index
    old_tags_of = {p: s.tags for p, s in old.items()} if tags_moved else {}
    if tags_moved and old_tags_of != {a.path: tuple(sorted(a.tags)) for a in articles}:  # else the tag entries stay
        old_tables = _tag_tables(old_tags_of)
        old_tags, old_tag_index = _tag_entries(*old_tables), old_tables[2]
        new_tags = _tag_entries(scorer.tag_weights, scorer.tag_norm, scorer.tag_index)
        changed_tags = {t for t in old_tags.keys() | new_tags.keys() if old_tags.get(t) != new_tags.get(t)}
    for path in moved_category:
        changed_tags.update(scorer.tag_weights[path])

    changed_categories: set[str | None] = set()
    if heads_moved:  # else no article's category or rank changed: every head is as it was
        old_heads = _category_heads([(p, s.category, s.rank) for p, s in old.items()], limit)
        changed_categories = {c for c in old_heads.keys() | scorer.heads.keys() if old_heads.get(c) != scorer.heads.get(c)}

    # Scored again in full: own inputs changed, a tag entry or the category's head changed.
    todo = set(own_changed)
    for tag in changed_tags:
        todo.update(scorer.tag_index.get(tag, ()))
        todo.update(old_tag_index.get(tag, ()))
    if changed_categories:
        todo.update(a.path for a in articles if a.category in changed_categories)
    # Holders of a changed term: only the candidates whose entries differ can have moved; the
    # list is kept when none of them is in it and none now ranks above its last entry.
    suspects: dict[str, set[str]] = defaultdict(set)
    for term, paths in differs.items():
        for user, _ in scorer.term_users.get(term, ()):
            if user not in todo:
                suspects[user].update(paths)
    for path, others in suspects.items():
        if _may_change(scorer, current[path], old[path], others - {path}, limit):
            todo.add(path)
    return [a for a in articles if a.path in todo]


def _may_change(scorer: _Scorer, a: RelatedInput, before: ArticleState, others: set[str], limit: int) -> bool:
    """Whether ``a``'s list can differ from ``before.related`` when only the scores of
    ``others`` (as candidates of ``a``) may have changed."""
    listed = before.related
    if before.filled or len(listed) < limit or not others.isdisjoint(listed):
        return True
    if not others:
        return False
    last, *keys = scorer.rank_keys(a, [listed[-1], *others])
    if last is None:
        return True
    return any(key is not None and key < last for key in keys)


def add_related_articles(
    pages: Sequence[Any],
    documents: Sequence[Any],
    cache: RelatedCache | None = None,
    *,
    scorer: Any = None,
    limit: int = RELATED_LIMIT,
    jobs: int = 1,
) -> list[Any]:
    """``pages`` with ``related`` [ArticleLink] in every article page's context.

    ``documents`` are the site's analysed search documents (``helpgen.search.analyze_pages``);
    ``scorer``, when given, is search's ``DocumentScorer`` of them, whose counts are reused. With a ``cache``, only the
    lists that can have changed since its state are computed again, and its state becomes
    this build's (save it with ``cache.save()``). ``more_in_category`` then leaves out what
    ``related`` already shows, so an article page never lists the same article twice. Other
    pages are returned as they are.
    """
    with collector_paused():  # ~100,000 new tuples and dicts, none in a cycle: collections would be wasted
        return _add_related_articles(pages, documents, cache, scorer, limit, jobs)


def _add_related_articles(
    pages: Sequence[Any], documents: Sequence[Any], cache: RelatedCache | None, scorer: Any, limit: int, jobs: int
) -> list[Any]:
    from dataclasses import replace

    from helpgen.render.pages import ArticleLink

    views = [(page.path, page.context["article"]) for page in pages if page.kind == "article"]
    ranks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for path, view in views:
        if view.category is not None:
            ranks[view.category.path].append((-view.view_count, view.title.lower(), path))
    rank_of = {path: i for members in ranks.values() for i, (_, _, path) in enumerate(sorted(members))}
    inputs = [
        RelatedInput(path, view.category.path if view.category else None, _tag_set(view.tags), rank_of.get(path, 0))
        for path, view in views
    ]
    links: dict[str, ArticleLink] = {path: view.listed for path, view in views}
    previous = cache.state if cache is not None else None
    weights = None
    if scorer is not None:
        weights = RelatedWeights(scorer.stats.doc_count, scorer.field_lengths, scorer.doc_freq)
    state = update_related(inputs, documents, previous, weights=weights, limit=limit, jobs=jobs)
    if cache is not None:
        cache.state = state
    out: list[Any] = []
    lists = state.articles
    for page in pages:
        if page.kind != "article":
            out.append(page)
            continue
        listed = lists[page.path].related
        shown = [links[path] for path in listed]
        more = [link for link in page.context.get("more_in_category", ()) if link.path not in listed]
        out.append(replace(page, context={**page.context, "related": shown, "more_in_category": more}))
    return out
