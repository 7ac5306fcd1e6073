"""The sanitising policies: what survives for articles and for customer text, and what never does.

The XSS table runs classic vectors (as raw HTML and as Markdown) through both renderers and both
sanitisers, then inspects the output the way a browser would read it: tags, attribute names and
decoded URL values, rather than substrings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from helpgen.render.markdown import render_article, render_customer
from helpgen.render.sanitize import (
    ALLOWED_URL_SCHEMES,
    is_safe_url,
    sanitize_article_html,
    sanitize_customer_html,
)

Attributes = dict[str, str | None]


class Tags(HTMLParser):
    """Every start tag of a fragment with its (entity-decoded) attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, Attributes]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[Attributes]:
        return [attrs for name, attrs in self.tags if name == tag]


# ------------------------------------------------------------------------------------------
# The article policy


def test_article_policy_keeps_the_rich_markup() -> None:
    html = (
        '<h2 id="intro">Intro</h2><p><strong>b</strong> <em>i</em> <kbd>K</kbd> <mark>m</mark> '
        "<sub>2</sub><sup>3</sup> <del>d</del> <ins>n</ins> <abbr title='Hypertext'>HTML</abbr></p>"
        "<details open><summary>More</summary><p>body</p></details>"
        '<div class="table-wrap"><table><thead><tr><th class="align-right" colspan="2">h</th>'
        "</tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table></div>"
        '<pre class="highlight" data-lang="python"><code><span class="k">def</span></code></pre>'
        '<img src="/a.png" alt="A" title="T" width="10" height="20">'
        '<a href="https://example.com" title="t">x</a> <a href="mailto:a@b.c">m</a> '
        '<a href="../rel/">r</a> <a href="#frag">f</a>'
        '<div class="callout callout-warning" role="note">'
        '<p class="callout-title">Warning</p></div>'
        '<ul class="contains-task-list"><li class="task-list-item">'
        '<input class="task-list-item-checkbox" type="checkbox" checked disabled> t</li></ul>'
    )
    clean = Tags(sanitize_article_html(html))
    assert clean.named("h2") == [{"id": "intro"}]
    for tag in ("strong", "em", "kbd", "mark", "sub", "sup", "del", "ins", "summary", "table"):
        assert clean.named(tag), tag
    assert clean.named("abbr") == [{"title": "Hypertext"}]
    assert clean.named("details") == [{"open": ""}]
    assert clean.named("th") == [{"class": "align-right", "colspan": "2"}]
    assert clean.named("pre") == [{"class": "highlight", "data-lang": "python"}]
    assert clean.named("span") == [{"class": "k"}]
    assert clean.named("img") == [
        {
            "src": "/a.png",
            "alt": "A",
            "title": "T",
            "width": "10",
            "height": "20",
            "loading": "lazy",
        }
    ]
    assert [a["href"] for a in clean.named("a")] == [
        "https://example.com",
        "mailto:a@b.c",
        "../rel/",
        "#frag",
    ]
    assert all("rel" not in a and "target" not in a for a in clean.named("a"))
    assert {"class": "callout callout-warning", "role": "note"} in clean.named("div")
    assert clean.named("input") == [
        {
            "class": "task-list-item-checkbox",
            "type": "checkbox",
            "checked": "",
            "disabled": "disabled",
        }
    ]


def test_article_policy_filters_classes_roles_and_inputs() -> None:
    clean = Tags(
        sanitize_article_html(
            '<div class="callout evil-overlay" role="dialog">x</div>'
            '<span class="k fixed-fullscreen">y</span>'
            '<input type="text" name="q" value="v"><input>'
            '<p class="callout-title" id="p" style="color:red">z</p>'
        )
    )
    assert clean.named("div") == [{"class": "callout"}]
    assert clean.named("span") == [{"class": "k"}]
    # Whatever was written, an <input> can only be a disabled checkbox.
    assert clean.named("input") == [
        {"type": "checkbox", "disabled": "disabled"},
        {"type": "checkbox", "disabled": "disabled"},
    ]
    assert clean.named("p") == [{"class": "callout-title"}]


