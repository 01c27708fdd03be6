"""The PII curation stage: detect per batch, count spans over the corpus, then replace.

Document frequency (in how many conversations a span occurs) is corpus-wide, so the stage
has two passes that both run batch-parallel:

    stage.setup()                                   # once per worker
    detections = stage.detect(batch)                # pass 1, any worker, any order
    counts.update(stage.span_keys(d) for d in ...)  # the engine sums the per-conversation sets
    stage.apply(batch, detections, counts, stats)   # pass 2, with the total counts

Detections are plain data (`to_dict`/`from_dict`), so pass 1's output can be stored between
the passes. `__call__` runs both passes on one batch with batch-local counts, for callers
that have a single batch (the whole corpus) in hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from wildchat.curate.pii.analysis import DEFAULT_LANGUAGES, Detector
from wildchat.curate.pii.anonymize import Replacer
from wildchat.curate.pii.entities import (
    REPLACEMENT_PREFIX,
    ConversationDetections,
    DetectedEntity,
    MessageDetections,
    RedactionResult,
)
from wildchat.curate.pii.languages import language_name
from wildchat.curate.pii.policies import DEFAULT_POLICY, Policy, make_policy
from wildchat.curate.stage import StageStats
from wildchat.records import Conversation


class PiiStage:
    """Presidio + spaCy PII redaction under a named policy ("wildchat-1m" or "strict")."""

    name = "pii"
    two_phase = True  # tells an engine to call detect / span_keys / apply, not __call__

    def __init__(
        self,
        policy: str | Policy = DEFAULT_POLICY,
        languages: Mapping[str, str] | None = None,
        batch_size: int = 128,
    ) -> None:
        self.policy = make_policy(policy)
        self.languages = dict(languages or DEFAULT_LANGUAGES)
        self.batch_size = batch_size
        self._detector: Detector | None = None
        self._replacer: Replacer | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def setup(self) -> None:
        """Load spaCy pipelines and build the analyzer (about 4 s); idempotent."""
        if self._detector is None:
            detector = Detector(self.policy, self.languages, batch_size=self.batch_size)
            detector.load()
            self._detector = detector
            self._replacer = Replacer()

    def __getstate__(self) -> dict[str, Any]:
        # Shipped to workers before setup(): models are loaded there, never pickled.
        state = self.__dict__.copy()
        state["_detector"] = None
        state["_replacer"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _ready(self) -> tuple[Detector, Replacer]:
        self.setup()
        assert self._detector is not None and self._replacer is not None
        return self._detector, self._replacer

    # -- pass 1 ---------------------------------------------------------------------------

    def detect(self, batch: Sequence[Conversation], fast: bool = True) -> list[ConversationDetections]:
        """Candidate spans per message. `fast=False` is the reference path (for tests)."""
        detector, _ = self._ready()
        items = [(m.content, m.language) for c in batch for m in c.conversation]
        found = iter(detector.detect_texts(items, fast=fast))
        return [
            ConversationDetections(
                conversation_hash=c.conversation_hash,
                policy=self.policy.name,
                messages=[MessageDetections(len(m.content), next(found)) for m in c.conversation],
            )
            for c in batch
        ]

    def span_keys(self, detections: ConversationDetections) -> set[str]:
        """The conversation's distinct span keys; summed over the corpus they are doc-freqs."""
        return {self.policy.span_key(e) for m in detections.messages for e in m.entities}

    # -- pass 2 ---------------------------------------------------------------------------

    def apply(
        self,
        batch: Sequence[Conversation],
        detections: Sequence[ConversationDetections],
        doc_freq: Mapping[str, int],
        stats: StageStats,
    ) -> list[Conversation]:
        """Replace the chosen spans in place and set `redacted` flags; returns the batch."""
        _, replacer = self._ready()
        if len(batch) != len(detections):
            raise ValueError(f"{len(batch)} conversations but {len(detections)} detections")
        for conversation, found in zip(batch, detections, strict=True):
            self._check_matches(conversation, found)
            for message, message_found in zip(conversation.conversation, found.messages, strict=True):
                chosen: list[DetectedEntity] = []
                for entity in message_found.entities:
                    reason = self.policy.rejection(entity, message.content, message.language, doc_freq)
                    if reason is None:
                        chosen.append(entity)
                    else:
                        stats.add(f"pii.kept.{entity.type}.{reason}")
                if chosen:
                    message.content, replaced = replacer.replace(message.content, chosen)
                    for entity in replaced:
                        stats.add(f"pii.redacted.{entity.type}")
                # As in the released data: a message is redacted when it holds a placeholder.
                message.redacted = REPLACEMENT_PREFIX in message.content
                stats.add("pii.messages_redacted", int(message.redacted))
            conversation.redacted = any(m.redacted for m in conversation.conversation)
            stats.add("pii.conversations_redacted", int(conversation.redacted))
        stats.add("pii.conversations", len(batch))
        return list(batch)

    def _check_matches(self, conversation: Conversation, found: ConversationDetections) -> None:
        if found.policy != self.policy.name:
            raise ValueError(f"detections made under policy {found.policy!r}, applying {self.policy.name!r}")
        lengths = [len(m.content) for m in conversation.conversation]
        if found.conversation_hash != conversation.conversation_hash or lengths != [
            m.length for m in found.messages
        ]:
            raise ValueError(
                f"detections do not match conversation {conversation.conversation_hash}: "
                "was it changed between detect and apply?"
            )

    def __call__(self, batch: list[Conversation], stats: StageStats) -> list[Conversation]:
        """Both passes on one batch, counting document frequency within the batch only."""
        detections = self.detect(batch)
        doc_freq: Counter[str] = Counter()
        for found in detections:
            doc_freq.update(self.span_keys(found))
        return self.apply(batch, detections, doc_freq, stats)

    # -- text level -----------------------------------------------------------------------

    def mask_texts(self, texts: Sequence[str], language: str = "en") -> list[RedactionResult]:
        """Single-pass masking (no document frequencies): every candidate the rules accept."""
        detector, replacer = self._ready()
        name = language_name(language)
        results: list[RedactionResult] = []
        for text, found in zip(texts, detector.detect_texts([(t, language) for t in texts]), strict=True):
            chosen = [e for e in found if self.policy.rejection(e, text, name, {}) is None]
            masked, replaced = replacer.replace(text, chosen)
            results.append(RedactionResult(masked, tuple(replaced)))
        return results
