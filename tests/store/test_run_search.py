"""search_runs semantics, on SQLite and PostgreSQL: the SQL side of the filter grammar."""

from __future__ import annotations

import pytest

from trackdeck.entities import Dataset, DatasetInput, KeyValue, Metric
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.tracking import TrackingStore


@pytest.fixture
def runs(store: TrackingStore) -> dict[str, str]:
    """Five runs with overlapping, partly missing params, tags and metrics; name -> id."""
    experiment_id = store.experiments.create("search", None, [])
    table = {
        "alpha": ({"lr": "0.1", "opt": "Adam"}, {"team": "red"}, {"acc": 0.9, "loss": 0.3}),
        "beta": ({"lr": "0.01", "opt": "adam"}, {"team": "blue"}, {"acc": 0.7}),
        "gamma": ({"lr": "0.001"}, {}, {"acc": 0.8, "loss": 0.1}),
        "delta": ({}, {"team": "red"}, {}),
        "epsilon": ({"lr": "0.1"}, {"team": "green"}, {"acc": 0.95}),
    }
    ids = {}
    for start, (name, (params, tags, metrics)) in enumerate(table.items()):
        run = store.runs.create(experiment_id, "ana", 1000 + start, name, [])
        store.logging.log_batch(
            run.info.run_id,
            [Metric(key=k, value=v, timestamp=1, step=0) for k, v in metrics.items()],
            [KeyValue(key=k, value=v) for k, v in params.items()],
            [KeyValue(key=k, value=v) for k, v in tags.items()],
        )
        ids[name] = run.info.run_id
    store.inputs.log_inputs(
        ids["alpha"],
        [
            DatasetInput(
                dataset=Dataset(name="train", digest="abc", source_type="local", source="x"),
                tags=[KeyValue(key="mlflow.data.context", value="training")],
            )
        ],
        [],
    )
    ids["experiment_id"] = experiment_id
    return ids


def names(store: TrackingStore, runs: dict[str, str], filter_string: str = "", order_by=None):  # type: ignore[no-untyped-def]
    page = store.run_search.search(
        [runs["experiment_id"]], filter_string, "ACTIVE_ONLY", 100, order_by or [], None
    )
    by_id = {v: k for k, v in runs.items()}
    return [by_id[run.info.run_id] for run in page.items]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("", ["epsilon", "delta", "gamma", "beta", "alpha"]),
        ("metrics.acc > 0.75", ["epsilon", "gamma", "alpha"]),
        ("metrics.acc >= 0.9", ["epsilon", "alpha"]),
        ("metrics.acc < 0.8", ["beta"]),
        ("metrics.acc <= 0.8", ["gamma", "beta"]),
        ("metrics.acc = 0.7", ["beta"]),
        ("metrics.acc != 0.7", ["epsilon", "gamma", "alpha"]),
        ("params.lr = '0.1'", ["epsilon", "alpha"]),
        ("params.lr != '0.1'", ["gamma", "beta"]),  # a missing param never matches
        ("params.opt LIKE 'A%'", ["alpha"]),  # LIKE is case-sensitive
        ("params.opt ILIKE 'a%'", ["beta", "alpha"]),
        ("params.lr IS NULL", ["delta"]),
        ("params.opt IS NOT NULL", ["beta", "alpha"]),
        ("tags.team = 'red'", ["delta", "alpha"]),
        ("tags.team != 'red'", ["epsilon", "beta"]),
        ("tags.team IS NULL", ["gamma"]),
        ("attributes.run_name = 'gamma'", ["gamma"]),
        ("run_name LIKE '%lta'", ["delta"]),
        ("attributes.start_time >= 1003", ["epsilon", "delta"]),
        ("status = 'RUNNING' and metrics.loss < 0.2", ["gamma"]),
        ("datasets.name = 'train'", ["alpha"]),
        ("datasets.context = 'training'", ["alpha"]),
        ("datasets.digest IN ('abc', 'zzz')", ["alpha"]),
        ("metrics.acc > 0.5 and params.lr = '0.1' and tags.team = 'green'", ["epsilon"]),
    ],
)
def test_filters(
    store: TrackingStore, runs: dict[str, str], filter_string: str, expected: list[str]
) -> None:
    assert names(store, runs, filter_string) == expected


