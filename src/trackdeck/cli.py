"""The `trackdeck` command line."""

from __future__ import annotations

import logging
import os

import click

from trackdeck import __version__
from trackdeck.config import ServerConfig, default_store_uri


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
@click.option("--host", "-h", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", default=5000, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--log-level", default="warning", show_default=True)
def server(
    backend_store_uri: str | None,
    default_artifact_root: str,
    host: str,
    port: int,
    workers: int,
    log_level: str,
) -> None:
    """Run a tracking server that the mlflow client can log to."""
    import uvicorn

    from trackdeck.store.database import create_store_engine
    from trackdeck.store.migrate import upgrade

    config = ServerConfig(
        backend_store_uri=backend_store_uri or default_store_uri(),
        default_artifact_root=default_artifact_root,
        host=host,
        port=port,
        workers=workers,
    )
    engine = create_store_engine(config.backend_store_uri)
    upgrade(engine)  # once, before any worker starts
    engine.dispose()
    os.environ.update(config.to_env())
    logging.basicConfig(level=log_level.upper())
    click.echo(f"trackdeck {__version__} serving {config.backend_store_uri}")
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
    )


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


if __name__ == "__main__":
    main()
