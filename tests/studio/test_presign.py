"""Presigned tokens: signed, expiring, bound to their kind."""

from __future__ import annotations

import time

import pytest

from trackdeck.errors import InvalidParameterValue
from trackdeck.studio.presign import InvalidToken, presigned_token, session_token, sign, verify

SECRET = b"k" * 32


def test_roundtrip_and_claims() -> None:
    token = presigned_token("alpha", SECRET, expires_in=60, session_seconds=600)
    payload = verify(token, SECRET, "presigned")
    assert payload["server"] == "alpha" and payload["session"] == 600
    assert payload["exp"] - time.time() == pytest.approx(60, abs=2)
    assert len(payload["jti"]) == 32


def test_tampering_other_keys_and_kinds_are_refused() -> None:
    token = presigned_token("alpha", SECRET)
    body, _, mac = token.partition(".")
    forged = sign({"kind": "presigned", "server": "beta", "exp": 2**40}, b"other")
    for bad in (forged, body + "." + mac[:-2], "x" + token, "", "no-dot"):
        with pytest.raises(InvalidToken):
            verify(bad, SECRET, "presigned")
    with pytest.raises(InvalidToken):
        verify(session_token("alpha", SECRET, 60), SECRET, "presigned")


def test_expiry() -> None:
    token = presigned_token("alpha", SECRET, expires_in=5)
    verify(token, SECRET, "presigned", now=time.time() + 4)
    with pytest.raises(InvalidToken, match="expired"):
        verify(token, SECRET, "presigned", now=time.time() + 6)


@pytest.mark.parametrize(("expires", "session"), [(4, 600), (301, 600), (60, 299), (60, 43201)])
def test_lifetimes_are_bounded(expires: int, session: int) -> None:
    with pytest.raises(InvalidParameterValue):
        presigned_token("alpha", SECRET, expires, session)
