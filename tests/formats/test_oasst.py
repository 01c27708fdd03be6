"""OpenAssistant trees: every root-to-leaf path is one conversation.

tests/formats/data/oasst_messages.jsonl, drawn by hand:

    t1:  p1 (prompter, u1) ─┬─ a1 ─┬─ p2a ── a3          path 1: p1 a1 p2a a3
                            │      └─ p2b ("")           path 2: p1 a1 p2b
                            └─ a2 (deleted) ── p3        gone with a2
         o1: parent "gone" is not in the file            left out
    t2:  q1 (prompter, u5, German), no reply             path 3: q1
    t3:  r1 (deleted root) ── r2                         gone with r1

So 3 conversations, 4 + 3 + 1 = 8 messages, 2 + 2 + 1 = 5 user turns, 2 users (u1, u5: the root
prompters).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.formats.helpers import DATA, jsonl_rows, write_parquet
from wildchat.formats import FormatError, detect_format, read_conversations
from wildchat.records import Conversation

PATHS = [["p1", "a1", "p2a", "a3"], ["p1", "a1", "p2b"], ["q1"]]


def _ids(conversations: list[Conversation]) -> list[list[str]]:
    return [c.extra["message_ids"] for c in conversations if c.extra]


def test_every_root_to_leaf_path_is_a_conversation() -> None:
    found = list(read_conversations(DATA / "oasst_messages.jsonl"))
    assert _ids(found) == PATHS
    assert [c.conversation_hash for c in found] == ["a3", "p2b", "q1"]  # the leaf's id
    assert [len(c.conversation) for c in found] == [4, 3, 1]
    assert [c.turn for c in found] == [2, 2, 1]
    assert [[m.role for m in c.conversation] for c in found] == [
        ["user", "assistant", "user", "assistant"],
        ["user", "assistant", "user"],  # ends with a prompt nobody answered
        ["user"],
    ]
    assert [m.content for m in found[1].conversation] == [
        "How do I boil an egg?",
        "Put it in boiling water for nine minutes.",
        "",  # an empty message is kept as one
    ]
    assert [c.user_id for c in found] == ["u1", "u1", "u5"]
    assert len({c.user_id for c in found}) == 2


def test_conversation_fields() -> None:
    first, _second, german = read_conversations(DATA / "oasst_messages.jsonl")
    assert first.timestamp == datetime(2023, 2, 1, 10, 15, tzinfo=UTC)  # the leaf's time
    assert first.conversation[0].timestamp == datetime(2023, 2, 1, 10, 0, tzinfo=UTC)
    assert first.language == "English" and {m.language for m in first.conversation} == {"English"}
    assert german.language == "German"
    assert [m.turn_identifier for m in first.conversation] == [1, 1, 2, 2]
    assert first.model == "" and first.extra is not None and first.extra["message_tree_id"] == "t1"
    # Only p1 has Detoxify scores: one entry per message, {} where the source has none.
    assert len(first.detoxify_moderation) == 4
    assert first.detoxify_moderation[0]["toxicity"] == 0.0004
    assert first.detoxify_moderation[1:] == [{}, {}, {}]
    # No message of this path has scores: still one {} per message (docs/formats.md).
    assert german.detoxify_moderation == [{}] * len(german.conversation)


def test_trees_layout_gives_the_same_conversations() -> None:
    messages = list(read_conversations(DATA / "oasst_messages.jsonl"))
    trees = list(read_conversations(DATA / "oasst_trees.jsonl"))
    assert _ids(trees) == PATHS
    for one, other in zip(messages, trees, strict=True):
        assert one.conversation == other.conversation
        assert (one.turn, one.user_id, one.timestamp) == (other.turn, other.user_id, other.timestamp)


def test_messages_out_of_tree_order(tmp_path: Path) -> None:
    """Trees interleaved through the file go through the SQLite index: the same paths."""
    lines = (DATA / "oasst_messages.jsonl").read_text().splitlines(keepends=True)
    random.Random(3).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(lines))
    from wildchat.formats.oasst import _grouped

    assert not _grouped(shuffled)
    found = list(read_conversations(shuffled))
    assert sorted(_ids(found)) == sorted(PATHS)
    assert sum(len(c.conversation) for c in found) == 8


def test_parquet_messages_as_on_the_hub(tmp_path: Path) -> None:
    rows = jsonl_rows(DATA / "oasst_messages.jsonl")
    folder = tmp_path / "oasst1" / "data"
    write_parquet(rows[:9], folder / "train-00000-of-00001-b42a775f407cee45.parquet")
    write_parquet(rows[9:], folder / "validation-00000-of-00001-134b8fd0c89408b6.parquet")
    assert detect_format(tmp_path / "oasst1") == "oasst"
    found = list(read_conversations(tmp_path / "oasst1"))
    assert _ids(found) == PATHS  # t3 (the validation file) holds only deleted paths
    assert {c.dataset for c in found} == {"oasst1"}


def test_a_repeated_message_id_is_an_error(tmp_path: Path) -> None:
    lines = (DATA / "oasst_messages.jsonl").read_text().splitlines(keepends=True)
    duplicated = tmp_path / "dup.jsonl"
    duplicated.write_text("".join([*lines[:2], lines[1], *lines[2:]]))
    with pytest.raises(FormatError, match=r"dup.jsonl: line 3: field 'message_id': message a1 appears twice"):
        list(read_conversations(duplicated))
    skipped: list[FormatError] = []
    assert _ids(list(read_conversations(duplicated, on_invalid=skipped.append))) == PATHS
    assert len(skipped) == 1


def test_a_bad_message_names_its_field(tmp_path: Path) -> None:
    lines = (DATA / "oasst_messages.jsonl").read_text().splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "".join([*lines[:4], lines[4].replace('"role": "prompter"', '"role": "moderator"'), *lines[5:]])
    )
    with pytest.raises(
        FormatError, match=r"line 5: field 'role': expected prompter or assistant, got a string"
    ):
        list(read_conversations(bad))
    # Skipped, p2a takes its subtree (a3) with it: p1 a1 p2b and q1 remain.
    skipped: list[FormatError] = []
    assert _ids(list(read_conversations(bad, on_invalid=skipped.append))) == [["p1", "a1", "p2b"], ["q1"]]
    assert len(skipped) == 1


def test_a_bad_node_in_a_tree_record_names_its_path(tmp_path: Path) -> None:
    text = (DATA / "oasst_trees.jsonl").read_text()
    bad = tmp_path / "trees.jsonl"
    bad.write_text(text.replace('"text": "Six minutes."', '"text": null'))
    with pytest.raises(
        FormatError,
        match=r"line 1: field 'prompt.replies\[0\].replies\[0\].replies\[0\].text': expected a string",
    ):
        list(read_conversations(bad))
