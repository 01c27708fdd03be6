"""The WildChat-1M record layout, as Arrow and as Hugging Face `datasets` features.

Where the layout comes from (field names, order and types):
  * /work/shared/reference/wildchat-facts.md §5, which summarises the `dataset_info` YAML and the
    "Data Fields" section of the allenai/WildChat-1M dataset card: the top-level order
    (conversation_hash … header), `timestamp[us, tz=UTC]`, the per-message fields, both "a/b" and
    "a_b" spellings of the moderation categories, and float64 Detoxify scores.
  * The order of the members *inside* the structs (per-message fields, moderation categories) was
    checked against the `dataset_info` YAML of datasets derived from WildChat-1M that republish its
    features unchanged (Locutusque/Wild-GPT-4-Turbo-Cleaned, jacobmorrison/wildchat_aae,
    yuntian-deng/WildChat-1M-internal). Those members are in code-point order (the public files were
    built from JSON objects whose keys had been sorted), so "self-harm" < "self-harm/intent" <
    "self_harm" ('-' < '/' < '_').

Nothing here imports `datasets` at module load: it is a development dependency, while the export
needs only pyarrow. `wildchat_features()` imports it on demand; `features_yaml()` writes the card's
YAML `features` list from the Arrow schema without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from wildchat.curate.toxicity.schema import DETOXIFY_LABELS, MODERATION_KEYS

if TYPE_CHECKING:
    from datasets import Features

# The OpenAI moderation categories of the 2023/2024 API, in both spellings the public dataset
# keeps, and the Detoxify labels: defined once, with the records the toxicity stage builds.
OPENAI_MODERATION_CATEGORIES: tuple[str, ...] = MODERATION_KEYS
OPENAI_MODERATION_KEYS: tuple[str, ...] = ("categories", "category_scores", "flagged")
DETOXIFY_KEYS: tuple[str, ...] = DETOXIFY_LABELS
HEADER_KEYS: tuple[str, ...] = ("accept-language", "user-agent")

TOP_LEVEL_FIELDS: tuple[str, ...] = (
    "conversation_hash",
    "model",
    "timestamp",
    "conversation",
    "turn",
    "language",
    "openai_moderation",
    "detoxify_moderation",
    "toxic",
    "redacted",
    "state",
    "country",
    "hashed_ip",
    "header",
)
# Per-message fields. Which apply to which role (the others are null): user messages carry
# country, hashed_ip, header and state; assistant messages carry timestamp; all carry the rest.
MESSAGE_FIELDS: tuple[str, ...] = (
    "content",
    "country",
    "hashed_ip",
    "header",
    "language",
    "redacted",
    "role",
    "state",
    "timestamp",
    "toxic",
    "turn_identifier",
)
USER_ONLY_MESSAGE_FIELDS: frozenset[str] = frozenset({"country", "hashed_ip", "header", "state"})
ASSISTANT_ONLY_MESSAGE_FIELDS: frozenset[str] = frozenset({"timestamp"})

# The names a schema test checks: every top-level field, then every per-message field as
# "conversation.<name>".
FIELD_LIST: tuple[str, ...] = TOP_LEVEL_FIELDS + tuple(f"conversation.{name}" for name in MESSAGE_FIELDS)

TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
HEADER_TYPE = pa.struct([pa.field(key, pa.string()) for key in HEADER_KEYS])

MESSAGE_TYPE = pa.struct(
    [
        pa.field("content", pa.string()),
        pa.field("country", pa.string()),
        pa.field("hashed_ip", pa.string()),
        pa.field("header", HEADER_TYPE),
        pa.field("language", pa.string()),
        pa.field("redacted", pa.bool_()),
        pa.field("role", pa.string()),
        pa.field("state", pa.string()),
        pa.field("timestamp", TIMESTAMP_TYPE),
        pa.field("toxic", pa.bool_()),
        pa.field("turn_identifier", pa.int64()),
    ]
)
OPENAI_MODERATION_TYPE = pa.struct(
    [
        pa.field("categories", pa.struct([pa.field(c, pa.bool_()) for c in OPENAI_MODERATION_CATEGORIES])),
        pa.field(
            "category_scores", pa.struct([pa.field(c, pa.float64()) for c in OPENAI_MODERATION_CATEGORIES])
        ),
        pa.field("flagged", pa.bool_()),
    ]
)
DETOXIFY_TYPE = pa.struct([pa.field(key, pa.float64()) for key in DETOXIFY_KEYS])

WILDCHAT_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("conversation_hash", pa.string()),
        pa.field("model", pa.string()),
        pa.field("timestamp", TIMESTAMP_TYPE),
        pa.field("conversation", pa.list_(MESSAGE_TYPE)),
        pa.field("turn", pa.int64()),
        pa.field("language", pa.string()),
        pa.field("openai_moderation", pa.list_(OPENAI_MODERATION_TYPE)),
        pa.field("detoxify_moderation", pa.list_(DETOXIFY_TYPE)),
        pa.field("toxic", pa.bool_()),
        pa.field("redacted", pa.bool_()),
        pa.field("state", pa.string()),
        pa.field("country", pa.string()),
        pa.field("hashed_ip", pa.string()),
        pa.field("header", HEADER_TYPE),
    ]
)
assert tuple(WILDCHAT_SCHEMA.names) == TOP_LEVEL_FIELDS  # one source of truth for names and types
assert tuple(f.name for f in MESSAGE_TYPE) == MESSAGE_FIELDS


def wildchat_features() -> Features:
    """The same layout as `datasets.Features` (what `load_dataset` reports for our Parquet)."""
    from datasets import Features

    return Features.from_arrow_schema(WILDCHAT_SCHEMA)


def _dtype_name(data_type: pa.DataType) -> str:
    """The `dtype` spelling the Hub's YAML uses for a scalar Arrow type."""
    if pa.types.is_boolean(data_type):
        return "bool"
    if pa.types.is_string(data_type):
        return "string"
    if pa.types.is_timestamp(data_type):
        assert isinstance(data_type, pa.TimestampType)
        return (
            f"timestamp[{data_type.unit}, tz={data_type.tz}]"
            if data_type.tz
            else f"timestamp[{data_type.unit}]"
        )
    if pa.types.is_floating(data_type):
        return f"float{data_type.bit_width}"  # Arrow says "double", the Hub says "float64"
    return str(data_type)  # integers: Arrow's names (int64) are the Hub's names


