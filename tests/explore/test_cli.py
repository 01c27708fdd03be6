"""`wildchat explore index` and `serve` as typed: output, and clear errors with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from wildchat.cli import app
from wildchat.explore.search_sqlite import SQLiteExplorer

runner = CliRunner()


def test_index_builds_a_labelled_index(dataset_files: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "cli.db"
    wildchat, sharegpt = dataset_files
    result = runner.invoke(
        app,
        [
            "explore",
            "index",
            str(wildchat),
            str(sharegpt),
            "--db",
            str(target),
            "--no-embeddings",
            "--name",
            "mine",
            "--name",
            "theirs",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "mine (wildchat): 12 conversations, 28 messages" in result.output
    assert "theirs (sharegpt): 2 conversations" in result.output
    assert {d["name"] for d in SQLiteExplorer(target).datasets} == {"mine", "theirs"}


def test_index_errors_are_messages(dataset_files: tuple[Path, Path], tmp_path: Path) -> None:
    missing = runner.invoke(
        app, ["explore", "index", str(tmp_path / "absent.jsonl"), "--db", str(tmp_path / "x.db")]
    )
    assert missing.exit_code == 2 and "absent.jsonl" in missing.output and "Traceback" not in missing.output
    wrong = runner.invoke(app, ["explore", "index", str(dataset_files[0]), "--format", "csv"])
    assert wrong.exit_code == 2 and "must be auto or one of" in wrong.output
    names = runner.invoke(app, ["explore", "index", str(dataset_files[0]), "--name", "a", "--name", "b"])
    assert names.exit_code == 2 and "one --name per path" in names.output
    assert not (tmp_path / "x.db").exists()


def test_serve_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["explore", "serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "wildchat explore index" in result.output and "Traceback" not in result.output


def test_serve_reports_an_unreachable_postgres() -> None:
    result = runner.invoke(app, ["explore", "serve", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2 and "PostgreSQL" in result.output


def test_an_index_of_nothing_is_an_error_and_keeps_the_old_index(index_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "explore.db"
    target.write_bytes(index_path.read_bytes())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"conversation_hash": "x", "conversation": [{"role": "user"}]}\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "explore",
            "index",
            str(bad),
            "--db",
            str(target),
            "--skip-invalid",
            "--no-embeddings",
            "--no-progress",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "no conversations were read" in result.output and "Traceback" not in result.output
    assert target.read_bytes() == index_path.read_bytes()
    assert SQLiteExplorer(target).conversations == 14


def test_serve_announces_the_url_only_once_the_index_is_open(
    index_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = runner.invoke(app, ["explore", "serve", "--db", str(tmp_path / "nothere.db")])
    assert missing.exit_code == 2 and "http://" not in missing.output
    # A good index: the URL comes, then the server runs (here: returns at once, as if stopped).
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: setattr(server, "started", True))
    served = runner.invoke(app, ["explore", "serve", "--db", str(index_path), "--port", "8765"])
    assert served.exit_code == 0, served.output
    assert "http://127.0.0.1:8765/" in served.output
