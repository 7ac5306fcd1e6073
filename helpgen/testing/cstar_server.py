"""A strict cStar API server over real HTTP, for tests and benchmarks, with fault switches.

:class:`CStarTestServer` serves a snapshot folder (``docs/architecture.md``) as cStar's public
Library and Community API (``shared/cstar-api.md``) and emits exactly the contract's shapes:
the success envelope, ``pagination`` / ``count``, the error object, rate-limit headers, ETags
and CORS. The snapshot is indexed once at load (dicts by slug, pre-serialised list items,
pre-sorted post orders), so a 10,000-article snapshot serves ``/articles`` pages in
microseconds of work. :class:`Faults` injects latency, 5xx, 429, truncated bodies, dropped
connections and a real per-window request budget; :meth:`CStarTestServer.script` serves
canned (e.g. legacy-shaped) responses. Every request is recorded. With ``admin_key=`` it also
serves the admin article endpoints (drafts included, behind the bearer key; ``cstar_admin.py``).

Run it in the foreground with ``python -m helpgen.testing.cstar_server SNAPSHOT_DIR``.
"""

from __future__ import annotations

import argparse
import hashlib
import json as _json
import logging
import math
import re
import secrets
import signal
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from helpgen.content.snapshot import Snapshot, SnapshotError, load_snapshot
from helpgen.cstar._models import Article, PostThread

__all__ = [
    "CStarTestServer",
    "Faults",
    "RecordedRequest",
    "DEFAULT_TEAM_ID",
    "DOC_URL",
    "main",
]

logger = logging.getLogger("helpgen.testing")

DEFAULT_TEAM_ID = "3f6c2b1e-8d4a-4c7e-9a15-6b2d0e7f4a90"
"""The team UUID the server accepts in place of the team slug unless told otherwise."""

DOC_URL = "https://www.cstar.help/docs/api/errors"
"""Base of every error's ``doc_url`` (the error code is appended as a fragment)."""

UNLIMITED_BUDGET = 1_000_000
"""``X-RateLimit-Limit`` reported (and counted down, never enforced) when no budget is set."""

FEEDBACK_TEXT_MAX = 2000

_POST_SORTS = ("recent", "votes", "comments")
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"[0-9]{1,10}")
_CACHE_MAX = 4096
_MAX_BODY = 16 * 1024 * 1024

_dumps = _json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_HTML_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
    "<body><center><h1>{status} {reason}</h1></center><hr><center>edge-proxy</center>"
    "</body></html>\n"
)
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``status`` is 0 when the connection was dropped."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class _Budget:
    """The rate-limit state one request saw."""

    limit: int
    remaining: int
    reset: int
    window: int
    retry_after: int | None  # set when the budget is exhausted and the request is refused

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(self.reset)),
            ("X-RateLimit-Window", str(self.window)),
        ]


@dataclass
class _FailRule:
    remaining: int
    status: int
    html: bool
    path_contains: str | None


@dataclass
class _RateLimitRule:
    remaining: int
    retry_after: int | None
    legacy: bool


