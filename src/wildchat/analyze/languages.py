"""Which lingua mode identifies the report's user prompts that carry no language.

lingua's low-accuracy mode looks at trigrams only; its high-accuracy mode also at 1-, 2-, 4- and
5-grams, but only for texts under 120 characters: longer ones get trigrams in both modes. Chat
prompts are mostly short, and there low mode is often wrong ("Write a haiku about autumn leaves."
→ Finnish), so "auto" sends short texts to high mode and long ones to low mode, which is as
accurate there and faster. benchmarks/language_quality.py measures the three (docs/analysis.md).
"""

from __future__ import annotations

from typing import Literal

from wildchat.curate.language import LanguageDetector

Accuracy = Literal["auto", "low", "high"]
ACCURACIES: tuple[Accuracy, ...] = ("auto", "low", "high")
HIGH_ACCURACY_MAX_CHARS = 120  # lingua uses all n-gram sizes below this length only


class LengthAwareDetector:
    """High accuracy for texts under `HIGH_ACCURACY_MAX_CHARS` characters, low for the rest."""

    def __init__(self) -> None:
        self._short = LanguageDetector("high")
        self._long = LanguageDetector("low")

    def detect(self, texts: list[str]) -> list[str]:
        short = [i for i, text in enumerate(texts) if len(text) < HIGH_ACCURACY_MAX_CHARS]
        long = [i for i, text in enumerate(texts) if len(text) >= HIGH_ACCURACY_MAX_CHARS]
        found = [""] * len(texts)
        for detector, indices in ((self._short, short), (self._long, long)):
            if indices:  # a mode whose texts never come is never loaded
                for i, language in zip(indices, detector.detect([texts[i] for i in indices]), strict=True):
                    found[i] = language
        return found


def language_detector(accuracy: Accuracy) -> LengthAwareDetector | LanguageDetector:
    """The detector for a `--language-accuracy` value; lingua loads on first use only."""
    if accuracy == "auto":
        return LengthAwareDetector()
    if accuracy not in ACCURACIES:
        raise ValueError(f"language accuracy must be one of {', '.join(ACCURACIES)}, not {accuracy!r}")
    return LanguageDetector(accuracy)
