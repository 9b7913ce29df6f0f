"""Ids for new rows: UUIDs of version 7 (RFC 9562), 32 hex digits like MLflow's.

The first 48 bits are the creation time in milliseconds, so ids made one after another
sort together. A new run's rows (its tags, params, metrics) then go at the end of each
table's B-tree instead of at random places in it: each commit touches pages the last
one already touched, and a page of recent runs reads neighbouring rows. The other 74
bits are random, as unguessable as a version 4 UUID's 122 are for any practical purpose.
"""

from __future__ import annotations

import os
import time

_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62
_RANDOM_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 80) - 1)


def time_ordered_id() -> str:
    """A new UUIDv7 as 32 lowercase hex digits."""
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big") & _RANDOM_MASK
    return f"{(millis << 80) | _VERSION | _VARIANT | random_bits:032x}"