class Faults:
    """Thread-safe fault switches of one :class:`CStarTestServer`; all off by default.

    ``latency`` (seconds added to every request) and ``etags`` are plain attributes;
    ``rate_limit`` / ``rate_limit_window`` set a real request budget per window (setting
    either starts a fresh window). The ``*_next`` methods queue one-shot faults.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency: float = 0.0
        self.etags: bool = True
        self._rate_limit: int | None = None
        self._rate_limit_window: float = 3600.0
        self._window_start = time.time()
        self._used = 0
        self._failures: list[_FailRule] = []
        self._rate_limited: list[_RateLimitRule] = []
        self._truncate = 0
        self._drop = 0

    # -- budget

    @property
    def rate_limit(self) -> int | None:
        """Requests allowed per window, or None for no enforced budget."""
        return self._rate_limit

    @rate_limit.setter
    def rate_limit(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or int(value) < 0):
            raise ValueError(f"rate_limit must be a non-negative int or None, got {value!r}")
        with self._lock:
            self._rate_limit = None if value is None else int(value)
            self._window_start = time.time()
            self._used = 0

    @property
    def rate_limit_window(self) -> float:
        """Length of a rate-limit window in seconds (default 3600)."""
        return self._rate_limit_window

    @rate_limit_window.setter
    def rate_limit_window(self, value: float) -> None:
        if value <= 0:
            raise ValueError(f"rate_limit_window must be positive, got {value!r}")
        with self._lock:
            self._rate_limit_window = float(value)
            self._window_start = time.time()
            self._used = 0

    def _charge(self, now: float) -> _Budget:
        """Count one request against the window; refuse it when the budget is spent."""
        with self._lock:
            window = self._rate_limit_window
            if now >= self._window_start + window:
                self._window_start = now
                self._used = 0
            reset_at = self._window_start + window
            limit = UNLIMITED_BUDGET if self._rate_limit is None else self._rate_limit
            window_s = max(1, math.ceil(window))
            if self._rate_limit is not None and self._used >= limit:
                retry = max(1, math.ceil(reset_at - now))
                return _Budget(limit, 0, math.ceil(reset_at), window_s, retry)
            self._used += 1
            return _Budget(limit, max(0, limit - self._used), math.ceil(reset_at), window_s, None)

    # -- one-shot faults

    def fail_next(
        self,
        n: int,
        status: int = 503,
        html: bool = False,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next ``n`` requests (whose path contains ``path_contains``) with a 5xx.

        The body is a JSON ``api_error``, or with ``html=True`` a proxy's HTML page.
        """
        _check_count(n)
        if not 500 <= status <= 599:
            raise ValueError(f"fail_next status must be 5xx, got {status}")
        if n:
            with self._lock:
                self._failures.append(_FailRule(n, status, html, path_contains))

    def rate_limit_next(self, n: int, retry_after: int | None = 1, legacy: bool = False) -> None:
        """Answer the next ``n`` requests with 429.

        ``retry_after`` goes in the ``Retry-After`` header and ``error.retryAfter`` (None: in
        neither); ``legacy=True`` uses the old ``{"error": {"code": "RATE_LIMITED", ...}}`` body.
        """
        _check_count(n)
        if retry_after is not None and retry_after < 0:
            raise ValueError(f"retry_after must be >= 0, got {retry_after}")
        if n:
            with self._lock:
                self._rate_limited.append(_RateLimitRule(n, retry_after, legacy))

    def truncate_next(self, n: int) -> None:
        """Cut the body of the next ``n`` 200 responses in half, then close the connection."""
        _check_count(n)
        with self._lock:
            self._truncate += n

    def drop_next(self, n: int) -> None:
        """Close the connection of the next ``n`` requests without sending any response."""
        _check_count(n)
        with self._lock:
            self._drop += n

    def clear(self) -> None:
        """Switch every fault off and restore the defaults."""
        with self._lock:
            self.latency = 0.0
            self.etags = True
            self._rate_limit = None
            self._rate_limit_window = 3600.0
            self._window_start = time.time()
            self._used = 0
            self._failures.clear()
            self._rate_limited.clear()
            self._truncate = 0
            self._drop = 0

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drop:
                self._drop -= 1
                return True
            return False

    def _take_truncate(self) -> bool:
        with self._lock:
            if self._truncate:
                self._truncate -= 1
                return True
            return False

    def _take_rate_limited(self) -> _RateLimitRule | None:
        with self._lock:
            return _take_rule(self._rate_limited, lambda rule: True)

    def _take_failure(self, path: str) -> _FailRule | None:
        with self._lock:
            return _take_rule(
                self._failures,
                lambda rule: rule.path_contains is None or rule.path_contains in path,
            )


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"fault count must be a non-negative int, got {n!r}")


def _take_rule(rules: list[Any], matches: Callable[[Any], bool]) -> Any:
    """Consume one use of the first matching rule (the caller holds the lock)."""
    for index, rule in enumerate(rules):
        if matches(rule):
            rule.remaining -= 1
            if rule.remaining <= 0:
                del rules[index]
            return rule
    return None


# --------------------------------------------------------------------------- responses


class _Reply:
    """A response before it is written: status, headers, body."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None):
        self.status = status
        self.body = body
        self.headers: list[tuple[str, str]] = headers if headers is not None else []


class _ApiError(Exception):
    """An error response in the contract's shape, raised from a route."""

    _TYPES = {
        400: "invalid_request_error",
        404: "not_found_error",
        405: "invalid_request_error",
        429: "rate_limit_error",
    }

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = list(headers)

    @property
    def type(self) -> str:
        return self._TYPES.get(self.status, "api_error")


def _error_reply(
    status: int,
    error_type: str,
    code: str,
    message: str,
    request_id: str,
    *,
    param: str | None = None,
    retry_after: int | None = None,
) -> _Reply:
    error: dict[str, Any] = {"type": error_type, "code": code, "message": message}
    if param is not None:
        error["param"] = param
    error["doc_url"] = f"{DOC_URL}#{code}"
    error["request_id"] = request_id
    if retry_after is not None:
        error["retryAfter"] = retry_after
    body = _dumps({"success": False, "error": error}).encode("utf-8")
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    return _Reply(status, body, headers)


