"""Peer comparison: helpgen against Hugo + Pagefind and MkDocs + Material, on the same corpus.

For each size it generates a corpus with :mod:`tests.benchmarks.corpus` (N articles, posts =
30% of N, with comments), exports it to a Hugo site (:mod:`tests.benchmarks.peers_hugo`) and
to an MkDocs project (:mod:`tests.benchmarks.peers_mkdocs`), then builds each in a fresh
process and prints wall time and peak memory side by side, with ratios:

- helpgen: ``helpgen build SITE --snapshot SNAP --out OUT --cache CACHE --report R.json -q``
  as a clean full build (fresh cache and output), then a no-change rebuild, then rebuilds
  after one article changed (:func:`tests.benchmarks.corpus.mutate`, saved over the snapshot),
  ``--edits`` times (default 5), each time another article: the table shows the median, the
  details every one (an edit's cost depends on the article: how many lists show it, how many
  related lists and search terms it moves);
- Hugo + Pagefind: ``hugo --minify`` (fresh output and cache folders), then ``pagefind --site``
  over its output; each is measured on its own and the two are added up;
- MkDocs + Material: ``mkdocs build`` with the ``material`` theme and its ``search`` plugin.

The exports are written before any timing starts and are not part of any figure. Every build
runs in a runner process (:mod:`tests.benchmarks.peers_measure`) that reports wall seconds,
the biggest process's peak RSS and the whole process tree's peak PSS, and kills the build at
``--timeout`` (the table then says ``timeout``). A missing tool is reported and its rows say
``n/a``; install them with ``pip install '.[bench]'``.

Quick run (1,000 articles; about a minute, most of it MkDocs)::

    python -m tests.benchmarks.peers

The issue 6 figures (1k, 10k and 30k articles; MkDocs alone can take most of an hour at 30k)::

    python -m tests.benchmarks.peers --sizes 1000,10000,30000 --timeout 1800

Other options: ``--edits N``, ``--only helpgen|hugo|mkdocs`` (comma-separated for several), ``--jobs N``
(passed to ``helpgen build --jobs``), ``--posts-ratio 0.3``, ``--seed 42``, ``--keep DIR``
(work there and keep the snapshots, exports and built sites), ``--live`` (run helpgen from the
working tree instead of a copy of ``helpgen/`` and ``themes/`` taken at the start, which keeps
a long run on one version of the code). Run from the repository root.

Not a test: nothing here asserts. On a shared 2-core machine the figures are noisy; the load
average is printed with each table, and a second run is the way to tell noise from change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpgen.content.snapshot import Snapshot, save_snapshot
from tests.benchmarks.corpus import generate_snapshot, mutate
from tests.benchmarks.peers_hugo import write_hugo_site
from tests.benchmarks.peers_measure import REPO, Measurement, measure
from tests.benchmarks.peers_mkdocs import write_mkdocs_project
from tests.benchmarks.peers_tools import Tool, ToolMissing, find_hugo, find_mkdocs, find_pagefind

__all__ = ["main", "format_table", "format_scaling", "SizeResult", "Row"]

TOOLS = ("helpgen", "hugo", "mkdocs")

HELPGEN_CLEAN = "helpgen build (clean)"
HELPGEN_NO_CHANGE = "helpgen rebuild, no change"
HELPGEN_ONE_CHANGED = "helpgen rebuild, 1 article changed"
HUGO = "hugo --minify"
PAGEFIND = "pagefind"
HUGO_PAGEFIND = "hugo + pagefind"
MKDOCS = "mkdocs build (material + search)"


@dataclass(frozen=True)
class Row:
    """One line of a table: a measured run, or why there is none (``note``)."""

    label: str
    measurement: Measurement | None = None
    note: str = ""  # "n/a: not installed", "failed (exit 1)", ...
    pages: int | None = None
    out_bytes: int | None = None
    detail: str = ""  # printed under the table (stages, pages rendered)

    @property
    def ok(self) -> bool:
        return self.measurement is not None and self.measurement.ok


@dataclass
class SizeResult:
    """Every row measured for one corpus size."""

    articles: int
    posts: int
    comments: int
    load_average: tuple[float, float, float]
    rows: dict[str, Row] = field(default_factory=dict)


# --------------------------------------------------------------------------- formatting


def _wall(row: Row | None) -> str:
    if row is None:
        return "n/a"
    if row.measurement is None:
        return row.note or "n/a"
    if row.measurement.timed_out:
        return f"timeout (>{row.measurement.wall_seconds:.0f} s)"
    if row.measurement.returncode != 0:
        return f"failed (exit {row.measurement.returncode})"
    return f"{row.measurement.wall_seconds:.2f}"


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


def _combined(hugo: Row | None, pagefind: Row | None) -> Row:
    """Hugo then Pagefind, as a Hugo user runs them: walls add up, peaks are the larger one."""
    if hugo is None or pagefind is None or hugo.measurement is None or pagefind.measurement is None:
        missing = hugo if hugo is None or hugo.measurement is None else pagefind
        return Row(HUGO_PAGEFIND, note=(missing.note if missing else "") or "n/a")
    a, b = hugo.measurement, pagefind.measurement
    if not a.ok:
        return Row(HUGO_PAGEFIND, note=_wall(hugo))
    if not b.ok:
        return Row(HUGO_PAGEFIND, note=_wall(pagefind))
    both = Measurement(
        returncode=0,
        wall_seconds=a.wall_seconds + b.wall_seconds,
        maxrss_kb=max(a.maxrss_kb, b.maxrss_kb),
        tree_peak_kb=max(a.tree_peak_kb, b.tree_peak_kb),
        timed_out=False,
        log=b.log,
    )
    size = (hugo.out_bytes or 0) + (pagefind.out_bytes or 0) if hugo.out_bytes is not None else None
    return Row(HUGO_PAGEFIND, both, pages=hugo.pages, out_bytes=size)


def format_table(result: SizeResult) -> str:
    """The table for one size: every run, then the ratios issue 6 asks for."""
    load = ", ".join(f"{x:.2f}" for x in result.load_average)
    lines = [
        f"== {result.articles:,} articles + {result.posts:,} posts ({result.comments:,} comments); "
        f"{os.cpu_count()} CPUs, load average before the runs {load} ==",
        f"{'tool':<36} {'wall s':>16} {'peak RSS MB':>12} {'tree PSS MB':>12} {'pages':>7} {'out MB':>8}",
    ]
    rows = dict(result.rows)
    if HUGO in rows or PAGEFIND in rows:
        rows[HUGO_PAGEFIND] = _combined(rows.get(HUGO), rows.get(PAGEFIND))
    order = (HELPGEN_CLEAN, HELPGEN_NO_CHANGE, HELPGEN_ONE_CHANGED, HUGO, PAGEFIND, HUGO_PAGEFIND, MKDOCS)
    for label in order:
        row = rows.get(label)
        if row is None:
            continue
        m = row.measurement
        rss = _mb(m.maxrss_kb) if m is not None else ""
        tree = _mb(m.tree_peak_kb) if m is not None else ""
        pages = f"{row.pages:,}" if row.pages is not None else ""
        out = f"{row.out_bytes / 1e6:.1f}" if row.out_bytes is not None else ""
        lines.append(f"{label:<36} {_wall(row):>16} {rss:>12} {tree:>12} {pages:>7} {out:>8}")

    def figures(label: str) -> tuple[float | None, float | None, float | None]:
        row = rows.get(label)
        if row is None or not row.ok or row.measurement is None:
            return None, None, None
        m = row.measurement
        return m.wall_seconds, m.maxrss_kb, m.tree_peak_kb

    helpgen = figures(HELPGEN_CLEAN)
    lines.append(f"{'ratio (clean build)':<36} {'wall':>16} {'peak RSS':>12} {'tree PSS':>12}")
    for label, peer in (("helpgen / (hugo + pagefind)", HUGO_PAGEFIND), ("helpgen / mkdocs", MKDOCS)):
        other = figures(peer)
        lines.append(
            f"{label:<36} {_ratio(helpgen[0], other[0]):>16} {_ratio(helpgen[1], other[1]):>12} {_ratio(helpgen[2], other[2]):>12}"
        )
    details = [f"  {label}: {rows[label].detail}" for label in order if label in rows and rows[label].detail]
    return "\n".join(lines + details)


def format_scaling(results: Sequence[SizeResult]) -> str:
    """Wall seconds per size and per 1,000 articles, to see how each tool grows."""
    header = f"{'scaling: wall s (s per 1k articles)':<36}" + "".join(f" {r.articles:>18,}" for r in results)
    lines = ["== scaling ==", header]
    for label in (HELPGEN_CLEAN, HELPGEN_NO_CHANGE, HELPGEN_ONE_CHANGED, HUGO_PAGEFIND, MKDOCS):
        cells = []
        for result in results:
            rows = dict(result.rows)
            if label == HUGO_PAGEFIND:
                rows[label] = _combined(rows.get(HUGO), rows.get(PAGEFIND))
            row = rows.get(label)
            if row is not None and row.ok and row.measurement is not None:
                wall = row.measurement.wall_seconds
                cells.append(f"{wall:.2f} ({wall / result.articles * 1000:.2f})")
            else:
                cells.append(_wall(row))
        if any(cell != "n/a" for cell in cells):
            lines.append(f"{label:<36}" + "".join(f" {cell:>18}" for cell in cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------- running


def _tree_size(folder: Path) -> tuple[int, int]:
    """(HTML pages, total bytes) under ``folder``."""
    pages = size = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith(".html"):
                pages += 1
            try:
                size += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return pages, size


def _timed(label: str, command: list[str], *, log: Path, timeout: float, env: dict[str, str] | None = None,
           output: Path | None = None) -> Row:
    # Each build gets a private, empty TMPDIR: no clash with other programs' temporary files
    # (or with a concurrent build's), and nothing left behind in the shared /tmp.
    private_tmp = log.parent / f"tmp-{log.stem}"
    shutil.rmtree(private_tmp, ignore_errors=True)
    private_tmp.mkdir(parents=True)
    env = {**(env if env is not None else os.environ), "TMPDIR": str(private_tmp)}
    os.sync()  # the previous step's writes are not billed to this one
    # An empty working folder: ``python -m`` puts it first on sys.path, so the checkout in the
    # caller's folder cannot shadow the helpgen copy on PYTHONPATH.
    measurement = measure(command, log=log, timeout=timeout, env=env, cwd=private_tmp)
    shutil.rmtree(private_tmp, ignore_errors=True)
    pages, size = _tree_size(output) if output is not None and measurement.ok else (None, None)
    row = Row(label, measurement, pages=pages, out_bytes=size)
    print(f"  {label}: {_wall(row)}" + ("" if measurement.ok else f" (log: {log})"), file=sys.stderr, flush=True)
    if not measurement.ok and not measurement.timed_out:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        for line in tail:
            print(f"    {line}", file=sys.stderr)
    return row


def freeze_helpgen(folder: Path) -> Path:
    """Copy this checkout's ``helpgen/`` and ``themes/`` into ``folder``; returns the import root.

    A long run (30k articles takes about an hour) then measures one version of the code, even
    when the working tree is edited meanwhile: an edited template would otherwise turn the
    no-change rebuild into a full one ("template changed").
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("helpgen", "themes"):
        shutil.copytree(REPO / name, folder / name, ignore=ignore, dirs_exist_ok=True)
    return folder


