"""Round robin over an endpoint's instances, and how instances are named."""

from __future__ import annotations

from pathlib import Path

from trackdeck.serving.instances import Fleet, Replica


def _replica(port: int) -> Replica:
    return Replica("iris", f"id{port}", port, 1, Path("/tmp"))


def test_each_pick_starts_with_the_next_instance_and_keeps_the_others_as_fallbacks() -> None:
    fleet = Fleet([_replica(1), _replica(2), _replica(3)])
    firsts = [fleet.targets()[0].port for _ in range(6)]
    assert firsts == [2, 3, 1, 2, 3, 1]
    assert sorted(r.port for r in fleet.targets()) == [1, 2, 3]
    assert Fleet().targets() == []


def test_instances_have_their_own_launcher_name_and_address() -> None:
    replica = _replica(5101)
    assert replica.key == "endpoint:iris:id5101"  # never a tracking server's name (no ':')
    assert replica.url == "http://127.0.0.1:5101"
