"""Sweep parameter specs: parsing, grid points, random sampling, and the errors."""

from __future__ import annotations

import itertools
import math

import pytest

from trackdeck.errors import InvalidParameterValue
from trackdeck.jobs.space import Choice, Range, grid, parse_space, parse_spec, random_trials


def test_log_range_grid_is_log_spaced() -> None:
    points = [float(p) for p in parse_spec("lr", "0.0001:0.1:log:4").points()]
    assert points == pytest.approx([0.0001, 0.001, 0.01, 0.1])
    fifty = parse_spec("lr", "0.0001:0.1:log:50").points()
    assert len(fifty) == 50 and fifty[0] == "0.0001" and fifty[-1] == "0.1"
    ratios = {round(math.log(float(b) / float(a)), 3) for a, b in itertools.pairwise(fifty)}
    assert len(ratios) <= 2  # equal steps in log space (up to the 6 printed digits)


def test_linear_integer_choice_and_fixed() -> None:
    assert parse_spec("m", "0:1:5").points() == ["0", "0.25", "0.5", "0.75", "1"]
    assert parse_spec("m", "0.0:1:3").points() == ["0", "0.5", "1"]
    layers = parse_spec("layers", "1:8:8")
    assert isinstance(layers, Range) and layers.integer
    assert layers.points() == [str(i) for i in range(1, 9)]
    assert parse_spec("layers", "1:3:5").points() == ["1", "1.5", "2", "2.5", "3"]
    assert parse_spec("bs", "32, 64") == Choice(("32", "64"))
    assert parse_spec("opt", "adam").points() == ["adam"]


def test_grid_is_the_cartesian_product() -> None:
    trials = grid(parse_space({"lr": "0.001:0.1:log:3", "bs": "32,64"}))
    assert len(trials) == 6
    assert {t["bs"] for t in trials} == {"32", "64"}
    assert trials[0] == {"lr": "0.001", "bs": "32"} and trials[-1] == {"lr": "0.1", "bs": "64"}


def test_random_trials_sample_inside_the_space_and_repeat_with_a_seed() -> None:
    space = parse_space({"lr": "0.0001:0.1:log:50", "bs": "32,64", "layers": "1:4:4"})
    trials = random_trials(space, 200, seed=7)
    assert trials == random_trials(space, 200, seed=7)
    assert trials != random_trials(space, 200, seed=8)
    lrs = [float(t["lr"]) for t in trials]
    assert all(0.0001 <= lr <= 0.1 for lr in lrs)
    # Log-uniform: about as many draws per decade (a uniform draw would put ~90% above 0.01).
    assert 0.15 < sum(lr < 0.001 for lr in lrs) / len(lrs) < 0.5
    assert {t["bs"] for t in trials} == {"32", "64"}
    assert {t["layers"] for t in trials} == {"1", "2", "3", "4"}


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("0.1:0.001:3", "above"),
        ("0:1:log:3", "LOW > 0"),
        ("a:b:3", "numbers"),
        ("0:1:0", "COUNT"),
        ("0:1:x:3", "LOW:HIGH"),
        ("0:1", "LOW:HIGH"),
        ("32,,64", "empty"),
    ],
)
def test_bad_specs_say_why(spec: str, reason: str) -> None:
    with pytest.raises(InvalidParameterValue, match=reason):
        parse_spec("p", spec)


def test_limits() -> None:
    with pytest.raises(InvalidParameterValue, match="at most"):
        grid(parse_space({"a": "0:1:200", "b": "0:1:200"}))
    with pytest.raises(InvalidParameterValue, match="--trials"):
        random_trials(parse_space({"a": "1,2"}), 0, None)
