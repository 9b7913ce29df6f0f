"""`mlflow-artifacts:` locations while the tracking URI is `trackdeck://NAME`.

mlflow resolves `mlflow-artifacts:/...` against the tracking URI and accepts only http(s)
there. This subclass of mlflow's own repository hands it the resolved URL instead; for
every other tracking URI it behaves exactly as the built-in one.
"""

from __future__ import annotations

from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository
from mlflow.tracking._tracking_service.utils import get_tracking_uri
from mlflow.utils.rest_utils import MlflowHostCreds

from trackdeck.mlflow_plugin.resolve import is_trackdeck_uri, resolve, token


class TrackdeckArtifactsRepository(MlflowArtifactsRepository):
    def __init__(
        self, artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
    ) -> None:
        effective = tracking_uri or get_tracking_uri()
        self._trackdeck = is_trackdeck_uri(effective)
        if self._trackdeck:
            effective = resolve(effective)
        super().__init__(artifact_uri, tracking_uri=effective, registry_uri=registry_uri)

    @property
    def _host_creds(self) -> MlflowHostCreds:
        creds = super()._host_creds
        # A client made with MlflowClient("trackdeck://NAME") while the global tracking URI
        # is something else: the header provider is not in context, so add the token here.
        if self._trackdeck and token() and not creds.username:
            creds.token = token()
        return creds
