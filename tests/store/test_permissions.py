"""How grants fold into a level: own grants, roles, "*" patterns and the default."""

from __future__ import annotations

from trackdeck.store.permissions import Level
from trackdeck.store.tracking import TrackingStore


def test_own_grant_wins_then_roles_then_default(store: TrackingStore) -> None:
    permissions = store.permissions
    user = store.users.create("kim", "a sturdy passphrase")
    role = permissions.create_role(None, "team", None)
    permissions.assign(user.id, role.id)
    permissions.add_role_grant(role.id, "experiment", "*", Level.READ)
    permissions.add_role_grant(role.id, "experiment", "7", Level.EDIT)
    permissions.grant(user.id, "experiment", "9", Level.NO_PERMISSIONS)
    permissions.default = Level.NO_PERMISSIONS

    visible = permissions.visible(user.id, "experiment")
    assert visible.level("7") is Level.EDIT
    assert visible.level("8") is Level.READ  # the role's "*"
    assert visible.level("9") is Level.NO_PERMISSIONS  # own grant beats the role
    assert permissions.level(user.id, "experiment", ["7", "8"]) is Level.READ

    permissions.unassign(user.id, role.id)
    visible = permissions.visible(user.id, "experiment")
    assert not visible.allows("8") and not visible.allows("7")


def test_model_grants_follow_renames_and_deletes(store: TrackingStore) -> None:
    permissions = store.permissions
    user = store.users.create("lee", "a sturdy passphrase")
    permissions.grant(user.id, "registered_model", "churn", Level.MANAGE)
    permissions.rename("registered_model", "churn", "churn-v2")
    assert permissions.user_grant(user.id, "registered_model", "churn-v2") is Level.MANAGE
    permissions.forget("registered_model", "churn-v2")
    assert permissions.user_grant(user.id, "registered_model", "churn-v2") is None
