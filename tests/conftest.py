"""Shared fixtures: a store on SQLite and (marker `pg`) PostgreSQL, a loopback upstream, a live service."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.loopback_upstream import make_app, serve_in_thread
from wildchat.config import Settings, TokenBucketLimit

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("WILDCHAT_TEST_PG_URL", "postgresql+psycopg://@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads a developer's wildchat.toml or WILDCHAT_* variables."""
    for name in list(os.environ):
        if name.startswith("WILDCHAT_") and name != "WILDCHAT_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("WILDCHAT_CONFIG", "")  # empty: no config file is read


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required when CI=true, but {PG_URL} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable ({problem}); set CI=true to make this fail")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh schema per test, dropped afterwards: tests never see each other's rows."""
    schema = f"wc_test_{secrets.token_hex(6)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'wildchat.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(scope="session")
def upstream_url() -> Iterator[str]:
    with serve_in_thread(make_app(chunk_delay_s=0.002)) as url:
        yield url + "/v1"


@pytest.fixture
def make_settings(tmp_path: Path, upstream_url: str) -> Any:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "upstream_base_url": upstream_url,
            "upstream_api_key": "loopback-key",
            "participant_rate": TokenBucketLimit(per_minute=6000, burst=1000),
            "ip_rate": TokenBucketLimit(per_minute=6000, burst=1000),
            "consent_rate": TokenBucketLimit(per_minute=6000, burst=1000),
            "default_model": "loopback",
        }
        values.update(overrides)
        return Settings(**values)

    return build


@dataclass
class LiveService:
    url: str
    db_url: str
    settings: Settings

    @property
    def api_url(self) -> str:
        return self.url + "/v1"


@pytest.fixture
def live_service(make_settings: Any, tmp_path: Path) -> Iterator[LiveService]:
    """The real app under uvicorn on a free port, SQLite store, loopback upstream."""
    from wildchat.collect.app import create_app

    settings = make_settings()
    with serve_in_thread(create_app(settings)) as url:
        yield LiveService(url, settings.resolved_database_url, settings)


@pytest.fixture
def service_on(make_settings: Any) -> Any:
    """Start a live service on a given database URL (used with the `database_url` fixture)."""
    from contextlib import contextmanager

    from wildchat.collect.app import create_app

    @contextmanager
    def start(db_url: str, **overrides: Any) -> Iterator[LiveService]:
        settings = make_settings(database_url=db_url, **overrides)
        with serve_in_thread(create_app(settings)) as url:
            yield LiveService(url, db_url, settings)

    return start
