"""Synthetic personal values of many countries, valid where the real thing has a checksum.

Every generator takes a `random.Random`, so a seed reproduces the same values. None of the
numbers is real on purpose; they only have the shapes and check digits of real ones.
"""

from __future__ import annotations

import random
import unicodedata

from wildchat.curate.pii import checksums
from wildchat.curate.pii.synthetic.names import FAMILY_NAME_FIRST, NAMES

# Letters NFKD does not decompose into an ASCII base.
_ASCII_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "ø": "o", "ß": "ss"})


def ascii_fold(text: str) -> str:
    """ "Nguyễn" → "Nguyen": user names in e-mails and URLs are usually written without accents."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def digits(rng: random.Random, count: int, first_nonzero: bool = False) -> str:
    out = [rng.choice("123456789" if first_nonzero and i == 0 else "0123456789") for i in range(count)]
    return "".join(out)


# -- people -------------------------------------------------------------------------------


def full_name(rng: random.Random, culture: str | None = None) -> str:
    culture = culture or rng.choice(sorted(NAMES))
    given, family = NAMES[culture]
    first, last = rng.choice(given), rng.choice(family)
    return f"{last} {first}" if culture in FAMILY_NAME_FIRST else f"{first} {last}"


def given_name(rng: random.Random) -> str:
    culture = rng.choice(sorted(NAMES))
    return NAMES[culture][0][rng.randrange(len(NAMES[culture][0]))].split()[0]


def handle(name: str, rng: random.Random) -> str:
    """A username derived from a name: "priya.sharma", "psharma91", "priya_sharma"."""
    parts = [ascii_fold(p.lower()).replace("'", "") for p in name.replace("-", " ").split()]
    style = rng.randrange(4)
    if style == 0:
        return ".".join(parts)
    if style == 1:
        return parts[0][0] + parts[-1] + digits(rng, 2)
    if style == 2:
        return "_".join(parts)
    return parts[0] + parts[-1] + digits(rng, rng.choice((2, 4)))


# -- contact ------------------------------------------------------------------------------

_MAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.co.uk",
    "proton.me",
    "icloud.com",
    "gmx.de",
    "orange.fr",
    "qq.com",
    "163.com",
    "yandex.ru",
    "naver.com",
    "uol.com.br",
    "rediffmail.com",
    "web.de",
    "libero.it",
    "mail.ru",
    "northwind-logistics.com",
    "stanford.edu",
    "ox.ac.uk",
)


def email(rng: random.Random, name: str | None = None) -> str:
    return f"{handle(name or full_name(rng), rng)}@{rng.choice(_MAIL_DOMAINS)}"


PLACEHOLDER_EMAILS = (
    "user@example.com",
    "your.email@domain.com",
    "john.doe@example.com",
    "jane.doe@example.org",
    "info@company.com",
    "contact@yourcompany.com",
    "test@test.com",
    "name@email.com",
    "support@acme.com",
    "noreply@github.com",
    "admin@localhost",
    "youremail@gmail.com",
    "sales@companyname.com",
    "hello@yourdomain.com",
    "someone@example.net",
)


def phone(rng: random.Random) -> str:
    """A phone number in one of many countries' written formats."""

    def d(n: int) -> str:
        return digits(rng, n)

    area = rng.choice(("212", "415", "312", "646", "718", "202", "305", "617", "206", "512"))
    formats = (
        lambda: f"({area}) {rng.randint(200, 989)}-{d(4)}",
        lambda: f"{area}-{rng.randint(200, 989)}-{d(4)}",
        lambda: f"+1 {area} {rng.randint(200, 989)} {d(4)}",
        lambda: f"+44 20 7946 {d(4)}",
        lambda: f"07700 900{d(3)}",
        lambda: f"+44 7700 900{d(3)}",
        lambda: f"06 {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+49 30 {d(8)}",
        lambda: f"0151 {d(8)}",
        lambda: f"+91 98{d(3)} {d(5)}",
        lambda: f"98{d(3)} {d(5)}",
        lambda: f"+86 138 {d(4)} {d(4)}",
        lambda: f"139{d(8)}",
        lambda: f"+55 11 9{d(4)}-{d(4)}",
        lambda: f"(11) 9{d(4)}-{d(4)}",
        lambda: f"090-{d(4)}-{d(4)}",
        lambda: f"+81 90 {d(4)} {d(4)}",
        lambda: f"0412 {d(3)} {d(3)}",
        lambda: f"+61 412 {d(3)} {d(3)}",
        lambda: f"+234 803 {d(3)} {d(4)}",
        lambda: f"0803 {d(3)} {d(4)}",
        lambda: f"+52 55 {d(4)} {d(4)}",
        lambda: f"+34 6{d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"+39 347 {d(3)} {d(4)}",
        lambda: f"+7 912 {d(3)}-{d(2)}-{d(2)}",
        lambda: f"8 (912) {d(3)}-{d(2)}-{d(2)}",
        lambda: f"010-{d(4)}-{d(4)}",
        lambda: f"+254 712 {d(6)}",
        lambda: f"+20 10 {d(4)} {d(4)}",
        lambda: f"+62 812-{d(4)}-{d(4)}",
        lambda: f"+63 917 {d(3)} {d(4)}",
        lambda: f"+90 532 {d(3)} {d(2)} {d(2)}",
        lambda: f"+971 50 {d(3)} {d(4)}",
        lambda: f"0049 89 {d(7)}",
    )
    return rng.choice(formats)()


