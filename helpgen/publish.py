"""Publishing a built site: a staging folder next to ``--out``, then one atomic switch.

A web server serving ``--out`` never sees a half-written site, and a failed build leaves the
previous site exactly as it was. On Linux the switch is a single ``renameat2(RENAME_EXCHANGE)``
(both folders swap names at once); elsewhere it is two renames a moment apart.

``--out`` is replaced whole, so helpgen refuses to publish over a non-empty folder that it did
not create (it marks its own output with ``.helpgen-site``): a typo in ``--out`` must never
wipe someone's home folder.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["PublishError", "StagedSite", "MARKER_FILE"]

log = logging.getLogger("helpgen.publish")

MARKER_FILE = ".helpgen-site"
_MARKER_TEXT = b"This folder is a site built by helpgen; helpgen replaces it whole on every build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(Exception):
    """The output folder cannot be written or switched; the message names the path."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False when the platform cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system cannot exchange
            return False
        raise PublishError(f"cannot switch {b} into place: {os.strerror(errno)}")
    return True


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers: a previous build in this process failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StagedSite:
    """A site being written next to its final folder; :meth:`publish` switches it in.

    Use as a context manager: leaving the block without publishing removes the staging
    folder and leaves ``out_dir`` untouched.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir).absolute()
        self._check_target()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._cleanup_leftovers()
        self.root = Path(
            tempfile.mkdtemp(prefix=f".{self.out_dir.name}.staging-{os.getpid()}-", dir=self.out_dir.parent)
        )
        os.chmod(self.root, 0o755)
        has_site = (self.out_dir / MARKER_FILE).is_file()
        self.previous: Path | None = self.out_dir if has_site else None
        self.paths: set[str] = set()
        self.files_written = 0
        self.files_unchanged = 0
        self.files_removed = 0
        self.bytes_written = 0
        self._published = False

    def _check_target(self) -> None:
        out = self.out_dir
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise PublishError(f"{out}: exists and is not a folder; choose another --out")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER_FILE).is_file():
            raise PublishError(
                f"{out}: folder is not empty and was not built by helpgen; "
                "helpgen replaces --out whole, so choose an empty or new folder"
            )

    def _cleanup_leftovers(self) -> None:
        """Remove staging/old folders that an earlier run, since killed, left behind."""
        prefixes = (f".{self.out_dir.name}.staging-", f".{self.out_dir.name}.old-")
        for entry in self.out_dir.parent.iterdir():
            if not entry.name.startswith(prefixes) or entry.is_symlink() or not entry.is_dir():
                continue
            pid_text = entry.name.rsplit(".", 1)[-1].split("-")[1]
            if pid_text.isdigit() and not _process_alive(int(pid_text)):
                shutil.rmtree(entry, ignore_errors=True)

    def path_for(self, site_path: str) -> Path:
        """The staging file for a site path, refusing anything that would land outside.

        A string check (no file system calls): helpgen itself creates every folder in the
        staging tree, so there are no links inside it to follow.
        """
        root = str(self.root)
        target = os.path.normpath(os.path.join(root, site_path))
        if not target.startswith(root + os.sep):
            raise PublishError(f"refusing to write {site_path!r}: it resolves outside the output folder")
        return Path(target)

    def _previous_file(self, site_path: str) -> Path | None:
        if self.previous is None:
            return None
        old = self.previous / site_path
        return old if old.is_file() and not old.is_symlink() else None

    def _link(self, old: Path, target: Path) -> None:
        """Carry a previous file over unchanged: a hard link keeps its bytes and mtime."""
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)

    def write(self, site_path: str, data: bytes) -> bool:
        """Put one file in the site; True when it differs from the published one.

        A file identical to the one already published is carried over instead of rewritten,
        so its mtime stays and ``rsync``/``s3 sync`` upload only what changed.
        """
        target = self.path_for(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.paths.add(site_path)
        old = self._previous_file(site_path)
        if old is not None and old.stat().st_size == len(data) and old.read_bytes() == data:
            self._link(old, target)
            self.files_unchanged += 1
            return False
        target.write_bytes(data)
        self.files_written += 1
        self.bytes_written += len(data)
        return True

    def keep(self, site_path: str) -> bool:
        """Carry a published file over as it is; False when there is none to keep."""
        old = self._previous_file(site_path)
        if old is None:
            return False
        target = self.path_for(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._link(old, target)
        self.paths.add(site_path)
        self.files_unchanged += 1
        return True

    def copy_tree(self, source: Path, prefix: str = "") -> list[str]:
        """Copy a folder of static files into the site (sorted; links are not followed).

        Returns the site paths skipped because a generated file already has them.
        """
        skipped = []
        for file in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
            site_path = prefix + file.relative_to(source).as_posix()
            if site_path in self.paths:
                skipped.append(site_path)
                continue
            self.write(site_path, file.read_bytes())
        return skipped

    def _count_removed(self) -> int:
        if self.previous is None:
            return 0
        removed = 0
        for folder, _, files in os.walk(self.previous):
            for name in files:
                rel = os.path.relpath(os.path.join(folder, name), self.previous).replace(os.sep, "/")
                if rel not in self.paths:
                    removed += 1
        return removed

    def publish(self) -> None:
        """Switch the staged site into ``out_dir`` in one step and remove the old one."""
        self.write(MARKER_FILE, _MARKER_TEXT)
        self.files_removed = self._count_removed()
        out = self.out_dir
        if not out.exists():
            os.rename(self.root, out)
        elif _exchange(self.root, out):
            shutil.rmtree(self.root, ignore_errors=True)  # now holds the previous site
        else:
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.rename(out, old)
            os.rename(self.root, out)
            shutil.rmtree(old, ignore_errors=True)
        self._published = True
        log.debug("published %s", out)

    def discard(self) -> None:
        """Drop the staging folder; ``out_dir`` is untouched."""
        if not self._published:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "StagedSite":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
