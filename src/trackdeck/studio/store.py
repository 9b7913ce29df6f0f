"""The studio's store: tracking-server records and used presigned URLs in the studio database."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.store.database import Database
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.studio.migrate import upgrade
from trackdeck.studio.records import Size, State, TrackingServer
from trackdeck.studio.tables import presigned_url_uses, tracking_servers

SORT_COLUMNS = {
    "name": tracking_servers.c.name,
    "creation_time": tracking_servers.c.creation_time,
    "state": tracking_servers.c.state,
}
MAX_PAGE = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def _record(row: Any) -> TrackingServer:
    values = dict(row._mapping)
    values["state"] = State(values["state"])
    values["size"] = Size(values["size"])
    values["tags"] = json.loads(values["tags"])
    return TrackingServer(**values)


def page_query(
    query: Select[Any],
    columns: dict[str, ColumnElement[Any]],
    sort_by: str,
    ascending: bool,
    max_results: int,
) -> Select[Any]:
    """`query` ordered by `sort_by` (then by name, for a stable order), checked for the
    list calls of the studio's API."""
    if sort_by not in columns:
        raise InvalidParameterValue(f"Invalid sort_by {sort_by!r}: one of {', '.join(columns)}.")
    if not 1 <= max_results <= MAX_PAGE:
        raise InvalidParameterValue(f"max_results must be between 1 and {MAX_PAGE}.")
    column = columns[sort_by]
    return query.order_by(column.asc() if ascending else column.desc(), columns["name"].asc())


class StudioStore:
    """Reads and writes of the studio database; every method is one short transaction.

    The studio is one process and the only writer of its database, so single records are
    also kept in memory: the proxy looks a server up on every request without a query.
    """

    def __init__(self, uri: str) -> None:
        self.db = Database(uri)
        upgrade(self.db.engine)
        self._records: dict[str, TrackingServer] = {}

    def close(self) -> None:
        self.db.close()

    def create(self, server: TrackingServer) -> TrackingServer:
        """Insert a new record; the name must be free."""
        values = {field: getattr(server, field) for field in server.__struct_fields__}
        values["state"] = server.state.value
        values["size"] = server.size.value
        values["tags"] = json.dumps(server.tags)

        def work(conn: Connection) -> None:
            conn.execute(insert(tracking_servers).values(**values))

        try:
            self.db.write(work)
        except IntegrityError as exc:
            raise ResourceAlreadyExists(
                f"A tracking server named '{server.name}' already exists."
            ) from exc
        return self.get(server.name)

    def find(self, name: str) -> TrackingServer | None:
        cached = self._records.get(name)
        if cached is not None:
            return cached

        def work(conn: Connection) -> TrackingServer | None:
            row = conn.execute(
                select(tracking_servers).where(tracking_servers.c.name == name)
            ).first()
            return _record(row) if row is not None else None

        server = self.db.read(work)
        if server is not None:
            self._records[name] = server
        return server

    def get(self, name: str) -> TrackingServer:
        server = self.find(name)
        if server is None:
            raise ResourceDoesNotExist(f"No tracking server named '{name}'.")
        return server

    def list(
        self,
        state: State | None = None,
        sort_by: str = "creation_time",
        ascending: bool = False,
        max_results: int = 50,
        page_token: str | None = None,
    ) -> tuple[list[TrackingServer], str | None]:
        """One page of servers, optionally in one state, and the token of the next page."""
        query = page_query(select(tracking_servers), SORT_COLUMNS, sort_by, ascending, max_results)
        if state is not None:
            query = query.where(tracking_servers.c.state == state.value)
        offset = decode_offset(page_token)

        def load(_conn: Connection, rows: Sequence[Row[Any]]) -> list[TrackingServer]:
            return [_record(row) for row in rows]

        page = self.db.read(lambda conn: read_page(conn, query, max_results, offset, load))
        return page.items, page.next_page_token

    def all(self) -> list[TrackingServer]:
        def work(conn: Connection) -> list[TrackingServer]:
            query = select(tracking_servers).order_by(tracking_servers.c.name)
            return [_record(row) for row in conn.execute(query)]

        return self.db.read(work)

    def change(self, name: str, **values: Any) -> TrackingServer:
        """Set columns of one record (state and size as enums, tags as a dict)."""
        for key in ("state", "size"):
            if key in values and values[key] is not None:
                values[key] = values[key].value
        if "tags" in values:
            values["tags"] = json.dumps(values["tags"])
        values["last_modified_time"] = now_ms()

        def work(conn: Connection) -> int:
            result = conn.execute(
                update(tracking_servers).where(tracking_servers.c.name == name).values(**values)
            )
            return result.rowcount

        self._records.pop(name, None)
        if not self.db.write(work):
            raise ResourceDoesNotExist(f"No tracking server named '{name}'.")
        return self.get(name)

    def set_state(self, name: str, state: State, reason: str | None = None) -> TrackingServer:
        return self.change(name, state=state, failure_reason=reason)

    def remove(self, name: str) -> None:
        query = delete(tracking_servers).where(tracking_servers.c.name == name)
        self.db.write(lambda conn: conn.execute(query))
        self._records.pop(name, None)

    def use_presigned_token(self, token_id: str, server_name: str, expires_ms: int) -> bool:
        """Record that a presigned URL was used; False when it already was."""
        now = now_ms()

        def work(conn: Connection) -> None:
            # Forget uses of URLs that expired long ago: they can no longer be replayed.
            expired = presigned_url_uses.c.expires_time < now - 3_600_000
            conn.execute(delete(presigned_url_uses).where(expired))
            conn.execute(
                insert(presigned_url_uses).values(
                    token_id=token_id,
                    server_name=server_name,
                    used_time=now,
                    expires_time=expires_ms,
                )
            )

        try:
            self.db.write(work)
        except IntegrityError:
            return False
        return True
