"""The scoring process on its own: the SageMaker container contract over real HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port
from trackdeck.serving.scoring import LOAD_FAILED


def _scoring(model_uri: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "trackdeck.serving.scoring",
               "--model-uri", model_uri, "--port", str(port)]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Any]]:
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path_factory.mktemp("scoring")
    features, target = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=300).fit(features, target)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Hint: Inferred schema", UserWarning)
        mlflow.sklearn.save_model(model, folder / "model", input_example=features.head(2),
                                  pip_requirements=["scikit-learn"])  # fmt: skip
    port = free_port()
    process = _scoring(str(folder / "model"), port, folder / "scoring.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (folder / "scoring.log").read_text()
        assert time.monotonic() < deadline, "no /ping"
        try:
            if httpx.get(f"{url}/ping").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url, model, features.iloc[::10]
    process.terminate()
    process.wait(timeout=15)


def test_ping_answers_once_loaded(served: tuple[str, Any, Any]) -> None:
    url, _, _ = served
    assert httpx.get(f"{url}/ping").status_code == 200
    assert httpx.get(f"{url}/health").status_code == 200


@pytest.mark.parametrize(
    ("key", "orient"),
    [("dataframe_split", "split"), ("dataframe_records", "records"),
     ("instances", "records"), ("inputs", "list")],
)  # fmt: skip
def test_json_forms_predict_as_the_local_model(
    served: tuple[str, Any, Any], key: str, orient: str
) -> None:
    url, model, rows = served
    response = httpx.post(f"{url}/invocations", json={key: rows.to_dict(orient=orient)})
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": model.predict(rows).tolist()}


def test_csv_with_charset_predicts_as_the_local_model(served: tuple[str, Any, Any]) -> None:
    url, model, rows = served
    response = httpx.post(
        f"{url}/invocations",
        content=rows.to_csv(index=False),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": model.predict(rows).tolist()}


@pytest.mark.parametrize(
    ("content_type", "body", "status", "says"),
    [
        (None, b"{}", 415, "Missing Content-Type"),
        ("text/csv; charset=latin-1", b"a\n1", 415, "UTF-8"),
        ("application/json; format=pandas-split", b"{}", 415, "format"),
        ("application/json", b'{"instances": 3}', 400, "must be a list or an object"),
        ("application/json", b'{"dataframe_records": {"a": 1}}', 400, "list of records"),
        ("application/json", b'{"inputs": [1], "params": [1]}', 400, "params must be"),
        ("application/json", b'{"dataframe_split": {"rows": []}}', 400, "'data' field"),
        ("text/csv", b"\xff\xfe,\n1,2", 400, "CSV"),
    ],
)
def test_bad_payloads_say_why(
    served: tuple[str, Any, Any], content_type: str | None, body: bytes, status: int, says: str
) -> None:
    url, _, _ = served
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(f"{url}/invocations", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert says in response.json()["message"]


def test_model_that_does_not_load_ends_the_process_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    process = _scoring(str(tmp_path / "empty"), free_port(), tmp_path / "log")
    assert process.wait(timeout=60) == LOAD_FAILED
    last = (tmp_path / "log").read_text().strip().splitlines()[-1]
    assert last.startswith(f"Cannot load model {tmp_path / 'empty'}: ") and "MLmodel" in last
