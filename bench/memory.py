"""Resident memory of a server's whole process tree, read from /proc."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bench.proctree import process_tree

KIB = 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class ProcessMemory:
    """Memory of one process, in bytes."""

    pid: int
    command: str
    rss_bytes: int
    hwm_bytes: int
    pss_bytes: int


@dataclass(frozen=True)
class TreeMemory:
    """Memory of a process and all its descendants at one moment."""

    processes: tuple[ProcessMemory, ...]

    @property
    def rss_bytes(self) -> int:
        """Sum of VmRSS: memory resident now (shared pages counted once per process)."""
        return sum(p.rss_bytes for p in self.processes)

    @property
    def hwm_bytes(self) -> int:
        """Sum of VmHWM: each process's own peak resident memory so far."""
        return sum(p.hwm_bytes for p in self.processes)

    @property
    def pss_bytes(self) -> int:
        """Sum of Pss: resident memory with shared pages split between their users."""
        return sum(p.pss_bytes for p in self.processes)


def _status_kib(pid: int, fields: tuple[str, ...]) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in fields:
                    values[name] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:200]
    except OSError:
        return ""


def process_memory(pid: int, with_pss: bool = True) -> ProcessMemory:
    """VmRSS, VmHWM (from /proc/<pid>/status) and optionally Pss of one process."""
    values = _status_kib(pid, ("VmRSS", "VmHWM"))
    return ProcessMemory(
        pid=pid,
        command=_command(pid),
        rss_bytes=values.get("VmRSS", 0) * KIB,
        hwm_bytes=values.get("VmHWM", 0) * KIB,
        pss_bytes=_pss_kib(pid) * KIB if with_pss else 0,
    )


def tree_memory(root: int, with_pss: bool = True) -> TreeMemory:
    """Memory of every process in the tree rooted at `root`."""
    return TreeMemory(tuple(process_memory(pid, with_pss) for pid in process_tree(root)))


class PeakSampler:
    """Polls a tree's summed VmRSS in the background and keeps the largest value.

    VmHWM sums per-process peaks that may not have happened at the same moment; the
    sampled peak is the largest total actually seen (it can miss short spikes).
    """

    def __init__(self, root: int, interval_s: float = 0.25) -> None:
        self.root = root
        self.interval_s = interval_s
        self.peak_rss_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{root}", daemon=True)

    def start(self) -> PeakSampler:
        """Start sampling."""
        self._thread.start()
        return self

    def stop(self) -> int:
        """Stop sampling; the peak summed VmRSS seen, in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak_rss_bytes

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = tree_memory(self.root, with_pss=False).rss_bytes
            self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
            self._stop.wait(self.interval_s)
