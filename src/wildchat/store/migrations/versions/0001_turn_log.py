"""The turn log and participants with their consent.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terms_version", sa.String(64), nullable=False),
        sa.Column("agreed_terms_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_publication_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_hash", sa.String(64), unique=True, nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("messages", Json, nullable=False),
        sa.Column("params", Json, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("finish_reason", sa.String(32), nullable=True),
        sa.Column("prompt_tokens", sa.Integer, nullable=True),
        sa.Column("completion_tokens", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column(
            "participant_id",
            sa.String(32),
            sa.ForeignKey("participants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("consent_version", sa.String(64), nullable=False),
        sa.Column("hashed_ip", sa.String(64), nullable=True),
        sa.Column("country", sa.String(100), nullable=True),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("user_agent", sa.Text, nullable=True),
        sa.Column("accept_language", sa.Text, nullable=True),
    )
    op.create_index("ix_turns_participant", "turns", ["participant_id", "received_at"])
    op.create_index("ix_turns_conversation", "turns", ["conversation_id"])
    op.create_index("ix_turns_received", "turns", ["received_at"])


def downgrade() -> None:
    op.drop_table("turns")
    op.drop_table("participants")
