"""One build of a site at a time: an advisory lock file in the site's cache folder.

The lock is an ``flock`` on ``build.lock``, so the kernel releases it when its holder exits,
however it exits: a crashed or killed run never leaves a lock behind that blocks cron. The
file also records the holder's PID and start time, for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType

__all__ = ["BuildLock", "LockHeld"]


class LockHeld(Exception):
    """Another helpgen process is building this site; the message names its PID."""

    def __init__(self, path: Path, holder: dict[str, object]) -> None:
        pid = holder.get("pid", "unknown")
        since = holder.get("started")
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since)) if isinstance(since, (int, float)) else "an unknown time"
        super().__init__(f"another helpgen build (PID {pid}, started {when}) holds {path}; try again when it ends")
        self.pid = pid


class BuildLock:
    """``with BuildLock(cache_dir): ...`` — raises :class:`LockHeld` at once if taken."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "build.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read_holder(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": time.time()}).encode(), 0)
        self._fd = fd

    @staticmethod
    def _read_holder(fd: int) -> dict[str, object]:
        try:
            data = os.pread(fd, 4096, 0)
            holder = json.loads(data.decode() or "{}")
            return holder if isinstance(holder, dict) else {}
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        """Give the lock up (also done by the kernel if the process dies)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "BuildLock":
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
