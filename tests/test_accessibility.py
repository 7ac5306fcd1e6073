"""WCAG 2.2 AA in real headless Chromium: axe-core on every page kind, light and dark, plus
the things axe cannot judge alone: a visible focus indicator, the skip link, reduced motion.

The example site is built against the cStar test server (so the "Was this helpful?" widget is
live, as readers see it) and served where its ``base_url`` says (absolute links on the 404 page).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.render.paths import safe_segment
from helpgen.testing.cstar_server import CStarTestServer
from tests.a11y import axe_source, axe_violations
from tests.conftest import EXAMPLE_SITE
from tests.sitehost import StaticHost

pytestmark = pytest.mark.browser

SNAPSHOT = load_snapshot(EXAMPLE_SITE / "snapshot")


def _first_path(out: Path, section: str) -> str:
    return f"{section}/{sorted(p.name for p in (out / section).iterdir() if p.is_dir())[0]}/"


@pytest.fixture(scope="module")
def api() -> Iterator[CStarTestServer]:
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        yield server


def build_example(out: Path, api: CStarTestServer, **changes: Any) -> Path:
    """The example site, its views and feedback going to the test server."""
    overrides = {"out_dir": out, "api_url": api.url, "cache_dir": out.with_name(out.name + "-cache")}
    build_site(replace(load_config(EXAMPLE_SITE, overrides=overrides, environ={}), **changes))
    return out


@pytest.fixture(scope="module")
def site(api: CStarTestServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = build_example(tmp_path_factory.mktemp("a11y") / "site", api)
    with StaticHost(out) as host:  # at the root, where base_url says the site lives (the 404 page)
        yield host.url, out


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def page_kinds(out: Path) -> dict[str, str]:
    """One page of every kind: site path (relative to the site root) by kind. The post is one
    with an official answer and other comments, the richest post page."""
    topic = next(p for p in sorted((out / "community").iterdir()) if p.is_dir() and p.name not in ("posts",))
    answered = next(
        t.post.slug for t in SNAPSHOT.threads if any(c.is_official for c in t.comments) and len(t.comments) > 1
    )
    kinds = {
        "home": "",
        "category": _first_path(out, "categories"),
        "article": f"articles/{safe_segment(SNAPSHOT.articles[0].slug)}/",
        "community": "community/",
        "topic": f"community/{topic.name}/",
        "post": f"community/posts/{safe_segment(answered)}/",
        "search": "search/?q=invoice",
        "a-z": "search/a-z/i/",
        "404": "no/such/page/",
    }
    if (out / "roadmap" / "index.html").is_file():  # with [roadmap] topics (the example has them)
        kinds["roadmap"] = "roadmap/"
    return kinds


def _open(browser: Any, url: str, scheme: str, *, status: int = 200, width: int = 1280, **options: Any) -> Any:
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}, **options
    )
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status == status, url
    page.wait_for_load_state("networkidle")
    return page


def _settle(page: Any, kind: str) -> None:
    """Wait until scripts have made the page what a reader sees (results, widget)."""
    if kind == "search":
        page.wait_for_selector("#search-results li")
    if kind == "article":
        page.wait_for_selector("[data-feedback]:not([hidden])")


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 375)], ids=["light", "dark", "phone"]
)
def test_every_page_kind_has_no_axe_violations(site, browser, axe, scheme: str, width: int) -> None:
    url, out = site
    failures: dict[str, list[str]] = {}
    for kind, path in page_kinds(out).items():
        page = _open(browser, url + path, scheme, status=404 if kind == "404" else 200, width=width)
        _settle(page, kind)
        found = axe_violations(page, axe)
        if kind == "article":  # and the feedback form, once the reader has answered
            page.get_by_role("button", name="Yes").click()
            page.wait_for_selector(".feedback-form:not([hidden])")
            found += axe_violations(page, axe)
        if found:
            failures[kind] = found
        page.context.close()
    assert failures == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_instant_search_results_have_no_axe_violations(site, browser, axe, scheme: str) -> None:
    url, _ = site
    page = _open(browser, url, scheme)
    page.locator("#search-box-input").fill("invoice")
    page.wait_for_selector(".search-popup:not([hidden]) [role=option]")
    page.keyboard.press("ArrowDown")
    assert axe_violations(page, axe) == []
    page.context.close()


def test_the_skip_link_is_first_shows_on_focus_and_moves_focus_to_the_content(site, browser) -> None:
    url, out = site
    page = _open(browser, url + page_kinds(out)["article"], "light")
    skip = page.locator("a.skip-link")
    assert skip.bounding_box() is None or skip.bounding_box()["y"] < 0 or skip.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.width <= 1 || r.height <= 1; }"
    ), "the skip link is hidden until focused"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')"), "the first Tab reaches the skip link"
    box = skip.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10 and box["y"] >= 0, "visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside_main, "the next Tab goes on inside the content, past the header"
    page.context.close()


def _focus_ring(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                    shadow: s.boxShadow, tag: document.activeElement.tagName}; }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_always_visible(site, browser, scheme: str) -> None:
    """Tab through the first 25 stops of an article page: each has an outline of 2px or more
    (or a focus shadow), so a keyboard user always sees where they are (WCAG 2.4.7, 2.4.11)."""
    url, out = site
    page = _open(browser, url + page_kinds(out)["article"], scheme)
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        ring = _focus_ring(page)
        seen.append(ring["tag"])
        visible = (ring["style"] not in ("none", "") and ring["width"] >= 2) or ring["shadow"] not in ("none", "")
        assert visible, ring
        assert ring["color"] not in ("rgba(0, 0, 0, 0)", "transparent"), ring
    assert "A" in seen and "INPUT" in seen
    page.context.close()


def _animated(page: Any) -> list[str]:
    """Elements with a CSS transition or animation longer than 10ms, or smooth scrolling."""
    return page.evaluate(
        """() => {
            const long = v => v.split(',').some(t => parseFloat(t) * (t.trim().endsWith('ms') ? 1 : 1000) > 10);
            const out = [];
            for (const e of document.querySelectorAll('*')) {
                const s = getComputedStyle(e);
                if (long(s.transitionDuration) || (s.animationName !== 'none' && long(s.animationDuration))) out.push(e.tagName + '.' + e.className);
            }
            if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') out.push('html: smooth scrolling');
            return out;
        }"""
    )


def test_reduced_motion_turns_off_animations_and_smooth_scrolling(site, browser) -> None:
    url, _ = site
    moving = _open(browser, url, "light")
    assert _animated(moving), "the theme animates something by default (else this test proves nothing)"
    moving.context.close()
    still = _open(browser, url, "light", reduced_motion="reduce")
    assert _animated(still) == []
    still.context.close()


def test_ci_installs_the_axe_core_version_the_tests_expect() -> None:
    from tests.a11y import AXE_VERSION
    from tests.conftest import REPO

    assert f"axe-core@{AXE_VERSION}" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f"axe-core@{AXE_VERSION}" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_japanese_site_has_no_axe_violations(api, browser, axe, tmp_path: Path, scheme: str) -> None:
    """Another language changes every text (and its length): home and an article, in Japanese."""
    out = build_example(tmp_path / "site", api, language="ja")
    with StaticHost(out) as host:
        for path in ("", page_kinds(out)["article"]):
            page = _open(browser, host.url + path, scheme)
            assert page.evaluate("document.documentElement.lang") == "ja"
            assert axe_violations(page, axe) == [], path
            page.context.close()
