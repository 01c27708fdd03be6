"""What the service says of its models: loading, ready, failed to load, or behind an upstream that
cannot be reached, in /v1/models, /v1/models/{id}, /healthz and the answer to a chat request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.collect.test_api import USER, client_for, consent, stored_turns
from tests.conftest import LiveService
from tests.support.loopback_upstream import serve_in_thread
from wildchat.collect import models
from wildchat.collect.backends.base import BackendError, ChatChunk, ChatRequest
from wildchat.config import ModelSpec, SamplingDefaults
from wildchat.records import Usage

# Nothing listens on port 1 of the loopback: connections are refused at once.
UNREACHABLE = "http://127.0.0.1:1/v1"


class FakeLocalBackend:
    """A local model that loads at once, never, or only when the test says so."""

    def __init__(self, name: str, failure: str | None, loaded: bool) -> None:
        self.name = name
        self._failure = failure
        self.loaded = loaded

    @property
    def ready(self) -> bool:
        return self.loaded and self._failure is None

    @property
    def failure(self) -> str | None:
        return self._failure

    async def start(self) -> None:
        if self._failure is not None:
            raise BackendError(self._failure)

    async def close(self) -> None:
        pass

    async def list_models(self) -> list[str]:
        return [self.name]

    def recommended_defaults(self, model: str) -> SamplingDefaults:
        return SamplingDefaults()

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        yield ChatChunk(text="hello")
        yield ChatChunk(finish_reason="stop", usage=Usage(1, 1))


@pytest.fixture
def local_models(monkeypatch: pytest.MonkeyPatch, make_settings: Any) -> Any:
    """Start the service with local models named `ok`, `loading` or `broken` (failed to load)."""
    from contextlib import contextmanager

    from wildchat.collect.app import create_app

    backends: dict[str, FakeLocalBackend] = {}

    def fake(spec: ModelSpec, cache_dir: Path) -> FakeLocalBackend:
        failure = "Could not load the model: not a GGUF file" if spec.name == "broken" else None
        backends[spec.name] = FakeLocalBackend(spec.name, failure, loaded=spec.name == "ok")
        return backends[spec.name]

    monkeypatch.setattr(models, "_local_backend", fake)

    @contextmanager
    def start(*names: str) -> Iterator[tuple[LiveService, dict[str, FakeLocalBackend]]]:
        specs = [ModelSpec(name=name, backend="embedded", path="/models/x.gguf") for name in names]
        settings = make_settings(upstream_base_url=None, models=specs, default_model=names[0])
        with serve_in_thread(create_app(settings)) as url:
            yield LiveService(url, settings.resolved_database_url, settings), backends

    return start


def chat(service: LiveService, model: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {consent(service.url)}"}
    body = {"model": model, "messages": USER}
    return httpx.post(service.api_url + "/chat/completions", json=body, headers=auth)


def test_a_model_that_failed_to_load_is_reported_as_failed(local_models: Any) -> None:
    with local_models("broken") as (service, _):
        answer = chat(service, "broken")
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "model_failed"
        assert "could not be loaded" in answer.json()["error"]["message"]
        assert "retry-after" not in answer.headers and answer.headers["x-should-retry"] == "false"
        # The SDK takes that at its word: one request, no retries.
        sent: list[httpx.Request] = []
        http = httpx.Client(event_hooks={"request": [sent.append]})
        key = consent(service.url)
        client = openai.OpenAI(base_url=service.api_url, api_key=key, max_retries=2, http_client=http)
        with pytest.raises(openai.InternalServerError) as failed:
            client.chat.completions.create(model="broken", messages=USER)
        assert failed.value.code == "model_failed" and len(sent) == 1
        [model] = client.models.list().data
        assert model.model_extra is not None
        assert (model.model_extra["ready"], model.model_extra["status"]) == (False, "failed")
        health = httpx.get(service.url + "/healthz")
        assert health.status_code == 503  # nothing can answer
        assert health.json() | {"version": None} == {
            "status": "degraded",
            "database": True,
            "models": {"broken": False},
            "failed_models": ["broken"],
            "version": None,
        }
        assert stored_turns(service) == []


def test_one_failed_model_among_others_degrades_the_service(local_models: Any) -> None:
    with local_models("ok", "broken") as (service, _):
        health = httpx.get(service.url + "/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["failed_models"] == ["broken"]
        assert chat(service, "ok").status_code == 200


def test_a_loading_model_asks_to_retry_and_then_answers(local_models: Any) -> None:
    with local_models("loading") as (service, backends):
        answer = chat(service, "loading")
        assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
        assert answer.json()["error"]["code"] == "model_not_ready"
        health = httpx.get(service.url + "/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        backends["loading"].loaded = True
        assert chat(service, "loading").status_code == 200


def test_a_model_can_be_retrieved_by_its_id(service_on: Any, tmp_path: Path) -> None:
    # Names may hold slashes, as upstream model names do.
    spec = ModelSpec(name="meta/llama-3", backend="upstream", upstream_model="loopback")
    with service_on(f"sqlite:///{tmp_path / 'x.db'}", models=[spec]) as service:
        client = client_for(service)
        model = client.models.retrieve("meta/llama-3")
        assert (model.id, model.owned_by) == ("meta/llama-3", "upstream")
        assert model.model_extra is not None and model.model_extra["status"] == "ready"
        with pytest.raises(openai.NotFoundError) as missing:
            client.models.retrieve("gpt-99")
        assert missing.value.code == "model_not_found"
        anonymous = httpx.get(service.api_url + "/models/meta/llama-3")
        assert anonymous.status_code == 401


def test_head_is_answered_like_get_without_a_body(live_service: LiveService) -> None:
    for path in ("/healthz", "/", "/api/terms", "/static/chat.css"):
        got = httpx.get(live_service.url + path)
        head = httpx.head(live_service.url + path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
    assert httpx.head(live_service.url + "/nowhere").status_code == 404


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(record.getMessage())


@pytest.fixture
def collected() -> Iterator[_Collected]:
    handler = _Collected()
    logger = logging.getLogger("wildchat.collect")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_an_unreachable_upstream_is_visible(service_on: Any, tmp_path: Path, collected: _Collected) -> None:
    with service_on(f"sqlite:///{tmp_path / 'x.db'}", upstream_base_url=UNREACHABLE) as service:
        health = httpx.get(service.url + "/healthz")
        assert health.status_code == 503  # no model is known, so nothing can answer
        assert health.json()["status"] == "degraded" and health.json()["upstream"] is False
        assert client_for(service).models.list().data == []
        answer = chat(service, "gpt-4o-mini")
        assert answer.status_code == 502 and answer.json()["error"]["code"] == "upstream_failed"
    # Said once, not on every request that finds it still down.
    assert collected.events.count("the upstream is unreachable") == 1


def test_an_unreachable_upstream_with_listed_models_still_serves_health(
    service_on: Any, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'x.db'}"
    with service_on(database, upstream_base_url=UNREACHABLE, upstream_models=["m"]) as service:
        health = httpx.get(service.url + "/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["upstream"] is False
        answer = chat(service, "m")
        assert answer.status_code == 502 and "unreachable" in answer.json()["error"]["message"]
