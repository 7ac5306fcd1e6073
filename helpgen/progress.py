"""Progress of a build's stages (pull, render, index, publish): one bar per stage on a terminal.

Library code reports progress without knowing who watches::

    with progress.stage("render", total=len(pages), unit="pages") as bar:
        for page in pages:
            ...
            bar.advance()

By default nothing is shown (:class:`SilentProgress`): cron, pipes, tests and ``--quiet`` see no
bars. The CLI calls :func:`show_on_terminal`, which installs a :class:`TerminalProgress` when
stderr is a terminal (:func:`use_progress` does the same for one ``with`` block). It redraws
one line per stage, at most ten times a second, with the count, the total when known and the
rate, and leaves a final line per stage when it ends. Log lines printed
while a bar is drawn go through :class:`ProgressLogHandler`, which clears the bar first.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import IO, Iterator

__all__ = [
    "StageBar",
    "SilentProgress",
    "TerminalProgress",
    "ProgressLogHandler",
    "stage",
    "use_progress",
    "current_progress",
    "show_on_terminal",
    "format_bar",
]


class StageBar:
    """The count of one stage. ``advance`` is cheap; drawing (if any) is the reporter's job."""

    def __init__(self, name: str, total: int | None, unit: str) -> None:
        self.name = name
        self.total = total
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done."""
        self.done += count

    def rate(self) -> float:
        """Items per second since the stage started."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


class SilentProgress:
    """The default reporter: counts, shows nothing."""

    @contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "items") -> Iterator[StageBar]:
        """A stage's bar for the ``with`` block."""
        yield StageBar(name, total, unit)

    def clear(self) -> None:
        """Remove whatever is drawn (nothing here)."""

    def redraw(self) -> None:
        """Draw the current bar again (nothing here)."""


class _DrawnBar(StageBar):
    def __init__(self, name: str, total: int | None, unit: str, owner: "TerminalProgress") -> None:
        super().__init__(name, total, unit)
        self._owner = owner

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._owner.tick(self)


class TerminalProgress(SilentProgress):
    """Draws each stage as one self-rewriting line on ``stream`` (a terminal)."""

    WIDTH = 24
    INTERVAL = 0.1  # seconds between redraws

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._bar: _DrawnBar | None = None
        self._last_draw = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "items") -> Iterator[StageBar]:
        bar = _DrawnBar(name, total, unit, self)
        with self._lock:
            previous, self._bar = self._bar, bar
            self._draw(bar)
        try:
            yield bar
        finally:
            with self._lock:
                self._draw(bar, final=True)
                self.stream.write("\n")
                self.stream.flush()
                self._bar = previous

    def tick(self, bar: StageBar) -> None:
        """Redraw ``bar`` if it is shown and the last redraw is old enough."""
        now = time.monotonic()
        if now - self._last_draw < self.INTERVAL or bar is not self._bar:
            return
        with self._lock:
            self._draw(bar)

    def clear(self) -> None:
        with self._lock:
            if self._bar is not None:
                self.stream.write("\r\x1b[K")
                self.stream.flush()

    def redraw(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._draw(self._bar)

    def _draw(self, bar: StageBar, final: bool = False) -> None:
        self._last_draw = time.monotonic()
        self.stream.write("\r\x1b[K" + format_bar(bar, self.WIDTH, final=final))
        self.stream.flush()


def format_bar(bar: StageBar, width: int = 24, *, final: bool = False) -> str:
    """One line: ``render   [#######.......]  120/480 pages  310.2 pages/s``."""
    total = bar.total
    if total:
        filled = min(width, round(width * bar.done / total))
        gauge = "#" * filled + "." * (width - filled)
        count = f"{bar.done}/{total} {bar.unit}"
    else:
        gauge = ("#" * width) if final else ("." * width)
        count = f"{bar.done} {bar.unit}"
    elapsed = time.monotonic() - bar.started
    tail = f"  {bar.rate():.1f} {bar.unit}/s" if bar.done else ""
    if final:
        tail += f"  {elapsed:.1f}s"
    return f"{bar.name:<8} [{gauge}] {count}{tail}"


_CURRENT: ContextVar[SilentProgress] = ContextVar("helpgen_progress", default=SilentProgress())


def current_progress() -> SilentProgress:
    """The reporter in effect (silent unless the CLI installed one)."""
    return _CURRENT.get()


@contextmanager
def use_progress(reporter: SilentProgress) -> Iterator[SilentProgress]:
    """Make ``reporter`` the one :func:`stage` uses inside the ``with`` block (this thread)."""
    token = _CURRENT.set(reporter)
    try:
        yield reporter
    finally:
        _CURRENT.reset(token)


def stage(name: str, total: int | None = None, unit: str = "items") -> AbstractContextManager[StageBar]:
    """A bar for one stage of the current reporter; a ``with`` block yielding a :class:`StageBar`."""
    return current_progress().stage(name, total, unit)


class ProgressLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that clears the progress line before a log line and redraws it after."""

    def emit(self, record: logging.LogRecord) -> None:
        reporter = current_progress()
        reporter.clear()
        super().emit(record)
        reporter.redraw()


def show_on_terminal(quiet: bool, stream: IO[str] | None = None) -> bool:
    """For the CLI: draw bars on ``stream`` (stderr) from now on if it is a terminal and not ``quiet``.

    Returns whether bars will be drawn. Cron (no terminal) and ``--quiet`` stay silent.
    """
    stream = stream if stream is not None else sys.stderr
    try:
        is_terminal = stream.isatty()
    except (AttributeError, ValueError):
        is_terminal = False
    if quiet or not is_terminal:
        _CURRENT.set(SilentProgress())
        return False
    _CURRENT.set(TerminalProgress(stream))
    return True
