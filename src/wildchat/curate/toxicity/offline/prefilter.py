"""Literal prefilters for the offline scorer's regexes: skip the patterns that cannot match a text.

Running a few hundred rule regexes over every message costs a full scan each, yet nearly all of
them cannot match a given text: each one needs some literal ("kill", "suicide", "you're") that
the text does not contain. This module reads every pattern's parse tree once and derives
*clauses*: a clause is a set of needles such that every match of the pattern satisfies at least
one of them. A text that satisfies none of a clause's needles cannot match the pattern, so the
pattern is skipped; one that satisfies all of a pattern's clauses is only a *candidate*, and the
exact regex still decides. The prefilter therefore never changes a result, it only avoids work.

Needles come in three kinds, checked in one pass over the text's words plus a few substring
tests:

- `TOKEN` w: some word of the text (a maximal run of `\\w` characters, the same definition `\\b`
  uses) is exactly w;
- `PREFIX` w: some word of the text starts with w;
- `SUBSTR` s: s occurs anywhere in the text.

A pattern whose tree holds anything this analysis does not understand (back-references, case-
insensitive or ASCII matching, unknown opcodes) gets no clauses and always runs.

Each clause also carries an offset: how far after the start of a match its needle can occur
(when bounded). On long texts this tells where matches may start: a candidate pattern is then
tried with `regex.match` only at those positions (when they are few), or scanned with
`regex.finditer(text, pos)` from the first of them. Both yield exactly the matches of
`regex.finditer(text)`: none starts elsewhere, and lookbehinds and `\\b` still see the text
before `pos`.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # the stdlib's regex parser (sre_parse)

TOKEN, PREFIX, SUBSTR = 0, 1, 2
NO_GUARD = -1
# (kind, string, guard kind, guard word). A SUBSTR needle may carry a guard, a TOKEN or PREFIX
# needle that every occurrence of the substring also satisfies: the substring is only searched
# for in texts that satisfy its guard. Other needles have (NO_GUARD, "").
Needle = tuple[int, str, int, str]
Clause = frozenset[Needle]

MAX_EXACT = 64  # most strings an "exact" node may stand for before it counts as open-ended
MAX_EXACT_LEN = 48
MAX_REPEAT_EXPANSION = 4
MAX_CLAUSES = 4  # clauses kept per pattern; all of them must hold for the pattern to run
CACHE_LIMIT = 100_000  # words whose needle hits are remembered between texts
MIN_SCAN_SKIP = 200  # shorter texts are scanned whole: finding where to start costs more
MAX_PIN_OFFSET = 16  # matches are tried at single positions only when this close to a needle
PIN_DENSITY = 16  # ... and at no more positions than one in this many characters
PIN_MIN_LIMIT = 16  # (or this many, in short texts)

_WORD = re.compile(r"\w+")
_BAD_FLAGS = re.IGNORECASE | re.LOCALE | re.ASCII
_NONWORD_CATEGORIES = frozenset(
    {"CATEGORY_SPACE", "CATEGORY_UNI_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_UNI_NOT_WORD"}
)
# Frequent words: a needle on one of them filters little. Only used to choose between clauses,
# so this list affects speed, never results.
_COMMON_WORDS = """
    a about after again all also always am an and any anymore are around as ask at away back be
    because been before being best better between big both but by call came can come could day days
    did different do does doing done down each end even every few find first for from get give go
    going good got great had has have he help her here him his how i if important in into is it its
    just keep kind know last left less let life like little long look made make many may me might
    more most much must my need never new next no not now of off often old on once one only or other
    our out over own part people place point put really right same say see set should show side
    since small so some something start still such take than that the their them then there these
    they thing things think this those through time to today together too two under until up us
    use used using very want was way ways we well were what when where which while who why will with
    without work world would year years yes yet you your
    de la le les el los las un una des du et est en que y o e se por con para pas je tu il elle vous
    nous ce qui dans sur au avec pour son sa ses mais plus ne lo al del como más pero sus le muy
    der die das und ist ich du er sie es nicht ein eine zu mit den dem im auf für von sich auch
    os as um uma não eu você do da dos das em no na ao mais
    и в не на я ты он она что с а но как это по к из за то все так же"""
_COMMON = frozenset(_COMMON_WORDS.split())


class _Unanalyzable(Exception):
    """The pattern uses a construct whose literals cannot be derived safely."""


def _is_word(ch: str) -> bool:
    return _WORD.match(ch) is not None


# --- needles and clauses -------------------------------------------------------------------------


def _word_probability(w: str) -> float:
    return 0.3 if w in _COMMON else min(0.3, 8.0 ** -(len(w) - 1))


def _needle_cost(needle: Needle) -> float:
    """A rough probability that a text satisfies the needle, plus the cost of checking it."""
    kind, s, guard_kind, guard = needle
    if kind == TOKEN:
        return _word_probability(s)
    if kind == PREFIX:
        return min(1.0, 4.0 * _word_probability(s))
    words = _WORD.findall(s)
    # A substring of words is about as likely as all of them at once, a part of a word (which
    # may occur inside longer words) more likely than the word alone.
    together = math.prod(_word_probability(w) for w in words) if words else 1.0
    search = 0.002 * (_needle_cost((guard_kind, guard, NO_GUARD, "")) if guard_kind != NO_GUARD else 1.0)
    return min(1.0, max(20.0 * 8.0 ** -(len(s) - 1), 2.0 * together)) + search


def clause_cost(clause: Clause) -> float:
    """A rough probability that a text satisfies the clause (lower filters better)."""
    return sum(_needle_cost(n) for n in clause)


def _best_needle(s: str, lead: bool, trail: bool) -> tuple[Needle, int]:
    """The most selective needle that every occurrence of `s` in a match satisfies, and where
    in `s` the needle's string starts.

    `lead`: if `s` starts with a word character, the character before it is not one (or absent).
    `trail`: if `s` ends with a word character, the character after it is not one (or absent).
    """
    word: tuple[Needle, int] | None = None  # the best needle on one word of `s`
    for m in _WORD.finditer(s):
        start, end = m.span()
        if not (lead if start == 0 else not _is_word(s[start - 1])):
            continue  # the word may continue to the left: it is no word of the text on its own
        needle = (TOKEN if end < len(s) or trail else PREFIX, m.group(0), NO_GUARD, "")
        if word is None or _needle_cost(needle) < _needle_cost(word[0]):
            word = (needle, start)
    if word is None:
        return (SUBSTR, s, NO_GUARD, ""), 0
    substring = (SUBSTR, s, word[0][0], word[0][1])
    if _needle_cost(word[0]) <= _needle_cost(substring):
        return word
    return substring, 0


# A clause and the most characters by which its needle's occurrence may follow the start of
# the match (None: unbounded), so that a scan for matches may start that far before the first
# occurrence of a needle.
Placed = tuple[Clause, int | None]


def _clause(strings: frozenset[str], lead: bool, trail: bool) -> Placed | None:
    if not strings or "" in strings:
        return None  # the node can match the empty string: it guarantees no literal
    chosen = [_best_needle(s, lead, trail) for s in strings]
    needles = {needle for needle, _ in chosen}
    prefixes = [n[1] for n in needles if n[0] == PREFIX]

    def covered(kind: int, w: str) -> bool:  # "kill" as a prefix covers "killed" and "kills"
        return kind != SUBSTR and any(w.startswith(p) and (p != w or kind == TOKEN) for p in prefixes)

    # A covering prefix occurs where the needle it covers does: the offsets still hold.
    clause = frozenset(n for n in needles if not covered(n[0], n[1]))
    return clause, max(offset for _, offset in chosen)


def _shift(placed: Placed, by: int | None) -> Placed:
    clause, offset = placed
    return clause, (offset + by if offset is not None and by is not None else None)


def _rank(placed: Placed) -> tuple[float, list[Needle], int]:
    clause, offset = placed
    return clause_cost(clause), sorted(clause), -1 if offset is None else offset


def _max_width(name: str, av: Any) -> int | None:
    """The most characters a node can match (None: unbounded)."""
    if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return 1
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return 0
    if name == "SUBPATTERN":
        return _seq_max_width(av[3])
    if name == "ATOMIC_GROUP":
        return _seq_max_width(av)
    if name == "BRANCH":
        widths = [_seq_max_width(sub) for sub in av[1]]
        return None if any(w is None for w in widths) else max(w for w in widths if w is not None)
    if name in _REPEATS:
        _lo, hi, sub = av
        inner = _seq_max_width(sub)
        if inner == 0:
            return 0
        if inner is None or hi >= _parser.MAXREPEAT:
            return None
        return int(hi) * inner
    return None


def _seq_max_width(items: Any) -> int | None:
    total = 0
    for op, av in items:
        width = _max_width(str(op), av)
        if width is None:
            return None
        total += width
    return total


# --- what surrounds a position: word boundaries -------------------------------------------------

# Zero-width assertions after which a word character cannot follow another one.
_LEAD_ATS = frozenset({"AT_BOUNDARY", "AT_BEGINNING", "AT_BEGINNING_STRING", "AT_BEGINNING_LINE"})
# Zero-width assertions before which a word character cannot be followed by another one.
_TRAIL_ATS = frozenset({"AT_BOUNDARY", "AT_END", "AT_END_STRING", "AT_END_LINE"})
_ASSERTS = frozenset({"ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _class_chars(items: Any) -> tuple[frozenset[str] | None, bool]:
    """The characters of a character class when few and listed, and whether none of the
    characters it matches is a word character."""
    chars: set[str] = set()
    listed = True
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE" and av[1] - av[0] < 16:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif name == "CATEGORY" and str(av) in _NONWORD_CATEGORIES:
            listed = False
        else:
            return None, False  # negated, a large range, a word or digit category
    nonword = all(not _is_word(c) for c in chars)
    return (frozenset(chars) if listed and chars else None), nonword


def _fold(items: Any, flag: bool, forward: bool) -> bool:
    """Carry `lead` forward through a sequence (`trail` backward): see `_best_needle`."""
    ats = _LEAD_ATS if forward else _TRAIL_ATS
    for op, av in list(items) if forward else list(items)[::-1]:
        name = str(op)
        if name == "AT":
            flag = flag or str(av) in ats
        elif name not in _ASSERTS:
            flag = _fold_node(name, av, flag, forward)
    return flag


def _fold_node(name: str, av: Any, flag: bool, forward: bool) -> bool:
    if name == "LITERAL":
        return not _is_word(chr(av))
    if name == "IN":
        return _class_chars(av)[1]
    if name == "SUBPATTERN":
        return _fold(av[3], flag, forward)
    if name == "ATOMIC_GROUP":
        return _fold(av, flag, forward)
    if name == "BRANCH":
        return all(_fold(sub, flag, forward) for sub in av[1])
    if name in _REPEATS:
        lo, hi, sub = av
        # One repetition maps the flag monotonically, so any number >= 1 maps it the same way.
        return (flag or lo > 0) and (hi == 0 or _fold(sub, flag, forward))
    return False


# --- clauses of a parse tree ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Info:
    exact: frozenset[str] | None  # every string the node can match, when finite and few
    clauses: tuple[Placed, ...]  # each holds for every match; offsets from the node's start


def _exact_info(strings: Iterable[str], lead: bool, trail: bool) -> _Info:
    exact = frozenset(strings)
    clause = _clause(exact, lead, trail)
    return _Info(exact, (clause,) if clause is not None else ())


def _analyze_seq(items: Any, lead: bool, trail: bool) -> _Info:
    """`lead` and `trail` describe the sequence's start and end (see `_best_needle`)."""
    items = list(items)
    clauses: list[Placed] = []
    empty: frozenset[str] = frozenset({""})
    run = empty  # the strings that the current run of consecutive exact items can match
    run_lead = lead  # `lead` at the start of the run
    run_offset: int | None = 0  # the most characters before the run's start
    run_end = 0  # the position just after the run's last item
    at_lead = lead  # `lead` at the current position
    offset: int | None = 0  # the most characters before the current position
    whole = True  # the whole sequence is a single run

    def flush() -> None:
        clause = _clause(run, run_lead, _fold(items[run_end:], trail, False))
        if clause is not None:
            clauses.append(_shift(clause, run_offset))

    for position, (op, av) in enumerate(items):
        name = str(op)
        if name == "AT":
            at_lead = at_lead or str(av) in _LEAD_ATS
            continue
        if name in _ASSERTS:
            _analyze_seq(av[1], False, False)  # zero width: only checked for unanalyzable parts
            continue
        item_lead, item_offset = at_lead, offset
        info = _analyze_node(name, av, item_lead, _fold(items[position + 1 :], trail, False))
        at_lead = _fold_node(name, av, at_lead, True)
        width = _max_width(name, av)
        offset = offset + width if offset is not None and width is not None else None
        if info.exact is not None:
            if run == empty:
                run_lead, run_offset = item_lead, item_offset
            grown = None
            if len(run) * len(info.exact) <= MAX_EXACT:
                grown = frozenset(a + b for a in run for b in info.exact)
                if any(len(s) > MAX_EXACT_LEN for s in grown):
                    grown = None
            if grown is not None:
                run = grown
            else:
                flush()
                whole = False
                run, run_lead, run_offset = info.exact, item_lead, item_offset
            run_end = position + 1
        else:
            flush()
            whole = False
            clauses.extend(_shift(c, item_offset) for c in info.clauses)
            run = empty
    flush()
    return _Info(run if whole else None, tuple(clauses))


