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


def test_a_big_previous_site_is_removed_in_the_background(tmp_path: Path, monkeypatch) -> None:
    import time

    import helpgen.publish as publish

    monkeypatch.setattr(publish, "BACKGROUND_REMOVAL_FILES", 3)
    out = tmp_path / "site"
    for version in (b"one", b"two"):
        with StagedSite(out) as staged:
            for n in range(5):
                staged.write(f"p{n}/index.html", version + bytes([n]))
            staged.publish()
    assert (out / "p0" / "index.html").read_bytes() == b"two\x00"
    deadline = time.monotonic() + 10
    while [p for p in tmp_path.iterdir() if p.name != "site"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_content_addressed_file_of_the_same_name_and_size_is_kept_unread(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with StagedSite(out) as staged:
        staged.write("search/t/0.abc.json", b"first")
        staged.write("search/manifest.json", b"one")
        staged.publish()
    before = (out / "search/t/0.abc.json").stat()
    with StagedSite(out) as staged:
        # Same name and size: carried over as published (the name promises the content).
        assert staged.write("search/t/0.abc.json", b"FIRST", content_addressed=True) is False
        # Without the promise, the bytes are compared.
        assert staged.write("search/manifest.json", b"two") is True
        staged.publish()
    assert (out / "search/t/0.abc.json").read_bytes() == b"first"
    assert (out / "search/t/0.abc.json").stat().st_ino == before.st_ino
    assert (out / "search/manifest.json").read_bytes() == b"two"
