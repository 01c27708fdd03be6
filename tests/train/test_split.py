"""Conversations longer than the maximum length are split between rounds, never inside one."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.train.conversations import ROUNDS
from tests.train.tiny import build_tokenizer
from wildchat.train.masking import IGNORE_INDEX, Encoded, encode_conversation
from wildchat.train.split import SplitStats, split_conversation
from wildchat.train.templates import VICUNA_TEMPLATE

TOKENIZER = build_tokenizer()


def _encode(messages: Sequence[dict[str, str]]) -> Encoded:
    return encode_conversation(TOKENIZER, VICUNA_TEMPLATE, messages)


def _messages(rounds: Sequence[tuple[str, str]], system: str | None = None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    for question, answer in rounds:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return messages


def _reply_texts(piece: Encoded) -> str:
    return TOKENIZER.decode(
        [t for t, label in zip(piece.input_ids, piece.labels, strict=True) if label != IGNORE_INDEX]
    )


def test_a_conversation_that_fits_stays_whole() -> None:
    messages = _messages(ROUNDS[:3])
    stats = SplitStats()
    pieces = split_conversation(messages, _encode, 4096, stats)
    assert pieces == [_encode(messages)]
    assert (stats.conversations, stats.split, stats.pieces) == (1, 0, 1)


def test_long_conversations_are_split_at_turn_boundaries() -> None:
    messages = _messages(ROUNDS)  # six rounds
    whole = _encode(messages)
    round_lengths = [b - a for a, b in zip([0, *whole.round_ends[:-1]], whole.round_ends, strict=True)]
    max_length = round_lengths[0] + max(round_lengths[1:]) + 10  # about two rounds per piece
    assert len(whole) > max_length
    stats = SplitStats()
    pieces = split_conversation(messages, _encode, max_length, stats)

    assert len(pieces) > 1 and all(len(piece) <= max_length for piece in pieces)
    assert (stats.split, stats.pieces, stats.truncated) == (1, len(pieces), 0)
    # Each piece is a conversation of whole rounds, as the template starts one, in order, and
    # together the pieces hold every round exactly once.
    covered: list[tuple[str, str]] = []
    for piece in pieces:
        text = TOKENIZER.decode(piece.input_ids)
        assert text.startswith("<s>A chat between") and text.endswith("</s>")
        rounds_here = [r for r in ROUNDS if f"USER: {r[0]} ASSISTANT: {r[1]}</s>" in text]
        assert text.count("USER:") == len(rounds_here)
        covered += rounds_here
        assert _reply_texts(piece) == "".join(f" {answer}</s>" for _, answer in rounds_here)
    assert covered == ROUNDS


def test_the_system_message_opens_every_piece() -> None:
    messages = _messages(ROUNDS, system="Answer briefly.")
    pieces = split_conversation(messages, _encode, 60)
    assert len(pieces) > 1
    assert all(TOKENIZER.decode(piece.input_ids).startswith("<s>Answer briefly. USER:") for piece in pieces)


def test_a_round_longer_than_the_maximum_is_cut() -> None:
    long_answer = "The capital of France is Paris. " * 30
    messages = _messages([ROUNDS[0], ("Tell me about France.", long_answer), ROUNDS[2]])
    stats = SplitStats()
    pieces = split_conversation(messages, _encode, 80, stats)
    assert stats.truncated == 1 and all(len(piece) <= 80 for piece in pieces)
    cut = next(piece for piece in pieces if piece.truncated)
    assert len(cut) == 80 and "Tell me about France." in TOKENIZER.decode(cut.input_ids)
    assert any(label != IGNORE_INDEX for label in cut.labels)  # the start of the reply is kept


def test_a_cut_that_leaves_no_reply_is_dropped() -> None:
    long_question = "Please tell me everything about spiders and their legs. " * 20
    messages = _messages([ROUNDS[0], (long_question, "Eight."), ROUNDS[2]])
    stats = SplitStats()
    pieces = split_conversation(messages, _encode, 90, stats)
    assert stats.dropped == 1 and stats.truncated == 1
    assert all("spiders and their legs" not in TOKENIZER.decode(piece.input_ids) for piece in pieces)
    assert len(pieces) == 2


@pytest.mark.parametrize("max_length", [72, 100, 200])
def test_no_piece_exceeds_the_maximum(max_length: int) -> None:
    pieces = split_conversation(_messages(ROUNDS * 2), _encode, max_length)
    assert pieces and all(len(piece) <= max_length for piece in pieces)
