"""Ages: "I'm 34", "aged 34", "a 34-year-old", "age: 34", "her 65th birthday".

An age narrows a person down as a date of birth does. spaCy tags "34 years old" as a DATE but
misses the bare forms; these patterns report only the number, and only where the words around
it say it is an age (a number after "I'm" must end the clause: "I'm 34." but not "I'm 5 minutes").
"""

from __future__ import annotations

from wildchat.curate.pii.recognizers.base import GroupPatternRecognizer

_N = r"(?P<value>(?:1[01]\d|[1-9]?\d))(?!\d)"
_SUBJECT = r"(?i:i am|i'm|i’m|im|he is|he's|she is|she's|they are|you are|you're|who is)"
_CLAUSE_END = r"(?= *(?:[.,;:!?)\n]|$| (?:and|but|now|today|soon|this|next|from|in|with|so)\b))"
_UNIT = r"(?i:[ \t\-]?(?:years?|yrs?|yo)(?:[ \t\-]?old)?\b| ?y/o\b| ?y\.o\.)"

_PATTERNS = [
    (
        r"(?<![\w])" + _SUBJECT + r" (?:(?i:only|just|almost|nearly|about|now) )?" + _N + _CLAUSE_END,
        0.5,
    ),
    (r"(?<![\w.,])" + _N + _UNIT, 0.6),
    (
        r"(?<![\w])(?i:aged|age ?:|age is|ages|turns?|turned|turning|at the age of) ?" + _N,
        0.6,
    ),
    (r"(?<![\w])(?i:since|when) (?i:i|he|she|they|we) (?i:was|were) " + _N + _CLAUSE_END, 0.5),
    (r"(?<![\w.,])" + _N + r"(?i:st|nd|rd|th) (?i:birthday)", 0.6),
    # "Maria Rossi, 34, starts on Monday": a capitalised name, the number between commas.
    (r"(?<=\p{Lu}\p{Ll}+), " + _N + r", (?=\p{Ll})", 0.4),
]


class AgeRecognizer(GroupPatternRecognizer):
    """AGE: the number in a statement of someone's age."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="AGE",
            patterns=_PATTERNS,
            supported_language=supported_language,
            name="AgeRecognizer",
        )
