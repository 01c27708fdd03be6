"""`wildchat explore index` and `serve` as typed: output, and clear errors with exit status 2."""

from __future__ import annotations

from pathlib import Path

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
