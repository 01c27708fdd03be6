"""What a toxicity scorer is: a named, versioned model that scores texts in batches.

A scorer fills one or both of the released per-message fields (`openai_moderation`,
`detoxify_moderation`). It is cheap to build and picklable until `setup()`, which loads models
or opens clients once per worker process, because the curation engines ship stage objects to
workers before calling `setup()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, runtime_checkable

ReleasedField = Literal["openai_moderation", "detoxify_moderation"]
MODERATION_FIELD: Final = "openai_moderation"
DETOXIFY_FIELD: Final = "detoxify_moderation"
RELEASED_FIELDS: Final[tuple[ReleasedField, ...]] = (MODERATION_FIELD, DETOXIFY_FIELD)


@dataclass(frozen=True, slots=True)
class TextScores:
    """One text's entries for the released fields; None where this scorer does not fill a field."""

    openai_moderation: dict[str, Any] | None = None
    detoxify_moderation: dict[str, Any] | None = None

    def get(self, field: ReleasedField) -> dict[str, Any] | None:
        return self.openai_moderation if field == MODERATION_FIELD else self.detoxify_moderation


@runtime_checkable
class ToxicityScorer(Protocol):
    """The pluggable unit. Implementations may use plain attributes for the three properties."""

    @property
    def name(self) -> str:
        """Registry name, e.g. "openai"."""
        ...

    @property
    def version(self) -> str:
        """What the dataset card cites: model id, checkpoint name, lexicon version."""
        ...

    @property
    def fields(self) -> tuple[ReleasedField, ...]:
        """The released fields this scorer fills."""
        ...

    def describe(self) -> str:
        """One line for the dataset card naming the producer of the fields."""
        ...

    def setup(self) -> None:
        """Load models / open clients; called once per worker before the first `score`."""
        ...

    def score(self, texts: Sequence[str]) -> list[TextScores]:
        """One result per text, in order. Texts are non-empty."""
        ...


class ScorerNotReady(RuntimeError):
    """`score()` was called before `setup()`."""
