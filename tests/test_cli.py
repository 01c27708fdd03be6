"""The `wildchat` command: help everywhere, clear errors with a non-zero exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wildchat.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["db"], ["db", "upgrade"], ["db", "stats"], ["build"], ["tag"], ["synth"], ["version"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def _command_at(path: list[str]) -> Any:
    """The Click command object of `wildchat PATH…` (Typer vendors Click: no isinstance checks)."""
    import typer

    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def _leaf_commands(path: list[str] | None = None) -> list[list[str]]:
    path = path or []
    command = _command_at(path)
    if not hasattr(command, "commands"):
        return [path]
    return [leaf for name in command.commands for leaf in _leaf_commands([*path, name])]


def test_every_option_help_is_shown_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich markup must not eat a help text: "[every answer file]" reads as a style tag and vanished."""
    monkeypatch.setenv("COLUMNS", "2000")  # no wrapping: each help text stays on one line
    eaten = []
    leaves = _leaf_commands()
    assert len(leaves) > 15
    for path in leaves:
        shown = " ".join(runner.invoke(app, [*path, "--help"], terminal_width=2000).output.split())
        for param in _command_at(path).params:
            help_text = " ".join((getattr(param, "help", None) or "").split())
            if help_text not in shown:
                eaten.append(f"{' '.join(path)} {param.name}: {help_text}")
    assert eaten == []


def test_db_upgrade_and_stats(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["db", "stats", "--database-url", url])
    assert result.exit_code == 0 and "turns: 0" in result.output


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_invalid_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WILDCHAT_PORT", "eighty")
    result = runner.invoke(app, ["db", "stats"])
    assert result.exit_code == 2
    assert "invalid settings" in result.output and "port" in result.output


def test_serve_without_any_model_explains_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WILDCHAT_EMBEDDED", "false")
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path), "--port", "1"])
    assert result.exit_code == 2
    assert "no model is configured" in result.output


def test_build_rejects_bad_options(tmp_path: Path) -> None:
    for option, value in (("--engine", "spark"), ("--policy", "lenient"), ("--language-accuracy", "max")):
        result = runner.invoke(app, ["build", "--out", str(tmp_path), option, value])
        assert result.exit_code == 2, result.output


def test_serve_with_a_pathless_llama_cpp_model_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "wildchat.toml"
    config.write_text('[[models]]\nname = "local"\nbackend = "llama-cpp"\n')
    result = runner.invoke(
        app, ["serve", "--config", str(config), "--data-dir", str(tmp_path), "--port", "1"]
    )
    assert result.exit_code == 2
    assert "needs `path`" in result.output


@pytest.mark.parametrize("command", [["db", "stats"], ["build", "--out", "release"]])
def test_reading_a_missing_store_is_a_clear_error_and_creates_nothing(
    command: list[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'wildchat.db'}"
    result = runner.invoke(app, [*command, "--database-url", url])
    assert result.exit_code == 2, result.output
    assert "no store at" in result.output and "wildchat db upgrade" in result.output
    assert not (tmp_path / "data").exists()


def test_a_store_without_the_turn_log_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    result = runner.invoke(app, ["db", "stats", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert result.exit_code == 2, result.output
    assert "has no turn log yet" in result.output


def test_build_runs_with_its_default_worker_count(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "out"), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "public").is_dir()
