"""Shared fixtures: the example site, temporary snapshots and headless Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SITE = REPO / "example_site"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright not installed (pip install '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright; skips (or fails in CI) when missing."""
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("HELPGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (HELPGEN_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """example_site built once with its own helpgen.toml (read-only: tests must not modify it)."""
    from helpgen.build import build_site
    from helpgen.config import load_config

    root = tmp_path_factory.mktemp("example-build")
    build_site(load_config(EXAMPLE_SITE, overrides={"out_dir": root / "site", "cache_dir": root / "cache"}, environ={}))
    return root / "site"


@pytest.fixture(scope="session")
def example_snapshot():
    """example_site's snapshot, loaded once (frozen models; do not modify)."""
    from helpgen.content.snapshot import load_snapshot

    return load_snapshot(EXAMPLE_SITE / "snapshot")


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of example_site (config, snapshot, static), safe to modify."""
    target = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, target, ignore=shutil.ignore_patterns("_site", ".helpgen-cache"))
    return target
