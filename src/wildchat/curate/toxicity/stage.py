"""The toxicity curation stage: fill both released fields per message and apply WildChat's rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wildchat.curate.stage import StageStats
from wildchat.curate.toxicity.base import (
    DETOXIFY_FIELD,
    MODERATION_FIELD,
    RELEASED_FIELDS,
    ReleasedField,
    ToxicityScorer,
)
from wildchat.curate.toxicity.registry import create_scorer
from wildchat.curate.toxicity.schema import DETOXIFY_LABELS, flagged_categories
from wildchat.records import Conversation

DEFAULT_DETOXIFY_THRESHOLD = 0.1  # WildChat's footnote 14: "a threshold of 0.1 in Detoxify"


def _default_scorers() -> list[ToxicityScorer]:
    return [create_scorer("offline")]


@dataclass
class ToxicityStage:
    """Tags messages and conversations; each released field has at most one producer.

    `scorers` holds scorer objects or registry names (built with default options; use
    `from_names` to pass options). Identical texts within a batch are scored once (chat logs
    repeat prompts a lot).
    """

    scorers: Sequence[ToxicityScorer | str] = field(default_factory=_default_scorers)
    detoxify_threshold: float = DEFAULT_DETOXIFY_THRESHOLD
    name: str = field(default="toxicity", init=False)
    active: list[ToxicityScorer] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.active = [create_scorer(s) if isinstance(s, str) else s for s in self.scorers]
        if not self.active:
            raise ValueError("the toxicity stage needs at least one scorer")
        owners: dict[str, str] = {}
        for scorer in self.active:
            if not scorer.fields:
                raise ValueError(f"scorer {scorer.name!r} fills no released field")
            for released in scorer.fields:
                if released in owners:
                    raise ValueError(
                        f"both {owners[released]!r} and {scorer.name!r} would fill {released!r}; "
                        "configure the offline scorer's stand_in to avoid the overlap"
                    )
                owners[released] = scorer.name
        if not 0.0 <= self.detoxify_threshold < 1.0:
            raise ValueError("detoxify_threshold must be in [0, 1)")

    @classmethod
    def from_names(
        cls,
        names: Sequence[str],
        options: Mapping[str, Mapping[str, Any]] | None = None,
        detoxify_threshold: float = DEFAULT_DETOXIFY_THRESHOLD,
    ) -> ToxicityStage:
        """Build from configuration, e.g. `from_names(["openai", "detoxify"], {"detoxify": {"path": p}})`."""
        options = options or {}
        return cls([create_scorer(n, **dict(options.get(n, {}))) for n in names], detoxify_threshold)

    def producer_of(self, released: ReleasedField) -> ToxicityScorer | None:
        return next((s for s in self.active if released in s.fields), None)

    def producers(self) -> dict[str, str]:
        """For the dataset card: who filled each released field (or that nobody did)."""
        out: dict[str, str] = {}
        for released in RELEASED_FIELDS:
            scorer = self.producer_of(released)
            out[released] = scorer.describe() if scorer else "not computed ({} for every message)"
        out["toxic"] = (
            f"content non-empty and (openai_moderation.flagged or "
            f"detoxify_moderation.toxicity > {self.detoxify_threshold}), over the fields computed"
        )
        return out

    def setup(self) -> None:
        for scorer in self.active:
            scorer.setup()

    def __call__(self, batch: list[Conversation], stats: StageStats) -> list[Conversation]:
        texts = list(dict.fromkeys(m.content for c in batch for m in c.conversation if m.content != ""))
        by_field: dict[str, dict[str, dict[str, Any]]] = {}
        flagged_by: dict[str, set[str]] = {}
        for scorer in self.active:
            results = scorer.score(texts) if texts else []
            if len(results) != len(texts):
                raise RuntimeError(
                    f"scorer {scorer.name!r} returned {len(results)} results for {len(texts)} texts"
                )
            stats.add(f"toxicity.scorer.{scorer.name}.texts", len(texts))
            take_counts = getattr(scorer, "take_counts", None)
            if callable(take_counts):
                for key, value in take_counts().items():
                    stats.add(f"toxicity.scorer.{scorer.name}.{key}", int(value))
            flagged: set[str] = set()
            for released in scorer.fields:
                records = {}
                for text, result in zip(texts, results, strict=True):
                    record = result.get(released)
                    if record is None:
                        raise RuntimeError(f"scorer {scorer.name!r} did not fill {released!r}")
                    records[text] = record
                    if self._record_is_toxic(released, record):
                        flagged.add(text)
                by_field[released] = records
            flagged_by[scorer.name] = flagged
        for conversation in batch:
            self._tag(conversation, by_field, flagged_by, stats)
        return batch

    def _record_is_toxic(self, released: str, record: Mapping[str, Any]) -> bool:
        if released == MODERATION_FIELD:
            return bool(record.get("flagged", False))
        return float(record.get("toxicity", 0.0)) > self.detoxify_threshold

    def _tag(
        self,
        conversation: Conversation,
        by_field: Mapping[str, Mapping[str, dict[str, Any]]],
        flagged_by: Mapping[str, set[str]],
        stats: StageStats,
    ) -> None:
        moderation: list[dict[str, Any]] = []
        detoxify: list[dict[str, Any]] = []
        for message in conversation.conversation:
            role = message.role
            stats.add("toxicity.messages")
            if message.content == "":
                moderation.append({})
                detoxify.append({})
                message.toxic = False
                stats.add("toxicity.messages_empty")
                continue
            mod = _copy(by_field.get(MODERATION_FIELD, {}).get(message.content, {}))
            tox = dict(by_field.get(DETOXIFY_FIELD, {}).get(message.content, {}))
            moderation.append(mod)
            detoxify.append(tox)
            mod_flagged = bool(mod) and self._record_is_toxic(MODERATION_FIELD, mod)
            tox_over = bool(tox) and self._record_is_toxic(DETOXIFY_FIELD, tox)
            message.toxic = mod_flagged or tox_over
            self._count_message(stats, role, mod, tox, mod_flagged, tox_over)
            for scorer_name, flagged in flagged_by.items():
                if message.content in flagged:
                    stats.add(f"toxicity.scorer.{scorer_name}.flagged")
                    stats.add(f"toxicity.scorer.{scorer_name}.flagged.{role}")
        conversation.openai_moderation = moderation
        conversation.detoxify_moderation = detoxify
        conversation.toxic = any(m.toxic for m in conversation.conversation)
        stats.add("toxicity.conversations")
        if conversation.toxic:
            stats.add("toxicity.conversations_toxic")

    def _count_message(
        self,
        stats: StageStats,
        role: str,
        mod: Mapping[str, Any],
        tox: Mapping[str, Any],
        mod_flagged: bool,
        tox_over: bool,
    ) -> None:
        # Per-role counts are what the paper's Table 6 reports (Detoxify / Moderation / either / both).
        stats.add(f"toxicity.role.{role}.messages")
        if mod_flagged or tox_over:
            stats.add("toxicity.messages_toxic")
            stats.add(f"toxicity.role.{role}.toxic")
        if mod_flagged:
            stats.add("toxicity.openai_moderation.flagged")
            stats.add(f"toxicity.role.{role}.openai_moderation_flagged")
        if tox_over:
            stats.add("toxicity.detoxify_moderation.over_threshold")
            stats.add(f"toxicity.role.{role}.detoxify_over_threshold")
        if mod_flagged and tox_over:
            stats.add(f"toxicity.role.{role}.both")
        for category in flagged_categories(mod):
            stats.add(f"toxicity.openai_moderation.category.{category}")
        for label in DETOXIFY_LABELS:
            if float(tox.get(label, 0.0)) > self.detoxify_threshold:
                stats.add(f"toxicity.detoxify_moderation.label.{label}")


def _copy(record: Mapping[str, Any]) -> dict[str, Any]:
    """A per-message copy, so that repeated texts do not share mutable dicts."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in record.items()}
