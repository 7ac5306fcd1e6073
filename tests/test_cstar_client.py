"""The cStar clients over real loopback HTTP, against the project's strict test server.

Every endpoint, pagination to the end, the retry policy (5xx JSON and HTML, truncated bodies,
dropped connections, timeouts, 429 waits), giving up with the right exception, ``max_wait``,
ETag reuse, the User-Agent, each tolerance rule of ``shared/cstar-api.md`` (served through
``server.script``), and request counting over a shared transport. Waits go to a recording
``sleep``, so nothing here really sleeps on the client side.
"""

from __future__ import annotations

import logging
import pickle
import socket
import time
from typing import Any, Callable, Iterator

import pytest

import helpgen
from helpgen.content.snapshot import Snapshot, save_snapshot
from helpgen.cstar import (
    Article,
    Category,
    Comment,
    CommunityClient,
    CStarConnectionError,
    CStarError,
    CStarNotFoundError,
    CStarRateLimitError,
    CStarResponseError,
    CStarTransport,
    LibraryClient,
    LibraryStats,
    Post,
    PostThread,
    Topic,
    TransportStats,
)
from helpgen.testing.cstar_server import DEFAULT_TEAM_ID, CStarTestServer

TEAM = "acme"
LIB = f"/api/library/{TEAM}"
COM = f"/api/community/{TEAM}"
N_ARTICLES = 25  # + the "faq?" article: 26 public articles, 3 pages of 10
N_POSTS = 7


# --------------------------------------------------------------------------- content


def _article(i: int, category: Category | None) -> Article:
    return Article(
        id=f"art_{i:03d}",
        title=f"Article {i}: {'reset password' if i == 3 else 'billing basics'}",
        slug=f"article-{i:02d}",
        excerpt=f"Excerpt {i}",
        content=f"# Article {i}\n\nBody of article {i}.",
        category_id=category.id if category else None,
        category_slug=category.slug if category else None,
        category_name=category.name if category else None,
        tags=("howto",),
        view_count=100 - i,
        helpful_count=i,
        read_time="3 min",
        published_at="2026-03-01T09:30:00Z",
        created_at="2026-03-01T09:30:00Z",
        updated_at=f"2026-03-{1 + i % 27:02d}T10:00:00Z",
    )


def _snapshot() -> Snapshot:
    start = Category(id="cat_1", name="Getting started", slug="getting-started", sort_order=1)
    billing = Category(id="cat_2", name="Billing", slug="billing", sort_order=2, color="#7c3aed")
    hidden = Category(id="cat_3", name="Internal", slug="internal", sort_order=0, is_public=False)
    articles = [_article(i, start if i % 2 else billing) for i in range(1, N_ARTICLES + 1)]
    articles.append(
        Article(id="art_faq", title="FAQ", slug="faq?", content="Questions?", category_slug=None)
    )
    ideas = Topic(id="top_1", name="Ideas", slug="ideas", sort_order=1, post_count=4)
    help_ = Topic(id="top_2", name="Help", slug="help", sort_order=2, post_count=3)
    threads = []
    for i in range(1, N_POSTS + 1):
        topic = ideas if i <= 4 else help_
        post = Post(
            id=f"post_{i}",
            title=f"Post {i} about dark mode" if i == 2 else f"Post {i}",
            slug=f"post-{i}",
            body=f"Body {i} <script>alert(1)</script>",
            topic_id=topic.id,
            topic_slug=topic.slug,
            vote_count=i * 3 % 7,
            comment_count=i % 3,
            author_name=f"Customer {i}",
            created_at=f"2026-04-{i:02d}T08:00:00Z",
            updated_at=f"2026-04-{i:02d}T08:00:00Z",
        )
        comments = (
            Comment(id=f"c{i}b", body="second", created_at=f"2026-05-{i:02d}T12:00:00Z"),
            Comment(
                id=f"c{i}a", body="first", is_official=True, created_at=f"2026-05-{i:02d}T09:00:00Z"
            ),
        )
        threads.append(PostThread(post=post, comments=comments))
    return Snapshot(
        team=TEAM,
        categories=(start, billing, hidden),
        articles=tuple(articles),
        popular=tuple(a.summary() for a in sorted(articles, key=lambda a: -a.view_count)[:10]),
        stats=LibraryStats(total_articles=26, total_categories=2, total_views=1234),
        topics=(ideas, help_),
        threads=tuple(threads),
        pulled_at="2026-11-24T10:00:00Z",
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CStarTestServer]:
    folder = save_snapshot(_snapshot(), tmp_path_factory.mktemp("snapshot"))
    with CStarTestServer(folder) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _fresh(server: CStarTestServer) -> Iterator[None]:
    server.faults.clear()
    server.clear_log()
    yield
    server.faults.clear()
    # Scripts a test did not consume must not leak into the next one.
    with server._scripts_lock:
        server._scripts.clear()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def library(server: CStarTestServer, sleeps: list[float]) -> Iterator[LibraryClient]:
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, timeout=5.0) as client:
        yield client


