"""The strict cStar test server: contract shapes, errors, faults, ETags, budget, CORS, records."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from helpgen.content.snapshot import Snapshot, save_snapshot
from helpgen.cstar._models import (
    Article,
    Category,
    Comment,
    LibraryStats,
    Post,
    PostThread,
    Topic,
)
from helpgen.testing.cstar_server import DEFAULT_TEAM_ID, CStarTestServer

REPO = Path(__file__).resolve().parent.parent
LIB = "/api/library/acme"
COM = "/api/community/acme"
REQUEST_ID = re.compile(r"^req_[0-9a-f]+$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ERROR_KEYS = {"type", "code", "message", "doc_url", "request_id"}


# --------------------------------------------------------------------------- fixtures


def _article(n: int, **changes: Any) -> Article:
    base = Article(
        id=f"art_{n:03d}",
        title=f"Guide number {n}",
        slug=f"guide-{n}",
        excerpt=f"Excerpt of guide {n}.",
        content=f"# Guide {n}\n\nSome text for guide {n}.",
        category_id="cat_start" if n % 2 else "cat_billing",
        category_slug="getting-started" if n % 2 else "billing",
        category_name="Getting started" if n % 2 else "Billing",
        tags=("guide",),
        view_count=n * 10,
        read_time="2 min",
        published_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
        updated_at=f"2026-02-{n % 28 + 1:02d}T00:00:00Z",
    )
    return replace(base, **changes)


def make_snapshot(title_of_first: str = "Reset your password") -> Snapshot:
    """25 public articles, a draft, a private one; 2 topics and 5 posts."""
    articles = [
        _article(
            0,
            title=title_of_first,
            slug="reset-password",
            excerpt="Forgot your password? Reset it here.",
            content="Open settings and choose *Reset password*. The password link expires.",
            view_count=5,
        ),
        _article(
            1,
            title="Billing FAQ",
            slug="billing-faq",
            excerpt="Invoices and payments.",
            content="Your password is never shown on an invoice.",
            view_count=999,
        ),
        _article(2, title="Uncategorised note", slug="loose-note", category_id=None,
                 category_slug=None, category_name=None),
    ]
    articles += [_article(n) for n in range(3, 25)]
    articles += [
        _article(90, slug="draft-notes", status="draft"),
        _article(91, slug="internal-only", is_public=False),
    ]
    categories = (
        Category(id="cat_billing", name="Billing", slug="billing", sort_order=2, article_count=12),
        Category(id="cat_account", name="Account", slug="account", sort_order=2),
        Category(id="cat_start", name="Getting started", slug="getting-started", sort_order=1,
                 color="#7c3aed", article_count=12),
        Category(id="cat_internal", name="Internal", slug="internal", sort_order=0,
                 is_public=False),
    )
    by_slug = {a.slug: a for a in articles}
    popular = tuple(by_slug[s].summary() for s in ("billing-faq", "guide-24", "guide-23"))
    topics = (
        Topic(id="top_ideas", name="Ideas", slug="ideas", sort_order=1, post_count=3),
        Topic(id="top_bugs", name="Bugs", slug="bugs", sort_order=2, post_count=2),
    )

    def thread(slug: str, topic: str, created: str, votes: int, comments: int,
               title: str, body: str = "Body text", thread_comments: tuple[Comment, ...] = ()
               ) -> PostThread:
        post = Post(
            id=f"post_{slug}", title=title, slug=slug, body=body, topic_id=f"top_{topic}",
            topic_slug=topic, vote_count=votes, comment_count=comments,
            author_name="Customer", created_at=created, updated_at=created,
        )
        return PostThread(post=post, comments=thread_comments)

    threads = (
        thread("dark-mode", "ideas", "2026-03-05T10:00:00Z", 40, 2, "Dark mode please",
               body="Dark mode for the widget <script>alert(1)</script>",
               thread_comments=(
                   Comment(id="c2", body="Planned!", author_name="Agent", is_official=True,
                           created_at="2026-03-06T10:00:00Z"),
                   Comment(id="c1", body="+1", author_name="Someone",
                           created_at="2026-03-05T11:00:00Z"),
               )),
        thread("export-csv", "ideas", "2026-03-04T10:00:00Z", 5, 9, "Export to CSV"),
        thread("login-loop", "bugs", "2026-03-03T10:00:00+00:00", 12, 0, "Login loop on Safari",
               body="The login page reloads forever. Login is impossible."),
        thread("api-keys", "ideas", "2026-03-01T10:00:00Z", 1, 1, "Scoped API keys"),
        thread("slow-search", "bugs", "2026-03-02T10:00:00Z", 7, 3, "Slow search"),
    )
    return Snapshot(
        team="acme",
        categories=categories,
        articles=tuple(articles),
        popular=popular,
        stats=LibraryStats(total_articles=25, total_categories=2, total_views=4242),
        topics=topics,
        threads=threads,
        pulled_at="2026-03-10T00:00:00Z",
    )


PUBLIC_SLUGS = ["reset-password", "billing-faq", "loose-note"] + [f"guide-{n}" for n in range(3, 25)]


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    return save_snapshot(make_snapshot(), tmp_path / "snapshot")


@pytest.fixture
def server(snapshot_dir: Path) -> Iterator[CStarTestServer]:
    with CStarTestServer(snapshot_dir) as srv:
        yield srv


@pytest.fixture
def client(server: CStarTestServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


def ok(response: httpx.Response) -> Any:
    """Assert a contract success envelope and return its ``data``."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["success"] is True
    assert REQUEST_ID.match(body["meta"]["requestId"])
    assert TIMESTAMP.match(body["meta"]["timestamp"])
    return body["data"]


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert a contract error body with ``status`` and return its ``error`` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    err = body["error"]
    assert ERROR_KEYS <= set(err)
    assert REQUEST_ID.match(err["request_id"])
    assert err["doc_url"].endswith("#" + err["code"])
    return err


