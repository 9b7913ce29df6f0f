"""The same sweep on the Ray executor, against a local Ray instance this test starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.jobs.sweep_checks import check_sweep, run_sweep
from tests.servers import LiveServer


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_sweep(jobs_server: LiveServer, local_ray: None) -> None:
    result, experiment, model = run_sweep(jobs_server.url, "--executor", "ray")
    assert "ray executor" in result.output
    check_sweep(jobs_server.url, result, experiment, model)
