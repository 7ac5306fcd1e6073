"""Verifying cStar's signed webhook events: signature, age, replay and size checks.

The scheme is the one ``shared/cstar-api.md`` (section Webhooks) fixes. Each POST carries::

    x-cstar-signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]

where ``<hex>`` is HMAC-SHA256(secret, ``"<t>.<raw body>"``) in lowercase hex. An event is
accepted when any ``v1`` matches (several appear while a secret is rotated), compared in
constant time; when ``t`` is at most :data:`TOLERANCE_SECONDS` (5 minutes) away from now; when
neither its event id nor its signature was accepted before within that window (a replay);
and when its body is at most ``max_body`` bytes. :class:`WebhookVerifier` does all of it and
returns the parsed :class:`WebhookEvent`, or raises :class:`WebhookRejected` with the HTTP
status to answer and a reason that never quotes the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "SIGNATURE_HEADER",
    "TOLERANCE_SECONDS",
    "MAX_BODY_BYTES",
    "WebhookEvent",
    "WebhookRejected",
    "WebhookVerifier",
    "sign",
]

SIGNATURE_HEADER = "x-cstar-signature"
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 256 * 1024  # cStar's events carry one object's fields: far below this


class WebhookRejected(Exception):
    """The event is refused; ``status`` is the HTTP status to answer (401, 409, 413, 400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class WebhookEvent:
    """One verified event: ``type`` like ``article.updated``; ``data`` is the object's fields."""

    id: str
    type: str
    created_at: str
    team_id: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    timestamp: int = 0

    @property
    def affects_site(self) -> bool:
        """True for the events a help center shows (articles, community posts, categories)."""
        return self.type.startswith(("article.", "community_post.", "category.", "topic."))


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The ``v1`` hex signature of ``body`` sent at ``timestamp`` (what cStar computes)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            if not value.isdigit() or len(value) > 12:
                raise WebhookRejected(401, f"{SIGNATURE_HEADER}: t= is not a Unix time")
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise WebhookRejected(401, f"{SIGNATURE_HEADER}: no t= timestamp")
    if not signatures:
        raise WebhookRejected(401, f"{SIGNATURE_HEADER}: no v1= signature")
    return timestamp, signatures


class _SeenWindow:
    """Keys accepted in the last ``seconds``, forgotten after (bounded memory)."""

    def __init__(self, seconds: float, limit: int = 100_000) -> None:
        self.seconds = seconds
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def add_if_new(self, keys: list[str], now: float) -> bool:
        while self._seen:
            oldest, when = next(iter(self._seen.items()))
            if when > now - self.seconds and len(self._seen) <= self.limit:
                break
            del self._seen[oldest]
        if any(k in self._seen for k in keys):
            return False
        for key in keys:
            self._seen[key] = now
        return True


class WebhookVerifier:
    """Checks events against ``secret`` (one, or several while rotating) and remembers them.

    Thread-safe. ``clock`` (Unix seconds) is for tests.
    """

    def __init__(
        self,
        secret: str | bytes | list[str],
        *,
        tolerance: float = TOLERANCE_SECONDS,
        max_body: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        secrets = secret if isinstance(secret, list) else [secret]
        self._keys = [s.encode("utf-8") if isinstance(s, str) else s for s in secrets if s]
        if not self._keys:
            raise ValueError("a webhook secret is required")
        self.tolerance = tolerance
        self.max_body = max_body
        self._clock = clock
        self._seen = _SeenWindow(tolerance * 2)  # an event is valid from t - tolerance to t + tolerance
        self._lock = threading.Lock()

    def check_size(self, length: int | None) -> None:
        """Refuse (413) a body announced larger than ``max_body`` before reading it."""
        if length is not None and length > self.max_body:
            raise WebhookRejected(413, f"body of {length} bytes is over the limit of {self.max_body}")

    def verify(self, body: bytes, header: str | None) -> WebhookEvent:
        """The verified event, or :class:`WebhookRejected` (401 signature or age, 409 replay,
        413 size, 400 a signed body that is not an event)."""
        self.check_size(len(body))
        if not header:
            raise WebhookRejected(401, f"no {SIGNATURE_HEADER} header")
        timestamp, offered = _parse_header(header)
        expected = [sign(key, timestamp, body) for key in self._keys]
        # Compare every pair so the time taken does not depend on which one matched.
        matched = False
        for candidate in offered:
            for good in expected:
                matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), good.encode("ascii"))
        if not matched:
            raise WebhookRejected(401, "signature does not match")
        now = self._clock()
        if abs(now - timestamp) > self.tolerance:
            raise WebhookRejected(401, f"timestamp {timestamp} is more than {int(self.tolerance)} s from now")
        event = _parse_event(body, timestamp)
        with self._lock:
            keys = [f"sig:{s}" for s in offered if s in expected] + ([f"id:{event.id}"] if event.id else [])
            if not self._seen.add_if_new(keys, now):
                raise WebhookRejected(409, f"event {event.id or '(no id)'} was already received (replay)")
        return event


def _parse_event(body: bytes, timestamp: int) -> WebhookEvent:
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(raw, dict):
        raise WebhookRejected(400, "body is not a JSON object")

    def text(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    data = raw.get("data")
    return WebhookEvent(
        id=text("id"),
        type=text("type"),
        created_at=text("created_at") or text("createdAt"),
        team_id=text("team_id") or text("teamId"),
        data=data if isinstance(data, dict) else {},
        timestamp=timestamp,
    )
