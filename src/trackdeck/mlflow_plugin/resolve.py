"""Resolve `trackdeck://NAME` to the server's HTTP URL by asking the studio."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request

SCHEME = "trackdeck"
DEFAULT_STUDIO_URL = "http://127.0.0.1:5000"
_cache: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def studio_url() -> str:
    return os.environ.get("TRACKDECK_STUDIO_URL", DEFAULT_STUDIO_URL).rstrip("/")


def token() -> str | None:
    return os.environ.get("TRACKDECK_TOKEN") or None


def server_name(uri: str) -> str:
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme != SCHEME:
        raise ValueError(f"Not a trackdeck URI: {uri!r}")
    name = (parsed.netloc or parsed.path).strip("/")
    if not name:
        raise ValueError(f"A trackdeck URI names a server: trackdeck://NAME, not {uri!r}")
    return name


def is_trackdeck_uri(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith(f"{SCHEME}:")


def resolve(uri: str) -> str:
    """The HTTP tracking URI of `trackdeck://NAME` (cached per studio and name)."""
    from mlflow.exceptions import MlflowException

    name = server_name(uri)
    key = (studio_url(), name)
    with _lock:
        if key in _cache:
            return _cache[key]
    quoted = urllib.parse.quote(name, safe="")
    request = urllib.request.Request(
        f"{key[0]}/api/trackdeck/v1/tracking-servers/{quoted}",
        headers={"Accept": "application/json"},
    )
    if token():
        request.add_header("Authorization", f"Bearer {token()}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            server = json.load(response)["tracking_server"]
    except urllib.error.HTTPError as exc:
        try:
            detail = json.load(exc).get("message", "")
        except ValueError:
            detail = ""
        raise MlflowException(
            f"Cannot resolve {uri} through the studio at {key[0]}: HTTP {exc.code} {detail}"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise MlflowException(
            f"Cannot reach the trackdeck studio at {key[0]} (TRACKDECK_STUDIO_URL) to "
            f"resolve {uri}: {exc}"
        ) from exc
    url = str(server["tracking_server_url"]).rstrip("/")
    with _lock:
        _cache[key] = url
    return url