def _api_error_reply(exc: _ApiError, request_id: str) -> _Reply:
    reply = _error_reply(exc.status, exc.type, exc.code, exc.message, request_id, param=exc.param)
    reply.headers.extend(exc.headers)
    return reply


def _missing(param: str) -> _ApiError:
    return _ApiError(400, "parameter_missing", f"Missing required parameter: {param}.", param=param)


def _invalid(param: str, why: str) -> _ApiError:
    return _ApiError(400, "parameter_invalid", f"Invalid {param}: {why}.", param=param)


def _int_param(
    query: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    """An integer query parameter, or a 400 ``parameter_invalid`` naming it."""
    raw = query.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise _invalid(name, f"expected a whole number, got {raw!r}")
    value = int(text)
    if value < minimum:
        raise _invalid(name, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise _invalid(name, f"must be at most {maximum}, got {value}")
    return value


def _required_q(query: Mapping[str, str]) -> str:
    q = query.get("q")
    if q is None or not q.strip():
        raise _missing("q")
    return q


# --------------------------------------------------------------------------- content


def _instant(value: str | None) -> float:
    """Sort key of an ISO 8601 timestamp (unparsable or missing sorts as the oldest)."""
    if not value:
        return float("-inf")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return float("-inf")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _inverted_index(docs: Iterable[Sequence[tuple[str, int]]]) -> dict[str, list[tuple[int, int]]]:
    """word → [(document index, weighted occurrences)] over (text, weight) fields."""
    index: dict[str, list[tuple[int, int]]] = {}
    for doc, fields in enumerate(docs):
        weights: dict[str, int] = {}
        for text, weight in fields:
            for word in _WORD.findall(text.casefold()):
                weights[word] = weights.get(word, 0) + weight
        for word, score in weights.items():
            index.setdefault(word, []).append((doc, score))
    return index


def _rank(index: Mapping[str, list[tuple[int, int]]], q: str) -> list[int]:
    """Documents matching any word of ``q``: most distinct words first, then score, then order."""
    hits: dict[int, list[int]] = {}
    for word in dict.fromkeys(_WORD.findall(q.casefold())):
        for doc, score in index.get(word, ()):
            hit = hits.get(doc)
            if hit is None:
                hits[doc] = [1, score]
            else:
                hit[0] += 1
                hit[1] += score
    return sorted(hits, key=lambda doc: (-hits[doc][0], -hits[doc][1], doc))


def _json_list(items: Iterable[str]) -> str:
    return "[" + ",".join(items) + "]"


class _Content:
    """One loaded snapshot, indexed for serving. Immutable once built (caches aside)."""

    def __init__(self, snapshot: Snapshot, snapshot_dir: Path, team: str) -> None:
        self.team = team
        self.snapshot_dir = snapshot_dir
        self._cache: dict[tuple[Any, ...], tuple[bytes, str]] = {}
        self._search_lock = threading.Lock()

        # Library ---------------------------------------------------------------
        categories = sorted(
            (c for c in snapshot.categories if c.is_public),
            key=lambda c: (c.sort_order, c.name.casefold(), c.name),
        )
        self.categories_json = _json_list(_dumps(c.to_api()) for c in categories)

        self.articles: list[Article] = [
            a for a in snapshot.articles if a.is_public and a.status == "published" and a.slug
        ]
        self.all_articles: list[Article] = [a for a in snapshot.articles if a.slug]  # drafts too: admin API only
        self.article_pos: dict[str, int] = {}
        for pos, article in enumerate(self.articles):
            self.article_pos.setdefault(article.slug, pos)
        self.summaries: list[str] = [_dumps(a.to_api(with_content=False)) for a in self.articles]
        self.by_category: dict[str, list[int]] = {}
        for pos, article in enumerate(self.articles):
            if article.category_slug:
                self.by_category.setdefault(article.category_slug, []).append(pos)

        popular: list[int] = []
        seen: set[int] = set()
        for entry in snapshot.popular:
            pos = self.article_pos.get(entry.slug)
            if pos is not None and pos not in seen:
                popular.append(pos)
                seen.add(pos)
        # popular.json holds the top 10; past it (or without it) rank the rest by views.
        rest = sorted(
            (p for p in range(len(self.articles)) if p not in seen),
            key=lambda p: -self.articles[p].view_count,
        )
        self.popular: list[int] = popular + rest

        if (snapshot_dir / "library" / "stats.json").is_file():
            stats = snapshot.stats.to_api()
        else:
            stats = {
                "totalArticles": len(self.articles),
                "totalCategories": len(categories),
                "totalViews": sum(a.view_count for a in self.articles),
            }
        self.stats_json = _dumps(stats)
        self._article_index: dict[str, list[tuple[int, int]]] | None = None

        # Community -------------------------------------------------------------
        self.topics_json = _json_list(_dumps(t.to_api()) for t in snapshot.topics)
        self.threads: list[PostThread] = [
            t for t in snapshot.threads if t.post.slug and t.post.extra.get("is_public", True) is not False
        ]
        self.post_pos: dict[str, int] = {}
        for pos, thread in enumerate(self.threads):
            self.post_pos.setdefault(thread.post.slug, pos)
        self.posts_json: list[str] = [_dumps(t.post.to_api()) for t in self.threads]
        created = [_instant(t.post.created_at) for t in self.threads]
        everyone = range(len(self.threads))
        self.post_orders: dict[str, list[int]] = {
            "recent": sorted(everyone, key=lambda p: -created[p]),
            "votes": sorted(everyone, key=lambda p: -self.threads[p].post.vote_count),
            "comments": sorted(everyone, key=lambda p: -self.threads[p].post.comment_count),
        }
        self.post_orders_by_topic: dict[tuple[str, str], list[int]] = {}
        for sort, order in self.post_orders.items():
            for pos in order:
                topic = self.threads[pos].post.topic_slug
                if topic:
                    self.post_orders_by_topic.setdefault((sort, topic), []).append(pos)
        self._post_index: dict[str, list[tuple[int, int]]] | None = None

    # -- helpers

    def cached(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> tuple[bytes, str]:
        """(pre-meta body prefix, strong ETag) for ``key``, built once per snapshot."""
        hit = self._cache.get(key)
        if hit is None:
            prefix = build()
            hit = (prefix, '"' + hashlib.blake2b(prefix, digest_size=16).hexdigest() + '"')
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def article_search_index(self) -> dict[str, list[tuple[int, int]]]:
        with self._search_lock:
            if self._article_index is None:
                self._article_index = _inverted_index(
                    ((a.title, 5), (a.excerpt, 2), (a.content or "", 1)) for a in self.articles
                )
            return self._article_index

    def post_search_index(self) -> dict[str, list[tuple[int, int]]]:
        with self._search_lock:
            if self._post_index is None:
                self._post_index = _inverted_index(
                    ((t.post.title, 5), (t.post.body, 1)) for t in self.threads
                )
            return self._post_index

    # -- library

    def get_categories(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        return self.cached(("categories",), lambda: _prefix(self.categories_json))

    def get_articles(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        page = _int_param(query, "page", 1, 1)
        limit = _int_param(query, "limit", 20, 1, 100)
        category = query.get("category") or None

        def build() -> bytes:
            if category is None:
                positions: Sequence[int] = range(len(self.articles))
            else:
                positions = self.by_category.get(category, [])
            total = len(positions)
            start = (page - 1) * limit
            if category is None:
                items = self.summaries[start : start + limit]
            else:
                items = [self.summaries[p] for p in positions[start : start + limit]]
            total_pages = max(1, math.ceil(total / limit))
            pagination = {
                "page": page,
                "limit": limit,
                "total": total,
                "totalPages": total_pages,
                "hasMore": page < total_pages,
            }
            return _prefix(_json_list(items), pagination=_dumps(pagination))

        return self.cached(("articles", page, limit, category), build)

    def get_article(self, slug: str) -> tuple[bytes, str]:
        pos = self.article_position(slug)
        return self.cached(("article", slug), lambda: _prefix(_dumps(self.articles[pos].to_api())))

    def get_popular(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        limit = _int_param(query, "limit", 5, 1, 50)
        return self.cached(
            ("popular", limit),
            lambda: _prefix(_json_list(self.summaries[p] for p in self.popular[:limit])),
        )

    def get_stats(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        return self.cached(("stats",), lambda: _prefix(self.stats_json))

    def search_articles(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        q = _required_q(query)
        limit = _int_param(query, "limit", 10, 1, 50)

        def build() -> bytes:
            ranked = _rank(self.article_search_index(), q)
            items = _json_list(self.summaries[p] for p in ranked[:limit])
            return _prefix(items, count=len(ranked))

        return self.cached(("search", q, limit), build)

    def article_position(self, slug: str) -> int:
        """Index of the public article ``slug``, or a 404 ``resource_missing``."""
        pos = self.article_pos.get(slug)
        if pos is None:
            raise _ApiError(404, "resource_missing", f"No such article: {slug!r}.")
        return pos

    # -- community

    def get_topics(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        return self.cached(("topics",), lambda: _prefix(self.topics_json))

    def get_posts(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        topic = query.get("topic") or None
        sort = query.get("sort") or "recent"
        if sort not in _POST_SORTS:
            raise _invalid("sort", f"expected one of {', '.join(_POST_SORTS)}, got {sort!r}")
        limit = _int_param(query, "limit", 20, 1, 100)
        offset = _int_param(query, "offset", 0, 0)

        def build() -> bytes:
            if topic is None:
                order = self.post_orders[sort]
            else:
                order = self.post_orders_by_topic.get((sort, topic), [])
            posts = _json_list(self.posts_json[p] for p in order[offset : offset + limit])
            return _prefix('{"posts":' + posts + ',"count":' + str(len(order)) + "}")

        return self.cached(("posts", topic, sort, limit, offset), build)

    def get_post(self, slug: str) -> tuple[bytes, str]:
        pos = self.post_pos.get(slug)
        if pos is None:
            raise _ApiError(404, "resource_missing", f"No such post: {slug!r}.")

        def build() -> bytes:
            thread = self.threads[pos]
            comments = sorted(thread.comments, key=lambda c: _instant(c.created_at))
            data = (
                '{"post":' + self.posts_json[pos] + ',"comments":'
                + _json_list(_dumps(c.to_api()) for c in comments) + "}"
            )
            return _prefix(data)

        return self.cached(("post", slug), build)

    def search_posts(self, query: Mapping[str, str]) -> tuple[bytes, str]:
        q = _required_q(query)
        limit = _int_param(query, "limit", 10, 1, 50)

        def build() -> bytes:
            ranked = _rank(self.post_search_index(), q)
            items = _json_list(self.posts_json[p] for p in ranked[:limit])
            return _prefix(items, count=len(ranked))

        return self.cached(("community-search", q, limit), build)


def _prefix(data_json: str, *, pagination: str | None = None, count: int | None = None) -> bytes:
    """The success envelope up to (not including) ``meta``: the part the ETag covers."""
    out = '{"success":true,"data":' + data_json
    if pagination is not None:
        out += ',"pagination":' + pagination
    if count is not None:
        out += ',"count":' + str(count)
    return out.encode("utf-8")


def _finish(prefix: bytes, request_id: str) -> bytes:
    meta = '"meta":{"requestId":"' + request_id + '","timestamp":"' + _now_iso() + '"}}'
    return prefix + b"," + meta.encode("ascii")


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our strong ``etag``."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


# --------------------------------------------------------------------------- routing

_GetRoute = Callable[[_Content, Mapping[str, str]], tuple[bytes, str]]

_LIBRARY_LISTS: dict[str, _GetRoute] = {
    "categories": _Content.get_categories,
    "articles": _Content.get_articles,
    "search": _Content.search_articles,
    "popular": _Content.get_popular,
    "stats": _Content.get_stats,
}
_COMMUNITY_LISTS: dict[str, _GetRoute] = {
    "topics": _Content.get_topics,
    "posts": _Content.get_posts,
    "search": _Content.search_posts,
}


@dataclass(frozen=True)
class _Route:
    """A matched API route: what it does, which methods it takes, its team and slug."""

    kind: str  # "get", "article", "post", "view", "feedback"
    methods: tuple[str, ...]
    team: str
    slug: str = ""
    handler: _GetRoute | None = None


def _match(path: str) -> _Route | None:
    parts = path.split("/")
    if len(parts) < 5 or parts[0] != "" or parts[1] != "api" or any(p == "" for p in parts[2:]):
        return None
    surface, team, rest = parts[2], parts[3], parts[4:]
    get = ("GET", "HEAD")
    if surface == "library":
        if len(rest) == 1 and rest[0] in _LIBRARY_LISTS:
            return _Route("get", get, team, handler=_LIBRARY_LISTS[rest[0]])
        if rest[0] == "articles" and len(rest) == 2:
            return _Route("article", get, team, rest[1])
        if rest[0] == "articles" and len(rest) == 3 and rest[2] in ("view", "feedback"):
            return _Route(rest[2], ("POST",), team, rest[1])
    elif surface == "community":
        if len(rest) == 1 and rest[0] in _COMMUNITY_LISTS:
            return _Route("get", get, team, handler=_COMMUNITY_LISTS[rest[0]])
        if rest[0] == "posts" and len(rest) == 2:
            return _Route("post", get, team, rest[1])
    return None


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    request_id: str


@dataclass
class _Script:
    remaining: int | None
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


_CORS_ORIGIN = ("Access-Control-Allow-Origin", "*")
_CORS_PREFLIGHT = [
    _CORS_ORIGIN,
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type"),
    ("Access-Control-Max-Age", "86400"),
]


# --------------------------------------------------------------------------- HTTP plumbing


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its app and can close every open connection."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: "CStarTestServer") -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every kept-alive connection so handler threads end now, not at timeout."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            logger.debug("connection from %s ended: %r", client_address, exc)
        else:
            logger.exception("unexpected error serving %s", client_address)


class _BadRequestBody(Exception):
    """The request's body framing (Content-Length / chunked) cannot be read."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cStarTestServer/1"
    disable_nagle_algorithm = True
    timeout = 60
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: :meth:`_handle` logs one line per request itself."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    length = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequestBody("bad chunk size") from exc
                if length == 0:
                    while self.rfile.readline(1024).strip():
                        pass  # trailers
                    return b"".join(chunks)
                size += length
                if size > _MAX_BODY:
                    raise _BadRequestBody("body too large")
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError as exc:
            raise _BadRequestBody("bad Content-Length") from exc
        if length < 0 or length > _MAX_BODY:
            raise _BadRequestBody("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        started = time.perf_counter()
        app = self.server.app
        split = urlsplit(self.path)
        path = unquote(split.path)
        query: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(key, value)
        headers = {key.lower(): value for key, value in self.headers.items()}
        request_id = "req_" + secrets.token_hex(12)
        try:
            body = self._read_body()
        except _BadRequestBody as exc:
            self.close_connection = True
            request = _Request(self.command, path, query, headers, b"", request_id)
            reply = _error_reply(
                400, "invalid_request_error", "parameter_invalid", f"Unreadable body: {exc}.",
                request_id,
            )
            app._record(request, reply.status)
            self._write(reply, head_only=False, truncate=False)
            return
        request = _Request(self.command, path, query, headers, body, request_id)

        latency = app.faults.latency
        if latency > 0:
            time.sleep(latency)
        if app.faults._take_drop():
            app._record(request, 0)
            self.close_connection = True
            self._log(request, 0, 0, started)
            return

        reply = app._respond(request)
        head_only = self.command == "HEAD"
        truncate = (
            reply.status == 200 and bool(reply.body) and not head_only
            and app.faults._take_truncate()
        )
        app._record(request, reply.status)
        self._write(reply, head_only=head_only, truncate=truncate)
        self._log(request, reply.status, len(reply.body), started)

    def _write(self, reply: _Reply, *, head_only: bool, truncate: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        bodiless = reply.status in (204, 304) or 100 <= reply.status < 200
        if not bodiless:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if bodiless or head_only or not reply.body:
            return
        if truncate:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    def _log(self, request: _Request, status: int, size: int, started: float) -> None:
        if logger.isEnabledFor(logging.INFO):
            full = request.path + ("?" + urlsplit(self.path).query if "?" in self.path else "")
            logger.info(
                "%s %s -> %s %dB %.1fms",
                request.method, full, status or "dropped", size,
                (time.perf_counter() - started) * 1000,
            )


# --------------------------------------------------------------------------- the server


class CStarTestServer:
    """A strict cStar API over HTTP on loopback, serving one snapshot folder.

    Use it as a context manager (``with CStarTestServer(folder) as srv: srv.url``). API paths
    are ``/api/library/{team}/...`` and ``/api/community/{team}/...``, where ``{team}`` is the
    team slug or ``team_id``.
    """

    def __init__(
        self,
        snapshot_dir: str | PathLike[str],
        *,
        team: str | None = None,
        team_id: str = DEFAULT_TEAM_ID,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_key: str | None = None,
    ) -> None:
        self._team_arg = team
        self.admin_key = admin_key  # enables the admin article endpoints (cstar_admin.py)
        self.team_id = team_id
        self.host = host
        self.port = port
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.views: list[str] = []
        self.feedback: list[tuple[str, dict[str, Any]]] = []
        self._log_lock = threading.Lock()
        self._scripts: dict[tuple[str, str], deque[_Script]] = {}
        self._scripts_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._content = self._load(Path(snapshot_dir))

    # -- lifecycle

    @property
    def team(self) -> str:
        """The team slug the server answers to (besides ``team_id``)."""
        return self._content.team

    @property
    def snapshot_dir(self) -> Path:
        """The snapshot folder currently served."""
        return self._content.snapshot_dir

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (available once started)."""
        if self.port == 0:
            raise RuntimeError("CStarTestServer.url is known only after start()")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "CStarTestServer":
        """Bind (to the same port again after a stop) and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("CStarTestServer is already running")
        httpd = _HTTPServer((self.host, self.port), self)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"cstar-test-server:{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("cStar test server for %r at %s", self.team, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket and every open connection; idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> "CStarTestServer":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reload(self, snapshot_dir: str | PathLike[str] | None = None) -> None:
        """Re-read the snapshot (or read another folder); in-flight requests finish on the old one."""
        folder = self._content.snapshot_dir if snapshot_dir is None else Path(snapshot_dir)
        self._content = self._load(folder)

    def _load(self, folder: Path) -> _Content:
        snapshot = load_snapshot(folder)
        team = self._team_arg or snapshot.team
        if not team:
            raise ValueError(f"{folder}: snapshot.json names no team; pass team=")
        content = _Content(snapshot, folder, team)
        logger.debug(
            "loaded %s: %d articles, %d posts", folder, len(content.articles), len(content.threads)
        )
        return content

    # -- scripting and records

    def script(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> None:
        """Serve a canned response for ``method`` + exact ``path`` (query ignored).

        ``json`` is serialised (or ``body`` sent as is; JSON content type unless ``headers``
        say otherwise); ``times=None`` serves it forever. Scripts for one route queue FIFO.
        Faults still apply first; rate-limit headers are added unless ``headers`` set them.
        """
        if json is not None and body is not None:
            raise ValueError("script() takes json= or body=, not both")
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times!r}")
        payload = _dumps(json).encode("utf-8") if json is not None else (body or b"")
        header_list = list((headers or {}).items())
        if payload and not any(k.lower() == "content-type" for k, _ in header_list):
            header_list.append(("Content-Type", "application/json; charset=utf-8"))
        entry = _Script(times, status, payload, header_list)
        with self._scripts_lock:
            self._scripts.setdefault((method.upper(), path), deque()).append(entry)

    def _take_script(self, method: str, path: str) -> _Script | None:
        if not self._scripts:
            return None
        with self._scripts_lock:
            queue = self._scripts.get((method, path))
            if not queue:
                return None
            entry = queue[0]
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining <= 0:
                    queue.popleft()
                    if not queue:
                        del self._scripts[(method, path)]
            return entry

    def clear_log(self) -> None:
        """Forget recorded requests, views and feedback (the lists are emptied in place)."""
        with self._log_lock:
            self.requests.clear()
            self.views.clear()
            self.feedback.clear()

    def _record(self, request: _Request, status: int) -> None:
        record = RecordedRequest(
            request.method, request.path, request.query, request.headers, request.body, status
        )
        with self._log_lock:
            self.requests.append(record)

    # -- answering

    def _respond(self, request: _Request) -> _Reply:
        """Apply the faults in order (budget, 429, 5xx), then a script, then the API itself."""
        faults = self.faults
        budget = faults._charge(time.time())
        rid = request.request_id
        scripted = False
        if budget.retry_after is not None:
            reply = _error_reply(
                429, "rate_limit_error", "rate_limit_exceeded",
                f"Rate limit of {budget.limit} requests per {budget.window} s exceeded.",
                rid, retry_after=budget.retry_after,
            )
        elif (limited := faults._take_rate_limited()) is not None:
            reply = _injected_429(limited, rid)
        elif (failure := faults._take_failure(request.path)) is not None:
            reply = _injected_5xx(failure, rid)
        elif (script := self._take_script(request.method, request.path)) is not None:
            reply = _Reply(script.status, script.body, list(script.headers))
            scripted = True
        else:
            try:
                reply = self._route(request)
            except _ApiError as exc:
                reply = _api_error_reply(exc, rid)
            except Exception:
                logger.exception("cStar test server failed on %s %s", request.method, request.path)
                reply = _error_reply(
                    500, "api_error", "internal_error", "Internal error.", rid
                )

        present = {name.lower() for name, _ in reply.headers} if scripted else set()
        for name, value in budget.headers():
            if name.lower() not in present:
                reply.headers.append((name, value))
        if "x-request-id" not in present:
            reply.headers.append(("X-Request-Id", rid))
        if request.method == "POST" and "access-control-allow-origin" not in present:
            reply.headers.append(_CORS_ORIGIN)
        return reply

    def _route(self, request: _Request) -> _Reply:
        if self.admin_key and request.path.startswith("/api/v1/"):
            from helpgen.testing.cstar_admin import admin_reply

            return admin_reply(self, request)
        route = _match(request.path)
        if route is None:
            raise _ApiError(404, "resource_missing", f"Unknown route: {request.path}.")
        allow = ", ".join(route.methods + ("OPTIONS",))
        if request.method == "OPTIONS":
            return _Reply(204, b"", _CORS_PREFLIGHT + [("Allow", allow)])
        if request.method not in route.methods:
            raise _ApiError(
                405, "method_not_allowed",
                f"{request.method} is not allowed on {request.path}; use {'/'.join(route.methods)}.",
                headers=[("Allow", allow)],
            )
        content = self._content
        if route.team != content.team and route.team.lower() != self.team_id.lower():
            raise _ApiError(404, "resource_missing", f"No such team: {route.team!r}.")

        if route.kind == "view":
            content.article_position(route.slug)
            with self._log_lock:
                self.views.append(route.slug)
            return _success_reply(request.request_id)
        if route.kind == "feedback":
            content.article_position(route.slug)
            parsed = _parse_feedback(request.body)
            with self._log_lock:
                self.feedback.append((route.slug, parsed))
            return _success_reply(request.request_id)

        if route.kind == "article":
            prefix, etag = content.get_article(route.slug)
        elif route.kind == "post":
            prefix, etag = content.get_post(route.slug)
        else:
            assert route.handler is not None
            prefix, etag = route.handler(content, request.query)
        headers = [("Content-Type", "application/json; charset=utf-8")]
        if self.faults.etags:
            headers.append(("ETag", etag))
            inm = request.headers.get("if-none-match")
            if inm is not None and _etag_matches(inm, etag):
                return _Reply(304, b"", [("ETag", etag)])
        return _Reply(200, _finish(prefix, request.request_id), headers)


def _success_reply(request_id: str) -> _Reply:
    return _Reply(
        200,
        _finish(b'{"success":true,"data":{"success":true}', request_id),
        [("Content-Type", "application/json; charset=utf-8")],
    )


def _parse_feedback(body: bytes) -> dict[str, Any]:
    """Validate a feedback body: ``{"isHelpful": bool, "feedbackText"?: str <= 2000}``."""
    if not body.strip():
        raise _missing("isHelpful")
    try:
        parsed = _json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _ApiError(400, "parameter_invalid", f"Request body is not valid JSON: {exc}.") from exc
    if not isinstance(parsed, dict):
        raise _ApiError(400, "parameter_invalid", "Request body must be a JSON object.")
    if "isHelpful" not in parsed:
        raise _missing("isHelpful")
    if not isinstance(parsed["isHelpful"], bool):
        raise _invalid("isHelpful", "expected true or false")
    text = parsed.get("feedbackText")
    if text is not None:
        if not isinstance(text, str):
            raise _invalid("feedbackText", "expected a string")
        if len(text) > FEEDBACK_TEXT_MAX:
            raise _invalid("feedbackText", f"at most {FEEDBACK_TEXT_MAX} characters")
    return parsed


def _injected_429(rule: _RateLimitRule, request_id: str) -> _Reply:
    if rule.legacy:
        error: dict[str, Any] = {"code": "RATE_LIMITED", "message": "Too many requests."}
        if rule.retry_after is not None:
            error["retryAfter"] = rule.retry_after
        headers = [("Content-Type", "application/json; charset=utf-8")]
        if rule.retry_after is not None:
            headers.append(("Retry-After", str(rule.retry_after)))
        return _Reply(429, _dumps({"error": error}).encode("utf-8"), headers)
    return _error_reply(
        429, "rate_limit_error", "rate_limit_exceeded", "Too many requests.", request_id,
        retry_after=rule.retry_after,
    )


def _injected_5xx(rule: _FailRule, request_id: str) -> _Reply:
    if rule.html:
        reason = _REASONS.get(rule.status, "Server Error")
        page = _HTML_ERROR_PAGE.format(status=rule.status, reason=reason).encode("utf-8")
        return _Reply(rule.status, page, [("Content-Type", "text/html; charset=utf-8")])
    return _error_reply(
        rule.status, "api_error", "internal_error", "The server had an error.", request_id
    )


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a snapshot folder in the foreground until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m helpgen.testing.cstar_server",
        description="Serve a helpgen snapshot folder as cStar's public API (for tests and benchmarks).",
    )
    parser.add_argument("snapshot_dir", type=Path, help="snapshot folder (docs/architecture.md)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--team", default=None, help="team slug (default: snapshot.json's)")
    parser.add_argument("--team-id", default=DEFAULT_TEAM_ID, help="team UUID also accepted")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests allowed per window")
    parser.add_argument("--rate-limit-window", type=float, default=3600.0, help="window seconds")
    parser.add_argument("--quiet", action="store_true", help="do not log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
    logger.setLevel(logging.INFO)
    try:
        server = CStarTestServer(
            args.snapshot_dir, team=args.team, team_id=args.team_id, host=args.host, port=args.port
        )
    except (SnapshotError, OSError, ValueError) as exc:
        parser.error(str(exc))
    server.faults.latency = args.latency
    server.faults.rate_limit_window = args.rate_limit_window
    server.faults.rate_limit = args.rate_limit

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    server.start()
    logger.info(
        "serving %s (%d articles, %d posts) at %s/api/library/%s/ and %s/api/community/%s/",
        server.snapshot_dir, len(server._content.articles), len(server._content.threads),
        server.url, server.team, server.url, server.team,
    )
    if args.quiet:
        logger.setLevel(logging.WARNING)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
