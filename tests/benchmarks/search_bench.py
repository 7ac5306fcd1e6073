"""Search benchmark: issue 3's figures on a generated help center, next to Pagefind's.

Builds the corpus of :mod:`tests.benchmarks.corpus` (10,000 articles and 3,000 community
posts by default) with helpgen, then prints:

* **bytes per cold query** (gzip, as a web server would send each file, level 6; files that
  are already gzip, like Pagefind's, count as they are): a fresh browser profile opens an
  article page, the query is typed into the header box, and every file the search fetches
  is counted, ``search.js`` included, until the results are on screen. Median and max over
  a set of 1–2 word queries. Pagefind indexes the same built site and runs the same queries
  in the same browser through its JS API (``pagefind.js`` + WebAssembly + index chunks +
  one fragment per shown result);
* **ranking agreement**: for 200 queries, the browser's top 10 against Whoosh's own
  exhaustive ranking (``searcher.search(q, limit=None)``) of the same query, with the same
  usage multipliers (the build's default ``[search] usage_boost``) and exact titles first,
  counted as identical, differing only by ties (documents whose Whoosh scores are equal to
  the index's 1/1000 precision), or different;
* **query time** in headless Chromium once the query's files are cached (median);
* **index build time** (the build's ``search`` stage) and **index size** on disk, raw and gzip.

Run::

    python -m tests.benchmarks.search_bench [--articles 10000] [--posts 3000] [--work DIR]

Needs Chromium (``/usr/bin/chromium``) with Playwright, and for the comparison Pagefind
(``pip install '.[bench]'``); without Pagefind its column says why it is missing.
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import search_documents
from helpgen.search._whoosh import build_whoosh_index, reference_search, term_of, words
from helpgen.search.export import INDEX_DIR, order_documents
from helpgen.search.titles import title_key
from helpgen.search.usage import usage_multipliers
from tests.benchmarks.corpus import generate_snapshot
from tests.benchmarks.peers_tools import ToolMissing, find_pagefind
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.sitehost import StaticHost

HEADER_RESULTS = 8  # what the header box shows, and what Pagefind is asked to load
RANKED = 10
TIE = 0.0005  # half the index's score step (1/1000), per rounded term score


def gzip_size(data: bytes) -> int:
    """Bytes on the wire: gzip level 6, or as is for data that is gzip already."""
    if data[:2] == b"\x1f\x8b":
        return len(data)
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def make_queries(snapshot: Any, count: int, seed: int) -> list[str]:
    """1–2 word queries a reader would type: words of real titles, sometimes two of one title,
    sometimes a word from another title, sometimes the last word only partly typed."""
    rng = random.Random(seed)
    titles = [a.title for a in snapshot.articles] + [t.post.title for t in snapshot.threads]
    queries: list[str] = []
    while len(queries) < count:
        title_words = [w for w in words(rng.choice(titles)) if term_of(w) and len(w) > 2 and not w.isdigit()]
        if not title_words:
            continue
        picked = rng.sample(title_words, min(len(title_words), rng.choice([1, 2])))
        if len(picked) == 2 and rng.random() < 0.3:
            other = [w for w in words(rng.choice(titles)) if term_of(w) and len(w) > 2]
            if other:
                picked[1] = rng.choice(other)
        query = " ".join(picked)
        if rng.random() < 0.25 and len(picked[-1]) > 4:
            query = query[: len(query) - rng.randint(1, 2)]  # still typing
        queries.append(query)
    return queries


@dataclass
class Traffic:
    """Files a page fetched (URL → body), recorded from Playwright's network events."""

    bodies: dict[str, bytes] = field(default_factory=dict)

    def listen(self, page: Any, keep: Callable[[str], bool]) -> None:
        def on_response(response: Any) -> None:
            if keep(response.url) and response.ok:
                try:
                    self.bodies[response.url] = response.body()
                except Exception:  # noqa: BLE001 - a response without a body counts nothing
                    pass

        page.on("response", on_response)

    def gzip_bytes(self) -> int:
        return sum(gzip_size(b) for b in self.bodies.values())


def _article_url(host: StaticHost, site: Path) -> str:
    first = sorted((site / "articles").iterdir())[0]
    return f"{host.url}articles/{first.name}/"


