"""OpenAIModerationScorer against a loopback /v1/moderations server, through the real openai SDK.

The server answers like the API (both category spellings come from the SDK, not from us) and can
misbehave on demand, selected by the `model` field of the request:
  ok          429 for the first `rate_limited` requests, then answers
  fail-long   500 for any input longer than LONG characters (a too-big request)
  reject-long 400 for inputs longer than LONG (the API's "too long" answer: split, no retry)
  down        500 always
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.loopback_upstream import serve_in_thread
from wildchat.curate.toxicity import MODERATION_CATEGORIES, schema_problems
from wildchat.curate.toxicity.openai_moderation import ModerationFailed, OpenAIModerationScorer, split_in_half

KEY = "loopback-moderation-key"
LONG = 60
SERVED_MODEL = "omni-moderation-loopback"


@dataclass
class ModerationServer:
    rate_limited: int = 0
    requests: int = 0
    inputs_seen: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verdict(self, text: str) -> dict[str, Any]:
        scores = dict.fromkeys(MODERATION_CATEGORIES, 0.01)
        if "kill" in text:
            scores["violence"] = 0.9
        if "moron" in text:
            scores["harassment"] = 0.8
        flags = {c: s > 0.5 for c, s in scores.items()}
        applied = {c: ["text"] for c in MODERATION_CATEGORIES}
        return {
            "flagged": any(flags.values()),
            "categories": {**flags, "illicit": False, "illicit/violent": False},
            "category_scores": {**scores, "illicit": 0.0, "illicit/violent": 0.0},
            "category_applied_input_types": {**applied, "illicit": ["text"], "illicit/violent": ["text"]},
        }

    async def moderations(self, request: Request) -> Response:
        body = await request.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        model = body.get("model")
        with self.lock:
            self.requests += 1
            self.inputs_seen.append(inputs)
            limited = self.requests <= self.rate_limited
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": {"message": "bad key", "type": "invalid_request_error"}}, 401)
        if limited:
            error = {"error": {"message": "slow down", "type": "requests"}}
            return JSONResponse(error, 429, headers={"retry-after": "0"})
        too_long = any(len(t) > LONG for t in inputs)
        if model == "down" or (model == "fail-long" and too_long):
            return JSONResponse({"error": {"message": "upstream failure", "type": "server_error"}}, 500)
        if model == "reject-long" and too_long:
            return JSONResponse(
                {"error": {"message": "input too long", "type": "invalid_request_error"}}, 400
            )
        results = [self.verdict(t) for t in inputs]
        return JSONResponse({"id": "modr-loopback", "model": SERVED_MODEL, "results": results})


@pytest.fixture(scope="module")
def server_and_url() -> Iterator[tuple[ModerationServer, str]]:
    server = ModerationServer()
    app = Starlette(routes=[Route("/v1/moderations", server.moderations, methods=["POST"])])
    with serve_in_thread(app) as url:
        yield server, url + "/v1"


@pytest.fixture
def server(server_and_url: tuple[ModerationServer, str]) -> ModerationServer:
    state = server_and_url[0]
    state.rate_limited = 0
    state.requests = 0
    state.inputs_seen.clear()
    return state


def make_scorer(url: str, **options: Any) -> OpenAIModerationScorer:
    values: dict[str, Any] = {"api_key": KEY, "base_url": url, "backoff_base_s": 0.001, "max_retries": 3}
    values.update(options)
    scorer = OpenAIModerationScorer(**values)
    scorer.setup()
    return scorer


def test_batches_retry_on_429_and_return_the_released_structure(
    server: ModerationServer, server_and_url: tuple[ModerationServer, str]
) -> None:
    server.rate_limited = 2
    scorer = make_scorer(server_and_url[1], batch_size=2, concurrency=2, model="ok")
    texts = ["hello there", "I will kill you", "you moron", "nice weather", "a b c"]
    results = [r.openai_moderation for r in scorer.score(texts)]
    assert all(r is not None and schema_problems(r, "openai_moderation") == [] for r in results)
    assert [r["flagged"] for r in results if r] == [False, True, True, False, False]
    second = results[1]
    assert second is not None
    assert second["categories"]["violence"] is True and second["category_scores"]["violence"] == 0.9
    assert second["categories"]["self-harm/intent"] is False and "self_harm_intent" in second["categories"]
    counts = scorer.take_counts()
    assert counts["retries"] == 2  # the two 429s
    assert counts["requests"] == 3 + 2  # three batches of at most two, plus the two refused
    assert sorted(len(i) for i in server.inputs_seen if i) == [1, 2, 2, 2, 2]
    assert SERVED_MODEL in scorer.describe()


def test_a_failing_long_text_is_split_and_the_halves_combined(
    server: ModerationServer, server_and_url: tuple[ModerationServer, str]
) -> None:
    scorer = make_scorer(server_and_url[1], model="fail-long", max_retries=1, batch_size=8)
    long_text = "you moron, " + "and so on " * 6 + "then I kill"  # each word in one half
    assert len(long_text) > LONG
    results = [r.openai_moderation for r in scorer.score(["short one", long_text, "kill"])]
    short, merged, last = results
    assert short is not None and short["flagged"] is False
    assert last is not None and last["flagged"] is True
    assert merged is not None and schema_problems(merged, "openai_moderation") == []
    # flags OR-ed and scores max-ed over the pieces, which each hold one of the two words
    assert merged["flagged"] is True
    assert merged["categories"]["violence"] and merged["categories"]["harassment"]
    assert merged["category_scores"]["harassment"] == 0.8
    assert merged["category_scores"]["violence"] == 0.9
    counts = scorer.take_counts()
    assert counts["splits"] >= 1
    # the batch failed, then its texts went one by one: short, long (x2), its halves, "kill"
    assert [len(b) for b in server.inputs_seen] == [3, 3, 1, 1, 1, 1, 1, 1]
    assert all(len(t) <= LONG for batch in server.inputs_seen[-3:] for t in batch)


def test_a_rejected_input_is_split_without_retrying(
    server: ModerationServer, server_and_url: tuple[ModerationServer, str]
) -> None:
    scorer = make_scorer(server_and_url[1], model="reject-long", max_retries=5)
    text = "x " * 40 + "kill"
    (result,) = scorer.score([text])
    assert result.openai_moderation is not None and result.openai_moderation["flagged"] is True
    counts = scorer.take_counts()
    assert counts.get("retries", 0) == 0 and counts["splits"] >= 1


def test_auth_errors_are_raised_at_once(
    server: ModerationServer, server_and_url: tuple[ModerationServer, str]
) -> None:
    scorer = make_scorer(server_and_url[1], api_key="wrong", model="ok")
    with pytest.raises(openai.AuthenticationError):
        scorer.score(["hello"])
    assert server.requests == 1


def test_gives_up_with_a_clear_error_when_nothing_works(
    server: ModerationServer, server_and_url: tuple[ModerationServer, str]
) -> None:
    scorer = make_scorer(server_and_url[1], model="down", max_retries=0, max_split_depth=2)
    with pytest.raises(ModerationFailed):
        scorer.score(["this will never be moderated"])


def test_picklable_before_and_after_setup(server_and_url: tuple[ModerationServer, str]) -> None:
    scorer = OpenAIModerationScorer(api_key=KEY, base_url=server_and_url[1], model="ok")
    copy = pickle.loads(pickle.dumps(scorer))
    assert copy.model == "ok" and "loopback-moderation-key" not in repr(copy)
    scorer.setup()
    revived = pickle.loads(pickle.dumps(scorer))
    revived.setup()
    assert revived.score(["kill"])[0].openai_moderation is not None


def test_split_in_half_prefers_whitespace() -> None:
    assert split_in_half("aaaa bbbb") == ("aaaa", " bbbb")
    assert split_in_half("abcdef") == ("abc", "def")
    left, right = split_in_half("x" * 101)
    assert left + right == "x" * 101 and abs(len(left) - len(right)) <= 1
