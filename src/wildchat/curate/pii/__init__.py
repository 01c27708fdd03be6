"""PII redaction for curated conversations (Presidio + spaCy + our recognisers and rules).

Two policies: `wildchat-1m` (the paper's rules, the default) and `strict` (at least what vanilla
Presidio finds, plus our recognisers, minus vetoes proven on independent data; NER on every
message). `evaluation` scores both beside vanilla Presidio. Corpus use is two-phase
(`PiiStage.detect` → `span_keys` → `apply`) because document frequency is corpus-wide; `mask`
is the single-pass text API.
"""

from __future__ import annotations

from wildchat.curate.pii.analysis import DEFAULT_LANGUAGES, Detector
from wildchat.curate.pii.entities import (
    ConversationDetections,
    DeferredNer,
    DetectedEntity,
    MessageDetections,
    RedactionResult,
    replacement_for,
)
from wildchat.curate.pii.mask import mask, masking_stage
from wildchat.curate.pii.policies import POLICY_NAMES, Policy, StrictPolicy, WildChat1MPolicy, make_policy
from wildchat.curate.pii.stage import PiiStage

__all__ = [
    "DEFAULT_LANGUAGES",
    "POLICY_NAMES",
    "ConversationDetections",
    "DeferredNer",
    "DetectedEntity",
    "Detector",
    "MessageDetections",
    "PiiStage",
    "Policy",
    "RedactionResult",
    "StrictPolicy",
    "WildChat1MPolicy",
    "make_policy",
    "mask",
    "masking_stage",
    "replacement_for",
]
