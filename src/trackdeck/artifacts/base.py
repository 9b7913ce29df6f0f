"""The artifact-store interface, and streaming a file in and out of any store.

A store keeps files under one root and addresses them by normalised relative paths
(`artifacts.paths.normalise`); it never sees a path that could leave its root. Its
methods are blocking (disk or boto3 calls); `write_stream` and `read_stream` bridge them
to the event loop in chunks, so no file is ever held whole in memory.

Multipart uploads, where the client sends parts straight to the storage, are an optional
capability with its own ABC, `MultipartUploads`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field

import anyio
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

# Bytes handed to a worker thread at a time when streaming in or out.
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One file or folder: its base name, and its size in bytes if it is a file."""

    name: str
    is_dir: bool
    size: int | None = None


class Upload(ABC):
    """A file being written: invisible at its path until `commit`; `abort` discards it."""

    @abstractmethod
    def write(self, chunk: bytes) -> None:
        """Append `chunk` to the file."""

    @abstractmethod
    def commit(self) -> None:
        """Make the whole file visible at its path, replacing any file there."""

    @abstractmethod
    def abort(self) -> None:
        """Discard what was written; the path keeps what it had before."""


class ArtifactStore(ABC):
    """Files under one root, addressed by normalised relative paths ("" is the root)."""

    #: Where the files live, for logs and messages (a folder or an s3:// URI).
    location: str

    @abstractmethod
    def stat(self, path: str) -> Entry | None:
        """The file or folder at `path`, or None if nothing is there."""

    @abstractmethod
    def list_dir(self, path: str) -> list[Entry]:
        """The files and folders directly inside the folder `path`; [] if it is missing."""

    @abstractmethod
    def read_chunks(self, path: str) -> Iterator[bytes]:
        """The bytes of the file at `path`, in chunks of at most CHUNK_SIZE."""

    @abstractmethod
    def start_upload(self, path: str) -> Upload:
        """Begin writing the file at `path`; its folders are created as needed."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Delete the file or the whole folder at `path`; nothing there is fine."""


@dataclass(frozen=True)
class PartCredential:
    """Where the client sends one part of a multipart upload."""

    part_number: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CompletedPart:
    part_number: int
    etag: str


class MultipartUploads(ABC):
    """Optional capability: uploads whose parts go from the client straight to storage."""

    @abstractmethod
    def create_multipart(self, path: str, num_parts: int) -> tuple[str, list[PartCredential]]:
        """Start an upload of the file at `path`: its id and one credential per part."""

    @abstractmethod
    def complete_multipart(self, path: str, upload_id: str, parts: list[CompletedPart]) -> None:
        """Assemble the uploaded parts into the file at `path`."""

    @abstractmethod
    def abort_multipart(self, path: str, upload_id: str) -> None:
        """Abandon the upload and free its parts."""


async def _async_chunks(chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


async def write_stream(
    store: ArtifactStore, path: str, chunks: AsyncIterable[bytes] | Iterable[bytes]
) -> int:
    """Write a file from a byte stream, holding at most about CHUNK_SIZE of it in memory;
    the file appears only once the stream ended. Returns the number of bytes written."""
    upload = await run_in_threadpool(store.start_upload, path)
    buffer = bytearray()
    total = 0
    try:
        async for chunk in _async_chunks(chunks):
            buffer += chunk
            total += len(chunk)
            if len(buffer) >= CHUNK_SIZE:
                await run_in_threadpool(upload.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await run_in_threadpool(upload.write, bytes(buffer))
        await run_in_threadpool(upload.commit)
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client that hung up still gets cleaned up
            await run_in_threadpool(upload.abort)
        raise
    return total


async def read_stream(store: ArtifactStore, path: str) -> AsyncIterator[bytes]:
    """The file's bytes for a streaming response, each chunk read in a worker thread.
    The file is opened before this returns, so a missing file fails before any byte."""
    chunks = await run_in_threadpool(store.read_chunks, path)
    return iterate_in_threadpool(chunks)
