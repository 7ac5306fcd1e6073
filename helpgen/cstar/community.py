"""``CommunityClient``: the Python port of the JS SDK's client for a team's public forum.

Thin by design: each method builds one ``/api/community/{team}/...`` call, validates its
arguments against the contract's maxima, and turns the unwrapped payload into models.
Retries, 429 waits, ETags and error mapping live in :class:`~._transport.CStarTransport`.
Post and comment bodies are customer-written Markdown: the client passes them on untouched.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator
from urllib.parse import quote

from ._models import (
    Post,
    PostPage,
    PostThread,
    SearchResults,
    Topic,
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

__all__ = ["CommunityClient", "POST_SORTS", "MAX_POSTS_LIMIT", "MAX_COMMUNITY_SEARCH_LIMIT"]

POST_SORTS = ("recent", "votes", "comments")
MAX_POSTS_LIMIT = 100
MAX_COMMUNITY_SEARCH_LIMIT = 50

logger = logging.getLogger("helpgen.cstar")


class CommunityClient(ClientBase):
    """Read a team's public community: topics, posts with their comments, search.

    Takes the same options as :class:`~helpgen.cstar.library.LibraryClient`; pass one
    ``cstar_transport`` to both so a build shares one pool, cache and request count.
    """

    SECTION = "community"

    def topics(self) -> list[Topic]:
        """The team's community topics, in the server's order."""
        return self._transport.fetch("GET", f"{self._prefix}/topics", _parse_topics)

    def posts(
        self,
        topic_slug: str | None = None,
        *,
        sort: str = "recent",
        limit: int = 20,
        offset: int = 0,
    ) -> PostPage:
        """One page of public posts (optionally of one topic) and the total matching."""
        page, _ = self._posts_page(topic_slug, sort=sort, limit=limit, offset=offset)
        return page

    def iter_posts(
        self, topic_slug: str | None = None, *, sort: str = "recent", page_size: int = 100
    ) -> Iterator[Post]:
        """Every public post, page after page to the end.

        Defensive against a server that never stops: it ends on an empty page, when
        ``count`` is reached, or on a page that brings no post not yet yielded.
        """
        check_int("page_size", page_size, 1, MAX_POSTS_LIMIT)
        _check_sort(sort)
        if topic_slug is not None:
            check_slug("topic_slug", topic_slug)
        return self._iter_posts(topic_slug, sort, page_size)

    def _iter_posts(self, topic_slug: str | None, sort: str, page_size: int) -> Iterator[Post]:
        seen: set[str] = set()
        offset = 0
        while True:
            page, count_known = self._posts_page(
                topic_slug, sort=sort, limit=page_size, offset=offset
            )
            keys = [p.id or p.slug for p in page.items]
            if not keys:
                return
            if seen.issuperset(keys):
                logger.warning(
                    "GET %s/posts: offset %d repeats earlier posts; stopping", self._prefix, offset
                )
                return
            for key, post in zip(keys, page.items, strict=True):
                if key not in seen:
                    seen.add(key)
                    yield post
            offset += len(page.items)
            if count_known and offset >= page.count:
                return
            if not count_known and len(page.items) < page_size:
                return

    def post(self, slug: str) -> PostThread:
        """One public post with its comments, oldest first; CStarNotFoundError when unknown."""
        path = f"{self._prefix}/posts/{quote(check_slug('slug', slug), safe='')}"
        return self._transport.fetch("GET", path, _parse_thread)

    def search(self, q: str, *, limit: int = 10) -> SearchResults[Post]:
        """Posts matching ``q``, best first, and the number of matches."""
        query = check_slug("q", q)
        check_int("limit", limit, 1, MAX_COMMUNITY_SEARCH_LIMIT)
        return self._transport.fetch(
            "GET", f"{self._prefix}/search", _parse_search, params={"q": query, "limit": limit}
        )

    def _posts_page(
        self, topic_slug: str | None, *, sort: str, limit: int, offset: int
    ) -> tuple[PostPage, bool]:
        """A page of posts, and whether the server said how many match in all."""
        _check_sort(sort)
        check_int("limit", limit, 1, MAX_POSTS_LIMIT)
        check_int("offset", offset, 0)
        params: dict[str, Any] = {"sort": sort, "limit": limit, "offset": offset}
        if topic_slug is not None:
            params["topic"] = check_slug("topic_slug", topic_slug)

        def parse(response: APIResponse) -> tuple[PostPage, bool]:
            items = tuple(_parse_posts(response))
            count = response.find_int("count", "total", default=-1)
            known = count >= 0
            page = PostPage(
                items=items,
                count=count if known else offset + len(items),
                offset=offset,
                limit=limit,
            )
            return page, known

        return self._transport.fetch("GET", f"{self._prefix}/posts", parse, params=params)


# ---------------------------------------------------------------------- parsing


def _check_sort(sort: str) -> None:
    if sort not in POST_SORTS:
        raise ValueError(f"sort must be one of {', '.join(POST_SORTS)}; got {sort!r}")


def _parse_topics(response: APIResponse) -> list[Topic]:
    items = list_payload(response.data, "topics", "items", what="topics")
    return [Topic.from_api(item) for item in items]


def _parse_posts(response: APIResponse) -> list[Post]:
    items = list_payload(response.data, "posts", "items", "results", what="posts")
    return [Post.from_api(item) for item in items]


def _parse_thread(response: APIResponse) -> PostThread:
    thread = PostThread.from_api(object_payload(response.data, "thread", what="a post"))
    if not (thread.post.slug or thread.post.id):
        raise UnexpectedShape("expected a post with its comments, got no post")
    return thread


def _parse_search(response: APIResponse) -> SearchResults[Post]:
    items = tuple(_parse_posts(response))
    return SearchResults(items=items, count=response.find_int("count", "total", default=len(items)))
