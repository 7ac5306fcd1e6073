"""The HTTP layer under both cStar clients: one ``httpx.Client`` and the official SDK's policy.

:class:`CStarTransport` owns everything that is about the wire rather than about a resource:
retries with backoff (network errors, timeouts, 5xx, unparseable bodies), waiting on 429,
``ETag`` / ``If-None-Match`` reuse, the ``X-RateLimit-*`` state, request statistics, and the
tolerant unwrapping of cStar's envelope and error shapes (``shared/cstar-api.md``). All waits
go through an injectable ``sleep`` so tests and benchmarks never really wait.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Callable, Mapping, MutableMapping, NoReturn, Self, TypeVar

import httpx
from urllib.parse import quote

import helpgen

from ._errors import (
    CStarConnectionError,
    CStarError,
    CStarNotFoundError,
    CStarRateLimitError,
    CStarResponseError,
)
from ._models import UnexpectedShape

__all__ = [
    "DEFAULT_BASE_URL",
    "APIResponse",
    "CStarTransport",
    "ClientBase",
    "RateLimit",
    "TransportStats",
    "UnexpectedShape",
    "check_int",
    "check_slug",
]

DEFAULT_BASE_URL = "https://www.cstar.help"
DEFAULT_RATE_LIMIT_WAIT = 60.0
USER_AGENT = f"helpgen/{helpgen.__version__}"

logger = logging.getLogger("helpgen.cstar")

T = TypeVar("T")

_RATE_LIMIT_CODES = {"rate_limited", "rate_limit_exceeded", "rate_limit", "too_many_requests"}
_NOT_FOUND_CODES = {"resource_missing", "not_found", "resource_not_found"}
_STATUS_BY_TYPE = {
    "invalid_request_error": 400,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "api_error": 500,
}
_DEFAULT_CODES = {400: "invalid_request", 404: "resource_missing", 429: "rate_limit_exceeded"}
_NO_JSON = object()


@dataclass(frozen=True)
class RateLimit:
    """The rate-limit state from the last response's ``X-RateLimit-*`` headers."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # Unix seconds
    window: int | None = None  # seconds

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> "RateLimit | None":
        """Read the four headers; None when the response carries none of them."""
        names = ("limit", "remaining", "reset", "window")
        values = [headers.get(f"x-ratelimit-{name}") for name in names]
        if all(v is None for v in values):
            return None
        limit, remaining, reset, window = values
        reset_f = _float_or_none(reset)
        return cls(
            limit=_int_or_none(limit),
            remaining=_int_or_none(remaining),
            reset=reset_f,
            window=_int_or_none(window),
        )

    def seconds_until_reset(self, now: float | None = None) -> float | None:
        """Seconds until the window resets (never negative), or None when unknown."""
        if self.reset is None:
            return None
        return max(0.0, self.reset - (time.time() if now is None else now))


@dataclass(frozen=True)
class TransportStats:
    """What a transport has done so far; every HTTP attempt counts as a request."""

    requests: int = 0
    responses_304: int = 0
    retries: int = 0
    bytes_received: int = 0


