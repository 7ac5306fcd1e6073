"""Run one command in a fresh process tree and measure it: wall time, peak memory, exit, timeout.

:func:`measure` starts this module as a small runner process (``python -m
tests.benchmarks.peers_measure``), so ``getrusage(RUSAGE_CHILDREN)`` in the runner covers exactly
the measured command and its descendants, as in :mod:`tests.benchmarks.cron_bench`. The runner
reports two memory figures:

- ``maxrss_kb``: the peak RSS of the biggest single process of the tree (``ru_maxrss``);
- ``tree_peak_kb``: the peak of the whole tree's summed proportional set size (PSS, from
  ``/proc/PID/smaps_rollup``), sampled every 100 ms (a scan of ``/proc`` costs ~3 ms, so the
  sampler takes ~3% of one core). For a tool with worker processes this is what the machine
  actually paid; PSS (not RSS) so pages shared by forked workers count once.

The command runs in its own session; on timeout the whole session is killed and the result
says ``timed_out``. Output goes to a log file, never to the terminal.

Command line (prints one JSON object)::

    python -m tests.benchmarks.peers_measure TIMEOUT_SECONDS LOG_FILE -- COMMAND...
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measurement", "measure", "run_and_report"]

REPO = Path(__file__).resolve().parents[2]
_SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Measurement:
    """What one measured run cost."""

    returncode: int | None  # None when it timed out
    wall_seconds: float
    maxrss_kb: int  # biggest single process of the tree
    tree_peak_kb: int  # peak summed PSS of the tree (sampled)
    timed_out: bool
    log: Path

    @property
    def ok(self) -> bool:
        """Whether the command finished in time with exit status 0."""
        return not self.timed_out and self.returncode == 0

    @property
    def peak_mb(self) -> float:
        """The larger of the two memory figures, in MB (1 MB = 1,048,576 bytes)."""
        return max(self.maxrss_kb, self.tree_peak_kb) / 1024


def _session_members(session: int) -> list[int]:
    """Every process in ``session`` (the measured command runs in a session of its own)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The fields after the command name (which may hold spaces): state ppid pgrp session ...
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == session:
            members.append(int(entry.name))
    return members


def _memory_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return 0


class _TreeSampler(threading.Thread):
    """Samples the summed PSS of every process in one session until stopped."""

    def __init__(self, session: int) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            total = sum(_memory_kb(pid) for pid in _session_members(self.session))
            self.peak_kb = max(self.peak_kb, total)
            self._stop_event.wait(_SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_and_report(command: Sequence[str], timeout: float, log: Path) -> dict[str, object]:
    """Run ``command`` (in this process's children) and return the figures as a JSON-able dict."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        wall = time.perf_counter() - started
        sampler.stop()
        try:  # nothing the command started may outlive the measurement
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return {
        "returncode": None if timed_out else proc.returncode,
        "wall_seconds": wall,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "tree_peak_kb": sampler.peak_kb,
        "timed_out": timed_out,
    }


def measure(
    command: Sequence[str],
    *,
    log: Path,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Measurement:
    """Run ``command`` in a fresh runner process and return what it cost.

    ``command`` sees ``cwd`` and ``env`` (default: this process's); its output goes to ``log``.
    """
    runner_env = dict(env if env is not None else os.environ)
    # The runner module comes from this checkout; the caller's PYTHONPATH goes first, so the
    # measured command imports what the caller chose (e.g. a frozen copy of helpgen).
    runner_env["PYTHONPATH"] = os.pathsep.join(p for p in (runner_env.get("PYTHONPATH", ""), str(REPO)) if p)
    log.parent.mkdir(parents=True, exist_ok=True)
    runner = [sys.executable, "-m", "tests.benchmarks.peers_measure", str(timeout), str(log), "--", *command]
    # The runner kills the command at ``timeout``; the margin only guards against the runner itself hanging.
    done = subprocess.run(runner, cwd=cwd, env=runner_env, capture_output=True, text=True, timeout=timeout + 120)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring runner failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Measurement(
        returncode=figures["returncode"],
        wall_seconds=float(figures["wall_seconds"]),
        maxrss_kb=int(figures["maxrss_kb"]),
        tree_peak_kb=int(figures["tree_peak_kb"]),
        timed_out=bool(figures["timed_out"]),
        log=log,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``TIMEOUT LOG -- COMMAND...``: run, then print the figures as one JSON line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 4 or args[2] != "--":
        print("usage: python -m tests.benchmarks.peers_measure TIMEOUT_SECONDS LOG_FILE -- COMMAND...", file=sys.stderr)
        return 2
    print(json.dumps(run_and_report(args[3:], float(args[0]), Path(args[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
