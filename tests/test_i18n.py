"""Languages: message catalogs, ``[site] language``, fallbacks, site overrides, CJK search."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.cli import main
from helpgen.config import ConfigError, load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.render.i18n import CatalogError, catalog_dirs, load_catalog
from helpgen.render.templates import ThemeError, find_theme
from helpgen.search import open_site_index
from tests.conftest import REPO
from tests.htmltools import parse, tree_bytes

THEME_LOCALES = REPO / "themes" / "default" / "locales"
SHIPPED = ("en", "de", "ja")


def _set_language(site: Path, language: str) -> None:
    config = site / "helpgen.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^language = ".*"$', lambda _: f'language = "{language}"', text), encoding="utf-8")


def _build(site: Path, out: Path, **overrides: object):
    return build_site(load_config(site, overrides={"out_dir": out, **overrides}, environ={}))


def _article_file(out: Path, slug_start: str) -> Path:
    return next(p for p in sorted((out / "articles").iterdir()) if p.name.startswith(slug_start)) / "index.html"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example site built once per shipped language."""
    import shutil

    from tests.conftest import EXAMPLE_SITE

    built: dict[str, Path] = {}
    for language in SHIPPED:
        root = tmp_path_factory.mktemp(f"site-{language}")
        site = root / "site"
        shutil.copytree(EXAMPLE_SITE, site, ignore=shutil.ignore_patterns("_site", ".helpgen-cache"))
        _set_language(site, language)
        report = _build(site, root / "out")
        assert not [w for w in report.warnings if "catalog" in w], report.warnings
        built[language] = root / "out"
    return built


def test_every_shipped_catalog_translates_every_english_key() -> None:
    folders = catalog_dirs([REPO / "themes" / "default"], None)
    english = load_catalog(folders, "en")
    english_keys = {key.split("#")[0] for key, _ in english.fallback}
    for language in ("de", "ja"):
        catalog = load_catalog(folders, language)
        own = {key.split("#")[0] for key in json.loads((THEME_LOCALES / f"{language}.json").read_text(encoding="utf-8"))}
        assert english_keys <= own, f"{language}.json lacks {sorted(english_keys - own)}"
        assert catalog.warnings == ()
        # Really translated, not copied: most texts differ from the English ones.
        same = [k for k, v in catalog.messages if dict(english.messages).get(k) == v]
        assert len(same) < len(english.messages) * 0.15, same


@pytest.mark.parametrize(
    ("language", "skip_link", "feedback_question", "updated"),
    [
        ("en", "Skip to content", "Was this article helpful?", "Updated"),
        ("de", "Zum Inhalt springen", "War dieser Artikel hilfreich?", "Aktualisiert am"),
        ("ja", "本文へスキップ", "この記事は役に立ちましたか？", "更新日"),
    ],
)
def test_language_sets_html_lang_and_the_texts_readers_see(sites, language, skip_link, feedback_question, updated) -> None:
    page = parse(_article_file(sites[language], "send-your-first-invoice"))
    assert page.find_all("html")[0].attrs["lang"] == language
    assert page.text_of("a", class_="skip-link") == skip_link
    assert page.text_of("h2", class_="feedback-title") == feedback_question
    assert page.text_of("p", class_="meta").startswith(updated)


def test_dates_are_written_the_way_the_language_writes_them(sites) -> None:
    snapshot = load_snapshot(REPO / "example_site" / "snapshot")
    article = next(a for a in snapshot.articles if a.slug.startswith("send-your-first-invoice"))
    year, month, day = (int(part) for part in article.updated_at[:10].split("-"))
    shown = {
        language: parse(_article_file(sites[language], article.slug)).text_of("time")
        for language in SHIPPED
    }
    months_en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert shown["en"] == f"{day} {months_en[month - 1]} {year}"
    assert shown["de"].startswith(f"{day}. ") and shown["de"].endswith(str(year))
    assert shown["ja"] == f"{year}年{month}月{day}日"
    read = {
        language: parse(_article_file(sites[language], article.slug)).find_all("span", class_="meta-item")[1].text
        for language in SHIPPED
    }
    assert re.fullmatch(r"\d+ min read", read["en"]) and re.fullmatch(r"\d+ Min\. Lesezeit", read["de"])
    assert re.fullmatch(r"読了時間 \d+ 分", read["ja"])


