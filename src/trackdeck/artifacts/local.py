"""Artifacts in a local folder.

Every path is confined under the folder, symlinks included (`paths.confine`). An upload
is written to a hidden temporary file beside its target and renamed into place when it
completes, so readers never see half a file and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from trackdeck.artifacts.base import CHUNK_SIZE, ArtifactStore, Entry, Upload
from trackdeck.artifacts.paths import confine
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist

_TEMP_PREFIX = ".trackdeck-upload-"


def _conflict(path: str, exc: OSError) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Cannot write artifact '{path}': {exc.strerror or exc} (a file and a folder "
        "cannot share a path)."
    )


class _LocalUpload(Upload):
    def __init__(self, target: Path, path: str) -> None:
        self._target = target
        self._path = path
        self._temp = target.with_name(f"{_TEMP_PREFIX}{uuid.uuid4().hex}")
        self._file: BinaryIO = self._temp.open("xb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> None:
        self._file.close()
        try:
            os.replace(self._temp, self._target)
        except OSError as exc:
            self._temp.unlink(missing_ok=True)
            raise _conflict(self._path, exc) from exc

    def abort(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)


class LocalArtifactStore(ArtifactStore):
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.location = str(self.root)

    def _path(self, path: str) -> Path:
        return confine(self.root, path)

    def stat(self, path: str) -> Entry | None:
        target = self._path(path)
        try:
            info = target.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if target.is_dir():
            return Entry(target.name, True)
        return Entry(target.name, False, info.st_size)

    def list_dir(self, path: str) -> list[Entry]:
        folder = self._path(path)
        if not folder.is_dir():
            return []
        entries = []
        with os.scandir(folder) as found:
            for item in found:
                if item.name.startswith(_TEMP_PREFIX) or item.is_symlink():
                    continue
                if item.is_dir():
                    entries.append(Entry(item.name, True))
                elif item.is_file():
                    entries.append(Entry(item.name, False, item.stat().st_size))
        return sorted(entries, key=lambda entry: entry.name)

    def read_chunks(self, path: str) -> Iterator[bytes]:
        target = self._path(path)
        try:
            handle = target.open("rb")
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ResourceDoesNotExist(f"Artifact '{path}' does not exist.") from exc
        except IsADirectoryError as exc:
            raise InvalidParameterValue(f"Artifact '{path}' is a folder, not a file.") from exc
        return _chunks(handle)

    def start_upload(self, path: str) -> Upload:
        target = self._path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                raise IsADirectoryError(21, "it is a folder")
            return _LocalUpload(target, path)
        except OSError as exc:
            raise _conflict(path, exc) from exc

    def delete(self, path: str) -> None:
        target = self._path(path)
        if target == self.root:
            for item in list(self.root.iterdir()):
                self._remove(item)
            return
        self._remove(target)

    @staticmethod
    def _remove(target: Path) -> None:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk
