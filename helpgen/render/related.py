"""Related articles: for every article page, the few articles most like it.

Pure and deterministic: articles (tags, category) and their term vectors in, an ordered tuple
of related page paths per article out. The score of a candidate ``b`` for an article ``a``:

    score = 0.40 * tag_cosine(a, b) + 0.45 * text_cosine(a, b) + 0.15 * same_category(a, b)

* ``tag_cosine``: cosine of the two tag sets, each tag weighted by ``log(1 + N / df)`` so a tag
  on every article says little;
* ``text_cosine``: cosine of the two term vectors cut to their :data:`TOP_TERMS`
  heaviest terms, weights quantised (the vectors are ``helpgen.search.term_vectors``: each
  term's BM25F score in the article, as search ranks by);
* ``same_category``: 1 when both are in the same category.

Near-linear at 10,000 articles: no pair of articles is compared unless they share a tag or one
of their top terms, found through inverted indexes whose posting lists hold at most
:data:`MAX_POSTING` articles (a term's heaviest users; a tag used more often than that is
skipped as uninformative). When that finds fewer than ``limit`` candidates, the most viewed
articles of the same category fill in. Scores are compared in steps of :data:`SCORE_STEP`;
ties break by page path. Only published articles are
ever given (``render.pages`` plans pages only for them), and an article never relates to itself.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from helpgen.workers import can_fork, fork_pool

__all__ = [
    "RelatedInput",
    "related_articles",
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
and scores to :data:`SCORE_STEP`, so the small idf shifts of an edit elsewhere do not reorder
an unrelated article's list (which would re-render its page)."""
SCORE_STEP = 0.01

TAG_WEIGHT, TEXT_WEIGHT, CATEGORY_WEIGHT = 0.40, 0.45, 0.15


@dataclass(frozen=True)
class RelatedInput:
    """What related-article scoring knows of one article."""

    path: str  # its page path, the key of the result
    category: str | None  # category id (or any stable key); None when uncategorised
    tags: frozenset[str]  # lowercased
    fallback_rank: int  # position in its category by views (0 = most viewed), for filling in


def _top_terms(vector: Mapping[str, float]) -> dict[str, float]:
    """The :data:`TOP_TERMS` heaviest terms of ``vector``, quantised, L2-normalised (ties by term)."""
    heaviest = max((w for w in vector.values() if w > 0), default=0.0)
    if not heaviest:
        return {}
    steps = ((round(w / heaviest * WEIGHT_STEPS), t) for t, w in vector.items() if w > 0)
    top = sorted((s for s in steps if s[0] > 0), key=lambda st: (-st[0], st[1]))[:TOP_TERMS]
    norm = math.sqrt(sum(w * w for w, _ in top))
    return {t: w / norm for w, t in top} if norm else {}


