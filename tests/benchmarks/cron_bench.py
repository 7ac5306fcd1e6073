"""Cron-run figures: API requests, seconds and peak memory of clean, no-change and 1%-changed runs.

Generates a corpus (default 10,000 articles and 3,000 posts), serves it with the project's
cStar test server in its own process on loopback, and runs ``helpgen build`` against it as a
user's cron would, each run in a fresh process:

1. a clean run (empty cache, empty output);
2. a no-change run (target: only the list requests, 134 for this corpus, in <= 3 s);
3. a run after 1% of the articles changed.

    python -m tests.benchmarks.cron_bench [--articles 10000] [--posts 3000] [--keep DIR]

Prints one line per run: requests, bytes fetched, pages rendered, files written, wall
seconds, peak RSS. Not a test: nothing here asserts; the figures go in the closing note.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpgen.content.snapshot import load_snapshot, save_snapshot
from tests.benchmarks.corpus import mutate, write_corpus

REPO = Path(__file__).resolve().parents[2]
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "print(json.dumps({'rc': r.returncode, 'wall_seconds': time.perf_counter() - t,"
    " 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """The cStar test server in its own process (so it does not share the build's cores)."""

    def __init__(self, snapshot: Path, port: int) -> None:
        self.snapshot, self.port = snapshot, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "helpgen.testing.cstar_server", str(self.snapshot), "--port", str(self.port), "--quiet"],
            env=env,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def run_build(site: Path, url: str, out: Path, cache: Path, report: Path) -> dict[str, object]:
    """One ``helpgen build`` in a fresh process: its report plus wall time and peak RSS."""
    cmd = [
        sys.executable, "-c", _MEASURE,
        sys.executable, "-m", "helpgen", "build", str(site), "--team", "bench", "--api-url", url,
        "--out", str(out), "--cache", str(cache), "--report", str(report), "--quiet",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    finished = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    measured = json.loads(finished.stdout.strip().splitlines()[-1])
    if measured["rc"] != 0:
        raise RuntimeError(f"helpgen build exited {measured['rc']}: {finished.stderr.strip()}")
    data = json.loads(report.read_text())
    return {**data, **measured}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="helpgen-cron-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    snap, site, out, cache = work / "snapshot", work / "site", work / "out", work / "cache"
    for folder in (snap, out, cache):
        shutil.rmtree(folder, ignore_errors=True)
    site.mkdir(exist_ok=True)
    started = time.perf_counter()
    write_corpus(snap, args.articles, args.posts)
    print(f"corpus: {args.articles} articles, {args.posts} posts, written in {time.perf_counter() - started:.1f} s")
    lists = 1 + math.ceil(args.articles / 100) + 2 + 1 + math.ceil(args.posts / 100)
    print(f"list requests for this corpus: {lists}")

    port = _free_port()
    server = ServerProcess(snap, port)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        server.start()
        rows.append(("clean", run_build(site, url, out, cache, work / "r1.json")))
        rows.append(("no change", run_build(site, url, out, cache, work / "r2.json")))
        server.stop()
        changed = mutate(load_snapshot(snap), 0.01)
        save_snapshot(changed, snap)
        server.start()
        rows.append(("1% changed", run_build(site, url, out, cache, work / "r3.json")))
        rows.append(("no change", run_build(site, url, out, cache, work / "r4.json")))
    finally:
        server.stop()

    print(f"{'run':<11} {'requests':>8} {'MB fetched':>10} {'rendered':>8} {'written':>8} {'removed':>7} {'seconds':>8} {'peak RSS':>9}")
    for name, row in rows:
        print(
            f"{name:<11} {row['api_requests']:>8} {row['api_bytes'] / 1e6:>10.1f} {row['pages_rendered']:>8} "
            f"{row['files_written']:>8} {row['files_removed']:>7} {row['wall_seconds']:>8.2f} {row['maxrss_kb'] / 1024:>7.0f} MB"
        )
    for name, row in rows:
        stages = row["seconds"]
        assert isinstance(stages, dict)
        print(f"  {name}: " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stages.items()))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
