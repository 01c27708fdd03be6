"""NUL characters (U+0000) in turn text, stored losslessly on SQLite and PostgreSQL alike.

PostgreSQL refuses NUL in `text` and `\\u0000` in `jsonb`; SQLite stores it but its SQL functions
stop reading at it. A turn whose text holds a NUL is therefore written with its content columns
escaped (a backslash as `\\\\`, a NUL as `\\0`) and the row's `nul_escaped` flag set; `Store`
readers restore the text. Rows without a NUL, nearly all of them, are written as they are, so
the escaping costs them nothing and rows written before it existed read back unchanged.
"""

from __future__ import annotations

import re
from typing import Any

NUL = "\x00"
_ESCAPED = re.compile(r"\\([\\0])")


def holds_nul(value: Any) -> bool:
    """Whether a string, or any string inside a JSON-like value, contains a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


def _escape_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(NUL, "\\0")


def _restore_text(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPED.sub(lambda m: "\\" if m[1] == "\\" else NUL, text)


def escape(value: Any) -> Any:
    """`value` with every string in it (dict keys included) escaped; other values as they are."""
    if isinstance(value, str):
        return _escape_text(value)
    if isinstance(value, dict):
        return {escape(k): escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape(item) for item in value]
    return value


def restore(value: Any) -> Any:
    """The inverse of `escape`."""
    if isinstance(value, str):
        return _restore_text(value)
    if isinstance(value, dict):
        return {restore(k): restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(item) for item in value]
    return value


def cut_escaped(text: str, limit: int) -> str:
    """At most `limit` characters of escaped text, never ending inside an escape sequence."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    trailing = len(cut) - len(cut.rstrip("\\"))
    return cut[:-1] if trailing % 2 else cut
