"""Job records in the studio database: one short transaction per method."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from trackdeck.entities import Page
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.jobs.records import Job, JobState
from trackdeck.jobs.tables import jobs
from trackdeck.store.database import Database
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.studio.store import now_ms

MAX_PAGE = 100


def _record(row: Row[Any]) -> Job:
    values = dict(row._mapping)
    values["state"] = JobState(values["state"])
    values["parameters"] = json.loads(values["parameters"])
    return Job(**values)


def _load(_conn: Connection, rows: Sequence[Row[Any]]) -> list[Job]:
    return [_record(row) for row in rows]


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, job: Job) -> Job:
        values = {name: getattr(job, name) for name in job.__struct_fields__}
        values["state"] = job.state.value
        values["parameters"] = json.dumps(job.parameters)
        self.db.write(lambda conn: conn.execute(insert(jobs).values(**values)))
        return self.get(job.job_id)

    def get(self, job_id: str) -> Job:
        def work(conn: Connection) -> Row[Any] | None:
            return conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()

        row = self.db.read(work)
        if row is None:
            raise ResourceDoesNotExist(f"No job with id '{job_id}'.")
        return _record(row)

    def list(
        self,
        state: JobState | None = None,
        server: str | None = None,
        max_results: int = 50,
        page_token: str | None = None,
    ) -> Page[Job]:
        """Newest first, optionally only one state or one server's jobs."""
        if not 1 <= max_results <= MAX_PAGE:
            raise InvalidParameterValue(f"max_results must be between 1 and {MAX_PAGE}.")
        query = select(jobs).order_by(jobs.c.creation_time.desc(), jobs.c.job_id)
        if state is not None:
            query = query.where(jobs.c.state == state.value)
        if server is not None:
            query = query.where(jobs.c.server == server)
        offset = decode_offset(page_token)
        return self.db.read(lambda conn: read_page(conn, query, max_results, offset, _load))

    def in_states(self, states: frozenset[JobState]) -> list[Job]:
        query = select(jobs).where(jobs.c.state.in_([s.value for s in states]))
        return self.db.read(lambda conn: [_record(row) for row in conn.execute(query)])

    def change(self, job_id: str, **values: Any) -> Job:
        """Set columns of one job (state as a JobState)."""
        if isinstance(values.get("state"), JobState):
            values["state"] = values["state"].value
        values["last_modified_time"] = now_ms()
        query = update(jobs).where(jobs.c.job_id == job_id).values(**values)
        self.db.write(lambda conn: conn.execute(query))
        return self.get(job_id)
