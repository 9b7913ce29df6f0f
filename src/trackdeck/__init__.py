"""trackdeck: self-hosted, MLflow-compatible tracking servers."""

__version__ = "0.1.0"
