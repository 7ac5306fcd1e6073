"""Double-buffered publishing: the previous site kept as the spare and brought up to date.

Every test compares with what a publish without any state (a brand-new tree) gives for the
same files: the spare must never change *what* is published, only how much work it takes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpgen.publish import _MARKER_TEXT, MARKER_FILE, PublishError, StagedSite
from helpgen.workers import fork_pool

Site = dict[str, bytes]


def tree(root: Path) -> Site:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def folders(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def content_addressed(path: str) -> bool:
    return path.startswith("search/")


def publish(out: Path, files: Site, state: Path | None, keep: tuple[str, ...] = (), *, batch: bool = False) -> StagedSite:
    """Publish ``files`` (and carry ``keep`` over unchanged) as helpgen build does; with
    ``batch``, through one ``write_files`` call instead of a ``write`` per file."""
    with StagedSite(out, state=state) as staged:
        for path in keep:
            assert staged.keep(path), path
        if batch:
            counted: list[int] = []
            changed = staged.write_files(files, content_addressed=content_addressed, advance=counted.append)
            assert sum(counted) == len(files) and changed == staged.files_written
        else:
            for path, data in files.items():
                staged.write(path, data, content_addressed=content_addressed(path))
        staged.publish()
    return staged


def expected(files: Site) -> Site:
    """What a publish of ``files`` into a new, stateless folder gives."""
    return {**files, MARKER_FILE: _MARKER_TEXT}


def site(n: int, version: int = 0) -> Site:
    files = {"index.html": b"home %d" % version, "feed.xml": b"<feed %d/>" % version}
    for i in range(n):
        files[f"articles/a{i}/index.html"] = b"article %d" % i
        files[f"articles/a{i}.md"] = b"# article %d" % i
        files[f"search/t/{i}.json"] = b"[%d]" % i
    return files


def site_places(tmp_path: Path) -> tuple[Path, Path]:
    """``--out`` and the publish state folder of a build cache, in ``tmp_path``."""
    return tmp_path / "site", tmp_path / "cache" / "publish"


@pytest.fixture()
def places(tmp_path: Path) -> tuple[Path, Path]:
    return site_places(tmp_path)


def test_the_previous_site_becomes_the_spare_and_the_next_build_updates_it(places) -> None:
    out, state = places
    first = publish(out, site(20), state)
    assert first.spare == "none"
    assert tree(state / "spare") == tree(out)  # the first publish clones the site into the spare
    assert sorted(p.name for p in out.parent.iterdir()) == ["cache", "site"]  # nothing next to --out

    before = {p: os.lstat(out / p) for p in site(20)}
    second = site(20, version=1)
    del second["articles/a3/index.html"], second["articles/a3.md"]
    staged = publish(out, second, state)
    assert staged.spare == "recorded"
    assert tree(out) == expected(second)
    assert "articles/a3" not in folders(out)  # removed pages disappear, with their folders
    assert staged.files_written == 2 and staged.files_removed == 2
    for path in second:
        if path not in ("index.html", "feed.xml"):  # unchanged: the same inode, the same mtime
            now = os.lstat(out / path)
            assert (now.st_ino, now.st_mtime_ns) == (before[path].st_ino, before[path].st_mtime_ns)
    # The previous generation is now the spare, complete and untouched.
    assert tree(state / "spare") == expected(site(20))

    third = publish(out, site(20, version=2), state)
    assert third.spare == "recorded"
    assert tree(out) == expected(site(20, version=2))
    assert tree(state / "spare") == expected(second)


def test_a_changed_file_is_a_new_inode_never_an_edit_of_the_published_one(places) -> None:
    out, state = places
    publish(out, site(3), state)
    publish(out, site(3), state)  # now the spare shares every inode with the live site
    with open(out / "index.html", "rb") as live_file:
        publish(out, site(3, version=7), state)
        assert live_file.read() == b"home 0"  # the inode the server may still be sending
    assert (out / "index.html").read_bytes() == b"home 7"


def test_publish_cost_is_proportional_to_what_changed(places, monkeypatch) -> None:
    out, state = places
    files = site(300)
    publish(out, files, state)
    publish(out, files, state)
    calls: dict[str, int] = {}
    trees = (str(out) + "/", str(out.parent / ".site.staging-"), str(state / "spare"))  # count these only

    def counting(name: str):
        real = getattr(os, name)

        def call(*args, **kwargs):
            if args and str(args[0]).startswith(trees):
                calls[name] = calls.get(name, 0) + 1
            return real(*args, **kwargs)

        return call

    for name in ("link", "mkdir", "unlink", "open", "lstat", "scandir", "rmdir"):
        monkeypatch.setattr(os, name, counting(name))
    changed = dict(files)
    changed["articles/a7/index.html"] = b"edited"
    staged = publish(out, changed, state)
    monkeypatch.undo()
    assert staged.spare == "recorded"
    assert tree(out) == expected(changed)
    # 900 files: the one changed is written, nothing is linked again, no folder is made,
    # content-addressed files cost no call at all; the rest is about one lstat per folder
    # (checking the spare) and per other file (checking it is unmodified).
    assert calls.get("link", 0) == 0 and calls.get("mkdir", 0) == 0 and calls.get("scandir", 0) == 0
    assert calls.get("open", 0) <= 3
    tree_folders = 300 + 4  # articles/a*/, articles/, search/, search/t/ and the root
    other_files = 2 * 300 + 3  # pages, .md copies, home, feed, marker
    assert calls.get("lstat", 0) <= tree_folders + other_files + 10


@pytest.mark.parametrize(
    "damage",
    [
        "extra file in the spare",
        "extra folder in the spare",
        "spare file replaced",
        "spare file removed",
        "spare folder removed",
        "state missing",
        "state damaged",
        "state of another site",
        "spare is not a site",
    ],
)
def test_a_damaged_spare_or_record_is_repaired_and_never_published(places, damage: str) -> None:
    out, state = places
    files = site(10)
    publish(out, files, state)
    publish(out, site(10, version=1), state)  # the spare now holds generation 0
    spare = state / "spare"
    if damage == "extra file in the spare":
        (spare / "articles" / "a2" / "secret.html").write_bytes(b"planted")
    elif damage == "extra folder in the spare":
        (spare / "planted").mkdir()
        (spare / "planted" / "index.html").write_bytes(b"planted")
    elif damage == "spare file replaced":
        (spare / "articles" / "a4.md").unlink()
        (spare / "articles" / "a4.md").write_bytes(b"# article 4")  # same bytes, another inode
        (spare / "search" / "t" / "5.json").unlink()
        (spare / "search" / "t" / "5.json").write_bytes(b"[X]")
    elif damage == "spare file removed":
        (spare / "articles" / "a1" / "index.html").unlink()
    elif damage == "spare folder removed":
        for p in (spare / "articles" / "a6").iterdir():
            p.unlink()
        (spare / "articles" / "a6").rmdir()
    elif damage == "state missing":
        (state / "state.marshal").unlink()
        (spare / "stray.html").write_bytes(b"stray")
    elif damage == "state damaged":
        (state / "state.marshal").write_bytes(b"\x00garbage")
        (spare / "stray.html").write_bytes(b"stray")
    elif damage == "state of another site":
        other = out.parent / "other"
        publish(other, {"index.html": b"other"}, state)  # the cache now describes another --out
    elif damage == "spare is not a site":
        (spare / MARKER_FILE).unlink()
    staged = publish(out, files, state)
    assert tree(out) == expected(files)
    assert staged.spare in ("scanned", "none")
    assert not list(out.rglob("planted")) and not (out / "stray.html").exists()
    # Repaired: the next build trusts the record again (when the record of the live site
    # was lost too, the one after: the previous site had to be scanned once more).
    again = publish(out, site(10, version=2), state)
    assert tree(out) == expected(site(10, version=2))
    if damage.startswith("state") or damage == "spare is not a site":
        again = publish(out, site(10, version=3), state)
        assert tree(out) == expected(site(10, version=3))
    assert again.spare == "recorded"


def test_an_in_place_edit_of_the_published_site_is_not_carried_over(places) -> None:
    out, state = places
    files = site(5)
    publish(out, files, state)
    publish(out, files, state)  # the spare shares the inodes of the live site
    page, md = out / "articles" / "a2" / "index.html", out / "articles" / "a2.md"
    page.write_bytes(b"article X")  # same size, edited in place (the spare sees it too)
    md.write_bytes(b"# article X")
    os.utime(page, ns=(1, 1))
    with StagedSite(out, state=state) as staged:
        assert staged.keep("articles/a2/index.html") is False  # not the file that was published
        assert staged.keep("articles/a1/index.html") is True
        assert staged.write("articles/a2.md", b"# article 2") is True  # its hash no longer holds
        assert staged.write("articles/a3.md", b"# article 3") is False
        for path, data in files.items():
            if path not in staged.paths:
                staged.write(path, data, content_addressed=content_addressed(path))
        staged.publish()
    assert tree(out) == expected(files)


def test_a_failed_build_leaves_the_site_and_the_next_build_repairs_the_spare(places) -> None:
    out, state = places
    publish(out, site(10), state)
    publish(out, site(10, version=1), state)
    before = tree(out)
    with pytest.raises(RuntimeError):
        with StagedSite(out, state=state) as staged:
            assert staged.spare == "recorded"
            staged.write("index.html", b"half")
            staged.write("articles/a0.md", b"half")
            staged.write("new/page.html", b"half")
            raise RuntimeError("render failed")
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["cache", "site"]
    assert (state / "spare").is_dir()  # put back, for the next build to scan
    staged = publish(out, site(10, version=2), state)
    assert staged.spare == "scanned"
    assert tree(out) == expected(site(10, version=2))


_KILLED_BUILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from helpgen.publish import StagedSite
    staged = StagedSite(Path(sys.argv[1]), state=Path(sys.argv[2]))
    staged.write("index.html", b"half-written")
    staged.write("articles/a9/extra.html", b"half")
    print(staged.spare, flush=True)
    os.kill(os.getpid(), 9)
    """
)


