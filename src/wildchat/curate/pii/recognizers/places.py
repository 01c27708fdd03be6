"""Places tied to a person: "I live in …", "she grew up in …", "born in …", "moved to …".

The small NER model knows big cities and countries; it misses towns, and places outside the
English-speaking world. The sentence still says a place follows, so the capitalised words after
such a cue are reported as LOCATION (with ", Country" when it follows), unless the first is an
ordinary word ("I live in Hope", no; "I live in Spain", yes; "moved to January", no).
"""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from wildchat.curate.pii.recognizers.base import GroupPatternRecognizer

_CUES = (
    r"(?i:(?:live|lives|lived|living|reside|resides|residing|resident|based|located|born|raised|"
    r"grew up|growing up|stay|staying|stayed|settled|hotel|flat|apartment|house|branch|office|"
    r"station|airport|bakery|shop|store|school|clinic|hospital) (?:in|near|at the \w+ in)"
    r"|(?:moved|moving|move|relocated|relocating|travel|travelling|traveling|trip|flight|fly|flying|"
    r"going|drive|driving|emigrated|commute|commuting) (?:to|from|back to)"
    r"|(?:am|'m|’m|is|are|was|were|come|comes|came|hail|hails) from"
    r"|(?:pack|packing) for|visit|visiting|near|around|outside|city of|town of|village of"
    # "born on 3 May 1990 in Porto": a few words may sit between the verb and "in".
    r"|(?:born|raised|grew up|lives|lived|living)[^.\n,;]{1,30}? in)"
)
_PARTICLE = (
    r"(?:de|del|della|di|da|do|dos|das|du|la|le|les|el|en|am|an|der|den|van|von|upon|on|sur|bei|im|'s)"
)
# A full stop belongs to a word only as an abbreviation ("St. Albans"), not a sentence's end.
_WORD = r"(?:\p{Lu}\p{Ll}{0,2}\.(?= \p{Lu})|\p{Lu}[\p{L}\p{M}'’\-]*|'s-\p{Lu}[\p{L}\p{M}\-]*)"
_NAME = _WORD + r"(?: (?:" + _PARTICLE + r" )?" + _WORD + r"){0,3}"
# A postcode may come first: "near 10115 Berlin", "near 31-322 Lubartów".
_POSTCODE = r"(?:\d{5}(?:-\d{3,4})?|\d{4} ?[A-Z]{2}|\d{2}-\d{3}|\d{3} \d{2}|\d{4,6}|[A-Z]\d[A-Z] ?\d[A-Z]\d) "
_PLACE = r"(?P<value>(?:" + _POSTCODE + r")?" + _NAME + r"(?:, " + _NAME + r")?)(?![\p{L}\d])"

_PATTERNS = [
    (r"(?<![\w])" + _CUES + r" +" + _PLACE, 0.5),
    # "I'm Ana Lima from Porto": a capitalised name, then "from".
    (r"(?<=\p{Lu}[\p{Ll}\p{M}]+,? )from +" + _PLACE, 0.4),
]

# Capitalised words that follow such cues without naming a place.
_NOT_PLACES = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "christmas",
        "easter",
        "today",
        "tomorrow",
        "tonight",
        "home",
        "work",
        "school",
        "college",
        "university",
        "church",
        "bed",
        "here",
        "there",
        "python",
        "java",
        "windows",
        "linux",
        "excel",
        "chatgpt",
        "google",
        "please",
        "thanks",
        "hello",
        "dear",
        "mr",
        "mrs",
        "ms",
        "dr",
    }
)


class CuedPlaceRecognizer(GroupPatternRecognizer):
    """LOCATION: the capitalised place name right after "live in", "born in", "moved to", …"""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="LOCATION",
            patterns=_PATTERNS,
            supported_language=supported_language,
            name="CuedPlaceRecognizer",
        )

    def accept(self, value: str, text: str, start: int) -> bool:
        words = [w for w in value.split() if not any(ch.isdigit() for ch in w)]
        if not words:
            return False
        first = words[0].rstrip(".,").lower()
        return first not in _NOT_PLACES and first not in STOP_WORDS
