"""Files replaced atomically: the one recipe for every cache, state and snapshot file.

The data goes to a temporary file in the target's folder, which is then renamed over the
target, so a reader (or the next build, after a crash or a kill) finds the old file or the
new one, never a part of one. A failure removes the temporary file and is raised.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

__all__ = ["atomic_file", "write_atomic"]


@contextmanager
def atomic_file(path: Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """An open file (``mode`` "w" or "wb"; text is UTF-8 unless ``encoding`` is given) that
    replaces ``path`` when the block ends without an exception. The folder is created."""
    if "b" not in mode:
        open_args.setdefault("encoding", "utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_args) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, **open_args: Any) -> None:
    """Replace ``path`` with ``data`` (text as UTF-8) atomically."""
    with atomic_file(path, "wb" if isinstance(data, bytes) else "w", **open_args) as fh:
        fh.write(data)
