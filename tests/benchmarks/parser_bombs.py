"""Parser-bomb figures: seconds and peak memory of each pathological body, as a reader gets it.

Renders every bomb of the hostile fixture set (``tests/hostile/snapshot.py``: a 5 MB article,
5,000 nested lists and blockquotes, a 100,000-backtick line, ...) plus a few more adversarial
ones, as an article and as a community post, each in a fresh process (so the peak RSS is that
body's alone), and prints what the parser limits did to it (``helpgen/render/limits.py``).

    python -m tests.benchmarks.parser_bombs [--only NAME] [--kind article|customer]

Not a test: nothing here asserts; the figures go in the closing note of issue 7.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

EXTRA_BOMBS = {
    "100000 image openers": '"![" * 100_000',
    "100000 autolinks": '"<https://a.b/c> " * 100_000',
    "20000 identical headings": '"## Setup\\n\\n" * 20_000',
    "table of 2000 columns": '"|" + "a|" * 2000 + "\\n|" + "-|" * 2000 + "\\n" + ("|" + "x|" * 2000 + "\\n") * 50',
    "20000 footnotes": '"".join(f"x[^{i}]\\n\\n" for i in range(20000)) + "".join(f"[^{i}]: n\\n\\n" for i in range(20000))',
    "100000 CDATA openers": '"<![CDATA[" * 100_000',
}

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from helpgen.render.markdown import render_article, render_customer_body
from tests.hostile.snapshot import BOMBS
name, kind, expression = sys.argv[1], sys.argv[2], sys.argv[3]
source = BOMBS[name] if not expression else eval(expression)
render = render_article if kind == "article" else render_customer_body
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
rendered = render(source)
seconds = time.perf_counter() - started
print(json.dumps({{
    "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "base_mb": before / 1024,
    "input_mb": len(source) / 1e6,
    "html_mb": len(rendered.html) / 1e6,
    "limits": list(rendered.limits),
}}))
"""


def _run(name: str, kind: str, expression: str) -> dict[str, object]:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD.format(repo=str(REPO)), name, kind, expression],
        capture_output=True, text=True, check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the bombs whose name contains this")
    parser.add_argument("--kind", choices=["article", "customer"], help="only this renderer")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from tests.hostile.snapshot import BOMBS

    cases = [(name, "") for name in BOMBS] + list(EXTRA_BOMBS.items())
    print(f"{'bomb':34} {'as':9} {'input MB':>8} {'seconds':>8} {'peak MB':>8} {'HTML MB':>8}  limits")
    for name, expression in cases:
        if args.only and args.only not in name:
            continue
        for kind in ("article", "customer"):
            if args.kind and kind != args.kind:
                continue
            figures = _run(name, kind, expression)
            limits = "; ".join(figures["limits"]) or "-"  # type: ignore[arg-type]
            print(
                f"{name:34} {kind:9} {figures['input_mb']:8.2f} {figures['seconds']:8.2f} "
                f"{figures['peak_mb']:8.0f} {figures['html_mb']:8.2f}  {limits}",
                flush=True,
            )


if __name__ == "__main__":
    main()
