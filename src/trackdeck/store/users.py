"""Users, their argon2 password hashes, API tokens and UI sessions.

Passwords are hashed with argon2id. Checking a password costs tens of milliseconds by
design, so a successful check is remembered per (user, password digest, stored hash):
the next request with the same credentials costs one indexed read, and a changed
password or a deleted user stops working at once because the stored hash no longer
matches. Tokens and session ids are random and stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.store.database import Database, IntegrityError
from trackdeck.store.sql import now_ms
from trackdeck.store.tables import api_tokens, sessions, users

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MAX_USERNAME_LENGTH = 256
TOKEN_PREFIX = "tdk_"
SESSION_LIFETIME_MS = 12 * 3600 * 1000
_VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    is_admin: bool
    creation_time: int


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    username: str
    creation_time: int
    expiry_time: int | None


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str
    expiry_time: int


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def validate_username(username: str | None) -> str:
    if not username or not username.strip():
        raise InvalidParameterValue("Username must be a non-empty string.")
    if len(username) > MAX_USERNAME_LENGTH:
        raise InvalidParameterValue(f"Username is longer than {MAX_USERNAME_LENGTH} characters.")
    if any(ch in username for ch in ":/\\") or not username.isprintable():
        raise InvalidParameterValue(
            f"Invalid username '{username}': it may not contain ':', '/', '\\' or control "
            "characters."
        )
    return username


def validate_password(password: str | None, username: str) -> str:
    """Enforce the password rules; the message says which one failed."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameterValue(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters long."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidParameterValue(f"Password is longer than {MAX_PASSWORD_LENGTH} characters.")
    if username.lower() in password.lower():
        raise InvalidParameterValue("Password must not contain the username.")
    if len(set(password)) < 5:
        raise InvalidParameterValue("Password must use at least 5 different characters.")
    return password


def _user(row: object) -> User:
    return User(row.id, row.username, bool(row.is_admin), row.creation_time)  # type: ignore[attr-defined]