def _feature_yaml(field: pa.Field) -> dict[str, Any]:
    data_type = field.type
    if pa.types.is_list(data_type):
        item = data_type.value_type
        if pa.types.is_struct(item):
            return {"name": field.name, "list": [_feature_yaml(child) for child in item]}
        return {"name": field.name, "sequence": _dtype_name(item)}
    if pa.types.is_struct(data_type):
        return {"name": field.name, "struct": [_feature_yaml(child) for child in data_type]}
    return {"name": field.name, "dtype": _dtype_name(data_type)}


def features_yaml(schema: pa.Schema = WILDCHAT_SCHEMA) -> list[dict[str, Any]]:
    """The card's `dataset_info.features` list, in the Hub's YAML layout (name/dtype/list/struct).

    Written here rather than through `datasets.Features._to_yaml_list` so the export does not need
    `datasets`; a test checks that both give the same list.
    """
    return [_feature_yaml(field) for field in schema]


def flatten_schema(schema: pa.Schema = WILDCHAT_SCHEMA) -> list[tuple[str, str]]:
    """Every field as (dotted path, type), lists written as "path[]": compared field by field in tests."""
    out: list[tuple[str, str]] = []

    def visit(prefix: str, data_type: pa.DataType) -> None:
        if pa.types.is_list(data_type):
            out.append((prefix, "list"))
            visit(prefix + "[]", data_type.value_type)
        elif pa.types.is_struct(data_type):
            out.append((prefix, "struct"))
            for child in data_type:
                visit(f"{prefix}.{child.name}", child.type)
        else:
            out.append((prefix, _dtype_name(data_type)))

    for field in schema:
        visit(field.name, field.type)
    return out
