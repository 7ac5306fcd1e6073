"""Markdown to safe HTML: articles (rich, with a table of contents) and customer text (plain).

Articles are written by the team's support agents; cStar stores them as Markdown that may
contain raw HTML. :func:`render_article` renders CommonMark with raw HTML, tables,
strikethrough, footnotes, task lists, GitHub alerts (as callouts), heading ids with permalinks,
Pygments code blocks, lazy images and scrollable tables, then runs the result through
:func:`~helpgen.render.sanitize.sanitize_article_html`.

Community posts and comments are written by anyone. :func:`render_customer` renders CommonMark
with raw HTML *off* (it shows as text), bare URLs linkified, tables and strikethrough; headings
are demoted by two levels (``#`` becomes ``<h3>``, ``##`` ``<h4>``, deeper ones ``<h5>``/``<h6>``)
so a post never competes with the page's own ``<h1>``/``<h2>``; no heading ids, no
highlighting. The result goes through
:func:`~helpgen.render.sanitize.sanitize_customer_html`.

Both are pure functions of their input (plus the resolver) and safe on hostile input:

* nesting is capped by markdown-it's ``maxNesting`` (deeper content is dropped, as markdown-it
  does), so nothing recurses deeply;
* raw HTML in an article that nests deeper than :data:`MAX_RAW_HTML_DEPTH` (or leaves more than
  :data:`MAX_OPEN_FORMATTING` ``<b>``-like elements open, which an HTML parser re-opens in every
  later block) is rendered as text instead, since HTML tree building is quadratic in depth;
* Pygments only sees code blocks of a known language and at most
  :data:`MAX_HIGHLIGHT_CHARS` long, and a lexer error falls back to plain text;
* a body longer than :data:`~helpgen.render.limits.MAX_MARKDOWN_CHARS` is cut, and one that
  takes longer than :data:`~helpgen.render.limits.MAX_RENDER_SECONDS` is shown as plain text,
  each under a visible notice (:mod:`helpgen.render.limits`).

Articles may keep ``<iframe>`` embeds from the configured ``iframe_hosts`` only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.util import ClassNotFound

from helpgen.render.limits import (
    CUT_NOTICE,
    FAILED_NOTICE,
    TOO_SLOW_NOTICE,
    MAX_MARKDOWN_CHARS,
    MAX_RENDER_SECONDS,
    OverBudget,
    check_clock,
    cut_notice,
    cut_to_limit,
    install_clock_checks,
    plain_text_html,
    same_clock,
    start_clock,
    too_slow_notice,
)
from helpgen.render.sanitize import (
    CALLOUT_KINDS,
    LinkResolver,
    replace_lone_surrogates,
    sanitize_article_html,
    sanitize_customer_html,
)

__all__ = [
    "BodyTexts",
    "LinkResolver",
    "RenderedMarkdown",
    "TocEntry",
    "highlight_css",
    "render_article",
    "render_customer",
    "render_customer_body",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BodyTexts:
    """The texts a rendered body holds besides its own: callout titles, permalink labels and
    the parser-limit notices. English by default; a build passes its language's
    (``Catalog.body_texts()``, catalog keys ``body.*``)."""

    callouts: tuple[tuple[str, str], ...] = tuple((kind, kind.capitalize()) for kind in CALLOUT_KINDS)
    permalink: str = "Permalink"
    permalink_to: str = "Permalink to {heading}"
    cut_notice: str = CUT_NOTICE
    too_slow_notice: str = TOO_SLOW_NOTICE
    failed_notice: str = FAILED_NOTICE
    thousands_separator: str = ","

    def callout(self, kind: str) -> str:
        """The title of a ``> [!KIND]`` callout."""
        return dict(self.callouts).get(kind, kind.capitalize())


ENGLISH_BODY_TEXTS = BodyTexts()
_ENV_TEXTS = "helpgen_texts"

MAX_NESTING = 20
"""markdown-it's nesting cap (tokens deep: a list level counts two). Content deeper is dropped."""

