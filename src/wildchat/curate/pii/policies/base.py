"""What a policy decides: which recognisers run, which detections count, which get replaced.

Detection is split from the choice so that the choice can use corpus-wide document
frequencies: `keep` runs at detection time and may look only at the message (vetoes, spans
that can never be replaced), `rejection` runs at redaction time with the counts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer

from wildchat.curate.pii.anonymize import resolve_overlaps
from wildchat.curate.pii.entities import DetectedEntity
from wildchat.curate.pii.prefilters import Prefilter, always


@dataclass(frozen=True, slots=True)
class Plan:
    """The work one message needs: the entities to ask the analyzer for, and whether NER runs."""

    entities: tuple[str, ...]
    run_ner: bool

    @property
    def empty(self) -> bool:
        return not self.entities


class Policy(ABC):
    """A named set of recognisers and rules; subclasses are plain, picklable objects."""

    name: str
    # Presidio score threshold for the analyzer (0 keeps everything a recogniser returns;
    # None lets each recogniser's own `score_thresholds` decide, the engine default being 0).
    score_threshold: float | None = 0.0
    # Entities that come from the spaCy NER model (SpacyRecognizer) rather than patterns.
    ner_entities: frozenset[str] = frozenset()
    # NER for messages in a language without a configured pipeline too (with the English one);
    # otherwise they get the pattern recognisers only.
    ner_on_every_message: bool = False
    # Whether Presidio's context words (which raise scores) matter for this policy.
    uses_context: bool = True

    @abstractmethod
    def pattern_recognizers(self, language: str) -> list[EntityRecognizer]:
        """Fresh instances of the non-NER recognisers, registered for `language`."""

    @property
    @abstractmethod
    def pattern_entities(self) -> frozenset[str]:
        """Every entity the pattern recognisers return."""

    @property
    def prefilters(self) -> Mapping[str, Prefilter]:
        """Necessary conditions per pattern entity (absent = always run)."""
        return {}

    def ner_gate(self, text: str, language: str) -> bool:
        """False only if no NER span in this message could pass `could_replace`.

        A corpus build then defers NER on the message: its spans matter only for document
        frequencies, and only the spans of replaceable names do (see `PiiStage.count_deferred`).
        The answer must be a necessary condition of the rules, never a guess.
        """
        return True

    def frequent_limit(self, entity_type: str) -> int | None:
        """Document frequency from which a span of this type is never replaced (None: no limit)."""
        return None

    def could_replace(self, entity: DetectedEntity, text: str, language: str) -> bool:
        """Whether the rules would replace this span if it were rare enough."""
        return self.rejection(entity, text, language, {}) is None

    def plan(self, text: str, language: str, run_ner: bool, fast: bool) -> Plan:
        """`fast=False` is the reference path: every recogniser on every message."""
        if not text.strip():
            return Plan((), False)
        run_ner = run_ner and bool(self.ner_entities)
        entities = set(self.ner_entities) if run_ner else set()
        if fast:
            lowered = text.lower()
            prefilters = self.prefilters
            entities.update(e for e in self.pattern_entities if prefilters.get(e, always)(text, lowered))
        else:
            entities.update(self.pattern_entities)
        return Plan(tuple(sorted(entities)), run_ner)

    def keep(self, entity_type: str, text: str, start: int, end: int) -> bool:
        """Detection-time filter: vetoes, and spans that no rule could ever replace."""
        return True

    def resolve(self, text: str, entities: list[DetectedEntity]) -> list[DetectedEntity]:
        """The non-overlapping spans to replace, from the chosen (possibly overlapping) ones."""
        return resolve_overlaps(entities)

    @staticmethod
    def span_key(entity: DetectedEntity) -> str:
        """Document-frequency key: the type and the stripped, lower-cased span."""
        return f"{entity.type}:{entity.text.strip().lower()}"

    @abstractmethod
    def rejection(
        self, entity: DetectedEntity, text: str, language: str, doc_freq: Mapping[str, int]
    ) -> str | None:
        """Why this detection stays in the text, or None when it is replaced."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
