"""`trackdeck users ...`: the first admin, users and API tokens, straight on a store.

These act on the database directly, as the person who runs the server; everything else
about users goes through the REST API (docs/auth.md).
"""

from __future__ import annotations

import os
import sys

import click

from trackdeck.config import default_store_uri
from trackdeck.errors import TrackdeckError

ADMIN_PASSWORD_ENV = "TRACKDECK_ADMIN_PASSWORD"
ADMIN_USERNAME_ENV = "TRACKDECK_ADMIN_USERNAME"


def _store(uri: str | None):  # type: ignore[no-untyped-def]
    from trackdeck.store.tracking import TrackingStore

    return TrackingStore(uri or default_store_uri())


def bootstrap_admin(uri: str) -> str:
    """Create the first admin from TRACKDECK_ADMIN_PASSWORD if the store has none; say
    what the server's auth state is."""
    store = _store(uri)
    try:
        if store.users.count_admins():
            return "Auth: on."
        password = os.environ.get(ADMIN_PASSWORD_ENV)
        if not password:
            return (
                "Auth: on, but there is no admin yet: run `trackdeck users create-admin` "
                f"or set {ADMIN_PASSWORD_ENV}."
            )
        username = os.environ.get(ADMIN_USERNAME_ENV) or "admin"
        try:
            store.users.create(username, password, is_admin=True)
        except TrackdeckError as exc:
            raise click.ClickException(f"{ADMIN_PASSWORD_ENV}: {exc.message}") from exc
        return f"Auth: on; created admin '{username}' from {ADMIN_PASSWORD_ENV}."
    finally:
        store.close()


_uri_option = click.option(
    "--backend-store-uri", default=None, help="The server's store [default: ./trackdeck-data/]."
)


@click.group()
def users() -> None:
    """Admins, users and API tokens of a server with --auth."""


@users.command("create-admin")
@_uri_option
@click.option("--username", default="admin", show_default=True)
@click.password_option(envvar=ADMIN_PASSWORD_ENV, help="[default: prompt, or the env var]")
def create_admin(backend_store_uri: str | None, username: str, password: str) -> None:
    """Create an admin user (the first one, or another)."""
    store = _store(backend_store_uri)
    try:
        user = store.users.create(username, password, is_admin=True)
    except TrackdeckError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        store.close()
    click.echo(f"Created admin '{user.username}'.")


@users.command("create-token")
@_uri_option
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option(
    "--expires-in", type=click.IntRange(1), default=None, help="Seconds [default: never]."
)
def create_token(
    backend_store_uri: str | None, username: str, name: str, expires_in: int | None
) -> None:
    """Create an API token for USERNAME and print it (it is shown only this once)."""
    store = _store(backend_store_uri)
    try:
        _token, secret = store.users.create_token(username, name, expires_in)
    except TrackdeckError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        store.close()
    click.echo(secret)
    if sys.stdout.isatty():
        click.echo("Use it as MLFLOW_TRACKING_TOKEN.", err=True)


@users.command("list")
@_uri_option
def list_users(backend_store_uri: str | None) -> None:
    """List the users."""
    store = _store(backend_store_uri)
    try:
        for user in store.users.list():
            click.echo(f"{user.username}{'  (admin)' if user.is_admin else ''}")
    finally:
        store.close()
