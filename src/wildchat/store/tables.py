"""SQLAlchemy Core tables. Any change here needs an Alembic migration in migrations/versions."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")

participants = Table(
    "participants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("terms_version", String(64), nullable=False),
    Column("agreed_terms_at", DateTime(timezone=True), nullable=False),
    Column("agreed_publication_at", DateTime(timezone=True), nullable=False),
    # sha256 of the API key: a stolen database does not hand out working keys.
    Column("api_key_hash", String(64), unique=True, nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
)

turns = Table(
    "turns",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("model", String(200), nullable=False),
    Column("messages", Json, nullable=False),
    Column("params", Json, nullable=False),
    Column("response", Text, nullable=False),
    Column("finish_reason", String(32), nullable=True),
    Column("prompt_tokens", Integer, nullable=True),
    Column("completion_tokens", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("error", String(200), nullable=True),
    Column("channel", String(8), nullable=False),
    Column("conversation_id", String(64), nullable=True),
    Column(
        "participant_id",
        String(32),
        ForeignKey("participants.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("consent_version", String(64), nullable=False),
    Column("hashed_ip", String(64), nullable=True),
    Column("country", String(100), nullable=True),
    Column("state", String(100), nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("accept_language", Text, nullable=True),
    # True when the turn's text held a NUL and its content columns are escaped (see store.nul).
    Column("nul_escaped", Boolean, nullable=False, server_default=false()),
    Index("ix_turns_participant", "participant_id", "received_at"),
    Index("ix_turns_conversation", "conversation_id"),
    Index("ix_turns_received", "received_at"),
)
