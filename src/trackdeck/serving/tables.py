"""The endpoint tables, on the studio's metadata (migration `s0002_endpoints`)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from trackdeck.studio.tables import metadata

endpoints = Table(
    "endpoints",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("state", String(32), nullable=False, index=True),
    Column("server_name", String(256), nullable=False),
    Column("model_uri", Text, nullable=False),  # as asked: models:/name@alias or models:/name/3
    Column("model_name", String(256), nullable=False),
    Column("model_version", Integer, nullable=False),  # what the alias resolved to
    Column("instance_count", Integer, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("created_by", String(256), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_modified_by", String(256), nullable=False),
    Column("last_modified_time", BigInteger, nullable=False),
    Column("replacement_count", Integer, nullable=False),
)

# The scoring processes of each endpoint, so a studio that was killed can stop leftovers.
endpoint_instances = Table(
    "endpoint_instances",
    metadata,
    Column("endpoint_name", String(64), primary_key=True),
    Column("instance_id", String(32), primary_key=True),
    Column("port", Integer, nullable=False),
    Column("pid", Integer, nullable=True),
    Column("model_version", Integer, nullable=False),
    Column("started_time", BigInteger, nullable=False),
)
