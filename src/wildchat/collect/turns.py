"""Serving one chat turn: ask the backend, relay the reply, and log the turn exactly once.

Every turn is written once, when its outcome is known: `complete` (written before the client is
told the reply is finished), `interrupted` (the client left or pressed stop; the partial reply
is kept), or `error` (the backend failed, or the store refused the turn as it was: see
`TurnRecorder.write`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from wildchat.collect.backends.base import BackendError, BackendNotReady, ChatChunk, ChatRequest
from wildchat.collect.errors import ApiError, model_not_ready
from wildchat.collect.models import ModelRoute
from wildchat.collect.schemas import ChatCompletionIn
from wildchat.records import Message, Turn, TurnStatus, Usage
from wildchat.store import Store
from wildchat.store.repository import PreparedTurn

# The width of the store's finish_reason column.
FINISH_REASON_CHARS = 32
log = logging.getLogger("wildchat.collect")


def _now() -> datetime:
    return datetime.now(UTC)


class StoreFailed(ApiError):
    """The store did not take a turn: its reply is withheld (a delivered reply is a logged one)
    and the client gets a 500 in the OpenAI format, or an error event that ends the stream."""

    def __init__(self) -> None:
        super().__init__(
            500,
            "The service could not record this turn, so its reply is withheld. Please try again.",
            type="server_error",
            code="store_failed",
        )


class TurnRecorder:
    def __init__(self, store: Store, pii_masking: str = "off") -> None:
        self.store = store
        self.pii_masking = pii_masking

    def warm_up(self) -> None:
        """Load the PII models before the first turn needs them (a few seconds)."""
        if self.pii_masking != "off":
            from wildchat.curate.pii import masking_stage

            masking_stage(self.pii_masking)

    def _mask(self, turn: Turn) -> None:
        # Each message is masked on its own, so the next turn's history masks to the same text
        # and the stored turns still link into conversations.
        from wildchat.curate.pii import mask

        texts = [m.content for m in turn.messages] + [turn.response]
        masked = [r.text for r in mask(texts, policy=self.pii_masking)]
        turn.messages = [Message(m.role, text) for m, text in zip(turn.messages, masked, strict=False)]
        turn.response = masked[-1]

    def _store(self, turn: Turn) -> bool:
        if self.pii_masking != "off":
            self._mask(turn)
        # "again": this may follow an async attempt whose connection died after sending.
        return self.store.append_turn_again(turn)

    def prepare(self, turn: Turn) -> PreparedTurn | None:
        """The turn's request columns converted for the event-loop writers, ahead of its outcome."""
        return self.store.prepare_turn(turn) if self.pii_masking == "off" else None

    async def write(self, turn: Turn, prepared: PreparedTurn | None = None) -> bool:
        """Append the turn; shielded so a cancelled request still stores it. False: not stored
        because the participant withdrew meanwhile (consent wins). StoreFailed when the store
        fails; the turn is then recorded as `error` if the store takes it so (see
        `_record_failure`).

        At low load the hop to a worker thread and back is most of what the service adds to a
        turn, so the write runs on the event loop where it cannot block it: on SQLite when no
        other writer holds the lock (Store.append_turn_nowait), on PostgreSQL over an async
        connection (Store.append_turn_async). Otherwise, and whenever masking has work to do,
        it runs in a worker thread.
        """
        try:
            stored: bool | None = None
            if self.pii_masking == "off":
                stored = self.store.append_turn_nowait(turn, prepared)
                if stored is not None:  # written without leaving the event loop: nothing to shield
                    return stored
            with anyio.CancelScope(shield=True):
                if self.pii_masking == "off":
                    stored = await self.store.append_turn_async(turn, prepared)
                if stored is None:
                    stored = await anyio.to_thread.run_sync(self._store, turn)
            return bool(stored)
        except Exception as exc:  # any store failure: the caller answers with an error instead
            await self._record_failure(turn, exc)
            raise StoreFailed() from exc

    async def _record_failure(self, turn: Turn, exc: Exception) -> None:
        """Log the failure and store the turn as `error`, without the outcome fields that a store
        may refuse (finish reason, token counts): a turn that failed on them is kept that way.

        The log names the exception and where it was raised, never its message or the turn's
        text (collect.logs scrubs both).
        """
        log.error(
            "turn not stored: the store failed",
            extra={"turn_id": turn.id, "status": turn.status.value, "model": turn.model},
            exc_info=exc,
        )
        turn.status = TurnStatus.ERROR
        turn.finish_reason = None
        turn.usage = None
        turn.error = f"the store failed ({type(exc).__name__})"
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._store, turn)
        except Exception:  # the content itself is what the store refuses: nothing more to keep
            log.error("turn not stored as an error either", extra={"turn_id": turn.id}, exc_info=True)

    def log(self, turn: Turn, stored: bool) -> None:
        if not stored:
            log.info("turn discarded: consent withdrawn", extra={"turn_id": turn.id, "model": turn.model})
            return
        log.info(
            "turn",
            extra={
                "turn_id": turn.id,
                "status": turn.status.value,
                "model": turn.model,
                "channel": turn.channel.value,
                "chars": len(turn.response),
            },
        )

    async def record(self, turn: Turn) -> None:
        """Write and log the turn. StoreFailed only for a `complete` turn: for an error or an
        interrupted one the failure is logged, and the caller goes on with the error or the
        cancellation it is handling."""
        completing = turn.status is TurnStatus.COMPLETE
        try:
            stored = await self.write(turn)
        except StoreFailed:
            if completing:
                raise
            return
        self.log(turn, stored)


