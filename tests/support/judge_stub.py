"""A loopback OpenAI-compatible server that answers MT-bench questions and judges answers.

It stands in for the model under test and for the judge model (GPT-4 in the paper), which the
tests cannot reach; `wildchat eval` talks to it over real HTTP through the `openai` SDK.

- Answers: any model name; the reply names the model, echoes the question and carries a quality
  mark ``quality N`` (N from ``StubState.quality``, 5 for models not listed; one less for the
  answer to a second turn).
- Single grading (a prompt asking for "Rating: [["): the rating is the last quality mark in the
  prompt, i.e. the graded reply's; a question holding ``UNPARSEABLE`` gets a judgment without any
  rating.
- Pairwise (a prompt asking for "[[A]]"): the reply with the higher quality mark wins, equal marks
  give "[[C]]"; a question holding ``BIASED`` always gets "[[A]]" (a position-biased judge).
- Faults: ``StubState.faults`` holds HTTP statuses (429, 500 …) to answer the next requests with,
  one each, with a 1 ms ``retry-after-ms`` so retries are quick.
- Every request body is kept in ``StubState.requests``; usage counts words.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.loopback_upstream import serve_in_thread

_QUALITY = re.compile(r"quality (\d+)")


@dataclass
class StubState:
    quality: dict[str, int] = field(default_factory=dict)
    faults: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def judge_requests(self) -> list[dict[str, Any]]:
        return [body for body in self.requests if _kind(_user_text(body)) != "answer"]


def _user_text(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")


def _kind(prompt: str) -> str:
    if "Rating: [[" in prompt:
        return "single"
    if "[[A]]" in prompt:
        return "pair"
    return "answer"


def _last_quality(text: str) -> int:
    found = _QUALITY.findall(text)
    return int(found[-1]) if found else 0


def _section(prompt: str, side: str) -> str:
    match = re.search(rf"<(reply|conversation) {side}>(.*?)</\1 {side}>", prompt, re.S)
    return match.group(2) if match else ""


def reply_for(state: StubState, body: dict[str, Any]) -> str:
    prompt = _user_text(body)
    kind = _kind(prompt)
    if kind == "single":
        if "UNPARSEABLE" in prompt:
            return "The reply is hard to grade; I will not commit to a number."
        return f"The reply is adequate for its quality.\nRating: [[{_last_quality(prompt)}]]"
    if kind == "pair":
        if "BIASED" in prompt:
            return "The first reply reads better.\n[[A]]"
        a, b = _last_quality(_section(prompt, "A")), _last_quality(_section(prompt, "B"))
        verdict = "A" if a > b else "B" if b > a else "C"
        return f"Comparing the replies.\n[[{verdict}]]"
    model = str(body.get("model", ""))
    asked = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    quality = state.quality.get(model, 5) - (len(asked) - 1)  # second answers one point worse
    return f"[{model}] answer to: {asked[-1]} (quality {quality})"


def make_app(state: StubState) -> Starlette:
    async def models(_request: Request) -> Response:
        return JSONResponse(
            {"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "stub"}]}
        )

    async def completions(request: Request) -> Response:
        body = await request.json()
        with state.lock:
            state.requests.append(body)
            fault = state.faults.pop(0) if state.faults else None
        if fault is not None:
            error = {
                "error": {"message": f"injected {fault}", "type": "stub_error", "param": None, "code": None}
            }
            return JSONResponse(error, status_code=fault, headers={"retry-after-ms": "1"})
        text = reply_for(state, body)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        return JSONResponse(
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "stub"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(text.split()),
                    "total_tokens": prompt_tokens + len(text.split()),
                },
            }
        )

    return Starlette(
        routes=[Route("/v1/models", models), Route("/v1/chat/completions", completions, methods=["POST"])]
    )


@contextmanager
def serve_stub(state: StubState) -> Iterator[str]:
    """Run the stub on a free loopback port; yields its OpenAI base URL (…/v1)."""
    with serve_in_thread(make_app(state)) as url:
        yield f"{url}/v1"
