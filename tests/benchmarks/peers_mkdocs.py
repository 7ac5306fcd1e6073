"""Export a snapshot as an MkDocs + Material project (``mkdocs.yml``, ``docs/``) for the peer benchmark.

The project a Material user would set up for the same help center:

- ``docs/articles/NAME.md``: every article (front matter ``title`` and ``description``, a
  "read time · updated" line, the Markdown with site links turned into relative ``.md`` links
  that MkDocs checks and rewrites, the tags);
- ``docs/posts/NAME.md``: every community thread (post, attachments, comments);
- ``docs/categories/KEY/index.md`` and ``docs/community/KEY/index.md``: a page per category and
  per topic listing every member, used as section index pages; ``docs/index.md`` the home page
  (categories, popular articles, topics);
- ``mkdocs.yml``: the ``material`` theme with two tabs (Help articles, Community), one nav
  section per category and per topic holding its pages in order, breadcrumbs
  (``navigation.path``), previous/next (``navigation.footer``), ``navigation.prune`` (only the
  open section's items in each page, the setting Material recommends for big sites), the
  built-in ``search`` plugin, Pygments highlighting, tables, footnotes and task lists.

Python-Markdown passes raw HTML through and Material prints titles unescaped, so this exporter
makes customer text inert itself (:func:`inert_html`) and HTML-escapes every title.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

from helpgen.content.snapshot import Snapshot
from tests.benchmarks.peers_content import (
    ArticlePage,
    PeerSite,
    PostPage,
    front_matter,
    peer_site,
    plain_markdown,
    rewrite_links,
    thread_markdown,
    write_tree,
)

__all__ = ["inert_html", "mkdocs_project_files", "write_mkdocs_project"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def inert_html(markdown: str) -> str:
    """``markdown`` with every ``<`` outside code written as ``&lt;``: no raw HTML survives.

    Code blocks and code spans are left alone (Markdown escapes them already). Link
    destinations with a ``javascript:``/``vbscript:``/``data:`` scheme become ``#``.
    """
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = None
            continue
        if match:
            fence = match.group(1)
            out.append(line)
            continue
        pieces: list[str] = []
        last = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(line[last:span.start()].replace("<", "&lt;"))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(line[last:].replace("<", "&lt;"))
        out.append("".join(pieces))
    text = "\n".join(out)
    return re.sub(r"\]\(\s*(?:javascript|vbscript|data):[^)]*\)", "](#)", text, flags=re.IGNORECASE)


def _title(text: str) -> str:
    """A page or nav title as MkDocs and Material print it: HTML."""
    return html.escape(" ".join(text.split()), quote=False)


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _config(site: PeerSite) -> str:
    lines = [
        f"site_name: {_yaml(site.title)}",
        f"site_description: {_yaml(site.description)}",
        "docs_dir: docs",
        "use_directory_urls: true",
        "theme:",
        "  name: material",
        "  features:",
        "    - navigation.tabs",
        "    - navigation.indexes",
        "    - navigation.path",
        "    - navigation.prune",
        "    - navigation.footer",
        "plugins:",
        "  - search",
        "markdown_extensions:",
        "  - toc:",
        "      permalink: true",
        "  - tables",
        "  - footnotes",
        "  - pymdownx.highlight",
        "  - pymdownx.superfences",
        "  - pymdownx.tasklist",
        "  - pymdownx.tilde",
        "nav:",
        f"  - {_yaml('Home')}: index.md",
        f"  - {_yaml('Help articles')}:",
        "    - categories/index.md",
    ]
    by_category: dict[str, list[str]] = {}
    for page in site.articles:
        by_category.setdefault(page.section.name, []).append(page.name)
    for section in site.categories:
        lines.append(f"    - {_yaml(_title(section.title))}:")
        lines.append(f"      - categories/{section.name}/index.md")
        lines.extend(f"      - articles/{name}.md" for name in by_category.get(section.name, ()))
    lines.append(f"  - {_yaml('Community')}:")
    lines.append("    - community/index.md")
    by_topic: dict[str, list[str]] = {}
    for page in site.posts:
        by_topic.setdefault(page.section.name, []).append(page.name)
    for section in site.topics:
        lines.append(f"    - {_yaml(_title(section.title))}:")
        lines.append(f"      - community/{section.name}/index.md")
        lines.extend(f"      - posts/{name}.md" for name in by_topic.get(section.name, ()))
    return "\n".join(lines) + "\n"


def mkdocs_project_files(site: PeerSite) -> Iterator[tuple[str, str]]:
    """Every file of the MkDocs project for ``site``, as ``(relative path, text)``."""
    yield "mkdocs.yml", _config(site)

    def links(kind: str, slug: str) -> str | None:
        """Site links as relative ``.md`` links from ``docs/articles/`` or ``docs/posts/``."""
        if kind == "articles" and slug in site.article_names:
            return f"../articles/{site.article_names[slug]}.md"
        if kind == "categories" and slug in site.category_names:
            return f"../categories/{site.category_names[slug]}/index.md"
        if kind == "community/posts" and slug in site.post_names:
            return f"../posts/{site.post_names[slug]}.md"
        return None

    titles = {page.name: page.article.title for page in site.articles}
    by_category: dict[str, list[ArticlePage]] = {}
    for page in site.articles:
        by_category.setdefault(page.section.name, []).append(page)
    by_topic: dict[str, list[PostPage]] = {}
    for page in site.posts:
        by_topic.setdefault(page.section.name, []).append(page)

    home = [front_matter({"title": _title(site.title), "description": site.description}), plain_markdown(site.description), "## Categories"]
    home.extend(
        f"- [{plain_markdown(s.title)}](categories/{s.name}/index.md) — {len(by_category.get(s.name, ()))} articles"
        for s in site.categories
    )
    home.append("## Popular articles")
    home.extend(f"1. [{plain_markdown(titles[name])}](articles/{name}.md)" for name in site.popular)
    home.append("## [Community](community/index.md)")
    home.extend(f"- [{plain_markdown(s.title)}](community/{s.name}/index.md) — {len(by_topic.get(s.name, ()))} posts" for s in site.topics)
    yield "docs/index.md", "\n\n".join(home) + "\n"

    yield "docs/categories/index.md", front_matter({"title": "All categories"}) + "\n" + "\n".join(
        f"- [{plain_markdown(s.title)}]({s.name}/index.md)" + (f": {plain_markdown(s.description)}" if s.description else "")
        for s in site.categories
    ) + "\n"
    yield "docs/community/index.md", front_matter({"title": "Community"}) + "\n" + "\n".join(
        f"- [{plain_markdown(s.title)}]({s.name}/index.md)" + (f": {plain_markdown(s.description)}" if s.description else "")
        for s in site.topics
    ) + "\n"

    for section in site.categories:
        members = by_category.get(section.name, [])
        lines = [f"{len(members)} articles", ""]
        for page in members:
            a = page.article
            lines.append(f"- [{plain_markdown(a.title)}](../../articles/{page.name}.md)" + (f"  \n  {plain_markdown(a.excerpt)}" if a.excerpt else ""))
        yield f"docs/categories/{section.name}/index.md", front_matter(
            {"title": _title(section.title), "description": section.description or None}
        ) + "\n" + (plain_markdown(section.description) + "\n\n" if section.description else "") + "\n".join(lines) + "\n"

    for section in site.topics:
        members = by_topic.get(section.name, [])
        lines = [f"{len(members)} posts", ""]
        for page in members:
            p = page.thread.post
            lines.append(
                f"- [{plain_markdown(p.title)}](../../posts/{page.name}.md) — {p.status.replace('_', ' ')}, "
                f"{p.vote_count} votes, {len(page.thread.comments)} comments"
            )
        yield f"docs/community/{section.name}/index.md", front_matter(
            {"title": _title(section.title), "description": section.description or None}
        ) + "\n" + (plain_markdown(section.description) + "\n\n" if section.description else "") + "\n".join(lines) + "\n"

    for page in site.articles:
        a = page.article
        meta = [f"*{a.read_time} read*" if a.read_time else "", f"*Updated {(a.updated_at or '')[:10]}*" if a.updated_at else ""]
        body = rewrite_links(a.content or "", links)
        tags = "Tags: " + ", ".join(f"`{t}`" for t in a.tags) if a.tags else ""
        parts = [front_matter({"title": _title(a.title), "description": a.excerpt or None}), " · ".join(m for m in meta if m), body.rstrip(), tags]
        yield f"docs/articles/{page.name}.md", "\n\n".join(p for p in parts if p) + "\n"

    for page in site.posts:
        p = page.thread.post
        byline = (
            f"**{p.status.replace('_', ' ')}**{' · pinned' if p.is_pinned else ''}{' · locked' if p.is_locked else ''} · "
            f"posted by {plain_markdown(p.author_name or 'Anonymous')} on {(p.created_at or '')[:10]} · "
            f"{p.vote_count} votes"
        )
        body = rewrite_links(thread_markdown(page.thread, inert_html), links)
        yield f"docs/posts/{page.name}.md", front_matter({"title": _title(p.title)}) + "\n" + byline + "\n\n" + body


def write_mkdocs_project(snapshot: Snapshot, folder: str | Path, *, title: str = "Benchmark Help Center") -> PeerSite:
    """Write the MkDocs project for ``snapshot`` into ``folder`` (build it with ``mkdocs build -f folder/mkdocs.yml``)."""
    site = peer_site(snapshot, title=title)
    write_tree(Path(folder), mkdocs_project_files(site))
    return site
