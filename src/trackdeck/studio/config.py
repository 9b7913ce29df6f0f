"""The studio's settings: flags of `trackdeck studio` and TRACKDECK_STUDIO_* variables."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from trackdeck.config import DATA_DIR

DEFAULT_DATA_DIR = DATA_DIR / "studio"


@dataclass(frozen=True)
class StudioConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000
    # When set, the API, the UI and the proxy want this token (Bearer, Basic password, or a
    # session from the login form or a presigned URL). Unset: open to whoever can connect.
    token: str | None = None
    public_url: str | None = None  # how users reach the studio, if not http://host:port
    # A server the studio creates and starts on its first start (`make run`: "default").
    default_server: str | None = None

    @property
    def url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def database_uri(self) -> str:
        return f"sqlite:///{(self.data_dir / 'studio.db').resolve()}"

    @property
    def servers_dir(self) -> Path:
        return self.data_dir / "servers"

    def proxy_secret(self, server_name: str) -> str:
        """What the proxy proves itself with to one server (see trackdeck.auth.identity):
        derived from the studio's secret, so it survives restarts and differs per server."""
        return hmac.new(self.secret(), f"proxy:{server_name}".encode(), "sha256").hexdigest()

    def secret(self) -> bytes:
        """The key presigned URLs and sessions are signed with, made once per data dir."""
        from_env = os.environ.get("TRACKDECK_STUDIO_SECRET")
        if from_env:
            return from_env.encode()
        return _secret_file(self.data_dir / "secret.key")


@cache
def _secret_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
