"""Property tests over whole pages: random Unicode and random Markup-ish text in every field of
every content type, through the models, the content checks, the page plan and the theme.

Whatever the text, building never raises, nothing but the theme's own ``<script src>`` tags
and JSON-LD data blocks (valid JSON that cannot end its element) appear, no element gets an event-handler or style attribute, every page path stays a plain
relative path inside the site, and the same content always gives the same bytes.
(``tests/test_markdown.py`` and ``tests/test_paths.py`` hold the same properties for the
Markdown renderer and the slug normaliser alone.)
"""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpgen.content.snapshot import Snapshot
from helpgen.cstar._models import Article, Category, PostThread, Topic
from helpgen.render.csp import content_security_policy
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.paths import output_file
from helpgen.render.seo import add_head_data
from helpgen.render.templates import AssetManifest, find_theme, make_environment, page_helpers, render_template

REPO = Path(__file__).resolve().parent.parent

PIECES = st.sampled_from(
    [
        "<script>x()</script>", "</title>", "</script>", '"', "'", "`", "<", ">", "&", "&amp;", "{{ x }}",
        "{% if %}", "javascript:x()", "<img src=x onerror=x()>", '" onmouseover="x()', "\x00", "\ud800",
        "\u202e", "../", "/", "\\", "\n", " ", "#fff", "#7c3aed", "- ", "# ", "[a](javascript:x)", "\u2028",
    ]
)
TEXT = st.one_of(st.text(max_size=40), st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=8).map("".join))


class _Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


_THEME = find_theme("default", REPO)
_ENV = make_environment(_THEME, None)
_ASSETS = AssetManifest()
_ASSETS.add_theme_static(_THEME.static_dir)
_ASSETS.add("highlight.css", b"")
_ASSETS.add("category-colors.css", b"")


def _site(t: list[str]) -> dict[str, bytes]:
    """Build every page of a one-of-each snapshot whose every text field is from ``t``."""
    snapshot = Snapshot(
        team="t",
        categories=(
            Category.from_api({"id": "c", "name": t[0], "slug": t[1], "description": t[2], "icon": t[3], "color": t[4]}),
        ),
        articles=(
            Article.from_api(
                {"id": "a", "title": t[5], "slug": t[6], "excerpt": t[7], "content": t[8], "categoryId": "c",
                 "tags": [t[9]], "metaDescription": t[10], "readTime": t[11], "updatedAt": t[12]}
            ),
            Article.from_api({"id": "b", "title": t[13], "slug": t[1], "content": t[14], "categoryId": "c"}),
        ),
        topics=(Topic.from_api({"id": "tp", "name": t[15], "slug": t[16], "description": t[17]}),),
        threads=(
            PostThread.from_api(
                {
                    "post": {"id": "p", "title": t[18], "slug": t[19], "body": t[20], "topic_id": "tp",
                             "status": t[21], "author_name": t[22],
                             "attachments": [{"filename": t[23], "url": t[24], "content_type": "image/png"}]},
                    "comments": [{"id": t[25], "body": t[26], "author_name": t[27], "created_at": t[12],
                                  "is_official": True}],
                }
            ),
        ),
    )
    # Site settings come from helpgen.toml, where TOML itself rules out lone surrogates.
    title, description = (re.sub("[\ud800-\udfff]", "\ufffd", v) for v in (t[28], t[29]))
    settings_ = SiteSettings(title=title, description=description, team="t", api_url="https://api.example",
                             base_url="https://help.example/",
                             content_security_policy=content_security_policy(connect_origins=["https://api.example"]))
    pages, _ = plan_pages(snapshot, settings_)
    pages = add_head_data(pages, settings_)  # head tags and JSON-LD, as the build adds them
    files = {}
    for page in pages:
        assert ".." not in page.path.split("/") and not page.path.startswith("/"), page.path
        assert posixpath.normpath("/" + output_file(page.path)) == "/" + output_file(page.path)
        context = {"site": settings_, "page": page, **page.context, **page_helpers(page.path, _ASSETS)}
        files[output_file(page.path)] = render_template(_ENV, page.template, context).encode("utf-8")
    assert len(files) == len(pages)  # distinct items never share a file
    return files


@given(st.lists(TEXT, min_size=30, max_size=30))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_text_in_every_field_gives_escaped_stable_pages(texts: list[str]) -> None:
    files = _site(texts)
    assert {"index.html", "404.html", "community/index.html"} <= set(files)
    for name, data in files.items():
        html = data.decode("utf-8")
        tags = _Tags(html).tags
        scripts = [attrs for tag, attrs in tags if tag == "script"]
        data_blocks = [a for a in scripts if a.get("type") == "application/ld+json"]
        assert all((a.get("src") or "").endswith(".js") for a in scripts if a not in data_blocks), (name, scripts)
        assert html.lower().count("<script") == len(scripts), name
        # JSON-LD data blocks: valid JSON, and nothing in them can end the element or open a comment.
        for block in html.split('<script type="application/ld+json">')[1:]:
            text = block.split("</script>", 1)[0]
            assert "<" not in text and ">" not in text and "\u2028" not in text, name
            assert json.loads(text)["@context"] == "https://schema.org"
        assert len(data_blocks) == html.count('<script type="application/ld+json">'), name
        for tag, attrs in tags:
            assert not any(n.startswith("on") or n == "style" for n in attrs), (name, tag, attrs)
        assert "<" not in html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert _site(texts) == files
