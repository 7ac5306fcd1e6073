"""The admin (secret-key) article endpoints of the cStar test server, for draft previews.

cStar's contract does not document its admin API's paths; helpgen's reading, which the client
``helpgen.cstar.admin.CStarClient`` speaks and this server serves strictly:

- ``GET /api/v1/articles?status=&page=&limit=``: every article of the team in snapshot order,
  drafts and unpublished ones included (``status`` filters: ``draft``, ``published``, ...),
  with ``content`` left out and ``pagination`` as on the public list;
- ``GET /api/v1/articles/{slug or id}``: one article with its ``content``, whatever its status;
- both need ``Authorization: Bearer <secret key>`` (401 ``authentication_error`` otherwise)
  and ``X-Team-Id: <team UUID>`` (404 for another team).

The server enables them only when started with ``admin_key=``. Drafts are served here and
never by the public Library endpoints.
"""

from __future__ import annotations

import hmac
import math
from typing import TYPE_CHECKING, Any

from helpgen.cstar._models import Article

if TYPE_CHECKING:
    from helpgen.testing.cstar_server import CStarTestServer

__all__ = ["ADMIN_PREFIX", "admin_reply"]

ADMIN_PREFIX = "/api/v1/"


def _authorized(server: "CStarTestServer", headers: dict[str, str]) -> bool:
    key = server.admin_key
    given = headers.get("authorization", "")
    if not key or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given[len("Bearer "):].strip().encode(), key.encode())


def admin_reply(server: "CStarTestServer", request: Any) -> Any:
    """The reply to one admin API request (``request`` is the server's ``_Request``)."""
    from helpgen.testing import cstar_server as srv

    rid = request.request_id
    if not _authorized(server, request.headers):
        return srv._error_reply(
            401, "authentication_error", "invalid_api_key",
            "A valid secret key is required: Authorization: Bearer sk_live_...", rid,
        )
    parts = request.path[len(ADMIN_PREFIX):].split("/")
    if parts[0] != "articles" or len(parts) > 2 or (len(parts) == 2 and not parts[1]):
        raise srv._ApiError(404, "resource_missing", f"Unknown route: {request.path}.")
    if request.method not in ("GET", "HEAD"):
        raise srv._ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}; use GET.")
    team = request.headers.get("x-team-id", "")
    if team.lower() != server.team_id.lower():
        raise srv._ApiError(404, "resource_missing", f"No such team: {team!r}.")
    articles: list[Article] = server._content.all_articles
    if len(parts) == 2:
        wanted = parts[1]
        found = next((a for a in articles if a.slug == wanted or a.id == wanted), None)
        if found is None:
            raise srv._ApiError(404, "resource_missing", f"No such article: {wanted!r}.")
        body = srv._prefix(srv._dumps(found.to_api()))
    else:
        page = srv._int_param(request.query, "page", 1, 1)
        limit = srv._int_param(request.query, "limit", 20, 1, 100)
        status = request.query.get("status") or None
        chosen = [a for a in articles if status is None or a.status == status]
        total_pages = max(1, math.ceil(len(chosen) / limit))
        items = chosen[(page - 1) * limit : page * limit]
        pagination = {"page": page, "limit": limit, "total": len(chosen), "totalPages": total_pages, "hasMore": page < total_pages}
        body = srv._prefix(
            srv._json_list(srv._dumps(a.to_api(with_content=False)) for a in items),
            pagination=srv._dumps(pagination),
        )
    return srv._Reply(200, srv._finish(body, rid), [("Content-Type", "application/json; charset=utf-8")])
