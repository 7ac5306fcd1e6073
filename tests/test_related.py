"""Related articles on every article page: shared tags, same category, text similarity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.render.related import MAX_POSTING, RelatedInput, related_articles
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import ParsedPage, local_targets


def _section_titles(page_file: Path, heading_id: str) -> list[str]:
    """The link texts of the page's section labelled by the heading ``heading_id``."""
    html = page_file.read_text(encoding="utf-8")
    start = html.find(f'aria-labelledby="{heading_id}"')
    if start < 0:
        return []
    page = ParsedPage()
    page.feed("<section " + html[start : html.find("</section>", start)])
    page.close()
    return [" ".join(a.text.split()) for a in page.find_all("a")]


def related_titles(page_file: Path) -> list[str]:
    return _section_titles(page_file, "related-articles-title")


def more_in_category_titles(page_file: Path) -> list[str]:
    return _section_titles(page_file, "related-title")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("related") / "site"
    snapshot = load_snapshot(EXAMPLE_SITE / "snapshot")
    # A draft that copies an article word for word: the best possible match, never listed.
    source = next(a for a in snapshot.articles if a.slug.startswith("connect-kettle-to-xero"))
    draft = replace(source, id="art_draftcopy", slug="draft-copy-of-xero", title="DRAFT Xero copy", status="draft")
    private = replace(source, id="art_privatecopy", slug="private-copy-of-xero", title="PRIVATE Xero copy", is_public=False)
    snapshot = replace(snapshot, articles=snapshot.articles + (draft, private))
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out, "cache_dir": out.parent / "cache"}, environ={})
    build_site(config, snapshot=snapshot)
    return out, snapshot


def test_example_articles_list_their_closest_articles(built) -> None:
    out, _ = built
    assert related_titles(out / "articles" / "connect-kettle-to-quickbooks-online-kh1wfij9" / "index.html") == [
        "Connect Kettle to Xero",
        "Integrations overview",
        "Getting started with the Kettle API",
        "Offline mode and syncing",
        "Connect a payment provider",
    ]
    assert related_titles(out / "articles" / "change-or-cancel-your-plan-b3ld17w2" / "index.html")[:2] == [
        "Kettle plans and pricing",
        "Download your Kettle billing receipts",
    ]


def test_every_article_page_lists_other_published_articles_only(built) -> None:
    out, snapshot = built
    published = {a.title for a in snapshot.articles if a.status == "published" and a.is_public}
    for article in snapshot.articles:
        page = out / "articles" / article.slug / "index.html"
        if article.title not in published:
            assert not page.exists()
            continue
        titles = related_titles(page)
        assert 1 <= len(titles) <= 5, article.slug
        assert article.title not in titles
        assert set(titles) <= published
        assert len(set(titles)) == len(titles)
        # "More in this category" never repeats what "Related articles" shows.
        assert not set(titles) & set(more_in_category_titles(page))
        # Every related link opens an existing article page.
        for href, target in local_targets(out, page):
            assert target.is_file(), (article.slug, href)
    assert "DRAFT" not in "".join(p.read_text() for p in (out / "articles").rglob("index.html"))
    assert "PRIVATE" not in "".join(p.read_text() for p in (out / "articles").rglob("index.html"))


def test_scoring_is_deterministic_and_breaks_ties_by_path() -> None:
    items = [RelatedInput(path=f"articles/{c}/", category="c1", tags=frozenset({"x"}), fallback_rank=i) for i, c in enumerate("dcba")]
    first = related_articles(items, {}, limit=3)
    assert first == related_articles(list(reversed(items)), {}, limit=3)
    assert first["articles/a/"] == ("articles/b/", "articles/c/", "articles/d/")


def test_text_similarity_and_tags_outweigh_the_category() -> None:
    items = [
        RelatedInput("articles/refund/", "payments", frozenset({"refund"}), 0),
        RelatedInput("articles/fees/", "payments", frozenset(), 1),
        RelatedInput("articles/credit-note/", "invoices", frozenset({"refund"}), 0),
        RelatedInput("articles/reverse-charge/", "invoices", frozenset(), 1),
    ]
    vectors = {
        "articles/refund/": {"refund": 3.0, "money": 1.0},
        "articles/reverse-charge/": {"refund": 2.0, "money": 1.0},
        "articles/fees/": {"fee": 2.0},
    }
    result = related_articles(items, vectors, limit=2)
    assert result["articles/refund/"] == ("articles/reverse-charge/", "articles/credit-note/")


def test_a_tag_on_too_many_articles_is_not_a_signal() -> None:
    items = [RelatedInput(f"articles/{i:04}/", None, frozenset({"common"}), 0) for i in range(MAX_POSTING + 1)]
    assert all(paths == () for paths in related_articles(items, {}).values())


def test_related_lists_are_the_same_in_worker_processes(monkeypatch) -> None:
    import helpgen.render.related as related

    from helpgen.search import TermCache, analyze_pages
    from helpgen.render.pages import SiteSettings, plan_pages
    from tests.benchmarks.corpus import generate_snapshot

    pages, _ = plan_pages(generate_snapshot(120, 0, seed=6), SiteSettings(title="T"))
    documents = analyze_pages(pages, TermCache(None))
    inputs = [p for p in related.add_related_articles(pages, documents) if p.kind == "article"]
    monkeypatch.setattr(related, "MIN_ARTICLES_PER_WORKER", 10)
    forked = [p for p in related.add_related_articles(pages, documents, jobs=3) if p.kind == "article"]
    assert [p.context["related"] for p in forked] == [p.context["related"] for p in inputs]
    assert sum(1 for p in inputs if p.context["related"]) > 100
