"""Finding and permanently removing what was soft-deleted (the store half of `trackdeck gc`).

A deleted run or logged model that a live model version still points at is kept: its
files are that version's files. Rows of other tables go with their run, logged model or
experiment through ON DELETE CASCADE.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, exists, select, update

from trackdeck.store.experiments import DELETED
from trackdeck.store.tables import experiments, logged_models, model_versions, runs


@dataclass(frozen=True)
class Doomed:
    """Something to remove: its id and the artifact location of its files."""

    id: str
    artifact_uri: str


def deleted_runs(conn: Connection, cutoff_ms: int) -> list[Doomed]:
    rows = conn.execute(
        select(runs.c.run_uuid, runs.c.artifact_uri)
        .where(
            runs.c.lifecycle_stage == DELETED,
            runs.c.deleted_time <= cutoff_ms,
            ~exists().where(
                model_versions.c.deleted.is_(False), model_versions.c.run_id == runs.c.run_uuid
            ),
        )
        .order_by(runs.c.deleted_time)
    ).all()
    return [Doomed(run_id, uri) for run_id, uri in rows]


def deleted_logged_models(conn: Connection, cutoff_ms: int) -> list[Doomed]:
    rows = conn.execute(
        select(logged_models.c.model_id, logged_models.c.artifact_uri).where(
            logged_models.c.lifecycle_stage == DELETED,
            logged_models.c.last_updated_timestamp_ms <= cutoff_ms,
            ~exists().where(
                model_versions.c.deleted.is_(False),
                model_versions.c.model_id == logged_models.c.model_id,
            ),
        )
    ).all()
    return [Doomed(model_id, uri) for model_id, uri in rows]


def deleted_experiments(conn: Connection, cutoff_ms: int) -> list[Doomed]:
    """Deleted experiments with nothing left in them (their runs may be kept, see above)."""
    rows = conn.execute(
        select(experiments.c.experiment_id, experiments.c.artifact_location).where(
            experiments.c.lifecycle_stage == DELETED,
            experiments.c.last_update_time <= cutoff_ms,
            ~exists().where(runs.c.experiment_id == experiments.c.experiment_id),
            ~exists().where(logged_models.c.experiment_id == experiments.c.experiment_id),
        )
    ).all()
    return [Doomed(str(experiment_id), uri) for experiment_id, uri in rows]


def purge_run(conn: Connection, run_id: str) -> None:
    conn.execute(
        update(model_versions)
        .where(model_versions.c.run_id == run_id, model_versions.c.deleted.is_(True))
        .values(run_id=None)
    )
    conn.execute(runs.delete().where(runs.c.run_uuid == run_id))


def purge_logged_model(conn: Connection, model_id: str) -> None:
    conn.execute(
        update(model_versions)
        .where(model_versions.c.model_id == model_id, model_versions.c.deleted.is_(True))
        .values(model_id=None)
    )
    conn.execute(logged_models.delete().where(logged_models.c.model_id == model_id))


def purge_experiment(conn: Connection, experiment_id: str) -> None:
    conn.execute(
        experiments.delete().where(
            and_(
                experiments.c.experiment_id == int(experiment_id),
                experiments.c.lifecycle_stage == DELETED,
            )
        )
    )
