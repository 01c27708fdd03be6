"""Cheap necessary conditions: if one fails on a text, that entity's recognisers cannot fire.

Each check is a plain substring or digit count that every match of the recognisers behind
the entity must contain, so skipping the recogniser never loses a detection; tests run the
fast and the full path over the same texts and compare. The text is passed twice, as is
and lower-cased, so the lower-casing is paid once per message.
"""

from __future__ import annotations

from collections.abc import Callable

import regex as re

Prefilter = Callable[[str, str], bool]  # (text, lowered text) -> may the recognisers match?

_DIGIT = re.compile(r"\d")


def _at_least_digits(count: int) -> Prefilter:
    # \d and \D are disjoint, so this scans once without backtracking.
    pattern = re.compile(r"\d(?:\D*\d){" + str(count - 1) + "}")

    def check(text: str, lowered: str) -> bool:
        return pattern.search(text) is not None

    return check


def has_digit(text: str, lowered: str) -> bool:
    return _DIGIT.search(text) is not None


def has_at(text: str, lowered: str) -> bool:
    return "@" in text


def always(text: str, lowered: str) -> bool:
    return True


def contains_any(*markers: str) -> Prefilter:
    """Lower-case markers; the check runs on the lowered text."""

    def check(text: str, lowered: str) -> bool:
        return any(marker in lowered for marker in markers)

    return check


def ip_shaped(text: str, lowered: str) -> bool:
    """IPv6 needs a colon; IPv4 needs digits and dots."""
    return ":" in text or ("." in text and _DIGIT.search(text) is not None)


# libphonenumber's shortest valid national number has 4 digits (Saint Helena), and its
# matcher only joins digit blocks separated by at most four of these punctuation marks
# (`phonenumbers.phonenumbermatcher._PUNCTUATION`). So every number Presidio's
# PhoneRecognizer returns holds four digits linked that way; ours (8+ digits, separated by
# space, '.', '-', '/' or parentheses) do too.
_PHONE_PUNCTUATION = (
    "\\-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000()"
    "\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
)
_PHONE_DIGITS = re.compile(r"\d(?:[" + _PHONE_PUNCTUATION + r"]{0,4}\d){3}")


def phone_digits(text: str, lowered: str) -> bool:
    return _PHONE_DIGITS.search(text) is not None


# The WildChat-1M rules replace (and count) only phone spans of 9+ characters made of
# ASCII digits, spaces, '-', '(', ')' and '+'; such a span has 4+ digits (see above).
_PHONE_SHAPED_RUN = re.compile(r"[0-9()+\- ]{9,}")


def phone_shaped_run(text: str, lowered: str) -> bool:
    return any(sum(ch.isdigit() for ch in run.group()) >= 4 for run in _PHONE_SHAPED_RUN.finditer(text))


# Presidio's credit-card pattern is 4 + 3 + 3 + 3 digits at the least.
at_least_13_digits = _at_least_digits(13)
