"""One OpenAI-compatible chat endpoint (OpenAI, vLLM, `wildchat serve` …) used by generate and judge.

Retries are the ``openai`` SDK's own: 408, 409, 429 and 5xx answers and dropped connections are
tried again with exponential backoff, honouring the server's ``Retry-After``; other errors (400,
401, 404 …) are not. A semaphore bounds the requests in flight. Token counts come from each
reply's ``usage``, and the cost from prices the user gives (USD per million tokens), since an
endpoint does not say what it charges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_API_KEY = "EMPTY"  # vLLM and local servers accept any key; the SDK insists on one


class EndpointError(RuntimeError):
    """The endpoint failed for good (after retries, or with an error not worth retrying)."""


@dataclass(slots=True)
class Usage:
    requests: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def cost(self, input_price: float, output_price: float) -> float:
        return (self.prompt_tokens * input_price + self.completion_tokens * output_price) / 1_000_000

    def to_dict(self, input_price: float = 0.0, output_price: float = 0.0) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost(input_price, output_price), 6),
        }


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    base_url: str
    model: str
    api_key: str = DEFAULT_API_KEY
    max_retries: int = 6
    timeout_s: float = 600.0
    concurrency: int = 8


class ChatEndpoint:
    def __init__(self, settings: EndpointSettings) -> None:
        from openai import AsyncOpenAI

        self.settings = settings
        self.usage = Usage()
        self._client = AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key,
            max_retries=settings.max_retries,
            timeout=settings.timeout_s,
        )
        self._slots = asyncio.Semaphore(settings.concurrency)

    async def complete(
        self, messages: Sequence[dict[str, str]], *, temperature: float, max_tokens: int
    ) -> str:
        """The reply's text; EndpointError when the endpoint fails for good."""
        import openai

        async with self._slots:
            self.usage.requests += 1
            try:
                response = await self._client.chat.completions.create(
                    model=self.settings.model,
                    messages=list(messages),  # type: ignore[arg-type]
                    temperature=temperature,
                    max_tokens=max_tokens,
                )
            except openai.APIStatusError as exc:
                self.usage.failures += 1
                raise EndpointError(
                    f"{self.settings.base_url}: HTTP {exc.status_code}: {_message(exc)}"
                ) from exc
            except openai.APIError as exc:
                self.usage.failures += 1
                raise EndpointError(f"{self.settings.base_url}: {type(exc).__name__}: {exc}") from exc
        if response.usage is not None:
            self.usage.prompt_tokens += response.usage.prompt_tokens or 0
            self.usage.completion_tokens += response.usage.completion_tokens or 0
        if not response.choices:
            self.usage.failures += 1
            raise EndpointError(f"{self.settings.base_url}: the reply has no choices")
        return response.choices[0].message.content or ""

    async def close(self) -> None:
        await self._client.close()


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return str(getattr(exc, "message", exc))