MAX_RAW_HTML_DEPTH = 100
"""Deepest raw HTML nesting an article may use before its raw HTML is rendered as text."""

MAX_OPEN_FORMATTING = 8
"""Most unclosed raw formatting elements (``<b>``, ``<i>``, ...) before the same fallback."""

MAX_HIGHLIGHT_CHARS = 100_000
"""Longer code blocks are shown unhighlighted: Pygments lexers are regex machines."""

MAX_SLUG_CHARS = 80

LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "github-dark"


@dataclass(frozen=True)
class TocEntry:
    """One ``h2``/``h3`` of an article: its level, its element id and its plain text."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class RenderedMarkdown:
    """A rendered body: sanitised HTML, its table of contents (articles) in document order,
    and what the parser limits changed (empty for every ordinary body), for the build report."""

    html: str
    toc: tuple[TocEntry, ...]
    limits: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Public API


def render_article(
    markdown: str,
    *,
    resolve_link: LinkResolver | None = None,
    iframe_hosts: Iterable[str] = (),
    time_budget: float = MAX_RENDER_SECONDS,
    texts: BodyTexts = ENGLISH_BODY_TEXTS,
) -> RenderedMarkdown:
    """Render an article's Markdown to sanitised HTML plus its ``h2``/``h3`` table of contents.

    Every ``href`` and ``src`` (Markdown or raw HTML) is passed to ``resolve_link``; the
    URL it returns is used if it is safe, dropped if not. ``<iframe>`` is kept only from
    ``iframe_hosts``. Past the parser limits (:mod:`helpgen.render.limits`) the body is cut,
    or shown as plain text, under a visible notice; ``limits`` says which. Callout titles,
    permalink labels and notices are ``texts`` (the site's language).
    """
    markdown, dropped = cut_to_limit(replace_lone_surrogates(markdown))
    limits = [_cut_note(dropped)] if dropped else []
    env: dict[str, Any] = {_ENV_TEXTS: texts}
    start_clock(env, time_budget)
    try:
        tokens = _ARTICLE_MD.parse(markdown, env)
        parser = _ARTICLE_MD
        if _raw_html_too_deep(tokens):
            logger.warning(
                "article raw HTML nests deeper than %d levels (or leaves more than %d formatting "
                "elements open): rendering its HTML as text",
                MAX_RAW_HTML_DEPTH,
                MAX_OPEN_FORMATTING,
            )
            limits.append(
                f"its raw HTML nests deeper than {MAX_RAW_HTML_DEPTH} levels (or leaves more than "
                f"{MAX_OPEN_FORMATTING} formatting elements open), so it is shown as text"
            )
            env = {**same_clock(env), _ENV_TEXTS: texts}
            parser = _ARTICLE_MD_WITHOUT_HTML
            tokens = parser.parse(markdown, env)
        html = parser.renderer.render(tokens, parser.options, env)
    except OverBudget as exc:
        return _too_slow(markdown, exc, limits, dropped, texts)
    toc: list[TocEntry] = env.get(_ENV_TOC, [])
    html = sanitize_article_html(html, resolve_link=resolve_link, iframe_hosts=iframe_hosts)
    return RenderedMarkdown(
        html=html + _cut_notice(dropped, texts) if dropped else html,
        toc=tuple(toc),
        limits=tuple(limits),
    )


def render_customer(markdown: str, *, resolve_link: LinkResolver | None = None) -> str:
    """Render customer-written Markdown (raw HTML shown as text) to strictly sanitised HTML."""
    return render_customer_body(markdown, resolve_link=resolve_link).html


def render_customer_body(
    markdown: str,
    *,
    resolve_link: LinkResolver | None = None,
    time_budget: float = MAX_RENDER_SECONDS,
    texts: BodyTexts = ENGLISH_BODY_TEXTS,
) -> RenderedMarkdown:
    """:func:`render_customer`, also saying what the parser limits changed (no TOC)."""
    markdown, dropped = cut_to_limit(replace_lone_surrogates(markdown))
    limits = [_cut_note(dropped)] if dropped else []
    env: dict[str, Any] = {}
    start_clock(env, time_budget)
    try:
        html = _CUSTOMER_MD.render(markdown, env)
    except OverBudget as exc:
        return _too_slow(markdown, exc, limits, dropped, texts)
    html = sanitize_customer_html(html, resolve_link=resolve_link)
    return RenderedMarkdown(html=html + _cut_notice(dropped, texts) if dropped else html, toc=(), limits=tuple(limits))


def _cut_note(dropped: int) -> str:
    return f"it is longer than {MAX_MARKDOWN_CHARS:,} characters; its last {dropped:,} are not shown"


def _cut_notice(dropped: int, texts: BodyTexts) -> str:
    return cut_notice(dropped, texts.cut_notice, texts.thousands_separator)


def _too_slow(markdown: str, exc: OverBudget, limits: list[str], dropped: int, texts: BodyTexts) -> RenderedMarkdown:
    """The plain-text fallback for a body that ran out of time (escaped: no sanitiser needed)."""
    logger.warning("a body %s; showing it as plain text", exc)
    return RenderedMarkdown(
        html=too_slow_notice(texts.too_slow_notice) + plain_text_html(markdown) + (_cut_notice(dropped, texts) if dropped else ""),
        toc=(),
        limits=(*limits, f"it {exc}, so it is shown as plain text"),
    )


def highlight_css() -> str:
    """Return the Pygments CSS for ``.highlight`` code blocks: light, and dark on request.

    The dark rules sit inside ``@media screen and (prefers-color-scheme: dark)`` (so print
    stays light) and first reset every
    light rule, so no light colour leaks into dark mode where the dark style is silent.
    """
    return _highlight_css()


# --------------------------------------------------------------------------------------------
# Core rules (token-stream passes)

_ENV_TOC = "helpgen_toc"

_CALLOUT_MARKER = re.compile(r"\[!([A-Za-z]+)\][ \t]*(?:\n|$)")
_CALLOUT_KIND_SET = frozenset(CALLOUT_KINDS)
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!<>&|~]")


def _callouts(state: StateCore) -> None:
    """Turn ``> [!NOTE]``-style blockquotes into ``<div class="callout callout-note">``.

    Runs after block parsing, before inline parsing, so the title is an ordinary inline token.
    """
    tokens = state.tokens
    if not any(t.type == "blockquote_open" for t in tokens):
        return
    result: list[Token] = []
    is_callout: list[bool] = []  # one entry per open blockquote
    skip_until = -1
    for index, token in enumerate(tokens):
        if index <= skip_until:
            continue
        if token.type == "blockquote_open":
            kind, rest = _callout_marker(tokens, index)
            is_callout.append(kind is not None)
            if kind is None:
                result.append(token)
                continue
            token.type, token.tag = "callout_open", "div"
            token.attrs = {"class": f"callout callout-{kind}", "role": "note"}
            token.meta = {"kind": kind}
            result.append(token)
            result.extend(_callout_title(state.env.get(_ENV_TEXTS, ENGLISH_BODY_TEXTS).callout(kind), token.level + 1))
            if rest:
                tokens[index + 2].content = rest
            else:  # the marker was the whole first paragraph: drop that paragraph
                skip_until = index + 3
        elif token.type == "blockquote_close":
            if is_callout and is_callout.pop():
                token.type, token.tag = "callout_close", "div"
            result.append(token)
        else:
            result.append(token)
    state.tokens = result


def _callout_marker(tokens: Sequence[Token], index: int) -> tuple[str | None, str]:
    """Return the callout kind opening the blockquote at ``index`` and the text after it."""
    if index + 3 >= len(tokens):
        return None, ""
    paragraph, inline = tokens[index + 1], tokens[index + 2]
    if paragraph.type != "paragraph_open" or inline.type != "inline":
        return None, ""
    match = _CALLOUT_MARKER.match(inline.content)
    if match is None or match.group(1).lower() not in _CALLOUT_KIND_SET:
        return None, ""
    return match.group(1).lower(), inline.content[match.end() :]


def _callout_title(text: str, level: int) -> list[Token]:
    opening = Token("paragraph_open", "p", 1, attrs={"class": "callout-title"}, block=True)
    opening.level = level
    # The title is parsed as inline Markdown: escape it, so a catalog's "*" or "<" stays text.
    title = Token("inline", "", 0, content=_MARKDOWN_SPECIAL.sub(r"\\\g<0>", text), children=[], block=True)
    title.level = level + 1
    closing = Token("paragraph_close", "p", -1, block=True)
    closing.level = level
    return [opening, title, closing]


def _heading_ids(state: StateCore) -> None:
    """Give every heading a unique, readable id; add permalinks to h2 to h4; collect the TOC."""
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    toc: list[TocEntry] = []
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        text = " ".join(_plain_text(inline.children or ()).split())
        slug = _unique(_slugify(text), used, next_suffix)
        token.attrSet("id", slug)
        level = int(token.tag[1])
        if 2 <= level <= 4:
            texts = state.env.get(_ENV_TEXTS, ENGLISH_BODY_TEXTS)
            label = texts.permalink_to.replace("{heading}", text) if text else texts.permalink
            inline.children = [*(inline.children or ()), *_permalink(slug, label)]
        if level in (2, 3) and text:
            toc.append(TocEntry(level=level, id=slug, text=text))
    state.env[_ENV_TOC] = toc


def _permalink(slug: str, label: str) -> list[Token]:
    space = Token("text", "", 0, content=" ")
    opening = Token(
        "link_open",
        "a",
        1,
        attrs={
            "class": "heading-anchor",
            "href": f"#{slug}",
            "aria-label": label,
        },
    )
    mark = Token("text", "", 0, content="#")
    closing = Token("link_close", "a", -1)
    return [space, opening, mark, closing]


def _plain_text(children: Iterable[Token]) -> str:
    """The visible text of inline tokens: text and code, image alt text, no markup or HTML."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_text(child.children or ()))
    return "".join(parts)


_APOSTROPHES = frozenset("'`\u2019\u02bc")  # ' ` and the typographic ones


def _slugify(text: str) -> str:
    """A readable, Unicode-preserving id: letters, digits and marks; other runs become '-'."""
    chars: list[str] = []
    for char in unicodedata.normalize("NFKC", text).lower():
        if char in _APOSTROPHES:
            continue
        if char == "_" or unicodedata.category(char)[0] in "LNM":
            chars.append(char)
        elif chars and chars[-1] != "-":
            chars.append("-")
    slug = "".join(chars[:MAX_SLUG_CHARS]).strip("-")
    return slug or "section"


def _unique(base: str, used: set[str], next_suffix: dict[str, int]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is free first; records the choice."""
    slug = base
    if slug in used:
        suffix = next_suffix.get(base, 2)
        while f"{base}-{suffix}" in used:
            suffix += 1
        next_suffix[base] = suffix + 1
        slug = f"{base}-{suffix}"
    used.add(slug)
    return slug


def _table_alignment_classes(state: StateCore) -> None:
    """Replace markdown-it's ``style="text-align:..."`` on cells by ``align-*`` classes."""
    _rewrite_cell_alignment(state.tokens, keep_as_class=True)


def _drop_table_alignment(state: StateCore) -> None:
    """Remove markdown-it's ``style`` on table cells (customer HTML has no classes)."""
    _rewrite_cell_alignment(state.tokens, keep_as_class=False)


_ALIGNMENT = re.compile(r"text-align:(left|center|right)")


def _rewrite_cell_alignment(tokens: Sequence[Token], *, keep_as_class: bool) -> None:
    for token in tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            style = str(token.attrs.pop("style"))
            match = _ALIGNMENT.fullmatch(style)
            if keep_as_class and match:
                token.attrJoin("class", f"align-{match.group(1)}")


def _demote_headings(state: StateCore) -> None:
    """Shift customer headings two levels down (h1 → h3, h2 → h4, h4 to h6 → h6)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


# --------------------------------------------------------------------------------------------
# Raw HTML nesting guard

_RAW_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# Elements that never nest: void, or closed implicitly by their next sibling.
_NON_NESTING = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr "
    "p li dt dd tr td th thead tbody tfoot option optgroup rb rp rt rtc colgroup caption "
    "html head body".split()
)
# The HTML parser's "formatting elements": left open, they are re-opened in every later block.
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())


def _raw_html_too_deep(tokens: Sequence[Token]) -> bool:
    """Estimate (generously, in linear time) whether raw HTML nests beyond the limits."""
    depth = formatting = 0
    for chunk in _raw_html(tokens):
        for closing, name in _RAW_TAG.findall(chunk):
            name = name.lower()
            if name in _NON_NESTING:
                continue
            step = -1 if closing else 1
            depth = max(depth + step, 0)
            if name in _FORMATTING:
                formatting = max(formatting + step, 0)
            if depth > MAX_RAW_HTML_DEPTH or formatting > MAX_OPEN_FORMATTING:
                return True
    return False


def _raw_html(tokens: Sequence[Token]) -> Iterable[str]:
    for token in tokens:
        if token.type == "html_block":
            yield token.content
        elif token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "html_inline":
                    yield child.content


# --------------------------------------------------------------------------------------------
# Render rules (markdown-it calls them as methods of its renderer)

_Env = MutableMapping[str, Any]

_FENCE_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.\-]{1,40}")


def _fence_language(info: str) -> str:
    """The language named by a fence's info string, or ``""`` when absent or malformed."""
    words = unescapeAll(info).split(maxsplit=1)
    if not words or not _FENCE_LANGUAGE.fullmatch(words[0]):
        return ""
    return words[0]


@cache
def _lexer_aliases() -> frozenset[str]:
    return frozenset(
        alias.lower() for _, aliases, _, _ in get_all_lexers(plugins=True) for alias in aliases
    )


@cache  # bounded: only ever called with a known alias
def _lexer_for_alias(alias: str) -> Lexer | None:
    try:
        return get_lexer_by_name(alias, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


def _lexer(language: str) -> Lexer | None:
    """The Pygments lexer for ``language``; looked up in a set first, so unknown names are O(1)."""
    alias = language.lower()
    return _lexer_for_alias(alias) if alias in _lexer_aliases() else None


_CODE_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight_code(code: str, language: str) -> str:
    """Return a ``<pre>`` block for ``code``, Pygments-highlighted when ``language`` is known.

    Known language: ``<pre class="highlight" data-lang="…"><code>…spans…</code></pre>``;
    unknown or too long: escaped ``<pre data-lang="…"><code>``; none: plain ``<pre><code>``.
    """
    if not language:
        return f"<pre><code>{escapeHtml(code)}</code></pre>\n"
    data_lang = escapeHtml(language)
    lexer = _lexer(language)
    if lexer is not None and len(code) <= MAX_HIGHLIGHT_CHARS:
        try:
            body = highlight(code, lexer, _CODE_FORMATTER)
        except Exception:  # a lexer bug must not fail a whole site build
            logger.warning("Pygments failed on a %r code block; showing it plain", language)
        else:
            return f'<pre class="highlight" data-lang="{data_lang}"><code>{body}</code></pre>\n'
    return f'<pre data-lang="{data_lang}"><code>{escapeHtml(code)}</code></pre>\n'


def _render_fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: _Env
) -> str:
    token = tokens[idx]
    check_clock(env)  # highlighting is the slow part of rendering
    return _highlight_code(token.content, _fence_language(token.info))


def _render_plain_fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: _Env
) -> str:
    return f"<pre><code>{escapeHtml(tokens[idx].content)}</code></pre>\n"


def _render_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: _Env
) -> str:
    return '<div class="table-wrap">\n' + self.renderToken(tokens, idx, options, env)