# --------------------------------------------------------------------------- library


def test_categories_are_public_only_ordered_by_sort_order_then_name(client: httpx.Client) -> None:
    response = client.get(f"{LIB}/categories")
    assert set(response.json()) == {"success", "data", "meta"}
    data = ok(response)
    assert [c["slug"] for c in data] == ["getting-started", "account", "billing"]
    assert data[0] == make_snapshot().categories[2].to_api()
    assert data[0]["color"] == "#7c3aed" and data[0]["sortOrder"] == 1


def test_articles_first_page_defaults_and_pagination(client: httpx.Client) -> None:
    response = client.get(f"{LIB}/articles")
    data = ok(response)
    body = response.json()
    assert list(body) == ["success", "data", "pagination", "meta"]
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 25, "totalPages": 2, "hasMore": True}
    assert [a["slug"] for a in data] == PUBLIC_SLUGS[:20]
    assert all("content" not in a for a in data)
    expected = make_snapshot().articles[0].to_api(with_content=False)
    assert data[0] == expected


def test_articles_pages_walk_the_whole_list_in_order(client: httpx.Client) -> None:
    slugs: list[str] = []
    page = 1
    while True:
        body = client.get(f"{LIB}/articles", params={"page": page, "limit": 7}).json()
        slugs += [a["slug"] for a in body["data"]]
        assert body["pagination"]["page"] == page
        assert body["pagination"]["totalPages"] == 4
        if not body["pagination"]["hasMore"]:
            break
        page += 1
    assert page == 4
    assert slugs == PUBLIC_SLUGS


def test_articles_page_past_the_end_is_empty(client: httpx.Client) -> None:
    body = client.get(f"{LIB}/articles", params={"page": 9, "limit": 10}).json()
    assert body["data"] == []
    assert body["pagination"] == {"page": 9, "limit": 10, "total": 25, "totalPages": 3, "hasMore": False}


def test_articles_filter_by_category_slug(client: httpx.Client) -> None:
    body = client.get(f"{LIB}/articles", params={"category": "billing", "limit": 100}).json()
    slugs = [a["slug"] for a in body["data"]]
    assert slugs == ["reset-password"] + [f"guide-{n}" for n in range(4, 25, 2)]
    assert all(a["categorySlug"] == "billing" for a in body["data"])
    assert body["pagination"]["total"] == 12
    empty = client.get(f"{LIB}/articles", params={"category": "nope"}).json()
    assert empty["data"] == [] and empty["pagination"]["total"] == 0
    assert empty["pagination"]["hasMore"] is False


def test_article_by_slug_has_content(client: httpx.Client) -> None:
    data = ok(client.get(f"{LIB}/articles/reset-password"))
    assert data == make_snapshot().articles[0].to_api()
    assert data["content"].startswith("Open settings")


