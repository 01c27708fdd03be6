"""Replacement: chosen spans become `<PRESIDIO_ANONYMIZED_{TYPE}>` through presidio-anonymizer.

Overlaps are settled here, before the anonymizer sees them, so the outcome does not depend
on its conflict strategy: a longer span wins, then a higher score, then the earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from wildchat.curate.pii.entities import DetectedEntity, replacement_for


def resolve_overlaps(entities: Sequence[DetectedEntity]) -> list[DetectedEntity]:
    """Non-overlapping subset, preferring longer, then higher-scored, then earlier spans."""
    ranked = sorted(entities, key=lambda e: (-(e.end - e.start), -e.score, e.start, e.type))
    chosen: list[DetectedEntity] = []
    for entity in ranked:
        if all(entity.end <= kept.start or entity.start >= kept.end for kept in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e.start)


class Replacer:
    """Wraps one AnonymizerEngine (cheap to build, reused for every message)."""

    def __init__(self) -> None:
        self._engine = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def replace(self, text: str, entities: Sequence[DetectedEntity]) -> tuple[str, list[DetectedEntity]]:
        """The text with the entities replaced, and the entities actually replaced."""
        chosen = resolve_overlaps(entities)
        if not chosen:
            return text, []
        operators = {
            e.type: OperatorConfig("replace", {"new_value": replacement_for(e.type)}) for e in chosen
        }
        result = self._engine.anonymize(
            text=text,
            analyzer_results=[RecognizerResult(e.type, e.start, e.end, e.score) for e in chosen],
            operators=operators,
        )
        return str(result.text), chosen
