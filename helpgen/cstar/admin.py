"""``CStarClient``: the minimal admin-API client helpgen needs for draft previews.

Only two calls, both read-only: list the team's articles (drafts and unpublished ones
included) and get one with its ``content``. It authenticates with a secret key
(``Authorization: Bearer sk_live_...``) and the team's id. cStar's contract does not document
the admin paths; helpgen's reading (served strictly by ``helpgen.testing.cstar_admin``):

- ``GET {api_url}/api/v1/articles?status=&page=&limit=`` and
  ``GET {api_url}/api/v1/articles/{slug or id}``, with the team in an ``X-Team-Id`` header.

Responses are read as tolerantly as the public API's (envelope or bare, camelCase or
snake_case, pagination at the top or under ``meta``), through the same transport (retries,
backoff, 429). The key lives only in the transport's request headers: it is never part of a
URL, a log line, an error message, a ``repr`` or anything written to disk.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Iterator
from urllib.parse import quote

from ._models import Article, ArticlePage
from ._transport import DEFAULT_BASE_URL, CStarTransport, check_int
from .library import _parse_article, _parse_article_page

__all__ = ["CStarClient", "API_KEY_ENV", "TEAM_ID_ENV", "ADMIN_PREFIX"]

API_KEY_ENV = "CSTAR_API_KEY"
TEAM_ID_ENV = "CSTAR_TEAM_ID"
ADMIN_PREFIX = "/api/v1"
MAX_LIMIT = 100

logger = logging.getLogger("helpgen.cstar")


class CStarClient:
    """Read a team's articles whatever their status, with a secret key.

    ``api_key`` must be a secret key (``sk_live_...`` or ``sk_test_...``); ``team_id`` is the
    team's UUID. The other options are the transport's, as for the public clients.
    """

    def __init__(
        self,
        api_key: str,
        team_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.startswith("sk_") or len(api_key) < 8 or any(c.isspace() for c in api_key):
            # Never echo the value: it may be a real key pasted in the wrong place.
            raise ValueError(f"{API_KEY_ENV}: expected a secret key starting with sk_live_ or sk_test_")
        if not team_id or any(c.isspace() or c == "/" for c in team_id):
            raise ValueError(f"{TEAM_ID_ENV}: expected the team's id, got {team_id!r}")
        self.team_id = team_id
        self._transport = CStarTransport(
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_wait=max_wait,
            headers={"Authorization": f"Bearer {api_key}", "X-Team-Id": team_id},
        )

    def __repr__(self) -> str:
        return f"CStarClient(team_id={self.team_id!r}, base_url={self._transport.base_url!r}, api_key=<hidden>)"

    @property
    def transport(self) -> CStarTransport:
        """The transport this client sends through."""
        return self._transport

    def articles(self, *, status: str | None = None, page: int = 1, limit: int = 100) -> ArticlePage:
        """One page of article summaries of any status (or only ``status``)."""
        check_int("page", page, 1)
        check_int("limit", limit, 1, MAX_LIMIT)
        params: dict[str, Any] = {"page": page, "limit": limit}
        if status:
            params["status"] = status
        return self._transport.fetch(
            "GET", f"{ADMIN_PREFIX}/articles", lambda r: _parse_article_page(r, page, limit), params=params
        )

    def iter_articles(self, *, status: str | None = None, page_size: int = 100) -> Iterator[Article]:
        """Every article summary, page after page; stops on an empty or repeated page."""
        seen: set[str] = set()
        page = 1
        while True:
            result = self.articles(status=status, page=page, limit=page_size)
            fresh = [a for a in result.items if (a.id or a.slug) not in seen]
            if not fresh:
                return
            for article in fresh:
                seen.add(article.id or article.slug)
                yield article
            if not result.pagination.has_more:
                return
            page += 1

    def article(self, slug_or_id: str) -> Article:
        """One article with its ``content``, whatever its status; CStarNotFoundError when unknown."""
        if not slug_or_id or not isinstance(slug_or_id, str):
            raise ValueError(f"slug_or_id must be a non-empty string, got {slug_or_id!r}")
        return self._transport.fetch("GET", f"{ADMIN_PREFIX}/articles/{quote(slug_or_id, safe='')}", _parse_article)

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> "CStarClient":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
