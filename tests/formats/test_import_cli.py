"""`wildchat import` through the installed entry point, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.formats.helpers import DATA
from wildchat.curate import export
from wildchat.curate.schema import WILDCHAT_SCHEMA
from wildchat.formats import read_conversations

WILDCHAT = Path(sys.executable).with_name("wildchat")


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    return subprocess.run(
        [str(WILDCHAT), "import", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The printed table as {path: [format, dataset, conversations, messages, user turns, users, skipped]}."""
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) >= 8 and cells[0] not in ("path", ""):
            rows[cells[0]] = cells[1:]
    return rows


# format, dataset, conversations, messages, user turns, users, skipped: counted by hand.
EXPECTED = {
    "sharegpt.json": ["sharegpt", "sharegpt", "4", "8", "4", "–", "0"],
    "lmsys.jsonl": ["lmsys", "lmsys", "3", "8", "4", "–", "0"],
    "oasst_messages.jsonl": ["oasst", "oasst_messages", "3", "8", "5", "2", "0"],
    "oasst_trees.jsonl": ["oasst", "oasst_trees", "3", "8", "5", "2", "0"],
    "alpaca.json": ["alpaca", "alpaca", "3", "6", "3", "–", "0"],
    "dolly.jsonl": ["dolly", "dolly", "3", "6", "3", "–", "0"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_for_each_format(name: str, tmp_path: Path) -> None:
    result = run(DATA / name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert table_rows(result.stdout)[str(DATA / name)] == EXPECTED[name]
    assert list(tmp_path.iterdir()) == []  # without --out nothing is written


def test_a_wildchat_release_and_several_paths_at_once(tmp_path: Path) -> None:
    from tests.curate.test_export import make_conversations

    export.export_release(make_conversations(), tmp_path / "rel")
    result = run(tmp_path / "rel" / "full", DATA / "dolly.jsonl")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    # 10 conversations of 2, 2, 1, 1, 1, 1, 1, 2, 1, 1 rounds: 13 rounds, 26 messages, 10 hashed IPs.
    assert rows[str(tmp_path / "rel" / "full")] == ["wildchat", "rel-full", "10", "26", "13", "10", "0"]
    assert rows[str(DATA / "dolly.jsonl")][2] == "3"


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run(DATA / "sharegpt_bad.json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"error: {DATA / 'sharegpt_bad.json'}: record 2: field 'conversations[2].value': "
        "expected a string, got a number (7)" in " ".join(result.stderr.split())
    )
    missing = run(tmp_path / "nothing-here.jsonl")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    unknown = run(DATA / "dolly.jsonl", "--format", "csv")
    assert unknown.returncode == 2 and "--format" in unknown.stderr
    (tmp_path / "a-file").write_text("")
    unwritable = run(DATA / "dolly.jsonl", "--out", tmp_path / "a-file" / "out")
    assert unwritable.returncode == 2 and "Not a directory" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def test_skip_invalid_counts_and_quotes(tmp_path: Path) -> None:
    result = run(DATA / "sharegpt_bad.json", "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert table_rows(result.stdout)[str(DATA / "sharegpt_bad.json")][2:] == ["2", "3", "2", "–", "1"]
    stderr = " ".join(result.stderr.split())
    assert "skipped 1 invalid records" in stderr and "record 2: field 'conversations[2].value'" in stderr


def test_an_explicit_format(tmp_path: Path) -> None:
    result = run(DATA / "dolly.jsonl", "--format", "alpaca")
    assert result.returncode == 2
    assert "line 1: field 'output': expected a string, got nothing" in " ".join(result.stderr.split())


def test_out_writes_wildchat_parquet_that_every_reader_loads(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    sources = [DATA / "sharegpt.json", DATA / "oasst_messages.jsonl", DATA / "lmsys.jsonl"]
    result = run(*sources, "--out", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["lmsys", "oasst_messages", "sharegpt"]
    for source in sources:
        folder = out / source.name.split(".")[0]
        shards = sorted((folder / "data").glob("*.parquet"))
        assert [s.name for s in shards] == ["train-00000-of-00001.parquet"]
        assert pq.read_schema(shards[0]).remove_metadata() == WILDCHAT_SCHEMA
        manifest = json.loads((folder / "import.json").read_text())
        original = list(read_conversations(source))
        assert manifest["conversations"] == len(original) and manifest["path"] == str(source)
        again = list(read_conversations(folder))
        assert {c.dataset for c in again} == {folder.name}
        # Messages (system ones too), roles, ids and turns survive; times stay None where unknown.
        assert [(c.conversation_hash, c.turn, c.timestamp) for c in again] == [
            (c.conversation_hash, c.turn, c.timestamp) for c in original
        ]
        assert [c.conversation for c in again] == [c.conversation for c in original]
        assert [c.user_id for c in again] == [c.user_id for c in original]  # oasst: through hashed_ip
        # The export's own reader loads it too.
        assert len(list(export.read_conversations(folder))) == len(original)
    again = list(read_conversations(out / "lmsys"))
    assert [c.toxic for c in again] == [False, True, False]
    assert again[1].openai_moderation[2]["categories"] == {
        "harassment": True,
        "hate": False,
        "sexual": False,
        "violence": False,
    }


def test_out_folders_of_paths_with_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "dolly.jsonl").write_bytes((DATA / "dolly.jsonl").read_bytes())
    result = run(tmp_path / "a" / "dolly.jsonl", tmp_path / "b" / "dolly.jsonl", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dolly", "dolly-2"]


def test_a_failed_import_publishes_nothing(tmp_path: Path) -> None:
    result = run(DATA / "sharegpt_bad.json", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert not list((tmp_path / "out" / "sharegpt_bad").glob("data/*.parquet"))
    assert not (tmp_path / "out" / "sharegpt_bad" / "import.json").exists()
