"""Publishing: staged writes, one atomic switch, the old site kept on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpgen.publish import MARKER_FILE, PublishError, StagedSite


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def publish(out: Path, files: dict[str, bytes]) -> None:
    with StagedSite(out) as staged:
        for path, data in files.items():
            staged.write(path, data)
        staged.publish()


def test_first_publish_creates_out_with_marker(tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish(out, {"index.html": b"one"})
    assert tree(out)["index.html"] == b"one"
    assert (out / MARKER_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging left behind


def test_republish_replaces_whole_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish(out, {"index.html": b"one", "old/index.html": b"gone soon"})
    publish(out, {"index.html": b"two"})
    files = tree(out)
    assert files["index.html"] == b"two"
    assert "old/index.html" not in files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_failure_before_publish_leaves_previous_site_identical(tmp_path: Path) -> None:
    out = tmp_path / "site"
    publish(out, {"index.html": b"good", "a/b.html": b"kept"})
    before = tree(out)
    with pytest.raises(RuntimeError):
        with StagedSite(out) as staged:
            staged.write("index.html", b"half")
            raise RuntimeError("render failed")
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_refuses_a_non_empty_folder_it_did_not_build(tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(PublishError, match="not built by helpgen"):
        StagedSite(out)
    assert (out / "thesis.tex").read_text() == "precious"


def test_empty_existing_folder_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    publish(out, {"index.html": b"x"})
    assert tree(out)["index.html"] == b"x"


def test_writes_outside_the_site_are_refused(tmp_path: Path) -> None:
    with StagedSite(tmp_path / "site") as staged:
        for bad in ["../escape.html", "/etc/passwd", "a/../../x"]:
            with pytest.raises(PublishError, match="outside the output folder"):
                staged.write(bad, b"x")
    assert not (tmp_path / "escape.html").exists()


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above the default pid_max: never a live process
    leftover = tmp_path / f".site.staging-{dead_pid}-abc123"
    leftover.mkdir()
    (leftover / "index.html").write_text("half")
    publish(tmp_path / "site", {"index.html": b"x"})
    assert not leftover.exists()


def test_a_live_process_staging_folder_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f".site.staging-{os.getppid()}-abc123"
    live.mkdir()
    publish(tmp_path / "site", {"index.html": b"x"})
    assert live.exists()
