"""The raw client address appears nowhere: not in the store's files, the data dir, nor the logs.

`wildchat serve` runs as a subprocess behind a "proxy" (the test, from 127.0.0.1, a trusted proxy)
that forwards distinctive documentation addresses in X-Forwarded-For. Every kind of request is
sent (consent, streamed and whole turns, upstream failures, rate limits, 404s, malformed bodies),
then every byte the service wrote is searched for any spelling of those addresses. The turns
must still carry the HMAC of each address, which proves the address was seen and hashed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select, text

from tests.support.loopback_upstream import REPLY
from tests.support.processes import ServiceProcess, running_service, running_upstream
from wildchat.store import make_engine
from wildchat.store.tables import turns

CLIENT_V4 = "203.0.113.77"
CLIENT_V6 = "2001:db8::77"
FORGED = "198.51.100.200"  # a hop the client wrote itself, left of the real one
OTHER_V4 = "198.51.100.9"
# Small enough to hit within a few requests, refilling too slowly to recover during the test.
TIGHT_LIMITS = {
    "WILDCHAT_IP_RATE__PER_MINUTE": "1",
    "WILDCHAT_IP_RATE__BURST": "10",
    "WILDCHAT_CONSENT_RATE__PER_MINUTE": "1",
    "WILDCHAT_CONSENT_RATE__BURST": "3",
}
TABLES_IN_SCHEMA = text(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
)
HASH = re.compile(r"[0-9a-f]{64}")


def spellings(address: str) -> tuple[set[bytes], set[bytes]]:
    """(text forms, searched case-insensitively; binary forms, searched exactly) of an address."""
    ip = ipaddress.ip_address(address)
    forms = {str(ip), ip.exploded, ip.reverse_pointer, ip.packed.hex(), str(int(ip))}
    if isinstance(ip, ipaddress.IPv6Address):
        groups = ip.exploded.split(":")
        forms.add(":".join(g.lstrip("0") or "0" for g in groups))  # 2001:db8:0:0:0:0:0:77
        forms.add("".join(groups))
    return {f.lower().encode() for f in forms}, {ip.packed}


def leaks(blobs: dict[str, bytes], addresses: Iterable[str]) -> list[str]:
    """`where: spelling` for every spelling of an address found in any blob."""
    found = []
    for address in addresses:
        texts, binaries = spellings(address)
        for where, blob in blobs.items():
            lowered = blob.lower()
            found += [f"{where}: {t.decode()}" for t in texts if t in lowered]
            found += [f"{where}: packed {address}" for b in binaries if b in blob]
    return found


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def hmac_of(address: str, data_dir: Path) -> str:
    """Computed here, independently of collect.privacy, from the key file the service made."""
    key = bytes.fromhex((data_dir / "secret.key").read_text().strip())
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def stored_ip_hashes(database_url: str) -> dict[str, list[str]]:
    """hashed_ip → statuses of the turns that carry it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(turns.c.hashed_ip, turns.c.status)).all()
    finally:
        engine.dispose()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.hashed_ip, []).append(row.status)
    return found


def consent_from(client: httpx.Client, forwarded_for: str) -> str:
    body = {"agree_terms": True, "agree_publication": True}
    response = client.post("/api/consent", json=body, headers={"X-Forwarded-For": forwarded_for})
    assert response.status_code == 201, response.text
    key: str = response.json()["api_key"]
    return key


