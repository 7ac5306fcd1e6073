"""What search engines and link previews read: sitemap, robots.txt, head tags and JSON-LD.

The example site is built once; tests parse its sitemap with ElementTree and each page's
JSON-LD with ``json.loads``, as a crawler would.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.cstar._models import Comment, PostThread
from helpgen.render.bodies import BodyRenderer
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.seo import json_ld_text
from helpgen.render.sitemap import sitemap_files
from helpgen.render.templates import iso_date
from helpgen.search.documents import markdown_text
from tests.htmltools import parse

BASE = "https://help.kettlehq.com/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def json_ld(page_file: Path) -> list[dict]:
    """Every JSON-LD node of a page (the @graph of each data block)."""
    nodes = []
    for element in parse(page_file).find_all("script", type="application/ld+json"):
        data = json.loads(element.text)
        assert data["@context"] == "https://schema.org"
        nodes.extend(data["@graph"])
    return nodes


def of_type(nodes: list[dict], kind: str) -> dict:
    (node,) = [n for n in nodes if n["@type"] == kind]
    return node


def test_sitemap_lists_every_public_page_with_lastmod_from_updated_at(example_build: Path, example_snapshot) -> None:
    root = ET.parse(example_build / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    entries = {u.find(f"{SM}loc").text: (u.find(f"{SM}lastmod").text if u.find(f"{SM}lastmod") is not None else None)
               for u in root.findall(f"{SM}url")}
    pages = {p.relative_to(example_build).as_posix() for p in example_build.rglob("index.html")}
    expected = {BASE + (p[: -len("index.html")]) for p in pages}
    assert set(entries) == expected  # every page, nothing else (404.html is not a page to index)
    assert BASE + "404.html" not in entries
    for article in example_snapshot.articles:
        assert entries[f"{BASE}articles/{article.slug}/"] == iso_date(article.updated_at)
    newest_in_payments = max(iso_date(a.updated_at) for a in example_snapshot.articles if a.category_slug == "payments")
    assert entries[BASE + "categories/payments/"] == newest_in_payments


def test_sitemap_splits_into_an_index_past_the_limit(example_snapshot) -> None:
    settings = SiteSettings(title="Kettle", base_url=BASE)
    pages, _ = plan_pages(example_snapshot, settings, BodyRenderer())
    files = sitemap_files(pages, BASE, max_urls=40)
    parts = sorted(name for name in files if name != "sitemap.xml")
    assert len(parts) == -(-(len(pages) - 1) // 40) >= 3
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{SM}sitemapindex"
    assert [s.find(f"{SM}loc").text for s in index.findall(f"{SM}sitemap")] == [BASE + name for name in parts]
    listed = []
    for name in parts:
        urls = ET.fromstring(files[name]).findall(f"{SM}url")
        assert 0 < len(urls) <= 40
        listed += [u.find(f"{SM}loc").text for u in urls]
    assert len(listed) == len(set(listed)) == len(pages) - 1  # all but the 404 page, each once
    assert sitemap_files(pages, BASE)["sitemap.xml"].count(b"<url>") == len(pages) - 1


def test_robots_txt_points_at_the_sitemap(example_build: Path) -> None:
    lines = (example_build / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {BASE}sitemap.xml" in lines


def test_article_head_has_description_canonical_open_graph_and_tech_article(example_build: Path, example_snapshot) -> None:
    article = next(a for a in example_snapshot.articles if a.meta_description and a.category_slug == "payments")
    page_file = example_build / "articles" / article.slug / "index.html"
    page = parse(page_file)
    (description,) = page.find_all("meta", name="description")
    assert description.attrs["content"] == " ".join(article.meta_description.split())
    (canonical,) = page.find_all("link", rel="canonical")
    assert canonical.attrs["href"] == f"{BASE}articles/{article.slug}/"
    og = {m.attrs["property"]: m.attrs["content"] for m in page.find_all("meta") if "property" in m.attrs}
    assert og["og:type"] == "article" and og["og:title"] == article.title and og["og:url"] == canonical.attrs["href"]
    assert og["article:modified_time"] == iso_date(article.updated_at)
    assert og["og:locale"] == "en_US"
    twitter = {m.attrs["name"]: m.attrs["content"] for m in page.find_all("meta") if m.attrs.get("name", "").startswith("twitter:")}
    assert twitter["twitter:card"] == "summary" and twitter["twitter:title"] == article.title
    nodes = json_ld(page_file)
    tech = of_type(nodes, "TechArticle")
    assert tech["headline"] == article.title
    assert tech["dateModified"] == iso_date(article.updated_at)
    assert tech["datePublished"] == iso_date(article.published_at)
    assert tech["url"] == canonical.attrs["href"] and tech["inLanguage"] == "en"
    crumbs = of_type(nodes, "BreadcrumbList")["itemListElement"]
    assert [c["item"] for c in crumbs] == [BASE, BASE + "categories/payments/", canonical.attrs["href"]]
    assert [c["position"] for c in crumbs] == [1, 2, 3]


def test_home_has_website_with_search_action(example_build: Path) -> None:
    website = of_type(json_ld(example_build / "index.html"), "WebSite")
    assert website["url"] == BASE
    target = website["potentialAction"]["target"]["urlTemplate"]
    assert target == BASE + "search/?q={search_term_string}"
    assert (example_build / "search" / "index.html").is_file()


def test_posts_with_an_official_answer_are_qa_pages(example_build: Path, example_snapshot) -> None:
    answered = [t for t in example_snapshot.threads if any(c.is_official for c in t.comments)]
    unanswered = [t for t in example_snapshot.threads if not any(c.is_official for c in t.comments)]
    assert answered and unanswered
    for thread in answered:
        qa = of_type(json_ld(example_build / "community" / "posts" / thread.post.slug / "index.html"), "QAPage")
        question = qa["mainEntity"]
        assert question["@type"] == "Question" and question["name"] == " ".join(thread.post.title.split())
        official = next(c for c in thread.comments if c.is_official)
        as_read = " ".join(markdown_text(official.body, raw_html=False).body.split())  # Markdown as plain text
        assert question["acceptedAnswer"]["text"][:200] == as_read[:200] and "*" not in as_read[:200]
        assert question["answerCount"] == len(thread.comments)
    for thread in unanswered:
        nodes = json_ld(example_build / "community" / "posts" / thread.post.slug / "index.html")
        assert not [n for n in nodes if n["@type"] == "QAPage"]


def test_no_page_but_404_lacks_structured_data_and_404_has_no_canonical(example_build: Path) -> None:
    for page_file in example_build.rglob("index.html"):
        if page_file.parent == example_build:
            continue
        assert of_type(json_ld(page_file), "BreadcrumbList"), page_file
    page = parse(example_build / "404.html")
    assert not page.find_all("link", rel="canonical") and not page.find_all("script", type="application/ld+json")


def test_without_base_url_absolute_outputs_are_skipped_with_one_warning(tmp_path: Path, example_copy: Path) -> None:
    config = load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={})
    report = build_site(replace(config, base_url=""))
    out = tmp_path / "out"
    assert [w for w in report.warnings if "base_url is not set" in w] == [
        "[site].base_url is not set: sitemap.xml and the Atom feeds are not written, and pages carry no canonical "
        "link, og:url or link-based structured data (all need absolute URLs)"
    ]
    assert not (out / "sitemap.xml").exists() and not list(out.rglob("feed.xml"))
    assert "Sitemap:" not in (out / "robots.txt").read_text()
    # Relative links still work: llms.txt lists the Markdown copies from the site root.
    assert "](articles/" in (out / "llms.txt").read_text()
    article = next((out / "articles").glob("*/index.html"))
    page = parse(article)
    assert not page.find_all("link", rel="canonical") and not page.find_all("link", type="application/atom+xml")
    nodes = json_ld(article)
    assert [n["@type"] for n in nodes] == ["TechArticle"] and "url" not in nodes[0]
    assert page.find_all("meta", name="description")


HOSTILE = "</script><script>alert(1)</script><!-- \u2028\u2029 & \"quoted\" </SCRIPT > {{ 7*7 }} ${x}"


def test_json_ld_escaping_keeps_customer_text_inside_the_data_block() -> None:
    text = json_ld_text({"name": HOSTILE})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == {"name": HOSTILE}


def test_hostile_titles_and_answers_stay_data_in_the_built_page(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    article = replace(snap.articles[0], title=HOSTILE, meta_description=HOSTILE, tags=(HOSTILE,))
    thread = snap.threads[0]
    post = replace(thread.post, title=HOSTILE, body=HOSTILE, author_name=HOSTILE)
    official = Comment(id="com_x", body=HOSTILE, author_name=HOSTILE, is_official=True, created_at="2026-11-01T00:00:00Z")
    snap = replace(
        snap,
        articles=(article,) + snap.articles[1:],
        threads=(PostThread(post=post, comments=(official,)),) + snap.threads[1:],
    )
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={}))
    for page_file in (out / "articles" / article.slug / "index.html", out / "community" / "posts" / post.slug / "index.html"):
        html = page_file.read_text(encoding="utf-8")
        blocks = html.split('<script type="application/ld+json">')[1:]
        assert len(blocks) == 1
        data_text = blocks[0].split("</script>", 1)[0]
        assert "<" not in data_text and "\u2028" not in data_text
        nodes = json.loads(data_text)["@graph"]
        flat = json.dumps(nodes, ensure_ascii=False)
        assert "{{ 7*7 }}" in flat and "49" not in flat  # content is data, never a template
        # The only scripts are the data block and the theme's own files.
        parsed = parse(page_file)
        for script in parsed.find_all("script"):
            assert script.attrs.get("type") == "application/ld+json" or script.attrs.get("src", "").endswith(".js")
        assert len(parsed.find_all("script")) == html.lower().count("<script")
    qa = json.loads(
        (out / "community" / "posts" / post.slug / "index.html").read_text().split('application/ld+json">')[1].split("</script>")[0]
    )["@graph"][0]
    assert qa["@type"] == "QAPage" and qa["mainEntity"]["acceptedAnswer"]["text"] == " ".join(HOSTILE.split())


def test_a_robots_txt_of_the_site_replaces_the_generated_one(tmp_path: Path, example_copy: Path) -> None:
    (example_copy / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /community/\n")
    report = build_site(load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "c"}, environ={}))
    assert (tmp_path / "out" / "robots.txt").read_text() == "User-agent: *\nDisallow: /community/\n"
    assert not [w for w in report.warnings if "robots.txt" in w]


def test_og_locale_follows_the_site_language() -> None:
    from helpgen.render.i18n import Catalog
    from helpgen.render.seo import og_locale

    assert [og_locale(Catalog(language=lang)) for lang in ("en", "de", "ja", "pt-BR")] == ["en_US", "de_DE", "ja_JP", "pt_BR"]
