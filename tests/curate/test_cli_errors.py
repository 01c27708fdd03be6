"""`build`, `tag` and `synth`: bad input is one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wildchat.cli import app

runner = CliRunner()


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'log.db'}"
    assert (
        runner.invoke(app, ["synth", "--turns", "10", "--seed", "7", "--database-url", store]).exit_code == 0
    )
    (tmp_path / "log.jsonl").write_text('{"content": "hello"}\n')
    (tmp_path / "adir").mkdir()
    (tmp_path / "bad.jsonl").write_text('["not an object"]\n')
    (tmp_path / "latin1.txt").write_bytes(b"fine\ncaf\xe9\n")
    return tmp_path


STORE = ["--database-url", "sqlite:///log.db"]
NO_DETOXIFY = ["--toxicity", "detoxify", "--detoxify-path", "/nonexistent"]
CASES = {
    "build unknown scorer": ["build", "--out", "o", "--toxicity", "nope", *STORE],
    "tag unknown scorer": ["tag", "log.jsonl", "--toxicity", "nope"],
    "detoxify without a path": ["build", "--out", "o", "--toxicity", "detoxify", *STORE],
    "detoxify path missing": ["build", "--out", "o", *NO_DETOXIFY, *STORE],
    "tag detoxify path missing": ["tag", "log.jsonl", *NO_DETOXIFY],
    "openai without a key": ["build", "--out", "o", "--toxicity", "openai", *STORE],
    "out is a file": ["build", "--out", "log.jsonl", *STORE],
    "since is not a time": ["build", "--out", "o", "--since", "yesterday", *STORE],
    "tag out in a missing folder": ["tag", "log.jsonl", "--out", "/nonexistent/dir/x.jsonl"],
    "synth out in a missing folder": ["synth", "--turns", "10", "--out", "/nonexistent/x.jsonl"],
    "synth the same seed twice": ["synth", "--turns", "10", "--seed", "7", *STORE],
    "tag language accuracy": ["tag", "log.jsonl", "--language-accuracy", "mid"],
    "tag policy": ["tag", "log.jsonl", "--policy", "lenient"],
    "tag a folder": ["tag", "adir"],
    "tag not an object": ["tag", "bad.jsonl", "--stages", "language"],
    "tag not utf-8": ["tag", "latin1.txt", "--stages", "language"],
}  # fmt: skip
EXPECTED = {
    "build unknown scorer": "unknown toxicity scorer 'nope'",
    "tag unknown scorer": "unknown toxicity scorer 'nope'",
    "detoxify without a path": "needs --detoxify-path",
    "detoxify path missing": "/nonexistent",
    "tag detoxify path missing": "/nonexistent",
    "openai without a key": "OPENAI_API_KEY",
    "out is a file": "is a file",
    "since is not a time": "ISO 8601",
    "tag out in a missing folder": "does not exist",
    "synth out in a missing folder": "does not exist",
    "synth the same seed twice": "--seed 7",
    "tag language accuracy": "high or low",
    "tag policy": "wildchat-1m or strict",
    "tag a folder": "adir is a folder",
    "tag not an object": "bad.jsonl: line 1",
    "tag not utf-8": "latin1.txt: line 2: not UTF-8",
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_error_line_and_exit_2(place: Path, case: str) -> None:
    result = runner.invoke(app, CASES[case])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and EXPECTED[case] in result.output, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_build_and_synth_take_a_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "elsewhere"
    made = runner.invoke(app, ["synth", "--turns", "30", "--seed", "3", "--data-dir", str(data)])
    assert made.exit_code == 0, made.output
    assert (data / "wildchat.db").is_file() and not (tmp_path / "data").exists()
    out = tmp_path / "release"
    built = runner.invoke(
        app,
        ["build", "--out", str(out), "--data-dir", str(data), "--workers", "1", "--language-accuracy", "low",
         "--no-progress"],
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    manifest = json.loads((out / "full" / "manifest.json").read_text())
    assert manifest
