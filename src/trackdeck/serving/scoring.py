"""The scoring process of one endpoint instance: the SageMaker inference-container contract.

    GET  /ping          200 once the model is loaded (the process listens only after that)
    POST /invocations   JSON or CSV in (serving/payload.py), {"predictions": ...} out

Run as `python -m trackdeck.serving.scoring --model-uri models:/name/3 --port N` with
MLFLOW_TRACKING_URI set to the tracking server that holds the model. A model that does
not load ends the process with code 3 and the reason on stderr (the supervisor reads it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.api.protocol import error_response
from trackdeck.errors import InvalidParameterValue, TrackdeckError
from trackdeck.serving import payload

LOAD_FAILED = 3
MAX_BODY_BYTES = 256 * 1024 * 1024


class PredictionFailed(TrackdeckError):
    """The model raised on this input (HTTP 400, as `mlflow models serve` answers)."""

    error_code = "BAD_REQUEST"


def _predict(model: Any, model_input: payload.ModelInput) -> bytes:
    from mlflow.exceptions import MlflowException

    try:
        if model_input.params is not None:
            predictions = model.predict(model_input.data, params=model_input.params)
        else:
            predictions = model.predict(model_input.data)
    except MlflowException as exc:
        raise PredictionFailed(f"The input does not fit the model: {exc.message}") from exc
    except Exception as exc:
        raise PredictionFailed(
            f"The model failed on this input: {type(exc).__name__}: {exc}"
        ) from exc
    return payload.encode_predictions(predictions)


def create_scoring_app(model: Any) -> Starlette:
    """The app around a loaded `mlflow.pyfunc` model."""
    schema = model.metadata.get_input_schema()

    async def ping(_request: Request) -> Response:
        return Response(b"\n", media_type="application/json")

    def score(body: bytes, content_type: str | None) -> bytes:
        return _predict(model, payload.parse(body, content_type, schema))

    async def invocations(request: Request) -> Response:
        length = request.headers.get("content-length", "")
        try:
            if length.isdigit() and int(length) > MAX_BODY_BYTES:
                raise InvalidParameterValue(f"The body is larger than {MAX_BODY_BYTES} bytes.")
            body = await request.body()
            result = await asyncio.to_thread(score, body, request.headers.get("content-type"))
        except TrackdeckError as error:
            return error_response(error)
        return Response(result, media_type="application/json")

    return Starlette(
        routes=[
            Route("/ping", ping, methods=["GET"]),
            Route("/health", ping, methods=["GET"]),
            Route("/invocations", invocations, methods=["POST"]),
        ]
    )


def load(model_uri: str) -> Any:
    import mlflow.pyfunc

    # What mlflow's own scoring server sets: flavors may behave differently when serving.
    os.environ.setdefault("_MLFLOW_IS_IN_SERVING_ENVIRONMENT", "true")
    return mlflow.pyfunc.load_model(model_uri)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m trackdeck.serving.scoring")
    parser.add_argument("--model-uri", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        model = load(args.model_uri)
    except Exception as exc:
        traceback.print_exc()
        print(f"Cannot load model {args.model_uri}: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(LOAD_FAILED)
    import uvicorn

    print(f"Serving {args.model_uri} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        create_scoring_app(model),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
