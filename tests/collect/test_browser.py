"""The chat page end to end, in headless Chromium driven by Playwright, against the real service.

One test walks the whole participant journey, because each step depends on the state the previous
one left (consent cookie, stored conversation): the gate blocks the chat, both consent steps,
a streamed and rendered reply, HTML in a prompt shown as text, reload restoring the conversation
from the server, stop during a slow stream, and "Delete my data" bringing the gate back.

Chromium comes from Debian (scripts/install-apt.sh), never from `playwright install`. Without it
the test is skipped, except under CI=true where it fails. A screenshot per step lands in the
test's tmp_path (printed at the end; run pytest with -s to see where).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from tests.support.browser import chromium_page
from wildchat.store.tables import turns

pytestmark = pytest.mark.browser

SLOW_MODEL = "loopback-slow"  # the loopback upstream's model that streams 0.25 s per chunk
XSS_PROMPT = "Is this safe? <img src=x onerror=alert(1)> <script>alert(2)</script>"


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    with chromium_page(1280, 800) as page:
        yield page


class Journey:
    """Screenshots and the page's own troubles (JS dialogs, uncaught errors), collected as we go."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.count = 0
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _on_dialog(self, dialog: Any) -> None:
        # alert()/confirm()/prompt() must never fire: the page uses its own <dialog> elements,
        # and an alert here would mean injected markup ran.
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"))

    def status(self, path: str) -> int:
        """HTTP status of a same-origin GET made by the page, with the page's cookies."""
        script = "(p) => fetch(p, {credentials: 'same-origin'}).then((r) => r.status)"
        return int(self.page.evaluate(script, path))

    def send(self, text: str) -> None:
        self.page.fill("#prompt", text)
        self.page.press("#prompt", "Enter")

    def wait_idle(self) -> None:
        """Wait until no reply is streaming."""
        self.page.wait_for_selector('#app[data-streaming="false"]', state="attached")

    def wait_reply_done(self, replies_before: int) -> None:
        self.page.wait_for_function(
            "(n) => document.querySelectorAll('#messages .message.assistant:not(.streaming)').length > n",
            arg=replies_before,
        )
        self.wait_idle()

    def transcript(self) -> list[tuple[str, str]]:
        return [
            (m.get_attribute("data-role") or "", m.locator(".content").inner_text())
            for m in self.page.locator("#messages .message").all()
        ]


