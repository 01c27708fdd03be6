"""The OpenAI-compatible API: GET /v1/models and POST /v1/chat/completions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import Route

from wildchat.collect.errors import ApiError, invalid_body, model_failed, model_not_ready, too_large
from wildchat.collect.models import ModelRoute
from wildchat.collect.schemas import ChatCompletionIn
from wildchat.collect.services import (
    Caller,
    Services,
    authenticate_current,
    enforce_turn_limits,
    services,
)
from wildchat.collect.turns import (
    EventStreamResponse,
    TurnJob,
    complete_unless_abandoned,
    open_stream,
    stream_events,
)
from wildchat.records import Turn, new_turn_id

router = APIRouter(prefix="/v1")
STARTED = int(datetime.now(UTC).timestamp())


def model_object(route: ModelRoute) -> dict[str, Any]:
    """A model as OpenAI's API describes one, with what the chat page needs besides."""
    return {
        "id": route.name,
        "object": "model",
        "created": STARTED,
        "owned_by": route.owned_by,
        "description": route.description,
        "ready": route.backend.ready,
        "status": route.status,
        # What a request that omits these settings gets; the chat page starts from them.
        "defaults": route.defaults.values(),
    }


@router.get("/models")
async def list_models(request: Request, caller: Caller = Depends(authenticate_current)) -> dict[str, Any]:
    routes = await services(request).registry.routes()
    return {"object": "list", "data": [model_object(route) for route in routes]}


# `:path`: upstream model names may hold slashes (meta-llama/Llama-3.1-8B-Instruct).
@router.get("/models/{model_id:path}")
async def retrieve_model(
    model_id: str, request: Request, caller: Caller = Depends(authenticate_current)
) -> dict[str, Any]:
    return model_object(await services(request).registry.get(model_id))


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


def chat_body(raw: bytes) -> ChatCompletionIn:
    """The request body validated straight from its bytes, with FastAPI's error reporting."""
    try:
        return ChatCompletionIn.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_body(exc.errors(include_url=False)) from None


async def chat_completions(request: Request) -> Response:
    """POST /v1/chat/completions: relay one chat turn and log it."""
    # The body and the key are read here rather than declared as FastAPI parameters, and the
    # route is a plain Starlette one (`chat_route`): FastAPI's dependency and body machinery
    # cost a turn about 0.25 ms before it can go upstream, the largest part of what the
    # service adds at low load. The key is still checked before the body (401 before 422).
    found = services(request)
    raw = await request.body()  # already read in full by BodyLimitMiddleware: no waiting here
    caller = await authenticate_current(request)
    body = chat_body(raw)
    enforce_turn_limits(found, caller)
    _check_size(found, body)
    route = await found.registry.get(body.model)
    body, params = route.apply_defaults(body)
    if not route.backend.ready:
        if route.backend.failure is not None:
            raise model_failed(route.name)
        raise model_not_ready(f"The model '{route.name}' is still loading. Please try again in a minute.")
    client = caller.client
    turn = Turn(
        id=new_turn_id(),
        received_at=datetime.now(UTC),
        model=route.name,
        messages=body.to_messages(),
        params=params,
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
    backend_request = job.backend_request(found.settings.max_completion_tokens)
    if not body.stream:
        return await complete_unless_abandoned(job, backend_request, request.receive)
    first, chunks = await open_stream(job, backend_request)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return EventStreamResponse(stream_events(job, first, chunks, include_usage))


CHAT_PATH = "/v1/chat/completions"
chat_route = Route(CHAT_PATH, chat_completions, methods=["POST"], name="chat_completions")


def document_chat(schema: dict[str, Any]) -> dict[str, Any]:
    """Add `chat_route` (which FastAPI does not see) to an OpenAPI document."""
    body = ChatCompletionIn.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["ChatCompletionIn"] = body
    body_ref = {"$ref": "#/components/schemas/ChatCompletionIn"}
    reply = "A chat completion, or server-sent events of chat completion chunks when `stream` is true."
    statuses = {
        "200": reply,
        "400": "A body that is not JSON, a parameter the service cannot honour, or a request the "
        "model rejected (e.g. a conversation too long for it)",
        "401": "No valid API key (keys come from the consent flow)",
        "403": "The key's consent was to earlier terms (`consent_outdated`): agree to the current ones",
        "404": "An unknown model",
        "413": "A request larger than the configured limits",
        "422": "An invalid request body",
        "429": "Rate limit reached (this service's, or the upstream's), with Retry-After",
        "500": "The turn could not be recorded (`store_failed`), or a fault of the service",
        "502": "The upstream model server failed",
        "503": "A local model is still loading (`model_not_ready`, with Retry-After) or failed to "
        "load (`model_failed`)",
    }
    schema.setdefault("paths", {})[CHAT_PATH] = {
        "post": {
            "summary": "Chat completions",
            "description": "OpenAI-compatible. Send the participant's API key as `Authorization: Bearer`.",
            "operationId": "chat_completions",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_ref}},
            },
            "responses": {status: {"description": text} for status, text in statuses.items()},
        }
    }
    return schema
