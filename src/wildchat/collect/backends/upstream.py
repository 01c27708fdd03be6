"""Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama) through the official SDK."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai import AsyncOpenAI

from wildchat.collect.backends.base import BackendError, ChatChunk, ChatRequest
from wildchat.records import Usage

log = logging.getLogger("wildchat.collect")

# Upstream statuses that mean "the client's request was wrong" (e.g. context too long), passed
# on as a 400; anything else is the upstream failing, a 502.
CLIENT_FAULT_STATUSES = {400, 413, 422}


class UpstreamBackend:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_s: float = 120.0,
        only_models: list[str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.only_models = list(only_models or [])
        # The SDK's pool allows 1,000 connections: each streaming turn holds one for its length.
        # aiohttp as the SDK's transport (its documented option for concurrency) halves the
        # service's CPU per relayed turn compared with the default pure-Python transport.
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "no-key",
            timeout=timeout_s,
            max_retries=0,  # a retry after partial output would duplicate text; we fail fast
            http_client=openai.DefaultAioHttpClient(timeout=timeout_s),
        )
        self._models: list[str] = []
        self._send_stream_options = True

    @property
    def ready(self) -> bool:
        return True

    async def start(self) -> None:
        try:
            await self.refresh_models()
        except BackendError as exc:
            # The upstream may come up after us; models are listed again on demand.
            log.warning("upstream model list unavailable at start", extra={"reason": str(exc)})

    async def close(self) -> None:
        await self._client.close()

    async def refresh_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
        except openai.OpenAIError as exc:
            raise BackendError(f"could not list the upstream's models ({type(exc).__name__})") from exc
        names = sorted(model.id for model in page.data)
        if self.only_models:
            names = [n for n in self.only_models if n in names]
        self._models = names
        return names

    async def list_models(self) -> list[str]:
        if not self._models:
            try:
                await self.refresh_models()
            except BackendError:
                return list(self.only_models)
        return list(self._models)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": request.model,
            "messages": [m.as_dict() for m in request.messages],
            "stream": True,
        }
        optional = {
            "temperature": request.temperature,
            "top_p": request.top_p,
            "max_tokens": request.max_tokens,
            "presence_penalty": request.presence_penalty,
            "frequency_penalty": request.frequency_penalty,
            "seed": request.seed,
            "stop": request.stop or None,
        }
        arguments.update({k: v for k, v in optional.items() if v is not None})
        if self._send_stream_options:
            arguments["stream_options"] = {"include_usage": True}
        return arguments

    async def _open(self, request: ChatRequest) -> tuple[Any, Any]:
        """The SDK's raw streaming response: our own SSE parsing is far cheaper per chunk than
        the SDK building pydantic objects for each one (38 % of the service's CPU under load)."""
        manager = self._client.chat.completions.with_streaming_response.create(**self._arguments(request))
        try:
            response = await manager.__aenter__()
        except openai.APIStatusError as exc:
            if exc.status_code == 400 and self._send_stream_options and "stream_options" in str(exc):
                # Older servers reject stream_options; ask again without usage reporting.
                self._send_stream_options = False
                return await self._open(request)
            status = 400 if exc.status_code in CLIENT_FAULT_STATUSES else 502
            raise BackendError(f"the upstream model server answered {exc.status_code}", status) from exc
        except openai.APITimeoutError as exc:
            raise BackendError("the upstream model server timed out") from exc
        except openai.APIConnectionError as exc:
            raise BackendError("the upstream model server is unreachable") from exc
        return manager, response

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        manager, response = await self._open(request)
        finish_reason: str | None = None
        usage: Usage | None = None
        try:
            async for line in response.iter_lines():
                event = parse_event(line)
                if event is None:
                    continue
                if "error" in event:
                    raise BackendError("the upstream reported an error mid-stream")
                if event.get("usage"):
                    usage = Usage(
                        event["usage"].get("prompt_tokens") or 0, event["usage"].get("completion_tokens") or 0
                    )
                for choice in event.get("choices") or ():
                    if choice.get("index", 0) != 0:
                        continue
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        yield ChatChunk(text=content)
                    finish_reason = choice.get("finish_reason") or finish_reason
        except BackendError:
            raise
        except Exception as exc:
            # Whatever breaks mid-stream (dropped connection, malformed chunk) is the upstream
            # failing; the partial reply is kept and the client told.
            raise BackendError(f"the upstream stream broke ({type(exc).__name__})") from exc
        finally:
            # Closing releases the upstream connection at once when our client went away.
            await manager.__aexit__(None, None, None)
        yield ChatChunk(finish_reason=finish_reason or "stop", usage=usage)


def parse_event(line: str) -> dict[str, Any] | None:
    """One server-sent-events line → its JSON payload; None for blank lines, comments, [DONE]."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise ValueError("an event that is not a JSON object")
    return payload
