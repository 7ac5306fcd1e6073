"""The benchmark corpus generator: deterministic, consistent, realistic, servable and buildable."""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import Snapshot, load_snapshot, save_snapshot
from helpgen.cstar import CommunityClient, LibraryClient
from helpgen.cstar._models import POST_STATUSES
from helpgen.render.paths import safe_segment
from helpgen.testing.cstar_server import CStarTestServer
from tests.benchmarks.corpus import CORPUS_END, category_count, generate_categories, generate_snapshot, main, mutate, write_corpus
from tests.conftest import REPO
from tests.htmltools import local_targets

ARTICLE_LINK = re.compile(r"\]\(/articles/([^)\s]+)\)")
WORD = re.compile(r"\S+")


@pytest.fixture(scope="module")
def corpus() -> Snapshot:
    """A site big enough for every feature to show up, small enough to generate in a blink."""
    return generate_snapshot(300, 120, seed=7)


def _digest(snapshot: Snapshot) -> str:
    return hashlib.sha256(json.dumps(snapshot.to_files(), sort_keys=True).encode()).hexdigest()


def test_same_seed_gives_the_same_site_in_any_process(tmp_path: Path) -> None:
    first = generate_snapshot(40, 25, seed=3)
    assert generate_snapshot(40, 25, seed=3) == first
    # Another interpreter with another hash seed: nothing may depend on set order or the clock.
    script = (
        "import hashlib, json; from tests.benchmarks.corpus import generate_snapshot; "
        "s = generate_snapshot(40, 25, seed=3); "
        "print(hashlib.sha256(json.dumps(s.to_files(), sort_keys=True).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _digest(first)


def test_another_seed_gives_another_site() -> None:
    a, b = generate_snapshot(40, 25, seed=3), generate_snapshot(40, 25, seed=4)
    assert [x.slug for x in a.articles] != [x.slug for x in b.articles]
    assert [x.content for x in a.articles] != [x.content for x in b.articles]
    assert [t.post.body for t in a.threads] != [t.post.body for t in b.threads]


def test_team_is_the_one_asked_for() -> None:
    assert generate_snapshot(10, 5).team == "bench"
    assert generate_snapshot(10, 5, team="acme").team == "acme"


@pytest.mark.parametrize(("articles", "categories"), [(0, 6), (10, 6), (1_500, 10), (9_000, 60), (30_000, 80)])
def test_category_count_follows_the_site_size(articles: int, categories: int) -> None:
    assert category_count(articles) == categories


def test_the_largest_category_set_has_distinct_names_and_slugs() -> None:
    categories = generate_categories(80, seed=1)
    assert len({c.slug for c in categories}) == len({c.name for c in categories}) == 80
    assert [c.sort_order for c in categories] == list(range(1, 81))


def test_library_counts_are_consistent(corpus: Snapshot) -> None:
    assert len(corpus.articles) == 300
    assert len(corpus.categories) == 6
    per_category = Counter(a.category_id for a in corpus.articles)
    for category in corpus.categories:
        assert category.article_count == per_category[category.id] > 0
        assert category.name and category.description and category.icon
        assert re.fullmatch(r"#[0-9a-f]{6}", category.color or "")
        assert category.created_at <= category.updated_at <= CORPUS_END
    assert corpus.stats.total_articles == 300
    assert corpus.stats.total_categories == 6
    assert corpus.stats.total_views == sum(a.view_count for a in corpus.articles)
    by_views = sorted(corpus.articles, key=lambda a: -a.view_count)[:10]
    assert [p.slug for p in corpus.popular] == [a.slug for a in by_views]
    assert all(p.content is None for p in corpus.popular)


def test_articles_are_listed_in_category_order_and_well_formed(corpus: Snapshot) -> None:
    order = {c.id: c.sort_order for c in corpus.categories}
    keys = [(order[a.category_id], a.published_at) for a in corpus.articles]
    assert keys == sorted(keys)
    assert len({a.slug for a in corpus.articles}) == len(corpus.articles)
    assert len({a.id for a in corpus.articles}) == len(corpus.articles)
    names = {c.id: (c.slug, c.name) for c in corpus.categories}
    for article in corpus.articles:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*-[a-z0-9]{8}", article.slug), article.slug
        assert (article.category_slug, article.category_name) == names[article.category_id]
        assert article.created_at <= article.published_at <= article.updated_at <= CORPUS_END
        assert article.title and article.excerpt and article.tags
        assert article.helpful_count <= article.view_count
        words = len(WORD.findall(article.content))
        assert article.read_time == f"{max(1, round(words / 200))} min"


def test_some_titles_look_alike(corpus: Snapshot) -> None:
    titles = Counter(a.title for a in corpus.articles)
    assert len(titles) < len(corpus.articles), "a few repeated titles, with different slugs"
    assert len(titles) > 0.9 * len(corpus.articles)


def test_article_lengths_are_long_tailed(corpus: Snapshot) -> None:
    lengths = sorted(len(WORD.findall(a.content)) for a in corpus.articles)
    assert 380 <= statistics.median(lengths) <= 650
    assert lengths[-1] > 4 * statistics.median(lengths)
    assert lengths[0] < statistics.median(lengths) / 3
    views = sorted(a.view_count for a in corpus.articles)
    assert views[-1] > 20 * statistics.median(views)


def test_bodies_use_every_markdown_feature(corpus: Snapshot) -> None:
    text = "\n".join(a.content for a in corpus.articles)
    for pattern in (
        r"^## ", r"^### ", r"^- ", r"^1\. ", r"^  - ", r"^   - ", r"^\| .* \|$", r"^\|---\|",
        r"^> \[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]$", r"!\[[^\]]+\]\(/media/", r"\*\*\w", r"(?<!\*)\*\w+\*(?!\*)",
        r"`[^`\n]+`",
    ):
        assert re.search(pattern, text, re.M), pattern
    languages = set(re.findall(r"^```(\w+)$", text, re.M))
    assert {"bash", "json", "python", "javascript"} <= languages


def test_words_are_real_and_zipf_like(corpus: Snapshot) -> None:
    from tests.benchmarks.vocabulary import ENGLISH_WORDS

    words = Counter(w.lower() for a in corpus.articles for w in re.findall(r"[A-Za-z]+", a.content))
    vocabulary = {w.lower() for w in ENGLISH_WORDS}
    assert len(vocabulary) >= 2_000
    ranked = [count for _, count in words.most_common()]
    assert ranked[0] > 20 * ranked[200], "a few words are everywhere, most are rare"
    assert words["invoices"] > 0 and words["password"] > 0 and words["export"] > 0


def test_every_internal_link_targets_an_existing_slug(corpus: Snapshot) -> None:
    slugs = {a.slug for a in corpus.articles}
    texts = [a.content for a in corpus.articles]
    texts += [t.post.body for t in corpus.threads] + [c.body for t in corpus.threads for c in t.comments]
    linked = [slug for text in texts for slug in ARTICLE_LINK.findall(text)]
    assert len(linked) > len(corpus.articles)
    assert set(linked) <= slugs


def test_community_is_consistent(corpus: Snapshot) -> None:
    threads = corpus.threads
    assert len(threads) == 120
    assert 5 <= len(corpus.topics) <= 7
    per_topic = Counter(t.post.topic_id for t in threads)
    topic_slugs = {t.id: t.slug for t in corpus.topics}
    for topic in corpus.topics:
        assert topic.post_count == per_topic[topic.id]
    created = [t.post.created_at for t in threads]
    assert created == sorted(created, reverse=True), "GET /posts?sort=recent order"
    assert {t.post.status for t in threads} == set(POST_STATUSES)
    assert len({t.post.slug for t in threads}) == len(threads)
    counts = [len(t.comments) for t in threads]
    assert max(counts) <= 30 and 1.5 <= statistics.mean(counts) <= 5
    for thread in threads:
        post = thread.post
        assert topic_slugs[post.topic_id] == post.topic_slug
        assert post.comment_count == len(thread.comments)
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", post.slug), post.slug
        times = [c.created_at for c in thread.comments]
        assert times == sorted(times), "comments oldest first"
        assert all(post.created_at <= t <= post.updated_at for t in times)
        if post.status == "officially_answered":
            assert any(c.is_official for c in thread.comments)
        if post.status == "answered":
            assert thread.comments
    assert any(t.post.is_pinned for t in threads) or any(t.post.is_locked for t in threads)
    assert any(c.is_official for t in threads for c in t.comments)


def test_community_speaks_several_languages() -> None:
    threads = generate_snapshot(20, 600, seed=5).threads
    bodies = " ".join(t.post.title + " " + t.post.body for t in threads)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", bodies), "Japanese"
    for word in ("Rechnung", "factura", "facture"):
        assert word in bodies
    assert sum(t.post.is_pinned for t in threads) >= 1
    assert sum(t.post.is_locked for t in threads) >= 1
    assert any("<" in t.post.body for t in threads), "some customers paste raw HTML"
    votes = sorted(t.post.vote_count for t in threads)
    assert votes[-1] > 10 * max(1, statistics.median(votes))


def test_saved_corpus_loads_back_identically(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "snap", 50, 30, seed=9)
    assert load_snapshot(folder) == generate_snapshot(50, 30, seed=9)
    again = write_corpus(tmp_path / "again", 50, 30, seed=9)
    for name in ("library/articles.json", "community/posts.json", "library/popular.json"):
        assert (folder / name).read_bytes() == (again / name).read_bytes()


def test_the_test_server_serves_it_through_the_real_clients(tmp_path: Path) -> None:
    snapshot = generate_snapshot(130, 120, seed=11)
    folder = save_snapshot(snapshot, tmp_path / "snap")
    with CStarTestServer(folder) as server, LibraryClient(snapshot.team, base_url=server.url) as library, \
            CommunityClient(snapshot.team, base_url=server.url) as community:
        assert library.categories() == list(snapshot.categories)
        summaries = list(library.iter_articles(page_size=100))
        assert summaries == [a.summary() for a in snapshot.articles]
        some = snapshot.articles[::37]
        assert [library.article(a.slug) for a in some] == list(some)
        assert library.popular_articles(10) == list(snapshot.popular)
        assert library.stats() == snapshot.stats
        assert community.topics() == list(snapshot.topics)
        assert list(community.iter_posts(sort="recent", page_size=100)) == [t.post for t in snapshot.threads]
        thread = max(snapshot.threads, key=lambda t: t.post.comment_count)
        assert community.post(thread.post.slug) == thread


def test_a_generated_site_of_60_articles_builds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    snapshot = generate_snapshot(60, 40, seed=2)
    save_snapshot(snapshot, site / "snapshot")
    out = tmp_path / "out"
    config = load_config(site, overrides={"out_dir": out, "snapshot_dir": site / "snapshot"}, environ={})
    report = build_site(config)
    assert report.articles == 60 and report.posts == 40
    for article in snapshot.articles:
        assert (out / "articles" / safe_segment(article.slug) / "index.html").is_file()
    for thread in snapshot.threads:
        assert (out / "community" / "posts" / safe_segment(thread.post.slug) / "index.html").is_file()
    broken = []
    for page in (out / "articles").rglob("index.html"):
        for href, target in local_targets(out, page):
            if "/media/" not in href and not target.is_file():  # images need not exist
                broken.append(f"{page.relative_to(out)}: {href}")
    assert broken == []


def test_mutate_edits_exactly_the_requested_articles(corpus: Snapshot) -> None:
    later = mutate(corpus, 0.1, seed=3)
    assert later == mutate(corpus, 0.1, seed=3)
    assert later != mutate(corpus, 0.1, seed=4)
    changed = [(old, new) for old, new in zip(corpus.articles, later.articles) if old != new]
    assert len(changed) == 30
    latest_before = max(a.updated_at for a in corpus.articles)
    for old, new in changed:
        assert (new.id, new.slug, new.title, new.category_id) == (old.id, old.slug, old.title, old.category_id)
        assert new.content != old.content
        assert new.updated_at > latest_before
        assert new.read_time == f"{max(1, round(len(WORD.findall(new.content)) / 200))} min"
        assert set(ARTICLE_LINK.findall(new.content)) <= {a.slug for a in corpus.articles}
    assert later.pulled_at > max(a.updated_at for a in later.articles)
    by_slug = {a.slug: a for a in later.articles}
    assert all(p == by_slug[p.slug].summary() for p in later.popular)
    assert (later.categories, later.threads, later.stats) == (corpus.categories, corpus.threads, corpus.stats)
    unchanged = mutate(corpus, 0.0)
    assert unchanged == replace(corpus, pulled_at=unchanged.pulled_at)
    assert sum(a != b for a, b in zip(corpus.articles, mutate(later, 0.01, seed=5).articles)) in range(30, 34)
    with pytest.raises(ValueError):
        mutate(corpus, 1.5)


def test_command_line_writes_a_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "out"), "--articles", "20", "--posts", "10", "--seed", "8"]) == 0
    assert "20 articles" in capsys.readouterr().out
    assert load_snapshot(tmp_path / "out") == generate_snapshot(20, 10, seed=8)
    with pytest.raises(SystemExit):
        main([str(tmp_path / "bad"), "--articles", "-1"])
