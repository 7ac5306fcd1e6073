"""Hostile input end to end: the fixture set in ``tests/hostile/`` builds, stays inside
``--out``, reports its bad data, and runs nothing in Chromium.

The fixture (``tests/hostile/snapshot.py``) puts every one of 146 well-known XSS vectors
(``tests/hostile/vectors.py``) in every text field of every content type, gives items
path-traversal and reserved slugs, makes some articles parser bombs (a 5 MB article among
them) and fills the lists with bad API data. The browser tests open every page of the built
site with hooks for ``alert``/``confirm``/``prompt``, for any script compiled with the
payload marker, and for requests and navigations to ``javascript:`` URLs or unexpected hosts
(``tests/hostile/inspector.py``); first with the Content-Security-Policy off (the sanitiser
and templates alone must hold), then with it on (it must report no violation).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from helpgen.build import BuildReport, build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.publish import StagedSite
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.paths import output_file
from tests.hostile.inspector import PageInspector
from tests.hostile.snapshot import (
    API_ORIGIN,
    BOMBS,
    IFRAME_HOST,
    IMAGE_HOST,
    NASTY_SLUGS,
    hostile_files,
    write_hostile_site,
)
from tests.hostile.vectors import EVIL_HOST, MARKER, VECTORS
from tests.sitehost import StaticHost


@dataclass
class HostileBuild:
    root: Path
    site: Path
    out: Path
    report: BuildReport


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileBuild:
    """The hostile site, built once into ``root/out`` with its cache in ``root/cache``."""
    root = tmp_path_factory.mktemp("hostile")
    site = write_hostile_site(root / "site")
    out = root / "out"
    config = load_config(site, overrides={"out_dir": out, "cache_dir": root / "cache"}, environ={})
    report = build_site(config)
    return HostileBuild(root=root, site=site, out=out, report=report)


def _pages(out: Path) -> list[str]:
    """Every page of a built site as a URL path (``articles/x/``, ``404.html``)."""
    return sorted(
        p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*.html") if p.is_file()
    )


# ------------------------------------------------------------------------------------------
# The fixture set itself


def _values(items: list[object], *path: str) -> list[str]:
    out: list[str] = []
    for item in items:
        value: object = item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list):
            out += [v if isinstance(v, str) else str(v.get("filename")) for v in value if isinstance(v, (str, dict))]
        elif isinstance(value, str):
            out.append(value)
    return out


def test_the_fixture_set_puts_every_vector_in_every_field_of_every_content_type() -> None:
    assert len(VECTORS) >= 100 and len(set(VECTORS)) == len(VECTORS)
    files = hostile_files()
    articles = files["library/articles.json"]
    threads = files["community/posts.json"]
    comments = [c for t in threads if isinstance(t, dict) and isinstance(t.get("comments"), list) for c in t["comments"]]
    every_vector = {
        "article title": _values(articles, "title"),
        "article excerpt": _values(articles, "excerpt"),
        "article body": _values(articles, "content"),
        "article tags": _values(articles, "tags"),
        "article meta description": _values(articles, "metaDescription"),
        "post title": _values(threads, "post", "title"),
        "post body": _values(threads, "post", "body"),
        "post author": _values(threads, "post", "author_name"),
        "attachment filename": _values(threads, "post", "attachments"),
        "comment body": _values(comments, "body"),
        "comment author": _values(comments, "author_name"),
    }
    for field, values in every_vector.items():
        text = "\n".join(values)
        missing = [v for v in VECTORS if v not in text]
        assert not missing, f"{field} lacks {len(missing)} vectors, e.g. {missing[0]!r}"
    # Smaller lists carry vectors too (not all 146: there are only so many categories).
    some_vectors = {
        "category name": _values(files["library/categories.json"], "name"),
        "category description": _values(files["library/categories.json"], "description"),
        "category icon": _values(files["library/categories.json"], "icon"),
        "topic name": _values(files["community/topics.json"], "name"),
        "topic description": _values(files["community/topics.json"], "description"),
        "article read time": _values(articles, "readTime"),
        "article category name": _values(articles, "categoryName"),
    }
    for field, values in some_vectors.items():
        assert any(MARKER in v for v in values), field
    colors = _values(files["library/categories.json"], "color")
    assert any(MARKER in c for c in colors) and "#7c3aed" in colors
    slugs = set(_values(articles, "slug")) | set(_values(threads, "post", "slug"))
    assert set(NASTY_SLUGS) <= slugs
    bodies = set(_values(articles, "content"))
    assert all(bomb in bodies for bomb in BOMBS.values())
    assert len(BOMBS["5 MB article"]) >= 5 * 1024 * 1024


# ------------------------------------------------------------------------------------------
# The build


def test_the_hostile_set_builds_and_reports_every_kind_of_bad_data(hostile: HostileBuild) -> None:
    report = hostile.report
    assert report.pages_written > 200
    warnings = "\n".join(report.warnings)
    expected = [
        # wrong types, nulls, invalid dates, each naming the item and the fallback
        "article 'wrong-types': viewCount: expected a number, got text ('many'); using 0",
        "article 'wrong-types': content: expected text, got an object; using ''",
        "article 'wrong-types': updatedAt: not a valid date '2026-02-30T00:00:00Z'; left out",
        "article 'nulls': viewCount: null; using 0",
        "article 'nulls': title is missing or empty; shown as 'Untitled article'",
        "article 'nulls': has no content (text); published with an empty body",
        "category with id 'cat_types': sortOrder: expected a number, got text ('first'); using 0",
        "post 'post-types': vote_count: expected a number, got text ('lots'); using 0",
        "post 'post-types': comments: expected a list, got text ('not a list'); using none",
        "post 'post-types': attachments: expected a list, got a number (5); using none",
        # missing fields, duplicates, dangling references, entries that are not objects
        "article with id 'art_missing': slug is missing or empty; using 'art_missing'",
        "article 'duplicate-id': has the same id 'art_0' as article",
        "category 'dup-id-category': has the same id 'cat_0' as category",
        "post 'dup-post': has the same id 'post_0' as post",
        "article 'article-40': the slug is also used by article 'article-40' (id 'art_40'); "
        "this one (id 'art_dup_slug') is published as 'article-40-",
        "comment 'same' on post 'post-40': has the same id as an earlier comment on the post; left out",
        "article 'category-object': category 'cat_nowhere' not found; listed as uncategorised",
        "topic 'top_missing' not found; listed without a topic",
        "is not an object (list); left out",
        "status 'weird' is unknown; shown as 'open'",
        "color 'red;background:url(javascript:hgxss(0))' is not a #hex colour; not used",
        # slugs that normalise to the same path
        "post 'reset password' (id post_30) collides with post 'Reset-Password' (id post_29)",
        # parser limits
        "article 'bomb-0': it is longer than 2,500,000 characters; its last ",
        "article 'bomb-7': its raw HTML nests deeper than 100 levels",
    ]
    for text in expected:
        assert text in warnings, text


def test_oversized_and_pathological_bodies_render_with_a_visible_notice(hostile: HostileBuild) -> None:
    page = (hostile.out / "articles" / "bomb-0" / "index.html").read_text(encoding="utf-8")
    assert "This text is too long to show in full: its last " in page
    # The kept part keeps its structure, unless the machine was so slow that it ran out of
    # time (MAX_RENDER_SECONDS) and shows as plain text, saying so.
    assert page.count("<h2") > 1000 or "This text is too complex to format" in page
    for number in range(1, len(BOMBS)):
        html = (hostile.out / "articles" / f"bomb-{number}" / "index.html").read_text(encoding="utf-8")
        assert "Parser bomb" in html


def test_lone_surrogates_and_control_characters_never_break_a_page(hostile: HostileBuild) -> None:
    page = next((hostile.out / "articles").glob("surrogate-*/index.html")).read_text(encoding="utf-8")
    assert "Lone \ufffd surrogate \ufffd" in page


def test_no_file_lands_outside_out_for_any_slug(hostile: HostileBuild) -> None:
    allowed = [hostile.out, hostile.root / "cache", hostile.site]
    for folder, _, files in os.walk(hostile.root):
        for name in files:
            path = Path(folder, name).resolve()
            assert any(base.resolve() in path.parents for base in allowed), path
    # Every planned page (nasty slugs included) maps to a file inside the staging folder.
    snapshot = load_snapshot(hostile.site / "snapshot")
    pages, _ = plan_pages(snapshot, SiteSettings())
    staging = hostile.root / "stage-check"
    with StagedSite(staging) as staged:
        root = staged.root.resolve()
        for page in pages:
            target = staged.path_for(output_file(page.path))
            assert root in target.parents
            assert ".." not in Path(page.path).parts and not page.path.startswith("/")
    written = {p.relative_to(hostile.out).as_posix() for p in hostile.out.rglob("*.html") if p.is_file()}
    assert {output_file(page.path) for page in pages} == written
    assert len(written) == len(pages)  # distinct items never share a file


_OWN_SCRIPT = re.compile(r"(?:\.\./)*assets/[\w.-]+\.js|/assets/[\w.-]+\.js")  # the theme's own, by relative URL


class _Markup(HTMLParser):
    """Start tags with attributes, and the raw text of <title>, of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def test_built_pages_carry_no_live_markup(hostile: HostileBuild) -> None:
    """The same checks as the browser's DOM check, on the files, for every page."""
    problems = []
    for rel in _pages(hostile.out):
        html = (hostile.out / (rel + "index.html" if not rel.endswith(".html") else rel)).read_text(encoding="utf-8")
        head_title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        if "<" in head_title:
            problems.append(f"{rel}: raw '<' in <title>")
        parser = _Markup()
        parser.feed(html)
        parser.close()
        for tag, attrs in parser.tags:
            if tag in {"object", "embed", "base", "frame", "frameset", "applet", "style"}:
                problems.append(f"{rel}: <{tag}>")
            json_ld = attrs == {"type": "application/ld+json"}  # a data block (its JSON is checked in test_seo.py)
            if tag == "script" and not json_ld and not _OWN_SCRIPT.fullmatch(attrs.get("src") or ""):
                problems.append(f"{rel}: script {attrs}")
            if tag == "iframe" and not (attrs.get("src") or "").startswith(f"https://{IFRAME_HOST}/"):
                problems.append(f"{rel}: iframe {attrs}")
            for name, value in attrs.items():
                squashed = "".join((value or "").split()).lower()
                if name.startswith("on") or name == "style":
                    problems.append(f"{rel}: <{tag} {name}>")
                if not name.startswith("data-") and squashed.startswith(("javascript:", "vbscript:", "data:")):
                    problems.append(f"{rel}: <{tag} {name}={value!r}>")
                loads = urlsplit(urljoin(f"https://help.example/{rel}", value or "")).hostname
                if name in {"src", "srcset", "action", "poster"} and loads == EVIL_HOST:
                    problems.append(f"{rel}: <{tag} {name}={value!r}> loads from {EVIL_HOST}")
    assert problems == []


