"""Path safety over HTTP: every path trick, on every endpoint that takes a path, is a 400,
and nothing outside the artifact root is created, changed, deleted or read.

Requests go out through `http.client` with the path exactly as written: HTTP libraries
such as requests and httpx remove `..` segments before sending, which would hide them.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests.servers import LiveServer, start_server

SERVICE = "/api/2.0/mlflow-artifacts"
SECRET = f"TOP-SECRET-{uuid.uuid4().hex}"

# Tricks as they appear once the server has decoded the URL (or as a query value).
TRICKS = [
    "..",
    "../outside/secret.txt",
    "1/../../outside/secret.txt",
    "%2e%2e/outside/secret.txt",
    "%2E%2E%2Foutside%2Fsecret.txt",
    "%252e%252e/outside/secret.txt",
    "%25252e%25252e%25252foutside",
    "..\\outside\\secret.txt",
    "1\\..\\..\\outside",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "1//x",
    "1/x#frag",
    "1/x?query=1",
    "1/x;param",
    "file:/etc/passwd",
    "file:///etc/passwd",
    ":relative",
    "C:/windows/win.ini",
    "1/nul\x00byte",
]
# Symlinks inside the root that lead out of it: refused wherever the disk is touched.
# (Multipart never touches a local folder: it answers 501 there, see below.)
SYMLINK_TRICKS = ["1/link/secret.txt", "1/file-link", "1/link/planted.txt"]


def in_url(trick: str) -> str:
    """The trick in a URL path, so that the server decodes it back to `trick`:
    characters that cannot appear raw in a request line are percent-encoded."""
    return quote(trick, safe="/:\\;.,@!$&'()*+=~-_")


@dataclass
class Site:
    server: LiveServer
    root: Path
    outside: Path
    run_id: str
    workdir: Path

    def request(self, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
        host, port = self.server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in {**headers, "Content-Length": str(len(body or b""))}.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def files_outside_root(self) -> dict[str, bytes]:
        """Every file under the working folder but outside the artifact root (the server's
        log and database excluded), with its contents."""
        found = {}
        for path in sorted(self.workdir.rglob("*")):
            if path.is_symlink() or not path.is_file() or self.root in path.parents:
                continue
            if path.name.startswith(("server-", "store.db")):
                continue
            found[str(path.relative_to(self.workdir))] = path.read_bytes()
        return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("safety")
    root = workdir / "artifacts"
    server = start_server(
        f"sqlite:///{workdir / 'store.db'}", workdir, "--artifacts-destination", str(root)
    )
    outside = workdir / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (root / "1").mkdir(parents=True)
    (root / "1" / "link").symlink_to(outside)
    (root / "1" / "file-link").symlink_to(outside / "secret.txt")
    found = Site(server, root, outside, "", workdir)
    status, body = found.request("POST", "/api/2.0/mlflow/experiments/create", b'{"name": "s"}')
    assert status == 200, body
    experiment_id = json.loads(body)["experiment_id"]
    status, body = found.request(
        "POST", "/api/2.0/mlflow/runs/create", json.dumps({"experiment_id": experiment_id}).encode()
    )
    found.run_id = json.loads(body)["run"]["info"]["run_id"]
    # The same symlinks inside the run's own folder, for the run-scoped endpoints.
    run_links = root / experiment_id / found.run_id / "artifacts" / "1"
    run_links.mkdir(parents=True)
    (run_links / "link").symlink_to(outside)
    (run_links / "file-link").symlink_to(outside / "secret.txt")
    yield found
    server.stop()


def endpoints(site: Site, trick: str) -> list[tuple[str, str, bytes | None]]:
    """(method, target, body) of every endpoint that takes a path, carrying `trick`."""
    path = in_url(trick)
    query = urlencode({"path": trick})
    run_query = urlencode({"run_id": site.run_id, "path": trick})
    mpu_body = json.dumps({"path": "f.bin", "num_parts": 1, "upload_id": "u"}).encode()
    return [
        ("PUT", f"{SERVICE}/artifacts/{path}", b"PLANTED"),
        ("GET", f"{SERVICE}/artifacts/{path}", None),
        ("DELETE", f"{SERVICE}/artifacts/{path}", None),
        ("GET", f"{SERVICE}/artifacts?{query}", None),
        ("POST", f"{SERVICE}/mpu/create/{path}", mpu_body),
        ("POST", f"{SERVICE}/mpu/complete/{path}", mpu_body),
        ("POST", f"{SERVICE}/mpu/abort/{path}", mpu_body),
        ("GET", f"/api/2.0/mlflow/artifacts/list?{run_query}", None),
        ("GET", f"/ajax-api/2.0/mlflow/artifacts/list?{run_query}", None),
        ("GET", f"/get-artifact?{urlencode({'run_uuid': site.run_id, 'path': trick})}", None),
    ]


@pytest.mark.parametrize("trick", TRICKS + SYMLINK_TRICKS)
def test_every_trick_on_every_endpoint_is_a_400(site: Site, trick: str) -> None:
    before = site.files_outside_root()
    for method, target, body in endpoints(site, trick):
        status, answer = site.request(method, target, body)
        if trick in SYMLINK_TRICKS and "/mpu/" in target:
            assert status == 501, (method, target, status, answer)
            continue
        assert status == 400, (method, target, status, answer)
        assert json.loads(answer)["error_code"] == "INVALID_PARAMETER_VALUE", (method, target)
        assert SECRET.encode() not in answer
    assert site.files_outside_root() == before
    assert (site.outside / "secret.txt").read_text() == SECRET
    assert sorted(p.name for p in site.outside.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize("name", ["..", "%2e%2e", "a\\..", "x/%252e%252e", "nul\x00"])
def test_multipart_file_name_in_the_body_is_checked(site: Site, name: str) -> None:
    body = json.dumps({"path": name, "num_parts": 1, "upload_id": "u"}).encode()
    for action in ("create", "complete", "abort"):
        status, answer = site.request("POST", f"{SERVICE}/mpu/{action}/1/dir", body)
        assert status == 400, (action, answer)


def test_multipart_on_a_folder_is_the_501_the_client_falls_back_on(site: Site) -> None:
    body = json.dumps({"path": "big.bin", "num_parts": 2}).encode()
    status, answer = site.request("POST", f"{SERVICE}/mpu/create/1/dir", body)
    assert status == 501
    assert json.loads(answer) == {
        "error_code": "NOT_IMPLEMENTED",
        "message": "Multipart upload is not supported for the current artifact repository",
    }


@pytest.mark.parametrize(
    "location",
    [
        "file:///tmp/elsewhere",
        "/tmp/elsewhere",
        "s3://another-bucket/x",
        "http://169.254.169.254/latest",
        "mlflow-artifacts://other.host:5000/x",
        "mlflow-artifacts:/../x",
        "mlflow-artifacts:/1/%2e%2e/x",
        "mlflow-artifacts:/1/x?y",
    ],
)
def test_client_chosen_experiment_locations_stay_inside(site: Site, location: str) -> None:
    """A location a client picks never sends the server (or other clients) elsewhere."""
    body = json.dumps({"name": f"e-{uuid.uuid4().hex}", "artifact_location": location})
    status, answer = site.request("POST", "/api/2.0/mlflow/experiments/create", body.encode())
    assert status == 400, answer


def test_ordinary_paths_still_work(site: Site) -> None:
    name = "1/dir/with space & ünïcode (1).txt"
    status, _ = site.request("PUT", f"{SERVICE}/artifacts/{in_url(name)}", b"fine")
    assert status == 200
    status, body = site.request("GET", f"{SERVICE}/artifacts/{in_url(name)}")
    assert (status, body) == (200, b"fine")
    status, body = site.request("GET", f"{SERVICE}/artifacts?{urlencode({'path': '1/dir'})}")
    assert json.loads(body) == {
        "files": [{"path": "with space & ünïcode (1).txt", "is_dir": False, "file_size": 4}]
    }
    assert (site.root / name).read_bytes() == b"fine"


def test_upload_cut_short_leaves_nothing(site: Site) -> None:
    """A client that hangs up mid-upload leaves no file, not even a temporary one."""
    host, port = site.server.url.removeprefix("http://").split(":")
    target = f"{SERVICE}/artifacts/1/cut/short.bin"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"PUT {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {10 << 20}\r\n\r\n".encode()
        )
        sock.sendall(b"x" * (3 << 20))
        folder = site.root / "1" / "cut"
        deadline = time.monotonic() + 10
        while not (folder.exists() and any(folder.iterdir())):  # the upload is under way
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.02)
    deadline = time.monotonic() + 10
    while any(folder.iterdir()):
        assert time.monotonic() < deadline, list(folder.iterdir())
        time.sleep(0.02)
    status, _ = site.request("GET", target)
    assert status == 404
