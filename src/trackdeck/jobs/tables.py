"""The jobs table, on the studio database's metadata (migration s0003)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from trackdeck.studio.tables import metadata

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(32), primary_key=True),
    Column("server", String(256), nullable=False, index=True),
    Column("project_uri", Text, nullable=False),
    Column("entry_point", String(256), nullable=False),
    Column("parameters", Text, nullable=False),  # a JSON object of strings
    Column("experiment_name", String(256), nullable=True),
    Column("env_manager", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("run_id", String(32), nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("failure_reason", Text, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("created_by", String(256), nullable=False),
    Column("creation_time", BigInteger, nullable=False, index=True),
    Column("start_time", BigInteger, nullable=True),
    Column("end_time", BigInteger, nullable=True),
    Column("last_modified_time", BigInteger, nullable=False),
)
