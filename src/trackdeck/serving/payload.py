"""What `/invocations` accepts and answers: the payloads `mlflow models serve` takes.

JSON bodies are an object with exactly one of `dataframe_split`, `dataframe_records`,
`instances` or `inputs` (and optionally `params`); CSV bodies are a table with a header
row. The envelope is checked here, with messages that say what is wrong; turning the data
into the frame or tensors the model expects (and casting it to the model's signature) is
left to mlflow's own parsers, so an endpoint reads a payload exactly as `mlflow models
serve` does and its predictions equal a local `predict`. Answers are
`{"predictions": ...}`, DataFrames as records.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import msgspec

from trackdeck.errors import TrackdeckError

JSON = "application/json"
CSV = "text/csv"
FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")


class BadPayload(TrackdeckError):
    """The body cannot be read as model input (HTTP 400)."""

    error_code = "BAD_REQUEST"


class UnsupportedMediaType(TrackdeckError):
    """A content type other than JSON or CSV, or a charset other than UTF-8 (HTTP 415)."""

    error_code = "BAD_REQUEST"

    @property
    def http_status(self) -> int:
        return 415


@dataclass(frozen=True)
class ModelInput:
    data: Any  # a pandas DataFrame, a numpy array, or a dict of them
    params: dict[str, Any] | None = None


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header: JSON or CSV in UTF-8, or an error."""
    if not content_type:
        raise UnsupportedMediaType(
            f"Missing Content-Type: send {JSON} (dataframe_split, dataframe_records, "
            f"instances or inputs) or {CSV}."
        )
    mime, *parameters = (part.strip() for part in content_type.split(";"))
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset":
            raise UnsupportedMediaType(f"Unsupported Content-Type parameter '{key.strip()}'.")
        if value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType("Only UTF-8 bodies are supported.")
    mime = mime.lower()
    if mime not in (JSON, CSV):
        raise UnsupportedMediaType(
            f"Unsupported Content-Type '{content_type}': send {JSON} or {CSV}."
        )
    return mime


def parse(body: bytes, content_type: str | None, schema: Any) -> ModelInput:
    """The model input a request body holds; `schema` is the model's input schema or None."""
    mime = media_type(content_type)
    if not body.strip():
        raise BadPayload("The request body is empty.")
    if mime == CSV:
        return ModelInput(_csv(body, schema))
    return _json(body, schema)


def _csv(body: bytes, schema: Any) -> Any:
    import pandas as pd

    dtypes = None
    if schema is not None and schema.has_input_names():
        dtypes = dict(zip(schema.input_names(), schema.pandas_types(), strict=False))
    try:
        return pd.read_csv(io.BytesIO(body), dtype=dtypes, encoding="utf-8")
    except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BadPayload(
            f"Cannot read the body as CSV with a header row (as DataFrame.to_csv writes it): {exc}"
        ) from exc


def _json(body: bytes, schema: Any) -> ModelInput:
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise BadPayload(f"The body is not valid JSON: {exc}.") from exc
    if not isinstance(document, dict):
        raise BadPayload(
            f"The body must be a JSON object with one of {', '.join(FORMATS)}; "
            f"got a {type(document).__name__}."
        )
    keys = [key for key in FORMATS if key in document]
    others = sorted(set(document) - {*FORMATS, "params"})
    if len(keys) != 1 or others:
        found = ", ".join(sorted(document)) or "none"
        raise BadPayload(
            f"The body must have exactly one of {', '.join(FORMATS)} (and optionally "
            f"params); found keys: {found}."
        )
    params = document.get("params")
    if params is not None and not isinstance(params, dict):
        raise BadPayload("params must be a JSON object of parameter names to values.")
    return ModelInput(_data(keys[0], document[keys[0]], schema), params)


def _data(key: str, value: Any, schema: Any) -> Any:
    from mlflow.exceptions import MlflowException
    from mlflow.utils.proto_json_utils import dataframe_from_parsed_json, parse_tf_serving_input

    if key == "dataframe_split" and not isinstance(value, dict):
        raise BadPayload(
            "dataframe_split must be an object with 'data' and optionally 'columns' and "
            f"'index'; got a {_kind(value)}."
        )
    if key == "dataframe_records" and not isinstance(value, list):
        raise BadPayload(f"dataframe_records must be a list of records; got a {_kind(value)}.")
    if key in ("instances", "inputs") and not isinstance(value, list | dict):
        raise BadPayload(f"{key} must be a list or an object; got a {_kind(value)}.")
    try:
        if key.startswith("dataframe_"):
            return dataframe_from_parsed_json(value, key.removeprefix("dataframe_"), schema)
        return parse_tf_serving_input({key: value}, schema)
    except MlflowException as exc:
        raise BadPayload(f"Cannot read {key}: {exc.message}") from exc


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string"}.get(type(value), type(value).__name__)


def encode_predictions(predictions: Any) -> bytes:
    """`{"predictions": ...}` with arrays as lists and DataFrames as records."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, np.ndarray):
        predictions = predictions.tolist()
    elif isinstance(predictions, pd.DataFrame):
        predictions = predictions.to_dict(orient="records")
    elif isinstance(predictions, pd.Series):
        predictions = pd.DataFrame(predictions).to_dict(orient="records")
    return msgspec.json.encode({"predictions": predictions}, enc_hook=_jsonable)


def _jsonable(value: Any) -> Any:
    """numpy scalars and arrays, and timestamps, inside lists and records."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Cannot encode a {type(value).__name__} as JSON.")
