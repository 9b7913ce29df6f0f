"""`paths.normalise`, the one gate for client-supplied artifact paths, and `confine`."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackdeck.artifacts import paths
from trackdeck.errors import InvalidParameterValue

# Every way of escaping the root or naming something else; each must be refused.
TRICKS = [
    "..",
    "../etc/passwd",
    "a/../../b",
    "a/..",
    "./a",
    "a/./b",
    "%2e%2e",
    "%2e%2e/etc/passwd",
    "%2E%2E%2Fetc%2Fpasswd",
    "a%2f..%2f..%2fb",
    "..%2f",
    "%252e%252e/x",
    "%25252e%25252e%25252fx",
    "a\\..\\b",
    "..\\x",
    "a%5c..%5cb",
    "/etc/passwd",
    "//etc/passwd",
    "%2fetc%2fpasswd",
    "a//b",
    "a#b",
    "a%23b",
    "a?b=1",
    "a%3fb",
    "a;b",
    "a%3bb",
    "file:/etc/passwd",
    "file:///etc/passwd",
    "FILE:x",
    "s3://bucket/key",
    "http://169.254.169.254/latest",
    ":x",
    "%3ax/y",
    "C:/windows",
    "a\x00b",
    "a%00b",
    "a\nb",
    "%2e%2e%00",
    "x" * 5000,
]


@pytest.mark.parametrize("trick", TRICKS)
def test_tricks_are_refused(trick: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        paths.normalise(trick)
    assert info.value.http_status == 400


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("a", "a"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("a/b/", "a/b"),
        ("model/MLmodel", "model/MLmodel"),
        ("weird name (1).txt", "weird name (1).txt"),
        ("100%.txt", "100%.txt"),
        ("a%20b", "a%20b"),
        ("dots...txt", "dots...txt"),
        ("..hidden", "..hidden"),
        ("a/b:c", "a/b:c"),
        ("ünïcode/файл.txt", "ünïcode/файл.txt"),
    ],
)
def test_ordinary_paths_pass_unchanged(given: str, canonical: str) -> None:
    assert paths.normalise(given) == canonical


def test_root_only_where_allowed() -> None:
    assert paths.normalise("", allow_root=True) == ""
    with pytest.raises(InvalidParameterValue):
        paths.normalise("")


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("mlflow-artifacts:/1/abc/artifacts", "1/abc/artifacts"),
        ("mlflow-artifacts:///1/models/m-1/artifacts", "1/models/m-1/artifacts"),
        ("mlflow-artifacts:/", ""),
    ],
)
def test_artifact_uri_path(uri: str, path: str) -> None:
    assert paths.artifact_uri_path(uri) == path


@pytest.mark.parametrize(
    "uri",
    [
        "mlflow-artifacts://evil.example:80/1/x",
        "mlflow-artifacts:/1/../../x",
        "mlflow-artifacts:/1/x?y",
        "mlflow-artifacts:/1/x#y",
        "s3://bucket/1/x",
        "file:///etc",
        "http://127.0.0.1:1/x",
        "/etc/passwd",
    ],
)
def test_foreign_artifact_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidParameterValue):
        paths.artifact_uri_path(uri)


def test_confine_follows_symlinks_only_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "inside-link").symlink_to(root / "real")
    (root / "escape").symlink_to(outside)
    (root / "escape-file").symlink_to(tmp_path / "secret.txt")
    assert paths.confine(root, "real/x") == root.resolve() / "real" / "x"
    assert paths.confine(root, "inside-link/x").resolve() == (root / "real" / "x").resolve()
    for escaping in ("escape", "escape/x", "escape-file"):
        with pytest.raises(InvalidParameterValue):
            paths.confine(root, escaping)
