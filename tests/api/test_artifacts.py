"""The artifact routes in process: headers, errors, listing shapes and server-info."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from trackdeck.api.app import create_app
from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.artifacts.s3 import S3ArtifactStore
from trackdeck.store.tracking import TrackingStore

ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[TestClient]:
    store = TrackingStore(f"sqlite:///{tmp_path / 'api.db'}")
    app = create_app(store, LocalArtifactStore(tmp_path / "artifacts"))
    with TestClient(app, base_url="http://localhost") as client:
        yield client


def test_upload_download_headers(served: TestClient) -> None:
    assert served.put(f"{ARTIFACTS}/0/r/artifacts/plot.png", content=b"\x89PNG").status_code == 200
    response = served.get(f"{ARTIFACTS}/0/r/artifacts/plot.png")
    assert response.content == b"\x89PNG"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="plot.png"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-length"] == "4"


def test_active_content_is_served_as_text(served: TestClient) -> None:
    served.put(f"{ARTIFACTS}/0/page.html", content=b"<script>alert(1)</script>")
    response = served.get(f"{ARTIFACTS}/0/page.html")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"].startswith("attachment")


def test_unicode_names_use_rfc_5987(served: TestClient) -> None:
    served.put(f'{ARTIFACTS}/0/résumé "q".txt', content=b"x")
    response = served.get(f'{ARTIFACTS}/0/résumé "q".txt')
    assert response.headers["content-disposition"] == (
        "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20%22q%22.txt"
    )


def test_missing_folder_and_trailing_slash(served: TestClient) -> None:
    served.put(f"{ARTIFACTS}/0/dir/f.txt", content=b"x")
    missing = served.get(f"{ARTIFACTS}/0/dir/none.txt")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    folder = served.get(f"{ARTIFACTS}/0/dir")
    assert folder.status_code == 400
    assert folder.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert served.put(f"{ARTIFACTS}/0/dir/", content=b"x").status_code == 400


def test_listing_shapes_and_delete(served: TestClient) -> None:
    served.put(f"{ARTIFACTS}/0/r/a.txt", content=b"abc")
    served.put(f"{ARTIFACTS}/0/r/sub/b.txt", content=b"")
    listed = served.get(ARTIFACTS, params={"path": "0/r"}).json()
    assert listed == {
        "files": [
            {"path": "a.txt", "is_dir": False, "file_size": 3},
            {"path": "sub", "is_dir": True},
        ]
    }
    assert served.get(ARTIFACTS, params={"path": "0/nothing"}).json() == {}
    assert served.get(ARTIFACTS, params={"path": "0/r/a.txt"}).json() == {}
    assert served.delete(f"{ARTIFACTS}/0/r/sub").json() == {}
    assert served.get(ARTIFACTS, params={"path": "0/r"}).json()["files"] == [
        {"path": "a.txt", "is_dir": False, "file_size": 3}
    ]


def test_run_artifact_routes_for_the_ui(served: TestClient) -> None:
    api = "/api/2.0/mlflow"
    run = served.post(f"{api}/runs/create", json={"experiment_id": "0"}).json()["run"]["info"]
    root = run["artifact_uri"].removeprefix("mlflow-artifacts:/")
    served.put(f"{ARTIFACTS}/{root}/dir/f.txt", content=b"data")
    listed = served.get(f"{api}/artifacts/list", params={"run_id": run["run_id"]}).json()
    assert listed == {"root_uri": run["artifact_uri"], "files": [{"path": "dir", "is_dir": True}]}
    inner = served.get(
        "/ajax-api/2.0/mlflow/artifacts/list", params={"run_id": run["run_id"], "path": "dir"}
    ).json()
    assert inner["files"] == [{"path": "dir/f.txt", "is_dir": False, "file_size": 4}]
    got = served.get("/get-artifact", params={"run_uuid": run["run_id"], "path": "dir/f.txt"})
    assert got.content == b"data"
    assert got.headers["content-disposition"] == 'attachment; filename="f.txt"'
    unknown = served.get(f"{api}/artifacts/list", params={"run_id": "0" * 32})
    assert unknown.status_code == 404


def test_server_info_is_truthful(served: TestClient, tmp_path: Path) -> None:
    info = served.get("/api/3.0/mlflow/server-info").json()
    assert info["artifact_serving_enabled"] is True
    assert info["multipart_uploads_enabled"] is False  # a folder takes single PUTs only
    store = TrackingStore(f"sqlite:///{tmp_path / 'other.db'}")
    s3 = S3ArtifactStore("s3://bucket/prefix", client=object())
    with TestClient(create_app(store, s3), base_url="http://localhost") as client:
        assert client.get("/api/3.0/mlflow/server-info").json()["multipart_uploads_enabled"]
    store = TrackingStore(f"sqlite:///{tmp_path / 'none.db'}")
    with TestClient(create_app(store), base_url="http://localhost") as client:
        info = client.get("/api/3.0/mlflow/server-info").json()
        assert info["artifact_serving_enabled"] is False
        assert client.get(f"{ARTIFACTS}/0/x").status_code == 404