@dataclass(frozen=True)
class APIResponse:
    """One successful answer, unwrapped: ``data`` is the envelope's payload (or the bare body)."""

    method: str
    endpoint: str
    url: str
    status_code: int
    headers: httpx.Headers
    body: Any
    data: Any
    meta: Mapping[str, Any] = field(default_factory=dict)
    from_cache: bool = False
    request_id: str | None = None

    def find(self, key: str) -> Any:
        """``key`` from ``data`` (when an object), else the body's top level, else ``meta``."""
        for where in (self.data, self.body, self.meta):
            if isinstance(where, Mapping) and key in where and where[key] is not None:
                return where[key]
        return None

    def find_int(self, *keys: str, default: int) -> int:
        """The first of ``keys`` found (see :meth:`find`) that is an integer, else ``default``."""
        for key in keys:
            value = self.find(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                return value
            number = _float_or_none(value)
            if number is not None:
                return int(number)
        return default


class _Retry(Exception):
    """Internal: this attempt failed in a way the policy retries."""

    def __init__(self, error: CStarError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait  # None: exponential backoff; a number: the server asked for it


class CStarTransport:
    """One HTTP connection pool to cStar with the SDK's retry, 429, ETag and stats behaviour.

    ``max_retries`` retries follow the first attempt, whatever their cause. Backoff is
    ``backoff_base * 2**n`` seconds capped at ``max_backoff``, plus up to ``jitter`` of
    itself at random. A 429 waits ``Retry-After`` (or ``error.retryAfter``, 60 s when
    absent) unless that exceeds ``max_wait``, which raises :class:`CStarRateLimitError` at
    once. With an ``etag_cache`` (full URL → (ETag, body)), GETs send ``If-None-Match`` and a
    304 reuses the cached body; without one, ETags are ignored.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        max_backoff: float = 8.0,
        jitter: float = 0.1,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        etag_cache: MutableMapping[str, tuple[str, bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if backoff_base < 0 or max_backoff < 0 or jitter < 0:
            raise ValueError("backoff_base, max_backoff and jitter must be >= 0")
        if max_wait is not None and max_wait < 0:
            raise ValueError(f"max_wait must be >= 0 or None, got {max_wait}")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.max_wait = max_wait
        self.etag_cache = etag_cache
        self._sleep = sleep
        self._random = random.Random()
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "responses_304": 0, "retries": 0, "bytes_received": 0}
        self._rate_limit: RateLimit | None = None
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        )

    # ------------------------------------------------------------------ public state

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``https://www.cstar.help``."""
        return str(self._client.base_url).rstrip("/")

    @property
    def rate_limit(self) -> RateLimit | None:
        """The latest ``X-RateLimit-*`` state seen, or None before any response carried it."""
        return self._rate_limit

    @property
    def stats(self) -> TransportStats:
        """A snapshot of the request counters."""
        with self._lock:
            return TransportStats(**self._counts)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> "CStarTransport":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        expect_body: bool = True,
    ) -> APIResponse:
        """Send one API call under the retry policy and return the unwrapped response."""
        return self.fetch(
            method, path, _identity, params=params, json=json, expect_body=expect_body
        )

    def fetch(
        self,
        method: str,
        path: str,
        parse: Callable[[APIResponse], T],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        expect_body: bool = True,
    ) -> T:
        """Like :meth:`request`, then ``parse`` the response; an :class:`UnexpectedShape`
        from ``parse`` counts as an unparseable body (retried, then CStarResponseError).

        With ``expect_body=False`` (the POST endpoints) an empty or non-JSON success body
        is accepted as ``data=None`` rather than retried: the action already happened.
        """
        method = method.upper()
        endpoint = f"{method} {path}"
        retry = 0
        while True:
            try:
                return self._attempt(method, path, endpoint, params, json, parse, expect_body)
            except _Retry as failed:
                error = failed.error
                if failed.wait is None:
                    wait = self._backoff(retry)
                else:
                    wait = failed.wait
                    if self.max_wait is not None and wait > self.max_wait:
                        logger.info(
                            "%s: asked to wait %.1f s > max_wait; giving up", endpoint, wait
                        )
                        raise error from None
                if retry >= self.max_retries:
                    raise error from None
                retry += 1
                with self._lock:
                    self._counts["retries"] += 1
                logger.info(
                    "%s: %s; retry %d/%d in %.2f s", endpoint, _reason(error), retry,
                    self.max_retries, wait,
                )
                self._sleep(wait)

    def _backoff(self, retry: int) -> float:
        delay = min(self.backoff_base * 2.0**retry, self.max_backoff)
        return delay + self._random.uniform(0.0, self.jitter * delay)

    def _attempt(
        self,
        method: str,
        path: str,
        endpoint: str,
        params: Mapping[str, Any] | None,
        json: Any,
        parse: Callable[[APIResponse], T],
        expect_body: bool,
    ) -> T:
        request = self._client.build_request(method, path, params=_clean_params(params), json=json)
        url = str(request.url)
        cache = self.etag_cache if method == "GET" else None
        cached = cache.get(url) if cache is not None else None
        if cached is not None:
            request.headers["If-None-Match"] = cached[0]

        started = time.monotonic()
        with self._lock:
            self._counts["requests"] += 1
        try:
            response = self._client.send(request, stream=True)
        except (httpx.UnsupportedProtocol, httpx.ProxyError) as exc:
            raise CStarConnectionError(
                f"cannot reach {url}: {exc}", code="connection_error", endpoint=endpoint
            ) from exc
        except httpx.TransportError as exc:
            logger.debug("%s %s -> %s", method, url, type(exc).__name__)
            raise _Retry(_connection_error(exc, endpoint)) from exc
        try:
            try:
                raw = response.read()
            except (httpx.TransportError, httpx.DecodingError) as exc:
                self._observe(response, method, url, started, note=f"body cut short: {exc}")
                if response.status_code >= 500:
                    raise _Retry(_http_error(response, _NO_JSON, endpoint)) from exc
                raise _Retry(
                    CStarResponseError(
                        f"response body truncated ({type(exc).__name__}: {exc})",
                        code=TRUNCATED_RESPONSE,
                        status_code=response.status_code,
                        endpoint=endpoint,
                        request_id=response.headers.get("x-request-id"),
                    )
                ) from exc
        finally:
            response.close()
        self._observe(response, method, url, started)

        from_cache = False
        status = response.status_code
        if status == 304:
            with self._lock:
                self._counts["responses_304"] += 1
            if cached is None:
                raise _Retry(
                    CStarResponseError(
                        "304 Not Modified for a request without a cached body",
                        code="invalid_response",
                        status_code=304,
                        endpoint=endpoint,
                    )
                )
            new_etag = response.headers.get("etag")
            if new_etag and new_etag != cached[0] and cache is not None:
                cache[url] = (new_etag, cached[1])
            raw, status, from_cache = cached[1], 200, True

        body = _loads(raw)
        if status >= 300 or _is_error_body(body):
            self._raise_http_error(response, body, endpoint, status)
        if body is _NO_JSON:
            if expect_body:
                self._forget(cache, url, from_cache)
                raise _Retry(_response_error("response body is not JSON", response, raw, endpoint))
            body = None

        data, meta = _unwrap(body)
        api_response = APIResponse(
            method=method,
            endpoint=endpoint,
            url=url,
            status_code=status,
            headers=response.headers,
            body=body,
            data=data,
            meta=meta,
            from_cache=from_cache,
            request_id=_str_or_none(meta.get("requestId") or meta.get("request_id"))
            or response.headers.get("x-request-id"),
        )
        try:
            result = parse(api_response)
        except UnexpectedShape as exc:
            self._forget(cache, url, from_cache)
            raise _Retry(
                CStarResponseError(
                    f"unexpected response shape: {exc}",
                    code="invalid_response",
                    status_code=status,
                    endpoint=endpoint,
                    request_id=api_response.request_id,
                )
            ) from exc
        etag = response.headers.get("etag")
        if cache is not None and not from_cache and status == 200 and etag:
            cache[url] = (etag, raw)
        return result

    def _observe(
        self, response: httpx.Response, method: str, url: str, started: float, note: str = ""
    ) -> None:
        """Record stats and rate-limit state for a response whose headers arrived."""
        rate_limit = RateLimit.from_headers(response.headers)
        with self._lock:
            # A followed redirect is one more HTTP request on the wire.
            self._counts["requests"] += len(response.history)
            self._counts["bytes_received"] += response.num_bytes_downloaded
            if rate_limit is not None:
                self._rate_limit = rate_limit
        logger.debug(
            "%s %s -> %d (%d B, %.3f s)%s",
            method,
            url,
            response.status_code,
            response.num_bytes_downloaded,
            time.monotonic() - started,
            f" {note}" if note else "",
        )

    def _forget(
        self, cache: MutableMapping[str, tuple[str, bytes]] | None, url: str, from_cache: bool
    ) -> None:
        # A cached body that no longer parses must not be revalidated again: refetch it whole.
        if cache is not None and from_cache:
            cache.pop(url, None)

    def _raise_http_error(
        self, response: httpx.Response, body: Any, endpoint: str, status: int
    ) -> NoReturn:
        error = _http_error(response, body, endpoint, status)
        if isinstance(error, CStarRateLimitError):
            wait = error.retry_after if error.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
            raise _Retry(error, wait=wait)
        if error.status_code is not None and error.status_code >= 500:
            raise _Retry(error)
        raise error


# ---------------------------------------------------------------------- a client's base


# The error code of a body cut short in transit: a network failure, not bad data.
TRUNCATED_RESPONSE = "truncated_response"


class ClientBase:
    """What both resource clients share: a transport they own or borrow, and ``close``.

    A subclass names its API section (``library`` or ``community``) in ``SECTION``.
    """

    SECTION = ""

    def __init__(
        self,
        team: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        etag_cache: MutableMapping[str, tuple[str, bytes]] | None = None,
        cstar_transport: CStarTransport | None = None,
    ) -> None:
        self.team = check_slug("team", team)
        if cstar_transport is not None:
            # Shared: the other options were given to the transport by its owner.
            self._transport = cstar_transport
            self._owns_transport = False
        else:
            self._transport = CStarTransport(
                base_url,
                timeout=timeout,
                max_retries=max_retries,
                backoff_base=backoff_base,
                max_wait=max_wait,
                sleep=sleep,
                transport=transport,
                etag_cache=etag_cache,
            )
            self._owns_transport = True
        self._prefix = f"/api/{self.SECTION}/{quote(self.team, safe='')}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(team={self.team!r}, base_url={self._transport.base_url!r})"

    @property
    def transport(self) -> CStarTransport:
        """The transport this client sends through (for ``stats`` and ``rate_limit``)."""
        return self._transport

    def close(self) -> None:
        """Close the transport, unless it was passed in (then its owner closes it)."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_int(name: str, value: int, low: int, high: int | None = None) -> int:
    """``value`` if it is an int within [low, high]; ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def check_slug(name: str, value: str) -> str:
    """``value`` stripped, if it is a non-empty string; ValueError naming ``name`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


# ---------------------------------------------------------------------- helpers


def _identity(response: APIResponse) -> APIResponse:
    return response


def _reason(error: CStarError) -> str:
    if error.status_code is not None:
        return f"{error.status_code} {error.code or ''}".strip()
    return error.code or type(error).__name__


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out


def _loads(raw: bytes) -> Any:
    if not raw or not raw.strip():
        return _NO_JSON
    try:
        return jsonlib.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _NO_JSON


def _is_error_body(body: Any) -> bool:
    """A 2xx body that is really an error (older generations answered 200 with these)."""
    if not isinstance(body, Mapping):
        return False
    if body.get("success") is False:
        return True
    return (
        "error" in body
        and isinstance(body["error"], (Mapping, str))
        and "data" not in body
        and body.get("success") is not True
    )


def _unwrap(body: Any) -> tuple[Any, Mapping[str, Any]]:
    """(data, meta) from an envelope, or (body, {}) from a bare body."""
    if not isinstance(body, Mapping):
        return body, {}
    meta = body.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    if "data" in body:
        return body["data"], meta
    if body.get("success") is True:
        # ``{"success": true, "posts": [...], "count": 3}``: the payload sits beside the flag.
        return {k: v for k, v in body.items() if k not in ("success", "meta")}, meta
    return body, meta


def _connection_error(exc: httpx.TransportError, endpoint: str) -> CStarConnectionError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    detail = str(exc) or type(exc).__name__
    return CStarConnectionError(
        f"{kind} ({type(exc).__name__}: {detail})", code="connection_error", endpoint=endpoint
    )


def _response_error(
    what: str, response: httpx.Response, raw: bytes, endpoint: str
) -> CStarResponseError:
    ctype = response.headers.get("content-type", "no content-type")
    return CStarResponseError(
        f"{what} ({len(raw)} bytes, {ctype})",
        code="invalid_response",
        status_code=response.status_code,
        endpoint=endpoint,
        request_id=response.headers.get("x-request-id"),
    )


def _http_error(
    response: httpx.Response, body: Any, endpoint: str, status: int | None = None
) -> CStarError:
    """The right :class:`CStarError` for an error answer, from any of its documented shapes."""
    status = response.status_code if status is None else status
    err: Mapping[str, Any] = {}
    message: str | None = None
    if isinstance(body, Mapping):
        raw_err = body.get("error")
        if isinstance(raw_err, Mapping):
            err = raw_err
        elif isinstance(raw_err, str) and raw_err.strip():
            message = raw_err.strip()
        message = message or _str_or_none(err.get("message")) or _str_or_none(body.get("message"))
    code = _str_or_none(err.get("code"))
    error_type = _str_or_none(err.get("type"))
    norm_code = (code or "").strip().lower().replace("-", "_")

    if status < 400:
        # An error body on a 2xx: the status it stands for comes from its code or type.
        if norm_code in _RATE_LIMIT_CODES:
            status = 429
        elif norm_code in _NOT_FOUND_CODES:
            status = 404
        else:
            status = _STATUS_BY_TYPE.get(error_type or "", status)

    if message is None:
        message = response.reason_phrase or f"HTTP {status}"
        if body is _NO_JSON and response.num_bytes_downloaded:
            message += " (non-JSON body)"
    if code is None:
        fallback = "internal_error" if status >= 500 else f"http_{status}"
        code = _DEFAULT_CODES.get(status, fallback)

    meta = body.get("meta") if isinstance(body, Mapping) else None
    request_id = (
        _str_or_none(err.get("request_id") or err.get("requestId"))
        or (_str_or_none(meta.get("requestId")) if isinstance(meta, Mapping) else None)
        or response.headers.get("x-request-id")
    )
    kwargs: dict[str, Any] = dict(
        code=code,
        status_code=status,
        param=_str_or_none(err.get("param") or err.get("field")),
        endpoint=endpoint,
        request_id=request_id,
        error_type=error_type,
        doc_url=_str_or_none(err.get("doc_url") or err.get("docUrl")),
    )
    if status == 429 or norm_code in _RATE_LIMIT_CODES:
        retry_after = _retry_after_header(response.headers.get("retry-after"))
        if retry_after is None:
            retry_after = _float_or_none(err.get("retryAfter", err.get("retry_after")))
            retry_after = None if retry_after is None else max(0.0, retry_after)
        return CStarRateLimitError(message, retry_after=retry_after, **kwargs)
    if status == 404 or norm_code in _NOT_FOUND_CODES:
        return CStarNotFoundError(message, **kwargs)
    return CStarError(message, **kwargs)


def _retry_after_header(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date relative to now."""
    if value is None or not value.strip():
        return None
    seconds = _float_or_none(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _float_or_none(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def _int_or_none(value: Any) -> int | None:
    number = _float_or_none(value)
    return None if number is None else int(number)


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text or None
