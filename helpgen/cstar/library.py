"""``LibraryClient``: the Python port of the JS SDK's client for a team's knowledge base.

Thin by design: each method builds one ``/api/library/{team}/...`` call, validates its
arguments against the contract's maxima, and turns the unwrapped payload into models.
Retries, 429 waits, ETags and error mapping live in :class:`~._transport.CStarTransport`.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator
from urllib.parse import quote

from ._models import (
    Article,
    ArticlePage,
    Category,
    LibraryStats,
    Pagination,
    SearchResults,
    UnexpectedShape,
    list_payload,
    object_payload,
)
from ._transport import (
    APIResponse,
    ClientBase,
    check_int,
    check_slug,
)

__all__ = ["LibraryClient", "MAX_ARTICLES_LIMIT", "MAX_SEARCH_LIMIT", "MAX_FEEDBACK_CHARS"]

MAX_ARTICLES_LIMIT = 100
MAX_SEARCH_LIMIT = 50
MAX_POPULAR_LIMIT = 50
MAX_FEEDBACK_CHARS = 2000

logger = logging.getLogger("helpgen.cstar")


class LibraryClient(ClientBase):
    """Read a team's public knowledge base and record views and feedback.

    ``team`` is the team's slug or UUID. With ``cstar_transport`` the client borrows that
    transport (so several clients share one connection pool, cache and request count) and
    the other transport options are ignored; otherwise it builds and owns its own.
    """

    SECTION = "library"

    # ------------------------------------------------------------------ reading

    def categories(self) -> list[Category]:
        """The team's public categories, in the server's order (``sortOrder``, then name)."""
        return self._transport.fetch("GET", f"{self._prefix}/categories", _parse_categories)

    def articles(
        self, category_slug: str | None = None, *, page: int = 1, limit: int = 20
    ) -> ArticlePage:
        """One page of article summaries, optionally of one category."""
        check_int("page", page, 1)
        check_int("limit", limit, 1, MAX_ARTICLES_LIMIT)
        params: dict[str, Any] = {"page": page, "limit": limit}
        if category_slug is not None:
            params["category"] = check_slug("category_slug", category_slug)
        return self._transport.fetch(
            "GET",
            f"{self._prefix}/articles",
            lambda response: _parse_article_page(response, page, limit),
            params=params,
        )

    def iter_articles(
        self, category_slug: str | None = None, *, page_size: int = 100
    ) -> Iterator[Article]:
        """Every article summary, page after page to the end.

        Defensive against a server that never stops: it ends on an empty page, on a page
        already seen, or on a page that brings no article not yet yielded.
        """
        check_int("page_size", page_size, 1, MAX_ARTICLES_LIMIT)
        if category_slug is not None:
            check_slug("category_slug", category_slug)
        return self._iter_articles(category_slug, page_size)

    def _iter_articles(self, category_slug: str | None, page_size: int) -> Iterator[Article]:
        seen: set[str] = set()
        pages_seen: set[tuple[str, ...]] = set()
        page = 1
        while True:
            result = self.articles(category_slug, page=page, limit=page_size)
            keys = tuple(a.id or a.slug for a in result.items)
            if not keys:
                return
            if keys in pages_seen or seen.issuperset(keys):
                logger.warning(
                    "GET %s/articles: page %d repeats earlier articles; stopping",
                    self._prefix,
                    page,
                )
                return
            pages_seen.add(keys)
            for key, article in zip(keys, result.items, strict=True):
                if key not in seen:
                    seen.add(key)
                    yield article
            if not result.pagination.has_more:
                return
            page += 1

    def article(self, slug: str) -> Article:
        """One public article with its ``content``; CStarNotFoundError when unknown."""
        path = f"{self._prefix}/articles/{_segment('slug', slug)}"
        return self._transport.fetch("GET", path, _parse_article)

    def search(self, q: str, *, limit: int = 10) -> SearchResults[Article]:
        """Article summaries matching ``q``, best first, and the number of matches."""
        query = check_slug("q", q)
        check_int("limit", limit, 1, MAX_SEARCH_LIMIT)
        return self._transport.fetch(
            "GET", f"{self._prefix}/search", _parse_search, params={"q": query, "limit": limit}
        )

    def popular_articles(self, limit: int = 5) -> list[Article]:
        """The ``limit`` most viewed article summaries, most viewed first."""
        check_int("limit", limit, 1, MAX_POPULAR_LIMIT)
        return self._transport.fetch(
            "GET", f"{self._prefix}/popular", _parse_article_list, params={"limit": limit}
        )

    def stats(self) -> LibraryStats:
        """Totals of articles, categories and views."""
        return self._transport.fetch("GET", f"{self._prefix}/stats", _parse_stats)

    # ------------------------------------------------------------------ writing

    def record_view(self, slug: str) -> None:
        """Count one view of an article; CStarNotFoundError for an unknown slug."""
        path = f"{self._prefix}/articles/{_segment('slug', slug)}/view"
        self._transport.request("POST", path, expect_body=False)

    def submit_feedback(
        self, slug: str, *, is_helpful: bool, feedback_text: str | None = None
    ) -> None:
        """Record whether an article helped, with an optional comment (at most 2,000 chars)."""
        if not isinstance(is_helpful, bool):
            raise ValueError(f"is_helpful must be a bool, got {is_helpful!r}")
        body: dict[str, Any] = {"isHelpful": is_helpful}
        if feedback_text is not None:
            if not isinstance(feedback_text, str):
                raise ValueError(f"feedback_text must be a string, got {feedback_text!r}")
            if len(feedback_text) > MAX_FEEDBACK_CHARS:
                raise ValueError(
                    f"feedback_text must be at most {MAX_FEEDBACK_CHARS} characters, "
                    f"got {len(feedback_text)}"
                )
            body["feedbackText"] = feedback_text
        path = f"{self._prefix}/articles/{_segment('slug', slug)}/feedback"
        self._transport.request("POST", path, json=body, expect_body=False)


# ---------------------------------------------------------------------- parsing


def _segment(name: str, value: str) -> str:
    return quote(check_slug(name, value), safe="")


def _parse_categories(response: APIResponse) -> list[Category]:
    items = list_payload(response.data, "categories", "items", what="categories")
    return [Category.from_api(item) for item in items]


def _parse_article_list(response: APIResponse) -> list[Article]:
    items = list_payload(response.data, "articles", "items", "results", what="articles")
    return [Article.from_api(item) for item in items]


def _parse_article_page(response: APIResponse, page: int, limit: int) -> ArticlePage:
    items = tuple(_parse_article_list(response))
    pagination = Pagination.from_api(response.find("pagination"))
    if pagination is None:
        # No pagination at all: a full page may have a successor, a short one has none.
        full = len(items) >= limit
        pagination = Pagination(
            page=page,
            limit=limit,
            total=(page - 1) * limit + len(items),
            total_pages=page + 1 if full else page,
            has_more=full,
        )
    return ArticlePage(items=items, pagination=pagination)


def _parse_article(response: APIResponse) -> Article:
    article = Article.from_api(object_payload(response.data, "article", what="an article"))
    if not (article.slug or article.id):
        raise UnexpectedShape("expected an article, got an object with neither slug nor id")
    return article


def _parse_search(response: APIResponse) -> SearchResults[Article]:
    items = tuple(_parse_article_list(response))
    return SearchResults(items=items, count=response.find_int("count", "total", default=len(items)))


def _parse_stats(response: APIResponse) -> LibraryStats:
    return LibraryStats.from_api(object_payload(response.data, "stats", what="library stats"))