def _render_table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: _Env
) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _render_footnote_anchor_name(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: _Env
) -> str:
    # Footnote ids become "fn:1" / "fnref:1": a colon never appears in a heading slug.
    return f":{tokens[idx].meta['id'] + 1}"


# --------------------------------------------------------------------------------------------
# Parsers (built once; markdown-it keeps all per-document state in the env and token list)

_BASE_OPTIONS: dict[str, Any] = {
    "maxNesting": MAX_NESTING,
    "xhtmlOut": False,
    "breaks": False,
    "typographer": False,
}


def _article_parser(*, html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {**_BASE_OPTIONS, "html": html, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin, inline=False)
    md.use(tasklists_plugin, enabled=False)
    md.core.ruler.after("block", "helpgen_callouts", _callouts)
    md.core.ruler.push("helpgen_heading_ids", _heading_ids)
    md.core.ruler.push("helpgen_table_alignment", _table_alignment_classes)
    md.add_render_rule("fence", _render_fence)
    install_clock_checks(md)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("footnote_anchor_name", _render_footnote_anchor_name)
    return md


# Generic TLDs linkified without a scheme ("example.com"); two-letter country codes are left
# out on purpose, since "setup.py" or "readme.md" would otherwise become links.
_FUZZY_LINK_TLDS = (
    "aero app asia biz com coop dev edu gov help info io museum name net org pro shop".split()
)


def _customer_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {**_BASE_OPTIONS, "html": False, "linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    if md.linkify is None:  # markdown-it sets it only when linkify-it-py imports
        raise ImportError("helpgen needs linkify-it-py to linkify community posts")
    md.linkify.tlds(_FUZZY_LINK_TLDS, False)
    md.core.ruler.after("block", "helpgen_demote_headings", _demote_headings)
    md.core.ruler.push("helpgen_table_alignment", _drop_table_alignment)
    md.add_render_rule("fence", _render_plain_fence)
    install_clock_checks(md)
    return md


_ARTICLE_MD = _article_parser(html=True)
_ARTICLE_MD_WITHOUT_HTML = _article_parser(html=False)
_CUSTOMER_MD = _customer_parser()


# --------------------------------------------------------------------------------------------
# CSS

_CSS_RULE = re.compile(r"^(\.highlight \.[\w-]+) \{", re.MULTILINE)


@cache
def _highlight_css() -> str:
    light = HtmlFormatter(style=LIGHT_CODE_STYLE)
    dark = HtmlFormatter(style=DARK_CODE_STYLE)
    light_tokens = light.get_token_style_defs(".highlight")
    light_selectors = _CSS_RULE.findall("\n".join(light_tokens))
    reset = (
        ",\n".join(f"  {selector}" for selector in light_selectors)
        + " {\n    color: inherit; background-color: transparent; font-weight: inherit;\n"
        "    font-style: inherit; text-decoration: inherit; border: 0;\n  }"
    )
    dark_rules = [
        *dark.get_background_style_defs(".highlight"),
        *dark.get_token_style_defs(".highlight"),
    ]
    return (
        f"/* Pygments {LIGHT_CODE_STYLE!r} style */\n"
        + "\n".join([*light.get_background_style_defs(".highlight"), *light_tokens])
        + f"\n\n/* Pygments {DARK_CODE_STYLE!r} style */\n"
        + "@media screen and (prefers-color-scheme: dark) {\n"  # paper gets the light style
        + reset
        + "\n"
        + "\n".join(f"  {rule}" for rule in dark_rules)
        + "\n}\n"
    )
