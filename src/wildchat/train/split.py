"""Split conversations longer than the maximum length at turn boundaries, as FastChat does for Vicuna.

Truncating a long conversation would throw its later replies away; FastChat's
``split_long_conversation`` instead cuts it between rounds (a user message and its reply) into
pieces that each fit, and trains on every piece. Here each piece is rendered again as a conversation
of its own (the system message, if any, opens every piece), so each starts as the template starts
a conversation. A single round longer than the maximum is kept as one piece cut at the maximum
length (the context of a reply is its start); a piece whose cut left no reply token carries no
loss and is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wildchat.train.masking import IGNORE_INDEX, Encoded, Messages


@dataclass(slots=True)
class SplitStats:
    conversations: int = 0
    split: int = 0  # conversations cut into several pieces
    pieces: int = 0  # training sequences produced
    truncated: int = 0  # pieces cut at the maximum length (one round longer than it)
    dropped: int = 0  # pieces left with no reply token after the cut

    def add(self, other: SplitStats) -> None:
        self.conversations += other.conversations
        self.split += other.split
        self.pieces += other.pieces
        self.truncated += other.truncated
        self.dropped += other.dropped


def _rounds(messages: Messages) -> tuple[list[dict[str, str]], list[list[dict[str, str]]]]:
    """Leading system messages, and the rest as rounds: a user message and the reply to it."""
    head = 0
    while head < len(messages) and messages[head]["role"] == "system":
        head += 1
    body = list(messages[head:])
    return list(messages[:head]), [body[i : i + 2] for i in range(0, len(body), 2)]


def split_conversation(
    messages: Messages,
    encode: Callable[[Messages], Encoded],
    max_length: int,
    stats: SplitStats | None = None,
) -> list[Encoded]:
    """Pieces of at most max_length tokens, cut only between rounds (see the module docstring)."""
    stats = stats if stats is not None else SplitStats()
    stats.conversations += 1
    whole = encode(messages)
    if len(whole) <= max_length:
        stats.pieces += 1
        return [whole]
    system, rounds = _rounds(messages)
    # Round lengths from the whole encoding guide the greedy grouping; the first includes the
    # template's opening, so later pieces can come out longer than estimated: each piece is
    # encoded again, and shrunk a round at a time while it does not fit.
    ends = whole.round_ends
    lengths = [end - start for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    pieces: list[Encoded] = []
    start = 0
    while start < len(rounds):
        stop, estimate = start + 1, lengths[start]
        while stop < len(rounds) and estimate + lengths[stop] <= max_length:
            estimate += lengths[stop]
            stop += 1
        piece = _encode_rounds(encode, system, rounds[start:stop])
        while len(piece) > max_length and stop - start > 1:
            stop -= 1
            piece = _encode_rounds(encode, system, rounds[start:stop])
        if len(piece) > max_length:
            piece = piece.cut(max_length)
            stats.truncated += 1
        if any(label != IGNORE_INDEX for label in piece.labels):
            pieces.append(piece)
        else:
            stats.dropped += 1
        start = stop
    stats.split += 1
    stats.pieces += len(pieces)
    return pieces


def _encode_rounds(
    encode: Callable[[Messages], Encoded],
    system: Sequence[dict[str, str]],
    rounds: Sequence[Sequence[dict[str, str]]],
) -> Encoded:
    return encode([*system, *(message for round_ in rounds for message in round_)])
