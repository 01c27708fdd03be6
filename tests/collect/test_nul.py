"""NUL characters (U+0000) in a turn: served and stored with identical content on both stores.

PostgreSQL refuses NUL in text and `\\u0000` in jsonb; before store.nul a NUL in a message, in
`stop` or in the upstream's reply was a 500 there (a truncated stream), with no row at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.collect.test_api import consent
from tests.conftest import LiveService
from tests.support.loopback_upstream import NUL_REPLY, REPLY
from wildchat.records import Turn, TurnStatus
from wildchat.store import Store, make_engine, nul

QUESTION = "What is \x00 in C? A backslash \\0 is not it.\x00"
STOP = ["\x00", "END\\0"]


@pytest.fixture
def service(service_on: Any, database_url: str) -> Iterator[LiveService]:
    with service_on(database_url) as live:
        yield live


def chat(service: LiveService, body: dict[str, Any]) -> tuple[str, list[str]]:
    """The reply's text and, for a stream, the `data:` payloads in order."""
    headers = {"Authorization": f"Bearer {consent(service.url)}"}
    url = service.api_url + "/chat/completions"
    if not body.get("stream"):
        response = httpx.post(url, json=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return str(response.json()["choices"][0]["message"]["content"]), []
    payloads: list[str] = []
    with httpx.stream("POST", url, json=body, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: "):
                payloads.append(line.removeprefix("data: "))
    chunks = [json.loads(p) for p in payloads if p != "[DONE]"]
    reply = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    return reply, payloads


def stored(service: LiveService) -> tuple[list[Turn], list[Any]]:
    """The turns as Store readers (the chat page, the curation build) see them, and the raw rows."""
    engine = make_engine(service.db_url)
    try:
        turns = list(Store(engine).iter_turns())
        with engine.connect() as conn:
            raw = list(conn.execute(text("SELECT response, nul_escaped FROM turns")))
        return turns, raw
    finally:
        engine.dispose()


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("where", ["message", "stop", "reply"])
def test_a_nul_anywhere_in_a_turn_is_served_and_stored_as_sent(
    service: LiveService, stream: bool, where: str
) -> None:
    body: dict[str, Any] = {
        "model": "loopback-nul" if where == "reply" else "loopback",
        "messages": [{"role": "user", "content": QUESTION if where == "message" else "Hello?"}],
        "stream": stream,
    }
    if where == "stop":
        body["stop"] = STOP
    reply, payloads = chat(service, body)
    expected_reply = NUL_REPLY if where == "reply" else REPLY
    assert reply == expected_reply
    if stream:
        assert payloads[-1] == "[DONE]"

    [turn], [(raw_response, raw_flag)] = stored(service)
    assert turn.status is TurnStatus.COMPLETE and turn.finish_reason == "stop"
    assert turn.messages[0].content == body["messages"][0]["content"]
    assert turn.params.get("stop") == body.get("stop")
    assert turn.response == expected_reply
    # The same bytes on SQLite and PostgreSQL: escaped text, flagged (store.nul).
    assert raw_response == nul.escape(expected_reply) and "\x00" not in raw_response
    assert bool(raw_flag) is True


def test_the_chat_page_history_shows_the_nul(service: LiveService) -> None:
    key = consent(service.url)
    body = {
        "model": "loopback-nul",
        "messages": [{"role": "user", "content": QUESTION}],
        "conversation_id": "nul-1",
    }
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.post(service.api_url + "/chat/completions", json=body, headers=headers).status_code == 200
    [conversation] = httpx.get(service.url + "/api/conversations", headers=headers).json()["data"]
    assert [m["content"] for m in conversation["messages"]] == [QUESTION, NUL_REPLY]


def test_turns_without_a_nul_are_stored_as_they_are(service: LiveService) -> None:
    chat(service, {"model": "loopback", "messages": [{"role": "user", "content": "a \\0 b \\\\"}]})
    [turn], [(raw_response, raw_flag)] = stored(service)
    assert turn.messages[0].content == "a \\0 b \\\\"
    assert raw_response == REPLY and not raw_flag