@pytest.mark.parametrize(
    "html",
    [
        '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        "<form action='/x'><input type=submit><button>Go</button></form>",
        "<video src='https://x/v.mp4'></video>",
        "<style>p { color: red }</style>",
        "<link rel=stylesheet href=https://x/s.css>",
        "<textarea>t</textarea><select><option>o</option></select>",
    ],
)
def test_article_policy_drops_embeds_forms_and_styles(html: str) -> None:
    tags = {name for name, _ in Tags(sanitize_article_html(html)).tags}
    assert tags <= {"input"}
    for _, attrs in Tags(sanitize_article_html(html)).tags:
        assert attrs == {"type": "checkbox", "disabled": "disabled"}


# ------------------------------------------------------------------------------------------
# The customer policy


def test_customer_policy_is_strict() -> None:
    html = (
        '<h1 id="a">One</h1><h2 class="x">Two</h2><h3 id="c">Three</h3>'
        "<details><summary>s</summary>d</details><kbd>k</kbd>"
        '<img src="https://x/i.png" alt="i" width="9999" height="9999" class="full">'
        '<a href="https://example.com" target="_blank" rel="author" id="l">x</a>'
        '<a href="/articles/a">internal</a>'
        '<pre class="highlight"><code class="language-py"><span class="k">def</span></code></pre>'
        '<input type="checkbox" checked>'
    )
    clean = Tags(sanitize_customer_html(html))
    names = [name for name, _ in clean.tags]
    assert "h1" not in names and "h2" not in names
    assert "details" not in names and "summary" not in names and "input" not in names
    assert clean.named("h3") == [{}]
    assert clean.named("img") == [{"src": "https://x/i.png", "alt": "i", "loading": "lazy"}]
    assert clean.named("a") == [
        {"href": "https://example.com", "rel": "nofollow ugc noopener"},
        {"href": "/articles/a", "rel": "nofollow ugc noopener"},
    ]
    assert all(attrs == {} for name, attrs in clean.tags if name not in {"a", "img"})


def test_sanitisers_rewrite_urls_through_the_resolver_in_the_same_pass() -> None:
    def resolve(url: str) -> str | None:
        return {"/articles/a": "../a/", "/x.png": "data:image/png;base64,AAAA"}.get(url)

    html = '<a href="/articles/a">a</a><a href="/other">o</a><img src="/x.png">'
    for sanitize in (sanitize_article_html, sanitize_customer_html):
        clean = Tags(sanitize(html, resolve_link=resolve))
        assert [a.get("href") for a in clean.named("a")] == ["../a/", "/other"]
        assert "src" not in clean.named("img")[0]  # the resolver's data: URL was dropped