def _analyze_node(name: str, av: Any, lead: bool, trail: bool) -> _Info:
    if name == "LITERAL":
        return _exact_info({chr(av)}, lead, trail)
    if name == "IN":
        chars, _nonword = _class_chars(av)
        return _exact_info(chars, lead, trail) if chars is not None else _Info(None, ())
    if name == "SUBPATTERN":
        _group, add_flags, _del_flags, sub = av
        if add_flags & _BAD_FLAGS:
            raise _Unanalyzable("a group with case-insensitive, locale or ASCII matching")
        return _analyze_seq(sub, lead, trail)
    if name == "ATOMIC_GROUP":
        return _analyze_seq(av, lead, trail)
    if name == "BRANCH":
        branches = [_analyze_seq(sub, lead, trail) for sub in av[1]]
        if all(b.exact is not None for b in branches):
            union = frozenset(s for b in branches for s in (b.exact or ()))
            if len(union) <= MAX_EXACT:
                return _exact_info(union, lead, trail)
        if any(not b.clauses for b in branches):
            return _Info(None, ())  # some alternative guarantees no literal
        # Any choice of one clause per alternative makes a clause of the whole; take the best
        # of each, then the second best of each, and so on.
        ranked = [sorted(b.clauses, key=_rank) for b in branches]
        choices: dict[Clause, int | None] = {}
        for k in range(MAX_CLAUSES):
            picked = [r[min(k, len(r) - 1)] for r in ranked]
            clause = frozenset(n for c, _ in picked for n in c)
            offsets = [o for _, o in picked]
            offset = None if any(o is None for o in offsets) else max(o for o in offsets if o is not None)
            choices[clause] = _tighter(choices.get(clause, offset), offset) if clause in choices else offset
        return _Info(None, tuple(sorted(choices.items(), key=_rank)))
    if name in _REPEATS:
        lo, hi, sub = av
        # The clauses of the first repetition (when there must be one) hold for the whole.
        inner = _analyze_seq(sub, lead, trail if hi <= 1 else False)
        if inner.exact is not None and hi <= MAX_REPEAT_EXPANSION:
            strings: set[str] = set()
            power: frozenset[str] = frozenset({""})
            for count in range(hi + 1):
                if count >= lo:
                    strings.update(power)
                if len(strings) > MAX_EXACT or len(power) * len(inner.exact) > MAX_EXACT:
                    break
                power = frozenset(a + b for a in power for b in inner.exact)
            else:
                return _exact_info(strings, lead, trail)
        return _Info(None, inner.clauses if lo > 0 else ())
    if name.startswith("GROUPREF"):
        raise _Unanalyzable("a back-reference")
    return _Info(None, ())  # ANY, NOT_LITERAL and anything unknown: consumes, promises nothing