_USER_COLUMNS = (users.c.id, users.c.username, users.c.is_admin, users.c.creation_time)


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._hasher = PasswordHasher()
        self._verified: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    # -- users -------------------------------------------------------------------------
    def create(self, username: str | None, password: str | None, is_admin: bool = False) -> User:
        name = validate_username(username)
        password_hash = self._hasher.hash(validate_password(password, name))

        def work(conn: Connection) -> User:
            row = conn.execute(
                insert(users)
                .values(
                    username=name,
                    password_hash=password_hash,
                    is_admin=is_admin,
                    creation_time=now_ms(),
                )
                .returning(*_USER_COLUMNS)
            ).one()
            return _user(row)

        try:
            return self.db.write(work)
        except IntegrityError as exc:
            raise ResourceAlreadyExists(f"User '{name}' already exists.") from exc

    def get(self, username: str | None) -> User:
        name = username or ""
        row = self.db.read(
            lambda conn: conn.execute(
                select(*_USER_COLUMNS).where(users.c.username == name)
            ).one_or_none()
        )
        if row is None:
            raise ResourceDoesNotExist(f"User '{name}' does not exist.")
        return _user(row)

    def list(self) -> list[User]:
        rows = self.db.read(
            lambda conn: conn.execute(select(*_USER_COLUMNS).order_by(users.c.username)).all()
        )
        return [_user(row) for row in rows]

    def count_admins(self) -> int:
        return len(
            self.db.read(
                lambda conn: conn.execute(select(users.c.id).where(users.c.is_admin)).all()
            )
        )

    def set_password(self, username: str | None, password: str | None) -> None:
        user = self.get(username)
        password_hash = self._hasher.hash(validate_password(password, user.username))
        self.db.write(
            lambda conn: conn.execute(
                update(users).where(users.c.id == user.id).values(password_hash=password_hash)
            )
        )
        # Sessions opened with the old password end with it.
        self.db.write(
            lambda conn: conn.execute(delete(sessions).where(sessions.c.user_id == user.id))
        )

    def set_admin(self, username: str | None, is_admin: bool) -> None:
        user = self.get(username)
        self.db.write(
            lambda conn: conn.execute(
                update(users).where(users.c.id == user.id).values(is_admin=is_admin)
            )
        )

    def delete(self, username: str | None) -> None:
        user = self.get(username)
        self.db.write(lambda conn: conn.execute(delete(users).where(users.c.id == user.id)))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user these credentials prove, or None."""
        row = self.db.read(
            lambda conn: conn.execute(
                select(*_USER_COLUMNS, users.c.password_hash).where(users.c.username == username)
            ).one_or_none()
        )
        if row is None:
            return None
        key = (username, digest(password))
        with self._lock:
            if self._verified.get(key) == row.password_hash:
                self._verified.move_to_end(key)
                return _user(row)
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        with self._lock:
            self._verified[key] = row.password_hash
            if len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return _user(row)

    # -- API tokens ----------------------------------------------------------------------
    def create_token(
        self, username: str, name: str, expires_in_seconds: int | None = None
    ) -> tuple[ApiToken, str]:
        """A new token for `username`: its record and the secret, shown only this once."""
        user = self.get(username)
        if not name or len(name) > 256:
            raise InvalidParameterValue("Token name must be 1 to 256 characters.")
        if expires_in_seconds is not None and expires_in_seconds <= 0:
            raise InvalidParameterValue("expires_in_seconds must be a positive number.")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        created = now_ms()
        expiry = created + expires_in_seconds * 1000 if expires_in_seconds else None
        token_id = self.db.write(
            lambda conn: conn.execute(
                insert(api_tokens)
                .values(
                    user_id=user.id,
                    name=name,
                    digest=digest(secret),
                    creation_time=created,
                    expiry_time=expiry,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
        )
        return ApiToken(token_id, name, user.username, created, expiry), secret

    def list_tokens(self, username: str | None = None) -> list[ApiToken]:
        query = (
            select(api_tokens, users.c.username)
            .join(users, users.c.id == api_tokens.c.user_id)
            .order_by(api_tokens.c.id)
        )
        if username is not None:
            query = query.where(users.c.username == username)
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [ApiToken(r.id, r.name, r.username, r.creation_time, r.expiry_time) for r in rows]

    def revoke_token(self, token_id: int, username: str | None = None) -> None:
        """Delete a token; with `username`, only one of that user's own."""
        condition = api_tokens.c.id == token_id
        if username is not None:
            condition &= api_tokens.c.user_id == self.get(username).id
        deleted = self.db.write(lambda conn: conn.execute(delete(api_tokens).where(condition)))
        if not deleted.rowcount:
            raise ResourceDoesNotExist(f"Token {token_id} does not exist.")

    def user_for_token(self, secret: str) -> User | None:
        now = now_ms()
        row = self.db.read(
            lambda conn: conn.execute(
                select(*_USER_COLUMNS, api_tokens.c.expiry_time)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.digest == digest(secret))
            ).one_or_none()
        )
        if row is None or (row.expiry_time is not None and row.expiry_time <= now):
            return None
        return _user(row)

    # -- UI sessions ---------------------------------------------------------------------
    def open_session(
        self, user: User, lifetime_ms: int = SESSION_LIFETIME_MS
    ) -> tuple[str, Session]:
        """A new session: the cookie value (shown once) and its record."""
        secret = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now_ms() + lifetime_ms)
        self.db.write(
            lambda conn: conn.execute(
                insert(sessions).values(
                    digest=digest(secret),
                    user_id=user.id,
                    csrf_token=session.csrf_token,
                    expiry_time=session.expiry_time,
                )
            )
        )
        return secret, session

    def session(self, secret: str) -> Session | None:
        now = now_ms()
        row = self.db.read(
            lambda conn: conn.execute(
                select(*_USER_COLUMNS, sessions.c.csrf_token, sessions.c.expiry_time)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(sessions.c.digest == digest(secret), sessions.c.expiry_time > now)
            ).one_or_none()
        )
        return None if row is None else Session(_user(row), row.csrf_token, row.expiry_time)

    def close_session(self, secret: str) -> None:
        now = now_ms()
        self.db.write(
            lambda conn: conn.execute(
                delete(sessions).where(
                    (sessions.c.digest == digest(secret)) | (sessions.c.expiry_time <= now)
                )
            )
        )
