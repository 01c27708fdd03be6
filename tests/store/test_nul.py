"""NUL characters in a turn: stored escaped and flagged, read back exactly, on both databases."""

from __future__ import annotations

import asyncio

import pytest

from tests.store.test_repository import make_turn, store  # noqa: F401  (the fixture)
from wildchat.records import Message
from wildchat.store import Store, nul

TRICKY = ["", "\x00", "\\0", "\\\x00", "\\", "a\\", "\x00\\0\\\\0\x00", "plain", "é\x00🙂"]


@pytest.mark.parametrize("text", TRICKY)
def test_escaping_is_lossless_and_leaves_no_nul(text: str) -> None:
    escaped = nul.escape({"k\x00": [text, {"x": text}], "n": 1})
    assert not nul.holds_nul(escaped)
    assert nul.restore(escaped) == {"k\x00": [text, {"x": text}], "n": 1}


def test_a_cut_never_ends_inside_an_escape() -> None:
    escaped = nul.escape("ab" + "\\" * 3 + "\x00" * 3)  # ab\\\\\\ \0\0\0
    for limit in range(len(escaped) + 1):
        cut = nul.cut_escaped(escaped, limit)
        assert len(cut) <= limit and escaped.startswith(cut)
        assert nul.escape(nul.restore(cut)) == cut  # whole escape sequences only


def test_a_turn_with_nul_everywhere_round_trips(store: Store) -> None:  # noqa: F811
    participant, _ = store.create_participant("v1")
    turn = make_turn(
        participant.id,
        messages=[Message("system", "be \\0 terse\x00"), Message("user", "\x00")],
        params={"stop": ["\x00", "\\0"], "stream": True},
        response="a\x00b\\",
        error="\\\x00" * 150,  # 300 characters: over the column's 200 once escaped, then cut
        finish_reason="stop\x00",
        user_agent="agent\x00",
        accept_language="de\x00",
    )
    assert store.append_turn(turn) is True
    loaded = store.get_turn(turn.id)
    assert loaded is not None and loaded.error is not None
    assert loaded.error == turn.error[: len(loaded.error)] and 60 <= len(loaded.error) <= 200
    turn.error = loaded.error
    assert loaded == turn
    assert list(store.iter_turns()) == [turn]  # the build's reader (JSON read as text)


def test_a_nul_that_arrives_with_the_reply_rewrites_the_prepared_row(store: Store) -> None:  # noqa: F811
    """The request columns were converted while the reply streamed, without escaping; the reply
    brings a NUL, so the whole row is escaped, on the writer that runs on the event loop."""
    participant, _ = store.create_participant("v1")
    turn = make_turn(
        participant.id, messages=[Message("user", "back\\slash")], response="", completed_at=None
    )
    prepared = store.prepare_turn(turn)
    assert prepared is not None
    turn.response = "zero\x00"

    async def write() -> bool | None:
        try:
            if store.engine.dialect.name == "sqlite":
                return store.append_turn_nowait(turn, prepared)
            return await store.append_turn_async(turn, prepared)
        finally:
            await store.aclose()

    assert asyncio.run(write()) is True
    assert store.get_turn(turn.id) == turn