def _tighter(a: int | None, b: int | None) -> int | None:
    """The smaller of two offsets that both hold (None: unbounded)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@functools.lru_cache(maxsize=4096)
def placed_clauses(pattern: str, flags: int = 0) -> tuple[Placed, ...] | None:
    """Clauses that every match of `pattern` (compiled with `flags`) satisfies, all of them,
    most selective first, each with its offset (see `Placed`).

    None when the pattern cannot be analysed or guarantees no literal: it must always run.
    """
    if flags & _BAD_FLAGS:
        return None
    try:
        tree = _parser.parse(pattern, flags)
        if tree.state.flags & _BAD_FLAGS:
            return None
        info = _analyze_seq(tree.data, False, False)
    except (_Unanalyzable, re.error, RecursionError):
        return None
    tightest: dict[Clause, int | None] = {}
    for clause, offset in info.clauses:
        tightest[clause] = _tighter(tightest[clause], offset) if clause in tightest else offset
    return tuple(sorted(tightest.items(), key=_rank)[:MAX_CLAUSES]) or None


def required_clauses(pattern: str, flags: int = 0) -> tuple[Clause, ...] | None:
    """The clauses of `placed_clauses`, without their offsets."""
    placed = placed_clauses(pattern, flags)
    return None if placed is None else tuple(clause for clause, _ in placed)


# --- checking texts ------------------------------------------------------------------------------


def words_of(text: str) -> set[str]:
    """The distinct words (maximal runs of `\\w`) of a text, as the prefilter sees them."""
    return set(_WORD.findall(text))


_Check = tuple[str, tuple[int, ...]]  # a guarded substring and the clauses it satisfies
# What a word satisfies: clause ids, guarded substrings to search for, needle strings it holds.
_Entry = tuple[tuple[int, ...], tuple[_Check, ...], tuple[str, ...]]


class Prefilter:
    """Which of a list of patterns may match a text, from one pass over its words.

    Item i (the i-th pattern) is a candidate when each of its clauses has a needle that the text
    satisfies; an item without clauses is always a candidate. Per-word results are cached.
    """

    def __init__(self, patterns: Sequence[str | re.Pattern[str]]) -> None:
        """`patterns`: source strings (compiled without flags) or compiled patterns."""
        clause_ids: dict[Clause, int] = {}
        always: list[int] = []
        needs: list[tuple[int, ...]] = []  # clause ids per item
        offsets: list[tuple[tuple[int, int], ...]] = []  # (clause id, offset) when bounded
        pins: list[tuple[frozenset[str], int] | None] = []
        for i, pattern in enumerate(patterns):
            if isinstance(pattern, str):
                placed = placed_clauses(pattern)
            else:
                placed = placed_clauses(pattern.pattern, pattern.flags)
            if placed is None:
                always.append(i)
                needs.append(())
                offsets.append(())
                pins.append(None)
                continue
            ids = tuple(clause_ids.setdefault(c, len(clause_ids)) for c, _ in placed)
            needs.append(ids)
            offsets.append(tuple((c, o) for c, (_, o) in zip(ids, placed, strict=True) if o is not None))
            pins.append(_pin(placed))
        self._offsets = tuple(offsets)
        self._pins = tuple(pins)
        self.size = len(patterns)
        self.always = frozenset(always)
        self.clauses: tuple[Clause, ...] = tuple(clause_ids)
        self._needs = tuple(needs)
        owners: list[list[int]] = [[] for _ in clause_ids]
        for item, ids in enumerate(needs):
            for c in ids:
                owners[c].append(item)
        # Items with one clause become candidates with it; the others are checked when their
        # first clause is satisfied.
        self._single = tuple(tuple(i for i in o if len(needs[i]) == 1) for o in owners)
        self._multi = tuple(
            tuple(i for i in o if len(needs[i]) > 1 and needs[i][0] == c) for c, o in enumerate(owners)
        )
        self._need_sets = tuple(frozenset(n) for n in needs)
        # word -> clause ids it satisfies directly, and guarded substrings it asks to search for
        words: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
        guarded: tuple[dict[str, dict[str, set[int]]], dict[str, dict[str, set[int]]]] = ({}, {})
        unguarded: dict[str, set[int]] = {}
        for c, clause in enumerate(self.clauses):
            for kind, s, guard_kind, guard in clause:
                if kind != SUBSTR:
                    words[kind].setdefault(s, set()).add(c)
                elif guard_kind != NO_GUARD:
                    guarded[guard_kind].setdefault(guard, {}).setdefault(s, set()).add(c)
                else:
                    unguarded.setdefault(s, set()).add(c)
        self._tables = tuple(
            {
                w: (
                    tuple(sorted(words[kind].get(w, ()))),
                    tuple((s, tuple(sorted(ids))) for s, ids in sorted(guarded[kind].get(w, {}).items())),
                )
                for w in words[kind].keys() | guarded[kind].keys()
            }
            for kind in (TOKEN, PREFIX)
        )
        self._prefix_lengths = tuple(sorted({len(w) for w in self._tables[PREFIX]}))
        # Unguarded substrings that start with an ASCII character and hold only word characters
        # lie inside one word of the text: they are looked for in each new word. Other ones that
        # start with an ASCII character are searched for in every text; the rest only when a
        # character class search finds their first character in the text.
        infixes: list[_Check] = []
        ascii_first: list[_Check] = []
        by_first: dict[str, list[_Check]] = {}
        for s, clause_set in sorted(unguarded.items()):
            entry = (s, tuple(sorted(clause_set)))
            if s[0].isascii() and _WORD.fullmatch(s):
                infixes.append(entry)
            elif s[0].isascii():
                ascii_first.append(entry)
            else:
                by_first.setdefault(s[0], []).append(entry)
        self._infixes: dict[str, tuple[_Check, ...]] = {}  # by first character
        for entry in infixes:
            self._infixes[entry[0][0]] = (*self._infixes.get(entry[0][0], ()), entry)
        self._infix_firsts = frozenset(self._infixes)
        self._ascii_substrings = tuple(ascii_first)
        self._by_first = {ch: tuple(entries) for ch, entries in by_first.items()}
        self._first = (
            re.compile("[" + "".join(re.escape(ch) for ch in sorted(by_first)) + "]") if by_first else None
        )
        self._cache: dict[str, _Entry] = {}
        self._blank: set[str] = set()  # words known to satisfy no needle

    def _lookup(self, word: str) -> _Entry:
        """The clauses a word satisfies, the guarded substrings it asks to search for, and the
        needle strings it holds (itself, its prefixes, substrings inside it)."""
        found: set[int] = set()
        checks: set[_Check] = set()
        strings: set[str] = set()
        tokens, prefixes = self._tables
        keys = [word, *(word[:n] for n in self._prefix_lengths if n <= len(word))]
        for table, key in zip([tokens, *[prefixes] * (len(keys) - 1)], keys, strict=True):
            entry = table.get(key)
            if entry is not None:
                found.update(entry[0])
                checks.update(entry[1])
                strings.add(key)
        for first in self._infix_firsts.intersection(word):
            for s, ids in self._infixes[first]:
                if s in word:
                    found.update(ids)
                    strings.add(s)
        if not found and not checks:
            return (), (), ()
        return tuple(sorted(found)), tuple(sorted(checks)), tuple(sorted(strings))

    def hits(self, text: str, words: Iterable[str] | None = None) -> Hits:
        """The patterns that may match `text` and where their needles first occur (`words`: the
        text's distinct words, if known)."""
        if words is None:
            words = words_of(text)
        elif not isinstance(words, set | frozenset):
            words = set(words)
        hit: set[int] = set()
        hit_words: list[tuple[str, tuple[int, ...]]] = []  # words that satisfy needles
        present: set[str] = set()  # needle strings that occur in the text
        pending: set[_Check] = set()
        cache = self._cache
        blank = self._blank
        # Most words satisfy no needle: one set difference leaves the others (and new words).
        for word in words.difference(blank):
            entry = cache.get(word)
            if entry is None:
                entry = self._lookup(word)
                if len(cache) + len(blank) >= CACHE_LIMIT:
                    cache.clear()
                    blank.clear()
                if not entry[0] and not entry[1]:
                    blank.add(word)
                    continue
                cache[word] = entry
            found, checks, strings = entry
            if found:
                hit.update(found)
                hit_words.append((word, found))
                present.update(strings)
            pending.update(checks)
        placed: list[tuple[int, tuple[int, ...]]] = []  # substrings found: (position, clauses)
        substrings: list[Iterable[_Check]] = [pending, self._ascii_substrings]
        if self._first is not None and not text.isascii():
            substrings.extend(self._by_first[ch] for ch in set(self._first.findall(text)))
        for group in substrings:
            for s, found in group:
                position = text.find(s)
                if position != -1:
                    hit.update(found)
                    placed.append((position, found))
                    present.add(s)
        candidates = set(self.always)
        single, multi, needs = self._single, self._multi, self._need_sets
        for c in hit:
            candidates.update(single[c])
            for item in multi[c]:
                if needs[item] <= hit:
                    candidates.add(item)
        return Hits(candidates, text, present, hit_words, placed)

    def candidates(self, text: str, words: Iterable[str] | None = None) -> set[int]:
        """Ids of the patterns that may match `text` (a superset of those that do)."""
        return self.hits(text, words).candidates

    def scan_start(self, item: int, hits: Hits) -> int:
        """Where a scan for the item's matches may start in the text of `hits` (a candidate
        item): every match holds an occurrence of a needle of each clause at most the clause's
        offset after its start, and no needle occurs before its clause's first position."""
        start = 0
        offsets = self._offsets[item]
        if not offsets or len(hits.text) < MIN_SCAN_SKIP:
            return 0
        first = hits.first()
        for c, offset in offsets:
            bound = first.get(c, 0) - offset
            if bound > start:
                start = bound
        return start

    def match_starts(self, item: int, hits: Hits, any_length: bool = False) -> list[int] | None:
        """Every position where one of the item's matches may start in the text of `hits`, in
        order: at most its pin clause's offset before an occurrence of one of the clause's
        needle strings. None when that would be too many positions to try one by one, or the
        text is short (unless `any_length`): a scan of it costs less."""
        pin = self._pins[item]
        text = hits.text
        if pin is None or (len(text) < MIN_SCAN_SKIP and not any_length):
            return None
        strings, offset = pin
        limit = max(len(text) // PIN_DENSITY, PIN_MIN_LIMIT)
        found: list[int] = []
        find = text.find
        for string in strings.intersection(hits.present):  # the others are not in the text
            at = find(string)
            while at != -1:
                found.append(at)
                if len(found) > limit:
                    return None
                at = find(string, at + 1)
        if offset:
            return sorted({p for at in found for p in range(max(0, at - offset), at + 1)})
        return sorted(set(found))


def _pin(placed: Sequence[Placed]) -> tuple[frozenset[str], int] | None:
    """The needle strings of the clause that best pins down where matches start (the smallest
    offset, then the most selective), and its offset."""
    usable = [(offset, _rank((clause, offset))) for clause, offset in placed if offset is not None]
    usable = [u for u in usable if u[0] <= MAX_PIN_OFFSET]
    if not usable:
        return None
    offset, (_, needles, _) = min(usable)
    return frozenset(string for _, string, _, _ in needles), offset


class Hits:
    """What the prefilter found in one text: the items that may match it, and what it takes to
    tell where their needles first occur."""

    __slots__ = ("_first", "_hit_words", "_placed", "candidates", "present", "text")

    def __init__(
        self,
        candidates: set[int],
        text: str,
        present: set[str],
        hit_words: list[tuple[str, tuple[int, ...]]],
        placed: list[tuple[int, tuple[int, ...]]],
    ) -> None:
        self.candidates = candidates
        self.text = text
        self.present = present  # needle strings that occur in the text (and maybe others)
        self._hit_words = hit_words  # (word, clause ids it satisfies)
        self._placed = placed  # (position of a substring, clause ids it satisfies)
        self._first: dict[int, int] | None = None

    def first(self) -> dict[int, int]:
        """Satisfied clause id -> a lower bound on the position of its needles' first
        occurrence. A needle satisfied through a word occurs no earlier than the word's first
        occurrence; computed on first use."""
        if self._first is None:
            text = self.text
            placed = [(text.find(word), found) for word, found in self._hit_words]
            placed.extend(self._placed)
            placed.sort(reverse=True)  # the earliest last: each clause keeps its earliest position
            first: dict[int, int] = {}
            for position, found in placed:
                first.update(zip(found, repeat(position)))
            self._first = first
        return self._first


class Alternation:
    """A compiled alternation `(?:p1)|(?:p2)|...` of parts, run only as far as it can match.

    Its match at a position is the match there of the first part that matches there; a part
    that cannot match anywhere in a text can be left out. So on a text the alternation is
    emulated with the candidate parts alone: `regex.match` of each, in order, at each position
    where one of them may start a match. When those positions are unknown, it runs as a regex
    restricted to the candidate parts (compiled once per set of parts) from where the first
    match may start. Parts with groups keep the full regex: alone, their group numbers (and
    back-references) would differ.
    """

    def __init__(self, parts: Sequence[str], items: Sequence[int], full: re.Pattern[str]) -> None:
        self._parts = tuple(parts)
        self._items = tuple(items)  # each part's item id in the prefilter that covers it
        self.full = full
        try:
            compiled = tuple(re.compile(p, full.flags) for p in parts)
        except re.error:
            compiled = ()
        self._separable = len(compiled) == len(parts) and all(c.groups == 0 for c in compiled)
        self._compiled = compiled if self._separable else ()
        self._cache: dict[tuple[int, ...], re.Pattern[str]] = {}

    def _chosen(self, candidates: Container[int]) -> tuple[int, ...]:
        return tuple(k for k, item in enumerate(self._items) if item in candidates)

    def _restricted(self, chosen: tuple[int, ...]) -> re.Pattern[str]:
        if len(chosen) == len(self._parts) or not self._separable:
            return self.full
        regex = self._cache.get(chosen)
        if regex is None:
            if len(self._cache) >= 1024:
                self._cache.clear()
            regex = re.compile("|".join(f"(?:{self._parts[k]})" for k in chosen), self.full.flags)
            self._cache[chosen] = regex
        return regex

    def any_match(self, hits: Hits) -> bool:
        """Whether the alternation matches the text of `hits` anywhere: whether a part does."""
        chosen = self._chosen(hits.candidates)
        if not chosen:
            return False
        if self._separable:
            return any(self._compiled[k].search(hits.text) is not None for k in chosen)
        return self.full.search(hits.text) is not None

    def matches(self, hits: Hits, prefilter: Prefilter) -> Iterator[re.Match[str]]:
        """What `full.finditer(text)` yields on the text of `hits` (spans and matched text;
        a match may come from the part alone). `prefilter` covers the parts as `items` says."""
        chosen = self._chosen(hits.candidates)
        if not chosen:
            return iter(())
        emulated = self._emulated(chosen, hits, prefilter)
        if emulated is not None:
            return emulated
        start = min(prefilter.scan_start(self._items[k], hits) for k in chosen)
        return self._restricted(chosen).finditer(hits.text, start)

    def _emulated(
        self, chosen: tuple[int, ...], hits: Hits, prefilter: Prefilter
    ) -> Iterator[re.Match[str]] | None:
        """The matches, from the candidate parts at the positions where they may start (None:
        those positions are unknown, or the parts cannot run alone)."""
        if not self._separable:
            return None
        positions = _union(prefilter, [self._items[k] for k in chosen], hits)
        if positions is None:
            return None
        return _first_matches_at([self._compiled[k] for k in chosen], hits.text, positions)

    def sub(self, hits: Hits, prefilter: Prefilter, repl: Callable[[re.Match[str]], str]) -> str:
        """What `full.sub(repl, text)` returns on the text of `hits`."""
        text = hits.text
        chosen = self._chosen(hits.candidates)
        if not chosen:
            return text
        emulated = self._emulated(chosen, hits, prefilter)
        if emulated is None:
            return self._restricted(chosen).sub(repl, text)
        pieces: list[str] = []
        end = 0
        for match in emulated:  # none is empty, so sub replaces exactly these
            pieces.append(text[end : match.start()])
            pieces.append(repl(match))
            end = match.end()
        if not pieces:
            return text
        pieces.append(text[end:])
        return "".join(pieces)


def _union(prefilter: Prefilter, items: Sequence[int], hits: Hits) -> list[int] | None:
    """Where a match of any of the items may start (None: unknown, or too many places)."""
    positions: set[int] = set()
    for item in items:
        starts = prefilter.match_starts(item, hits, any_length=True)
        if starts is None:
            return None
        positions.update(starts)
    return sorted(positions)


def _first_matches_at(
    regexes: Sequence[re.Pattern[str]], text: str, positions: list[int]
) -> Iterator[re.Match[str]]:
    """The matches that `finditer` of the alternation of `regexes` finds when no match starts
    outside `positions` (sorted): at each position not inside an earlier match, the match of
    the first regex that matches there."""
    end = 0
    for position in positions:
        if position < end:
            continue
        for regex in regexes:
            found = regex.match(text, position)
            if found is not None:
                if found.end() == position:  # finditer treats empty matches differently
                    raise RuntimeError(f"{regex.pattern!r} matched the empty string despite its literals")
                yield found
                end = found.end()
                break


@dataclass(frozen=True, slots=True)
class LexiconIndex:
    """The prefilter of one compiled lexicon, over all its patterns: the rules (in the order of
    `Lexicon.rules`, ids 0 to `rule_count` - 1), then the parts of each cue, then the hard
    negatives. One check of a text's words tells which of them may match it."""

    prefilter: Prefilter
    rules: tuple[re.Pattern[str], ...]
    cues: dict[str, Alternation]
    negatives: Alternation | None

    @property
    def rule_count(self) -> int:
        return len(self.rules)

    @classmethod
    def build(
        cls,
        rules: Sequence[re.Pattern[str]],
        cue_parts: Mapping[str, Sequence[str]],
        cues: Mapping[str, re.Pattern[str]],
        negative_parts: Sequence[str],
        negatives: re.Pattern[str] | None,
    ) -> LexiconIndex:
        """`cues[name]` and `negatives` are the alternations of `cue_parts[name]` and of
        `negative_parts`, as `Alternation` describes."""
        patterns: list[str | re.Pattern[str]] = list(rules)
        alternations: dict[str, Alternation] = {}
        for name, parts in cue_parts.items():
            alternations[name] = Alternation(
                parts, range(len(patterns), len(patterns) + len(parts)), cues[name]
            )
            patterns.extend(_with_flags(parts, cues[name].flags))
        negative_alternation = None
        if negatives is not None:
            items = range(len(patterns), len(patterns) + len(negative_parts))
            negative_alternation = Alternation(negative_parts, items, negatives)
            patterns.extend(_with_flags(negative_parts, negatives.flags))
        return cls(Prefilter(patterns), tuple(rules), alternations, negative_alternation)

    def fits(
        self,
        rules: Sequence[Any],
        cues: Mapping[str, re.Pattern[str]],
        negatives: re.Pattern[str] | None,
    ) -> bool:
        """Whether this index was built for exactly these compiled rules, cues and negatives."""
        return (
            len(rules) == len(self.rules)
            and all(rule.regex is regex for rule, regex in zip(rules, self.rules, strict=True))
            and cues.keys() == self.cues.keys()
            and all(cues[name] is alternation.full for name, alternation in self.cues.items())
            and negatives is (self.negatives.full if self.negatives is not None else None)
        )

    def hits(self, text: str, words: Iterable[str] | None = None) -> Hits:
        """Which patterns may match `text`, and from where (`words`: its distinct words)."""
        return self.prefilter.hits(text, words)

    def candidates(self, text: str, words: Iterable[str] | None = None) -> set[int]:
        """Ids of the patterns that may match `text` (`words`: its distinct words, if known)."""
        return self.prefilter.candidates(text, words)

    def rule_matches(self, item: int, regex: re.Pattern[str], hits: Hits) -> Iterator[re.Match[str]]:
        """What `regex.finditer(text)` yields for the candidate rule `item` on the text of `hits`,
        looked for only where matches may start."""
        text = hits.text
        if len(text) < MIN_SCAN_SKIP:
            return regex.finditer(text)
        prefilter = self.prefilter
        positions = prefilter.match_starts(item, hits)
        if positions is not None:
            return _first_matches_at((regex,), text, positions)
        return regex.finditer(text, prefilter.scan_start(item, hits))

    def cue_matches(self, name: str, hits: Hits) -> Iterator[re.Match[str]]:
        """The matches of the cue's regex in the text of `hits` (none if no pack defines it)."""
        alternation = self.cues.get(name)
        return iter(()) if alternation is None else alternation.matches(hits, self.prefilter)

    def cue_present(self, name: str, hits: Hits) -> bool:
        """Whether the cue's regex matches the text of `hits` anywhere."""
        alternation = self.cues.get(name)
        return alternation is not None and alternation.any_match(hits)

    def mask(self, hits: Hits, blank: Callable[[re.Match[str]], str]) -> str:
        """The text of `hits` with `blank` applied to every hard-negative match, as
        `negatives.sub(blank, text)` would return it."""
        if self.negatives is None:
            return hits.text
        return self.negatives.sub(hits, self.prefilter, blank)


def _with_flags(parts: Sequence[str], flags: int) -> list[str | re.Pattern[str]]:
    """The parts of an alternation compiled with `flags`, as the prefilter analyses them (a part
    that does not compile alone is left as a string: it cannot be analysed, so it always runs)."""
    out: list[str | re.Pattern[str]] = []
    for part in parts:
        try:
            out.append(re.compile(part, flags))
        except re.error:
            out.append(part)
    return out
