"""Users, roles, grants and API tokens over HTTP.

The user, role and permission calls have the paths and shapes of MLflow's basic-auth app,
so `mlflow.server.auth.client.AuthServiceClient` drives them unchanged; API tokens are
trackdeck's own (`/api/trackdeck/v1/tokens`). Who may call what is in auth.policy; what
depends on the target (yourself or another user, MANAGE on the resource) is checked here.
"""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc
from trackdeck.auth.identity import Caller
from trackdeck.errors import InvalidParameterValue, PermissionDenied
from trackdeck.store.permissions import Level, Role, RoleGrant, validate_resource_type
from trackdeck.store.tracking import TrackingStore
from trackdeck.store.users import ApiToken, User


class Username(Message):
    username: str | None = None


class CreateUser(Message):
    username: str | None = None
    password: str | None = None


class UpdatePassword(Message):
    username: str | None = None
    password: str | None = None
    current_password: str | None = None


class UpdateAdmin(Message):
    username: str | None = None
    is_admin: bool = False


class UserGrant(Message):
    username: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    permission: str | None = None


class RoleRef(Message):
    role_id: int | None = None
    workspace: str | None = None
    name: str | None = None
    description: str | None = None


class RoleGrantRef(Message):
    role_id: int | None = None
    role_permission_id: int | None = None
    resource_type: str | None = None
    resource_pattern: str | None = None
    permission: str | None = None


class Assignment(Message):
    username: str | None = None
    role_id: int | None = None


class CreateToken(Message):
    name: str | None = None
    expires_in_seconds: int | None = None
    username: str | None = None  # an admin may create a token for another user


class TokenRef(Message):
    token_id: int | None = None


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "is_admin": user.is_admin,
        "creation_time": user.creation_time,
    }


def _role_json(store: TrackingStore, role: Role) -> dict[str, Any]:
    grants = store.permissions.role_grants(role.id)
    return {
        "id": role.id,
        "name": role.name,
        "workspace": role.workspace,
        "description": role.description,
        "permissions": [_grant_json(g) for g in grants],
    }


def _grant_json(grant: RoleGrant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "role_id": grant.role_id,
        "resource_type": grant.resource_type,
        "resource_pattern": grant.resource_pattern,
        "permission": grant.permission,
    }


def _token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "username": token.username,
        "creation_time": token.creation_time,
        "expiry_time": token.expiry_time,
    }


def _self_or_admin(caller: Caller, username: str | None) -> str:
    name = username or caller.username or ""
    if not caller.is_admin and name != caller.username:
        raise PermissionDenied("Permission denied: only an admin may act on another user.")
    return name


def _required_id(value: int | None, name: str) -> int:
    if value is None:
        raise InvalidParameterValue(f"Missing value for required parameter '{name}'.")
    return value


# -- users ---------------------------------------------------------------------------------
def create_user(store: TrackingStore, req: CreateUser, _caller: Caller) -> dict[str, Any]:
    return {"user": _user_json(store.users.create(req.username, req.password))}


def get_user(store: TrackingStore, req: Username, caller: Caller) -> dict[str, Any]:
    return {"user": _user_json(store.users.get(_self_or_admin(caller, req.username)))}


def current_user(store: TrackingStore, _req: Username, caller: Caller) -> dict[str, Any]:
    if caller.user is None:
        return {"user": None}
    if caller.asserted:
        return {"user": _user_json(caller.user)}
    return {"user": _user_json(store.users.get(caller.username))}


def list_users(store: TrackingStore, _req: Username, _caller: Caller) -> dict[str, Any]:
    return {"users": [_user_json(u) for u in store.users.list()]}


def update_password(store: TrackingStore, req: UpdatePassword, caller: Caller) -> dict[str, Any]:
    name = _self_or_admin(caller, req.username)
    if not caller.is_admin and store.users.authenticate(name, req.current_password or "") is None:
        raise PermissionDenied("current_password is wrong: give your present password.")
    store.users.set_password(name, req.password)
    return {}


def update_admin(store: TrackingStore, req: UpdateAdmin, caller: Caller) -> dict[str, Any]:
    if not req.is_admin and req.username == caller.username and store.users.count_admins() <= 1:
        raise InvalidParameterValue("The last admin cannot give up admin rights.")
    store.users.set_admin(req.username, req.is_admin)
    return {}


def delete_user(store: TrackingStore, req: Username, caller: Caller) -> dict[str, Any]:
    if req.username == caller.username:
        raise InvalidParameterValue("You cannot delete your own user.")
    store.users.delete(req.username)
    return {}


