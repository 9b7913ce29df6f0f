"""The one gate for client-supplied artifact paths, and confinement under a root.

`normalise` turns a relative path from a request (URL path, `?path=`, a run's or model's
artifact URI) into a canonical `a/b/c` form, or rejects it with a 400. It rejects every
way of naming something outside the root or another resource: `..` and `.` segments,
the same written percent-encoded once or several times (`%2e%2e`, `%252e%252e`),
backslashes, absolute paths, `#`, `?` and `;`, a scheme (`file:`, `s3:`, or an empty one,
`:x`), NUL and other control characters. `confine` adds the check only a real disk needs:
no symlink may lead out of the root.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from trackdeck.errors import InvalidParameterValue

MAX_PATH_LENGTH = 4096
ARTIFACTS_SCHEME = "mlflow-artifacts"
# Decoding layers inspected: enough for any sane double (or triple) encoding trick.
_DECODE_LAYERS = 4
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\#?;]")
_SCHEME = re.compile(r"^[^/]*:")


def _reject(path: str, why: str) -> InvalidParameterValue:
    shown = path if len(path) <= 200 else path[:200] + "..."
    return InvalidParameterValue(f"Invalid artifact path '{shown}': {why}.")


def _check_layer(original: str, layer: str) -> None:
    if _FORBIDDEN.search(layer):
        raise _reject(original, "control characters, '\\', '#', '?' and ';' are not allowed")
    if layer.startswith("/"):
        raise _reject(original, "absolute paths are not allowed")
    if _SCHEME.match(layer):
        raise _reject(original, "a path must not carry a scheme or drive (':' in its first part)")
    segments = layer.split("/")
    if segments and segments[-1] == "":
        segments.pop()  # one trailing slash names the same folder
    if any(segment in (".", "..") for segment in segments):
        raise _reject(original, "'.' and '..' segments are not allowed")
    if any(segment == "" for segment in segments):
        raise _reject(original, "empty path segments ('//') are not allowed")


def normalise(path: str, *, allow_root: bool = False) -> str:
    """The canonical relative form of a client-supplied artifact path (no leading or
    trailing '/'); "" names the root and is accepted only with `allow_root`."""
    if len(path) > MAX_PATH_LENGTH:
        raise _reject(path, f"longer than {MAX_PATH_LENGTH} characters")
    layer = path
    for _ in range(_DECODE_LAYERS):
        _check_layer(path, layer)
        decoded = unquote(layer) if "%" in layer else layer
        if decoded == layer:
            break
        layer = decoded
    else:
        raise _reject(path, "too many layers of percent-encoding")
    canonical = path.rstrip("/")
    if not canonical and not allow_root:
        raise _reject(path, "an artifact path must name a file or folder")
    return canonical


def join(*parts: str) -> str:
    """Join already normalised relative paths, skipping empty ones."""
    return "/".join(part for part in parts if part)


def artifact_uri_path(uri: str) -> str:
    """The store-relative path of a `mlflow-artifacts:/<path>` URI this server handed out.

    A URI with another scheme, a host, a query or a fragment is refused: the server only
    ever serves its own artifact store and never contacts a host a client names.
    """
    parts = urlsplit(uri)
    if parts.scheme != ARTIFACTS_SCHEME or parts.netloc or parts.query or parts.fragment:
        raise InvalidParameterValue(
            f"Artifact URI '{uri}' is not served by this server: only "
            f"'{ARTIFACTS_SCHEME}:/<path>' locations are."
        )
    return normalise(parts.path.lstrip("/"), allow_root=True)


def confine(root: Path, relative: str) -> Path:
    """`relative` (normalised) under the local folder `root`, refusing a path that a
    symlink leads out of the root."""
    base = root.resolve()
    target = base.joinpath(*relative.split("/")) if relative else base
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise _reject(relative, "it leads outside the artifact root")
    return target
