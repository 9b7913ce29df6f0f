"""Entry points the mlflow client discovers, for `trackdeck://<server-name>` tracking URIs.

    mlflow.tracking_store          trackdeck -> stores.tracking_store
    mlflow.model_registry_store    trackdeck -> stores.registry_store
    mlflow.request_header_provider trackdeck -> headers.TrackdeckHeaderProvider
    mlflow.artifact_repository     mlflow-artifacts -> artifacts.TrackdeckArtifactsRepository

`trackdeck://NAME` is resolved through the studio at TRACKDECK_STUDIO_URL to the server's
proxied URL, and every call carries TRACKDECK_TOKEN as a Bearer token (as sagemaker-mlflow
does for ARNs and SigV4).
"""
