"""Concurrent loggers on one SQLite store, and acknowledged writes surviving SIGKILL."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from tests.servers import start_server

THREADS = 16
BATCHES_PER_THREAD = 10
POINTS_PER_BATCH = 500


def test_sixteen_threads_log_batches_to_sqlite(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    try:
        client = MlflowClient(server.url)
        experiment_id = client.create_experiment("concurrency")
        run_ids = [client.create_run(experiment_id).info.run_id for _ in range(THREADS)]
        errors: list[BaseException] = []

        def log(index: int) -> None:
            try:
                own = MlflowClient(server.url)
                for batch in range(BATCHES_PER_THREAD):
                    base = batch * POINTS_PER_BATCH
                    points = [
                        Metric("loss", float(base + i), 1_000 + base + i, base + i)
                        for i in range(POINTS_PER_BATCH)
                    ]
                    # Every thread also writes to one shared run, the hardest case.
                    own.log_batch(run_ids[index], metrics=points)
                    own.log_metric(run_ids[0], f"shared_{index}", float(batch), step=batch)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=log, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        total = BATCHES_PER_THREAD * POINTS_PER_BATCH
        for run_id in run_ids:
            history = client.get_metric_history(run_id, "loss")
            assert [m.step for m in history] == list(range(total))
        for index in range(THREADS):
            shared = client.get_metric_history(run_ids[0], f"shared_{index}")
            assert [m.value for m in shared] == [float(b) for b in range(BATCHES_PER_THREAD)]
        assert "database is locked" not in server.log()
    finally:
        server.stop()


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'store.db'}"
    server = start_server(uri, tmp_path)
    client = MlflowClient(server.url)
    experiment_id = client.create_experiment("durable")
    run = client.create_run(experiment_id, run_name="survivor")
    for step in range(200):
        client.log_metric(run.info.run_id, "acc", step / 200, step=step)
    client.log_param(run.info.run_id, "lr", "0.1")
    client.set_tag(run.info.run_id, "state", "acknowledged")
    server.stop(signal.SIGKILL)

    restarted = start_server(uri, tmp_path, port=server.port)
    try:
        client = MlflowClient(restarted.url)
        fetched = client.get_run(run.info.run_id)
        assert fetched.info.run_name == "survivor"
        assert fetched.data.params == {"lr": "0.1"}
        assert fetched.data.tags["state"] == "acknowledged"
        history = client.get_metric_history(run.info.run_id, "acc")
        assert [m.step for m in history] == list(range(200))
    finally:
        restarted.stop()


def test_several_server_processes_share_one_postgresql(tmp_path: Path, new_pg_database) -> None:  # type: ignore[no-untyped-def]
    uri = new_pg_database()
    first = start_server(uri, tmp_path, "--workers", "2")
    second = start_server(uri, tmp_path)
    try:
        experiment_id = MlflowClient(first.url).create_experiment("shared")
        run_id = MlflowClient(second.url).create_run(experiment_id).info.run_id
        errors: list[BaseException] = []

        def log(index: int) -> None:
            try:
                client = MlflowClient((first, second)[index % 2].url)
                for step in range(50):
                    client.log_metric(run_id, "loss", float(index), step=index * 1000 + step)
                    client.log_param(run_id, "shared", "same")  # racing identical params
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=log, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        history = MlflowClient(first.url).get_metric_history(run_id, "loss")
        assert len(history) == 8 * 50
        run = MlflowClient(second.url).get_run(run_id)
        assert run.data.params == {"shared": "same"}
        assert run.data.metrics["loss"] == 7.0  # the largest step was logged by thread 7
    finally:
        first.stop()
        second.stop()
