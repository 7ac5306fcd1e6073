"""The snapshot's content digest: what the no-change build compares to skip all work.

A loaded snapshot hashes the bytes of its files as they are read (no second pass over the
content); a snapshot made or changed in memory hashes its canonical JSON. Either way a change
to anything a page shows must change the digest, and ``pulledAt`` (shown nowhere) must not.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot


def _copy(example_snapshot, folder: Path) -> Path:
    return save_snapshot(example_snapshot, folder)


def test_loaded_digest_ignores_pulled_at_but_not_content(example_snapshot, tmp_path: Path) -> None:
    folder = _copy(example_snapshot, tmp_path / "snap")
    first = load_snapshot(folder)
    assert first.source_digest is not None and first.content_digest() == first.source_digest

    meta = json.loads((folder / "snapshot.json").read_text())
    meta["pulledAt"] = "2031-01-01T00:00:00Z"
    (folder / "snapshot.json").write_text(json.dumps(meta))
    assert load_snapshot(folder).content_digest() == first.content_digest()

    articles = json.loads((folder / "library/articles.json").read_text())
    articles[0]["content"] += "\n\nOne more sentence."
    (folder / "library/articles.json").write_text(json.dumps(articles))
    assert load_snapshot(folder).content_digest() != first.content_digest()


def test_every_file_counts(example_snapshot, tmp_path: Path) -> None:
    folder = _copy(example_snapshot, tmp_path / "snap")
    before = load_snapshot(folder).content_digest()
    for rel in ("library/categories.json", "library/popular.json", "library/stats.json",
                "community/topics.json", "community/posts.json"):
        path = folder / rel
        original = path.read_bytes()
        path.write_bytes(original.rstrip() + b" \n\n")  # same JSON, other bytes: a (harmless) change
        assert load_snapshot(folder).content_digest() != before, rel
        path.write_bytes(original)
    assert load_snapshot(folder).content_digest() == before


def test_a_snapshot_changed_in_memory_never_keeps_the_file_digest(example_snapshot, tmp_path: Path) -> None:
    loaded = load_snapshot(_copy(example_snapshot, tmp_path / "snap"))
    article = loaded.articles[0]
    changed = replace(loaded, articles=(replace(article, title=article.title + " (new)"), *loaded.articles[1:]))
    assert changed.source_digest is None
    assert changed.content_digest() != loaded.content_digest()
    same = replace(loaded, pulled_at="2031-01-01T00:00:00Z")
    assert same.content_digest() == replace(loaded, pulled_at=None).content_digest()


def test_an_edited_snapshot_file_is_rebuilt_and_an_unchanged_one_is_not(example_copy: Path, tmp_path: Path) -> None:
    config = load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={})
    build_site(config)
    assert build_site(config).pages_rendered == 0

    articles_file = example_copy / "snapshot/library/articles.json"
    articles = json.loads(articles_file.read_text())
    articles[0]["content"] += "\n\nA sentence only the new build has."
    articles_file.write_text(json.dumps(articles))
    report = build_site(config)
    assert report.pages_rendered > 0
    page = (tmp_path / "out" / "articles" / articles[0]["slug"] / "index.html").read_text()
    assert "A sentence only the new build has." in page
