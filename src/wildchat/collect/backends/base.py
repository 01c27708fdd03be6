"""The interface every backend implements, and the request/chunk types they exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from wildchat.config import SamplingDefaults
from wildchat.records import Message, Usage

__all__ = [
    "BackendError",
    "BackendNotReady",
    "ChatBackend",
    "ChatChunk",
    "ChatRequest",
    "SamplingDefaults",
    "context_too_long",
]


class BackendError(Exception):
    """The backend failed to answer (upstream down, bad upstream reply, model crashed).

    The service answers `status_code`: 502 unless the backend knows better, 400 when the
    request itself was at fault (a conversation too long for the model), 429 when the upstream
    limits our rate. The message must be safe to show users; `code` and `param` are the OpenAI
    error fields, `retry_after` (seconds) goes to the client's Retry-After.
    """

    status_code = 502

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        *,
        code: str | None = None,
        param: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code
        self.code = code
        self.param = param
        self.retry_after = retry_after


def context_too_long(prompt_tokens: int, context: int) -> BackendError:
    """A conversation longer than the model reads: the client's to shorten, as OpenAI says it."""
    return BackendError(
        f"The conversation is too long for this model: {prompt_tokens} tokens, and it reads at "
        f"most {context}. Please shorten it or start a new conversation.",
        400,
        code="context_length_exceeded",
        param="messages",
    )


class BackendNotReady(BackendError):
    """The backend is still starting (a local model loading); the service answers 503."""

    status_code = 503


@dataclass(slots=True)
class ChatRequest:
    """A validated chat request, in the backend's own model name."""

    model: str
    messages: list[Message]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None


@dataclass(slots=True)
class ChatChunk:
    """A piece of a streamed reply. The last chunk has `finish_reason` and, where known, `usage`."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


class ChatBackend(Protocol):
    """Answers chat requests for one or more models.

    `stream` must be cancellation-safe: when the client goes away the service stops iterating
    (and closes the generator); a local backend must then stop generating.
    """

    @property
    def ready(self) -> bool:
        """False while the backend is still loading (or failed to); requests then get a 503."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the backend failed to start, for the service log; None while it loads or works.

        A failed backend stays failed until the service restarts: requests get a 503 that says
        so, not one that asks them to retry.
        """
        ...

    async def start(self) -> None:
        """Load what the backend needs; called once when the service starts (may be slow)."""
        ...

    async def close(self) -> None:
        """Release connections, threads and models."""
        ...

    async def list_models(self) -> list[str]:
        """The backend's model names."""
        ...

    def recommended_defaults(self, model: str) -> SamplingDefaults:
        """The sampling settings `model` answers best at, for requests that omit them.

        Known without loading the model, so the chat page can start from them at once. Empty
        where nothing is known: the request then keeps OpenAI's defaults.
        """
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """Stream the reply. Raises BackendError (or BackendNotReady) for failures."""
        ...
