"""Where a model version's files may come from: only this server's own artifacts.

mlflow server accepts any `source` for a model version (a local path, `file:`, another
host) and later serves or copies files from it; most of its model-version CVEs come from
that. trackdeck accepts exactly four forms, all resolved to a location inside its own
artifact store, and refuses everything else with a 400:

    models:/<model_id>                  a logged model of this server
    models:/<name>/<version>            a version already in this registry
    runs:/<run_id>/<path>               files of a run of this server
    mlflow-artifacts:/<path>            a path inside this server's artifact store
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from sqlalchemy import select

from trackdeck.errors import InvalidParameterValue
from trackdeck.store.database import Database
from trackdeck.store.tables import logged_models, model_versions, runs

_RUN_ID = re.compile(r"[0-9a-f]{32}")
_FORBIDDEN = ("\\", "\x00", "?", "#", ";")


@dataclass(frozen=True)
class ResolvedSource:
    storage_location: str
    run_id: str | None
    model_id: str | None


@dataclass(frozen=True)
class SourceResolvers:
    """Look-ups into this server's stores, each returning None when nothing matches."""

    logged_model: Callable[[str], tuple[str, str | None] | None]  # id -> (artifact_uri, run_id)
    run_artifact_uri: Callable[[str], str | None]
    model_version_location: Callable[[str, int], str | None]


def _refuse(source: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Invalid model version source '{source}': {why}. A source must be models:/<model_id>, "
        "models:/<name>/<version>, runs:/<run_id>/<path> or mlflow-artifacts:/<path> "
        "of this server."
    )


def _fully_decoded(text: str) -> str:
    """Percent-decode until nothing changes, so double encoding cannot hide a `..`."""
    for _ in range(5):
        decoded = unquote(text)
        if decoded == text:
            return text
        text = decoded
    return text


def _safe_relative(path: str, source: str) -> str:
    """A relative path with no traversal; '' for the root."""
    if path.startswith("/"):
        raise _refuse(source, "the path must be relative")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise _refuse(source, "'..' is not allowed")
    return posixpath.join(*parts) if parts else ""


def resolve_source(source: str, run_id: str | None, resolvers: SourceResolvers) -> ResolvedSource:
    if not source:
        raise InvalidParameterValue("Missing value for required parameter 'source'.")
    decoded = _fully_decoded(source)
    if any(char in decoded for char in _FORBIDDEN):
        raise _refuse(source, "it contains a forbidden character")
    scheme, _, rest = decoded.partition(":")
    if scheme == "models" and rest.startswith("/") and not rest.startswith("//"):
        return _models_source(source, rest[1:], run_id, resolvers)
    if scheme == "runs" and rest.startswith("/") and not rest.startswith("//"):
        return _runs_source(source, rest[1:], run_id, resolvers)
    if scheme == "mlflow-artifacts" and rest.startswith("/") and not rest.startswith("//"):
        path = _safe_relative(rest[1:], source)
        if not path:
            raise _refuse(source, "it names the artifact root itself")
        return ResolvedSource(f"mlflow-artifacts:/{path}", run_id, None)
    raise _refuse(source, "this scheme or location is not accepted")


def _models_source(
    source: str, rest: str, run_id: str | None, resolvers: SourceResolvers
) -> ResolvedSource:
    parts = rest.split("/")
    if len(parts) == 1 and parts[0]:
        found = resolvers.logged_model(parts[0])
        if found is None:
            raise _refuse(source, f"no logged model with id '{parts[0]}' exists")
        artifact_uri, source_run_id = found
        return ResolvedSource(artifact_uri, run_id or source_run_id, parts[0])
    if len(parts) == 2 and parts[0] and parts[1].isdigit():
        location = resolvers.model_version_location(parts[0], int(parts[1]))
        if location is None:
            raise _refuse(source, f"model '{parts[0]}' has no version {parts[1]}")
        return ResolvedSource(location, run_id, None)
    raise _refuse(source, "expected models:/<model_id> or models:/<name>/<version>")


def _runs_source(
    source: str, rest: str, run_id: str | None, resolvers: SourceResolvers
) -> ResolvedSource:
    source_run, _, path = rest.partition("/")
    if not _RUN_ID.fullmatch(source_run):
        raise _refuse(source, f"'{source_run}' is not a run id")
    if run_id and run_id != source_run:
        raise _refuse(source, f"it names run {source_run} but run_id is {run_id}")
    artifact_uri = resolvers.run_artifact_uri(source_run)
    if artifact_uri is None:
        raise _refuse(source, f"run {source_run} does not exist")
    relative = _safe_relative(path, source)
    location = f"{artifact_uri}/{relative}" if relative else artifact_uri
    return ResolvedSource(location, source_run, None)


def database_resolvers(db: Database) -> SourceResolvers:
    """Resolvers reading this store's own tables."""

    def run_artifact_uri(run_id: str) -> str | None:
        return db.read(
            lambda conn: conn.execute(
                select(runs.c.artifact_uri).where(runs.c.run_uuid == run_id)
            ).scalar()
        )

    def model_version_location(name: str, version: int) -> str | None:
        return db.read(
            lambda conn: conn.execute(
                select(model_versions.c.storage_location).where(
                    model_versions.c.name == name,
                    model_versions.c.version == version,
                    model_versions.c.deleted.is_(False),
                )
            ).scalar()
        )

    def logged_model(model_id: str) -> tuple[str, str | None] | None:
        row = db.read(
            lambda conn: conn.execute(
                select(logged_models.c.artifact_uri, logged_models.c.source_run_id).where(
                    logged_models.c.model_id == model_id,
                    logged_models.c.lifecycle_stage == "active",
                )
            ).first()
        )
        return None if row is None else (row.artifact_uri, row.source_run_id)

    return SourceResolvers(logged_model, run_artifact_uri, model_version_location)
