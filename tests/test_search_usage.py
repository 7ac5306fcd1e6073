"""Usage-aware search: the usage boost (views, helpfulness, votes → a bounded multiplier per
document, applied at export) and the exact-title rule (a typed title's page stays first),
checked against Whoosh's own ranking with the same multipliers, and through real builds."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import ConfigError, load_config
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.cstar._models import Article
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import SearchEngine, TermCache, analyze_pages, export_analyzed, search_documents
from helpgen.search._whoosh import analyze, build_whoosh_index, reference_search, term_of, words
from helpgen.search.export import INDEX_DIR, IndexSettings, export_index, order_documents
from helpgen.search.usage import (
    MAX_USAGE_BOOST,
    STEPS,
    article_usage,
    multiplier,
    post_usage,
    quantise,
    usage_multipliers,
)
from tests.conftest import EXAMPLE_SITE

TINY = IndexSettings(top=2, tier_growth=2, block=3, shard_bytes=300, lexicon_bytes=200)


# --------------------------------------------------------------------------- crafted content


def example_snapshot() -> Snapshot:
    return load_snapshot(load_config(EXAMPLE_SITE, environ={}).snapshot_dir)


EXACT_TITLE = "Rotate API keys"


def crafted_snapshot() -> Snapshot:
    """The example site plus a short article titled :data:`EXACT_TITLE` (no views, readers
    say it is unhelpful) and twelve popular, helpful articles about rotating API keys whose
    tags, headings and bodies repeat the title's words: by text and usage they all outrank
    it, so only the exact-title rule can put it first."""
    base = example_snapshot()
    category = base.categories[0]
    common = dict(category_id=category.id, category_slug=category.slug, category_name=category.name,
                  published_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z")
    added = [
        Article(id="rotate-exact", title=EXACT_TITLE, slug="rotate-api-keys", excerpt="Keys.",
                content="Open settings.", view_count=0, helpful_count=0, not_helpful_count=40, **common)
    ]
    for n in range(12):
        body = "\n\n".join(["## Rotate API keys", "Rotate API keys: rotate the keys of your API. " * 6])
        added.append(Article(
            id=f"rotate-{n}", title=f"Rotate API keys for the {['sandbox', 'staging', 'mobile', 'webhook', 'export', 'billing', 'zapier', 'slack', 'crm', 'erp', 'pos', 'team'][n]} API keys",
            slug=f"rotate-api-keys-{n}", excerpt="Rotate API keys, rotate keys.", content=body,
            tags=("rotate", "api", "keys"), view_count=5000 + n, helpful_count=300, not_helpful_count=1, **common,
        ))
    return replace(base, articles=base.articles + tuple(added))


def _pages(snapshot: Snapshot):
    pages, _ = plan_pages(snapshot, SiteSettings(title="Kettle"))
    return pages


def _engine(files) -> SearchEngine:
    return SearchEngine(lambda path: files[path])


def _titles(engine: SearchEngine, query: str, **options) -> list[str]:
    return [engine.document(hit.doc).title for hit in engine.search(query, **options).hits]


# --------------------------------------------------------------------------- the multiplier


def test_usage_is_neutral_without_votes_and_grows_with_views_and_helpfulness() -> None:
    assert article_usage(0, 0, 0, 0) == 0.25  # no views, no votes: popularity 0, helpfulness ½
    assert article_usage(0, 1, 1, 100) == article_usage(0, 0, 0, 100)  # one of each: still neutral
    assert article_usage(0, 1, 0, 100) < article_usage(0, 10, 0, 100) < 0.5 + 0.5 / 2
    assert article_usage(10, 0, 0, 10_000) < article_usage(1000, 0, 0, 10_000) < article_usage(10_000, 0, 0, 10_000)
    assert article_usage(500, 0, 50, 1000) < article_usage(500, 0, 0, 1000) < article_usage(500, 50, 0, 1000)
    assert post_usage(0, "open", False, 0) < post_usage(0, "answered", False, 0) < post_usage(0, "open", True, 0)
    assert post_usage(0, "officially_answered", False, 0) == post_usage(0, "open", True, 0)
    assert post_usage(3, "open", False, 40) < post_usage(30, "open", False, 40)


def test_the_view_scale_moves_only_when_the_top_crosses_a_power_of_ten() -> None:
    # The site's top article going from 2,000 to 9,000 views changes nobody else's usage.
    assert article_usage(700, 3, 1, 2_000) == article_usage(700, 3, 1, 9_000)
    assert article_usage(700, 3, 1, 9_000) > article_usage(700, 3, 1, 10_001)


@pytest.mark.parametrize("weight", [0.0, 0.05, 0.2, 1.0])
def test_the_multiplier_is_bounded_and_takes_few_values(weight: float) -> None:
    rng = random.Random(7)
    allowed = {1.0 + weight * step / STEPS for step in range(STEPS + 1)}
    extremes = [0, 1, -5, 10**18]
    for _ in range(3000):
        views, helpful, not_helpful, top = (rng.choice(extremes + [rng.randint(0, 10**rng.randint(0, 9))]) for _ in range(4))
        for usage in (article_usage(views, helpful, not_helpful, top), post_usage(views, "answered", bool(helpful % 2), top)):
            assert 0.0 <= usage <= 1.0
            m = multiplier(usage, weight)
            assert 1.0 <= m <= 1.0 + weight and m in allowed
    assert quantise(1.0) == 1.0 and quantise(0.0) == 0.0 and quantise(1 / STEPS - 1e-12) == 0.0
    assert quantise(math.nextafter(1.0, 2.0)) == 1.0 and quantise(-3.0) == 0.0


def test_a_weight_outside_the_range_is_refused() -> None:
    for weight in (-0.1, MAX_USAGE_BOOST + 0.01, math.nan):
        with pytest.raises(ValueError):
            usage_multipliers([], weight)


def test_usage_multipliers_read_the_pages_own_numbers() -> None:
    pages = _pages(example_snapshot())
    boosts = usage_multipliers(pages, 0.2)
    documents = search_documents(pages)
    assert set(boosts) == {d.path for d in documents}
    articles = {p.path: p.context["article"] for p in pages if p.kind == "article"}
    most_viewed = max(articles, key=lambda path: articles[path].view_count)
    least_viewed = min(articles, key=lambda path: (articles[path].view_count, -articles[path].helpful_count))
    assert boosts[most_viewed] > boosts[least_viewed]
    assert len(set(boosts.values())) > 2  # the example's numbers spread over several steps
    assert usage_multipliers(pages, 0) == {}


# --------------------------------------------------------------------------- the exported index


@pytest.fixture(scope="module")
def example():
    pages = _pages(example_snapshot())
    return pages, analyze_pages(pages, TermCache(None))


def test_boost_off_exports_the_same_bytes_as_no_boost(example) -> None:
    pages, analyzed = example
    plain = export_analyzed(analyzed).files
    assert export_analyzed(analyzed, boosts=usage_multipliers(pages, 0.0)).files == plain
    boosted = export_analyzed(analyzed, boosts=usage_multipliers(pages, 0.2)).files
    assert boosted != plain  # on, the scores change...
    manifest = "search/manifest.json"
    assert json.loads(boosted[manifest])["docs"] == json.loads(plain[manifest])["docs"]  # ...not the documents


def _equal_twins(kind: str) -> Snapshot:
    """The example site with two documents of the same text: the later one in index order
    (which wins ties without a boost) is the one readers found helpful / voted for."""
    snapshot = example_snapshot()
    if kind == "article":
        base = next(a for a in snapshot.articles if a.title == "Refund a payment")
        twin_a = replace(base, id="twin-a", slug="twin-a", title="Partial refund twins", view_count=100, helpful_count=0, not_helpful_count=30)
        twin_b = replace(twin_a, id="twin-b", slug="twin-b", view_count=100, helpful_count=30, not_helpful_count=0)
        return replace(snapshot, articles=snapshot.articles + (twin_a, twin_b))
    thread = next(t for t in snapshot.threads if not any(c.is_official for c in t.comments))
    post_a = replace(thread.post, id="twin-pa", slug="twin-pa", title="Partial refund twins", vote_count=0, status="open")
    post_b = replace(post_a, id="twin-pb", slug="twin-pb", vote_count=80)
    twins = (replace(thread, post=post_a), replace(thread, post=post_b))
    return replace(snapshot, threads=snapshot.threads + twins)


@pytest.mark.parametrize("kind", ["article", "post"])
def test_of_two_equally_relevant_documents_the_helpful_one_ranks_first(kind: str) -> None:
    pages = _pages(_equal_twins(kind))
    documents = order_documents(search_documents(pages))
    twins = [n for n, d in enumerate(documents) if d.title == "Partial refund twins"]
    assert len(twins) == 2 and documents[twins[0]].fields == documents[twins[1]].fields  # equal text
    boosts = usage_multipliers(pages, 0.2)
    assert boosts[documents[twins[1]].path] > boosts[documents[twins[0]].path]
    whoosh = build_whoosh_index(d.fields for d in documents)
    multipliers = [boosts[d.path] for d in documents]
    for query in ("partial refund twins", "twins", "partial twins"):
        off = _engine(export_index(documents).files).search(query, kind=kind, complete_last=False)
        on = _engine(export_index(documents, boosts=boosts).files).search(query, kind=kind, complete_last=False)
        assert [h.doc for h in off.hits[:2]] == twins  # a tie: the lower number first
        assert [h.doc for h in on.hits[:2]] == [twins[1], twins[0]]  # the helpful one first
        groups = [list(w.terms) for w in on.words if w.how != "stop"]
        ranked = reference_search(whoosh, groups, require_all=True, multipliers=multipliers)
        assert [d for d, _ in ranked if d in twins] == [twins[1], twins[0]]  # Whoosh agrees


def test_the_boosted_index_ranks_like_whoosh_with_the_same_multipliers(example) -> None:
    pages, analyzed = example
    boosts = usage_multipliers(pages, 0.2)
    documents = order_documents(search_documents(pages))
    whoosh = build_whoosh_index(d.fields for d in documents)
    multipliers = [boosts[d.path] for d in documents]
    keys = {}
    for number, doc in enumerate(documents):
        keys.setdefault(" ".join(analyze(doc.title)), []).append(number)
    vocabulary = sorted({w for d in documents for w in words(d.title) if term_of(w)})
    rng = random.Random(9)
    queries = [" ".join(rng.sample(vocabulary, rng.choice([1, 1, 2, 3]))) for _ in range(120)]
    queries += [d.title for d in documents[::3]]  # whole titles: the exact-title rule at work
    compared = same = 0
    for settings in (IndexSettings(), TINY):
        files = export_analyzed(analyzed, settings, boosts=boosts).files
        for query in queries:
            result = _engine(files).search(query, complete_last=False)
            groups: list[list[str]] = []
            for word in result.words:
                if word.how != "stop" and list(word.terms) not in groups:
                    groups.append(list(word.terms))
            first = keys.get(" ".join(w.term for w in result.words if w.term), []) if all(
                w.how == "exact" for w in result.words if w.term) else []
            ranked = reference_search(whoosh, groups, require_all=True, multipliers=multipliers, first=first)
            ranked = ranked or reference_search(whoosh, groups, require_all=False, multipliers=multipliers)
            ours, theirs = [h.doc for h in result.hits], [d for d, _ in ranked[:10]]
            compared += 1
            if ours == theirs:
                same += 1
                continue
            score = dict(ranked)  # otherwise only ties (to the index's 1/1000) may swap
            for doc, (_, expected) in zip(ours, ranked):
                assert abs(score[doc] - expected) <= 0.0005 * 2 * 1.2 * len(groups) + 1e-9, (query, ours, theirs)
    assert compared == 2 * len(queries) and same >= 0.97 * compared


# --------------------------------------------------------------------------- exact titles


@pytest.fixture(scope="module")
def crafted():
    pages = _pages(crafted_snapshot())
    documents = order_documents(search_documents(pages))
    return pages, documents, usage_multipliers(pages, 0.2)


def test_an_exact_title_stays_first_even_below_the_top_ten(crafted) -> None:
    pages, documents, boosts = crafted
    exact = next(n for n, d in enumerate(documents) if d.title == EXACT_TITLE)
    whoosh = build_whoosh_index(d.fields for d in documents)
    groups = [[t] for t in analyze(EXACT_TITLE)]
    by_score = reference_search(whoosh, groups, require_all=True, multipliers=[boosts[d.path] for d in documents])
    assert [d for d, _ in by_score].index(exact) >= 10  # by score alone, not even on the first page
    for settings in (IndexSettings(), TINY):
        files = export_index(documents, settings, boosts=boosts).files
        for query, options in [
            ("Rotate API keys", {}),
            ("rotate api keys", {"limit": 8}),  # the header box's 8
            ("Rotating the API key", {"complete_last": False}),  # same terms: rotat api key
            ("rotate api keys", {"kind": "article", "category": f"c:{documents[exact].category_key[2:]}"}),
        ]:
            engine = _engine(files)
            result = engine.search(query, **options)
            assert engine.document(result.hits[0].doc).title == EXACT_TITLE, (query, options)
            assert len({h.doc for h in result.hits}) == len(result.hits) == options.get("limit", 10)
            assert [h.doc for h in result.hits[1:]] == [d for d, _ in by_score if d != exact][: len(result.hits) - 1]
        engine = _engine(files)
        assert _titles(engine, "rotate api")[0] != EXACT_TITLE  # a part of the title is not the title
        assert EXACT_TITLE not in _titles(engine, "rotate api keys", kind="post", limit=50)  # filters still apply


def test_documents_sharing_a_title_come_first_in_score_order(crafted) -> None:
    pages, documents, boosts = crafted
    files = export_index(documents, boosts=boosts).files
    engine = _engine(files)
    duplicated = "Invoice notes show <b>tags</b> instead of bold text"  # hostile text as a title key
    hits = engine.search(duplicated, complete_last=False).hits
    assert engine.document(hits[0].doc).title == duplicated
    shards = [json.loads(data) for path, data in files.items() if path.startswith(INDEX_DIR + "t/")]
    listed = [docs for shard in shards for docs in shard.get("x", {}).values()]
    assert sum(len(docs) for docs in listed) == sum(1 for d in documents if analyze(d.title) and len(words(d.title)) <= 10)


# --------------------------------------------------------------------------- builds and config


def _search_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "search").rglob("*.json"))}


def _build(tmp: Path, name: str, snapshot: Snapshot, boost: float) -> dict[str, bytes]:
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": tmp / name / "site"}, environ={})
    config = replace(config, analytics=False, cache_dir=tmp / name / "cache", search_usage_boost=boost)
    build_site(config, snapshot=snapshot)
    return _search_files(tmp / name / "site")


def test_small_view_changes_do_not_change_the_index_but_big_ones_do(tmp_path: Path) -> None:
    snapshot = example_snapshot()
    first = _build(tmp_path, "first", snapshot, 0.2)
    rng = random.Random(4)
    # A day of a small help center: each article gains a few views, a few get a vote.
    nudged = replace(snapshot, articles=tuple(
        replace(a, view_count=a.view_count + rng.randint(0, 5), helpful_count=a.helpful_count + (rng.random() < 0.05))
        for a in snapshot.articles
    ))
    assert nudged.articles != snapshot.articles
    assert _build(tmp_path, "nudged", nudged, 0.2) == first
    # One article going from its views to 200 times as many, with 40 helpful votes, does move.
    jumped = replace(snapshot, articles=tuple(
        replace(a, view_count=a.view_count * 200 + 200, helpful_count=a.helpful_count + 40) if n == 3 else a
        for n, a in enumerate(snapshot.articles)
    ))
    assert _build(tmp_path, "jumped", jumped, 0.2) != first


def test_changing_the_configured_boost_re_exports_the_index(tmp_path: Path) -> None:
    snapshot = example_snapshot()
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": tmp_path / "site"}, environ={})
    config = replace(config, analytics=False, cache_dir=tmp_path / "cache")
    build_site(config, snapshot=snapshot)
    boosted = _search_files(tmp_path / "site")
    build_site(replace(config, search_usage_boost=0.0), snapshot=snapshot)  # same content, same cache
    off = _search_files(tmp_path / "site")
    assert off != boosted
    assert off == _build(tmp_path, "fresh", snapshot, 0.0)  # the same as a first build without it


def _write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helpgen.toml").write_text(text, encoding="utf-8")
    return folder


def test_the_usage_boost_is_configured_and_checked(tmp_path: Path) -> None:
    assert load_config(_write_config(tmp_path / "default", ""), environ={}).search_usage_boost == 0.2
    assert load_config(_write_config(tmp_path / "off", "[search]\nusage_boost = 0\n"), environ={}).search_usage_boost == 0
    assert load_config(_write_config(tmp_path / "max", "[search]\nusage_boost = 1\n"), environ={}).search_usage_boost == 1
    for value, message in [
        ('"high"', "expected a number from 0 (off) to 1, got str 'high'"),
        ("true", "expected a number from 0 (off) to 1, got bool True"),
        ("-0.1", "expected a number from 0 (off) to 1, got -0.1"),
        ("1.5", "expected a number from 0 (off) to 1, got 1.5"),
        ("nan", "expected a number from 0 (off) to 1, got nan"),
    ]:
        folder = _write_config(tmp_path / f"bad{len(value)}{value[:2]}", f"[search]\nusage_boost = {value}\n")
        with pytest.raises(ConfigError) as caught:
            load_config(folder, environ={})
        assert str(caught.value) == f"{folder / 'helpgen.toml'}: [search].usage_boost: {message}"
    folder = _write_config(tmp_path / "unknown", "[search]\nboost = 1\n")
    with pytest.raises(ConfigError, match=r"\[search\]\.boost: unknown key \(known: usage_boost\)"):
        load_config(folder, environ={})
