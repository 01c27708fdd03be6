"""What the build tests share: a synthetic store, quick build options, an API turn, the command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wildchat.curate.pipeline import BuildOptions
from wildchat.curate.synth import GroundTruth, write_synthetic
from wildchat.records import Channel, Conversation, Message, Turn, Usage, new_turn_id
from wildchat.store import Store, make_engine, migrate

Synthetic = tuple[Store, GroundTruth, str]  # the store, what a correct build yields, its URL


def synthetic_store(folder: Path, turns: int, seed: int) -> Iterator[Synthetic]:
    """A fixture's body: a SQLite store in `folder` holding a synthetic log of `turns` turns."""
    url = f"sqlite:///{folder / 'log.db'}"
    engine = make_engine(url)
    migrate(engine)
    store = Store(engine)
    truth = write_synthetic(store, turns, seed=seed)
    yield store, truth, url
    engine.dispose()


def options(out: Path, **overrides: Any) -> BuildOptions:
    values: dict[str, Any] = {"out": out, "workers": 1, "language_accuracy": "low", "progress": False}
    values.update(overrides)
    return BuildOptions(**values)


def user_turns(conversation: Conversation) -> tuple[int, ...]:
    return tuple(m.turn_identifier for m in conversation.conversation if m.role == "user")


def api_turn(
    store: Store,
    prompt: str = "What is the capital of Portugal?",
    *,
    days: float = 1,
    at: datetime | None = None,
) -> Turn:
    """A one-turn API conversation of a new participant, not yet appended: `days` from now or `at`."""
    participant, _key = store.create_participant("v1")
    received = at or datetime.now(UTC) + timedelta(days=days)
    return Turn(
        id=new_turn_id(),
        received_at=received,
        completed_at=received + timedelta(seconds=2),
        model="gpt-test",
        messages=[Message("user", prompt)],
        params={"stream": True},
        channel=Channel.API,
        participant_id=participant.id,
        consent_version="v1",
        response="Lisbon is the capital of Portugal.",
        finish_reason="stop",
        usage=Usage(8, 7),
        hashed_ip="b" * 64,
        user_agent="curl/8",
        accept_language="en",
    )


def build_command(url: str, out: Path, *extra: str, workers: int = 1, shard_size: int = 10) -> list[str]:
    """`wildchat build` as a subprocess runs it, quickly."""
    return [
        sys.executable, "-m", "wildchat.cli", "build", "--out", str(out), "--database-url", url,
        "--workers", str(workers), "--language-accuracy", "low", "--shard-size", str(shard_size),
        "--no-progress", *extra,
    ]  # fmt: skip
