"""The export's fast encoders give the bytes of the plain ones, and the collector pause is undone.

Posting arrays and term entries are written with orjson when it is installed, and posting
file names are computed without ``base64``: both must be byte for byte what ``json`` and
``base64.b32encode`` give, or file names (content hashes) and the browser's reads would
differ between machines with and without orjson.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import os
import random
from pathlib import Path

import pytest

import helpgen.search.export as export
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import TermCache, analyze_pages, export_analyzed
from helpgen.search.export import IndexSettings, posting_tag, term_output
from helpgen.search.incremental import ExportCache, export_search
from tests.benchmarks.corpus import generate_snapshot


def test_posting_tags_are_the_lowercase_base32_of_the_sha256() -> None:
    rng = random.Random(7)
    samples = [b"", b"[]", b"[1,2]"] + [os.urandom(rng.randrange(1, 5000)) for _ in range(3000)]
    for data in samples:
        expected = base64.b32encode(hashlib.sha256(data).digest())[: export.TAG_LENGTH].decode("ascii").lower()
        assert posting_tag(data) == expected


@pytest.mark.skipif(export._orjson_dumps is None, reason="orjson is not installed: only json is used")
def test_term_outputs_with_orjson_are_the_bytes_of_json(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    settings = IndexSettings()
    cases = []
    for _ in range(300):
        doc_count = rng.choice([10, 500, 13_000, 2_000_000])
        df = min(doc_count, rng.choice([1, 5, settings.top, settings.top + 1, 300, 5_000]))
        docs = rng.sample(range(doc_count), df)
        cases.append(({doc: rng.randrange(1, 2**31 - 1) for doc in docs}, doc_count))
    fast = [term_output(postings, count, settings) for postings, count in cases]
    monkeypatch.setattr(export, "_orjson_dumps", None)
    plain = [term_output(postings, count, settings) for postings, count in cases]
    assert fast == plain
    assert any(len(output[2]) > 10 for output in fast)  # tiers and blocks were written too


@pytest.mark.skipif(export._orjson_dumps is None, reason="orjson is not installed: only json is used")
def test_an_export_with_orjson_is_the_export_without(monkeypatch: pytest.MonkeyPatch) -> None:
    pages, _ = plan_pages(generate_snapshot(150, 40, seed=21), SiteSettings(title="T"))
    analyzed = analyze_pages(pages, TermCache(None))
    fast = export_analyzed(analyzed).files
    monkeypatch.setattr(export, "_orjson_dumps", None)
    assert export_analyzed(analyzed).files == fast


@pytest.mark.parametrize("enabled", [True, False])
def test_the_search_stage_leaves_the_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    pages, _ = plan_pages(generate_snapshot(20, 5, seed=2), SiteSettings(title="T"))
    was_enabled = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        for _ in range(2):  # a full export, then one from the caches
            terms = TermCache(tmp_path / "terms")
            analyzed = analyze_pages(pages, terms)
            assert gc.isenabled() is enabled
            cache = ExportCache(tmp_path / "export")
            export_search(analyzed, cache, earlier_documents=terms.entries)
            assert gc.isenabled() is enabled
            terms.save()
            cache.save()
    finally:
        (gc.enable if was_enabled else gc.disable)()
