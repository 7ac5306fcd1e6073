"""AI-readable copies: llms.txt, llms-full.txt, each article as Markdown, and "Copy as Markdown"."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.render.paths import safe_segment
from tests.htmltools import parse
from tests.sitehost import StaticHost

BASE = "https://help.kettlehq.com/"
LIST_ITEM = re.compile(r"- \[(?P<title>(?:[^\]\\]|\\.)+)\]\((?P<url>[^)\s]+)\)(?:: (?P<note>.+))?")


def test_llms_txt_follows_the_convention_and_groups_articles_by_category(example_build: Path, example_snapshot) -> None:
    lines = (example_build / "llms.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Kettle Help Center"
    assert lines[2].startswith("> Guides, answers")
    sections: dict[str, list[re.Match]] = {}
    current = None
    for line in lines[3:]:
        if line.startswith("## "):
            current = line[3:]
            sections[current] = []
        elif line.strip():
            match = LIST_ITEM.fullmatch(line)
            assert match and current, line
            sections[current].append(match)
    by_category = {c.name: [a for a in example_snapshot.articles if a.category_id == c.id] for c in example_snapshot.categories}
    by_category["Other articles"] = [a for a in example_snapshot.articles if not a.category_id]  # uncategorised, last
    ordered = [c.name for c in sorted(example_snapshot.categories, key=lambda c: c.sort_order) if by_category[c.name]]
    assert list(sections) == ordered + ["Other articles"]
    for name, items in sections.items():
        assert {m["url"] for m in items} == {f"{BASE}articles/{a.slug}.md" for a in by_category[name]}
        for item in items:
            assert (example_build / item["url"][len(BASE):]).is_file()
    welcome = next(m for m in sections["Getting started"] if "welcome" in m["url"])
    assert welcome["note"] == example_snapshot.articles[0].excerpt


def test_every_article_has_a_clean_markdown_copy(example_build: Path, example_snapshot) -> None:
    for article in example_snapshot.articles:
        text = (example_build / "articles" / f"{article.slug}.md").read_text(encoding="utf-8")
        head, body = text.split("\n\n", 1)[0], text.split("\n\n", 2)[2]
        assert head == f"# {article.title}"
        meta = text.split("\n\n", 2)[1].splitlines()
        category = next((c for c in example_snapshot.categories if c.id == article.category_id), None)
        assert meta == ([f"Category: {category.name}  "] if category else []) + [
            f"Updated: {article.updated_at[:10]}  ", f"URL: {BASE}articles/{article.slug}/"]
        assert body == article.content.strip("\n") + "\n"
        assert "<" not in head and "<p>" not in body  # Markdown, not HTML
    full = (example_build / "llms-full.txt").read_text(encoding="utf-8")
    assert full.startswith("# Kettle Help Center\n\n> ")
    for article in example_snapshot.articles:
        assert (example_build / "articles" / f"{article.slug}.md").read_text(encoding="utf-8") in full


def test_article_pages_link_their_markdown_copy(example_build: Path, example_snapshot) -> None:
    article = example_snapshot.articles[3]
    page = parse(example_build / "articles" / article.slug / "index.html")
    (alternate,) = page.find_all("link", rel="alternate", type="text/markdown")
    assert alternate.attrs["href"] == f"../../articles/{article.slug}.md"
    (button,) = page.find_all("button", **{"data-markdown-url": alternate.attrs["href"]})
    assert "hidden" in button.attrs  # shown only once the script runs
    scripts = [s.attrs["src"] for s in page.find_all("script") if "src" in s.attrs]
    assert any(re.fullmatch(r"\.\./\.\./assets/copy-markdown\.[0-9a-f]{10}\.js", s) for s in scripts)


def test_odd_slugs_and_titles_give_safe_copies_and_list_items(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    odd = replace(snap.articles[0], slug="../../etc/Passwd Ü", title="Evil [title](javascript:x)\nsecond line")
    snap = replace(snap, articles=(odd,) + snap.articles[1:])
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={}))
    copy = out / "articles" / f"{safe_segment(odd.slug)}.md"
    assert copy.is_file() and copy.read_text().startswith("# Evil [title](javascript:x) second line\n")
    assert not list(tmp_path.glob("etc*")) and not (out.parent / "etc").exists()
    line = next(l for l in (out / "llms.txt").read_text().splitlines() if "Evil" in l)
    match = LIST_ITEM.fullmatch(line)
    assert match and match["url"].endswith(f"articles/{safe_segment(odd.slug)}.md".replace("ü", "%C3%BC"))
    assert match["title"] == r"Evil \[title\](javascript:x) second line"


@pytest.mark.browser
def test_copy_as_markdown_puts_the_article_on_the_clipboard(example_build: Path, example_snapshot, browser) -> None:
    from playwright.sync_api import expect

    article = example_snapshot.articles[2]
    expected = (example_build / "articles" / f"{article.slug}.md").read_text(encoding="utf-8")
    with StaticHost(example_build, prefix="/help/") as host:
        context = browser.new_context()
        origin = host.url.split("/help/")[0]
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        page = context.new_page()
        page.goto(f"{host.url}articles/{article.slug}/")
        button = page.locator("button.copy-markdown-button")
        button.wait_for(state="visible")
        assert button.inner_text() == "Copy as Markdown"
        button.click()
        expect(page.locator(".copy-markdown-status")).to_have_text("Copied as Markdown")
        assert page.evaluate("navigator.clipboard.readText()") == expected
        context.close()
