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
]


class BackendError(Exception):
    """The backend failed to answer (upstream down, bad upstream reply, model crashed).

    The service answers `status_code` (502 unless the backend knows the request itself was at
    fault, e.g. an upstream 400 for a too-long context); the message must be safe to show users.
    """

    status_code = 502

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


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
        """False while the backend is still loading; requests then get a 503."""
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
