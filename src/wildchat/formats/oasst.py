"""OpenAssistant oasst1 / oasst2: message trees, one conversation per root-to-leaf path.

Two layouts are read, as JSON Lines (maybe .gz), JSON or Parquet:

* messages, one a record (the Hub's Parquet, `*.messages.jsonl.gz`): message_id, parent_id (null
  for a tree's root prompt), message_tree_id, role (prompter | assistant), text, lang, user_id,
  created_date, deleted, detoxify, review_result, rank, synthetic …
* trees, one a record (`*.trees.jsonl.gz`): {message_tree_id, prompt: {message …, replies: […]}}.

Every path from a root prompt to a leaf is one conversation, as the WildChat paper counts
OpenAssistant (a tree with a prompt, two answers and one follow-up under the first is two
conversations). Deleted messages are left out with everything under them, as are messages whose
parent is not in the file; a message whose children are all left out becomes a leaf. A path may
end with a prompt that no one answered: it is a conversation with one more user turn than replies.

Each tree is held in memory alone: the messages of one tree are normally contiguous, and the
reader checks that first (a pass over message_tree_id only). When they are not, the messages go
through a temporary SQLite file ordered by tree, so memory stays bounded by the largest tree.

The conversation: `conversation_hash` is the leaf's message_id, `timestamp` the leaf's
created_date, `user_id` the root prompter's user_id, messages carry their language (ISO codes
turned into WildChat's names: "en" → "English") and created_date, `detoxify_moderation` one
entry per message, its Detoxify scores or `{}` where the source has none; `extra` holds
message_tree_id and the message_ids of the path.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wildchat.formats.errors import FieldError, FormatError
from wildchat.formats.fields import (
    as_list,
    as_object,
    describe,
    detoxify_entry,
    id_str,
    opt_bool,
    opt_datetime,
    opt_str,
    req,
    req_str,
    wrong,
)
from wildchat.formats.messages import language_from_code, most_frequent_language, number_rounds
from wildchat.formats.rows import decode_records
from wildchat.formats.sources import OnInvalid, Record, file_records, report
from wildchat.records import Conversation, ConversationMessage

NAME = "oasst"
COLUMNS = (
    "message_id",
    "parent_id",
    "message_tree_id",
    "role",
    "text",
    "lang",
    "user_id",
    "created_date",
    "deleted",
    "detoxify",
    "prompt",
)
ROLES = {"prompter": "user", "assistant": "assistant"}
_TOP = object()  # "read parent_id from the record" (a tree record's nesting gives it otherwise)


@dataclass(slots=True)
class Message:
    id: str
    parent_id: str | None
    tree_id: str
    role: str
    text: str
    language: str
    user_id: str | None
    created: datetime | None
    deleted: bool
    detoxify: dict[str, Any] | None
    file: str
    position: str
    field: str  # where in the record: "" for a message record, "prompt.replies[0]" in a tree


def _message(
    data: Any, prefix: str, record: Record, tree_id: str | None = None, parent_id: Any = _TOP
) -> Message:
    item = as_object(data, prefix)
    message_id = id_str(item, "message_id", prefix)
    if message_id is None:
        raise wrong(f"{prefix}.message_id" if prefix else "message_id", "a string", item.get("message_id"))
    speaker = req_str(item, "role", prefix)
    role = ROLES.get(speaker)
    if role is None:
        raise FieldError(
            f"{prefix}.role" if prefix else "role", f"expected prompter or assistant, got {describe(speaker)}"
        )
    detoxify = item.get("detoxify")
    return Message(
        id=message_id,
        parent_id=id_str(item, "parent_id", prefix) if parent_id is _TOP else parent_id,
        tree_id=req_str(item, "message_tree_id", prefix) if tree_id is None else tree_id,
        role=role,
        text=req_str(item, "text", prefix),
        language=language_from_code(opt_str(item, "lang", prefix)),
        user_id=opt_str(item, "user_id", prefix),
        created=opt_datetime(item, "created_date", prefix),
        deleted=opt_bool(item, "deleted", prefix),
        detoxify=None if detoxify is None else detoxify_entry(detoxify, f"{prefix}.detoxify".lstrip(".")),
        file=str(record.file),
        position=record.position,
        field=prefix,
    )


def _tree(data: Mapping[str, Any], record: Record) -> list[Message]:
    """The messages of a tree record, parents before children, siblings in order."""
    tree_id = req_str(data, "message_tree_id")
    messages: list[Message] = []
    stack: list[tuple[Any, str, str | None]] = [(req(data, "prompt", ""), "prompt", None)]
    while stack:
        node, prefix, parent = stack.pop()
        message = _message(node, prefix, record, tree_id, parent)
        messages.append(message)
        replies = node.get("replies")
        if replies is not None:
            children = as_list(replies, f"{prefix}.replies")
            stack.extend(
                (child, f"{prefix}.replies[{index}]", message.id)
                for index, child in reversed(list(enumerate(children)))
            )
    return messages


def record_messages(record: Record) -> list[Message]:
    """The messages of one record (an object: a message, or a whole tree); FieldError when bad."""
    data = record.data
    if "prompt" in data and "message_id" not in data:
        return _tree(data, record)
    return [_message(data, "", record)]


def _conversation(path: list[Message]) -> Conversation:
    messages = [
        ConversationMessage(
            role=m.role, content=m.text, turn_identifier=0, language=m.language, timestamp=m.created
        )
        for m in path
    ]
    turns = number_rounds(messages)
    root, leaf = path[0], path[-1]
    return Conversation(
        conversation_hash=leaf.id,
        model="",
        timestamp=leaf.created,
        conversation=messages,
        turn=turns,
        language=most_frequent_language(messages),
        # One entry per message, as WildChat has: `{}` where the source has no scores.
        detoxify_moderation=[m.detoxify or {} for m in path],
        user_id=root.user_id,
        extra={"message_tree_id": root.tree_id, "message_ids": [m.id for m in path]},
    )


def tree_conversations(messages: list[Message], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    """Every root-to-leaf path of one tree's messages (in file order), depth first."""
    live: dict[str, Message] = {}
    for message in messages:
        if message.deleted:
            continue
        if message.id in live:
            problem = f"message {message.id} appears twice in tree {message.tree_id}"
            field = f"{message.field}.message_id" if message.field else "message_id"
            report(FormatError(message.file, problem, position=message.position, field=field), on_invalid)
            continue
        live[message.id] = message
    children: dict[str, list[Message]] = {}
    roots: list[Message] = []
    for message in live.values():
        if message.parent_id is None:
            roots.append(message)
        elif message.parent_id in live:  # a deleted or missing parent drops the whole subtree
            children.setdefault(message.parent_id, []).append(message)
    for root in roots:
        path: list[Message] = []
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            del path[depth:]
            path.append(node)
            below = children.get(node.id)
            if below:
                stack.extend((child, depth + 1) for child in reversed(below))
            else:
                yield _conversation(path)


