"""The launcher interface: run, watch and stop one tracking server's process(es).

The supervisor only talks to a `Launcher`; a local-process launcher ships now, and a
Kubernetes launcher (a Deployment + Service per server) implements the same five methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from trackdeck.studio.records import SizeSpec


@dataclass(frozen=True)
class LaunchSpec:
    """Everything needed to run one tracking server."""

    name: str
    port: int
    backend_store_uri: str
    artifact_store_uri: str
    size: SizeSpec
    root_path: str  # the path prefix the studio proxy serves it under: /servers/<name>
    automatic_model_registration: bool
    workdir: Path  # the server's own folder (logs, default stores)
    env: dict[str, str] = field(default_factory=dict)
    # A process other than `trackdeck server` (a model endpoint's scoring process).
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instance:
    """A launched server: where it answers and how to find its process."""

    name: str
    url: str  # its direct address, e.g. http://127.0.0.1:5101
    pid: int | None


class Launcher(ABC):
    @abstractmethod
    def launch(self, spec: LaunchSpec) -> Instance:
        """Start the server described by `spec` and return at once (no waiting for health)."""

    @abstractmethod
    def exit_status(self, name: str) -> str | None:
        """None while the server runs; a short description of how it ended once it has."""

    @abstractmethod
    def stop(self, name: str, timeout: float = 15.0) -> None:
        """Stop the server gracefully, forcefully after `timeout`; a no-op if it is not running."""

    @abstractmethod
    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last lines the server wrote, for failure reasons."""

    @abstractmethod
    def reap_stale(self, name: str, pid: int | None) -> None:
        """Stop a process left behind by an earlier studio (e.g. one that was killed)."""
