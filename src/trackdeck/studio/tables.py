"""The studio's own tables (SQLAlchemy Core), in its own database and its own metadata.

The studio database never shares a file with a tracking store; its Alembic history lives
in `studio/migrations` and records its revision in `studio_alembic_version`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tracking_servers = Table(
    "tracking_servers",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("state", String(32), nullable=False, index=True),
    Column("size", String(16), nullable=False),
    Column("port", Integer, nullable=False),
    Column("backend_store_uri", Text, nullable=False),
    Column("artifact_store_uri", Text, nullable=False),
    Column("automatic_model_registration", Boolean, nullable=False),
    Column("tags", Text, nullable=False),  # a JSON object
    Column("failure_reason", Text, nullable=True),
    Column("created_by", String(256), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_modified_by", String(256), nullable=False),
    Column("last_modified_time", BigInteger, nullable=False),
    Column("restart_count", Integer, nullable=False),
    Column("pid", Integer, nullable=True),
)

# One row per presigned URL exchanged for a session: a URL works once.
presigned_url_uses = Table(
    "presigned_url_uses",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("server_name", String(256), nullable=False),
    Column("used_time", BigInteger, nullable=False),
    Column("expires_time", BigInteger, nullable=False),
)
