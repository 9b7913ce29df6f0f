"""Who is calling: credentials the mlflow client or a browser sends, turned into a Caller.

Accepted, in this order: `Authorization: Basic` (MLFLOW_TRACKING_USERNAME/PASSWORD),
`Authorization: Bearer <API token>` (MLFLOW_TRACKING_TOKEN), the UI's session cookie, and
the studio's proxy assertion (a per-server secret the studio adds to requests it has
authenticated itself; `X-Trackdeck-User` then names the caller, an admin of the server),
and the studio's own token as a Bearer token (an admin too).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from trackdeck.auth.throttle import Throttle
from trackdeck.errors import Unauthenticated
from trackdeck.store.permissions import Level, PermissionStore, Visible
from trackdeck.store.users import Session, User, UserStore

CALLER = "trackdeck.caller"  # the scope key the guard stores the caller under
CHECK = "trackdeck.check"  # a check the guard leaves for an RPC to run in its worker
SESSION_COOKIE = "trackdeck_session"
PROXY_SECRET_HEADER = "x-trackdeck-proxy-secret"
PROXY_USER_HEADER = "x-trackdeck-user"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request, and what they may see."""

    user: User | None  # None when auth is off: everyone may do everything
    permissions: PermissionStore | None = None
    session: Session | None = None
    asserted: bool = False  # vouched for by the studio proxy, not a user of this server
    signed_out: bool = False  # auth is on and the request carries no credentials

    @property
    def is_admin(self) -> bool:
        if self.user is None:
            return not self.signed_out
        return self.user.is_admin

    @property
    def username(self) -> str | None:
        return None if self.user is None else self.user.username

    def visible(self, resource_type: str) -> Visible | None:
        """Which resources this caller may read; None means all of them."""
        if self.is_admin or self.permissions is None or self.user is None:
            return None
        return self.permissions.visible(self.user.id, resource_type)

    def level(self, resource_type: str, resource_ids: list[str]) -> Level:
        if self.is_admin or self.permissions is None or self.user is None:
            return Level.MANAGE
        return self.permissions.level(self.user.id, resource_type, resource_ids)

    def own(self, resource_type: str, resource_id: str) -> None:
        """Make the caller the manager of a resource they just created."""
        if self.permissions is not None and self.user is not None and not self.asserted:
            self.permissions.grant(self.user.id, resource_type, resource_id, Level.MANAGE)


EVERYONE = Caller(None)
SIGNED_OUT = Caller(None, signed_out=True)


def readable_experiments(caller: Caller, experiment_ids: list[str]) -> list[str]:
    """The ids among `experiment_ids` the caller may read (searches skip the others)."""
    visible = caller.visible("experiment")
    if visible is None:
        return experiment_ids
    return [e for e in experiment_ids if visible.allows(str(e))]


def caller_of(scope: Mapping[str, Any]) -> Caller:
    """The caller the guard let in (everyone, when auth is off)."""
    return scope.get(CALLER, EVERYONE)


def _cookie(headers: dict[str, str], name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no credential
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


class Authenticator:
    def __init__(
        self,
        users: UserStore,
        permissions: PermissionStore,
        throttle: Throttle,
        proxy_secret: str | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.users = users
        self.permissions = permissions
        self.throttle = throttle
        self.proxy_secret = proxy_secret
        self.admin_token = admin_token

    def caller(self, headers: dict[str, str], client: str) -> Caller | None:
        """The caller these headers prove; None when they carry no credentials at all.

        Raises Unauthenticated for credentials that are wrong, expired or revoked, and
        TooManyAttempts (429) once a client has guessed too many passwords.
        """
        asserted = self._asserted(headers)
        if asserted is not None:
            return asserted
        kind, _, value = headers.get("authorization", "").partition(" ")
        kind = kind.lower()
        if kind == "basic":
            return self._basic(value.strip(), client)
        if kind == "bearer":
            if self.admin_token and hmac.compare_digest(
                value.strip().encode(), self.admin_token.encode()
            ):
                return Caller(User(0, "studio", True, 0), self.permissions, asserted=True)
            user = self.users.user_for_token(value.strip())
            if user is None:
                raise Unauthenticated("The API token is invalid, expired or revoked.")
            return Caller(user, self.permissions)
        secret = _cookie(headers, SESSION_COOKIE)
        if secret:
            session = self.users.session(secret)
            if session is not None:
                return Caller(session.user, self.permissions, session=session)
        return None

    def _basic(self, value: str, client: str) -> Caller:
        try:
            username, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("Malformed Basic credentials.") from None
        if not sep or not username:
            raise Unauthenticated("Malformed Basic credentials.")
        return Caller(self.check_password(username, password, client), self.permissions)

    def check_password(self, username: str, password: str, client: str) -> User:
        """The user, if the password is right; failures count towards the client's limit."""
        key = f"{client}|{username}"
        self.throttle.check(key)
        user = self.users.authenticate(username, password)
        if user is None:
            self.throttle.failed(key)
            raise Unauthenticated("Wrong username or password.")
        self.throttle.succeeded(key)
        return user

    def _asserted(self, headers: dict[str, str]) -> Caller | None:
        claimed = headers.get(PROXY_SECRET_HEADER)
        if not claimed or not self.proxy_secret:
            return None
        if not hmac.compare_digest(claimed.encode(), self.proxy_secret.encode()):
            raise Unauthenticated("Invalid studio proxy credentials.")
        name = headers.get(PROXY_USER_HEADER) or "studio"
        return Caller(User(0, name, True, 0), self.permissions, asserted=True)
