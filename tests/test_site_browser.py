"""The built example site in real headless Chromium, served from a subfolder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from tests.conftest import EXAMPLE_SITE
from tests.sitehost import StaticHost

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def subfolder_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    # Views/feedback would go to the real cStar API, which is unreachable here (see test_feedback_browser.py).
    build_site(replace(config, base_url="https://help.kettlehq.com/help/", analytics=False, cache_dir=out.parent / "cache"))
    return out


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def test_reader_browses_from_home_to_an_article(subfolder_site: Path, page) -> None:
    with StaticHost(subfolder_site, prefix="/help/") as host:
        page.goto(host.url)
        assert page.title() == "Kettle Help Center"
        cards = page.locator("main a", has_text="Payments")
        cards.first.click()
        assert page.url.endswith("/help/categories/payments/")
        assert page.locator("h1").inner_text().strip() == "Payments"
        page.locator("main a", has_text="Refund a payment").first.click()
        assert "/help/articles/refund-a-payment-" in page.url
        assert page.locator("h1").inner_text().strip() == "Refund a payment"
        # The stylesheet loaded from the subfolder: the body font is not the browser default.
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Times" not in font
        breadcrumb = page.locator("nav[aria-label='Breadcrumb']").inner_text()
        assert "Payments" in breadcrumb
        page.locator("nav[aria-label='Breadcrumb'] a", has_text="Payments").click()
        assert page.url.endswith("/help/categories/payments/")
        assert page.console_errors == []


def test_article_toc_links_to_its_sections(subfolder_site: Path, page) -> None:
    with StaticHost(subfolder_site, prefix="/help/") as host:
        page.goto(host.url + "articles/set-up-single-sign-on-with-saml-h7wifbfi/")
        toc_links = page.locator("nav[aria-label='On this page'] a")
        assert toc_links.count() >= 3
        href = toc_links.nth(1).get_attribute("href")
        assert href and href.startswith("#")
        assert page.locator(f"[id='{href[1:]}']").count() == 1
        # Code is highlighted and the callouts are rendered, not left as "[!NOTE]" text.
        assert page.locator("pre.highlight, .highlight pre").count() >= 1
        assert page.locator(".callout").count() >= 1
        assert "[!" not in page.locator("main").inner_text()


def test_community_post_shows_official_answer_and_pasted_html_as_text(subfolder_site: Path, page) -> None:
    with StaticHost(subfolder_site, prefix="/help/") as host:
        page.goto(host.url + "community/posts/embed-code-for-the-pay-button-shows-up-as-text-on-my-website/")
        body = page.locator("main").inner_text()
        assert "<script src=" in body  # the customer's pasted snippet is shown, not run
        assert page.locator("main iframe").count() == 0
        assert page.get_by_text("Official answer").count() >= 1
        assert page.console_errors == []


def test_404_page_works_at_any_depth(subfolder_site: Path, page) -> None:
    with StaticHost(subfolder_site, prefix="/help/") as host:
        response = page.goto(host.url + "no/such/page/here/")
        assert response is not None and response.status == 404
        assert "not found" in page.locator("h1").inner_text().lower()
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Times" not in font  # its stylesheet loaded from /help/assets/
        page.locator("main a", has_text="Payments").first.click()
        assert page.url.endswith("/help/categories/payments/")


def test_dark_mode_follows_the_system(subfolder_site: Path, browser) -> None:
    with StaticHost(subfolder_site, prefix="/help/") as host:
        backgrounds = {}
        for scheme in ("light", "dark"):
            context = browser.new_context(color_scheme=scheme)
            page = context.new_page()
            page.goto(host.url)
            backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
            context.close()
        assert backgrounds["light"] != backgrounds["dark"]
