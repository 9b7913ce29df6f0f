"""The tracking store: one database and its query components, opened from a URI.

Callers reach each concept through its component (`store.runs.create(...)`,
`store.logging.log_batch(...)`), the way buildbot's connector wires its db components.
"""

from __future__ import annotations

from trackdeck.entities import LoggedModel
from trackdeck.store.auto_registration import AutoRegistration
from trackdeck.store.database import Database
from trackdeck.store.experiments import ExperimentStore
from trackdeck.store.inputs import InputStore
from trackdeck.store.logged_models import LoggedModelStore
from trackdeck.store.metric_history import MetricHistoryStore
from trackdeck.store.migrate import upgrade
from trackdeck.store.model_sources import database_resolvers
from trackdeck.store.model_versions import ModelVersionStore
from trackdeck.store.permissions import PermissionStore
from trackdeck.store.registered_models import RegisteredModelStore
from trackdeck.store.run_logging import RunLoggingStore
from trackdeck.store.run_search import RunSearchStore
from trackdeck.store.runs import RunStore
from trackdeck.store.users import UserStore

DEFAULT_ARTIFACT_ROOT = "mlflow-artifacts:/"


class TrackingStore:
    def __init__(
        self,
        uri: str,
        artifact_root: str = DEFAULT_ARTIFACT_ROOT,
        migrate: bool = True,
        auto_register_models: bool = False,
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
        self.logged_models = LoggedModelStore(self.db)
        self.registered_models = RegisteredModelStore(self.db)
        self.model_versions = ModelVersionStore(self.db, database_resolvers(self.db))
        self.auto_registration = (
            AutoRegistration(self.registered_models, self.model_versions)
            if auto_register_models
            else None
        )
        self.users = UserStore(self.db)
        self.permissions = PermissionStore(self.db)
        self.experiments.ensure_default()

    def finalize_logged_model(self, model_id: str, status: str | int | None) -> LoggedModel:
        """Set a logged model's upload status; with automatic registration on, a model that
        became READY is registered as a new version of the model of its name."""
        model = self.logged_models.finalize(model_id, status)
        if self.auto_registration is not None and model.info.status == "LOGGED_MODEL_READY":
            self.auto_registration.register(model)
        return model

    def close(self) -> None:
        self.db.close()
