"""`trackdeck jobs ...`: submit MLprojects to the studio as tracked jobs and follow them."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from trackdeck.jobs.projects import is_remote
from trackdeck.jobs.records import FINAL
from trackdeck.studio.client import StudioClient, echo_json, parse_pairs, studio_options

JOBS = "/jobs"
FOLLOW_POLL_S = 0.5


class JobsApi(StudioClient):
    """The studio client, with what `trackdeck jobs` asks of jobs."""

    def job(self, job_id: str) -> dict[str, Any]:
        return self.call("GET", f"{JOBS}/{job_id}")["job"]

    def follow(self, job_id: str, offset: int = 0, follow: bool = True) -> None:
        """Print the job's output from `offset`; with `follow`, until the job has ended."""
        while True:
            chunk = self.call(
                "GET", f"{JOBS}/{job_id}/logs", params={"offset": offset, "max_bytes": 262144}
            )
            if chunk["text"]:
                click.echo(chunk["text"], nl=False)
            offset = chunk["next_offset"]
            if chunk["done"] or (not follow and not chunk["text"]):
                return
            if not chunk["text"]:
                time.sleep(FOLLOW_POLL_S)

    def wait(self, job_id: str) -> dict[str, Any]:
        while (job := self.job(job_id))["state"] not in FINAL:
            time.sleep(FOLLOW_POLL_S)
        return job


@click.group()
@studio_options
@click.pass_context
def jobs(ctx: click.Context, studio_url: str, token: str | None) -> None:
    """Run MLprojects as tracked jobs on the studio's tracking servers."""
    ctx.obj = JobsApi(studio_url, token)


@jobs.command()
@click.argument("project")
@click.option("-e", "--entry-point", default="main", show_default=True)
@click.option("-P", "--param", "params", multiple=True, help="NAME=VALUE, repeatable.")
@click.option("--experiment", default=None, help="Experiment name (created if missing).")
@click.option(
    "--server", default="default", show_default=True, help="The tracking server to log to."
)
@click.option(
    "--env-manager",
    type=click.Choice(["local", "virtualenv", "uv", "conda"]),
    default="local",
    show_default=True,
    help="local: the studio's own Python environment; others build the project's.",
)
@click.option("--follow", "-f", is_flag=True, help="Stream the output until the job ends.")
@click.pass_obj
def submit(
    api: JobsApi,
    project: str,
    entry_point: str,
    params: tuple[str, ...],
    experiment: str | None,
    server: str,
    env_manager: str,
    follow: bool,
) -> None:
    """Run the MLproject PROJECT (a folder on the studio's machine, or a Git URI) as a job."""
    uri = project if is_remote(project) else str(Path(project).resolve())
    payload = {
        "project_uri": uri,
        "entry_point": entry_point,
        "parameters": parse_pairs(params, "-P"),
        "experiment_name": experiment,
        "server": server,
        "env_manager": env_manager,
    }
    job = api.call("POST", JOBS, {k: v for k, v in payload.items() if v is not None})["job"]
    if not follow:
        echo_json(job)
        return
    click.echo(f"Job {job['job_id']} submitted; its output follows.", err=True)
    api.follow(job["job_id"])
    _finish(api.wait(job["job_id"]))


def _finish(job: dict[str, Any]) -> None:
    click.echo(f"Job {job['job_id']} {job['state']}; run {job.get('run_id') or '-'}", err=True)
    if job["state"] != "Succeeded":
        sys.exit(1)


@jobs.command("list")
@click.option("--state", default=None, help="Only jobs in this state, e.g. Running.")
@click.option("--server", default=None, help="Only jobs on this tracking server.")
@click.option("--max-results", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--page-token", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON page.")
@click.pass_obj
def list_jobs(
    api: JobsApi,
    state: str | None,
    server: str | None,
    max_results: int,
    page_token: str | None,
    as_json: bool,
) -> None:
    """List jobs, newest first."""
    params = {"state": state, "server": server, "max_results": max_results}
    page = api.call("GET", JOBS, params=params | {"page_token": page_token})
    if as_json:
        echo_json(page)
        return
    rows = [("JOB", "STATE", "SERVER", "RUN", "PROJECT")] + [
        (j["job_id"], j["state"], j["server"], j.get("run_id") or "-", j["project_uri"])
        for j in page["jobs"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])
    if page.get("next_page_token"):
        click.echo(f"(more: --page-token {page['next_page_token']})")


@jobs.command()
@click.argument("job_id")
@click.pass_obj
def describe(api: JobsApi, job_id: str) -> None:
    """Show the job: state, run id and link, parameters, times, failure reason (JSON)."""
    echo_json(api.job(job_id))


@jobs.command()
@click.argument("job_id")
@click.option("--follow", "-f", is_flag=True, help="Keep streaming until the job ends.")
@click.pass_obj
def logs(api: JobsApi, job_id: str, follow: bool) -> None:
    """Print the job's output (stdout and stderr of the project)."""
    api.follow(job_id, follow=follow)


@jobs.command()
@click.argument("job_id")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="Wait until it has stopped."
)
@click.pass_obj
def cancel(api: JobsApi, job_id: str, wait: bool) -> None:
    """Cancel a pending or running job (its run is marked KILLED)."""
    job = api.call("POST", f"{JOBS}/{job_id}/cancel", {})["job"]
    echo_json(api.wait(job_id) if wait else job)
