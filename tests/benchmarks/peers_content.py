"""The corpus as every peer generator receives it: the same pages, names and order.

The peer benchmark (:mod:`tests.benchmarks.peers`) exports one snapshot to Hugo
(:mod:`tests.benchmarks.peers_hugo`) and to MkDocs (:mod:`tests.benchmarks.peers_mkdocs`).
Both exports publish one page per article and per community post (comments included), one
list page per category and per topic, and keep the snapshot's order. This module decides that
shared plan once (:func:`peer_site`), so the two exporters differ only in their tool's syntax:

- file names come from slugs through :func:`helpgen.render.paths.safe_segment` and are unique
  (``-2``, ``-3`` on a collision; ``index``/``_index`` never, they mean something to both tools);
- categories keep the API order, articles keep theirs within a category;
- posts are listed pinned first, then newest first (the API's ``recent`` order), like helpgen;
- a thread (post, attachments, comments) becomes one Markdown document (:func:`thread_markdown`);
- links between pages (``/articles/SLUG``, ``/categories/SLUG``, ``/community/posts/SLUG``)
  can be pointed at each tool's own files (:func:`rewrite_links`).

Pure functions, except :func:`write_tree`, which writes the files an exporter produced.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from helpgen.content.snapshot import Snapshot
from helpgen.cstar._models import Article, PostThread
from helpgen.render.paths import safe_segment

__all__ = [
    "ArticlePage", "PeerSite", "PostPage", "Section",
    "front_matter", "peer_site", "plain_markdown", "rewrite_links", "thread_markdown", "write_tree",
]

UNCATEGORISED = "Uncategorised"
NO_TOPIC = "General"


@dataclass(frozen=True)
class Section:
    """A category or a topic: a list page of its own, in ``weight`` order."""

    name: str  # unique file name segment
    slug: str  # the API slug ("" for the catch-all section)
    title: str
    description: str
    weight: int


@dataclass(frozen=True)
class ArticlePage:
    """One article, the file name it is published under, and its place in its category."""

    name: str
    article: Article
    section: Section
    weight: int  # 1-based position within the category


@dataclass(frozen=True)
class PostPage:
    """One community thread, its file name and its place in its topic."""

    name: str
    thread: PostThread
    section: Section
    weight: int  # 1-based position within the topic (pinned first, then newest first)


@dataclass(frozen=True)
class PeerSite:
    """Everything an exporter writes, already named and ordered."""

    title: str
    description: str
    categories: tuple[Section, ...]
    topics: tuple[Section, ...]
    articles: tuple[ArticlePage, ...]  # grouped by category, categories in order
    posts: tuple[PostPage, ...]  # grouped by topic, topics in order
    popular: tuple[str, ...]  # article file names, most viewed first
    article_names: Mapping[str, str]  # API slug → file name
    category_names: Mapping[str, str]
    post_names: Mapping[str, str]


class _UniqueNames:
    """File-safe, unique name segments for one folder of pages."""

    def __init__(self) -> None:
        self._taken = {"index", "_index"}

    def make(self, slug: str, fallback: str) -> str:
        base = safe_segment(slug or fallback)
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}-{n}"
        self._taken.add(name)
        return name


def peer_site(snapshot: Snapshot, *, title: str = "Benchmark Help Center", description: str = "") -> PeerSite:
    """The pages every exporter publishes for ``snapshot``, named and ordered."""
    category_namer = _UniqueNames()
    categories: dict[str, Section] = {}
    for position, category in enumerate(snapshot.categories, start=1):
        categories[category.id] = Section(
            name=category_namer.make(category.slug, category.id), slug=category.slug,
            title=category.name, description=category.description, weight=position,
        )
    catch_all: Section | None = None
    article_namer = _UniqueNames()
    grouped: dict[Section, list[Article]] = {section: [] for section in categories.values()}
    for article in snapshot.articles:
        section = categories.get(article.category_id or "")
        if section is None:
            if catch_all is None:
                catch_all = Section(category_namer.make("uncategorised", "uncategorised"), "", UNCATEGORISED, "", len(categories) + 1)
                grouped[catch_all] = []
            section = catch_all
        grouped[section].append(article)
    articles: list[ArticlePage] = []
    for section, members in grouped.items():
        for weight, article in enumerate(members, start=1):
            articles.append(ArticlePage(article_namer.make(article.slug, article.id), article, section, weight))

    topic_namer = _UniqueNames()
    topics: dict[str, Section] = {}
    for position, topic in enumerate(sorted(snapshot.topics, key=lambda t: t.sort_order), start=1):
        topics[topic.id] = Section(topic_namer.make(topic.slug, topic.id), topic.slug, topic.name, topic.description, position)
    no_topic: Section | None = None
    threads: dict[Section, list[PostThread]] = {section: [] for section in topics.values()}
    for thread in snapshot.threads:
        section = topics.get(thread.post.topic_id or "")
        if section is None:
            if no_topic is None:
                no_topic = Section(topic_namer.make("general", "general"), "", NO_TOPIC, "", len(topics) + 1)
                threads[no_topic] = []
            section = no_topic
        threads[section].append(thread)
    post_namer = _UniqueNames()
    posts: list[PostPage] = []
    for section, members in threads.items():
        ordered = [t for t in members if t.post.is_pinned] + [t for t in members if not t.post.is_pinned]
        for weight, thread in enumerate(ordered, start=1):
            posts.append(PostPage(post_namer.make(thread.post.slug, thread.post.id), thread, section, weight))

    article_names = {page.article.slug: page.name for page in articles}
    return PeerSite(
        title=title,
        description=description or f"Answers from the {snapshot.team} team and community.",
        categories=tuple(s for s in grouped),
        topics=tuple(s for s in threads),
        articles=tuple(articles),
        posts=tuple(posts),
        popular=tuple(article_names[a.slug] for a in snapshot.popular if a.slug in article_names),
        article_names=article_names,
        category_names={s.slug: s.name for s in grouped if s.slug},
        post_names={page.thread.post.slug: page.name for page in posts},
    )


# --------------------------------------------------------------------------- Markdown

# Characters JSON leaves raw that a YAML reader refuses, or reads as a line break (NEL, LS, PS).
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def front_matter(fields: Mapping[str, object]) -> str:
    """A ``---`` block of ``key: value`` lines, each value as JSON (valid YAML for Hugo and MkDocs).

    ``None`` values are left out. Keys must be plain identifiers.
    """
    lines = ["---"]
    for key, value in fields.items():
        if value is None:
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"front matter key {key!r} is not a plain identifier")
        encoded = json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: " + _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded))
    lines.append("---")
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


def plain_markdown(text: str) -> str:
    """Plain text (a name, a file name) as Markdown that shows it literally, on one line.

    Escapes emphasis, code and link characters with backslashes, and ``&``/``<`` as entities
    (both CommonMark and Python-Markdown show ``&lt;`` as ``<``; neither sees a tag in it).
    """
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _day(iso: str | None) -> str:
    return (iso or "")[:10]


def thread_markdown(thread: PostThread, customer_text: Callable[[str], str] = lambda text: text) -> str:
    """A post, its attachments and its comments as one Markdown document.

    ``customer_text`` is applied to every customer-written body (the post and each comment):
    an exporter whose Markdown passes raw HTML through uses it to make that HTML inert.
    """
    post = thread.post
    parts = [customer_text(post.body).rstrip()]
    if post.attachments:
        parts.append("**Attachments**")
        parts.append("\n".join(
            f"- ![{plain_markdown(a.filename)}]({_link_target(a.url)}) {plain_markdown(a.filename)}"
            for a in post.attachments
        ))
    count = len(thread.comments)
    parts.append(f"## {count} {'comment' if count == 1 else 'comments'}")
    for comment in thread.comments:
        byline = [plain_markdown(comment.author_name or "Anonymous")]
        if comment.is_official:
            byline.append("Official answer")
        if comment.created_at:
            byline.append(_day(comment.created_at))
        parts.append("### " + " · ".join(byline))
        parts.append(customer_text(comment.body).rstrip())
    return "\n\n".join(p for p in parts if p) + "\n"


def _link_target(url: str) -> str:
    """A URL as a Markdown link destination: ``<...>`` when it has spaces, never a live script."""
    if re.match(r"\s*(javascript|vbscript|data):", url, re.IGNORECASE):
        return "#"
    return f"<{url}>" if re.search(r"[\s()]", url) and "<" not in url and ">" not in url else url


_SITE_LINK = re.compile(r"\]\(\s*/(articles|categories|community/posts)/([^)\s/#?]+)/?([#?][^)\s]*)?(\s+\"[^\"]*\")?\s*\)")


def rewrite_links(markdown: str, target: Callable[[str, str], str | None]) -> str:
    """Markdown with every site link ``](/articles/SLUG)`` pointed where ``target`` says.

    ``target(kind, slug)`` gets ``"articles"``, ``"categories"`` or ``"community/posts"`` and the
    slug, and returns the new destination (or ``None`` to leave the link as it is). Anchors
    and link titles are kept.
    """
    def replace(match: re.Match[str]) -> str:
        destination = target(match.group(1), match.group(2))
        if destination is None:
            return match.group(0)
        return f"]({destination}{match.group(3) or ''}{match.group(4) or ''})"

    return _SITE_LINK.sub(replace, markdown)


def write_tree(folder: Path, files: Iterable[tuple[str, str]]) -> int:
    """Write ``(relative path, text)`` pairs under ``folder``; returns how many files."""
    count = 0
    made: set[Path] = set()
    for rel, text in files:
        target = folder / rel
        if target.parent not in made:
            os.makedirs(target.parent, exist_ok=True)
            made.add(target.parent)
        target.write_text(text, encoding="utf-8")
        count += 1
    return count
