"""Every table of the tracking store, declared once with SQLAlchemy Core.

One schema serves SQLite and PostgreSQL. Times are int64 milliseconds since the epoch.
Metric history is append-only (`metrics`); the latest value of each key lives in
`latest_metrics` so that searching and ordering by a metric touches one row per run.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

RUN_ID = String(32)
KEY = String(250)

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("artifact_location", String(2048), nullable=False),
    Column("lifecycle_stage", String(16), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_uuid", RUN_ID, primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(250), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("deleted_time", BigInteger),
    Column("lifecycle_stage", String(16), nullable=False),
    Column("artifact_uri", String(2048), nullable=False),
    Index("ix_runs_experiment_stage_start", "experiment_id", "lifecycle_stage", "start_time"),
)

params = Table(
    "params",
    metadata,
    Column("run_uuid", RUN_ID, ForeignKey("runs.run_uuid", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

tags = Table(
    "tags",
    metadata,
    Column("run_uuid", RUN_ID, ForeignKey("runs.run_uuid", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

# One row per (run, metric key): the series' id and its latest point (largest step, then
# timestamp, then value), which searches and sorts by metric read.
latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=True),
    Column("run_uuid", RUN_ID, ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("key", KEY, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    UniqueConstraint("run_uuid", "key"),
    Index("ix_latest_metrics_key_value", "key", "value"),
)

# One row per logged point of a series; identical (timestamp, step, value) points collapse.
# Keyed by the small integer series id rather than (run id, key) strings, which makes the
# table and its index a fraction of the size and batch inserts about twice as fast.
# NaN is stored as value 0 with is_nan set, since SQLite cannot keep a NaN REAL.
# The primary key is the only index: history reads follow it, and a second one (by step,
# for charts) made every insert a third slower.
metrics = Table(
    "metrics",
    metadata,
    Column(
        "series_id",
        Integer,
        ForeignKey("latest_metrics.series_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("timestamp", BigInteger, primary_key=True),
    Column("step", BigInteger, primary_key=True),
    Column("value", Float(precision=53), primary_key=True),
    Column("is_nan", Boolean, primary_key=True),
    Column("model_id", String(64)),
    Column("dataset_name", String(500)),
    Column("dataset_digest", String(36)),
    sqlite_with_rowid=False,
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_uuid", String(32), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text, nullable=False),
    Column("schema", Text),
    Column("profile", Text),
    UniqueConstraint("experiment_id", "name", "digest"),
)

# A dataset used by a run; `context` mirrors the `mlflow.data.context` input tag for search.
run_inputs = Table(
    "run_inputs",
    metadata,
    Column("input_uuid", String(32), primary_key=True),
    Column("run_uuid", RUN_ID, ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column(
        "dataset_uuid",
        String(32),
        ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
        nullable=False,
    ),
    UniqueConstraint("run_uuid", "dataset_uuid"),
)

input_tags = Table(
    "input_tags",
    metadata,
    Column(
        "input_uuid",
        String(32),
        ForeignKey("run_inputs.input_uuid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(255), primary_key=True),
    Column("value", String(500), nullable=False),
)

# Logged models a run consumed (direction "input") or produced ("output", with a step).
run_models = Table(
    "run_models",
    metadata,
    Column("run_uuid", RUN_ID, ForeignKey("runs.run_uuid", ondelete="CASCADE"), primary_key=True),
    Column("model_id", String(64), primary_key=True),
    Column("direction", String(8), primary_key=True),
    Column("step", BigInteger, nullable=False, default=0),
)


# The model registry. Versions, tags and aliases follow a renamed model by ON UPDATE CASCADE.
registered_models = Table(
    "registered_models",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", String(5000)),
    Column("user_id", String(256)),
)


def _model_name_fk() -> ForeignKey:
    return ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE")


registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column("name", String(256), _model_name_fk(), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("name", String(256), _model_name_fk(), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", String(5000)),
    Column("user_id", String(256)),
    Column("current_stage", String(20), nullable=False),
    Column("source", String(2048), nullable=False),
    # Where the version's files are: what get-download-uri answers.
    Column("storage_location", String(2048), nullable=False),
    Column("run_id", String(32)),
    Column("run_link", String(500)),
    Column("status", String(20), nullable=False),
    Column("status_message", String(500)),
    Column("model_id", String(64)),
    Column("deleted", Boolean, nullable=False, default=False),
    Index("ix_model_versions_run_id", "run_id"),
    Index("ix_model_versions_model_id", "model_id"),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    ForeignKeyConstraint(
        ["name", "version"],
        ["model_versions.name", "model_versions.version"],
        onupdate="CASCADE",
        ondelete="CASCADE",
    ),
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column("name", String(256), _model_name_fk(), primary_key=True),
    Column("alias", String(255), primary_key=True),
    Column("version", Integer, nullable=False),
)

# MLflow 3 logged models (`mlflow.<flavor>.log_model`). Their metrics are the `metrics` rows
# carrying their model_id; `source_run_id` has no foreign key, as a model outlives its run.
logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("artifact_uri", String(2048), nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_message", Text),
    Column("model_type", String(500)),
    Column("source_run_id", RUN_ID),
    Column("lifecycle_stage", String(16), nullable=False),
    Column("creation_timestamp_ms", BigInteger, nullable=False),
    Column("last_updated_timestamp_ms", BigInteger, nullable=False),
    Index("ix_logged_models_experiment_created", "experiment_id", "creation_timestamp_ms"),
    Index("ix_logged_models_source_run_id", "source_run_id"),
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
)

# Finds a model's metrics; partial, so plain run metrics (no model_id) cost it nothing.
Index(
    "ix_metrics_model_id",
    metrics.c.model_id,
    sqlite_where=metrics.c.model_id.is_not(None),
    postgresql_where=metrics.c.model_id.is_not(None),
)

# Auth (docs/auth.md): users with argon2 password hashes, API tokens and UI sessions stored
# as SHA-256 digests (a stolen database holds no usable credential), roles that group
# grants for a team, and grants per user or role on experiments and registered models.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(256), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("creation_time", BigInteger, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("expiry_time", BigInteger, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("expiry_time", BigInteger, nullable=False, index=True),
)

roles = Table(
    "roles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(256), nullable=False),
    Column("name", String(256), nullable=False),
    Column("description", Text, nullable=True),
    UniqueConstraint("workspace", "name"),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("user_id", "role_id"),
)

# A role's grant names one resource or every resource of its type ("*").
role_permissions = Table(
    "role_permissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    Column("resource_type", String(32), nullable=False),
    Column("resource_pattern", String(256), nullable=False),
    Column("permission", String(32), nullable=False),
    UniqueConstraint("role_id", "resource_type", "resource_pattern"),
)

user_permissions = Table(
    "user_permissions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("resource_type", String(32), primary_key=True),
    Column("resource_id", String(256), primary_key=True),
    Column("permission", String(32), nullable=False),
)
