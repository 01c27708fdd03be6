"""Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama).

Replies stream over our own small HTTP/1.1 client by default (`streaming_http`); the official SDK
lists the models and is the opt-in streaming client (`upstream_client = "sdk"`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import openai
from openai import AsyncOpenAI

from wildchat import __version__
from wildchat.collect.backends.base import BackendError, ChatChunk, ChatRequest, SamplingDefaults
from wildchat.collect.backends.streaming_http import (
    HttpError,
    HttpTimeout,
    Response,
    StreamingHttpClient,
    drain,
)
from wildchat.records import Usage

log = logging.getLogger("wildchat.collect")

UpstreamClient = Literal["http", "sdk"]

# Upstream statuses that mean "the client's request was wrong" (e.g. context too long), passed
# on as a 400 with the upstream's message; 429 (the upstream limits our rate) as a 429 with its
# Retry-After; anything else is the upstream failing, a 502.
CLIENT_FAULT_STATUSES = {400, 413, 422}
RATE_LIMITED = 429
UNREACHABLE = "the upstream model server is unreachable"
# Longest upstream error message passed on to the client.
MAX_MESSAGE_CHARS = 2000
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# As many connections as the SDK's pool: each streaming turn holds one for its length.
MAX_CONNECTIONS = 1000
# Longest server-sent-events line accepted.
MAX_EVENT_BYTES = 16 * 1024 * 1024
# How much of an upstream error body is read to look for the stream_options complaint, and of
# what follows [DONE] before a connection is not worth keeping.
MAX_ERROR_BYTES = 64 * 1024
# How long the end of a body after [DONE] may take to arrive, read in the background.
DRAIN_TIMEOUT_S = 5.0
_DRAINING: set[asyncio.Task[None]] = set()  # strong references until each drain is done


class UpstreamBackend:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_s: float = 120.0,
        only_models: list[str] | None = None,
        client: UpstreamClient = "http",
    ) -> None:
        self.base_url = base_url
        self.only_models = list(only_models or [])
        self.client = client
        self._api_key = api_key or "no-key"
        self._timeout_s = timeout_s
        # aiohttp as the SDK's transport (its documented option for concurrency) halves the
        # service's CPU per relayed turn compared with the default pure-Python transport.
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=self._api_key,
            timeout=timeout_s,
            max_retries=0,  # a retry after partial output would duplicate text; we fail fast
            http_client=openai.DefaultAioHttpClient(timeout=timeout_s),
        )
        # Created on first use, in the event loop that will use it.
        self._streaming: StreamingHttpClient | None = None
        self._models: list[str] = []
        self._send_stream_options = True
        # Whether the upstream answered the last time we connected (None: not tried yet).
        self.reachable: bool | None = None

    @property
    def ready(self) -> bool:
        return True

    @property
    def failure(self) -> str | None:
        return None  # an upstream that is down may come back: each request tries again

    async def start(self) -> None:
        # The upstream may come up after us; models are listed again on demand.
        with contextlib.suppress(BackendError):
            await self.refresh_models()

    def _reached(self, reachable: bool, reason: str = "") -> None:
        """Note whether the upstream answered, and log when that changes (not on every request)."""
        if reachable and self.reachable is False:
            log.info("the upstream answers again")
        elif not reachable and self.reachable is not False:
            log.warning("the upstream is unreachable", extra={"reason": reason})
        self.reachable = reachable

    async def close(self) -> None:
        if self._streaming is not None:
            await self._streaming.close()
            self._streaming = None
        await self._client.close()

    async def refresh_models(self) -> list[str]:
        try:
            page = await self._client.models.list()
        except openai.OpenAIError as exc:
            reason = f"could not list the upstream's models ({type(exc).__name__})"
            self._reached(False, reason)
            raise BackendError(reason) from exc
        self._reached(True)
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

    def recommended_defaults(self, model: str) -> SamplingDefaults:
        """Nothing: an omitted setting is left out of the upstream request, so the upstream's
        own default applies, as it would for a client calling it directly."""
        return SamplingDefaults()

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

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        # Streaming a turn through the SDK costs 1.6 ms of CPU (request building, httpx models
        # over aiohttp), through a plain aiohttp session 0.7 ms, through StreamingHttpClient less
        # again, and it writes the request at once (measured in-process and inside the service
        # against the loopback upstream; see streaming_http). At concurrency 32 on 2 cores, shared
        # with the client and the upstream, the service has about 1.8 ms per turn in all to keep
        # 80 % of direct throughput (benchmarks/proxy_overhead.py). The SDK stays an option.
        if self.client == "sdk":
            return _relay(self._sdk_lines(request))
        return _relay(self._http_lines(request))

    # -- StreamingHttpClient ---------------------------------------------------------------------

    def _http(self) -> StreamingHttpClient:
        if self._streaming is None:
            headers = {
                "Authorization": f"Bearer {self._api_key}",
                "Content-Type": "application/json",
                "Accept": "text/event-stream",
                "User-Agent": f"wildchat/{__version__}",
            }
            self._streaming = StreamingHttpClient(self.base_url, headers, self._timeout_s, MAX_CONNECTIONS)
        return self._streaming

    async def _http_open(self, request: ChatRequest) -> Response:
        body = json.dumps(self._arguments(request), ensure_ascii=False).encode()
        http = self._http()
        try:
            response = await http.post("/chat/completions", body)
        except HttpTimeout as exc:
            raise BackendError("the upstream model server timed out") from exc
        except HttpError as exc:
            self._reached(False, UNREACHABLE)
            raise BackendError(UNREACHABLE) from exc
        self._reached(True)
        status = response.status
        if status < 300:
            return response  # redirects are not followed: a POST must not turn into a GET
        detail = b""
        try:
            while len(detail) < MAX_ERROR_BYTES and (chunk := await response.read()):
                detail += chunk
        except HttpError:
            pass
        finally:
            http.release(response)
        if status == 400 and self._send_stream_options and b"stream_options" in detail:
            # Older servers reject stream_options; ask again without usage reporting.
            self._send_stream_options = False
            return await self._http_open(request)
        answer: Any = None
        with contextlib.suppress(ValueError):
            answer = json.loads(detail)
        raise upstream_rejection(status, answer, response.retry_after)

    async def _http_lines(self, request: ChatRequest) -> AsyncGenerator[str, None]:
        """The `data:` lines of the reply, split from whatever the socket delivered, up to `[DONE]`.

        Reading what has arrived and splitting it here costs one wake-up per network read,
        where reading line by line costs one per line (and an SSE event is a line plus a blank
        one). The reply ends at `[DONE]`: the end of the HTTP body, which follows it, is read
        after the client has its answer (`_finish`), so the connection still goes back to the pool.
        """
        response = await self._http_open(request)
        done = False
        try:
            pending: list[bytes] = []
            held = 0
            while data := await response.read():
                if b"\n" not in data:
                    held += len(data)
                    if held > MAX_EVENT_BYTES:
                        raise ValueError("an event longer than MAX_EVENT_BYTES")
                    pending.append(data)
                    continue
                if pending:
                    data = b"".join([*pending, data])
                    pending.clear()
                *lines, rest = data.split(b"\n")
                if rest:
                    pending.append(rest)
                held = len(rest)
                for line in lines:
                    if line.startswith(b"data:"):
                        if line[5:].strip() == b"[DONE]":
                            done = True
                            return
                        yield line.decode()
            if pending:
                line = b"".join(pending)
                if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
                    yield line.decode()
        finally:
            self._finish(response, done)

    def _finish(self, response: Response, done: bool) -> None:
        """Give the connection back: to the pool when the reply ended, else close it."""
        http = self._http()
        if done and not response.complete:  # the end of the body follows [DONE]: read it later
            draining = drain(http, response, MAX_ERROR_BYTES, DRAIN_TIMEOUT_S)
            task = asyncio.get_running_loop().create_task(draining)
            _DRAINING.add(task)
            task.add_done_callback(_DRAINING.discard)
            return
        if not (done or response.complete):
            response.close()  # our client went away mid-reply: closing tells the upstream to stop
        http.release(response)

    # -- the SDK ---------------------------------------------------------------------------------

    async def _sdk_open(self, request: ChatRequest) -> tuple[Any, Any]:
        """The SDK's raw streaming response: our own SSE parsing is far cheaper per chunk than
        the SDK building pydantic objects for each one (38 % of the service's CPU under load)."""
        manager = self._client.chat.completions.with_streaming_response.create(**self._arguments(request))
        try:
            response = await manager.__aenter__()
        except openai.APIStatusError as exc:
            if exc.status_code == 400 and self._send_stream_options and "stream_options" in str(exc):
                # Older servers reject stream_options; ask again without usage reporting.
                self._send_stream_options = False
                return await self._sdk_open(request)
            retry_after = exc.response.headers.get("retry-after")
            raise upstream_rejection(exc.status_code, exc.body, retry_after) from exc
        except openai.APITimeoutError as exc:
            raise BackendError("the upstream model server timed out") from exc
        except openai.APIConnectionError as exc:
            self._reached(False, UNREACHABLE)
            raise BackendError(UNREACHABLE) from exc
        self._reached(True)
        return manager, response

    async def _sdk_lines(self, request: ChatRequest) -> AsyncGenerator[str, None]:
        manager, response = await self._sdk_open(request)
        try:
            async for line in response.iter_lines():
                yield line
        finally:
            # Closing releases the upstream connection at once when our client went away.
            await manager.__aexit__(None, None, None)


def upstream_rejection(status: int, body: Any, retry_after: str | None) -> BackendError:
    """The error for an upstream's answer `status` (not 2xx), `body` its JSON (None if it had none):
    the upstream's message, code and param for a request it found at fault, a 429 with the wait
    it asks for, else a 502."""
    error = body.get("error", body) if isinstance(body, dict) else body
    fields: dict[str, Any] = error if isinstance(error, dict) else {"message": error}
    code = fields.get("code")
    code = code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else None
    if status == RATE_LIMITED:
        wait = retry_seconds(retry_after)
        when = f"in {wait} s" if wait is not None else "in a moment"
        # Our own words: OpenAI's message names the operator's organisation and its quota.
        return BackendError(
            f"The upstream model server is rate-limiting this service. Please try again {when}.",
            RATE_LIMITED,
            code=code or "rate_limit_exceeded",
            retry_after=wait,
        )
    if status in CLIENT_FAULT_STATUSES:
        message, param = fields.get("message"), fields.get("param")
        text = message.strip()[:MAX_MESSAGE_CHARS] if isinstance(message, str) else ""
        return BackendError(
            text or f"The upstream model server rejected the request ({status}).",
            400,
            code=code or "upstream_rejected",
            param=param if isinstance(param, str) else None,
        )
    return BackendError(f"the upstream model server answered {status}")


def retry_seconds(value: str | None) -> int | None:
    """A Retry-After header (seconds, or an HTTP date) in whole seconds; None if there is none."""
    if not value:
        return None
    if re.fullmatch(r"\s*\d{1,9}(\.\d*)?\s*", value):
        return math.ceil(float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return max(0, math.ceil((when - datetime.now(UTC)).total_seconds()))


async def _relay(lines: AsyncGenerator[str, None]) -> AsyncIterator[ChatChunk]:
    """The upstream's server-sent events as our chunks; the last one carries finish and usage."""
    finish_reason: str | None = None
    usage: Usage | None = None
    try:
        async for line in lines:
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
        raise  # opening failed (with its own status), or the upstream said so
    except Exception as exc:
        # Whatever breaks mid-stream (dropped connection, malformed chunk, a read timeout) is the
        # upstream failing; the partial reply is kept and the client told.
        raise BackendError(f"the upstream stream broke ({type(exc).__name__})") from exc
    finally:
        # Also when our client went away: the line source releases the upstream connection.
        await lines.aclose()
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
