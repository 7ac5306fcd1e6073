"""Webhook verification against fixed vectors: signature, rotation, age, replay and size.

The expected signatures are computed here with ``hmac`` directly from the contract's scheme
(HMAC-SHA256(secret, "<t>.<raw body>"), hex), not through helpgen's own ``sign``.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from helpgen.webhooks import WebhookRejected, WebhookVerifier, sign

SECRET = "whsec_3b1f0c9e2d"
T = 1764028800  # 2025-11-25T00:00:00Z
BODY = (
    b'{"id":"evt_01","type":"article.updated","created_at":"2025-11-25T00:00:00Z",'
    b'"team_id":"3f6c2b1e","data":{"id":"art_1","slug":"reset-password"}}'
)
# Fixed vector: hmac.new(b"whsec_3b1f0c9e2d", b"1764028800." + BODY, sha256).hexdigest()
VECTOR = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()


def verifier(now: float = T, **kwargs) -> WebhookVerifier:
    return WebhookVerifier(SECRET, clock=lambda: now, **kwargs)


def test_sign_matches_the_contract_scheme() -> None:
    assert sign(SECRET, T, BODY) == VECTOR
    assert len(VECTOR) == 64 and VECTOR == VECTOR.lower()


def test_a_literal_vector_computed_outside_python() -> None:
    # printf '1764028800.{"id":"evt_01"}' | openssl dgst -sha256 -hmac whsec_3b1f0c9e2d
    body = b'{"id":"evt_01"}'
    literal = "123dc29af1f6590028922105012e4b3d3781179de975dbd9854dda40b2c333a7"
    assert sign(SECRET, T, body) == literal
    assert verifier().verify(body, f"t={T},v1={literal}").id == "evt_01"
    assert verifier().verify(body, f"t={T},v1={literal.upper()}").id == "evt_01"  # hex case does not matter


def test_a_correctly_signed_event_is_accepted_and_parsed() -> None:
    event = verifier().verify(BODY, f"t={T},v1={VECTOR}")
    assert (event.id, event.type, event.team_id) == ("evt_01", "article.updated", "3f6c2b1e")
    assert event.data["slug"] == "reset-password"
    assert event.affects_site


def test_any_v1_matches_during_secret_rotation() -> None:
    old = hmac.new(b"whsec_old", f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert verifier().verify(BODY, f"t={T}, v1={old}, v1={VECTOR}").id == "evt_01"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        f"v1={VECTOR}",  # no timestamp
        f"t={T}",  # no signature
        f"t={T},v1={'0' * 64}",
        f"t={T + 1},v1={VECTOR}",  # signature of another timestamp
        f"t=abc,v1={VECTOR}",
        f"t={T},v0={VECTOR}",  # only v1 counts
    ],
)
def test_bad_signatures_are_401(header: str | None) -> None:
    with pytest.raises(WebhookRejected) as info:
        verifier().verify(BODY, header)
    assert info.value.status == 401


def test_a_changed_body_fails_the_signature() -> None:
    with pytest.raises(WebhookRejected) as info:
        verifier().verify(BODY.replace(b"reset-password", b"reset-passw0rd"), f"t={T},v1={VECTOR}")
    assert info.value.status == 401


def test_timestamps_older_or_newer_than_five_minutes_are_refused() -> None:
    header = f"t={T},v1={VECTOR}"
    assert verifier(now=T + 300).verify(BODY, header).id == "evt_01"
    for now in (T + 301, T - 301):
        with pytest.raises(WebhookRejected) as info:
            verifier(now=now).verify(BODY, header)
        assert info.value.status == 401 and "from now" in info.value.reason


def test_a_replay_is_refused_by_signature_and_by_event_id() -> None:
    check = verifier()
    header = f"t={T},v1={VECTOR}"
    check.verify(BODY, header)
    with pytest.raises(WebhookRejected) as info:
        check.verify(BODY, header)
    assert info.value.status == 409
    # The same event id re-signed a second later is still a replay.
    later = sign(SECRET, T + 1, BODY)
    with pytest.raises(WebhookRejected) as info:
        check.verify(BODY, f"t={T + 1},v1={later}")
    assert info.value.status == 409
    # Another event is fine.
    other = BODY.replace(b"evt_01", b"evt_02")
    assert check.verify(other, f"t={T},v1={sign(SECRET, T, other)}").id == "evt_02"


def test_replay_memory_ends_with_the_tolerance_window() -> None:
    now = [float(T)]
    check = WebhookVerifier(SECRET, clock=lambda: now[0])
    check.verify(BODY, f"t={T},v1={VECTOR}")
    now[0] = T + 700  # the old event is now stale, so forgetting it opens no replay
    with pytest.raises(WebhookRejected) as info:
        check.verify(BODY, f"t={T},v1={VECTOR}")
    assert info.value.status == 401


def test_oversized_bodies_are_413_before_the_signature() -> None:
    check = verifier(max_body=1024)
    big = b'{"id":"evt_big","type":"article.updated","data":{"x":"' + b"a" * 2000 + b'"}}'
    with pytest.raises(WebhookRejected) as info:
        check.verify(big, f"t={T},v1={sign(SECRET, T, big)}")
    assert info.value.status == 413
    with pytest.raises(WebhookRejected) as info:
        check.check_size(5000)
    assert info.value.status == 413


def test_a_signed_body_that_is_not_an_event_is_400() -> None:
    body = b"[1, 2]"
    with pytest.raises(WebhookRejected) as info:
        verifier().verify(body, f"t={T},v1={sign(SECRET, T, body)}")
    assert info.value.status == 400


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        WebhookVerifier("")
