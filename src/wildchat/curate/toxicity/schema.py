"""The two released per-message toxicity structures, exactly as WildChat-1M stores them.

`openai_moderation` entries hold the eleven OpenAI Moderation categories under *both* spellings
the 1M release carries: the API's own names ("self-harm/intent") and the attribute names of the
openai SDK ("self_harm_intent"). Categories whose name has no "/" or "-" ("hate") appear once.
`detoxify_moderation` entries hold the seven Detoxify labels as floats. Keys are in sorted order,
as in the release's Arrow structs, so a struct built from these dicts has the released field order.
An empty message gets `{}` in both lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MODERATION_CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

DETOXIFY_LABELS: tuple[str, ...] = (
    "identity_attack",
    "insult",
    "obscene",
    "severe_toxicity",
    "sexual_explicit",
    "threat",
    "toxicity",
)


def sdk_spelling(category: str) -> str:
    """'self-harm/intent' -> 'self_harm_intent': the attribute name the openai SDK uses."""
    return category.replace("/", "_").replace("-", "_")


def _released_keys() -> tuple[str, ...]:
    keys = set(MODERATION_CATEGORIES)
    keys.update(sdk_spelling(c) for c in MODERATION_CATEGORIES)
    return tuple(sorted(keys))


# 18 keys: 11 API names + 7 underscore duplicates.
MODERATION_KEYS: tuple[str, ...] = _released_keys()
_CANONICAL: dict[str, str] = {k: k for k in MODERATION_CATEGORIES} | {
    sdk_spelling(c): c for c in MODERATION_CATEGORIES
}


def canonical_category(key: str) -> str:
    """Either spelling -> the API name; KeyError for anything that is not one of the eleven."""
    return _CANONICAL[key]


def moderation_record(
    flags: Mapping[str, bool], scores: Mapping[str, float], flagged: bool | None = None
) -> dict[str, Any]:
    """Build one released `openai_moderation` entry from per-category flags and scores.

    Input keys may use either spelling; absent categories read as not flagged / 0.0. `flagged`
    defaults to "any category flagged", which is how the API defines it.
    """
    flag_by = {canonical_category(k): bool(v) for k, v in flags.items() if k in _CANONICAL}
    score_by = {canonical_category(k): float(v) for k, v in scores.items() if k in _CANONICAL}
    categories = {key: flag_by.get(canonical_category(key), False) for key in MODERATION_KEYS}
    category_scores = {key: score_by.get(canonical_category(key), 0.0) for key in MODERATION_KEYS}
    if flagged is None:
        flagged = any(flag_by.values())
    return {"categories": categories, "category_scores": category_scores, "flagged": bool(flagged)}


def detoxify_record(scores: Mapping[str, float]) -> dict[str, float]:
    """Build one released `detoxify_moderation` entry; every one of the seven labels is required."""
    missing = [label for label in DETOXIFY_LABELS if label not in scores]
    if missing:
        raise ValueError(f"detoxify scores lack {missing}")
    return {label: float(scores[label]) for label in DETOXIFY_LABELS}


def merge_moderation(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Combine the results for pieces of one text: flags OR-ed, scores max-ed (the paper's rule)."""
    flags: dict[str, bool] = {}
    scores: dict[str, float] = {}
    flagged = False
    for record in records:
        for key, value in record["categories"].items():
            flags[key] = flags.get(key, False) or bool(value)
        for key, value in record["category_scores"].items():
            scores[key] = max(scores.get(key, 0.0), float(value))
        flagged = flagged or bool(record["flagged"])
    return moderation_record(flags, scores, flagged)


def flagged_categories(record: Mapping[str, Any]) -> list[str]:
    """API names of the categories flagged in a released `openai_moderation` entry ([] for {})."""
    categories = record.get("categories") or {}
    return [c for c in MODERATION_CATEGORIES if categories.get(c)]


def schema_problems(record: Mapping[str, Any], field: str) -> list[str]:
    """Why `record` is not a valid released entry of `field` ([] when it is, or when it is {})."""
    if not record:
        return []
    problems: list[str] = []
    if field == "openai_moderation":
        if list(record) != ["categories", "category_scores", "flagged"]:
            problems.append(f"top-level keys {list(record)}")
        if not isinstance(record.get("flagged"), bool):
            problems.append("flagged is not a bool")
        for part, kind in (("categories", bool), ("category_scores", float)):
            values = record.get(part)
            if not isinstance(values, dict) or tuple(values) != MODERATION_KEYS:
                problems.append(f"{part} keys differ from the release")
                continue
            wrong = [k for k, v in values.items() if type(v) is not kind]
            if wrong:
                problems.append(f"{part} not {kind.__name__}: {wrong}")
    elif field == "detoxify_moderation":
        if tuple(record) != DETOXIFY_LABELS:
            problems.append(f"keys {list(record)}")
        wrong = [k for k, v in record.items() if type(v) is not float]
        if wrong:
            problems.append(f"not float: {wrong}")
    else:
        problems.append(f"unknown field {field!r}")
    return problems
