"""How a request names the resource it acts on: one locator per way of naming it.

A locator reads the fields it needs from the request (path, query, or body) and answers
the experiment ids or registered model names the request touches. An empty answer means
the named thing does not exist, so there is nothing to protect and the handler answers
404; `OWNERLESS` means the request names data that belongs to no experiment, which only
an admin may touch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from trackdeck.artifacts import paths
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.tables import experiments, logged_models, registered_models
from trackdeck.store.tracking import TrackingStore

EXPERIMENT = "experiment"
REGISTERED_MODEL = "registered_model"
OWNERLESS: tuple[str, ...] = ("\x00ownerless",)

Fields = dict[str, Any]


@dataclass(frozen=True)
class Locator:
    resource_type: str
    fields: tuple[str, ...]
    find: Callable[[TrackingStore, Fields], Sequence[str]]
    description: str


def _first(fields: Fields, names: Sequence[str]) -> Any:
    for name in names:
        value = fields.get(name)
        if value not in (None, "", []):
            return value
    return None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part]
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def by_experiment_id(*names: str) -> Locator:
    def find(_store: TrackingStore, fields: Fields) -> list[str]:
        return _as_list(_first(fields, names))

    return Locator(EXPERIMENT, names, find, f"experiment named by {'/'.join(names)}")


def by_experiment_name(name: str) -> Locator:
    def find(store: TrackingStore, fields: Fields) -> list[str]:
        value = fields.get(name)
        if not isinstance(value, str) or not value:
            return []
        query = select(experiments.c.experiment_id).where(experiments.c.name == value)
        found = store.db.read(lambda conn: conn.execute(query).scalar_one_or_none())
        return [] if found is None else [str(found)]

    return Locator(EXPERIMENT, (name,), find, f"experiment named by {name}")


def by_run(*names: str) -> Locator:
    def find(store: TrackingStore, fields: Fields) -> list[str]:
        run_ids = _as_list(_first(fields, names))
        return store.runs.experiment_ids(run_ids) if run_ids else []

    return Locator(EXPERIMENT, names, find, f"experiment of the run(s) in {'/'.join(names)}")


def by_logged_model(name: str) -> Locator:
    def find(store: TrackingStore, fields: Fields) -> list[str]:
        value = fields.get(name)
        if not isinstance(value, str) or not value:
            return []
        query = select(logged_models.c.experiment_id).where(logged_models.c.model_id == value)
        found = store.db.read(lambda conn: conn.execute(query).scalar_one_or_none())
        return [] if found is None else [str(found)]

    return Locator(EXPERIMENT, (name,), find, f"experiment of the logged model {name}")


def by_model_name(*names: str) -> Locator:
    def find(store: TrackingStore, fields: Fields) -> list[str]:
        value = _first(fields, names)
        if not isinstance(value, str):
            return []
        query = select(registered_models.c.name).where(registered_models.c.name == value)
        return list(store.db.read(lambda conn: conn.execute(query).scalars().all()))

    return Locator(REGISTERED_MODEL, names, find, f"registered model named by {'/'.join(names)}")


def by_artifact_path(name: str) -> Locator:
    """The experiment whose artifact location holds the path (the longest one that does)."""

    def find(store: TrackingStore, fields: Fields) -> Sequence[str]:
        raw = fields.get(name)
        try:
            path = paths.normalise(raw if isinstance(raw, str) else "", allow_root=True)
        except InvalidParameterValue:
            return []  # the handler refuses it with a 400 and touches nothing
        parts = path.split("/") if path else []
        root = store.experiments.artifact_root
        candidates = [f"{root}/{'/'.join(parts[:n])}" for n in range(1, len(parts) + 1)]
        if not candidates:
            return OWNERLESS
        query = select(experiments.c.experiment_id, experiments.c.artifact_location).where(
            experiments.c.artifact_location.in_(candidates)
        )
        rows = store.db.read(lambda conn: conn.execute(query).all())
        if not rows:
            return OWNERLESS
        owner = max(rows, key=lambda row: len(row.artifact_location))
        return [str(owner.experiment_id)]

    return Locator(EXPERIMENT, (name,), find, f"experiment whose artifacts hold {name}")
