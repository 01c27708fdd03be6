"""Replacement: chosen spans become `<PRESIDIO_ANONYMIZED_{TYPE}>` through presidio-anonymizer.

Overlaps are settled before the anonymizer sees them, so the outcome does not depend on its
conflict strategy. `resolve_overlaps` keeps a non-overlapping subset (a longer span wins, then
a higher score, then the earlier one): what the `wildchat-1m` policy does. `merge_overlaps`
replaces every character any span covers instead, so that no detected character stays in the
text (the `strict` policy); where spans overlap, each character takes the type of the
best-ranked span covering it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from wildchat.curate.pii.entities import DetectedEntity, replacement_for

Rank = Callable[[DetectedEntity], Any]  # smaller sorts first: the preferred entity


def merge_overlaps(text: str, entities: Sequence[DetectedEntity], rank: Rank) -> list[DetectedEntity]:
    """Non-overlapping spans that cover every character of the input spans.

    Within a group of overlapping spans each character goes to the best-ranked span covering
    it, and neighbouring characters with the same type join: "IBAN … before Monday" (a date to
    the NER model) becomes the IBAN, then a date.
    """
    merged: list[DetectedEntity] = []
    cluster: list[DetectedEntity] = []
    end = -1
    for entity in sorted(entities, key=lambda e: (e.start, e.end)):
        if cluster and entity.start >= end:
            merged.extend(_partition(text, cluster, rank))
            cluster = []
        cluster.append(entity)
        end = max(end, entity.end)
    if cluster:
        merged.extend(_partition(text, cluster, rank))
    return merged


def _partition(text: str, cluster: list[DetectedEntity], rank: Rank) -> list[DetectedEntity]:
    if len(cluster) == 1:
        return cluster
    cuts = sorted({e.start for e in cluster} | {e.end for e in cluster})
    pieces: list[DetectedEntity] = []
    for start, end in itertools.pairwise(cuts):
        covering = [e for e in cluster if e.start <= start and end <= e.end]
        if not covering:
            continue
        best = min(covering, key=rank)
        last = pieces[-1] if pieces else None
        if last is not None and last.end == start and last.type == best.type:
            start = last.start
            pieces.pop()
        pieces.append(DetectedEntity(best.type, start, end, best.score, text[start:end], best.ner))
    return [_trimmed(text, piece) for piece in pieces if text[piece.start : piece.end].strip()]


def _trimmed(text: str, entity: DetectedEntity) -> DetectedEntity:
    """The piece without the spaces it may start or end with at a cut."""
    span = text[entity.start : entity.end]
    start = entity.start + len(span) - len(span.lstrip())
    end = entity.end - (len(span) - len(span.rstrip()))
    if (start, end) == (entity.start, entity.end):
        return entity
    return DetectedEntity(entity.type, start, end, entity.score, text[start:end], entity.ner)


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
