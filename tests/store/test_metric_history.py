"""Metric history on SQLite and PostgreSQL: full pages, and the sampled view charts draw."""

from __future__ import annotations

import itertools
import math

import pytest
from sqlalchemy import select

from trackdeck.entities import Metric
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.metric_history import sampled_ranks
from trackdeck.store.tables import metrics
from trackdeck.store.tracking import TrackingStore


def points(key: str, steps: range, per_step: int = 1) -> list[Metric]:
    """`per_step` points at each step, timestamps growing, value = step + 0.25 * k."""
    return [
        Metric(key=key, value=step + 0.25 * k, timestamp=10 * step + k, step=step)
        for step in steps
        for k in range(per_step)
    ]


@pytest.fixture
def run_id(store: TrackingStore) -> str:
    experiment = store.experiments.create("history", None, [])
    return store.runs.create(experiment, "ana", 1, None, []).info.run_id


def log(store: TrackingStore, run_id: str, metrics: list[Metric]) -> None:
    for first in range(0, len(metrics), 1000):
        store.logging.log_batch(run_id, metrics[first : first + 1000], [], [])


def steps_of(metrics: list[Metric]) -> list[int]:
    return sorted({m.step for m in metrics})


def test_ranks_are_evenly_spaced_with_both_ends() -> None:
    assert sampled_ranks(10, 4) == [0, 3, 6, 9]
    assert sampled_ranks(5, 2) == [0, 4]
    assert sampled_ranks(1000, 1) == [0]
    ranks = sampled_ranks(1_000_000, 2500)
    assert len(ranks) == 2500 and ranks[0] == 0 and ranks[-1] == 999_999
    gaps = {b - a for a, b in itertools.pairwise(ranks)}
    assert gaps <= {400, 401}


def test_short_series_come_back_whole_in_step_order(store: TrackingStore, run_id: str) -> None:
    logged = points("loss", range(20), per_step=2)
    log(store, run_id, list(reversed(logged)))
    sampled = store.metric_history.bulk_interval([run_id], "loss", 50, None, None)
    assert [(m.step, m.timestamp, m.value) for m in sampled] == [
        (m.step, m.timestamp, m.value) for m in logged
    ]
    assert {m.run_id for m in sampled} == {run_id}


def test_long_series_keep_every_point_at_the_picked_steps(
    store: TrackingStore, run_id: str
) -> None:
    log(store, run_id, points("loss", range(0, 3000, 3), per_step=2))  # 1,000 distinct steps
    sampled = store.metric_history.bulk_interval([run_id], "loss", 100, None, None)
    all_steps = list(range(0, 3000, 3))
    assert steps_of(sampled) == [all_steps[r] for r in sampled_ranks(1000, 100)]
    picked = steps_of(sampled)
    assert {b - a for a, b in itertools.pairwise(picked)} == {30, 33}  # every 10th or 11th
    assert len(sampled) == 200  # both points of each picked step
    assert [m.step for m in sampled] == sorted(m.step for m in sampled)
    assert sampled[0].step == 0 and sampled[-1].step == 2997


def test_step_range_and_nan_points(store: TrackingStore, run_id: str) -> None:
    nan = Metric(key="acc", value=math.nan, timestamp=5000, step=50)
    log(store, run_id, [*points("acc", range(100)), nan])
    sampled = store.metric_history.bulk_interval([run_id], "acc", 5, 40, 60)
    assert steps_of(sampled) == [40, 45, 50, 55, 60]
    at_50 = [m for m in sampled if m.step == 50]
    assert [m.value for m in at_50 if not math.isnan(m.value)] == [50.0]
    assert sum(math.isnan(m.value) for m in at_50) == 1


def test_several_runs_and_unknown_keys(store: TrackingStore, run_id: str) -> None:
    other = store.runs.create(
        store.experiments.create("other", None, []), "bo", 1, None, []
    ).info.run_id
    log(store, run_id, points("loss", range(10)))
    log(store, other, points("loss", range(3)))
    sampled = store.metric_history.bulk_interval([run_id, other], "loss", 2500, None, None)
    assert [(m.run_id, m.step) for m in sampled] == [(run_id, s) for s in range(10)] + [
        (other, s) for s in range(3)
    ]
    assert store.metric_history.bulk_interval([run_id], "nope", 10, None, None) == []


@pytest.mark.parametrize(
    ("max_results", "start", "end", "message"),
    [
        (0, None, None, "between 1 and 2500"),
        (2501, None, None, "between 1 and 2500"),
        (10, 5, None, "Both start_step and end_step"),
        (10, 9, 3, "must not be greater"),
    ],
)
def test_bad_sampling_requests(
    store: TrackingStore,
    run_id: str,
    max_results: int,
    start: int | None,
    end: int | None,
    message: str,
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        store.metric_history.bulk_interval([run_id], "loss", max_results, start, end)


def test_history_pages_follow_timestamp_order(store: TrackingStore, run_id: str) -> None:
    logged = points("loss", range(250))
    log(store, run_id, list(reversed(logged)))
    got: list[Metric] = []
    token = None
    pages = 0
    while True:
        page = store.metric_history.history(run_id, "loss", 100, token)
        got += page.items
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert [(m.timestamp, m.step, m.value) for m in got] == [
        (m.timestamp, m.step, m.value) for m in logged
    ]


def test_points_keep_their_dataset_and_model(store: TrackingStore, run_id: str) -> None:
    """A batch mixing bare points, points of a dataset and points of a model stores each
    with its own links (they take different INSERT statements)."""
    batch = [
        *points("loss", range(300)),
        Metric(key="loss", value=7.0, timestamp=9001, step=900, dataset_name="val",
               dataset_digest="d1"),
        Metric(key="acc", value=0.5, timestamp=9002, step=901, model_id="m-1"),
    ]  # fmt: skip
    log(store, run_id, batch)
    history = store.metric_history.history(run_id, "loss", None, None).items
    assert len(history) == 301 and history[-1].value == 7.0
    rows = store.db.read(
        lambda conn: conn.execute(
            select(metrics.c.step, metrics.c.model_id, metrics.c.dataset_name,
                   metrics.c.dataset_digest)
            .where(metrics.c.step >= 299)
            .order_by(metrics.c.step)
        ).all()
    )  # fmt: skip
    assert [tuple(row) for row in rows] == [
        (299, None, None, None),
        (900, None, "val", "d1"),
        (901, "m-1", None, None),
    ]
