"""The wildchat reader reads exactly what our export writes, and the Hub's WildChat layouts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.curate.test_export import make_conversations
from tests.formats.helpers import write_parquet
from wildchat.curate import export
from wildchat.curate.export import ReleaseWriter, conversations_to_table
from wildchat.formats import FormatError, dataset_name, detect_format, read_conversations
from wildchat.formats import wildchat as reader
from wildchat.formats.rows import parse_records
from wildchat.formats.sources import data_files, file_records
from wildchat.records import Conversation


def _as_imported(conversation: Conversation, dataset: str) -> Conversation:
    """What the reader adds to a record: the hashed IP as user id, and the dataset label."""
    return dataclasses.replace(conversation, user_id=conversation.hashed_ip, dataset=dataset)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("formats") / "rel"
    with ReleaseWriter(out, jsonl=True, max_shard_rows=3, row_group_rows=2) as writer:
        conversations = make_conversations()
        for start in range(0, len(conversations), 4):
            writer.write(conversations[start : start + 4])
    return out


def test_our_export_round_trips_exactly(release: Path) -> None:
    folder = release / "full"
    assert len(data_files(folder)) == 4  # 10 conversations in shards of 3
    assert detect_format(folder) == "wildchat" and dataset_name(folder) == "rel-full"
    found = list(read_conversations(folder))
    assert found == [_as_imported(c, "rel-full") for c in make_conversations()]
    # The same records as the export's own reader gives back.
    assert found == [_as_imported(c, "rel-full") for c in export.read_conversations(folder)]


def test_our_jsonl_copy_reads_the_same(release: Path) -> None:
    jsonl = release / "full" / "conversations.jsonl"
    assert detect_format(jsonl) == "wildchat"
    from_jsonl = list(read_conversations(jsonl, dataset="x"))
    assert from_jsonl == list(read_conversations(release / "full", dataset="x"))


def test_public_holds_the_non_toxic_ones(release: Path) -> None:
    public = list(read_conversations(release / "public"))
    assert len(public) == 8 and not any(c.toxic for c in public)  # conversations 2 and 7 are toxic


def test_the_fast_and_the_checked_parser_agree(release: Path) -> None:
    files = data_files(release / "full")
    assert all(reader.trusted_schema(pq.read_schema(f)) for f in files)
    checked = [
        c for f in files for c in parse_records(file_records(f, reader.COLUMNS, None), reader.parse, None)
    ]
    assert checked == list(reader.read(files, None))


def _hub_rows() -> list[dict[str, object]]:
    return conversations_to_table(make_conversations()[:3]).to_pylist()


def test_hub_layout_of_wildchat_1m(tmp_path: Path) -> None:
    rows = _hub_rows()
    shards = tmp_path / "WildChat-1M" / "data"
    shards.mkdir(parents=True)
    table = pa.Table.from_pylist(rows, schema=export.WILDCHAT_SCHEMA)
    pq.write_table(table.slice(0, 2), shards / "train-00000-of-00002.parquet")
    pq.write_table(table.slice(2), shards / "train-00001-of-00002.parquet")
    found = list(read_conversations(tmp_path / "WildChat-1M"))
    assert [c.dataset for c in found] == ["WildChat-1M"] * 3
    assert [c.conversation_hash for c in found] == [c.conversation_hash for c in make_conversations()[:3]]


def test_a_column_of_an_unexpected_type_is_checked_row_by_row(tmp_path: Path) -> None:
    rows = _hub_rows()
    for row in rows:
        row["turn"] = str(row["turn"])  # a string column: the fast path is not taken
    path = write_parquet(rows, tmp_path / "odd.parquet")
    assert not reader.trusted_schema(pq.read_schema(path))
    with pytest.raises(FormatError) as error:
        list(read_conversations(path, "wildchat"))
    assert str(error.value) == f"{path}: row 1: field 'turn': expected an integer or null, got a string ('2')"


def test_a_null_where_a_value_is_required(tmp_path: Path) -> None:
    table = conversations_to_table(make_conversations()[:3])
    rows = table.to_pylist()
    rows[1]["conversation"][2]["content"] = None
    path = tmp_path / "nulls.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    assert reader.trusted_schema(pq.read_schema(path))
    stream = read_conversations(path)
    assert next(stream).conversation_hash == f"{0:032x}"
    with pytest.raises(
        FormatError, match=r"nulls.parquet: row 2: field 'conversation\[2\].content': expected a string"
    ):
        next(stream)
    skipped: list[FormatError] = []
    assert len(list(read_conversations(path, on_invalid=skipped.append))) == 2 and len(skipped) == 1


def test_the_older_650k_layout(tmp_path: Path) -> None:
    """WildChat (650K): conversation_id, no turn_identifier, no IP fields."""
    path = tmp_path / "wildchat.jsonl"
    path.write_text(
        '{"conversation_id": "c650", "model": "gpt-3.5-turbo", "timestamp": "2023-04-09T00:02:53",'
        ' "conversation": [{"content": "Hi", "language": "English", "redacted": false, "role": "user",'
        ' "toxic": false}, {"content": "Hello!", "language": "English", "redacted": false,'
        ' "role": "assistant", "toxic": false}], "turn": 1, "language": "English",'
        ' "openai_moderation": [null, null], "detoxify_moderation": [null, null], "toxic": false,'
        ' "redacted": false}\n'
    )
    assert detect_format(path) == "wildchat"
    (found,) = read_conversations(path)
    assert found.conversation_hash == "c650"
    assert [m.turn_identifier for m in found.conversation] == [1, 1]
    assert found.timestamp is not None and found.timestamp.isoformat() == "2023-04-09T00:02:53+00:00"
    assert found.openai_moderation == [{}, {}] and found.user_id is None


@pytest.mark.slow
def test_a_real_build_reads_back(tmp_path: Path) -> None:
    """`wildchat build` on a small synthetic log: the reader gives what the export's reader gives."""
    from tests.curate.test_pipeline import options
    from wildchat.curate.pipeline import build
    from wildchat.curate.synth import write_synthetic
    from wildchat.store import Store, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    write_synthetic(Store(engine), 60, seed=11)
    build(Store(engine), options(tmp_path / "rel", jsonl=True))
    engine.dispose()
    for folder in ("public", "full"):
        expected = [_as_imported(c, "x") for c in export.read_conversations(tmp_path / "rel" / folder)]
        assert expected
        assert list(read_conversations(tmp_path / "rel" / folder, dataset="x")) == expected
        jsonl = tmp_path / "rel" / folder / "conversations.jsonl"
        assert list(read_conversations(jsonl, dataset="x")) == expected
