"""Building the example site end to end, from its snapshot and through the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.cstar._models import Comment, Post, PostThread
from helpgen.render.paths import safe_segment
from helpgen.render.search_pages import az_key
from helpgen.testing.cstar_server import CStarTestServer
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import local_targets, parse, tree_bytes

from dataclasses import replace


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The example site built once from its snapshot, shared by the read-only tests."""
    from tests.conftest import EXAMPLE_SITE

    out = tmp_path_factory.mktemp("example") / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    report = build_site(config)
    return out, report


@pytest.fixture(scope="module")
def snapshot():
    from tests.conftest import EXAMPLE_SITE

    return load_snapshot(EXAMPLE_SITE / "snapshot")


def test_every_page_kind_is_written(built, snapshot) -> None:
    out, report = built
    assert (out / "index.html").is_file()
    assert (out / "404.html").is_file()
    assert (out / "community" / "index.html").is_file()
    for category in snapshot.categories:
        assert (out / "categories" / safe_segment(category.slug) / "index.html").is_file()
    for article in snapshot.articles:
        assert (out / "articles" / safe_segment(article.slug) / "index.html").is_file()
    for topic in snapshot.topics:
        assert (out / "community" / safe_segment(topic.slug) / "index.html").is_file()
    for thread in snapshot.threads:
        assert (out / "community" / "posts" / safe_segment(thread.post.slug) / "index.html").is_file()
    assert (out / "search" / "index.html").is_file()
    az_letters = {az_key(a.title) for a in snapshot.articles}
    for letter in az_letters:
        assert (out / "search" / "a-z" / letter / "index.html").is_file()
    search_pages = 1 + len(az_letters)  # the search page and one A-Z page per letter (under 200 titles each)
    expected_pages = 1 + len(snapshot.categories) + len(snapshot.articles) + 1 + len(snapshot.topics) + len(snapshot.threads) + 1
    roadmap_pages = 1 + 4  # [roadmap] topics in the example: /roadmap/ and one page per status
    assert (out / "roadmap" / "index.html").is_file()
    assert report.pages_written == expected_pages + search_pages + roadmap_pages
    assert report.articles == len(snapshot.articles)
    assert report.posts == len(snapshot.threads)


def test_css_and_js_names_carry_a_content_hash(built) -> None:
    out, _ = built
    css = [p.name for p in (out / "assets").glob("*.css")]
    assert css and all(len(name.split(".")) == 3 for name in css)


def test_every_local_link_and_image_resolves(built) -> None:
    out, _ = built
    broken = []
    for page in sorted(out.rglob("*.html")):
        for href, target in local_targets(out, page):
            if not target.is_file():
                broken.append(f"{page.relative_to(out)}: {href}")
    assert broken == []


def test_pages_link_relatively_so_subfolder_hosting_works(built) -> None:
    """Root-relative links (`/articles/x`) would break a site served from /help/."""
    out, _ = built
    absolute = []
    for page in sorted(out.rglob("*.html")):
        if page.name == "404.html":
            continue
        for href, _ in local_targets(out, page):
            if href.startswith("/"):
                absolute.append(f"{page.relative_to(out)}: {href}")
    assert absolute == []


def test_links_between_articles_are_rewritten_to_site_urls(built, snapshot) -> None:
    """Content links by /articles/SLUG and by cStar URL both become relative site links."""
    out, _ = built
    by_cstar_url = next(a for a in snapshot.articles if "cstar.help/articles/" in (a.content or ""))
    html = (out / "articles" / safe_segment(by_cstar_url.slug) / "index.html").read_text(encoding="utf-8")
    assert "cstar.help/articles/" not in html
    assert 'href="../../articles/' in html


