"""What a curation stage is, for both engines (local processes and Ray Data).

A stage is a small object with one method over a batch of conversations. Heavy models load in
`setup()`, which each engine calls once per worker process before the first batch; the object
must be picklable before `setup()` (the engines ship it to workers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from wildchat.records import Conversation


@dataclass(slots=True)
class StageStats:
    """Counts a stage reports for one batch; the engine sums them into the manifest."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, value: int = 1) -> None:
        self.counts[key] += value

    def merge(self, other: StageStats) -> None:
        self.counts.update(other.counts)


class ConversationStage(Protocol):
    name: str

    def setup(self) -> None:
        """Load models; called once per worker before the first batch."""
        ...

    def __call__(self, batch: list[Conversation], stats: StageStats) -> list[Conversation]:
        """Return the batch, tagged (messages may be changed in place)."""
        ...