# -- per-user grants -----------------------------------------------------------------------
def _managed_resource(caller: Caller, req: UserGrant) -> tuple[str, str]:
    kind = validate_resource_type(req.resource_type)
    if not req.resource_id:
        raise InvalidParameterValue("Missing value for required parameter 'resource_id'.")
    if caller.level(kind, [req.resource_id]) < Level.MANAGE:
        raise PermissionDenied(
            f"Permission denied: MANAGE on {kind} '{req.resource_id}' is needed."
        )
    return kind, req.resource_id


def grant(store: TrackingStore, req: UserGrant, caller: Caller) -> dict[str, Any]:
    kind, resource_id = _managed_resource(caller, req)
    user = store.users.get(req.username)
    store.permissions.grant(user.id, kind, resource_id, Level.parse(req.permission))
    return {}


def revoke(store: TrackingStore, req: UserGrant, caller: Caller) -> dict[str, Any]:
    kind, resource_id = _managed_resource(caller, req)
    store.permissions.revoke(store.users.get(req.username).id, kind, resource_id)
    return {}


def get_grant(store: TrackingStore, req: UserGrant, caller: Caller) -> dict[str, Any]:
    kind = validate_resource_type(req.resource_type)
    resource_id = req.resource_id or ""
    if req.username != caller.username and caller.level(kind, [resource_id]) < Level.MANAGE:
        raise PermissionDenied("Permission denied: MANAGE on the resource is needed.")
    user = store.users.get(req.username)
    if user.is_admin:
        level = Level.MANAGE
    else:
        level = store.permissions.visible(user.id, kind).level(resource_id)
    return {"allowed": level >= Level.READ, "permission": level.name}


# -- roles ---------------------------------------------------------------------------------
def create_role(store: TrackingStore, req: RoleRef, _caller: Caller) -> dict[str, Any]:
    role = store.permissions.create_role(req.workspace, req.name, req.description)
    return {"role": _role_json(store, role)}


def get_role(store: TrackingStore, req: RoleRef, _caller: Caller) -> dict[str, Any]:
    role = store.permissions.role(_required_id(req.role_id, "role_id"))
    return {"role": _role_json(store, role)}


def list_roles(store: TrackingStore, req: RoleRef, _caller: Caller) -> dict[str, Any]:
    return {"roles": [_role_json(store, r) for r in store.permissions.roles(req.workspace)]}


def update_role(store: TrackingStore, req: RoleRef, _caller: Caller) -> dict[str, Any]:
    role_id = _required_id(req.role_id, "role_id")
    role = store.permissions.update_role(role_id, req.name, req.description)
    return {"role": _role_json(store, role)}


def delete_role(store: TrackingStore, req: RoleRef, _caller: Caller) -> dict[str, Any]:
    store.permissions.delete_role(_required_id(req.role_id, "role_id"))
    return {}


def add_role_grant(store: TrackingStore, req: RoleGrantRef, _caller: Caller) -> dict[str, Any]:
    grant_ = store.permissions.add_role_grant(
        _required_id(req.role_id, "role_id"),
        req.resource_type or "",
        req.resource_pattern or "",
        Level.parse(req.permission),
    )
    return {"role_permission": _grant_json(grant_)}


def remove_role_grant(store: TrackingStore, req: RoleGrantRef, _caller: Caller) -> dict[str, Any]:
    store.permissions.remove_role_grant(_required_id(req.role_permission_id, "role_permission_id"))
    return {}


def list_role_grants(store: TrackingStore, req: RoleGrantRef, _caller: Caller) -> dict[str, Any]:
    role_id = _required_id(req.role_id, "role_id")
    store.permissions.role(role_id)
    return {"role_permissions": [_grant_json(g) for g in store.permissions.role_grants(role_id)]}


def update_role_grant(store: TrackingStore, req: RoleGrantRef, _caller: Caller) -> dict[str, Any]:
    grant_ = store.permissions.update_role_grant(
        _required_id(req.role_permission_id, "role_permission_id"), Level.parse(req.permission)
    )
    return {"role_permission": _grant_json(grant_)}


def assign(store: TrackingStore, req: Assignment, _caller: Caller) -> dict[str, Any]:
    user = store.users.get(req.username)
    role_id = _required_id(req.role_id, "role_id")
    assignment_id = store.permissions.assign(user.id, role_id)
    return {"assignment": {"id": assignment_id, "user_id": user.id, "role_id": role_id}}


