"""The `trackdeck` command line."""

from __future__ import annotations

import logging
import os

import click

from trackdeck import __version__
from trackdeck.auth.cli import users as users_commands
from trackdeck.config import DATA_DIR, ServerConfig, absolute_destination, default_store_uri
from trackdeck.jobs.cli import jobs as jobs_commands
from trackdeck.jobs.sweep_cli import sweep as sweep_command
from trackdeck.serving.cli import endpoints as endpoints_commands
from trackdeck.studio.cli import register as register_studio_commands


@click.group()
@click.version_option(__version__, prog_name="trackdeck")
def main() -> None:
    """trackdeck: self-hosted, MLflow-compatible tracking servers."""


@main.command()
@click.option(
    "--backend-store-uri",
    default=None,
    help="Store URI: sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
    "[default: SQLite file under ./trackdeck-data/].",
)
@click.option(
    "--default-artifact-root",
    default="mlflow-artifacts:/",
    show_default=True,
    help="Root of new experiments' artifact locations.",
)
@click.option(
    "--artifacts-destination",
    default=str(DATA_DIR / "artifacts"),
    show_default=True,
    help="Where the server stores proxied (mlflow-artifacts:/) artifacts: a folder or "
    "s3://bucket/prefix (endpoint and credentials from MLFLOW_S3_ENDPOINT_URL / AWS_*).",
)
@click.option("--host", "-h", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", default=5000, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--auto-register-models",
    is_flag=True,
    help="Register every logged model as a new version of the registered model of its name.",
)
@click.option(
    "--auth",
    is_flag=True,
    envvar="TRACKDECK_AUTH",
    help="Require users, tokens and permissions (docs/auth.md). The first admin comes from "
    "TRACKDECK_ADMIN_PASSWORD or `trackdeck users create-admin`.",
)
@click.option(
    "--auth-default-permission",
    default="READ",
    show_default=True,
    type=click.Choice(["NO_PERMISSIONS", "READ", "EDIT", "MANAGE"], case_sensitive=False),
    help="What users may do with experiments and models nobody granted them anything on.",
)
@click.option(
    "--allowed-hosts",
    default="",
    help="Comma-separated Host names to serve besides localhost, the bind address and "
    "private IPs (wildcards allowed; '*' for any).",
)
@click.option(
    "--cors-allowed-origins",
    default="",
    help="Comma-separated origins (https://app.example) whose pages may call the API.",
)
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--root-path",
    default="",
    help="The path prefix a reverse proxy serves this server under (e.g. /servers/NAME); "
    "requests arrive with the prefix stripped.",
)
def server(
    backend_store_uri: str | None,
    default_artifact_root: str,
    artifacts_destination: str,
    host: str,
    port: int,
    workers: int,
    auto_register_models: bool,
    auth: bool,
    auth_default_permission: str,
    allowed_hosts: str,
    cors_allowed_origins: str,
    log_level: str,
    root_path: str,
) -> None:
    """Run a tracking server that the mlflow client can log to."""
    import uvicorn

    from trackdeck.artifacts.registry import open_artifact_store
    from trackdeck.store.database import create_store_engine
    from trackdeck.store.migrate import upgrade

    config = ServerConfig(
        backend_store_uri=backend_store_uri or default_store_uri(),
        default_artifact_root=default_artifact_root,
        artifacts_destination=absolute_destination(artifacts_destination),
        host=host,
        port=port,
        workers=workers,
        auto_register_models=auto_register_models,
        auth=auth,
        auth_default_permission=auth_default_permission.upper(),
        allowed_hosts=allowed_hosts,
        cors_allowed_origins=cors_allowed_origins,
        proxy_secret=os.environ.get("TRACKDECK_PROXY_SECRET", ""),
        admin_token=os.environ.get("TRACKDECK_ADMIN_TOKEN", ""),
    )
    try:  # fail now, not in every worker, on a bad destination
        open_artifact_store(config.artifacts_destination)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--artifacts-destination") from exc
    engine = create_store_engine(config.backend_store_uri)
    upgrade(engine)  # once, before any worker starts
    engine.dispose()
    if auth:
        from trackdeck.auth.cli import bootstrap_admin

        click.echo(bootstrap_admin(config.backend_store_uri))
    os.environ.update(config.to_env())
    logging.basicConfig(level=log_level.upper())
    click.echo(f"trackdeck {__version__} serving {config.backend_store_uri}")
    click.echo(f"Artifacts: {config.artifacts_destination}")
    click.echo(f"Tracking URI: http://{host}:{port}")
    uvicorn.run(
        "trackdeck.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        loop="uvloop",
        http="httptools",
        root_path=root_path,
    )


@main.command()
@click.option(
    "--backend-store-uri", default=None, help="The store to clean [default: ./trackdeck-data]."
)
@click.option(
    "--artifacts-destination",
    default=str(DATA_DIR / "artifacts"),
    show_default=True,
    help="The artifact store the server writes to: a folder or s3://bucket/prefix.",
)
@click.option(
    "--older-than",
    default="0s",
    show_default=True,
    help="Only what was deleted at least this long ago, e.g. 30d, 12h, 1d12h30m.",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def gc(
    backend_store_uri: str | None, artifacts_destination: str, older_than: str, dry_run: bool
) -> None:
    """Permanently remove deleted runs, logged models and experiments, with their files.

    Runs and logged models that a registered model version still uses are kept.
    """
    from trackdeck.artifacts.registry import open_artifact_store
    from trackdeck.gc import collect_garbage, parse_duration_ms
    from trackdeck.store.tracking import TrackingStore

    store = TrackingStore(backend_store_uri or default_store_uri())
    try:
        report = collect_garbage(
            store.db,
            open_artifact_store(absolute_destination(artifacts_destination)),
            parse_duration_ms(older_than),
            dry_run=dry_run,
        )
    finally:
        store.close()
    verb = "Would remove" if dry_run else "Removed"
    for kind, ids in (
        ("runs", report.runs),
        ("logged models", report.logged_models),
        ("experiments", report.experiments),
    ):
        click.echo(f"{verb} {len(ids)} {kind}" + (f": {', '.join(ids)}" if ids else ""))


@main.group()
def db() -> None:
    """Manage a store's database schema."""


@db.command("upgrade")
@click.argument("uri")
def db_upgrade(uri: str) -> None:
    """Apply every pending migration to the store at URI."""
    from trackdeck.store.database import create_store_engine
    from trackdeck.store.migrate import current_revision, upgrade

    engine = create_store_engine(uri)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    engine.dispose()
    click.echo(f"Schema of {uri}: {before or 'empty'} -> {after}")


register_studio_commands(main)  # `trackdeck studio` and `trackdeck servers ...`
main.add_command(users_commands)  # `trackdeck users ...`
main.add_command(endpoints_commands)  # `trackdeck endpoints ...`
main.add_command(jobs_commands)  # `trackdeck jobs ...`
main.add_command(sweep_command)  # `trackdeck sweep ...`


if __name__ == "__main__":
    main()
