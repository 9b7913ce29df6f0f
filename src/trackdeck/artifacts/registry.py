"""Opening the artifact store a destination URI names, by its scheme."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from trackdeck.artifacts.base import ArtifactStore
from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.artifacts.s3 import S3ArtifactStore


def open_artifact_store(destination: str) -> ArtifactStore:
    """The store at `destination`: a folder (a path or file:///path) or s3://bucket/prefix."""
    scheme = urlsplit(destination).scheme
    if scheme == "s3":
        return S3ArtifactStore(destination)
    if scheme == "file":
        return LocalArtifactStore(Path(urlsplit(destination).path))
    if scheme == "":
        return LocalArtifactStore(Path(destination))
    raise ValueError(
        f"Unsupported artifacts destination '{destination}': use a folder or s3://bucket/prefix."
    )
