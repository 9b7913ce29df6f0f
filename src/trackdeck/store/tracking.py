"""The tracking store: one database and its query components, opened from a URI.

Callers reach each concept through its component (`store.runs.create(...)`,
`store.logging.log_batch(...)`), the way buildbot's connector wires its db components.
"""

from __future__ import annotations

from trackdeck.store.database import Database
from trackdeck.store.experiments import ExperimentStore
from trackdeck.store.inputs import InputStore
from trackdeck.store.metric_history import MetricHistoryStore
from trackdeck.store.migrate import upgrade
from trackdeck.store.model_sources import database_resolvers
from trackdeck.store.model_versions import ModelVersionStore
from trackdeck.store.registered_models import RegisteredModelStore
from trackdeck.store.run_logging import RunLoggingStore
from trackdeck.store.run_search import RunSearchStore
from trackdeck.store.runs import RunStore

DEFAULT_ARTIFACT_ROOT = "mlflow-artifacts:/"


class TrackingStore:
    def __init__(
        self, uri: str, artifact_root: str = DEFAULT_ARTIFACT_ROOT, migrate: bool = True
    ) -> None:
        self.db = Database(uri)
        if migrate:
            upgrade(self.db.engine)
        self.experiments = ExperimentStore(self.db, artifact_root)
        self.runs = RunStore(self.db)
        self.logging = RunLoggingStore(self.db)
        self.metric_history = MetricHistoryStore(self.db)
        self.inputs = InputStore(self.db)
        self.run_search = RunSearchStore(self.db)
        self.registered_models = RegisteredModelStore(self.db)
        self.model_versions = ModelVersionStore(self.db, database_resolvers(self.db))
        self.experiments.ensure_default()

    def close(self) -> None:
        self.db.close()
