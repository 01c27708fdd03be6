"""Each source format, read from small files written by hand; every number was counted by hand
from the files in tests/formats/data/."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tests.formats.helpers import DATA, gzip_copy, jsonl_rows, write_parquet, zstd_copy
from wildchat.formats import FORMATS, dataset_name, detect_format, read_conversations
from wildchat.records import Conversation


def _roles(conversation: Conversation) -> list[str]:
    return [m.role for m in conversation.conversation]


def _texts(conversation: Conversation) -> list[str]:
    return [m.content for m in conversation.conversation]


def _without_dataset(conversations: list[Conversation]) -> list[dict[str, Any]]:
    rows = [asdict(c) for c in conversations]
    for row in rows:
        row.pop("dataset")
    return rows


def test_the_registry_names_every_format() -> None:
    assert FORMATS == ("wildchat", "lmsys", "sharegpt", "oasst", "alpaca", "dolly")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sharegpt.json", "sharegpt"),
        ("lmsys.jsonl", "lmsys"),
        ("oasst_messages.jsonl", "oasst"),
        ("oasst_trees.jsonl", "oasst"),
        ("alpaca.json", "alpaca"),
        ("dolly.jsonl", "dolly"),
    ],
)
def test_detection(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_sharegpt() -> None:
    found = list(read_conversations(DATA / "sharegpt.json"))
    # 4 records; 4 + 3 + 1 + 0 messages; 2 + 1 + 1 + 0 user turns.
    assert [c.conversation_hash for c in found] == ["sg-1", "sg-2", "3", "sg-4"]  # an integer id as text
    assert [len(c.conversation) for c in found] == [4, 3, 1, 0]
    assert [c.turn for c in found] == [2, 1, 1, 0]
    first, second, third, empty = found
    assert _roles(first) == ["user", "assistant", "user", "assistant"]
    assert [m.turn_identifier for m in first.conversation] == [1, 1, 2, 2]  # rounds
    assert _texts(first)[3] == "Rome."
    # A system message is kept (round 0) and an empty user message stays an empty message.
    assert _roles(second) == ["system", "user", "assistant"]
    assert [m.turn_identifier for m in second.conversation] == [0, 1, 1]
    assert _texts(second)[1] == ""
    assert _texts(third) == ["Écris un haïku sur la pluie."]  # single turn, no reply
    assert empty.conversation == [] and empty.turn == 0
    for conversation in found:
        assert conversation.model == "" and conversation.timestamp is None
        assert conversation.language == "Nolang" and conversation.user_id is None
        assert conversation.dataset == "sharegpt"


def test_sharegpt_as_json_lines_gzip_and_zstd(tmp_path: Path) -> None:
    expected = _without_dataset(list(read_conversations(DATA / "sharegpt.json")))
    import json

    records = json.loads((DATA / "sharegpt.json").read_text())
    lines = tmp_path / "sg.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records))
    for path in (
        lines,
        gzip_copy(lines, tmp_path / "sg.jsonl.gz"),
        zstd_copy(lines, tmp_path / "sg.jsonl.zst"),
    ):
        assert detect_format(path) == "sharegpt"
        assert _without_dataset(list(read_conversations(path))) == expected
    array_gz = gzip_copy(DATA / "sharegpt.json", tmp_path / "sg.json.gz")
    assert _without_dataset(list(read_conversations(array_gz))) == expected
    assert dataset_name(array_gz) == "sg"


def test_lmsys_jsonl() -> None:
    found = list(read_conversations(DATA / "lmsys.jsonl"))
    assert [c.conversation_hash for c in found] == ["lm-1", "lm-2", "lm-3"]
    assert [c.model for c in found] == ["vicuna-13b", "koala-13b", "gpt-4"]
    assert [len(c.conversation) for c in found] == [2, 4, 2]  # 8 messages
    assert [c.turn for c in found] == [1, 2, 1]  # 4 user turns
    assert [c.language for c in found] == ["English", "Portuguese", "Nolang"]  # lm-3 has no language
    # lm-2's third message (the insult) is the only flagged one.
    assert [m.toxic for m in found[1].conversation] == [False, False, True, False]
    assert [c.toxic for c in found] == [False, True, False]
    assert [c.redacted for c in found] == [False, True, False]
    assert found[1].openai_moderation[2]["category_scores"]["harassment"] == 0.91
    assert found[1].openai_moderation[2]["categories"]["harassment"] is True
    assert found[2].openai_moderation == []  # the field is missing
    assert all(c.user_id is None and c.timestamp is None for c in found)


# The Hub's LMSYS-Chat-1M Parquet layout (dataset_info of lmsys/lmsys-chat-1m).
_CATEGORIES = ["harassment", "hate", "sexual", "violence"]
LMSYS_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("model", pa.string()),
        ("conversation", pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))),
        ("turn", pa.int64()),
        ("language", pa.string()),
        (
            "openai_moderation",
            pa.list_(
                pa.struct(
                    [
                        ("categories", pa.struct([(c, pa.bool_()) for c in _CATEGORIES])),
                        ("category_scores", pa.struct([(c, pa.float64()) for c in _CATEGORIES])),
                        ("flagged", pa.bool_()),
                    ]
                )
            ),
        ),
        ("redacted", pa.bool_()),
    ]
)


def test_lmsys_parquet_shards_read_like_the_jsonl(tmp_path: Path) -> None:
    rows = jsonl_rows(DATA / "lmsys.jsonl")
    folder = tmp_path / "lmsys-chat-1m"
    write_parquet(rows[:2], folder / "data" / "train-00000-of-00002-4feeb3f83346a0e9.parquet", LMSYS_SCHEMA)
    write_parquet(rows[2:], folder / "data" / "train-00001-of-00002-4feeb3f83346a0e9.parquet", LMSYS_SCHEMA)
    assert detect_format(folder) == "lmsys"
    assert dataset_name(folder) == "lmsys-chat-1m"
    assert dataset_name(folder / "data" / "train-00001-of-00002-4feeb3f83346a0e9.parquet") == "lmsys-chat-1m"
    from_parquet = list(read_conversations(folder))
    assert {c.dataset for c in from_parquet} == {"lmsys-chat-1m"}
    assert _without_dataset(from_parquet) == _without_dataset(list(read_conversations(DATA / "lmsys.jsonl")))


def test_alpaca() -> None:
    found = list(read_conversations(DATA / "alpaca.json"))
    assert len(found) == 3
    assert all(_roles(c) == ["user", "assistant"] and c.turn == 1 for c in found)
    assert [_texts(c)[0] for c in found] == [
        "Give three tips for a good night's sleep.",  # empty input: the instruction alone
        "Translate into French.\n\nGood morning, neighbour.",
        "Reply with nothing at all.",  # no input field at all
    ]
    assert _texts(found[1])[1] == "Bonjour, voisin."
    assert _texts(found[2])[1] == ""  # an empty output is an empty reply
    hashes = [c.conversation_hash for c in found]
    assert len(set(hashes)) == 3 and all(len(h) == 32 for h in hashes)
    assert hashes == [c.conversation_hash for c in read_conversations(DATA / "alpaca.json")]  # stable


def test_dolly() -> None:
    found = list(read_conversations(DATA / "dolly.jsonl"))
    assert len(found) == 3
    assert _texts(found[0]) == [
        "When did the Millbrook library open?\n\n"
        "The Millbrook public library opened in March 1998 in a former railway depot.",
        "It opened in March 1998.",
    ]
    assert _texts(found[1])[0] == "Is a heron a bird or a fish?"  # empty context
    assert _texts(found[2])[0] == "Suggest a name for a bakery."  # no context field
    assert [c.extra for c in found] == [
        {"category": "closed_qa"},
        {"category": "classification"},
        {"category": "brainstorming"},
    ]
    assert [c.turn for c in found] == [1, 1, 1]


def test_alpaca_and_dolly_as_parquet(tmp_path: Path) -> None:
    import json

    alpaca = write_parquet(json.loads((DATA / "alpaca.json").read_text()), tmp_path / "alpaca.parquet")
    assert detect_format(alpaca) == "alpaca"
    assert _without_dataset(list(read_conversations(alpaca))) == _without_dataset(
        list(read_conversations(DATA / "alpaca.json"))
    )
    dolly = write_parquet(jsonl_rows(DATA / "dolly.jsonl"), tmp_path / "dolly.parquet")
    assert detect_format(dolly) == "dolly"
    assert [c.extra for c in read_conversations(dolly)] == [
        c.extra for c in read_conversations(DATA / "dolly.jsonl")
    ]


def test_an_explicit_format_overrides_detection() -> None:
    # Dolly's records have no `output`: read as Alpaca, the first record is an error naming it.
    from wildchat.formats import FormatError

    with pytest.raises(FormatError, match=r"dolly.jsonl: line 1: field 'output': expected a string"):
        list(read_conversations(DATA / "dolly.jsonl", "alpaca"))
    with pytest.raises(ValueError, match="unknown format 'csv'"):
        read_conversations(DATA / "dolly.jsonl", "csv")


def test_the_dataset_label_can_be_given() -> None:
    assert {c.dataset for c in read_conversations(DATA / "dolly.jsonl", dataset="Dolly 15k")} == {"Dolly 15k"}
