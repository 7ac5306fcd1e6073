"""Retired files: the spare's old versions are rewritten as new files instead of deleted, but
never while anyone has them open, never when something else links them, never shrunk.

Every test checks what is published against what a publish into a new tree gives, and the
inodes involved, which say whether a file was reused or made anew.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import helpgen.publish_retired as retired_module
from helpgen.publish import _MARKER_TEXT, MARKER_FILE, StagedSite
from tests.test_publish_spare import Site, site_places, tree

pytestmark = pytest.mark.skipif(not retired_module._LEASES, reason="file leases (Linux) are needed to reuse files")


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def publish(out: Path, files: Site, state: Path, *, batch: bool = False) -> StagedSite:
    """Publish ``files``: one ``write`` each, or (``batch``) one ``write_files`` call, which
    renames the spare's files that the batch drops to its new ones."""
    with StagedSite(out, state=state) as staged:
        if batch:
            staged.write_files(files, content_addressed=lambda path: path.startswith("search/"))
        else:
            for path, data in files.items():
                staged.write(path, data, content_addressed=path.startswith("search/"))
        staged.publish()
    return staged


def generation(g: int, n: int = 30) -> Site:
    """A site whose search files all get new names (and bytes) every generation, like an index
    whose terms changed, and whose home page changes in place."""
    files = {"index.html": b"home %d" % g, "about/index.html": b"about"}
    for i in range(n):
        files[f"search/p/{i}.{g}.json"] = b"[%d, %d]" % (i, g)
    return files


@pytest.mark.parametrize("batch", [False, True], ids=["write", "write_files"])
def test_old_versions_are_rewritten_as_new_files_instead_of_deleted(tmp_path: Path, batch: bool) -> None:
    out, state = site_places(tmp_path)
    seen: set[int] = set()
    for g in range(3):
        publish(out, generation(g), state, batch=batch)
        seen |= set(inodes(out).values())
    for g in range(3, 8):
        staged = publish(out, generation(g), state, batch=batch)
        assert tree(out) == {**generation(g), MARKER_FILE: _MARKER_TEXT}
        now = inodes(out)
        new = {now[p] for p in generation(g) if p.startswith("search/") or p == "index.html"}
        # Every file written is an inode of an earlier generation, none is new to the disk...
        assert new <= seen, g
        assert staged._retired is not None and staged._retired.reused >= len(new)
        # ...and never one the site published just before (the spare's own versions only).
        assert not new & set(inodes(state / "spare").values())
        seen |= set(now.values())
    # Nothing is left to delete: the trash stayed empty, the retired files did not pile up.
    assert sorted(p.name for p in out.parent.iterdir()) == ["cache", "site"]
    assert len(os.listdir(state / "retired")) <= (0 if batch else 31)  # a batch renames dropped files to new ones


def _builds_around_two_files(out: Path, state: Path, *, hold_open: bool) -> tuple[set[int], set[int]]:
    """Publish generations 0..6; returns the inodes of two files of generation 1 (held open
    from then on when ``hold_open``) and every inode published in generations 2..6."""
    publish(out, generation(0), state)
    publish(out, generation(1), state)
    reader = open(out / "search/p/7.1.json", "rb")  # noqa: SIM115 - held across the builds
    page = open(out / "index.html", "rb")  # noqa: SIM115
    held = {os.fstat(reader.fileno()).st_ino, os.fstat(page.fileno()).st_ino}
    if not hold_open:
        reader.close()
        page.close()
    published: set[int] = set()
    try:
        for g in range(2, 7):
            publish(out, generation(g), state)
            assert tree(out) == {**generation(g), MARKER_FILE: _MARKER_TEXT}
            published |= set(inodes(out).values())
        if hold_open:
            assert reader.read() == b"[7, 1]" and page.read() == b"home 1"
    finally:
        reader.close()
        page.close()
    return held, published


def test_a_file_someone_has_open_is_never_rewritten(tmp_path: Path) -> None:
    """A web server still sending a file of an old generation keeps getting its bytes."""
    held, published = _builds_around_two_files(tmp_path / "a" / "site", tmp_path / "a" / "cache", hold_open=True)
    assert not held & published
    # The same builds reuse those very files when nobody holds them (so the above could fail).
    held, published = _builds_around_two_files(tmp_path / "b" / "site", tmp_path / "b" / "cache", hold_open=False)
    assert held <= published


