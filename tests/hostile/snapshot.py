"""A hostile snapshot: XSS vectors in every field of every content type, traversal slugs,
parser bombs and bad API data, written as a snapshot folder plus a site folder to build.

Every one of the :data:`~tests.hostile.vectors.VECTORS` goes into every customer- and
agent-written text field (two vectors a field, so :data:`ITEMS` articles and posts carry them all): titles, excerpts, article bodies (raw and inside Markdown lists,
quotes, tables, links and headings), tags, meta descriptions, read times, category names,
descriptions, icons and colours, topic names and descriptions, post titles, bodies, authors,
statuses and attachment file names, comment bodies and authors, and ids. The first items get
path-traversal and otherwise nasty slugs (:data:`NASTY_SLUGS`); a few articles are parser
bombs (:data:`BOMBS`); and the lists carry bad data of every kind the API could send (wrong
types, nulls, missing fields, invalid dates, duplicate ids and slugs, a missing category or
topic, entries that are not objects). The whole set must build without an error.

The generator is deterministic: the same files every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hostile.vectors import EVIL_HOST, MARKER, VECTORS

__all__ = [
    "API_ORIGIN",
    "BOMBS",
    "IFRAME_HOST",
    "IMAGE_HOST",
    "NASTY_SLUGS",
    "hostile_files",
    "write_hostile_site",
]

IMAGE_HOST = "images.example"
"""Where the fixture's legitimate images live (images from any https host are allowed)."""

API_ORIGIN = "https://api.example"
"""The configured cStar API: the only other host the site's script may talk to."""

IFRAME_HOST = "www.youtube-nocookie.com"
"""The one host allowed in ``[security] iframe_hosts``."""

NASTY_SLUGS: tuple[str, ...] = (
    "../../../../etc/passwd",
    "..",
    ".",
    "/absolute/path",
    "a/../../b",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fescape",
    "....//....//x",
    "index.html",
    "404.html",
    "assets",
    "media",
    "con",
    "CON.txt",
    "nul",
    "lpt1",
    ".hidden",
    "~root",
    "",
    " ",
    "\x00\x01\x1f",
    "tab\there",
    "new\nline",
    "\u202eevil\u202c",
    "<script>hgxss(0)</script>",
    "javascript:hgxss(0)",
    '"><img src=x onerror=hgxss(0)>',
    "x" * 400,
    "\U0001f600" * 80,
    "Reset-Password",
    "reset password",
    "RESET_PASSWORD",
    "c:\\boot.ini",
    "//evil.example/x",
    "?query=1#frag",
    "a;b&c=d",
)

_LONG_SECTION = (
    "## Section heading\n\nSome *emphasis*, **strong**, `code`, a [link](/articles/x) and an "
    f"![image](https://{IMAGE_HOST}/img.png).\n\n- item one\n- item two\n  - nested item\n\n"
    "> [!TIP]\n> A tip.\n\n| col | col |\n|-----|----:|\n| a   | 1   |\n\n"
    "```python\ndef f(x):\n    return x * 2\n```\n\n"
)

