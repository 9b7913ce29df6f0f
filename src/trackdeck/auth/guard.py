"""Puts every route of an app behind its rule from the authorization table.

`protect(routes, rules, auth)` wraps the ASGI app of each route (and mount) in a `Guard`
that authenticates the caller, finds the resource the request names, checks the caller's
level on it, and only then lets the handler run. A route without a rule makes `protect`
raise, so the server refuses to start rather than serve it unguarded. Handlers find the
caller in `scope["trackdeck.caller"]` to filter what they list.
"""

from __future__ import annotations

import copy
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trackdeck.api.protocol import error_response
from trackdeck.auth import resources
from trackdeck.auth.identity import CALLER, CHECK, SIGNED_OUT, Authenticator, Caller
from trackdeck.auth.policy import Access, Rule
from trackdeck.errors import PermissionDenied, TrackdeckError, Unauthenticated
from trackdeck.store.tracking import TrackingStore
from trackdeck.ui import csrf

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_INSPECTED_BODY = 64 * 1024 * 1024
CSRF_HEADER = "x-csrf-token"


@dataclass
class AuthContext:
    """What the guards of one app share."""

    store: TrackingStore
    authenticator: Authenticator | None  # None: auth is off
    login_path: str = "/login"


def rule_key(method: str, path: str) -> str:
    if path.startswith("/ajax-api/"):
        path = "/api/" + path[len("/ajax-api/") :]
    return f"{method} {path}"


R = TypeVar("R")


def guard_routes(
    routes: list[BaseRoute],
    table: Mapping[str, R],
    wrap: Callable[[BaseRoute, ASGIApp, dict[str, R | None]], ASGIApp],
    table_name: str,
) -> list[BaseRoute]:
    """Copies of `routes`, each app wrapped by `wrap(route, app, rules by method)`; raise
    if `table` has no rule for one of them. Tracking servers and the studio share this."""
    guarded: list[BaseRoute] = []
    missing: list[str] = []
    for route in routes:
        copied = copy.copy(route)
        if isinstance(route, Route):
            methods = sorted((route.methods or {"GET"}) - {"HEAD"})
            by_method = {m: table.get(rule_key(m, route.path)) for m in methods}
            missing += [rule_key(m, route.path) for m, rule in by_method.items() if rule is None]
            if "GET" in by_method:
                by_method["HEAD"] = by_method["GET"]
            copied.app = wrap(route, route.app, by_method)
        elif isinstance(route, Mount):
            rule = table.get(f"MOUNT {route.path}")
            if rule is None:
                missing.append(f"MOUNT {route.path}")
            copied.app = wrap(route, route.app, {"*": rule})
        else:
            missing.append(f"{type(route).__name__} {getattr(route, 'path', route)}")
        guarded.append(copied)
    if missing:
        raise RuntimeError(
            f"Routes without an authorization rule (add them to {table_name}): "
            + ", ".join(missing)
        )
    return guarded


