"""Shared pieces of our recognisers: case-sensitive regex flags and group-span recognisers.

Presidio compiles patterns with IGNORECASE by default; ours often rely on capitalisation
(names, street names), so they opt out and use inline `(?i:...)` where case must not matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex as re
from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

CASE_SENSITIVE = re.DOTALL | re.MULTILINE

# Edges of a number-like token. ASCII classes on purpose: Chinese or Japanese text puts
# digits right after a character ("电话是0151…"), which Unicode \w and \b treat as a word
# character. A '.' or '-' only extends the token when a digit is on its other side, so a
# sentence-final period ends it ("CPF 123.456.789-09.").
NUMBER_LEFT = r"(?<![A-Za-z0-9_])(?<![0-9][.\-/])"
NUMBER_RIGHT = r"(?![A-Za-z0-9_])(?![.\-/][0-9])"


class GroupPatternRecognizer(LocalRecognizer):  # type: ignore[misc]
    """Reports the span of the named group `value` of each match (the cue stays unredacted).

    Presidio's PatternRecognizer reports whole matches; a cue such as "passport no." or
    "my name is" belongs to the sentence, not to the personal value after it.
    """

    def __init__(
        self,
        supported_entity: str,
        patterns: Sequence[tuple[str, float]],
        supported_language: str = "en",
        context: list[str] | None = None,
        name: str | None = None,
    ) -> None:
        self._compiled = [(re.compile(p, CASE_SENSITIVE), score) for p, score in patterns]
        self._label: str = name or type(self).__name__
        super().__init__(
            supported_entities=[supported_entity],
            supported_language=supported_language,
            context=context,
            name=self._label,
        )

    def load(self) -> None:
        pass

    def accept(self, value: str, text: str, start: int) -> bool:
        """Subclasses veto a candidate here (checksums, stop words)."""
        return True

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        if entities and entity not in entities:
            return []
        results: list[RecognizerResult] = []
        for pattern, score in self._compiled:
            for match in pattern.finditer(text):
                start, end = match.span("value")
                if start < 0 or start == end or not self.accept(match.group("value"), text, start):
                    continue
                results.append(
                    RecognizerResult(
                        entity_type=entity,
                        start=start,
                        end=end,
                        score=score,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return results
