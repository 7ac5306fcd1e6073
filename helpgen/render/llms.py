"""AI-readable copies of the help center: ``llms.txt``, ``llms-full.txt`` and one ``.md`` per article.

Pure: planned pages in, ``{site path: bytes}`` out, written through the staged site like the
search index.

- ``articles/{slug}.md`` (next to the article's folder, see :func:`~helpgen.render.paths.markdown_copy_path`):
  the article as clean Markdown: ``# Title``, its category, updated date and address, then
  its body as the team wrote it in cStar.
- ``llms.txt`` (the llms.txt convention, https://llmstxt.org): ``# Site title``, ``> summary``,
  then one ``## Category`` section per category listing ``- [Title](URL of the .md): excerpt``.
- ``llms-full.txt``: the same heading and summary, then every article's Markdown copy.

Links are absolute under ``[site].base_url``, else relative to the site root (where both
files live). The field labels of the ``.md`` copies (``Category:``, ``Updated:``, ``URL:``) stay
English whatever the site's language, so tools can rely on them. Titles and excerpts are put on one line and Markdown link syntax in them is
escaped, so a title cannot break the list.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from helpgen.render.paths import absolute_url, markdown_copy_path, relative_url
from helpgen.render.templates import iso_date

__all__ = ["LLMS", "LLMS_FULL", "llms_files", "article_markdown"]

LLMS = "llms.txt"
LLMS_FULL = "llms-full.txt"
_LINK_TEXT = re.compile(r"([\\\[\]])")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _line(text: str | None) -> str:
    return " ".join(_CONTROL.sub("", text or "").split())


def _link_text(text: str | None) -> str:
    return _LINK_TEXT.sub(r"\\\1", _line(text))


def _url(settings: Any, path: str) -> str:
    return absolute_url(settings.base_url, path) if settings.base_url else relative_url("", path)


def article_markdown(page: Any, settings: Any) -> str:
    """One article page as clean Markdown: title, category, updated date, address, then the body."""
    article = page.context["article"]
    lines = [f"# {_line(article.title) or 'Untitled'}", ""]
    if article.category is not None:
        lines.append(f"Category: {_line(article.category.name)}  ")
    updated = iso_date(article.updated_at)
    if updated:
        lines.append(f"Updated: {updated[:10]}  ")
    lines.append(f"URL: {_url(settings, page.path)}")
    body = _CONTROL.sub("", (article.html.markdown or "").replace("\r\n", "\n")).strip("\n")
    if not body and article.excerpt:
        body = _line(article.excerpt)
    return "\n".join(lines) + "\n\n" + body + "\n"


def llms_files(pages: Iterable[Any], settings: Any) -> dict[str, bytes]:
    """``llms.txt``, ``llms-full.txt`` and every article's ``.md`` copy, as ``{site path: bytes}``."""
    files: dict[str, bytes] = {}
    sections: dict[str, tuple[str, list[str]]] = {}  # category path → (name, list lines), in page order
    other: list[str] = []
    full: list[str] = []
    for page in pages:
        if page.kind == "category":
            sections.setdefault(page.context["category"].path, (_line(page.context["category"].name), []))
        if page.kind != "article":
            continue
        article = page.context["article"]
        copy_path = markdown_copy_path(page.path)
        text = article_markdown(page, settings)
        files[copy_path] = text.encode("utf-8")
        full.append(text)
        note = _line(article.excerpt or page.description)
        item = f"- [{_link_text(article.title) or 'Untitled'}]({_url(settings, copy_path)})" + (f": {note}" if note else "")
        if article.category is not None:
            sections.setdefault(article.category.path, (_line(article.category.name), []))[1].append(item)
        else:
            other.append(item)
    head = [f"# {_line(settings.title) or 'Help Center'}", ""]
    if _line(settings.description):
        head += [f"> {_line(settings.description)}", ""]
    body: list[str] = []
    for name, items in sections.values():
        if items:
            body += [f"## {name}", "", *items, ""]
    if other:
        body += [f"## {_line(settings.catalog.text('llms.other_articles'))}", "", *other, ""]
    files[LLMS] = ("\n".join(head + body).rstrip("\n") + "\n").encode("utf-8")
    files[LLMS_FULL] = ("\n".join(head) + "\n" + "\n---\n\n".join(full)).encode("utf-8")
    return files
