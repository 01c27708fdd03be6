"""Text normalisation before matching: one lower-case form that lexicons can be written against."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "ё": "е"})
_APOSTROPHE_CHARS = ("\u2019", "\u2018", "`", "\u00b4", "ё")
# Digits and symbols used in place of letters *inside* a word ("b1tch", "sh!t", "a$$").
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "!": "i", "|": "i"}
_LEET_INSIDE = re.compile(r"(?<=[a-z])[0134@$!|5]+(?=[a-z])|(?<=[a-z])\$+")
_LEET_CHARS = tuple(_LEET)
# Every match of _LEET_INSIDE starts right after a letter a-z with one of these characters.
_LEET_START = re.compile(r"[a-z][0134@$!|5]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # "fuuuuck" -> "fuck"; letters only, so "1000" stays
_SPACES = re.compile(r"[ \t\u00a0]+")
_WORD = re.compile(r"\w+")
_REPEATS_CACHE_LIMIT = 100_000
_without_repeats: set[str] = set()  # words known to hold no letter three times in a row
_with_repeats: set[str] = set()  # words known to hold one


def _unleet(match: re.Match[str]) -> str:
    return "".join(_LEET.get(ch, ch) for ch in match.group(0))


def normalize(text: str) -> str:
    """NFKC, case-folded (German ß -> ss), ё -> е, de-obfuscated, repeated letters collapsed.

    Newlines are kept (they end sentences); runs of spaces become one. Offsets change, so
    matching runs on this form only.
    """
    return normalize_with_words(text)[0]


def normalize_with_words(text: str) -> tuple[str, set[str]]:
    """`normalize(text)` and its distinct words (maximal runs of `\\w`), found along the way.

    Each step is skipped when a cheap test shows it would change nothing, so the result is
    exactly that of `normalize_reference`.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if any(ch in folded for ch in _APOSTROPHE_CHARS):
        folded = folded.translate(_APOSTROPHES)
    if any(ch in folded for ch in _LEET_CHARS) and _LEET_START.search(folded):
        folded = _LEET_INSIDE.sub(_unleet, folded)
    words = set(_WORD.findall(folded))
    # A run of three equal letters lies inside one word: without such a word, nothing collapses.
    if _any_repeats(words):
        folded = _REPEATS.sub(r"\1", folded)
        words = set(_WORD.findall(folded))
    # Collapsing spaces, tabs and no-break spaces leaves the words as they are.
    if "  " in folded or "\t" in folded or "\u00a0" in folded:
        folded = _SPACES.sub(" ", folded)
    return folded, words


def _any_repeats(words: set[str]) -> bool:
    """Whether a word holds a letter three times in a row (per-word answers are cached)."""
    new = words.difference(_without_repeats)
    if not new:
        return False
    if not new.isdisjoint(_with_repeats):
        return True
    found = False
    if len(_without_repeats) + len(_with_repeats) >= _REPEATS_CACHE_LIMIT:
        _without_repeats.clear()
        _with_repeats.clear()
    for word in new:
        if _REPEATS.search(word) is None:
            _without_repeats.add(word)
        else:
            _with_repeats.add(word)
            found = True
    return found


def normalize_reference(text: str) -> str:
    """The straightforward `normalize`, kept as the reference the optimised path must equal."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    folded = _LEET_INSIDE.sub(_unleet, folded)
    folded = _REPEATS.sub(r"\1", folded)
    return _SPACES.sub(" ", folded)
