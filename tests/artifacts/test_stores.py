"""Both artifact stores through the one interface: a local folder and S3 (moto over HTTP)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from tests.servers import S3Endpoint
from trackdeck.artifacts.base import (
    ArtifactStore,
    CompletedPart,
    Entry,
    MultipartUploads,
    write_stream,
)
from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.artifacts.registry import open_artifact_store
from trackdeck.artifacts.s3 import PART_SIZE, S3ArtifactStore
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ArtifactStore]:
    if request.param == "local":
        yield LocalArtifactStore(tmp_path / "artifacts")
        return
    endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in endpoint.env().items():
        monkeypatch.setenv(name, value)
    yield open_artifact_store(f"s3://{endpoint.new_bucket()}/some/prefix")


def write(store: ArtifactStore, path: str, *chunks: bytes) -> int:
    return anyio.run(write_stream, store, path, list(chunks))


def read(store: ArtifactStore, path: str) -> bytes:
    return b"".join(store.read_chunks(path))


def test_write_read_stat_list(store: ArtifactStore) -> None:
    assert write(store, "1/run/artifacts/a.txt", b"hello ", b"world") == 11
    write(store, "1/run/artifacts/sub/b.bin", b"\x00" * 10)
    assert read(store, "1/run/artifacts/a.txt") == b"hello world"
    assert store.stat("1/run/artifacts/a.txt") == Entry("a.txt", False, 11)
    assert store.stat("1/run/artifacts/sub") == Entry("sub", True)
    assert store.stat("1/run/artifacts/missing") is None
    assert store.list_dir("1/run/artifacts") == [
        Entry("a.txt", False, 11),
        Entry("sub", True),
    ]
    assert store.list_dir("1/run/artifacts/sub") == [Entry("b.bin", False, 10)]
    assert store.list_dir("1/run/nothing") == []
    assert store.list_dir("1/run/artifacts/a.txt") == []


def test_overwrite_replaces_whole_file(store: ArtifactStore) -> None:
    write(store, "f", b"a much longer first version")
    write(store, "f", b"short")
    assert read(store, "f") == b"short"


def test_missing_file_is_resource_does_not_exist(store: ArtifactStore) -> None:
    with pytest.raises(ResourceDoesNotExist):
        read(store, "no/such/file")


def test_delete_is_recursive(store: ArtifactStore) -> None:
    for path in ("d/x", "d/e/y", "d/e/f/z", "keep"):
        write(store, path, b"1")
    store.delete("d/e")
    assert store.stat("d/e") is None
    assert store.list_dir("d") == [Entry("x", False, 1)]
    store.delete("d")
    store.delete("d")  # nothing there is fine
    assert [e.name for e in store.list_dir("")] == ["keep"]


def test_large_stream_spans_several_parts(store: ArtifactStore) -> None:
    """More than one S3 part (and many chunks) streamed in, identical bytes out."""
    block = bytes(range(256)) * 4096  # 1 MiB
    count = PART_SIZE // len(block) * 2 + 3

    async def blocks() -> AsyncIterator[bytes]:
        for index in range(count):
            yield block[index:] + block[:index]

    expected = hashlib.sha256()
    for index in range(count):
        expected.update(block[index:] + block[:index])
    assert anyio.run(write_stream, store, "big/file.bin", blocks()) == count * len(block)
    digest = hashlib.sha256()
    for chunk in store.read_chunks("big/file.bin"):
        digest.update(chunk)
    assert digest.hexdigest() == expected.hexdigest()
    assert store.stat("big/file.bin") == Entry("file.bin", False, count * len(block))


def test_failed_stream_leaves_nothing(store: ArtifactStore) -> None:
    write(store, "kept.txt", b"before")

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (PART_SIZE + 1)
        raise RuntimeError("client went away")

    for path in ("kept.txt", "new.txt"):
        with pytest.raises(RuntimeError):
            anyio.run(write_stream, store, path, broken())
    assert read(store, "kept.txt") == b"before"
    assert store.stat("new.txt") is None
    assert [e.name for e in store.list_dir("")] == ["kept.txt"]


def test_local_file_and_folder_cannot_share_a_path(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    write(store, "a/b", b"file")
    with pytest.raises(InvalidParameterValue):
        write(store, "a/b/c", b"under a file")
    with pytest.raises(InvalidParameterValue):
        write(store, "a", b"over a folder")
    assert read(store, "a/b") == b"file"


def test_local_symlinks_out_of_the_root_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    store = LocalArtifactStore(tmp_path / "root")
    (store.root / "link").symlink_to(outside)
    (store.root / "file-link").symlink_to(outside / "secret.txt")
    for action in (
        lambda: read(store, "link/secret.txt"),
        lambda: read(store, "file-link"),
        lambda: write(store, "link/planted.txt", b"x"),
        lambda: store.list_dir("link"),
        lambda: store.stat("link/secret.txt"),
        lambda: store.delete("link/secret.txt"),
    ):
        with pytest.raises(InvalidParameterValue):
            action()
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert store.list_dir("") == []  # symlinks are not listed


def test_s3_multipart_with_presigned_urls(
    s3_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_endpoint.env().items():
        monkeypatch.setenv(name, value)
    store = S3ArtifactStore(f"s3://{s3_endpoint.new_bucket()}/p")
    assert isinstance(store, MultipartUploads)
    parts = [b"a" * (5 * 1024 * 1024), b"b" * 1000]
    upload_id, credentials = store.create_multipart("m/file.bin", len(parts))
    assert [c.part_number for c in credentials] == [1, 2]
    done = []
    for credential, data in zip(credentials, parts, strict=True):
        response = httpx.put(credential.url, content=data, headers=credential.headers)
        response.raise_for_status()
        done.append(CompletedPart(credential.part_number, response.headers["ETag"]))
    store.complete_multipart("m/file.bin", upload_id, done)
    assert read(store, "m/file.bin") == b"".join(parts)

    upload_id, _ = store.create_multipart("m/aborted.bin", 1)
    store.abort_multipart("m/aborted.bin", upload_id)
    assert store.stat("m/aborted.bin") is None
