"""Street addresses: house number + street name + street type, in the orders countries use.

Presidio has no address recogniser; spaCy tags the city ("London") as a place, which is not
what identifies a person — "221B Baker Street" is. Patterns are case-sensitive: street names
are capitalised, and that keeps "3 more days" from reading as an address.

Two kinds of evidence: the street's own words (a street type such as "Lane", "Chowk" or
"-straße", a prefix such as "Calle", "Rua" or "ul.", a house number in the place the country
puts it), and the layout of an address line, whose end ("…, 10115 Berlin", "…, Springfield,
IL 62704", "…, Leeds LS1 4AP", "…, Fonseca - RO, CEP 46104-527") marks the words before it
as a street even when its type word is unknown. Japanese addresses (…1丁目2番3号) have their own.
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
# Street types after the name: the USPS list of suffixes, British and Irish ones, Indian ones.
_EN_TYPES = (
    r"(?:Street|Streets|St|Avenue|Ave|Road|Roads|Rd|Boulevard|Blvd|Lane|Ln|Drive|Drives|Dr|Court|Courts|"
    r"Ct|Place|Pl|Way|Ways|Terrace|Ter|Circle|Circles|Cir|Parkway|Parkways|Pkwy|Highway|Hwy|Square|"
    r"Squares|Sq|Trail|Close|Crescent|Cres|Gardens|Garden|Grove|Groves|Mews|Hill|Hills|Park|Parks|Alley|"
    r"Plaza|Anex|Arcade|Bayou|Beach|Bend|Bluff|Bluffs|Bottom|Branch|Bridge|Brook|Brooks|Burg|Burgs|"
    r"Bypass|Camp|Canyon|Cape|Causeway|Center|Centers|Centre|Cliff|Cliffs|Club|Common|Commons|Corner|"
    r"Corners|Course|Cove|Coves|Creek|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Estate|Estates|"
    r"Expressway|Extension|Extensions|Falls|Ferry|Field|Fields|Flat|Flats|Ford|Fords|Forest|Forge|"
    r"Forges|Fork|Forks|Fort|Freeway|Gateway|Glen|Glens|Green|Greens|Harbor|Harbors|Harbour|Haven|"
    r"Heights|Hollow|Inlet|Island|Islands|Isle|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|"
    r"Landing|Light|Lights|Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Meadow|Meadows|Mill|Mills|"
    r"Mission|Motorway|Mount|Mountain|Mountains|Neck|Orchard|Oval|Overpass|Pass|Passage|Path|Pike|"
    r"Pine|Pines|Plain|Plains|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|"
    r"Ridge|Ridges|River|Route|Row|Run|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|"
    r"Station|Stravenue|Stream|Summit|Throughway|Trace|Track|Trafficway|Tunnel|Turnpike|Underpass|"
    r"Union|Unions|Valley|Valleys|Viaduct|View|Views|Village|Villages|Ville|Vista|Walk|Walks|Wall|"
    r"Well|Wells|Rise|Parade|Yard|Wharf|Hollow|Chase|Croft|Fold|Gate|Meadow|Quay|Wynd|Brae|"
    r"Chowk|Marg|Nagar|Ganj|Zila|Colony)"
)
_UNIT = r"(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm)\.? ?#?[\w\-]{1,6}|,? #\d{1,5}[A-Z]?)?"
# City words need a lower-case letter so that a postcode ("NW1 6XE") is not taken for one.
_CITY_WORD = r"\p{Lu}\p{Ll}[\p{L}'’.\-]*"
_CITY = r"(?:, " + _CITY_WORD + r"(?: " + _CITY_WORD + r"){0,2})?"
# After the city: a UK postcode, a Canadian province + postal code, an Australian state +
# postcode, or a US state + ZIP.
_CODE_TAIL = (
    r"(?:,? (?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
    r"|[A-Z]{2},? [A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT) \d{4}"
    r"|(?:[A-Z]{2}|" + _WORD + r") \d{5}(?:-\d{4})?))?"
)

# "Flat 8, Ross Drives", "Studio 13C, Cole Haven": a British unit before the street.
_UNIT_NUMBER = r"(?:Flat|Studio|Apartment|Unit|Suite|Room) \d{1,4}[A-Za-z]?"
_UNIT_FIRST = r"(?:" + _UNIT_NUMBER + r",? )"
_NUMBER_FIRST = r"\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4})?,? "
_ENGLISH_STYLE = (
    # "in 2019 Apple Park …" is a year, not a house number
    r"(?<![\w.\-])(?<!(?i:in|since|until|during) )"
    r"(?:" + _UNIT_FIRST + r"(?:" + _NUMBER_FIRST + r")?|" + _NUMBER_FIRST + r")"
    r"(?:(?:[NSEW]|North|South|East|West)\.? )?"
    r"(?:"
    + _WORD
    + r"|"
    + _ORDINAL
    + r"|\p{Han}{1,4})(?: "
    + _WORD
    + r"){0,3} "
    + _EN_TYPES
    # an abbreviated type keeps its full stop ("St."); a sentence's is not the address's
    + r"\b(?:(?<=(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Cir|Pkwy|Hwy|Sq|Cres))\.)?"
    + _UNIT
    + _CITY
    + _CODE_TAIL
)

# Germanic: "Hauptstraße 5", "Berliner Straße 12a", "Keizersgracht 123", with "10115 Berlin".
# Suffixes that end common English words ("-ring" in "Spring 2024", "-gade" in "Brigade 5")
# are left out.
_GERMANIC_SUFFIX = (
    r"(?i:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|steig|chaussee|laan|straat|"
    r"gracht|plein|singel|kade|steeg|dreef|hof|markt|vej|gade|gatan|vägen|gränd|torget|stigen|backen|"
    r"allén|platsen|leden|veien|vegen|gata|katu|tie|kuja)"
)
_HOUSE_NUMBER = r"\d{1,4} ?[a-zA-Z]?(?:[/\-]\d{1,4}[a-zA-Z]?)?(?![\w/\-])"
_GERMANIC_STYLE = (
    r"(?<![\w])(?:" + _WORD + r" )?\p{Lu}[\p{L}\-]*" + _GERMANIC_SUFFIX + r"(?: (?:Straße|Strasse))?"
    r" " + _HOUSE_NUMBER + r"(?:, (?:[A-Z]{1,2}-)?\d{4,5} " + _WORD + r")?"
    r"|(?<![\w])" + _WORD + r" (?:Straße|Strasse|Weg|Allee|Platz|Gasse) \d{1,4} ?[a-zA-Z]?\b"
    r"(?:, (?:[A-Z]{1,2}-)?\d{4,5} " + _WORD + r")?"
)

# French: "12 rue de la Paix, 75002 Paris", "5 bis avenue Victor Hugo".
_FRENCH_STYLE = (
    r"(?<![\w.\-])\d{1,4}(?: ?(?:bis|ter))?,? (?i:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|"
    r"allée|allee|quai|route|cours|passage|square) (?:(?i:de la|de l'|de l’|du|des|de|d'|d’) ?)?"
    r"\p{L}[\p{L}'’\-]*(?: \p{Lu}[\p{L}'’\-]*){0,3}(?:, \d{5} " + _WORD + r")?"
)

# Iberian / Italian / Portuguese: "Calle Mayor 5", "Via Roma, 12", "Rua Augusta, nº 100".
_ROMANCE_PREFIXES = (
    r"(?:Calle|C/|C\.|Callejón|Calleja|Avenida|Avda\.?|Av\.|Plaza|Paseo|Pasaje|Carrer|Camino|Cuesta|Ronda|"
    r"Rambla|Glorieta|Alameda|Acceso|Cañada|Urbanización|Travesía|Vía|Via|Viale|Piazza|Piazzale|Corso|"
    r"Vicolo|Contrada|Strada|Incrocio|Borgo|Rotonda|Largo|Lungomare|Canale|Stretto|Rua|Travessa|Praça|"
    r"Feira|Ladeira|Passarela|Viaduto|Núcleo|Loteamento|Quadra|Rodovia|Estrada|Vila|Vereda|Trecho|"
    r"Sítio|Setor|Residencial|Recanto|Praia|Parque|Lagoa|Morro|Jardim|Favela|Distrito|Conjunto|Colônia|"
    r"Chácara|Campo|Aeroporto|Esplanada|Fazenda|Condomínio|Pátio|Passagem|Avenue|Boulevard|Chemin|"
    r"Impasse|Allée|Quai|Route|Rue)"
)
# Polish: "ul. Kochanowskiego 51/58", "aleja Miłosza 12", "pl. Kościuszki 62/52".
_POLISH_STYLE = (
    r"(?<![\w])(?:ul\.|al\.|pl\.|os\.|ulica|aleja|plac|osiedle|rondo|skwer|bulwar) ?"
    r"\p{Lu}[\p{L}'’\-]*(?: \p{Lu}[\p{L}'’\-]*){0,3} " + _HOUSE_NUMBER
)
_ROMANCE_STYLE = (
    r"(?<![\w])"
    + _ROMANCE_PREFIXES
    + r" (?:(?:de|del|de la|de los|dos|das|da|do|della|dei|di) )?\p{Lu}[\p{L}'’\-]*"
    r"(?: (?:(?:de|del|da|di|dos) )?\p{Lu}[\p{L}'’\-]*){0,3},? (?:(?i:n[º°o]\.?) ?)?\d{1,4}[A-Za-z]?\b"
    r"(?: (?:Piso|Puerta|Appartamento|Piano|Interno|Apto\.?|Bloco|Casa) \d{1,4}[A-Za-z]?)*"
    # and the town when it follows: "Canale Chindamo, 339, Casalino"
    r"(?:, (?:(?:da|de|do|di|del|della) )?\p{Lu}[\p{L}'’\-]*"
    r"(?: (?:(?:da|de|do|di|del) )?\p{Lu}[\p{L}'’\-]*){0,2})?"
    r"(?:, \d{4,5}(?:-\d{3})? " + _WORD + r")?"
)

# Japanese: prefecture, city and district run together, then 1丁目2番3号.
_JAPANESE_STYLE = (
    r"(?:〒 ?\d{3}-?\d{4} ?)?[\p{Han}\p{Hiragana}\p{Katakana}ーＡ-Ｚａ-ｚ]{0,24}"
    r"\d{1,3}丁目(?:\d{1,4}番地?)?(?:\d{1,4}号)?"
)

# An address line's end: postcode + city (most of Europe), city + state + ZIP (US, Canada,
# Australia), city + postcode (UK, India), city - state, CEP (Brazil).
_PARTICLE = r"(?:de|del|della|di|da|do|dos|das|du|la|le|les|van|der|den|von|am|an|im|bei|sur|upon|on)"
# A city word ends before a sentence's full stop ("St. Albans" keeps its own).
_CAP = r"\p{Lu}[\p{L}\p{M}'’\-]*(?:\.(?= \p{Lu}))?"
_LINE_CITY = r"(?:" + _PARTICLE + r" |'s-)?" + _CAP + r"(?: (?:" + _PARTICLE + r" )?" + _CAP + r"){0,3}"
_US_STATES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP|AA|AE|AP)"
)
_LINE_ENDS = (
    r"(?:, (?:[A-Z]{1,2}-)?(?:\d{5}|\d{4} ?[A-Z]{2}|\d{4}|\d{2}-\d{3}|\d{3} \d{2}) "
    + _LINE_CITY
    + r"(?: \([A-Z]{2}\))?"
    r"|, " + _LINE_CITY + r",? (?:" + _US_STATES + r" \d{5}(?:-\d{4})?"
    r"|(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT) [A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT) \d{4}"
    r"|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
    r"|(?:- )?\d{6})"
    r"|, " + _LINE_CITY + r" - [A-Z]{2}(?:, CEP \d{5}-?\d{3})?)"
    r"(?![\w\-])"
)
# The street before such an end starts with a house number, a unit, a street prefix or a
# Germanic compound; a comma inside it sits next to a number ("Viale Sermonti, 13", "90/25, …").
_LINE_NUMBER = r"\d{1,5}[A-Za-z]?(?: ?[/\-] ?\d{1,4}[A-Za-z]?)?"
_LOWER_STREET_WORDS = (
    r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|allée|quai|route|cours|passage|square|voie|"
    r"ul\.|al\.|pl\.|os\.|ulica|aleja|plac|via|viale|calle|rua)"
)
_LINE_WORD = (
    r"(?:"
    + _CAP
    + r"|"
    + _LINE_NUMBER
    + r"|"
    + _LOWER_STREET_WORDS
    + r"|\p{Han}{1,4}|(?:Apt|Suite|Piso|Puerta|Appartamento|Piano)\.?)"
)
_LINE_START = (
    r"(?:"
    + _LINE_NUMBER
    + r"|"
    + _UNIT_NUMBER
    + r"|"
    + _ROMANCE_PREFIXES
    + r"|(?:ul\.|al\.|pl\.|os\.|ulica|aleja|plac)|\p{Lu}[\p{L}\-]*"
    + _GERMANIC_SUFFIX
    + r")"
)
_ADDRESS_LINE = (
    r"(?<![\w.\-])"
    + _LINE_START
    + r"(?:(?: (?:"
    + _PARTICLE
    + r" )?|, (?=\d)|(?<=\d), )"
    + _LINE_WORD
    + r"){0,7}"
    + _LINE_ENDS
)

_PO_BOX = r"(?<![\w])(?i:p\.? ?o\.? box|post office box|postfach|apartado(?: de correos)?) \d{1,6}\b"

_PATTERNS = [
    Pattern("english-style street", _ENGLISH_STYLE, 0.5),
    Pattern("germanic street", _GERMANIC_STYLE, 0.5),
    Pattern("french street", _FRENCH_STYLE, 0.5),
    Pattern("romance street", _ROMANCE_STYLE, 0.5),
    Pattern("polish street", _POLISH_STYLE, 0.5),
    Pattern("japanese address", _JAPANESE_STYLE, 0.5),
    Pattern("address line", _ADDRESS_LINE, 0.6),
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