def count_turns(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(turns)).scalar_one())
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_participant_journey(browser_page: Any, live_service: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    shots = tmp_path / "screenshots"
    shots.mkdir()
    j = Journey(page, shots)

    # 1. Before consent: the gate is shown, the chat is hidden and inert, the API refuses.
    page.goto(live_service.url)
    expect(page.locator("#consent")).to_be_visible()
    expect(page.locator("#agree-terms")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    expect(page.locator("#prompt")).not_to_be_visible()
    assert page.locator("#app").get_attribute("inert") is not None
    assert j.status("/api/conversations") == 401
    j.shot("consent-step1")

    # 2. Step 1 opens the separate confirmation; "Back" returns without consenting.
    page.click("#agree-terms")
    expect(page.locator("#consent-step2")).to_be_visible()
    expect(page.locator("#confirm-consent")).to_be_disabled()
    j.shot("consent-step2")
    page.click("#consent-back")
    expect(page.locator("#consent-step2")).to_be_hidden()
    expect(page.locator("#app")).to_be_hidden()
    assert j.status("/api/conversations") == 401

    # 3. Step 2: the box must be ticked before confirming.
    page.click("#agree-terms")
    page.check("#agree-publication")
    expect(page.locator("#confirm-consent")).to_be_enabled()
    j.shot("consent-step2-ticked")
    page.click("#confirm-consent")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#consent")).to_be_hidden()
    expect(page.locator("#prompt")).to_be_editable()
    # The API key is offered once, in the "Use the API" disclosure.
    expect(page.locator("#api-disclosure")).to_be_visible()
    assert page.locator("#api-key").input_value()
    expect(page.locator("#model-info")).not_to_be_empty()
    j.shot("chat-empty")

    # 4. A message gets a streamed reply, rendered as Markdown (the loopback reply has a code block).
    expect(page.locator("#send")).to_be_disabled()  # empty input cannot be sent
    j.send("Hello! Can you show me a tiny Python function?")
    j.wait_reply_done(0)
    reply = page.locator("#messages .message.assistant").last
    expect(reply.locator(".code-block pre code")).to_have_count(1)
    expect(reply.locator(".code-block .code-lang")).to_have_text("python")
    expect(reply.locator("ul li")).to_have_count(2)
    expect(reply.locator("strong")).to_have_text("name")
    full_reply = reply.get_attribute("data-raw") or ""
    assert "def greet" in full_reply
    j.shot("reply-rendered")

    # 5. HTML in a prompt is shown as text: no element is created, no alert fires.
    j.send(XSS_PROMPT)
    j.wait_reply_done(1)
    expect(page.locator("#messages .message.user .content").last).to_have_text(XSS_PROMPT)
    expect(page.locator("#messages img")).to_have_count(0)
    expect(page.locator("#messages script")).to_have_count(0)
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert j.dialogs == []
    j.shot("html-as-text")

    # 6. Reload: the same conversation comes back from the server's copy.
    before = j.transcript()
    assert [role for role, _ in before] == ["user", "assistant", "user", "assistant"]
    page.reload()
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#messages .message")).to_have_count(len(before))
    assert j.transcript() == before
    expect(page.locator("#conversation-list .conversation")).to_have_count(1)
    expect(page.locator("#conversation-list .conversation[aria-current='true']")).to_be_visible()
    j.shot("after-reload")

    # 7. Stop during a slow stream: the partial reply stays, marked as stopped.
    expect(page.locator("#model-select")).to_be_visible()  # the loopback upstream offers several models
    page.select_option("#model-select", SLOW_MODEL)
    j.send("Take your time with this one.")
    expect(page.locator("#stop")).to_be_visible()
    page.wait_for_function(  # wait for the first words of the reply
        "() => (document.querySelector('#messages .message.streaming')?.dataset.raw || '').length > 0"
    )
    j.shot("slow-stream")
    page.click("#stop")
    j.wait_idle()
    stopped = page.locator("#messages .message.assistant").last
    expect(stopped.locator(".message-note")).to_contain_text("Stopped")
    partial = stopped.get_attribute("data-raw") or ""
    assert 0 < len(partial) < len(full_reply)
    assert full_reply.startswith(partial)
    expect(page.locator("#send")).to_be_visible()
    j.shot("stopped")

    # 8. Delete my data: explained, confirmed, then the gate is back and the data is gone.
    # First let the server finish storing the stopped turn (it notices the abort asynchronously).
    wait_for(lambda: count_turns(live_service.db_url) == 3, "the stopped turn to be stored")
    page.click("#delete-data")
    expect(page.locator("#delete-dialog")).to_be_visible()
    expect(page.locator("#delete-dialog")).to_contain_text("cannot be undone")
    j.shot("delete-confirm")
    page.click("#delete-confirm")
    expect(page.locator("#consent")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    expect(page.locator("#consent-notice")).to_contain_text("deleted")
    assert j.status("/api/conversations") == 401
    left = page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('wildchat.'))")
    assert left == []
    assert count_turns(live_service.db_url) == 0
    j.shot("after-delete")

    # The page threw nothing and never used alert/confirm.
    assert j.dialogs == []
    assert j.errors == []
    print(f"\nbrowser screenshots: {shots}")


# Holds the page's GET /v1/models back, as a slow network or a busy service would, and counts the
# lists that arrived: so the test can type and send while the chat is provably still loading.
SLOW_MODEL_LIST = """
(() => {
  const fetchNow = window.fetch.bind(window);
  window.__modelLists = 0;
  window.fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input.url, location.href);
    if (url.pathname !== "/v1/models") return fetchNow(input, init);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const response = await fetchNow(input, init);
    window.__modelLists += 1;
    return response;
  };
})();
"""


def test_a_message_sent_right_after_consent_is_sent_at_the_models_defaults(
    browser_page: Any, service_on: Any, tmp_path: Path
) -> None:
    """Enter pressed before the chat has loaded queues the message instead of dropping it; it goes
    out once the model list is in, at the settings the model recommends (here configured through
    `model_defaults`), which the settings panel starts from."""
    from playwright.sync_api import expect

    from wildchat.config import SamplingDefaults

    page = browser_page
    shots = tmp_path / "screenshots"
    shots.mkdir()
    j = Journey(page, shots)
    page.add_init_script(SLOW_MODEL_LIST)
    db_url = f"sqlite:///{tmp_path / 'early' / 'wildchat.db'}"
    defaults = {"loopback": SamplingDefaults(temperature=0.2, top_p=0.9)}
    with service_on(db_url, model_defaults=defaults) as service:
        page.goto(service.url)
        page.click("#agree-terms")
        page.check("#agree-publication")
        page.click("#confirm-consent")
        j.send("Hello, right after consenting!")
        assert page.evaluate("() => window.__modelLists") == 0, "the chat had loaded before Enter"
        expect(page.locator("#notice")).to_contain_text("as soon as the chat has loaded")
        j.shot("queued")

        j.wait_reply_done(0)
        assert [role for role, _ in j.transcript()] == ["user", "assistant"]
        expect(page.locator("#messages .message.user .content")).to_have_text(
            "Hello, right after consenting!"
        )
        expect(page.locator("#prompt")).to_have_value("")
        expect(page.locator("#notice")).to_be_hidden()
        wait_for(lambda: count_turns(db_url) == 1, "the turn to be stored")
        engine = create_engine(db_url)
        with engine.connect() as conn:
            [params] = conn.execute(select(turns.c.params)).scalars().all()
        engine.dispose()
        assert params["temperature"] == 0.2 and params["top_p"] == 0.9
        assert "model_defaults" not in params  # the page sent them: nothing was left to fill in

        # The settings panel starts from each model's defaults and keeps a choice per model.
        page.click("#settings-toggle")
        expect(page.locator("#temperature-value")).to_have_text("0.20")
        expect(page.locator("#top-p-value")).to_have_text("0.90")
        page.wait_for_timeout(300)  # let the panel finish fading in for the screenshot
        j.shot("model-defaults")
        page.keyboard.press("Escape")
        page.select_option("#model-select", SLOW_MODEL)  # recommends nothing: OpenAI's 1 and 1
        page.click("#settings-toggle")
        expect(page.locator("#temperature-value")).to_have_text("1.00")
        page.fill("#temperature", "0.5")
        expect(page.locator("#temperature-value")).to_have_text("0.50")
        page.keyboard.press("Escape")
        page.select_option("#model-select", "loopback")
        expect(page.locator("#temperature-value")).to_have_text("0.20")
        page.select_option("#model-select", SLOW_MODEL)
        expect(page.locator("#temperature-value")).to_have_text("0.50")
    assert j.dialogs == []
    assert j.errors == []
    print(f"\nbrowser screenshots: {shots}")
