"""The supervisor: carries out start, stop, update and delete, and keeps servers running.

Operations change the record's state at once and finish in a background task, so the
API answers immediately and callers (CLI `--wait`, the UI) poll the state. A server
whose process dies unexpectedly is restarted with exponential backoff; after
`MAX_CRASHES` crashes within `CRASH_WINDOW_S` it is marked StartFailed with the reason.
When the studio stops, it stops the processes but keeps their recorded states, and on
its next start it brings back every server that was Started or Updated.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from trackdeck.studio.config import StudioConfig
from trackdeck.studio.launcher.base import Launcher, LaunchSpec
from trackdeck.studio.records import (
    CAN_DELETE,
    CAN_START,
    CAN_STOP,
    CAN_UPDATE,
    SERVING,
    SIZES,
    Size,
    State,
    TrackingServer,
    check_transition,
)
from trackdeck.studio.store import StudioStore

log = logging.getLogger(__name__)

MAX_CRASHES = 3
CRASH_WINDOW_S = 120.0
HEALTH_TIMEOUT_S = 90.0
POLL_S = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` (as uvicorn does, with SO_REUSEADDR, so
    connections of a killed predecessor in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class _Watch:
    """A server the supervisor keeps running."""

    crashes: list[float] = field(default_factory=list)
    restarting: bool = False


class Supervisor:
    def __init__(self, config: StudioConfig, store: StudioStore, launcher: Launcher) -> None:
        self.config = config
        self.store = store
        self.launcher = launcher
        self._watched: dict[str, _Watch] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(timeout=2.0)

    # --- lifecycle of the studio itself -------------------------------------------------

    async def open(self) -> None:
        """Recover from the last run of the studio and bring Started servers back."""
        for server in self.store.all():
            self.launcher.reap_stale(server.name, server.pid)
            state = server.state
            if state in SERVING or state in (State.STARTING, State.UPDATING):
                final = State.UPDATED if state in (State.UPDATED, State.UPDATING) else State.STARTED
                self.store.set_state(server.name, State.STARTING)
                self._spawn(self._start(server.name, final=final))
            elif state is State.STOPPING:
                self.store.change(server.name, state=State.STOPPED, pid=None)
            elif state is State.CREATING:
                self.store.set_state(server.name, State.CREATED)
            elif state is State.DELETING:  # interrupted: finish, but never guess at data
                self._spawn(self._delete(server.name, remove_data=False))
        name = self.config.default_server
        if name is not None:
            existing = self.store.find(name)
            if existing is None:
                existing = self.create(name, Size.SMALL, None, None, False, {}, "studio")
            if existing.state is State.CREATED:
                self.start(name, "studio")
        self._loop_task = asyncio.create_task(self._watch_loop())

    async def close(self) -> None:
        """Stop every process; the recorded states stay, so the next studio restores them."""
        if self._loop_task is not None:
            self._loop_task.cancel()
        for task in list(self._tasks):
            task.cancel()
        names = [server.name for server in self.store.all()]
        self._watched.clear()
        await asyncio.gather(*(asyncio.to_thread(self.launcher.stop, n) for n in names))
        await self._http.aclose()

    # --- operations -----------------------------------------------------------------------

    def workdir(self, name: str) -> Path:
        """The server's own folder; names past 200 characters are shortened (a file name
        has at most 255 bytes) and made unique with a hash."""
        if len(name) > 200:
            name = f"{name[:180]}-{hashlib.sha256(name.encode()).hexdigest()[:16]}"
        return (self.config.servers_dir / name).resolve()

    def create(
        self,
        name: str,
        size: Size,
        backend_store_uri: str | None,
        artifact_store_uri: str | None,
        automatic_model_registration: bool,
        tags: dict[str, str],
        user: str,
    ) -> TrackingServer:
        workdir = self.workdir(name)
        now = int(time.time() * 1000)
        server = self.store.create(
            TrackingServer(
                name=name,
                state=State.CREATING,
                size=size,
                port=free_port(),
                backend_store_uri=backend_store_uri or f"sqlite:///{workdir / 'store.db'}",
                artifact_store_uri=artifact_store_uri or str(workdir / "artifacts"),
                automatic_model_registration=automatic_model_registration,
                tags=tags,
                created_by=user,
                creation_time=now,
                last_modified_by=user,
                last_modified_time=now,
            )
        )
        try:
            workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self.store.set_state(
                name, State.CREATE_FAILED, f"Cannot create {workdir}: {exc}"
            )
        return self.store.set_state(server.name, State.CREATED)

    def start(self, name: str, user: str) -> TrackingServer:
        server = self.store.get(name)
        check_transition(server, CAN_START, "start")
        server = self.store.change(
            name, state=State.STARTING, failure_reason=None, last_modified_by=user
        )
        self._spawn(self._start(name, final=State.STARTED))
        return server

    def stop(self, name: str, user: str) -> TrackingServer:
        server = self.store.get(name)
        check_transition(server, CAN_STOP, "stop")
        server = self.store.change(name, state=State.STOPPING, last_modified_by=user)
        self._spawn(self._stop(name))
        return server

    def update(self, name: str, user: str, **changes: Any) -> TrackingServer:
        server = self.store.get(name)
        check_transition(server, CAN_UPDATE, "update")
        changes = {k: v for k, v in changes.items() if v is not None}
        restart = server.state in SERVING and any(
            getattr(server, key) != value for key, value in changes.items() if key != "tags"
        )
        if not restart:  # nothing the process sees changed: apply at once
            return self.store.change(name, last_modified_by=user, **changes)
        server = self.store.change(name, state=State.UPDATING, last_modified_by=user)
        self._spawn(self._update(name, changes))
        return server

    def delete(self, name: str, user: str, remove_data: bool = True) -> TrackingServer:
        server = self.store.get(name)
        check_transition(server, CAN_DELETE, "delete")
        server = self.store.change(name, state=State.DELETING, last_modified_by=user)
        self._spawn(self._delete(name, remove_data))
        return server

    # --- the work behind them --------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    def _spec(self, server: TrackingServer) -> LaunchSpec:
        return LaunchSpec(
            name=server.name,
            port=server.port,
            backend_store_uri=server.backend_store_uri,
            artifact_store_uri=server.artifact_store_uri,
            size=SIZES[server.size],
            root_path=f"/servers/{server.name}",
            automatic_model_registration=server.automatic_model_registration,
            workdir=self.workdir(server.name),
            # Auth is always on behind the studio: requests the studio has authenticated
            # arrive vouched for by the proxy, others need the server's own credentials.
            env={
                "TRACKDECK_AUTH": "true",
                "TRACKDECK_PROXY_SECRET": self.config.proxy_secret(server.name),
                "TRACKDECK_ALLOWED_HOSTS": urlsplit(self.config.url).hostname or "",
                "TRACKDECK_ADMIN_TOKEN": self.config.token or "",
            },
        )

    async def _launch_and_wait(self, name: str) -> str | None:
        """Launch the server and wait until it answers /health; the failure, if any."""
        server = self.store.get(name)
        if not port_is_free(server.port):
            server = self.store.change(name, port=free_port())
        instance = self.launcher.launch(self._spec(server))  # on the loop's thread (PDEATHSIG)
        self.store.change(name, pid=instance.pid)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            ended = self.launcher.exit_status(name)
            if ended is not None:
                return f"The server process {ended}. Log:\n{self.launcher.log_tail(name)}"
            with contextlib.suppress(httpx.HTTPError):
                response = await self._http.get(f"{instance.url}/health")
                if response.status_code == 200:
                    return None
            await asyncio.sleep(0.2)
        await asyncio.to_thread(self.launcher.stop, name)
        return f"The server did not answer /health within {HEALTH_TIMEOUT_S:.0f} s."

    async def _start(self, name: str, final: State) -> None:
        async with self._lock(name):
            failure = await self._launch_and_wait(name)
            if failure is not None:
                self.store.change(name, state=State.START_FAILED, failure_reason=failure, pid=None)
                return
            self._watched[name] = _Watch()
            self.store.set_state(name, final)

    async def _stop(self, name: str) -> None:
        async with self._lock(name):
            self._watched.pop(name, None)
            try:
                await asyncio.to_thread(self.launcher.stop, name)
            except Exception as exc:
                self.store.set_state(name, State.STOP_FAILED, f"{type(exc).__name__}: {exc}")
                return
            self.store.change(name, state=State.STOPPED, pid=None, failure_reason=None)

    async def _update(self, name: str, changes: dict[str, Any]) -> None:
        async with self._lock(name):
            self._watched.pop(name, None)
            await asyncio.to_thread(self.launcher.stop, name)
            self.store.change(name, **changes)
            failure = await self._launch_and_wait(name)
            if failure is not None:
                self.store.change(name, state=State.UPDATE_FAILED, failure_reason=failure, pid=None)
                return
            self._watched[name] = _Watch()
            self.store.set_state(name, State.UPDATED)

    async def _delete(self, name: str, remove_data: bool) -> None:
        async with self._lock(name):
            self._watched.pop(name, None)
            try:
                await asyncio.to_thread(self.launcher.stop, name)
                if remove_data:
                    await asyncio.to_thread(shutil.rmtree, self.workdir(name), True)
            except Exception as exc:
                self.store.set_state(name, State.DELETE_FAILED, f"{type(exc).__name__}: {exc}")
                return
            self.store.remove(name)
        self._locks.pop(name, None)

    # --- keeping servers alive -------------------------------------------------------------

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            for name, watch in list(self._watched.items()):
                if watch.restarting or self._lock(name).locked():
                    continue
                ended = self.launcher.exit_status(name)
                if ended is not None:
                    watch.restarting = True
                    self._spawn(self._recover(name, watch, ended))

    async def _recover(self, name: str, watch: _Watch, ended: str) -> None:
        async with self._lock(name):
            if self._watched.get(name) is not watch:
                return  # stopped or deleted meanwhile
            now = time.monotonic()
            watch.crashes = [t for t in watch.crashes if now - t < CRASH_WINDOW_S] + [now]
            tail = self.launcher.log_tail(name)
            server = self.store.get(name)
            log.warning("Tracking server %s %s", name, ended)
            if len(watch.crashes) >= MAX_CRASHES:
                self._watched.pop(name, None)
                self.store.change(
                    name,
                    state=State.START_FAILED,
                    pid=None,
                    failure_reason=f"Crashed {len(watch.crashes)} times within "
                    f"{CRASH_WINDOW_S:.0f} s; the last time it {ended}. Log:\n{tail}",
                )
                return
            final = server.state if server.state in SERVING else State.STARTED
            self.store.change(name, state=State.STARTING, restart_count=server.restart_count + 1)
            await asyncio.sleep(min(30.0, 2.0 ** (len(watch.crashes) - 1)))
            failure = await self._launch_and_wait(name)
            if failure is None:
                watch.restarting = False
                self.store.set_state(name, final)
            else:  # counts as another crash on the next turn of the loop
                watch.restarting = False
                self.store.change(name, state=State.STARTING, failure_reason=failure)
