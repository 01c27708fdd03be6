"""Dates and times Presidio's date patterns and the small NER model miss.

Presidio's DateRecognizer reads numeric dates ("03/14/1987", "1987-03-14"); spaCy reads most
written ones but not all ("Jul 05 2025", "born Sep 04 1966"), and neither reads a clock time
after "at". These patterns add written dates with a month name and a year, and times that
follow a word that introduces one ("at 17:30", "from 9am").
"""

from __future__ import annotations

from wildchat.curate.pii.recognizers.base import GroupPatternRecognizer

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d{2}|20\d{2})"
_TIME = r"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?:[ \t]?(?i:[ap]\.?m\.?))?|(?:1[0-2]|0?[1-9])[ \t]?(?i:[ap]\.?m\.?))"

_PATTERNS = [
    (r"(?<![\w])(?P<value>" + _MONTH + r"[ \t]" + _DAY + r",?[ \t]" + _YEAR + r")(?![\w])", 0.6),
    (r"(?<![\w])(?P<value>" + _DAY + r"[ \t](?:of[ \t])?" + _MONTH + r",?[ \t]" + _YEAR + r")(?![\w])", 0.6),
    (
        r"(?<![\w])(?i:at|from|until|till|by|before|after|around|between|and|to)[ \t]"
        r"(?P<value>" + _TIME + r")(?![\w:])",
        0.5,
    ),
]


class DateTimeRecognizer(GroupPatternRecognizer):
    """DATE_TIME: "Jul 05 2025", "4th of July 1990", and a time after "at", "from", "until", …"""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="DATE_TIME",
            patterns=_PATTERNS,
            supported_language=supported_language,
            name="DateTimeRecognizer",
        )
