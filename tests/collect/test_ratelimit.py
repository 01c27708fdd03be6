from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import httpx
import pytest

from tests.support.processes import running_service
from wildchat.collect.ratelimit import TokenBucketLimiter
from wildchat.store import Store, make_engine


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


# What trusted proxies were seen to forward when they had no address to give (nginx with a
# misconfigured real-IP module, RFC 7239 obfuscated identifiers, garbage, an empty header).
UNPARSEABLE_FORWARDED_FOR = ["unknown", "_hidden", "not-an-ip", "", "unknown, , 300.1.2.3;x, _obf"]
REAL_CLIENT = "203.0.113.9"
# The service's per-address limits, small enough to reach quickly and refilling too slowly to
# recover during the test; the per-participant one is out of the way.
LIMITS = {
    "WILDCHAT_PARTICIPANT_RATE__PER_MINUTE": "6000",
    "WILDCHAT_PARTICIPANT_RATE__BURST": "1000",
    "WILDCHAT_IP_RATE__PER_MINUTE": "1",
    "WILDCHAT_IP_RATE__BURST": "10",
    "WILDCHAT_CONSENT_RATE__PER_MINUTE": "1",
    "WILDCHAT_CONSENT_RATE__BURST": "3",
}


def _consent(http: httpx.Client, forwarded_for: str) -> httpx.Response:
    body = {"agree_terms": True, "agree_publication": True}
    return http.post("/api/consent", json=body, headers={"X-Forwarded-For": forwarded_for})


def _chat(http: httpx.Client, key: str, forwarded_for: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", "X-Forwarded-For": forwarded_for}
    body = {"model": "loopback", "messages": [{"role": "user", "content": "hi"}]}
    return http.post("/v1/chat/completions", json=body, headers=headers)


def _limited(response: httpx.Response) -> bool:
    return response.status_code == 429 and "network address" in response.json()["error"]["message"]


def test_an_unparseable_forwarded_for_is_limited_as_the_proxy(tmp_path: Path, upstream_url: str) -> None:
    """`wildchat serve` behind a trusted proxy (the test, from 127.0.0.1) that forwards no usable
    address: every per-address limit holds, counted against the proxy's own address, whose hash
    (never the address) is what is stored. A real client behind it keeps buckets of its own."""
    data_dir = tmp_path / "data"
    variants = UNPARSEABLE_FORWARDED_FOR
    with (
        running_service(data_dir, upstream_url, unlimited=False, env=LIMITS) as service,
        httpx.Client(base_url=service.url, timeout=30) as http,
    ):
        consents = [_consent(http, variants[i % len(variants)]) for i in range(3)]
        assert [r.status_code for r in consents] == [201] * 3
        assert all(_limited(_consent(http, forwarded_for)) for forwarded_for in variants)
        keys = [r.json()["api_key"] for r in consents]
        chats = [_chat(http, keys[i % 3], variants[i % len(variants)]) for i in range(10)]
        assert [r.status_code for r in chats] == [200] * 10
        assert all(_limited(_chat(http, keys[0], forwarded_for)) for forwarded_for in variants)
        assert _consent(http, REAL_CLIENT).status_code == 201
        assert _chat(http, keys[0], REAL_CLIENT).status_code == 200
    secret = bytes.fromhex((data_dir / "secret.key").read_text().strip())
    proxy_hash = hmac.new(secret, b"127.0.0.1", hashlib.sha256).hexdigest()
    client_hash = hmac.new(secret, REAL_CLIENT.encode(), hashlib.sha256).hexdigest()
    engine = make_engine(f"sqlite:///{data_dir / 'wildchat.db'}")
    try:
        hashes = sorted(t.hashed_ip or "" for t in Store(engine).iter_turns())
    finally:
        engine.dispose()
    assert hashes == sorted([proxy_hash] * 10 + [client_hash])
    written = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert b"127.0.0.1" not in written and REAL_CLIENT.encode() not in written
    assert REAL_CLIENT.encode() not in service.output()
