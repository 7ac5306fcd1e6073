"""Bad API data: every problem is a warning naming the item, with a fallback; builds go on.

From the JSON (``cstar/_checks.py``: wrong types, nulls, invalid dates) through the whole
snapshot (``content/validate.py``: identity, duplicates, dangling references) to a real build
through the project's cStar test server, where one article's body is not JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.content.validate import check_snapshot
from helpgen.cstar._checks import field_problems, is_timestamp
from helpgen.cstar._models import Article, Category, Comment, Post, PostThread, Topic
from helpgen.testing.cstar_server import CStarTestServer
from tests.conftest import EXAMPLE_SITE

# ------------------------------------------------------------------------------------------
# One object


def test_wrong_types_and_nulls_are_named_with_the_default_used_instead() -> None:
    article = Article.from_api(
        {
            "id": "art_1", "title": "T", "slug": "t", "viewCount": "many", "helpfulCount": "12",
            "notHelpfulCount": 2.5, "isPublic": "yes", "tags": 5, "content": {"markdown": "x"},
            "excerpt": None, "metaDescription": ["a"], "status": None, "updatedAt": "yesterday",
            "publishedAt": 20260101, "readTime": 3,
        }
    )
    assert article.problems == (
        "viewCount: expected a number, got text ('many'); using 0",
        "helpfulCount: expected a number, got text ('12'); using 12",
        "notHelpfulCount: expected a whole number, got 2.5; using 2",
        "isPublic: expected true or false, got text ('yes'); using true",
        "tags: expected a list, got a number (5); using none",
        "content: expected text, got an object; using ''",
        "metaDescription: expected text, got a list; using ''",
        "status: null; using 'published'",
        "updatedAt: not a valid date 'yesterday'; left out",
        "publishedAt: expected a date, got a number (20260101); left out",
        "readTime: expected text, got a number (3); using '3'",
    )
    # The fallbacks the messages promise: never a Python repr on a page.
    assert (article.view_count, article.helpful_count, article.not_helpful_count) == (0, 12, 2)
    assert article.content == "" and article.meta_description is None and article.tags == ()
    assert article.status == "published" and article.read_time == "3"


def test_documented_tolerances_are_not_problems() -> None:
    assert Article.from_api(
        {"id": "a", "title": "T", "slug": "t", "view_count": 3, "category": {"id": "c", "slug": "s"},
         "tags": [{"name": "x"}, "y"], "updated_at": "2026-03-01T09:30:00Z"}
    ).problems == ()
    assert Article.from_api({"id": "a", "title": "T", "slug": "t", "tags": "a, b"}).problems == ()
    assert Category.from_api({"id": "c", "name": "N", "slug": "n", "icon": None, "color": None}).problems == ()
    assert Post.from_api({"id": "p", "title": "T", "slug": "p", "topic": {"slug": "t"}}).problems == ()
    assert Comment.from_api({"id": "c", "body": "b", "authorName": None, "isOfficial": True}).problems == ()
    assert Topic.from_api({"id": "t", "name": "N", "slug": "t"}).problems == ()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-03-01T09:30:00Z", True), ("2026-03-01", True), ("2026-03-01T09:30:00.123+02:00", True),
        ("2026-02-30T00:00:00Z", False), ("yesterday", False), ("", False), ("2026-13-01", False),
    ],
)
def test_timestamps(value: str, valid: bool) -> None:
    assert is_timestamp(value) is valid


def test_infinity_and_nan_fall_back_to_zero() -> None:
    article = Article.from_api(json.loads('{"id": "a", "title": "T", "slug": "t", "viewCount": Infinity, "helpfulCount": NaN}'))
    assert (article.view_count, article.helpful_count) == (0, 0)
    assert len(article.problems) == 2


def test_lone_surrogates_from_json_become_replacement_characters() -> None:
    article = Article.from_api(json.loads('{"id": "a", "title": "x \\ud800 y", "slug": "s\\udfff", "content": "\\ud83d"}'))
    assert article.title == "x \ufffd y" and article.slug == "s\ufffd" and article.content == "\ufffd"
    assert (article.title + article.slug).encode("utf-8")


def test_wrong_container_types_never_crash_a_thread() -> None:
    thread = PostThread.from_api(
        {"post": {"id": "p", "title": "T", "slug": "p", "attachments": 5}, "comments": 7}
    )
    assert thread.comments == () and thread.post.attachments == ()
    assert thread.problems == ("comments: expected a list, got a number (7); using none",)
    assert field_problems("post", {"attachments": [{"url": "x"}, "nope"]}) == (
        "attachments: item 2 is text ('nope'), not an object; left out",
    )


# ------------------------------------------------------------------------------------------
# The whole snapshot


def _check(**content: object) -> tuple[Snapshot, list[str]]:
    return check_snapshot(Snapshot(team="t", **content))  # type: ignore[arg-type]


def test_items_without_identity_get_fallbacks_or_are_left_out() -> None:
    snapshot, warnings = _check(
        articles=(
            Article.from_api({"id": "a1", "title": None, "slug": "s1", "content": "x"}),
            Article.from_api({"id": "a2", "title": "Only a title", "content": "x"}),
            Article.from_api({"title": "No id", "slug": "no-id", "content": "x"}),
            Article.from_api({"content": "nothing else"}),
        )
    )
    assert [(a.id, a.slug, a.title) for a in snapshot.articles] == [
        ("a1", "s1", "Untitled article"),
        ("a2", "Only a title", "Only a title"),
        ("article:no-id", "no-id", "No id"),
    ]
    assert warnings == [
        "article 's1': title is missing or empty; shown as 'Untitled article'",
        "article with id 'a2': slug is missing or empty; using 'Only a title'",
        "article 'no-id': id is missing or empty; using 'article:no-id'",
        "article #4: has no id, slug or title; left out",
    ]


def test_duplicate_ids_are_dropped_and_duplicate_slugs_get_distinct_stable_ones() -> None:
    articles = (
        Article.from_api({"id": "a1", "title": "First", "slug": "same", "content": "1"}),
        Article.from_api({"id": "a1", "title": "Copy", "slug": "copy", "content": "2"}),
        Article.from_api({"id": "a2", "title": "Second", "slug": "same", "content": "3"}),
    )
    snapshot, warnings = _check(articles=articles)
    assert [a.title for a in snapshot.articles] == ["First", "Second"]
    assert snapshot.articles[0].slug == "same"
    renamed = snapshot.articles[1].slug
    assert renamed.startswith("same-") and renamed != "same"
    assert check_snapshot(Snapshot(team="t", articles=articles))[0].articles[1].slug == renamed  # stable
    assert warnings == [
        "article 'copy': has the same id 'a1' as article 'same'; left out",
        f"article 'same': the slug is also used by article 'same' (id 'a1'); this one (id 'a2') is published as {renamed!r}",
    ]


def test_posts_with_bad_references_statuses_and_comments() -> None:
    topic = Topic.from_api({"id": "t1", "name": "T", "slug": "t"})
    thread = PostThread.from_api(
        {
            "post": {"id": "p1", "title": "P", "slug": "p", "topic_id": "t9", "status": "exploded",
                     "created_at": "soon"},
            "comments": [{"id": "c", "body": "1"}, {"id": "c", "body": "2"}, {"body": "3"}],
        }
    )
    snapshot, warnings = _check(topics=(topic,), threads=(thread,))
    (checked,) = snapshot.threads
    assert checked.post.status == "open" and checked.post.topic_id is None and checked.post.created_at is None
    assert [c.body for c in checked.comments] == ["1", "3"]
    assert [c.id for c in checked.comments] == ["c", "p1-3"]
    assert warnings == [
        "post 'p': created_at: not a valid date 'soon'; left out",
        "post 'p': status 'exploded' is unknown; shown as 'open'",
        "post 'p': topic 't9' not found; listed without a topic",
        "comment 'c' on post 'p': has the same id as an earlier comment on the post; left out",
        "comment #3 on post 'p': id is missing or empty; using 'p1-3'",
    ]


def test_bad_category_colours_are_not_used() -> None:
    category = Category.from_api({"id": "c", "name": "N", "slug": "n", "color": "red;x:url(javascript:1)"})
    snapshot, warnings = _check(categories=(category,))
    assert snapshot.categories[0].color is None
    assert warnings == ["category 'n': color 'red;x:url(javascript:1)' is not a #hex colour; not used"]


def test_a_clean_snapshot_has_no_warnings() -> None:
    snapshot = load_snapshot(EXAMPLE_SITE / "snapshot")
    checked, warnings = check_snapshot(snapshot)
    assert warnings == []
    assert checked == snapshot


def test_entries_that_are_not_objects_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "categories.json").write_text('[null, {"id": "c", "name": "N", "slug": "n"}]')
    (tmp_path / "library" / "articles.json").write_text('[7, "x", {"id": "a", "title": "T", "slug": "t", "content": ""}]')
    snapshot = load_snapshot(tmp_path)
    assert len(snapshot.categories) == 1 and len(snapshot.articles) == 1
    _, warnings = check_snapshot(snapshot)
    assert warnings == [
        f"{tmp_path / 'library/categories.json'}: item 1 is not an object (NoneType); left out",
        f"{tmp_path / 'library/articles.json'}: item 1 is not an object (int); left out",
        f"{tmp_path / 'library/articles.json'}: item 2 is not an object (str); left out",
    ]


# ------------------------------------------------------------------------------------------
# Through the API, over HTTP

LIB = "/api/library/kettle"
COMMUNITY = "/api/community/kettle"


def test_bad_api_data_over_http_is_reported_and_the_build_goes_on(tmp_path: Path) -> None:
    snapshot = load_snapshot(EXAMPLE_SITE / "snapshot")
    first, second, third = snapshot.articles[:3]
    listed = [
        {**first.to_api(with_content=False), "viewCount": "lots", "updatedAt": "not a date"},
        {**second.to_api(with_content=False), "title": None},
        third.to_api(with_content=False),
    ]
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        server.script(
            "GET", f"{LIB}/articles",
            json={"success": True, "data": listed,
                  "pagination": {"page": 1, "limit": 100, "total": 3, "totalPages": 1, "hasMore": False}},
            times=None,
        )
        # One article's body is a proxy's HTML page; one thread is JSON of the wrong shape.
        server.script("GET", f"{LIB}/articles/{second.slug}", body=b"<html>Bad gateway</html>",
                      headers={"Content-Type": "text/html"}, times=None)
        post = snapshot.threads[0].post
        server.script("GET", f"{COMMUNITY}/posts/{post.slug}", json={"success": True, "data": ["not", "a", "thread"]},
                      times=None)
        out = tmp_path / "out"
        config = load_config(
            tmp_path,
            overrides={"team": "kettle", "api_url": server.url, "out_dir": out, "cache_dir": tmp_path / "cache",
                       "max_retries": 0},
            environ={},
        )
        report = build_site(config)
    warnings = "\n".join(report.warnings)
    assert f"article {first.slug!r}: viewCount: expected a number, got text ('lots'); using 0" in warnings
    assert f"article {first.slug!r}: updatedAt: not a valid date 'not a date'; left out" in warnings
    assert f"article {second.slug!r}: title is missing or empty; shown as 'Untitled article'" in warnings
    assert f"article {second.slug!r}: its text could not be fetched (" in warnings
    assert "response body is not JSON" in warnings and "published without its text" in warnings
    assert f"post {post.slug!r}: its comments could not be fetched (" in warnings
    # The build went on: every listed article and the post have their page.
    assert (out / "articles" / second.slug / "index.html").is_file()
    assert (out / "community" / "posts" / post.slug / "index.html").is_file()
    assert report.articles == 3
