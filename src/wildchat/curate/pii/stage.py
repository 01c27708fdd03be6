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

NER is most of the cost, and under `wildchat-1m` a name is replaced only after a cue such as
"my name is", which few messages hold. `detect(batch, defer_ner=True)` therefore runs NER only
where the policy's `ner_gate` allows a replaceable name, and records the other messages'
texts. A name's count must still include its uncued mentions, so between the passes:

    needed = stage.countable(union of d.deferred.candidates, counts)   # names whose count matters
    extra = stage.count_deferred([d.deferred for d in ...], needed)   # NER where one occurs
    counts.update(extra[i] - stage.span_keys(d) ...)                  # per conversation

`count_deferred` runs NER only on deferred messages that contain a needed name (Aho-Corasick
over the lower-cased text), so the counts that decide a replacement are exactly those of the
full path and the redactions are identical; counts of spans that no rule would replace are
left incomplete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import ahocorasick

from wildchat.curate.pii.analysis import DEFAULT_LANGUAGES, Detector
from wildchat.curate.pii.anonymize import Replacer
from wildchat.curate.pii.entities import (
    REPLACEMENT_PREFIX,
    ConversationDetections,
    DeferredNer,
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
        self._matcher: tuple[frozenset[str], Any] | None = None  # (names, Aho-Corasick automaton)

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
        state["_matcher"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _ready(self) -> tuple[Detector, Replacer]:
        self.setup()
        assert self._detector is not None and self._replacer is not None
        return self._detector, self._replacer

    # -- pass 1 ---------------------------------------------------------------------------

    def detect(
        self, batch: Sequence[Conversation], fast: bool = True, defer_ner: bool = False
    ) -> list[ConversationDetections]:
        """Candidate spans per message. `fast=False` is the reference path (for tests).

        With `defer_ner` the counts of names are incomplete until `count_deferred` has run
        (see the module docstring); without it, `span_keys` alone give exact counts.
        """
        detector, _ = self._ready()
        items = [(m.content, m.language) for c in batch for m in c.conversation]
        found, deferred = detector.detect_batch(items, fast=fast, defer_ner=defer_ner)
        results: list[ConversationDetections] = []
        position = 0
        for conversation in batch:
            messages: list[MessageDetections] = []
            later = DeferredNer()
            for message in conversation.conversation:
                entities = found[position]
                if deferred[position]:
                    later.texts.append((message.language, message.content))
                messages.append(MessageDetections(len(message.content), entities))
                position += 1
            if defer_ner:
                later.candidates = sorted(self._candidates(conversation, messages))
            results.append(
                ConversationDetections(conversation.conversation_hash, self.policy.name, messages, later)
            )
        return results

    def _candidates(self, conversation: Conversation, messages: list[MessageDetections]) -> set[str]:
        # Only counts that a frequency limit reads need completing (`strict` has none).
        policy = self.policy
        return {
            policy.span_key(entity)
            for message, found in zip(conversation.conversation, messages, strict=True)
            for entity in found.entities
            if entity.type in policy.ner_entities
            and policy.frequent_limit(entity.type) is not None
            and policy.could_replace(entity, message.content, message.language)
        }

    def span_keys(self, detections: ConversationDetections) -> set[str]:
        """The conversation's distinct span keys; summed over the corpus they are doc-freqs."""
        return {self.policy.span_key(e) for m in detections.messages for e in m.entities}

    # -- between the passes: names in deferred messages ---------------------------------------

    def countable(self, candidates: Iterable[str], doc_freq: Mapping[str, int]) -> frozenset[str]:
        """The candidate keys whose counts can still change a decision: those below their limit."""
        needed: set[str] = set()
        for key in candidates:
            limit = self.policy.frequent_limit(key.partition(":")[0])
            if limit is None or doc_freq.get(key, 0) < limit:
                needed.add(key)
        return frozenset(needed)

    def count_deferred(self, deferred: Sequence[DeferredNer], needed: Collection[str]) -> list[set[str]]:
        """Per conversation, the keys in `needed` that NER finds in its deferred messages."""
        results: list[set[str]] = [set() for _ in deferred]
        if not needed:
            return results
        matcher = self._matcher_for(frozenset(needed))
        owners: list[int] = []
        items: list[tuple[str, str | None]] = []
        for index, later in enumerate(deferred):
            for language, text in later.texts:
                if any(True for _ in matcher.iter(_fold(text))):
                    owners.append(index)
                    items.append((text, language))
        if not items:
            return results
        detector, _ = self._ready()
        for owner, entities in zip(owners, detector.detect_texts(items), strict=True):
            results[owner].update(
                key
                for entity in entities
                if entity.type in self.policy.ner_entities and (key := self.policy.span_key(entity)) in needed
            )
        return results

    def _matcher_for(self, needed: frozenset[str]) -> Any:
        # Aho-Corasick: one scan of each text finds any of (possibly) many thousand names.
        if self._matcher is None or self._matcher[0] != needed:
            automaton = ahocorasick.Automaton()
            for key in needed:
                text = _fold(key.partition(":")[2])
                if text:
                    automaton.add_word(text, text)
            automaton.make_automaton()
            self._matcher = (needed, automaton)
        return self._matcher[1]

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
                    chosen = self.policy.resolve(message.content, chosen)
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

    def doc_freq(self, detections: Sequence[ConversationDetections]) -> Counter[str]:
        """Document frequencies when every conversation's detections are in hand at once."""
        counts: Counter[str] = Counter()
        for found in detections:
            counts.update(self.span_keys(found))
        needed = self.countable({key for found in detections for key in found.deferred.candidates}, counts)
        extra = self.count_deferred([found.deferred for found in detections], needed)
        for found, names in zip(detections, extra, strict=True):
            counts.update(names - self.span_keys(found))
        return counts

    def __call__(self, batch: list[Conversation], stats: StageStats) -> list[Conversation]:
        """Both passes on one batch, counting document frequency within the batch only."""
        detections = self.detect(batch, defer_ner=True)
        return self.apply(batch, detections, self.doc_freq(detections), stats)

    # -- text level -----------------------------------------------------------------------

    def mask_texts(self, texts: Sequence[str], language: str = "en") -> list[RedactionResult]:
        """Single-pass masking (no document frequencies): every candidate the rules accept."""
        detector, replacer = self._ready()
        name = language_name(language)
        results: list[RedactionResult] = []
        # No counts here, so a message where no NER span could be replaced needs no NER at all.
        found_all, _deferred = detector.detect_batch([(t, language) for t in texts], defer_ner=True)
        for text, found in zip(texts, found_all, strict=True):
            chosen = [e for e in found if self.policy.rejection(e, text, name, {}) is None]
            masked, replaced = replacer.replace(text, self.policy.resolve(text, chosen))
            results.append(RedactionResult(masked, tuple(replaced)))
        return results


def _fold(text: str) -> str:
    """Lower case as span keys are, with the final sigma folded: `str.lower` picks σ or ς from
    the neighbouring letters, so a span lowered alone can differ from the same span in place."""
    return text.lower().replace("ς", "σ")
