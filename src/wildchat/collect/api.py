"""The OpenAI-compatible API: GET /v1/models and POST /v1/chat/completions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from wildchat.collect.errors import ApiError, too_large
from wildchat.collect.schemas import ChatCompletionIn
from wildchat.collect.services import Caller, Services, authenticate, enforce_turn_limits, services
from wildchat.collect.turns import EventStreamResponse, TurnJob, complete_once, open_stream, stream_events
from wildchat.records import Turn, new_turn_id

router = APIRouter(prefix="/v1")
STARTED = int(datetime.now(UTC).timestamp())


@router.get("/models")
async def list_models(request: Request, caller: Caller = Depends(authenticate)) -> dict[str, Any]:
    routes = await services(request).registry.routes()
    return {
        "object": "list",
        "data": [
            {
                "id": route.name,
                "object": "model",
                "created": STARTED,
                "owned_by": route.owned_by,
                "description": route.description,
                "ready": route.backend.ready,
            }
            for route in routes
        ],
    }


def _check_size(found: Services, body: ChatCompletionIn) -> None:
    limits = found.settings
    if len(body.messages) > limits.max_messages:
        raise too_large(f"Too many messages: the limit is {limits.max_messages}.", "messages")
    for index, message in enumerate(body.messages):
        if len(message.text()) > limits.max_message_chars:
            raise too_large(
                f"Message {index} is longer than the limit of {limits.max_message_chars} characters.",
                f"messages.{index}.content",
            )
    if body.messages[-1].role == "assistant":
        raise ApiError(400, "The last message must not be from the assistant.", param="messages")


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionIn, request: Request, caller: Caller = Depends(authenticate)
) -> Response:
    found = services(request)
    enforce_turn_limits(found, caller)
    _check_size(found, body)
    route = await found.registry.get(body.model)
    if not route.backend.ready:
        raise ApiError(
            503,
            f"The model '{route.name}' is still loading. Please try again in a minute.",
            type="server_error",
            code="model_not_ready",
            headers={"Retry-After": "30"},
        )
    client = caller.client
    turn = Turn(
        id=new_turn_id(),
        received_at=datetime.now(UTC),
        model=route.name,
        messages=body.to_messages(),
        params=body.sampling_params(),
        channel=caller.channel,
        participant_id=caller.participant.id,
        consent_version=caller.participant.terms_version,
        conversation_id=body.conversation_id,
        hashed_ip=client.hashed_ip,
        country=client.country,
        state=client.state,
        user_agent=client.user_agent,
        accept_language=client.accept_language,
    )
    job = TurnJob(turn, route, body, found.recorder)
    first, chunks = await open_stream(job, job.backend_request(found.settings.max_completion_tokens))
    if not body.stream:
        return await complete_once(job, first, chunks)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return EventStreamResponse(stream_events(job, first, chunks, include_usage))
