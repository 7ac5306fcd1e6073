"""Every way a call to the cStar API can fail, as one small exception tree.

```
CStarError                   the API said no: code, message, status_code, param, endpoint, ...
 ├── CStarNotFoundError      404: unknown team, article or post (never retried)
 ├── CStarRateLimitError     429 still refused after the last retry, or asked to wait
 │                           longer than ``max_wait``; ``retry_after`` says how long
 ├── CStarConnectionError    network error or timeout after the last retry (status_code None)
 └── CStarResponseError      a body that is not JSON, truncated, or of the wrong shape,
                             after the last retry
```

Other 4xx answers (400 ``parameter_invalid``, ...) raise :class:`CStarError` itself at once;
5xx answers are retried and, after the last retry, raise :class:`CStarError` with their
status. ``str(err)`` is always one line naming the endpoint, the status and the message::

    GET /api/library/acme/articles/x: 404 resource_missing: Article not found
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CStarError",
    "CStarNotFoundError",
    "CStarRateLimitError",
    "CStarConnectionError",
    "CStarResponseError",
]


class CStarError(Exception):
    """A failed cStar API call; the attributes carry what a user needs to act."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        endpoint: str | None = None,
        request_id: str | None = None,
        error_type: str | None = None,
        doc_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.param = param
        self.retry_after = retry_after
        self.endpoint = endpoint
        self.request_id = request_id
        self.error_type = error_type
        self.doc_url = doc_url

    def __str__(self) -> str:
        head = " ".join(str(p) for p in (self.status_code, self.code) if p is not None)
        parts = [p for p in (self.endpoint, head, self.message) if p]
        line = ": ".join(parts)
        if self.param:
            line += f" (param: {self.param})"
        return " ".join(line.split())  # one line, whatever the server put in the message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, code={self.code!r}, "
            f"status_code={self.status_code!r}, endpoint={self.endpoint!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the keyword attributes across pickling (multiprocessing, pytest-xdist).
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[CStarError], message: str, state: dict[str, Any]) -> CStarError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class CStarNotFoundError(CStarError):
    """404: the team, article or post does not exist or is not public."""


class CStarRateLimitError(CStarError):
    """429: rate-limited; ``retry_after`` is the wait (seconds) the server asked for."""


class CStarConnectionError(CStarError):
    """The server could not be reached, or did not answer in time, after the last retry."""


class CStarResponseError(CStarError):
    """The server answered with a body that is not JSON, truncated or of an unexpected shape."""
