"""Usage-boost benchmark: mean reciprocal rank with the boost off and on, on a generated site.

Readers are simulated, so that "the document the reader wanted" is known and is *not* read
off the numbers the boost uses:

* every article gets two hidden traits, drawn independently of its text: **demand** (how
  many readers a day need it; log-normal, median 250, σ 1.5) and **quality** (the chance that
  a reader who opens it finds it helpful; Beta(2, 2), so anywhere from poor to excellent);
* the snapshot's numbers are then *observed* from those traits, with the noise and
  confounders of a real help desk: ``viewCount`` ~ Poisson(demand × age), where age (0.3 to
  1.3, how long the article has been online) is unknown to the reader; 3% of readers vote;
  ``helpfulCount`` ~ Binomial(votes, quality), the rest ``notHelpfulCount``. Small articles
  get no votes at all, old articles have more views than their demand;
* the intended document of a query is the one with the best **demand × quality** (expected
  helpful readings a day) among the articles the query is about. The boost sees only the
  observed counts, through its own coarse formula (log views against a power of ten, a
  Laplace-smoothed helpful ratio, steps of 1/8, capped at +weight).

Query sets (words typed whole, 10 results, MRR@10; a miss counts 0):

* **exact title**: the full title of a random article (when titles collide, the intended one
  is the best of the articles with that title, by the rule above);
* **ambiguous, 1 word**: a word that occurs in the titles of 8 to 80 articles; the intended
  document is the best of those articles;
* **ambiguous, 2 words**: two words that occur together in the titles of 4 to 40 articles.

Ranking uses :class:`helpgen.search.SearchEngine` on the exported files (the same algorithm
and files as ``search.js``, which ``tests/test_search_browser.py`` checks against it).

Run::

    python -m tests.benchmarks.usage_bench [--articles 2000] [--posts 600] [--weights 0 0.2]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from helpgen.content.snapshot import Snapshot
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import SearchEngine, TermCache, analyze_pages, export_analyzed
from helpgen.search._whoosh import analyze, term_of, words
from helpgen.search.usage import DEFAULT_USAGE_BOOST, usage_multipliers
from tests.benchmarks.corpus import generate_snapshot

RESULTS = 10
VOTE_RATE = 0.03


@dataclass(frozen=True)
class Reader:
    """An article's hidden traits (what readers need and get), never shown to the boost."""

    demand: float
    quality: float

    @property
    def value(self) -> float:
        return self.demand * self.quality


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n < 60:
        return sum(rng.random() < p for _ in range(n))
    return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))


def simulate_readers(snapshot: Snapshot, seed: int) -> tuple[Snapshot, dict[str, Reader]]:
    """The snapshot with views and votes observed from hidden traits, and the traits by slug."""
    rng = random.Random(seed * 7919 + 1)
    traits: dict[str, Reader] = {}
    articles = []
    for article in snapshot.articles:
        reader = Reader(demand=rng.lognormvariate(math.log(250), 1.5), quality=rng.betavariate(2, 2))
        views = _poisson(rng, reader.demand * rng.uniform(0.3, 1.3))
        votes = _binomial(rng, views, VOTE_RATE)
        helpful = _binomial(rng, votes, reader.quality)
        traits[article.slug] = reader
        articles.append(replace(article, view_count=views, helpful_count=helpful, not_helpful_count=votes - helpful))
    return replace(snapshot, articles=tuple(articles)), traits


@dataclass(frozen=True)
class Query:
    text: str
    intended: str  # page path


def make_queries(pages: Sequence, traits: Mapping[str, Reader], count: int, seed: int) -> dict[str, list[Query]]:
    """The three query sets (see the module docstring), ``count`` queries each at most."""
    rng = random.Random(seed)
    articles = [(p.path, p.context["article"]) for p in pages if p.kind == "article"]
    value = {path: traits[article.slug].value for path, article in articles}
    by_key: dict[str, list[str]] = {}
    by_term: dict[str, set[str]] = {}
    surface: dict[str, str] = {}
    title_terms: dict[str, list[str]] = {}
    for path, article in articles:
        by_key.setdefault(" ".join(analyze(article.title)), []).append(path)
        terms = []
        for word in words(article.title):
            term = term_of(word)
            if term is not None and not word.isdigit() and len(word) > 2:
                surface.setdefault(term, word)
                by_term.setdefault(term, set()).add(path)
                terms.append(term)
        title_terms[path] = sorted(set(terms))

    def best(paths) -> str:
        return max(sorted(paths), key=lambda p: value[p])

    exact = []
    for path, article in rng.sample(articles, min(count, len(articles))):
        exact.append(Query(article.title, best(by_key[" ".join(analyze(article.title))])))
    single_terms = sorted(t for t, paths in by_term.items() if 8 <= len(paths) <= 80)
    single = [Query(surface[t], best(by_term[t])) for t in rng.sample(single_terms, min(count, len(single_terms)))]
    pairs: dict[tuple[str, str], set[str]] = {}
    for path, terms in title_terms.items():
        for i, a in enumerate(terms):
            for b in terms[i + 1 :]:
                pairs.setdefault((a, b), set()).add(path)
    pair_keys = sorted(k for k, paths in pairs.items() if 4 <= len(paths) <= 40)
    double = [
        Query(f"{surface[a]} {surface[b]}", best(pairs[(a, b)]))
        for a, b in rng.sample(pair_keys, min(count, len(pair_keys)))
    ]
    return {"exact title": exact, "ambiguous, 1 word": single, "ambiguous, 2 words": double}


def mean_reciprocal_rank(engine: SearchEngine, queries: Sequence[Query]) -> tuple[float, float]:
    """MRR@10 and the share of queries whose intended document is first."""
    ranks = []
    for query in queries:
        hits = engine.search(query.text, limit=RESULTS, complete_last=False).hits
        paths = [engine.document(hit.doc).path for hit in hits]
        ranks.append(paths.index(query.intended) + 1 if query.intended in paths else 0)
    return statistics.fmean(1 / r if r else 0.0 for r in ranks), sum(r == 1 for r in ranks) / len(ranks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.usage_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--queries", type=int, default=300, help="queries per set (at most)")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, DEFAULT_USAGE_BOOST])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    snapshot, traits = simulate_readers(generate_snapshot(args.articles, args.posts, seed=args.seed), args.seed)
    pages, _ = plan_pages(snapshot, SiteSettings(title="Bench Help Center"))
    analyzed = analyze_pages(pages, TermCache(None))
    query_sets = make_queries(pages, traits, args.queries, args.seed)
    voted = sum(1 for a in snapshot.articles if a.helpful_count + a.not_helpful_count)
    print(
        f"corpus: {args.articles:,} articles + {args.posts:,} posts (seed {args.seed}); "
        f"{voted / len(snapshot.articles):.0%} of articles have a vote; analysed in {time.perf_counter() - started:.1f} s"
    )
    print(f"{'MRR@10 (share first)':28}" + "".join(f"{'usage_boost = ' + format(w, 'g'):>24}" for w in args.weights)
          + f"{'queries':>10}")
    results: dict[float, dict[str, tuple[float, float]]] = {}
    for weight in args.weights:
        files = export_analyzed(analyzed, boosts=usage_multipliers(pages, weight)).files
        engine = SearchEngine(lambda path: files[path])
        results[weight] = {name: mean_reciprocal_rank(engine, queries) for name, queries in query_sets.items()}
    for name, queries in query_sets.items():
        cells = "".join(f"{results[w][name][0]:>15.3f} ({results[w][name][1]:>4.0%})" for w in args.weights)
        print(f"{name:28}{cells}{len(queries):>10}")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
