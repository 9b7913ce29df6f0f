"""Sends TRACKDECK_TOKEN as a Bearer token on every call while the tracking URI is
`trackdeck://...`, including artifact transfers (which do not use the store's credentials)."""

from __future__ import annotations

from mlflow.tracking.request_header.abstract_request_header_provider import (
    RequestHeaderProvider,
)

from trackdeck.mlflow_plugin.resolve import is_trackdeck_uri, token


class TrackdeckHeaderProvider(RequestHeaderProvider):
    def in_context(self) -> bool:
        if token() is None:
            return False
        from mlflow.tracking._tracking_service.utils import get_tracking_uri

        return is_trackdeck_uri(get_tracking_uri())

    def request_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {token()}"}
