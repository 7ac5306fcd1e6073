"""Search in real headless Chromium, on the example site served from a subfolder: the header
box (instant results, keyboard), the /search/ page with and without JavaScript, and the
browser's analyzer against Whoosh's."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.search import open_site_index
from helpgen.search._whoosh import analyze
from tests.conftest import EXAMPLE_SITE
from tests.sitehost import StaticHost
from tests.test_search_index import HARD_CASES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search-browser") / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    build_site(replace(config, base_url="https://help.kettlehq.com/help/", analytics=False, cache_dir=out.parent / "cache"))
    return out


@pytest.fixture(scope="module")
def host(site: Path):
    with StaticHost(site, prefix="/help/") as served:
        served.site = site  # type: ignore[attr-defined]
        yield served


def _page(browser, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser)
    yield page
    context.close()


def _open_article(page, host) -> None:
    """Any page has the box: start from an article two folders deep."""
    folder = next((Path(host.site) / "articles").glob("set-up-your-business-profile-*"))
    page.goto(f"{host.url}articles/{folder.name}/")
    page.wait_for_function("() => window.helpgenSearch && window.helpgenSearch.index")


def _type(page, text: str) -> list[str]:
    box = page.locator("#search-box-input")
    box.click()
    box.fill("")
    box.type(text, delay=15)
    page.wait_for_function(
        "q => document.querySelector('.search-status').textContent !== '' && "
        "document.querySelector('#search-box-input').value === q",
        arg=text,
    )
    page.wait_for_timeout(150)  # the last keystroke's results replace earlier ones
    page.wait_for_function("() => document.querySelector('.search-status').textContent !== ''")
    return [t.strip() for t in page.locator("#search-box-options li[role=option] .search-result-title").all_inner_texts()]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("refund", "Refund a payment"),  # exact title word
        ("two-factor", "Turn on two-factor authentication"),
        ("recurr", "Set up recurring invoices"),  # a prefix, completed as you type
        ("refnud", "Refund a payment"),  # a typo: two letters swapped
        ("webhoks", "Receive events with webhooks"),  # a typo: one letter missing
        ("zapier trigger", 'Zapier "Invoice paid" trigger fires twice for partial payments'),  # a community post
    ],
)
def test_header_box_puts_the_expected_page_first(host, page, query: str, expected: str) -> None:
    _open_article(page, host)
    titles = _type(page, query)
    assert titles and titles[0] == expected, titles
    assert page.locator("#search-box-input").get_attribute("aria-expanded") == "true"
    assert page.console_errors == []


def test_results_are_escaped_and_highlighted(host, page) -> None:
    _open_article(page, host)
    titles = _type(page, "bold tags")
    assert "Invoice notes show <b>tags</b> instead of bold text" in titles
    option = page.locator("#search-box-options li", has_text="instead of bold text").first
    assert option.locator("b").count() == 0  # the customer's <b> is text, not markup
    assert option.locator(".search-result-title mark").all_inner_texts() == ["tags", "bold"]
    assert "Community post · Open" in option.inner_text()


def test_keyboard_slash_arrows_enter_and_escape(host, page) -> None:
    _open_article(page, host)
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-box-input"
    page.keyboard.type("refund", delay=15)
    # On a busy machine an early keystroke ("r") may get its own (empty) results first: wait for the last.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-box-options .search-result-title')]"
        ".some(e => e.textContent === 'Refund a payment')"
    )
    page.keyboard.press("Escape")
    assert page.locator(".search-popup").is_hidden()
    page.keyboard.press("ArrowDown")
    assert page.locator(".search-popup").is_visible()
    active = page.locator("#search-box-input").get_attribute("aria-activedescendant")
    assert page.locator(f"[id='{active}']").get_attribute("aria-selected") == "true"
    assert "Refund a payment" in page.locator(f"[id='{active}']").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/help/articles/refund-a-payment-"))
    assert page.locator("h1").inner_text().strip() == "Refund a payment"
    assert page.console_errors == []


def test_a_click_on_an_option_opens_it_and_options_hold_no_links(host, page) -> None:
    _open_article(page, host)
    _type(page, "webhooks")
    assert page.locator("#search-box-options a").count() == 0  # an option is not a link (axe: nested-interactive)
    page.locator("#search-box-options li[role=option] .search-result-excerpt").first.click()
    page.wait_for_url(re.compile(r"/help/articles/receive-events-with-webhooks-"))
    _type(page, "webhooks")
    page.locator("#search-box-options li.search-all").click()
    page.wait_for_url(re.compile(r"/help/search/\?q=webhooks$"))
    assert page.console_errors == []


def test_enter_without_a_selection_opens_the_search_page(host, page) -> None:
    _open_article(page, host)
    _type(page, "payout")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/help/search/\?q=payout"))
    page.wait_for_selector("#search-results li")
    assert "Payouts" in page.locator("#search-results li a").first.inner_text()


def test_search_page_lists_every_result_in_rank_order(host, page, site: Path) -> None:
    page.goto(host.url + "search/?q=invoice+payment")
    page.wait_for_selector("#search-results li")
    links = page.locator("#search-results > li")
    shown = [links.nth(i).locator("a").get_attribute("href") for i in range(links.count())]
    assert all(links.nth(i).locator("a").count() == 1 for i in range(links.count()))
    engine = open_site_index(site)
    expected = [engine.document(h.doc).path for h in engine.search("invoice payment", limit=10, complete_last=False).hits]
    assert [h.split("/help/")[-1] for h in (page.evaluate(f"new URL({json.dumps(s)}, location.href).href") for s in shown)] == expected
    # More results, then a filter: only community posts, and the URL remembers it.
    page.locator("#search-more").click()
    page.wait_for_function("() => document.querySelectorAll('#search-results > li').length > 10")
    page.select_option("select[name=type]", "post")
    page.wait_for_function("() => location.search.includes('type=post')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-results .search-result-meta')].every(m => m.textContent.startsWith('Community post'))"
    )
    assert page.locator("#search-results > li").count() >= 1
    page.select_option("select[name=type]", "")
    page.select_option("select[name=category]", "c:payments")
    page.wait_for_function(
        "() => location.search.includes('category=c%3Apayments') && "
        "[...document.querySelectorAll('#search-results .search-result-meta')].every(m => m.textContent === 'Article · Payments')"
    )
    assert page.locator("#search-fallback").is_hidden()
    assert page.console_errors == []


def test_search_page_without_javascript_still_leads_somewhere(host, browser) -> None:
    context, page = _page(browser, java_script_enabled=False)
    try:
        page.goto(host.url + "search/?q=refund")
        assert page.locator("#search-results li").count() == 0
        assert "Searching needs JavaScript" in page.locator("#search-fallback").inner_text()
        categories = page.locator("#search-fallback .search-categories").inner_text()
        assert "Payments" in categories and "articles" in categories
        assert page.locator("#search-fallback", has_text="Popular articles").count() == 1
        page.locator(".az-letters a", has_text="R").first.click()
        page.wait_for_url(re.compile(r"/help/search/a-z/r/$"))
        page.locator(".az-list a", has_text="Refund a payment").click()
        assert page.locator("h1").inner_text().strip() == "Refund a payment"
        # The header box is a plain form: submitting it opens the search page.
        page.locator("#search-box-input").fill("refund")
        page.locator("#search-box-input").press("Enter")
        page.wait_for_url(re.compile(r"/help/search/\?q=refund$"))
    finally:
        context.close()


def test_the_browser_analyzer_agrees_with_whoosh_on_hard_cases(host, page) -> None:
    page.goto(host.url)
    page.wait_for_function("() => window.helpgenSearch && window.helpgenSearch.index")
    got = page.evaluate("texts => texts.map(t => window.helpgenSearch.analyze(t))", HARD_CASES)
    assert got == [analyze(t) for t in HARD_CASES]


def test_cjk_post_is_found_by_its_exact_token(host, page) -> None:
    page.goto(host.url)
    titles = _type(page, "適格請求書")
    assert titles[0].startswith("適格請求書")


@pytest.mark.parametrize(
    ("language", "kind", "count_text", "see_all"),
    [("de", "Artikel", "Ergebnis", "Alle Ergebnisse für „password“ anzeigen"),
     ("ja", None, None, None)],
)
def test_search_texts_come_from_the_sites_language(browser, tmp_path: Path, language, kind, count_text, see_all) -> None:
    out = tmp_path / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    build_site(replace(config, language=language, analytics=False, cache_dir=tmp_path / "cache"))
    catalog = json.loads((Path(__file__).resolve().parent.parent / "themes" / "default" / "locales" / f"{language}.json").read_text())
    kind = kind or catalog["search.kind_article"]
    with StaticHost(out, prefix="/help/") as served:
        served.site = out  # type: ignore[attr-defined]
        context, page = _page(browser)
        try:
            _open_article(page, served)
            titles = _type(page, "password")
            assert titles
            metas = page.locator("#search-box-options .search-result-meta").all_inner_texts()
            assert all(m.startswith((kind, catalog["search.kind_post"])) for m in metas)
            status = page.locator(".search-status").inner_text()
            forms = catalog["search.result_count"]
            expected = forms["one"] if len(titles) == 1 and "one" in forms else forms["other"]
            assert status.startswith(expected.replace("{count}", str(len(titles))))
            if count_text:
                assert count_text in status
            more = page.locator("#search-box-options li.search-all").inner_text()
            assert more == (see_all or catalog["search.see_all"].replace("{query}", "password"))
            assert not page.console_errors
        finally:
            context.close()


def test_an_exact_title_stays_first_in_the_browser(browser, tmp_path: Path) -> None:
    """A typed title's page first, though twelve popular pages outscore it on text and usage;
    the browser's whole top 10 is the Python engine's (usage boost and exact-title rule)."""
    from tests.test_search_usage import EXACT_TITLE, crafted_snapshot

    out = tmp_path / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    build_site(replace(config, analytics=False, cache_dir=tmp_path / "cache"), snapshot=crafted_snapshot())
    engine = open_site_index(out)
    queries = ["Rotate API keys", "rotate api keys", "rotating the api key", "rotate api", "refund a payment", "keys"]
    expected = [[h.doc for h in engine.search(q, limit=10).hits] for q in queries]
    assert engine.document(expected[0][0]).title == EXACT_TITLE
    with StaticHost(out, prefix="/help/") as served:
        served.site = out  # type: ignore[attr-defined]
        context, page = _page(browser)
        try:
            _open_article(page, served)
            titles = _type(page, "Rotate API keys")
            assert titles[0] == EXACT_TITLE and len(titles) == 8, titles
            got = page.evaluate(
                """async queries => {
                    const index = await window.helpgenSearch.index.ready();
                    const out = [];
                    for (const q of queries) out.push((await index.search(q, {limit: 10})).hits.map(h => h.doc));
                    return out;
                }""",
                queries,
            )
            assert got == expected
            page.goto(served.url + "search/?q=rotate+api+keys")
            page.wait_for_selector("#search-results li")
            assert page.locator("#search-results > li a").first.inner_text().strip() == EXACT_TITLE
            assert page.console_errors == []
        finally:
            context.close()
