"""The incremental search export: after any sequence of edits, the same bytes as a clean export.

Each step changes the site the way a customer does (an article's text edited, added,
deleted, retitled, moved to another category; views and votes moving the usage multipliers),
runs the export the way a build does (term cache and export cache carried over from the
previous step) and compares every file with a clean export of the same documents.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import TermCache, analyze_pages, export_analyzed
from helpgen.search.export import INDEX_DIR
from helpgen.search.incremental import ExportCache, export_search
from helpgen.search.terms import DocumentScorer
from helpgen.search.usage import usage_multipliers
from tests.benchmarks.corpus import generate_snapshot

USAGE_BOOST = 0.2


def _pages(snapshot):
    pages, _ = plan_pages(snapshot, SiteSettings(title="T"))
    return pages


def _swap_words(text: str, rng: random.Random, donor: str) -> str:
    """``text`` with a few words replaced by words of ``donor`` (about the same length)."""
    words, donor_words = text.split(" "), donor.split(" ")
    for _ in range(rng.randint(1, 4)):
        words[rng.randrange(len(words))] = rng.choice(donor_words)
    return " ".join(words)


def _edit(snapshot, rng: random.Random, step: int):
    """One random customer edit of ``snapshot``; returns the new snapshot and what was done."""
    articles = list(snapshot.articles)
    index = rng.randrange(len(articles))
    article = articles[index]
    kind = rng.choice(["edit", "edit", "edit", "retitle", "views", "views", "add", "delete", "recategorise"])
    if kind == "edit":
        donor = articles[rng.randrange(len(articles))].content or "word"
        articles[index] = dataclasses.replace(article, content=_swap_words(article.content or "", rng, donor))
    elif kind == "retitle":
        articles[index] = dataclasses.replace(article, title=f"{article.title} renamed {rng.choice(['alpha', 'beta'])}")
    elif kind == "views":
        for changed in rng.sample(range(len(articles)), 3):
            a = articles[changed]
            articles[changed] = dataclasses.replace(
                a, view_count=a.view_count * rng.choice([1, 3, 10]) + rng.randint(0, 50), helpful_count=a.helpful_count + rng.randint(0, 9)
            )
    elif kind == "add":
        articles.insert(index, dataclasses.replace(article, id=f"new-{step}", slug=f"new-article-{step}", title=f"New {step} {article.title}"))
    elif kind == "delete":
        del articles[index]
    else:
        other = rng.choice([c for c in snapshot.categories if c.slug != article.category_slug])
        articles[index] = dataclasses.replace(article, category_id=other.id, category_slug=other.slug, category_name=other.name)
    return dataclasses.replace(snapshot, articles=tuple(articles)), kind


def _build_step(pages, cache_dir: Path):
    """The search part of a build: analysis with the term cache, export with the export cache."""
    term_cache = TermCache(cache_dir / "search-terms")
    analyzed = analyze_pages(pages, term_cache)
    export_cache = ExportCache(cache_dir / "search-export")
    index, scorer = export_search(
        analyzed, export_cache, earlier_documents=term_cache.entries, boosts=usage_multipliers(pages, USAGE_BOOST)
    )
    term_cache.save()
    export_cache.save()
    return analyzed, index, scorer, export_cache.updated


@pytest.mark.parametrize("seed, few_changes", [(1, 16), (2, 16), (3, 0)])
def test_random_edit_sequences_give_the_bytes_of_a_clean_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, few_changes: int
) -> None:
    import helpgen.search.incremental as incremental

    # few_changes = 0: the path of edits of many documents (postings sorted again) on each step.
    monkeypatch.setattr(incremental, "FEW_CHANGES", few_changes)
    rng = random.Random(seed)
    snapshot = generate_snapshot(150, 40, seed=seed)
    _build_step(_pages(snapshot), tmp_path)
    updates, kinds = 0, set()
    for step in range(14):
        snapshot, kind = _edit(snapshot, rng, step)
        pages = _pages(snapshot)
        analyzed, index, scorer, updated = _build_step(pages, tmp_path)
        clean = export_analyzed(analyzed, boosts=usage_multipliers(pages, USAGE_BOOST))
        assert index.files == clean.files, (step, kind)
        fresh = DocumentScorer(analyzed)
        assert scorer.doc_freq == fresh.doc_freq and scorer.stats.key == fresh.stats.key, (step, kind)
        updates += updated
        kinds.add(kind)
    # Not a test that passes by always exporting in full: most edits must update.
    assert updates >= 5 and {"edit", "views"} <= kinds


def test_an_edit_rewrites_only_the_files_of_its_terms(tmp_path: Path) -> None:
    snapshot = generate_snapshot(300, 60, seed=5)
    _, before, _, _ = _build_step(_pages(snapshot), tmp_path)
    articles = list(snapshot.articles)
    articles[7] = dataclasses.replace(articles[7], content=_swap_words(articles[7].content or "", random.Random(3), "zebrafish"))
    _, after, _, updated = _build_step(_pages(dataclasses.replace(snapshot, articles=tuple(articles))), tmp_path)
    assert updated
    new_names = set(after.files) - set(before.files)
    postings = [name for name in after.files if name.startswith(INDEX_DIR + "p/")]
    new_postings = [name for name in new_names if name.startswith(INDEX_DIR + "p/")]
    assert 0 < len(new_postings) < len(postings) / 4


def test_missing_or_damaged_export_cache_means_a_full_export(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    snapshot = generate_snapshot(40, 10, seed=6)
    pages = _pages(snapshot)
    _, first, _, updated = _build_step(pages, tmp_path)
    assert not updated
    _, again, _, updated = _build_step(pages, tmp_path)
    assert updated and again.files == first.files
    (tmp_path / "search-export" / ExportCache.FILE).write_bytes(b"\x00 not marshal")
    _, damaged, _, updated = _build_step(pages, tmp_path)
    assert not updated and damaged.files == first.files
    assert "damaged" in caplog.text
    (tmp_path / "search-export" / ExportCache.FILE).unlink()
    _, missing, _, updated = _build_step(pages, tmp_path)
    assert not updated and missing.files == first.files


def test_an_export_of_the_same_documents_does_not_write_the_state_again(tmp_path: Path) -> None:
    snapshot = generate_snapshot(40, 10, seed=8)
    _, first, _, _ = _build_step(_pages(snapshot), tmp_path)
    state = tmp_path / "search-export" / ExportCache.FILE
    written = state.stat()
    # A page that is not a search document changes nothing the export is made of.
    _, again, _, updated = _build_step(_pages(dataclasses.replace(snapshot, pulled_at="2031-01-01T00:00:00Z")), tmp_path)
    assert updated and again.files == first.files
    assert (state.stat().st_ino, state.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    articles = list(snapshot.articles)
    articles[3] = dataclasses.replace(articles[3], content=(articles[3].content or "") + " zebrafish")
    _, edited, _, updated = _build_step(_pages(dataclasses.replace(snapshot, articles=tuple(articles))), tmp_path)
    assert updated and edited.files != first.files
    assert state.stat().st_ino != written.st_ino  # an edit is saved (atomically: a new file)


def test_other_index_settings_mean_a_full_export(tmp_path: Path) -> None:
    from helpgen.search.export import IndexSettings

    pages = _pages(generate_snapshot(30, 5, seed=7))
    term_cache = TermCache(None)
    analyzed = analyze_pages(pages, term_cache)
    cache = ExportCache(tmp_path)
    export_search(analyzed, cache)
    cache.save()
    settings = IndexSettings(top=8)
    index, _ = export_search(analyzed, cache, settings=settings)
    assert not cache.updated
    assert index.files == export_analyzed(analyzed, settings).files


def test_a_terms_output_from_its_earlier_output_is_the_same_as_from_scratch() -> None:
    from array import array

    from helpgen.search.export import POSTING_BYTES, EarlierFiles, IndexSettings, RankedColumns, _tier_bounds, rank_key, term_output

    rng = random.Random(4)
    settings = IndexSettings()
    reused = tail_reused = 0
    for _ in range(300):
        doc_count = rng.choice([40, 500, 3000])
        docs = rng.sample(range(doc_count), rng.randint(1, doc_count // 2))
        before = {doc: rng.randint(1, 4000) for doc in docs}
        after = dict(before)
        for doc in rng.sample(docs, min(len(docs), rng.randint(1, 3))):  # scores move, documents go and come
            choice = rng.random()
            if choice < 0.6:
                after[doc] = rng.randint(1, 4000)
            elif choice < 0.8:
                del after[doc]
            else:
                after[rng.randrange(doc_count)] = rng.randint(1, 4000)
        if not after:
            continue
        earlier = term_output(before, doc_count, settings)
        changed = {doc for doc in set(before) | set(after) if before.get(doc) != after.get(doc)}
        keys = [(-scores[doc], doc) for scores in (before, after) for doc in changed if doc in scores]
        best, worst = (min(keys), max(keys)) if keys else (None, None)
        told = EarlierFiles(
            len(earlier[0]) // POSTING_BYTES,
            earlier[2],
            changes={doc: after.get(doc) for doc in changed},
            best_changed=(-best[0], best[1]) if best is not None else None,
        )
        scratch = term_output(after, doc_count, settings)
        assert term_output(after, doc_count, settings, told) == scratch
        # Told the worst changed posting too, the tiers after it are taken over: the same bytes,
        # and taken over indeed (an earlier file marked as such comes out where it must).
        told = dataclasses.replace(told, worst_changed=(-worst[0], worst[1]) if worst is not None else None)
        assert term_output(after, doc_count, settings, told) == scratch
        if worst is not None and len(before) == len(after) > settings.top:
            tiers = [(start, end) for start, end in _tier_bounds(len(after), settings)]
            after_worst = sum(1 for pair in after.items() if rank_key(pair) > worst)
            tail = [n for n, (start, _) in enumerate(tiers) if start >= len(after) - after_worst]
            marked = [(name, b"taken over") if n in tail else (name, data) for n, (name, data) in enumerate(earlier[2])]
            output = term_output(after, doc_count, settings, dataclasses.replace(told, files=marked))
            assert [data for _, data in output[2][: len(tiers)]].count(b"taken over") == len(tail)
            tail_reused += len(tail)
        best_first = sorted(after.items(), key=rank_key)
        columns = RankedColumns(array("i", [doc for doc, _ in best_first]), array("i", [score for _, score in best_first]))
        assert term_output(columns, doc_count, settings, told, ranked=True) == scratch
        # Told nothing about what changed, nothing is taken over: the same bytes.
        assert term_output(after, doc_count, settings, EarlierFiles(told.df, told.files)) == scratch
        reused += len(set(earlier[2]) & set(scratch[2]))
    assert reused > 300  # most files of a term with one posting changed are the same
    assert tail_reused > 10


def test_an_update_in_workers_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import helpgen.search.incremental as incremental

    monkeypatch.setattr(incremental, "MIN_UPDATE_POSTINGS_PER_WORKER", 1)
    rng = random.Random(9)
    snapshot = generate_snapshot(120, 30, seed=9)
    pages = _pages(snapshot)
    term_cache = TermCache(tmp_path / "terms")
    export_cache = ExportCache(tmp_path / "export")
    export_search(analyze_pages(pages, term_cache), export_cache, jobs=2)
    term_cache.save()
    export_cache.save()
    for step in range(3):
        articles = list(snapshot.articles)
        index = rng.randrange(len(articles))
        donor = articles[rng.randrange(len(articles))].content or "word"
        articles[index] = dataclasses.replace(articles[index], content=_swap_words(articles[index].content or "", rng, donor))
        snapshot = dataclasses.replace(snapshot, articles=tuple(articles))
        term_cache = TermCache(tmp_path / "terms")
        analyzed = analyze_pages(_pages(snapshot), term_cache)
        index_files, _ = export_search(analyzed, export_cache, earlier_documents=term_cache.entries, jobs=2)
        assert export_cache.updated
        assert index_files.files == export_analyzed(analyzed).files, step
        term_cache.save()
        export_cache.save()


def test_a_state_file_cut_short_or_with_a_wild_length_means_a_full_export(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pages = _pages(generate_snapshot(40, 10, seed=9))
    _, first, _, _ = _build_step(pages, tmp_path)
    state = tmp_path / "search-export" / ExportCache.FILE
    whole = state.read_bytes()
    for damaged in (whole[:5], whole[: len(whole) // 2], whole[:-1], whole + b"\x00", b"\xff" * 8 + whole[8:]):
        state.write_bytes(damaged)
        caplog.clear()
        assert ExportCache(state.parent).load() is None
        assert "damaged" in caplog.text
        state.write_bytes(damaged)
        _, again, _, updated = _build_step(pages, tmp_path)  # a full export, saved again whole
        assert not updated and again.files == first.files
        loaded = ExportCache(state.parent).load()
        assert loaded is not None and len(loaded.terms) == first.terms


def test_an_earlier_versions_state_file_is_ignored_and_removed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pages = _pages(generate_snapshot(30, 5, seed=10))
    _, first, _, _ = _build_step(pages, tmp_path)
    folder = tmp_path / "search-export"
    (folder / ExportCache.FILE).unlink()
    legacy = folder / ExportCache.LEGACY_FILE
    legacy.write_bytes(b"\x00 a format-2 state")
    caplog.clear()
    _, again, _, updated = _build_step(pages, tmp_path)
    assert not updated and again.files == first.files and "damaged" not in caplog.text
    assert not legacy.exists() and (folder / ExportCache.FILE).exists()
    assert _build_step(pages, tmp_path)[3]  # and the next build updates from the new file
