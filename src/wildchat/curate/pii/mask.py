"""Text-level masking: for a file tool, and for masking a turn at ingress before it is stored.

Single pass, no document frequencies (a lone message has no corpus): `wildchat-1m` applies
its shape and context rules, `strict` replaces everything it finds. Engines are built once
per (policy, languages) and kept, so masking one message costs one analysis (a few ms).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from wildchat.curate.pii.analysis import DEFAULT_LANGUAGES
from wildchat.curate.pii.entities import RedactionResult
from wildchat.curate.pii.policies import DEFAULT_POLICY
from wildchat.curate.pii.stage import PiiStage

_stages: dict[tuple[str, tuple[tuple[str, str], ...]], PiiStage] = {}
_lock = threading.Lock()


def masking_stage(policy: str = DEFAULT_POLICY, languages: Mapping[str, str] | None = None) -> PiiStage:
    """The shared, loaded stage for a policy (built on first use; thread-safe)."""
    key = (policy, tuple(sorted((languages or DEFAULT_LANGUAGES).items())))
    with _lock:
        stage = _stages.get(key)
        if stage is None:
            stage = PiiStage(policy=policy, languages=dict(key[1]))
            stage.setup()
            _stages[key] = stage
        return stage


def mask(
    texts: Sequence[str],
    policy: str = DEFAULT_POLICY,
    language: str = "en",
    languages: Mapping[str, str] | None = None,
) -> list[RedactionResult]:
    """Masked texts and the spans replaced (offsets in the input text), one per input.

    `language` is a code ("en") or a stored name ("English"); texts in a language without a
    configured spaCy pipeline get the pattern recognisers only.
    """
    stage = masking_stage(policy, languages)
    with _lock:  # spaCy's select_pipes and Presidio's engines are not meant for threads
        return stage.mask_texts(texts, language=language)
