"""WildChat-1M as on the Hub (Parquet shards) and our own export (`wildchat build`: Parquet shards
and the optional conversations.jsonl): the same record layout (curate/schema.py).

Every field is read when present and left at its default when not, so the older WildChat
(650K: `conversation_id` instead of `conversation_hash`, no turn_identifier, no IP fields) reads
too. Moderation entries lose their null members, as `curate.export.read_conversations` does
(`{}` for an empty message is stored as a struct of nulls). `user_id` is the hashed IP.

Speed: a Parquet shard whose column types are the ones this reader expects (checked once per
shard, `trusted_schema`) skips the per-value type checks, which the Arrow types already
guarantee; only the required values are checked for null. Other shards, and JSON, go through the
checked parser, which names the field of any bad value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from wildchat.curate.schema import TOP_LEVEL_FIELDS
from wildchat.formats.errors import FieldError, FormatError
from wildchat.formats.fields import (
    as_list,
    as_object,
    describe,
    detoxify_entry,
    id_str,
    moderation_list,
    openai_moderation_entry,
    opt_bool,
    opt_datetime,
    opt_int,
    opt_str,
    req,
    req_str,
    wrong,
)
from wildchat.formats.messages import NO_LANGUAGE, ROLES
from wildchat.formats.rows import parse_records
from wildchat.formats.sources import (
    PARQUET_SUFFIXES,
    OnInvalid,
    data_suffix,
    file_records,
    gc_paused,
    parquet_batches,
    parquet_schema,
    report,
)
from wildchat.records import Conversation, ConversationMessage

NAME = "wildchat"
COLUMNS: tuple[str, ...] = (*TOP_LEVEL_FIELDS, "conversation_id")

# ----------------------------------------------------------------------------------------------
# The checked parser (JSON, and Parquet with unexpected types)


def _header(obj: Mapping[str, Any], key: str, prefix: str) -> dict[str, str | None] | None:
    value = obj.get(key)
    if value is None:
        return None
    field = f"{prefix}.{key}" if prefix else key
    header = as_object(value, field)
    for name, item in header.items():
        if item is not None and not isinstance(item, str):
            raise wrong(f"{field}.{name}", "a string or null", item)
    return dict(header)


def _role(item: Mapping[str, Any], prefix: str) -> str:
    role = req_str(item, "role", prefix)
    if role not in ROLES:
        raise FieldError(f"{prefix}.role", f"expected user, assistant or system, got {describe(role)}")
    return role


def _message(value: Any, prefix: str, rounds: int) -> ConversationMessage:
    item = as_object(value, prefix)
    turn_identifier = opt_int(item, "turn_identifier", prefix)
    return ConversationMessage(
        role=_role(item, prefix),
        content=req_str(item, "content", prefix),
        turn_identifier=rounds if turn_identifier is None else turn_identifier,
        language=opt_str(item, "language", prefix) or NO_LANGUAGE,
        toxic=opt_bool(item, "toxic", prefix),
        redacted=opt_bool(item, "redacted", prefix),
        timestamp=opt_datetime(item, "timestamp", prefix),
        hashed_ip=opt_str(item, "hashed_ip", prefix),
        state=opt_str(item, "state", prefix),
        country=opt_str(item, "country", prefix),
        header=_header(item, "header", prefix),
    )


def _conversation_hash(row: Mapping[str, Any]) -> str:
    conversation_hash = opt_str(row, "conversation_hash") or id_str(row, "conversation_id")
    if conversation_hash is None:
        raise wrong("conversation_hash", "a string", row.get("conversation_hash"))
    return conversation_hash


def parse(row: Mapping[str, Any]) -> Conversation:
    """One record, every value's type checked."""
    conversation_hash = _conversation_hash(row)
    messages: list[ConversationMessage] = []
    rounds = 0
    for index, value in enumerate(as_list(req(row, "conversation", ""), "conversation")):
        if isinstance(value, dict) and value.get("role") == "user":
            rounds += 1  # the round number stands in for a missing turn_identifier
        messages.append(_message(value, f"conversation[{index}]", rounds))
    turn = opt_int(row, "turn")
    hashed_ip = opt_str(row, "hashed_ip")
    return Conversation(
        conversation_hash=conversation_hash,
        model=opt_str(row, "model") or "",
        timestamp=opt_datetime(row, "timestamp"),
        conversation=messages,
        turn=rounds if turn is None else turn,
        language=opt_str(row, "language") or NO_LANGUAGE,
        openai_moderation=moderation_list(row, "openai_moderation", "", openai_moderation_entry),
        detoxify_moderation=moderation_list(row, "detoxify_moderation", "", detoxify_entry),
        toxic=opt_bool(row, "toxic"),
        redacted=opt_bool(row, "redacted"),
        state=opt_str(row, "state"),
        country=opt_str(row, "country"),
        hashed_ip=hashed_ip,
        header=_header(row, "header", ""),
        user_id=hashed_ip,
    )


# ----------------------------------------------------------------------------------------------
# The fast parser (Parquet whose types are known good)