def _postings(weighted: Mapping[str, Mapping[str, float]]) -> dict[str, list[tuple[str, float]]]:
    """key (term or tag) → its heaviest ``(path, weight)`` users, at most :data:`MAX_POSTING`."""
    lists: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for path, entries in weighted.items():
        for key, weight in entries.items():
            lists[key].append((path, weight))
    for key, entries in lists.items():
        entries.sort(key=lambda pw: (-pw[1], pw[0]))
        del entries[MAX_POSTING:]
    return lists


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
    count = len(articles)
    by_path = {a.path: a for a in articles}
    texts = {a.path: _top_terms(term_vectors.get(a.path, {})) for a in articles}
    text_index = _postings(texts)

    tag_df = Counter(tag for a in articles for tag in a.tags)
    tag_idf = {tag: math.log(1 + count / df) for tag, df in tag_df.items()}
    tag_weights = {a.path: {t: tag_idf[t] for t in sorted(a.tags) if tag_df[t] <= MAX_POSTING} for a in articles}
    tag_norm = {p: math.sqrt(sum(w * w for w in ws.values())) for p, ws in tag_weights.items()}
    tag_index: dict[str, list[str]] = defaultdict(list)
    for a in articles:
        for tag in tag_weights[a.path]:
            tag_index[tag].append(a.path)

    by_category: dict[str, list[RelatedInput]] = defaultdict(list)
    for a in articles:
        if a.category is not None:
            by_category[a.category].append(a)
    for members in by_category.values():
        members.sort(key=lambda a: (a.fallback_rank, a.path))

    def related_to(a: RelatedInput) -> tuple[str, ...]:
        text_score: dict[str, float] = defaultdict(float)
        for term, weight in texts[a.path].items():
            for other, other_weight in text_index.get(term, ()):
                text_score[other] += weight * other_weight
        tag_score: dict[str, float] = defaultdict(float)
        for tag, weight in tag_weights[a.path].items():
            for other in tag_index[tag]:
                tag_score[other] += weight * weight
        scores: dict[str, float] = {}
        for other in set(text_score) | set(tag_score):
            if other == a.path:
                continue
            tags = tag_score.get(other, 0.0)
            tags = tags / (tag_norm[a.path] * tag_norm[other]) if tags else 0.0
            same = a.category is not None and by_path[other].category == a.category
            scores[other] = TAG_WEIGHT * tags + TEXT_WEIGHT * text_score.get(other, 0.0) + CATEGORY_WEIGHT * same
        if len(scores) < limit and a.category is not None:
            for other in by_category[a.category][: limit + 1]:
                if other.path != a.path and other.path not in scores:
                    scores[other.path] = CATEGORY_WEIGHT
        step = SCORE_STEP
        ranked = heapq.nsmallest(limit, [(-round(score / step), path) for path, score in scores.items()])
        return tuple(path for _, path in ranked)

    global _JOB
    workers = max(1, min(jobs, count // MIN_ARTICLES_PER_WORKER))
    if workers == 1 or not can_fork():
        return {a.path: related_to(a) for a in articles}
    _JOB = (articles, related_to)
    try:
        size = -(-count // (workers * 4))
        with fork_pool(workers) as pool:
            parts = pool.map(_related_slice, [(start, min(start + size, count)) for start in range(0, count, size)])
    finally:
        _JOB = None
    return {path: related for part in parts for path, related in part}


MIN_ARTICLES_PER_WORKER = 1000  # below this, forking costs more than it saves
_JOB: tuple[Sequence[RelatedInput], Callable[[RelatedInput], tuple[str, ...]]] | None = None  # set before forking


def _related_slice(bounds: tuple[int, int]) -> list[tuple[str, tuple[str, ...]]]:
    assert _JOB is not None
    articles, related_to = _JOB
    return [(articles[i].path, related_to(articles[i])) for i in range(*bounds)]


def add_related_articles(
    pages: Sequence[Any], term_vectors: Mapping[str, Mapping[str, float]], limit: int = RELATED_LIMIT, jobs: int = 1
) -> list[Any]:
    """``pages`` with ``related`` [ArticleLink] in every article page's context.

    ``more_in_category`` then leaves out what ``related`` already shows, so an article page
    never lists the same article twice. Other pages are returned as they are.
    """
    from dataclasses import replace

    from helpgen.render.pages import ArticleLink

    article_pages = [p for p in pages if p.kind == "article"]
    links: dict[str, ArticleLink] = {}
    inputs: list[RelatedInput] = []
    ranks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for page in article_pages:
        view = page.context["article"]
        category = view.category
        links[page.path] = view.link(page.path)
        if category is not None:
            ranks[category.path].append((-view.view_count, view.title.lower(), page.path))
    rank_of = {path: i for members in ranks.values() for i, (_, _, path) in enumerate(sorted(members))}
    for page in article_pages:
        view = page.context["article"]
        inputs.append(
            RelatedInput(
                path=page.path,
                category=view.category.path if view.category else None,
                tags=frozenset(t.strip().lower() for t in view.tags if t.strip()),
                fallback_rank=rank_of.get(page.path, 0),
            )
        )
    related = related_articles(inputs, term_vectors, limit, jobs=jobs)
    out: list[Any] = []
    for page in pages:
        if page.kind != "article":
            out.append(page)
            continue
        shown = [links[path] for path in related[page.path]]
        paths = {link.path for link in shown}
        more = [link for link in page.context.get("more_in_category", ()) if link.path not in paths]
        out.append(replace(page, context={**page.context, "related": shown, "more_in_category": more}))
    return out