@pytest.mark.parametrize("slug", ["no-such-article", "draft-notes", "internal-only"])
def test_unknown_draft_or_private_article_is_404(client: httpx.Client, slug: str) -> None:
    err = error(client.get(f"{LIB}/articles/{slug}"), 404)
    assert err["type"] == "not_found_error"
    assert err["code"] == "resource_missing"
    assert "param" not in err and "retryAfter" not in err


def test_popular_follows_popular_json_then_view_count(client: httpx.Client) -> None:
    data = ok(client.get(f"{LIB}/popular"))
    assert [a["slug"] for a in data] == ["billing-faq", "guide-24", "guide-23", "guide-22", "guide-21"]
    assert all("content" not in a for a in data)
    two = ok(client.get(f"{LIB}/popular", params={"limit": 2}))
    assert [a["slug"] for a in two] == ["billing-faq", "guide-24"]


def test_popular_without_popular_json_sorts_by_view_count(tmp_path: Path) -> None:
    folder = save_snapshot(replace(make_snapshot(), popular=()), tmp_path / "snap")
    (folder / "library" / "popular.json").unlink()
    with CStarTestServer(folder) as srv:
        data = ok(httpx.get(f"{srv.url}{LIB}/popular", params={"limit": 3}))
    assert [a["slug"] for a in data] == ["billing-faq", "guide-24", "guide-23"]
    assert [a["viewCount"] for a in data] == [999, 240, 230]


def test_stats_from_stats_json(client: httpx.Client) -> None:
    assert ok(client.get(f"{LIB}/stats")) == {
        "totalArticles": 25,
        "totalCategories": 2,
        "totalViews": 4242,
    }


def test_stats_computed_when_stats_json_is_absent(tmp_path: Path) -> None:
    folder = save_snapshot(make_snapshot(), tmp_path / "snap")
    (folder / "library" / "stats.json").unlink()
    with CStarTestServer(folder) as srv:
        data = ok(httpx.get(f"{srv.url}{LIB}/stats"))
    views = sum(a.view_count for a in make_snapshot().articles if a.slug in PUBLIC_SLUGS)
    assert data == {"totalArticles": 25, "totalCategories": 3, "totalViews": views}


def test_search_ranks_title_matches_first_and_counts_all(client: httpx.Client) -> None:
    response = client.get(f"{LIB}/search", params={"q": "PASSWORD"})
    data = ok(response)
    body = response.json()
    assert list(body) == ["success", "data", "count", "meta"]
    assert [a["slug"] for a in data] == ["reset-password", "billing-faq"]
    assert body["count"] == 2
    assert all("content" not in a for a in data)


def test_search_prefers_documents_matching_more_words_and_honours_limit(client: httpx.Client) -> None:
    body = client.get(f"{LIB}/search", params={"q": "guide 7", "limit": 3}).json()
    assert body["data"][0]["slug"] == "guide-7"
    assert len(body["data"]) == 3
    assert body["count"] == 23  # "loose-note" and guide-3..24 all mention "guide"
    none = client.get(f"{LIB}/search", params={"q": "zebra"}).json()
    assert none["data"] == [] and none["count"] == 0


# --------------------------------------------------------------------------- community


def test_topics(client: httpx.Client) -> None:
    data = ok(client.get(f"{COM}/topics"))
    assert data == [t.to_api() for t in make_snapshot().topics]
    assert set(data[0]) == {"id", "name", "slug", "description", "sort_order", "post_count"}


def test_posts_default_recent_first_with_count(client: httpx.Client) -> None:
    response = client.get(f"{COM}/posts")
    data = ok(response)
    assert set(data) == {"posts", "count"}
    assert data["count"] == 5
    assert [p["slug"] for p in data["posts"]] == [
        "dark-mode", "export-csv", "login-loop", "slow-search", "api-keys",
    ]
    assert data["posts"][0]["body"].startswith("Dark mode")
    assert data["posts"][0]["vote_count"] == 40  # snake_case


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("votes", ["dark-mode", "login-loop", "slow-search", "export-csv", "api-keys"]),
        ("comments", ["export-csv", "slow-search", "dark-mode", "api-keys", "login-loop"]),
        ("recent", ["dark-mode", "export-csv", "login-loop", "slow-search", "api-keys"]),
    ],
)
def test_posts_sorts(client: httpx.Client, sort: str, expected: list[str]) -> None:
    data = ok(client.get(f"{COM}/posts", params={"sort": sort}))
    assert [p["slug"] for p in data["posts"]] == expected