# ------------------------------------------------------------------------------------------
# In the browser


def _inspect_all(browser: object, out: Path, *, bypass_csp: bool, poke: bool) -> tuple[list[str], PageInspector]:
    problems: list[str] = []
    with StaticHost(out) as host:
        inspector = PageInspector(
            browser, host.url, api_origin=API_ORIGIN, image_host=IMAGE_HOST, frame_host=IFRAME_HOST, bypass_csp=bypass_csp
        )
        try:
            for rel in _pages(out):
                problems += inspector.inspect(host.url + rel, poke=poke).problems()
        finally:
            inspector.close()
    return problems, inspector


@pytest.mark.browser
def test_no_payload_runs_on_any_page_even_without_the_csp(hostile: HostileBuild, browser: object) -> None:
    problems, inspector = _inspect_all(browser, hostile.out, bypass_csp=True, poke=True)
    assert problems == []
    # Hostile titles and excerpts as search results, as you type and on the search page.
    with StaticHost(hostile.out) as host:
        typing = PageInspector(browser, host.url, api_origin=API_ORIGIN, image_host=IMAGE_HOST, bypass_csp=True)
        try:
            shown = []
            for query in ("img", "script", "svg onload", "hgxss", "javascript", "iframe", "title"):
                problems += typing.inspect_typing(host.url, "#search-box-input", query).problems()
                shown.append(typing.page.locator("#search-box-options li").count())
                problems += typing.inspect(f"{host.url}search/?q={query}").problems()
        finally:
            typing.close()
    assert problems == []
    assert sum(shown) > 0  # the hostile texts were really shown as results
    # The site's own script did run and talk to the API (and only to it), slugs and all.
    assert any("/articles/" in request and request.endswith("/view") for request in inspector.api_requests)