def test_links_to_the_help_center_in_any_spelling_are_rewritten_and_others_left(tmp_path: Path, example_snapshot) -> None:
    first, second = example_snapshot.articles[0], example_snapshot.articles[1]
    links = {
        f"HTTPS://Kettle.CSTAR.help/articles/{second.slug}#setup": f"../../articles/{safe_segment(second.slug)}/#setup",
        f"https://someone@kettle.cstar.help/articles/{second.slug}": f"../../articles/{safe_segment(second.slug)}/",
        "https://Example.com:8443/path?q=1#top": "https://Example.com:8443/path?q=1#top",
        "https://cstar.help.example.com/articles/x": "https://cstar.help.example.com/articles/x",
        "/media/a.png?v=2#top": "../../media/a.png?v=2#top",
    }
    content = "\n\n".join(f"[link {i}]({href})" for i, href in enumerate(links))
    snapshot = replace(
        example_snapshot,
        articles=tuple(replace(a, content=content) if a.id == first.id else a for a in example_snapshot.articles),
    )
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": tmp_path / "site", "cache_dir": tmp_path / "cache"}, environ={})
    build_site(replace(config, snapshot_dir=None), snapshot=snapshot)
    page = parse(tmp_path / "site" / "articles" / safe_segment(first.slug) / "index.html")
    hrefs = {a.text: a.attrs["href"] for a in page.find_all("a") if a.text.startswith("link ")}
    assert hrefs == {f"link {i}": want for i, want in enumerate(links.values())}


def test_a_link_that_is_not_a_url_leaves_the_rest_of_the_article_intact(tmp_path: Path, example_snapshot) -> None:
    first = example_snapshot.articles[0]
    content = "## Steps\n\nOpen [the app](http://[::1/app) or [this](//]).\n\n- one\n- two\n"
    snapshot = replace(
        example_snapshot,
        articles=tuple(replace(a, content=content) if a.id == first.id else a for a in example_snapshot.articles),
    )
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": tmp_path / "site", "cache_dir": tmp_path / "cache"}, environ={})
    report = build_site(replace(config, snapshot_dir=None), snapshot=snapshot)
    assert not [w for w in report.warnings if first.slug in w]
    page = parse(tmp_path / "site" / "articles" / safe_segment(first.slug) / "index.html")
    assert [h.text for h in page.find_all("h2") if h.text.startswith("Steps")]
    assert [li.text for li in page.find_all("li") if li.text in ("one", "two")] == ["one", "two"]
    assert [a for a in page.find_all("a") if a.text == "the app"]