def test_run_id_in(store: TrackingStore, runs: dict[str, str]) -> None:
    wanted = f"attributes.run_id IN ('{runs['beta']}', '{runs['delta']}')"
    assert names(store, runs, wanted) == ["delta", "beta"]
    assert names(store, runs, wanted.replace("IN", "NOT IN")) == ["epsilon", "gamma", "alpha"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.acc DESC"], ["epsilon", "alpha", "gamma", "beta", "delta"]),
        (["metrics.acc ASC"], ["beta", "gamma", "alpha", "epsilon", "delta"]),  # missing last
        (["params.lr", "run_name"], ["gamma", "beta", "alpha", "epsilon", "delta"]),
        (["tags.team DESC", "run_name"], ["alpha", "delta", "epsilon", "beta", "gamma"]),
        (["attributes.run_name"], ["alpha", "beta", "delta", "epsilon", "gamma"]),
        (["start_time ASC"], ["alpha", "beta", "gamma", "delta", "epsilon"]),
    ],
)
def test_order_by(
    store: TrackingStore, runs: dict[str, str], order_by: list[str], expected: list[str]
) -> None:
    assert names(store, runs, order_by=order_by) == expected


@pytest.mark.parametrize(
    ("filter_string", "order_by", "expected"),
    [
        # The sort reuses the filter's join of the same key...
        ("metrics.acc > 0.75", ["metrics.acc ASC"], ["gamma", "alpha", "epsilon"]),
        ("metrics.acc > 0.5 and metrics.acc < 0.92", ["metrics.acc DESC"],
         ["alpha", "gamma", "beta"]),
        ("params.lr != '0.001'", ["params.lr DESC", "run_name"], ["alpha", "epsilon", "beta"]),
        # ...and joins its own for another key, where a missing value still sorts last.
        ("metrics.acc > 0.75", ["metrics.loss DESC", "run_name"], ["alpha", "gamma", "epsilon"]),
        ("tags.team IS NOT NULL and params.lr = '0.1'", ["tags.team"], ["epsilon", "alpha"]),
    ],
)  # fmt: skip
def test_filter_and_order_by_together(
    store: TrackingStore,
    runs: dict[str, str],
    filter_string: str,
    order_by: list[str],
    expected: list[str],
) -> None:
    assert names(store, runs, filter_string, order_by) == expected


def test_nan_metrics_never_match_a_comparison(store: TrackingStore, runs: dict[str, str]) -> None:
    store.logging.log_batch(
        runs["delta"], [Metric(key="acc", value=float("nan"), timestamp=1, step=0)], [], []
    )
    assert names(store, runs, "metrics.acc > -1", ["metrics.acc"]) == [
        "beta", "gamma", "alpha", "epsilon"
    ]  # fmt: skip
    assert "delta" in names(store, runs, "", ["metrics.acc"])


def test_paging_covers_every_run_once(store: TrackingStore, runs: dict[str, str]) -> None:
    seen, token = [], None
    while True:
        page = store.run_search.search(
            [runs["experiment_id"]], "", "ACTIVE_ONLY", 2, ["metrics.acc DESC"], token
        )
        seen += [run.info.run_name for run in page.items]
        token = page.next_page_token
        if token is None:
            break
    assert seen == ["epsilon", "alpha", "gamma", "beta", "delta"]


def test_view_types(store: TrackingStore, runs: dict[str, str]) -> None:
    from trackdeck.store.experiments import DELETED

    store.runs.set_lifecycle(runs["beta"], DELETED)
    search = store.run_search.search
    deleted = search([runs["experiment_id"]], "", "DELETED_ONLY", 10, [], None).items
    assert [run.info.run_name for run in deleted] == ["beta"]
    assert len(search([runs["experiment_id"]], "", "ALL", 10, [], None).items) == 5
    assert len(search([runs["experiment_id"]], "", "ACTIVE_ONLY", 10, [], None).items) == 4


def test_bad_experiment_id(store: TrackingStore) -> None:
    with pytest.raises(InvalidParameterValue):
        store.run_search.search(["abc"], "", "ACTIVE_ONLY", 10, [], None)
