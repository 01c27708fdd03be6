"""Highlighted snippets as safe HTML: the dataset text is escaped first, then the marks go in.

FTS5's snippet() wraps matches in MARK_OPEN/MARK_CLOSE, private-use characters that dataset text
cannot contain in the index (the index view replaces them). Escaping the whole snippet and only
then turning the two characters into <mark> and </mark> means no byte of dataset text ever
reaches the page unescaped, whatever it holds.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable

import regex

from wildchat.explore.text import MARK_CLOSE, MARK_OPEN, MESSAGE_BREAK, clean_reserved

ELLIPSIS = "…"
BREAK_HTML = ' <span class="break" title="next message">¶</span> '
FALLBACK_CONTEXT = 90  # characters of context either side in a snippet made here


def render_snippet(marked: str | None) -> str:
    """FTS5 snippet output (with the private-use markers) as HTML."""
    if not marked:
        return ""
    text = html.escape(" ".join(marked.split()), quote=True)
    text = text.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    return text.replace(MESSAGE_BREAK, BREAK_HTML)


def has_mark(marked: str | None) -> bool:
    return bool(marked) and MARK_OPEN in (marked or "")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def find_snippet(text: str, words: Iterable[str]) -> str | None:
    """A snippet around the first literal occurrence of any word, made here: for matches FTS5's
    snippet() cannot show (words in scripts indexed as bigrams). None when no word occurs."""
    text = clean_reserved(text)
    best: tuple[int, int] | None = None
    for word in words:
        pattern = regex.compile(regex.escape(word), regex.IGNORECASE)
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match.end())
    if best is None:
        return None
    start, end = best
    left = max(0, start - FALLBACK_CONTEXT)
    right = min(len(text), end + FALLBACK_CONTEXT)
    marked = (
        (ELLIPSIS if left else "")
        + text[left:start]
        + MARK_OPEN
        + text[start:end]
        + MARK_CLOSE
        + text[end:right]
        + (ELLIPSIS if right < len(text) else "")
    )
    return render_snippet(marked)


def normalise_term(word: str) -> str:
    """A word as the index stores it (lower case, Latin diacritics removed), near enough to look
    up its document count: unicode61 with remove_diacritics 2 does the same."""
    return _fold(word)
