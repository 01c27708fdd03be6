"""Which conversations reach training: public only by default, languages, turns, shape, duplicates."""

from __future__ import annotations

from tests.train.conversations import ROUNDS, conversation
from wildchat.records import ConversationMessage
from wildchat.train.data import ConversationFilter, FilterOptions, to_messages


def _kept(options: FilterOptions, conversations: list) -> tuple[list[list[dict[str, str]]], dict[str, int]]:
    keep = ConversationFilter(options)
    kept = list(keep(conversations))
    return kept, dict(keep.stats.dropped)


def test_default_keeps_public_conversations_only() -> None:
    clean = conversation(1, ROUNDS[:1])
    flagged = conversation(2, ROUNDS[:1], toxic=True)
    one_toxic_message = conversation(3, ROUNDS[:2], toxic_message=2)  # flags disagree: still out
    kept, dropped = _kept(FilterOptions(), [clean, flagged, one_toxic_message])
    assert kept == [
        [{"role": "user", "content": ROUNDS[0][0]}, {"role": "assistant", "content": ROUNDS[0][1]}]
    ]
    assert dropped == {"toxic": 2}
    kept, dropped = _kept(FilterOptions.build(include_toxic=True), [clean, flagged, one_toxic_message])
    assert len(kept) == 3 and dropped == {}


def test_language_filter_ignores_case() -> None:
    english = conversation(1, ROUNDS[:1], language="English")
    chinese = conversation(2, ROUNDS[:1], language="Chinese")
    french = conversation(3, ROUNDS[:1], language="French")
    keep = ConversationFilter(FilterOptions.build(languages=["english", " CHINESE "]))
    assert len(list(keep([english, chinese, french]))) == 2
    assert keep.stats.to_dict() == {"read": 3, "kept": 2, "dropped": {"language": 1}}


def test_minimum_turns_counts_user_turns_after_cleaning() -> None:
    one = conversation(1, ROUNDS[:1])
    three = conversation(2, ROUNDS[:3])
    unanswered = conversation(3, ROUNDS[:2])
    unanswered.conversation.append(ConversationMessage("user", "And one more?", 9))  # trimmed: 2 turns
    kept, dropped = _kept(FilterOptions.build(min_turns=2), [one, three, unanswered])
    assert [len(messages) for messages in kept] == [6, 4]
    assert dropped == {"min_turns": 1}


def test_duplicate_first_prompts_are_dropped_when_asked() -> None:
    first = conversation(1, [("Write  a POEM about the sea.", "Waves."), ROUNDS[0]])
    same_prompt = conversation(2, [("write a poem about the sea.", "Tides.")])  # case, spaces differ
    other = conversation(3, [("Write a poem about the sky.", "Clouds.")])
    kept, dropped = _kept(FilterOptions.build(dedup_first_prompts=True), [first, same_prompt, other])
    assert [messages[1]["content"] for messages in kept] == ["Waves.", "Clouds."]
    assert dropped == {"duplicate_first_prompt": 1}
    kept, _ = _kept(FilterOptions(), [first, same_prompt, other])  # off by default
    assert len(kept) == 3


def test_to_messages_cleans_the_shape() -> None:
    opened_by_reply = conversation(1, ROUNDS[:2])
    opened_by_reply.conversation.insert(0, ConversationMessage("assistant", "Hi, how can I help?", 0))
    assert [m["role"] for m in to_messages(opened_by_reply) or []] == ["user", "assistant"] * 2

    interrupted = conversation(2, ROUNDS[:3])
    interrupted.conversation[3].content = "  "  # an empty reply: the rest is cut
    assert to_messages(interrupted) == [
        {"role": "user", "content": ROUNDS[0][0]},
        {"role": "assistant", "content": ROUNDS[0][1]},
    ]

    with_system = conversation(3, ROUNDS[:1], system="Answer briefly.")
    assert (to_messages(with_system) or [])[0] == {"role": "system", "content": "Answer briefly."}


def test_malformed_conversations_are_counted() -> None:
    doubled = conversation(1, ROUNDS[:2])
    doubled.conversation.insert(1, ConversationMessage("user", "Hello?", 0))
    late_system = conversation(2, ROUNDS[:2])
    late_system.conversation.insert(2, ConversationMessage("system", "Be terse.", 0))
    odd_role = conversation(3, ROUNDS[:1])
    odd_role.conversation[1] = ConversationMessage("tool", "{}", 0)
    kept, dropped = _kept(FilterOptions(), [doubled, late_system, odd_role])
    assert kept == [] and dropped == {"malformed": 3}


def test_conversations_left_without_a_reply_are_counted_apart() -> None:
    lone_prompt = conversation(4, [])
    lone_prompt.conversation.append(ConversationMessage("user", "Anyone?", 0))
    empty_reply = conversation(5, ROUNDS[:1])
    empty_reply.conversation[1] = ConversationMessage("assistant", "", 0)
    kept, dropped = _kept(FilterOptions(), [lone_prompt, empty_reply])
    assert kept == [] and dropped == {"no_reply": 2}
