"""A run as the pages show it: flat dicts of its values and its well-known tags."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trackdeck.entities import Run

PARENT_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
USER_TAG = "mlflow.user"
SOURCE_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
COMMIT_TAG = "mlflow.source.git.commit"
RUN_NAME_TAG = "mlflow.runName"
MODEL_HISTORY_TAG = "mlflow.log-model.history"


@dataclass
class RunView:
    id: str
    name: str
    experiment_id: str
    status: str
    lifecycle_stage: str
    start_time: int | None
    end_time: int | None
    user: str
    source: str
    source_type: str
    commit: str
    parent_id: str
    note: str
    metrics: dict[str, float]
    steps: dict[str, int]
    params: dict[str, str]
    tags: dict[str, str]
    cells: dict[str, Any]
    artifact_uri: str

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    @property
    def source_short(self) -> str:
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]

    def user_tags(self) -> dict[str, str]:
        """Tags other than mlflow's own `mlflow.*` ones."""
        return {k: v for k, v in self.tags.items() if not k.startswith("mlflow.")}

    def system_tags(self) -> dict[str, str]:
        return {k: v for k, v in self.tags.items() if k.startswith("mlflow.")}


def cell_value(run: RunView, column: str) -> Any:
    entity, _, key = column.partition(".")
    source = {"metrics": run.metrics, "params": run.params, "tags": run.tags}.get(entity, {})
    return source.get(key)


def run_view(run: Run, columns: list[str] | None = None) -> RunView:
    tags = {t.key: t.value for t in run.data.tags}
    info = run.info
    view = RunView(
        id=info.run_id,
        name=info.run_name or tags.get(RUN_NAME_TAG, "") or info.run_id[:8],
        experiment_id=info.experiment_id,
        status=info.status,
        lifecycle_stage=info.lifecycle_stage,
        start_time=info.start_time,
        end_time=info.end_time,
        user=info.user_id or tags.get(USER_TAG, ""),
        source=tags.get(SOURCE_TAG, ""),
        source_type=tags.get(SOURCE_TYPE_TAG, ""),
        commit=tags.get(COMMIT_TAG, ""),
        parent_id=tags.get(PARENT_TAG, ""),
        note=tags.get(NOTE_TAG, ""),
        metrics={m.key: m.value for m in run.data.metrics},
        steps={m.key: m.step for m in run.data.metrics},
        params={p.key: p.value for p in run.data.params},
        tags=tags,
        cells={},
        artifact_uri=info.artifact_uri,
    )
    for column in columns or []:
        view.cells[column] = cell_value(view, column)
    return view


def json_number(value: float) -> float | str:
    """A metric value safe for JSON: NaN and infinities as strings."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return value
