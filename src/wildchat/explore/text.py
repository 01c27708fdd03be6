"""How message text is prepared for the index: the separators and markers, and CJK bigrams.

SQLite's unicode61 tokenizer splits on spaces and punctuation, which is right for most scripts
but not for those written without spaces between words: a whole Chinese sentence becomes one
token, so searching for a word inside it finds nothing. Such runs of text (Han, kana, Hangul,
Thai, Lao, Khmer, Myanmar, Tibetan) are also indexed as overlapping character bigrams, the
approach of Lucene's CJK analyzer: "我喜欢猫" → "我喜 喜欢 欢猫 猫". A query word in those
scripts becomes the phrase of its bigrams, so one- and two-character words are found too (a
trigram index cannot match fewer than three characters), and only the text in those scripts
pays for the second index. docs/explore.md has the comparison.
"""

from __future__ import annotations

import re

import regex

# Private-use characters: unicode61 treats them as token characters, so MESSAGE_BREAK between
# two messages (with spaces around it) is a token of its own and no phrase can span two
# messages. The snippet markers are passed to FTS5's snippet(); dataset text never contains
# them because the index view replaces them (see schema.py) before text reaches the tokenizer.
MESSAGE_BREAK = "\ue000"
MARK_OPEN = "\ue001"
MARK_CLOSE = "\ue002"
RESERVED = (MESSAGE_BREAK, MARK_OPEN, MARK_CLOSE)
MESSAGE_SEPARATOR = f"\n{MESSAGE_BREAK}\n"

# Unicode blocks of scripts written without spaces between words (their combining marks and
# the kana length mark lie inside the same blocks): Thai, Lao, Tibetan, Myanmar, Hangul Jamo,
# Khmer, kana, CJK ideographs, Hangul syllables, compatibility ideographs, halfwidth kana and the
# supplementary ideographs. Plain `re` on explicit ranges: several times faster than \p{Han}.
_UNSPACED_CLASS = (
    "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
UNSPACED_RUN = re.compile(f"[{_UNSPACED_CLASS}]+")
_HAS_UNSPACED = re.compile(f"[{_UNSPACED_CLASS}]")
# What unicode61 (categories 'L* N* Co M*') keeps as part of a token.
WORD_CHARACTER = regex.compile(r"[\p{L}\p{N}\p{M}\p{Co}]")


def has_unspaced(text: str) -> bool:
    return not text.isascii() and _HAS_UNSPACED.search(text) is not None


def run_bigrams(run: str) -> list[str]:
    """The bigrams of one run, then its last character alone (so a one-character query, run as
    a prefix query, finds the character wherever it stands)."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def bigram_text(text: str | None) -> str | None:
    """The bigram tokens of every unspaced run in `text`, in order (None when it has none).

    No bigram spans two runs, so a query phrase cannot join text that was not adjacent.
    """
    if not text or not has_unspaced(text):
        return None
    return " ".join(" ".join(run_bigrams(match.group())) for match in UNSPACED_RUN.finditer(text))


def clean_reserved(text: str) -> str:
    """Dataset text with the reserved characters replaced, as the index view does in SQL."""
    for char in RESERVED:
        text = text.replace(char, "\ufffd")
    return text
