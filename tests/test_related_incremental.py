"""Incremental related articles: after any sequence of edits, the lists computed from the last
build's cache are exactly those of a computation from scratch, and a small edit recomputes few."""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest

import helpgen.render.related as related
from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import Snapshot
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.related import add_related_articles
from helpgen.render.related_cache import FILE_NAME, RelatedCache
from helpgen.search import TermCache, analyze_pages
from tests.benchmarks.corpus import generate_snapshot, mutate
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import tree_bytes
from tests.test_related import related_titles

SETTINGS = SiteSettings(title="T")


def _edit_content(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    return mutate(snapshot, 1 / len(snapshot.articles), seed=rng.randrange(10**6))


def _edit_tags(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    pool = sorted({t for a in snapshot.articles for t in a.tags} | {"brand-new-tag"})
    index = rng.randrange(len(snapshot.articles))
    article = snapshot.articles[index]
    tags = tuple(rng.sample(pool, rng.randint(0, 3)))
    return _replace_article(snapshot, index, replace(article, tags=tags))


def _move_category(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    index = rng.randrange(len(snapshot.articles))
    category = rng.choice(snapshot.categories)
    article = replace(
        snapshot.articles[index], category_id=category.id, category_slug=category.slug, category_name=category.name
    )
    return _replace_article(snapshot, index, article)


def _add(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    source, donor = rng.choice(snapshot.articles), rng.choice(snapshot.articles)
    number = rng.randrange(10**9)
    article = replace(
        source,
        id=f"art_added{number}",
        slug=f"added-{number}",
        title=f"Added {number} {donor.title}",
        content=(donor.content or "") + "\n\n" + (source.content or ""),
        tags=donor.tags,
        view_count=rng.randrange(5000),
    )
    return replace(snapshot, articles=snapshot.articles + (article,))


def _delete(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    gone = rng.choice(snapshot.articles)
    return replace(
        snapshot,
        articles=tuple(a for a in snapshot.articles if a.id != gone.id),
        popular=tuple(p for p in snapshot.popular if p.id != gone.id),
    )


def _views(snapshot: Snapshot, rng: random.Random) -> Snapshot:
    articles = list(snapshot.articles)
    for index in rng.sample(range(len(articles)), 5):
        articles[index] = replace(articles[index], view_count=rng.randrange(20000))
    return replace(snapshot, articles=tuple(articles))


def _replace_article(snapshot: Snapshot, index: int, article: Any) -> Snapshot:
    articles = list(snapshot.articles)
    articles[index] = article
    return replace(snapshot, articles=tuple(articles))


EDITS: list[Callable[[Snapshot, random.Random], Snapshot]] = [_edit_content, _edit_tags, _move_category, _add, _delete, _views]


def _lists(pages: list[Any]) -> dict[str, list[str]]:
    return {p.path: [link.path for link in p.context["related"]] for p in pages if p.kind == "article"}


class _Counting:
    """Wraps ``related._score_all`` to record how many lists each call computes."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self._inner = related._score_all

    def __call__(self, scorer: Any, articles: Any, jobs: int) -> Any:
        self.counts.append(len(articles))
        return self._inner(scorer, articles, jobs)


@pytest.fixture
def small_postings(monkeypatch: pytest.MonkeyPatch) -> None:
    # A small corpus reaches the posting-list cap and skips common tags only with a low cap.
    monkeypatch.setattr(related, "MAX_POSTING", 6)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edit_sequences_give_the_lists_of_a_clean_computation(
    seed: int, tmp_path: Path, small_postings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    snapshot = generate_snapshot(90, 15, seed=seed)
    terms = TermCache(None)  # in memory: analysis is not what is tested here
    counting = _Counting()
    monkeypatch.setattr(related, "_score_all", counting)
    recomputed = []
    for step in range(24):
        pages, _ = plan_pages(snapshot, SETTINGS)
        documents = analyze_pages(pages, terms)
        cache = RelatedCache(tmp_path)  # last step's state, read back from the file
        assert (cache.state is None) == (step == 0)
        incremental = _lists(add_related_articles(pages, documents, cache))
        cache.save()
        clean = RelatedCache(None)
        expected = _lists(add_related_articles(pages, documents, clean))
        assert incremental == expected, f"step {step}"
        assert cache.state is not None and clean.state is not None
        assert cache.state.articles == clean.state.articles, f"step {step}"
        recomputed.append(counting.counts[-2])
        snapshot = EDITS[step % len(EDITS)](snapshot, rng)
        if step == 0:
            first_count = len(expected)
    assert sum(1 for lists in expected.values() if lists) > 80
    # The cache did its job: the first build computed every list, later ones kept many (in a
    # site this small one edit still moves a good share of the top terms and posting lists).
    assert recomputed[0] == first_count
    assert sum(recomputed[1:]) < 0.75 * len(recomputed[1:]) * len(expected)


def _built_site(folder: Path) -> tuple[Snapshot, TermCache]:
    """A 300-article site whose related state is saved in ``folder``, and its term cache."""
    snapshot = generate_snapshot(300, 30, seed=3)
    terms = TermCache(None)
    pages, _ = plan_pages(snapshot, SETTINGS)
    cache = RelatedCache(folder)
    add_related_articles(pages, analyze_pages(pages, terms), cache)
    cache.save()
    return snapshot, terms


def test_one_changed_article_recomputes_few_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot, terms = _built_site(tmp_path)
    counting = _Counting()
    monkeypatch.setattr(related, "_score_all", counting)
    pages, _ = plan_pages(mutate(snapshot, 1 / 300, seed=9), SETTINGS)
    documents = analyze_pages(pages, terms)
    cache = RelatedCache(tmp_path)
    lists = _lists(add_related_articles(pages, documents, cache))
    assert lists == _lists(add_related_articles(pages, documents))
    # Without the cache all 300 would be; a corpus this small still moves many top terms.
    assert counting.counts[0] < 300 // 2


def test_a_damaged_or_foreign_cache_is_no_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    snapshot = generate_snapshot(40, 5, seed=4)
    pages, _ = plan_pages(snapshot, SETTINGS)
    documents = analyze_pages(pages, TermCache(None))
    expected = _lists(add_related_articles(pages, documents))
    (tmp_path / FILE_NAME).write_bytes(b"\x00not marshal at all")
    cache = RelatedCache(tmp_path)
    assert cache.state is None
    assert "related-articles cache" in caplog.text and FILE_NAME in caplog.text
    assert _lists(add_related_articles(pages, documents, cache)) == expected
    cache.save()
    # A cache made with another list length is not used for this one (and is not an error).
    shorter = _lists(add_related_articles(pages, documents, RelatedCache(tmp_path), limit=2))
    assert shorter == _lists(add_related_articles(pages, documents, limit=2))
    assert max(len(paths) for paths in shorter.values()) == 2
    # --full ignores the cache.
    assert RelatedCache(tmp_path, fresh=True).state is None


def test_incremental_builds_publish_what_a_clean_build_publishes(tmp_path: Path) -> None:
    """Through the whole build: after each edit, the site built on the last build's cache is
    byte for byte the one a build from an empty cache publishes (with the same URL and view
    history, which are the site's memory rather than a shortcut)."""
    rng = random.Random(7)
    snapshot = generate_snapshot(60, 8, seed=5)
    config = load_config(
        EXAMPLE_SITE, overrides={"out_dir": tmp_path / "site", "cache_dir": tmp_path / "cache"}, environ={}
    )
    build_site(config, snapshot=snapshot)
    seen_lists = [_published_lists(config.out_dir)]
    for step, edit in enumerate([_edit_content, _edit_tags, _move_category, _add, _delete, _views]):
        snapshot = edit(snapshot, rng)
        clean_cache = tmp_path / f"clean-cache-{step}"
        clean_cache.mkdir()
        if (config.cache_dir / "views.json").is_file():
            shutil.copy2(config.cache_dir / "views.json", clean_cache / "views.json")
        build_site(config, snapshot=snapshot)
        shutil.copy2(config.cache_dir / "redirects.json", clean_cache / "redirects.json")
        clean = replace(config, out_dir=tmp_path / f"clean-{step}", cache_dir=clean_cache)
        build_site(clean, snapshot=snapshot)
        assert tree_bytes(config.out_dir) == tree_bytes(clean.out_dir), edit.__name__
        seen_lists.append(_published_lists(config.out_dir))
    # The edits moved related lists on pages other than the edited ones' (the test can see it).
    assert sum(1 for before, after in zip(seen_lists, seen_lists[1:]) if before != after) >= 3


def _published_lists(site: Path) -> dict[str, list[str]]:
    return {page.parent.name: related_titles(page) for page in sorted((site / "articles").glob("*/index.html"))}


def _synthetic_site(rng: random.Random, count: int) -> dict[str, tuple[dict[str, int], frozenset[str], str | None, int]]:
    """path → (body term counts, tags, category, fallback rank): a small vocabulary, so
    articles share terms and tags often and every rule of the update is exercised."""
    return {f"articles/a{i:03}/": _synthetic_article(rng) for i in range(count)}


def _synthetic_article(rng: random.Random) -> tuple[dict[str, int], frozenset[str], str | None, int]:
    terms = {f"t{rng.randrange(40)}": rng.randint(1, 6) for _ in range(rng.randint(0, 14))}
    tags = frozenset(f"g{rng.randrange(10)}" for _ in range(rng.randint(0, 3)))
    return terms, tags, rng.choice(["c1", "c2", "c3", None]), rng.randrange(30)


def _synthetic_inputs(site: dict[str, tuple[dict[str, int], frozenset[str], str | None, int]]) -> tuple[list[Any], list[Any]]:
    from helpgen.search.terms import AnalyzedDocument

    articles = [related.RelatedInput(path, category, tags, rank) for path, (_, tags, category, rank) in site.items()]
    documents = [
        AnalyzedDocument("article", "", "", "", ("", path, "", "", ""), (("body", sum(terms.values()), terms),) if terms else ())
        for path, (terms, _, _, _) in site.items()
    ]
    documents.append(AnalyzedDocument("post", "", "", "", ("", "community/p/", "", "", ""), (("body", 9, {"t1": 4, "t2": 5}),)))
    return articles, documents


@pytest.mark.parametrize("seed", range(6))
def test_every_kind_of_edit_on_a_dense_site_gives_the_lists_of_a_clean_computation(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(related, "MAX_POSTING", 5)
    rng = random.Random(seed)
    site = _synthetic_site(rng, 36)
    articles, documents = _synthetic_inputs(site)
    state = related.update_related(articles, documents, None)
    kept = 0
    for step in range(120):
        paths = sorted(site)
        path = rng.choice(paths)
        terms, tags, category, rank = site[path]
        kind = rng.randrange(8)
        if kind == 0:  # content edit: one term more, less or reweighed
            terms = dict(terms)
            terms[f"t{rng.randrange(40)}"] = rng.randint(1, 6)
            if len(terms) > 1 and rng.random() < 0.5:
                del terms[rng.choice(sorted(terms))]
            site[path] = (terms, tags, category, rank)
        elif kind == 1:
            site[path] = (terms, frozenset(rng.sample([f"g{i}" for i in range(10)], rng.randint(0, 3))), category, rank)
        elif kind == 2:
            site[path] = (terms, tags, rng.choice(["c1", "c2", "c3", None]), rank)
        elif kind == 3:
            site[f"articles/n{step:03}/"] = _synthetic_article(rng)
        elif kind == 4 and len(site) > 10:
            del site[path]
        elif kind == 5:  # views moved: a new fallback rank
            site[path] = (terms, tags, category, rng.randrange(30))
        elif kind == 6:  # moved to another category, and its text changed with it
            terms = {**terms, f"t{rng.randrange(40)}": rng.randint(1, 6)}
            site[path] = (terms, tags, rng.choice(["c1", "c2", "c3", None]), rank)
        else:  # a post changed: document frequencies move, no article did
            documents[-1] = replace(documents[-1], fields=(("body", 5, {f"t{rng.randrange(40)}": 5}),))
        post = documents[-1]
        articles, documents = _synthetic_inputs(site)
        documents[-1] = post
        state = related.update_related(articles, documents, state)
        clean = related.update_related(articles, documents, None)
        assert {p: a.related for p, a in state.articles.items()} == {p: a.related for p, a in clean.articles.items()}, step
        assert state.articles == clean.articles, step
        kept += sum(1 for p, a in state.articles.items() if a.related)
    assert kept > 120 * 25  # most articles have a list


def test_a_list_the_category_filled_in_is_scored_again_when_a_candidate_arrives() -> None:
    """``a`` had one candidate (``b``), so the most viewed article of its category filled in
    above it; a new candidate ``z`` that ranks below ``b`` still changes the list (the fallback
    is no longer consulted)."""
    site = {
        "articles/a/": ({"y": 6, "x": 1}, frozenset(), "c1", 1),
        "articles/b/": ({"x": 7}, frozenset(), "c2", 0),
        "articles/h/": ({"q": 7}, frozenset(), "c1", 0),
    }
    # Posts keep the statistics still: 100 documents of 7 tokens, 19 of them with "x", so
    # adding one more article with "x" moves no bucket (df 21 → 22, N 103 → 104).
    posts = [({"x" if i < 19 else f"p{i}": 7}) for i in range(100)]

    def documents_of(site: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        from helpgen.search.terms import AnalyzedDocument

        articles, documents = _synthetic_inputs(site)
        documents = documents[:-1] + [
            AnalyzedDocument("post", "", "", "", ("", f"community/p{i}/", "", "", ""), (("body", 7, terms),))
            for i, terms in enumerate(posts)
        ]
        return articles, documents

    before = related.update_related(*documents_of(site), None, limit=2)
    assert before.articles["articles/a/"].related == ("articles/h/", "articles/b/")
    assert before.articles["articles/a/"].filled
    site["articles/z/"] = ({"x": 7}, frozenset(), "c3", 0)
    after = related.update_related(*documents_of(site), before, limit=2)
    assert after.articles["articles/a/"].terms == before.articles["articles/a/"].terms
    assert after.articles["articles/a/"].related == ("articles/b/", "articles/z/")
    assert after.articles == related.update_related(*documents_of(site), None, limit=2).articles


def test_an_edit_weighs_few_articles_terms_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-article edit moves the df bucket of some common terms, held by most articles;
    their top terms are chosen again from the last choice and the moved terms' weights, so
    only a few articles' whole term vectors are weighed (the lists stay those of a clean run)."""
    from helpgen.render.related_terms import RelatedWeights

    snapshot, terms = _built_site(tmp_path)
    weighed: list[str] = []
    vector = RelatedWeights.vector
    monkeypatch.setattr(RelatedWeights, "vector", lambda self, doc: weighed.append(doc.path) or vector(self, doc))
    for seed in (9, 11):
        weighed.clear()
        pages, _ = plan_pages(mutate(snapshot, 1 / 300, seed=seed), SETTINGS)
        documents = analyze_pages(pages, terms)
        cache = RelatedCache(tmp_path)
        state_before = cache.state
        lists = _lists(add_related_articles(pages, documents, cache))
        assert state_before is not None and cache.state is not None
        moved = cache.state.buckets != state_before.buckets
        assert moved, "the edit moved no bucket: the test shows nothing"
        assert 1 <= len(weighed) < 300 // 10, seed
        clean = RelatedCache(None)
        assert lists == _lists(add_related_articles(pages, documents, clean))
        assert cache.state.articles == clean.state.articles  # type: ignore[union-attr]
