"""Bad input: a FormatError naming the file, the position and the field, or (on_invalid) a count."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.formats.helpers import DATA, gzip_copy
from wildchat.formats import FormatError, detect_format, read_conversations
from wildchat.formats.sources import data_files


def _skipping(path: Path, format: str = "auto") -> tuple[int, list[str]]:
    problems: list[FormatError] = []
    found = list(read_conversations(path, format, on_invalid=problems.append))
    return len(found), [str(p) for p in problems]


def _truncated_lmsys(tmp_path: Path) -> Path:
    text = (DATA / "lmsys.jsonl").read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: text.index('"turn": 1, "redacted"')])  # lm-3 (line 4) stops mid-record
    return cut


def test_a_truncated_last_line(tmp_path: Path) -> None:
    cut = _truncated_lmsys(tmp_path)
    with pytest.raises(FormatError) as error:
        list(read_conversations(cut))
    message = str(error.value)
    assert message.startswith(f"{cut}: line 4: not valid JSON (")
    assert "no newline at its end: the file looks truncated" in message
    assert _skipping(cut) == (2, [message])


def test_reading_stops_at_the_first_bad_record_after_yielding_the_good_ones() -> None:
    stream = read_conversations(DATA / "sharegpt_bad.json")
    assert next(stream).conversation_hash == "ok"
    with pytest.raises(FormatError) as error:
        next(stream)
    assert str(error.value) == (
        f"{DATA / 'sharegpt_bad.json'}: record 2: "
        "field 'conversations[2].value': expected a string, got a number (7)"
    )
    assert error.value.field == "conversations[2].value" and error.value.position == "record 2"
    count, problems = _skipping(DATA / "sharegpt_bad.json")
    assert count == 2 and len(problems) == 1


def test_a_missing_required_field() -> None:
    with pytest.raises(
        FormatError, match=r"dolly_missing.jsonl: line 2: field 'response': expected a string, got nothing"
    ):
        list(read_conversations(DATA / "dolly_missing.jsonl"))
    assert _skipping(DATA / "dolly_missing.jsonl")[0] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"conversation_id": "x", "conversation": "hello"}',
            "field 'conversation': expected a list, got a string",
        ),
        (
            '{"conversation_id": "x", "conversation": [{"content": "hi", "role": "robot"}]}',
            "field 'conversation[0].role': expected user, assistant or system, got a string ('robot')",
        ),
        (
            '{"conversation_id": "x", "conversation": [{"content": "hi", "role": "user"}], "redacted": "no"}',
            "field 'redacted': expected true, false or null, got a string ('no')",
        ),
        (
            '{"conversation_id": "x", "conversation": [],'
            ' "openai_moderation": [{"category_scores": {"hate": "high"}}]}',
            "field 'openai_moderation[0].category_scores.hate': expected a number, got a string ('high')",
        ),
        (
            '{"conversation_id": ["x"], "conversation": []}',
            "field 'conversation_id': expected a string, an integer",
        ),
    ],
)
def test_wrong_types_name_the_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "lmsys.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(FormatError) as error:
        list(read_conversations(path, "lmsys"))
    assert str(error.value).startswith(f"{path}: line 1: {message}")


def test_a_record_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"instruction": "a", "output": "b"}, ["not", "a", "record"]]')
    with pytest.raises(FormatError, match=r"a.json: record 2: expected an object, got a list"):
        list(read_conversations(path))


def test_a_truncated_json_array(tmp_path: Path) -> None:
    text = (DATA / "alpaca.json").read_text()
    cut = tmp_path / "alpaca.json"
    cut.write_text(text[: text.index('"output": ""')])
    with pytest.raises(FormatError, match=r"alpaca.json: record 3: not valid JSON \(.*truncated"):
        list(read_conversations(cut))
    count, problems = _skipping(cut)
    assert count == 2 and len(problems) == 1


def test_a_truncated_gzip_file(tmp_path: Path) -> None:
    whole = gzip_copy(DATA / "lmsys.jsonl", tmp_path / "whole.jsonl.gz")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[:-40])
    with pytest.raises(
        FormatError, match=r"cut.jsonl.gz: after line \d: the compressed data is damaged or truncated"
    ):
        list(read_conversations(cut))
    # What came before the damage is read (how much depends on zlib's blocks); the rest is one problem.
    count, problems = _skipping(cut)
    assert 1 <= count < 3 and len(problems) == 1


def test_lines_that_are_not_utf8_are_bad_records(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    good = (DATA / "dolly.jsonl").read_bytes().splitlines(keepends=True)
    path.write_bytes(good[0] + b'{"instruction": "caf\xe9", "response": "x"}\n' + good[1])
    with pytest.raises(FormatError, match=r"d.jsonl: line 2: not UTF-8 text"):
        list(read_conversations(path))
    assert _skipping(path)[0] == 2


def test_an_unrecognised_file_names_what_it_saw(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"question": "why?", "answer": "because"}\n')
    with pytest.raises(FormatError) as error:
        detect_format(path)
    assert str(error.value) == (
        f"{path}: cannot tell the format from the fields of the first record (question, answer); "
        "name it with --format (wildchat, lmsys, sharegpt, oasst, alpaca, dolly)"
    )
    # Detection looks at the first record only: a bad line later does not matter to it.
    path.write_text('{"instruction": "a", "output": "b"}\n{oops\n')
    assert detect_format(path) == "alpaca"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", "", "holds no records to tell the format from"),
        ("text.json", "hello", "expected a JSON array of records or JSON Lines, found 'h' at the start"),
        ("object.json", '{\n  "data": []\n}\n', "found an object spanning several lines"),
        ("broken.jsonl", "{oops\n", "line 1: not valid JSON"),
        ("broken.parquet", "PAR1 not really", "not a readable Parquet file"),
        ("table.csv", "a,b\n", "not a Parquet, JSON or JSON Lines file"),
    ],
)
def test_files_that_cannot_be_read(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(FormatError) as error:
        read_conversations(path)  # detection happens before the first record is asked for
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_folders(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no such file or folder"):
        data_files(tmp_path / "absent")
    with pytest.raises(FormatError, match="no Parquet, JSON or JSON Lines files in this folder"):
        data_files(tmp_path)
    (tmp_path / "public" / "data").mkdir(parents=True)
    (tmp_path / "full" / "data").mkdir(parents=True)
    with pytest.raises(FormatError, match="public/ and full/"):
        data_files(tmp_path)


def test_a_json_file_of_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "dolly.json"
    path.write_bytes(gzip.decompress(gzip.compress((DATA / "dolly.jsonl").read_bytes())))
    assert len(list(read_conversations(path))) == 3
