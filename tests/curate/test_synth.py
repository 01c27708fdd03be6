"""The synthetic log generator: determinism, realism, and a ground truth that holds."""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from wildchat.curate.link import history_rounds, link_turns
from wildchat.curate.synth import (
    HARD_NEGATIVE,
    MODELS,
    PII_TYPES,
    PLACEHOLDER_EMAILS,
    TOXIC_CATEGORIES,
    GroundTruth,
    SynthConfig,
    SyntheticLog,
    generate,
    iban_valid,
    luhn_valid,
    message_key,
    nhs_valid,
    read_turns_jsonl,
    turn_to_json,
    write_synthetic,
)
from wildchat.records import Channel, Message, Turn, TurnStatus
from wildchat.store import Store, make_engine, migrate

N = 8000


@pytest.fixture(scope="module")
def log() -> tuple[list[Turn], GroundTruth]:
    return generate(N, seed=5)


@pytest.fixture(scope="module")
def by_id(log: tuple[list[Turn], GroundTruth]) -> dict[int, Turn]:
    return {t.id: t for t in log[0]}


def message_text(turn: Turn, role: str) -> str:
    return turn.messages[-1].content if role == "user" else turn.response


# -- determinism and shape of the log ----------------------------------------------------------------


def test_the_same_seed_gives_the_same_log() -> None:
    turns_a, truth_a = generate(1500, seed=9)
    turns_b, truth_b = generate(1500, seed=9)
    assert [turn_to_json(t) for t in turns_a] == [turn_to_json(t) for t in turns_b]
    assert truth_a.to_json() == truth_b.to_json()
    turns_c, _ = generate(1500, seed=10)
    assert [t.messages for t in turns_c] != [t.messages for t in turns_a]


