"""Backends that answer chat requests: upstream OpenAI-compatible servers and local models."""

from wildchat.collect.backends.base import (
    BackendError,
    BackendNotReady,
    ChatBackend,
    ChatChunk,
    ChatRequest,
    SamplingDefaults,
)

__all__ = ["BackendError", "BackendNotReady", "ChatBackend", "ChatChunk", "ChatRequest", "SamplingDefaults"]