def helpgen_cold_bytes(browser: Any, host: StaticHost, site: Path, queries: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per query: a fresh profile, an article page, the query in the header box, the results.

    Returns the gzip bytes and the number of files fetched, per query."""
    url = _article_url(host, site)
    sizes, counts = [], []
    for query in queries:
        context = browser.new_context()
        page = context.new_page()
        traffic = Traffic()
        traffic.listen(page, lambda u: f"/{INDEX_DIR}" in u or "/assets/search." in u)
        page.goto(url)
        page.wait_for_function("() => window.helpgenSearch && window.helpgenSearch.index")
        page.fill("#search-box-input", query)
        page.wait_for_function(
            "q => document.querySelector('#search-box-input').value === q && "
            "document.querySelector('.search-status').textContent !== ''",
            arg=query,
        )
        page.wait_for_load_state("networkidle")
        sizes.append(traffic.gzip_bytes())
        counts.append(len(traffic.bodies))
        context.close()
    return sizes, counts


PAGEFIND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pagefind</title></head>
<body><p>Pagefind measurement page (no CSP: Pagefind needs 'wasm-unsafe-eval').</p></body></html>"""


def pagefind_cold_bytes(browser: Any, host: StaticHost, queries: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per query: a fresh profile, Pagefind's JS API, search, and the data of the shown results."""
    sizes, counts = [], []
    for query in queries:
        context = browser.new_context()
        page = context.new_page()
        traffic = Traffic()
        traffic.listen(page, lambda u: "/pagefind/" in u)
        page.goto(host.url + "pagefind-bench.html")
        page.evaluate(
            """async ([q, n]) => {
                const pagefind = await import(new URL('pagefind/pagefind.js', location.href).href);
                await pagefind.init();
                const found = await pagefind.search(q);
                await Promise.all(found.results.slice(0, n).map(r => r.data()));
            }""",
            [query, HEADER_RESULTS],
        )
        page.wait_for_load_state("networkidle")
        sizes.append(traffic.gzip_bytes())
        counts.append(len(traffic.bodies))
        context.close()
    return sizes, counts


def run_pagefind(site: Path) -> tuple[str, float]:
    """Index the built site with Pagefind; returns its version and the seconds it took."""
    tool = find_pagefind()
    started = time.perf_counter()
    subprocess.run([*tool.command, "--site", str(site), "--output-subdir", "pagefind"], check=True, capture_output=True)
    (site / "pagefind-bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    return tool.version, time.perf_counter() - started


def browser_rankings(browser: Any, host: StaticHost, site: Path, queries: Sequence[str]) -> tuple[list[Any], list[float]]:
    """The browser's top 10 (and words) for each query, and each query's time once cached."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(_article_url(host, site))
    page.wait_for_function("() => window.helpgenSearch && window.helpgenSearch.index")
    results = page.evaluate(
        """async ([queries, limit, repeats]) => {
            const index = await window.helpgenSearch.index.ready();
            const out = [];
            for (const q of queries) {
                const first = await index.search(q, {limit});
                await Promise.all(first.hits.map(h => index.document(h.doc)));
                // Timers are coarse (0.1 ms): time a run of repeats and divide.
                const t0 = performance.now();
                for (let i = 0; i < repeats; i++) {
                    const again = await index.search(q, {limit});
                    await Promise.all(again.hits.map(h => index.document(h.doc)));
                }
                out.push({hits: first.hits, mode: first.mode, words: first.words, ms: (performance.now() - t0) / repeats});
            }
            return out;
        }""",
        [list(queries), RANKED, 20],
    )
    context.close()
    return results, [r["ms"] for r in results]


def compare_rankings(
    whoosh: Any, results: Sequence[Any], multipliers: Sequence[float], titles: dict[str, list[int]]
) -> tuple[int, int, list[str]]:
    """(identical, ties only, descriptions of real differences) against Whoosh, limit=None,
    with the index's usage ``multipliers`` and the documents of exact ``titles`` (key → docs) first."""
    identical = ties = 0
    different = []
    for result in results:
        groups: list[list[str]] = []
        for word in result["words"]:
            if word["how"] != "stop" and word["terms"] not in groups:
                groups.append(word["terms"])
        typed = [w for w in result["words"] if w["term"] is not None]
        first = titles.get(" ".join(w["term"] for w in typed), []) if all(w["how"] == "exact" for w in typed) else []
        ranked = reference_search(whoosh, groups, require_all=True, multipliers=multipliers, first=first)
        ranked = ranked or reference_search(whoosh, groups, require_all=False, multipliers=multipliers)
        ours = [h["doc"] for h in result["hits"]]
        theirs = [doc for doc, _ in ranked[:RANKED]]
        if ours == theirs:
            identical += 1
            continue
        score = dict(ranked)
        tolerance = 2 * TIE * max(len(groups), 1) * max(multipliers, default=1.0) + 1e-9
        if len(ours) == len(theirs) and all(
            abs(score.get(doc, -1.0) - expected) <= tolerance for doc, (_, expected) in zip(ours, ranked)
        ):
            ties += 1
        else:
            different.append(f"{[w['word'] for w in result['words']]}: ours {ours} whoosh {theirs}")
    return identical, ties, different


def index_size(site: Path) -> tuple[int, int, int, int]:
    """Files, raw bytes, gzip bytes and bytes allocated on disk (whole blocks) of the index."""
    files = [p for p in (site / INDEX_DIR).rglob("*.json") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(gzip_size(p.read_bytes()) for p in files)
    allocated = sum(p.stat().st_blocks * 512 for p in files)
    return len(files), raw, packed, allocated


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.search_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--cold-queries", type=int, default=100, help="queries measured cold (bytes)")
    parser.add_argument("--ranked-queries", type=int, default=200, help="queries compared with Whoosh")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, help="keep the built site here (default: a temporary folder)")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the Pagefind comparison")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="helpgen-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    print(f"corpus: {args.articles:,} articles + {args.posts:,} community posts (seed {args.seed})", flush=True)
    snapshot = generate_snapshot(args.articles, args.posts, seed=args.seed)
    site_dir = work / "project"
    site_dir.mkdir(exist_ok=True)
    (site_dir / "helpgen.toml").write_text('[site]\ntitle = "Bench Help Center"\n[analytics]\nenabled = false\n', encoding="utf-8")
    config = load_config(site_dir, overrides={"out_dir": site, "cache_dir": work / "cache"}, environ={})
    started = time.perf_counter()
    report = build_site(config, snapshot=snapshot, full=True)
    print(f"site built in {time.perf_counter() - started:.1f} s ({report.pages_written:,} pages)", flush=True)

    files, raw, packed, allocated = index_size(site)
    queries_all = make_queries(snapshot, max(args.cold_queries, args.ranked_queries), args.seed)
    cold_queries = queries_all[: args.cold_queries]

    pagefind_note = ""
    if not args.no_pagefind:
        try:
            pagefind_version, pagefind_seconds = run_pagefind(site)
            pagefind_files = [p for p in (site / "pagefind").rglob("*") if p.is_file()]
            pagefind_raw = sum(p.stat().st_size for p in pagefind_files)
        except (ToolMissing, subprocess.CalledProcessError) as exc:
            pagefind_note = f"Pagefind not measured: {exc}"

    from playwright.sync_api import sync_playwright

    with StaticHost(site) as host, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        ours, our_files = helpgen_cold_bytes(browser, host, site, cold_queries)
        theirs, their_files = ([], [])
        if not args.no_pagefind and not pagefind_note:
            theirs, their_files = pagefind_cold_bytes(browser, host, cold_queries)
        results, times = browser_rankings(browser, host, site, queries_all[: args.ranked_queries])
        browser.close()

    pages, _ = plan_pages(snapshot, SiteSettings(title="Bench Help Center"))
    documents = order_documents(search_documents(pages))
    whoosh = build_whoosh_index(d.fields for d in documents)
    boosts = usage_multipliers(pages, config.search_usage_boost)
    titles: dict[str, list[int]] = {}
    for number, doc in enumerate(documents):
        key = title_key(doc.title)
        if key is not None:
            titles.setdefault(key, []).append(number)
    identical, ties, different = compare_rankings(whoosh, results, [boosts.get(d.path, 1.0) for d in documents], titles)
    js_size = sum(gzip_size(p.read_bytes()) for p in (site / "assets").glob("search.*.js"))

    print()
    print(f"{'':44}{'helpgen':>14}{'Pagefind':>14}")
    print(
        f"{'cold query, gzip bytes fetched: median':44}{_kb(statistics.median(ours)):>14}"
        f"{_kb(statistics.median(theirs)) if theirs else 'n/a':>14}"
    )
    print(f"{'                                  max':44}{_kb(max(ours)):>14}{_kb(max(theirs)) if theirs else 'n/a':>14}")
    print(f"{'  (of which the script, search.js)':44}{_kb(js_size):>14}")
    print(
        f"{'files fetched per cold query: median':44}{statistics.median(our_files):>14.0f}"
        f"{statistics.median(their_files) if their_files else 'n/a':>14}"
    )
    print(f"{'index build time':44}{report.seconds.get('search', 0):>12.1f} s" + (f"{pagefind_seconds:>12.1f} s" if theirs else ""))
    print(f"{'index size on disk, raw':44}{raw / 2**20:>11.1f} MB" + (f"{pagefind_raw / 2**20:>11.1f} MB" if theirs else ""))
    print(f"{'index size on disk, gzip':44}{packed / 2**20:>11.1f} MB" + ("   (gzip already)" if theirs else ""))
    print(f"{'index size on disk, allocated (file system)':44}{allocated / 2**20:>11.1f} MB")
    print(f"{'index files':44}{files:>14,}" + (f"{len(pagefind_files):>14,}" if theirs else ""))
    print(f"{'query time in Chromium, files cached: median':44}{statistics.median(times):>11.2f} ms")
    print(f"{'                                   90th pct':44}{statistics.quantiles(times, n=10)[-1]:>11.2f} ms")
    print(f"{'                                        max':44}{max(times):>11.2f} ms")
    total = len(results)
    print(
        f"ranking vs Whoosh limit=None, {total} queries: {identical} identical top 10 ({100 * identical / total:.1f}%), "
        f"{ties} differ only by ties, {len(different)} differ"
    )
    for line in different[:5]:
        print("   ", line)
    print(f"queries measured cold: {len(cold_queries)} (1–2 words, {HEADER_RESULTS} results shown), e.g. {cold_queries[:6]}")
    if pagefind_note:
        print(pagefind_note)
    elif theirs:
        print(f"Pagefind {pagefind_version}, run on the same built site ({report.pages_written:,} pages)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