@pytest.fixture
def community(server: CStarTestServer, sleeps: list[float]) -> Iterator[CommunityClient]:
    with CommunityClient(TEAM, base_url=server.url, sleep=sleeps.append, timeout=5.0) as client:
        yield client


def _exact_transport(server: CStarTestServer, sleeps: list[float], **kw: Any) -> CStarTransport:
    """A transport without jitter, so backoff sleeps can be asserted exactly."""
    return CStarTransport(server.url, sleep=sleeps.append, jitter=0.0, timeout=5.0, **kw)


def _api_requests(server: CStarTestServer) -> list[Any]:
    return [r for r in server.requests if r.path.startswith("/api/")]


# --------------------------------------------------------------------------- library


def test_categories_are_the_public_ones_in_server_order(library: LibraryClient) -> None:
    categories = library.categories()
    assert [c.slug for c in categories] == ["getting-started", "billing"]
    assert categories[1] == Category(
        id="cat_2", name="Billing", slug="billing", sort_order=2, color="#7c3aed"
    )


def test_articles_page_carries_summaries_and_pagination(
    library: LibraryClient, server: CStarTestServer
) -> None:
    page = library.articles(page=2, limit=10)
    assert [a.slug for a in page.items] == [f"article-{i:02d}" for i in range(11, 21)]
    assert all(a.content is None for a in page.items)  # summaries
    assert (page.pagination.page, page.pagination.total, page.pagination.total_pages) == (2, 26, 3)
    assert page.has_more and len(page) == 10
    assert server.requests[-1].query == {"page": "2", "limit": "10"}


def test_articles_filtered_by_category(library: LibraryClient, server: CStarTestServer) -> None:
    page = library.articles("billing", limit=100)
    assert {a.category_slug for a in page.items} == {"billing"}
    assert len(page.items) == 12 and not page.has_more
    assert server.requests[-1].query["category"] == "billing"


def test_iter_articles_follows_pagination_to_the_end(
    library: LibraryClient, server: CStarTestServer
) -> None:
    slugs = [a.slug for a in library.iter_articles(page_size=10)]
    assert slugs == [f"article-{i:02d}" for i in range(1, N_ARTICLES + 1)] + ["faq?"]
    assert [r.query["page"] for r in server.requests] == ["1", "2", "3"]


def test_article_by_slug_has_content_and_quotes_the_slug(
    library: LibraryClient, server: CStarTestServer
) -> None:
    article = library.article("article-03")
    assert article.content == "# Article 3\n\nBody of article 3."
    assert (article.category_slug, article.category_name) == ("getting-started", "Getting started")
    # Unquoted, "?" would start a query string and the server would look up "faq".
    assert library.article("faq?").title == "FAQ"
    assert server.requests[-1].path == f"{LIB}/articles/faq?"
    assert server.requests[-1].query == {}


