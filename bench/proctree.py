"""A server's process tree from /proc: its pids, and the CPU time and writes they have used."""

from __future__ import annotations

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes] | None:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """`root` and every process descending from it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(root: int) -> float:
    """User plus system CPU time used so far by the live processes of the tree."""
    ticks = 0
    for pid in process_tree(root):
        if (fields := _stat_fields(pid)) is not None:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def bytes_written(root: int) -> int:
    """Bytes the live processes of the tree have passed to write calls so far."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/io", "rb") as f:
                fields = dict(line.split(b":", 1) for line in f.read().splitlines())
        except OSError:
            continue
        total += int(fields.get(b"wchar", b"0"))
    return total


def wait_quiet(
    root: int,
    max_cores: float = 0.05,
    max_write_bytes: int = 1 << 20,
    window_s: float = 1.0,
    limit_s: float = 90,
) -> float:
    """Wait until the tree uses under `max_cores` CPUs and writes under `max_write_bytes`
    over a window; seconds waited.

    Servers keep working after /health answers (mlflow starts its job consumers then), and
    may still be writing after a workload ends (files flushed, jobs finishing); measuring
    idle memory or timing the next workload before that would be unfair.
    """
    start = time.monotonic()
    cpu_before, written_before = cpu_seconds(root), bytes_written(root)
    while time.monotonic() - start < limit_s:
        time.sleep(window_s)
        cpu_after, written_after = cpu_seconds(root), bytes_written(root)
        if (
            cpu_after - cpu_before < max_cores * window_s
            and written_after - written_before < max_write_bytes
        ):
            break
        cpu_before, written_before = cpu_after, written_after
    return time.monotonic() - start
