"""`wildchat build`: what the release and the work folder keep, what `since` selects, and how a
build stops. Each test reproduces a defect an acceptance test found."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.curate.builds import Synthetic, api_turn, build_command, options, synthetic_store, user_turns
from wildchat.curate.export import read_conversations
from wildchat.curate.link import conversation_hash
from wildchat.curate.pipeline import build
from wildchat.records import Conversation, ConversationMessage, Turn
from wildchat.store import Store, make_engine, migrate


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[Synthetic]:
    yield from synthetic_store(tmp_path, 300, seed=11)


def original_messages(store: Store, conversation: Conversation) -> list[ConversationMessage]:
    """The conversation's messages as logged, before any PII was replaced."""
    originals = []
    for message in conversation.conversation:
        turn = store.get_turn(message.turn_identifier)
        assert turn is not None
        text = turn.messages[-1].content if message.role == "user" else turn.response
        originals.append(replace(message, content=text))
    return originals


def test_released_hash_is_over_the_released_messages(synthetic: Synthetic, tmp_path: Path) -> None:
    """A hash of the unredacted text would let anyone confirm a guess at a replaced e-mail."""
    store, _truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out))
    released = list(read_conversations(out / "full"))
    redacted = [c for c in released if c.redacted]
    assert redacted
    for conversation in released:
        assert conversation.conversation_hash == conversation_hash(conversation.conversation)
    for conversation in redacted:
        assert conversation.conversation_hash != conversation_hash(original_messages(store, conversation))


def test_other_options_redo_the_work_instead_of_reusing_it(synthetic: Synthetic, tmp_path: Path) -> None:
    store, truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out))
    again = build(store, options(out))
    assert again.counts["conversations_processed"] == 0 and not again.notices
    strict = build(store, options(out, pii_policy="strict"))
    assert strict.counts["conversations_reused"] == 0
    assert strict.counts["conversations_processed"] == len(truth.expected)
    assert strict.counts["work_reset"] == 1 and "pii_policy" in strict.notices[0]
    manifest = json.loads((out / "full" / "manifest.json").read_text())
    assert any("pii_policy" in n for n in json.dumps(manifest).split("notices")[1:])
    clean = tmp_path / "clean"
    build(store, options(clean, pii_policy="strict"))
    assert sorted(map(_row, read_conversations(out / "full"))) == sorted(
        map(_row, read_conversations(clean / "full"))
    )
    threshold = build(store, options(out, pii_policy="strict", toxicity_threshold=0.5))
    assert threshold.counts["conversations_reused"] == 0 and "toxicity_threshold" in threshold.notices[0]


def _row(conversation: Conversation) -> str:
    return json.dumps([(m.turn_identifier, m.content) for m in conversation.conversation])


def test_work_of_an_older_version_is_not_reused(synthetic: Synthetic, tmp_path: Path) -> None:
    store, truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out))
    (out / ".work" / "options.json").unlink()  # as an older version left it
    report = build(store, options(out))
    assert report.counts["conversations_processed"] == len(truth.expected)
    assert "older version" in report.notices[0]


