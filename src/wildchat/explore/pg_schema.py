"""The PostgreSQL index: the same tables as SQLite's, prefixed explore_, and full text through a
generated tsvector column with a GIN index.

PostgreSQL has no external-content full-text table, so each conversation row keeps its two
sides' text (TOAST compresses it) and `tsv` is generated from them: the user's side with weight
A, the assistant's with B, so one index serves every scope (`ts_filter` keeps one side). The
text search configuration `explore_text` is `simple` (no stemming: the datasets mix dozens of
languages) with `unaccent` in front when the extension is available, matching SQLite's
remove_diacritics. Unspaced scripts are indexed as bigrams, as in SQLite (text.py).
"""

from __future__ import annotations

import re

from wildchat.explore.schema import FILTER_COLUMNS  # the same filters, each indexed

TEXT_CONFIG = "explore_text"
# PostgreSQL's parser keeps tags (<script>), file names (xs.sort) and URLs whole, and drops tags
# from the index; unicode61 splits them into words. Turning these characters into spaces first,
# in the indexed text and in queries alike, makes both engines find the same words.
SPLIT_CHARACTERS = "<>/.@:"


def split_for_index(expression: str) -> str:
    """SQL that turns SPLIT_CHARACTERS into spaces in a text expression."""
    spaces = " " * len(SPLIT_CHARACTERS)
    return f"translate({expression}, '{SPLIT_CHARACTERS}', '{spaces}')"


PREFIX = "explore_"
TABLES = ("meta", "datasets", "conversations", "messages", "map_points")


def url_for_psycopg(url: str) -> str:
    """SQLAlchemy-style URLs (postgresql+psycopg://) as libpq accepts them."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def create_statements(suffix: str) -> list[str]:
    """DDL for a fresh set of tables named explore_<name><suffix>."""
    t = {name: f"{PREFIX}{name}{suffix}" for name in TABLES}
    return [
        f"CREATE TABLE {t['meta']} (key text PRIMARY KEY, value text NOT NULL)",
        f"CREATE TABLE {t['datasets']} (name text PRIMARY KEY, path text NOT NULL, format text NOT NULL, "
        "conversations bigint NOT NULL, messages bigint NOT NULL)",
        f"""CREATE TABLE {t["conversations"]} (
            id bigint PRIMARY KEY,
            source_row bigint NOT NULL,
            dataset text NOT NULL,
            conversation_hash text NOT NULL,
            model text NOT NULL,
            timestamp bigint,
            turn integer NOT NULL,
            language text NOT NULL,
            country text,
            state text,
            hashed_ip text,
            user_id text,
            toxic boolean NOT NULL,
            redacted boolean NOT NULL,
            header jsonb,
            first_prompt text,
            user_text text,
            assistant_text text,
            user_cjk text,
            assistant_cjk text,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('{TEXT_CONFIG}',
                    {split_for_index("coalesce(user_text, '')")} || ' ' || coalesce(user_cjk, '')), 'A')
                || setweight(to_tsvector('{TEXT_CONFIG}',
                    {split_for_index("coalesce(assistant_text, '')")}
                    || ' ' || coalesce(assistant_cjk, '')), 'B')
            ) STORED
        )""",
        f"""CREATE TABLE {t["messages"]} (
            source_row bigint NOT NULL,
            position integer NOT NULL,
            role text NOT NULL,
            content text NOT NULL,
            turn_identifier bigint,
            language text,
            toxic boolean NOT NULL,
            redacted boolean NOT NULL,
            timestamp bigint,
            hashed_ip text,
            country text,
            state text,
            moderation jsonb,
            PRIMARY KEY (source_row, position)
        )""",
        f"CREATE TABLE {t['map_points']} (conversation_id bigint PRIMARY KEY, x double precision NOT NULL, "
        "y double precision NOT NULL)",
    ]


STAGING = """CREATE TEMPORARY TABLE explore_staging (
    source_row bigint PRIMARY KEY, dataset text, conversation_hash text, model text, timestamp bigint,
    turn integer, language text, country text, state text, hashed_ip text, user_id text, toxic boolean,
    redacted boolean, header jsonb, first_prompt text, user_text text, assistant_text text,
    user_cjk text, assistant_cjk text
) ON COMMIT DROP"""


def index_statements(suffix: str, tag: str) -> list[str]:
    """Indexes of the tables named with `suffix`; `tag` (new per build) keeps their names apart
    from the live tables' indexes, which keep their names when the tables are renamed."""
    conversations = f"{PREFIX}conversations{suffix}"
    statements = [
        f"CREATE INDEX {PREFIX}tsv_{tag} ON {conversations} USING GIN (tsv)",
        f"CREATE UNIQUE INDEX {PREFIX}source_row_{tag} ON {conversations} (source_row)",
        f"CREATE INDEX {PREFIX}turn_identifier_{tag} ON {PREFIX}messages{suffix} (turn_identifier)",
    ]
    statements += [
        f"CREATE INDEX {PREFIX}by_{column}_{tag} ON {conversations} ({column})" for column in FILTER_COLUMNS
    ]
    return statements
