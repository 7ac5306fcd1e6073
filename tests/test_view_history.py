"""The view history file (``views.json`` in the cache): columnar, read by every build, written
only when the history changes, harmless when damaged, and still readable in its first format.

The trending figures themselves (``view_growth`` over builds) are in ``test_popularity.py``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpgen.content.view_history import (
    MAX_SAMPLES,
    SAMPLE_EVERY,
    ViewSample,
    load_view_history,
    record_sample,
    save_view_history,
)
from helpgen.render.popularity import view_growth


def _random_history(seed: int) -> tuple[ViewSample, ...]:
    """Up to MAX_SAMPLES samples, articles appearing and disappearing between them."""
    rnd = random.Random(seed)
    history: tuple[ViewSample, ...] = ()
    alive = {f"art_{i}": rnd.randrange(50) for i in range(rnd.randrange(1, 40))}
    at = 1_700_000_000.0
    for _ in range(rnd.randrange(1, MAX_SAMPLES + 5)):
        at += rnd.choice([600, SAMPLE_EVERY, SAMPLE_EVERY + 1234.5])
        alive = {k: v + rnd.randrange(0, 30) for k, v in alive.items() if rnd.random() > 0.05}
        alive.update({f"new_{at}_{i}": rnd.randrange(10) for i in range(rnd.randrange(3))})
        history = record_sample(history, ViewSample(at=at, views=dict(alive)))
    return history


def test_a_saved_history_loads_as_it_was_and_gives_the_same_trending(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    for seed in range(25):
        history = _random_history(seed)
        save_view_history(path, history)
        loaded = load_view_history(path)
        assert loaded == history, seed
        now = ViewSample(at=history[-1].at + 3600, views={k: v + 100 for k, v in history[-1].views.items()})
        assert view_growth(loaded, now) == view_growth(history, now)


def test_the_file_names_each_article_once(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    history = (ViewSample(at=1.0, views={"b": 2, "a": 1}), ViewSample(at=2.0, views={"a": 5, "c": 0}))
    save_view_history(path, history)
    assert json.loads(path.read_text()) == {
        "format": 2,
        "ids": ["a", "b", "c"],
        "samples": [{"at": 1.0, "views": [1, 2, None]}, {"at": 2.0, "views": [5, None, 0]}],
    }
    # Equal histories, equal files (whatever order the counts were added in).
    first = path.read_bytes()
    save_view_history(path, (ViewSample(at=1.0, views={"a": 1, "b": 2}), ViewSample(at=2.0, views={"c": 0, "a": 5})))
    assert path.read_bytes() == first


def test_a_build_that_adds_no_sample_changes_nothing() -> None:
    history = (ViewSample(at=0.0, views={"a": 1, "b": 2}), ViewSample(at=SAMPLE_EVERY, views={"a": 3, "b": 4}))
    # Ten minutes later: nothing to keep, nobody deleted -> the very same history (no save).
    assert record_sample(history, ViewSample(at=SAMPLE_EVERY + 600, views={"a": 9, "b": 9})) is history
    # An article deleted: it leaves every sample.
    pruned = record_sample(history, ViewSample(at=SAMPLE_EVERY + 600, views={"a": 9}))
    assert pruned == (ViewSample(at=0.0, views={"a": 1}), ViewSample(at=SAMPLE_EVERY, views={"a": 3}))


def test_damaged_entries_are_left_out_and_a_damaged_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    path.write_text(json.dumps({
        "format": 2,
        "ids": ["a", "b", "c", "d"],
        "samples": [
            {"at": 5, "views": [3, "9", True, -1]},  # only a's count is usable
            {"at": "x", "views": [1, 2, 3, 4]},  # no time: left out
            {"at": 7, "views": [1, 2]},  # counts do not match the ids: left out
            {"at": 6, "views": [4, None, 1, 2.5]},
            "nonsense",
        ],
    }))
    assert load_view_history(path) == (ViewSample(at=5.0, views={"a": 3}), ViewSample(at=6.0, views={"a": 4, "c": 1}))
    for damaged in ['{"format": 2, "ids": ["a", 5], "samples": [{"at": 1, "views": [1, 2]}]}',
                    '{"format": 2, "samples": [{"at": 1, "views": [1]}]}', '[1, 2]', '{"format": 2, "ids": [',
                    '\x00\xff garbage']:
        path.write_text(damaged, encoding="utf-8", errors="surrogateescape")
        assert load_view_history(path) == (), damaged
    path.unlink()
    assert load_view_history(path) == ()


def test_a_history_of_the_first_format_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    path.write_text(json.dumps({
        "format": 1,
        "samples": [{"at": 20, "views": {"a": 4, "b": 1}}, {"at": 10, "views": {"a": 3, "b": "9", "c": True}}],
    }))
    assert load_view_history(path) == (ViewSample(at=10.0, views={"a": 3}), ViewSample(at=20.0, views={"a": 4, "b": 1}))
    # The next save writes the columnar format, with the same samples.
    history = load_view_history(path)
    save_view_history(path, history)
    assert json.loads(path.read_text())["format"] == 2 and load_view_history(path) == history
