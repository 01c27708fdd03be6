"""`wildchat tag`: run the per-message stages on any file, without a store.

Input: JSONL (one object a line; the text is in `--field`, default `content`) or plain text (one
message a line). Output: JSONL, one line per input line, with the input, and as asked the
language, the redacted text (`redacted`, a string — unlike the released record's `redacted`,
a flag) with the entities found, and the toxicity scores. PII is masked in a
single pass: document frequencies need a corpus, so the `wildchat-1m` frequency thresholds of
`wildchat build` do not apply here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

STAGES = ("language", "pii", "toxicity")


class TagInputError(ValueError):
    """A line that cannot be read; the message names the line."""


@dataclass(slots=True)
class TagOptions:
    stages: tuple[str, ...] = STAGES
    policy: str = "wildchat-1m"
    text_field: str = "content"
    language_accuracy: str = "high"
    toxicity_scorers: tuple[str, ...] = ("offline",)
    toxicity_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    toxicity_threshold: float = 0.1
    batch_size: int = 256


def read_records(lines: Iterable[str], text_field: str, jsonl: bool) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if not jsonl:
            yield {text_field: line}
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TagInputError(f"line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
            raise TagInputError(f"line {number}: expected an object with a string field {text_field!r}")
        yield record


def read_lines(path: Path) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is a TagInputError naming it.

    Decoded line by line (not by a text stream, which decodes ahead in blocks) so that the
    error gives the right line.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise TagInputError(
                    f"line {number}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                ) from exc


def looks_like_jsonl(path: Path) -> bool:
    if path.suffix in (".jsonl", ".ndjson"):
        return True
    for line in read_lines(path):
        if line.strip():
            return line.lstrip().startswith("{")
    return False


class Tagger:
    """Loads each requested stage once and tags batches of texts."""

    def __init__(self, options: TagOptions) -> None:
        unknown = set(options.stages) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown stage(s) {sorted(unknown)}; choose from {', '.join(STAGES)}")
        self.options = options
        self._language: Any = None
        self._toxicity: Any = None
        if "language" in options.stages:
            from wildchat.curate.language import LanguageDetector

            self._language = LanguageDetector(options.language_accuracy)  # type: ignore[arg-type]
        if "toxicity" in options.stages:
            from wildchat.curate.toxicity import ToxicityStage

            self._toxicity = ToxicityStage.from_names(
                options.toxicity_scorers, options.toxicity_options, options.toxicity_threshold
            )
            try:
                self._toxicity.setup()
            except (RuntimeError, OSError, ImportError) as exc:
                from wildchat.curate.engines import StageSetupError

                raise StageSetupError(f"the toxicity stage could not set up: {exc}") from exc

    def tag(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        texts = [r[self.options.text_field] for r in records]
        out = [dict(r) for r in records]
        languages = self._language.detect(texts) if self._language is not None else ["English"] * len(texts)
        if self._language is not None:
            for record, language in zip(out, languages, strict=True):
                record["language"] = language
        if "pii" in self.options.stages:
            for record, result in zip(out, self._mask(texts, languages), strict=True):
                record["redacted"] = result.text
                record["entities"] = [
                    {"type": e.type, "start": e.start, "end": e.end, "score": round(e.score, 4)}
                    for e in result.entities
                ]
        if self._toxicity is not None:
            for record, scores in zip(out, self._score(texts), strict=True):
                record["toxicity"] = scores
        return out

    def _mask(self, texts: list[str], languages: list[str]) -> list[Any]:
        from wildchat.curate.pii import masking_stage

        stage = masking_stage(self.options.policy)
        by_language: dict[str, list[int]] = defaultdict(list)
        for index, language in enumerate(languages):
            by_language[language].append(index)
        results: list[Any] = [None] * len(texts)
        for language, indices in by_language.items():
            masked = stage.mask_texts([texts[i] for i in indices], language=language)
            for index, result in zip(indices, masked, strict=True):
                results[index] = result
        return results

    def _score(self, texts: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = [
            {"openai_moderation": None, "detoxify_moderation": None} for _ in texts
        ]
        for scorer in self._toxicity.active:
            for entry, scores in zip(found, scorer.score(texts), strict=True):
                for name in ("openai_moderation", "detoxify_moderation"):
                    value = getattr(scores, name)
                    if value is not None:
                        entry[name] = value
        threshold = self.options.toxicity_threshold
        for entry, text in zip(found, texts, strict=True):
            moderation = entry["openai_moderation"] or {}
            detoxify = entry["detoxify_moderation"] or {}
            entry["toxic"] = bool(text) and (
                bool(moderation.get("flagged")) or float(detoxify.get("toxicity", 0.0)) > threshold
            )
        return found


def tag_stream(source: Iterable[str], sink: TextIO, options: TagOptions, jsonl: bool) -> int:
    """Tag every line of `source` into `sink`; returns the number of lines written."""
    tagger = Tagger(options)
    written = 0
    batch: list[dict[str, Any]] = []
    for record in read_records(source, options.text_field, jsonl):
        batch.append(record)
        if len(batch) >= options.batch_size:
            written += _write(sink, tagger.tag(batch))
            batch = []
    if batch:
        written += _write(sink, tagger.tag(batch))
    return written


def _write(sink: TextIO, records: list[dict[str, Any]]) -> int:
    for record in records:
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    sink.flush()
    return len(records)