def unassign(store: TrackingStore, req: Assignment, _caller: Caller) -> dict[str, Any]:
    user = store.users.get(req.username)
    store.permissions.unassign(user.id, _required_id(req.role_id, "role_id"))
    return {}


def user_roles(store: TrackingStore, req: Assignment, _caller: Caller) -> dict[str, Any]:
    store.users.get(req.username)
    roles = store.permissions.roles(username=req.username)
    return {"roles": [_role_json(store, r) for r in roles]}


def role_users(store: TrackingStore, req: Assignment, _caller: Caller) -> dict[str, Any]:
    members = store.permissions.role_members(_required_id(req.role_id, "role_id"))
    return {
        "assignments": [
            {"id": a, "user_id": u, "role_id": req.role_id, "username": n} for a, u, n in members
        ]
    }


# -- API tokens ----------------------------------------------------------------------------
def create_token(store: TrackingStore, req: CreateToken, caller: Caller) -> dict[str, Any]:
    if caller.asserted or caller.user is None:
        raise InvalidParameterValue("Sign in as a user of this server to create a token for it.")
    owner = _self_or_admin(caller, req.username)
    token, secret = store.users.create_token(owner, req.name or "", req.expires_in_seconds)
    return {"token": _token_json(token), "secret": secret}


def list_tokens(store: TrackingStore, _req: TokenRef, caller: Caller) -> dict[str, Any]:
    tokens = store.users.list_tokens(None if caller.is_admin else caller.username)
    return {"tokens": [_token_json(t) for t in tokens]}


def revoke_token(store: TrackingStore, req: TokenRef, caller: Caller) -> dict[str, Any]:
    token_id = _required_id(req.token_id, "token_id")
    store.users.revoke_token(token_id, None if caller.is_admin else caller.username)
    return {}


USER_RPCS: list[Rpc] = [
    Rpc("POST", "/users/create", CreateUser, create_user, scoped=True),
    Rpc("GET", "/users/get", Username, get_user, scoped=True),
    Rpc("GET", "/users/current", Username, current_user, scoped=True),
    Rpc("GET", "/users/list", Username, list_users, scoped=True),
    Rpc("PATCH", "/users/update-password", UpdatePassword, update_password, scoped=True),
    Rpc("PATCH", "/users/update-admin", UpdateAdmin, update_admin, scoped=True),
    Rpc("DELETE", "/users/delete", Username, delete_user, scoped=True),
]

# Served under /api/3.0/mlflow and /ajax-api/3.0/mlflow.
GRANT_RPCS: list[Rpc] = [
    Rpc("POST", "/users/permissions/grant", UserGrant, grant, scoped=True),
    Rpc("POST", "/users/permissions/revoke", UserGrant, revoke, scoped=True),
    Rpc("GET", "/users/permissions/get", UserGrant, get_grant, scoped=True),
    Rpc("POST", "/roles/create", RoleRef, create_role, scoped=True),
    Rpc("GET", "/roles/get", RoleRef, get_role, scoped=True),
    Rpc("GET", "/roles/list", RoleRef, list_roles, scoped=True),
    Rpc("PATCH", "/roles/update", RoleRef, update_role, scoped=True),
    Rpc("DELETE", "/roles/delete", RoleRef, delete_role, scoped=True),
    Rpc("POST", "/roles/permissions/add", RoleGrantRef, add_role_grant, scoped=True),
    Rpc("DELETE", "/roles/permissions/remove", RoleGrantRef, remove_role_grant, scoped=True),
    Rpc("GET", "/roles/permissions/list", RoleGrantRef, list_role_grants, scoped=True),
    Rpc("PATCH", "/roles/permissions/update", RoleGrantRef, update_role_grant, scoped=True),
    Rpc("POST", "/roles/assign", Assignment, assign, scoped=True),
    Rpc("DELETE", "/roles/unassign", Assignment, unassign, scoped=True),
    Rpc("GET", "/users/roles/list", Assignment, user_roles, scoped=True),
    Rpc("GET", "/roles/users/list", Assignment, role_users, scoped=True),
]

# Served under /api/trackdeck/v1.
TOKEN_RPCS: list[Rpc] = [
    Rpc("POST", "/tokens", CreateToken, create_token, scoped=True),
    Rpc("GET", "/tokens", TokenRef, list_tokens, scoped=True),
    Rpc("DELETE", "/tokens/{token_id}", TokenRef, revoke_token, scoped=True),
]
