"""The logged-model store on SQLite and PostgreSQL: lifecycle, tags, params, metrics, search."""

from __future__ import annotations

import re

import pytest

from trackdeck.entities import KeyValue, Metric
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.store.logged_models import DatasetRef, OrderBy
from trackdeck.store.tracking import TrackingStore


def kv(**pairs: str) -> list[KeyValue]:
    return [KeyValue(key=k, value=v) for k, v in pairs.items()]


@pytest.fixture
def experiment_id(store: TrackingStore) -> str:
    return store.experiments.create("models", None, [])


def test_create_get_finalize(store: TrackingStore, experiment_id: str) -> None:
    run = store.runs.create(experiment_id, "ana", 1, None, [])
    model = store.logged_models.create(
        experiment_id, "net", "classifier", run.info.run_id, kv(lr="0.1"), kv(team="vision")
    )
    info = model.info
    assert re.fullmatch(r"m-[0-9a-f]{32}", info.model_id)
    assert info.status == "LOGGED_MODEL_PENDING"
    assert (
        info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/models/{info.model_id}/artifacts"
    )
    assert (info.name, info.model_type, info.source_run_id) == (
        "net",
        "classifier",
        run.info.run_id,
    )
    assert info.tags == kv(team="vision") and model.data.params == kv(lr="0.1")
    ready = store.logged_models.finalize(info.model_id, "LOGGED_MODEL_READY")
    assert ready.info.status == "LOGGED_MODEL_READY"
    assert ready.info.last_updated_timestamp_ms >= info.creation_timestamp_ms
    assert store.logged_models.finalize(info.model_id, 3).info.status == (
        "LOGGED_MODEL_UPLOAD_FAILED"
    )
    with pytest.raises(InvalidParameterValue):
        store.logged_models.finalize(info.model_id, "DONE")
    assert store.logged_models.get(info.model_id) == store.logged_models.get(info.model_id)


def test_unnamed_model_gets_a_name(store: TrackingStore, experiment_id: str) -> None:
    assert store.logged_models.create(experiment_id, None, None, None, [], []).info.name


def test_errors(store: TrackingStore, experiment_id: str) -> None:
    with pytest.raises(ResourceDoesNotExist):
        store.logged_models.get("m-" + "0" * 32)
    with pytest.raises(ResourceDoesNotExist):
        store.logged_models.create("999", "x", None, None, [], [])
    with pytest.raises(InvalidParameterValue):
        store.logged_models.create(experiment_id, "x", None, "../bad", [], [])
    with pytest.raises(InvalidParameterValue):
        store.logged_models.create(experiment_id, "x", None, None, kv(**{"../k": "v"}), [])


def test_delete_hides_but_allow_deleted_finds(store: TrackingStore, experiment_id: str) -> None:
    model_id = store.logged_models.create(experiment_id, "gone", None, None, [], []).info.model_id
    store.logged_models.delete(model_id)
    with pytest.raises(ResourceDoesNotExist):
        store.logged_models.get(model_id)
    assert store.logged_models.get(model_id, allow_deleted=True).info.name == "gone"
    with pytest.raises(ResourceDoesNotExist):
        store.logged_models.delete(model_id)
    page = store.logged_models.search([experiment_id], None, [], None, [], None)
    assert page.items == []


def test_tags_and_params(store: TrackingStore, experiment_id: str) -> None:
    model_id = store.logged_models.create(experiment_id, "m", None, None, [], []).info.model_id
    store.logged_models.set_tags(model_id, kv(a="1", b="2"))
    store.logged_models.set_tags(model_id, kv(a="3"))
    store.logged_models.delete_tag(model_id, "b")
    with pytest.raises(ResourceDoesNotExist):
        store.logged_models.delete_tag(model_id, "b")
    store.logged_models.log_params(model_id, kv(p="1"))
    store.logged_models.log_params(model_id, kv(p="1", q="2"))  # re-logging is fine
    with pytest.raises(InvalidParameterValue, match="Changing param values"):
        store.logged_models.log_params(model_id, kv(p="changed"))
    model = store.logged_models.get(model_id)
    assert model.info.tags == kv(a="3")
    assert model.data.params == kv(p="1", q="2")