def test_posts_topic_limit_offset(client: httpx.Client) -> None:
    data = ok(client.get(f"{COM}/posts", params={"topic": "ideas", "sort": "votes", "limit": 1, "offset": 1}))
    assert [p["slug"] for p in data["posts"]] == ["export-csv"]
    assert data["count"] == 3
    past = ok(client.get(f"{COM}/posts", params={"topic": "bugs", "offset": 5}))
    assert past == {"posts": [], "count": 2}
    assert ok(client.get(f"{COM}/posts", params={"topic": "nope"})) == {"posts": [], "count": 0}


def test_post_thread_comments_oldest_first(client: httpx.Client) -> None:
    data = ok(client.get(f"{COM}/posts/dark-mode"))
    assert set(data) == {"post", "comments"}
    assert data["post"] == make_snapshot().threads[0].post.to_api()
    assert [c["id"] for c in data["comments"]] == ["c1", "c2"]
    assert data["comments"][1]["is_official"] is True


def test_unknown_post_is_404(client: httpx.Client) -> None:
    assert error(client.get(f"{COM}/posts/nope"), 404)["code"] == "resource_missing"


def test_community_search(client: httpx.Client) -> None:
    body = client.get(f"{COM}/search", params={"q": "login"}).json()
    assert [p["slug"] for p in body["data"]] == ["login-loop"]
    assert body["count"] == 1
    assert body["data"][0]["body"].startswith("The login page")


# --------------------------------------------------------------------------- errors and routing


@pytest.mark.parametrize(
    ("path", "params", "param", "code"),
    [
        (f"{LIB}/articles", {"limit": "0"}, "limit", "parameter_invalid"),
        (f"{LIB}/articles", {"limit": "101"}, "limit", "parameter_invalid"),
        (f"{LIB}/articles", {"limit": "ten"}, "limit", "parameter_invalid"),
        (f"{LIB}/articles", {"limit": ""}, "limit", "parameter_invalid"),
        (f"{LIB}/articles", {"page": "0"}, "page", "parameter_invalid"),
        (f"{LIB}/articles", {"page": "-1"}, "page", "parameter_invalid"),
        (f"{LIB}/articles", {"page": "1.5"}, "page", "parameter_invalid"),
        (f"{LIB}/search", {}, "q", "parameter_missing"),
        (f"{LIB}/search", {"q": "   "}, "q", "parameter_missing"),
        (f"{LIB}/search", {"q": "x", "limit": "51"}, "limit", "parameter_invalid"),
        (f"{LIB}/popular", {"limit": "51"}, "limit", "parameter_invalid"),
        (f"{COM}/posts", {"sort": "hot"}, "sort", "parameter_invalid"),
        (f"{COM}/posts", {"offset": "-1"}, "offset", "parameter_invalid"),
        (f"{COM}/posts", {"limit": "101"}, "limit", "parameter_invalid"),
        (f"{COM}/search", {}, "q", "parameter_missing"),
        (f"{COM}/search", {"q": "a", "limit": "0"}, "limit", "parameter_invalid"),
    ],
)
def test_bad_parameters_are_400_naming_the_param(
    client: httpx.Client, path: str, params: dict[str, str], param: str, code: str
) -> None:
    err = error(client.get(path, params=params), 400)
    assert err["type"] == "invalid_request_error"
    assert err["code"] == code
    assert err["param"] == param


def test_limits_at_the_max_are_accepted(client: httpx.Client) -> None:
    assert len(ok(client.get(f"{LIB}/articles", params={"limit": 100}))) == 25
    assert len(ok(client.get(f"{LIB}/popular", params={"limit": 50}))) == 25
    assert ok(client.get(f"{COM}/posts", params={"limit": 100}))["count"] == 5


def test_unknown_team_is_404(client: httpx.Client) -> None:
    for path in ("/api/library/other/categories", "/api/community/other/topics",
                 f"/api/library/{DEFAULT_TEAM_ID[:-4]}ffff/stats"):
        err = error(client.get(path), 404)
        assert err["code"] == "resource_missing"
        assert "other" in err["message"] or "team" in err["message"].lower()


