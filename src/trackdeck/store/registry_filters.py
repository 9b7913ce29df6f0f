"""The registry's search grammar: what registered-model and model-version searches accept,
and how each comparison reads in SQL.

One rule differs from run search: a `tags.k != 'v'` comparison also matches a model that
has no tag `k`. The mlflow client appends `tag.mlflow.prompt.is_prompt != 'true'` to every
registered-model search and relies on models without that tag being found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists

from trackdeck.store.filter_grammar import AttributeSpec, Comparison, FilterSpec
from trackdeck.store.filter_sql import compare
from trackdeck.store.tables import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)

_STRING = frozenset({"=", "!=", "LIKE", "ILIKE"})
_LIST = frozenset({"IN", "NOT IN"})
_NUMERIC = frozenset({"=", "!=", "<", "<=", ">", ">="})
_TAG_ENTITIES = {"tag": "tag", "tags": "tag"}
_ATTRIBUTE_ENTITIES = {"attribute": "attribute", "attributes": "attribute", "attr": "attribute"}

REGISTERED_MODEL_FILTER_SPEC = FilterSpec(
    entities={**_ATTRIBUTE_ENTITIES, **_TAG_ENTITIES},  # type: ignore[dict-item]
    attributes={
        "name": AttributeSpec("name", "string", _STRING | _LIST),
        "timestamp": AttributeSpec("last_updated_timestamp", "numeric", _NUMERIC),
        "last_updated_timestamp": AttributeSpec("last_updated_timestamp", "numeric", _NUMERIC),
    },
    entity_operators={"tag": _STRING},
)

MODEL_VERSION_FILTER_SPEC = FilterSpec(
    entities={**_ATTRIBUTE_ENTITIES, **_TAG_ENTITIES},  # type: ignore[dict-item]
    attributes={
        "name": AttributeSpec("name", "string", _STRING | _LIST),
        "run_id": AttributeSpec("run_id", "string", frozenset({"=", "!="}) | _LIST),
        "source_path": AttributeSpec("source", "string", _STRING),
        "version_number": AttributeSpec("version", "numeric", _NUMERIC),
        "creation_timestamp": AttributeSpec("creation_timestamp", "numeric", _NUMERIC),
        "last_updated_timestamp": AttributeSpec("last_updated_timestamp", "numeric", _NUMERIC),
    },
    entity_operators={"tag": _STRING},
)


def _tag_condition(comparison: Comparison, tags: Any, match: ColumnElement[bool]) -> Any:
    keyed = and_(match, tags.c.key == comparison.key)
    if comparison.op == "!=":
        return ~exists().where(keyed, tags.c.value == comparison.value)
    return exists().where(keyed, compare(tags.c.value, comparison.op, comparison.value))


def registered_model_condition(comparison: Comparison) -> Any:
    if comparison.entity == "tag":
        match = registered_model_tags.c.name == registered_models.c.name
        return _tag_condition(comparison, registered_model_tags, match)
    return compare(registered_models.c[comparison.key], comparison.op, comparison.value)


def model_version_condition(comparison: Comparison) -> Any:
    if comparison.entity == "tag":
        match = and_(
            model_version_tags.c.name == model_versions.c.name,
            model_version_tags.c.version == model_versions.c.version,
        )
        return _tag_condition(comparison, model_version_tags, match)
    return compare(model_versions.c[comparison.key], comparison.op, comparison.value)
