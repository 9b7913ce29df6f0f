"""The studio REST API of jobs, under /api/trackdeck/v1/jobs:

    POST /jobs                  submit: project_uri, entry_point, parameters, experiment_name,
                                server (default "default"), env_manager (default "local")
    GET  /jobs                  list, newest first: state and server filters, paging
    GET  /jobs/{job_id}         describe
    GET  /jobs/{job_id}/logs    output from `offset`: {"text", "next_offset", "done"}
    POST /jobs/{job_id}/cancel  cancel a Pending or Running job

Errors are `{"error_code", "message"}` with the status of the code, as everywhere.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from starlette.requests import Request

from trackdeck.api.protocol import Message
from trackdeck.errors import InvalidParameterValue
from trackdeck.jobs.project_run import ProjectRun
from trackdeck.jobs.projects import check_env_manager, check_project, is_remote
from trackdeck.jobs.records import Job, parse_job_state
from trackdeck.jobs.runner import JobRunner
from trackdeck.studio.api import route
from trackdeck.studio.proxy import prefix

BASE = "/api/trackdeck/v1/jobs"
MAX_LOG_CHUNK = 1024 * 1024


class SubmitRequest(Message):
    project_uri: str
    entry_point: str = "main"
    parameters: dict[str, str | int | float] = {}
    experiment_name: str | None = None
    server: str = "default"
    env_manager: str = "local"


class ListRequest(Message):
    state: str | None = None
    server: str | None = None
    max_results: int = 50
    page_token: str | None = None


class JobRequest(Message):
    job_id: str


class LogRequest(Message):
    job_id: str
    offset: int = 0
    max_bytes: int = 65536


def _runner(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


def encode(job: Job, studio_url: str) -> dict[str, Any]:
    """The job, with the UI address of its run when it has one."""
    data: dict[str, Any] = msgspec.to_builtins(job)
    if job.run_id:
        data["run_url"] = f"{studio_url}{prefix(job.server)}/runs/{job.run_id}"
    return data


def _one(request: Request, job: Job) -> dict[str, Any]:
    return {"job": encode(job, request.app.state.studio.config.url)}


async def submit(request: Request, message: SubmitRequest, user: str) -> Any:
    if not message.project_uri.strip():
        raise InvalidParameterValue("project_uri is required: a project folder or Git URI.")
    parameters = {key: str(value) for key, value in message.parameters.items()}
    uri = message.project_uri
    if not is_remote(uri) and not uri.startswith("/"):
        raise InvalidParameterValue(f"project_uri {uri!r} must be an absolute folder path.")
    check_env_manager(message.env_manager)
    await asyncio.to_thread(check_project, uri, message.entry_point, parameters)
    run = ProjectRun(
        project_uri=uri,
        entry_point=message.entry_point,
        parameters=parameters,
        experiment_name=message.experiment_name or None,
        env_manager=message.env_manager,
    )
    return _one(request, _runner(request).submit(run, message.server, user))


async def list_jobs(request: Request, message: ListRequest, _user: str) -> Any:
    state = parse_job_state(message.state) if message.state else None
    page = _runner(request).jobs.list(
        state, message.server, message.max_results, message.page_token
    )
    url = request.app.state.studio.config.url
    answer: dict[str, Any] = {"jobs": [encode(job, url) for job in page.items]}
    if page.next_page_token:
        answer["next_page_token"] = page.next_page_token
    return answer


async def describe(request: Request, message: JobRequest, _user: str) -> Any:
    return _one(request, _runner(request).jobs.get(message.job_id))


async def logs(request: Request, message: LogRequest, _user: str) -> Any:
    if message.offset < 0 or not 1 <= message.max_bytes <= MAX_LOG_CHUNK:
        raise InvalidParameterValue(
            f"offset must be >= 0 and max_bytes between 1 and {MAX_LOG_CHUNK}."
        )
    runner = _runner(request)
    done = runner.jobs.get(message.job_id).final  # read before the log: nothing is missed
    text, next_offset = runner.read_log(message.job_id, message.offset, message.max_bytes)
    more = next_offset - message.offset >= message.max_bytes
    return {"text": text, "next_offset": next_offset, "done": done and not more}


async def cancel(request: Request, message: JobRequest, _user: str) -> Any:
    return _one(request, _runner(request).cancel(message.job_id))


ROUTES = [
    route(BASE, "POST", SubmitRequest, submit),
    route(BASE, "GET", ListRequest, list_jobs),
    route(BASE + "/{job_id}", "GET", JobRequest, describe),
    route(BASE + "/{job_id}/logs", "GET", LogRequest, logs),
    route(BASE + "/{job_id}/cancel", "POST", JobRequest, cancel),
]
