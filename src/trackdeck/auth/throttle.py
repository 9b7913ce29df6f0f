"""Slows down password guessing: a client gets a few wrong passwords per user per window.

Counted per (client address, username) in this process; after `limit` failures within
`window_s` seconds further attempts are refused, right or wrong, until the oldest failure
leaves the window. A success clears the count.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from trackdeck.errors import TrackdeckError

_MAX_KEYS = 10_000


class TooManyAttempts(TrackdeckError):
    error_code = "REQUEST_LIMIT_EXCEEDED"


class Throttle:
    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                wait = int(failures[0] + self.window_s - now) + 1
                raise TooManyAttempts(
                    f"Too many failed sign-in attempts: try again in {wait} seconds."
                )

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures
            self._failures.move_to_end(key)
            if len(self._failures) > _MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
