"""The search box: what a user may type, parsed into terms, and rendered for each engine.

Everything typed is plain words unless it uses one of these forms (docs/explore.md):

    "exact phrase"     the words in this order, in one message
    word*              a prefix (at least 3 characters before the *)
    -word, -"phrase"   conversations without it
    a OR b             either (upper-case OR, between two terms)

A conversation matches when every term (or one of each OR group) occurs in the chosen side
(user messages, assistant messages, or either). Each term reaches FTS5 as a quoted string and
PostgreSQL through websearch_to_tsquery, so no FTS operator, column filter or function can be
smuggled in: `NEAR(`, `col:`, `^`, `AND`, `NOT` are just text. Malformed queries (an unclosed
quote, a dangling OR or -, only exclusions) raise QueryError with a message for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import regex

from wildchat.explore.text import (
    RESERVED,
    UNSPACED_RUN,
    WORD_CHARACTER,
    has_unspaced,
    run_bigrams,
)

Scope = Literal["both", "user", "assistant"]
SCOPES: tuple[Scope, ...] = ("both", "user", "assistant")
MAX_TERMS = 32
MAX_QUERY_CHARS = 1_000
MIN_PREFIX_CHARS = 3

# Column names of the FTS5 table (schema.py), per side.
FTS_COLUMNS: dict[Scope, tuple[str, ...]] = {
    "both": (),
    "user": ("user_text", "user_cjk"),
    "assistant": ("assistant_text", "assistant_cjk"),
}
# The bigram columns: an unspaced run of the query is matched there only. In the unicode61
# columns a whole run of text is one token, so `"猫"*` would match the token 猫很可爱 and
# snippet() would mark all of it; matched in the bigram columns only, the snippet is made in
# Python and marks the word itself. (Nested column filters intersect, so a scope still applies.)
BIGRAM_COLUMNS = "{user_cjk assistant_cjk}"


class QueryError(ValueError):
    """A search the user must rephrase; the message says how."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as typed, without quotes or operators
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Clauses joined by AND; each clause is one or more terms joined by OR."""

    clauses: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    words: tuple[str, ...] = field(default=())  # every positive term's text, for highlighting

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def has_phrases(self) -> bool:
        """Whether matching needs word positions: a term of several words ("new york", can't)
        or a run of three or more unspaced characters (a phrase of bigrams)."""
        for clause in self.clauses:
            for term in clause:
                if len(_SPLIT_WORDS.findall(term.text)) > 1:
                    return True
                if any(len(run.group()) > 2 for run in UNSPACED_RUN.finditer(term.text)):
                    return True
        return False


_SPLIT_WORDS = regex.compile(r"[\p{L}\p{N}\p{M}\p{Co}]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _searchable(text: str) -> bool:
    return WORD_CHARACTER.search(text) is not None


def _clean(text: str) -> str:
    for char in RESERVED:
        text = text.replace(char, " ")
    return " ".join(text.split())


def parse_query(q: str | None) -> ParsedQuery:
    """Parse what was typed; an empty or blank query gives an empty ParsedQuery."""
    raw = (q or "").strip()
    if not raw:
        return ParsedQuery()
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long ({len(raw):,} characters; at most {MAX_QUERY_CHARS:,})")
    if raw.count('"') % 2:
        raise QueryError('unbalanced quotes: close the phrase with a second " (or remove the quote)')
    items: list[tuple[bool, Term] | str] = []  # (negated, term) or "OR"
    for match in _TOKEN.finditer(_clean(raw.replace("\u201c", '"').replace("\u201d", '"'))):
        negated_phrase, phrase, word = match.groups()
        if phrase is not None:
            if not _searchable(phrase):
                raise QueryError(f'the phrase "{phrase}" has no words to search for')
            items.append((negated_phrase == "-", Term(" ".join(phrase.split()), phrase=True)))
            continue
        if word == "OR":
            items.append("OR")
            continue
        negated = word.startswith("-")
        body = word[1:] if negated else word
        if negated and not body:
            raise QueryError("a lone - excludes nothing: write -word to leave out conversations with it")
        prefix = body.endswith("*")
        body = body.rstrip("*")
        if prefix:
            letters = sum(1 for char in body if _searchable(char))
            if letters < MIN_PREFIX_CHARS and not has_unspaced(body):
                raise QueryError(
                    f"a prefix needs at least {MIN_PREFIX_CHARS} letters before the *: {word!r} is too short"
                )
        if not _searchable(body):
            continue  # punctuation alone ("?", "&&"): nothing the index holds
        items.append((negated, Term(body, prefix=prefix)))
    return _assemble(items)


def _assemble(items: list[tuple[bool, Term] | str]) -> ParsedQuery:
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for index, item in enumerate(items):
        if item == "OR":
            if pending_or or not clauses or index == 0 or items[index - 1] == "OR":
                raise QueryError("OR must stand between two words or phrases, as in: cat OR dog")
            if isinstance(items[index - 1], tuple) and items[index - 1][0]:  # type: ignore[index]
                raise QueryError("OR cannot follow an excluded -term")
            pending_or = True
            continue
        assert isinstance(item, tuple)
        negated, term = item
        if negated:
            if pending_or:
                raise QueryError("OR cannot join an excluded -term")
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
            pending_or = False
        else:
            clauses.append([term])
    if pending_or:
        raise QueryError("OR must stand between two words or phrases, as in: cat OR dog")
    if not clauses:
        if excluded:
            raise QueryError("a query needs at least one word to look for, not only -exclusions")
        raise QueryError("the query has no words to search for (only punctuation)")
    if sum(len(clause) for clause in clauses) + len(excluded) > MAX_TERMS:
        raise QueryError(f"too many terms: at most {MAX_TERMS}")
    words = tuple(term.text for clause in clauses for term in clause)
    return ParsedQuery(tuple(tuple(clause) for clause in clauses), tuple(excluded), words)


# ----------------------------------------------------------------------------------------------
# SQLite FTS5


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts_term(term: Term) -> str:
    """One term as an FTS5 expression: its spaced-script part as a quoted string against the
    unicode61 columns, its unspaced runs as bigram phrases (which only the *_cjk columns hold)."""
    parts: list[str] = []
    spaced = UNSPACED_RUN.sub(" ", term.text).strip() if has_unspaced(term.text) else term.text
    if _searchable(spaced):
        parts.append(_fts_string(spaced) + ("*" if term.prefix else ""))
    for match in UNSPACED_RUN.finditer(term.text):
        run = match.group()
        # One character: a prefix query, a bigram starting with it or the run's end alone.
        bigrams = _fts_string(run) + "*" if len(run) == 1 else _fts_string(" ".join(run_bigrams(run)[:-1]))
        parts.append(f"{BIGRAM_COLUMNS} : {bigrams}")
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def to_fts5(query: ParsedQuery, scope: Scope = "both") -> str:
    """The MATCH expression for the FTS5 table."""
    if not query:
        raise ValueError("an empty query has no FTS5 expression")
    clauses = []
    for clause in query.clauses:
        rendered = [_fts_term(term) for term in clause]
        clauses.append(rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")")
    expression = " AND ".join(clauses)
    for term in query.excluded:
        expression = f"({expression}) NOT {_fts_term(term)}"
    columns = FTS_COLUMNS[scope]
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


# ----------------------------------------------------------------------------------------------
# PostgreSQL


def _web_text(term: Term) -> str:
    """One term for websearch_to_tsquery: quoted parts (a phrase each), unspaced runs as their
    bigram phrase. A prefix cannot be expressed there, so `word*` matches the whole word."""
    parts: list[str] = []
    spaced = UNSPACED_RUN.sub(" ", term.text).strip() if has_unspaced(term.text) else term.text
    if _searchable(spaced):
        parts.append(spaced)
    for match in UNSPACED_RUN.finditer(term.text):
        run = match.group()
        parts.append(" ".join(run_bigrams(run)[:-1]) if len(run) > 1 else run)
    # The parser splits on double quotes, so a term holds none: each part is one quoted phrase.
    return " ".join(f'"{part}"' for part in parts)


def to_tsquery_sql(query: ParsedQuery, config: str, split: str = "<>/.@:") -> tuple[str, list[str]]:
    """A SQL expression building the tsquery, and its parameters.

    websearch_to_tsquery cannot group (`a b or c` is `(a & b) | c`), so each term goes through
    it alone and the tree is joined with the tsquery operators && || and !!. The SQL's shape
    comes from the parsed structure only; the user's text travels as parameters.
    """
    if not query:
        raise ValueError("an empty query has no tsquery")
    spaces = " " * len(split)
    call = f"websearch_to_tsquery('{config}', translate(%s, '{split}', '{spaces}'))"
    params: list[str] = []
    clauses = []
    for clause in query.clauses:
        params.extend(_web_text(term) for term in clause)
        alternatives = " || ".join([call] * len(clause))
        clauses.append(f"({alternatives})" if len(clause) > 1 else alternatives)
    for term in query.excluded:
        params.append(_web_text(term))
        clauses.append(f"!!{call}")
    return "(" + " && ".join(clauses) + ")", params
