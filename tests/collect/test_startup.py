"""`wildchat serve` and `wildchat db`: settings that cannot work stop them at once, with a message
that says what is wrong and an exit status of 2, never a traceback or a service that half starts."""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from wildchat.cli import app

runner = CliRunner()
# A port nothing listens on: connecting is refused at once.
CLOSED_PG = "postgresql+psycopg://wildchat:hunter2@127.0.0.1:1/wildchat"


@pytest.fixture(autouse=True)
def _own_environment() -> Iterator[None]:
    # The commands export their options as WILDCHAT_* for worker processes: keep them here.
    with mock.patch.dict(os.environ):
        yield


def serve(tmp_path: Path, *options: str) -> tuple[int, str, float]:
    """Run `wildchat serve` in this process against an upstream that is never called."""
    os.environ["WILDCHAT_UPSTREAM_BASE_URL"] = "http://127.0.0.1:9/v1"
    started = time.monotonic()
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path / "data"), *options])
    return result.exit_code, result.output, time.monotonic() - started


def test_a_port_in_use_is_said_so_at_once(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, output, seconds = serve(tmp_path, "--port", str(port))
    assert status == 2, output
    assert f"port {port} is in use on 127.0.0.1" in output
    assert "Traceback" not in output and seconds < 10


def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    for port in ("-1", "70000"):
        status, output, _ = serve(tmp_path, "--port", port)
        assert status == 2 and "--port" in output


def test_a_model_path_that_does_not_exist_stops_serve(tmp_path: Path) -> None:
    os.environ["WILDCHAT_EMBEDDED_MODEL_PATH"] = str(tmp_path / "does-not-exist")  # no upstream: it answers
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path / "data"), "--port", "1"])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'does-not-exist'} does not exist" in result.output
    assert not (tmp_path / "data").exists()  # stopped before anything was made


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is not None, reason="llama-cpp is installed")
def test_the_llama_cpp_backend_without_its_package_stops_serve(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    config = tmp_path / "wildchat.toml"
    config.write_text(f'[[models]]\nname = "local"\nbackend = "llama-cpp"\npath = "{model}"\n')
    result = runner.invoke(app, ["serve", "--config", str(config), "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "needs llama_cpp" in result.output and "wildchat[llama-cpp]" in result.output


def test_a_geoip_database_that_is_missing_or_no_database_stops_serve(tmp_path: Path) -> None:
    os.environ["WILDCHAT_GEOIP_DATABASE"] = str(tmp_path / "missing.mmdb")
    status, output, _ = serve(tmp_path, "--port", "1")
    assert status == 2 and f"geoip_database {tmp_path / 'missing.mmdb'} does not exist" in output
    (tmp_path / "notes.mmdb").write_text("not a database")
    os.environ["WILDCHAT_GEOIP_DATABASE"] = str(tmp_path / "notes.mmdb")
    status, output, _ = serve(tmp_path, "--port", "1")
    assert status == 2 and "is not a MaxMind-format database" in output


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("port = [oops\n", "is not valid TOML"),
        ("max_mesages = 10\n", "unknown setting 'max_mesages' (did you mean 'max_messages'?)"),
        (
            '[[models]]\nname = "m"\nbackend = "upstream"\nupstrem_model = "x"\n',
            "unknown setting 'models[0].upstrem_model' (did you mean 'upstream_model'?)",
        ),
    ],
)
def test_a_config_file_that_cannot_be_read_stops_every_command(
    tmp_path: Path, config: str, expected: str
) -> None:
    file = tmp_path / "wildchat.toml"
    file.write_text(config)
    for command in (["serve", "--port", "1"], ["db", "upgrade"], ["db", "stats"]):
        result = runner.invoke(app, [*command, "--config", str(file)])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output


def test_a_config_file_named_by_the_environment_must_exist(tmp_path: Path) -> None:
    os.environ["WILDCHAT_CONFIG"] = str(tmp_path / "nope.toml")
    result = runner.invoke(app, ["db", "stats"])
    assert result.exit_code == 2
    assert f"config file not found: {tmp_path / 'nope.toml'} (from WILDCHAT_CONFIG)" in result.output


def test_a_variable_that_is_not_json_is_named(tmp_path: Path) -> None:
    os.environ["WILDCHAT_MODEL_DEFAULTS"] = "{bad"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "WILDCHAT_MODEL_DEFAULTS is not valid JSON" in result.output


def test_an_unknown_variable_is_a_warning(tmp_path: Path) -> None:
    os.environ["WILDCHAT_MAX_MESAGES"] = "3"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 0, result.output
    assert "warning: WILDCHAT_MAX_MESAGES is not a setting (did you mean 'WILDCHAT_MAX_MESSAGES'?)" in (
        result.output
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "database_url names a database this service cannot use (foo)"),
        ("not a url", "database_url is not a database URL"),
        (CLOSED_PG, "could not connect to the database at 127.0.0.1:1/wildchat: "),
    ],
)
def test_a_store_that_cannot_be_used_is_said_so(tmp_path: Path, url: str, expected: str) -> None:
    for command in (["db", "upgrade"], ["db", "stats"]):
        result = runner.invoke(app, [*command, "--database-url", url])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert "hunter2" not in result.output
    status, output, _ = serve(tmp_path, "--port", "0", "--database-url", url)
    assert status == 2 and expected in output and "hunter2" not in output
