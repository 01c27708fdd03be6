"""Street addresses: house number + street name + street type, in the orders countries use.

Presidio has no address recogniser; spaCy tags the city ("London") as a place, which is not
what identifies a person — "221B Baker Street" is. Patterns are case-sensitive: street names
are capitalised, and that keeps "3 more days" from reading as an address.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from wildchat.curate.pii.recognizers.base import CASE_SENSITIVE

ADDRESS_CONTEXT = [
    "address",
    "live",
    "lives",
    "living",
    "located",
    "reside",
    "resides",
    "ship",
    "deliver",
    "send",
    "mail",
    "home",
    "moved",
    "adresse",
    "dirección",
    "direccion",
    "endereço",
    "indirizzo",
    "anschrift",
    "wohne",
    "straße",
]

_WORD = r"\p{Lu}[\p{L}'’.\-]*"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
_EN_TYPES = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|"
    r"Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Close|Crescent|Cres|"
    r"Gardens|Grove|Mews|Hill|Park|Alley|Plaza)"
)
_UNIT = (
    r"(?:,?\s(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm)\.?\s?#?[\w\-]{1,6}|,?\s#\d{1,5}[A-Z]?)?"
)
# City words need a lower-case letter so that a postcode ("NW1 6XE") is not taken for one.
_CITY_WORD = r"\p{Lu}\p{Ll}[\p{L}'’.\-]*"
_CITY = r"(?:,\s" + _CITY_WORD + r"(?:\s" + _CITY_WORD + r"){0,2})?"
# After the city: a UK postcode, a Canadian province + postal code, an Australian state +
# postcode, or a US state + ZIP.
_CODE_TAIL = (
    r"(?:,?\s(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
    r"|[A-Z]{2},?\s[A-Z]\d[A-Z]\s?\d[A-Z]\d"
    r"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s\d{4}"
    r"|(?:[A-Z]{2}|" + _WORD + r")\s\d{5}(?:-\d{4})?))?"
)

_ENGLISH_STYLE = (
    r"(?<![\w.\-])\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4})?,?\s(?:(?:[NSEW]|North|South|East|West)\.?\s)?"
    r"(?:"
    + _WORD
    + r"|"
    + _ORDINAL
    + r")(?:\s"
    + _WORD
    + r"){0,3}\s"
    + _EN_TYPES
    + r"\b\.?"
    + _UNIT
    + _CITY
    + _CODE_TAIL
)

# Germanic: "Hauptstraße 5", "Berliner Straße 12a", "Keizersgracht 123", with "10115 Berlin".
# Suffixes that end common English words ("-ring" in "Spring 2024", "-gade" in "Brigade 5")
# are left out.
_GERMANIC_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|steig|chaussee|laan|straat|"
    r"gracht|plein|vej|gatan|veien|vegen|katu)"
)
_GERMANIC_STYLE = (
    r"(?<![\w])(?:" + _WORD + r"\s)?\p{Lu}[\p{L}\-]*" + _GERMANIC_SUFFIX + r"(?:\s(?:Straße|Strasse))?"
    r"\s\d{1,4}\s?[a-zA-Z]?\b(?:,\s(?:[A-Z]{1,2}-)?\d{4,5}\s" + _WORD + r")?"
    r"|(?<![\w])" + _WORD + r"\s(?:Straße|Strasse|Weg|Allee|Platz|Gasse)\s\d{1,4}\s?[a-zA-Z]?\b"
    r"(?:,\s(?:[A-Z]{1,2}-)?\d{4,5}\s" + _WORD + r")?"
)

# French: "12 rue de la Paix, 75002 Paris", "5 bis avenue Victor Hugo".
_FRENCH_STYLE = (
    r"(?<![\w.\-])\d{1,4}(?:\s?(?:bis|ter))?,?\s(?i:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|"
    r"allée|allee|quai|route|cours|passage|square)\s(?:(?i:de\sla|de\sl'|de\sl’|du|des|de|d'|d’)\s?)?"
    r"\p{L}[\p{L}'’\-]*(?:\s\p{Lu}[\p{L}'’\-]*){0,3}(?:,\s\d{5}\s" + _WORD + r")?"
)

# Iberian / Italian / Portuguese: "Calle Mayor 5", "Via Roma, 12", "Rua Augusta, nº 100".
_ROMANCE_STYLE = (
    r"(?<![\w])(?:Calle|C/|Avenida|Avda\.?|Plaza|Paseo|Carrer|Camino|Via|Viale|Piazza|Corso|Vicolo|Rua|"
    r"Travessa|Largo|Praça)\s(?:(?:de|del|de\sla|de\slos|dos|das|da|do|della|dei|di)\s)?\p{Lu}[\p{L}'’\-]*"
    r"(?:\s(?:(?:de|del|da|di|dos)\s)?\p{Lu}[\p{L}'’\-]*){0,3},?\s(?:(?i:n[º°o]\.?)\s?)?\d{1,4}[A-Za-z]?\b"
    r"(?:,\s\d{4,5}(?:-\d{3})?\s" + _WORD + r")?"
)

_PO_BOX = r"(?<![\w])(?i:p\.?\s?o\.?\sbox|post\soffice\sbox|postfach|apartado(?:\sde\scorreos)?)\s\d{1,6}\b"

_PATTERNS = [
    Pattern("english-style street", _ENGLISH_STYLE, 0.5),
    Pattern("germanic street", _GERMANIC_STYLE, 0.5),
    Pattern("french street", _FRENCH_STYLE, 0.5),
    Pattern("romance street", _ROMANCE_STYLE, 0.5),
    Pattern("po box", _PO_BOX, 0.5),
]


class StreetAddressRecognizer(PatternRecognizer):  # type: ignore[misc]
    """STREET_ADDRESS: the line that locates a home, with city and postcode when they follow."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            supported_language=supported_language,
            patterns=_PATTERNS,
            context=ADDRESS_CONTEXT,
            global_regex_flags=CASE_SENSITIVE,
        )
