"""The scoring processes behind endpoints: start one, wait for its /ping, stop it.

Each instance is `python -m trackdeck.serving.scoring` run by the studio's launcher on a
port of its own, with a folder `<data dir>/endpoints/<endpoint>/<id>/` for its log, and a
row in `endpoint_instances` so a later studio can stop it if this one was killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from trackdeck.serving.records import InstanceRecord
from trackdeck.serving.store import EndpointStore
from trackdeck.studio.launcher.base import Launcher, LaunchSpec
from trackdeck.studio.records import SizeSpec
from trackdeck.studio.store import now_ms
from trackdeck.studio.supervisor import free_port

STARTUP_TIMEOUT_S = 180.0
# What the launcher's limits mean for a scoring process: one worker, 8 GiB of address space.
INSTANCE_SIZE = SizeSpec(workers=1, memory_limit_mib=8192, max_request_mib=256)


@dataclass
class Replica:
    """One running scoring process of an endpoint."""

    endpoint: str
    id: str
    port: int
    version: int
    workdir: Path
    ping_failures: int = 0

    @property
    def key(self) -> str:  # the launcher's name for it; tracking-server names have no ':'
        return f"endpoint:{self.endpoint}:{self.id}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Fleet:
    """The instances taking an endpoint's traffic. The list is replaced, never mutated, so
    the proxy always sees a whole fleet."""

    replicas: list[Replica] = field(default_factory=list)
    turn: int = 0
    replacing: int = 0
    failures: int = 0  # failed replacements in a row

    def targets(self) -> list[Replica]:
        """Every instance, the next one in turn first (round robin)."""
        replicas = self.replicas
        if not replicas:
            return []
        self.turn = (self.turn + 1) % len(replicas)
        return replicas[self.turn :] + replicas[: self.turn]


class Instances:
    """Starts, watches and stops scoring processes; remembers the ones not yet retired."""

    def __init__(
        self, root: Path, store: EndpointStore, launcher: Launcher, http: httpx.AsyncClient
    ) -> None:
        self.root = root
        self.store = store
        self.launcher = launcher
        self._http = http
        self._launched: set[str] = set()  # launcher keys of instances not yet retired

    def launch(self, endpoint: str, model_uri: str, version: int, env: dict[str, str]) -> Replica:
        """Start one scoring process (on the loop's thread: PDEATHSIG follows that thread)."""
        instance_id = uuid.uuid4().hex[:8]
        workdir = self.root / endpoint / instance_id
        replica = Replica(endpoint, instance_id, free_port(), version, workdir)
        spec = LaunchSpec(
            name=replica.key,
            port=replica.port,
            backend_store_uri="",
            artifact_store_uri="",
            size=INSTANCE_SIZE,
            root_path="",
            automatic_model_registration=False,
            workdir=replica.workdir,
            env=env,
            command=(sys.executable, "-m", "trackdeck.serving.scoring",
                     "--model-uri", model_uri, "--port", str(replica.port)),
        )  # fmt: skip
        launched = self.launcher.launch(spec)
        self._launched.add(replica.key)
        self.store.add_instance(
            InstanceRecord(endpoint_name=endpoint, instance_id=instance_id,
                           port=replica.port, pid=launched.pid, model_version=version,
                           started_time=now_ms())
        )  # fmt: skip
        return replica

    async def ready(self, replica: Replica) -> str | None:
        """Wait until the instance answers /ping; the failure, if any."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            ended = self.launcher.exit_status(replica.key)
            if ended is not None:
                tail = self.launcher.log_tail(replica.key, 30)
                last = tail.strip().splitlines()[-1] if tail.strip() else ""
                return f"Instance {replica.id} {ended}: {last}\nLog:\n{tail}"
            with contextlib.suppress(httpx.HTTPError):
                if (await self._http.get(f"{replica.url}/ping")).status_code == 200:
                    return None
            await asyncio.sleep(0.2)
        return f"Instance {replica.id} did not answer /ping within {STARTUP_TIMEOUT_S:.0f} s."

    async def retire(self, replicas: list[Replica]) -> None:
        """Stop instances and forget them (their folders too)."""

        def stop(replica: Replica) -> None:
            self.launcher.stop(replica.key)
            self._launched.discard(replica.key)
            shutil.rmtree(replica.workdir, ignore_errors=True)

        await asyncio.gather(*(asyncio.to_thread(stop, r) for r in replicas))
        for replica in replicas:
            self.store.remove_instance(replica.endpoint, replica.id)

    async def stop_all(self) -> None:
        """Stop every instance not yet retired (in traffic or not); their rows stay."""
        keys = list(self._launched)
        await asyncio.gather(*(asyncio.to_thread(self.launcher.stop, key) for key in keys))

    def ended(self, replica: Replica) -> str | None:
        return self.launcher.exit_status(replica.key)

    def log_tail(self, replica: Replica, lines: int) -> str:
        return self.launcher.log_tail(replica.key, lines)
