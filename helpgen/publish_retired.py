"""Retired files: old versions of the site's files, kept so that new files can reuse them.

Creating a file and deleting one are the dear part of publishing a small change to a big site
on ext4. Without a journal, ext4 passes over every inode freed in the last minute (five, while
its inode table block is not yet written back) when it looks for a free one, one buffer lookup
each: after a few rebuilds, each new file of an edit costs hundreds of microseconds, more the
more was deleted lately. With the ``discard`` mount option, freeing a file's blocks also waits
for the device. So the staged tree's own old version of a file (its last link: the published
site does not share it) is not deleted but moved into a folder of retired files, and a file
written later takes one over (renamed into place, then written and truncated), under three
conditions that keep every reader safe:

- it is a regular file whose only link is the retired one (``st_nlink == 1``), owned by this
  user: nothing else refers to it by name;
- no process has it open: a write lease (``F_SETLEASE``), which the kernel grants only then,
  is taken and released at once; a web server or ``rsync`` still sending its old bytes keeps
  them, the file is left alone;
- the new data needs at least as many file-system blocks as it holds: it may grow, never
  shrink (shrinking frees blocks, the cost this avoids).

A file fit to rewrite where it is (the staged tree's old version at the very path being
written) is reused in place under the same conditions (:meth:`RetiredFiles.open_reusable`).
Retired files are named ``BLOCKS.PID-TOKEN.N``: the blocks they held when they retired, so a fitting
one is found without a system call. Beyond :data:`KEEP_FILES` files the rest go to the trash.
Where leases are not available (not Linux, a file system without them) nothing is reused and
publishing works as before: new files, old ones deleted.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
from typing import Callable

__all__ = ["RetiredFiles", "KEEP_FILES", "best_fit"]

KEEP_FILES = 8192
"""Retired files kept for later builds at most (an edit at 10,000 articles writes ~2,000)."""

try:
    import fcntl

    _LEASES = hasattr(fcntl, "F_SETLEASE") and hasattr(fcntl, "F_SETSIG")
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]
    _LEASES = False

_OPEN_FLAGS = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_IN_USE = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY)
_TRIES = 4  # candidates looked at per file before making a new one instead
_UNKNOWN_BLOCKS = -1  # a name this module did not give: never reused, trimmed first


def best_fit(by_blocks: dict[int, list[str]], blocks: int) -> list[str] | None:
    """The non-empty list of ``by_blocks`` for the most blocks not above ``blocks`` (a file
    that grows, never one that shrinks); None when there is none."""
    names = by_blocks.get(blocks)
    if names:
        return names
    best = max((b for b, names in by_blocks.items() if 0 <= b < blocks and names), default=None)
    return None if best is None else by_blocks[best]


def _new_file_mode() -> int:
    """The permissions a file created now with mode 0o666 gets (the process umask applied)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


