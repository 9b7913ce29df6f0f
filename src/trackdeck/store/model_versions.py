"""Model versions: numbered 1, 2, ... per registered model, with stages, tags and aliases."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, Row, and_, func, select, true, update

from trackdeck.entities import KeyValue, ModelVersion, Page
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.store import filter_grammar as grammar
from trackdeck.store.database import Database
from trackdeck.store.filter_sql import order_column
from trackdeck.store.model_sources import SourceResolvers, resolve_source
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.store.permissions import Visible
from trackdeck.store.registry_filters import MODEL_VERSION_FILTER_SPEC, model_version_condition
from trackdeck.store.sql import chunks, now_ms, upsert
from trackdeck.store.tables import (
    logged_model_tags,
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_models,
)
from trackdeck.store.validation import validate_key, validate_max_results, validate_value_length

STAGES = ("None", "Staging", "Production", "Archived")
# The tag in which a logged model lists the registered versions made from it.
MODEL_VERSIONS_TAG = "mlflow.modelVersions"
MAX_TAG_VALUE_LENGTH = 100000
MAX_SEARCH_RESULTS = 200000
DEFAULT_SEARCH_RESULTS = 10000


def canonical_stage(stage: str | None) -> str:
    for known in STAGES:
        if stage is not None and stage.lower() == known.lower():
            return known
    raise InvalidParameterValue(f"Invalid model version stage '{stage}'. Expected one of {STAGES}.")


def parse_version(version: str | int | None) -> int:
    text = str(version) if version is not None else ""
    if not text.isdigit() or int(text) < 1:
        raise InvalidParameterValue(
            f"Invalid model version '{version}': it must be an integer >= 1."
        )
    return int(text)


def validate_registry_tag(key: str, value: str) -> None:
    validate_key(key, "tag")
    validate_value_length(value, MAX_TAG_VALUE_LENGTH, "tag", key)


def require_model(conn: Connection, name: str, for_update: bool = False) -> None:
    query = select(registered_models.c.name).where(registered_models.c.name == name)
    if for_update:
        query = query.with_for_update()
    if conn.execute(query).first() is None:
        raise ResourceDoesNotExist(f"Registered Model with name={name} not found")


def version_row(conn: Connection, name: str, version: int) -> Row:
    row = conn.execute(
        select(model_versions).where(
            model_versions.c.name == name,
            model_versions.c.version == version,
            model_versions.c.deleted.is_(False),
        )
    ).first()
    if row is None:
        raise ResourceDoesNotExist(f"Model Version (name={name}, version={version}) not found")
    return row


def touch_model(conn: Connection, name: str, when: int) -> None:
    conn.execute(
        update(registered_models)
        .where(registered_models.c.name == name)
        .values(last_updated_timestamp=when)
    )


def unlink_logged_models(
    conn: Connection, name: str, versions: Sequence[int] | None, renamed_to: str | None = None
) -> None:
    """Drop `name`'s versions (all when None) from the `mlflow.modelVersions` tag of the
    logged models they were made from, or rename them there when the model is renamed,
    so no logged model names a version that is gone."""
    query = select(model_versions.c.model_id).where(
        model_versions.c.name == name, model_versions.c.model_id.is_not(None)
    )
    if versions is not None:
        query = query.where(model_versions.c.version.in_(versions))
    model_ids = sorted(set(conn.execute(query).scalars()))
    if not model_ids:
        return
    gone = {str(v) for v in versions} if versions is not None else None
    tags = conn.execute(
        select(logged_model_tags.c.model_id, logged_model_tags.c.value).where(
            logged_model_tags.c.model_id.in_(model_ids),
            logged_model_tags.c.key == MODEL_VERSIONS_TAG,
        )
    ).all()
    for model_id, value in tags:
        try:
            entries = json.loads(value)
        except ValueError:
            continue
        if not isinstance(entries, list):
            continue
        kept = []
        for entry in entries:
            ours = isinstance(entry, dict) and entry.get("name") == name
            if ours and (gone is None or str(entry.get("version")) in gone):
                if renamed_to is None:
                    continue
                entry = {**entry, "name": renamed_to}
            kept.append(entry)
        conn.execute(
            update(logged_model_tags)
            .where(
                logged_model_tags.c.model_id == model_id,
                logged_model_tags.c.key == MODEL_VERSIONS_TAG,
            )
            .values(value=json.dumps(kept))
        )


def load_versions(conn: Connection, rows: Sequence[Row]) -> list[ModelVersion]:
    """Versions for `rows`, with their tags and aliases, in a few queries."""
    keys = [(row.name, row.version) for row in rows]
    names = sorted({name for name, _ in keys})
    tags: dict[tuple[str, int], list[KeyValue]] = defaultdict(list)
    aliases: dict[tuple[str, int], list[str]] = defaultdict(list)
    for chunk in chunks(names):
        for name, version, key, value in conn.execute(
            select(model_version_tags).where(model_version_tags.c.name.in_(chunk))
        ):
            tags[(name, version)].append(KeyValue(key=key, value=value))
        for name, alias, version in conn.execute(
            select(registered_model_aliases).where(registered_model_aliases.c.name.in_(chunk))
        ):
            aliases[(name, version)].append(alias)
    return [
        ModelVersion(
            name=row.name,
            version=str(row.version),
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            current_stage=row.current_stage,
            source=row.source,
            status=row.status,
            user_id=row.user_id,
            description=row.description,
            run_id=row.run_id,
            run_link=row.run_link,
            status_message=row.status_message,
            model_id=row.model_id,
            tags=tags.get((row.name, row.version), []),
            aliases=sorted(aliases.get((row.name, row.version), [])),
        )
        for row in rows
    ]


class ModelVersionStore:
    def __init__(self, db: Database, resolvers: SourceResolvers) -> None:
        self.db = db
        self.resolvers = resolvers

    def create(
        self,
        name: str,
        source: str,
        run_id: str | None,
        tags: list[KeyValue],
        run_link: str | None,
        description: str | None,
        user_id: str | None = None,
    ) -> ModelVersion:
        for tag in tags:
            validate_registry_tag(tag.key, tag.value)
        resolved = resolve_source(source, run_id or None, self.resolvers)

        def work(conn: Connection) -> ModelVersion:
            require_model(conn, name, for_update=True)
            latest = conn.execute(
                select(func.max(model_versions.c.version)).where(model_versions.c.name == name)
            ).scalar()
            version = (latest or 0) + 1
            now = now_ms()
            conn.execute(
                model_versions.insert().values(
                    name=name,
                    version=version,
                    creation_timestamp=now,
                    last_updated_timestamp=now,
                    description=description,
                    user_id=user_id,
                    current_stage="None",
                    source=source,
                    storage_location=resolved.storage_location,
                    run_id=resolved.run_id,
                    run_link=run_link,
                    status="READY",
                    model_id=resolved.model_id,
                    deleted=False,
                )
            )
            if tags:
                conn.execute(
                    model_version_tags.insert(),
                    [
                        {"name": name, "version": version, "key": t.key, "value": t.value}
                        for t in {t.key: t for t in tags}.values()
                    ],
                )
            touch_model(conn, name, now)
            return load_versions(conn, [version_row(conn, name, version)])[0]

        return self.db.write(work)

    def get(self, name: str, version: str | int | None) -> ModelVersion:
        number = parse_version(version)
        return self.db.read(lambda conn: load_versions(conn, [version_row(conn, name, number)])[0])

    def location(self, name: str, version: str | int | None) -> str:
        """Where the version's files are (get-download-uri)."""
        number = parse_version(version)
        return self.db.read(lambda conn: version_row(conn, name, number).storage_location)

    def update(self, name: str, version: str | int | None, description: str | None) -> ModelVersion:
        number = parse_version(version)

        def work(conn: Connection) -> ModelVersion:
            version_row(conn, name, number)
            now = now_ms()
            conn.execute(
                update(model_versions)
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(description=description, last_updated_timestamp=now)
            )
            return load_versions(conn, [version_row(conn, name, number)])[0]

        return self.db.write(work)

    def transition_stage(
        self, name: str, version: str | int | None, stage: str, archive_existing: bool
    ) -> ModelVersion:
        number = parse_version(version)
        target = canonical_stage(stage)
        if archive_existing and target not in ("Staging", "Production"):
            raise InvalidParameterValue(
                f"archive_existing_versions is only supported for stages Staging and "
                f"Production, not '{target}'."
            )

        def work(conn: Connection) -> ModelVersion:
            version_row(conn, name, number)
            now = now_ms()
            if archive_existing:
                conn.execute(
                    update(model_versions)
                    .where(
                        model_versions.c.name == name,
                        model_versions.c.version != number,
                        model_versions.c.current_stage == target,
                        model_versions.c.deleted.is_(False),
                    )
                    .values(current_stage="Archived", last_updated_timestamp=now)
                )
            conn.execute(
                update(model_versions)
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(current_stage=target, last_updated_timestamp=now)
            )
            touch_model(conn, name, now)
            return load_versions(conn, [version_row(conn, name, number)])[0]

        return self.db.write(work)

    def delete(self, name: str, version: str | int | None) -> None:
        """Deleted versions keep their number (it is never reused) but lose tags and aliases."""
        number = parse_version(version)

        def work(conn: Connection) -> None:
            version_row(conn, name, number)
            unlink_logged_models(conn, name, [number])
            conn.execute(
                model_version_tags.delete().where(
                    model_version_tags.c.name == name, model_version_tags.c.version == number
                )
            )
            conn.execute(
                registered_model_aliases.delete().where(
                    registered_model_aliases.c.name == name,
                    registered_model_aliases.c.version == number,
                )
            )
            now = now_ms()
            conn.execute(
                update(model_versions)
                .where(model_versions.c.name == name, model_versions.c.version == number)
                .values(deleted=True, last_updated_timestamp=now)
            )
            touch_model(conn, name, now)

        self.db.write(work)

    def set_tag(self, name: str, version: str | int | None, key: str, value: str) -> None:
        number = parse_version(version)
        validate_registry_tag(key, value)

        def work(conn: Connection) -> None:
            version_row(conn, name, number)
            conn.execute(
                upsert(conn, model_version_tags, "value"),
                {"name": name, "version": number, "key": key, "value": value},
            )

        self.db.write(work)

    def delete_tag(self, name: str, version: str | int | None, key: str) -> None:
        number = parse_version(version)

        def work(conn: Connection) -> None:
            version_row(conn, name, number)
            deleted = conn.execute(
                model_version_tags.delete().where(
                    model_version_tags.c.name == name,
                    model_version_tags.c.version == number,
                    model_version_tags.c.key == key,
                )
            ).rowcount
            if not deleted:
                raise ResourceDoesNotExist(
                    f"No tag with key '{key}' on model version (name={name}, version={number})"
                )

        self.db.write(work)

    def search(
        self,
        filter_string: str | None,
        max_results: int | None,
        order_by: list[str] | None,
        page_token: str | None,
        visible: Visible | None = None,
    ) -> Page[ModelVersion]:
        limit = DEFAULT_SEARCH_RESULTS if max_results is None else max_results
        validate_max_results(limit, MAX_SEARCH_RESULTS)
        comparisons = grammar.parse_filter(filter_string, MODEL_VERSION_FILTER_SPEC)
        order_keys = grammar.parse_order_by(order_by, MODEL_VERSION_FILTER_SPEC)
        offset = decode_offset(page_token)
        ordering = []
        for key in order_keys:
            ordering += order_column(model_versions.c[key.key], key.ascending)
        ordering += [model_versions.c.name.asc(), model_versions.c.version.desc()]
        query = (
            select(model_versions)
            .where(
                model_versions.c.deleted.is_(False),
                *[model_version_condition(c) for c in comparisons],
                visible.clause(model_versions.c.name) if visible else true(),
            )
            .order_by(*ordering)
        )

        def work(conn: Connection) -> Page[ModelVersion]:
            return read_page(conn, query, limit, offset, load_versions)

        return self.db.read(work)


def newest_per_stage(
    conn: Connection, names: Sequence[str], stages: Sequence[str] | None = None
) -> dict[str, list[ModelVersion]]:
    """Per model, the newest version in each stage (only `stages`, when given)."""
    wanted = [canonical_stage(stage) for stage in stages] if stages else list(STAGES)
    newest = (
        select(
            model_versions.c.name,
            model_versions.c.current_stage,
            func.max(model_versions.c.version).label("version"),
        )
        .where(
            model_versions.c.name.in_(names),
            model_versions.c.deleted.is_(False),
            model_versions.c.current_stage.in_(wanted),
        )
        .group_by(model_versions.c.name, model_versions.c.current_stage)
        .subquery()
    )
    rows = conn.execute(
        select(model_versions)
        .join(
            newest,
            and_(
                newest.c.name == model_versions.c.name, newest.c.version == model_versions.c.version
            ),
        )
        .order_by(model_versions.c.name, model_versions.c.version)
    ).all()
    result: dict[str, list[ModelVersion]] = defaultdict(list)
    for version in load_versions(conn, rows):
        result[version.name].append(version)
    return result