def test_unknown_article_raises_not_found_at_once(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    with pytest.raises(CStarNotFoundError) as info:
        library.article("nope")
    err = info.value
    assert (err.status_code, err.code, err.error_type) == (
        404,
        "resource_missing",
        "not_found_error",
    )
    assert err.endpoint == f"GET {LIB}/articles/nope"
    assert err.request_id is not None and err.request_id.startswith("req_")
    assert err.doc_url and err.doc_url.endswith("#resource_missing")
    assert str(err) == f"GET {LIB}/articles/nope: 404 resource_missing: No such article: 'nope'."
    assert len(server.requests) == 1 and sleeps == []


def test_team_uuid_is_accepted(server: CStarTestServer, sleeps: list[float]) -> None:
    with LibraryClient(DEFAULT_TEAM_ID, base_url=server.url, sleep=sleeps.append) as client:
        assert len(client.categories()) == 2
    assert server.requests[-1].path == f"/api/library/{DEFAULT_TEAM_ID}/categories"


def test_unknown_team_is_not_found(server: CStarTestServer) -> None:
    with LibraryClient("nobody", base_url=server.url) as client:
        with pytest.raises(CStarNotFoundError, match="No such team"):
            client.stats()


def test_search_returns_best_first_with_count(
    library: LibraryClient, server: CStarTestServer
) -> None:
    results = library.search("reset password", limit=5)
    assert [a.slug for a in results.items] == ["article-03"] and results.count == 1
    assert server.requests[-1].query == {"q": "reset password", "limit": "5"}
    many = library.search("article", limit=5)
    assert len(many.items) == 5 and many.count == N_ARTICLES


def test_popular_and_stats(library: LibraryClient) -> None:
    popular = library.popular_articles(3)
    assert [a.slug for a in popular] == ["article-01", "article-02", "article-03"]
    assert library.stats() == LibraryStats(total_articles=26, total_categories=2, total_views=1234)


def test_record_view_and_feedback_reach_the_server(
    library: LibraryClient, server: CStarTestServer
) -> None:
    library.record_view("article-05")
    library.submit_feedback("article-05", is_helpful=False, feedback_text="Out of date")
    library.submit_feedback("article-06", is_helpful=True)
    assert server.views == ["article-05"]
    assert server.feedback == [
        ("article-05", {"isHelpful": False, "feedbackText": "Out of date"}),
        ("article-06", {"isHelpful": True}),
    ]
    assert [r.method for r in server.requests] == ["POST"] * 3


def test_record_view_of_unknown_article_is_not_found(library: LibraryClient) -> None:
    with pytest.raises(CStarNotFoundError) as info:
        library.record_view("missing")
    assert info.value.endpoint == f"POST {LIB}/articles/missing/view"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.articles(limit=0),
        lambda c: c.articles(limit=101),
        lambda c: c.articles(page=0),
        lambda c: c.iter_articles(page_size=101),
        lambda c: c.search("", limit=5),
        lambda c: c.search("x", limit=51),
        lambda c: c.popular_articles(51),
        lambda c: c.article(""),
        lambda c: c.submit_feedback("a", is_helpful=True, feedback_text="x" * 2001),
        lambda c: c.submit_feedback("a", is_helpful="yes"),
    ],
)
def test_library_arguments_are_validated_before_any_request(
    library: LibraryClient, server: CStarTestServer, call: Callable[[LibraryClient], Any]
) -> None:
    with pytest.raises(ValueError):
        call(library)
    assert server.requests == []


def test_feedback_of_exactly_2000_characters_is_sent(
    library: LibraryClient, server: CStarTestServer
) -> None:
    library.submit_feedback("article-01", is_helpful=True, feedback_text="x" * 2000)
    assert len(server.feedback[-1][1]["feedbackText"]) == 2000


def test_server_400_is_a_plain_cstar_error_with_param(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    with pytest.raises(CStarError) as info:
        library.transport.request("GET", f"{LIB}/articles", params={"limit": 500})
    err = info.value
    assert type(err) is CStarError
    assert (err.status_code, err.code, err.param) == (400, "parameter_invalid", "limit")
    assert len(server.requests) == 1 and sleeps == []


# --------------------------------------------------------------------------- community


def test_topics(community: CommunityClient) -> None:
    assert [t.slug for t in community.topics()] == ["ideas", "help"]


def test_posts_sorted_filtered_and_offset(
    community: CommunityClient, server: CStarTestServer
) -> None:
    recent = community.posts()
    assert [p.slug for p in recent.items] == [f"post-{i}" for i in range(N_POSTS, 0, -1)]
    assert recent.count == N_POSTS and not recent.has_more
    ideas = community.posts("ideas", sort="votes", limit=2, offset=1)
    assert ideas.count == 4 and len(ideas.items) == 2 and ideas.has_more
    assert server.requests[-1].query == {
        "sort": "votes",
        "limit": "2",
        "offset": "1",
        "topic": "ideas",
    }
    votes = [p.vote_count for p in community.posts("ideas", sort="votes").items]
    assert votes == sorted(votes, reverse=True)


def test_iter_posts_follows_offsets_to_the_end(
    community: CommunityClient, server: CStarTestServer
) -> None:
    posts = list(community.iter_posts(page_size=3))
    assert [p.slug for p in posts] == [f"post-{i}" for i in range(N_POSTS, 0, -1)]
    assert [r.query["offset"] for r in server.requests] == ["0", "3", "6"]


def test_post_thread_has_comments_oldest_first_and_raw_body(community: CommunityClient) -> None:
    thread = community.post("post-2")
    assert thread.post.title == "Post 2 about dark mode"
    assert (
        thread.post.body == "Body 2 <script>alert(1)</script>"
    )  # sanitising is the renderer's job
    assert [c.body for c in thread.comments] == ["first", "second"]
    assert thread.comments[0].is_official


def test_unknown_post_is_not_found(community: CommunityClient) -> None:
    with pytest.raises(CStarNotFoundError) as info:
        community.post("nope")
    assert info.value.endpoint == f"GET {COM}/posts/nope"


def test_community_search(community: CommunityClient, server: CStarTestServer) -> None:
    results = community.search("dark mode", limit=3)
    assert [p.slug for p in results.items][:1] == ["post-2"]
    assert results.count == 1
    assert server.requests[-1].path == f"{COM}/search"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.posts(sort="hot"),
        lambda c: c.posts(limit=101),
        lambda c: c.posts(offset=-1),
        lambda c: c.iter_posts(sort="hot"),
        lambda c: c.search("  "),
        lambda c: c.search("x", limit=0),
        lambda c: c.post(""),
    ],
)
def test_community_arguments_are_validated_before_any_request(
    community: CommunityClient, server: CStarTestServer, call: Callable[[CommunityClient], Any]
) -> None:
    with pytest.raises(ValueError):
        call(community)
    assert server.requests == []


