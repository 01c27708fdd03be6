"""Turn linking: the paper's hash rules, the conversation-id path, and exactness on synthetic logs."""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wildchat.curate.link import (
    DropReason,
    LinkResult,
    conversation_hash,
    device_fingerprint,
    history_rounds,
    link_turns,
    turn_hashes,
)
from wildchat.curate.synth import SynthConfig, generate
from wildchat.records import Channel, Message, Turn, TurnStatus

T0 = datetime(2025, 3, 1, tzinfo=UTC)


class Log:
    """Hand-written turn logs: each add() is one request, one second after the previous."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def add(
        self,
        history: list[tuple[str, str]],
        user: str,
        reply: str,
        *,
        system: str | None = None,
        **fields: Any,
    ) -> Turn:
        messages = [Message("system", system)] if system is not None else []
        for asked, answered in history:
            messages += [Message("user", asked), Message("assistant", answered)]
        messages.append(Message("user", user))
        return self.raw(messages, reply, **fields)

    def raw(self, messages: list[Message], reply: str, **fields: Any) -> Turn:
        n = len(self.turns) + 1
        values: dict[str, Any] = {
            "id": n,
            "received_at": T0 + timedelta(seconds=n),
            "completed_at": T0 + timedelta(seconds=n, milliseconds=500),
            "model": "m1",
            "messages": messages,
            "params": {},
            "channel": Channel.API,
            "participant_id": "p1",
            "consent_version": "v1",
            "response": reply,
            "hashed_ip": "ip-a",
            "user_agent": "UA-1",
            "accept_language": "en-US",
        }
        values.update(fields)
        turn = Turn(**values)
        self.turns.append(turn)
        return turn


def link(turns: list[Turn], **options: Any) -> LinkResult:
    result = link_turns(turns, **options)
    placed = [t.id for c in result.conversations for t in c.turns]
    assert len(placed) == len(set(placed)), "a turn is in two conversations"
    assert sorted([*placed, *result.dropped]) == sorted(t.id for t in turns), "a turn went missing"
    stats = result.stats
    assert stats["turns_in"] == stats["turns_linked"] + sum(
        v for k, v in stats.items() if k.startswith("dropped_")
    )
    return result


def ids(result: LinkResult) -> list[list[int]]:
    return [[t.id for t in c.turns] for c in result.conversations]


# -- hashes and shapes ---------------------------------------------------------------------------

AWKWARD = [
    "plain",
    'quo"tes\\ and \n new\tlines',
    "中文 и кириллица",
    "emoji 🙂👍🏽",
    "\x00\x1f ctl",
    "\ud800 lone",
    "",
]


def paper_hash(messages: list[dict[str, str]]) -> bytes:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()


@pytest.mark.parametrize("system", [None, "You are terse."])
@pytest.mark.parametrize("rounds", [0, 1, 3])
def test_turn_hashes_equal_the_papers_json_hashes(system: str | None, rounds: int) -> None:
    messages = [Message("system", system)] if system else []
    for i in range(rounds):
        messages += [Message("user", AWKWARD[i % 7]), Message("assistant", AWKWARD[(i + 3) % 7])]
    messages.append(Message("user", AWKWARD[(rounds + 1) % 7]))
    reply = AWKWARD[(rounds + 2) % 7]
    full = [m.as_dict() for m in messages] + [{"role": "assistant", "content": reply}]
    assert turn_hashes(messages, reply) == (paper_hash(full[:-2]), paper_hash(full))


def test_conversation_hash_is_wildchat_1m_definition() -> None:
    messages = [
        Message("user", text) if i % 2 == 0 else Message("assistant", text) for i, text in enumerate(AWKWARD)
    ]
    expected = hashlib.sha256(json.dumps([{"content": m.content, "role": m.role} for m in messages]).encode())
    assert conversation_hash(messages) == expected.hexdigest()[:32]
    assert len(conversation_hash([])) == 32


def test_device_fingerprint_ignores_ip_and_is_papers_formula() -> None:
    assert device_fingerprint("UA", "en") == hashlib.sha256(b"UAen").hexdigest()
    assert device_fingerprint(None, None) == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize(
    ("roles", "rounds"),
    [
        (["user"], 0),
        (["user", "assistant", "user"], 1),
        (["system", "user"], 0),
        (["developer", "user", "assistant", "user"], 1),
        ([], None),
        (["user", "assistant"], None),
        (["user", "user"], None),
        (["assistant", "user"], None),
        (["system", "system", "user"], None),
        (["user", "assistant", "assistant", "user"], None),
        (["user", "system", "user"], None),
        (["tool", "user"], None),
    ],
)
def test_history_rounds(roles: list[str], rounds: int | None) -> None:
    assert history_rounds([Message(r, "x") for r in roles]) == rounds


# -- the paper's rules on the hash path -------------------------------------------------------------


def test_a_chain_links_by_hash_in_order() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "a2")
    log.add([("q1", "a1"), ("q2", "a2")], "q3", "a3")
    result = link(log.turns)
    assert ids(result) == [[1, 2, 3]]
    assert result.conversations[0].method == "hash"
    assert result.stats["linked_by_hash"] == 3
    assert result.stats["conversations"] == 1


def test_identical_prompts_from_two_devices_stay_separate() -> None:
    log = Log()
    log.add([], "hi", "Hello!", user_agent="phone")
    log.add([], "hi", "Hello!", user_agent="laptop")
    log.add([("hi", "Hello!")], "from the laptop", "ok", user_agent="laptop")
    log.add([("hi", "Hello!")], "from the phone", "ok", user_agent="phone")
    assert ids(link(log.turns)) == [[1, 4], [2, 3]]


def test_same_device_on_a_second_ip_still_links() -> None:
    log = Log()
    log.add([], "q1", "a1", hashed_ip="home")
    log.add([("q1", "a1")], "q2", "a2", hashed_ip="mobile")
    result = link(log.turns)
    assert ids(result) == [[1, 2]]
    assert result.stats["ip_relaxed"] == 1


def test_the_same_ip_wins_over_a_more_recent_tail() -> None:
    log = Log()
    log.add([], "hi", "Hello!", hashed_ip="home")
    log.add([], "hi", "Hello!", hashed_ip="office")
    log.add([("hi", "Hello!")], "q", "a", hashed_ip="home")
    result = link(log.turns)
    assert ids(result) == [[1, 3], [2]]
    assert result.stats["ip_relaxed"] == 0


def test_the_most_recent_open_tail_wins() -> None:
    log = Log()
    log.add([], "hi", "Hello!")
    log.add([], "hi", "Hello!")
    log.add([("hi", "Hello!")], "q", "a")
    assert ids(link(log.turns)) == [[1], [2, 3]]


def test_a_tail_once_continued_is_closed() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "a2")
    log.add([("q1", "a1")], "q2 again", "a2'")  # the same predecessor: no open tail is left
    result = link(log.turns)
    assert ids(result) == [[1, 2]]
    assert result.dropped == {3: DropReason.BROKEN_CHAIN}


def test_a_broken_chain_is_dropped_with_everything_continuing_it() -> None:
    log = Log()
    log.add([], "q1", "a1")
    # the turn answering q2 with a2 is missing from the log
    log.add([("q1", "a1"), ("q2", "a2")], "q3", "a3")
    log.add([("q1", "a1"), ("q2", "a2"), ("q3", "a3")], "q4", "a4")
    result = link(log.turns)
    assert ids(result) == [[1]]
    assert result.dropped == {2: DropReason.BROKEN_CHAIN, 3: DropReason.BROKEN_CHAIN}
    assert result.stats["dropped_broken_chain"] == 2


def test_model_and_participant_scope_the_hash() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "a2", model="m2")
    log.add([("q1", "a1")], "q2", "a2", participant_id="p2")
    result = link(log.turns)
    assert ids(result) == [[1]]
    assert set(result.dropped) == {2, 3}
    # The paper had no participant id: without it, p2's turn continues p1's conversation.
    assert ids(link(log.turns, match_participant=False)) == [[1, 3]]


def test_non_alternating_requests_are_discarded() -> None:
    log = Log()
    shapes = [
        [],
        ["user", "user"],
        ["assistant", "user"],
        ["system", "system", "user"],
        ["user", "assistant", "assistant", "user"],
        ["user", "system", "user"],
        ["user", "assistant"],
    ]
    for roles in shapes:
        log.raw([Message(r, "x") for r in roles], "reply")
    result = link(log.turns)
    assert result.conversations == []
    assert result.stats["dropped_non_alternating"] == len(shapes)
    assert set(result.dropped.values()) == {DropReason.NON_ALTERNATING}


def test_a_leading_system_prompt_is_allowed_and_part_of_the_hash() -> None:
    log = Log()
    log.add([], "q1", "a1", system="Be terse.")
    log.add([("q1", "a1")], "q2", "a2", system="Be terse.")
    log.add([("q1", "a1")], "q2", "a2", system="Be verbose.")  # other prompt: other history
    log.add([("q1", "a1")], "q2", "a2", system=None)
    result = link(log.turns)
    assert ids(result) == [[1, 2]]
    assert result.dropped == {3: DropReason.BROKEN_CHAIN, 4: DropReason.BROKEN_CHAIN}
    assert result.stats["with_system_prompt"] == 3


def test_a_failed_turn_is_dropped_and_its_retry_links() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "", status=TurnStatus.ERROR)
    log.add([("q1", "a1")], "q2", "a2")  # the same message sent again
    log.add([("q1", "a1"), ("q2", "a2")], "q3", "a3")
    log.add([("q1", "a1"), ("q2", "a2"), ("q3", "a3")], "q4", "", status=TurnStatus.ERROR)
    result = link(log.turns)
    assert ids(result) == [[1, 3, 4]]
    assert result.dropped == {2: DropReason.ERROR, 5: DropReason.ERROR}
    assert result.stats["dropped_error"] == 2


def test_a_failed_turn_carried_on_from_is_a_round() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "half an ans", status=TurnStatus.ERROR)
    log.add([("q1", "a1"), ("q2", "half an ans")], "q3", "a3")
    result = link(log.turns)
    assert ids(result) == [[1, 2, 3]]
    assert result.stats["errors_continued"] == 1


def test_a_failed_turn_carried_on_only_by_failures_is_dropped() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "half", status=TurnStatus.ERROR)
    log.add([("q1", "a1"), ("q2", "half")], "q3", "", status=TurnStatus.ERROR)
    result = link(log.turns)
    assert ids(result) == [[1]]
    assert result.dropped == {2: DropReason.ERROR, 3: DropReason.ERROR}


def test_an_interrupted_turn_is_continued_from_its_partial_reply() -> None:
    log = Log()
    log.add([], "q1", "a1 cut", status=TurnStatus.INTERRUPTED)
    log.add([("q1", "a1 cut")], "q2", "a2")
    log.add([], "x", "", status=TurnStatus.INTERRUPTED)  # stopped before the first token
    log.add([("x", "")], "y", "z")
    assert ids(link(log.turns)) == [[1, 2], [3, 4]]


def test_unsorted_lists_are_sorted_and_unsorted_streams_refused() -> None:
    log = Log()
    log.add([], "q1", "a1")
    log.add([("q1", "a1")], "q2", "a2")
    log.add([], "other", "reply")
    shuffled = [log.turns[2], log.turns[1], log.turns[0]]
    result = link(shuffled)
    assert ids(result) == [[1, 2], [3]]
    assert result.stats["input_resorted"] == 1

    def stream() -> Iterator[Turn]:
        yield from shuffled

    with pytest.raises(ValueError, match="out of order"):
        link_turns(stream())
    assert ids(link_turns(iter(log.turns))) == [[1, 2], [3]]


def test_keep_history_false_trims_messages_but_links_the_same() -> None:
    turns, _truth = generate(1500, seed=21)
    expected = ids(link(turns))
    result = link_turns(turns, keep_history=False)
    assert ids(result) == expected
    for turn in turns:
        if result.dropped.get(turn.id) is not DropReason.NON_ALTERNATING:
            assert len(turn.messages) <= 2 and turn.messages[-1].role == "user"


def test_tails_ending_alike_are_told_apart_by_their_whole_history() -> None:
    log = Log()
    log.add([], "A", "x")
    log.add([("A", "x")], "same q", "same a")
    log.add([], "B", "y")
    log.add([("B", "y")], "same q", "same a")  # ends like turn 2, and more recently
    log.add([("A", "x"), ("same q", "same a")], "next", "z")  # carries on from turn 2's conversation
    log.add([], "C", "w", system="S1")
    log.add([], "C", "w", system="S2")
    log.add([("C", "w")], "more", "v", system="S1")
    assert ids(link(log.turns)) == [[1, 2, 5], [3, 4], [6, 8], [7]]


def reference_link(
    turns: list[Turn], match_participant: bool = True
) -> tuple[list[list[int]], dict[int, str]]:
    """The paper's rule literally: sha256 of the JSON history, with the same extensions (the
    participant, failed turns); slow and plain, to check the fast linker against."""
    tails: dict[tuple[Any, ...], list[int]] = {}
    nodes: list[Turn] = []
    parent: list[int] = []
    up: dict[int, tuple[Any, ...]] = {}
    dropped: dict[int, str] = {}
    for turn in sorted(turns, key=lambda t: (t.received_at, t.id)):
        rounds = history_rounds(turn.messages)
        if rounds is None:
            dropped[turn.id] = "non_alternating"
            continue
        prev, own = turn_hashes(turn.messages, turn.response)
        who = turn.participant_id if match_participant else ""
        context = (who, (turn.user_agent or "") + (turn.accept_language or ""), turn.model)
        link_to = -1
        if rounds:
            key = (context, prev)
            found = tails.get(key, [])
            same_ip = [n for n in found if nodes[n].hashed_ip == turn.hashed_ip]
            pick = (same_ip or found or [-2])[-1]
            link_to = pick
            if pick >= 0 and turn.status is TurnStatus.ERROR:
                up[len(nodes)] = key
            elif pick >= 0:
                path, node = [], pick
                while nodes[node].status is TurnStatus.ERROR and parent[node] >= 0:
                    path.append((parent[node], up[node]))
                    node = parent[node]
                if all(n in tails[k] for n, k in path):
                    for n, k in [*path, (pick, key)]:
                        tails[k].remove(n)
                else:
                    link_to = -2
        nodes.append(turn)
        parent.append(link_to)
        tails.setdefault((context, own), []).append(len(nodes) - 1)
    conversations = []
    for open_ in tails.values():
        for tail in open_:
            if nodes[tail].status is TurnStatus.ERROR:
                dropped[nodes[tail].id] = "error"
                continue
            chain, node = [], tail
            while node >= 0:
                chain.append(nodes[node].id)
                node = parent[node]
            if node == -2:
                dropped.update(dict.fromkeys(chain, "broken_chain"))
            else:
                conversations.append(chain[::-1])
    return sorted(conversations), dropped


@pytest.mark.parametrize("match_participant", [True, False])
def test_the_fast_linker_links_like_full_history_hashes(match_participant: bool) -> None:
    turns, _truth = generate(5000, seed=31, config=replace(STRESS, web_conversation_id_rate=0.0))
    hashed = [t for t in turns if t.conversation_id is None]
    expected, dropped = reference_link(hashed, match_participant)
    result = link(hashed, match_participant=match_participant)
    assert sorted(ids(result)) == expected
    assert result.dropped == dropped


# -- the conversation-id path ---------------------------------------------------------------------


def test_conversation_ids_group_per_participant_in_time_order() -> None:
    log = Log()
    log.add([], "q1", "a1", conversation_id="c1", channel=Channel.WEB)
    log.add([], "other", "r", conversation_id="c1", participant_id="p2")
    log.add([("q1", "a1")], "q2", "a2", conversation_id="c1", hashed_ip="elsewhere")
    log.add([], "no id", "r")
    result = link(list(reversed(log.turns)))
    assert ids(result) == [[1, 3], [2], [4]]
    assert [c.method for c in result.conversations] == ["conversation_id", "conversation_id", "hash"]
    assert result.stats["linked_by_id"] == 3
    assert result.stats["linked_by_hash"] == 1


def test_a_missing_turn_breaks_an_id_conversation() -> None:
    log = Log()
    h = [("q1", "a1"), ("q2", "a2"), ("q3", "a3")]
    log.add([], "q1", "a1", conversation_id="c")
    log.add(h[:1], "q2", "a2", conversation_id="c")
    log.add(h[:3], "q4", "a4", conversation_id="c")  # q3's turn is missing
    log.add([*h, ("q4", "a4")], "q5", "a5", conversation_id="c")
    result = link(log.turns)
    assert ids(result) == [[1, 2]]
    assert result.dropped == {3: DropReason.BROKEN_CHAIN, 4: DropReason.BROKEN_CHAIN}


def test_an_id_reused_for_a_new_conversation_restarts_it() -> None:
    log = Log()
    log.add([], "q1", "a1", conversation_id="c")
    log.add([("q1", "a1")], "q2", "a2", conversation_id="c")
    log.add([], "new topic", "b1", conversation_id="c")
    log.add([("new topic", "b1")], "more", "b2", conversation_id="c")
    result = link(log.turns)
    assert ids(result) == [[1, 2], [3, 4]]
    assert result.stats["id_restarts"] == 1


def test_an_id_history_that_goes_back_is_a_mismatch() -> None:
    log = Log()
    log.add([], "q1", "a1", conversation_id="c")
    log.add([("q1", "a1")], "q2", "a2", conversation_id="c")
    log.add([("q1", "a1"), ("q2", "a2")], "q3", "a3", conversation_id="c")
    log.add([("q1", "a1")], "q2 edited", "a2'", conversation_id="c")
    log.add([("q1", "a1"), ("q2 edited", "a2'")], "q3", "a3", conversation_id="c")
    result = link(log.turns)
    assert ids(result) == [[1, 2, 3]]
    assert result.dropped == {4: DropReason.ID_MISMATCH, 5: DropReason.ID_MISMATCH}


def test_failed_turns_on_the_id_path() -> None:
    log = Log()
    cid = {"conversation_id": "c"}
    log.add([], "q1", "a1", **cid)
    log.add([("q1", "a1")], "q2", "", status=TurnStatus.ERROR, **cid)  # retried below
    log.add([("q1", "a1")], "q2", "a2", **cid)
    log.add([("q1", "a1"), ("q2", "a2")], "q3", "half", status=TurnStatus.ERROR, **cid)  # carried on
    log.add([("q1", "a1"), ("q2", "a2"), ("q3", "half")], "q4", "a4", **cid)
    log.add(
        [("q1", "a1"), ("q2", "a2"), ("q3", "half"), ("q4", "a4")], "q5", "", status=TurnStatus.ERROR, **cid
    )
    result = link(log.turns)
    assert ids(result) == [[1, 3, 4, 5]]
    assert result.dropped == {2: DropReason.ERROR, 6: DropReason.ERROR}
    assert result.stats["errors_continued"] == 1


# -- synthetic logs: the linker must reproduce the ground truth exactly ---------------------------

STRESS = SynthConfig(
    error_rate=0.12,
    interrupted_rate=0.12,
    broken_chain_rate=0.3,
    roaming_rate=0.3,
    canned_rate=0.3,
    repeat_prompt_rate=0.3,
    api_share=0.5,
    api_conversation_id_rate=0.5,
    non_alternating_rate=0.1,
    turns_per_participant=40,
)


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(SynthConfig(), id="default"),
        pytest.param(SynthConfig(web_conversation_id_rate=0.0), id="hash-only"),
        pytest.param(STRESS, id="stress"),
        pytest.param(replace(STRESS, web_conversation_id_rate=0.0), id="stress-hash-only"),
    ],
)
def test_synthetic_logs_link_exactly(config: SynthConfig) -> None:
    turns, truth = generate(6000, seed=13, config=config)
    result = link(turns)
    assert sorted(ids(result)) == sorted(truth.expected)
    assert result.dropped == truth.dropped
    if config.web_conversation_id_rate == 0.0:
        assert result.stats["linked_by_hash"] > 0.6 * result.stats["turns_linked"]


def as_read_from_store(turns: list[Turn]) -> Iterator[Turn]:
    """Copies with fresh string objects, as rows read from the store have: the generator's turns
    share history strings (cached hashes, identity compares), which would flatter the linker."""

    def fresh(text: str) -> str:
        return (text + ".")[:-1]

    for turn in turns:
        yield replace(
            turn,
            messages=[Message(m.role, fresh(m.content)) for m in turn.messages],
            response=fresh(turn.response),
        )


@pytest.mark.slow
def test_linking_throughput_on_one_core() -> None:
    """≥ 50k turns/s on one core: the paper's setting (no conversation ids), WildChat-sized texts."""
    n = 200_000
    turns, truth = generate(n, seed=7, config=SynthConfig(web_conversation_id_rate=0.0))
    reading = linking = float("inf")
    for _ in range(2):  # CPU time of this process: other load on the machine does not count
        gc.disable()  # as link_turns does while it reads: the same cost is subtracted
        started = time.process_time()
        for _turn in as_read_from_store(turns):
            pass
        reading = min(reading, time.process_time() - started)
        gc.enable()
        started = time.process_time()
        result = link_turns(as_read_from_store(turns), keep_history=False)
        linking = min(linking, time.process_time() - started - reading)
    assert sorted(ids(result)) == sorted(truth.expected)
    rate = n / linking
    print(f"linking: {rate:,.0f} turns/s on one core (hash path, {n:,} turns)")
    assert rate >= 50_000
