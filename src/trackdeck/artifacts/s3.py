"""Artifacts in an S3 bucket (AWS, MinIO, or any S3-compatible store) under a key prefix.

The endpoint comes from MLFLOW_S3_ENDPOINT_URL, else AWS_ENDPOINT_URL, else AWS itself;
credentials and region come from boto3's usual chain (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION, AWS_PROFILE, ...).
MLFLOW_S3_IGNORE_TLS=true turns off certificate checks.

Uploads stream through S3 multipart uploads in PART_SIZE parts (a small file is one PUT),
so the server holds at most one part in memory. Clients may also upload large files in
parts straight to S3 with presigned URLs (`MultipartUploads`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from trackdeck.artifacts.base import (
    CHUNK_SIZE,
    ArtifactStore,
    CompletedPart,
    Entry,
    MultipartUploads,
    PartCredential,
    Upload,
)
from trackdeck.errors import (
    InvalidParameterValue,
    ResourceDoesNotExist,
    TemporarilyUnavailable,
    TrackdeckError,
)

PART_SIZE = 8 * 1024 * 1024  # S3's minimum is 5 MiB for every part but the last
PRESIGNED_URL_SECONDS = 3600
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


def endpoint_url() -> str | None:
    return os.environ.get("MLFLOW_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL") or None


def _client() -> Any:
    ignore_tls = os.environ.get("MLFLOW_S3_IGNORE_TLS", "").lower() in ("1", "true", "yes")
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url(),
        verify=not ignore_tls,
        config=Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"}),
    )


@contextmanager
def _s3_errors(path: str) -> Iterator[None]:
    """Translate boto3 failures into the store's errors."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise ResourceDoesNotExist(f"Artifact '{path}' does not exist.") from exc
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
        if status >= 500:
            raise TemporarilyUnavailable(f"The S3 store failed on '{path}': {code}") from exc
        raise TrackdeckError(f"The S3 store refused '{path}': {code}") from exc
    except BotoCoreError as exc:
        raise TemporarilyUnavailable(f"The S3 store is unreachable: {exc}") from exc


class _S3Upload(Upload):
    """Buffers one part at a time; starts a multipart upload once a part is full."""

    def __init__(self, client: Any, bucket: str, key: str, path: str) -> None:
        self._client, self._bucket, self._key, self._path = client, bucket, key, path
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= PART_SIZE:
            self._send_part(bytes(self._buffer[:PART_SIZE]))
            del self._buffer[:PART_SIZE]

    def _send_part(self, data: bytes) -> None:
        with _s3_errors(self._path):
            if self._upload_id is None:
                created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)
                self._upload_id = created["UploadId"]
            number = len(self._parts) + 1
            sent = self._client.upload_part(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=data,
            )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def commit(self) -> None:
        if self._upload_id is None:
            with _s3_errors(self._path):
                self._client.put_object(
                    Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer)
                )
            return
        if self._buffer:
            self._send_part(bytes(self._buffer))
            self._buffer.clear()
        with _s3_errors(self._path):
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )

    def abort(self) -> None:
        self._buffer.clear()
        if self._upload_id is not None:
            with _s3_errors(self._path):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
                )


class S3ArtifactStore(ArtifactStore, MultipartUploads):
    def __init__(self, uri: str, client: Any = None) -> None:
        parts = urlsplit(uri)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"Not an S3 location: '{uri}' (expected s3://bucket/prefix).")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.location = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self._client = client or _client()

    def _key(self, path: str) -> str:
        return "/".join(part for part in (self.prefix, path) if part)

    def _folder(self, path: str) -> str:
        key = self._key(path)
        return f"{key}/" if key else ""

    def stat(self, path: str) -> Entry | None:
        name = path.rsplit("/", 1)[-1]
        if path:
            try:
                with _s3_errors(path):
                    head = self._client.head_object(Bucket=self.bucket, Key=self._key(path))
                return Entry(name, False, head["ContentLength"])
            except ResourceDoesNotExist:
                pass
        with _s3_errors(path):
            found = self._client.list_objects_v2(
                Bucket=self.bucket, Prefix=self._folder(path), MaxKeys=1
            )
        if found.get("KeyCount", 0) or not path:
            return Entry(name, True)
        return None

    def list_dir(self, path: str) -> list[Entry]:
        folder = self._folder(path)
        entries: list[Entry] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder, Delimiter="/"
        )
        with _s3_errors(path):
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    entries.append(Entry(common["Prefix"][len(folder) :].rstrip("/"), True))
                for item in page.get("Contents", []):
                    name = item["Key"][len(folder) :]
                    if name:
                        entries.append(Entry(name, False, item["Size"]))
        return sorted(entries, key=lambda entry: entry.name)

    def read_chunks(self, path: str) -> Iterator[bytes]:
        with _s3_errors(path):
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(path))["Body"]
        return _chunks(body, path)

    def start_upload(self, path: str) -> Upload:
        return _S3Upload(self._client, self.bucket, self._key(path), path)

    def delete(self, path: str) -> None:
        keys = [self._key(path)] if path else []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._folder(path)
        )
        with _s3_errors(path):
            keys += [item["Key"] for page in pages for item in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )

    def create_multipart(self, path: str, num_parts: int) -> tuple[str, list[PartCredential]]:
        if not 1 <= num_parts <= 10_000:
            raise InvalidParameterValue(f"num_parts must be between 1 and 10000, not {num_parts}.")
        key = self._key(path)
        with _s3_errors(path):
            upload_id = self._client.create_multipart_upload(Bucket=self.bucket, Key=key)[
                "UploadId"
            ]
            credentials = [
                PartCredential(
                    number,
                    self._client.generate_presigned_url(
                        "upload_part",
                        Params={
                            "Bucket": self.bucket,
                            "Key": key,
                            "UploadId": upload_id,
                            "PartNumber": number,
                        },
                        ExpiresIn=PRESIGNED_URL_SECONDS,
                    ),
                )
                for number in range(1, num_parts + 1)
            ]
        return upload_id, credentials

    def complete_multipart(self, path: str, upload_id: str, parts: list[CompletedPart]) -> None:
        with _s3_errors(path):
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self._key(path),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": part.part_number, "ETag": part.etag}
                        for part in sorted(parts, key=lambda part: part.part_number)
                    ]
                },
            )

    def abort_multipart(self, path: str, upload_id: str) -> None:
        with _s3_errors(path):
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(path), UploadId=upload_id
            )


def _chunks(body: Any, path: str) -> Iterator[bytes]:
    with _s3_errors(path):
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()