def backend_error(exc: BackendError) -> ApiError:
    """What the client is told when a backend fails: in OpenAI's terms, with a status that says
    whether retrying can help (429 after the wait given, 400 not as it is, 502 perhaps)."""
    if isinstance(exc, BackendNotReady):
        return model_not_ready(str(exc))
    if exc.status_code == 429:
        wait = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return ApiError(429, str(exc), type="rate_limit_error", code=exc.code, headers=wait)
    if exc.status_code < 500:
        return ApiError(exc.status_code, str(exc), code=exc.code or "upstream_rejected", param=exc.param)
    return ApiError(exc.status_code, str(exc), type="upstream_error", code="upstream_failed")


@dataclass(slots=True)
class TurnJob:
    """A validated request on its way to a backend, with the turn that will record it."""

    turn: Turn
    route: ModelRoute
    body: ChatCompletionIn
    recorder: TurnRecorder

    @property
    def completion_id(self) -> str:
        return f"chatcmpl-{self.turn.id}"

    def backend_request(self, max_completion_tokens: int) -> ChatRequest:
        body = self.body
        requested = body.max_completion_tokens or body.max_tokens
        return ChatRequest(
            model=self.route.backend_model,
            messages=self.turn.messages,
            temperature=body.temperature,
            top_p=body.top_p,
            max_tokens=min(requested or max_completion_tokens, max_completion_tokens),
            stop=body.stop_list(),
            presence_penalty=body.presence_penalty,
            frequency_penalty=body.frequency_penalty,
            seed=body.seed,
        )

    def finish(self, status: TurnStatus, finish_reason: str | None = None, error: str | None = None) -> None:
        self.turn.status = status
        # An upstream may send any string; the column holds 32 characters on every store.
        self.turn.finish_reason = finish_reason[:FINISH_REASON_CHARS] if finish_reason else finish_reason
        self.turn.error = error
        self.turn.completed_at = _now()


async def open_stream(job: TurnJob, request: ChatRequest) -> tuple[ChatChunk, AsyncIterator[ChatChunk]]:
    """Start the backend and wait for its first chunk, so failures become a proper HTTP error."""
    chunks = job.route.backend.stream(request)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = ChatChunk(finish_reason="stop")
    except BackendError as exc:
        job.finish(TurnStatus.ERROR, error=str(exc)[:200])
        await job.recorder.record(job.turn)
        raise backend_error(exc) from exc
    except BaseException:
        # Cancelled while waiting for the backend (client gone, server stopping).
        job.finish(TurnStatus.INTERRUPTED)
        await job.recorder.record(job.turn)
        await _close(chunks)
        raise
    return first, chunks


