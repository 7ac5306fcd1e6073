"""What the two site trees of double-buffered publishing hold, remembered between builds.

:class:`PublishState` is saved in the build cache (``CACHE/publish/state.marshal``) after each
publish: for the published tree (``--out``) and for the spare (the previous generation, kept
for the next build to update), every file's inode, size, mtime and, where known, a hash of
its bytes, and every folder's inode and ctime. A folder's ctime moves whenever an entry in it
is added, removed or renamed (and nobody can set it back), so comparing folder records is a
cheap check that nobody touched a tree. See :mod:`helpgen.publish` for how they are used.

Also here: the journal forked render workers keep of what they changed in the spare (the
parent cannot see their memory), and a scan of a tree whose record is missing or stale.
"""

from __future__ import annotations

import json
import marshal
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from helpgen.atomic import write_atomic

__all__ = ["FileEntry", "FolderEntry", "TreeRecord", "PublishState", "Journal", "scan_tree", "UNKNOWN"]

STATE_VERSION = 1

FileEntry = tuple[int, int, int, "bytes | None"]
"""One file: (inode, size, mtime_ns, 16-byte blake2b of its bytes or None when not known).
Plain tuples: a 10,000-article site has 76,000 of them, loaded and saved on every build."""

FolderEntry = tuple[int, int]
"""One folder: (inode, ctime_ns)."""

UNKNOWN = -1
"""Size and mtime of a file found by a scan whose inode is not the published one."""


@dataclass
class TreeRecord:
    """One tree: its root folder's identity, its files and its folders, by site path
    (``""`` is the root folder)."""

    root: FolderEntry
    files: dict[str, FileEntry]
    folders: dict[str, FolderEntry]

    def to_marshal(self) -> tuple[Any, ...]:
        return (self.root, self.files, self.folders)

    @classmethod
    def from_marshal(cls, value: Any) -> "TreeRecord":
        root, files, folders = value
        if not (isinstance(files, dict) and isinstance(folders, dict) and len(root) == 2):
            raise ValueError("malformed tree record")
        return cls(root=(int(root[0]), int(root[1])), files=files, folders=folders)


@dataclass
class PublishState:
    """What the last publish into ``out_dir`` left: the live tree and, if any, the spare."""

    out_dir: str
    live: TreeRecord
    spare: TreeRecord | None

    @classmethod
    def load(cls, path: Path) -> "PublishState | None":
        """The state saved at ``path``; None when missing, damaged or of another version."""
        try:
            raw = marshal.loads(path.read_bytes())
            version, out_dir, live, spare = raw
            if version != STATE_VERSION or not isinstance(out_dir, str):
                return None
            return cls(
                out_dir=out_dir,
                live=TreeRecord.from_marshal(live),
                spare=None if spare is None else TreeRecord.from_marshal(spare),
            )
        except (OSError, ValueError, TypeError, EOFError, IndexError):
            return None

    def save(self, path: Path) -> None:
        """Write the state atomically (a temporary file, then a rename)."""
        spare = None if self.spare is None else self.spare.to_marshal()
        data = marshal.dumps((STATE_VERSION, self.out_dir, self.live.to_marshal(), spare))
        write_atomic(path, data)


class Journal:
    """Changes a forked worker made to the tree being staged, one JSON line each, in
    ``folder/<pid>``; the parent reads them all back before publishing.

    Lines are ``["f", path, inode, size, mtime_ns, hash hex or null]`` (a file put in place),
    ``["d", folder]`` (a folder created) and ``["x", path]`` (a file or folder removed).
    Each line is appended with one ``write`` so a worker killed mid-way leaves at most one
    torn last line (and a failed build, which trusts no journal).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._pid = 0

    def clear(self) -> None:
        """Drop every journal file (left by an earlier, failed build, or merged)."""
        self._fd = None
        if self.folder.is_dir():
            for entry in os.scandir(self.folder):
                os.unlink(entry.path)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)

    def append(self, line: list[Any]) -> None:
        """Record one change made by this (worker) process."""
        pid = os.getpid()
        if self._fd is None or self._pid != pid:
            self._fd = os.open(self.folder / str(pid), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            self._pid = pid
        os.write(self._fd, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))

    def lines(self) -> Iterator[list[Any]]:
        """Every recorded change, worker by worker, in the order each worker made them.

        Raises ValueError on a line that is not a complete record."""
        if not self.folder.is_dir():
            return
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            with open(entry.path, encoding="utf-8") as fh:
                for text in fh:
                    line = json.loads(text)
                    if not isinstance(line, list) or line[0] not in ("f", "d", "x"):
                        raise ValueError(f"{entry.path}: not a journal line: {text!r}")
                    yield line


def scan_tree(root: str) -> tuple[dict[str, int], dict[str, FolderEntry], list[str]]:
    """Walk a tree: (inode of each regular file, each folder's entry, folders found empty).

    Anything that is neither a regular file nor a folder (a link, a socket) is removed on the
    way: nothing of that kind is ever part of a site. The file inodes come from the directory
    entries themselves, so the walk costs one ``stat`` per folder, not per file.
    """
    files: dict[str, int] = {}
    folders: dict[str, FolderEntry] = {}
    empty: list[str] = []
    info = os.lstat(root)
    folders[""] = (info.st_ino, info.st_ctime_ns)
    pending = [""]
    while pending:
        folder = pending.pop()
        base = root + "/" + folder if folder else root
        prefix = folder + "/" if folder else ""
        count = 0
        removed = False
        with os.scandir(base) as entries:
            for entry in entries:
                key = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    folders[key] = (info.st_ino, info.st_ctime_ns)
                    pending.append(key)
                    count += 1
                elif entry.is_file(follow_symlinks=False):
                    files[key] = entry.inode()
                    count += 1
                else:
                    os.unlink(entry.path)
                    removed = True
        if removed:  # its ctime moved: read it again
            info = os.lstat(base)
            folders[folder] = (info.st_ino, info.st_ctime_ns)
        if count == 0 and folder:
            empty.append(folder)
    return files, folders, empty

