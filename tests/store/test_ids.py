"""Time-ordered ids: RFC 9562 UUIDv7 in MLflow's 32-hex-digit form."""

from __future__ import annotations

import re
import time
import uuid

from trackdeck.store.ids import time_ordered_id


def test_ids_are_uuid7_hex() -> None:
    run_id = time_ordered_id()
    assert re.fullmatch(r"[0-9a-f]{32}", run_id)
    parsed = uuid.UUID(hex=run_id)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    millis = int(run_id[:12], 16)
    assert abs(millis - time.time() * 1000) < 5000


def test_ids_sort_by_creation_time_and_never_repeat() -> None:
    earlier = [time_ordered_id() for _ in range(1000)]
    time.sleep(0.002)
    later = [time_ordered_id() for _ in range(1000)]
    assert max(earlier) < min(later)
    assert len(set(earlier + later)) == 2000