def test_site_templates_override_theme_templates_by_name(tmp_path: Path, example_copy: Path) -> None:
    (example_copy / "templates" / "partials").mkdir(parents=True)
    (example_copy / "templates" / "partials" / "footer.html").write_text(
        '<footer class="custom">Kettle Ltd · {{ site.title }}</footer>\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out}, environ={}))
    for page in ["index.html", "community/index.html", "404.html"]:
        footer = parse(out / page).find_all("footer", class_="custom")
        assert footer and "Kettle Ltd · Kettle Help Center" in footer[0].text
    # Everything else still comes from the default theme.
    assert parse(out / "index.html").find_all("a", href="#main")


def test_home_shows_categories_popular_and_recent_posts(built, snapshot) -> None:
    out, _ = built
    home = parse(out / "index.html")
    text = " ".join(e.text for e in home.find_all("main"))
    for category in snapshot.categories:
        assert category.name in text
    most_viewed = max(snapshot.articles, key=lambda a: a.view_count)
    assert most_viewed.title in text
    newest = max(snapshot.threads, key=lambda t: t.post.created_at or "")
    assert newest.post.title in text
    assert home.find_all("a", href="#main"), "skip link"
    assert home.find_all("html")[0].attrs["lang"] == "en"


def test_article_page_reads_like_an_article(built, snapshot) -> None:
    out, _ = built
    article = next(a for a in snapshot.articles if a.category_slug and (a.content or "").count("\n## ") >= 2)
    page = parse(out / "articles" / safe_segment(article.slug) / "index.html")
    assert page.text_of("h1") == article.title
    crumbs = page.text_of("nav", **{"aria-label": "Breadcrumb"})
    assert article.category_name in crumbs
    toc = page.text_of("nav", **{"aria-label": "On this page"})
    assert toc, "a table of contents for an article with several sections"
    times = page.find_all("time")
    assert any(t.attrs.get("datetime", "").startswith((article.updated_at or "")[:10]) for t in times)
    assert page.find_all("a", rel="prev") or page.find_all("a", rel="next")


def test_template_syntax_in_content_is_printed_not_evaluated(built, snapshot) -> None:
    out, _ = built
    article = next(a for a in snapshot.articles if "{{" in (a.content or ""))
    html = (out / "articles" / safe_segment(article.slug) / "index.html").read_text(encoding="utf-8")
    assert "{{" in html


def test_post_page_marks_the_official_answer(built, snapshot) -> None:
    out, _ = built
    thread = next(t for t in snapshot.threads if t.post.status == "officially_answered")
    page_file = out / "community" / "posts" / safe_segment(thread.post.slug) / "index.html"
    page = parse(page_file)
    assert page.text_of("h1") == thread.post.title
    official = next(c for c in thread.comments if c.is_official)
    html = page_file.read_text(encoding="utf-8")
    assert "Official answer" in html
    assert official.author_name.split()[0] in html


def test_topic_page_lists_pinned_posts_first(built, snapshot) -> None:
    out, _ = built
    topic = next(t for t in snapshot.topics if any(th.post.is_pinned and th.post.topic_id == t.id for th in snapshot.threads))
    page = parse(out / "community" / safe_segment(topic.slug) / "index.html")
    posts = [th.post for th in snapshot.threads if th.post.topic_id == topic.id]
    titles = {p.title: p for p in posts}
    order = [" ".join(a.text.split()) for a in page.find_all("a") if " ".join(a.text.split()) in titles]
    assert titles[order[0]].is_pinned
    pinned_flags = [titles[t].is_pinned for t in order]
    assert pinned_flags == sorted(pinned_flags, reverse=True)


def test_404_page_uses_absolute_links_from_base_url(built) -> None:
    out, _ = built
    page = parse(out / "404.html")
    stylesheet = page.find_all("link", rel="stylesheet")[0].attrs["href"]
    assert stylesheet.startswith("/assets/")


def test_site_built_through_the_api_is_byte_identical(tmp_path: Path, snapshot) -> None:
    from tests.conftest import EXAMPLE_SITE

    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        # The pages name the API (for the views/feedback script), so both builds use the same URL.
        from_snapshot = load_config(
            EXAMPLE_SITE,
            overrides={"out_dir": tmp_path / "snapshot-site", "api_url": server.url, "cache_dir": tmp_path / "c1"},
            environ={},
        )
        build_site(from_snapshot)
        config = replace(from_snapshot, snapshot_dir=None, out_dir=tmp_path / "api-site", cache_dir=tmp_path / "c2")
        report = build_site(config)
    assert tree_bytes(tmp_path / "api-site") == tree_bytes(tmp_path / "snapshot-site")
    # categories + 1 list page + one per article + popular + stats + topics + 1 list page + one per post
    expected = 1 + 1 + len(snapshot.articles) + 2 + 1 + 1 + len(snapshot.threads)
    assert report.api_requests == expected


def test_hostile_community_text_never_reaches_a_page_unsanitised(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    thread = snap.threads[0]
    evil_post = replace(
        thread.post,
        title='<img src=x onerror=alert(1)>"><script>alert(1)</script>',
        body='<script>alert("body")</script>\n\n[click](javascript:alert(1)) <iframe src="https://evil.example"></iframe>',
        author_name="<b onmouseover=alert(1)>Mallory</b>",
    )
    evil_comment = Comment(id="com_evil", body="<svg onload=alert(1)>", author_name="</script><script>alert(2)</script>")
    snap = replace(snap, threads=(PostThread(post=evil_post, comments=(evil_comment,)),) + snap.threads[1:])
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out}, environ={}))
    for page_file in out.rglob("*.html"):
        page = parse(page_file)
        for element in page.elements:
            if element.tag == "script" and not element.attrs.get("src"):  # only JSON-LD data blocks
                assert element.attrs.get("type") == "application/ld+json" and "<" not in element.text, page_file
                json.loads(element.text)
            assert element.tag not in {"iframe", "object", "embed"}, page_file
            for name, value in element.attrs.items():
                assert not name.startswith("on"), (page_file, element)
                assert not value.strip().lower().startswith("javascript:"), (page_file, element)


def test_report_counts_and_times_stages(built) -> None:
    _, report = built
    data = report.to_json()
    json.dumps(data)
    assert set(data["seconds"]) >= {"content", "pages", "render", "publish"}
    assert data["pages_written"] > 0 and data["api_requests"] == 0
