"""What the web app needs from an index, and the conversation view both engines share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from wildchat.explore.models import (
    INT64_MAX,
    ConversationDetail,
    FacetCount,
    MapData,
    Message,
    SearchParams,
    SearchResult,
)
from wildchat.explore.rows import from_microseconds

# conversation_row(): id, source_row, conversation_hash, dataset, model, timestamp, turn, language,
# country, state, hashed_ip, user_id, toxic, redacted, header
# message_rows(): role, content, turn_identifier, language, toxic, redacted, timestamp, hashed_ip,
# country, state, moderation


class IndexNotFound(FileNotFoundError):
    """No usable index at the given place; the message says how to build one."""


class Explorer(Protocol):
    conversations: int
    datasets: list[dict[str, Any]]
    meta: dict[str, str]

    def search(self, params: SearchParams) -> SearchResult: ...

    def map_data(self, params: SearchParams) -> MapData: ...

    def facet_choices(self) -> dict[str, list[FacetCount]]: ...

    def conversation_row(self, cid: int) -> Sequence[Any] | None: ...

    def message_rows(self, source_row: int) -> Sequence[Sequence[Any]]: ...


def _iso(value: int | None) -> str | None:
    moment = from_microseconds(value)
    return moment.isoformat() if moment else None


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def conversation_detail(explorer: Explorer, cid: int) -> ConversationDetail | None:
    """The conversation numbered `cid`, or None when there is none (ids start at 1 and are
    64-bit integers: a larger one is not asked of the database, which would refuse it)."""
    if not 0 < cid <= INT64_MAX:
        return None
    row = explorer.conversation_row(cid)
    if row is None:
        return None
    messages = []
    highest: dict[str, float] = {}
    for m in explorer.message_rows(row[1]):
        moderation = _json(m[10])
        for group in ("openai", "detoxify"):
            for name, score in ((moderation or {}).get(group) or {}).items():
                key = f"{group}:{name}"
                highest[key] = max(highest.get(key, 0.0), float(score))
        messages.append(
            Message(
                role=m[0],
                content=m[1],
                turn_identifier=m[2],
                language=m[3],
                toxic=bool(m[4]),
                redacted=bool(m[5]),
                timestamp=_iso(m[6]),
                hashed_ip=m[7],
                country=m[8],
                state=m[9],
                moderation=moderation,
            )
        )
    return ConversationDetail(
        id=row[0],
        conversation_hash=row[2],
        dataset=row[3],
        model=row[4],
        timestamp=_iso(row[5]),
        turn=row[6],
        language=row[7],
        country=row[8],
        state=row[9],
        hashed_ip=row[10],
        user_id=row[11],
        toxic=bool(row[12]),
        redacted=bool(row[13]),
        header=_json(row[14]),
        moderation=dict(sorted(highest.items(), key=lambda item: -item[1])),
        messages=messages,
    )


def open_explorer(target: str) -> Explorer:
    """The index at a file path or a PostgreSQL URL, opened read-only."""
    from wildchat.explore.build import is_postgres

    if is_postgres(target):
        from wildchat.explore.search_pg import PostgresExplorer

        return PostgresExplorer(target)
    from wildchat.explore.search_sqlite import SQLiteExplorer

    return SQLiteExplorer(target)