_STRING, _BOOL, _INT, _FLOAT, _TIME = "string", "bool", "int", "float", "time"
_ANY = "*"  # in a struct spec: the kind of members it does not name
_HEADER: dict[str, Any] = {_ANY: _STRING}
# What each column must hold for `parse_trusted`; absent columns and members are fine.
_EXPECTED: dict[str, Any] = {
    "conversation_hash": _STRING,
    "conversation_id": _STRING,
    "model": _STRING,
    "timestamp": _TIME,
    "conversation": [
        {
            "content": _STRING,
            "role": _STRING,
            "turn_identifier": _INT,
            "language": _STRING,
            "toxic": _BOOL,
            "redacted": _BOOL,
            "timestamp": _TIME,
            "hashed_ip": _STRING,
            "state": _STRING,
            "country": _STRING,
            "header": _HEADER,
        }
    ],
    "turn": _INT,
    "language": _STRING,
    "openai_moderation": [{"categories": {_ANY: _BOOL}, "category_scores": {_ANY: _FLOAT}, "flagged": _BOOL}],
    "detoxify_moderation": [{_ANY: _FLOAT}],
    "toxic": _BOOL,
    "redacted": _BOOL,
    "state": _STRING,
    "country": _STRING,
    "hashed_ip": _STRING,
    "header": _HEADER,
}
_KIND_TESTS = {
    _STRING: lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    _BOOL: pa.types.is_boolean,
    _INT: pa.types.is_integer,
    _FLOAT: pa.types.is_floating,
    _TIME: pa.types.is_timestamp,
}


def _fits(data_type: pa.DataType, spec: Any) -> bool:
    if pa.types.is_null(data_type):  # a column of nulls only
        return True
    if isinstance(spec, str):
        return bool(_KIND_TESTS[spec](data_type))
    if isinstance(spec, list):
        return (pa.types.is_list(data_type) or pa.types.is_large_list(data_type)) and _fits(
            data_type.value_type, spec[0]
        )
    if not pa.types.is_struct(data_type):
        return False
    for member in data_type:
        member_spec = spec.get(member.name, spec.get(_ANY))
        if member_spec is not None and not _fits(member.type, member_spec):
            return False
    return True


def trusted_schema(schema: pa.Schema) -> bool:
    """Whether every column this reader uses has the kind of type it expects."""
    return all(_fits(field.type, _EXPECTED[field.name]) for field in schema if field.name in _EXPECTED)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)  # Parquet rows: naive UTC


def _pruned(entry: dict[str, Any] | None) -> dict[str, Any]:
    """A moderation entry without null members; most have none, and stay as they are."""
    if entry is None:
        return {}
    for value in entry.values():
        if value is None or (type(value) is dict and None in value.values()):
            return {
                key: {k: v for k, v in value.items() if v is not None} if type(value) is dict else value
                for key, value in entry.items()
                if value is not None
            }
    return entry


def _required(value: Any, field: str, expected: str) -> Any:
    if value is None:
        raise wrong(field, expected, None)
    return value


def parse_trusted(row: dict[str, Any]) -> Conversation:
    """One Parquet row of a `trusted_schema` shard: types known, only nulls checked."""
    conversation_hash = row.get("conversation_hash") or row.get("conversation_id")
    messages: list[ConversationMessage] = []
    rounds = 0
    for index, item in enumerate(_required(row.get("conversation"), "conversation", "a list")):
        if item is None:
            raise wrong(f"conversation[{index}]", "an object", None)
        role = item.get("role")
        if role not in ROLES:
            raise FieldError(
                f"conversation[{index}].role", f"expected user, assistant or system, got {describe(role)}"
            )
        if role == "user":
            rounds += 1
        content = item.get("content")
        if content is None:
            raise wrong(f"conversation[{index}].content", "a string", None)
        turn_identifier = item.get("turn_identifier")
        messages.append(
            ConversationMessage(
                role=role,
                content=content,
                turn_identifier=rounds if turn_identifier is None else turn_identifier,
                language=item.get("language") or NO_LANGUAGE,
                toxic=bool(item.get("toxic")),
                redacted=bool(item.get("redacted")),
                timestamp=_utc(item.get("timestamp")),
                hashed_ip=item.get("hashed_ip"),
                state=item.get("state"),
                country=item.get("country"),
                header=item.get("header"),
            )
        )
    turn = row.get("turn")
    hashed_ip = row.get("hashed_ip")
    return Conversation(
        conversation_hash=_required(conversation_hash, "conversation_hash", "a string"),
        model=row.get("model") or "",
        timestamp=_utc(row.get("timestamp")),
        conversation=messages,
        turn=rounds if turn is None else turn,
        language=row.get("language") or NO_LANGUAGE,
        openai_moderation=[_pruned(entry) for entry in row.get("openai_moderation") or ()],
        detoxify_moderation=[_pruned(entry) for entry in row.get("detoxify_moderation") or ()],
        toxic=bool(row.get("toxic")),
        redacted=bool(row.get("redacted")),
        state=row.get("state"),
        country=row.get("country"),
        hashed_ip=hashed_ip,
        header=row.get("header"),
        user_id=hashed_ip,
    )


def _read_trusted(path: Path, on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    for first, rows in parquet_batches(path, COLUMNS, on_invalid):
        conversations: list[Conversation] = []
        errors: list[FormatError] = []
        with gc_paused():
            for offset, row in enumerate(rows):
                try:
                    conversations.append(parse_trusted(row))
                except FieldError as bad:
                    errors.append(FormatError.from_field(path, f"row {first + offset}", bad))
                    if on_invalid is None:
                        break
        yield from conversations  # those before a bad row come first, as from the checked path
        for error in errors:
            report(error, on_invalid)


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    for file in files:
        if data_suffix(file) in PARQUET_SUFFIXES:
            schema = parquet_schema(file, on_invalid)
            if schema is None:
                continue
            if trusted_schema(schema):
                yield from _read_trusted(file, on_invalid)
                continue
        yield from parse_records(file_records(file, COLUMNS, on_invalid), parse, on_invalid)
