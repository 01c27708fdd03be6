"""The service's logs hold no message content, even when the store fails with the turn in its error.

A real `wildchat serve` runs in a subprocess and its store is made to refuse turns. PostgreSQL's
error then quotes the refused row (`DETAIL: Failing row contains (...)`, as the NUL error quoted
`CONTEXT: JSON data, line 1: [{"role": "user", "content": ...`), and SQLAlchemy's quotes a failed
statement's parameters. The secret the participant wrote must appear nowhere in what the service
printed, while the client still gets an OpenAI-format error and the turn is kept as `error`
where the store takes it so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.collect.test_durability import read_turns, turn_id_of
from tests.support.processes import (
    ServiceProcess,
    UpstreamProcess,
    consent,
    running_service,
    running_upstream,
)
from wildchat.collect.logs import WITHHELD, PrivacyFilter, describe_exception, logging_config
from wildchat.records import TurnStatus
from wildchat.store import make_engine

SECRET = "Kestrel-Velvet-93817"  # a participant's words; any trace of it in a log is a leak
# PostgreSQL cuts the values it quotes (`"Kestrel-Velvet-938...`): a leak shows as this part.
TRACE = b"Kestrel"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpstreamProcess]:
    with running_upstream(tmp_path_factory.mktemp("upstream")) as process:
        yield process


def refuse(database_url: str, what: str) -> None:
    """Make the store refuse turns: `complete` ones (an `error` row is then accepted), or every
    turn whose messages hold the secret."""
    engine = make_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    condition = {
        "complete": "NEW.status = 'complete'" if sqlite else "status <> 'complete'",
        "content": f"NEW.messages LIKE '%{SECRET}%'" if sqlite else f"messages::text NOT LIKE '%{SECRET}%'",
    }[what]
    statement = (
        f"CREATE TRIGGER refuse BEFORE INSERT ON turns WHEN {condition} BEGIN "
        "SELECT RAISE(ABORT, 'refused by the test'); END"
        if sqlite
        else f"ALTER TABLE turns ADD CONSTRAINT refuse CHECK ({condition})"
    )
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def ask(service: ServiceProcess, key: str, stream: bool) -> tuple[int, dict[str, Any]]:
    """Status and error body of one turn whose message holds the secret; for a stream, the last
    event must be an error event (no [DONE], no cut-off body)."""
    body = {
        "model": "loopback",
        "stream": stream,
        "messages": [{"role": "user", "content": f"{SECRET} is my code word, remember it."}],
    }
    headers = {"Authorization": f"Bearer {key}"}
    url = service.api_url + "/chat/completions"
    if not stream:
        response = httpx.post(url, json=body, headers=headers, timeout=30)
        return response.status_code, response.json()
    with httpx.stream("POST", url, json=body, headers=headers, timeout=30) as response:
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    assert events and events[-1] != "[DONE]", events[-3:]
    last = json.loads(events[-1])
    turn_id = turn_id_of(json.loads(events[0])["id"])
    return response.status_code, {**last, "turn_id": turn_id}


@pytest.mark.parametrize("what", ["complete", "content"])
def test_a_failing_store_leaves_no_message_text_in_the_log(
    upstream: UpstreamProcess, database_url: str, tmp_path: Path, what: str
) -> None:
    with running_service(tmp_path / "data", upstream.api_url, database_url=database_url) as service:
        with httpx.Client(timeout=10) as client:
            key = consent(client, service.url)
        refuse(database_url, what)
        status, whole = ask(service, key, stream=False)
        assert status == 500 and whole["error"]["code"] == "store_failed", whole
        status, streamed = ask(service, key, stream=True)
        assert status == 200 and streamed["error"]["code"] == "store_failed", streamed
    assert TRACE not in service.output()
    failures = [e for e in service.log_events() if e.get("event") == "turn not stored: the store failed"]
    assert len(failures) == 2
    # What failed is still told: the exception's type and code, where it was raised.
    kind = "IntegrityError" if make_url(database_url).get_backend_name() == "sqlite" else "SQLSTATE 23514"
    assert all(kind in f["exc"] and WITHHELD in f["exc"] for f in failures), failures
    stored = read_turns(database_url, [streamed["turn_id"]])[streamed["turn_id"]]
    if what == "complete":  # kept as an error, with the participant's words and the reply so far
        assert stored is not None and stored.status is TurnStatus.ERROR
        assert SECRET in stored.messages[0].content and (stored.error or "").startswith("the store failed")
    else:  # the words themselves are refused: nothing can be kept
        assert stored is None


def _failing_store_error() -> BaseException:
    """A database error as psycopg raises it, wrapped as SQLAlchemy does, inside a group."""

    class UntranslatableCharacter(Exception):
        sqlstate = "22P05"

    try:
        try:
            raise UntranslatableCharacter(
                "unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted to text.\n"
                f'CONTEXT:  JSON data, line 1: [{{"role": "user", "content": "{SECRET}'
            )
        except UntranslatableCharacter as exc:
            raise RuntimeError(f"[parameters: ('{SECRET}',)]") from exc
    except RuntimeError as exc:
        exc.add_note(f"note: {SECRET}")
        return ExceptionGroup(f"group {SECRET}", [exc, KeyError(SECRET)])


def test_exceptions_keep_their_traceback_and_types_but_no_message() -> None:
    described = describe_exception(_failing_store_error())
    assert SECRET not in described
    assert "UntranslatableCharacter (SQLSTATE 22P05)" in described
    assert "RuntimeError" in described and "KeyError" in described and "ExceptionGroup" in described
    assert "direct cause" in described and "_failing_store_error" in described  # frames are kept


def test_every_logger_is_scrubbed_at_the_handler(capsys: pytest.CaptureFixture[str]) -> None:
    import logging.config

    logging.config.dictConfig(logging_config())
    try:
        logging.getLogger("wildchat.collect").error("unhandled error", exc_info=_failing_store_error())
        # asyncio's message quotes the failed task's exception; SQLAlchemy's pool logs with exc_info.
        logging.getLogger("asyncio").error(
            f"Task exception was never retrieved\nfuture: <Task exception=DataError('{SECRET}')>"
        )
        logging.getLogger("asyncio").error("Exception in callback <Handle cb(%r)>", SECRET)
        logging.getLogger("sqlalchemy.pool").warning("reset failed", exc_info=_failing_store_error())
        logging.getLogger("uvicorn.error").error(
            "Exception in ASGI application", exc_info=_failing_store_error()
        )
        logging.getLogger("some.library").warning(KeyError(SECRET))  # type: ignore[arg-type]
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines()]
    assert len(lines) == 6 and SECRET not in err
    assert [entry["event"] for entry in lines[1:3]] == [
        "Task exception was never retrieved",
        f"Exception in callback {WITHHELD}",
    ]
    assert all("SQLSTATE 22P05" in entry["exc"] for entry in (lines[0], lines[3], lines[4]))


def test_the_filter_scrubs_records_for_any_formatter() -> None:
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "boom", None, None)
    try:
        raise ValueError(SECRET)
    except ValueError as exc:
        record.exc_info = (ValueError, exc, exc.__traceback__)
    PrivacyFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert SECRET not in formatted and "ValueError" in formatted and "boom" in formatted


def test_exceptions_escaping_a_thread_go_through_the_scrubbing_handler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging.config
    import sys
    import threading

    from wildchat.collect.logs import route_uncaught_exceptions

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    logging.config.dictConfig(logging_config())
    try:
        route_uncaught_exceptions(logging.getLogger("wildchat.collect"))

        def fail() -> None:
            raise RuntimeError(f"store refused {SECRET}")

        worker = threading.Thread(target=fail, name="store-writer")
        worker.start()
        worker.join()
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    err = capsys.readouterr().err
    assert SECRET not in err
    [entry] = [json.loads(line) for line in err.splitlines()]
    assert entry["event"] == "uncaught exception in a thread" and "RuntimeError" in entry["exc"]


def _scrubbed(name: str, msg: object, exc_info: Any = None) -> str:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, msg, None, exc_info)
    PrivacyFilter().filter(record)
    return logging.Formatter().format(record)


def test_a_record_logged_with_exc_info_false_keeps_its_message() -> None:
    # LocalModelBackend logs a load failure it explains itself with exc_info=False: the filter
    # crashed on it ("'bool' object is not subscriptable"), and the model looked loading forever.
    message = "Could not load the model tiny: Model path /models/x does not exist"
    assert _scrubbed("wildchat.collect.backends.embedded", message, False) == message


async def test_a_model_that_fails_to_load_is_logged_and_reported_as_failed(tmp_path: Path) -> None:
    import io

    from wildchat.collect.backends.base import BackendError
    from wildchat.collect.backends.embedded import TransformersBackend
    from wildchat.collect.logs import JsonFormatter

    backend = TransformersBackend("tiny", str(tmp_path / "missing"), tmp_path)
    written = io.StringIO()
    handler = logging.StreamHandler(written)  # as the service's: scrubbed at the handler, JSON
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("wildchat.collect.backends.embedded")
    logger.addHandler(handler)
    try:
        with pytest.raises(BackendError, match="does not exist"):
            await backend.start()
    finally:
        logger.removeHandler(handler)
    assert not backend.ready and backend.failure is not None and "does not exist" in backend.failure
    [entry] = [json.loads(line) for line in written.getvalue().splitlines()]
    assert entry["event"] == backend.failure


def test_uvicorn_startup_tracebacks_are_cut_to_their_first_words() -> None:
    # Uvicorn logs, as its message, the traceback Starlette formats when the app fails to start:
    # exception messages (a path, a row) and all.
    traceback_text = (
        'Traceback (most recent call last):\n  File "app.py", line 1, in lifespan\n'
        f"FileNotFoundError: [Errno 2] No such file or directory: '/srv/{SECRET}.mmdb'\n"
    )
    scrubbed = _scrubbed("uvicorn.error", traceback_text)
    assert SECRET not in scrubbed and scrubbed == f"Traceback {WITHHELD}"
    assert (
        _scrubbed("uvicorn.error", "Exception in 'lifespan' protocol\n")
        == "Exception in 'lifespan' protocol\n"
    )


def test_an_exception_logged_as_the_message_keeps_its_type_and_errno() -> None:
    # How uvicorn reports a port it cannot bind: `logger.error(exc)`.
    error = OSError(98, f"[Errno 98] address {SECRET} already in use")
    assert _scrubbed("uvicorn.error", error) == f"OSError (EADDRINUSE): {WITHHELD}"