def test_the_resolver_never_sees_an_unsafe_url() -> None:
    seen: list[str] = []

    def resolve(url: str) -> None:
        seen.append(url)

    sanitize_article_html(
        '<a href="javascript:alert(1)">x</a><a href="/ok">y</a><img src="data:,x">',
        resolve_link=resolve,
    )
    assert seen == ["/ok"]


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a?b#c", True),
        ("HTTP://EXAMPLE.COM", True),
        ("mailto:help@example.com", True),
        ("/articles/reset/", True),
        ("../reset/index.html", True),
        ("#section", True),
        ("?q=1", True),
        ("//cdn.example.com/x.png", True),
        ("javascript:alert(1)", False),
        ("  JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("file:///etc/passwd", False),
        ("ftp://example.com", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


# ------------------------------------------------------------------------------------------
# Classic XSS vectors, through every path

XSS_VECTORS: list[str] = [
    # script and event handlers
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=&#97;lert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<a href=/x onmouseover=alert(1)>hover</a>",
    "<div onpointerenter=alert(1) style='position:fixed;inset:0'>x</div>",
    # svg and math
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y=20>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<math href="javascript:alert(1)">click</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    # frames, objects, embeds, forms
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit value=go></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<input type=image src="javascript:alert(1)">',
    "<input onfocus=alert(1) autofocus>",
    '<isindex action="javascript:alert(1)" type=submit>',
    # javascript: URLs, obfuscated
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href=" &#14; javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x">',
    # styles
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    '<p style="width: expression(alert(1))">x</p>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    # head elements
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    # attribute breaking and parser differentials
    '<img alt="x" title="y"onerror=alert(1)>',
    "<img alt='x' onerror=alert(1)//'>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    # Markdown syntax
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '[x](/ok "title\\" onmouseover=\\"alert(1)")',
    '![x" onerror="alert(1)](/a.png)',
    '```"><script>alert(1)</script>\ncode\n```',
    "## <img src=x onerror=alert(1)> heading",
    "> [!NOTE]\n> <script>alert(1)</script>",
]

FORBIDDEN_TAGS = frozenset(
    "script iframe frame frameset object embed applet svg math form button textarea select "
    "style link meta base video audio source template noscript xmp isindex animate body".split()
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {"style", "srcset", "srcdoc", "formaction", "action", "background", "xlink:href", "data"}
)
URL_ATTRIBUTES = frozenset({"href", "src"})


def _scheme_of(url: str) -> str | None:
    """The scheme a browser would see, checked independently of the code under test."""
    squashed = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squashed)
    return match.group(1) if match else None


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in Tags(html).tags:
        assert tag not in FORBIDDEN_TAGS, (tag, html)
        if tag == "input":
            assert attrs.get("type") == "checkbox" and "disabled" in attrs, html
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name not in FORBIDDEN_ATTRIBUTES, (name, html)
            if name in URL_ATTRIBUTES and value is not None:
                scheme = _scheme_of(value)
                assert scheme is None or scheme in ALLOWED_URL_SCHEMES, (value, html)


def assert_customer_shaped(html: str) -> None:
    for tag, attrs in Tags(html).tags:
        assert tag not in {"h1", "h2", "details", "input", "div", "span"}, html
        assert "id" not in attrs and "class" not in attrs, html
        if tag == "a":
            assert attrs.get("rel") == "nofollow ugc noopener", html
            assert "target" not in attrs, html
        if tag == "img":
            assert "width" not in attrs and "height" not in attrs, html


PATHS: dict[str, Callable[[str], str]] = {
    "render_article": lambda source: render_article(source).html,
    "render_customer": render_customer,
    "sanitize_article_html": sanitize_article_html,
    "sanitize_customer_html": sanitize_customer_html,
}


def test_the_xss_table_is_big_enough() -> None:
    assert len(XSS_VECTORS) >= 30
    assert len(set(XSS_VECTORS)) == len(XSS_VECTORS)


@pytest.mark.parametrize(
    "unsafe",
    [
        "<img src=x onerror=alert(1)>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" &#14; JAVASCRIPT:x">x</a>',
        '<img src="data:image/svg+xml,x">',
        "<svg></svg>",
        "<p style=color:red>x</p>",
        "<input type=text>",
        "<ScRiPt>x</ScRiPt>",
    ],
)
def test_the_checker_itself_catches_unsanitised_html(unsafe: str) -> None:
    with pytest.raises(AssertionError):
        assert_harmless(unsafe)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_xss_vector_survives(vector: str, path: str) -> None:
    html = PATHS[path](vector)
    assert_harmless(html)
    if path.endswith("customer") or path.endswith("customer_html"):
        assert_customer_shaped(html)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_xss_vector_survives_inside_markdown_context(vector: str) -> None:
    # The same vectors inside list items, blockquotes, tables and links.
    source = f"- item {vector}\n\n> {vector}\n\n| a |\n|---|\n| {vector} |\n\n[{vector}](/x)\n"
    assert_harmless(render_article(source).html)
    customer = render_customer(source)
    assert_harmless(customer)
    assert_customer_shaped(customer)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_the_resolver_cannot_reintroduce_a_vector(vector: str) -> None:
    def resolve(url: str) -> str:
        return "javascript:alert(document.domain)"

    assert_harmless(render_article(vector, resolve_link=resolve).html)
    assert_harmless(render_customer(vector, resolve_link=resolve))
