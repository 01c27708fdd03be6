"""Message languages: the curation stage stores title-case names ("English"); spaCy wants codes.

The language stage (lingua) writes names such as "English" or "Chinese", and "Nolang" for
empty turns. Unknown names map to None: such messages get the pattern recognisers only.
"""

from __future__ import annotations

# lingua's names (title case) for the languages spaCy has pipelines for, plus a few common
# others so a configured pipeline for them is found too.
_NAME_TO_CODE: dict[str, str] = {
    "english": "en",
    "chinese": "zh",
    "russian": "ru",
    "french": "fr",
    "spanish": "es",
    "german": "de",
    "portuguese": "pt",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "dutch": "nl",
    "polish": "pl",
    "swedish": "sv",
    "danish": "da",
    "finnish": "fi",
    "greek": "el",
    "croatian": "hr",
    "lithuanian": "lt",
    "macedonian": "mk",
    "bokmal": "nb",
    "romanian": "ro",
    "slovene": "sl",
    "ukrainian": "uk",
    "catalan": "ca",
    "turkish": "tr",
    "arabic": "ar",
    "persian": "fa",
    "hindi": "hi",
    "indonesian": "id",
    "vietnamese": "vi",
    "thai": "th",
    "hebrew": "he",
    "czech": "cs",
    "hungarian": "hu",
}
_CODES = frozenset(_NAME_TO_CODE.values())

ENGLISH = "English"


def language_code(language: str | None) -> str | None:
    """ISO 639-1 code for a stored language name or code; None for "Nolang" and unknown names."""
    if not language:
        return None
    key = language.strip().lower()
    if key in _CODES:
        return key
    return _NAME_TO_CODE.get(key)


def language_name(language: str | None) -> str:
    """The title-case name the records use ("en" → "English"); "Nolang" when unknown."""
    code = language_code(language)
    if code is None:
        return "Nolang" if not language else language.strip().title()
    for name, value in _NAME_TO_CODE.items():
        if value == code:
            return name.title()
    return "Nolang"  # pragma: no cover - every code comes from the table