# --------------------------------------------------------------------------- retries


def test_5xx_json_is_retried_with_exponential_backoff(
    server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.fail_next(3, status=503)
    with _exact_transport(server, sleeps) as transport:
        client = LibraryClient(TEAM, cstar_transport=transport)
        assert len(client.categories()) == 2
        assert sleeps == [0.5, 1.0, 2.0]
        assert transport.stats.retries == 3
        assert transport.stats.requests == 4
    assert [r.status for r in server.requests] == [503, 503, 503, 200]


def test_backoff_has_bounded_jitter(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.fail_next(2, status=500)
    library.stats()
    assert 0.5 <= sleeps[0] <= 0.55 and 1.0 <= sleeps[1] <= 1.1


def test_backoff_is_capped_at_8_seconds(server: CStarTestServer, sleeps: list[float]) -> None:
    server.faults.fail_next(6, status=502)
    with _exact_transport(server, sleeps, max_retries=6) as transport:
        LibraryClient(TEAM, cstar_transport=transport).stats()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_html_5xx_is_retried(library: LibraryClient, server: CStarTestServer) -> None:
    server.faults.fail_next(1, status=502, html=True)
    assert library.article("article-01").slug == "article-01"
    assert [r.status for r in server.requests] == [502, 200]


def test_5xx_gives_up_after_the_last_retry(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.fail_next(10, status=502, html=True)
    with pytest.raises(CStarError) as info:
        library.categories()
    err = info.value
    assert type(err) is CStarError
    assert (err.status_code, err.code) == (502, "internal_error")
    assert "Bad Gateway" in err.message
    assert str(err).startswith(f"GET {LIB}/categories: 502 internal_error: Bad Gateway")
    assert len(server.requests) == 4 and len(sleeps) == 3


def test_5xx_json_error_keeps_its_code_and_request_id(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.faults.fail_next(4, status=500)
    with pytest.raises(CStarError) as info:
        library.categories()
    assert (info.value.status_code, info.value.code) == (500, "internal_error")
    assert info.value.message == "The server had an error."
    assert info.value.request_id is not None and info.value.request_id.startswith("req_")


def test_truncated_body_is_retried(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.truncate_next(1)
    assert len(library.categories()) == 2
    assert len(server.requests) == 2 and len(sleeps) == 1


def test_truncated_bodies_give_up_with_a_response_error(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.faults.truncate_next(4)
    with pytest.raises(CStarResponseError) as info:
        library.article("article-02")
    assert info.value.status_code == 200
    assert info.value.endpoint == f"GET {LIB}/articles/article-02"
    assert "truncated" in str(info.value)
    assert library.transport.stats.requests == 4


def test_dropped_connection_is_retried(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.drop_next(2)
    assert [t.slug for t in library.categories()] == ["getting-started", "billing"]
    assert [r.status for r in server.requests] == [0, 0, 200]
    assert len(sleeps) == 2


def test_dropped_connections_give_up_with_a_connection_error(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.faults.drop_next(4)
    with pytest.raises(CStarConnectionError) as info:
        library.categories()
    err = info.value
    assert err.status_code is None and err.code == "connection_error"
    assert str(err).startswith(f"GET {LIB}/categories: connection_error: connection failed")
    assert library.transport.stats == TransportStats(
        requests=4, responses_304=0, retries=3, bytes_received=0
    )


def test_unreachable_server_gives_up_with_a_connection_error(sleeps: list[float]) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with LibraryClient(TEAM, base_url=f"http://127.0.0.1:{port}", sleep=sleeps.append) as client:
        with pytest.raises(CStarConnectionError):
            client.categories()
    assert len(sleeps) == 3


def test_timeout_is_retried_then_reported(server: CStarTestServer, sleeps: list[float]) -> None:
    server.faults.latency = 0.3
    with LibraryClient(
        TEAM, base_url=server.url, sleep=sleeps.append, timeout=0.05, max_retries=1
    ) as client:
        with pytest.raises(CStarConnectionError, match="timed out"):
            client.stats()
    assert len(sleeps) == 1
    # The server records a request only after its latency: let both land in this test.
    deadline = time.monotonic() + 5
    while len(server.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(server.requests) == 2


def test_max_retries_zero_makes_one_attempt(server: CStarTestServer, sleeps: list[float]) -> None:
    server.faults.fail_next(1)
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, max_retries=0) as client:
        with pytest.raises(CStarError):
            client.stats()
    assert len(server.requests) == 1 and sleeps == []


def test_wrong_shape_is_retried_then_a_response_error(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.script("GET", f"{LIB}/categories", json={"success": True, "data": {"oops": 1}})
    assert len(library.categories()) == 2  # the second attempt reaches the real route
    server.script("GET", f"{LIB}/categories", json={"success": True, "data": "nope"}, times=4)
    with pytest.raises(CStarResponseError, match="expected a list of categories"):
        library.categories()
    assert len(sleeps) == 4


def test_non_json_success_body_is_retried(library: LibraryClient, server: CStarTestServer) -> None:
    server.script(
        "GET",
        f"{LIB}/stats",
        body=b"<html>maintenance</html>",
        headers={"Content-Type": "text/html"},
    )
    assert library.stats().total_views == 1234
    assert len(server.requests) == 2


# --------------------------------------------------------------------------- 429


def test_429_waits_retry_after_then_retries(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit_next(2, retry_after=7)
    assert len(library.categories()) == 2
    assert sleeps == [7.0, 7.0]
    assert [r.status for r in server.requests] == [429, 429, 200]


def test_429_legacy_body_is_understood(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit_next(1, retry_after=3, legacy=True)
    assert library.stats().total_articles == 26
    assert sleeps == [3.0]
    assert [r.status for r in server.requests] == [429, 200]


def test_429_without_retry_after_waits_60_seconds(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit_next(1, retry_after=None)
    library.stats()
    assert sleeps == [60.0]


def test_429_body_retry_after_is_used_without_header(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.script(
        "GET",
        f"{LIB}/stats",
        status=429,
        json={"error": {"code": "RATE_LIMITED", "message": "Slow down", "retryAfter": 12}},
    )
    library.stats()
    assert sleeps == [12.0]


def test_429_gives_up_with_rate_limit_error(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit_next(10, retry_after=2)
    with pytest.raises(CStarRateLimitError) as info:
        library.categories()
    err = info.value
    assert (err.status_code, err.code, err.retry_after) == (429, "rate_limit_exceeded", 2.0)
    assert sleeps == [2.0, 2.0, 2.0]
    assert str(err) == f"GET {LIB}/categories: 429 rate_limit_exceeded: Too many requests."


def test_max_wait_refuses_long_rate_limits_at_once(
    server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit_next(1, retry_after=120)
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, max_wait=30) as client:
        with pytest.raises(CStarRateLimitError) as info:
            client.categories()
    assert info.value.retry_after == 120.0
    assert sleeps == [] and len(server.requests) == 1


def test_max_wait_allows_short_rate_limits(server: CStarTestServer, sleeps: list[float]) -> None:
    server.faults.rate_limit_next(1, retry_after=5)
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, max_wait=30) as client:
        client.categories()
    assert sleeps == [5.0]


def test_exhausted_budget_is_a_rate_limit_error_under_max_wait(
    server: CStarTestServer, sleeps: list[float]
) -> None:
    server.faults.rate_limit = 2
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, max_wait=60) as client:
        client.stats()
        assert client.transport.rate_limit is not None
        assert (client.transport.rate_limit.limit, client.transport.rate_limit.remaining) == (2, 1)
        client.stats()
        with pytest.raises(CStarRateLimitError) as info:
            client.stats()
        assert info.value.retry_after is not None and info.value.retry_after > 60
        assert client.transport.rate_limit.remaining == 0
    assert sleeps == []


def test_rate_limit_state_is_read_from_every_response(
    library: LibraryClient, server: CStarTestServer
) -> None:
    assert library.transport.rate_limit is None
    server.faults.rate_limit = 50
    library.stats()
    state = library.transport.rate_limit
    assert state is not None
    assert (state.limit, state.remaining, state.window) == (50, 49, 3600)
    assert (
        state.reset is not None and 3590 < state.seconds_until_reset() <= 3601
    )  # reset rounded up
    library.stats()
    assert library.transport.rate_limit.remaining == 48


# --------------------------------------------------------------------------- ETag / 304


def test_etag_revalidation_reuses_the_cached_body(
    server: CStarTestServer, sleeps: list[float]
) -> None:
    cache: dict[str, tuple[str, bytes]] = {}
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append, etag_cache=cache) as client:
        first = client.article("article-04")
        assert list(cache) == [f"{server.url}{LIB}/articles/article-04"]
        second = client.article("article-04")
        assert second == first
        stats = client.transport.stats
        assert (stats.requests, stats.responses_304) == (2, 1)
    assert "if-none-match" not in server.requests[0].headers
    assert (
        server.requests[1].headers["if-none-match"]
        == cache[f"{server.url}{LIB}/articles/article-04"][0]
    )
    assert [r.status for r in server.requests] == [200, 304]


def test_etag_cache_is_keyed_by_full_url(server: CStarTestServer) -> None:
    cache: dict[str, tuple[str, bytes]] = {}
    with LibraryClient(TEAM, base_url=server.url, etag_cache=cache) as client:
        client.articles(page=1, limit=5)
        client.articles(page=2, limit=5)
        assert client.articles(page=2, limit=5).items[0].slug == "article-06"
    assert sorted(cache) == [
        f"{server.url}{LIB}/articles?page=1&limit=5",
        f"{server.url}{LIB}/articles?page=2&limit=5",
    ]
    assert [r.status for r in server.requests] == [200, 200, 304]


def test_etag_cache_persists_across_clients(server: CStarTestServer) -> None:
    cache: dict[str, tuple[str, bytes]] = {}
    with CommunityClient(TEAM, base_url=server.url, etag_cache=cache) as client:
        before = client.topics()
    with CommunityClient(TEAM, base_url=server.url, etag_cache=cache) as client:
        assert client.topics() == before
        assert client.transport.stats.responses_304 == 1


def test_works_without_etags(server: CStarTestServer) -> None:
    server.faults.etags = False
    cache: dict[str, tuple[str, bytes]] = {}
    with LibraryClient(TEAM, base_url=server.url, etag_cache=cache) as client:
        client.categories()
        client.categories()
    assert cache == {}
    assert all("if-none-match" not in r.headers for r in server.requests)
    assert [r.status for r in server.requests] == [200, 200]


def test_304_without_cached_body_is_refetched(server: CStarTestServer, sleeps: list[float]) -> None:
    server.script("GET", f"{LIB}/stats", status=304)
    with LibraryClient(TEAM, base_url=server.url, sleep=sleeps.append) as client:
        assert client.stats().total_articles == 26
    assert [r.status for r in server.requests] == [304, 200]


def test_no_etag_sent_without_a_cache(library: LibraryClient, server: CStarTestServer) -> None:
    library.categories()
    library.categories()
    assert [r.status for r in server.requests] == [200, 200]


# --------------------------------------------------------------------------- headers, logging


def test_user_agent_and_accept_headers(library: LibraryClient, server: CStarTestServer) -> None:
    library.categories()
    library.record_view("article-01")
    for request in server.requests:
        assert request.headers["user-agent"] == f"helpgen/{helpgen.__version__}"
        assert request.headers["accept"] == "application/json"
        assert "cookie" not in request.headers and "authorization" not in request.headers


def test_each_request_is_logged_at_debug(
    library: LibraryClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="helpgen.cstar"):
        library.stats()
    lines = [r.getMessage() for r in caplog.records if r.name == "helpgen.cstar"]
    assert any("GET " in line and f"{LIB}/stats -> 200" in line for line in lines)


# --------------------------------------------------------------------------- tolerance


def _summary(slug: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"art_{slug}", "title": slug.title(), "slug": slug, **extra}


def test_bare_list_body_without_envelope(library: LibraryClient, server: CStarTestServer) -> None:
    server.script("GET", f"{LIB}/categories", json=[{"id": "c", "name": "Bare", "slug": "bare"}])
    assert [c.name for c in library.categories()] == ["Bare"]


def test_bare_object_body_without_envelope(library: LibraryClient, server: CStarTestServer) -> None:
    server.script("GET", f"{LIB}/articles/bare", json=_summary("bare", content="Hello"))
    assert library.article("bare").content == "Hello"


def test_snake_case_and_camel_case_fields(
    library: LibraryClient, community: CommunityClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{LIB}/articles/snake",
        json={
            "success": True,
            "data": _summary(
                "snake",
                view_count=42,
                is_public=True,
                updated_at="2026-01-02T00:00:00Z",
                not_helpful_count=3,
                read_time="1 min",
            ),
        },
    )
    article = library.article("snake")
    assert (article.view_count, article.updated_at, article.not_helpful_count) == (
        42,
        "2026-01-02T00:00:00Z",
        3,
    )
    server.script(
        "GET",
        f"{COM}/posts/camel",
        json={
            "success": True,
            "data": {
                "post": {
                    "id": "p",
                    "title": "Camel",
                    "slug": "camel",
                    "voteCount": 9,
                    "isPinned": True,
                    "topicSlug": "ideas",
                    "createdAt": "2026-01-01T00:00:00Z",
                },
                "comments": [{"id": "c", "body": "hi", "isOfficial": True, "authorName": "Agent"}],
            },
        },
    )
    thread = community.post("camel")
    assert (thread.post.vote_count, thread.post.is_pinned, thread.post.topic_slug) == (
        9,
        True,
        "ideas",
    )
    assert thread.comments[0].is_official and thread.comments[0].author_name == "Agent"


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Billing & Plans", (None, None, "Billing & Plans")),
        ("billing", (None, "billing", None)),
        ({"id": "cat_2", "slug": "billing", "name": "Billing"}, ("cat_2", "billing", "Billing")),
    ],
)
def test_category_as_name_slug_or_object(
    library: LibraryClient, server: CStarTestServer, category: Any, expected: tuple[Any, ...]
) -> None:
    server.script(
        "GET", f"{LIB}/articles/x", json={"success": True, "data": _summary("x", category=category)}
    )
    article = library.article("x")
    assert (article.category_id, article.category_slug, article.category_name) == expected


def test_pagination_under_meta_without_has_more(
    library: LibraryClient, server: CStarTestServer
) -> None:
    for page in (1, 2):
        server.script(
            "GET",
            f"{LIB}/articles",
            json={
                "success": True,
                "data": [_summary(f"p{page}-a"), _summary(f"p{page}-b")],
                "meta": {
                    "requestId": "req_x",
                    "pagination": {"page": page, "limit": 2, "total": 4, "totalPages": 2},
                },
            },
        )
    first = library.articles(limit=2)
    assert first.has_more and (first.pagination.total, first.pagination.total_pages) == (4, 2)
    last = library.articles(page=2, limit=2)
    assert [a.slug for a in last.items] == ["p2-a", "p2-b"] and not last.has_more


def test_iter_articles_with_meta_pagination_walks_every_page(
    library: LibraryClient, server: CStarTestServer
) -> None:
    for page in (1, 2, 3):
        items = [
            _summary(f"p{page}-{i}", content=f"body {page}.{i}")
            for i in range(2 if page < 3 else 1)
        ]
        server.script(
            "GET",
            f"{LIB}/articles",
            json={
                "success": True,
                "data": items,
                "meta": {"pagination": {"page": page, "limit": 2, "total": 5, "total_pages": 3}},
            },
        )
    articles = list(library.iter_articles(page_size=2))
    assert [a.slug for a in articles] == ["p1-0", "p1-1", "p2-0", "p2-1", "p3-0"]
    # List items that carry content keep it, so a pull can skip the per-article fetch.
    assert all(a.has_content for a in articles) and articles[0].content == "body 1.0"
    assert len(server.requests) == 3


def test_iter_articles_stops_on_a_server_that_repeats_a_page(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{LIB}/articles",
        times=None,
        json={
            "success": True,
            "data": [_summary("same-1"), _summary("same-2")],
            "pagination": {"page": 1, "limit": 2, "total": 99, "totalPages": 50, "hasMore": True},
        },
    )
    assert [a.slug for a in library.iter_articles(page_size=2)] == ["same-1", "same-2"]
    assert len(server.requests) == 2


def test_iter_articles_stops_on_an_empty_page(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{LIB}/articles",
        json={
            "success": True,
            "data": [_summary("only")],
            "pagination": {"page": 1, "limit": 1, "hasMore": True},
        },
    )
    server.script(
        "GET",
        f"{LIB}/articles",
        json={
            "success": True,
            "data": [],
            "pagination": {"page": 2, "limit": 1, "hasMore": True},
        },
    )
    assert [a.slug for a in library.iter_articles(page_size=1)] == ["only"]
    assert len(server.requests) == 2


def test_articles_without_any_pagination(library: LibraryClient, server: CStarTestServer) -> None:
    server.script("GET", f"{LIB}/articles", json=[_summary("a"), _summary("b")])
    server.script("GET", f"{LIB}/articles", json=[_summary("c")])
    assert [a.slug for a in library.iter_articles(page_size=2)] == ["a", "b", "c"]
    assert len(server.requests) == 2  # the short second page ends it


@pytest.mark.parametrize(
    "body",
    [
        {
            "success": True,
            "data": {"posts": [{"id": "p1", "slug": "p1", "title": "One"}], "count": 41},
        },
        {"success": True, "posts": [{"id": "p1", "slug": "p1", "title": "One"}], "count": 41},
        {"success": True, "data": [{"id": "p1", "slug": "p1", "title": "One"}], "count": 41},
        {"posts": [{"id": "p1", "slug": "p1", "title": "One"}], "count": 41},
    ],
    ids=["inside-data", "top-level", "list-data-top-count", "bare"],
)
def test_posts_and_count_inside_data_or_top_level(
    community: CommunityClient, server: CStarTestServer, body: dict[str, Any]
) -> None:
    server.script("GET", f"{COM}/posts", json=body)
    page = community.posts(limit=1)
    assert [p.slug for p in page.items] == ["p1"] and page.count == 41 and page.has_more


def test_iter_posts_stops_on_a_server_that_ignores_offset(
    community: CommunityClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{COM}/posts",
        times=None,
        json={
            "success": True,
            "data": {
                "posts": [{"id": "p1", "slug": "p1"}, {"id": "p2", "slug": "p2"}],
                "count": 1000,
            },
        },
    )
    assert [p.slug for p in community.iter_posts(page_size=2)] == ["p1", "p2"]
    assert len(server.requests) == 2


def test_plain_string_error_with_field(library: LibraryClient, server: CStarTestServer) -> None:
    server.script(
        "GET", f"{LIB}/search", status=400, json={"success": False, "error": "q is required"}
    )
    with pytest.raises(CStarError) as info:
        library.search("x")
    assert (info.value.status_code, info.value.message) == (400, "q is required")
    assert str(info.value) == f"GET {LIB}/search: 400 invalid_request: q is required"

    server.script(
        "GET",
        f"{LIB}/search",
        status=400,
        json={
            "error": {"code": "VALIDATION_ERROR", "message": "Bad limit", "field": "limit"},
        },
    )
    with pytest.raises(CStarError) as info:
        library.search("x")
    assert (info.value.code, info.value.param) == ("VALIDATION_ERROR", "limit")
    assert str(info.value).endswith("(param: limit)")


def test_error_body_on_a_200_is_still_an_error(
    library: LibraryClient, server: CStarTestServer, sleeps: list[float]
) -> None:
    server.script(
        "GET",
        f"{LIB}/stats",
        json={"success": False, "error": {"code": "RATE_LIMITED", "retryAfter": 4}},
    )
    assert library.stats().total_views == 1234
    assert sleeps == [4.0]
    server.script(
        "GET", f"{LIB}/articles/gone", json={"error": {"code": "NOT_FOUND", "message": "Gone"}}
    )
    with pytest.raises(CStarNotFoundError, match="Gone"):
        library.article("gone")


def test_unknown_fields_kept_and_missing_fields_defaulted(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{LIB}/categories",
        json={
            "success": True,
            "data": [
                {
                    "id": "c1",
                    "name": "Minimal",
                    "slug": "minimal",
                    "emoji": "🚀",
                    "ownerTeam": {"id": 1},
                },
            ],
        },
    )
    category = library.categories()[0]
    assert category.extra == {"emoji": "🚀", "ownerTeam": {"id": 1}}
    assert (category.icon, category.article_count, category.is_public, category.sort_order) == (
        None,
        0,
        True,
        0,
    )


def test_search_count_falls_back_to_the_number_of_items(
    library: LibraryClient, server: CStarTestServer
) -> None:
    server.script("GET", f"{LIB}/search", json=[_summary("a"), _summary("b")])
    assert library.search("anything").count == 2


def test_bare_post_with_comments_beside_it(
    community: CommunityClient, server: CStarTestServer
) -> None:
    server.script(
        "GET",
        f"{COM}/posts/flat",
        json={
            "id": "p",
            "slug": "flat",
            "title": "Flat",
            "comments": [{"id": "c", "body": "ok"}],
        },
    )
    thread = community.post("flat")
    assert thread.post.title == "Flat" and [c.body for c in thread.comments] == ["ok"]


# --------------------------------------------------------------------------- sharing


def test_shared_transport_counts_every_request(
    server: CStarTestServer, sleeps: list[float]
) -> None:
    with CStarTransport(server.url, sleep=sleeps.append) as transport:
        library = LibraryClient(TEAM, cstar_transport=transport)
        community = CommunityClient(TEAM, cstar_transport=transport)
        server.faults.fail_next(1, path_contains="/topics")
        library.categories()
        list(library.iter_articles(page_size=10))  # 3 requests
        community.topics()  # 2 attempts
        community.post("post-1")
        library.close()  # borrowed: does not close the shared transport
        community.posts()
        stats = transport.stats
        assert (stats.requests, stats.retries) == (8, 1)
        assert stats.bytes_received > 1000
    assert len(server.requests) == 8


def test_own_transport_is_closed_by_the_client(server: CStarTestServer) -> None:
    client = LibraryClient(TEAM, base_url=server.url)
    client.close()
    with pytest.raises(RuntimeError):
        client.categories()


def test_errors_pickle_with_their_attributes() -> None:
    err = CStarRateLimitError(
        "Too many", code="rate_limit_exceeded", status_code=429, retry_after=3.0, endpoint="GET /x"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is CStarRateLimitError
    assert (copy.retry_after, copy.endpoint, str(copy)) == (3.0, "GET /x", str(err))
