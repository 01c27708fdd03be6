"""Phone numbers as people write them around the world, not only as libphonenumber parses them.

Presidio's PhoneRecognizer accepts only numbers valid in eight regions (US, GB, DE, FR, IL,
IN, CA, BR) and scores every hit 0.4. Ours reads the shapes: an international "+cc" or "00cc"
prefix, a trunk "0" with grouped digits (most of Europe, Japan, Australia), the North
American "(415) 555-0199", and bare mobile runs (China's 1[3-9]x, India's [6-9]x) — the last
only with a phone word nearby, because a bare ten-digit run is as often an order number.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from wildchat.curate.pii.checksums import digits_only
from wildchat.curate.pii.recognizers.base import CASE_SENSITIVE, NUMBER_LEFT, NUMBER_RIGHT

PHONE_CONTEXT = [
    "phone",
    "tel",
    "telephone",
    "call",
    "mobile",
    "cell",
    "whatsapp",
    "wechat",
    "viber",
    "telegram",
    "signal",
    "sms",
    "text",
    "fax",
    "contact",
    "reach",
    "number",
    "rang",
    "ring",
    "handy",
    "telefon",
    "téléphone",
    "portable",
    "teléfono",
    "móvil",
    "celular",
    "telefone",
    "telefono",
    "cellulare",
    "телефон",
    "电话",
    "手机",
    "電話",
]

_SEP = r"[ \u00a0.\-]"
# A phone number is not a piece of a longer token (a version, a path, a date, a hash).
_LEFT = NUMBER_LEFT + r"(?<!\+)"
_RIGHT = NUMBER_RIGHT

_PATTERNS = [
    Pattern(
        "international +cc",
        _LEFT + r"\+\d{1,3}(?:" + _SEP + r"?\(\d{1,4}\))?(?:" + _SEP + r"?\d{1,5}){1,6}" + _RIGHT,
        0.6,
    ),
    Pattern(
        "international 00cc",
        _LEFT + r"00[1-9]\d{0,2}(?:" + _SEP + r"?\d{1,5}){2,6}" + _RIGHT,
        0.4,
    ),
    Pattern(
        "north american (area) exchange-line",
        _LEFT + r"(?:1" + _SEP + r"?)?\([2-9]\d{2}\)" + _SEP + r"?\d{3}" + _SEP + r"\d{4}" + _RIGHT,
        0.6,
    ),
    Pattern(
        "north american area-exchange-line",
        _LEFT + r"(?:1" + _SEP + r")?[2-9]\d{2}" + _SEP + r"\d{3}" + _SEP + r"\d{4}" + _RIGHT,
        0.45,
    ),
    # Korean and Japanese mobiles: 010-1234-5678, 090-1234-5678.
    Pattern("east asian mobile", _LEFT + r"0[1-9]0-\d{3,4}-\d{4}" + _RIGHT, 0.5),
    Pattern(
        "trunk 0 grouped",
        _LEFT + r"\(?0\d{1,4}\)?(?:" + _SEP + r"|/)?\d{2,8}(?:" + _SEP + r"\d{2,5}){0,4}" + _RIGHT,
        0.3,
    ),
    Pattern(
        "bare mobile run",
        _LEFT + r"(?:1[3-9]\d{9}|[6-9]\d{9}|0[1-9]\d{8,10})" + _RIGHT,
        0.2,
    ),
    # Any grouping ("502 517 176", "3719.8423", "396.581.1173x49583") or a bare run: a phone
    # number only where a phone word is near (the score alone stays under the policy's floor).
    Pattern(
        "digit groups near a phone word",
        _LEFT + r"(?:\d{2,5}(?:[ .\-]\d{2,5}){1,4}|\d{8,12})(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,5})?" + _RIGHT,
        0.05,
    ),
]


class InternationalPhoneRecognizer(PatternRecognizer):  # type: ignore[misc]
    """PHONE_NUMBER from written shapes; 8 to 15 digits (E.164's range, national forms included)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="InternationalPhoneRecognizer",
            supported_language=supported_language,
            patterns=_PATTERNS,
            context=PHONE_CONTEXT,
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = digits_only(pattern_text)
        if not 8 <= len(digits) <= 15:
            return True
        # "0000 0000", "1111111111": fillers, not numbers anyone owns
        return len(set(digits)) <= 2
