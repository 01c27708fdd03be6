"""Postcodes in the shapes countries use, where the words around them make them postcodes.

A five-digit number is a postcode in "ZIP 62704", "IL 62704" or ", 10115 Berlin" and a
quantity elsewhere, so each pattern needs a cue: the word for a postcode (in several
languages, or 〒), a US state, Canadian province or Australian state right before it (reported
with the code), or the European layout ", <code> <City>" that ends an address line.
"""

from __future__ import annotations

from wildchat.curate.pii.recognizers.base import GroupPatternRecognizer

_SHAPES = (
    r"\d{5}(?:-\d{4})?"  # US ZIP, ZIP+4; most of Europe
    r"|\d{5}-\d{3}"  # Brazil (CEP)
    r"|\d{4} ?[A-Z]{2}"  # Netherlands
    r"|\d{3}-\d{4}"  # Japan
    r"|\d{2}-\d{3}"  # Poland
    r"|\d{3} \d{2}"  # Sweden, Czechia, Slovakia, Greece
    r"|\d{6}"  # India, China, Russia, Singapore
    r"|\d{4}"  # Australia, Austria, Belgium, Denmark, Switzerland, Norway, …
    r"|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"  # United Kingdom
    r"|[A-Z]\d[A-Z] ?\d[A-Z]\d"  # Canada
)
_CODE = r"(?P<value>" + _SHAPES + r")(?![\w\-])"
_CUES = (
    r"(?:(?i:zip(?: ?code)?|post ?code|postal ?code|postcode|postleitzahl|plz|cep|code postal|"
    r"c[óo]digo postal|pincode|pin code)|CAP)"
)
_US_STATES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP|AA|AE|AP)"
)
_CA_PROVINCES = r"(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)"
_AU_STATES = r"(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)"
_CITY_WORD = r"\p{Lu}[\p{Ll}\p{M}'’.\-]+"

_PATTERNS = [
    # "ZIP 62704", "postcode: LS1 4AP", "my postcode, is it 125-2906?"
    (r"(?<![\w])" + _CUES + r"(?:[ \t:#,]{0,3}(?i:is|it|was|number|no\.?)){0,3}[ \t:#,]{0,3}" + _CODE, 0.6),
    (r"〒 ?(?P<value>\d{3}-?\d{4})(?!\d)", 0.7),
    # The state goes with the code: "IL 62704" is one piece of the address.
    (r"(?<![\w])(?P<value>" + _US_STATES + r",? \d{5}(?:-\d{4})?)(?![\w\-])", 0.5),
    (r"(?<![\w])(?P<value>" + _CA_PROVINCES + r",? [A-Z]\d[A-Z] ?\d[A-Z]\d)(?![\w\-])", 0.5),
    (r"(?<![\w])(?P<value>" + _AU_STATES + r",? \d{4})(?![\w\-])", 0.5),
    # ", 10115 Berlin", ", 1012 AB Amsterdam", ", 00-950 Warszawa", ", 114 55 Stockholm"
    (
        r"(?<=[,\n] ?)(?P<value>\d{5}|\d{4} ?[A-Z]{2}|\d{4}|\d{2}-\d{3}|\d{3} \d{2}) " + _CITY_WORD,
        0.45,
    ),
    # "Mumbai 400001", "Leeds LS1 4AP", "Werdau 66907" after a city at the end of an address
    (
        r"(?<=[,\n] ?" + _CITY_WORD + r"(?: " + _CITY_WORD + r")?,? (?:- )?)"
        r"(?P<value>\d{6}|\d{5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})(?![\w\-])",
        0.45,
    ),
]


class PostcodeRecognizer(GroupPatternRecognizer):
    """ZIP_CODE: a postal code after its cue, a state, or in an address line's layout."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="ZIP_CODE",
            patterns=_PATTERNS,
            supported_language=supported_language,
            name="PostcodeRecognizer",
        )
