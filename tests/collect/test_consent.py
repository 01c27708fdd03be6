"""The consent gate in code: keys only through both agreements; withdrawal deletes everything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import func, select

from tests.collect.test_api import USER, client_for, consent, stored_turns
from tests.conftest import LiveService
from wildchat.store import make_engine
from wildchat.store.tables import participants


@pytest.fixture
def service(service_on: Any, database_url: str) -> Iterator[LiveService]:
    with service_on(database_url) as live:
        yield live


@pytest.mark.parametrize(
    "body",
    [
        {"agree_terms": True, "agree_publication": False},
        {"agree_terms": False, "agree_publication": True},
        {"agree_terms": False, "agree_publication": False},
    ],
)
def test_both_agreements_are_required(service: LiveService, body: dict[str, bool]) -> None:
    response = httpx.post(service.url + "/api/consent", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "consent_required"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "body", [{}, {"agree_terms": True}, {"agree_terms": "yes", "agree_publication": 1.5}]
)
def test_incomplete_consent_is_rejected(service: LiveService, body: dict[str, Any]) -> None:
    assert httpx.post(service.url + "/api/consent", json=body).status_code == 422


NOT_JSON_TRUE = ["yes", "on", 1, "true", "1", None, 1.0, "True", [True], {"value": True}]


def test_agreement_is_json_true_and_nothing_else(service: LiveService) -> None:
    for field in ("agree_terms", "agree_publication"):
        for value in NOT_JSON_TRUE:
            body: dict[str, Any] = {"agree_terms": True, "agree_publication": True, field: value}
            response = httpx.post(service.url + "/api/consent", json=body)
            assert response.status_code == 422, (body, response.text)
            error = response.json()["error"]
            assert error["param"] == field and error["type"] == "invalid_request_error", body
            assert "boolean" in error["message"], body
            assert "set-cookie" not in response.headers, body
    assert stored_participants(service) == 0


def stored_participants(service: LiveService) -> int:
    engine = make_engine(service.db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(participants)).scalar_one())
    finally:
        engine.dispose()


def test_consent_issues_key_and_cookie(service: LiveService) -> None:
    response = httpx.post(service.url + "/api/consent", json={"agree_terms": True, "agree_publication": True})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"participant_id", "api_key", "terms_version"}
    assert body["terms_version"] == service.settings.terms_version
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    me = httpx.get(service.url + "/api/me", headers={"Authorization": f"Bearer {body['api_key']}"})
    assert me.json()["participant_id"] == body["participant_id"]


def test_cookie_session_chats_on_the_web_channel(service: LiveService) -> None:
    with httpx.Client(base_url=service.url) as browser:
        assert browser.get("/api/session").json()["consented"] is False
        assert browser.get("/api/conversations").status_code == 401
        browser.post("/api/consent", json={"agree_terms": True, "agree_publication": True})
        session = browser.get("/api/session").json()
        assert session["consented"] is True and session["default_model"] == "loopback"
        body = {"model": "loopback", "messages": USER, "stream": True, "conversation_id": "web-1"}
        with browser.stream("POST", "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = [line for line in response.iter_lines() if line.startswith("data: ")]
        assert events[-1] == "data: [DONE]"
        conversations = browser.get("/api/conversations").json()["data"]
        assert [c["conversation_id"] for c in conversations] == ["web-1"]
        assert [m["role"] for m in conversations[0]["messages"]] == ["user", "assistant"]
    [turn] = stored_turns(service)
    assert turn.channel.value == "web"


def test_withdrawal_deletes_turns_and_revokes_the_key(service: LiveService) -> None:
    leaving_key = consent(service.url)
    staying = client_for(service)
    leaving = client_for(service, leaving_key)
    for _ in range(2):
        leaving.chat.completions.create(model="loopback", messages=USER)
    staying.chat.completions.create(model="loopback", messages=USER)
    response = httpx.delete(service.url + "/api/me", headers={"Authorization": f"Bearer {leaving_key}"})
    assert response.status_code == 200 and response.json()["deleted_turns"] == 2
    assert len(stored_turns(service)) == 1
    with pytest.raises(openai.AuthenticationError):
        leaving.chat.completions.create(model="loopback", messages=USER)
    assert (
        httpx.delete(service.url + "/api/me", headers={"Authorization": f"Bearer {leaving_key}"}).status_code
        == 401
    )


def test_terms_and_page_are_served(service: LiveService) -> None:
    terms = httpx.get(service.url + "/api/terms").json()
    assert terms["version"] == service.settings.terms_version
    text = " ".join(p for s in terms["sections"] for p in s["paragraphs"])
    assert "published" in text and "IP address itself is never stored" in text
    page = httpx.get(service.url + "/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_turn_under_way_when_consent_is_withdrawn_is_not_stored(service: LiveService) -> None:
    key = consent(service.url)
    stream = client_for(service, key).chat.completions.create(
        model="loopback-slow", messages=USER, stream=True
    )
    received = ""
    for chunk in stream:
        received += chunk.choices[0].delta.content or ""
        if received:
            break
    response = httpx.delete(service.url + "/api/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["deleted_turns"] == 0
    stream.close()  # the turn ends (interrupted) after the withdrawal: it must not be stored
    time.sleep(0.5)
    assert stored_turns(service) == []
    with pytest.raises(openai.AuthenticationError):
        client_for(service, key).chat.completions.create(model="loopback", messages=USER)


def test_new_terms_must_be_agreed_to_before_chatting_again(service_on: Any, database_url: str) -> None:
    """Consent is to the terms in force: after they change, a key agreed under the old ones
    collects nothing until its holder agrees again, and can still see and delete its data."""
    with service_on(database_url, terms_version="A") as old:
        key = consent(old.url)
        client_for(old, key).chat.completions.create(
            model="loopback", messages=USER, extra_body={"conversation_id": "c1"}
        )
    auth = {"Authorization": f"Bearer {key}"}
    with service_on(database_url, terms_version="B") as new, httpx.Client(base_url=new.url) as browser:
        with pytest.raises(openai.PermissionDeniedError) as refused:
            client_for(new, key).chat.completions.create(model="loopback", messages=USER)
        assert refused.value.code == "consent_outdated" and "agree" in refused.value.message
        assert httpx.get(new.api_url + "/models", headers=auth).status_code == 403
        # Nothing stored under terms never agreed to; the data so far stays the participant's.
        assert [turn.consent_version for turn in stored_turns(new)] == ["A"]
        assert len(httpx.get(new.url + "/api/conversations", headers=auth).json()["data"]) == 1
        browser.cookies.set("wildchat_key", key)
        session = browser.get("/api/session").json()
        assert (session["consented"], session["consent_outdated"]) == (False, True)
        assert 'data-consent-outdated="true"' in browser.get("/").text
        # Agreeing again renews the same participant: same key, same conversations.
        body = {"agree_terms": True, "agree_publication": True}
        renewed = browser.post("/api/consent", json=body)
        assert renewed.status_code == 200, renewed.text
        assert renewed.json() == {
            "participant_id": session["participant_id"],
            "api_key": None,
            "terms_version": "B",
        }
        assert browser.get("/api/session").json()["consented"] is True
        client_for(new, key).chat.completions.create(model="loopback", messages=USER)
        assert [turn.consent_version for turn in stored_turns(new)] == ["A", "B"]
        assert stored_participants(new) == 1


def test_a_renewal_in_another_worker_counts_at_once(service_on: Any, database_url: str) -> None:
    """A worker that remembers the key from before the renewal asks the database again."""
    with service_on(database_url, terms_version="A") as old:
        key = consent(old.url)
    with (
        service_on(database_url, terms_version="B") as one,
        service_on(database_url, terms_version="B") as two,
    ):
        with pytest.raises(openai.PermissionDeniedError):
            client_for(one, key).chat.completions.create(model="loopback", messages=USER)
        renewed = httpx.post(
            two.url + "/api/consent",
            json={"agree_terms": True, "agree_publication": True},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert renewed.status_code == 200
        client_for(one, key).chat.completions.create(model="loopback", messages=USER)


def test_outdated_consent_can_still_be_withdrawn(service_on: Any, database_url: str) -> None:
    with service_on(database_url, terms_version="A") as old:
        key = consent(old.url)
        client_for(old, key).chat.completions.create(model="loopback", messages=USER)
    with service_on(database_url, terms_version="B") as new:
        response = httpx.delete(new.url + "/api/me", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200 and response.json()["deleted_turns"] == 1
        assert stored_turns(new) == []