def test_team_uuid_is_accepted_in_place_of_the_slug(client: httpx.Client) -> None:
    by_slug = ok(client.get(f"{LIB}/articles/reset-password"))
    assert ok(client.get(f"/api/library/{DEFAULT_TEAM_ID}/articles/reset-password")) == by_slug
    assert ok(client.get(f"/api/library/{DEFAULT_TEAM_ID.upper()}/stats"))["totalArticles"] == 25
    assert ok(client.get(f"/api/community/{DEFAULT_TEAM_ID}/posts"))["count"] == 5


def test_custom_team_and_team_id(snapshot_dir: Path) -> None:
    uuid = "11111111-2222-3333-4444-555555555555"
    with CStarTestServer(snapshot_dir, team="globex", team_id=uuid) as srv, httpx.Client(base_url=srv.url) as c:
        assert srv.team == "globex"
        assert ok(c.get(f"/api/library/{uuid}/stats"))["totalViews"] == 4242
        assert ok(c.get("/api/library/globex/stats"))["totalViews"] == 4242
        assert c.get("/api/library/acme/stats").status_code == 404
        assert c.get(f"/api/library/{DEFAULT_TEAM_ID}/stats").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/", "/api", "/api/library/acme", "/api/library/acme/nope", "/api/library/acme/articles/",
     "/api/library/acme/articles/reset-password/extra", "/api/other/acme/stats",
     "/api/community/acme/articles"],
)
def test_unknown_routes_are_404(client: httpx.Client, path: str) -> None:
    assert error(client.get(path), 404)["code"] == "resource_missing"


def test_wrong_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.post(f"{LIB}/articles")
    err = error(response, 405)
    assert err["type"] == "invalid_request_error"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.get(f"{LIB}/articles/reset-password/view").status_code == 405


def test_head_has_headers_and_no_body(client: httpx.Client) -> None:
    get = client.get(f"{LIB}/stats")
    head = client.head(f"{LIB}/stats")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)


# --------------------------------------------------------------------------- views, feedback, CORS


def test_record_view(server: CStarTestServer, client: httpx.Client) -> None:
    response = client.post(f"{LIB}/articles/reset-password/view")
    assert ok(response) == {"success": True}
    assert response.headers["access-control-allow-origin"] == "*"
    client.post(f"/api/library/{DEFAULT_TEAM_ID}/articles/billing-faq/view")
    assert server.views == ["reset-password", "billing-faq"]
    missing = client.post(f"{LIB}/articles/nope/view")
    assert error(missing, 404)["code"] == "resource_missing"
    assert missing.headers["access-control-allow-origin"] == "*"
    assert server.views == ["reset-password", "billing-faq"]


def test_submit_feedback(server: CStarTestServer, client: httpx.Client) -> None:
    response = client.post(f"{LIB}/articles/billing-faq/feedback", json={"isHelpful": True})
    assert ok(response) == {"success": True}
    assert response.headers["access-control-allow-origin"] == "*"
    text = "x" * 2000
    ok(client.post(f"{LIB}/articles/billing-faq/feedback",
                   json={"isHelpful": False, "feedbackText": text}))
    assert server.feedback == [
        ("billing-faq", {"isHelpful": True}),
        ("billing-faq", {"isHelpful": False, "feedbackText": text}),
    ]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (b"", "isHelpful", "parameter_missing"),
        (b"{}", "isHelpful", "parameter_missing"),
        (b'{"isHelpful": "yes"}', "isHelpful", "parameter_invalid"),
        (b'{"isHelpful": 1}', "isHelpful", "parameter_invalid"),
        (b'{"isHelpful": true, "feedbackText": 5}', "feedbackText", "parameter_invalid"),
        (json.dumps({"isHelpful": True, "feedbackText": "x" * 2001}).encode(), "feedbackText",
         "parameter_invalid"),
        (b"not json", None, "parameter_invalid"),
        (b"[true]", None, "parameter_invalid"),
    ],
)
def test_bad_feedback_is_400_and_not_recorded(
    server: CStarTestServer, client: httpx.Client, body: bytes, param: str | None, code: str
) -> None:
    response = client.post(
        f"{LIB}/articles/billing-faq/feedback", content=body,
        headers={"Content-Type": "application/json"},
    )
    err = error(response, 400)
    assert err["code"] == code
    assert err.get("param") == param
    assert response.headers["access-control-allow-origin"] == "*"
    assert server.feedback == []


def test_feedback_for_unknown_article_is_404(server: CStarTestServer, client: httpx.Client) -> None:
    assert client.post(f"{LIB}/articles/draft-notes/feedback", json={"isHelpful": True}).status_code == 404
    assert server.feedback == []


