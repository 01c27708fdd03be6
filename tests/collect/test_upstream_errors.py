"""An upstream's refusals reach the client with the status that tells it what to do: a request the
upstream found at fault is a 400 with the upstream's own message (the SDK does not retry it), an
upstream that limits our rate a 429 with its Retry-After, a failing upstream a 502."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import openai
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.collect.test_api import USER, client_for, stored_turns
from tests.conftest import LiveService
from tests.support.loopback_upstream import serve_in_thread
from wildchat.collect.backends.base import context_too_long
from wildchat.collect.backends.upstream import retry_seconds
from wildchat.collect.turns import backend_error
from wildchat.records import TurnStatus

TOO_LONG = (
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9031 tokens."
)
# What OpenAI's 429 says: the operator's organisation, which a participant has no business seeing.
OPENAI_LIMIT = "Rate limit reached for gpt-4o-mini in organization org-Secret42 on requests per min."


def _refusing_upstream() -> Starlette:
    async def models(_request: Request) -> Response:
        names = ["too-long", "limited", "limited-bare", "exploding"]
        return JSONResponse({"object": "list", "data": [{"id": n, "object": "model"} for n in names]})

    async def completions(request: Request) -> Response:
        model = (await request.json())["model"]
        if model == "too-long":
            error = {"message": TOO_LONG, "type": "invalid_request_error", "param": "messages"}
            return JSONResponse({"error": error | {"code": "context_length_exceeded"}}, 400)
        if model == "limited":
            error = {"message": OPENAI_LIMIT, "type": "requests", "code": "rate_limit_exceeded"}
            return JSONResponse({"error": error}, 429, headers={"Retry-After": "7"})
        if model == "limited-bare":
            return Response("slow down", 429)
        return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)

    return Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", completions, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def refusing_upstream() -> Iterator[str]:
    with serve_in_thread(_refusing_upstream()) as url:
        yield url + "/v1"


@pytest.fixture(params=["http", "sdk"])
def service(
    request: pytest.FixtureRequest, service_on: Any, refusing_upstream: str, tmp_path: Path
) -> Iterator[LiveService]:
    database = f"sqlite:///{tmp_path / 'x.db'}"
    with service_on(
        database, upstream_base_url=refusing_upstream, upstream_client=request.param, default_model=None
    ) as live:
        yield live


@pytest.mark.parametrize("stream", [False, True])
def test_an_upstream_400_is_a_400_with_its_message(service: LiveService, stream: bool) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client_for(service).chat.completions.create(model="too-long", messages=USER, stream=stream)
    error = refused.value.body
    assert isinstance(error, dict) and error["message"] == TOO_LONG
    assert (error["code"], error["param"]) == ("context_length_exceeded", "messages")
    [turn] = stored_turns(service)
    assert turn.status is TurnStatus.ERROR


def test_an_upstream_429_is_a_429_with_its_retry_after(service: LiveService) -> None:
    with pytest.raises(openai.RateLimitError) as limited:
        client_for(service).chat.completions.create(model="limited", messages=USER)
    assert limited.value.response.headers["retry-after"] == "7"
    assert limited.value.code == "rate_limit_exceeded" and "try again in 7 s" in limited.value.message
    assert "org-Secret42" not in limited.value.message
    with pytest.raises(openai.RateLimitError) as bare:
        client_for(service).chat.completions.create(model="limited-bare", messages=USER)
    assert "retry-after" not in bare.value.response.headers


def test_a_failing_upstream_is_still_a_502(service: LiveService) -> None:
    with pytest.raises(openai.InternalServerError) as failed:
        client_for(service).chat.completions.create(model="exploding", messages=USER)
    assert failed.value.status_code == 502 and failed.value.code == "upstream_failed"


def test_a_local_model_refuses_a_conversation_too_long_with_a_400() -> None:
    error = backend_error(context_too_long(9031, 8192))
    assert (error.status_code, error.code, error.param) == (400, "context_length_exceeded", "messages")
    assert error.type == "invalid_request_error" and "9031" in error.message


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert [retry_seconds(value) for value in ("7", "1.5", "", None, "soon")] == [7, 2, None, None, None]
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    wait = retry_seconds(in_a_minute)
    assert wait is not None and 55 <= wait <= 60
