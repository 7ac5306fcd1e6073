"""The peer benchmark's exporters, runner and report, on a tiny corpus.

The exports must give Hugo and MkDocs the same site helpgen builds: one page per article and
per post, with the right titles, categories and topics, working links, and customer text that
stays inert. When Hugo, Pagefind or MkDocs + Material are installed (the ``bench`` extra), the
tiny sites are really built and their pages checked; otherwise those tests skip.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.content.snapshot import Snapshot
from helpgen.cstar._models import Comment, PostThread
from tests.benchmarks import peers
from tests.benchmarks.corpus import generate_snapshot
from tests.benchmarks.peers_content import front_matter, peer_site, plain_markdown, rewrite_links
from tests.benchmarks.peers_hugo import write_hugo_site
from tests.benchmarks.peers_measure import Measurement, measure
from tests.benchmarks.peers_mkdocs import inert_html, write_mkdocs_project
from tests.benchmarks.peers_tools import ToolMissing, find_hugo, find_mkdocs, find_pagefind
from tests.htmltools import local_targets, parse

HOSTILE_TITLE = 'Help <img src=x onerror="alert(1)"> & "quotes"'
HOSTILE_BODY = "Please look:\n\n<script>alert('pwned')</script>\n\n[click me](javascript:alert(2))\n\nSee `<b>` in code.\n"
HOSTILE_AUTHOR = "<b onmouseover=alert(3)>Mallory</b>"


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    """30 articles and 9 posts, plus a hostile thread and two slugs that collide once normalised."""
    base = generate_snapshot(30, 9, seed=5)
    articles = list(base.articles)
    twin = articles[1]
    articles.append(replace(twin, id="art_twin", slug=twin.slug.upper(), title=twin.title + " (copy)"))
    articles.append(replace(articles[2], id="art_index", slug="index", title="An article called index"))
    first = base.threads[0].post
    hostile = PostThread(
        post=replace(first, id="post_hostile", slug="hostile-post", title=HOSTILE_TITLE, body=HOSTILE_BODY,
                     author_name=HOSTILE_AUTHOR, is_pinned=True),
        comments=(Comment(id="com_hostile", body=HOSTILE_BODY, author_name=HOSTILE_AUTHOR, created_at="2026-01-02T03:04:05Z"),),
    )
    return replace(base, articles=tuple(articles), threads=(*base.threads, hostile))


def _front_matter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    block = text[4:text.index("\n---\n", 4)]
    fields = {}
    for line in block.splitlines():
        key, _, value = line.partition(": ")
        fields[key] = json.loads(value)
    return fields


def _category_of(snapshot: Snapshot) -> dict[str, str]:
    return {a.title: a.category_name or "" for a in snapshot.articles}


# --------------------------------------------------------------------------- shared plan


def test_plan_names_every_page_once_and_keeps_order(snapshot: Snapshot) -> None:
    site = peer_site(snapshot)
    assert len(site.articles) == len(snapshot.articles)
    assert len(site.posts) == len(snapshot.threads)
    names = [p.name for p in site.articles]
    assert len(set(names)) == len(names)
    assert "index" not in names and "index-2" in names
    # Same category order as the API; weights count 1, 2, 3... inside each category.
    assert [s.title for s in site.categories] == [c.name for c in snapshot.categories]
    for section in site.categories:
        weights = [p.weight for p in site.articles if p.section == section]
        assert weights == list(range(1, len(weights) + 1))
    # Pinned posts come first in their topic.
    for section in site.topics:
        pinned = [p.thread.post.is_pinned for p in site.posts if p.section == section]
        assert pinned == sorted(pinned, reverse=True)


def test_front_matter_is_json_per_line_and_refuses_odd_keys() -> None:
    text = front_matter({"title": 'A "quoted" title: with colon', "weight": 3, "skip": None, "odd": "nel\x85 ls\u2028 del\x7f"})
    lines = text.split("\n")[:-1]
    assert lines[0] == lines[-1] == "---"
    assert json.loads(lines[1].split(": ", 1)[1]) == 'A "quoted" title: with colon'
    assert lines[2] == "weight: 3"
    assert not any(line.startswith("skip") for line in lines)
    assert lines[3] == 'odd: "nel\\u0085 ls\\u2028 del\\u007f"' and len(lines) == 5
    with pytest.raises(ValueError):
        front_matter({"bad key": 1})


def test_plain_markdown_and_inert_html_leave_no_tag() -> None:
    assert plain_markdown("<b>*x*</b> & [y]") == "&lt;b>\\*x\\*&lt;/b> &amp; \\[y\\]"
    text = inert_html("a <script>x</script> `<b>` b\n\n```html\n<div>kept</div>\n```\n[c](javascript:alert(1)) [d](https://ok.example)")
    assert "<script>" not in text and "&lt;script>" in text
    assert "`<b>`" in text  # code spans are Markdown's to escape
    assert "<div>kept</div>" in text  # so are fenced blocks
    assert "javascript:" not in text and "[c](#)" in text and "[d](https://ok.example)" in text


def test_rewrite_links_points_site_links_at_the_tool_and_keeps_the_rest() -> None:
    markdown = "[a](/articles/one) [b](/articles/two/#step-2) [c](/categories/billing) [d](/media/x.png) [e](/articles/unknown)"

    def target(kind: str, slug: str) -> str | None:
        return {"articles": {"one": "one.md", "two": "two.md"}, "categories": {"billing": "../c/billing/index.md"}}.get(kind, {}).get(slug)

    assert rewrite_links(markdown, target) == (
        "[a](one.md) [b](two.md#step-2) [c](../c/billing/index.md) [d](/media/x.png) [e](/articles/unknown)"
    )


# --------------------------------------------------------------------------- Hugo


def test_hugo_export_has_one_page_per_article_and_post(snapshot: Snapshot, tmp_path: Path) -> None:
    site = write_hugo_site(snapshot, tmp_path)
    article_files = sorted((tmp_path / "content" / "articles").glob("*.md"))
    article_files = [p for p in article_files if p.name != "_index.md"]
    assert len(article_files) == len(snapshot.articles)
    term_titles = {s.name: s.title for s in site.categories}
    categories = _category_of(snapshot)
    titles = set()
    for path in article_files:
        meta = _front_matter(path)
        titles.add(meta["title"])
        (term,) = meta["categories"]
        assert term_titles[term] == categories[meta["title"]]
        assert (tmp_path / "content" / "categories" / term / "_index.md").is_file()
    assert titles == {a.title for a in snapshot.articles}

    post_files = [p for p in (tmp_path / "content" / "posts").glob("*.md") if p.name != "_index.md"]
    assert len(post_files) == len(snapshot.threads)
    topic_of = {t.id: t.name for t in snapshot.topics}
    expected = {t.post.title: topic_of[t.post.topic_id] for t in snapshot.threads}
    topic_titles = {s.name: s.title for s in site.topics}
    for path in post_files:
        meta = _front_matter(path)
        (term,) = meta["topics"]
        assert topic_titles[term] == expected[meta["title"]]
    hostile = (tmp_path / "content" / "posts" / "hostile-post.md").read_text()
    assert "## 1 comment" in hostile and "&lt;b onmouseover=alert(3)>Mallory&lt;/b>" in hostile


@pytest.fixture(scope="module")
def hugo_public(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Hugo site, built (skips when Hugo is not installed)."""
    try:
        hugo = find_hugo()
    except ToolMissing as exc:
        pytest.skip(str(exc))
    source = tmp_path_factory.mktemp("hugo-site")
    write_hugo_site(snapshot, source)
    public = source.parent / (source.name + "-public")
    done = subprocess.run([*hugo.command, "--minify", "--source", str(source), "--destination", str(public)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return public


def test_hugo_builds_every_page_with_breadcrumbs_and_prev_next(snapshot: Snapshot, hugo_public: Path) -> None:
    site = peer_site(snapshot)
    pages = sorted((hugo_public / "articles").glob("*/index.html"))
    assert len(pages) == len(snapshot.articles)
    assert len(list((hugo_public / "posts").glob("*/index.html"))) == len(snapshot.threads)
    for page in site.articles:
        parsed = parse(hugo_public / "articles" / page.name / "index.html")
        assert parsed.text_of("h1") == " ".join(page.article.title.split())
        crumbs = parsed.text_of("nav", class_="breadcrumbs")
        assert page.section.title in crumbs
    # Previous/next follow the order inside the category.
    members = [p for p in site.articles if p.section == site.categories[0]]
    assert len(members) >= 3
    middle = parse(hugo_public / "articles" / members[1].name / "index.html")
    assert middle.find_all("a", rel="prev")[0].attrs["href"] == f"/articles/{members[0].name}/"
    assert middle.find_all("a", rel="next")[0].attrs["href"] == f"/articles/{members[2].name}/"
    # Category pages list every member; site links resolve.
    category = parse(hugo_public / "categories" / site.categories[0].name / "index.html")
    listed = [a.attrs["href"] for a in category.find_all("a") if a.attrs.get("href", "").startswith("/articles/")]
    assert listed == [f"/articles/{p.name}/" for p in members]
    for page_file in pages:
        for href, target in local_targets(hugo_public, page_file):
            if href.startswith(("/articles/", "/categories/", "/posts/", "/topics/")):
                assert target.is_file(), (page_file, href)


def test_hugo_keeps_customer_html_inert(hugo_public: Path) -> None:
    page = parse(hugo_public / "posts" / "hostile-post" / "index.html")
    assert page.text_of("h1") == HOSTILE_TITLE
    for element in page.elements:
        assert not any(name.startswith("on") for name in element.attrs), element
        assert not element.attrs.get("href", "").lower().startswith("javascript:"), element
        if element.tag == "script":
            assert "alert" not in element.text
    assert "Mallory" in page.text_of("article")  # the author's name, as text


def test_pagefind_indexes_every_article_and_post(snapshot: Snapshot, hugo_public: Path) -> None:
    try:
        pagefind = find_pagefind()
    except ToolMissing as exc:
        pytest.skip(str(exc))
    done = subprocess.run([*pagefind.command, "--site", str(hugo_public)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    entry = json.loads((hugo_public / "pagefind" / "pagefind-entry.json").read_text())
    assert sum(language["page_count"] for language in entry["languages"].values()) == len(snapshot.articles) + len(snapshot.threads)


# --------------------------------------------------------------------------- MkDocs


def _nav_sections(mkdocs_yml: str) -> dict[str, list[str]]:
    """Nav section title → the page files listed in it (the exporter's own two-level layout)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in mkdocs_yml.splitlines():
        header = re.fullmatch(r" {4}- (\".*\"):", line)
        if header:
            current = json.loads(header.group(1))
            sections[current] = []
            continue
        entry = re.fullmatch(r" {6}- (\S+\.md)", line)
        if entry and current is not None:
            sections[current].append(entry.group(1))
    return sections


def test_mkdocs_export_has_one_page_per_article_and_post_in_its_nav_section(snapshot: Snapshot, tmp_path: Path) -> None:
    site = write_mkdocs_project(snapshot, tmp_path)
    docs = tmp_path / "docs"
    article_files = sorted((docs / "articles").glob("*.md"))
    assert len(article_files) == len(snapshot.articles)
    assert {html.unescape(_front_matter(p)["title"]) for p in article_files} == {" ".join(a.title.split()) for a in snapshot.articles}
    assert len(list((docs / "posts").glob("*.md"))) == len(snapshot.threads)

    nav = _nav_sections((tmp_path / "mkdocs.yml").read_text())
    categories = _category_of(snapshot)
    for section_title, files in nav.items():
        for rel in files:
            if rel.startswith("articles/"):
                title = html.unescape(_front_matter(docs / rel)["title"])
                assert categories[title] == html.unescape(section_title)
    listed = [rel for files in nav.values() for rel in files]
    assert sorted(r for r in listed if r.startswith("articles/")) == sorted(f"articles/{p.name}" for p in article_files)
    assert sorted(r for r in listed if r.startswith("posts/")) == sorted(f"posts/{p.name}.md" for p in site.posts)
    hostile = (docs / "posts" / "hostile-post.md").read_text()
    assert "<script>" not in hostile and "javascript:" not in hostile
    assert _front_matter(docs / "posts" / "hostile-post.md")["title"] == html.escape(HOSTILE_TITLE, quote=False)


@pytest.fixture(scope="module")
def mkdocs_site(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny MkDocs + Material site, built (skips when they are not installed)."""
    try:
        mkdocs = find_mkdocs()
    except ToolMissing as exc:
        pytest.skip(str(exc))
    project = tmp_path_factory.mktemp("mkdocs-project")
    write_mkdocs_project(snapshot, project)
    built = project.parent / (project.name + "-site")
    done = subprocess.run([*mkdocs.command, "build", "--quiet", "--config-file", str(project / "mkdocs.yml"), "--site-dir", str(built)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return built


def test_mkdocs_builds_every_page_with_search(snapshot: Snapshot, mkdocs_site: Path) -> None:
    site = peer_site(snapshot)
    assert len(list((mkdocs_site / "articles").glob("*/index.html"))) == len(snapshot.articles)
    assert len(list((mkdocs_site / "posts").glob("*/index.html"))) == len(snapshot.threads)
    for page in site.articles:
        page_file = mkdocs_site / "articles" / page.name / "index.html"
        parsed = parse(page_file)
        assert parsed.text_of("h1") == " ".join(page.article.title.split())
        assert page.section.title in parsed.text_of("nav", class_="md-path")
        for href, target in local_targets(mkdocs_site, page_file):
            if "articles/" in href or "categories/" in href or "posts/" in href:
                assert target.is_file(), (page_file, href)
    index = json.loads((mkdocs_site / "search" / "search_index.json").read_text())
    indexed = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert {f"articles/{p.name}/" for p in site.articles} <= indexed
    assert {f"posts/{p.name}/" for p in site.posts} <= indexed


def test_mkdocs_keeps_customer_html_inert(mkdocs_site: Path) -> None:
    page = parse(mkdocs_site / "posts" / "hostile-post" / "index.html")
    assert page.text_of("h1") == HOSTILE_TITLE
    prose = page.find_all("article")[0]
    assert "<script>alert('pwned')</script>" in prose.text  # shown as text
    for element in page.elements:
        assert not any(name.startswith("on") for name in element.attrs), element
        assert not element.attrs.get("href", "").lower().startswith("javascript:"), element
        if element.tag == "script":
            assert "pwned" not in element.text and "alert(" not in element.text


# --------------------------------------------------------------------------- runner and report


def test_measure_reports_exit_memory_and_timeout(tmp_path: Path) -> None:
    grow = "x = bytearray(64 * 2**20); import time; time.sleep(0.5)"
    done = measure([sys.executable, "-c", grow], log=tmp_path / "grow.log", timeout=60)
    assert done.ok and done.returncode == 0
    assert done.maxrss_kb > 64 * 1024 and done.tree_peak_kb > 32 * 1024
    failed = measure([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"], log=tmp_path / "fail.log", timeout=60)
    assert failed.returncode == 3 and not failed.ok and "boom" in (tmp_path / "fail.log").read_text()
    slow = measure([sys.executable, "-c", "import time; time.sleep(60)"], log=tmp_path / "slow.log", timeout=0.5)
    assert slow.timed_out and slow.returncode is None and slow.wall_seconds < 30


def test_peers_prints_a_table_for_every_tool(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert peers.main(["--sizes", "20", "--timeout", "600", "--keep", str(tmp_path), "--edits", "3"]) == 0
    out = capsys.readouterr().out
    assert "== 20 articles + 6 posts" in out
    figure = r"\s+\d+\.\d\d\s+\d+\s+\d+"
    for label in (peers.HELPGEN_CLEAN, peers.HELPGEN_NO_CHANGE, peers.HELPGEN_ONE_CHANGED):
        assert re.search(re.escape(label) + figure, out), out
    installed = {"hugo": find_hugo, "mkdocs": find_mkdocs}
    for tool, label in (("hugo", peers.HUGO), ("mkdocs", peers.MKDOCS)):
        try:
            installed[tool]()
        except ToolMissing:
            assert re.search(re.escape(label) + r"\s+n/a", out), out
        else:
            assert re.search(re.escape(label) + figure, out), out
    assert re.search(r"helpgen / mkdocs\s+(\d+\.\d\dx|n/a)", out)
    clean = json.loads((tmp_path / "size-20" / "helpgen-clean.json").read_text())
    for name in ("helpgen-one-changed.json", "helpgen-one-changed-2.json", "helpgen-one-changed-3.json"):
        one_changed = json.loads((tmp_path / "size-20" / name).read_text())
        assert 1 <= one_changed["pages_rendered"] < clean["pages_rendered"]
    assert re.search(r"median of 3 edits of different articles \(wall s in order: [\d.]+, [\d.]+, [\d.]+\)", out), out


def test_the_one_changed_row_is_the_median_run_with_the_highest_memory() -> None:
    def row(wall: float, rss: int) -> peers.Row:
        measurement = Measurement(returncode=0, wall_seconds=wall, maxrss_kb=rss, tree_peak_kb=2 * rss, timed_out=False, log=Path("x"))
        return peers.Row(peers.HELPGEN_ONE_CHANGED, measurement, detail=f"run of {wall}")

    median = peers.median_row([row(3.0, 100), row(1.0, 300), row(2.0, 200), row(9.0, 50)])
    assert median.measurement.wall_seconds == 2.0
    assert (median.measurement.maxrss_kb, median.measurement.tree_peak_kb) == (300, 600)
    assert median.detail.endswith("(wall s in order: 3.00, 1.00, 2.00, 9.00); the median one: run of 2.0")
    assert peers.median_row([row(4.0, 1)]).detail == "run of 4.0"


def test_a_missing_tool_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HELPGEN_BENCH_HUGO", str(tmp_path / "no-such-hugo"))
    assert peers.main(["--only", "hugo", "--sizes", "5"]) == 2
    err = capsys.readouterr().err
    assert "HELPGEN_BENCH_HUGO" in err and "no-such-hugo" in err and "Traceback" not in err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--only", "jekyll"], ["--sizes", "ten"], ["--sizes", "0"], ["--timeout", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            peers.main(argv)
        assert exit_info.value.code == 2
    assert "--only takes helpgen, hugo, mkdocs" in capsys.readouterr().err
