"""`import_path`, the Python side of `wildchat import`: counts, skipping, conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.formats.helpers import DATA
from wildchat.curate.export import ExportError, validate_conversation
from wildchat.formats import FormatError, read_conversations
from wildchat.formats.importer import expected_rows, import_path, safe_name


def test_counts_and_progress() -> None:
    steps: list[int] = []
    result = import_path(DATA / "oasst_trees.jsonl", advance=steps.append)
    assert (result.format, result.dataset) == ("oasst", "oasst_trees")
    assert (result.conversations, result.messages, result.user_turns, result.users) == (3, 8, 5, 2)
    assert sum(steps) == 3 and result.out is None
    assert import_path(DATA / "alpaca.json").users is None  # no user ids in the source


def test_skipping_keeps_the_first_problems() -> None:
    with pytest.raises(FormatError):
        import_path(DATA / "dolly_missing.jsonl")
    result = import_path(DATA / "dolly_missing.jsonl", skip_invalid=True)
    assert (result.conversations, result.invalid) == (1, 1)
    assert result.problems == [
        f"{DATA / 'dolly_missing.jsonl'}: line 2: field 'response': "
        "expected a string, got nothing (the field is missing)"
    ]


def test_conversion_manifest(tmp_path: Path) -> None:
    result = import_path(DATA / "sharegpt.json", out=tmp_path / "sg")
    manifest = json.loads((tmp_path / "sg" / "import.json").read_text())
    assert manifest["conversations"] == 4 and manifest["format"] == "sharegpt"
    assert manifest["out"] == str(tmp_path / "sg") == result.out
    assert expected_rows(tmp_path / "sg", "wildchat") == 4  # from the Parquet footers
    assert expected_rows(DATA / "sharegpt.json", "sharegpt") is None


def test_a_conversation_the_schema_cannot_hold(tmp_path: Path) -> None:
    """An LMSYS moderation category WildChat's schema has no column for is not dropped silently."""
    row = json.loads((DATA / "lmsys.jsonl").read_text().splitlines()[0])
    row["openai_moderation"][0]["categories"]["illicit"] = False
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(row) + "\n" + (DATA / "lmsys.jsonl").read_text().splitlines()[1] + "\n")
    assert len(list(read_conversations(path))) == 2  # reading keeps it
    with pytest.raises(
        FormatError, match=r"odd.jsonl: cannot be written in the WildChat-1M schema: .*illicit"
    ):
        import_path(path, out=tmp_path / "out")
    result = import_path(path, out=tmp_path / "out", skip_invalid=True)
    assert (result.conversations, result.invalid) == (1, 1)
    assert [c.conversation_hash for c in read_conversations(tmp_path / "out")] == ["lm-2"]


def test_a_build_still_needs_times_and_two_roles() -> None:
    """Import relaxes the export's checks for itself only: `wildchat build` keeps them."""
    system_prompted = next(
        c for c in read_conversations(DATA / "sharegpt.json") if c.conversation_hash == "sg-2"
    )
    with pytest.raises(ExportError) as error:
        validate_conversation(system_prompted)
    assert "timestamp is missing" in str(error.value) and "role 'system'" in str(error.value)
    validate_conversation(
        system_prompted, roles=frozenset({"user", "assistant", "system"}), require_timestamp=False
    )


def test_safe_names() -> None:
    assert safe_name("WildChat-1M") == "WildChat-1M"
    assert safe_name("my data/v2") == "my_data_v2"
    assert safe_name("..") == "dataset"
