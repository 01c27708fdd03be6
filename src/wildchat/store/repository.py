"""All reads and writes of the store, as plain methods over SQLAlchemy Core.

Methods are synchronous: the service calls them from a worker thread (see collect.turns) so that a
slow disk never blocks the event loop, and batch jobs call them directly.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Text, delete, func, insert, select, type_coerce, update

from wildchat.records import Channel, Message, Turn, TurnStatus, Usage
from wildchat.store.tables import participants, turns

API_KEY_PREFIX = "wc-"


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we write is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    terms_version: str
    created_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """The latest state of one conversation of a participant, as the chat page shows it."""

    conversation_id: str
    model: str
    updated_at: datetime
    messages: list[Message]
    status: str


def turn_to_row(turn: Turn) -> dict[str, Any]:
    usage = turn.usage
    return {
        "id": turn.id,
        "received_at": turn.received_at,
        "completed_at": turn.completed_at,
        "model": turn.model,
        "messages": [m.as_dict() for m in turn.messages],
        "params": turn.params,
        "response": turn.response,
        "finish_reason": turn.finish_reason,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "status": turn.status.value,
        "error": turn.error,
        "channel": turn.channel.value,
        "conversation_id": turn.conversation_id,
        "participant_id": turn.participant_id,
        "consent_version": turn.consent_version,
        "hashed_ip": turn.hashed_ip,
        "country": turn.country,
        "state": turn.state,
        "user_agent": turn.user_agent,
        "accept_language": turn.accept_language,
    }


def _json_value(value: Any) -> Any:
    # The build reads JSON columns as text so that one corrupt row can be skipped, not fatal.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _messages(value: Any) -> list[Message]:
    items = _json_value(value)
    if not isinstance(items, list):
        raise ValueError("messages is not a list")
    return [Message(str(x["role"]), str(x["content"] or "")) for x in items]


def row_to_turn(row: Any) -> Turn:
    m = row._mapping
    usage = (
        Usage(m["prompt_tokens"] or 0, m["completion_tokens"] or 0)
        if m["prompt_tokens"] is not None or m["completion_tokens"] is not None
        else None
    )
    return Turn(
        id=m["id"],
        received_at=_aware(m["received_at"]) or m["received_at"],
        completed_at=_aware(m["completed_at"]),
        model=m["model"],
        messages=_messages(m["messages"]),
        params=_json_value(m["params"]),
        response=m["response"],
        finish_reason=m["finish_reason"],
        usage=usage,
        status=TurnStatus(m["status"]),
        error=m["error"],
        channel=Channel(m["channel"]),
        conversation_id=m["conversation_id"],
        participant_id=m["participant_id"],
        consent_version=m["consent_version"],
        hashed_ip=m["hashed_ip"],
        country=m["country"],
        state=m["state"],
        user_agent=m["user_agent"],
        accept_language=m["accept_language"],
    )


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- participants and consent -------------------------------------------------------------

    def create_participant(self, terms_version: str) -> tuple[Participant, str]:
        """Record a participant who agreed to the terms and to publication; returns their new key.

        Both agreements are required by the caller; this is the only place keys are minted.
        """
        now = datetime.now(UTC)
        participant = Participant(id=secrets.token_hex(16), terms_version=terms_version, created_at=now)
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(participants).values(
                    id=participant.id,
                    created_at=now,
                    terms_version=terms_version,
                    agreed_terms_at=now,
                    agreed_publication_at=now,
                    api_key_hash=hash_api_key(api_key),
                )
            )
        return participant, api_key

    def add_participants(self, rows: list[tuple[str, str, datetime]]) -> None:
        """Record consenting participants without keys: imports and synthetic logs.

        Each row is (id, terms version, when both agreements were given).
        """
        if rows:
            values = [
                {
                    "id": pid,
                    "created_at": agreed,
                    "terms_version": version,
                    "agreed_terms_at": agreed,
                    "agreed_publication_at": agreed,
                }
                for pid, version, agreed in rows
            ]
            with self.engine.begin() as conn:
                conn.execute(insert(participants), values)

    def participant_by_key(self, api_key: str) -> Participant | None:
        """The consenting participant who holds `api_key`; None for unknown or withdrawn keys."""
        query = select(participants.c.id, participants.c.terms_version, participants.c.created_at).where(
            participants.c.api_key_hash == hash_api_key(api_key), participants.c.withdrawn_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Participant(row.id, row.terms_version, _aware(row.created_at) or row.created_at)

    def withdraw(self, participant_id: str) -> int:
        """Delete every turn of the participant, revoke their key, remember the withdrawal.

        The participant row stays (without key) so that builds can exclude them even from an
        older copy of the log. Returns the number of turns deleted.
        """
        with self.engine.begin() as conn:
            deleted = conn.execute(delete(turns).where(turns.c.participant_id == participant_id)).rowcount
            conn.execute(
                update(participants)
                .where(participants.c.id == participant_id)
                .values(withdrawn_at=datetime.now(UTC), api_key_hash=None)
            )
        return int(deleted or 0)

    def withdrawn_participant_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(participants.c.id).where(participants.c.withdrawn_at.is_not(None)))
            return {r.id for r in rows}

    # -- the turn log --------------------------------------------------------------------------

    def append_turn(self, turn: Turn) -> None:
        # A parameter dict (not .values()) lets SQLAlchemy reuse one compiled INSERT.
        with self.engine.begin() as conn:
            conn.execute(insert(turns), turn_to_row(turn))

    def append_turns(self, batch: list[Turn]) -> None:
        """Append many turns in one transaction (imports, synthetic logs)."""
        if batch:
            with self.engine.begin() as conn:
                conn.execute(insert(turns), [turn_to_row(t) for t in batch])

    def get_turn(self, turn_id: int) -> Turn | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(turns).where(turns.c.id == turn_id)).first()
        return row_to_turn(row) if row is not None else None

    def count_turns(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(turns)).scalar_one())

    def iter_turns(
        self,
        since: datetime | None = None,
        batch_size: int = 5000,
        skipped: Counter[str] | None = None,
    ) -> Iterator[Turn]:
        """Every turn of consenting participants in order of arrival, streamed in batches.

        With `skipped`, rows that cannot be read are counted there by reason instead of raising.
        """
        columns = [type_coerce(c, Text) if c.name in ("messages", "params") else c for c in turns.c]
        query = (
            select(*columns)
            .join(participants, participants.c.id == turns.c.participant_id)
            .where(participants.c.withdrawn_at.is_(None))
            .order_by(turns.c.received_at, turns.c.id)
        )
        if since is not None:
            query = query.where(turns.c.received_at >= since)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(query)
            for row in result:
                try:
                    turn = row_to_turn(row)
                except (ValueError, KeyError, TypeError) as exc:
                    if skipped is None:
                        raise
                    skipped[f"corrupt_row:{type(exc).__name__}"] += 1
                    continue
                yield turn

    def conversations(self, participant_id: str, limit: int = 100) -> list[ConversationSummary]:
        """The participant's conversations, newest first, each rebuilt from its latest turn.

        Every turn carries the whole history it was asked with, so the latest turn plus its reply
        is the conversation as the participant last saw it.
        """
        latest = (
            select(turns.c.conversation_id, func.max(turns.c.received_at).label("last"))
            .where(turns.c.participant_id == participant_id, turns.c.conversation_id.is_not(None))
            .group_by(turns.c.conversation_id)
            .order_by(func.max(turns.c.received_at).desc())
            .limit(limit)
            .subquery()
        )
        query = (
            select(turns)
            .join(
                latest,
                (turns.c.conversation_id == latest.c.conversation_id)
                & (turns.c.received_at == latest.c.last),
            )
            .where(turns.c.participant_id == participant_id)
            .order_by(turns.c.received_at.desc())
        )
        summaries: dict[str, ConversationSummary] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                turn = row_to_turn(row)
                assert turn.conversation_id is not None
                if turn.conversation_id in summaries:
                    continue
                messages = [*turn.messages]
                if turn.response or turn.status is TurnStatus.COMPLETE:
                    messages.append(Message("assistant", turn.response))
                summaries[turn.conversation_id] = ConversationSummary(
                    conversation_id=turn.conversation_id,
                    model=turn.model,
                    updated_at=turn.completed_at or turn.received_at,
                    messages=messages,
                    status=turn.status.value,
                )
        return list(summaries.values())
