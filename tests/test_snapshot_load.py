"""Loading a snapshot folder: what the fast path (orjson, the digest hashed in a thread, the
cyclic collector paused) must not change: the models, the problems and errors reported, and
the content digest.

Each file is compared with a reading through Python's own ``json``; files orjson refuses
(``NaN``, ``Infinity``, lone surrogates) must load exactly as before.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpgen.content.snapshot import SnapshotError, load_snapshot
from helpgen.cstar._models import Article, Category, PostThread, Topic
from tests.conftest import EXAMPLE_SITE

_FILES = ("library/stats.json", "library/categories.json", "library/articles.json", "library/popular.json",
          "community/topics.json", "community/posts.json")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "snap"
    shutil.copytree(EXAMPLE_SITE / "snapshot", target)
    return target


def _with_stdlib(folder: Path) -> dict[str, Any]:
    """Each list file read with ``json`` and made into models, item by item."""
    parse = {"library/categories.json": Category.from_api, "library/articles.json": Article.from_api,
             "library/popular.json": Article.from_api, "community/topics.json": Topic.from_api,
             "community/posts.json": PostThread.from_api}
    out = {}
    for rel, make in parse.items():
        path = folder / rel
        raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        out[rel] = tuple(make(item) for item in raw if isinstance(item, dict))
    return out


def _loaded(snapshot: Any) -> dict[str, Any]:
    return {"library/categories.json": snapshot.categories, "library/articles.json": snapshot.articles,
            "library/popular.json": snapshot.popular, "community/topics.json": snapshot.topics,
            "community/posts.json": snapshot.threads}


def _problems(models: dict[str, Any]) -> dict[str, Any]:
    def of(item: Any) -> Any:
        if isinstance(item, PostThread):
            return (item.problems, item.post.problems, [c.problems for c in item.comments])
        return item.problems

    return {rel: [of(item) for item in items] for rel, items in models.items()}


def _expected_digest(folder: Path, team: str) -> str:
    """The documented recipe: every file's name, size and bytes, in load order (not pulledAt)."""
    hasher = hashlib.blake2b(f"helpgen-snapshot\0{1}\0{team}\0".encode(), digest_size=32)
    for rel in _FILES:
        path = folder / rel
        if path.is_file():
            data = path.read_bytes()
            hasher.update(f"{rel}\0{len(data)}\0".encode())
            hasher.update(data)
        else:
            hasher.update(f"{rel}\0missing\0".encode())
    return "files:" + hasher.hexdigest()


def test_the_example_loads_as_with_the_standard_library(folder: Path) -> None:
    snapshot = load_snapshot(folder)
    assert _loaded(snapshot) == _with_stdlib(folder)
    assert snapshot.content_digest() == _expected_digest(folder, snapshot.team)
    assert snapshot.problems == ()


def test_what_only_pythons_json_reads_still_loads_with_its_problems(folder: Path) -> None:
    articles_file = folder / "library/articles.json"
    articles = json.loads(articles_file.read_text(encoding="utf-8"))
    slug = articles[0]["slug"]
    # NaN, Infinity and a lone surrogate: valid for Python's json, refused by orjson.
    articles[0].update(slug=slug + "\ud800", viewCount=float("nan"), helpfulCount=float("inf"))
    articles_file.write_text(json.dumps(articles))  # ASCII: the surrogate as "\ud800"
    (folder / "community/topics.json").write_text('[{"id": "t", "name": "N", "slug": "t", "postCount": "7"}, 5]')

    snapshot = load_snapshot(folder)
    assert _loaded(snapshot) == _with_stdlib(folder)
    assert _problems(_loaded(snapshot)) == _problems(_with_stdlib(folder))
    first = snapshot.articles[0]
    assert first.slug == slug + "\ufffd" and (first.view_count, first.helpful_count) == (0, 0)
    assert len(first.problems) == 2
    assert snapshot.topics[0].problems == ("postCount: expected a number, got text ('7'); using 7",)
    assert snapshot.problems == (f"{folder / 'community/topics.json'}: item 2 is not an object (int); left out",)
    assert snapshot.content_digest() == _expected_digest(folder, snapshot.team)


def test_bad_files_are_named(folder: Path) -> None:
    (folder / "library/articles.json").write_text('[{"id": "a"}')
    with pytest.raises(SnapshotError, match=r"library/articles\.json: not valid JSON \(Expecting"):
        load_snapshot(folder)
    (folder / "library/articles.json").write_bytes(b'[{"id": "\xff"}]')
    with pytest.raises(SnapshotError, match=r"library/articles\.json: not valid JSON \(.*utf-8"):
        load_snapshot(folder)
    (folder / "library/articles.json").write_text('{"id": "a"}')
    with pytest.raises(SnapshotError, match=r"library/articles\.json: expected a JSON list, got dict"):
        load_snapshot(folder)
    (folder / "library/articles.json").unlink()
    with pytest.raises(SnapshotError, match=r"library/articles\.json: missing snapshot file"):
        load_snapshot(folder)


def test_loading_leaves_the_garbage_collector_as_it_was(folder: Path) -> None:
    assert gc.isenabled()
    load_snapshot(folder)
    assert gc.isenabled()
    (folder / "library/stats.json").write_text("[]")
    with pytest.raises(SnapshotError):
        load_snapshot(folder)
    assert gc.isenabled()
    gc.disable()
    try:
        (folder / "library/stats.json").write_text("{}")
        load_snapshot(folder)
        assert not gc.isenabled()
    finally:
        gc.enable()
