"""Experiments: create, read, rename, soft delete and restore, tags, search."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError

from trackdeck.entities import Experiment, KeyValue, Page
from trackdeck.errors import (
    InvalidParameterValue,
    InvalidState,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from trackdeck.store import filter_grammar as grammar
from trackdeck.store.database import Database
from trackdeck.store.filter_sql import compare, order_column
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.store.permissions import Visible
from trackdeck.store.prepared import Prepared
from trackdeck.store.sql import in_list, list_value, now_ms, upsert
from trackdeck.store.tables import experiment_tags, experiments, runs
from trackdeck.store.validation import (
    MAX_ARTIFACT_LOCATION_LENGTH,
    parse_experiment_id,
    validate_experiment_name,
    validate_experiment_tag,
    validate_max_results,
)

ACTIVE = "active"
DELETED = "deleted"
DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"
MAX_SEARCH_RESULTS = 50000

VIEW_TYPES = {"ACTIVE_ONLY": (ACTIVE,), "DELETED_ONLY": (DELETED,), "ALL": (ACTIVE, DELETED)}


def lifecycle_stages(view_type: str | int | None) -> tuple[str, ...]:
    """The lifecycle stages a search's view type selects (names or enum numbers 1-3)."""
    by_number = {1: "ACTIVE_ONLY", 2: "DELETED_ONLY", 3: "ALL"}
    name = by_number.get(view_type, view_type) if isinstance(view_type, int) else view_type
    if name is None or name == "":
        return VIEW_TYPES["ACTIVE_ONLY"]
    stages = VIEW_TYPES.get(str(name).upper())
    if stages is None:
        raise InvalidParameterValue(
            f"Invalid view type '{view_type}'. Expected one of {', '.join(VIEW_TYPES)}."
        )
    return stages