def test_counts_use_the_languages_plural_forms_and_number_format(sites) -> None:
    def counts(language: str) -> list[str]:
        home = parse(sites[language] / "index.html")
        return [" ".join(e.text.split()) for e in home.find_all("span", class_="card-meta")]

    assert any(re.fullmatch(r"1 article", c) for c in counts("en")) or all(
        re.fullmatch(r"\d+ articles", c) for c in counts("en")
    )
    assert all(re.fullmatch(r"\d+ Artikel", c) for c in counts("de"))
    assert all(re.fullmatch(r"\d+ 件の記事", c) for c in counts("ja"))
    catalog = load_catalog(catalog_dirs([REPO / "themes" / "default"], None), "de")
    assert catalog.text("count.comments", count=1) == "1 Kommentar"
    assert catalog.text("count.comments", count=12345) == "12.345 Kommentare"


def test_titles_and_labels_built_in_python_are_translated_too(sites) -> None:
    community = parse(sites["de"] / "community" / "index.html")
    assert community.text_of("h1") == "Community"
    assert community.text_of("title").startswith("Community · ")
    not_found = parse(sites["ja"] / "404.html")
    assert not_found.text_of("h1") == "ページが見つかりません"
    search = parse(sites["de"] / "search" / "index.html")
    assert search.text_of("h1") == "Suche"
    badges = {e.text for e in parse(sites["de"] / "community" / "index.html").find_all("span", class_="status")}
    assert badges and badges <= {"Offen", "Beantwortet", "Offizielle Antwort", "Geplant", "Nicht geplant", "Erledigt", "In Prüfung"}


def test_search_scripts_get_their_texts_in_the_sites_language(sites) -> None:
    for selector in (("form", "search-box"), ("section", "search-page")):
        page = parse(sites["de"] / "search" / "index.html")
        tag, marker = selector
        element = next(e for e in page.find_all(tag) if marker in (e.attrs.get("class", "") + e.attrs.get("id", "")))
        texts = json.loads(element.attrs["data-i18n"])
        assert texts["see_all"] == "Alle Ergebnisse für „{query}“ anzeigen"
        assert texts["result_one"] == "{count} Ergebnis" and texts["result_other"] == "{count} Ergebnisse"
    ja = parse(sites["ja"] / "index.html").find_all("form", class_="search-box")[0]
    assert set(k for k in json.loads(ja.attrs["data-i18n"]) if k.startswith("result_")) == {"result_other"}


class _ThemeText(HTMLParser):
    """The texts and labelling attributes of a page outside its content (``.prose`` bodies)."""

    VOID = {"img", "meta", "link", "br", "hr", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._stack: list[bool] = []  # per open element: inside content or a script?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = bool(self._stack and self._stack[-1]) or tag in ("script", "style") or "prose" in (values.get("class") or "").split()
        if not hidden:
            self.texts.update(v for k, v in values.items() if k in ("aria-label", "title", "placeholder") and v)
        if tag not in self.VOID:
            self._stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1]) and data.strip():
            self.texts.add(" ".join(data.split()))


def test_no_english_template_text_is_left_on_a_japanese_site(sites) -> None:
    """Every text the theme itself prints comes from the catalog: on a ja site, what is left
    in English is the content's (titles, names, descriptions), never the theme's."""
    folders = catalog_dirs([REPO / "themes" / "default"], None)
    japanese = dict(load_catalog(folders, "ja").messages)
    theme_texts = {  # English texts the Japanese catalog translates (not names like "Markdown")
        text
        for key, text in load_catalog(folders, "en").messages
        if key != "date.format" and japanese.get(key) != text and not re.search(r"\{\w+\}", text)
    }
    theme_texts -= {"Community", "Topics", "Payments"}  # also names in the example content
    pages = list(sites["ja"].rglob("*.html"))
    assert len(pages) > 50
    for page_file in pages:
        parser = _ThemeText()
        parser.feed(page_file.read_text(encoding="utf-8"))
        leaked = parser.texts & theme_texts
        assert not leaked, (page_file, leaked)


