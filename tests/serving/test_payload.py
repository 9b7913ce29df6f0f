"""Reading `/invocations` bodies and writing predictions, without a server."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.models.signature import infer_signature

from trackdeck.serving.payload import (
    BadPayload,
    UnsupportedMediaType,
    encode_predictions,
    media_type,
    parse,
)

FRAME = pd.DataFrame({"x": [1.5, 2.5], "y": [3.0, 4.0]})
SCHEMA = infer_signature(FRAME).inputs


@pytest.mark.parametrize(
    "body",
    [
        b'{"dataframe_split": {"columns": ["x", "y"], "data": [[1.5, 3], [2.5, 4]]}}',
        b'{"dataframe_records": [{"x": 1.5, "y": 3}, {"x": 2.5, "y": 4}]}',
    ],
)
def test_dataframe_forms_cast_to_the_schema(body: bytes) -> None:
    parsed = parse(body, "application/json", SCHEMA)
    pd.testing.assert_frame_equal(parsed.data, FRAME)
    assert parsed.params is None


def test_tensor_forms_and_params() -> None:
    parsed = parse(
        b'{"inputs": {"x": [1.5], "y": [3]}, "params": {"k": 2}}', "application/json", SCHEMA
    )
    assert set(parsed.data) == {"x", "y"} and parsed.params == {"k": 2}
    parsed = parse(b'{"instances": [[1, 2], [3, 4]]}', "application/json", None)
    assert np.array_equal(parsed.data, np.array([[1, 2], [3, 4]]))


def test_csv_reads_with_the_schema_types() -> None:
    parsed = parse(b"x,y\n1.5,3\n2.5,4\n", "text/csv; charset=UTF-8", SCHEMA)
    pd.testing.assert_frame_equal(parsed.data, FRAME)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"{nope", "not valid JSON"),
        (b'"text"', "got a str"),
        (b'{"dataframe_split": {"data": [[1]]}, "extra": 1}', "found keys: dataframe_split, extra"),
        (b'{"dataframe_records": "x"}', "got a string"),
        (
            b'{"dataframe_split": {"data": [[1, 2, 3]], "columns": ["x"]}}',
            "Cannot read dataframe_split",
        ),
    ],
)
def test_bad_bodies(body: bytes, says: str) -> None:
    with pytest.raises(BadPayload, match=says) as caught:
        parse(body, "application/json", SCHEMA)
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    "content_type", [None, "", "text/plain", "application/json; charset=ascii"]
)
def test_unsupported_media_types_are_415(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        media_type(content_type)
    assert caught.value.http_status == 415


def test_media_type_ignores_case_and_utf8_charset() -> None:
    assert media_type('Application/JSON; charset="utf-8"') == "application/json"


@pytest.mark.parametrize(
    ("predictions", "encoded"),
    [
        (np.array([1, 0]), b'{"predictions":[1,0]}'),
        (pd.Series([0.5, 1.5], name="p"), b'{"predictions":[{"p":0.5},{"p":1.5}]}'),
        (pd.DataFrame({"a": [1], "b": ["x"]}), b'{"predictions":[{"a":1,"b":"x"}]}'),
        ([np.int64(3), np.float32(0.5)], b'{"predictions":[3,0.5]}'),
    ],
)
def test_predictions_are_encoded_as_mlflow_serve_does(predictions: object, encoded: bytes) -> None:
    assert encode_predictions(predictions) == encoded
