"""What workloads share about one server: its address, the scale, and what was populated."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench.client import Api
from bench.deadline import Deadline
from bench.measure import Skipped
from bench.scales import Scale


@dataclass
class Context:
    """One server under test, and the data the populate workloads left in it."""

    server: str
    url: str
    scale: Scale
    t0_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    search_experiment: str | None = None
    search_run_ids: list[str] = field(default_factory=list)
    """Run ids of the search experiment, by run index (start_time = t0_ms + index)."""
    history_run_id: str | None = None

    def api(self, deadline: Deadline) -> Api:
        """A new client connection to this server, bounded by `deadline`."""
        return Api(self.url, deadline)

    def need_search_runs(self) -> tuple[str, list[str]]:
        """The populated search experiment and its run ids, or Skipped."""
        if self.search_experiment is None or len(self.search_run_ids) != self.scale.search_runs:
            raise Skipped("the search runs were not populated")
        return self.search_experiment, self.search_run_ids

    def need_history_run(self) -> str:
        """The run holding the long metric history, or Skipped."""
        if self.history_run_id is None:
            raise Skipped("the metric history was not populated")
        return self.history_run_id