BOMBS: dict[str, str] = {
    "5 MB article": _LONG_SECTION * (5 * 1024 * 1024 // len(_LONG_SECTION) + 1),
    "5000-level nested list": "- " * 5000 + "deep",
    "5000 nested blockquotes": ">" * 5000 + " deep",
    "2000 deepening blockquote lines": "\n".join(">" * i + " x" for i in range(1, 2001)),
    "100000-backtick line": "`" * 100_000,
    "100000 brackets": "[" * 100_000,
    "50000 nested emphasis": "*" * 50_000 + "x" + "*" * 50_000,
    "5000 nested raw divs": "<div>" * 5000 + "x" + "</div>" * 5000,
    "20000 image openers": "![" * 20_000,
}
"""Parser bombs, by name: each becomes one article's body."""

_BAD_COLORS = (
    "red;background:url(javascript:hgxss(0))",
    '#fff" onmouseover="hgxss(0)',
    "#fff\n",
    "expression(hgxss(0))",
    "#12345g",
    "var(--x)",
)


ITEMS = (len(VECTORS) + 1) // 2
"""Articles and posts with vectors: each text field holds two vectors, ``ITEMS`` apart, so
every vector reaches every field with half as many pages to open."""


def _v(index: int) -> str:
    return VECTORS[index % len(VECTORS)]


def _two(index: int) -> str:
    """Vectors ``index`` and ``index + ITEMS``, side by side."""
    return f"{_v(index)} {_v(index + ITEMS)}"


def _markdown_body(index: int) -> str:
    """A body with vectors ``index`` and ``index + ITEMS``, each raw and inside every construct."""
    return _one_markdown_body(index) + "\n" + _one_markdown_body(index + ITEMS).replace("[^n]", "[^m]")


def _one_markdown_body(index: int) -> str:
    vector = _v(index)
    return (
        f"{vector}\n\n"
        f"## Heading {vector}\n\n"
        f"- item {vector}\n- [x] {vector}\n\n"
        f"> {vector}\n\n"
        f"| a | b |\n|---|---|\n| {vector} | x |\n\n"
        f"[{vector}](https://{IMAGE_HOST}/page) and ![{vector}](https://{IMAGE_HOST}/pic.png)\n\n"
        f"`{vector}`\n\n"
        f"```\n{vector}\n```\n\n"
        f"Text with a footnote[^n].\n\n[^n]: {vector}\n"
    )


def _slug(kind: str, index: int) -> str:
    if index < len(NASTY_SLUGS):
        return NASTY_SLUGS[index]
    return f"{kind}-{index}"


def _categories() -> list[Any]:
    categories: list[Any] = []
    for index in range(8):
        categories.append(
            {
                "id": f"cat_{index}",
                "name": f"Category {_v(index * 5)}",
                "slug": _slug("category", index),
                "description": _v(index * 5 + 1),
                "icon": ["<s", '">', "\U0001f680<", "rocket", _v(index * 5 + 3), "&lt;", "{{", None][index],
                "color": ["#7c3aed", "#16A34A", *_BAD_COLORS][index],
                "sortOrder": index,
                "isPublic": True,
                "articleCount": 3,
                "createdAt": "2026-01-01T00:00:00Z",
                "updatedAt": "2026-01-02T00:00:00Z",
            }
        )
    # Bad data: wrong types, nulls, a duplicate id, a duplicate slug, entries that are not objects.
    categories += [
        {"id": "cat_types", "name": 12345, "slug": ["not", "text"], "description": {"html": "<b>x</b>"},
         "icon": 7, "color": 255, "sortOrder": "first", "isPublic": "yes", "articleCount": None,
         "createdAt": "last tuesday", "updatedAt": 1700000000},
        {"id": "cat_nulls", "name": None, "slug": None, "description": None, "icon": None, "color": None,
         "sortOrder": None, "isPublic": None, "articleCount": None},
        {"id": "cat_0", "name": "Duplicate id of category 0", "slug": "dup-id-category"},
        {"id": "cat_dup_slug", "name": "Duplicate slug", "slug": _slug("category", 0)},
        {"name": "No id or slug"},
        {},
        None,
        42,
        "a string where a category should be",
    ]
    return categories


def _topics() -> list[Any]:
    topics: list[Any] = [
        {
            "id": f"top_{index}",
            "name": f"Topic {_v(index * 3)}",
            "slug": ["posts", "community", "../..", "topic-3", "topic-4"][index],
            "description": _v(index * 3 + 1),
            "sort_order": index,
            "post_count": 10,
        }
        for index in range(5)
    ]
    topics += [
        {"id": "top_types", "name": ["x"], "slug": 5, "description": 5, "sort_order": "a", "post_count": "many"},
        {"id": "top_0", "name": "Duplicate topic id", "slug": "dup"},
        None,
    ]
    return topics


def _articles() -> list[Any]:
    articles: list[Any] = []
    for index in range(ITEMS):
        articles.append(
            {
                "id": f"art_{index}",
                "title": _two(index),
                "slug": _slug("article", index),
                "excerpt": _two(index + 1),
                "content": _markdown_body(index + 2),
                "categoryId": f"cat_{index % 8}" if index % 9 else "cat_missing",
                "categorySlug": None,
                "categoryName": _v(index + 3) if index % 9 == 0 else None,
                "tags": [_v(index + 4), "plain tag", _v(index + 4 + ITEMS)],
                "status": "published",
                "isPublic": True,
                "viewCount": index,
                "helpfulCount": 1,
                "notHelpfulCount": 0,
                "readTime": _v(index + 6) if index % 4 == 0 else "3 min",
                "metaDescription": _two(index + 7),
                "publishedAt": "2026-01-01T00:00:00Z",
                "createdAt": "2026-01-01T00:00:00Z",
                "updatedAt": ["2026-02-01T00:00:00Z", "not a date", "2026-13-45T99:99:99Z", None][index % 4],
            }
        )
    for number, (name, body) in enumerate(BOMBS.items()):
        articles.append(
            {
                "id": f"art_bomb_{number}",
                "title": f"Parser bomb: {name}",
                "slug": f"bomb-{number}",
                "excerpt": name,
                "content": body,
                "categoryId": "cat_3",
                "tags": [],
                "updatedAt": "2026-03-01T00:00:00Z",
            }
        )
    embed = (
        "A video from the allowed host, and two that are not allowed:\n\n"
        f'<iframe src="https://{IFRAME_HOST}/embed/abc" width="560" height="315" title="Demo" '
        f"onload={MARKER}(900) allowfullscreen></iframe>\n\n"
        f'<iframe src="https://{EVIL_HOST}/embed/abc"></iframe>\n\n'
        f'<iframe src="http://{IFRAME_HOST}/embed/abc"></iframe>\n'
    )
    articles += [
        {"id": "art_embed", "title": "Embedded video", "slug": "embedded-video", "content": embed, "categoryId": "cat_1"},
        # Bad data of every kind.
        {"id": "art_types", "title": 404, "slug": "wrong-types", "excerpt": ["a", "list"],
         "content": {"markdown": "an object, not text"}, "categoryId": 7, "tags": "one, two, <b>three</b>",
         "status": "published", "isPublic": "true", "viewCount": "many", "helpfulCount": float("inf"),
         "notHelpfulCount": -3, "readTime": 5, "metaDescription": {"x": 1}, "publishedAt": 20260101,
         "updatedAt": "2026-02-30T00:00:00Z"},
        {"id": "art_nulls", "title": None, "slug": "nulls", "excerpt": None, "content": None, "tags": None,
         "viewCount": None, "isPublic": None, "status": None},
        {"id": "art_missing", "content": "Only an id and a body."},
        {"id": "art_0", "title": "Duplicate id of article 0", "slug": "duplicate-id", "content": "dup"},
        {"id": "art_dup_slug", "title": "Duplicate slug", "slug": "article-40", "content": "same slug as another"},
        {"title": "No id", "slug": "no-id", "content": "x"},
        {"id": "art_lone_surrogate", "title": "Lone \ud800 surrogate \udfff", "slug": "surrogate-\ud83d",
         "content": "Body \ud800 with a lone surrogate", "excerpt": "\udc00"},
        {"id": "art_bad_category", "title": "Category as an object", "slug": "category-object",
         "category": {"id": "cat_nowhere", "name": _v(11)}, "content": "x"},
        None,
        [],
        "not an object",
    ]
    return articles


def _attachments(index: int) -> list[Any]:
    urls = [
        f"https://{IMAGE_HOST}/a{index}.png",
        f"javascript:{MARKER}({index})",
        "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
        f"//{EVIL_HOST}/x.png",
        f"/\\{EVIL_HOST}/x.png",
        f" javascript:{MARKER}({index})",
        f'https://{IMAGE_HOST}/a.png" onerror="{MARKER}({index})',
        f"https://{IMAGE_HOST}/doc.html",
    ]
    types = ["image/png", "image/png", "image/svg+xml", "image/png", "image/png", "image/png", "image/png", "text/html"]
    slot = index % len(urls)
    return [
        {"filename": _v(index + 3), "content_type": types[slot], "size_bytes": 1234, "url": urls[slot]},
        {"filename": _v(index + 3 + ITEMS), "content_type": "image/png", "size_bytes": 1, "url": urls[0]},
        {"filename": "ok.png", "content_type": "image/png", "size_bytes": "big", "url": f"https://{IMAGE_HOST}/ok.png"},
        "not an attachment",
    ]


def _threads() -> list[Any]:
    threads: list[Any] = []
    statuses = ["open", "answered", "officially_answered", "planned", '"><img src=x onerror=hgxss(0)>', "weird"]
    for index in range(ITEMS):
        post = {
            "id": f"post_{index}",
            "title": _two(index),
            "slug": _slug("post", index),
            "body": _markdown_body(index + 1),
            "topic_id": f"top_{index % 5}" if index % 7 else "top_missing",
            "topic_slug": None,
            "status": statuses[index % len(statuses)],
            "vote_count": index,
            "comment_count": 2,
            "is_pinned": index % 11 == 0,
            "is_locked": index % 13 == 0,
            "author_name": _two(index + 2),
            "attachments": _attachments(index),
            "created_at": ["2026-02-01T00:00:00Z", "yesterday"][index % 2],
            "updated_at": "2026-02-02T00:00:00Z",
        }
        comments = [
            {"id": f'c{index}" onmouseover="{MARKER}({index})', "body": _markdown_body(index + 4),
             "author_name": _two(index + 5), "is_official": index % 3 == 0, "created_at": "2026-02-03T00:00:00Z"},
            {"id": f"com_{index}_b", "body": _two(index + 6), "author_name": None, "is_official": "no",
             "created_at": "not a date"},
        ]
        threads.append({"post": post, "comments": comments})
    threads += [
        {"post": {"id": "post_types", "title": ["x"], "slug": "post-types", "body": 12, "status": 3,
                  "vote_count": "lots", "is_pinned": "maybe", "author_name": {"n": 1}, "attachments": 5},
         "comments": "not a list"},
        {"post": {"id": "post_0", "title": "Duplicate post id", "slug": "dup-post", "body": "x"}, "comments": []},
        {"post": {"id": "post_dup_slug", "title": "Duplicate post slug", "slug": "post-40", "body": "x"},
         "comments": [{"id": "same", "body": "one"}, {"id": "same", "body": "two"}, {"body": "no id"}, 7]},
        {"post": {"id": "post_bomb", "title": "Post bomb", "slug": "post-bomb", "body": BOMBS["5000-level nested list"]}},
        None,
    ]
    return threads


def hostile_files() -> dict[str, Any]:
    """Snapshot file path → JSON value (not JSON-clean on purpose: NaN-free, but lone surrogates)."""
    articles = _articles()
    return {
        "snapshot.json": {"format": 1, "team": f"hostile-{MARKER}", "pulledAt": "2026-03-01T00:00:00Z"},
        "library/categories.json": _categories(),
        "library/articles.json": articles,
        "library/popular.json": [
            {k: v for k, v in a.items() if k != "content"} for a in articles[:8] if isinstance(a, dict)
        ] + [{"id": "art_unknown", "slug": "unknown", "title": "Not an article"}, None],
        "library/stats.json": {"totalArticles": "many", "totalCategories": None, "totalViews": 1e308},
        "community/topics.json": _topics(),
        "community/posts.json": _threads(),
    }


CONFIG = f"""\
[site]
title = "Hostile </title><script>{MARKER}(1000)</script> Help"
description = "\\"><img src=x onerror={MARKER}(1001)> {{{{ config }}}}"
base_url = "https://help.example/"
# A hostile language ('en" onload="...') is refused by the config with a clear error
# (tests/test_i18n.py): only BCP 47 tags reach <html lang>.
language = "en"
footer_links = [{{ label = "<b>Status</b> {MARKER}(1003)", url = "https://status.example/?a=\\"b" }}]

[cstar]
team = "hostile"
api_url = "{API_ORIGIN}"
snapshot = "snapshot"

[analytics]
enabled = true

[security]
iframe_hosts = ["{IFRAME_HOST}"]
"""


def write_hostile_site(folder: Path) -> Path:
    """Write ``folder/helpgen.toml`` and ``folder/snapshot/``; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helpgen.toml").write_text(CONFIG, encoding="utf-8")
    for rel, value in hostile_files().items():
        path = folder / "snapshot" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # ensure_ascii keeps lone surrogates as \\ud800 escapes, as an API would send them.
        path.write_text(json.dumps(value, ensure_ascii=True, allow_nan=True), encoding="utf-8")
    return folder