def test_a_build_killed_mid_update_is_recovered_from(places) -> None:
    out, state = places
    publish(out, site(10), state)
    publish(out, site(10, version=1), state)
    before = tree(out)
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", _KILLED_BUILD, str(out), str(state)],
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL and result.stdout.strip() == "recorded"
    assert tree(out) == before
    assert [p for p in out.parent.iterdir() if ".staging-" in p.name]  # the killed run's tree
    staged = publish(out, site(10, version=2), state)
    assert staged.spare == "scanned"  # the leftover tree was adopted and scanned
    assert tree(out) == expected(site(10, version=2))
    assert sorted(p.name for p in out.parent.iterdir()) == ["cache", "site"]


_STAGED: StagedSite | None = None
_ROUND = [0]


def _render_in_worker(bounds: tuple[int, int]) -> set[str]:
    """What site_writer does in a worker: keep the unchanged pages, render the others."""
    assert _STAGED is not None
    before = set(_STAGED.paths)
    for i in range(*bounds):
        path = f"articles/a{i}/index.html"
        if i % 5 == _ROUND[0] or not _STAGED.keep(path):
            _STAGED.write(path, b"rendered %d in round %d" % (i, _ROUND[0]))
    return _STAGED.paths - before


def test_forked_workers_changes_reach_the_record(places) -> None:
    """Render workers write through their own copies; what they change must be recorded."""
    global _STAGED
    out, state = places
    publish(out, site(40), state)
    publish(out, site(40), state)
    want = expected(site(40))
    for round_ in range(3):
        _ROUND[0] = round_
        with StagedSite(out, state=state) as staged:
            _STAGED = staged
            try:
                with fork_pool(2) as pool:
                    for paths in pool.imap_unordered(_render_in_worker, [(0, 20), (20, 40)]):
                        staged.paths |= paths
            finally:
                _STAGED = None
            for path, data in site(40).items():
                if path not in staged.paths:
                    staged.write(path, data, content_addressed=content_addressed(path))
            staged.publish()
        assert staged.spare == "recorded"
        want.update({f"articles/a{i}/index.html": b"rendered %d in round %d" % (i, round_) for i in range(round_, 40, 5)})
        assert tree(out) == want
    # The records followed the workers: a build that keeps everything links nothing.
    stamps = {p: os.lstat(out / p).st_ino for p in want}
    with StagedSite(out, state=state) as staged:
        assert staged.spare == "recorded"
        for path in want:
            if path != MARKER_FILE:
                assert staged.keep(path), path
        staged.publish()
    assert tree(out) == want
    assert {p: os.lstat(out / p).st_ino for p in want} == stamps


