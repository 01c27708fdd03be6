"""Language identification with lingua, as WildChat did: one language per message, the most
frequent one for the conversation, title-case names ("English"), "Nolang" for empty messages."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from wildchat.curate.stage import StageStats
from wildchat.records import Conversation

NO_LANGUAGE = "Nolang"
Accuracy = Literal["high", "low"]


def language_name(language: Any) -> str:
    """lingua's `Language.ENGLISH` → "English", the spelling of the released dataset."""
    return str(language.name).replace("_", " ").title()


class LanguageDetector:
    """Batch language identification over all of lingua's 75 languages.

    "high" is lingua's default mode, the one the paper used (≈1.3 GB, ≈800 short texts/s per
    core); "low" is its low-accuracy mode (≈160 MB, ≈4x faster, weaker on very short texts).
    """

    def __init__(self, accuracy: Accuracy = "high") -> None:
        self.accuracy = accuracy
        self._detector: Any = None

    def setup(self) -> None:
        if self._detector is not None:
            return
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        if self.accuracy == "low":
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.build()

    def __getstate__(self) -> dict[str, Any]:
        # The loaded models stay behind: each worker loads its own in setup().
        return {"accuracy": self.accuracy, "_detector": None}

    def detect(self, texts: list[str]) -> list[str]:
        self.setup()
        # Chat logs repeat prompts a lot: each distinct text is identified once.
        unique = list(dict.fromkeys(text for text in texts if text.strip()))
        found = self._detector.detect_languages_in_parallel_of(unique)
        named = {
            text: language_name(language) if language is not None else NO_LANGUAGE
            for text, language in zip(unique, found, strict=True)
        }
        return [named.get(text, NO_LANGUAGE) for text in texts]


def most_frequent(languages: list[str]) -> str:
    """The conversation's language; ties go to the language seen first, empty ones count last."""
    counts = Counter(name for name in languages if name != NO_LANGUAGE)
    if not counts:
        return NO_LANGUAGE
    best = max(counts.values())
    return next(name for name in languages if counts.get(name) == best)


class LanguageStage:
    name = "language"

    def __init__(self, accuracy: Accuracy = "high") -> None:
        self.detector = LanguageDetector(accuracy)

    def setup(self) -> None:
        self.detector.setup()

    def __call__(self, batch: list[Conversation], stats: StageStats) -> list[Conversation]:
        messages = [m for conversation in batch for m in conversation.conversation]
        for message, language in zip(
            messages, self.detector.detect([m.content for m in messages]), strict=True
        ):
            message.language = language
        for conversation in batch:
            conversation.language = most_frequent([m.language for m in conversation.conversation])
            stats.add(f"language:{conversation.language}")
        stats.add("messages", len(messages))
        return batch
