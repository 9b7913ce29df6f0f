"""The sweep view of a parent run (one `trackdeck sweep` made): its trials as a table and a
parallel-coordinates plot (parameters -> metric), the best trial highlighted, a form to
register its model. A run without the sweep tags has no sweep view."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from trackdeck.jobs.sweep import TAG, TRIAL_TAG, better
from trackdeck.store.tracking import TrackingStore
from trackdeck.ui.values import RunView, json_number, run_view

MAX_TRIALS = 1000


@dataclass
class SweepView:
    metric: str
    goal: str
    keys: list[str]  # the swept parameters, in the order they were given
    trials: list[RunView]
    best: RunView | None
    model_path: str
    registered: tuple[str, str] | None = None
    failed: int = 0
    values: dict[str, float] = field(default_factory=dict)

    def page_data(self) -> dict[str, Any]:
        """What sweep.js draws the plot from."""
        return {
            "metric": self.metric,
            "goal": self.goal,
            "keys": self.keys,
            "best": self.best.id if self.best else None,
            "trials": [
                {
                    "id": t.id,
                    "name": t.name,
                    "status": t.status,
                    "params": {k: t.params.get(k) for k in self.keys},
                    "value": json_number(self.values[t.id]) if t.id in self.values else None,
                }
                for t in self.trials
            ],
        }


def _trial_order(trial: RunView) -> tuple[int, str]:
    index = trial.tags.get(TRIAL_TAG, "")
    return (int(index), "") if index.isdigit() else (1 << 30, trial.name)


def sweep_view(store: TrackingStore, parent: RunView) -> SweepView | None:
    metric = parent.tags.get(f"{TAG}.metric")
    if not metric:
        return None
    goal = "min" if parent.tags.get(f"{TAG}.goal") == "min" else "max"
    found = store.run_search.search(
        [parent.experiment_id],
        f"tags.`mlflow.parentRunId` = '{parent.id}'",
        "ACTIVE_ONLY",
        MAX_TRIALS,
        None,
        None,
    ).items
    trials = sorted((run_view(run) for run in found), key=_trial_order)
    try:
        keys = list(json.loads(parent.tags.get(f"{TAG}.space", "{}")))
    except ValueError:
        keys = []
    keys = keys or sorted({key for trial in trials for key in trial.params})
    values = {t.id: t.metrics[metric] for t in trials if metric in t.metrics}
    best = None  # while the sweep runs there is no tag yet: the best finished trial so far
    for trial in trials:
        if trial.status != "FINISHED" or trial.id not in values:
            continue
        if best is None or better(goal, values[trial.id], values[best.id]):
            best = trial
    name, version = (
        parent.tags.get(f"{TAG}.registered_model"),
        parent.tags.get(f"{TAG}.registered_version"),
    )
    return SweepView(
        metric=metric,
        goal=goal,
        keys=keys,
        trials=trials,
        best=best,
        model_path=parent.tags.get(f"{TAG}.model_path", "model"),
        registered=(name, version) if name and version else None,
        failed=sum(t.status in ("FAILED", "KILLED") for t in trials),
        values=values,
    )