# ----------------------------------------------------------------------------------------------
# Reading a file: tree by tree


def _parsed(file: Path, on_invalid: OnInvalid | None) -> Iterator[list[Message]]:
    return decode_records(file_records(file, COLUMNS, on_invalid), record_messages, on_invalid)


def _grouped(file: Path) -> bool:
    """Whether each tree's message records are contiguous (reads message_tree_id only)."""
    seen: set[str] = set()
    current: str | None = None
    for record in file_records(file, ("message_tree_id",), lambda error: None):
        tree_id = record.data.get("message_tree_id") if isinstance(record.data, dict) else None
        if not isinstance(tree_id, str) or tree_id == current:
            continue
        if tree_id in seen:
            return False
        seen.add(tree_id)
        current = tree_id
    return True


def _read_grouped(file: Path, on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    tree: list[Message] = []
    for messages in _parsed(file, on_invalid):
        if tree and messages[0].tree_id != tree[0].tree_id:
            yield from tree_conversations(tree, on_invalid)
            tree = []
        tree.extend(messages)
    if tree:
        yield from tree_conversations(tree, on_invalid)


def _read_ungrouped(file: Path, on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    """Trees scattered through the file: index the messages by tree in SQLite, then read tree by tree."""
    with tempfile.TemporaryDirectory(prefix="wildchat-oasst-") as folder:
        database = sqlite3.connect(Path(folder) / "messages.sqlite")
        try:
            database.execute("CREATE TABLE message (tree TEXT, seq INTEGER, body BLOB)")
            seq = 0
            for messages in _parsed(file, on_invalid):
                rows = []
                for message in messages:
                    seq += 1
                    rows.append((message.tree_id, seq, pickle.dumps(message)))
                database.executemany("INSERT INTO message VALUES (?, ?, ?)", rows)
            database.execute("CREATE INDEX by_tree ON message (tree, seq)")
            tree: list[Message] = []
            for tree_id, body in database.execute("SELECT tree, body FROM message ORDER BY tree, seq"):
                if tree and tree_id != tree[0].tree_id:
                    yield from tree_conversations(tree, on_invalid)
                    tree = []
                tree.append(pickle.loads(body))  # our own temporary file, written just above
            if tree:
                yield from tree_conversations(tree, on_invalid)
        finally:
            database.close()


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    for file in files:
        if _grouped(file):
            yield from _read_grouped(file, on_invalid)
        else:
            yield from _read_ungrouped(file, on_invalid)