def _helpgen_rows(work: Path, snapshot: Snapshot, snap: Path, timeout: float, jobs: int | None,
                  code: Path, edits: int = 1) -> dict[str, Row]:
    site, out, cache = work / "helpgen-site", work / "helpgen-out", work / "helpgen-cache"
    site.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(code)}

    def build(label: str, report: Path) -> Row:
        command = [sys.executable, "-m", "helpgen", "build", str(site), "--snapshot", str(snap), "--out", str(out),
                   "--cache", str(cache), "--report", str(report), "-q"]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        row = _timed(label, command, log=work / "logs" / f"{report.stem}.log", timeout=timeout, env=env, output=out)
        if row.ok and report.is_file():
            data = json.loads(report.read_text())
            seconds = data.get("seconds") or {}
            stages = ", ".join(f"{name} {value:.2f}" for name, value in seconds.items())
            # Hugo's and MkDocs's figures include a search index; say so when helpgen's clean build has none.
            indexed = any("search" in name or "index" in name for name in seconds)
            search = " (no search stage: no search index built)" if label == HELPGEN_CLEAN and not indexed else ""
            row = Row(label, row.measurement, pages=row.pages, out_bytes=row.out_bytes,
                      detail=f"{data.get('pages_rendered', '?')} pages rendered, {data.get('files_written', '?')} files written, "
                             f"{data.get('files_unchanged', '?')} carried over; seconds by stage: {stages or 'not reported'}{search}")
        return row

    rows = {HELPGEN_CLEAN: build(HELPGEN_CLEAN, work / "helpgen-clean.json")}
    if not rows[HELPGEN_CLEAN].ok:
        return rows
    rows[HELPGEN_NO_CHANGE] = build(HELPGEN_NO_CHANGE, work / "helpgen-no-change.json")
    # One article changed, ``edits`` times in a row: each build after a different article's edit.
    changed: list[Row] = []
    for edit in range(1, edits + 1):
        snapshot = mutate(snapshot, 1 / len(snapshot.articles), seed=edit)
        save_snapshot(snapshot, snap)
        suffix = "" if edit == 1 else f"-{edit}"
        changed.append(build(HELPGEN_ONE_CHANGED, work / f"helpgen-one-changed{suffix}.json"))
        if not changed[-1].ok:
            break
    rows[HELPGEN_ONE_CHANGED] = median_row(changed)
    return rows


