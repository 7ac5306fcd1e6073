"""What search indexes: one :class:`SearchDocument` per article and per community post.

Pure: pages in, documents out. The text comes from each body's Markdown, not from rendered
HTML, so indexing never forces a render and a document depends only on its own content (a
later incremental index can re-extract just the documents that changed). Headings are kept
apart from the body, since they are a field of their own with a higher boost.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from helpgen.render.limits import OverBudget, cut_to_limit, install_clock_checks, start_clock
from helpgen.render.sanitize import replace_lone_surrogates

__all__ = [
    "SearchDocument",
    "MarkdownText",
    "markdown_text",
    "search_document",
    "search_documents",
    "document_inputs",
    "EXCERPT_CHARS",
]

EXCERPT_CHARS = 160
"""Longest excerpt kept for a result (the browser shows it under the title)."""

MAX_INDEXED_CHARS = 100_000
"""Only the first 100,000 characters of a body are indexed (a long manual's start says what it is)."""

MAX_EXTRACT_SECONDS = 5.0
"""A body whose Markdown takes longer to parse is indexed as its raw text."""

ARTICLE = "article"
POST = "post"


@dataclass(frozen=True)
class SearchDocument:
    """One searchable page: what a result shows, and the text of each indexed field.

    ``fields`` maps field names (``title``, ``excerpt``, ``headings``, ``body``, ``tags``,
    ``category`` for articles; ``title``, ``body``, ``answer`` for posts) to plain text.
    """

    kind: str  # "article" or "post"
    path: str  # site path, e.g. "articles/reset-password/"
    title: str
    excerpt: str
    category: str  # category name (articles) or topic name (posts); "" when none
    category_key: str  # stable key for filtering: "c:<slug>" or "t:<slug>"; "" when none
    status: str  # a post's status ("answered", ...); "" for articles
    status_label: str  # how the status reads ("Official answer"); "" for articles
    fields: Mapping[str, str]


@dataclass(frozen=True)
class MarkdownText:
    """The plain text of a Markdown body: its headings, and everything else."""

    headings: str
    body: str


def _parser(*, html: bool) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": html, "maxNesting": 20}).enable(["table", "strikethrough"])
    install_clock_checks(parser)
    return parser


_PARSER_WITH_HTML = _parser(html=True)
_PARSER_WITHOUT_HTML = _parser(html=False)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _html_text(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


def _inline_text(children: Iterable[Token]) -> Iterator[str]:
    for child in children:
        if child.type in ("text", "code_inline"):
            yield child.content
        elif child.type in ("softbreak", "hardbreak"):
            yield " "
        elif child.type == "html_inline":
            yield " "  # a tag separates words; its text (if any) arrives as text tokens
        elif child.type == "image":
            yield " "
            yield from _inline_text(child.children or ())
            yield " "


def markdown_text(markdown: str, *, raw_html: bool) -> MarkdownText:
    """Headings and body text of ``markdown``; ``raw_html`` says whether HTML counts as markup.

    Articles (``raw_html=True``) may embed HTML: its tags are dropped, its text kept.
    Customer text (``raw_html=False``) shows HTML as text, so it is indexed as written.
    """
    parser = _PARSER_WITH_HTML if raw_html else _PARSER_WITHOUT_HTML
    markdown, _ = cut_to_limit(plain(markdown or ""), MAX_INDEXED_CHARS)
    env: dict[str, Any] = {}
    start_clock(env, MAX_EXTRACT_SECONDS)
    try:
        tokens = parser.parse(markdown, env)
    except OverBudget:
        return MarkdownText(headings="", body=_clean(markdown))
    headings: list[str] = []
    body: list[str] = []
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline":
            text = "".join(_inline_text(token.children or ()))
            (headings if in_heading else body).append(text)
        elif token.type in ("fence", "code_block"):
            body.append(token.content)
        elif token.type == "html_block":
            body.append(_html_text(token.content))
    return MarkdownText(headings=_clean("\n".join(headings)), body=_clean("\n".join(body)))


def plain(text: str) -> str:
    """``text`` safe to index and to write as UTF-8 (lone surrogates replaced)."""
    return replace_lone_surrogates(text or "")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", plain(text)).strip()


def _excerpt(text: str) -> str:
    text = _clean(text)
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[: EXCERPT_CHARS - 1]
    if " " in cut[EXCERPT_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def _markdown_of(body: Any) -> str:
    """The Markdown behind a page's body (a lazy ``Body``), or its text."""
    return str(getattr(body, "markdown", body) or "")


def search_documents(pages: Iterable[Any]) -> list[SearchDocument]:
    """The search documents of a site's pages: every article page, then every post page."""
    articles: list[SearchDocument] = []
    posts: list[SearchDocument] = []
    for page in pages:
        if page.kind == ARTICLE:
            articles.append(search_document(page))
        elif page.kind == POST:
            posts.append(search_document(page))
    return articles + posts


def search_document(page: Any) -> SearchDocument:
    """The search document of one article or post page."""
    if page.kind == ARTICLE:
        return _article_document(page.path, page.context["article"])
    if page.kind == POST:
        return _post_document(page.path, page.context["post"], page.context.get("comments", ()))
    raise ValueError(f"a {page.kind} page is not a search document")


def document_inputs(page: Any) -> tuple[Any, ...] | None:
    """Everything :func:`search_document` reads from ``page``, as plain values (None when
    the page is not a search document): equal inputs give an equal document, so a hash of
    these keys the document's cached analysis without extracting its text."""
    if page.kind == ARTICLE:
        article = page.context["article"]
        category = article.category
        return (
            ARTICLE,
            page.path,
            article.title,
            article.excerpt or "",
            _markdown_of(article.html),
            list(article.tags or ()),
            (category.name, category.slug) if category else None,
        )
    if page.kind == POST:
        post = page.context["post"]
        topic = post.topic
        answers = [_markdown_of(c.html) for c in page.context.get("comments", ()) if c.is_official]
        return (
            POST,
            page.path,
            post.title,
            _markdown_of(post.html),
            answers,
            (topic.name, topic.slug) if topic else None,
            post.status,
            post.status_label,
        )
    return None


def _article_document(path: str, article: Any) -> SearchDocument:
    text = markdown_text(_markdown_of(article.html), raw_html=True)
    category = article.category
    return SearchDocument(
        kind=ARTICLE,
        path=path,
        title=plain(article.title),
        excerpt=_excerpt(article.excerpt or text.body),
        category=plain(category.name) if category else "",
        category_key=f"c:{category.slug}" if category else "",
        status="",
        status_label="",
        fields={
            "title": plain(article.title),
            "excerpt": _clean(article.excerpt or ""),
            "headings": text.headings,
            "body": text.body,
            "tags": _clean(" ".join(article.tags or ())),
            "category": plain(category.name) if category else "",
        },
    )


def _post_document(path: str, post: Any, comments: Iterable[Any]) -> SearchDocument:
    body = markdown_text(_markdown_of(post.html), raw_html=False)
    answers = [
        markdown_text(_markdown_of(comment.html), raw_html=False) for comment in comments if comment.is_official
    ]
    topic = post.topic
    return SearchDocument(
        kind=POST,
        path=path,
        title=plain(post.title),
        excerpt=_excerpt(body.headings + " " + body.body),
        category=plain(topic.name) if topic else "",
        category_key=f"t:{topic.slug}" if topic else "",
        status=post.status,
        status_label=post.status_label,
        fields={
            "title": plain(post.title),
            "body": _clean(body.headings + " " + body.body),
            "answer": _clean(" ".join(a.headings + " " + a.body for a in answers)),
        },
    )
