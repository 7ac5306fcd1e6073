"""Old URLs keep working: redirects after slug changes, across builds, and from helpgen.toml."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.check import check_site
from helpgen.cli import main
from helpgen.config import ConfigError, load_config
from helpgen.content.snapshot import Snapshot, load_snapshot, save_snapshot
from tests.htmltools import parse
from tests.sitehost import StaticHost

BASE = "https://help.kettlehq.com/"


def build(site_dir: Path, tmp_path: Path, **changes):
    config = load_config(site_dir, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={})
    return build_site(replace(config, **changes) if changes else config)


def edit(site_dir: Path, change) -> Snapshot:
    snap = change(load_snapshot(site_dir / "snapshot"))
    save_snapshot(snap, site_dir / "snapshot")
    return snap


def rename_article(index: int, slug: str):
    def change(snap: Snapshot) -> Snapshot:
        articles = list(snap.articles)
        articles[index] = replace(articles[index], slug=slug)
        return replace(snap, articles=tuple(articles))

    return change


def redirect_of(out: Path, old_path: str) -> tuple[str, str]:
    """(meta refresh target, canonical) of the HTML redirect page at ``old_path``."""
    page = parse(out / old_path / "index.html")
    (refresh,) = page.find_all("meta", **{"http-equiv": "refresh"})
    delay, _, url = refresh.attrs["content"].partition("; url=")
    assert delay == "0"
    (link,) = [a for a in page.find_all("a") if a.attrs.get("href") == url]
    assert page.find_all("meta", name="robots")[0].attrs["content"] == "noindex"
    canonical = page.find_all("link", rel="canonical")
    return url, canonical[0].attrs["href"] if canonical else ""


def test_a_renamed_article_and_category_keep_their_old_urls(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    article, category = snap.articles[4], snap.categories[1]
    build(example_copy, tmp_path)

    def change(s: Snapshot) -> Snapshot:
        s = rename_article(4, article.slug + "-v2")(s)
        categories = [replace(c, slug="renamed-" + c.slug) if c.id == category.id else c for c in s.categories]
        articles = [replace(a, category_slug="renamed-" + category.slug) if a.category_id == category.id else a for a in s.articles]
        return replace(s, categories=tuple(categories), articles=tuple(articles))

    edit(example_copy, change)
    build(example_copy, tmp_path)
    out = tmp_path / "out"
    assert redirect_of(out, f"articles/{article.slug}") == (
        f"../../articles/{article.slug}-v2/", f"{BASE}articles/{article.slug}-v2/")
    assert redirect_of(out, f"categories/{category.slug}") == (
        f"../../categories/renamed-{category.slug}/", f"{BASE}categories/renamed-{category.slug}/")
    netlify = (out / "_redirects").read_text().splitlines()
    assert f"/articles/{article.slug}/ /articles/{article.slug}-v2/ 301" in netlify
    assert f"/articles/{article.slug}.md /articles/{article.slug}-v2.md 301" in netlify  # the Markdown copy too
    assert not (out / "articles" / f"{article.slug}.md").exists()
    assert f"/categories/{category.slug}/ /categories/renamed-{category.slug}/ 301" in netlify
    nginx = (out / "redirects.map").read_text().splitlines()
    assert f'"/articles/{article.slug}/" "/articles/{article.slug}-v2/";' in nginx
    # Redirect pages are not pages to index, and their targets all exist.
    assert f"articles/{article.slug}/<" not in (out / "sitemap.xml").read_text()
    assert check_site(out, base_url=BASE).ok
    history = json.loads((tmp_path / "cache" / "redirects.json").read_text())["paths"]
    assert history[f"articles/{article.slug}/"] == ["article", article.id]


def test_history_survives_many_builds_and_a_new_page_at_an_old_path_wins(tmp_path: Path, example_copy: Path) -> None:
    original = load_snapshot(example_copy / "snapshot").articles[2]
    build(example_copy, tmp_path)
    for version in ("v2", "v3", "v4"):
        edit(example_copy, rename_article(2, f"{original.slug}-{version}"))
        build(example_copy, tmp_path)
    build(example_copy, tmp_path)  # nothing changed: the site stays as it is
    out = tmp_path / "out"
    for old in (original.slug, f"{original.slug}-v2", f"{original.slug}-v3"):
        assert redirect_of(out, f"articles/{old}")[0] == f"../../articles/{original.slug}-v4/"  # no chains
    # Another article now takes the first slug: its page wins over the redirect.
    edit(example_copy, rename_article(7, original.slug))
    build(example_copy, tmp_path)
    page = parse(out / "articles" / original.slug / "index.html")
    assert not page.find_all("meta", **{"http-equiv": "refresh"}) and page.find_all("article")
    sources = [line.split(" ")[0] for line in (out / "_redirects").read_text().splitlines()[1:]]
    assert f"/articles/{original.slug}/" not in sources and f"/articles/{original.slug}.md" not in sources
    assert redirect_of(out, f"articles/{original.slug}-v2")[0] == f"../../articles/{original.slug}-v4/"


def test_a_deleted_article_gets_no_redirect(tmp_path: Path, example_copy: Path) -> None:
    gone = load_snapshot(example_copy / "snapshot").articles[5]
    build(example_copy, tmp_path)
    edit(example_copy, lambda s: replace(s, articles=tuple(a for a in s.articles if a.id != gone.id)))
    build(example_copy, tmp_path)
    assert not (tmp_path / "out" / "articles" / gone.slug).exists()
    assert not (tmp_path / "out" / "_redirects").exists()


def test_extra_redirects_from_helpgen_toml(tmp_path: Path, example_copy: Path) -> None:
    article = load_snapshot(example_copy / "snapshot").articles[0]
    config_file = example_copy / "helpgen.toml"
    config_file.write_text(
        config_file.read_text()
        + "\n[redirects]\nextra = [\n"
        + f'  {{ from = "/old-faq/", to = "/articles/{article.slug}/" }},\n'
        + '  { from = "/legacy/pricing.html", to = "https://kettlehq.com/pricing" },\n'
        + '  { from = "/community/", to = "/" },\n'
        + "]\n"
    )
    report = build(example_copy, tmp_path)
    out = tmp_path / "out"
    assert redirect_of(out, "old-faq") == (f"../articles/{article.slug}/", f"{BASE}articles/{article.slug}/")
    refresh = parse(out / "legacy" / "pricing.html").find_all("meta", **{"http-equiv": "refresh"})[0]
    assert refresh.attrs["content"] == "0; url=https://kettlehq.com/pricing"
    lines = (out / "_redirects").read_text().splitlines()
    assert f"/old-faq/ /articles/{article.slug}/ 301" in lines
    assert "/legacy/pricing.html https://kettlehq.com/pricing 301" in lines
    # A page of the site is never replaced by a redirect.
    assert parse(out / "community" / "index.html").find_all("main")
    assert any("'/community/' is a page of the site; not redirected" in w for w in report.warnings)


@pytest.mark.parametrize(
    "entry, key, message",
    [
        ('{ from = "old", to = "/x/" }', "[redirects].extra[0].from", 'starting with "/"'),
        ('{ from = "/a/../b", to = "/x/" }', "[redirects].extra[0].from", "no '..'"),
        ('{ from = "/a", to = "javascript:alert(1)" }', "[redirects].extra[0].to", "http(s) URL"),
        ('{ from = "/a", to = "/x/", code = 302 }', "[redirects].extra[0]", "unknown key 'code'"),
        ('{ from = "/a" }', "[redirects].extra[0].to", "non-empty string"),
        ('"/a /b"', "[redirects].extra[0]", "expected a table"),
    ],
)
def test_bad_redirect_config_names_file_and_key(example_copy: Path, entry: str, key: str, message: str) -> None:
    config_file = example_copy / "helpgen.toml"
    config_file.write_text(config_file.read_text() + f"\n[redirects]\nextra = [{entry}]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(example_copy, environ={})
    assert f"{config_file}: {key}" in str(caught.value) and message in str(caught.value)
    result = CliRunner().invoke(main, ["build", str(example_copy)])
    assert result.exit_code == 2 and key in result.output


@pytest.mark.browser
def test_the_old_address_takes_the_reader_to_the_new_page_in_a_browser(tmp_path: Path, example_copy: Path, browser) -> None:
    article = load_snapshot(example_copy / "snapshot").articles[1]
    build(example_copy, tmp_path)
    edit(example_copy, rename_article(1, article.slug + "-renamed"))
    build(example_copy, tmp_path)
    with StaticHost(tmp_path / "out", prefix="/help/") as host:
        page = browser.new_page()
        page.goto(f"{host.url}articles/{article.slug}/")
        page.wait_for_url(f"{host.url}articles/{article.slug}-renamed/")
        assert page.locator("h1").first.inner_text() == article.title
        page.close()


def test_host_files_carry_the_base_path_of_a_subfolder_site() -> None:
    from helpgen.render.redirects import Redirect, netlify_redirects, nginx_map

    redirects = [Redirect("articles/alt/", "articles/neu-ü/", "article moved"), Redirect("x.html", "https://a.example/p", "helpgen.toml")]
    netlify = netlify_redirects(redirects, "/help/").decode().splitlines()[1:]
    assert netlify == ["/help/articles/alt/ /help/articles/neu-%C3%BC/ 301", "/help/x.html https://a.example/p 301"]
    nginx = nginx_map(redirects, "/help/").decode().splitlines()
    assert nginx[-2:] == ['"/help/articles/alt/" "/help/articles/neu-%C3%BC/";', '"/help/x.html" "https://a.example/p";']


def test_an_extra_redirect_of_a_file_is_left_to_the_host_files() -> None:
    from helpgen.render.redirects import RedirectHistory, plan_redirects

    redirects, warnings = plan_redirects(RedirectHistory(), {}, [("guides/old.pdf", "articles/new/"), ("faq", "")], set())
    assert [(r.source, r.target, r.page) for r in redirects] == [("faq", "", True), ("guides/old.pdf", "articles/new/", False)]
    assert warnings == []