def median_row(rows: Sequence[Row]) -> Row:
    """One row for several runs of the same kind: the median run's wall time and details, the
    highest peak memory of them all, and every run's wall time in the details."""
    failed = [row for row in rows if not row.ok]
    if failed or len(rows) == 1:
        return failed[0] if failed else rows[0]
    ordered = sorted(rows, key=lambda row: row.measurement.wall_seconds)  # type: ignore[union-attr]
    middle = ordered[(len(ordered) - 1) // 2]
    assert middle.measurement is not None
    walls = ", ".join(f"{row.measurement.wall_seconds:.2f}" for row in rows)  # type: ignore[union-attr]
    measurement = replace(
        middle.measurement,
        maxrss_kb=max(row.measurement.maxrss_kb for row in rows),  # type: ignore[union-attr]
        tree_peak_kb=max(row.measurement.tree_peak_kb for row in rows),  # type: ignore[union-attr]
    )
    detail = f"median of {len(rows)} edits of different articles (wall s in order: {walls}); the median one: {middle.detail}"
    return replace(middle, measurement=measurement, detail=detail)


def _hugo_rows(work: Path, hugo: Tool, pagefind: Tool | None, timeout: float) -> dict[str, Row]:
    source, public, cache = work / "hugo-site", work / "hugo-public", work / "hugo-cache"
    command = [*hugo.command, "--minify", "--quiet", "--source", str(source), "--destination", str(public), "--cacheDir", str(cache)]
    rows = {HUGO: _timed(HUGO, command, log=work / "logs" / "hugo.log", timeout=timeout, output=public)}
    if pagefind is None:
        rows[PAGEFIND] = Row(PAGEFIND, note="n/a: not installed")
    elif rows[HUGO].ok:
        command = [*pagefind.command, "--site", str(public), "--quiet"]
        pf = _timed(PAGEFIND, command, log=work / "logs" / "pagefind.log", timeout=timeout)
        if pf.ok:
            _pages, size = _tree_size(public / "pagefind")
            pf = Row(PAGEFIND, pf.measurement, out_bytes=size)
        rows[PAGEFIND] = pf
    return rows


def _mkdocs_row(work: Path, mkdocs: Tool, timeout: float) -> Row:
    project, built = work / "mkdocs-project", work / "mkdocs-site"
    command = [*mkdocs.command, "build", "--quiet", "--config-file", str(project / "mkdocs.yml"), "--site-dir", str(built)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return _timed(MKDOCS, command, log=work / "logs" / "mkdocs.log", timeout=timeout, env=env, output=built)


def run_size(articles: int, posts: int, work: Path, tools: dict[str, Tool | None], *, only: set[str],
             timeout: float, seed: int, jobs: int | None, helpgen_code: Path = REPO, edits: int = 1) -> SizeResult:
    """Generate, export and build one size (helpgen imported from ``helpgen_code``); returns every row."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    started = time.perf_counter()
    snapshot = generate_snapshot(articles, posts, seed=seed)
    snap = save_snapshot(snapshot, work / "snapshot")
    comments = sum(len(t.comments) for t in snapshot.threads)
    print(f"{articles:,} articles: corpus written in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    started = time.perf_counter()
    if "hugo" in only and tools.get("hugo"):
        write_hugo_site(snapshot, work / "hugo-site")
    if "mkdocs" in only and tools.get("mkdocs"):
        write_mkdocs_project(snapshot, work / "mkdocs-project")
    print(f"  exports prepared in {time.perf_counter() - started:.1f} s (not timed)", file=sys.stderr, flush=True)

    result = SizeResult(articles, posts, comments, os.getloadavg())
    if "helpgen" in only:
        result.rows.update(_helpgen_rows(work, snapshot, snap, timeout, jobs, helpgen_code, edits))
    if "hugo" in only:
        hugo = tools.get("hugo")
        if hugo is None:
            result.rows[HUGO] = Row(HUGO, note="n/a: not installed")
        else:
            result.rows.update(_hugo_rows(work, hugo, tools.get("pagefind"), timeout))
    if "mkdocs" in only:
        mkdocs = tools.get("mkdocs")
        result.rows[MKDOCS] = _mkdocs_row(work, mkdocs, timeout) if mkdocs else Row(MKDOCS, note="n/a: not installed")
    return result


def _find_tools(only: set[str]) -> tuple[dict[str, Tool | None], list[str]]:
    """The peer tools asked for, and a message for each one that is missing."""
    tools: dict[str, Tool | None] = {}
    problems: list[str] = []
    wanted = []
    if "hugo" in only:
        wanted += [("hugo", find_hugo), ("pagefind", find_pagefind)]
    if "mkdocs" in only:
        wanted.append(("mkdocs", find_mkdocs))
    for name, finder in wanted:
        try:
            tools[name] = finder()
        except ToolMissing as exc:
            tools[name] = None
            problems.append(str(exc))
    return tools, problems


def _describe_checkout() -> str:
    """``helpgen 0.1.0 at abc1234 (+ uncommitted changes)``, as far as git can tell."""
    from helpgen import __version__

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return f"helpgen {__version__}"
    dirty = " (+ uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no", "--", "helpgen", "themes") else ""
    return f"helpgen {__version__} at {commit}{dirty}"


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes comma-separated article counts, got {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"--sizes takes article counts >= 1, got {text!r}")
    return sizes


def _parse_only(text: str) -> set[str]:
    chosen = {part.strip() for part in text.split(",") if part.strip()}
    unknown = chosen - set(TOOLS)
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"--only takes {', '.join(TOOLS)} (comma-separated), got {text!r}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and print one table per size (and a scaling table); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.peers",
        description="Build the same generated help center with helpgen, Hugo + Pagefind and MkDocs + Material, "
        "and print wall time and peak memory side by side.",
        epilog="Full issue-6 run: python -m tests.benchmarks.peers --sizes 1000,10000,30000 --timeout 1800",
    )
    parser.add_argument("--sizes", type=_parse_sizes, default=[1000], metavar="N[,N...]",
                        help="article counts to build, comma-separated (default 1000; issue 6 uses 1000,10000,30000)")
    parser.add_argument("--posts-ratio", type=float, default=0.3, metavar="R",
                        help="community posts per article (default 0.3)")
    parser.add_argument("--only", type=_parse_only, default=set(TOOLS), metavar="TOOL[,TOOL]",
                        help="build only with these: helpgen, hugo (with pagefind), mkdocs (default: all)")
    parser.add_argument("--timeout", type=float, default=1800, metavar="SECONDS",
                        help="kill a build after this long and print 'timeout' (default 1800)")
    parser.add_argument("--jobs", type=int, metavar="N", help="pass --jobs N to helpgen build (default: helpgen's own default)")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed (default 42)")
    parser.add_argument("--edits", type=int, default=5, metavar="N",
                        help="one-article rebuilds to time, each after another article's edit; the table shows the median (default 5)")
    parser.add_argument("--live", action="store_true",
                        help="run helpgen from the working tree (default: from a copy of helpgen/ and themes/ taken at the start)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep everything (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.posts_ratio < 0:
        parser.error("--posts-ratio must be >= 0")
    if args.timeout <= 0:
        parser.error("--timeout must be > 0")
    if args.edits < 1:
        parser.error("--edits must be >= 1")

    tools, problems = _find_tools(args.only)
    for problem in problems:
        print(f"peers: {problem}; its rows will say n/a", file=sys.stderr)
    if (args.only == {"hugo"} and tools.get("hugo") is None) or (args.only == {"mkdocs"} and tools.get("mkdocs") is None):
        print("peers: nothing to measure", file=sys.stderr)
        return 2
    for tool in tools.values():
        if tool is not None:
            print(f"{tool.name}: {tool.version}", file=sys.stderr)

    work = args.keep or Path(tempfile.mkdtemp(prefix="helpgen-peers-"))
    results: list[SizeResult] = []
    try:
        code = REPO
        if "helpgen" in args.only and not args.live:
            shutil.rmtree(work / "helpgen-code", ignore_errors=True)
            code = freeze_helpgen(work / "helpgen-code")
        print(f"helpgen: {_describe_checkout()}, run from {'the working tree' if code == REPO else 'a copy taken now'}", file=sys.stderr)
        for articles in args.sizes:
            size_work = work / f"size-{articles}"
            if size_work.exists():
                shutil.rmtree(size_work)
            result = run_size(articles, round(articles * args.posts_ratio), size_work, tools, only=args.only,
                              timeout=args.timeout, seed=args.seed, jobs=args.jobs, helpgen_code=code, edits=args.edits)
            results.append(result)
            print(format_table(result), flush=True)
            print(flush=True)
            if not args.keep:
                shutil.rmtree(size_work, ignore_errors=True)
        if len(results) > 1:
            print(format_scaling(results))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
