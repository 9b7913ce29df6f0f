"""Sweep parameter specs and the trials they make (grid or random).

    -P lr=0.0001:0.1:log:50   a log-uniform range: 50 log-spaced points (grid), or sampled
    -P momentum=0.5:0.99:10   a linear range: 10 evenly spaced points, or sampled uniformly
    -P layers=1:8:8           whole-number points (integer ends, whole steps) stay integers
    -P batch_size=32,64       a choice of values, used as written
    -P epochs=20              one fixed value

Grid takes the cartesian product of every spec's points; random draws `--trials` trials,
sampling ranges continuously (log-uniform for `log`) and choices uniformly.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass

from trackdeck.errors import InvalidParameterValue

MAX_TRIALS = 10_000
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]

    def points(self) -> list[str]:
        return list(self.values)

    def sample(self, rng: random.Random) -> str:
        return rng.choice(self.values)


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    count: int
    log: bool = False
    integer: bool = False

    def _format(self, value: float) -> str:
        return str(round(value)) if self.integer else f"{value:.6g}"

    def points(self) -> list[str]:
        if self.count == 1:
            return [self._format(self.low)]
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            values = [math.exp(a + (b - a) * i / (self.count - 1)) for i in range(self.count)]
        else:
            step = (self.high - self.low) / (self.count - 1)
            values = [self.low + step * i for i in range(self.count)]
        return list(dict.fromkeys(self._format(v) for v in values))  # 6 digits may merge some

    def sample(self, rng: random.Random) -> str:
        if self.integer and not self.log:
            return str(rng.randint(round(self.low), round(self.high)))
        if self.log:
            return self._format(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return self._format(rng.uniform(self.low, self.high))


Dimension = Choice | Range


def parse_spec(name: str, text: str) -> Dimension:
    """One `-P NAME=SPEC` value; raises InvalidParameterValue with the reason."""
    parts = text.split(":")
    if len(parts) == 1:
        values = tuple(v.strip() for v in text.split(","))
        if any(not v for v in values):
            raise InvalidParameterValue(f"{name}={text!r}: an empty value in the list.")
        return Choice(values)
    log = len(parts) == 4 and parts[2].strip().lower() == "log"
    if len(parts) not in (3, 4) or (len(parts) == 4 and not log):
        raise InvalidParameterValue(
            f"{name}={text!r}: a range is LOW:HIGH:COUNT or LOW:HIGH:log:COUNT."
        )
    low_text, high_text, count_text = parts[0].strip(), parts[1].strip(), parts[-1].strip()
    if not (_NUMBER.match(low_text) and _NUMBER.match(high_text)):
        raise InvalidParameterValue(f"{name}={text!r}: the range ends must be numbers.")
    if not _INTEGER.match(count_text) or int(count_text) < 1:
        raise InvalidParameterValue(f"{name}={text!r}: COUNT must be a whole number >= 1.")
    low, high = float(low_text), float(high_text)
    if low > high:
        raise InvalidParameterValue(f"{name}={text!r}: LOW must not be above HIGH.")
    if log and low <= 0:
        raise InvalidParameterValue(f"{name}={text!r}: a log range needs LOW > 0.")
    count = int(count_text)
    whole_steps = count == 1 or (high - low) % (count - 1) == 0
    integer = bool(_INTEGER.match(low_text) and _INTEGER.match(high_text)) and whole_steps
    return Range(low, high, count, log=log, integer=integer and not log)


def parse_space(assignments: dict[str, str]) -> dict[str, Dimension]:
    return {name: parse_spec(name, text) for name, text in assignments.items()}


def grid(space: dict[str, Dimension]) -> list[dict[str, str]]:
    names = list(space)
    axes = [space[name].points() for name in names]
    total = math.prod(len(axis) for axis in axes)
    if total > MAX_TRIALS:
        raise InvalidParameterValue(f"The grid has {total} trials; at most {MAX_TRIALS}.")
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*axes)]


def random_trials(
    space: dict[str, Dimension], trials: int, seed: int | None
) -> list[dict[str, str]]:
    if not 1 <= trials <= MAX_TRIALS:
        raise InvalidParameterValue(f"--trials must be between 1 and {MAX_TRIALS}.")
    rng = random.Random(seed)
    return [{name: dim.sample(rng) for name, dim in space.items()} for _ in range(trials)]
