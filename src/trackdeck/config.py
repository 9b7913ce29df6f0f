"""Every server setting in one place: command-line flags and TRACKDECK_* environment variables.

The CLI writes the flags it was given into the environment before starting uvicorn, so
each worker process builds the same `ServerConfig` with `ServerConfig.from_env()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

DATA_DIR = Path("trackdeck-data")


def default_store_uri() -> str:
    return f"sqlite:///{(DATA_DIR / 'trackdeck.db').resolve()}"


def absolute_destination(destination: str) -> str:
    """An artifacts destination with a folder made absolute, so every worker agrees."""
    return destination if "://" in destination else str(Path(destination).resolve())


def _parse(raw: str, type_name: str) -> object:
    if type_name == "int":
        return int(raw)
    if type_name == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


@dataclass(frozen=True)
class ServerConfig:
    backend_store_uri: str
    default_artifact_root: str = "mlflow-artifacts:/"
    # Where mlflow-artifacts:/ files live: a folder or s3://bucket/prefix (see docs/artifacts.md).
    artifacts_destination: str = str(DATA_DIR / "artifacts")
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    # Register every logged model that becomes READY as a version of the model of its name.
    auto_register_models: bool = False
    # Users, tokens and permissions on every route (docs/auth.md); off unless asked for.
    auth: bool = False
    # What a user may do with an experiment or model nobody granted them anything on.
    auth_default_permission: str = "READ"
    # Host headers served (DNS-rebinding guard); "" = localhost, the bind host and
    # private addresses; "*" = any.
    allowed_hosts: str = ""
    # Origins whose pages may call the API from a browser; "" = only this server's own.
    cors_allowed_origins: str = ""
    # The secret the studio proxy proves itself with (set by the studio, never a flag).
    proxy_secret: str = ""
    # A bearer token that makes its holder an admin: the studio's own token, so whoever
    # runs the studio reaches its servers' ports directly too (set by the studio).
    admin_token: str = ""

    @classmethod
    def from_env(cls) -> ServerConfig:
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = os.environ.get(f"TRACKDECK_{field.name.upper()}")
            if raw is not None:
                values[field.name] = _parse(raw, str(field.type))
        values.setdefault("backend_store_uri", default_store_uri())
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        return {f"TRACKDECK_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}