def exercise(service: ServiceProcess, forwarded_for: str) -> None:
    """Every kind of request, as a participant behind `forwarded_for` would make them."""
    xff = {"X-Forwarded-For": forwarded_for}
    with httpx.Client(base_url=service.url, timeout=30) as http:
        key = consent_from(http, forwarded_for)
        sdk = openai.OpenAI(base_url=service.api_url, api_key=key, default_headers=xff, max_retries=0)
        ask: Any = [{"role": "user", "content": "Show me a small example."}]

        stream = sdk.chat.completions.create(model="loopback", messages=ask, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == REPLY
        whole = sdk.chat.completions.create(model="loopback", messages=ask)
        assert whole.choices[0].message.content == REPLY
        with pytest.raises(openai.APIStatusError) as failed:
            sdk.chat.completions.create(model="loopback-fail", messages=ask)
        assert failed.value.status_code == 502
        with pytest.raises(openai.APIError):  # broken mid-stream: an error event after two pieces
            list(sdk.chat.completions.create(model="loopback-break", messages=ask, stream=True))
        with pytest.raises(openai.NotFoundError):
            sdk.chat.completions.create(model="no-such-model", messages=ask)

        # The chat page's way in: the consent cookie instead of a bearer key.
        with httpx.Client(base_url=service.url, timeout=30, cookies={"wildchat_key": key}) as page:
            web = page.post("/v1/chat/completions", json={"model": "loopback", "messages": ask}, headers=xff)
            assert web.status_code == 200, web.text
        assert http.get("/", headers=xff).status_code == 200
        assert http.get("/v1/no-such-route", headers=xff).status_code == 404
        bearer = {**xff, "Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        assert http.post("/v1/chat/completions", content=b"{not json", headers=bearer).status_code == 400
        assert http.post("/v1/chat/completions", json={"model": "x"}, headers=bearer).status_code == 422
        assert http.post("/v1/chat/completions", content=b"x" * 1_100_000, headers=bearer).status_code == 413
        wrong_key = {**xff, "Authorization": "Bearer wc-not-a-key"}
        wrong = http.post(
            "/v1/chat/completions", json={"model": "loopback", "messages": ask}, headers=wrong_key
        )
        assert wrong.status_code == 401

        # Rate limits keyed on the (hashed) address: turns, then consents.
        for _ in range(30):
            try:
                sdk.chat.completions.create(model="loopback", messages=ask)
            except openai.RateLimitError:
                break
        else:
            pytest.fail("the per-address turn limit never answered 429")
        for _ in range(10):
            response = http.post(
                "/api/consent", json={"agree_terms": True, "agree_publication": True}, headers=xff
            )
            if response.status_code == 429:
                break
            assert response.status_code == 201
        else:
            pytest.fail("the per-address consent limit never answered 429")
        sdk.close()


def run_traffic(service: ServiceProcess) -> None:
    exercise(service, CLIENT_V4)
    exercise(service, f"{FORGED}, {CLIENT_V6}")  # a trusted proxy appended the real client
    # The bracketed-with-port spelling of the same client (same bucket: limited at once).
    with httpx.Client(base_url=service.url, timeout=30) as http:
        response = http.post("/api/consent", json={"agree_terms": True, "agree_publication": True})
        key = response.json()["api_key"]
        headers = {"Authorization": f"Bearer {key}", "X-Forwarded-For": f"[{CLIENT_V6}]:4711"}
        body = {"model": "loopback", "messages": [{"role": "user", "content": "hi"}]}
        assert http.post("/v1/chat/completions", json=body, headers=headers).status_code == 429


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_raw_client_address_is_stored_and_logged_nowhere(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    database_url: str = request.getfixturevalue("pg_url") if backend == "pg" else ""
    with (
        running_upstream(logs) as upstream,
        running_service(
            data_dir, upstream.api_url, log_dir=logs, database_url=database_url or None, env=TIGHT_LIMITS
        ) as service,
    ):
        run_traffic(service)
        # While it runs: SQLite's -wal and -shm hold the latest writes.
        running_files = files_under(data_dir)
        service.stop()
        output = service.output()
    database_url = database_url or f"sqlite:///{data_dir / 'wildchat.db'}"

    if backend == "sqlite":
        assert {"wildchat.db", "wildchat.db-wal", "wildchat.db-shm"} <= set(running_files)
    blobs = {f"{name} (while running)": blob for name, blob in running_files.items()}
    blobs |= {f"{name} (after stop)": blob for name, blob in files_under(data_dir).items()}
    blobs["service stdout+stderr"] = output
    if backend == "pg":
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                tables = conn.execute(TABLES_IN_SCHEMA).scalars()
                for table in list(tables):
                    rows = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t')).scalars()
                    blobs[f"table {table}"] = "\n".join(rows).encode()
        finally:
            engine.dispose()
        assert {"table turns", "table participants"} <= set(blobs)

    addresses = [CLIENT_V4, CLIENT_V6, FORGED]
    assert leaks(blobs, addresses) == []

    # Not vacuous: the service saw both addresses and logged every kind of request …
    hashes = stored_ip_hashes(database_url)
    assert all(HASH.fullmatch(h or "") for h in hashes), hashes.keys()
    for address in (CLIENT_V4, CLIENT_V6):
        statuses = hashes.get(hmac_of(address, data_dir), [])
        assert {"complete", "error"} <= set(statuses), (address, statuses)
    assert set(hashes) == {hmac_of(CLIENT_V4, data_dir), hmac_of(CLIENT_V6, data_dir)}
    assert {200, 201, 400, 401, 404, 413, 422, 429, 502} <= set(e["status"] for e in _requests(output)), (
        "the log should record every kind of request"
    )


def _requests(output: bytes) -> list[dict[str, Any]]:
    events = []
    for line in output.decode(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == "request":
                events.append(entry)
    return events


def test_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    with (
        running_upstream(logs) as upstream,
        running_service(data_dir, upstream.api_url, log_dir=logs, trusted_proxies=None) as service,
    ):
        with httpx.Client(base_url=service.url, timeout=30) as http:
            key = consent_from(http, CLIENT_V4)
            body = {"model": "loopback", "messages": [{"role": "user", "content": "hi"}]}
            for forwarded_for in (CLIENT_V4, OTHER_V4):
                headers = {"Authorization": f"Bearer {key}", "X-Forwarded-For": forwarded_for}
                assert http.post("/v1/chat/completions", json=body, headers=headers).status_code == 200
        service.stop()
        output = service.output()

    hashes = stored_ip_hashes(f"sqlite:///{data_dir / 'wildchat.db'}")
    # Both turns carry the peer's hash: whatever the client claims, the address is the socket's.
    assert hashes == {hmac_of("127.0.0.1", data_dir): ["complete", "complete"]}
    assert leaks({"logs": output, **files_under(data_dir)}, [CLIENT_V4, OTHER_V4]) == []
