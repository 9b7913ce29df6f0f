"""Read-only summaries the web UI browses by.

Run counts and last activity per experiment, the metric/param/tag keys used in an
experiment (for the column picker), the size of a run search (for paging), and whole
runs by id (for the compare page). Each is one or two queries, whatever the store size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from trackdeck.entities import Run
from trackdeck.store.database import Database
from trackdeck.store.experiments import ACTIVE
from trackdeck.store.run_search import compile_search
from trackdeck.store.runs import load_runs
from trackdeck.store.sql import chunks
from trackdeck.store.tables import latest_metrics, params, runs, tags
from trackdeck.store.validation import parse_experiment_id


@dataclass(frozen=True)
class Activity:
    """How many active runs an experiment has and when any of them last started or ended."""

    run_count: int = 0
    last_activity: int | None = None


@dataclass(frozen=True)
class RunKeys:
    """The metric, param and tag keys used by an experiment's runs, each sorted."""

    metrics: list[str]
    params: list[str]
    tags: list[str]


class BrowseStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def activity(self, experiment_ids: Sequence[str]) -> dict[str, Activity]:
        """Active-run count and latest start/end time per experiment id."""
        ids = [parse_experiment_id(e) for e in experiment_ids]
        if not ids:
            return {}
        query = (
            select(
                runs.c.experiment_id,
                func.count(),
                func.max(runs.c.start_time),
                func.max(runs.c.end_time),
            )
            .where(runs.c.experiment_id.in_(ids), runs.c.lifecycle_stage == ACTIVE)
            .group_by(runs.c.experiment_id)
        )

        def work(conn: Connection) -> dict[str, Activity]:
            found = {}
            for eid, count, last_start, last_end in conn.execute(query):
                last = max((t for t in (last_start, last_end) if t is not None), default=None)
                found[str(eid)] = Activity(count, last)
            return found

        return self.db.read(work)

    def run_keys(self, experiment_id: str) -> RunKeys:
        """Every key logged to the experiment's active runs, per kind."""
        eid = parse_experiment_id(experiment_id)
        run_ids = select(runs.c.run_uuid).where(
            runs.c.experiment_id == eid, runs.c.lifecycle_stage == ACTIVE
        )

        def keys(conn: Connection, table) -> list[str]:  # type: ignore[no-untyped-def]
            query = select(table.c.key).where(table.c.run_uuid.in_(run_ids)).distinct()
            return sorted(conn.execute(query).scalars())

        def work(conn: Connection) -> RunKeys:
            return RunKeys(keys(conn, latest_metrics), keys(conn, params), keys(conn, tags))

        return self.db.read(work)

    def count_runs(
        self, experiment_ids: Sequence[str], filter_string: str | None, view_type: str | None
    ) -> int:
        """How many runs a search with this filter finds (raises on a bad filter)."""
        if not experiment_ids:
            return 0
        query = compile_search(experiment_ids, filter_string, view_type, None)
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return self.db.read(lambda conn: int(conn.execute(counted).scalar_one()))

    def runs_by_id(self, run_ids: Sequence[str]) -> list[Run]:
        """The runs with these ids, in the order given; unknown ids are left out."""
        wanted = list(dict.fromkeys(run_ids))

        def work(conn: Connection) -> list[Run]:
            rows = []
            for chunk in chunks(wanted):
                rows += conn.execute(select(runs).where(runs.c.run_uuid.in_(chunk))).all()
            by_id = {run.info.run_id: run for run in load_runs(conn, rows)}
            return [by_id[run_id] for run_id in wanted if run_id in by_id]

        return self.db.read(work)
