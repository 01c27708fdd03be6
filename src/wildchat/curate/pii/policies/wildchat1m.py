"""The WildChat-1M rules, as the paper's authors applied them to Presidio's output.

Only five entity types are ever replaced; every other type Presidio reports is left in the
text. A span is replaced only if it is rare across the corpus (document frequency below 50
conversations for names, 10 for the rest) and passes its type's shape and context rules.
Document frequency counts every detection of the type (cued or not), keyed by the stripped,
lower-cased span. A build still runs NER only where a name could be replaced (`ner_gate`), and
counts the other mentions of those names afterwards (`PiiStage.count_deferred`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

import regex
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
)

from wildchat.curate.pii.entities import DetectedEntity
from wildchat.curate.pii.languages import ENGLISH
from wildchat.curate.pii.policies.base import Policy
from wildchat.curate.pii.prefilters import (
    Prefilter,
    at_least_13_digits,
    contains_any,
    has_at,
    phone_shaped_run,
)

PERSON_LIMIT = 50  # a name in 50 or more conversations is treated as public (a celebrity)
OTHER_LIMIT = 10

_QUOTES = ('"', "'")

# "my name is", "I am", "I'm", "this is" must end right before the name; the others may be
# anywhere in the 20 characters before it.
_IMMEDIATE_CUES = ("my name is ", "i am ", "i'm ", "this is ")
_NEARBY_CUES = (
    "best,",
    "best regard",
    "best wish",
    "sincerely,",
    "regards",
    "thanks,",
    "thanks ",
    "yours ",
    "yours,",
    "faithfully,",
    "cheers,",
    "take care,",
    "dear ",
    "hello ",
    "hi ",
)
_NAME_PUNCTUATION = frozenset(string.punctuation + "’，") - {".", "-"}
_CUE_WINDOW = 20  # characters before a name in which a cue must appear

# `ner_gate`: where a replaceable name could start. Cues are found case-insensitively in the
# original text (case folding matches everything `.lower()` would, and a little more, which
# only makes the gate more permissive), overlapping matches included; a name's first character
# is never a space (stdlib `\s` is exactly `str.isspace`), a digit, punctuation or an ASCII
# lower-case letter (see `_person_ok`).
_IMMEDIATE_CUE = regex.compile("|".join(regex.escape(c) for c in _IMMEDIATE_CUES), regex.IGNORECASE)
_NEARBY_CUE = regex.compile("|".join(regex.escape(c) for c in _NEARBY_CUES), regex.IGNORECASE)
_NAME_START = re.compile(r"[^\sa-z\d" + re.escape("".join(sorted(_NAME_PUNCTUATION | {".", "-"}))) + "]")

_PHONE_CHARS = frozenset("0123456789-+() ")
_PHONE_CUES = (" m:", "\nm:", "tel.", "tel:", "tel ", "phone", "whatsapp", "wechat", "电话", "手机")
_JSON_PHONE_KEYS = ('phone":', "phone':", 'number":', "number':")

# Substrings of the lower-cased address that mark a placeholder or a role account.
_EMAIL_PLACEHOLDERS = (
    "@example.com",
    "webmaster@",
    "login@",
    "@login.com",
    "@xxxxx.com",
    "@xxxx.com",
    "@xxx.com",
    "@xx.com",
    "@x.com",
    "abcdefg@",
    "info@",
    "feedback@",
    "partners@",
    "@companyname.com",
    "events@",
    "orders@",
    "shipping@",
    "quality@",
    "reservations@",
    "inquiries@",
    "complaints@",
    "contact@",
    "computer@",
    "test@",
    "email@",
    "@domain.com",
    "@email.com",
)


def _preceded_by_quote(text: str, start: int) -> bool:
    # As in the original rule: at offset 0 this looks at the span's own first character.
    return text[max(0, start - 1)] in _QUOTES


def _person_shape_ok(span: str) -> bool:
    """Rules on the span alone that do not depend on case: usable before counting."""
    if "\n" in span or any(ch.isdigit() for ch in span):
        return False
    if any(ch in _NAME_PUNCTUATION for ch in span):
        return False
    return len(span.split()) >= 2


def _names_exempt(text: str) -> bool:
    """Whole messages that are role-play or fiction prompts: their names are characters."""
    return (
        text.lower().startswith("meow")
        or (text[:1] == "[" and "]" in text[:20])
        or "write a story" in text[:20]
    )


def _person_ok(span: str, text: str, start: int) -> bool:
    if not _person_shape_ok(span) or " the " in span or span.strip() != span or len(span) <= 1:
        return False
    if span[1] in ". " or span[0] in ".-" or span[-1] in ".-" or "- " in span or " -" in span:
        return False
    if "a" <= span[0] <= "z":
        return False
    if _names_exempt(text):
        return False
    before = text[max(0, start - _CUE_WINDOW) : start].lower()
    return any(before.endswith(cue) for cue in _IMMEDIATE_CUES) or any(cue in before for cue in _NEARBY_CUES)


def _may_hold_cued_name(text: str) -> bool:
    """A necessary condition of `_person_ok` for some span of `text` (tests check it against NER).

    An immediate cue must end where the name starts; a nearby cue must lie wholly within the
    20 characters before it. So some cue must be followed, at a place the rules allow, by a
    character a name can start with.
    """
    for match in _IMMEDIATE_CUE.finditer(text, overlapped=True):
        if _NAME_START.match(text, match.end()):
            return True
    for match in _NEARBY_CUE.finditer(text, overlapped=True):
        if _NAME_START.search(text, match.end(), match.start() + _CUE_WINDOW + 1):
            return True
    return False


def _phone_shape_ok(span: str) -> bool:
    if len(span) <= 8 or "  " in span:
        return False
    if "192.168." in span or "127.0." in span or "255.255." in span:
        return False
    return all(ch in _PHONE_CHARS for ch in span)


def _phone_ok(span: str, text: str, start: int) -> bool:
    if not _phone_shape_ok(span):
        return False
    before = text[max(0, start - 20) : start]
    before_lower = before.lower()
    json_like = "{" in text and "}" in text and any(key in before_lower for key in _JSON_PHONE_KEYS)
    for cue in _PHONE_CUES:
        if cue in before_lower and not (cue == "phone" and json_like):
            return True
    # An international number written after a space: "+44 20 7946 0958".
    return span[0] == "+" and span[1].isdigit() and before[-1:] in (" ", "\n", "\t")


def _email_shape_ok(span: str) -> bool:
    lowered = span.lower()
    if any(marker in lowered for marker in _EMAIL_PLACEHOLDERS):
        return False
    return not lowered.startswith("your@") and "/" not in span


def _email_ok(span: str, text: str, start: int) -> bool:
    return _email_shape_ok(span) and '"email":' not in text[max(0, start - 20) : start].lower()


class WildChat1MPolicy(Policy):
    """`wildchat-1m`: PERSON, PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD and LinkedIn URLs only."""

    name = "wildchat-1m"
    ner_entities = frozenset({"PERSON"})
    # No score threshold: Presidio's context words could only change scores, so they are
    # not computed (saves building lemma lists for every message).
    uses_context = False

    def pattern_recognizers(self, language: str) -> list[EntityRecognizer]:
        # The recognisers (and only those) whose types the rules replace.
        return [
            PhoneRecognizer(supported_language=language),
            EmailRecognizer(supported_language=language),
            CreditCardRecognizer(supported_language=language),
            UrlRecognizer(supported_language=language),
        ]

    @property
    def pattern_entities(self) -> frozenset[str]:
        return frozenset({"PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "URL"})

    @property
    def prefilters(self) -> Mapping[str, Prefilter]:
        return {
            "EMAIL_ADDRESS": has_at,
            # Only 9+-character runs of digits, spaces, -, (, ) and + are ever replaced or counted.
            "PHONE_NUMBER": phone_shaped_run,
            "CREDIT_CARD": at_least_13_digits,
            # Only LinkedIn profile URLs are ever replaced or counted.
            "URL": contains_any("linkedin.com/in/"),
        }

    def ner_gate(self, text: str, language: str) -> bool:
        # Names are replaced only in English messages, after a cue, outside role-play prompts.
        return language == ENGLISH and not _names_exempt(text) and _may_hold_cued_name(text)

    def frequent_limit(self, entity_type: str) -> int:
        return PERSON_LIMIT if entity_type == "PERSON" else OTHER_LIMIT

    def keep(self, entity_type: str, text: str, start: int, end: int) -> bool:
        # Drop spans that no message could ever replace, by rules that ignore case (the
        # count key is lower-cased, so a case-dependent rule could differ between mentions).
        span = text[start:end]
        if entity_type == "PERSON":
            return _person_shape_ok(span.strip())
        if entity_type == "PHONE_NUMBER":
            return _phone_shape_ok(span)
        if entity_type == "EMAIL_ADDRESS":
            return _email_shape_ok(span)
        if entity_type == "URL":
            return "linkedin.com/in/" in span.lower()
        return entity_type == "CREDIT_CARD"

    def rejection(
        self, entity: DetectedEntity, text: str, language: str, doc_freq: Mapping[str, int]
    ) -> str | None:
        span, start = entity.text, entity.start
        if entity.type == "PERSON":
            if language != ENGLISH:
                return "not-english"
            ok = not _preceded_by_quote(text, start) and _person_ok(span, text, start)
        elif entity.type == "PHONE_NUMBER":
            ok = _phone_ok(span, text, start) and not _preceded_by_quote(text, start)
        elif entity.type == "EMAIL_ADDRESS":
            ok = _email_ok(span, text, start) and not _preceded_by_quote(text, start)
        elif entity.type == "CREDIT_CARD":
            ok = "card" in text[max(0, start - 50) : entity.end + 50].lower()
        elif entity.type == "URL":
            ok = "linkedin.com/in/" in span
        else:
            return "type-not-redacted"
        if not ok:
            return "rule"
        # Counted after the rules: a build counts exactly only the spans the rules accept
        # somewhere (the rest may be deferred), so no other span's reason may depend on counts.
        limit = self.frequent_limit(entity.type)
        return "frequent" if doc_freq.get(self.span_key(entity), 0) >= limit else None
