"""axe-core for the browser tests: where to find it, and running it on an open page.

axe-core is an npm package; ``.ci/run`` installs the pinned version into ``.ci/node/``
(``npm install --prefix .ci/node axe-core@AXE_VERSION``). ``HELPGEN_AXE_JS`` may point at
another copy of ``axe.min.js``. Without it the accessibility tests skip, and fail under
``HELPGEN_REQUIRE_BROWSER=1`` (CI), like the other browser tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

AXE_VERSION = "4.14.1"
AXE_JS = REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices (landmarks, one main,
# headings, region), which the default theme also keeps.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def axe_source() -> str:
    """The text of ``axe.min.js``; skips (or fails in CI) when it is not installed."""
    path = Path(os.environ.get("HELPGEN_AXE_JS") or AXE_JS)
    if not path.is_file():
        reason = (
            f"axe-core not found at {path} "
            f"(npm install --prefix .ci/node axe-core@{AXE_VERSION}, or set HELPGEN_AXE_JS)"
        )
        if os.environ.get("HELPGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"accessibility tests required (HELPGEN_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[str]:
    """Run axe on the page as it is now; each violation as one readable line (rule, impact, nodes).

    The page's own Content-Security-Policy forbids injected scripts: open it in a browser
    context made with ``bypass_csp=True``.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").replace(/\\s+/g, " "))}));
        }""",
        AXE_TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {v['nodes']}" for v in result]