def test_metrics_logged_with_model_id(store: TrackingStore, experiment_id: str) -> None:
    run_id = store.runs.create(experiment_id, "u", 1, None, []).info.run_id
    model_id = store.logged_models.create(experiment_id, "m", None, run_id, [], []).info.model_id
    store.logging.log_metric(run_id, Metric(key="acc", value=0.5, timestamp=10, step=0))
    # log_model re-sends the run's metrics with the new model's id, identical otherwise
    store.logging.log_metric(
        run_id, Metric(key="acc", value=0.5, timestamp=10, step=0, model_id=model_id)
    )
    store.logging.log_metric(
        run_id,
        Metric(
            key="loss",
            value=0.1,
            timestamp=11,
            step=1,
            model_id=model_id,
            dataset_name="val",
            dataset_digest="d1",
        ),
    )
    metrics = store.logged_models.get(model_id).data.metrics
    assert [(m.key, m.value, m.run_id, m.model_id) for m in metrics] == [
        ("acc", 0.5, run_id, model_id),
        ("loss", 0.1, run_id, model_id),
    ]
    assert metrics[1].dataset_name == "val"


def test_search_filters_order_and_pages(store: TrackingStore, experiment_id: str) -> None:
    other = store.experiments.create("other", None, [])
    run_id = store.runs.create(experiment_id, "u", 1, None, []).info.run_id
    for index, name in enumerate(["a", "b", "c", "d"]):
        model = store.logged_models.create(
            experiment_id,
            name,
            "clf" if index % 2 else "reg",
            run_id,
            kv(depth=str(index)),
            kv(parity="odd" if index % 2 else "even"),
        )
        store.logging.log_metric(
            run_id,
            Metric(
                key="acc",
                value=index / 10,
                timestamp=index,
                step=0,
                model_id=model.info.model_id,
                dataset_name="val",
                dataset_digest="x",
            ),
        )
    store.logged_models.create(other, "a", None, None, [], [])

    def names(
        filter_string: str | None = None,
        order: list[OrderBy] | None = None,
        datasets: list[DatasetRef] | None = None,
    ) -> list[str]:
        page = store.logged_models.search(
            [experiment_id], filter_string, datasets or [], None, order or [], None
        )
        return [m.info.name for m in page.items]

    assert names(order=[OrderBy("name")]) == ["a", "b", "c", "d"]
    assert sorted(names()) == ["a", "b", "c", "d"]  # newest first; same-ms ties by id
    assert names("name = 'b'") == ["b"]
    assert names("name IN ('a', 'c')", [OrderBy("name")]) == ["a", "c"]
    assert names("model_type = 'clf'", [OrderBy("name")]) == ["b", "d"]
    assert names("tags.parity = 'even'", [OrderBy("name")]) == ["a", "c"]
    assert names("params.depth LIKE '%3'") == ["d"]
    assert names("metrics.acc >= 0.2", [OrderBy("metrics.acc", ascending=False)]) == ["d", "c"]
    assert names("metrics.acc > 0", datasets=[DatasetRef("val")], order=[OrderBy("name")]) == [
        "b",
        "c",
        "d",
    ]
    assert names("metrics.acc > 0", datasets=[DatasetRef("train")]) == []
    assert names(f"source_run_id = '{run_id}' AND status = 'LOGGED_MODEL_PENDING'") != []
    assert names("creation_time > 0 AND last_updated_timestamp > 0") != []

    seen: list[str] = []
    token = None
    while True:
        page = store.logged_models.search(
            [experiment_id], None, [], 3, [OrderBy("name", ascending=False)], token
        )
        seen += [m.info.name for m in page.items]
        token = page.next_page_token
        if not token:
            break
    assert seen == ["d", "c", "b", "a"]
    first = store.logged_models.search([experiment_id], None, [], 1, [], None)
    with pytest.raises(InvalidParameterValue, match="different search"):
        store.logged_models.search([experiment_id], "name = 'a'", [], 1, [], first.next_page_token)
    with pytest.raises(InvalidParameterValue):
        names("metrics.acc = 'high'")
    with pytest.raises(InvalidParameterValue):
        names(order=[OrderBy("params.depth")])
    assert store.logged_models.search([], None, [], None, [], None).items == []
