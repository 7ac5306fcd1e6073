"""What the content-health report lists, kind by kind (pure apart from reading a built site).

| kind | an entry is |
|---|---|
| ``unhelpful`` | an article with at least ``min_views`` views and ``min_votes`` votes whose helpful share is below ``max_helpful_ratio`` (most viewed first) |
| ``stale`` | an article with at least ``stale_min_views`` views not updated for ``stale_months`` months (most viewed first) |
| ``broken_links`` | an article whose page links to something the built site does not have, or to a draft or private article (``helpgen check``'s findings on article pages) |
| ``missing_images`` | an article whose page shows an image the built site does not have |
| ``empty_categories`` | a public category with no published article |
| ``unanswered_questions`` | a community question (a post in ``question_topics``, or in any topic but the roadmap's; status ``open`` or ``answered``; not pinned) with at least ``question_min_votes`` votes and no official answer (most votes first) |
| ``unique_title_words`` | an article whose title has words that appear nowhere else: not in its own text, not in any other article or post, so a reader who does not already know the word will not search for it (most viewed first) |

"Now" (for staleness) is the snapshot's ``pulledAt``, so a report of one snapshot is the same
on any day. Links and images are checked only when the site has been built (``--out``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from helpgen.content.snapshot import Snapshot
from helpgen.content.view_history import snapshot_time
from helpgen.health.thresholds import ReportThresholds
from helpgen.render.pages import Page, SiteSettings, plan_pages

__all__ = ["KINDS", "Finding", "HealthReport", "content_health"]

KINDS: dict[str, str] = {
    "unhelpful": "Most viewed articles readers do not find helpful",
    "stale": "Popular articles not updated for a long time",
    "broken_links": "Articles with broken links",
    "missing_images": "Articles with missing images",
    "empty_categories": "Empty categories",
    "unanswered_questions": "Popular community questions without an official answer",
    "unique_title_words": "Titles with words that appear nowhere else",
}
"""Every kind of finding, in report order, with its heading."""

_QUESTION_STATUSES = ("open", "answered")
_DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class Finding:
    """One entry of the report: which item, where it is published, and the numbers that made it one."""

    kind: str
    title: str  # the article's, category's or post's title, as written (customer text)
    slug: str
    path: str | None  # its page's site path (None when it has no page)
    numbers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    """Every finding by kind (every kind present, possibly empty), and what was not checked."""

    team: str
    snapshot_time: str  # ISO, the "now" of the report
    thresholds: ReportThresholds
    findings: Mapping[str, tuple[Finding, ...]]
    notes: tuple[str, ...] = ()

    def count(self, kind: str) -> int:
        return len(self.findings.get(kind, ()))

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "team": self.team,
            "snapshot_time": self.snapshot_time,
            "thresholds": asdict(self.thresholds),
            "counts": {kind: self.count(kind) for kind in KINDS},
            "findings": {
                kind: [
                    {"title": f.title, "slug": f.slug, "path": f.path, **dict(f.numbers)} for f in self.findings.get(kind, ())
                ]
                for kind in KINDS
            },
            "notes": list(self.notes),
        }


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def content_health(
    snapshot: Snapshot,
    thresholds: ReportThresholds = ReportThresholds(),
    *,
    site_dir: Path | None = None,
    base_url: str = "",
    term_cache: Path | None = None,
    roadmap_topics: Iterable[str] = (),
) -> HealthReport:
    """The content-health report of ``snapshot``.

    ``site_dir`` is the built site (links and images are checked in it when it exists);
    ``term_cache`` the build cache's analysed search terms (``ContentCache.search_terms``),
    so titles are compared with the index without analysing every body again;
    ``roadmap_topics`` the feature-request topics (their posts are not questions).
    """
    pages, _ = plan_pages(snapshot, SiteSettings())
    article_pages = {p.context["article"].slug: p for p in pages if p.kind == "article"}
    published = [a for a in snapshot.articles if a.slug in article_pages and a.is_public and a.status == "published"]
    now = datetime.fromtimestamp(snapshot_time(snapshot), timezone.utc)
    limit = thresholds.limit
    notes: list[str] = []
    findings: dict[str, list[Finding]] = {kind: [] for kind in KINDS}

    def path_of(slug: str) -> str | None:
        page = article_pages.get(slug)
        return page.path if page else None

    by_views = sorted(published, key=lambda a: (-a.view_count, a.title.lower(), a.id))
    for a in by_views:
        votes = a.helpful_count + a.not_helpful_count
        if a.view_count >= thresholds.min_views and votes >= max(thresholds.min_votes, 1):
            ratio = a.helpful_count / votes
            if ratio < thresholds.max_helpful_ratio:
                findings["unhelpful"].append(
                    Finding("unhelpful", a.title, a.slug, path_of(a.slug), {
                        "views": a.view_count, "helpful": a.helpful_count,
                        "not_helpful": a.not_helpful_count, "helpful_ratio": round(ratio, 2),
                    })
                )
        updated = _parse_time(a.updated_at) or _parse_time(a.published_at) or _parse_time(a.created_at)
        if updated is not None and a.view_count >= thresholds.stale_min_views:
            months = (now - updated).days / _DAYS_PER_MONTH
            if months >= thresholds.stale_months:
                findings["stale"].append(
                    Finding("stale", a.title, a.slug, path_of(a.slug), {
                        "views": a.view_count, "updated_at": a.updated_at or a.published_at or a.created_at,
                        "months_since_update": int(months),
                    })
                )

    for page in pages:
        if page.kind == "category" and not page.context["articles"]:
            category = page.context["category"]
            findings["empty_categories"].append(Finding("empty_categories", category.name, category.slug, page.path, {"articles": 0}))

    post_pages = {p.context["post"].slug: p for p in pages if p.kind == "post"}
    topic_slugs = {t.id: t.slug for t in snapshot.topics}
    asked_in = set(thresholds.question_topics)
    not_questions = set(roadmap_topics)

    def in_question_topic(post: Any) -> bool:
        slug = topic_slugs.get(post.topic_id or "", post.topic_slug or "")
        return slug in asked_in if asked_in else slug not in not_questions

    questions = [
        t for t in snapshot.threads
        if t.post.status in _QUESTION_STATUSES
        and not t.post.is_pinned
        and in_question_topic(t.post)
        and t.post.vote_count >= thresholds.question_min_votes
        and not any(c.is_official for c in t.comments)
    ]
    for thread in sorted(questions, key=lambda t: (-t.post.vote_count, t.post.title.lower(), t.post.id)):
        post = thread.post
        page = post_pages.get(post.slug)
        findings["unanswered_questions"].append(
            Finding("unanswered_questions", post.title, post.slug, page.path if page else None, {
                "votes": post.vote_count, "comments": post.comment_count, "status": post.status,
            })
        )

    if site_dir is not None and (site_dir / "index.html").is_file():
        _link_findings(site_dir, base_url, snapshot, article_pages, findings)
    else:
        notes.append(
            "links and images were not checked: no built site"
            + (f" at {site_dir}" if site_dir is not None else "")
            + " (run helpgen build first, or pass --out)"
        )

    views = {a.slug: a.view_count for a in published}
    for slug, words in _unique_title_words(pages, term_cache).items():
        page = article_pages[slug]
        findings["unique_title_words"].append(
            Finding("unique_title_words", page.context["article"].title, slug, page.path, {"words": words, "views": views.get(slug, 0)})
        )
    findings["unique_title_words"].sort(key=lambda f: (-f.numbers["views"], f.title.lower(), f.slug))

    return HealthReport(
        team=snapshot.team,
        snapshot_time=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        thresholds=thresholds,
        findings={kind: tuple(items[:limit]) for kind, items in findings.items()},
        notes=tuple(notes),
    )


def _link_findings(
    site_dir: Path, base_url: str, snapshot: Snapshot, article_pages: Mapping[str, Page], findings: dict[str, list[Finding]]
) -> None:
    """``helpgen check`` over the built site, its findings on article pages grouped by article."""
    from helpgen.check import MISSING_IMAGE, check_site, unpublished_article_slugs

    result = check_site(site_dir, base_url=base_url, unpublished=unpublished_article_slugs(snapshot.articles))
    by_file = {f"{page.path}index.html": slug for slug, page in article_pages.items()}
    urls: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in result.problems:
        slug = by_file.get(problem.page)
        if slug is None:
            continue
        kind = "missing_images" if problem.kind == MISSING_IMAGE else "broken_links"
        if problem.url not in urls[(kind, slug)]:
            urls[(kind, slug)].append(problem.url)
    for (kind, slug), found in sorted(urls.items(), key=lambda item: (item[0][0], -len(item[1]), item[0][1])):
        page = article_pages[slug]
        findings[kind].append(Finding(kind, page.context["article"].title, slug, page.path, {"urls": found}))


def _unique_title_words(pages: Iterable[Page], term_cache: Path | None) -> dict[str, list[str]]:
    """Article slug → the words of its title whose index term is in no other field or document."""
    from helpgen.search import TermCache, analyze_pages
    from helpgen.search._whoosh import term_of, words

    pages = list(pages)
    analyzed = analyze_pages(pages, TermCache(term_cache))
    slug_by_path = {p.path: p.context["article"].slug for p in pages if p.kind == "article"}
    title_by_path = {p.path: p.context["article"].title for p in pages if p.kind == "article"}
    frequency: Counter[str] = Counter()  # documents-and-fields a term appears in
    for doc in analyzed:
        for _, _, terms in doc.fields:
            frequency.update(terms.keys())
    out: dict[str, list[str]] = {}
    for doc in analyzed:
        if doc.path not in slug_by_path:
            continue
        title_terms = next((terms for name, _, terms in doc.fields if name == "title"), {})
        lonely = {t for t in title_terms if frequency[t] == 1}
        if not lonely:
            continue
        seen: list[str] = []
        for word in words(title_by_path[doc.path]):
            if term_of(word) in lonely and word not in seen:
                seen.append(word)
        if seen:
            out[slug_by_path[doc.path]] = seen
    return out
