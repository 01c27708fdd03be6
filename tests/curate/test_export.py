"""Export in the WildChat-1M format: schema, Parquet shards, JSONL, dataset cards, manifests.

The records are written by hand here to cover every field: role-specific nulls, WildChat's `{}`
moderation entries for empty messages, missing countries, non-ASCII text in many languages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Before `datasets`/`huggingface_hub` are imported anywhere: they read it at import time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pyarrow.parquet as pq
import pytest
import yaml

from wildchat.curate.card import CardInfo, ScorerInfo, document_release, language_codes, size_category
from wildchat.curate.export import (
    ExportError,
    ReleaseResult,
    ReleaseWriter,
    ShardWriter,
    conversations_to_table,
    read_conversations,
)
from wildchat.curate.schema import (
    DETOXIFY_KEYS,
    FIELD_LIST,
    OPENAI_MODERATION_CATEGORIES,
    WILDCHAT_SCHEMA,
    features_yaml,
    flatten_schema,
)
from wildchat.records import Conversation, ConversationMessage

# ---------------------------------------------------------------------------------------------
# The WildChat-1M layout, written out by hand from the public card (not derived from schema.py).

_CATEGORIES = [
    "harassment",
    "harassment/threatening",
    "harassment_threatening",
    "hate",
    "hate/threatening",
    "hate_threatening",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "self_harm",
    "self_harm_instructions",
    "self_harm_intent",
    "sexual",
    "sexual/minors",
    "sexual_minors",
    "violence",
    "violence/graphic",
    "violence_graphic",
]
TS = "timestamp[us, tz=UTC]"
EXPECTED_FIELDS: list[tuple[str, str]] = [
    ("conversation_hash", "string"),
    ("model", "string"),
    ("timestamp", TS),
    ("conversation", "list"),
    ("conversation[]", "struct"),
    ("conversation[].content", "string"),
    ("conversation[].country", "string"),
    ("conversation[].hashed_ip", "string"),
    ("conversation[].header", "struct"),
    ("conversation[].header.accept-language", "string"),
    ("conversation[].header.user-agent", "string"),
    ("conversation[].language", "string"),
    ("conversation[].redacted", "bool"),
    ("conversation[].role", "string"),
    ("conversation[].state", "string"),
    ("conversation[].timestamp", TS),
    ("conversation[].toxic", "bool"),
    ("conversation[].turn_identifier", "int64"),
    ("turn", "int64"),
    ("language", "string"),
    ("openai_moderation", "list"),
    ("openai_moderation[]", "struct"),
    ("openai_moderation[].categories", "struct"),
    *[(f"openai_moderation[].categories.{c}", "bool") for c in _CATEGORIES],
    ("openai_moderation[].category_scores", "struct"),
    *[(f"openai_moderation[].category_scores.{c}", "float64") for c in _CATEGORIES],
    ("openai_moderation[].flagged", "bool"),
    ("detoxify_moderation", "list"),
    ("detoxify_moderation[]", "struct"),
    *[
        (f"detoxify_moderation[].{k}", "float64")
        for k in (
            "identity_attack",
            "insult",
            "obscene",
            "severe_toxicity",
            "sexual_explicit",
            "threat",
            "toxicity",
        )
    ],
    ("toxic", "bool"),
    ("redacted", "bool"),
    ("state", "string"),
    ("country", "string"),
    ("hashed_ip", "string"),
    ("header", "struct"),
    ("header.accept-language", "string"),
    ("header.user-agent", "string"),
]
EXPECTED_NAMES = [
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
    *[
        f"conversation.{name}"
        for name in (
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
    ],
]

# ---------------------------------------------------------------------------------------------
# Hand-made conversations

BASE = datetime(2024, 4, 9, 12, 0, 0, 123456, tzinfo=UTC)
HEADER = {"accept-language": "zh-CN,zh;q=0.9", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)"}


def _moderation(flagged: bool, score: float) -> dict[str, Any]:
    return {
        "categories": {c: flagged and c.startswith("harassment") for c in OPENAI_MODERATION_CATEGORIES},
        "category_scores": {c: score for c in OPENAI_MODERATION_CATEGORIES},
        "flagged": flagged,
    }


def _detoxify(toxicity: float) -> dict[str, Any]:
    return {
        "identity_attack": 0.001,
        "insult": 0.002,
        "obscene": 0.003,
        "severe_toxicity": 0.0001,
        "sexual_explicit": 0.0004,
        "threat": 0.0005,
        "toxicity": toxicity,
    }


def _conversation(
    index: int,
    language: str,
    texts: list[tuple[str, str]],
    *,
    toxic_message: int | None = None,
    country: str | None = "United States",
    state: str | None = "California",
    redacted: bool = False,
    moderation: bool = True,
) -> Conversation:
    """A conversation of (user, assistant) rounds; user-only and assistant-only fields as in WildChat."""
    messages: list[ConversationMessage] = []
    openai: list[dict[str, Any]] = []
    detoxify: list[dict[str, Any]] = []
    for round_index, (question, answer) in enumerate(texts):
        turn_id = 1_000_000 * index + round_index
        for role, content in (("user", question), ("assistant", answer)):
            position = len(messages)
            toxic = position == toxic_message
            user = role == "user"
            messages.append(
                ConversationMessage(
                    role=role,
                    content=content,
                    turn_identifier=turn_id,
                    language=language if content else "Nolang",
                    toxic=toxic,
                    redacted=redacted and "<PRESIDIO_ANONYMIZED" in content,
                    timestamp=None if user else BASE + timedelta(minutes=index, seconds=round_index),
                    hashed_ip=f"{index:064x}" if user else None,
                    state=state if user else None,
                    country=country if user else None,
                    header=dict(HEADER) if user else None,
                )
            )
            # WildChat's rule: an empty message gets `{}` from both scorers.
            openai.append(_moderation(toxic, 0.9 if toxic else 0.01) if content else {})
            detoxify.append(_detoxify(0.95 if toxic else 0.02) if content else {})
    return Conversation(
        conversation_hash=f"{index:032x}",
        model="gpt-4-0314" if index % 2 else "gpt-3.5-turbo-0613",
        timestamp=BASE + timedelta(minutes=index, seconds=len(texts) - 1),
        conversation=messages,
        turn=len(texts),
        language=language,
        openai_moderation=openai if moderation else [],
        detoxify_moderation=detoxify if moderation else [],
        toxic=toxic_message is not None,
        redacted=redacted,
        state=state,
        country=country,
        hashed_ip=f"{index:064x}",
        header=dict(HEADER),
    )


def make_conversations() -> list[Conversation]:
    return [
        _conversation(0, "English", [("Hello, how are you?", "I'm fine."), ("Tell me a joke.", "Why…?")]),
        _conversation(
            1,
            "Chinese",
            [("", "您好！有什么可以帮您？"), ("写一首关于春天的诗", "春风拂面，花开满园。")],
            country=None,
            state=None,
        ),
        _conversation(2, "Russian", [("Ты идиот!", "Давайте общаться вежливо.")], toxic_message=0),
        _conversation(
            3, "French", [("Écris-moi une lettre à <PRESIDIO_ANONYMIZED_PERSON>", "Chère …")], redacted=True
        ),
        _conversation(
            4,
            "Japanese",
            [("日本語で説明してください 🙂", "はい、わかりました。")],
            country="Japan",
            state="Tokyo",
        ),
        _conversation(5, "Arabic", [("مرحبا، كيف حالك؟", "أنا بخير، شكرا!")], country="Egypt", state=None),
        _conversation(6, "German", [("Schreib über Straßen", "Die Straße …")], moderation=False),
        _conversation(7, "Spanish", [("¿Qué tal?", "¡Muy bien!"), ("Dime algo feo", "No.")], toxic_message=3),
        _conversation(8, "Korean", [("안녕하세요", "반갑습니다")], country="South Korea", state="Seoul"),
        _conversation(9, "Hindi", [("नमस्ते", "नमस्ते! मैं आपकी कैसे मदद कर सकता हूँ?")], country="India", state=None),
    ]


TOXIC_HASHES = {f"{2:032x}", f"{7:032x}"}


def _release(tmp_path: Path, conversations: list[Conversation], **options: Any) -> ReleaseResult:
    with ReleaseWriter(tmp_path / "out", jsonl=True, **options) as writer:
        for start in range(0, len(conversations), 4):  # several batches, as the pipeline sends them
            writer.write(conversations[start : start + 4])
    return writer.close()


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReleaseResult]:
    root = tmp_path_factory.mktemp("release")
    result = _release(root, make_conversations(), max_shard_rows=3, row_group_rows=2)
    info = CardInfo(
        pretty_name="Test chats",
        stages=["link", "language", "pii", "toxicity", "assemble", "export"],
        toxicity_scorers=[
            ScorerInfo("alt-profanity-check", "profanity probability > 0.5", heuristic=True),
        ],
        drops={"broken chain": 3, "withdrawn": 1},
        contact="privacy@example.org",
    )
    build = {
        "parameters": {"engine": "local", "workers": 2},
        "stages": {"link": {"counts": {"turns": 14}, "seconds": 0.5}},
        "drops": {"broken chain": 3, "withdrawn": 1},
    }
    document_release(result, info, build)
    yield result


def _load(data_dir: Path, cache: Path) -> Any:
    datasets = pytest.importorskip("datasets")
    return datasets.load_dataset("parquet", data_dir=str(data_dir), split="train", cache_dir=str(cache))


# ---------------------------------------------------------------------------------------------
# Schema


def test_schema_is_wildchat_1m_exactly() -> None:
    assert flatten_schema(WILDCHAT_SCHEMA) == EXPECTED_FIELDS
    assert list(FIELD_LIST) == EXPECTED_NAMES


def test_written_files_carry_the_schema(release: ReleaseResult) -> None:
    for folder in release.folders().values():
        for shard in folder.shards:
            assert pq.read_schema(shard).equals(WILDCHAT_SCHEMA, check_metadata=False)


def test_features_match_datasets(release: ReleaseResult, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    from wildchat.curate.schema import wildchat_features

    features = wildchat_features()
    assert features._to_yaml_list() == features_yaml()  # our YAML writer = datasets' own
    assert features["timestamp"] == datasets.Value("timestamp[us, tz=UTC]")
    loaded = _load(release.full.path / "data", tmp_path / "cache")
    assert loaded.features == features  # nothing was cast


# ---------------------------------------------------------------------------------------------
# Round trips


def test_read_conversations_round_trips_exactly(release: ReleaseResult) -> None:
    originals = make_conversations()
    assert list(read_conversations(release.full.path)) == originals
    assert list(read_conversations(release.full.path / "data")) == originals  # the data/ folder
    first_shard = release.full.shards[0]
    assert list(read_conversations(first_shard)) == originals[:3]


def test_load_dataset_values(release: ReleaseResult, tmp_path: Path) -> None:
    rows = _load(release.full.path, tmp_path / "cache")
    assert len(rows) == 10
    by_hash = {row["conversation_hash"]: row for row in rows}
    chinese = by_hash[f"{1:032x}"]
    user, assistant = chinese["conversation"][0], chinese["conversation"][1]
    assert user["content"] == "" and user["language"] == "Nolang"
    assert user["timestamp"] is None and user["hashed_ip"] == f"{1:064x}" and user["country"] is None
    assert user["header"] == HEADER
    assert assistant["content"] == "您好！有什么可以帮您？"
    assert assistant["hashed_ip"] is None and assistant["header"] is None and assistant["state"] is None
    assert assistant["timestamp"] == BASE + timedelta(minutes=1)
    # `{}` is a present struct with every member null, as `datasets` itself stores `{}`
    assert chinese["openai_moderation"][0] == {"categories": None, "category_scores": None, "flagged": None}
    assert set(chinese["detoxify_moderation"][0].values()) == {None}
    assert chinese["openai_moderation"][1]["category_scores"]["self-harm/intent"] == 0.01
    assert chinese["openai_moderation"][1]["categories"]["self_harm_intent"] is False
    assert chinese["country"] is None and chinese["state"] is None
    assert chinese["timestamp"] == BASE + timedelta(minutes=1, seconds=1)
    assert by_hash[f"{6:032x}"]["openai_moderation"] == []  # no scorer ran: empty lists
    assert by_hash[f"{0:032x}"]["conversation"][3]["turn_identifier"] == 1
    assert by_hash[f"{9:032x}"]["conversation"][1]["content"] == "नमस्ते! मैं आपकी कैसे मदद कर सकता हूँ?"


def test_load_dataset_through_the_card(release: ReleaseResult, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    from wildchat.curate.schema import wildchat_features

    rows = datasets.load_dataset(str(release.public.path), split="train", cache_dir=str(tmp_path / "c"))
    assert len(rows) == 8
    assert rows.features == wildchat_features()


def test_pandas_polars_duckdb_read_it(release: ReleaseResult) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    data = release.full.path / "data"

    frame = pd.read_parquet(data)
    assert len(frame) == 10
    assert set(frame["language"]) >= {"English", "Chinese", "Hindi"}
    assert str(frame["timestamp"].dtype) == "datetime64[us, UTC]"

    polars_frame = pl.read_parquet(str(data / "*.parquet"))
    assert polars_frame.height == 10
    english = polars_frame.filter(pl.col("language") == "English")
    assert english["conversation"][0][0]["content"] == "Hello, how are you?"

    connection = duckdb.connect()
    count, toxic = connection.execute(
        f"SELECT count(*), sum(toxic::INT) FROM read_parquet('{data}/*.parquet')"
    ).fetchone()
    assert (count, toxic) == (10, 2)
    (agent,) = connection.execute(
        f"SELECT header['user-agent'] FROM read_parquet('{data}/*.parquet') WHERE language = 'Korean'"
    ).fetchone()
    assert agent == HEADER["user-agent"]


def test_jsonl_round_trips(release: ReleaseResult) -> None:
    path = release.full.jsonl
    assert path is not None and path.name == "conversations.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    first = json.loads(lines[1])
    assert first["timestamp"] == "2024-04-09T12:01:01.123456+00:00"  # ISO 8601, UTC
    assert first["openai_moderation"][0] == {}
    assert "春风拂面" in lines[1]  # written as UTF-8 text, not \u escapes
    assert list(read_conversations(path)) == make_conversations()


def test_naive_timestamps_are_utc(tmp_path: Path) -> None:
    conversation = make_conversations()[0]
    conversation.timestamp = datetime(2024, 1, 2, 3, 4, 5)
    with ShardWriter(tmp_path) as writer:
        writer.write([conversation])
    (back,) = read_conversations(tmp_path)
    assert back.timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# public/ and full/


def test_public_excludes_toxic_and_full_keeps_them(release: ReleaseResult) -> None:
    public = {c.conversation_hash for c in read_conversations(release.public.path)}
    full = {c.conversation_hash for c in read_conversations(release.full.path)}
    assert len(full) == 10 and full >= TOXIC_HASHES
    assert public == full - TOXIC_HASHES
    assert release.public.stats.rows == 8 and release.public.stats.toxic == 0
    assert release.full.stats.toxic == 2


def test_a_toxic_message_alone_keeps_a_conversation_out_of_public(tmp_path: Path) -> None:
    conversation = _conversation(0, "English", [("a", "b")])
    conversation.conversation[1].toxic = True  # inconsistent flags: stay on the safe side
    result = _release(tmp_path, [conversation])
    assert result.public.stats.rows == 0 and result.full.stats.rows == 1
    assert pq.read_table(result.public.shards[0]).num_rows == 0  # an empty shard keeps the schema


# ---------------------------------------------------------------------------------------------
# Shards


def test_shard_names_and_sizes(release: ReleaseResult) -> None:
    names = [p.name for p in release.full.shards]
    assert names == [f"train-{i:05d}-of-00004.parquet" for i in range(4)]  # 10 rows, 3 per shard
    assert [s.rows for s in release.full.stats.shards] == [3, 3, 3, 1]
    assert sorted(p.name for p in (release.full.path / "data").iterdir()) == names
    metadata = pq.ParquetFile(release.full.shards[0]).metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [2, 1]
    assert not [p for p in release.full.path.iterdir() if p.name.startswith(".")]


def test_a_crash_never_shows_a_half_shard(tmp_path: Path) -> None:
    conversations = make_conversations()
    folder = tmp_path / "full"
    with ShardWriter(folder) as writer:
        writer.write(conversations[:4])  # a previous, finished build

    crashed = ShardWriter(folder, max_shard_rows=2, row_group_rows=1)
    crashed.write(conversations[:9])  # 4 finished parts + one open temporary file, then "the process dies"
    (staging,) = [p for p in folder.iterdir() if p.name.startswith(".data-staging-")]
    assert any(p.name.endswith(".parquet.tmp") for p in staging.iterdir())
    (folder / "data" / ".part-00009.parquet.tmp").write_bytes(b"PAR1 half a shard")  # a stray one too

    # Readers see the previous build, whole, and nothing of the crashed one.
    assert len(_load(folder, tmp_path / "cache")) == 4
    assert len(list(read_conversations(folder))) == 4

    # The next writer clears the leftovers; its close() replaces data/ as a whole.
    with ShardWriter(folder) as writer:
        assert not staging.exists()
        writer.write(conversations)
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["train-00000-of-00001.parquet"]
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert len(list(read_conversations(folder))) == 10


def test_an_error_while_writing_keeps_the_previous_build(tmp_path: Path) -> None:
    conversations = make_conversations()
    with ShardWriter(tmp_path) as writer:
        writer.write(conversations[:2])
    with pytest.raises(RuntimeError), ShardWriter(tmp_path) as writer:
        writer.write(conversations)
        raise RuntimeError("a stage failed")
    assert [c.conversation_hash for c in read_conversations(tmp_path)] == [f"{i:032x}" for i in range(2)]
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_a_crash_during_the_swap_is_undone(tmp_path: Path) -> None:
    with ShardWriter(tmp_path) as writer:
        writer.write(make_conversations()[:3])
    os.replace(tmp_path / "data", tmp_path / ".data-old-deadbeef")  # died between the two renames
    ShardWriter(tmp_path).abort()
    assert len(list(read_conversations(tmp_path))) == 3


def test_unwritable_records_are_rejected(tmp_path: Path) -> None:
    conversation = make_conversations()[0]
    conversation.openai_moderation[0]["categories"]["illicit"] = True  # no column for it
    conversation.detoxify_moderation = conversation.detoxify_moderation[:1]
    with pytest.raises(ExportError, match="illicit") as error:
        conversations_to_table([conversation])
    assert "1 entries for 4 messages" in str(error.value)
    assert not (tmp_path / "data").exists()


# ---------------------------------------------------------------------------------------------
# Cards and manifests


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    loaded: dict[str, Any] = yaml.safe_load(front)
    loaded["_body"] = body
    return loaded


def test_card_yaml(release: ReleaseResult) -> None:
    card = _front_matter(release.public.path / "README.md")
    assert card["license"] == "odc-by"
    assert card["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/*.parquet"}]}
    ]
    info = card["dataset_info"]
    assert [f["name"] for f in info["features"]] == EXPECTED_NAMES[:14]
    message = next(f for f in info["features"] if f["name"] == "conversation")["list"]
    assert [f["name"] for f in message] == [n.split(".", 1)[1] for n in EXPECTED_NAMES[14:]]
    assert info["splits"] == [
        {"name": "train", "num_bytes": release.public.stats.num_bytes, "num_examples": 8}
    ]
    assert info["download_size"] == sum(p.stat().st_size for p in release.public.shards)
    assert {"en", "zh", "fr", "ja", "ar", "de", "ko", "hi"} <= set(card["language"])
    assert "ru" not in card["language"] and "es" not in card["language"]  # only in toxic ones
    assert card["size_categories"] == ["n<1K"] and "text-generation" in card["task_categories"]
    assert "extra_gated_prompt" not in card

    body = card["_body"]
    assert "| English | 1 | 12.50% |" in body
    assert "| Unknown | 1 | 12.50% |" in body  # the conversation with no country
    assert "offline heuristic" in body and "alt-profanity-check" in body
    assert "privacy@example.org" in body and "| broken chain | 3 |" in body
    assert "load_dataset(" in body and "pl.read_parquet" in body and "read_parquet(" in body


def test_full_card_is_gated_and_parses_with_the_hub_tools(release: ReleaseResult) -> None:
    card = _front_matter(release.full.path / "README.md")
    assert "extra_gated_prompt" in card and "not-for-all-audiences" in card["tags"]
    assert card["dataset_info"]["splits"][0]["num_examples"] == 10
    assert "Gated." in card["_body"] and "20.00%" in card["_body"]  # toxic share 2/10

    datasets = pytest.importorskip("datasets")
    from huggingface_hub import DatasetCard

    data = DatasetCard.load(release.full.path / "README.md").data
    infos = datasets.info.DatasetInfosDict.from_dataset_card_data(data)
    from wildchat.curate.schema import wildchat_features

    assert infos["default"].features == wildchat_features()
    assert infos["default"].splits["train"].num_examples == 10


def test_manifest(release: ReleaseResult) -> None:
    manifest = json.loads((release.full.path / "manifest.json").read_text())
    assert manifest["variant"] == "full"
    assert manifest["versions"]["wildchat"] and manifest["versions"]["libraries"]["pyarrow"]
    export = manifest["export"]
    assert export["rows"] == 10 and export["toxic"] == 2 and export["messages"] == 26
    assert export["languages"]["English"] == 1 and export["countries"][""] == 1
    assert export["shards"][0] == {
        "path": "data/train-00000-of-00004.parquet",
        "rows": 3,
        "bytes": release.full.shards[0].stat().st_size,
    }
    assert export["rows_per_second"] > 0
    assert manifest["build"]["drops"] == {"broken chain": 3, "withdrawn": 1}
    assert manifest["build"]["parameters"]["engine"] == "local"


def test_card_helpers() -> None:
    assert size_category(999) == "n<1K" and size_category(837_989) == "100K<n<1M"
    assert language_codes(["English", "Chinese", "Nolang", "Bokmal"]) == ["en", "zh", "nb"]


def test_export_release_streams_an_iterator(tmp_path: Path) -> None:
    from wildchat.curate.export import export_release

    _release(tmp_path, make_conversations()[:2])  # an earlier build, with JSONL copies
    result = export_release(iter(make_conversations()), tmp_path / "out", batch_size=3)
    assert (result.public.stats.rows, result.full.stats.rows) == (8, 10)
    assert result.full.jsonl is None
    assert not (tmp_path / "out" / "full" / "conversations.jsonl").exists()  # the stale copy is gone
    assert list(read_conversations(tmp_path / "out" / "full")) == make_conversations()


def test_toxicity_stage_records_fit_the_schema() -> None:
    """The toxicity package builds the moderation dicts; their keys must be our struct members."""
    toxicity = pytest.importorskip("wildchat.curate.toxicity.schema")
    assert tuple(toxicity.MODERATION_KEYS) == OPENAI_MODERATION_CATEGORIES
    assert tuple(toxicity.DETOXIFY_LABELS) == DETOXIFY_KEYS


def test_public_jsonl_excludes_toxic(release: ReleaseResult) -> None:
    assert release.public.jsonl is not None
    hashes = {c.conversation_hash for c in read_conversations(release.public.jsonl)}
    assert len(hashes) == 8 and not hashes & TOXIC_HASHES


def test_gzipped_jsonl(tmp_path: Path) -> None:
    from wildchat.curate.export import JsonlWriter

    writer = JsonlWriter(tmp_path / "chats.jsonl.gz")
    writer.write(make_conversations())
    path = writer.close()
    assert path.read_bytes()[:2] == b"\x1f\x8b"  # gzip magic
    assert list(read_conversations(path)) == make_conversations()
    assert [p.name for p in tmp_path.iterdir()] == ["chats.jsonl.gz"]