def test_a_site_catalog_changes_one_string_and_adds_a_language(tmp_path: Path, example_copy: Path) -> None:
    locales = example_copy / "locales"
    locales.mkdir()
    (locales / "en.json").write_text(json.dumps({"feedback.question": "Did this answer your question?"}), encoding="utf-8")
    out = tmp_path / "out"
    report = _build(example_copy, out)
    page = parse(_article_file(out, "send-your-first-invoice"))
    assert page.text_of("h2", class_="feedback-title") == "Did this answer your question?"
    assert page.text_of("a", class_="skip-link") == "Skip to content"
    assert not [w for w in report.warnings if "catalog" in w]

    # A new language: only some keys translated; the rest falls back to English, with a warning.
    (locales / "fr.json").write_text(
        json.dumps({"base.skip_link": "Aller au contenu", "date.format": "d MMMM y"}), encoding="utf-8"
    )
    _set_language(example_copy, "fr")
    report = _build(example_copy, out)
    page = parse(_article_file(out, "send-your-first-invoice"))
    assert page.find_all("html")[0].attrs["lang"] == "fr"
    assert page.text_of("a", class_="skip-link") == "Aller au contenu"
    assert page.text_of("h2", class_="feedback-title") == "Did this answer your question?"  # the site's en.json
    assert re.fullmatch(r"\d+ \w+ \d{4}", page.text_of("time")) and not re.search(r"[A-Z][a-z]{2} ", page.text_of("time"))
    warning = next(w for w in report.warnings if "catalog" in w)
    english_keys = {k.split("#")[0] for k in json.loads((THEME_LOCALES / "en.json").read_text(encoding="utf-8"))}
    missing = english_keys - {"_comment", "base.skip_link", "date.format"}
    assert str(locales / "fr.json") in warning and "'fr'" in warning
    assert f"{len(missing)} message(s) missing" in warning and "base.skip_link" not in warning


def test_a_language_without_a_catalog_fails_naming_the_key(tmp_path: Path, example_copy: Path) -> None:
    _set_language(example_copy, "fi")
    with pytest.raises(ThemeError, match=r"\[site\]\.language = 'fi': no message catalog.*de, en, ja"):
        _build(example_copy, tmp_path / "out")
    result = CliRunner().invoke(main, ["build", str(example_copy), "--out", str(tmp_path / "cli-out")])
    assert result.exit_code == 1 and "[site].language = 'fi'" in result.output
    assert not (tmp_path / "out").exists()

    for bad in ("en_US!", 'en\\" onload=\\"alert(1)'):
        _set_language(example_copy, bad)
        with pytest.raises(ConfigError, match=r"helpgen\.toml: \[site\]\.language: expected a language code"):
            load_config(example_copy, environ={})


def test_a_malformed_site_catalog_names_the_file_and_key(tmp_path: Path, example_copy: Path) -> None:
    locales = example_copy / "locales"
    locales.mkdir()
    bad = locales / "en.json"
    bad.write_text('{"count.articles": {"one": "{count} article", "several": "x", "other": "y"}}', encoding="utf-8")
    with pytest.raises(ThemeError, match=re.escape(f"{bad}: key 'count.articles': unknown plural form 'several'")):
        _build(example_copy, tmp_path / "out")
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ThemeError, match=re.escape(f"{bad}: not valid JSON")):
        _build(example_copy, tmp_path / "out")


def test_catalog_texts_and_parameters_are_printed_never_evaluated(tmp_path: Path, example_copy: Path) -> None:
    (example_copy / "locales").mkdir()
    (example_copy / "locales" / "en.json").write_text(
        json.dumps({"feedback.question": "<script>alert(1)</script> {{ 7*7 }} ${x} {category.__class__}"}), encoding="utf-8"
    )
    snap = load_snapshot(example_copy / "snapshot")
    category = snap.categories[0]
    snap = replace(snap, categories=(replace(category, name="{category} <b>{{ 6*7 }}</b>"),) + snap.categories[1:])
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    _build(example_copy, out)
    html = next(p for p in (out / "articles").rglob("index.html") if "feedback-title" in p.read_text(encoding="utf-8"))
    text = html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} ${x} {category.__class__}" in text
    assert "<script>alert(1)" not in text and "49" not in parse(html).text_of("h2", class_="feedback-title")
    related = [p for p in (out / "articles").rglob("index.html") if "related-title" in p.read_text(encoding="utf-8")]
    titles = {parse(p).text_of("h2", id="related-title") for p in related}
    assert "More in {category} <b>{{ 6*7 }}</b>" in titles  # the name is filled in once, as text


def test_a_catalog_edit_re_renders_the_pages_and_matches_a_clean_build(tmp_path: Path, example_copy: Path) -> None:
    out = tmp_path / "out"
    first = _build(example_copy, out)
    assert first.pages_rendered == first.pages_written
    locales = example_copy / "locales"
    locales.mkdir()
    (locales / "en.json").write_text(json.dumps({"footer.built_with": "Made with care"}), encoding="utf-8")
    second = _build(example_copy, out)
    assert second.pages_rendered == second.pages_written  # the footer is on every page
    assert "Made with care" in (out / "index.html").read_text(encoding="utf-8")
    unchanged = _build(example_copy, out)
    assert unchanged.pages_rendered == 0
    clean = tmp_path / "clean"
    _build(example_copy, clean, cache_dir=tmp_path / "clean-cache")
    assert tree_bytes(out) == tree_bytes(clean)

    _set_language(example_copy, "de")
    third = _build(example_copy, out)
    assert third.pages_rendered == third.pages_written
    assert "Erstellt mit helpgen" in (out / "index.html").read_text(encoding="utf-8")


