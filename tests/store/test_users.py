"""Users, passwords, tokens and sessions in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists
from trackdeck.store.tracking import TrackingStore
from trackdeck.store.users import digest

PASSWORD = "a sturdy passphrase"


def test_password_rules(store: TrackingStore) -> None:
    for bad, why in (
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "5 different"),
        ("xx-mallory-rules-xx", "must not contain the username"),
    ):
        with pytest.raises(InvalidParameterValue, match=why):
            store.users.create("mallory", bad)
    store.users.create("mallory", PASSWORD)
    with pytest.raises(ResourceAlreadyExists):
        store.users.create("mallory", PASSWORD)


def test_passwords_are_hashed_and_a_change_takes_effect_at_once(store: TrackingStore) -> None:
    store.users.create("ann", PASSWORD)
    stored = store.db.read(
        lambda conn: conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert store.users.authenticate("ann", PASSWORD) is not None
    assert store.users.authenticate("ann", PASSWORD) is not None  # remembered
    store.users.set_password("ann", "another passphrase")
    assert store.users.authenticate("ann", PASSWORD) is None
    assert store.users.authenticate("ann", "another passphrase") is not None


def test_tokens_are_digests_expire_and_revoke(store: TrackingStore) -> None:
    store.users.create("ci", PASSWORD)
    lasting, secret = store.users.create_token("ci", "forever")
    _short, short_secret = store.users.create_token("ci", "brief", expires_in_seconds=1)
    digests = store.db.read(
        lambda conn: conn.exec_driver_sql("SELECT digest FROM api_tokens").scalars().all()
    )
    assert set(digests) == {digest(secret), digest(short_secret)}
    assert store.users.user_for_token(secret).username == "ci"
    assert store.users.user_for_token(short_secret).username == "ci"
    time.sleep(1.1)
    assert store.users.user_for_token(short_secret) is None
    assert [t.name for t in store.users.list_tokens("ci")] == ["forever", "brief"]
    store.users.revoke_token(lasting.id)
    assert store.users.user_for_token(secret) is None


def test_sessions_end_on_sign_out_and_password_change(store: TrackingStore) -> None:
    user = store.users.create("bea", PASSWORD)
    first, _ = store.users.open_session(user)
    second, session = store.users.open_session(user)
    assert store.users.session(first).user.username == "bea"
    assert len(session.csrf_token) > 30
    store.users.close_session(first)
    assert store.users.session(first) is None
    store.users.set_password("bea", "a different passphrase")
    assert store.users.session(second) is None
