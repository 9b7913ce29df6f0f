"""The OpenAPI description of the MLflow REST API, generated from the RPC table.

The routes and this description come from the same `Rpc` list and the same request
types, so the description cannot drift from what the server accepts.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from trackdeck import __version__
from trackdeck.api.protocol import Rpc, json_response

# A Starlette path parameter, `{name}` or `{name:convertor}`.
_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_ERROR = {
    "description": "An MLflow error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error_code", "message"],
                "properties": {"error_code": {"type": "string"}, "message": {"type": "string"}},
            }
        }
    },
}


def openapi_path(route_path: str) -> str:
    """A route path as OpenAPI writes it: `{tag_key:path}` becomes `{tag_key}`."""
    return _PATH_PARAM.sub(r"{\1}", route_path)


def _operation(rpc: Rpc, schema: dict[str, Any]) -> dict[str, Any]:
    name = rpc.request_type.__name__
    path_params = _PATH_PARAM.findall(rpc.path)
    operation: dict[str, Any] = {
        "operationId": f"{rpc.method.lower()}_{rpc.path.strip('/').replace('/', '_')}",
        "summary": rpc.handler.__doc__ or rpc.handler.__name__.replace("_", " "),
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in path_params
        ],
        "responses": {
            "200": {
                "description": "Success (always exactly 200)",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "400": _ERROR,
            "404": _ERROR,
            "default": _ERROR,
        },
    }
    if rpc.method == "GET":
        properties = schema[name].get("properties", {})
        operation["parameters"] += [
            {"name": field, "in": "query", "schema": field_schema}
            for field, field_schema in properties.items()
            if field not in path_params
        ]
    else:
        operation["requestBody"] = {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        }
    return operation


def openapi_document(rpcs: list[Rpc], prefix: str) -> dict[str, Any]:
    types = sorted({rpc.request_type for rpc in rpcs}, key=lambda t: t.__name__)
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for rpc in rpcs:
        path = openapi_path(prefix + rpc.path)
        paths.setdefault(path, {})[rpc.method.lower()] = _operation(rpc, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "trackdeck: MLflow REST API", "version": __version__},
        "paths": paths,
        "components": {"schemas": components},
    }


def openapi_endpoint(rpcs: list[Rpc], prefix: str) -> Any:
    document = openapi_document(rpcs, prefix)

    async def openapi(_request: Request) -> Response:
        return json_response(document)

    return openapi
