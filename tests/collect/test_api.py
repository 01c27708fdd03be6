"""The OpenAI-compatible API, driven by the official openai SDK, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import LiveService
from tests.support.loopback_upstream import CHUNKS, REPLY
from wildchat.config import TokenBucketLimit
from wildchat.records import Channel, Turn, TurnStatus
from wildchat.store import Store, make_engine

USER = [{"role": "user", "content": "Write a greeting function."}]


@pytest.fixture
def service(service_on: Any, database_url: str) -> Iterator[LiveService]:
    with service_on(database_url) as live:
        yield live


@pytest.fixture(params=["http", "sdk"])
def relay_service(
    request: pytest.FixtureRequest, service_on: Any, database_url: str
) -> Iterator[LiveService]:
    """The service streaming from the upstream with each client (upstream_client)."""
    with service_on(database_url, upstream_client=request.param) as live:
        yield live


def consent(url: str, **headers: str) -> str:
    response = httpx.post(
        url + "/api/consent", json={"agree_terms": True, "agree_publication": True}, headers=headers
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["api_key"]
    return key


def client_for(service: LiveService, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=service.api_url, api_key=key or consent(service.url), max_retries=0)


def stored_turns(service: LiveService) -> list[Turn]:
    engine = make_engine(service.db_url)
    try:
        return list(Store(engine).iter_turns())
    finally:
        engine.dispose()


def wait_for(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_models_are_listed_for_participants_only(service: LiveService) -> None:
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=service.api_url, api_key="wc-not-a-key", max_retries=0).models.list()
    models = {m.id for m in client_for(service).models.list().data}
    assert {"loopback", "loopback-slow"} <= models


def test_non_streaming_completion_is_logged_with_everything(relay_service: LiveService) -> None:
    client = client_for(relay_service)
    reply = client.chat.completions.create(
        model="loopback",
        messages=USER,
        temperature=0.3,
        top_p=0.9,
        extra_headers={"User-Agent": "pytest-agent/1.0", "Accept-Language": "fr-FR"},
        extra_body={"conversation_id": "conv-abc"},
    )
    assert reply.choices[0].message.content == REPLY
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.completion_tokens == len(CHUNKS)
    [turn] = stored_turns(relay_service)
    assert reply.id == f"chatcmpl-{turn.id}"
    assert turn.status is TurnStatus.COMPLETE and turn.response == REPLY
    assert [m.as_dict() for m in turn.messages] == USER
    assert turn.params == {"stream": False, "temperature": 0.3, "top_p": 0.9}
    assert turn.channel is Channel.API and turn.conversation_id == "conv-abc"
    assert turn.user_agent == "pytest-agent/1.0" and turn.accept_language == "fr-FR"
    assert turn.hashed_ip is not None and len(turn.hashed_ip) == 64
    assert turn.usage is not None and turn.usage.completion_tokens == len(CHUNKS)
    assert turn.completed_at is not None and turn.completed_at >= turn.received_at


def test_streaming_completion_with_usage(relay_service: LiveService) -> None:
    stream = client_for(relay_service).chat.completions.create(
        model="loopback", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REPLY
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == len(CHUNKS)
    assert len({c.id for c in chunks}) == 1
    [turn] = stored_turns(relay_service)
    assert chunks[0].id == f"chatcmpl-{turn.id}" and turn.response == REPLY
    assert turn.params["stream"] is True


def test_client_disconnect_keeps_partial_reply_as_interrupted(relay_service: LiveService) -> None:
    stream = client_for(relay_service).chat.completions.create(
        model="loopback-slow", messages=USER, stream=True
    )
    received = ""
    for chunk in stream:
        received += chunk.choices[0].delta.content or ""
        if len(received) >= len(CHUNKS[0]) * 2:
            break
    stream.close()
    wait_for(lambda: len(stored_turns(relay_service)) == 1)
    [turn] = stored_turns(relay_service)
    assert turn.status is TurnStatus.INTERRUPTED
    assert turn.response.startswith(received) and 0 < len(turn.response) < len(REPLY)


def test_upstream_failures(relay_service: LiveService) -> None:
    client = client_for(relay_service)
    with pytest.raises(openai.APIStatusError) as failed:
        client.chat.completions.create(model="loopback-fail", messages=USER)
    assert failed.value.status_code == 502
    assert failed.value.body["code"] == "upstream_failed"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="loopback-reject", messages=USER)
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(model="loopback-break", messages=USER, stream=True))
    turns = sorted(stored_turns(relay_service), key=lambda t: t.id)
    assert [t.status for t in turns] == [TurnStatus.ERROR] * 3
    assert turns[2].response == "".join(CHUNKS[:2])


def test_servers_that_reject_stream_options_are_asked_again_without(relay_service: LiveService) -> None:
    client = client_for(relay_service)
    for _ in range(2):  # the second turn goes straight to the request without stream_options
        stream = client.chat.completions.create(model="loopback-old", messages=USER, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == REPLY
    turns = stored_turns(relay_service)
    assert [t.status for t in turns] == [TurnStatus.COMPLETE] * 2
    assert all(t.response == REPLY and t.usage is None for t in turns)


def test_upstream_timeout_is_a_502_and_the_partial_reply_is_kept(service_on: Any, tmp_path: Any) -> None:
    with service_on(f"sqlite:///{tmp_path / 'timeout.db'}", upstream_timeout_s=0.1) as live:
        with pytest.raises(openai.APIError):
            list(client_for(live).chat.completions.create(model="loopback-slow", messages=USER, stream=True))
        [turn] = stored_turns(live)
    assert turn.status is TurnStatus.ERROR and "HttpTimeout" in (turn.error or "")
    assert turn.response == ""


def test_unreachable_upstream_is_a_502(service_on: Any, tmp_path: Any) -> None:
    from tests.support.loopback_upstream import free_port

    with service_on(
        f"sqlite:///{tmp_path / 'down.db'}",
        upstream_base_url=f"http://127.0.0.1:{free_port()}/v1",
        upstream_models=["loopback"],
    ) as live:
        with pytest.raises(openai.APIStatusError) as failed:
            client_for(live).chat.completions.create(model="loopback", messages=USER)
        [turn] = stored_turns(live)
    assert failed.value.status_code == 502
    assert failed.value.body["code"] == "upstream_failed"  # type: ignore[index]
    assert turn.status is TurnStatus.ERROR and turn.error == "the upstream model server is unreachable"


def test_unknown_model_is_404(service: LiveService) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client_for(service).chat.completions.create(model="gpt-99", messages=USER)
    assert "gpt-99" in missing.value.message


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"model": "loopback", "messages": []}, 422, "messages"),
        ({"model": "loopback", "messages": USER, "temperature": 5}, 422, "temperature"),
        ({"model": "loopback", "messages": USER, "n": 3}, 422, "n"),
        ({"model": "loopback", "messages": [{"role": "wizard", "content": "x"}]}, 422, "messages.0.role"),
        (
            {"model": "loopback", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            400,
            "messages.0.content.0",
        ),
        ({"messages": USER}, 422, "model"),
        ([1, 2, 3], 422, None),
        ({"model": "loopback", "messages": [{"role": "assistant", "content": "hi"}]}, 400, "messages"),
    ],
)
def test_malformed_bodies_get_openai_errors(
    service: LiveService, body: Any, status: int, param: str | None
) -> None:
    key = consent(service.url)
    response = httpx.post(
        service.api_url + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    if param is not None:
        assert error["param"] == param


IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools", "unsupported_parameter"),
        ({"functions": [{"name": "f"}]}, "functions", "unsupported_parameter"),
        ({"tool_choice": "required"}, "tool_choice", "unsupported_parameter"),
        ({"response_format": {"type": "json_object"}}, "response_format", "unsupported_value"),
        ({"logprobs": True}, "logprobs", "unsupported_parameter"),
        ({"top_logprobs": 3}, "top_logprobs", "unsupported_parameter"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "invalid_value"),
        ({"stream_options": {"include_usage": True}}, "stream_options", "invalid_value"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is it?"}, IMAGE]}]},
            "messages.0.content.1",
            "unsupported_value",
        ),
    ],
)
def test_a_request_the_service_cannot_honour_is_a_400_naming_the_parameter(
    service: LiveService, extra: dict[str, Any], param: str, code: str
) -> None:
    """Not a silently different answer (no tool call, no JSON mode, a stop sequence dropped)."""
    auth = {"Authorization": f"Bearer {consent(service.url)}"}
    body = {"model": "loopback", "messages": USER} | extra
    response = httpx.post(service.api_url + "/chat/completions", json=body, headers=auth)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)
    assert stored_turns(service) == []


def test_an_image_is_refused_in_plain_words(service: LiveService) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client_for(service).chat.completions.create(
            model="loopback",
            messages=[{"role": "user", "content": [{"type": "text", "text": "What is it?"}, IMAGE]}],
        )
    assert refused.value.body == {
        "message": "Only text content is supported: messages[0].content[1] has type 'image_url'.",
        "type": "invalid_request_error",
        "param": "messages.0.content.1",
        "code": "unsupported_value",
    }


def test_what_changes_nothing_is_accepted_and_logged_as_used(service: LiveService) -> None:
    auth = {"Authorization": f"Bearer {consent(service.url)}"}
    body = {
        "model": "loopback",
        "messages": USER,
        "tools": [],
        "tool_choice": "none",
        "response_format": {"type": "text"},
        "logprobs": False,
        "stop": ["a", "b", "c", "zz"],
    }
    response = httpx.post(service.api_url + "/chat/completions", json=body, headers=auth)
    assert response.status_code == 200, response.text
    [turn] = stored_turns(service)
    assert turn.params["stop"] == ["a", "b", "c", "zz"]


NOT_A_BOOLEAN = ["yes", "on", 1, "true", "1", 0, "false"]


WRONGLY_TYPED: list[tuple[str, Any]] = [
    *[("stream", value) for value in NOT_A_BOOLEAN],
    ("stream_options", {"include_usage": "yes"}),  # the type first: a 422, not the 400 without stream
    ("temperature", "0.5"),
    ("temperature", True),
    ("top_p", "1"),
    ("presence_penalty", "0"),
    ("frequency_penalty", False),
    ("max_tokens", "10"),
    ("max_tokens", 10.0),
    ("max_completion_tokens", True),
    ("seed", "7"),
    ("n", "1"),
    ("model", 5),
    ("stop", 3),
]


def test_fields_take_only_their_json_type(service: LiveService) -> None:
    """Nothing is coerced: `"stream": "yes"` or `"temperature": "0.5"` is a 422 naming the field."""
    auth = {"Authorization": f"Bearer {consent(service.url)}"}
    for field, value in WRONGLY_TYPED:
        body = {"model": "loopback", "messages": USER, field: value}
        response = httpx.post(service.api_url + "/chat/completions", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error" and error["code"] == "invalid_value", body
        assert error["param"].split(".")[0] == field, body
    assert stored_turns(service) == []


def test_null_stream_means_not_streaming_as_in_the_openai_api(service: LiveService) -> None:
    auth = {"Authorization": f"Bearer {consent(service.url)}"}
    body = {"model": "loopback", "messages": USER, "stream": None}
    response = httpx.post(service.api_url + "/chat/completions", json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == REPLY
    [turn] = stored_turns(service)
    assert turn.params["stream"] is False


def test_integers_are_numbers_as_in_the_openai_api(service: LiveService) -> None:
    reply = client_for(service).chat.completions.create(
        model="loopback", messages=USER, temperature=1, top_p=1, presence_penalty=0, max_tokens=50
    )
    assert reply.choices[0].message.content == REPLY
    [turn] = stored_turns(service)
    assert turn.params["temperature"] == 1 and turn.params["max_tokens"] == 50


def test_garbage_never_causes_a_500(service: LiveService) -> None:
    key = consent(service.url)
    auth = {"Authorization": f"Bearer {key}"}
    url = service.api_url + "/chat/completions"
    attempts: list[dict[str, Any]] = [
        {"content": b"{not json", "headers": {**auth, "Content-Type": "application/json"}},
        {"content": b"\xff\xfe\x00", "headers": {**auth, "Content-Type": "application/json"}},
        {"content": b"", "headers": auth},
        {"content": b"model=x", "headers": {**auth, "Content-Type": "application/x-www-form-urlencoded"}},
        {"json": {"model": None, "messages": None}, "headers": auth},
        {"json": {"model": "loopback", "messages": USER}, "headers": {"Authorization": "Basic abc"}},
        {"json": {"model": "loopback", "messages": USER}, "headers": {"Authorization": "Bearer"}},
    ]
    for attempt in attempts:
        response = httpx.post(url, **attempt)
        assert 400 <= response.status_code < 500, (attempt, response.status_code, response.text)
        assert "error" in response.json()
    assert httpx.get(service.url + "/no/such/route").status_code == 404
    assert httpx.get(service.url + "/no/such/route").json()["error"]["code"] == "not_found"


def test_chat_route_is_documented_and_answers_other_methods_in_openai_format(service: LiveService) -> None:
    document = httpx.get(service.url + "/openapi.json").json()
    post = document["paths"]["/v1/chat/completions"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ChatCompletionIn"}
    every_status = {"200", "400", "401", "403", "404", "413", "422", "429", "500", "502", "503"}
    assert set(post["responses"]) == every_status
    schemas = document["components"]["schemas"]
    assert {"model", "messages", "stream", "temperature"} <= set(schemas["ChatCompletionIn"]["properties"])
    assert "ChatMessageIn" in schemas and "StreamOptions" in schemas  # every $ref resolves
    wrong = httpx.get(service.api_url + "/chat/completions")
    assert wrong.status_code == 405 and wrong.json()["error"]["message"]


def test_missing_key_is_401_with_guidance(service: LiveService) -> None:
    response = httpx.post(service.api_url + "/chat/completions", json={"model": "loopback", "messages": USER})
    assert response.status_code == 401
    assert "consent" in response.json()["error"]["message"]
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_size_limits_are_413(service_on: Any, tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path / 'limits.db'}"
    with service_on(db, max_request_bytes=4096, max_messages=3, max_message_chars=100) as live:
        client = client_for(live)
        with pytest.raises(openai.APIStatusError) as big:
            client.chat.completions.create(
                model="loopback", messages=[{"role": "user", "content": "x" * 5000}]
            )
        assert big.value.status_code == 413
        with pytest.raises(openai.APIStatusError) as long:
            client.chat.completions.create(
                model="loopback", messages=[{"role": "user", "content": "x" * 101}]
            )
        assert long.value.status_code == 413 and "100 characters" in long.value.message
        many = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hi"}] * 2
        with pytest.raises(openai.APIStatusError) as count:
            client.chat.completions.create(
                model="loopback", messages=[*many, {"role": "user", "content": "?"}]
            )
        assert count.value.status_code == 413
        assert stored_turns(live) == []


def test_rate_limits_per_participant_and_per_ip(service_on: Any, tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path / 'rate.db'}"
    limits = {
        "participant_rate": TokenBucketLimit(per_minute=1, burst=2),
        "ip_rate": TokenBucketLimit(per_minute=1, burst=3),
    }
    with service_on(db, **limits) as live:
        first = client_for(live)
        for _ in range(2):
            first.chat.completions.create(model="loopback", messages=USER)
        with pytest.raises(openai.RateLimitError) as limited:
            first.chat.completions.create(model="loopback", messages=USER)
        assert "participant" in limited.value.message
        assert int(limited.value.response.headers["Retry-After"]) >= 1
        # A second participant behind the same address has one request left in the IP bucket.
        second = client_for(live)
        second.chat.completions.create(model="loopback", messages=USER)
        with pytest.raises(openai.RateLimitError) as by_ip:
            second.chat.completions.create(model="loopback", messages=USER)
        assert "network address" in by_ip.value.message
        assert len(stored_turns(live)) == 3


def test_healthz(service: LiveService) -> None:
    health = httpx.get(service.url + "/healthz").json()
    assert health["status"] == "ok" and health["database"] is True
    assert health["models"]["loopback"] is True


def test_pii_is_masked_before_the_turn_is_stored(service_on: Any, tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path / 'masked.db'}"
    with service_on(db, ingress_pii_masking="strict") as live:
        client = client_for(live)
        prompt = (
            "Hello, my name is Maria Gonzalez, write to maria.gonzalez@mailbox.org or call +44 20 7946 0958."
        )
        reply = client.chat.completions.create(
            model="loopback", messages=[{"role": "user", "content": prompt}]
        )
        assert reply.choices[0].message.content == REPLY  # the participant's answer is untouched
        [turn] = stored_turns(live)
    stored = turn.messages[0].content
    for secret in ("Maria Gonzalez", "maria.gonzalez@mailbox.org", "7946 0958"):
        assert secret not in stored
    assert "<PRESIDIO_ANONYMIZED_EMAIL_ADDRESS>" in stored and "<PRESIDIO_ANONYMIZED_PERSON>" in stored
    assert turn.response == REPLY  # nothing personal in the reply, so nothing changed