def test_exactly_n_turns_in_order_of_arrival(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, truth = log
    assert len(turns) == N == truth.n_turns
    assert len({t.id for t in turns}) == N
    assert all(a.id < b.id and a.received_at <= b.received_at for a, b in itertools.pairwise(turns))
    for turn in turns:
        assert turn.completed_at is not None and turn.completed_at >= turn.received_at
        # the service's id layout: milliseconds of arrival in the high bits
        assert turn.id >> 20 == int(turn.received_at.timestamp() * 1000)
    assert generate(0, seed=1)[0] == []


def test_truth_partitions_the_log(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, truth = log
    placed = [tid for conversation in truth.expected for tid in conversation]
    assert len(placed) == len(set(placed))
    assert sorted([*placed, *truth.dropped]) == sorted(t.id for t in turns)
    assert set(truth.conversation_of) == {t.id for t in turns}
    assert set(truth.dropped.values()) == {"error", "non_alternating", "broken_chain"}
    for conversation in truth.expected:
        assert len({truth.conversation_of[tid] for tid in conversation}) == 1
        assert conversation == sorted(conversation)


def test_every_round_carries_the_previous_one_on(
    log: tuple[list[Turn], GroundTruth], by_id: dict[int, Turn]
) -> None:
    """Each expected turn's history is the previous turn's request plus its (possibly partial) reply."""
    _turns, truth = log
    carried_partial = 0
    for conversation in truth.expected:
        for earlier, later in itertools.pairwise(conversation):
            a, b = by_id[earlier], by_id[later]
            assert b.messages[: len(a.messages)] == a.messages
            assert b.messages[len(a.messages)] == Message("assistant", a.response)
            assert len(b.messages) == len(a.messages) + 2
            carried_partial += a.status is not TurnStatus.COMPLETE
    assert carried_partial > 0  # interrupted and failed-mid-stream replies are carried on


def test_roles_alternate_except_in_planted_non_alternating_requests(
    log: tuple[list[Turn], GroundTruth],
) -> None:
    turns, truth = log
    for turn in turns:
        planted = truth.dropped.get(turn.id) == "non_alternating"
        assert (history_rounds(turn.messages) is None) == planted


def test_failed_turns(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, truth = log
    failed = [t for t in turns if t.status is TurnStatus.ERROR]
    assert failed and all(t.error for t in failed)
    assert sum(not t.response for t in failed) > len(failed) / 2  # mostly nothing arrived
    assert all(truth.dropped.get(t.id) in ("error", "broken_chain", None) for t in failed)
    assert any(t.status is TurnStatus.INTERRUPTED and t.response == "" for t in turns)


# -- realism -------------------------------------------------------------------------------------------


def test_conversation_lengths_follow_wildchat(log: tuple[list[Turn], GroundTruth]) -> None:
    lengths = [len(c) for c in log[1].expected]
    assert 0.52 < lengths.count(1) / len(lengths) < 0.66  # WildChat: ≈59 %
    assert 2.0 < sum(lengths) / len(lengths) < 3.0  # WildChat: 2.52
    assert max(lengths) > 10


def test_text_lengths_are_wildchat_like(log: tuple[list[Turn], GroundTruth]) -> None:
    """WildChat: ≈296 user and ≈441 reply tokens per turn on average, long-tailed prompts."""
    turns, _truth = log
    users = sorted(len(t.messages[-1].content) for t in turns)
    replies = [len(t.response) for t in turns if t.status is TurnStatus.COMPLETE]
    assert sum(users) / len(users) > 400 and users[len(users) // 2] < 150
    assert sum(replies) / len(replies) > 800
    assert max(users) > 8000


def test_participants_devices_and_addresses(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, _truth = log
    fingerprints: dict[str, set[tuple[str | None, str | None]]] = defaultdict(set)
    addresses: dict[str, set[str | None]] = defaultdict(set)
    behind_address: dict[str | None, set[str]] = defaultdict(set)
    for turn in turns:
        fingerprints[turn.participant_id].add((turn.user_agent, turn.accept_language))
        addresses[turn.participant_id].add(turn.hashed_ip)
        behind_address[turn.hashed_ip].add(turn.participant_id)
    assert any(len(f) >= 2 for f in fingerprints.values())
    assert any(len(a) >= 2 for a in addresses.values())
    assert any(len(p) >= 3 for p in behind_address.values())  # a shared NAT
    assert all(t.hashed_ip and re.fullmatch(r"[0-9a-f]{64}", t.hashed_ip) for t in turns)
    assert {t.model for t in turns} == set(MODELS)


def test_channels_ids_and_system_prompts(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, _truth = log
    web = [t for t in turns if t.channel is Channel.WEB]
    api = [t for t in turns if t.channel is Channel.API]
    assert web and api
    assert all(t.conversation_id for t in web)
    assert sum(t.conversation_id is not None for t in api) < 0.3 * len(api)
    assert any(t.messages[0].role == "system" for t in api)
    assert not any(t.messages[0].role != "user" for t in web)


def test_prompts_repeat_within_and_across_participants(log: tuple[list[Turn], GroundTruth]) -> None:
    turns, _truth = log
    senders: dict[str, Counter[str]] = defaultdict(Counter)
    for turn in turns:
        if len(turn.messages) == 1:
            senders[turn.messages[0].content][turn.participant_id] += 1
    assert any(len(who) >= 2 for who in senders.values())
    assert any(count >= 2 for who in senders.values() for count in who.values())


def test_languages(log: tuple[list[Turn], GroundTruth]) -> None:
    truth = log[1]
    counts = Counter(truth.languages.values())
    assert len(counts) >= 10
    ranked = [name for name, _ in counts.most_common()]
    assert ranked[0] == "English"
    assert set(ranked[1:3]) == {"Chinese", "Russian"}


# -- planted PII and toxicity --------------------------------------------------------------------------


def test_planted_spans_are_where_the_truth_says(
    log: tuple[list[Turn], GroundTruth], by_id: dict[int, Turn]
) -> None:
    truth = log[1]
    for table in (truth.pii, truth.decoys):
        for key, spans in table.items():
            turn_id, role = key.split(":")
            text = message_text(by_id[int(turn_id)], role)
            for span in spans:
                assert text[span.start : span.end] == span.text


def test_every_pii_type_is_planted_with_valid_values(log: tuple[list[Turn], GroundTruth]) -> None:
    spans = [s for spans in log[1].pii.values() for s in spans]
    by_type = defaultdict(list)
    for span in spans:
        by_type[span.type].append(span)
    assert set(by_type) == set(PII_TYPES)
    assert all(luhn_valid(s.text) for s in by_type["CREDIT_CARD"])
    assert any(s.cued for s in by_type["CREDIT_CARD"]) and any(not s.cued for s in by_type["CREDIT_CARD"])
    assert all(nhs_valid(s.text) for s in by_type["UK_NHS"])
    assert all(iban_valid(s.text) for s in by_type["IBAN_CODE"])
    assert all(s.text[-1] == "TRWAGMYFPDXBNJZSQVHLCKE"[int(s.text[:-1]) % 23] for s in by_type["ES_NIF"])
    assert all(re.fullmatch(r"\d{3}-\d{2}-\d{4}", s.text) for s in by_type["US_SSN"])
    assert all("linkedin.com/in/" in s.text for s in by_type["URL"])
    assert all(s.text not in PLACEHOLDER_EMAILS for s in by_type["EMAIL_ADDRESS"])
    persons = by_type["PERSON"]
    assert any(s.cued for s in persons) and any(not s.cued for s in persons)
    assert any(re.search(r"[\u4e00-\u9fff]", s.text) for s in persons)  # Chinese script
    assert any(re.search(r"[\u0400-\u04ff]", s.text) for s in persons)  # Cyrillic
    assert len({s.text.split()[-1] for s in persons}) > 40  # many cultures' family names
    phones = by_type["PHONE_NUMBER"]
    assert any(s.text.startswith("+") for s in phones) and any(
        s.text[0].isdigit() or s.text[0] == "(" for s in phones
    )


def test_decoys_look_like_pii_but_are_not(log: tuple[list[Turn], GroundTruth]) -> None:
    truth = log[1]
    decoys = [s for spans in truth.decoys.values() for s in spans]
    notes = {s.note for s in decoys}
    assert {"placeholder", "private", "public figure"} <= notes
    assert any(s.text in PLACEHOLDER_EMAILS for s in decoys)
    for key, spans in truth.decoys.items():
        planted = {(s.start, s.end) for s in truth.pii.get(key, [])}
        assert not planted & {(s.start, s.end) for s in spans}


def test_toxicity_labels(log: tuple[list[Turn], GroundTruth], by_id: dict[int, Turn]) -> None:
    truth = log[1]
    labels = Counter(truth.toxicity.values())
    assert set(TOXIC_CATEGORIES) | {HARD_NEGATIVE} == set(labels)
    some_user_key = next(k for k, v in truth.toxicity.items() if v == "violence" and k.endswith(":user"))
    turn_id = int(some_user_key.split(":")[0])
    assert truth.toxicity_of(turn_id, "user") == "violence"
    assert truth.toxicity_of(min(by_id), "nobody") == "none"
    hard = [
        message_text(by_id[int(k.split(":")[0])], "user")
        for k, v in truth.toxicity.items()
        if v == HARD_NEGATIVE
    ]
    assert any("kill" in text for text in hard)
    assert truth.language_of(turn_id) in {"English", "Russian", "Chinese"}
    assert message_key(turn_id, "user") == some_user_key


# -- serialisation and writing ---------------------------------------------------------------------------


def test_ground_truth_json_round_trip(log: tuple[list[Turn], GroundTruth], tmp_path: Path) -> None:
    truth = log[1]
    assert GroundTruth.from_json(truth.to_json()) == truth
    truth.save(tmp_path / "truth.json")
    assert GroundTruth.load(tmp_path / "truth.json") == truth
    summary = truth.summary()
    assert summary["turns"] == N and summary["conversations"] == len(truth.expected)


def test_write_jsonl_streams_the_same_log(tmp_path: Path) -> None:
    path = tmp_path / "turns.jsonl"
    truth = write_synthetic(path, 1200, seed=4)
    turns, expected_truth = generate(1200, seed=4)
    assert list(read_turns_jsonl(path)) == turns
    assert truth == expected_truth


def test_write_into_a_store_and_link_from_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wildchat.db'}")
    migrate(engine)
    store = Store(engine)
    truth = write_synthetic(store, 1500, seed=8, batch_size=400)
    assert store.count_turns() == 1500
    result = link_turns(store.iter_turns())
    assert sorted([t.id for t in c.turns] for c in result.conversations) == sorted(truth.expected)
    assert result.dropped == truth.dropped


def test_a_log_is_iterated_once() -> None:
    log = SyntheticLog(10, seed=1)
    assert len(list(log)) == 10
    with pytest.raises(RuntimeError):
        list(log)


def test_hash_only_config_strips_web_ids() -> None:
    turns, _ = generate(500, seed=3, config=SynthConfig(web_conversation_id_rate=0.0))
    assert not any(t.conversation_id for t in turns if t.channel is Channel.WEB)


@pytest.mark.slow
def test_generation_speed() -> None:
    started = time.process_time()
    turns, _truth = generate(100_000, seed=1)
    elapsed = time.process_time() - started
    print(f"synth: {len(turns) / elapsed:,.0f} turns/s")
    assert elapsed < 10