@pytest.mark.parametrize("action", ["view", "feedback"])
def test_cors_preflight(client: httpx.Client, action: str) -> None:
    response = client.options(
        f"{LIB}/articles/reset-password/{action}",
        headers={"Origin": "https://help.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert response.headers["access-control-allow-headers"] == "Content-Type"


def test_get_responses_do_not_claim_cors(client: httpx.Client) -> None:
    assert "access-control-allow-origin" not in client.get(f"{LIB}/stats").headers


# --------------------------------------------------------------------------- rate-limit headers and budget


def _rate_headers(response: httpx.Response) -> tuple[int, int, int, int]:
    h = response.headers
    return (int(h["x-ratelimit-limit"]), int(h["x-ratelimit-remaining"]),
            int(h["x-ratelimit-reset"]), int(h["x-ratelimit-window"]))


def test_every_response_carries_rate_limit_headers(client: httpx.Client) -> None:
    responses = [
        client.get(f"{LIB}/stats"),
        client.get(f"{LIB}/articles/nope"),
        client.get(f"{LIB}/articles", params={"limit": 0}),
        client.post(f"{LIB}/articles/reset-password/view"),
        client.options(f"{LIB}/articles/reset-password/view"),
        client.get("/unknown"),
    ]
    now = time.time()
    remaining = []
    for response in responses:
        limit, left, reset, window = _rate_headers(response)
        assert window == 3600
        assert now < reset <= now + 3601
        remaining.append(left)
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == len(remaining)


def test_rate_limit_budget_counts_down_then_429_until_the_window_resets(
    server: CStarTestServer, client: httpx.Client
) -> None:
    server.faults.rate_limit_window = 1
    server.faults.rate_limit = 3
    lefts = [_rate_headers(client.get(f"{LIB}/stats"))[:2] for _ in range(3)]
    assert lefts == [(3, 2), (3, 1), (3, 0)]
    refused = client.get(f"{LIB}/stats")
    err = error(refused, 429)
    assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded"
    assert refused.headers["retry-after"] == "1" and err["retryAfter"] == 1
    assert _rate_headers(refused)[1] == 0
    assert client.get(f"{LIB}/articles/reset-password").status_code == 429
    time.sleep(1.1)
    fresh = client.get(f"{LIB}/stats")
    assert fresh.status_code == 200
    assert _rate_headers(fresh)[:2] == (3, 2)


def test_rate_limit_retry_after_is_seconds_to_reset(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.rate_limit = 0
    response = client.get(f"{LIB}/stats")
    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 3590 <= retry <= 3600
    assert response.json()["error"]["retryAfter"] == retry
    server.faults.rate_limit = None
    assert client.get(f"{LIB}/stats").status_code == 200


# --------------------------------------------------------------------------- ETags


def test_etag_and_304(client: httpx.Client) -> None:
    first = client.get(f"{LIB}/articles")
    second = client.get(f"{LIB}/articles")
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert second.headers["etag"] == etag
    assert first.json()["meta"]["requestId"] != second.json()["meta"]["requestId"]
    cached = client.get(f"{LIB}/articles", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    assert "x-ratelimit-remaining" in cached.headers
    assert client.get(f"{LIB}/articles", headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    other = client.get(f"{LIB}/articles", params={"page": 2})
    assert other.headers["etag"] != etag
    assert client.get(f"{LIB}/articles", params={"page": 2},
                      headers={"If-None-Match": etag}).status_code == 200


def test_etags_can_be_switched_off(server: CStarTestServer, client: httpx.Client) -> None:
    etag = client.get(f"{LIB}/stats").headers["etag"]
    server.faults.etags = False
    response = client.get(f"{LIB}/stats", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "etag" not in response.headers


def test_errors_and_posts_carry_no_etag(client: httpx.Client) -> None:
    assert "etag" not in client.get(f"{LIB}/articles/nope").headers
    assert "etag" not in client.post(f"{LIB}/articles/reset-password/view").headers


def test_reload_serves_changed_content_with_a_new_etag(server: CStarTestServer, client: httpx.Client,
                                                       snapshot_dir: Path) -> None:
    before = client.get(f"{LIB}/articles/reset-password")
    save_snapshot(make_snapshot(title_of_first="Change your password"), snapshot_dir)
    server.reload()
    after = client.get(f"{LIB}/articles/reset-password",
                       headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["data"]["title"] == "Change your password"
    assert after.headers["etag"] != before.headers["etag"]


def test_reload_from_another_folder(server: CStarTestServer, client: httpx.Client, tmp_path: Path) -> None:
    smaller = replace(make_snapshot(), articles=make_snapshot().articles[:2])
    server.reload(save_snapshot(smaller, tmp_path / "other"))
    assert client.get(f"{LIB}/articles").json()["pagination"]["total"] == 2
    assert client.get(f"{LIB}/articles/guide-5").status_code == 404


# --------------------------------------------------------------------------- faults


def test_latency(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.latency = 0.3
    started = time.perf_counter()
    assert client.get(f"{LIB}/stats").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_fail_next_json(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.fail_next(2)
    for _ in range(2):
        response = client.get(f"{LIB}/stats")
        err = error(response, 503)
        assert err["type"] == "api_error" and err["code"] == "internal_error"
        assert "x-ratelimit-limit" in response.headers
    assert client.get(f"{LIB}/stats").status_code == 200


def test_fail_next_html_proxy_page(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.fail_next(1, status=502, html=True)
    response = client.get(f"{LIB}/stats")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_fail_next_only_on_matching_paths(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.fail_next(1, status=500, path_contains="/articles/guide-7")
    assert client.get(f"{LIB}/articles/guide-6").status_code == 200
    assert client.get(f"{LIB}/stats").status_code == 200
    assert client.get(f"{LIB}/articles/guide-7").status_code == 500
    assert client.get(f"{LIB}/articles/guide-7").status_code == 200


def test_fail_next_rejects_non_5xx(server: CStarTestServer) -> None:
    with pytest.raises(ValueError):
        server.faults.fail_next(1, status=404)
    with pytest.raises(ValueError):
        server.faults.drop_next(-1)


def test_rate_limit_next(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.rate_limit_next(1, retry_after=7)
    response = client.get(f"{LIB}/stats")
    err = error(response, 429)
    assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded"
    assert err["retryAfter"] == 7 and response.headers["retry-after"] == "7"
    assert client.get(f"{LIB}/stats").status_code == 200


def test_rate_limit_next_without_retry_after(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.rate_limit_next(1, retry_after=None)
    response = client.get(f"{LIB}/stats")
    err = error(response, 429)
    assert "retryAfter" not in err
    assert "retry-after" not in response.headers


def test_rate_limit_next_legacy_shape(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.rate_limit_next(2, retry_after=60, legacy=True)
    response = client.get(f"{LIB}/stats")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "60"
    assert response.json() == {"error": {"code": "RATE_LIMITED", "message": "Too many requests.",
                                         "retryAfter": 60}}
    server.faults.clear()
    assert client.get(f"{LIB}/stats").status_code == 200


def test_truncate_next(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.truncate_next(1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{LIB}/articles")
    assert server.requests[-1].status == 200
    assert len(ok(client.get(f"{LIB}/articles"))) == 20


def test_truncate_waits_for_a_200(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.truncate_next(1)
    assert client.get(f"{LIB}/articles/nope").status_code == 404
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{LIB}/stats")


def test_drop_next(server: CStarTestServer, client: httpx.Client) -> None:
    server.faults.drop_next(1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{LIB}/stats")
    assert server.requests[-1].status == 0
    assert client.get(f"{LIB}/stats").status_code == 200


def test_faults_clear(server: CStarTestServer, client: httpx.Client) -> None:
    f = server.faults
    f.latency = 5
    f.fail_next(3)
    f.rate_limit_next(3)
    f.truncate_next(3)
    f.drop_next(3)
    f.etags = False
    f.rate_limit = 0
    f.clear()
    response = client.get(f"{LIB}/stats")
    assert response.status_code == 200
    assert "etag" in response.headers
    assert response.elapsed.total_seconds() < 2


# --------------------------------------------------------------------------- scripts and records


def test_script_serves_a_legacy_shape_once(server: CStarTestServer, client: httpx.Client) -> None:
    legacy = [{"id": "art_1", "title": "Old", "slug": "old", "category": "Billing"}]
    server.script("GET", f"{LIB}/articles", json=legacy, headers={"X-Legacy": "1"})
    response = client.get(f"{LIB}/articles", params={"page": 3})
    assert response.status_code == 200
    assert response.json() == legacy
    assert response.headers["x-legacy"] == "1"
    assert response.headers["content-type"].startswith("application/json")
    assert "x-ratelimit-limit" in response.headers
    assert ok(client.get(f"{LIB}/articles"))[0]["slug"] == "reset-password"


def test_script_forever_raw_body_and_header_override(server: CStarTestServer, client: httpx.Client) -> None:
    server.script("GET", f"{LIB}/stats", status=500, body=b"<h1>oops</h1>",
                  headers={"Content-Type": "text/html", "X-RateLimit-Remaining": "0"}, times=None)
    for _ in range(3):
        response = client.get(f"{LIB}/stats")
        assert response.status_code == 500 and response.text == "<h1>oops</h1>"
        assert response.headers["content-type"] == "text/html"
        assert response.headers.get_list("x-ratelimit-remaining") == ["0"]


def test_scripts_queue_in_order_and_match_method(server: CStarTestServer, client: httpx.Client) -> None:
    path = f"{LIB}/articles/old-slug/view"
    server.script("POST", path, json={"success": True}, times=2)
    server.script("POST", path, status=404, json={"success": False, "error": "gone"})
    assert [client.post(path).status_code for _ in range(4)] == [200, 200, 404, 404]
    assert server.views == []
    assert error(client.post(path), 404)["code"] == "resource_missing"


def test_requests_are_recorded(server: CStarTestServer, client: httpx.Client) -> None:
    client.get(f"{LIB}/articles", params={"page": "2", "limit": "5"}, headers={"X-Trace": "abc"})
    client.post(f"{LIB}/articles/guide-3/feedback", json={"isHelpful": False})
    first, second = server.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET", f"{LIB}/articles", {"page": "2", "limit": "5"}, 200)
    assert first.headers["x-trace"] == "abc"
    assert first.body == b""
    assert second.method == "POST" and second.status == 200
    assert json.loads(second.body) == {"isHelpful": False}
    assert server.feedback == [("guide-3", {"isHelpful": False})]
    server.clear_log()
    assert server.requests == [] and server.views == [] and server.feedback == []


def test_recorded_request_is_visible_once_the_response_arrives(
    server: CStarTestServer, client: httpx.Client
) -> None:
    for n in range(20):
        client.get(f"{LIB}/articles/guide-{n + 3}")
        assert len(server.requests) == n + 1


# --------------------------------------------------------------------------- lifecycle


def test_url_requires_start(snapshot_dir: Path) -> None:
    srv = CStarTestServer(snapshot_dir)
    with pytest.raises(RuntimeError):
        srv.url
    srv.stop()  # stopping a server that never started is harmless


def test_stop_is_prompt_closes_keepalive_and_restart_reuses_the_port(snapshot_dir: Path) -> None:
    srv = CStarTestServer(snapshot_dir).start()
    url = srv.url
    with httpx.Client(base_url=url, timeout=2) as c:
        assert c.get(f"{LIB}/stats").status_code == 200  # leaves a kept-alive connection
        started = time.perf_counter()
        srv.stop()
        assert time.perf_counter() - started < 1.0
        with pytest.raises(httpx.TransportError):
            c.get(f"{LIB}/stats")
        srv.start()
        try:
            assert srv.url == url
            assert c.get(f"{LIB}/stats").status_code == 200
        finally:
            srv.stop()
    srv.stop()


def test_concurrent_clients(server: CStarTestServer) -> None:
    failures: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5) as c:
            for page in range(1, 4):
                r = c.get(f"{LIB}/articles", params={"page": page, "limit": 10})
                if r.status_code != 200 or r.json()["pagination"]["page"] != page:
                    failures.append(f"{n}:{page}:{r.status_code}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(server.requests) == 24


def test_keep_alive_reuses_one_connection(server: CStarTestServer) -> None:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        request = f"GET {LIB}/stats HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        reader = sock.makefile("rb")
        for _ in range(2):
            sock.sendall(request)
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200")
            length = 0
            while (line := reader.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert json.loads(reader.read(length))["data"]["totalArticles"] == 25


def test_command_line_serves_in_the_foreground(snapshot_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpgen.testing.cstar_server", str(snapshot_dir),
         "--port", str(port), "--latency", "0.01"],
        cwd=REPO, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}{LIB}/stats", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        assert ok(response)["totalArticles"] == 25
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert f"GET {LIB}/stats -> 200" in stderr
