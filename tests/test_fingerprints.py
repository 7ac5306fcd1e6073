"""Page fingerprints: what a page shows decides its fingerprint, and nothing else does.

An incremental build re-renders a page exactly when its fingerprint changed, so two things
must hold: equal inputs give equal fingerprints however the objects are shared, in whatever
order (and in whichever worker) they are hashed; and any change a reader could see, at any
depth of the context, gives a different one. Pages come from the example site through
``plan_pages``, as in a build.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpgen.render.bodies import BodyRenderer
from helpgen.render.fingerprints import Fingerprinter
from helpgen.render.pages import Page, SiteSettings, plan_pages
from helpgen.render.seo import PageHead, add_head_data

SETTINGS = SiteSettings(title="Kettle Help", base_url="https://help.example/")
LINKING = "install-the-kettle-mobile-app-ksbx4yuw"  # its body links to the two below
LINKED = "recognise-phishing-emails-nrzzunwc"
UNLINKED = "scan-receipts-and-track-expenses-0lvfeoxe"


def planned(snapshot, settings: SiteSettings = SETTINGS) -> list[Page]:
    pages, _ = plan_pages(snapshot, settings, BodyRenderer())
    return add_head_data(pages, settings)


def fingerprints(pages: list[Page], fingerprinter: Fingerprinter | None = None) -> dict[str, str]:
    fingerprinter = fingerprinter or Fingerprinter()
    return {p.path: fingerprinter.page_record(p, "settings", "templates").fingerprint for p in pages}


def article_page(pages: list[Page], slug_prefix: str) -> Page:
    return next(p for p in pages if p.kind == "article" and p.context["article"].slug.startswith(slug_prefix))


def renamed(snapshot, slug: str):
    return replace(snapshot, articles=tuple(replace(a, slug=a.slug + "-v2") if a.slug == slug else a for a in snapshot.articles))


def test_equal_inputs_give_equal_fingerprints_whatever_the_sharing_and_order(example_snapshot) -> None:
    first, second = planned(example_snapshot), planned(example_snapshot)  # equal values, distinct objects
    expected = fingerprints(first)
    assert len(set(expected.values())) == len(expected)  # no two pages alike
    assert fingerprints(second) == expected
    # One fingerprinter, pages in reverse order (a second worker starts mid-list): same results.
    shared = Fingerprinter()
    assert fingerprints(list(reversed(second)), shared) == expected
    assert fingerprints(first, shared) == expected  # tokens remembered from other objects do not leak


@pytest.mark.parametrize(
    "change",
    [
        "category name inside the article",
        "tag",
        "title in a list of links",
        "breadcrumb",
        "body text",
        "page description",
    ],
)
def test_any_change_a_reader_sees_changes_the_fingerprint(example_snapshot, change: str) -> None:
    pages = planned(example_snapshot)
    page = next(p for p in pages if p.kind == "article" and p.context["more_in_category"] and p.context["article"].tags)
    context = dict(page.context)
    article = context["article"]
    if change == "category name inside the article":
        context["article"] = replace(article, category=replace(article.category, name=article.category.name + "!"))
    elif change == "tag":
        context["article"] = replace(article, tags=article.tags[:-1] + (article.tags[-1] + "s",))
    elif change == "title in a list of links":
        links = list(context["more_in_category"])
        links[-1] = replace(links[-1], title=links[-1].title + " (new)")
        context["more_in_category"] = links
    elif change == "breadcrumb":
        crumbs = list(context["breadcrumbs"])
        crumbs[-1] = replace(crumbs[-1], title=crumbs[-1].title.upper())
        context["breadcrumbs"] = crumbs
    elif change == "body text":
        html = article.html
        context["article"] = replace(article, html=type(html)(html.kind, html.markdown + "\nMore.", html.resolver, html.renderer))
    changed = replace(page, context=context, description=page.description + "." if change == "page description" else page.description)
    fingerprinter = Fingerprinter()
    before = fingerprinter.page_record(page, "s", "t")
    after = fingerprinter.page_record(changed, "s", "t")
    assert after.fingerprint != before.fingerprint
    # Only the page's own article counts as its own content (the manifest's "content changed").
    own_change = change in ("category name inside the article", "tag", "body text")
    assert (after.own != before.own) == own_change


def test_a_body_fingerprint_follows_where_its_links_lead(example_snapshot) -> None:
    def body_token(snapshot):
        return Fingerprinter().token(article_page(planned(snapshot), LINKING).context["article"].html)

    before = body_token(example_snapshot)
    assert before == body_token(example_snapshot)
    assert body_token(renamed(example_snapshot, UNLINKED)) == before  # a page it does not link to
    assert body_token(renamed(example_snapshot, LINKED)) != before  # a page it links to moved


def test_the_head_is_built_only_when_read_and_its_feeds_are_in_the_fingerprint(example_snapshot) -> None:
    pages = planned(example_snapshot)
    page = article_page(pages, LINKING)
    head = page.context["head"]
    assert isinstance(head, PageHead) and head._data is None  # nothing built while planning
    record = Fingerprinter().page_record(page, "s", "t")
    assert head._data is None  # nor while fingerprinting
    assert head.canonical == f"https://help.example/articles/{LINKING}/"
    feeds = [a.path for a in head.alternates if a.type == "application/atom+xml"]
    assert feeds == ["feed.xml", "categories/mobile-apps/feed.xml"]
    # The feeds a head links to are the one thing it shows that is not in the page: a site
    # whose category lost its feed gives the page another fingerprint.
    without_feed = replace(page, context={**page.context, "head": PageHead(head._builder, page)})
    head._builder.feeds.discard("categories/mobile-apps/feed.xml")
    try:
        assert Fingerprinter().page_record(without_feed, "s", "t").fingerprint != record.fingerprint
        assert [a.path for a in without_feed.context["head"].alternates] == ["feed.xml", f"articles/{LINKING}.md"]
    finally:
        head._builder.feeds.add("categories/mobile-apps/feed.xml")


def test_template_hashes_are_remembered_until_a_template_changes(tmp_path) -> None:
    from pathlib import Path

    from helpgen.render.fingerprints import TemplateHasher
    from helpgen.render.templates import find_theme, make_environment

    overrides = tmp_path / "templates"
    overrides.mkdir()
    theme = find_theme("default", tmp_path)
    cache_file = tmp_path / "cache" / "templates.json"

    def hasher() -> TemplateHasher:
        return TemplateHasher(make_environment(theme, overrides), cache_file=cache_file)

    first = hasher()
    expected = {name: first.hash_for(name) for name in ("article.html", "topic.html")}
    first.save()
    again = hasher()
    again.env.parse = None  # a build whose templates did not change parses none of them
    assert {name: again.hash_for(name) for name in expected} == expected

    theme_topic = (Path(theme.lineage[0].templates_dir) / "topic.html").read_text()
    (overrides / "topic.html").write_text(theme_topic.replace("</h1>", " · forum</h1>", 1))
    changed = hasher()
    assert changed.hash_for("topic.html") != expected["topic.html"]
    assert changed.hash_for("article.html") == expected["article.html"]
