"""Themes: the second built-in theme ("minimal") proves the mechanism (a theme extending
another, its own skeleton and stylesheet, the parent's pages and partials, layered catalogs),
and theme.toml mistakes fail with the file and key named."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.render.paths import safe_segment
from helpgen.render.templates import ThemeError, find_theme
from tests.a11y import axe_source, axe_violations
from tests.conftest import EXAMPLE_SITE, REPO
from tests.htmltools import local_targets, parse
from tests.sitehost import StaticHost

SNAPSHOT = load_snapshot(EXAMPLE_SITE / "snapshot")
ARTICLE = f"articles/{safe_segment(SNAPSHOT.articles[0].slug)}/"


def _build(out: Path, theme: str, site: Path = EXAMPLE_SITE, **changes: Any) -> Path:
    config = load_config(site, overrides={"out_dir": out, "cache_dir": out.with_name(out.name + "-cache")}, environ={})
    build_site(replace(config, theme=theme, analytics=False, **changes))
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("themes")
    return {theme: _build(root / theme, theme) for theme in ("default", "minimal")}


def test_the_minimal_theme_extends_the_default_one() -> None:
    minimal = find_theme("minimal", REPO)
    assert [t.name for t in minimal.lineage] == ["default", "minimal"]
    assert (minimal.root / "templates" / "base.html").is_file()
    assert not (minimal.root / "templates" / "article.html").exists()  # the page templates are inherited


def test_the_example_site_builds_with_it_and_every_link_resolves(sites) -> None:
    out = sites["minimal"]
    default_pages = {p.relative_to(sites["default"]) for p in sites["default"].rglob("*.html")}
    assert {p.relative_to(out) for p in out.rglob("*.html")} == default_pages
    for page_file in out.rglob("*.html"):
        if page_file.name == "404.html":
            continue
        for href, target in local_targets(out, page_file):
            assert target.exists(), (page_file, href)


def test_its_pages_use_its_skeleton_and_stylesheet_with_the_default_partials(sites) -> None:
    home = parse(sites["minimal"] / "index.html")
    stylesheets = [link.attrs["href"] for link in home.find_all("link", rel="stylesheet")]
    assert any("/minimal." in href or href.startswith("assets/minimal.") for href in stylesheets)
    assert any("style." in href for href in stylesheets)  # the default look underneath
    assert home.find_all("header", class_="minimal-header") and not home.find_all("nav", class_="category-nav")
    assert home.text_of("footer").endswith("Back to top")  # from the minimal theme's own catalog
    article = parse(sites["minimal"] / ARTICLE / "index.html")
    assert article.find_all("form", class_="search-box")  # the default theme's search partial
    assert article.text_of("h1") == SNAPSHOT.articles[0].title  # the default theme's article.html


def test_a_site_override_still_beats_both_themes(tmp_path: Path, example_copy: Path) -> None:
    templates = example_copy / "templates" / "partials"
    templates.mkdir(parents=True)
    (templates / "minimal_header.html").write_text('<header class="site-header"><p id="custom">Ours</p></header>\n', encoding="utf-8")
    out = _build(tmp_path / "out", "minimal", example_copy)
    assert parse(out / "index.html").text_of("p", id="custom") == "Ours"


@pytest.mark.browser
def test_pages_look_different_in_chromium(sites, browser) -> None:
    looks: dict[str, dict[str, Any]] = {}
    shots: dict[str, bytes] = {}
    for theme, out in sites.items():
        with StaticHost(out) as host:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            assert page.goto(host.url + ARTICLE).status == 200
            looks[theme] = page.evaluate(
                """() => ({font: getComputedStyle(document.querySelector('h1')).fontFamily,
                          background: getComputedStyle(document.body).backgroundColor,
                          width: document.querySelector('main .container').getBoundingClientRect().width})"""
            )
            shots[theme] = page.screenshot()
            page.close()
    assert "serif" in looks["minimal"]["font"] and "serif" not in looks["default"]["font"].replace("sans-serif", "")
    assert looks["minimal"]["background"] != looks["default"]["background"]
    assert looks["minimal"]["width"] < looks["default"]["width"]
    assert shots["minimal"] != shots["default"]


@pytest.fixture(scope="module")
def minimal_host(sites) -> Iterator[str]:
    with StaticHost(sites["minimal"]) as host:
        yield host.url


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["", ARTICLE, "search/?q=invoice"])
def test_the_minimal_theme_has_no_axe_violations(minimal_host, browser, scheme: str, path: str) -> None:
    axe = axe_source()
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    assert page.goto(minimal_host + path).status == 200
    if path.startswith("search/"):
        page.wait_for_selector("#search-results li")
    assert axe_violations(page, axe) == []
    context.close()


@pytest.mark.parametrize(
    ("theme_toml", "error"),
    [
        ('extends = "nope"', r"theme 'nope' not found"),
        ("extends = 3", r"theme\.toml: extends: expected a theme name, got 3"),
        ('parent = "default"', r"theme\.toml: unknown key 'parent' \(known: extends\)"),
        ('extends = "mine"', r"theme\.toml: extends: theme 'mine' extends itself \(mine -> mine\)"),
        ("extends = [", r"theme\.toml: cannot read"),
    ],
)
def test_theme_toml_mistakes_name_the_file_and_key(tmp_path: Path, theme_toml: str, error: str) -> None:
    theme = tmp_path / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.toml").write_text(theme_toml + "\n", encoding="utf-8")
    with pytest.raises(ThemeError, match=error):
        find_theme("mine", tmp_path)


def test_a_site_theme_folder_can_extend_a_built_in_theme(tmp_path: Path, example_copy: Path) -> None:
    theme = example_copy / "my-theme"
    (theme / "templates" / "partials").mkdir(parents=True)
    (theme / "theme.toml").write_text('extends = "minimal"\n', encoding="utf-8")
    (theme / "templates" / "partials" / "breadcrumbs.html").write_text("<p id=\"crumbs\">{{ t('breadcrumbs.label') }}</p>\n", encoding="utf-8")
    out = _build(tmp_path / "out", "my-theme", example_copy)
    article = parse(out / ARTICLE / "index.html")
    assert article.text_of("p", id="crumbs") == "Breadcrumb"  # its own partial, the default catalog
    assert article.find_all("header", class_="minimal-header")  # minimal's skeleton
    assert [t.name for t in find_theme("my-theme", example_copy).lineage] == ["default", "minimal", "my-theme"]


def test_the_override_guide_works_as_written(tmp_path: Path, example_copy: Path) -> None:
    """docs/templates.md, "Overriding a block or a partial": extend the page it replaces, add a
    text from the site's own catalog."""
    (example_copy / "templates").mkdir()
    (example_copy / "templates" / "article.html").write_text(
        '{% extends "default/article.html" %}\n{% block content %}\n{{ super() }}\n'
        '<p class="support-line">{{ t("support.call_us", phone="+1 555 0100") }}</p>\n{% endblock %}\n',
        encoding="utf-8",
    )
    (example_copy / "locales").mkdir()
    (example_copy / "locales" / "en.json").write_text('{"support.call_us": "Questions? Call us at {phone}."}', encoding="utf-8")
    out = _build(tmp_path / "out", "default", example_copy)
    article = parse(out / ARTICLE / "index.html")
    assert article.text_of("p", class_="support-line") == "Questions? Call us at +1 555 0100."
    assert article.text_of("h1") == SNAPSHOT.articles[0].title  # super(): the original content is kept
