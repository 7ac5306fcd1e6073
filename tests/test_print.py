"""Printing an article in real headless Chromium (``emulate_media(media="print")``): only the
article is printed, in dark ink on white whatever the reader's colour scheme, and external
links show their address after the link text."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from typing import Any, Iterator

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from tests.conftest import EXAMPLE_SITE
from tests.sitehost import StaticHost

pytestmark = pytest.mark.browser

SLUG = "printable-guide"
BODY = """Read the [official guide](https://docs.example.org/guide) or [the next article](/articles/{other}).

## Steps

1. Open **Settings**.
2. Write to [support](mailto:help@example.org).

```python
print("a long line of code that must wrap instead of being cut off at the edge of the paper, ok")
```
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("print")
    source = root / "source"
    shutil.copytree(EXAMPLE_SITE, source, ignore=shutil.ignore_patterns("_site", ".helpgen-cache"))
    snap = load_snapshot(source / "snapshot")
    first = snap.articles[0]
    printable = replace(first, id="art_print", slug=SLUG, title="A printable guide", content=BODY.format(other=first.slug))
    save_snapshot(replace(snap, articles=(printable,) + snap.articles), source / "snapshot")
    config = load_config(source, overrides={"out_dir": root / "out", "cache_dir": root / "cache"}, environ={})
    build_site(replace(config, analytics=False))  # views would go to the real API (unreachable here)
    with StaticHost(root / "out") as host:
        yield host.url


def _printed(browser: Any, url: str, scheme: str) -> Any:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    assert page.goto(url).status == 200, url
    page.emulate_media(media="print")
    return page


HIDDEN_WHEN_PRINTED = [
    ".site-header",
    ".category-nav",
    ".search-box",
    ".breadcrumbs",
    ".toc",
    ".feedback",
    ".pager",
    ".related",
    ".site-footer",
    ".skip-link",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_article_prints_without_navigation_search_or_feedback(site, browser, scheme: str) -> None:
    page = _printed(browser, f"{site}articles/{SLUG}/", scheme)
    for selector in HIDDEN_WHEN_PRINTED:
        for element in page.locator(selector).all():
            assert not element.is_visible(), f"{selector} is printed"
    assert page.locator("h1").is_visible() and page.locator(".prose").is_visible()
    # The title is the first thing on paper.
    assert page.locator("h1").bounding_box()["y"] < 150
    # Dark ink on white paper, even for a reader in dark mode.
    colors = page.evaluate(
        """() => ({body: getComputedStyle(document.body).backgroundColor,
                  text: getComputedStyle(document.querySelector('.prose p')).color,
                  link: getComputedStyle(document.querySelector('.prose a')).color})"""
    )
    assert colors["body"] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    for name in ("text", "link"):
        red, green, blue = (int(v) for v in colors[name].removeprefix("rgb(").rstrip(")").split(",")[:3])
        assert max(red, green, blue) < 90, (name, colors[name])
    # All text readable on white paper (dark mode's palette must not leak into print).
    pale = page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e => e.offsetParent !== null
                && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => [e.tagName + '.' + e.className, getComputedStyle(e).color])
            .filter(([, c]) => {  // contrast with white paper below 4.5:1
                const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => { v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05) < 4.5; })"""
    )
    assert pale == []
    # Code wraps rather than being cut off at the paper's edge.
    assert page.evaluate("getComputedStyle(document.querySelector('.prose pre')).whiteSpace") in ("pre-wrap", "break-spaces")
    page.context.close()


def test_external_links_show_their_address_when_printed(site, browser) -> None:
    page = _printed(browser, f"{site}articles/{SLUG}/", "light")
    after = page.evaluate(
        """() => [...document.querySelectorAll('.prose a')].map(a =>
            [a.getAttribute('href'), getComputedStyle(a, '::after').content])"""
    )
    by_href = {href: content for href, content in after}
    assert by_href["https://docs.example.org/guide"] == '" (https://docs.example.org/guide)"'
    internal = next(h for h in by_href if h.startswith("../"))
    assert by_href[internal] in ("none", "normal", '""'), "site links show no address"
    assert by_href["mailto:help@example.org"] in ("none", "normal", '""')
    # On screen, nothing is added.
    page.emulate_media(media="screen")
    assert page.evaluate("getComputedStyle(document.querySelector('.prose a'), '::after').content") in ("none", "normal")
    page.context.close()


def test_the_printed_article_fits_on_few_pages(site, browser) -> None:
    """The PDF Chromium makes holds the article alone: a short article is one page."""
    page = _printed(browser, f"{site}articles/{SLUG}/", "light")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, pages
    page.context.close()
