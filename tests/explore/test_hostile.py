"""Hostile parameter values over HTTP, on both engines: the explorer answers a 4xx (in the OpenAI
error format for the API, a message on the page) or a 2xx, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from wildchat.explore import IndexOptions, IndexSource, SearchParams, build_index
from wildchat.explore.app import create_app
from wildchat.explore.models import MAX_FILTER_VALUES, MAX_PAGE

HOSTILE = [
    "\x00",
    "cats\x00dogs",
    "%00",
    "",
    " ",
    '"',
    '"unclosed',
    "'",
    "\\",
    "-",
    "*",
    "OR",
    "NEAR(a b)",
    "{user_text}: x",
    "\ue001mark\ue002",
    "<script>alert(1)</script>",
    "猫",
    "我们可以",
    "🙂",
    "(none)",
    "x" * 3_000,
    "-1",
    "0",
    "1",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "２",
    str(MAX_PAGE),  # the last page: its offset is just under 2**63
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2023-02-30",
    "true",
    "null",
]
PARAMETERS = list(SearchParams.model_fields)
# Each request kind runs a different path: the pages render the form and results, the search
# with words reads FTS5 / tsquery matches, ranks them and cuts snippets, the map API filters points.
SEARCHES: dict[str, tuple[str, dict[str, str]]] = {
    "search page": ("/", {}),
    "search API, words, relevance": ("/api/search", {"q": "python"}),
    "search API, words, oldest": ("/api/search", {"q": "python", "sort": "oldest"}),
    "map page": ("/map", {}),
    "map API": ("/api/map", {}),
}


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def client(request: pytest.FixtureRequest, dataset_files: tuple[Path, Path]) -> Iterator[TestClient]:
    if request.param == "sqlite":
        target = str(request.getfixturevalue("index_path"))
    else:
        target = request.getfixturevalue("pg_url")
        build_index([IndexSource(path) for path in dataset_files], target, IndexOptions(embeddings=False))
    # Server errors become responses, so that every one is counted instead of the first raising.
    yield TestClient(create_app(target), raise_server_exceptions=False)


@pytest.mark.slow  # 861 requests per kind and engine
@pytest.mark.parametrize("kind", SEARCHES)
def test_no_parameter_value_makes_a_server_error(client: TestClient, kind: str) -> None:
    path, base = SEARCHES[kind]
    failures = []
    for name in PARAMETERS:
        for value in HOSTILE:
            params = {**base, name: value}
            response = client.get(path, params=params)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {path} {params!r:.200}")
    assert failures == []


def test_no_conversation_id_makes_a_server_error(client: TestClient) -> None:
    for value in HOSTILE:
        for path in ("/api/conversations/{}", "/conversation/{}"):
            url = path.format(quote(value, safe=""))
            assert client.get(url).status_code < 500, url


def test_bad_values_are_400s_naming_the_parameter(client: TestClient) -> None:
    for params in (
        {"q": "\x00cats"},
        {"q": "cats\x00dogs"},
        {"language": "\x00"},
        {"hashed_ip": "\x00"},
        {"turn_id": "99999999999999999999999"},
        {"cursor": "9223372036854775808"},
        {"min_turns": "99999999999999999999999"},
        {"q": "cats", "page": "99999999999999999999"},
        {"dataset": ["x"] * (MAX_FILTER_VALUES + 1)},
    ):
        response = client.get("/api/search", params=params)
        assert response.status_code == 400, params
        error = response.json()["error"]
        assert error["param"] == next(iter(params.keys() - {"q"} or {"q"})), params
        assert error["code"] == "invalid_parameter" and error["type"] == "invalid_request_error"
    assert "NUL" in client.get("/api/search", params={"q": "\x00cats"}).json()["error"]["message"]
    page = client.get("/", params={"q": "cats\x00dogs", "language": "English"})
    assert page.status_code == 400 and "NUL" in page.text
    assert '<option value="English" selected>' in page.text  # the rest of the search is kept


def test_extreme_dates_are_days_like_any_other(client: TestClient) -> None:
    everything = client.get("/api/search").json()["total"]
    assert client.get("/api/search", params={"date_to": "9999-12-31"}).json()["total"] == 12  # the timed ones
    assert client.get("/api/search", params={"date_from": "0001-01-01"}).json()["total"] == 12
    assert client.get("/api/search", params={"date_from": "9999-12-31"}).json()["total"] == 0
    assert client.get("/api/search", params={"date_to": "0001-01-01"}).json()["total"] == 0
    assert everything == 14
    for path in ("/", "/map", "/api/map"):
        assert client.get(path, params={"date_to": "9999-12-31", "q": "python"}).status_code == 200


def test_a_conversation_id_that_cannot_exist_is_a_404(client: TestClient) -> None:
    for cid in ("99999999999999999999999", "9223372036854775808", "-1", "0"):
        response = client.get(f"/api/conversations/{cid}")
        assert response.status_code == 404 and response.json()["error"]["message"]
        assert client.get(f"/conversation/{cid}").status_code == 404
    assert client.get("/api/conversations/x").status_code == 400