def test_withdrawn_text_is_purged_from_the_work_folder(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    out = tmp_path / "release"
    turns = list(store.iter_turns())
    build(store, options(out))
    # A participant with a distinctive message that the build kept.
    texts: dict[str, list[str]] = {}
    for turn in turns:
        if len(turn.messages[-1].content) > 40:
            texts.setdefault(turn.participant_id, []).append(turn.messages[-1].content)
    leaving = max(texts, key=lambda p: len(texts[p]))
    secret = texts[leaving][0].encode()
    assert _tree_holds(out / ".work", secret)  # the test would prove nothing otherwise
    store.withdraw(leaving)
    report = build(store, options(out))
    assert report.counts["work_purged_withdrawn"] >= 1
    assert not _tree_holds(out, secret)
    manifest = json.loads((out / "full" / "manifest.json").read_text())
    assert json.dumps(manifest).count("work_purged_withdrawn") >= 1
    again = build(store, options(out))  # purged once: the next build does not look for them again
    assert again.counts["work_purged_withdrawn"] == 0 and not _tree_holds(out, secret)
    assert json.loads((out / ".work" / "purged.json").read_text()) == [leaving]


def _tree_holds(root: Path, needle: bytes) -> bool:
    return any(needle in p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_finished_shards_leave_no_key_lists_behind(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out, shard_size=10))
    work = out / ".work"
    for phase in ("pending", "detected"):
        assert not list((work / phase).iterdir()), phase
    done = {p.stem for p in (work / "done").glob("*.keys")}
    assert done == {p.stem for p in (work / "done").glob("*.pkl")}


# -- since -------------------------------------------------------------------------------------


def test_since_takes_the_conversations_that_cross_it_whole(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    times = sorted(t.received_at for t in store.iter_turns())
    cutoff = times[len(times) // 2]
    full = tmp_path / "all"
    build(store, options(full))
    everything = {user_turns(c): c for c in read_conversations(full / "full")}
    received = {t.id: t.received_at for t in store.iter_turns()}
    expected = {ids for ids in everything if max(received[i] for i in ids) >= cutoff}
    straddling = {ids for ids in expected if min(received[i] for i in ids) < cutoff}
    assert straddling, "the synthetic log must have conversations that cross the cutoff"
    # Given in another zone: the same instant.
    local = cutoff.astimezone(timezone(timedelta(hours=2)))
    windowed = tmp_path / "since"
    report = build(store, options(windowed, since=local))
    found = {user_turns(c): c for c in read_conversations(windowed / "full")}
    assert set(found) == expected
    assert report.drops.get("turn:broken_chain", 0) <= sum(1 for t in times if t >= cutoff)
    for ids in straddling:
        assert found[ids].conversation == everything[ids].conversation


def _turn_at(store: Store, when: datetime) -> Turn:
    turn = api_turn(store, at=when)
    assert store.append_turn(turn)
    return turn


def test_since_with_an_offset_compares_instants(database_url: str) -> None:
    """SQLite keeps times without their offset: 02:15+02:00 must read as 00:15 UTC."""
    engine = make_engine(database_url)
    migrate(engine)
    store = Store(engine)
    turn = _turn_at(store, datetime(2025, 1, 6, 0, 30, tzinfo=UTC))
    plus_two = timezone(timedelta(hours=2))
    minus_five = timezone(timedelta(hours=-5))
    assert [t.id for t in store.iter_turns(since=datetime(2025, 1, 6, 2, 15, tzinfo=plus_two))] == [turn.id]
    assert [t.id for t in store.iter_turns(since=datetime(2025, 1, 6, 2, 45, tzinfo=plus_two))] == []
    assert [t.id for t in store.iter_turns(since=datetime(2025, 1, 5, 19, 45, tzinfo=minus_five))] == []
    assert [t.id for t in store.iter_turns(since=datetime(2025, 1, 6, 0, 15))] == [turn.id]  # naive: UTC
    assert [t.id for t in store.iter_turns(since=datetime(2025, 1, 6, 0, 45))] == []
    before = store.turns_before(datetime(2025, 1, 6, 2, 45, tzinfo=plus_two), [turn.participant_id])
    assert [t.id for t in before] == [turn.id]
    assert store.turns_before(datetime(2025, 1, 6, 2, 15, tzinfo=plus_two), [turn.participant_id]) == []
    engine.dispose()


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_stops_promptly_with_one_line(synthetic: Synthetic, tmp_path: Path) -> None:
    _store, _truth, url = synthetic
    out = tmp_path / "release"
    command = build_command(url, out, workers=2, shard_size=5)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    pending = out / ".work" / "pending"
    deadline = time.monotonic() + 240
    while not (pending.is_dir() and list(pending.glob("*.pkl"))):  # the workers are starting
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the build never started its shards"
        time.sleep(0.05)
    time.sleep(1.0)
    interrupted = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _out, stderr = process.communicate(timeout=60)
    assert time.monotonic() - interrupted < 10, "Ctrl-C took too long"
    assert process.returncode == 130, stderr
    assert "interrupted; run the same command again to resume" in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


# -- the card ----------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["wildchat-1m", "strict"])
def test_card_lists_the_replaced_types_and_where_numbers_came_from(policy: str) -> None:
    from wildchat.curate.card import CardInfo, ScorerInfo, pii_policy_text, render_card
    from wildchat.curate.export import ExportStats
    from wildchat.curate.pii.policies import make_policy

    rules = make_policy(policy)
    types = sorted(rules.ner_entities | rules.pattern_entities)
    info = CardInfo(
        toxicity_scorers=[ScorerInfo("offline", "lexicon", heuristic=True, fields=("openai_moderation",))],
        pii_policy=pii_policy_text(policy, types),
        drops={"turn:broken_chain": 3},
    )
    card = render_card(ExportStats(), info)
    personal = card.split("### Personal information")[1].split("###")[0]
    assert all(f"`{t}`" in personal for t in types) and f"`{policy}`" in personal
    assert ("assistant's reply repeats" in personal) == (policy == "wildchat-1m")
    assert "`openai_moderation` was filled by the offline heuristic `offline`" in card
    dropped = card.split("### Dropped during curation")[1]
    assert "| Reason | Turns |" in dropped and "Conversations" not in dropped.split("###")[0]
