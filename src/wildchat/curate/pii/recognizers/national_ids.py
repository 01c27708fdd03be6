"""National identifiers Presidio has no recogniser for, each validated by its check digits.

Without the check a Brazilian CPF is "eleven digits" and a Chinese resident ID "eighteen";
with it, a random number passes about one time in ten (CPF: one in a hundred), and the
formatted shapes ("123.456.789-09") are rarer still. The last recogniser catches any ID
that follows an explicit cue ("passport no.", "ID number:"), whatever the country.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from wildchat.curate.pii import checksums
from wildchat.curate.pii.recognizers.base import (
    CASE_SENSITIVE,
    NUMBER_LEFT,
    NUMBER_RIGHT,
    GroupPatternRecognizer,
)


class BrCpfRecognizer(PatternRecognizer):  # type: ignore[misc]
    """BR_CPF: Brazil's taxpayer number, "123.456.789-09" (or bare 11 digits next to "CPF")."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="BR_CPF",
            name="BrCpfRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern("cpf formatted", NUMBER_LEFT + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + NUMBER_RIGHT, 0.7),
                Pattern("cpf bare", NUMBER_LEFT + r"\d{11}" + NUMBER_RIGHT, 0.1),
            ],
            context=["cpf", "cadastro de pessoas", "contribuinte"],
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return not checksums.cpf_valid(pattern_text)


class CnResidentIdRecognizer(PatternRecognizer):  # type: ignore[misc]
    """CN_RESIDENT_ID: 18 characters, a birth date inside, ISO 7064 check character last."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="CN_RESIDENT_ID",
            name="CnResidentIdRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern(
                    "resident id",
                    NUMBER_LEFT
                    + r"[1-8]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                    + NUMBER_RIGHT,
                    0.6,
                )
            ],
            context=["身份证", "身份证号", "resident", "identity", "id card", "id number"],
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return not checksums.cn_resident_id_valid(pattern_text)


class FrNirRecognizer(PatternRecognizer):  # type: ignore[misc]
    """FR_NIR: France's social security number, "1 85 05 78 006 084 36", 97-complement key."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="FR_NIR",
            name="FrNirRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern(
                    "nir",
                    NUMBER_LEFT
                    + r"[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}"
                    + NUMBER_RIGHT,
                    0.6,
                )
            ],
            context=[
                "sécurité sociale",
                "securite sociale",
                "nir",
                "insee",
                "social security",
                "carte vitale",
            ],
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return not checksums.fr_nir_valid(pattern_text)


class MxCurpRecognizer(PatternRecognizer):  # type: ignore[misc]
    """MX_CURP: Mexico's population registry key, 18 characters with sex, state and check digit."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="MX_CURP",
            name="MxCurpRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern(
                    "curp",
                    r"(?<![A-Za-z0-9])[A-Z][AEIOUX][A-Z]{2}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[HM]"
                    r"(?:AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)"
                    r"[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d(?![A-Za-z0-9])",
                    0.7,
                )
            ],
            context=["curp"],
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return not checksums.curp_valid(pattern_text)


# Cue words that introduce a personal identifier; "id" alone is left out on purpose
# ("user id 42", "order id" are not personal).
_ID_CUES = (
    r"(?i:passport|national\s(?:id|identity|insurance)|identity\s(?:card|number|document)|id\s(?:card|number|no\.?)|"
    r"identification\s(?:number|no\.?)|driver'?s?\slicen[cs]e|driving\slicen[cs]e|licen[cs]e\s(?:number|no\.?)|"
    r"social\s(?:security|insurance)|personal\s(?:id|number|identity\snumber)|tax\s(?:id|file\snumber|number)|"
    r"ssn|sin|nric|aadhaar|aadhar|pan\scard|dni|nie|nif|cpf|rut|curp|pesel|personnummer|hetu|"
    r"codice\sfiscale|personalausweis|carte\sd'identité|numéro\sfiscal|身份证号?|マイナンバー)"
)
_CONTEXTUAL_ID = (
    r"(?<![\w])" + _ID_CUES + r"(?![\w])(?:\s(?i:number|no\.?|num|#))?\s?(?:is\s|:\s?|#\s?|=\s?)?"
    # Letters, digits and - . / inside; a space only before a digit group ("1 85 05 78"), so
    # the value never runs on into the next word.
    r"(?P<value>[A-Z0-9](?:[A-Z0-9]|[\-./](?=[A-Z0-9])|\s(?=\d{2})){4,24}[A-Z0-9]?)"
    r"(?![\w\-])"
)


class ContextualIdRecognizer(GroupPatternRecognizer):
    """NATIONAL_ID: the token after "passport no.", "ID number:", "DNI", … with at least two digits."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="NATIONAL_ID",
            patterns=[(_CONTEXTUAL_ID, 0.6)],
            supported_language=supported_language,
            name="ContextualIdRecognizer",
        )

    def accept(self, value: str, text: str, start: int) -> bool:
        # "passport photo", "ID CARD" are words, not numbers: an identifier has digits.
        return sum(ch.isdigit() for ch in value) >= 2
