"""`wildchat explore`: a search index over chat datasets and a web app to search and browse it.

    from wildchat.explore import IndexSource, build_index, create_app
    build_index([IndexSource(Path("WildChat-1M/"))], "explore.db")   # SQLite FTS5
    app = create_app("explore.db")                                     # FastAPI, read-only

PostgreSQL instead of SQLite: give a postgresql:// URL as the target. docs/explore.md describes
the index, the query syntax, the API and the measured latencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wildchat.explore.build import BuildSummary, IndexBuildError, IndexOptions, IndexSource, build_index
from wildchat.explore.models import SearchParams, SearchResult
from wildchat.explore.query import QueryError, parse_query

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "BuildSummary",
    "IndexBuildError",
    "IndexOptions",
    "IndexSource",
    "QueryError",
    "SearchParams",
    "SearchResult",
    "build_index",
    "create_app",
    "parse_query",
]


def create_app(target: str, **kwargs: Any) -> FastAPI:
    """The web app over an index (see app.create_app); imported lazily, FastAPI is heavy."""
    from wildchat.explore.app import create_app as make

    return make(target, **kwargs)
