"""`trackdeck gc`: permanently remove soft-deleted runs, logged models and experiments,
their rows and their files, once they have been deleted for longer than a grace period."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from trackdeck.artifacts.base import ArtifactStore
from trackdeck.artifacts.paths import artifact_uri_path
from trackdeck.errors import InvalidParameterValue
from trackdeck.store import purge
from trackdeck.store.database import Database
from trackdeck.store.sql import now_ms

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration_ms(text: str) -> int:
    """`30d`, `12h`, `1d2h30m`, `0s` -> milliseconds."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise InvalidParameterValue(
            f"Invalid duration '{text}': use days, hours, minutes and seconds, like 30d or 1d12h."
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000


Finder = Callable[[Connection, int], list[purge.Doomed]]
Remover = Callable[[Connection, str], None]
FolderOf = Callable[[purge.Doomed], str | None]


Finder = Callable[[Connection, int], list[purge.Doomed]]
Remover = Callable[[Connection, str], None]
FolderOf = Callable[[purge.Doomed], str | None]


@dataclass
class GcReport:
    runs: list[str] = field(default_factory=list)
    logged_models: list[str] = field(default_factory=list)
    experiments: list[str] = field(default_factory=list)


def _store_path(artifact_uri: str) -> str | None:
    """The store path of a location this server handed out; None for any other."""
    try:
        return artifact_uri_path(artifact_uri)
    except InvalidParameterValue:
        return None


def _object_folder(doomed: purge.Doomed) -> str | None:
    """The folder of a run (`<exp>/<run>` for `<exp>/<run>/artifacts`) or a logged model."""
    path = _store_path(doomed.artifact_uri)
    if path is None or "/" not in path:
        return None
    return path.rsplit("/", 1)[0]


def _experiment_folder(doomed: purge.Doomed) -> str | None:
    """Only an experiment's own default folder (`<id>`): a location it was given may be
    shared with another experiment."""
    path = _store_path(doomed.artifact_uri)
    return path if path == doomed.id else None


def collect_garbage(
    db: Database, artifacts: ArtifactStore, older_than_ms: int, dry_run: bool = False
) -> GcReport:
    """Remove what was deleted at least `older_than_ms` ago; files first, then rows, so an
    interrupted run leaves rows to retry rather than files nobody can find."""
    cutoff = now_ms() - older_than_ms
    report = GcReport()
    kinds: list[tuple[Finder, Remover, FolderOf, list[str]]] = [
        (purge.deleted_runs, purge.purge_run, _object_folder, report.runs),
        (
            purge.deleted_logged_models,
            purge.purge_logged_model,
            _object_folder,
            report.logged_models,
        ),
        (purge.deleted_experiments, purge.purge_experiment, _experiment_folder, report.experiments),
    ]
    for find, remove, folder_of, removed in kinds:
        for doomed in db.read(lambda conn, find=find: find(conn, cutoff)):
            removed.append(doomed.id)
            if dry_run:
                continue
            folder = folder_of(doomed)
            if folder:
                artifacts.delete(folder)
            db.write(lambda conn, remove=remove, doomed=doomed: remove(conn, doomed.id))
    return report
