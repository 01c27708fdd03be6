"""Scorers by name, so configuration can say `scorers = ["offline", "detoxify"]`.

Built-ins are referenced as "module:Class" strings and imported on first use: asking for the
offline scorer must not import torch, and asking for Detoxify must not need the openai SDK.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
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


def scorers_from_options(
    names: str, *, detoxify_path: str | Path | None = None, moderation_base_url: str | None = None
) -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    """The scorer names and their options from the command line's `--toxicity a,b` and friends.

    Checked here, before any worker starts, so that a typo or a missing model folder or key is
    one clear ValueError rather than a failure in every worker.
    """
    chosen = tuple(dict.fromkeys(name.strip() for name in names.split(",") if name.strip()))
    known = ", ".join(scorer_names())
    if not chosen:
        raise ValueError(f"--toxicity names no scorer; choose from {known}")
    unknown = [name for name in chosen if name not in scorer_names()]
    if unknown:
        raise ValueError(f"unknown toxicity scorer {', '.join(map(repr, unknown))}; choose from {known}")
    options: dict[str, dict[str, Any]] = {}
    if "detoxify" in chosen:
        if detoxify_path is None:
            raise ValueError("--toxicity detoxify needs --detoxify-path (a local model folder or .ckpt)")
        if not Path(detoxify_path).exists():
            raise ValueError(f"--detoxify-path {detoxify_path}: no such file or folder")
        options["detoxify"] = {"path": str(detoxify_path)}
    if "openai" in chosen:
        if not os.environ.get("OPENAI_API_KEY"):
            raise ValueError("--toxicity openai needs an API key in $OPENAI_API_KEY")
        if moderation_base_url is not None:
            options["openai"] = {"base_url": moderation_base_url}
    return chosen, options