async def _close(chunks: AsyncIterator[ChatChunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    # A finished async generator has no frame left: nothing to close, no cancel scope to enter.
    if aclose is not None and getattr(chunks, "ag_frame", True) is not None:
        with anyio.CancelScope(shield=True):
            await aclose()


def _apply(job: TurnJob, chunk: ChatChunk) -> None:
    if chunk.text:
        job.turn.response += chunk.text
    if chunk.usage is not None:
        job.turn.usage = chunk.usage


async def complete_once(job: TurnJob, first: ChatChunk, chunks: AsyncIterator[ChatChunk]) -> JSONResponse:
    """The non-streaming answer: gather the whole reply, log it, return one completion object."""
    finish_reason = first.finish_reason
    _apply(job, first)
    try:
        async for chunk in chunks:
            _apply(job, chunk)
            finish_reason = chunk.finish_reason or finish_reason
    except BackendError as exc:
        job.finish(TurnStatus.ERROR, error=str(exc)[:200])
        await job.recorder.record(job.turn)
        raise backend_error(exc) from exc
    except BaseException:
        job.finish(TurnStatus.INTERRUPTED)
        await job.recorder.record(job.turn)
        raise
    finally:
        await _close(chunks)
    job.finish(TurnStatus.COMPLETE, finish_reason or "stop")
    await job.recorder.record(job.turn)
    usage = job.turn.usage or Usage()
    return JSONResponse(
        {
            "id": job.completion_id,
            "object": "chat.completion",
            "created": int(job.turn.received_at.timestamp()),
            "model": job.route.name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": job.turn.response},
                    "finish_reason": job.turn.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": usage.as_dict(),
        }
    )


# The status our access log gives a request whose client left before its answer (nginx's
# "client closed request"); the client never sees it.
CLIENT_CLOSED_REQUEST = 499


async def complete_unless_abandoned(job: TurnJob, request: ChatRequest, receive: Receive) -> Response:
    """`complete_once` for a client that may leave first: the moment it disconnects (the whole
    request already read, a later `receive` can only say so), the backend call is cancelled and
    the turn recorded `interrupted` with what had arrived, as for a stream the client closes.

    One watching task per request, no task group: this is the path of every non-streamed turn.
    """
    with anyio.CancelScope() as scope:
        watcher = asyncio.get_running_loop().create_task(_cancel_on_disconnect(receive, scope))
        try:
            first, chunks = await open_stream(job, request)
            return await complete_once(job, first, chunks)
        finally:
            watcher.cancel()
    return Response(status_code=CLIENT_CLOSED_REQUEST)


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


class _Events:
    """Server-sent events in the OpenAI chunk format."""

    def __init__(self, job: TurnJob) -> None:
        self._head = {
            "id": job.completion_id,
            "object": "chat.completion.chunk",
            "created": int(job.turn.received_at.timestamp()),
            "model": job.route.name,
        }
        # A content event is this turn's constant head and tail around the text: the same bytes
        # as `chunk({"content": text})`, for a third of the CPU (one per relayed piece).
        head = _sse(
            {**self._head, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}]}
        )
        self._before, _, self._after = head.partition(b'"content":""')
        self._before += b'"content":'

    def chunk(self, delta: dict[str, str], finish_reason: str | None = None) -> bytes:
        body = {**self._head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
        return _sse(body)

    def content(self, text: str) -> bytes:
        return self._before + json.dumps(text, ensure_ascii=False).encode() + self._after

    def usage(self, usage: Usage) -> bytes:
        return _sse({**self._head, "choices": [], "usage": usage.as_dict()})


def _sse(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
_INTERNAL_ERROR = ApiError(500, "Internal server error.", type="server_error", code="internal_error")


class LastEvents(bytes):
    """The stream's final bytes: sent together with the end of the response body, in one write.

    Clients (the OpenAI SDK among them) read on after [DONE] until the body ends, so a separate
    end-of-body write costs them one more wake-up and round through their event loop.
    """


async def stream_events(
    job: TurnJob, first: ChatChunk, chunks: AsyncIterator[ChatChunk], include_usage: bool
) -> AsyncIterator[bytes]:
    events = _Events(job)
    recorded = False
    # The reply so far, joined once when the turn is stored (+= on an attribute copies every time).
    parts = [first.text]
    turn = job.turn

    def settle() -> None:
        turn.response = "".join(parts)

    try:
        _apply(job, first)
        yield events.chunk({"role": "assistant", "content": first.text})
        # While the reply streams (the first event is out): less to do between its end and the commit.
        prepared = job.recorder.prepare(turn)
        finish_reason = first.finish_reason
        if finish_reason is None:
            async for chunk in chunks:
                if chunk.text:
                    parts.append(chunk.text)
                    yield events.content(chunk.text)
                if chunk.usage is not None:
                    turn.usage = chunk.usage
                if chunk.finish_reason:
                    finish_reason = chunk.finish_reason
        await _close(chunks)
        settle()
        job.finish(TurnStatus.COMPLETE, finish_reason or "stop")
        # Committed before the client hears the reply is complete: a delivered reply is a logged one.
        try:
            stored = await job.recorder.write(turn, prepared)
        except StoreFailed as failed:
            recorded = True
            yield _sse(failed.body())
            return
        recorded = True
        # The end in one write: the client waits for [DONE], not for each event on its own.
        tail = events.chunk({}, turn.finish_reason)
        if include_usage and turn.usage is not None:
            tail += events.usage(turn.usage)
        try:
            yield LastEvents(tail + DONE)
        finally:
            # On the loop's next turn: after the response's last byte (the end of the chunked
            # body, which clients wait for too), not before it.
            asyncio.get_running_loop().call_soon(job.recorder.log, turn, stored)
    except BackendError as exc:
        settle()
        job.finish(TurnStatus.ERROR, error=str(exc)[:200])
        await job.recorder.record(turn)
        recorded = True
        yield _sse(backend_error(exc).body())
    except Exception as exc:  # a fault of ours: recorded as one; EventStreamResponse tells the client
        settle()
        job.finish(TurnStatus.ERROR, error=f"internal error ({type(exc).__name__})")
        await job.recorder.record(turn)
        recorded = True
        raise
    finally:
        await _close(chunks)
        if not recorded:
            settle()
            job.finish(TurnStatus.INTERRUPTED)
            await job.recorder.record(turn)


class EventStreamResponse(Response):
    """Streams server-sent events and stops the producer the moment the client disconnects.

    Starlette's StreamingResponse (under ASGI 2.4 servers) only notices a gone client at the next
    write, which for a slow local model can be many seconds later and leaves the generator
    unclosed; watching `http.disconnect` here makes stop/close deterministic. A producer that
    fails ends the stream with an error event in the OpenAI format, never a cut-off body.
    """

    media_type = "text/event-stream"

    def __init__(self, events: AsyncIterator[bytes]) -> None:
        # No super().__init__: it would add a Content-Length for an empty body.
        self.status_code = 200
        self.background = None
        self.raw_headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
        ]
        self._events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def watch_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(watch_disconnect)
            try:
                await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
                ended = False
                while not ended:
                    try:
                        event = await self._events.__anext__()
                    except StopAsyncIteration:
                        break
                    except Exception:
                        log.error("a stream failed", exc_info=True)
                        event = LastEvents(_sse(_INTERNAL_ERROR.body()))
                    ended = isinstance(event, LastEvents)
                    await send({"type": "http.response.body", "body": event, "more_body": not ended})
                if not ended:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:
                pass  # the client went away mid-write; the events' cleanup logs the turn
            finally:
                aclose = getattr(self._events, "aclose", None)
                if aclose is not None:
                    with anyio.CancelScope(shield=True):
                        await aclose()
                group.cancel_scope.cancel()
