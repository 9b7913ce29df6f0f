"""Job records in a real studio database: create, read, list (filters, paging), change."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.jobs.records import Job, JobState
from trackdeck.jobs.store import JobStore
from trackdeck.studio.store import StudioStore


def test_job_records(tmp_path: Path) -> None:
    studio = StudioStore(f"sqlite:///{tmp_path / 'studio.db'}")  # migrated to the head
    store = JobStore(studio.db)
    for i in range(5):
        store.create(
            Job(
                job_id=f"job{i}", server="a" if i % 2 else "b", project_uri="/p",
                parameters={"lr": str(i)}, creation_time=1000 + i, last_modified_time=1,
            )
        )  # fmt: skip
    job = store.get("job3")
    assert job.parameters == {"lr": "3"} and job.state is JobState.PENDING and not job.final
    changed = store.change("job3", state=JobState.FAILED, exit_code=1, failure_reason="boom")
    assert changed.final and changed.exit_code == 1 and changed.last_modified_time > 1
    assert [j.job_id for j in store.list(server="a").items] == ["job3", "job1"]
    assert [j.job_id for j in store.list(state=JobState.FAILED).items] == ["job3"]
    first = store.list(max_results=2)
    assert [j.job_id for j in first.items] == ["job4", "job3"] and first.next_page_token
    rest = store.list(max_results=3, page_token=first.next_page_token)
    assert [j.job_id for j in rest.items] == ["job2", "job1", "job0"]
    assert rest.next_page_token is None
    assert {j.job_id for j in store.in_states(frozenset({JobState.PENDING}))} == {
        "job0", "job1", "job2", "job4",
    }  # fmt: skip
    with pytest.raises(ResourceDoesNotExist):
        store.get("nope")
    with pytest.raises(InvalidParameterValue):
        store.list(max_results=101)
    with pytest.raises(InvalidParameterValue):
        store.list(page_token="garbage!")
    studio.close()
