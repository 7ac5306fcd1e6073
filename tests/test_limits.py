"""Parser limits and the body guard: an oversized, too slow or failing body becomes a visible
notice and a warning naming the item; ``--strict`` turns each into a failed build.

No timings are asserted here (they live in ``tests/benchmarks/parser_bombs.py``): the time
budget is exercised with a budget of zero, which every parse exceeds at its first step.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.cli import main
from helpgen.render.bodies import ARTICLE, CUSTOMER, BodyCache, BodyRenderer, BodyRenderError
from helpgen.render.limits import (
    MAX_MARKDOWN_CHARS,
    cut_to_limit,
    plain_text_html,
)
from helpgen.render.markdown import render_article, render_customer_body


class _Text(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.tags: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


# ------------------------------------------------------------------------------------------
# Size


def test_cut_falls_on_a_paragraph_break_before_the_limit() -> None:
    text = "para one\n\n" * 10 + "x" * 50
    kept, dropped = cut_to_limit(text, limit=105)
    assert kept.endswith("para one") and len(kept) <= 105
    assert dropped == len(text) - len(kept)
    assert cut_to_limit("short", limit=100) == ("short", 0)
    hard, dropped = cut_to_limit("y" * 300, limit=100)  # no break anywhere: cut at the limit
    assert hard == "y" * 100 and dropped == 200


@pytest.mark.parametrize("kind", ["article", "customer"])
def test_a_body_over_the_size_limit_is_cut_under_a_visible_notice(kind: str) -> None:
    # Long paragraphs: cheap to parse, so the test stays fast while crossing the limit.
    paragraph = "A paragraph of ordinary words. " * 40
    source = (paragraph + "\n\n") * (MAX_MARKDOWN_CHARS // len(paragraph) + 20)
    rendered = render_article(source) if kind == "article" else render_customer_body(source)
    assert len(source) > MAX_MARKDOWN_CHARS
    page = _Text(rendered.html)
    kept = page.text.count("A paragraph of ordinary words.")
    assert MAX_MARKDOWN_CHARS * 0.9 // 31 <= kept <= MAX_MARKDOWN_CHARS // 31
    assert "This text is too long to show in full: its last " in page.text
    (note,) = rendered.limits
    assert note.startswith(f"it is longer than {MAX_MARKDOWN_CHARS:,} characters; its last ")


# ------------------------------------------------------------------------------------------
# Time


@pytest.mark.parametrize("kind", ["article", "customer"])
def test_a_body_out_of_time_is_shown_as_escaped_plain_text_under_a_notice(kind: str) -> None:
    source = "# Title\n\n<script>alert(1)</script> **bold** & [link](javascript:x)\n\nSecond\nline"
    render = render_article if kind == "article" else render_customer_body
    rendered = render(source, time_budget=0.0)
    assert rendered.html == (
        '<p class="notice notice-content" role="note">This text is too complex to format, so it is shown as plain text.</p>\n'
        "<p># Title</p>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; **bold** &amp; [link](javascript:x)</p>\n"
        "<p>Second<br>\nline</p>\n"
    )
    assert rendered.toc == ()
    assert rendered.limits == ("it took longer than 0 s to format, so it is shown as plain text",)
    # With the normal budget the same text formats as usual.
    assert not render(source).limits


def test_plain_text_fallback_is_escaped_and_never_raises() -> None:
    html = plain_text_html('<img src=x onerror=alert(1)>\r\n\r\n"quoted" \ud800 \x00')
    assert html == '<p>&lt;img src=x onerror=alert(1)&gt;</p>\n<p>"quoted" \ufffd \ufffd</p>\n'
    assert plain_text_html("\n\n \n") == ""


# ------------------------------------------------------------------------------------------
# The body guard


def _exploding(href: str) -> str | None:
    raise RuntimeError(f"resolver bug on {href}")


def test_a_body_that_fails_to_render_becomes_a_notice_and_one_warning() -> None:
    renderer = BodyRenderer()
    warnings: list[str] = ["earlier warning"]
    renderer.report_to(warnings)
    entry = renderer.render(ARTICLE, "Text with [a link](/articles/x) & <b>bold</b>", _exploding, "article 'x'")
    page = _Text(entry.html)
    assert "This text could not be formatted, so it is shown as plain text." in page.text
    assert "Text with [a link](/articles/x) & <b>bold</b>" in page.text
    assert "b" not in page.tags
    again = renderer.render(ARTICLE, "Text with [a link](/articles/x) & <b>bold</b>", _exploding, "article 'x'")
    assert again is entry
    assert warnings == [
        "earlier warning",
        "article 'x': its text could not be rendered (RuntimeError: resolver bug on /articles/x); "
        "it is shown as plain text under a notice",
    ]


def test_strict_turns_a_failing_or_limited_body_into_an_error_naming_the_item() -> None:
    renderer = BodyRenderer(strict=True)
    with pytest.raises(BodyRenderError, match=r"^comment 'c1' on post 'p': its text could not be rendered"):
        renderer.render(CUSTOMER, "[x](/y)", _exploding, "comment 'c1' on post 'p'")
    with pytest.raises(BodyRenderError, match=r"^article 'deep': its raw HTML nests deeper than 100 levels"):
        renderer.render(ARTICLE, "<div>" * 500, lambda href: None, "article 'deep'")


def test_limits_are_reported_again_when_the_render_comes_from_the_cache() -> None:
    renderer = BodyRenderer()
    first = renderer.render(ARTICLE, "<div>" * 500, lambda href: None, "article 'a'")
    renderer.warnings.clear()
    assert renderer.render(ARTICLE, "<div>" * 500, lambda href: None, "article 'b'") is first
    assert renderer.warnings == [
        "article 'b': its raw HTML nests deeper than 100 levels (or leaves more than 8 formatting "
        "elements open), so it is shown as text"
    ]


def test_iframe_hosts_are_part_of_the_cache_key() -> None:
    source = '<iframe src="https://player.vimeo.com/video/1"></iframe>'
    cache = BodyCache()  # shared: the second renderer must not reuse the first one's HTML
    plain = BodyRenderer(cache).render(ARTICLE, source, lambda href: None)
    embeds = BodyRenderer(cache, iframe_hosts=["player.vimeo.com"]).render(ARTICLE, source, lambda href: None)
    assert "<iframe" not in plain.html
    assert embeds.html.startswith('<iframe src="https://player.vimeo.com/video/1"')


# ------------------------------------------------------------------------------------------
# Through the CLI


def _site_with_article(tmp_path: Path, content: str) -> Path:
    site = tmp_path / "site"
    (site / "snapshot" / "library").mkdir(parents=True)
    (site / "snapshot" / "library" / "categories.json").write_text("[]")
    article = {"id": "a1", "title": "Deep", "slug": "deep-html", "content": content}
    (site / "snapshot" / "library" / "articles.json").write_text(json.dumps([article]))
    (site / "helpgen.toml").write_text('[cstar]\nsnapshot = "snapshot"\n')
    return site


def test_strict_build_fails_on_a_body_that_cannot_be_rendered_as_written(tmp_path: Path) -> None:
    site = _site_with_article(tmp_path, "<div>" * 500 + "text")
    out, report = tmp_path / "out", tmp_path / "report.json"
    strict = CliRunner().invoke(main, ["build", str(site), "--out", str(out), "--strict", "-q"])
    assert strict.exit_code == 1
    assert "helpgen: error: article 'deep-html': its raw HTML nests deeper than 100 levels" in strict.output
    assert "(--strict)" in strict.output and not out.exists()

    lenient = CliRunner().invoke(main, ["build", str(site), "--out", str(out), "--report", str(report), "-q"])
    assert lenient.exit_code == 0, lenient.output
    warnings = json.loads(report.read_text())["warnings"]
    assert any(w.startswith("article 'deep-html': its raw HTML nests deeper") for w in warnings)
    assert "&lt;div&gt;&lt;div&gt;" in (out / "articles" / "deep-html" / "index.html").read_text()