class RetiredFiles:
    """The folder of retired files next to the staged tree (same file system).

    Any process may :meth:`retire` a file; only the one that lists the folder (the build's
    parent) takes files out with :meth:`take`, so two processes never rewrite one file.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.usable = _LEASES
        """False where leases are not available (or failed unexpectedly): nothing is reused."""
        self.reused = 0
        self._retired = 0
        self._token = os.urandom(4).hex()  # names unique across builds of one process
        self._block_size = 0
        self._mode = -1
        self._uid = os.geteuid() if hasattr(os, "geteuid") else -1
        self._by_blocks: dict[int, list[str]] | None = None  # listed when first needed
        self._lister = 0  # the process that listed the folder

    # -- sizes ---------------------------------------------------------------------------

    def blocks(self, size: int) -> int:
        """File-system blocks that ``size`` bytes occupy."""
        if not self._block_size:
            try:
                self._block_size = os.statvfs(self.folder).f_frsize or 4096
            except OSError:
                self._block_size = 4096
        return -(-size // self._block_size)

    def _fits(self, info: os.stat_result, blocks: int) -> bool:
        return info.st_blocks * 512 <= blocks * self._block_size

    # -- putting files here --------------------------------------------------------------

    def retire(self, path: str, size: int) -> None:
        """Move the file at ``path`` (``size`` bytes, as recorded) here instead of deleting it."""
        blocks = self.blocks(size) if size >= 0 else _UNKNOWN_BLOCKS
        self._retired += 1
        name = f"{blocks}.{os.getpid()}-{self._token}.{self._retired}"
        os.rename(path, self.folder + "/" + name)
        if self._by_blocks is not None and self._lister == os.getpid() and blocks >= 0:
            self._by_blocks.setdefault(blocks, []).append(name)

    # -- taking files out ----------------------------------------------------------------

    def _index(self) -> dict[int, list[str]]:
        if self._by_blocks is None or self._lister != os.getpid():
            by_blocks: dict[int, list[str]] = {}
            try:
                names = os.listdir(self.folder)
            except FileNotFoundError:
                names = []
            for name in names:
                head = name.split(".", 1)[0]
                blocks = int(head) if head.isdigit() else _UNKNOWN_BLOCKS
                by_blocks.setdefault(blocks, []).append(name)
            self._by_blocks, self._lister = by_blocks, os.getpid()
        return self._by_blocks

    def _unused(self, fd: int) -> bool:
        """True when no other open file refers to the file of ``fd`` (a write lease is granted
        only then); released at once. A lease broken meanwhile sends SIGURG (ignored by
        default), never SIGIO (which would end the build)."""
        assert fcntl is not None
        try:
            fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        except OSError as error:
            if error.errno not in _IN_USE:
                self.usable = False  # leases do not work here: stop trying
            return False
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True

    def open_reusable(self, path: str, inode: int, size: int) -> int | None:
        """An fd (write-only, at offset 0) of the file at ``path`` when it is the inode
        ``inode``, may be rewritten (see the module docstring) and fits ``size`` bytes."""
        if not self.usable:
            return None
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if (
                info.st_ino == inode
                and stat.S_ISREG(info.st_mode)
                and info.st_nlink == 1
                and info.st_uid == self._uid
                and self._fits(info, self.blocks(size))
                and self._unused(fd)
            ):
                self._own(fd, info)
                self.reused += 1
                return fd
        except OSError:
            pass
        os.close(fd)
        return None

    def _own(self, fd: int, info: os.stat_result) -> None:
        """Give a reused file the permissions a new one would get."""
        if self._mode < 0:
            self._mode = _new_file_mode()
        if stat.S_IMODE(info.st_mode) != self._mode:
            os.fchmod(fd, self._mode)

    def take(self, size: int, place: Callable[[str], None]) -> int | None:
        """A retired file fit for ``size`` bytes, moved by ``place(path)`` (a rename to where
        it goes): its fd, write-only at offset 0. None when none fits (make a new file)."""
        if not self.usable:
            return None
        index = self._index()
        need = self.blocks(size)
        for _ in range(_TRIES):
            names = best_fit(index, need)
            if names is None:
                return None
            name = names.pop()
            path = self.folder + "/" + name
            try:
                fd = os.open(path, _OPEN_FLAGS)
            except OSError:
                continue
            try:
                info = os.fstat(fd)
                usable = self._fits(info, need) and (
                    stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and info.st_uid == self._uid and self._unused(fd)
                )
                if not usable and stat.S_ISREG(info.st_mode) and not self._fits(info, need):
                    index.setdefault(self.blocks(info.st_blocks * 512), []).append(name)  # not the size its name says
            except OSError:
                usable = False
            if not usable:
                os.close(fd)
                continue
            try:
                place(path)
                self._own(fd, info)
            except BaseException:
                os.close(fd)
                raise
            self.reused += 1
            return fd
        return None

    def trim(self, trash: Callable[[str], None], keep: int | None = None) -> int:
        """Hand all but ``keep`` (default :data:`KEEP_FILES`) retired files, the biggest and
        the unknown first, to ``trash(path)``; returns how many. Lists the folder if no file
        was taken this build."""
        keep = KEEP_FILES if keep is None else keep
        index = self._index()
        count = sum(len(names) for names in index.values())
        extra = count - keep
        if extra <= 0:
            return 0
        moved = 0
        for blocks in sorted(index, key=lambda b: (b != _UNKNOWN_BLOCKS, -b)):
            names = index[blocks]
            while names and moved < extra:
                trash(self.folder + "/" + names.pop())
                moved += 1
        return moved
