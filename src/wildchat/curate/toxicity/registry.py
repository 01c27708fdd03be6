"""Scorers by name, so configuration can say `scorers = ["offline", "detoxify"]`.

Built-ins are referenced as "module:Class" strings and imported on first use: asking for the
offline scorer must not import torch, and asking for Detoxify must not need the openai SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from wildchat.curate.toxicity.base import ToxicityScorer

ScorerFactory = Callable[..., ToxicityScorer]

_BUILTIN: dict[str, str] = {
    "offline": "wildchat.curate.toxicity.offline.scorer:OfflineScorer",
    "openai": "wildchat.curate.toxicity.openai_moderation:OpenAIModerationScorer",
    "detoxify": "wildchat.curate.toxicity.detoxify:DetoxifyScorer",
}
_registered: dict[str, ScorerFactory] = {}


def register_scorer(name: str, factory: ScorerFactory, *, replace: bool = False) -> None:
    """Make `create_scorer(name, **options)` call `factory(**options)`."""
    if not replace and (name in _registered or name in _BUILTIN):
        raise ValueError(f"a toxicity scorer named {name!r} is already registered")
    _registered[name] = factory


def scorer_names() -> list[str]:
    return sorted(set(_BUILTIN) | set(_registered))


def _factory(name: str) -> ScorerFactory:
    if name in _registered:
        return _registered[name]
    if name not in _BUILTIN:
        raise KeyError(f"unknown toxicity scorer {name!r}; known: {', '.join(scorer_names())}")
    module_name, _, attribute = _BUILTIN[name].partition(":")
    factory: ScorerFactory = getattr(importlib.import_module(module_name), attribute)
    return factory


def create_scorer(name: str, **options: Any) -> ToxicityScorer:
    """Build (not set up) the scorer registered under `name`."""
    return _factory(name)(**options)
