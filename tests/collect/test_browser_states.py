"""The chat page when things are not simply ready: the terms changed since the participant agreed,
a model is still loading, a model failed to load. Headless Chromium, as in test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.collect.test_model_states import FakeLocalBackend
from tests.support.browser import chromium_page
from tests.support.loopback_upstream import serve_in_thread
from wildchat.collect import models
from wildchat.config import ModelSpec

pytestmark = pytest.mark.browser


@contextmanager
def serving(make_settings: Any, **overrides: Any) -> Iterator[str]:
    from wildchat.collect.app import create_app

    with serve_in_thread(create_app(make_settings(**overrides))) as url:
        yield url


def agree(page: Any) -> None:
    page.click("#agree-terms")
    page.check("#agree-publication")
    page.click("#confirm-consent")
    page.wait_for_selector("#app:not([hidden])")


def test_the_page_asks_again_when_the_terms_have_changed(make_settings: Any, tmp_path: Path) -> None:
    with serving(make_settings, terms_version="A") as url:
        agreed = httpx.post(url + "/api/consent", json={"agree_terms": True, "agree_publication": True})
        key = agreed.json()["api_key"]
    with serving(make_settings, terms_version="B") as url, chromium_page(1000, 760) as page:
        page.context.add_cookies([{"name": "wildchat_key", "value": key, "url": url}])
        page.goto(url)
        page.wait_for_selector("#consent:not([hidden])")
        assert "The terms have changed" in page.text_content("#consent-notice")
        assert page.is_visible("#gate-delete")  # withdrawing must not need agreeing
        page.screenshot(path=str(tmp_path / "terms-changed.png"))
        agree(page)
        page.fill("#prompt", "hello again")
        page.press("#prompt", "Enter")
        page.wait_for_selector("#messages .message.assistant:not(.streaming)")
        session = page.evaluate("() => fetch('/api/session').then((r) => r.json())")
        assert session["participant_id"] == agreed.json()["participant_id"] and session["consented"]


def test_the_page_follows_a_model_from_loading_to_ready_and_shows_a_failed_one(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    backends: dict[str, FakeLocalBackend] = {}

    def fake(spec: ModelSpec, cache_dir: Path) -> FakeLocalBackend:
        failure = "not a model" if spec.name == "broken" else None
        backends[spec.name] = FakeLocalBackend(spec.name, failure, loaded=False)
        return backends[spec.name]

    monkeypatch.setattr(models, "_local_backend", fake)
    specs = [ModelSpec(name=name, backend="embedded", path="/m.gguf") for name in ("loading", "broken")]
    overrides = {"upstream_base_url": None, "models": specs, "default_model": "loading"}
    with serving(make_settings, **overrides) as url, chromium_page(1000, 700) as page:
        page.goto(url)
        agree(page)
        labels = page.eval_on_selector_all("#model-select option", "(options) => options.map((o) => o.text)")
        assert labels == ["loading (loading…)", "broken (unavailable)"]
        page.fill("#prompt", "hello")
        page.press("#prompt", "Enter")
        page.wait_for_selector("#notice:not([hidden])")
        assert "still loading" in page.text_content("#notice")
        backends["loading"].loaded = True
        # The page looks again every few seconds: the stale "send it again in a moment" goes.
        page.wait_for_function(
            "() => document.getElementById('notice').textContent.includes('ready now')", timeout=15_000
        )
        page.select_option("#model-select", "broken")
        assert page.is_hidden("#notice")  # "ready now" spoke of the other model
        assert page.text_content("#model-info") == (
            "broken could not be loaded on this server, so it cannot answer right now."
        )
        page.screenshot(path=str(tmp_path / "failed-model.png"))