def test_random_sequences_of_sites_publish_exactly_as_a_new_tree_would(tmp_path: Path) -> None:
    """Files appear, change, vanish, and turn into folders and back; with the spare or
    without, every publish gives the same tree, and unchanged files keep their mtime."""
    rng = random.Random(6)
    names = ["a", "a/b", "a/b/c.html", "a/d.html", "x/y/z.html", "x/y", "search/t/1.json", "search/t/2.json", "m.md"]
    out, state = tmp_path / "site", tmp_path / "cache" / "publish"
    for step in range(40):
        files: Site = {}
        for name in rng.sample(names, rng.randint(1, len(names))):
            if any(other.startswith(name + "/") or name.startswith(other + "/") for other in files):
                continue  # a path cannot be a file and a folder at once
            files[name] = rng.choice([b"1", b"22", b"333", name.encode()])
        before = tree(out) if out.exists() else {}
        stamps = {p: os.lstat(out / p).st_mtime_ns for p in before}
        staged = publish(out, files, state, batch=step % 2 == 1)
        assert tree(out) == expected(files), step
        reference = publish(tmp_path / f"ref{step}", files, None)
        assert folders(out) == folders(tmp_path / f"ref{step}"), step  # no empty folders left
        for path, data in files.items():
            if before.get(path) == data and not content_addressed(path):
                assert os.lstat(out / path).st_mtime_ns == stamps[path], (step, path)
        changed = {p for p, data in expected(files).items() if before.get(p) != data}
        assert staged.files_written == len(changed) and reference.files_written == len(files) + 1, step
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ref")) == ["cache", "site"]


