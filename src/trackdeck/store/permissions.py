"""Who may do what: grants per user and per role on experiments and registered models.

A user's level on one resource is their own grant on it if they have one (an explicit
NO_PERMISSIONS shuts them out whatever their roles say); otherwise the highest of their
roles' grants that name it or every resource ("*"), and of the server-wide default.
Admins have MANAGE everywhere; that is decided by the caller, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    delete,
    false,
    insert,
    literal,
    select,
    true,
    union_all,
    update,
)

from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.store.database import Database, IntegrityError
from trackdeck.store.sql import upsert
from trackdeck.store.tables import role_permissions, roles, user_permissions, user_roles, users

RESOURCE_TYPES = ("experiment", "registered_model")
DEFAULT_WORKSPACE = "default"


class Level(IntEnum):
    NO_PERMISSIONS = 0
    READ = 1
    EDIT = 2
    MANAGE = 3

    @classmethod
    def parse(cls, name: str | None) -> Level:
        try:
            return cls[(name or "").upper()]
        except KeyError:
            raise InvalidParameterValue(
                f"Invalid permission '{name}': use one of {', '.join(m.name for m in cls)}."
            ) from None


def validate_resource_type(resource_type: str | None) -> str:
    if resource_type not in RESOURCE_TYPES:
        raise InvalidParameterValue(
            f"Invalid resource_type '{resource_type}': use one of {', '.join(RESOURCE_TYPES)}."
        )
    return resource_type


@dataclass(frozen=True)
class Visible:
    """Which resources of one type a user may read: `base` for all, `levels` by id."""

    base: Level
    levels: dict[str, Level] = field(default_factory=dict)

    def level(self, resource_id: str) -> Level:
        return self.levels.get(resource_id, self.base)

    def allows(self, resource_id: str) -> bool:
        return self.level(resource_id) >= Level.READ

    def clause(
        self, column: ColumnElement[Any], convert: Callable[[str], Any] = str
    ) -> ColumnElement[bool]:
        """A SQL condition on `column` (the resource id, as `convert` makes it) matching
        the readable ones."""

        def ids(readable: bool) -> list[Any]:
            chosen = [rid for rid, lv in self.levels.items() if (lv >= Level.READ) == readable]
            converted = []
            for rid in chosen:
                try:
                    converted.append(convert(rid))
                except ValueError:
                    continue  # no such id can exist in the column
            return converted

        if self.base >= Level.READ:
            denied = ids(readable=False)
            return column.not_in(denied) if denied else true()
        allowed = ids(readable=True)
        return column.in_(allowed) if allowed else false()


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    workspace: str
    name: str
    description: str | None


@dataclass(frozen=True, slots=True)
class RoleGrant:
    id: int
    role_id: int
    resource_type: str
    resource_pattern: str
    permission: str


class PermissionStore:
    def __init__(self, db: Database, default: Level = Level.READ) -> None:
        self.db = db
        self.default = default

    # -- resolution ----------------------------------------------------------------------
    def visible(
        self, user_id: int, resource_type: str, only: Iterable[str] | None = None
    ) -> Visible:
        """Every grant of the user on `resource_type` (on `only` these ids, if given),
        folded into one `Visible`; one query."""
        own = user_permissions.c
        roles_ = role_permissions.c
        direct_query = select(own.resource_id, own.permission, literal(True)).where(
            own.user_id == user_id, own.resource_type == resource_type
        )
        role_query = (
            select(roles_.resource_pattern, roles_.permission, literal(False))
            .join(user_roles, user_roles.c.role_id == roles_.role_id)
            .where(user_roles.c.user_id == user_id, roles_.resource_type == resource_type)
        )
        if only is not None:
            ids = list(only)
            direct_query = direct_query.where(own.resource_id.in_(ids))
            role_query = role_query.where(roles_.resource_pattern.in_([*ids, "*"]))
        query = union_all(direct_query, role_query)
        rows = self.db.read(lambda conn: conn.execute(query).all())
        direct = [(rid, permission) for rid, permission, is_own in rows if is_own]
        via_roles = [(pattern, permission) for pattern, permission, is_own in rows if not is_own]
        base = max([self.default, *(Level[p] for pat, p in via_roles if pat == "*")])
        levels: dict[str, Level] = {}
        for pattern, permission in via_roles:
            if pattern != "*":
                levels[pattern] = max(levels.get(pattern, base), Level[permission])
        for resource_id, permission in direct:
            levels[resource_id] = Level[permission]
        return Visible(base, levels)

    def level(self, user_id: int, resource_type: str, resource_ids: Iterable[str]) -> Level:
        """The lowest of the user's levels over `resource_ids` (all must allow the action)."""
        ids = list(resource_ids)
        visible = self.visible(user_id, resource_type, only=ids)
        return min((visible.level(rid) for rid in ids), default=Level.MANAGE)

    # -- per-user grants -------------------------------------------------------------------
    def grant(self, user_id: int, resource_type: str, resource_id: str, level: Level) -> None:
        values = {
            "user_id": user_id,
            "resource_type": validate_resource_type(resource_type),
            "resource_id": resource_id,
            "permission": level.name,
        }
        self.db.write(
            lambda conn: conn.execute(upsert(conn, user_permissions, "permission"), values)
        )

    def revoke(self, user_id: int, resource_type: str, resource_id: str) -> None:
        table = user_permissions
        self.db.write(
            lambda conn: conn.execute(
                delete(table).where(
                    table.c.user_id == user_id,
                    table.c.resource_type == resource_type,
                    table.c.resource_id == resource_id,
                )
            )
        )

    def user_grant(self, user_id: int, resource_type: str, resource_id: str) -> Level | None:
        table = user_permissions
        name = self.db.read(
            lambda conn: conn.execute(
                select(table.c.permission).where(
                    table.c.user_id == user_id,
                    table.c.resource_type == resource_type,
                    table.c.resource_id == resource_id,
                )
            ).scalar_one_or_none()
        )
        return None if name is None else Level[name]

    def forget(self, resource_type: str, resource_id: str) -> None:
        """Drop every grant naming a resource that is gone (a name may be reused)."""
        self.db.write(lambda conn: self._move(conn, resource_type, resource_id, None))

    def rename(self, resource_type: str, old_id: str, new_id: str) -> None:
        self.db.write(lambda conn: self._move(conn, resource_type, old_id, new_id))

    @staticmethod
    def _move(conn: Connection, resource_type: str, old: str, new: str | None) -> None:
        for table, column in (
            (user_permissions, user_permissions.c.resource_id),
            (role_permissions, role_permissions.c.resource_pattern),
        ):
            where = (table.c.resource_type == resource_type) & (column == old)
            if new is None:
                conn.execute(delete(table).where(where))
            else:
                conn.execute(update(table).where(where).values({column.name: new}))

    # -- roles -------------------------------------------------------------------------
    def create_role(self, workspace: str | None, name: str | None, description: str | None) -> Role:
        if not name or len(name) > 256:
            raise InvalidParameterValue("Role name must be 1 to 256 characters.")
        space = workspace or DEFAULT_WORKSPACE
        try:
            role_id = self.db.write(
                lambda conn: conn.execute(
                    insert(roles)
                    .values(workspace=space, name=name, description=description)
                    .returning(roles.c.id)
                ).scalar_one()
            )
        except IntegrityError as exc:
            raise ResourceAlreadyExists(f"Role '{name}' already exists in '{space}'.") from exc
        return Role(role_id, space, name, description)

    def role(self, role_id: int) -> Role:
        row = self.db.read(
            lambda conn: conn.execute(select(roles).where(roles.c.id == role_id)).one_or_none()
        )
        if row is None:
            raise ResourceDoesNotExist(f"Role {role_id} does not exist.")
        return Role(row.id, row.workspace, row.name, row.description)

    def roles(self, workspace: str | None = None, username: str | None = None) -> list[Role]:
        query = select(roles).order_by(roles.c.id)
        if workspace is not None:
            query = query.where(roles.c.workspace == workspace)
        if username is not None:
            query = (
                query.join(user_roles, user_roles.c.role_id == roles.c.id)
                .join(users, users.c.id == user_roles.c.user_id)
                .where(users.c.username == username)
            )
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [Role(r.id, r.workspace, r.name, r.description) for r in rows]

    def update_role(self, role_id: int, name: str | None, description: str | None) -> Role:
        role = self.role(role_id)
        values = {
            "name": name if name else role.name,
            "description": description if description is not None else role.description,
        }
        try:
            self.db.write(
                lambda conn: conn.execute(update(roles).where(roles.c.id == role_id).values(values))
            )
        except IntegrityError as exc:
            raise ResourceAlreadyExists(f"Role '{name}' already exists.") from exc
        return self.role(role_id)

    def delete_role(self, role_id: int) -> None:
        self.role(role_id)
        self.db.write(lambda conn: conn.execute(delete(roles).where(roles.c.id == role_id)))

    def add_role_grant(
        self, role_id: int, resource_type: str, pattern: str, level: Level
    ) -> RoleGrant:
        self.role(role_id)
        kind = validate_resource_type(resource_type)
        if not pattern:
            raise InvalidParameterValue("resource_pattern must be a resource id, name, or '*'.")
        try:
            grant_id = self.db.write(
                lambda conn: conn.execute(
                    insert(role_permissions)
                    .values(
                        role_id=role_id,
                        resource_type=kind,
                        resource_pattern=pattern,
                        permission=level.name,
                    )
                    .returning(role_permissions.c.id)
                ).scalar_one()
            )
        except IntegrityError as exc:
            raise ResourceAlreadyExists(
                f"Role {role_id} already has a permission on {kind} '{pattern}'."
            ) from exc
        return RoleGrant(grant_id, role_id, kind, pattern, level.name)

    def role_grants(self, role_id: int) -> list[RoleGrant]:
        rows = self.db.read(
            lambda conn: conn.execute(
                select(role_permissions)
                .where(role_permissions.c.role_id == role_id)
                .order_by(role_permissions.c.id)
            ).all()
        )
        return [
            RoleGrant(r.id, r.role_id, r.resource_type, r.resource_pattern, r.permission)
            for r in rows
        ]

    def role_grant(self, grant_id: int) -> RoleGrant:
        row = self.db.read(
            lambda conn: conn.execute(
                select(role_permissions).where(role_permissions.c.id == grant_id)
            ).one_or_none()
        )
        if row is None:
            raise ResourceDoesNotExist(f"Role permission {grant_id} does not exist.")
        return RoleGrant(
            row.id, row.role_id, row.resource_type, row.resource_pattern, row.permission
        )

    def update_role_grant(self, grant_id: int, level: Level) -> RoleGrant:
        self.role_grant(grant_id)
        self.db.write(
            lambda conn: conn.execute(
                update(role_permissions)
                .where(role_permissions.c.id == grant_id)
                .values(permission=level.name)
            )
        )
        return self.role_grant(grant_id)

    def remove_role_grant(self, grant_id: int) -> None:
        self.role_grant(grant_id)
        self.db.write(
            lambda conn: conn.execute(
                delete(role_permissions).where(role_permissions.c.id == grant_id)
            )
        )

    def assign(self, user_id: int, role_id: int) -> int:
        self.role(role_id)
        try:
            return self.db.write(
                lambda conn: conn.execute(
                    insert(user_roles)
                    .values(user_id=user_id, role_id=role_id)
                    .returning(user_roles.c.id)
                ).scalar_one()
            )
        except IntegrityError as exc:
            raise ResourceAlreadyExists(f"The user already has role {role_id}.") from exc

    def unassign(self, user_id: int, role_id: int) -> None:
        deleted = self.db.write(
            lambda conn: conn.execute(
                delete(user_roles).where(
                    user_roles.c.user_id == user_id, user_roles.c.role_id == role_id
                )
            )
        )
        if not deleted.rowcount:
            raise ResourceDoesNotExist(f"The user does not have role {role_id}.")

    def role_members(self, role_id: int) -> list[tuple[int, int, str]]:
        """(assignment id, user id, username) of everyone holding the role."""
        self.role(role_id)
        rows = self.db.read(
            lambda conn: conn.execute(
                select(user_roles.c.id, users.c.id.label("user_id"), users.c.username)
                .join(users, users.c.id == user_roles.c.user_id)
                .where(user_roles.c.role_id == role_id)
                .order_by(user_roles.c.id)
            ).all()
        )
        return [(r.id, r.user_id, r.username) for r in rows]