@pytest.mark.browser
def test_the_csp_reports_no_violation_on_any_hostile_page(hostile: HostileBuild, browser: object) -> None:
    problems, _ = _inspect_all(browser, hostile.out, bypass_csp=False, poke=False)
    assert problems == []


@pytest.mark.browser
def test_the_inspector_catches_each_kind_of_attack(browser: object, tmp_path: Path) -> None:
    """The checks above can fail: a page with real XSS is caught, one way or another."""
    attacks = {
        "handler": f"<img src=x onerror={MARKER}(1)>",
        "script": f"<script>{MARKER}(2)</script>",
        "alert": "<script>alert(3)</script>",
        "javascript-url": f'<a id=a href="javascript:{MARKER}(4)">x</a><script src=../click.js></script>',
        "evil-host": f'<img src="https://{EVIL_HOST}/pixel.png">',
        "meta-refresh": f'<meta http-equiv=refresh content="0;url=javascript:{MARKER}(5)">',
        "hover": f"<p onmouseover={MARKER}(6)>hover</p>",
        "frame": f'<iframe src="https://{EVIL_HOST}/"></iframe>',
        "style": '<p style="color:red">x</p>',
    }
    for name, body in attacks.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(f"<!doctype html><title>t</title>{body}", encoding="utf-8")
    (tmp_path / "click.js").write_text("document.getElementById('a').click();", encoding="utf-8")
    with StaticHost(tmp_path) as host:
        inspector = PageInspector(browser, host.url, api_origin=API_ORIGIN, image_host=IMAGE_HOST, frame_host=IFRAME_HOST)
        try:
            caught = {name: inspector.inspect(host.url + name + "/").problems() for name in attacks}
        finally:
            inspector.close()
    assert [name for name, problems in caught.items() if not problems] == []
    assert any("hook: payload(1)" in p for p in caught["handler"])
    assert any("script with payload marker" in p for p in caught["script"])
    assert any("alert(3)" in p for p in caught["alert"])
    assert any("unexpected host" in p for p in caught["evil-host"])
