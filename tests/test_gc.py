"""`trackdeck gc` removes what was deleted, rows and files, and keeps what is still used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.entities import KeyValue, Metric
from trackdeck.gc import collect_garbage, parse_duration_ms
from trackdeck.store.experiments import DELETED
from trackdeck.store.tracking import TrackingStore


@pytest.fixture
def store(store_uri: str) -> Iterator[TrackingStore]:
    tracking = TrackingStore(store_uri)
    yield tracking
    tracking.close()


def _run_with_files(store: TrackingStore, root: Path, experiment_id: str) -> str:
    run = store.runs.create(experiment_id, "ana", 1, None, [])
    store.logging.log_batch(
        run.info.run_id,
        [Metric(key="loss", value=1.0, timestamp=1, step=0)],
        [KeyValue(key="lr", value="0.1")],
        [],
    )
    folder = root / run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    folder.mkdir(parents=True)
    (folder / "model.pkl").write_bytes(b"weights")
    return run.info.run_id


def test_gc_removes_deleted_runs_and_experiments(store: TrackingStore, tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    artifacts = LocalArtifactStore(root)
    experiment_id = store.experiments.create("doomed", None, [])
    kept_experiment = store.experiments.create("kept", None, [])
    doomed_run = _run_with_files(store, root, experiment_id)
    live_run = _run_with_files(store, root, kept_experiment)
    deleted_but_registered = _run_with_files(store, root, kept_experiment)
    store.registered_models.create("model", [], None)
    store.model_versions.create("model", f"runs:/{deleted_but_registered}/", None, [], None, None)
    store.runs.set_lifecycle(deleted_but_registered, DELETED)
    store.experiments.set_lifecycle(experiment_id, DELETED)

    dry = collect_garbage(store.db, artifacts, 0, dry_run=True)
    assert dry.runs == [doomed_run] and dry.experiments == []
    assert (root / experiment_id / doomed_run).exists()

    assert collect_garbage(store.db, artifacts, parse_duration_ms("1d")).runs == []

    report = collect_garbage(store.db, artifacts, 0)
    assert report.runs == [doomed_run]
    assert report.experiments == [experiment_id]  # emptied by the runs' removal
    assert not (root / experiment_id / doomed_run).exists()
    assert (root / kept_experiment / live_run / "artifacts" / "model.pkl").exists()
    assert (root / kept_experiment / deleted_but_registered).exists()
    with pytest.raises(Exception, match="not found"):
        store.runs.get(doomed_run)
    assert store.runs.get(deleted_but_registered).info.lifecycle_stage == DELETED
    assert not (root / experiment_id).exists()
    with pytest.raises(Exception, match="No Experiment"):
        store.experiments.get(experiment_id)


@pytest.mark.parametrize(
    ("text", "ms"), [("0s", 0), ("30d", 30 * 86_400_000), ("1d12h30m5s", 131_405_000)]
)
def test_parse_duration(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "3 days", "10x", "-1d"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(Exception, match="Invalid duration"):
        parse_duration_ms(text)
