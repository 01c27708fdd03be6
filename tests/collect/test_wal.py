"""SQLite's write-ahead log while the service runs: bounded under load, and withdrawn text gone.

Before store.wal the service's checkpoints never let the log start over under steady load (312 MB
after 12,000 turns, for a 17 MB database), and a withdrawn participant's words stayed in the
`-wal` file until shutdown.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.collect.test_api import consent
from tests.store.test_wal import holding
from tests.support.processes import running_service, running_upstream

SECRET = "Pangolin-Harbour-40417"
LOAD_TURNS = 3000
LOAD_CLIENTS = 16
WAL_BOUND_BYTES = 16 * 1024 * 1024


def chat(url: str, key: str, words: str, stream: bool) -> None:
    body = {"model": "loopback", "stream": stream, "messages": [{"role": "user", "content": words}]}
    response = httpx.post(url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text


def test_a_withdrawal_leaves_the_text_in_no_file_of_the_store(service_on: Any, tmp_path: Path) -> None:
    db_path = tmp_path / "store" / "wildchat.db"
    with service_on(f"sqlite:///{db_path}") as live:
        leaving, staying = consent(live.url), consent(live.url)
        for number in range(30):
            chat(live.url, leaving, f"{SECRET} says hello, turn {number}", stream=number % 2 == 0)
            chat(live.url, staying, f"Staying-Words, turn {number}", stream=number % 2 == 1)
        assert holding(db_path, SECRET) != []  # the words are on disk, where the check can see them
        response = httpx.delete(live.url + "/api/me", headers={"Authorization": f"Bearer {leaving}"})
        assert response.status_code == 200 and response.json()["deleted_turns"] == 30
        # At once, with the service still running (its connections open, nothing shut down).
        assert holding(db_path, SECRET) == []
        assert holding(db_path, "Staying-Words") != []
        chat(live.url, staying, "Staying-Words, after", stream=True)
        assert holding(db_path, SECRET) == []


async def _load(url: str, key: str, wal: Path) -> int:
    """LOAD_TURNS streamed turns from LOAD_CLIENTS clients; the largest -wal size seen."""
    started = 0
    largest = 0
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=LOAD_CLIENTS)) as client:

        async def participant(index: int) -> None:
            nonlocal started, largest
            while started < LOAD_TURNS:
                started += 1
                words = f"client {index}, turn {started}: " + "lorem ipsum " * 30
                body = {"model": "loopback", "stream": True, "messages": [{"role": "user", "content": words}]}
                response = await client.post(url + "/v1/chat/completions", json=body, headers=headers)
                assert response.status_code == 200 and response.text.endswith("data: [DONE]\n\n")
                largest = max(largest, wal.stat().st_size if wal.exists() else 0)

        await asyncio.gather(*(participant(i) for i in range(LOAD_CLIENTS)))
    return largest


@pytest.mark.slow
def test_the_wal_stays_bounded_under_load(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    wal = data_dir / "wildchat.db-wal"
    with (
        running_upstream(tmp_path / "upstream") as upstream,
        running_service(data_dir, upstream.api_url) as service,
    ):
        key = consent(service.url)
        largest = asyncio.run(_load(service.url, key, wal))
    assert 0 < largest < WAL_BOUND_BYTES, f"the -wal file reached {largest / 2**20:.1f} MiB"