def test_a_japanese_article_is_found_by_an_exact_token(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    template = snap.articles[0]
    japanese = replace(
        template,
        id="art_ja_1",
        slug="seikyusho-no-sakusei",
        title="請求書の作成",
        excerpt="新しい請求書を作成して送信する方法",
        content="## 手順\n\n請求書を作成するには、ダッシュボードを開きます。\n\n支払期限 を設定してください。",
        meta_description=None,
    )
    save_snapshot(replace(snap, articles=snap.articles + (japanese,)), example_copy / "snapshot")
    _set_language(example_copy, "ja")
    out = tmp_path / "out"
    _build(example_copy, out)
    engine = open_site_index(out)
    for query in ("請求書の作成", "支払期限"):
        hits = engine.search(query, limit=5).hits
        assert hits, query
        assert engine.document(hits[0].doc).path.startswith("articles/seikyusho-no-sakusei"), query
    assert not engine.search("存在しない語", limit=5).hits
    # A run of CJK characters is one term: found by its beginning while typing, not by a fragment.
    assert engine.document(engine.search("請求書", limit=1).hits[0].doc).path.startswith("articles/seikyusho-no-sakusei")
    assert all(not engine.document(h.doc).path.startswith("articles/seikyusho") for h in engine.search("作成", limit=10).hits)


def test_catalog_errors_for_unknown_keys_name_the_key() -> None:
    catalog = load_catalog(catalog_dirs([REPO / "themes" / "default"], None), "de")
    with pytest.raises(CatalogError, match="'no.such.key'"):
        catalog.text("no.such.key")


def test_a_theme_may_ship_only_some_keys_and_inherit_the_rest() -> None:
    minimal = find_theme("minimal", REPO)
    folders = catalog_dirs([t.root for t in minimal.lineage], None)
    catalog = load_catalog(folders, "ja")
    assert catalog.warnings == ()
    assert catalog.text("base.skip_link") == "本文へスキップ"


def test_counts_from_bad_api_data_never_break_a_page() -> None:
    catalog = load_catalog(catalog_dirs([REPO / "themes" / "default"], None), "de")
    assert catalog.text("count.comments", count=float("inf")) == "∞ Kommentare"
    assert catalog.text("count.comments", count=float("nan")) == "NaN Kommentare"
    assert catalog.text("count.comments", count=1e308).endswith(" Kommentare")
    assert catalog.text("count.comments", count=None) == "None Kommentare"


def test_callouts_permalinks_and_notices_inside_bodies_speak_the_language(sites) -> None:
    titles: dict[str, set[str]] = {}
    for language in ("en", "ja"):
        titles[language] = set()
        for page_file in (sites[language] / "articles").rglob("index.html"):
            page = parse(page_file)
            titles[language] |= {" ".join(e.text.split()) for e in page.find_all("p", class_="callout-title")}
            for anchor in page.find_all("a", class_="heading-anchor"):
                label = anchor.attrs["aria-label"]
                assert (label.startswith("Permalink to ") if language == "en" else label.endswith("へのパーマリンク")), label
    assert titles["en"] and titles["en"] <= {"Note", "Tip", "Important", "Warning", "Caution"}
    assert titles["ja"] and titles["ja"] <= {"注記", "ヒント", "重要", "警告", "注意"}
    catalog = load_catalog(catalog_dirs([REPO / "themes" / "default"], None), "de")
    from helpgen.render.markdown import render_article

    html = render_article("> [!WARNING]\n> *Vorsicht*", texts=replace(catalog.body_texts(), callouts=(("warning", "<b>*Achtung*</b>"),))).html
    assert '<p class="callout-title">&lt;b&gt;*Achtung*&lt;/b&gt;</p>' in html  # a catalog text stays text


def _literal_texts(template: str) -> list[str]:
    """Text a template prints literally: text nodes and labelling attributes that are not
    ``{{ ... }}`` (comments, inline SVG and script tags are not shown to readers)."""
    source = re.sub(r"\{#.*?#\}|<svg.*?</svg>|<script.*?</script>", "", template, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
    found = [" ".join(m.group(1).split()) for m in re.finditer(r">([^<]*)<", source) if re.search(r"[^\W\d_]{2,}", m.group(1))]
    for m in re.finditer(r'\b(aria-label|title|placeholder|alt|label|data-(?:yes|no|thanks|answered))="([^"]*)"', source):
        if re.search(r"[^\W\d_]{2,}", m.group(2)):
            found.append(f'{m.group(1)}="{m.group(2)}"')
    return found


@pytest.mark.parametrize("theme", ["default", "minimal"])
def test_theme_templates_print_no_literal_text(theme: str) -> None:
    """Every reader-visible text of a built-in theme goes through t() (so through a catalog)."""
    templates = REPO / "themes" / theme / "templates"
    literal = {
        str(path.relative_to(templates)): texts
        for path in sorted(templates.rglob("*.html"))
        if (texts := _literal_texts(path.read_text(encoding="utf-8")))
    }
    assert literal == {}
    assert _literal_texts('<p title="Go home">Hello {{ x }} items</p>') == ["Hello items", 'title="Go home"']


@pytest.mark.browser
def test_search_speaks_the_sites_language_in_chromium(sites, browser) -> None:
    """search.js and search-page.js read their texts from the page's data-i18n (German here)."""
    from tests.sitehost import StaticHost

    with StaticHost(sites["de"]) as host:
        page = browser.new_page()
        page.goto(host.url)
        page.locator("#search-box-input").fill("invoice")
        page.wait_for_selector(".search-popup:not([hidden]) [role=option]")
        status = page.locator(".search-status").inner_text()
        assert re.match(r"\d+ Ergebniss?e?\b", status) and "result" not in status, status
        assert "Artikel" in page.locator(".search-popup").inner_text()
        assert "Alle Ergebnisse für „invoice“ anzeigen" in page.locator(".search-popup").inner_text()
        page.goto(host.url + "search/?q=invoice")
        page.wait_for_selector("#search-results li")
        assert page.locator("#search-summary").inner_text() == "Ergebnisse für „invoice“"
        page.close()


def test_a_language_with_fewer_plural_forms_never_borrows_an_english_form(tmp_path: Path) -> None:
    (tmp_path / "fr.json").write_text(json.dumps({"count.articles": {"other": "{count} articles (fr)"}}), encoding="utf-8")
    catalog = load_catalog(catalog_dirs([REPO / "themes" / "default"], tmp_path), "fr")
    assert catalog.text("count.articles", count=1) == "1 articles (fr)"
    assert catalog.text("count.posts", count=1) == "1 post"  # missing in fr: English, whole
    (tmp_path / "en.json").write_text(json.dumps({"count.posts": {"other": "{count} threads"}}), encoding="utf-8")
    english = load_catalog(catalog_dirs([REPO / "themes" / "default"], tmp_path), "en")
    assert english.text("count.posts", count=1) == "1 threads"  # the site's key replaces the theme's whole


def test_locales_dir_must_exist_and_is_named_in_the_error(example_copy: Path) -> None:
    config = example_copy / "helpgen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[site]\n", '[site]\nlocales_dir = "translations"\n', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"helpgen\.toml: \[site\]\.locales_dir: folder .*translations not found"):
        load_config(example_copy, environ={})
    (example_copy / "translations").mkdir()
    assert load_config(example_copy, environ={}).locales_dir == (example_copy / "translations").resolve()


def test_an_unknown_key_in_a_template_fails_naming_the_template_and_key(tmp_path: Path, example_copy: Path) -> None:
    (example_copy / "templates" / "partials").mkdir(parents=True)
    (example_copy / "templates" / "partials" / "footer.html").write_text('<footer>{{ t("footer.typo") }}</footer>\n', encoding="utf-8")
    with pytest.raises(ThemeError, match=r"template '.*\.html': message key 'footer\.typo' is not in the 'en' or English catalog"):
        _build(example_copy, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_right_to_left_language_sets_html_dir(tmp_path: Path, example_copy: Path) -> None:
    (example_copy / "locales").mkdir()
    (example_copy / "locales" / "ar.json").write_text(json.dumps({"base.skip_link": "انتقل إلى المحتوى"}), encoding="utf-8")
    _set_language(example_copy, "ar")
    out = tmp_path / "out"
    _build(example_copy, out)
    html = parse(out / "index.html").find_all("html")[0].attrs
    assert (html["lang"], html["dir"]) == ("ar", "rtl")
    assert parse(out / "index.html").text_of("a", class_="skip-link") == "انتقل إلى المحتوى"
    _set_language(example_copy, "de")
    _build(example_copy, out)
    assert parse(out / "index.html").find_all("html")[0].attrs["dir"] == "ltr"