def test_a_retired_file_linked_elsewhere_is_left_alone(tmp_path: Path) -> None:
    out, state = site_places(tmp_path)
    publish(out, generation(0), state)
    publish(out, generation(1), state)
    publish(out, generation(2), state)  # the spare's own files retire: they are in "retired"
    publish(out, generation(3), state)
    keepsake = tmp_path / "keepsake"
    keepsake.mkdir()
    retired = sorted((state / "retired").iterdir())
    assert retired, "the previous builds retired files"
    for i, path in enumerate(retired):
        os.link(path, keepsake / str(i))  # someone else now links every retired file
    before = tree(keepsake)
    for g in range(4, 7):
        publish(out, generation(g), state)
        assert tree(out) == {**generation(g), MARKER_FILE: _MARKER_TEXT}
    assert tree(keepsake) == before


def test_a_retired_file_is_never_shrunk_into_fewer_blocks(tmp_path: Path) -> None:
    """Shrinking frees blocks (the cost reuse avoids): a big old file is not reused for a
    small new one, and stays retired for a file it fits."""
    out, state = site_places(tmp_path)
    big = b"x" * 200_000
    publish(out, {"a/index.html": big, "search/p/0.json": b"small"}, state)
    publish(out, {"a/index.html": big + b"1", "search/p/0.json": b"small"}, state)
    publish(out, {"a/index.html": b"tiny now", "search/p/0.json": b"small"}, state)  # the big one retires
    big_ones = {p.stat().st_ino for p in (state / "retired").iterdir() if p.stat().st_size >= 200_000}
    assert big_ones
    publish(out, {"a/index.html": b"tiny again", "search/p/1.json": b"small too"}, state)
    assert not big_ones & set(inodes(out).values())
    big_ones = {p.stat().st_ino for p in (state / "retired").iterdir() if p.stat().st_size >= 200_000}
    publish(out, {"a/index.html": b"tiny again", "b/index.html": b"y" * 200_000, "search/p/1.json": b"small too"}, state)
    assert tree(out)["b/index.html"] == b"y" * 200_000
    assert big_ones & {inodes(out)["b/index.html"]}  # a new file as big reuses it


def test_retired_files_beyond_the_limit_are_deleted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(retired_module, "KEEP_FILES", 5)
    out, state = site_places(tmp_path)
    publish(out, generation(0, n=40), state)
    publish(out, generation(1, n=40), state)
    publish(out, {"index.html": b"small site"}, state)  # the spare's 40 search files go
    publish(out, {"index.html": b"small site again"}, state)
    assert len(os.listdir(state / "retired")) <= 5
    assert tree(out) == {"index.html": b"small site again", MARKER_FILE: _MARKER_TEXT}


def test_things_planted_among_the_retired_files_are_never_published(tmp_path: Path) -> None:
    out, state = site_places(tmp_path)
    for g in range(3):
        publish(out, generation(g), state)
    retired = state / "retired"
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"do not touch")
    (retired / "1.99.1").symlink_to(secret)
    (retired / "1.99.2").mkdir()
    (retired / "1.99.3").write_bytes(b"planted")
    os.chmod(retired / "1.99.3", 0o600)
    for g in range(3, 8):
        publish(out, generation(g), state)
        assert tree(out) == {**generation(g), MARKER_FILE: _MARKER_TEXT}
    assert secret.read_bytes() == b"do not touch"
    assert all(stat_mode(out / p) == stat_mode(out / "about/index.html") for p in generation(7))


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_an_edit_undone_keeps_the_spares_own_file(tmp_path: Path) -> None:
    """The spare is the generation before the published one: when an edit is undone, its files
    already hold the bytes and are published as they are, not written again."""
    out, state = site_places(tmp_path)
    publish(out, generation(0), state)
    publish(out, generation(1), state)
    first = inodes(out)
    publish(out, generation(2), state)
    staged = publish(out, generation(1), state)  # back to generation 1
    assert tree(out) == {**generation(1), MARKER_FILE: _MARKER_TEXT}
    assert inodes(out) == first  # the very files of generation 1: no file written
    assert staged.files_written == len(generation(1)) - 1  # all but "about", as the report counts


def test_the_publishers_record_of_each_file_matches_the_published_file(tmp_path: Path) -> None:
    out, state = site_places(tmp_path)
    for g in range(4):
        staged = publish(out, generation(g), state)
        for path in generation(g):
            entry = staged.published_file(path)
            info = os.stat(out / path)
            assert entry is not None and entry[:3] == (info.st_ino, info.st_size, info.st_mtime_ns), (g, path)
        assert staged.published_file("missing.html") is None


def test_without_a_usable_folder_of_retired_files_files_are_made_and_deleted_as_before(tmp_path: Path) -> None:
    out, state = site_places(tmp_path)
    publish(out, generation(0), state)
    (state / "retired").write_bytes(b"not a folder")  # say, a cache on a read-only mount of it
    for g in range(1, 5):
        staged = publish(out, generation(g), state)
        assert staged._retired is None
        assert tree(out) == {**generation(g), MARKER_FILE: _MARKER_TEXT}
    assert (state / "retired").read_bytes() == b"not a folder"
