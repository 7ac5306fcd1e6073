"""Files replaced atomically: the old file or the new one, never a part, and nothing left over."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpgen.atomic import atomic_file, write_atomic


def test_a_file_is_replaced_whole_and_its_folder_made(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    write_atomic(target, "first é")
    write_atomic(target, b"\x00second")
    assert target.read_bytes() == b"\x00second"
    write_atomic(target, "\udcff", errors="surrogatepass")
    assert target.read_bytes() == "\udcff".encode("utf-8", "surrogatepass")
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.json"]


def test_a_failure_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.marshal"
    write_atomic(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_file(target, "wb") as fh:
            fh.write(b"half of the new")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.marshal"]
