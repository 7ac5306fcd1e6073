"""Search indexing without Whoosh's writer: analysed documents, their cache, and BM25F scores
equal to Whoosh's own, to the last bit."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import TermCache, analyze_pages, search_documents
from helpgen.search._whoosh import build_whoosh_index, term_scores
from helpgen.search.documents import SearchDocument
from helpgen.search.export import order_documents
from helpgen.search.terms import analyze_document, postings
from tests.benchmarks.corpus import generate_snapshot, mutate
from tests.conftest import EXAMPLE_SITE


def _pages(snapshot):
    pages, _ = plan_pages(snapshot, SiteSettings(title="T"))
    return pages


def _assert_scores_are_whooshs(documents: list[SearchDocument]) -> int:
    ordered = order_documents(documents)
    whoosh = dict(term_scores(build_whoosh_index(doc.fields for doc in ordered)))
    ours, _ = postings([analyze_document(doc) for doc in ordered])
    assert set(ours) == set(whoosh)
    for term, scores in whoosh.items():
        assert ours[term] == scores, term  # floats compared exactly, not approximately
    return len(whoosh)


def test_scores_equal_whooshs_on_the_example_site() -> None:
    snapshot = load_snapshot(load_config(EXAMPLE_SITE, environ={}).snapshot_dir)
    assert _assert_scores_are_whooshs(search_documents(_pages(snapshot))) > 500


def test_scores_equal_whooshs_on_a_generated_corpus_with_long_documents() -> None:
    # Long bodies exercise Whoosh's one-byte field lengths (lossy above a few dozen tokens).
    snapshot = generate_snapshot(120, 40, seed=11)
    assert _assert_scores_are_whooshs(search_documents(_pages(snapshot))) > 1000


def test_scores_equal_whooshs_with_empty_fields_and_term_only_in_one_field() -> None:
    def doc(n: int, **fields: str) -> SearchDocument:
        return SearchDocument("article", f"articles/{n}/", fields.get("title", ""), "", "", "", "", "", fields)

    documents = [
        doc(0, title="Reset password", body=""),
        doc(1, title="", body="password password password reset"),
        doc(2, title="Billing", tags="invoice", body="the a of"),
        doc(3, title="Invoice invoice", excerpt="Invoices, billing", category="Billing"),
    ]
    assert _assert_scores_are_whooshs(documents) >= 4


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown search fields"):
        analyze_document(SearchDocument("article", "a/", "t", "", "", "", "", "", {"titel": "x"}))


def test_only_changed_documents_are_analysed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = generate_snapshot(30, 10, seed=3)
    cache_file = tmp_path / "terms"
    cache = TermCache(cache_file)
    first = analyze_pages(_pages(snapshot), cache, jobs=1)
    cache.save()
    assert len(TermCache(cache_file).entries) == 40

    import helpgen.search.terms as terms

    analysed: list[str] = []
    real = terms.search_document
    monkeypatch.setattr(terms, "search_document", lambda page: analysed.append(page.path) or real(page))
    changed = mutate(snapshot, 1 / 30)
    edited = [n for n, (a, b) in enumerate(zip(snapshot.articles, changed.articles)) if a != b]
    again = analyze_pages(_pages(changed), TermCache(cache_file), jobs=1)
    assert len(edited) == 1 and analysed == [first[edited[0]].path]
    assert again[edited[0]].fields != first[edited[0]].fields
    assert [d for i, d in enumerate(again) if i not in edited] == [d for i, d in enumerate(first) if i not in edited]


def test_parallel_analysis_equals_serial(tmp_path: Path) -> None:
    pages = _pages(generate_snapshot(260, 60, seed=5))
    serial = analyze_pages(pages, TermCache(None), jobs=1)
    parallel = analyze_pages(pages, TermCache(None), jobs=2)
    assert parallel == serial


def test_damaged_cache_is_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache_file = tmp_path / "terms"
    cache = TermCache(cache_file)
    analyze_pages(_pages(generate_snapshot(5, 2, seed=1)), cache)
    cache.save()
    shards = sorted(cache_file.iterdir())
    shards[0].write_bytes(b"\x00not marshal at all")
    cache = TermCache(cache_file)
    assert 0 < len(cache.entries) < 7
    assert "damaged" in caplog.text
    snapshot = generate_snapshot(5, 2, seed=1)
    analyze_pages(_pages(snapshot), cache)
    cache.save()
    assert len(TermCache(cache_file).entries) == 7


def test_cache_keeps_only_what_the_last_build_used(tmp_path: Path) -> None:
    cache_file = tmp_path / "terms"
    cache = TermCache(cache_file)
    analyze_pages(_pages(generate_snapshot(10, 0, seed=1)), cache)
    cache.save()
    cache = TermCache(cache_file)
    analyze_pages(_pages(generate_snapshot(3, 0, seed=2)), cache)
    cache.save()
    assert len(TermCache(cache_file).entries) == 3


def test_a_build_reuses_the_analysis_and_equals_a_clean_build(tmp_path: Path) -> None:
    config_dir = tmp_path / "site"
    config_dir.mkdir()
    snapshot = generate_snapshot(40, 10, seed=4)
    outs = []
    for name in ("a", "b"):
        config = load_config(config_dir, environ={}, overrides={"out_dir": str(tmp_path / f"out-{name}"), "cache_dir": str(tmp_path / "cache")})
        build_site(config, snapshot=snapshot, full=True, jobs=1)
        outs.append({p.relative_to(tmp_path / f"out-{name}"): p.read_bytes() for p in (tmp_path / f"out-{name}" / "search").rglob("*") if p.is_file()})
    assert len(list((tmp_path / "cache" / "search-terms").glob("*.marshal"))) > 1
    assert outs[0] == outs[1]


def test_export_in_workers_is_byte_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    import helpgen.search.export as export

    analyzed = analyze_pages(_pages(generate_snapshot(150, 40, seed=8)), TermCache(None))
    serial = export.export_analyzed(analyzed, jobs=1)
    monkeypatch.setattr(export, "MIN_POSTINGS_PER_WORKER", 1)
    parallel = export.export_analyzed(analyzed, jobs=3)
    assert parallel.files == serial.files and len(serial.files) > 100


def test_a_shared_scorer_gives_the_same_scores_in_any_document_order() -> None:
    from helpgen.search.terms import DocumentScorer

    analyzed = analyze_pages(_pages(generate_snapshot(40, 10, seed=12)), TermCache(None))
    shared = DocumentScorer(list(reversed(analyzed)))
    assert postings(analyzed, shared)[0] == postings(analyzed)[0]
    fresh = DocumentScorer(analyzed)
    assert [shared.scores(doc) for doc in analyzed] == [fresh.scores(doc) for doc in analyzed]


def test_a_terms_scores_in_many_documents_are_its_scores_one_by_one() -> None:
    from helpgen.search.terms import DocumentScorer

    analyzed = analyze_pages(_pages(generate_snapshot(40, 10, seed=13)), TermCache(None))
    scorer = DocumentScorer(analyzed)
    terms = sorted({term for doc in analyzed for _, _, counts in doc.fields for term in counts})
    for term in terms[::7]:
        assert DocumentScorer(analyzed).term_scores(analyzed, term) == [scorer.score(doc, term) for doc in analyzed]
    assert any(score is None for score in scorer.term_scores(analyzed, terms[0]))  # a document without the term


def test_cached_documents_share_their_term_strings_and_old_cache_files_are_upgraded(tmp_path: Path) -> None:
    import marshal

    import helpgen.search.terms as terms

    cache_file = tmp_path / "terms"
    cache = TermCache(cache_file)
    first = analyze_pages(_pages(generate_snapshot(30, 0, seed=2)), cache)
    cache.save()
    loaded = TermCache(cache_file)
    # The same term in two documents is one object once read back (memory and load time).
    seen: dict[str, str] = {}
    shared = 0
    for value in loaded.entries.values():
        for _, _, counts in value[5]:
            for term in counts:
                shared += term in seen and seen[term] is term
                seen.setdefault(term, term)
    assert shared > 100
    # A file written before (no marker) is read as it is, and written again with the marker.
    shard = sorted(cache_file.glob("*.marshal"))[0]
    version, part, _ = marshal.loads(shard.read_bytes())
    shard.write_bytes(marshal.dumps((version, part)))
    old = TermCache(cache_file)
    assert analyze_pages(_pages(generate_snapshot(30, 0, seed=2)), old) == first
    old.save()
    assert marshal.loads(shard.read_bytes())[2:] == (terms._SHARED_TERMS,)


def test_the_whoosh_reference_rounds_the_statistics_as_the_export_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # With Whoosh's stock BM25F (exact average lengths and frequencies) the scores differ:
    # the agreement above holds because both sides round, not because rounding is a no-op.
    import whoosh.scoring

    import helpgen.search._whoosh as whoosh_module

    snapshot = generate_snapshot(150, 0, seed=21)
    ordered = order_documents(search_documents(_pages(snapshot)))
    index = build_whoosh_index(doc.fields for doc in ordered)
    ours, _ = postings([analyze_document(doc) for doc in ordered])
    assert dict(term_scores(index)) == ours
    monkeypatch.setattr(whoosh_module, "_BM25F", whoosh.scoring.BM25F(B=0.75, K1=1.2))
    stock = dict(term_scores(index))
    assert sum(stock[term] != ours[term] for term in ours) > len(ours) / 2
