"""The web app through HTTP: the JSON API and its schema, errors, and escaping on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.explore.data import XSS_PROMPT
from wildchat.explore.app import create_app


@pytest.fixture(scope="module")
def client(index_path: Path) -> TestClient:
    return TestClient(create_app(str(index_path)))


def test_api_search_returns_total_results_and_snippets(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "python", "sort": "newest"}).json()
    assert body["total"] == 4 and body["total_exact"] is True
    first = body["results"][0]
    assert {"conversation_hash", "dataset", "model", "language", "snippet", "timestamp", "turn"} <= set(first)
    assert first["conversation_hash"] == f"{12:032x}" and first["dataset"] == "wildchat-sample"
    assert "<mark>Python</mark>" in first["snippet"]
    assert {"dataset", "model", "language", "country", "state", "toxic", "redacted"} == set(body["facets"])


def test_api_takes_every_filter_of_the_issue(client: TestClient) -> None:
    params = {
        "dataset": "wildchat-sample",
        "model": "gpt-4-0314",
        "language": "English",
        "country": "United States",
        "state": "California",
        "hashed_ip": "ip-beta",
        "toxic": "false",
        "redacted": "false",
        "min_turns": "2",
        "max_turns": "2",
        "date_from": "2023-04-10",
        "date_to": "2023-12-31",
        "page": "1",
    }
    body = client.get("/api/search", params=params).json()
    assert [r["conversation_hash"] for r in body["results"]] == [f"{8:032x}"]


def test_openapi_documents_the_search_parameters(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "scope", "dataset", "model", "language", "country", "state", "hashed_ip", "toxic"} <= names
    assert {"redacted", "min_turns", "max_turns", "date_from", "date_to", "turn_id", "sort", "page"} <= names
    assert "SearchResult" in schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"q": '"unclosed'}, "q"),
        ({"q": "cat OR"}, "q"),
        ({"q": "-alone"}, "q"),
        ({"page": "0"}, "page"),
        ({"toxic": "perhaps"}, "toxic"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"per_page": "100000"}, "per_page"),
    ],
)
def test_bad_parameters_are_400s_in_the_openai_error_format(
    client: TestClient, query: dict[str, str], param: str
) -> None:
    response = client.get("/api/search", params=query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error" and error["message"]


def test_a_bad_query_on_the_page_is_a_message_not_a_500(client: TestClient) -> None:
    response = client.get("/", params={"q": '"unclosed'})
    assert response.status_code == 400
    assert "unbalanced quotes" in response.text
    assert 'value="&#34;unclosed"' in response.text  # the box keeps what was typed, escaped


def test_deep_pages_past_any_window_answer(client: TestClient) -> None:
    body = client.get("/api/search", params={"page": "100000"}).json()
    assert body["results"] == [] and body["total"] == 14


def test_pages_escape_dataset_text(client: TestClient) -> None:
    hits = client.get("/", params={"q": "script"})
    conversation_id = hits.text.split('href="/conversation/')[1].split('"')[0]
    page = client.get(f"/conversation/{conversation_id}")
    for html in (hits.text, page.text):
        assert "<script>window" not in html and "<img src=x" not in html and "<iframe" not in html
        assert "javascript:alert" not in re.sub(r"&[a-z#0-9]+;", "", html).split("<body>")[0]
    assert "&lt;script&gt;window.__pwned" in page.text
    assert 'href="javascript' not in page.text
    assert XSS_PROMPT not in page.text


def test_every_response_carries_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/map", "/conversation/3", "/api/search"):
        policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy


def test_conversation_page_badges_link_to_filtered_searches(client: TestClient) -> None:
    page = client.get("/conversation/10").text  # WildChat conversation 8: two turns, ip-beta
    assert 'href="/?hashed_ip=ip-beta"' in page
    assert 'href="/?model=gpt-4-0314"' in page
    assert 'href="/?toxic=false"' in page
    assert page.count('class="message user"') == 2 and page.count('class="message assistant"') == 2
    toxic = client.get("/conversation/5").text  # WildChat conversation 3: flagged for harassment
    assert "openai:harassment" in toxic and "flagged: harassment" in toxic and 'href="/?toxic=true"' in toxic


def test_unknown_conversations_are_404s(client: TestClient) -> None:
    assert client.get("/conversation/999").status_code == 404
    response = client.get("/api/conversations/999")
    assert response.status_code == 404 and "no conversation" in response.json()["error"]["message"]


def test_search_page_state_is_in_the_url(client: TestClient) -> None:
    page = client.get("/", params={"q": "python", "language": "English", "sort": "newest"}).text
    assert '<option value="English" selected>' in page
    assert 'href="/?q=python&amp;model=gpt-4-0314&amp;language=English&amp;sort=newest"' in page
    assert "✕ English" in page


def test_blank_form_fields_mean_no_filter(client: TestClient) -> None:
    response = client.get("/?q=&language=&model=&toxic=&min_turns=&date_from=&sort=")
    assert response.status_code == 200
    assert "14" in response.text.split('id="total"')[1][:80]


def test_map_api_without_a_map_says_so(client: TestClient) -> None:
    body = client.get("/api/map").json()
    assert body["ids"] == [] and "no-embeddings" in body["note"]