# -- places -------------------------------------------------------------------------------

_EN_STREETS = (
    "Maple",
    "Oak",
    "Elm",
    "Cedar",
    "Willow",
    "Highland",
    "Lincoln",
    "Washington",
    "Park",
    "Sunset",
)
_EN_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Boulevard", "St.", "Ave", "Way")
_US_PLACES = (
    ("Springfield", "IL"),
    ("Austin", "TX"),
    ("Portland", "OR"),
    ("Columbus", "OH"),
    ("Tampa", "FL"),
)
_UK_STREETS = ("Baker", "Victoria", "Church", "Station", "Mill", "Queens", "Kingsley", "Elmwood")
_UK_TYPES = ("Road", "Street", "Lane", "Close", "Crescent", "Gardens", "Grove")
_UK_PLACES = (("London", "NW1 6XE"), ("Manchester", "M1 4BT"), ("Leeds", "LS2 9JT"), ("Bristol", "BS1 5TR"))
_DE_STREETS = ("Haupt", "Garten", "Bahnhof", "Schiller", "Goethe", "Linden", "Berg", "Kirch")
_DE_TYPES = ("straße", "weg", "platz", "allee", "gasse")
_DE_PLACES = (("10115", "Berlin"), ("80331", "München"), ("50667", "Köln"), ("20095", "Hamburg"))
_FR_STREETS = ("de la Paix", "Victor Hugo", "des Lilas", "du Moulin", "Jean Jaurès", "de la République")
_FR_PLACES = (("75002", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse"))


def street_address(rng: random.Random) -> str:
    """A home address as written in the US, UK, Canada, Australia, Germany, France, Spain, Italy, …"""
    n = rng.randint(2, 990)
    style = rng.randrange(12)
    if style == 0:
        city, state = rng.choice(_US_PLACES)
        return (
            f"{n} {rng.choice(_EN_STREETS)} {rng.choice(_EN_TYPES)}, {city}, {state} {digits(rng, 5, True)}"
        )
    if style == 1:
        street, kind = rng.choice(_EN_STREETS), rng.choice(_EN_TYPES)
        return f"{n} {street} {kind}, Apt {rng.randint(1, 30)}{rng.choice('ABC')}"
    if style == 2:
        city, postcode = rng.choice(_UK_PLACES)
        return f"{n} {rng.choice(_UK_STREETS)} {rng.choice(_UK_TYPES)}, {city} {postcode}"
    if style == 3:
        return (
            f"{n} {rng.choice(_EN_STREETS)} Avenue, Toronto, ON M5V {rng.randint(1, 9)}T{rng.randint(1, 9)}"
        )
    if style == 4:
        return f"{n} {rng.choice(_EN_STREETS)} Street, Parramatta NSW 2150"
    if style == 5:
        plz, city = rng.choice(_DE_PLACES)
        return f"{rng.choice(_DE_STREETS)}{rng.choice(_DE_TYPES)} {rng.randint(1, 120)}, {plz} {city}"
    if style == 6:
        cp, city = rng.choice(_FR_PLACES)
        return f"{rng.randint(1, 80)} rue {rng.choice(_FR_STREETS)}, {cp} {city}"
    if style == 7:
        street = rng.choice(("Mayor", "Alcalá", "Serrano", "Gran Vía"))
        return f"Calle {street} {rng.randint(1, 200)}, 280{digits(rng, 2)} Madrid"
    if style == 8:
        street = rng.choice(("Roma", "Garibaldi", "Mazzini", "Dante"))
        return f"Via {street} {rng.randint(1, 150)}, 20{digits(rng, 3)} Milano"
    if style == 9:
        return f"Rua {rng.choice(('Augusta', 'das Flores', 'Oscar Freire'))}, {rng.randint(10, 2000)}"
    if style == 10:
        return f"{rng.choice(('Keizers', 'Heren', 'Prinsen'))}gracht {rng.randint(1, 600)}, Amsterdam"
    return f"P.O. Box {rng.randint(100, 99999)}"


# Addresses in forms our patterns do not target (no street type word, or non-Latin script);
# they keep the evaluation honest about what pattern-based address detection misses.
def hard_address(rng: random.Random) -> str:
    options = (
        f"Flat {rng.randint(101, 909)}, Sai Residency, MG Road, Bengaluru {digits(rng, 6, True)}",
        f"東京都港区六本木{rng.randint(1, 7)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}",
        f"北京市朝阳区建国路{rng.randint(1, 99)}号",
        f"ul. Marszałkowska {rng.randint(1, 140)}/{rng.randint(1, 40)}, 00-{digits(rng, 3)} Warszawa",
        f"서울특별시 강남구 테헤란로 {rng.randint(1, 500)}",
        f"ул. Тверская, д. {rng.randint(1, 30)}, кв. {rng.randint(1, 200)}, Москва",
    )
    return rng.choice(options)


# -- identifiers --------------------------------------------------------------------------


def us_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def uk_nino(rng: random.Random) -> str:
    first, second = rng.choice("ABCEGHJKLMNPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    d = digits(rng, 6)
    return f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"


def uk_nhs(rng: random.Random) -> str:
    while True:
        body = digits(rng, 9, True)
        check = checksums.uk_nhs_check_digit(body)
        if check is not None:
            number = body + check
            return f"{number[:3]} {number[3:6]} {number[6:]}"


def in_aadhaar(rng: random.Random) -> str:
    body = rng.choice("23456789") + digits(rng, 10)
    number = body + checksums.verhoeff_check_digit(body)
    return f"{number[:4]} {number[4:8]} {number[8:]}"


def in_pan(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return (
        "".join(rng.choice(letters) for _ in range(3))
        + "P"
        + rng.choice(letters)
        + digits(rng, 4)
        + rng.choice(letters)
    )


def sg_nric(rng: random.Random) -> str:
    prefix, body = rng.choice("ST"), digits(rng, 7)
    return prefix + body + checksums.sg_nric_letter(prefix, body)


def es_dni(rng: random.Random) -> str:
    number = rng.randint(10_000_000, 99_999_999)
    return f"{number}{checksums.es_dni_letter(number)}"


def br_cpf(rng: random.Random) -> str:
    body = digits(rng, 9)
    number = body + checksums.cpf_check_digits(body)
    return f"{number[:3]}.{number[3:6]}.{number[6:9]}-{number[9:]}"


def cn_resident_id(rng: random.Random) -> str:
    body = (
        rng.choice(("110105", "310104", "440305", "510107"))
        + f"{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + digits(rng, 3)
    )
    return body + checksums.cn_resident_id_check(body)


def fr_nir(rng: random.Random) -> str:
    sex, year, month, department = (
        rng.choice("12"),
        rng.randint(50, 99),
        rng.randint(1, 12),
        rng.randint(1, 95),
    )
    body = f"{sex}{year}{month:02d}{department:02d}{digits(rng, 3)}{digits(rng, 3)}"
    key = checksums.fr_nir_key(body)
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key}"


def mx_curp(rng: random.Random) -> str:
    consonants = "BCDFGHJKLMNPQRSTVWXZ"
    body = (
        rng.choice(consonants)
        + rng.choice("AEIOU")
        + rng.choice(consonants)
        + rng.choice(consonants)
        + f"{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + rng.choice("HM")
        + rng.choice(("DF", "JC", "NL", "PL", "VZ"))
        + "".join(rng.choice(consonants) for _ in range(3))
        + "0"
    )
    return body + checksums.curp_check_digit(body)


def ca_sin(rng: random.Random) -> str:
    body = rng.choice("1234567") + digits(rng, 7)
    number = body + checksums.luhn_check_digit(body)
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def pl_pesel(rng: random.Random) -> str:
    body = f"{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{digits(rng, 4)}"
    return body + checksums.pesel_check_digit(body)


def passport(rng: random.Random) -> str:
    return rng.choice("ABCEKLMNPXZ") + digits(rng, rng.choice((7, 8)), True)


def driver_licence(rng: random.Random) -> str:
    return rng.choice("ABDFGHKMS") + digits(rng, 7, True)


# -- money --------------------------------------------------------------------------------


def credit_card(rng: random.Random) -> str:
    brand = rng.randrange(4)
    if brand == 3:  # American Express: 15 digits, 4-6-5
        body = rng.choice(("34", "37")) + digits(rng, 12)
        number = body + checksums.luhn_check_digit(body)
        sep = rng.choice((" ", "-", ""))
        return f"{number[:4]}{sep}{number[4:10]}{sep}{number[10:]}"
    prefix = ("4", rng.choice(("51", "52", "53", "54", "55")), "6011")[brand]
    body = prefix + digits(rng, 15 - len(prefix))
    number = body + checksums.luhn_check_digit(body)
    sep = rng.choice((" ", "-", ""))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        (
            ("DE", digits(rng, 18)),
            ("GB", "NWBK" + digits(rng, 14)),
            ("FR", digits(rng, 10) + "ABCDE" + digits(rng, 6) + digits(rng, 2)),
            ("ES", digits(rng, 20)),
            ("NL", "INGB" + digits(rng, 10)),
            ("IT", "X" + digits(rng, 10) + digits(rng, 12)),
        )
    )
    compact = country + checksums.iban_check_digits(country, bban) + bban
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# -- network ------------------------------------------------------------------------------


def public_ipv4(rng: random.Random) -> str:
    first = rng.choice((24, 31, 46, 62, 77, 81, 84, 91, 103, 117, 142, 151, 176, 185, 188, 201, 213))
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def public_ipv6(rng: random.Random) -> str:
    groups = [rng.choice(("2a02", "2a01", "2600", "2c0f", "240e"))]
    groups += [f"{rng.randint(0, 0xFFFF):x}" for _ in range(7)]
    return ":".join(groups)


PRIVATE_IPS = (
    "192.168.1.10",
    "192.168.0.1",
    "10.0.0.5",
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.0",
    "172.16.4.20",
)


def profile_url(rng: random.Random, name: str | None = None) -> str:
    user = handle(name or full_name(rng), rng).replace("_", "-")
    return rng.choice(
        (
            f"https://www.linkedin.com/in/{user.replace('.', '-')}-{digits(rng, 3)}",
            f"linkedin.com/in/{user.replace('.', '-')}",
            f"https://www.facebook.com/{user}",
            f"https://instagram.com/{user.replace('-', '_')}",
            f"https://twitter.com/{user.replace('.', '_').replace('-', '_')[:15]}",
            f"https://github.com/{user.replace('.', '-').replace('_', '-')}",
        )
    )


PUBLIC_URLS = (
    "https://docs.python.org/3/library/re.html",
    "https://github.com/pallets/flask",
    "https://en.wikipedia.org/wiki/Machine_learning",
    "https://stackoverflow.com/questions/231767/what-does-the-yield-keyword-do",
    "https://www.linkedin.com/company/microsoft",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://huggingface.co/datasets/allenai/WildChat-1M",
    "https://www.bbc.co.uk/news/technology",
    "https://pytorch.org/get-started/locally/",
    "www.nytimes.com",
)


# -- dates --------------------------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date(rng: random.Random, year_from: int = 1950, year_to: int = 2005) -> str:
    y, m, d = rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        (
            f"{d} {_MONTHS[m - 1]} {y}",
            f"{_MONTHS[m - 1]} {d}, {y}",
            f"{m:02d}/{d:02d}/{y}",
            f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}.{m:02d}.{y}",
        )
    )
