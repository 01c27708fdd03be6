"""A loopback OpenAI-compatible server that streams a fixed reply: the upstream in tests and benchmarks.

It stands in for a remote LLM server (OpenAI, vLLM …), which the tests cannot reach; the code
under test, wildchat's upstream backend, talks to it through the real `openai` SDK.

Models:
  loopback          the fixed reply in REPLY_CHUNKS pieces, CHUNK_DELAY_S apart
  loopback-slow     the same, 0.25 s apart (time to press stop)
  loopback-fail     answers 500 before any output
  loopback-break    sends two chunks, then drops the connection
  loopback-reject   answers 400, as a server does for a too-long context
  loopback-old      like loopback, but answers 400 to `stream_options`, as older servers do
  loopback-nul      like loopback, but its reply holds NUL characters (and backslashes)
  loopback-odd-end  like loopback, but it ends with a finish_reason of 60 characters
Run standalone: python tests/support/loopback_upstream.py --port 9100 [--delay 0.005]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

REPLY = (
    'Here is a small example:\n\n```python\ndef greet(name):\n    return f"Hello, {name}!"\n```\n\n'
    "- it takes a **name**\n- it returns a greeting\n"
)
REPLY_CHUNKS = 20
# What a model server may well send: JSON strings may hold \u0000.
NUL_REPLY = "Bytes: a\x00b, a backslash \\ and an escaped-looking \\0, then \x00 at the end\x00"
MODELS = [
    "loopback",
    "loopback-slow",
    "loopback-fail",
    "loopback-break",
    "loopback-reject",
    "loopback-old",
    "loopback-nul",
    "loopback-odd-end",
]
# No server is bound to OpenAI's five finish reasons; the store's column holds 32 characters.
ODD_FINISH_REASON = "content_filter_by_a_vendor_specific_policy_with_a_long_name"


def split_reply(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


CHUNKS = split_reply(REPLY, REPLY_CHUNKS)
NUL_CHUNKS = split_reply(NUL_REPLY, REPLY_CHUNKS)


def _chunk(model: str, delta: dict[str, str], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def make_app(chunk_delay_s: float = 0.0) -> Starlette:
    async def models(_request: Request) -> Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "loopback"} for m in MODELS]
        return JSONResponse({"object": "list", "data": data})

    async def completions(request: Request) -> Response:
        body = await request.json()
        model = body.get("model", "loopback")
        if model == "loopback-fail":
            return JSONResponse({"error": {"message": "upstream exploded", "type": "server_error"}}, 500)
        if model == "loopback-reject":
            return JSONResponse({"error": {"message": "context too long", "type": "invalid_request"}}, 400)
        if model == "loopback-old" and "stream_options" in body:
            message = "Unrecognized request argument supplied: stream_options"
            return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, 400)
        delay = 0.25 if model == "loopback-slow" else chunk_delay_s
        reply, chunks = (NUL_REPLY, NUL_CHUNKS) if model == "loopback-nul" else (REPLY, CHUNKS)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(chunks),
            "total_tokens": prompt_tokens + len(chunks),
        }
        finish = ODD_FINISH_REASON if model == "loopback-odd-end" else "stop"
        if not body.get("stream"):
            await asyncio.sleep(delay * len(chunks))
            message = {"role": "assistant", "content": reply}
            return JSONResponse(
                {
                    "id": "chatcmpl-loopback",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage,
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        async def events() -> AsyncIterator[str]:
            # Chunk n is due n x delay after the first event, as a model server generating at a
            # steady rate: a late wake-up (this process shares the CPU with its clients) delays
            # one chunk, not every chunk after it.
            loop = asyncio.get_running_loop()
            started = loop.time()
            yield _chunk(model, {"role": "assistant", "content": ""})
            for index, piece in enumerate(chunks):
                if delay:
                    await asyncio.sleep(max(0.0, started + (index + 1) * delay - loop.time()))
                if model == "loopback-break" and index == 2:
                    raise ConnectionResetError("loopback-break drops the stream")
                yield _chunk(model, {"content": piece})
            yield _chunk(model, {}, finish)
            if include_usage:
                head = {"id": "chatcmpl-loopback", "object": "chat.completion.chunk", "model": model}
                yield f"data: {json.dumps({**head, 'created': 0, 'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", completions, methods=["POST"]),
        ]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    # proxy_headers off as in `wildchat serve`: X-Forwarded-For is ours to read (collect.privacy),
    # so tests that send it test the service, not uvicorn's own handling.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between streamed chunks")
    args = parser.parse_args()
    uvicorn.run(make_app(args.delay), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
