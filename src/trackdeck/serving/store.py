"""Endpoint records and their instances in the studio database (tables in `serving.tables`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from trackdeck.errors import ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.serving.records import Endpoint, EndpointState, InstanceRecord
from trackdeck.serving.tables import endpoint_instances, endpoints
from trackdeck.store.database import Database
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.studio.store import now_ms, page_query

SORT_COLUMNS = {
    "name": endpoints.c.name,
    "creation_time": endpoints.c.creation_time,
    "state": endpoints.c.state,
}


def _record(row: Any) -> Endpoint:
    values = dict(row._mapping)
    values["state"] = EndpointState(values["state"])
    return Endpoint(**values)


def _missing(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"No endpoint named '{name}'.")


class EndpointStore:
    """Reads and writes of endpoint rows; one short transaction each.

    The studio is the only writer, so records are also kept in memory: the proxy looks an
    endpoint up on every invocation without a query.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._records: dict[str, Endpoint] = {}

    def create(self, endpoint: Endpoint) -> Endpoint:
        values = msgspec.structs.asdict(endpoint)
        values["state"] = endpoint.state.value

        def work(conn: Connection) -> None:
            conn.execute(insert(endpoints).values(**values))

        try:
            self.db.write(work)
        except IntegrityError as exc:
            raise ResourceAlreadyExists(
                f"An endpoint named '{endpoint.name}' already exists."
            ) from exc
        return self.get(endpoint.name)

    def find(self, name: str) -> Endpoint | None:
        cached = self._records.get(name)
        if cached is not None:
            return cached

        def work(conn: Connection) -> Endpoint | None:
            row = conn.execute(select(endpoints).where(endpoints.c.name == name)).first()
            return _record(row) if row is not None else None

        endpoint = self.db.read(work)
        if endpoint is not None:
            self._records[name] = endpoint
        return endpoint

    def get(self, name: str) -> Endpoint:
        endpoint = self.find(name)
        if endpoint is None:
            raise _missing(name)
        return endpoint

    def list(
        self,
        state: EndpointState | None = None,
        sort_by: str = "creation_time",
        ascending: bool = False,
        max_results: int = 50,
        page_token: str | None = None,
    ) -> tuple[list[Endpoint], str | None]:
        """One page of endpoints, optionally in one state, and the token of the next page."""
        query = page_query(select(endpoints), SORT_COLUMNS, sort_by, ascending, max_results)
        if state is not None:
            query = query.where(endpoints.c.state == state.value)
        offset = decode_offset(page_token)

        def load(_conn: Connection, rows: Sequence[Row[Any]]) -> list[Endpoint]:
            return [_record(row) for row in rows]

        page = self.db.read(lambda conn: read_page(conn, query, max_results, offset, load))
        return page.items, page.next_page_token

    def all(self) -> list[Endpoint]:
        def work(conn: Connection) -> list[Endpoint]:
            return [_record(row) for row in conn.execute(select(endpoints).order_by("name"))]

        return self.db.read(work)

    def change(self, name: str, **values: Any) -> Endpoint:
        """Set columns of one record (state as an enum)."""
        if isinstance(values.get("state"), EndpointState):
            values["state"] = values["state"].value
        values["last_modified_time"] = now_ms()

        def work(conn: Connection) -> int:
            query = update(endpoints).where(endpoints.c.name == name).values(**values)
            return conn.execute(query).rowcount

        self._records.pop(name, None)
        if not self.db.write(work):
            raise _missing(name)
        return self.get(name)

    def set_state(self, name: str, state: EndpointState, reason: str | None = None) -> Endpoint:
        return self.change(name, state=state, failure_reason=reason)

    def remove(self, name: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                delete(endpoint_instances).where(endpoint_instances.c.endpoint_name == name)
            )
            conn.execute(delete(endpoints).where(endpoints.c.name == name))

        self.db.write(work)
        self._records.pop(name, None)

    # --- instances ----------------------------------------------------------------------------

    def add_instance(self, instance: InstanceRecord) -> None:
        values = msgspec.structs.asdict(instance)
        self.db.write(lambda conn: conn.execute(insert(endpoint_instances).values(**values)))

    def remove_instance(self, endpoint_name: str, instance_id: str) -> None:
        query = delete(endpoint_instances).where(
            endpoint_instances.c.endpoint_name == endpoint_name,
            endpoint_instances.c.instance_id == instance_id,
        )
        self.db.write(lambda conn: conn.execute(query))

    def instances(self, endpoint_name: str | None = None) -> list[InstanceRecord]:
        query = select(endpoint_instances).order_by("endpoint_name", "started_time")
        if endpoint_name is not None:
            query = query.where(endpoint_instances.c.endpoint_name == endpoint_name)

        def work(conn: Connection) -> list[InstanceRecord]:
            return [InstanceRecord(**dict(row._mapping)) for row in conn.execute(query)]

        return self.db.read(work)
