"""Forked worker processes for the build's parallel stages (search analysis and export, rendering).

Forking hands each worker the parent's data (planned pages, analysed documents, compiled
templates) without pickling it. Workers leave SIGTERM to its default (the parent turns it
into :class:`~helpgen.build.BuildInterrupted` and cleans up; a worker just stops) and ignore
SIGINT (the parent handles Ctrl-C).

SIGTERM is blocked while the pool forks: Python runs at-fork hooks (logging's lock release)
around each fork, and a handler raising there is "ignored" or leaves the pool half made. A
SIGTERM that arrives meanwhile is delivered as soon as the pool exists, and the pool is then
terminated before the interruption propagates.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import signal

__all__ = ["can_fork", "fork_pool"]


def _worker_init() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked by fork_pool while forking


def can_fork() -> bool:
    """True where worker processes can be forked (not on Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of ``workers`` forked processes (use it as a context manager)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending SIGTERM is handled here
    except BaseException:
        pool.terminate()
        raise
    return pool
