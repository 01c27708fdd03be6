"""The SQLite index: tables, the FTS5 table over each conversation's text, and its source view.

Conversations are numbered by time (`id`, oldest first; conversations without a time come
first in the order they were read), and `id` is the FTS5 rowid. So "newest first" is the FTS5
table's descending rowid order, which it walks without sorting and can stop early.

The FTS5 table is external-content: it stores only the index, and reads text through the view
`search_source`, which joins each conversation's messages, one side per column, with a
message-break token between messages (text.MESSAGE_SEPARATOR). The view also replaces the
private-use characters the index reserves, so the highlight markers only ever come from FTS5.
The *_cjk columns hold the bigrams of unspaced scripts (text.py); they are computed in Python
while the index is filled and the view gives NULL for them (they are only ever matched, never
shown).
"""

from __future__ import annotations

# 2: user_id kept where it equals hashed_ip (WildChat), turn_identifier NULL where the source has
# none. An index of another version is refused (by both engines) with a message to rebuild it.
FORMAT_VERSION = "2"
TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
FILTER_COLUMNS = (
    "dataset",
    "model",
    "language",
    "country",
    "state",
    "hashed_ip",
    "toxic",
    "redacted",
    "turn",
    "timestamp",
    "conversation_hash",
    "user_id",
)

CONVERSATION_COLUMNS = (
    "source_row",
    "dataset",
    "conversation_hash",
    "model",
    "timestamp",
    "turn",
    "language",
    "country",
    "state",
    "hashed_ip",
    "user_id",
    "toxic",
    "redacted",
    "header",
    "first_prompt",
)
MESSAGE_COLUMNS = (
    "source_row",
    "position",
    "role",
    "content",
    "turn_identifier",
    "language",
    "toxic",
    "redacted",
    "timestamp",
    "hashed_ip",
    "country",
    "state",
    "moderation",
)

_CONVERSATION_BODY = """
    dataset TEXT NOT NULL,
    conversation_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    timestamp INTEGER,              -- microseconds since 1970-01-01 UTC
    turn INTEGER NOT NULL,
    language TEXT NOT NULL,
    country TEXT,
    state TEXT,
    hashed_ip TEXT,
    user_id TEXT,
    toxic INTEGER NOT NULL,
    redacted INTEGER NOT NULL,
    header TEXT,                    -- JSON
    first_prompt TEXT               -- the first user message, cut to 300 characters
"""

# Loaded in the order read (staging, in a separate attached file so the index keeps no free
# pages); copied into `conversations` in time order at the end.
STAGING = f"""
CREATE TABLE staging.conversations (
    source_row INTEGER PRIMARY KEY,
    {_CONVERSATION_BODY}
);
"""

TABLES = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datasets (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    conversations INTEGER NOT NULL,
    messages INTEGER NOT NULL
);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    source_row INTEGER NOT NULL,
    {_CONVERSATION_BODY}
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    source_row INTEGER NOT NULL,    -- conversations.source_row
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    turn_identifier INTEGER,
    language TEXT,
    toxic INTEGER NOT NULL,
    redacted INTEGER NOT NULL,
    timestamp INTEGER,
    hashed_ip TEXT,
    country TEXT,
    state TEXT,
    moderation TEXT                 -- JSON: {{"openai": {{...}}, "flagged": [...], "detoxify": {{...}}}}
);
-- Per facet value: its code in the column store and its number of conversations.
CREATE TABLE facet_values (
    facet TEXT NOT NULL,
    code INTEGER NOT NULL,
    value TEXT,
    conversations INTEGER NOT NULL,
    PRIMARY KEY (facet, code)
);
-- numpy arrays indexed by conversation id (columns.py).
CREATE TABLE column_store (name TEXT PRIMARY KEY, dtype TEXT NOT NULL, data BLOB NOT NULL);
-- The embedding map: 2-D positions of a sample of first prompts.
CREATE TABLE map_points (
    conversation_id INTEGER PRIMARY KEY,
    x REAL NOT NULL,
    y REAL NOT NULL
);
"""

MESSAGE_INDEX = "CREATE INDEX messages_by_conversation ON messages (source_row, position);"

LATE_INDEXES = "\n".join(
    [
        "CREATE UNIQUE INDEX conversations_by_source_row ON conversations (source_row);",
        "CREATE INDEX messages_by_turn_identifier ON messages (turn_identifier);",
        *(f"CREATE INDEX conversations_by_{name} ON conversations ({name});" for name in FILTER_COLUMNS),
    ]
)


def _side(condition: str) -> str:
    cleaned = "m.content"
    for code in (0xE000, 0xE001, 0xE002):
        cleaned = f"replace({cleaned}, char({code}), char(65533))"
    # Messages are read through messages_by_conversation, in position order.
    return (
        f"(SELECT group_concat({cleaned}, char(10) || char(57344) || char(10)) FROM messages m "
        f"WHERE m.source_row = c.source_row AND {condition})"
    )


SEARCH = f"""
CREATE VIEW search_source AS
SELECT c.id AS id,
       {_side("m.role <> 'assistant'")} AS user_text,
       {_side("m.role = 'assistant'")} AS assistant_text,
       NULL AS user_cjk,
       NULL AS assistant_cjk
FROM conversations c;
CREATE VIRTUAL TABLE search USING fts5(
    user_text, assistant_text, user_cjk, assistant_cjk,
    content='search_source', content_rowid='id',
    tokenize="{TOKENIZER}"
);
"""
# The columns of `search` by number, for snippet().
SNIPPET_COLUMNS = {"user": 0, "assistant": 1}