def test_an_out_folder_replaced_during_the_build_is_not_published_over(places) -> None:
    out, state = places
    publish(out, site(3), state)
    publish(out, site(3), state)
    with StagedSite(out, state=state) as staged:
        staged.write("index.html", b"new")
        moved = out.parent / "moved-away"
        out.rename(moved)
        out.mkdir()
        (out / "thesis.tex").write_bytes(b"precious")
        with pytest.raises(PublishError, match="changed while the site was being built"):
            staged.publish()
    assert tree(out) == {"thesis.tex": b"precious"}
    assert tree(moved) == expected(site(3))


def test_files_only_the_spare_held_go_to_a_trash_deleted_in_the_background(places, monkeypatch) -> None:
    """Unlinking the last link to a file costs ~1 ms on ext4: such files are kept for reuse
    (helpgen.publish_retired) and those beyond the limit are moved aside and deleted after the
    switch, off the build's path; links to published files are unlinked."""
    import time

    import helpgen.publish as publish_module
    import helpgen.publish_retired as retired_module

    monkeypatch.setattr(publish_module, "_SMALL_TRASH", 3)
    monkeypatch.setattr(retired_module, "KEEP_FILES", 4)
    out, state = places
    renamed = lambda v: {f"search/t/{i}.{v}.json": b"[%d %d]" % (i, v) for i in range(10)}  # noqa: E731
    for version in range(4):  # every build renames all ten index files, as a changed index does
        publish(out, {"index.html": b"home", **renamed(version)}, state)
        assert tree(out) == expected({"index.html": b"home", **renamed(version)})
    deadline = time.monotonic() + 10
    while len(list(out.parent.iterdir())) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in out.parent.iterdir()) == ["cache", "site"]
    assert tree(state / "spare") == expected({"index.html": b"home", **renamed(2)})
    assert not (state / "retired").exists() or len(os.listdir(state / "retired")) <= 4
