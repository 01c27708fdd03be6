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


def test_openapi_documents_the_400_the_server_sends_not_a_422(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path in ("/api/search", "/api/map", "/api/conversations/{cid}"):
        responses = schema["paths"][path]["get"]["responses"]
        assert "422" not in responses, path
        assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert "404" in schema["paths"]["/api/conversations/{cid}"]["get"]["responses"]
    assert "404" not in schema["paths"]["/api/search"]["get"]["responses"]
    error = client.get("/api/search", params={"page": "x"})
    assert error.status_code == 400 and set(error.json()["error"]) == {"message", "type", "param", "code"}


def test_the_api_reference_is_our_own_page_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)  # no CDN, no other origin
    assert "<script" not in page.text
    for text in ("/api/search", "/api/conversations/{cid}", "/api/map", "/api/facets", "/openapi.json"):
        assert text in page.text
    for parameter in ("turn_id", "date_to", "per_page", "cursor", "hashed_ip"):
        assert f"<code>{parameter}</code>" in page.text
    assert 'id="schema-SearchResult"' in page.text and 'id="schema-ErrorResponse"' in page.text
    assert "1 – 100" in page.text  # per_page's bounds, from the schema
    for gone in ("/redoc", "/docs/oauth2-redirect"):
        assert client.get(gone).status_code == 404
    assert 'href="/docs"' in client.get("/").text


def test_get_pages_answer_head(client: TestClient) -> None:
    for path in ("/", "/?q=python", "/map", "/conversation/3", "/docs", "/api/search", "/healthz"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 200, path
        assert head.content == b"" and head.headers["content-length"] == get.headers["content-length"]
        assert head.headers["content-security-policy"] == get.headers["content-security-policy"]
    assert client.head("/static/explore.css").status_code == 200
    assert client.head("/conversation/999").status_code == 404
    assert client.post("/").status_code == 405


def test_a_bad_query_on_the_map_page_is_a_400_with_the_message(client: TestClient) -> None:
    for path in ("/map", "/", "/api/map"):
        assert client.get(path, params={"q": '"unclosed'}).status_code == 400, path
    page = client.get("/map", params={"q": '"unclosed', "language": "English"})
    assert "unbalanced quotes" in page.text and "map.js" not in page.text
    assert '<option value="English" selected>' in page.text
    bad = client.get("/map", params={"min_turns": "many"})
    assert bad.status_code == 400 and "min_turns" in bad.text


def pager_links(client: TestClient, **params: str) -> tuple[int, bool]:
    page = client.get("/", params=params).text
    return page.count('<li class="hit"'), 'rel="next"' in page


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_next_appears_only_when_a_next_page_has_results(client: TestClient, sort: str) -> None:
    # "python" matches 4 conversations: pages of 4, 2 and 1 end exactly on the last match.
    assert pager_links(client, q="python", sort=sort, per_page="4") == (4, False)
    assert pager_links(client, q="python", sort=sort, per_page="2") == (2, True)
    assert pager_links(client, q="python", sort=sort, per_page="2", page="2") == (2, False)
    assert pager_links(client, q="python", sort=sort, per_page="3", page="2") == (1, False)
    assert pager_links(client, sort=sort, per_page="7", page="2") == (7, False)  # 14 conversations
    api = client.get("/api/search", params={"q": "python", "sort": sort, "per_page": "2"}).json()
    assert api["has_more"] is True and (api["next_cursor"] is None) == (sort == "relevance")


def test_the_form_holds_every_parameter_of_the_page(client: TestClient) -> None:
    page = client.get(
        "/",
        params=[
            ("q", "python"),
            ("language", "Chinese"),
            ("language", "Russian"),
            ("hashed_ip", "ip-beta"),
            ("hashed_ip", "ip-gamma"),
            ("user_id", "ip-beta"),
            ("min_turns", "1"),
            ("per_page", "5"),
        ],
    ).text
    form = page.split('<form class="search"')[1].split("</form>")[0]
    language = form.split('name="language"')[1].split("</select>")[0]
    assert "multiple" in language.split(">")[0]
    assert '<option value="Chinese" selected>' in language and '<option value="Russian" selected>' in language
    assert 'name="hashed_ip" value="ip-beta ip-gamma"' in form
    assert 'name="user_id" value="ip-beta"' in form
    assert '<option value="5" selected>5</option>' in form.split('name="per_page"')[1]
    assert 'name="min_turns" type="number" min="0" value="1"' in form
    # The text box's values separated by spaces are several values, as the form sends them.
    both = client.get("/api/search", params={"hashed_ip": "ip-beta ip-gamma"}).json()["total"]
    assert both == 5


def test_user_id_finds_wildchat_users_as_the_formats_doc_says(client: TestClient) -> None:
    by_user = client.get("/api/search", params={"user_id": "ip-beta"}).json()
    by_ip = client.get("/api/search", params={"hashed_ip": "ip-beta"}).json()
    assert by_user["total"] == by_ip["total"] == 4
    assert client.get("/api/conversations/10").json()["user_id"] == "ip-beta"
    page = client.get("/conversation/10").text
    assert 'data-badge="hashed_ip"' in page and 'data-badge="user_id"' not in page  # one badge, not two


def test_turn_links_only_where_the_source_has_turn_identifiers(client: TestClient) -> None:
    sharegpt = client.get("/api/conversations/1").json()  # ids 1-2: ShareGPT, no turn identifiers
    assert sharegpt["dataset"] == "sharegpt-sample"
    assert [m["turn_identifier"] for m in sharegpt["messages"]] == [None, None]
    assert 'class="turn"' not in client.get("/conversation/1").text
    assert client.get("/api/search", params={"turn_id": "1"}).json()["total"] == 0
    wildchat = client.get("/conversation/10").text  # WildChat conversation 8: turns 800 and 801
    assert 'class="turn" href="/?turn_id=801"' in wildchat
    assert client.get("/api/search", params={"turn_id": "801"}).json()["total"] == 1
