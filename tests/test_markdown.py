"""Markdown rendering: what an article or a community post looks like once rendered.

Covers the article features (ids, TOC, callouts, code, tables, footnotes, task lists, links),
the customer renderer's restrictions, content-as-data, and hostile input: parser bombs with
time bounds, and a hypothesis property over random text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html.parser import HTMLParser

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from helpgen.render import markdown as markdown_module
from helpgen.render.markdown import (
    RenderedMarkdown,
    TocEntry,
    highlight_css,
    render_article,
    render_customer,
)

# A bound generous enough for a slow or busy CI machine, still far below what a quadratic
# blow-up would take: on a 2-core dev machine each small bomb takes well under 1 s. (The 2 MB
# documents are not timed here; their speed is a benchmark figure.)
BOMB_SECONDS = 10.0


class Element:
    """One start tag as the browser-like stdlib parser saw it, with its text content."""

    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.text = ""

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


class Page(HTMLParser):
    """Parses rendered HTML into a flat list of elements, each with the text inside it."""

    VOID = frozenset({"img", "br", "hr", "input", "wbr", "col"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        self.text += data
        for element in self._open:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def one(self, tag: str) -> Element:
        found = self.all(tag)
        assert len(found) == 1, f"expected one <{tag}>, found {len(found)}"
        return found[0]

    def classes(self, element: Element) -> set[str]:
        return set((element.get("class") or "").split())


def article(markdown: str, resolve_link: Callable[[str], str | None] | None = None) -> Page:
    return Page(render_article(markdown, resolve_link=resolve_link).html)


def customer(markdown: str, resolve_link: Callable[[str], str | None] | None = None) -> Page:
    return Page(render_customer(markdown, resolve_link=resolve_link))


# ------------------------------------------------------------------------------------------
# Headings, ids and the table of contents


def test_headings_get_readable_ids_and_the_toc_lists_h2_and_h3_text() -> None:
    rendered = render_article(
        "# Getting started\n\n## Install `helpgen` *today*\n\n### Use [the CLI](/cli)\n\n"
        "#### Flags\n\n## Next steps\n"
    )
    assert isinstance(rendered, RenderedMarkdown)
    assert rendered.toc == (
        TocEntry(level=2, id="install-helpgen-today", text="Install helpgen today"),
        TocEntry(level=3, id="use-the-cli", text="Use the CLI"),
        TocEntry(level=2, id="next-steps", text="Next steps"),
    )
    page = Page(rendered.html)
    assert page.one("h1").get("id") == "getting-started"
    assert page.one("h4").get("id") == "flags"
    # Every TOC entry points at a heading that exists, with the same text.
    for entry in rendered.toc:
        (heading,) = [e for e in page.elements if e.get("id") == entry.id]
        assert heading.tag == f"h{entry.level}"
        assert heading.text.replace("#", "").split() == entry.text.split()


def test_duplicate_headings_get_numbered_suffixes() -> None:
    rendered = render_article("## Setup\n\n## Setup\n\n### Setup\n\n## Setup 2\n\n## Setup\n")
    assert [entry.id for entry in rendered.toc] == [
        "setup",
        "setup-2",
        "setup-3",
        "setup-2-2",
        "setup-4",
    ]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("密码重置", "密码重置"),
        ("パスワードをリセットする", "パスワードをリセットする"),
        ("Réinitialiser le mot de passe", "réinitialiser-le-mot-de-passe"),
        ("Привет, мир!", "привет-мир"),
        ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
        ("What's new in v2.0?", "whats-new-in-v2-0"),
        ("🚀 Launch day", "launch-day"),
        ("\uff26\uff35\uff2c\uff2c \uff57\uff49\uff44\uff54\uff48", "full-width"),  # fullwidth
        ("snake_case name", "snake_case-name"),
    ],
)
def test_unicode_headings_keep_their_letters(heading: str, slug: str) -> None:
    assert render_article(f"## {heading}\n").toc == (TocEntry(2, slug, heading),)


def test_symbol_only_and_empty_headings_still_get_unique_ids() -> None:
    page = article("## !!!\n\n## ???\n\n##\n\n## Section\n\n## ✨✨\n")
    ids = [h.get("id") for h in page.all("h2")]
    assert ids == ["section", "section-2", "section-3", "section-4", "section-5"]


def test_long_headings_give_bounded_ids() -> None:
    (entry,) = render_article("## " + "word " * 100 + "\n").toc
    assert 0 < len(entry.id) <= markdown_module.MAX_SLUG_CHARS
    assert not entry.id.endswith("-")


HEADING_TEXT = st.text(alphabet=st.characters(exclude_characters="<&\\"), max_size=30)


@given(st.lists(HEADING_TEXT, min_size=1, max_size=25))
@settings(max_examples=150, deadline=None)
def test_every_heading_id_is_non_empty_and_unique(texts: list[str]) -> None:
    source = "\n\n".join("## " + " ".join(text.split()) for text in texts)
    page = article(source)
    ids = [element.get("id") for element in page.elements if element.get("id")]
    assert all(h.get("id") for h in page.all("h2"))
    assert len(set(ids)) == len(ids)


def test_h2_to_h4_get_a_permalink_and_other_levels_do_not() -> None:
    page = article("# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n")
    anchors = [a for a in page.all("a") if "heading-anchor" in page.classes(a)]
    assert [a.get("href") for a in anchors] == ["#two", "#three", "#four"]
    assert [a.get("aria-label") for a in anchors] == [
        "Permalink to Two",
        "Permalink to Three",
        "Permalink to Four",
    ]
    assert [a.text for a in anchors] == ["#", "#", "#"]


def test_footnote_ids_cannot_collide_with_heading_ids() -> None:
    page = article("## fn1\n\n## fnref1\n\nText[^a].\n\n[^a]: The note.\n")
    ids = [e.get("id") for e in page.elements if e.get("id")]
    assert len(set(ids)) == len(ids)
    ref = page.one("sup")
    assert "footnote-ref" in page.classes(ref)
    (ref_link,) = [a for a in page.all("a") if a.get("href") == "#fn:1"]
    assert ref_link.get("id") == "fnref:1"
    (note,) = [li for li in page.all("li") if li.get("id") == "fn:1"]
    assert "The note." in note.text


# ------------------------------------------------------------------------------------------
# Article features


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "note"])
def test_github_alerts_become_callouts(kind: str) -> None:
    page = article(f"> [!{kind}]\n> Back up **first**.\n")
    callout = page.one("div")
    assert page.classes(callout) == {"callout", f"callout-{kind.lower()}"}
    assert callout.get("role") == "note"
    title, body = page.all("p")
    assert page.classes(title) == {"callout-title"}
    assert title.text == kind.capitalize()
    assert body.text == "Back up first."
    assert not page.all("blockquote")


def test_callout_marker_alone_in_its_paragraph_and_nested_callouts() -> None:
    page = article("> [!TIP]\n>\n> Outer.\n>\n> > [!CAUTION]\n> > Inner.\n")
    outer, inner = page.all("div")
    assert page.classes(outer) == {"callout", "callout-tip"}
    assert page.classes(inner) == {"callout", "callout-caution"}
    assert [p.text for p in page.all("p")] == ["Tip", "Outer.", "Caution", "Inner."]


def test_blockquotes_that_are_not_alerts_stay_blockquotes() -> None:
    page = article("> [!BANANA]\n> text\n\n> [!NOTE] on the same line\n\n> plain\n")
    assert len(page.all("blockquote")) == 3
    assert not page.all("div")
    assert "[!BANANA]" in page.text


def test_fenced_code_is_highlighted_with_its_language() -> None:
    html = render_article('```python title="x"\ndef greet():\n    return "<hi>"\n```\n').html
    page = Page(html)
    pre = page.one("pre")
    assert page.classes(pre) == {"highlight"}
    assert pre.get("data-lang") == "python"
    assert any(page.classes(span) == {"k"} and span.text == "def" for span in page.all("span"))
    assert pre.text == 'def greet():\n    return "<hi>"\n'
    assert "&lt;hi&gt;" in html


@pytest.mark.parametrize(
    ("fence", "data_lang"),
    [
        ("```no-such-language", "no-such-language"),
        ("```", None),
        ('```"><script>alert(1)</script>', None),
        ("```{python}", None),
        ("```" + "x" * 500, None),
    ],
)
def test_unknown_absent_or_malformed_languages_give_plain_escaped_code(
    fence: str, data_lang: str | None
) -> None:
    html = render_article(f"{fence}\n<b>x</b> {{{{ y }}}}\n```\n").html
    page = Page(html)
    pre = page.one("pre")
    assert pre.get("class") is None
    assert pre.get("data-lang") == data_lang
    assert not page.all("span") and not page.all("b") and not page.all("script")
    assert page.one("code").text == "<b>x</b> {{ y }}\n"


def test_a_failing_lexer_falls_back_to_plain_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_highlight(*args: object) -> str:
        raise RuntimeError("lexer bug")

    monkeypatch.setattr(markdown_module, "highlight", broken_highlight)
    page = article("```python\nx = 1\n```\n")
    pre = page.one("pre")
    assert pre.get("class") is None and pre.get("data-lang") == "python"
    assert pre.text == "x = 1\n"


def test_huge_code_blocks_are_not_highlighted() -> None:
    code = "x = 1\n" * (markdown_module.MAX_HIGHLIGHT_CHARS // 6 + 1)
    page = article(f"```python\n{code}```\n")
    assert page.one("pre").get("class") is None
    assert not page.all("span")


def test_indented_code_is_plain_pre_code() -> None:
    page = article("para\n\n    <i>code</i>\n")
    assert page.one("code").text == "<i>code</i>\n"
    assert not page.all("i")


def test_tables_scroll_in_a_wrapper_and_keep_alignment_as_classes() -> None:
    page = article("| Left | Right |\n|:-----|------:|\n| a | b |\n")
    wrap = page.one("div")
    assert page.classes(wrap) == {"table-wrap"}
    assert "Left" in wrap.text and page.one("table")
    assert [page.classes(th) for th in page.all("th")] == [{"align-left"}, {"align-right"}]
    assert all(cell.get("style") is None for cell in page.all("td") + page.all("th"))


def test_strikethrough_and_task_lists_with_disabled_checkboxes() -> None:
    page = article("~~old~~\n\n- [ ] open\n- [x] done\n")
    assert page.one("s").text == "old"
    boxes = page.all("input")
    assert [box.get("type") for box in boxes] == ["checkbox", "checkbox"]
    assert all("disabled" in box.attrs for box in boxes)
    assert ["checked" in box.attrs for box in boxes] == [False, True]
    assert "contains-task-list" in page.classes(page.one("ul"))


def test_images_are_lazy_and_raw_html_extras_survive() -> None:
    page = article(
        '![Screenshot](/img/a.png "Settings")\n\n'
        "<details><summary>More</summary>\n\nPress <kbd>Ctrl</kbd>+<kbd>S</kbd>, "
        "<mark>really</mark>, H<sub>2</sub>O, x<sup>2</sup>.\n\n</details>\n"
    )
    image = page.one("img")
    assert image.attrs == {
        "src": "/img/a.png",
        "alt": "Screenshot",
        "title": "Settings",
        "loading": "lazy",
    }
    for tag in ("details", "summary", "mark", "sub", "sup"):
        assert page.all(tag), tag
    assert [k.text for k in page.all("kbd")] == ["Ctrl", "S"]


def test_every_href_and_src_goes_through_the_resolver() -> None:
    seen: list[str] = []

    def resolve(url: str) -> str | None:
        seen.append(url)
        if url.startswith("/articles/"):
            return "../" + url.removeprefix("/articles/") + "/"
        if url.startswith("https://www.cstar.help/acme/"):
            return "../../" + url.removeprefix("https://www.cstar.help/acme/")
        return None

    page = article(
        "## Intro\n\n[Reset](/articles/reset-password) and "
        '<a href="/articles/billing">billing</a> and [ext](https://example.com/x) and '
        "![shot](https://www.cstar.help/acme/img.png) and "
        '<img src="/articles/raw.png" alt="raw">\n',
        resolve,
    )
    hrefs = [a.get("href") for a in page.all("a")]
    assert hrefs == ["#intro", "../reset-password/", "../billing/", "https://example.com/x"]
    assert [img.get("src") for img in page.all("img")] == ["../../img.png", "../raw.png/"]
    assert set(seen) >= {
        "/articles/reset-password",
        "/articles/billing",
        "https://example.com/x",
        "https://www.cstar.help/acme/img.png",
        "/articles/raw.png",
        "#intro",
    }


def test_a_resolver_cannot_smuggle_in_a_dangerous_url() -> None:
    page = article("[a](/x) ![b](/y)", lambda url: "javascript:alert(1)")
    assert page.one("a").get("href") is None
    assert page.one("img").get("src") is None


def test_resolver_errors_propagate() -> None:
    def resolve(url: str) -> str | None:
        raise LookupError(url)

    with pytest.raises(LookupError, match="/articles/gone"):
        render_article("[x](/articles/gone)", resolve_link=resolve)
    with pytest.raises(LookupError, match="/articles/gone"):
        render_customer("[x](/articles/gone)", resolve_link=resolve)


def test_raw_html_too_deep_is_shown_as_text_instead() -> None:
    page = article("<div>" * 5000 + "deep")
    assert not page.all("div")
    assert page.text.startswith("<div><div>")
    shallow = article("<div>" * 20 + "\n\nok\n\n" + "</div>" * 20)
    assert len(shallow.all("div")) == 20


def test_many_unclosed_formatting_elements_are_shown_as_text() -> None:
    source = "".join(f'<b title="{i}">' for i in range(20)) + "\n\n" + "para\n\n" * 50
    page = article(source)
    assert not page.all("b")
    assert len(page.all("p")) == 51


# ------------------------------------------------------------------------------------------
# Customer text


def test_customer_raw_html_is_text_and_headings_are_demoted() -> None:
    page = customer(
        "# Title\n\n## Sub\n\n### Three\n\n###### Six\n\n<b onclick=x>bold?</b> <script>x</script>"
    )
    assert [h.tag for h in page.elements if h.tag.startswith("h")] == ["h3", "h4", "h5", "h6"]
    assert all(not e.attrs.get("id") for e in page.elements)
    assert not page.all("b") and not page.all("script")
    assert "<b onclick=x>bold?</b>" in page.text


def test_customer_bare_urls_are_linkified_with_ugc_rel() -> None:
    page = customer(
        "See https://example.com/a?b=1, www.acme.com and mail help@acme.com. "
        "Files like setup.py and readme.md are not links; javascript:alert(1) is not either."
    )
    links = page.all("a")
    assert [a.get("href") for a in links] == [
        "https://example.com/a?b=1",
        "http://www.acme.com",
        "mailto:help@acme.com",
    ]
    assert all(a.get("rel") == "nofollow ugc noopener" for a in links)
    assert all(a.get("target") is None for a in links)


def test_customer_markdown_features() -> None:
    page = customer(
        "**bold** ~~gone~~ `code`\n\n![pic](https://example.com/p.png)\n\n"
        "| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n```python\nprint('<hi>')\n```\n\n> quote\n\n"
        "> [!NOTE]\n> not a callout here\n\n- [ ] not a checkbox\n\n"
        "Text[^1]\n\n[^1]: no footnotes\n"
    )
    assert page.one("strong").text == "bold"
    assert page.one("s").text == "gone"
    image = page.one("img")
    assert image.attrs == {"src": "https://example.com/p.png", "alt": "pic", "loading": "lazy"}
    assert page.one("table") and all(c.get("style") is None for c in page.all("td"))
    pre = page.one("pre")
    assert pre.attrs == {} and all(code.attrs == {} for code in page.all("code"))
    assert "print('<hi>')" in pre.text
    assert not page.all("input") and not page.all("div") and not page.all("section")
    assert len(page.all("blockquote")) == 2
    assert all("class" not in e.attrs and "id" not in e.attrs for e in page.elements)


def test_customer_links_go_through_the_resolver() -> None:
    page = customer(
        "[how to](https://www.cstar.help/acme/articles/reset) https://www.cstar.help/acme/x",
        lambda url: "../../articles/reset/" if url.endswith("/reset") else None,
    )
    assert [a.get("href") for a in page.all("a")] == [
        "../../articles/reset/",
        "https://www.cstar.help/acme/x",
    ]


def test_lone_surrogates_from_json_become_replacement_characters() -> None:
    # json.loads accepts "\\ud800"; UTF-8 (and nh3) do not.
    rendered = render_article("## Bad \ud800 text\n\nBody \udfff.\n")
    assert rendered.toc == (TocEntry(2, "bad-text", "Bad \ufffd text"),)
    assert "Body \ufffd." in rendered.html
    assert "\ufffd" in render_customer("post \ud83d")
    rendered.html.encode("utf-8")


# ------------------------------------------------------------------------------------------
# Content is data


TEMPLATE_LOOKALIKES = "{{ x }} {% if true %}yes{% endif %} ${x} {# c #} <%= x %> #{x}"


@pytest.mark.parametrize("render", [lambda s: render_article(s).html, render_customer])
def test_template_syntax_prints_literally(render: Callable[[str], str]) -> None:
    html = render(f"## {TEMPLATE_LOOKALIKES}\n\n{TEMPLATE_LOOKALIKES}\n\n`{{{{ code }}}}`\n")
    page = Page(html)
    assert page.text.count("{{ x }}") == 2
    assert "{% if true %}yes{% endif %}" in page.text and "${x}" in page.text
    assert "{{ code }}" in page.text
    # Passed through Jinja as Markup (as the page templates do), nothing is evaluated.
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    rendered = environment.from_string("<main>{{ body }}</main>").render(body=Markup(html))
    assert rendered == f"<main>{html}</main>"


# ------------------------------------------------------------------------------------------
# Parser bombs: no RecursionError, bounded time


def _two_mb_article() -> str:
    section = (
        "## Section heading\n\nSome *emphasis*, **strong**, `code`, a [link](/articles/x) and "
        "an ![image](/img.png). {{ not a template }}\n\n"
        "- item one\n- item two\n  - nested [ ] item\n\n"
        "> [!TIP]\n> A tip with a [link](https://example.com).\n\n"
        "| col | col |\n|-----|----:|\n| a   | 1   |\n| b   | 2   |\n\n"
        "```python\ndef f(x):\n    return x * 2  # comment\n```\n\n"
        "Footnote ref[^n].\n\n[^n]: The footnote.\n\n"
        "<details><summary>Raw</summary>HTML</details>\n\n"
    )
    return section * (2 * 1024 * 1024 // len(section) + 1)


BOMBS: dict[str, Callable[[], str]] = {
    "5000-level nested list": lambda: "- " * 5000 + "deep",
    "5000-level nested ordered list": lambda: "1. " * 5000 + "deep",
    "1000-level indented list": lambda: "\n".join("  " * i + "- x" for i in range(1000)),
    "5000 nested blockquotes": lambda: ">" * 5000 + " deep",
    "2000 deepening blockquote lines": lambda: "\n".join(">" * i + " x" for i in range(1, 2001)),
    "100000-backtick line": lambda: "`" * 100_000,
    "100000 brackets": lambda: "[" * 100_000,
    "50000 nested emphasis": lambda: "*" * 50_000 + "x" + "*" * 50_000,
    "5000 nested links": lambda: "[" * 5000 + "x" + "](/u)" * 5000,
    "5000 nested raw divs": lambda: "<div>" * 5000 + "x" + "</div>" * 5000,
}


def _timed(render: Callable[[str], object], source: str) -> tuple[object, float]:
    started = time.perf_counter()
    result = render(source)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("name", list(BOMBS))
@pytest.mark.parametrize("renderer", ["article", "customer"])
def test_parser_bombs_render_quickly(name: str, renderer: str) -> None:
    source = BOMBS[name]()
    render = {"article": lambda s: render_article(s).html, "customer": render_customer}[renderer]
    html, elapsed = _timed(render, source)
    assert elapsed < BOMB_SECONDS, f"{name} ({renderer}) took {elapsed:.2f}s"
    assert isinstance(html, str)
    assert "<script" not in html.lower()
    Page(html)  # well-formed enough for a browser-like parser


def test_a_2mb_article_renders_and_keeps_its_structure() -> None:
    # Its speed is a figure for tests/benchmarks (a loaded CI box makes wall time meaningless
    # here); pytest-timeout still fails a hang.
    source = _two_mb_article()
    rendered = render_article(source)
    assert isinstance(rendered, RenderedMarkdown)
    sections = source.count("## Section heading")
    assert len(rendered.toc) == sections
    assert rendered.toc[-1].id == f"section-heading-{sections}"
    assert rendered.html.count('class="callout callout-tip"') == sections
    assert rendered.html.count('<pre class="highlight" data-lang="python">') == sections
    assert "{{ not a template }}" in rendered.html


def test_a_2mb_community_post_renders_and_keeps_its_structure() -> None:
    source = _two_mb_article()
    html = render_customer(source)
    assert isinstance(html, str)
    assert html.count("<h4>Section heading</h4>") == source.count("## Section heading")
    assert "<details>" not in html and "&lt;details&gt;" in html


# ------------------------------------------------------------------------------------------
# Random input


MARKDOWN_PIECES = st.sampled_from(
    [
        *("# ", "## ", "> ", "> [!NOTE]\n", "- ", "1. ", "- [x] ", "```", "```python\n", "~~~"),
        *("`", "*", "_", "~~", "[", "]", "(", ")", "![", "](", "javascript:alert(1)", "<", ">"),
        *("</", "<script>", "<img src=x onerror=alert(1)>", "<a href='jav&#x09;ascript:x'>"),
        *("<svg onload=x>", "<iframe>", "&#", "&lt;", "|", "|---|", "\n", "\n\n", "    "),
        *("[^1]", "[^1]: ", "{{ x }}", "{%", "https://example.com", "www.x.com", "\x00"),
        *("\u202e", "\ud800", "\udfff"),
    ]
)
RANDOM_MARKDOWN = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=8)), max_size=60).map("".join),
)


@given(RANDOM_MARKDOWN)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_text_renders_safely_and_deterministically(source: str) -> None:
    first = render_article(source)
    assert render_article(source) == first
    customer_html = render_customer(source)
    assert render_customer(source) == customer_html
    for html in (first.html, customer_html):
        assert "<script" not in html.lower()
        page = Page(html)
        for element in page.elements:
            assert element.tag not in {"script", "iframe", "svg", "math", "object", "style"}
            assert not any(name.startswith("on") for name in element.attrs)
    assert all(entry.id and entry.level in (2, 3) for entry in first.toc)


# ------------------------------------------------------------------------------------------
# CSS


def test_highlight_css_has_light_rules_and_dark_rules_in_a_media_query() -> None:
    css = highlight_css()
    light, dark = css.split("@media screen and (prefers-color-scheme: dark) {")  # print stays light
    assert ".highlight .k {" in light and ".highlight {" in light
    assert ".highlight .k {" in dark and ".highlight {" in dark
    assert dark.rstrip().endswith("}")
    assert css.count("{") == css.count("}")
    # Light token rules are reset inside the dark block before the dark ones apply.
    assert dark.index("color: inherit") < dark.index(".highlight .k {")
    assert "\npre {" not in css  # no global rules leak onto every <pre> of the site
    assert highlight_css() == css
