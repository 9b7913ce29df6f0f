"""The endpoint supervisor: runs each endpoint's instances, keeps them healthy, swaps versions.

Operations change the record's state at once and finish in a background task (as the
tracking-server supervisor does); callers poll the state. Every instance is a scoring
process (serving/scoring.py) started by the studio's local launcher on a port of its own.

- Health: a process that exits, or fails `PING_FAILURES` pings in a row, leaves the
  traffic at once and a replacement is started; an endpoint with no instance left after
  `MAX_REPLACEMENT_FAILURES` failed replacements in a row is marked Failed.
- Update (blue/green): the new instances start beside the old ones; once every one
  answers /ping the traffic switches to them in one assignment, and the old ones are
  stopped after a short drain. If the new ones do not come up, the old ones keep serving.
- Studio restart: instances stop with the studio; on its next start endpoints that were
  InService (or on their way there) come back at their recorded version.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from trackdeck.errors import ResourceAlreadyExists, TemporarilyUnavailable, TrackdeckError
from trackdeck.serving.instances import STARTUP_TIMEOUT_S, Fleet, Instances, Replica
from trackdeck.serving.records import (
    CAN_DELETE,
    CAN_UPDATE,
    Endpoint,
    EndpointState,
    check_transition,
    parse_model_uri,
    validate_instances,
    validate_name,
)
from trackdeck.serving.resolve import resolve_version
from trackdeck.serving.store import EndpointStore
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.launcher.base import Launcher
from trackdeck.studio.launcher.local import LocalLauncher
from trackdeck.studio.records import TRANSITIONAL
from trackdeck.studio.store import StudioStore, now_ms

log = logging.getLogger(__name__)

POLL_S = 0.5
PING_EVERY_S = 5.0
PING_FAILURES = 3
DRAIN_S = 1.0
MAX_REPLACEMENT_FAILURES = 3


class EndpointSupervisor:
    def __init__(
        self,
        config: StudioConfig,
        servers: StudioStore,
        store: EndpointStore,
        launcher: Launcher | None = None,
    ) -> None:
        self.config = config
        self.servers = servers
        self.store = store
        self.launcher = launcher or LocalLauncher()
        self.fleets: dict[str, Fleet] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(timeout=2.0)
        self._session: aiohttp.ClientSession | None = None
        self.processes = Instances(self.root, store, self.launcher, self._http)

    @property
    def session(self) -> aiohttp.ClientSession:
        """The proxy's client to the instances (made on the studio's loop by `open`)."""
        assert self._session is not None, "EndpointSupervisor.open() was not awaited"
        return self._session

    @property
    def root(self) -> Path:
        return (self.config.data_dir / "endpoints").resolve()

    # --- lifecycle of the studio itself -------------------------------------------------

    async def open(self) -> None:
        """Stop leftovers of a studio that was killed, and bring endpoints back."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
            auto_decompress=False,
        )
        for instance in self.store.instances():
            key = f"endpoint:{instance.endpoint_name}:{instance.instance_id}"
            await asyncio.to_thread(self.launcher.reap_stale, key, instance.pid)
            self.store.remove_instance(instance.endpoint_name, instance.instance_id)
        for endpoint in self.store.all():
            if endpoint.state is EndpointState.DELETING:
                self._spawn(self._delete(endpoint.name))
            elif endpoint.state is not EndpointState.FAILED:
                reason = None
                if endpoint.state is EndpointState.UPDATING:
                    reason = "The studio restarted during an update; it was not applied."
                self.store.set_state(endpoint.name, EndpointState.CREATING, reason)
                self._spawn(self._create(endpoint.name, reason))
        self._loop_task = asyncio.create_task(self._watch_loop())

    async def close(self) -> None:
        """Stop every instance; the records stay, so the next studio brings them back."""
        if self._loop_task is not None:
            self._loop_task.cancel()
        for task in list(self._tasks):
            task.cancel()
        self.fleets.clear()
        await self.processes.stop_all()
        await self._http.aclose()
        if self._session is not None:
            await self._session.close()

    # --- operations -----------------------------------------------------------------------

    def _server_url(self, server_name: str) -> str:
        """How the studio's own processes reach a tracking server: through the studio's
        proxy with the studio's token, so they pass the server's authentication."""
        server = self.servers.get(server_name)
        if not server.serving:
            raise TemporarilyUnavailable(
                f"Tracking server '{server_name}' is {server.state.value}: start it to deploy "
                "its models."
            )
        host = self.config.host if self.config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.config.port}/servers/{server_name}"

    def _credentials(self) -> dict[str, str]:
        token = self.config.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def create(
        self, name: str, model_uri: str, server_name: str, instance_count: int, user: str
    ) -> Endpoint:
        validate_name(name)
        validate_instances(instance_count)
        ref = parse_model_uri(model_uri)
        if self.store.find(name) is not None:
            raise ResourceAlreadyExists(f"An endpoint named '{name}' already exists.")
        version = await resolve_version(
            self._http, self._server_url(server_name), ref, self._credentials()
        )
        now = now_ms()
        endpoint = self.store.create(
            Endpoint(
                name=name,
                state=EndpointState.CREATING,
                server_name=server_name,
                model_uri=model_uri,
                model_name=ref.name,
                model_version=version,
                instance_count=instance_count,
                created_by=user,
                creation_time=now,
                last_modified_by=user,
                last_modified_time=now,
            )
        )
        self._spawn(self._create(name, None))
        return endpoint

    async def update(
        self, name: str, user: str, model_uri: str | None, instance_count: int | None
    ) -> Endpoint:
        """Deploy another version (an alias is resolved anew) or another instance count."""
        endpoint = self.store.get(name)
        check_transition(endpoint, CAN_UPDATE, "update")
        uri = model_uri or endpoint.model_uri
        count = validate_instances(instance_count or endpoint.instance_count)
        version = endpoint.model_version
        if model_uri is not None:
            ref = parse_model_uri(model_uri)
            version = await resolve_version(
                self._http, self._server_url(endpoint.server_name), ref, self._credentials()
            )
        unchanged = (uri, version, count) == (
            endpoint.model_uri,
            endpoint.model_version,
            endpoint.instance_count,
        )
        if unchanged and endpoint.state is EndpointState.IN_SERVICE:
            return endpoint
        check_transition(self.store.get(name), CAN_UPDATE, "update")  # still, after the await
        endpoint = self.store.change(name, state=EndpointState.UPDATING, last_modified_by=user)
        self._spawn(self._update(name, uri, parse_model_uri(uri).name, version, count))
        return endpoint

    def delete(self, name: str, user: str) -> Endpoint:
        endpoint = self.store.get(name)
        check_transition(endpoint, CAN_DELETE, "delete")
        endpoint = self.store.change(name, state=EndpointState.DELETING, last_modified_by=user)
        self._spawn(self._delete(name))
        return endpoint

    def targets(self, name: str) -> list[str]:
        """The URLs of the instances taking `name`'s traffic, the next one first."""
        fleet = self.fleets.get(name)
        return [replica.url for replica in fleet.targets()] if fleet else []

    def instances(self, name: str) -> list[dict[str, Any]]:
        fleet = self.fleets.get(name)
        return [
            {"instance_id": r.id, "url": r.url, "model_version": r.version}
            for r in (fleet.replicas if fleet else [])
        ]

    def logs(self, name: str, lines: int = 50) -> dict[str, str]:
        """The last lines each serving instance wrote."""
        self.store.get(name)
        fleet = self.fleets.get(name)
        return {r.id: self.processes.log_tail(r, lines) for r in (fleet.replicas if fleet else [])}

    # --- the work behind them --------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    def _launch(self, endpoint: Endpoint, model_name: str, version: int) -> Replica:
        """Start one instance of `endpoint` serving `version` (on the loop's thread:
        PDEATHSIG follows the thread that started a process)."""
        env = {"MLFLOW_TRACKING_URI": self._server_url(endpoint.server_name)}
        if self.config.token:
            env["MLFLOW_TRACKING_TOKEN"] = self.config.token
        return self.processes.launch(endpoint.name, f"models:/{model_name}/{version}", version, env)

    async def _server_ready(self, server_name: str) -> str | None:
        """Wait while the tracking server is on its way up (the studio starts them together)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            server = self.servers.find(server_name)
            if server is None:
                return f"Tracking server '{server_name}' no longer exists."
            if server.serving:
                return None
            if server.state not in TRANSITIONAL:
                return f"Tracking server '{server_name}' is {server.state.value}."
            await asyncio.sleep(0.5)
        return f"Tracking server '{server_name}' did not start within {STARTUP_TIMEOUT_S:.0f} s."

    async def _start_fleet(
        self, endpoint: Endpoint, model_name: str, version: int, count: int
    ) -> Fleet | str:
        """`count` new instances, all answering /ping, or the reason they do not."""
        failure = await self._server_ready(endpoint.server_name)
        if failure is not None:
            return failure
        try:
            replicas = [self._launch(endpoint, model_name, version) for _ in range(count)]
        except Exception as exc:
            return f"Cannot start the instances: {type(exc).__name__}: {exc}"
        failures = [f for f in await asyncio.gather(*map(self.processes.ready, replicas)) if f]
        if failures:
            await self.processes.retire(replicas)
            return failures[0]
        return Fleet(replicas)

    async def _create(self, name: str, note: str | None) -> None:
        async with self._lock(name):
            endpoint = self.store.get(name)
            fleet = await self._start_fleet(
                endpoint, endpoint.model_name, endpoint.model_version, endpoint.instance_count
            )
            if isinstance(fleet, str):
                self.store.set_state(name, EndpointState.FAILED, fleet)
                return
            self.fleets[name] = fleet
            self.store.set_state(name, EndpointState.IN_SERVICE, note)

    async def _update(self, name: str, uri: str, model_name: str, version: int, count: int) -> None:
        async with self._lock(name):
            endpoint = self.store.get(name)
            fleet = await self._start_fleet(endpoint, model_name, version, count)
            old = self.fleets.get(name)
            if isinstance(fleet, str):
                if old is not None and old.replicas:
                    reason = (
                        f"Update to {uri} (version {version}) failed; still serving "
                        f"version {endpoint.model_version}. {fleet}"
                    )
                    self.store.set_state(name, EndpointState.IN_SERVICE, reason)
                else:
                    self.store.set_state(name, EndpointState.FAILED, fleet)
                return
            self.fleets[name] = fleet  # the switch: the proxy's next pick is a new instance
            self.store.change(
                name,
                state=EndpointState.IN_SERVICE,
                failure_reason=None,
                model_uri=uri,
                model_name=model_name,
                model_version=version,
                instance_count=count,
            )
            if old is not None:
                await asyncio.sleep(DRAIN_S)  # let requests already sent to them finish
                await self.processes.retire(old.replicas)

    async def _delete(self, name: str) -> None:
        async with self._lock(name):
            fleet = self.fleets.pop(name, None)
            await self.processes.retire(fleet.replicas if fleet else [])
            await asyncio.to_thread(shutil.rmtree, self.root / name, True)
            self.store.remove(name)
        self._locks.pop(name, None)

    # --- keeping instances alive -------------------------------------------------------------

    async def _watch_loop(self) -> None:
        last_ping = time.monotonic()
        while True:
            await asyncio.sleep(POLL_S)
            if time.monotonic() - last_ping >= PING_EVERY_S:
                last_ping = time.monotonic()
                await self._ping_all()
            for name, fleet in list(self.fleets.items()):
                self._reconcile(name, fleet)

    def _reconcile(self, name: str, fleet: Fleet) -> None:
        """Take dead instances out of the traffic and start replacements for them."""
        dead = [r for r in fleet.replicas if self.processes.ended(r) is not None]
        if dead:
            fleet.replicas = [r for r in fleet.replicas if r not in dead]
            for replica in dead:
                log.warning("Endpoint %s: instance %s %s", name, replica.id,
                            self.processes.ended(replica))  # fmt: skip
            self._spawn(self.processes.retire(dead))
        endpoint = self.store.find(name)
        if endpoint is None or endpoint.state is not EndpointState.IN_SERVICE:
            return
        if self._lock(name).locked():
            return
        for _ in range(endpoint.instance_count - len(fleet.replicas) - fleet.replacing):
            fleet.replacing += 1
            self._spawn(self._replace(name, fleet))

    async def _ping_all(self) -> None:
        async def ping(replica: Replica) -> None:
            try:
                ok = (await self._http.get(f"{replica.url}/ping")).status_code == 200
            except httpx.HTTPError:
                ok = False
            replica.ping_failures = 0 if ok else replica.ping_failures + 1
            if replica.ping_failures >= PING_FAILURES:
                log.warning("Endpoint %s: instance %s stopped answering /ping",
                            replica.endpoint, replica.id)  # fmt: skip
                await asyncio.to_thread(self.launcher.stop, replica.key, 5.0)

        replicas = [r for fleet in self.fleets.values() for r in fleet.replicas]
        await asyncio.gather(*map(ping, replicas))

    async def _replace(self, name: str, fleet: Fleet) -> None:
        try:
            if fleet.failures:
                await asyncio.sleep(min(30.0, 2.0**fleet.failures))
            endpoint = self.store.find(name)
            if endpoint is None or self.fleets.get(name) is not fleet:
                return
            try:
                replica = self._launch(endpoint, endpoint.model_name, endpoint.model_version)
            except TrackdeckError as error:
                self._replacement_failed(name, fleet, error.message)
                return
            failure = await self.processes.ready(replica)
            if self.fleets.get(name) is not fleet or failure is not None:
                # superseded by an update or a delete, or failed
                await self.processes.retire([replica])
                if failure is not None and self.fleets.get(name) is fleet:
                    self._replacement_failed(name, fleet, failure)
                return
            fleet.replicas = [*fleet.replicas, replica]
            fleet.failures = 0
            self.store.change(name, replacement_count=endpoint.replacement_count + 1)
        finally:
            fleet.replacing -= 1

    def _replacement_failed(self, name: str, fleet: Fleet, failure: str) -> None:
        fleet.failures += 1
        log.warning("Endpoint %s: a replacement instance failed: %s", name, failure)
        if fleet.failures >= MAX_REPLACEMENT_FAILURES and not fleet.replicas:
            self.fleets.pop(name, None)
            self.store.set_state(
                name,
                EndpointState.FAILED,
                f"No instance left and {fleet.failures} replacements failed in a row. {failure}",
            )
