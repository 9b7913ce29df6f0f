"""Tracking and model-registry stores for `trackdeck://NAME`: mlflow's REST stores pointed
at the resolved server, with TRACKDECK_TOKEN as the Bearer token."""

from __future__ import annotations

from typing import Any

from mlflow.store.model_registry.rest_store import RestStore as RegistryRestStore
from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore
from mlflow.utils.rest_utils import MlflowHostCreds

from trackdeck.mlflow_plugin.resolve import resolve, token


def host_creds(store_uri: str) -> MlflowHostCreds:
    return MlflowHostCreds(host=resolve(store_uri), token=token())


def tracking_store(store_uri: str, artifact_uri: str | None = None, **_: Any) -> TrackingRestStore:
    return TrackingRestStore(lambda: host_creds(store_uri))


def registry_store(store_uri: str, tracking_uri: str | None = None, **_: Any) -> RegistryRestStore:
    return RegistryRestStore(lambda: host_creds(store_uri))
