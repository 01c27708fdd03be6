"""Token-bucket rate limits per participant and per hashed IP.

Hand-written because the libraries we looked at (slowapi, limits) key on the raw address and
wrap routes in decorators; here the keys are already hashed and the check sits inside the
handler after authentication. State is per process: with `--workers N` each worker enforces
the limit on its share of the traffic.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from wildchat.config import TokenBucketLimit


class TokenBucketLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        # key -> (tokens, last refill time); oldest-used first so memory stays bounded.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @classmethod
    def from_limit(cls, limit: TokenBucketLimit) -> TokenBucketLimiter:
        return cls(limit.per_minute, limit.burst)

    def take(self, key: str) -> float:
        """Spend one token. Returns 0 when allowed, else the seconds until a token is back."""
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait
