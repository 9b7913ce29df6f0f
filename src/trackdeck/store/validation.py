"""MLflow's validation rules for what is logged, enforced before anything is written.

Where mlflow server silently truncates an over-long value, trackdeck answers a clear 400
instead: nothing is stored that differs from what the caller sent.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Iterable

from trackdeck.entities import Metric
from trackdeck.errors import InvalidParameterValue

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_RUN_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_RUN_NAME_LENGTH = 250
MAX_ARTIFACT_LOCATION_LENGTH = 2048
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_ENTITIES = 1000
MAX_DATASET_NAME_LENGTH = 500
MAX_DATASET_DIGEST_LENGTH = 36
MAX_DATASET_SOURCE_LENGTH = 65535
MAX_DATASET_SCHEMA_LENGTH = 1048575
MAX_DATASET_PROFILE_LENGTH = 16777215
MAX_INPUT_TAG_KEY_LENGTH = 255
MAX_INPUT_TAG_VALUE_LENGTH = 500
# mlflow clamps infinities to the largest double; we do the same so stores agree.
MAX_METRIC_MAGNITUDE = 1.7976931348623157e308

_KEY_PATTERN = re.compile(r"[/\w.\- :]*")
_RUN_ID_PATTERN = re.compile(r"[a-zA-Z0-9][\w\-]{0,255}")


def validate_key(key: str, what: str) -> None:
    """A metric, param or tag key: allowed characters, no path tricks, at most 250 chars."""
    if not key:
        raise InvalidParameterValue(f"Missing value for required parameter 'key' of the {what}.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidParameterValue(
            f"{what.capitalize()} key '{key[:50]}...' has length {len(key)}, "
            f"which exceeds the limit of {MAX_KEY_LENGTH}."
        )
    if not _KEY_PATTERN.fullmatch(key):
        raise InvalidParameterValue(
            f"Invalid {what} name: '{key}'. Names may only contain alphanumerics, "
            "underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)."
        )
    normalised = posixpath.normpath(key)
    if normalised != key or normalised == "." or key.startswith(("..", "/")):
        raise InvalidParameterValue(
            f"Invalid {what} name: '{key}'. Names may be treated as files in certain cases, "
            "and must not resolve to other names when treated as such."
        )


def validate_value_length(value: str, limit: int, what: str, key: str) -> None:
    if len(value) > limit:
        raise InvalidParameterValue(
            f"{what.capitalize()} value for key '{key}' has length {len(value)}, "
            f"which exceeds the limit of {limit}."
        )


def validate_param(key: str, value: str) -> None:
    validate_key(key, "param")
    validate_value_length(value, MAX_PARAM_VALUE_LENGTH, "param", key)


def validate_run_tag(key: str, value: str) -> None:
    validate_key(key, "tag")
    validate_value_length(value, MAX_RUN_TAG_VALUE_LENGTH, "tag", key)


def validate_experiment_tag(key: str, value: str) -> None:
    validate_key(key, "tag")
    validate_value_length(value, MAX_EXPERIMENT_TAG_VALUE_LENGTH, "experiment tag", key)


def validate_metrics(metrics: Iterable[Metric]) -> None:
    """Values are numbers, timestamps non-negative int64, steps int64; each distinct key
    is checked once, since a batch usually repeats a few keys many times."""
    keys = set()
    for metric in metrics:
        keys.add(metric.key)
        value, timestamp, step = metric.value, metric.timestamp, metric.step
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidParameterValue(
                f"Got invalid value {value!r} for metric '{metric.key}'. Please specify a number."
            )
        if not 0 <= timestamp < 2**63:
            raise InvalidParameterValue(
                f"Got invalid timestamp {timestamp} for metric '{metric.key}': "
                "it must be a non-negative int64."
            )
        if not -(2**63) <= step < 2**63:
            raise InvalidParameterValue(f"Step {step} of metric '{metric.key}' is not an int64.")
    for key in keys:
        validate_key(key, "metric")


def stored_metric_value(value: float) -> tuple[float, bool]:
    """The (value, is_nan) pair kept in the database for a metric value."""
    if math.isnan(value):
        return 0.0, True
    if math.isinf(value):
        return math.copysign(MAX_METRIC_MAGNITUDE, value), False
    return float(value), False


def validate_experiment_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise InvalidParameterValue("Invalid experiment name: the name must be a non-empty string.")
    if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        raise InvalidParameterValue(
            f"Experiment name has length {len(name)}, "
            f"which exceeds the limit of {MAX_EXPERIMENT_NAME_LENGTH}."
        )
    return name


def validate_run_name(name: str) -> None:
    if len(name) > MAX_RUN_NAME_LENGTH:
        raise InvalidParameterValue(
            f"Run name has length {len(name)}, which exceeds the limit of {MAX_RUN_NAME_LENGTH}."
        )


def validate_run_id(run_id: str | None) -> str:
    if not run_id:
        raise InvalidParameterValue("Missing value for required parameter 'run_id'.")
    if not _RUN_ID_PATTERN.fullmatch(run_id):
        raise InvalidParameterValue(f"Invalid run ID: '{run_id}'.")
    return run_id


def parse_experiment_id(experiment_id: str | int | None) -> int:
    """Experiment ids are decimal integers on the wire (strings); anything else is a 400."""
    if experiment_id is None or experiment_id == "":
        raise InvalidParameterValue("Missing value for required parameter 'experiment_id'.")
    text = str(experiment_id)
    if not text.isdigit() or len(text) > 18:
        raise InvalidParameterValue(f"Invalid experiment ID: '{text}'. It must be an integer.")
    return int(text)


def validate_batch_sizes(metrics: int, params: int, tags: int) -> None:
    limits = (
        (metrics, MAX_BATCH_METRICS, "metrics"),
        (params, MAX_BATCH_PARAMS, "params"),
        (tags, MAX_BATCH_TAGS, "tags"),
    )
    for count, limit, what in limits:
        if count > limit:
            raise InvalidParameterValue(
                f"A batch logging request can contain at most {limit} {what}. "
                f"Got {count} {what}. Please split up the {what} across multiple requests."
            )
    total = metrics + params + tags
    if total > MAX_BATCH_ENTITIES:
        raise InvalidParameterValue(
            f"A batch logging request can contain at most {MAX_BATCH_ENTITIES} "
            f"metrics, params and tags in total. Got {total}."
        )


def validate_unique_keys(keys: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    duplicates = sorted({key for key in keys if key in seen or seen.add(key)})
    if duplicates:
        raise InvalidParameterValue(
            f"Duplicate {what} keys have been submitted: {duplicates}. "
            "Please ensure the request contains only one value per key."
        )


def validate_max_results(max_results: int, limit: int) -> None:
    if max_results <= 0:
        raise InvalidParameterValue(
            f"Invalid value {max_results} for parameter 'max_results': it must be positive."
        )
    if max_results > limit:
        raise InvalidParameterValue(
            f"Invalid value {max_results} for parameter 'max_results': it must be at most {limit}."
        )
