"""Organisations tied to a person: an employer, a school, a club ("I work at …", "a student at …").

An organisation named on its own ("compare Siemens and ABB") says nothing about anyone; the
same name after "I work at" narrows a person down to its staff. So ORGANIZATION counts only
right after such a cue: this recogniser reports the capitalised name that follows one (the
small NER model misses many firm names), and `tied_to_person` is the test the `strict` policy
applies to the NER model's ORGANIZATION spans.
"""

from __future__ import annotations

import regex as re

from wildchat.curate.pii.recognizers.base import CASE_SENSITIVE, GroupPatternRecognizer

_ROLES = (
    r"(?:student|teacher|professor|lecturer|nurse|doctor|engineer|developer|designer|manager|intern|"
    r"analyst|consultant|accountant|lawyer|researcher|volunteer|employee|member|director|ceo|cto|cfo|"
    r"founder|co-?founder|owner|partner|chef|cashier|driver|pharmacist|architect|officer|clerk|"
    r"recruiter|assistant|secretary|technician|scientist|head|coach|principal)"
)
# Each cue ends where the organisation's name may start (after an optional "the").
_CUE = (
    r"(?i:"
    r"(?:i|we|he|she|they|who) (?:(?:currently|still|now|also) )?"
    r"(?:work|works|worked|am working|is working|was working|intern|interned|study|studied|teach|taught)"
    r" (?:at|for|with)"
    r"|(?:now |currently |still )?(?:works|worked|working|employed|interning|studying|teaching)"
    r" (?:at|for|by|with)"
    r"|(?:job|position|role|internship|career|placement|contract) (?:at|with)"
    r"|(?:graduated|graduating) from|joined|joining|hired by"
    r"|(?:my|our|his|her|their)"
    r" (?:employer|company|firm|school|university|college|workplace|team at)(?: is|,)?"
    r"|" + _ROLES + r" (?:at|of|with|from)"
    r"|(?:complain|complained|complaining|complaint) (?:about|to|against)|(?:customer|client) of"
    r"|(?:account|subscription|membership) (?:at|with)"
    r")"
)
_LOWER_PARTS = (
    r"(?:and|y|e|et|und|en|of|the|for|de|del|della|di|da|do|dos|das|du|van|der|von|la|le|"
    r"asociados|hijos|filhos|figli|s\.r\.l\.|s\.p\.a\.|s\.a\.|srl|spa|sp\. ?k\.|sp\. ?j\.|sp\.|z o\.o\.)"
)
_WORD = r"\p{Lu}[\p{L}\p{M}\d'’&.\-]*"
_NAME = (
    r"(?P<value>"
    + _WORD
    + r"(?:(?:,? | ?& |-)(?:"
    + _LOWER_PARTS
    + r" )?(?:"
    + _WORD
    + r"|"
    + _LOWER_PARTS
    + r"(?![\p{L}])))"
    + r"{0,6}|[\p{Han}\p{Katakana}\p{Hiragana}ー]{2,16})"
)
_PATTERN = r"(?<![\w])" + _CUE + r" (?:(?i:the) )?" + _NAME

# What `tied_to_person` accepts: a cue ending at most "the " before the span.
_CUE_BEFORE = re.compile(_CUE + r" (?:(?i:the) )?$", CASE_SENSITIVE)
_CUE_WINDOW = 60

# Capitalised words that follow such cues without naming an organisation.
_NOT_ORGANISATIONS = frozenset(
    {"home", "night", "weekends", "least", "first", "last", "all", "it", "this", "that", "my", "our", "a"}
)


def tied_to_person(text: str, start: int) -> bool:
    """Whether an organisation starting at `start` follows a cue that ties it to a person."""
    return _CUE_BEFORE.search(text[max(0, start - _CUE_WINDOW) : start]) is not None


class CuedOrganizationRecognizer(GroupPatternRecognizer):
    """ORGANIZATION: the capitalised name right after "I work at", "a student at", "my employer", …"""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="ORGANIZATION",
            patterns=[(_PATTERN, 0.5)],
            supported_language=supported_language,
            name="CuedOrganizationRecognizer",
        )

    def accept(self, value: str, text: str, start: int) -> bool:
        return value.split()[0].lower() not in _NOT_ORGANISATIONS