class ExperimentStore:
    def __init__(self, db: Database, artifact_root: str) -> None:
        self.db = db
        self.artifact_root = artifact_root.rstrip("/")

    def ensure_default(self) -> None:
        """Create experiment 0, "Default", if the store has none (a fresh store)."""

        def work(conn: Connection) -> None:
            found = conn.execute(
                select(experiments.c.experiment_id).where(
                    experiments.c.experiment_id == DEFAULT_EXPERIMENT_ID
                )
            ).first()
            if found is None:
                now = now_ms()
                conn.execute(
                    experiments.insert().values(
                        experiment_id=DEFAULT_EXPERIMENT_ID,
                        name=DEFAULT_EXPERIMENT_NAME,
                        artifact_location=self._location_for(DEFAULT_EXPERIMENT_ID),
                        lifecycle_stage=ACTIVE,
                        creation_time=now,
                        last_update_time=now,
                    )
                )

        self.db.write(work)

    def _location_for(self, experiment_id: int) -> str:
        return f"{self.artifact_root}/{experiment_id}"

    def _check_artifact_location(self, location: str) -> str:
        """A client-chosen location must lie inside this server's artifact root."""
        if len(location) > MAX_ARTIFACT_LOCATION_LENGTH:
            raise InvalidParameterValue(
                f"Artifact location exceeds the limit of {MAX_ARTIFACT_LOCATION_LENGTH} chars."
            )
        inside = location.startswith(self.artifact_root + "/")
        tail = location[len(self.artifact_root) + 1 :] if inside else ""
        parts = tail.replace("\\", "/").split("/")
        unsafe = any(p in ("", ".", "..") for p in parts) or any(c in tail for c in "?#;%")
        if not inside or unsafe:
            raise InvalidParameterValue(
                f"Invalid artifact location '{location}': an experiment's artifact location "
                f"must lie inside this server's artifact root '{self.artifact_root}/'."
            )
        return location

    def create(self, name: str | None, artifact_location: str | None, tags: list[KeyValue]) -> str:
        name = validate_experiment_name(name)
        for tag in tags:
            validate_experiment_tag(tag.key, tag.value)
        if artifact_location:
            self._check_artifact_location(artifact_location)

        def work(conn: Connection) -> str:
            now = now_ms()
            savepoint = conn.begin_nested()
            try:
                result = conn.execute(
                    experiments.insert().values(
                        name=name,
                        artifact_location=artifact_location or "",
                        lifecycle_stage=ACTIVE,
                        creation_time=now,
                        last_update_time=now,
                    )
                )
            except IntegrityError:
                savepoint.rollback()
                raise ResourceAlreadyExists(
                    f"Experiment(name={name}) already exists. Error: name is taken, "
                    "including by deleted experiments."
                ) from None
            savepoint.commit()
            experiment_id = result.inserted_primary_key[0]
            if not artifact_location:
                conn.execute(
                    update(experiments)
                    .where(experiments.c.experiment_id == experiment_id)
                    .values(artifact_location=self._location_for(experiment_id))
                )
            if tags:
                conn.execute(
                    experiment_tags.insert(),
                    [
                        {"experiment_id": experiment_id, "key": t.key, "value": t.value}
                        for t in {t.key: t for t in tags}.values()
                    ],
                )
            return str(experiment_id)

        return self.db.write(work)

    def get(self, experiment_id: str) -> Experiment:
        eid = parse_experiment_id(experiment_id)
        by_id = {"experiment_id": eid}
        return self.db.read(lambda conn: _load_one(conn, _EXPERIMENT_BY_ID, by_id, f"id={eid}"))

    def get_by_name(self, name: str) -> Experiment:
        if not name:
            raise InvalidParameterValue("Missing value for required parameter 'experiment_name'.")
        by_name = {"name": name}
        what = f"name '{name}'"
        return self.db.read(lambda conn: _load_one(conn, _EXPERIMENT_BY_NAME, by_name, what))

    def rename(self, experiment_id: str, new_name: str | None) -> None:
        eid = parse_experiment_id(experiment_id)
        new_name = validate_experiment_name(new_name)

        def work(conn: Connection) -> None:
            stage = _stage(conn, eid)
            if stage != ACTIVE:
                raise InvalidState(f"Cannot rename a non-active experiment {eid} (it is {stage}).")
            savepoint = conn.begin_nested()
            try:
                conn.execute(
                    update(experiments)
                    .where(experiments.c.experiment_id == eid)
                    .values(name=new_name, last_update_time=now_ms())
                )
            except IntegrityError:
                savepoint.rollback()
                raise ResourceAlreadyExists(
                    f"Experiment(name={new_name}) already exists."
                ) from None
            savepoint.commit()

        self.db.write(work)

    def set_lifecycle(self, experiment_id: str, stage: str) -> None:
        """Soft delete (stage "deleted") or restore ("active") an experiment and its runs."""
        eid = parse_experiment_id(experiment_id)
        if stage == DELETED and eid == DEFAULT_EXPERIMENT_ID:
            raise InvalidParameterValue("Cannot delete the default experiment '0'.")
        current = ACTIVE if stage == DELETED else DELETED

        def work(conn: Connection) -> None:
            if _stage(conn, eid) != current:
                raise InvalidParameterValue(
                    f"Cannot {'delete' if stage == DELETED else 'restore'} experiment {eid}: "
                    f"it must be in the '{current}' state."
                )
            now = now_ms()
            conn.execute(
                update(experiments)
                .where(experiments.c.experiment_id == eid)
                .values(lifecycle_stage=stage, last_update_time=now)
            )
            conn.execute(
                update(runs)
                .where(runs.c.experiment_id == eid, runs.c.lifecycle_stage == current)
                .values(lifecycle_stage=stage, deleted_time=now if stage == DELETED else None)
            )

        self.db.write(work)

    def set_tag(self, experiment_id: str, key: str, value: str) -> None:
        eid = parse_experiment_id(experiment_id)
        validate_experiment_tag(key, value)

        def work(conn: Connection) -> None:
            _require_active(conn, eid)
            conn.execute(
                upsert(conn, experiment_tags, "value"),
                {"experiment_id": eid, "key": key, "value": value},
            )

        self.db.write(work)

    def delete_tag(self, experiment_id: str, key: str) -> None:
        eid = parse_experiment_id(experiment_id)

        def work(conn: Connection) -> None:
            _require_active(conn, eid)
            result = conn.execute(
                experiment_tags.delete().where(
                    experiment_tags.c.experiment_id == eid, experiment_tags.c.key == key
                )
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(f"No tag with name: {key} in experiment with id {eid}")

        self.db.write(work)

    def search(
        self,
        view_type: str | int | None,
        max_results: int | None,
        filter_string: str | None,
        order_by: list[str] | None,
        page_token: str | None,
        visible: Visible | None = None,
    ) -> Page[Experiment]:
        if max_results is None:
            raise InvalidParameterValue(
                "Invalid value for parameter 'max_results': it must be a positive integer."
            )
        validate_max_results(max_results, MAX_SEARCH_RESULTS)
        stages = lifecycle_stages(view_type)
        comparisons = grammar.parse_filter(filter_string, grammar.EXPERIMENT_FILTER_SPEC)
        order_keys = grammar.parse_order_by(order_by, grammar.EXPERIMENT_FILTER_SPEC)
        offset = decode_offset(page_token)

        conditions = [experiments.c.lifecycle_stage.in_(stages)]
        conditions += [_experiment_condition(c) for c in comparisons]
        if visible is not None:
            conditions.append(visible.clause(experiments.c.experiment_id, int))
        ordering = []
        for key in order_keys:
            column = _EXPERIMENT_COLUMNS[key.key]
            ordering += order_column(column, key.ascending)
        if not order_keys:
            ordering.append(experiments.c.creation_time.desc())
        ordering.append(experiments.c.experiment_id.asc())
        query = select(experiments).where(and_(*conditions)).order_by(*ordering)

        def work(conn: Connection) -> Page[Experiment]:
            return read_page(conn, query, max_results, offset, _with_tags)

        return self.db.read(work)


_EXPERIMENT_COLUMNS = {
    "name": experiments.c.name,
    "experiment_id": experiments.c.experiment_id,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
}


def _experiment_condition(comparison: grammar.Comparison):  # type: ignore[no-untyped-def]
    if comparison.entity == "tag":
        tag_match = and_(
            experiment_tags.c.experiment_id == experiments.c.experiment_id,
            experiment_tags.c.key == comparison.key,
        )
        if comparison.op == "IS NULL":
            return ~exists().where(tag_match)
        if comparison.op == "IS NOT NULL":
            return exists().where(tag_match)
        return exists().where(
            tag_match, compare(experiment_tags.c.value, comparison.op, comparison.value)
        )
    column = _EXPERIMENT_COLUMNS[comparison.key]
    value = comparison.value
    if comparison.key == "experiment_id":
        value = (
            tuple(parse_experiment_id(v) for v in value)
            if isinstance(value, tuple)
            else parse_experiment_id(value)  # type: ignore[arg-type]
        )
    return compare(column, comparison.op, value)


def _stage(conn: Connection, experiment_id: int) -> str:
    stage = conn.execute(
        select(experiments.c.lifecycle_stage).where(experiments.c.experiment_id == experiment_id)
    ).scalar()
    if stage is None:
        raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
    return stage


def _require_active(conn: Connection, experiment_id: int) -> None:
    stage = _stage(conn, experiment_id)
    if stage != ACTIVE:
        raise InvalidParameterValue(
            f"The experiment {experiment_id} must be in the 'active' state. "
            f"Current state is {stage}."
        )


_STAGE_AND_LOCATION = Prepared(
    select(experiments.c.lifecycle_stage, experiments.c.artifact_location).where(
        experiments.c.experiment_id == bindparam("experiment_id")
    )
)


def require_active_experiment(conn: Connection, experiment_id: int) -> str:
    """The experiment's artifact location; raises unless it exists and is active (runs and
    models are only created in active experiments)."""
    row = _STAGE_AND_LOCATION.first(conn, {"experiment_id": experiment_id})
    if row is None:
        raise ResourceDoesNotExist(f"No Experiment with id={experiment_id} exists")
    if row.lifecycle_stage != ACTIVE:
        raise InvalidParameterValue(
            f"The experiment {experiment_id} must be in the 'active' state. "
            f"Current state is {row.lifecycle_stage}."
        )
    return row.artifact_location


_EXPERIMENT_BY_ID = Prepared(
    select(experiments).where(experiments.c.experiment_id == bindparam("experiment_id"))
)
_EXPERIMENT_BY_NAME = Prepared(select(experiments).where(experiments.c.name == bindparam("name")))
_TAGS_OF_EXPERIMENTS = Prepared(
    lambda dialect: (
        select(experiment_tags.c.experiment_id, experiment_tags.c.key, experiment_tags.c.value)
        .where(in_list(dialect, experiment_tags.c.experiment_id, "ids"))
        .order_by(experiment_tags.c.key)
    )
)


def _load_one(conn: Connection, query: Prepared, params: dict[str, Any], what: str) -> Experiment:
    """The experiment `query` finds, with its tags; `what` names it if there is none."""
    row = query.first(conn, params)
    if row is None:
        raise ResourceDoesNotExist(f"No Experiment with {what} exists")
    return _with_tags(conn, [row])[0]


def _with_tags(conn: Connection, rows: Sequence[Any]) -> list[Experiment]:
    tags_by_id: dict[int, list[KeyValue]] = defaultdict(list)
    ids = {"ids": list_value(conn.dialect.name, [row.experiment_id for row in rows])}
    for eid, key, value in _TAGS_OF_EXPERIMENTS.tuples(conn, ids):
        tags_by_id[eid].append(KeyValue(key=key, value=value))
    return [
        Experiment(
            experiment_id=str(row.experiment_id),
            name=row.name,
            artifact_location=row.artifact_location,
            lifecycle_stage=row.lifecycle_stage,
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            tags=tags_by_id.get(row.experiment_id, []),
        )
        for row in rows
    ]
