"""Registered models: names in the registry, with tags, aliases and their latest versions."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, Row, select, true, update
from sqlalchemy.exc import IntegrityError

from trackdeck.entities import KeyValue, ModelVersion, Page, RegisteredModel, RegisteredModelAlias
from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.store import filter_grammar as grammar
from trackdeck.store.database import Database
from trackdeck.store.filter_sql import order_column
from trackdeck.store.model_versions import (
    load_versions,
    newest_per_stage,
    parse_version,
    require_model,
    unlink_logged_models,
    validate_registry_tag,
    version_row,
)
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.store.permissions import Visible
from trackdeck.store.registry_filters import (
    REGISTERED_MODEL_FILTER_SPEC,
    registered_model_condition,
)
from trackdeck.store.sql import chunks, now_ms, upsert
from trackdeck.store.tables import (
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from trackdeck.store.validation import validate_max_results

MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 5000
MAX_ALIAS_LENGTH = 255
MAX_SEARCH_RESULTS = 1000
DEFAULT_SEARCH_RESULTS = 100
_ALIAS = re.compile(r"[\w\-]+")
_RESERVED_ALIAS = re.compile(r"latest|v\d+", re.IGNORECASE)


def validate_model_name(name: str | None) -> str:
    if not name or not name.strip():
        raise InvalidParameterValue("Registered model name must be a non-empty string.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidParameterValue(
            f"Registered model name has length {len(name)}, exceeding the limit of "
            f"{MAX_NAME_LENGTH}."
        )
    if any(char in name for char in "/:\\\x00") or name in (".", ".."):
        raise InvalidParameterValue(
            f"Invalid registered model name '{name}': it may not contain '/', ':' or '\\'."
        )
    return name


def validate_description(description: str | None) -> None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidParameterValue(
            f"Description has length {len(description)}, exceeding the limit of "
            f"{MAX_DESCRIPTION_LENGTH}."
        )


def validate_alias(alias: str | None) -> str:
    if not alias or not _ALIAS.fullmatch(alias) or len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidParameterValue(
            f"Invalid alias '{alias}': use 1 to {MAX_ALIAS_LENGTH} letters, digits, '_' or '-'."
        )
    if _RESERVED_ALIAS.fullmatch(alias):
        raise InvalidParameterValue(
            f"Alias '{alias}' is reserved: 'latest' and 'v<number>' name versions already."
        )
    return alias


def _load_models(conn: Connection, rows: Sequence[Row]) -> list[RegisteredModel]:
    names = [row.name for row in rows]
    tags: dict[str, list[KeyValue]] = defaultdict(list)
    aliases: dict[str, list[RegisteredModelAlias]] = defaultdict(list)
    latest: dict[str, list[ModelVersion]] = {}
    for chunk in chunks(names):
        for name, key, value in conn.execute(
            select(registered_model_tags).where(registered_model_tags.c.name.in_(chunk))
        ):
            tags[name].append(KeyValue(key=key, value=value))
        for name, alias, version in conn.execute(
            select(registered_model_aliases)
            .where(registered_model_aliases.c.name.in_(chunk))
            .order_by(registered_model_aliases.c.alias)
        ):
            aliases[name].append(RegisteredModelAlias(alias=alias, version=str(version)))
        latest.update(newest_per_stage(conn, chunk))
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            user_id=row.user_id,
            description=row.description,
            latest_versions=latest.get(row.name, []),
            tags=tags.get(row.name, []),
            aliases=aliases.get(row.name, []),
        )
        for row in rows
    ]


def _model_row(conn: Connection, name: str) -> Row:
    row = conn.execute(select(registered_models).where(registered_models.c.name == name)).first()
    if row is None:
        raise ResourceDoesNotExist(f"Registered Model with name={name} not found")
    return row


class RegisteredModelStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        name: str | None,
        tags: list[KeyValue],
        description: str | None,
        user_id: str | None = None,
    ) -> RegisteredModel:
        model_name = validate_model_name(name)
        validate_description(description)
        for tag in tags:
            validate_registry_tag(tag.key, tag.value)

        def work(conn: Connection) -> RegisteredModel:
            now = now_ms()
            savepoint = conn.begin_nested()
            try:
                conn.execute(
                    registered_models.insert().values(
                        name=model_name,
                        creation_timestamp=now,
                        last_updated_timestamp=now,
                        description=description,
                        user_id=user_id,
                    )
                )
            except IntegrityError:
                savepoint.rollback()
                raise ResourceAlreadyExists(
                    f"Registered Model (name={model_name}) already exists."
                ) from None
            savepoint.commit()
            if tags:
                conn.execute(
                    registered_model_tags.insert(),
                    [
                        {"name": model_name, "key": t.key, "value": t.value}
                        for t in {t.key: t for t in tags}.values()
                    ],
                )
            return _load_models(conn, [_model_row(conn, model_name)])[0]

        return self.db.write(work)

    def get(self, name: str) -> RegisteredModel:
        return self.db.read(lambda conn: _load_models(conn, [_model_row(conn, name)])[0])

    def rename(self, name: str, new_name: str | None) -> RegisteredModel:
        target = validate_model_name(new_name)

        def work(conn: Connection) -> RegisteredModel:
            _model_row(conn, name)
            unlink_logged_models(conn, name, None, renamed_to=target)
            savepoint = conn.begin_nested()
            try:
                conn.execute(
                    update(registered_models)
                    .where(registered_models.c.name == name)
                    .values(name=target, last_updated_timestamp=now_ms())
                )
            except IntegrityError:
                savepoint.rollback()
                raise ResourceAlreadyExists(
                    f"Registered Model (name={target}) already exists."
                ) from None
            savepoint.commit()
            return _load_models(conn, [_model_row(conn, target)])[0]

        return self.db.write(work)

    def update(self, name: str, description: str | None) -> RegisteredModel:
        validate_description(description)

        def work(conn: Connection) -> RegisteredModel:
            _model_row(conn, name)
            conn.execute(
                update(registered_models)
                .where(registered_models.c.name == name)
                .values(description=description, last_updated_timestamp=now_ms())
            )
            return _load_models(conn, [_model_row(conn, name)])[0]

        return self.db.write(work)

    def delete(self, name: str) -> None:
        """Remove the model with its versions, tags and aliases (foreign keys cascade)."""

        def work(conn: Connection) -> None:
            _model_row(conn, name)
            unlink_logged_models(conn, name, None)
            conn.execute(registered_models.delete().where(registered_models.c.name == name))

        self.db.write(work)

    def latest_versions(self, name: str, stages: list[str]) -> list[ModelVersion]:
        def work(conn: Connection) -> list[ModelVersion]:
            _model_row(conn, name)
            return newest_per_stage(conn, [name], stages).get(name, [])

        return self.db.read(work)

    def set_tag(self, name: str, key: str, value: str) -> None:
        validate_registry_tag(key, value)

        def work(conn: Connection) -> None:
            require_model(conn, name)
            conn.execute(
                upsert(conn, registered_model_tags, "value"),
                {"name": name, "key": key, "value": value},
            )

        self.db.write(work)

    def delete_tag(self, name: str, key: str) -> None:
        def work(conn: Connection) -> None:
            require_model(conn, name)
            deleted = conn.execute(
                registered_model_tags.delete().where(
                    registered_model_tags.c.name == name, registered_model_tags.c.key == key
                )
            ).rowcount
            if not deleted:
                raise ResourceDoesNotExist(f"No tag with key '{key}' on registered model {name}")

        self.db.write(work)

    def set_alias(self, name: str, alias: str | None, version: str | int | None) -> None:
        checked = validate_alias(alias)
        number = parse_version(version)

        def work(conn: Connection) -> None:
            version_row(conn, name, number)
            conn.execute(
                upsert(conn, registered_model_aliases, "version"),
                {"name": name, "alias": checked, "version": number},
            )

        self.db.write(work)

    def delete_alias(self, name: str, alias: str) -> None:
        def work(conn: Connection) -> None:
            require_model(conn, name)
            conn.execute(
                registered_model_aliases.delete().where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            )

        self.db.write(work)

    def version_by_alias(self, name: str, alias: str) -> ModelVersion:
        def work(conn: Connection) -> ModelVersion:
            require_model(conn, name)
            version = conn.execute(
                select(registered_model_aliases.c.version).where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.alias == alias,
                )
            ).scalar()
            if version is None:
                raise ResourceDoesNotExist(f"Registered model alias {alias} not found.")
            return load_versions(conn, [version_row(conn, name, version)])[0]

        return self.db.read(work)

    def search(
        self,
        filter_string: str | None,
        max_results: int | None,
        order_by: list[str] | None,
        page_token: str | None,
        visible: Visible | None = None,
    ) -> Page[RegisteredModel]:
        limit = DEFAULT_SEARCH_RESULTS if max_results is None else max_results
        validate_max_results(limit, MAX_SEARCH_RESULTS)
        comparisons = grammar.parse_filter(filter_string, REGISTERED_MODEL_FILTER_SPEC)
        order_keys = grammar.parse_order_by(order_by, REGISTERED_MODEL_FILTER_SPEC)
        offset = decode_offset(page_token)
        ordering = []
        for key in order_keys:
            ordering += order_column(registered_models.c[key.key], key.ascending)
        ordering.append(registered_models.c.name.asc())
        query = (
            select(registered_models)
            .where(*[registered_model_condition(c) for c in comparisons])
            .where(visible.clause(registered_models.c.name) if visible else true())
            .order_by(*ordering)
        )

        def work(conn: Connection) -> Page[RegisteredModel]:
            return read_page(conn, query, limit, offset, _load_models)

        return self.db.read(work)
