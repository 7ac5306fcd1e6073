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
import stat
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PublishError", "StagedSite", "MARKER_FILE"]

log = logging.getLogger("helpgen.publish")

MARKER_FILE = ".helpgen-site"
BACKGROUND_REMOVAL_FILES = 5000
"""A previous site with at least this many files is deleted in the background."""
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
        self._folders: set[Path] = set()

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
        return self._previous_file_and_size(site_path)[0]

    def _previous_file_and_size(self, site_path: str) -> tuple[Path | None, int]:
        """The published file at ``site_path`` (a regular file, not a link) and its size."""
        if self.previous is None:
            return None, 0
        old = self.previous / site_path
        try:
            info = os.lstat(old)
        except OSError:
            return None, 0
        return (old, info.st_size) if stat.S_ISREG(info.st_mode) else (None, 0)

    def _make_parent(self, target: Path) -> None:
        """Create the folder of ``target`` once per build (a site has one folder per page)."""
        parent = target.parent
        if parent not in self._folders:
            parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(parent)

    def _link(self, old: Path, target: Path) -> None:
        """Carry a previous file over unchanged: a hard link keeps its bytes and mtime."""
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)

    def write(self, site_path: str, data: bytes, *, content_addressed: bool = False) -> bool:
        """Put one file in the site; True when it differs from the published one.

        A file identical to the one already published is carried over instead of rewritten,
        so its mtime stays and ``rsync``/``s3 sync`` upload only what changed. With
        ``content_addressed`` the path itself names the content (it holds a hash of it, as
        the search index files do, which browsers cache forever on that promise): a
        published file of the same path and size is taken as identical without reading it.
        """
        target = self.path_for(site_path)
        self._make_parent(target)
        self.paths.add(site_path)
        old, old_size = self._previous_file_and_size(site_path)
        if old is not None and old_size == len(data) and (content_addressed or old.read_bytes() == data):
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
        self._make_parent(target)
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
        prefix_length = len(str(self.previous)) + 1
        for folder, _, files in os.walk(self.previous):
            relative = folder[prefix_length:].replace(os.sep, "/")
            base = relative + "/" if relative else ""
            for name in files:
                if base + name not in self.paths:
                    removed += 1
        return removed

    def publish(self) -> None:
        """Switch the staged site into ``out_dir`` in one step and remove the old one."""
        self.write(MARKER_FILE, _MARKER_TEXT)
        self.files_removed = self._count_removed()
        out = self.out_dir
        if not out.exists():
            os.rename(self.root, out)
        else:
            old = out.parent / f".{out.name}.old-{os.getpid()}-{os.path.basename(self.root).rsplit('-', 1)[-1]}"
            if _exchange(self.root, out):
                os.rename(self.root, old)  # the staging name now holds the previous site
            else:
                os.rename(out, old)
                os.rename(self.root, out)
            self._remove_old_site(old)
        self._published = True
        log.debug("published %s", out)

    def _remove_old_site(self, old: Path) -> None:
        """Delete the previous site. A big one (tens of thousands of files) is deleted by a
        detached ``rm -rf`` so the build does not wait for it; if that process dies, the next
        build's leftover cleanup finishes the job (the folder is named after this process)."""
        if self.files_written + self.files_unchanged >= BACKGROUND_REMOVAL_FILES and shutil.which("rm"):
            try:
                subprocess.Popen(
                    ["rm", "-rf", "--", str(old)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                return
            except OSError:
                pass
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Drop the staging folder; ``out_dir`` is untouched."""
        if not self._published:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "StagedSite":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