def protect(routes: list[BaseRoute], rules: dict[str, Rule], auth: AuthContext) -> list[BaseRoute]:
    """Copies of `routes`, each behind its guard; raise if the table lacks a rule for one."""

    def wrap(route: BaseRoute, app: ASGIApp, by_method: dict[str, Rule | None]) -> ASGIApp:
        deferred = getattr(getattr(route, "endpoint", None), "runs_checks", False)
        return Guard(app, by_method, auth, deferred)

    return guard_routes(routes, rules, wrap, "trackdeck.auth.policy")


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        rules: dict[str, Rule | None],
        auth: AuthContext,
        deferred: bool = False,
    ) -> None:
        self.app = app
        self.rules = rules
        self.auth = auth
        self.deferred = deferred

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.auth.authenticator is None:
            await self.app(scope, receive, send)
            return
        rule = self.rules.get(scope["method"]) or self.rules.get("*")
        if rule is None:  # a method the route does not serve: let it answer 405
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        fields: dict[str, Any] = {}
        try:
            if rule.fields:
                fields, receive = await _request_fields(scope, receive, headers, rule.fields)
        except TrackdeckError as error:
            await error_response(error)(scope, receive, send)
            return
        check = partial(self._check, scope, headers, rule, fields)
        if self.deferred:
            # An RPC runs the check in the worker thread it runs its handler in: no extra
            # thread hop on the hot path (see api.protocol.endpoint).
            scope[CHECK] = check
            await self.app(scope, receive, send)
            return
        try:
            after = await run_in_threadpool(check)
        except Unauthenticated as error:
            await self._unauthenticated(scope, error)(scope, receive, send)
            return
        except TrackdeckError as error:
            await error_response(error)(scope, receive, send)
            return
        if after is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]

        async def send_after_effect(message: Message) -> None:
            # The effect lands before the client hears of success, so its next request
            # (a run in the experiment it just created) already sees the new grant.
            if message["type"] == "http.response.start":
                status = message["status"]
                if 200 <= status < 300 or (status in (302, 303) and method == "POST"):
                    await run_in_threadpool(after)
            await send(message)

        await self.app(scope, receive, send_after_effect)

    def _check(
        self, scope: Scope, headers: dict[str, str], rule: Rule, fields: dict[str, Any]
    ) -> Callable[[], None] | None:
        """Authenticate and authorize (in a worker thread); store the caller in the scope
        and return what to do once the request succeeded (the rule's effect), if anything.
        """
        authenticator = self.auth.authenticator
        assert authenticator is not None
        client = (scope.get("client") or ("unknown", 0))[0]
        caller = authenticator.caller(headers, client)
        if caller is None:
            if rule.access is not Access.PUBLIC:
                raise Unauthenticated(
                    "Authentication required: send MLFLOW_TRACKING_USERNAME and "
                    "MLFLOW_TRACKING_PASSWORD, or an API token as MLFLOW_TRACKING_TOKEN."
                )
            caller = SIGNED_OUT
        elif caller.session is not None and scope["method"] not in SAFE_METHODS:
            _check_csrf(scope, headers)
        if rule.access is Access.ADMIN and not caller.is_admin:
            raise PermissionDenied("Permission denied: only an admin may do this.")
        if not caller.is_admin and rule.locator is not None:
            self._check_level(caller, rule, fields)
        scope[CALLER] = caller
        return rule.effect.prepare(self.auth.store, caller, fields) if rule.effect else None

    def _check_level(self, caller: Caller, rule: Rule, fields: dict[str, Any]) -> None:
        assert rule.locator is not None
        found = list(rule.locator.find(self.auth.store, fields))
        if found == list(resources.OWNERLESS):
            raise PermissionDenied("Permission denied: this path belongs to no experiment.")
        if found and caller.level(rule.locator.resource_type, found) < rule.level:
            what = rule.locator.resource_type.replace("_", " ")
            raise PermissionDenied(
                f"Permission denied: {rule.level.name} on the {what} is required "
                f"({', '.join(found)})."
            )

    def _unauthenticated(self, scope: Scope, error: Unauthenticated) -> ASGIApp:
        request = Request(scope)
        wants_page = scope["method"] == "GET" and "text/html" in request.headers.get("accept", "")
        if wants_page and not scope["path"].startswith(("/api/", "/ajax-api/")):
            root = scope.get("root_path", "")
            target = root + scope["path"] + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"{root}{self.auth.login_path}?next={quote(target)}", status_code=303
            )
        response: Response = error_response(error)
        if error.error_code == "UNAUTHENTICATED":
            response.headers["WWW-Authenticate"] = 'Basic realm="trackdeck"'
        return response


def _check_csrf(scope: Scope, headers: dict[str, str]) -> None:
    """A browser session's state change must prove it comes from our own pages.

    Forms carry the token in a field that `ui.csrf` checks; API calls from our pages
    carry it in the X-CSRF-Token header. A foreign page can make the browser send the
    cookies but cannot read them to fill either.
    """
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return  # checked by the form handler (ui.handlers.form_action)
    expected = Request(scope).cookies.get(csrf.COOKIE, "")
    given = headers.get(CSRF_HEADER, "")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise PermissionDenied("Missing or invalid CSRF token (X-CSRF-Token header).")


async def _request_fields(
    scope: Scope, receive: Receive, headers: dict[str, str], names: tuple[str, ...]
) -> tuple[dict[str, Any], Receive]:
    """The named fields from the path, the query and, if need be, a JSON or form body.

    The body is read whole (bounded) and handed on to the route unchanged.
    """
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    path_params = scope.get("path_params", {})
    missing = [n for n in names if n not in path_params and n not in fields]
    content_type = headers.get("content-type", "")
    readable = "json" in content_type or content_type.startswith(
        "application/x-www-form-urlencoded"
    )
    if missing and scope["method"] not in SAFE_METHODS and (readable or not content_type):
        body, receive = await _read_body(receive)
        fields.update(_decode_body(body, content_type, names))
    fields.update(path_params)
    return fields, receive


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_INSPECTED_BODY:
            raise TrackdeckError("Request body too large.", "INVALID_PARAMETER_VALUE")
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _decode_body(body: bytes, content_type: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a JSON or form body; nothing when the body is not a JSON object
    or a form (the handler then answers the 400 itself). A JSON body is decoded into just
    those fields: a log-batch of thousands of metrics is not turned into Python objects twice.
    """
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        return {name: form[name] for name in names if name in form}
    if not body.strip():
        return {}
    try:
        found = msgspec.json.decode(body, type=_fields_type(names))
    except (msgspec.DecodeError, msgspec.ValidationError):
        return {}
    return {
        name: value for name, value in msgspec.structs.asdict(found).items() if value is not None
    }


@cache
def _fields_type(names: tuple[str, ...]) -> type[msgspec.Struct]:
    """A struct of just `names` (any JSON value each); msgspec skips the other keys."""
    return msgspec.defstruct("Fields", [(name, Any, None) for name in names], kw_only=True)
