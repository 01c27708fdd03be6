"""`wildchat build` end to end on synthetic logs with known answers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.curate.builds import Synthetic, api_turn, build_command, options, synthetic_store, user_turns
from wildchat.curate.export import read_conversations
from wildchat.curate.pipeline import build
from wildchat.store import Store, make_engine, migrate
from wildchat.store.tables import turns as turns_table


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[Synthetic]:
    yield from synthetic_store(tmp_path, 160, seed=7)


def rows(folder: Path) -> list[dict[str, Any]]:
    found = [asdict(c) for c in read_conversations(folder)]
    return sorted(found, key=lambda r: [m["turn_identifier"] for m in r["conversation"]])


def test_build_links_tags_and_exports(synthetic: Synthetic, tmp_path: Path) -> None:
    store, truth, _url = synthetic
    out = tmp_path / "release"
    report = build(store, options(out))
    full = list(read_conversations(out / "full"))
    # Linking: exactly the conversations the generator made.
    assert sorted(user_turns(c) for c in full) == sorted(tuple(c) for c in truth.expected)
    assert report.counts["exported_full"] == len(truth.expected)
    dropped = {reason: list(truth.dropped.values()).count(reason) for reason in set(truth.dropped.values())}
    for reason, count in dropped.items():
        assert report.drops[f"turn:{reason}"] == count
    # Tagging happened: languages named as WildChat names them, moderation per message.
    assert all(c.language != "" for c in full)
    assert {"English", "Chinese"} <= {c.language for c in full}
    for conversation in full:
        assert len(conversation.openai_moderation) == len(conversation.conversation)
        assert conversation.toxic == any(m.toxic for m in conversation.conversation)
    public = list(read_conversations(out / "public"))
    assert not any(c.toxic for c in public) and len(public) < len(full)
    # Planted e-mail addresses (not placeholders) are gone from the release.
    emails = [s.text for spans in truth.pii.values() for s in spans if s.type == "EMAIL_ADDRESS"]
    text = "\n".join(m.content for c in full for m in c.conversation)
    assert emails and not any(email in text for email in emails)
    assert (out / "full" / "README.md").is_file() and (out / "full" / "manifest.json").is_file()


def test_release_loads_with_datasets(synthetic: Synthetic, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    store, truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out))
    loaded = datasets.load_dataset("parquet", data_dir=str(out / "full" / "data"), split="train")
    assert loaded.num_rows == len(truth.expected)
    from wildchat.curate.schema import wildchat_features

    assert loaded.features == wildchat_features()


def test_withdrawn_participants_never_appear(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    by_participant: dict[str, set[int]] = {}
    for turn in store.iter_turns():
        by_participant.setdefault(turn.participant_id, set()).add(turn.id)
    leaving = max(by_participant, key=lambda p: len(by_participant[p]))
    store.withdraw(leaving)
    out = tmp_path / "release"
    build(store, options(out))
    released = {i for c in read_conversations(out / "full") for i in user_turns(c)}
    assert released and not (released & by_participant[leaving])


def test_corrupt_rows_are_skipped_and_counted(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    victim = next(iter(store.iter_turns())).id
    with store.engine.begin() as conn:
        conn.execute(update(turns_table).where(turns_table.c.id == victim).values(messages={"broken": True}))
    report = build(store, options(tmp_path / "release"))
    assert report.drops["corrupt_row:ValueError"] == 1
    assert report.counts["exported_full"] > 0


def test_incremental_build_reuses_finished_work(synthetic: Synthetic, tmp_path: Path) -> None:
    store, truth, _url = synthetic
    out = tmp_path / "release"
    build(store, options(out))
    store.append_turn(api_turn(store))
    report = build(store, options(out))
    assert report.counts["conversations_processed"] == 1
    assert report.counts["conversations_reused"] == len(truth.expected)
    assert report.counts["exported_full"] == len(truth.expected) + 1


@pytest.mark.parametrize(("earlier_mentions", "replaced"), [(48, True), (49, False)])
def test_names_are_counted_in_earlier_builds_deferred_messages(
    tmp_path: Path, earlier_mentions: int, replaced: bool
) -> None:
    """A name cued only in a later build is counted in the mentions an earlier build never NER'd."""
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    store = Store(engine)
    for i in range(earlier_mentions):
        store.append_turn(api_turn(store, f"Please ask Oliver Bennett about invoice {i}.", days=i / 1000))
    out = tmp_path / "release"
    first = build(store, options(out, workers=2))
    assert first.counts["pii.deferred_messages"] >= earlier_mentions
    assert first.counts["pii.names_to_count"] == 0  # nothing could be replaced yet: no NER at all
    store.append_turn(api_turn(store, "My name is Oliver Bennett and I need a cover letter.", days=2))
    second = build(store, options(out, workers=2))
    assert second.counts["conversations_processed"] == 1
    assert second.counts["pii.names_to_count"] == 1
    released = [c.conversation[0].content for c in read_conversations(out / "full")]
    cued = [text for text in released if "cover letter" in text]
    assert cued == [
        "My name is <PRESIDIO_ANONYMIZED_PERSON> and I need a cover letter."
        if replaced
        else "My name is Oliver Bennett and I need a cover letter."
    ]
    third = build(store, options(out))  # nothing new: the earlier search is reused
    assert third.counts.get("pii.deferred_names_found", 0) == 0
    engine.dispose()


def test_since_limits_the_turns_read(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    extra = api_turn(store)
    store.append_turn(extra)
    report = build(store, options(tmp_path / "release", since=extra.received_at))
    assert report.counts["exported_full"] == 1


def test_resume_after_sigkill_redoes_nothing_finished(synthetic: Synthetic, tmp_path: Path) -> None:
    store, truth, url = synthetic
    out = tmp_path / "release"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(build_command(url, out), env=env, stderr=subprocess.DEVNULL)
    done = out / ".work" / "done"
    deadline = time.monotonic() + 240
    while not (done.is_dir() and len(list(done.glob("*.pkl"))) >= 2):
        assert process.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, "no shard finished in time"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = sum(len(k.read_text().split()) for k in done.glob("*.keys") if k.with_suffix(".pkl").exists())
    assert not (out / "full" / "data").exists() or not list((out / "full" / "data").glob("*.parquet"))
    report = build(store, options(out, shard_size=10))
    assert finished >= 2 and report.counts["conversations_reused"] >= finished  # not redone
    assert report.counts["conversations_processed"] < len(truth.expected)
    clean = tmp_path / "clean"
    build(store, options(clean, shard_size=10))
    assert rows(out / "full") == rows(clean / "full")


@pytest.mark.slow
def test_ray_engine_builds_the_same_dataset(synthetic: Synthetic, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    store, _truth, _url = synthetic
    build(store, options(tmp_path / "local", workers=1))
    build(store, options(tmp_path / "ray", engine="ray", workers=2))
    assert rows(tmp_path / "local" / "full") == rows(tmp_path / "ray" / "full")
    assert rows(tmp_path / "local" / "public") == rows(tmp_path / "ray" / "public")


def test_local_processes_build_the_same_dataset(synthetic: Synthetic, tmp_path: Path) -> None:
    store, _truth, _url = synthetic
    build(store, options(tmp_path / "one", workers=1))
    build(store, options(tmp_path / "two", workers=2))
    assert rows(tmp_path / "one" / "full") == rows(tmp_path / "two" / "full")
