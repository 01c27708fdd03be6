"""Text normalisation before matching: one lower-case form that lexicons can be written against."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "ё": "е"})
# Digits and symbols used in place of letters *inside* a word ("b1tch", "sh!t", "a$$").
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "!": "i", "|": "i"}
_LEET_INSIDE = re.compile(r"(?<=[a-z])[0134@$!|5]+(?=[a-z])|(?<=[a-z])\$+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # "fuuuuck" -> "fuck"; letters only, so "1000" stays
_SPACES = re.compile(r"[ \t\u00a0]+")


def _unleet(match: re.Match[str]) -> str:
    return "".join(_LEET.get(ch, ch) for ch in match.group(0))


def normalize(text: str) -> str:
    """NFKC, case-folded (German ß -> ss), ё -> е, de-obfuscated, repeated letters collapsed.

    Newlines are kept (they end sentences); runs of spaces become one. Offsets change, so
    matching runs on this form only.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    folded = _LEET_INSIDE.sub(_unleet, folded)
    folded = _REPEATS.sub(r"\1", folded)
    return _SPACES.sub(" ", folded)
