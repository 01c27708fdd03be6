from __future__ import annotations

import pytest

from wildchat.collect.ratelimit import TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0  # buckets are per key
    clock.now = 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    clock.now = 1.0
    assert limiter.take("a") == 0
    clock.now = 1000.0
    assert [limiter.take("a") for _ in range(4)][:3] == [0, 0, 0]  # refills only up to the burst


def test_memory_is_bounded() -> None:
    limiter = TokenBucketLimiter(per_minute=1, burst=1, max_keys=100)
    for index in range(1000):
        limiter.take(str(index))
    assert len(limiter._buckets) == 100
