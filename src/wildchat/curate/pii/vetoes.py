"""Vetoes: rules that drop a detection known to be a false positive of its recogniser.

Each veto names the mistake it prevents, looks only at the span and the message around it,
and is listed in `STRICT_VETOES`; a policy runs them after the recognisers. They are kept
apart from the recognisers so that Presidio's and ours are corrected the same way.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

import regex as re

from wildchat.curate.pii.checksums import digits_only
from wildchat.curate.pii.recognizers.profiles import is_profile_url


@dataclass(frozen=True, slots=True)
class Veto:
    name: str
    entity_types: frozenset[str]
    rejects: Callable[[str, int, int], bool]  # (message text, start, end) -> drop?

    def applies(self, entity_type: str) -> bool:
        return entity_type in self.entity_types


def _before(text: str, start: int, width: int) -> str:
    return text[max(0, start - width) : start].lower()


# --- PERSON: numbers, dates and code identifiers the NER model calls people -------------

_CODE_CHARS = re.compile(r"[_(){}\[\]<>=/\\@#$%^&*;|`:+\d]")
_CAMEL_OR_DOTTED = re.compile(r"\p{Ll}\p{Lu}|\w\.\w")


def _inside_code(text: str, start: int) -> bool:
    """Inside a fenced ``` block or an inline `code` span (an odd number of markers before)."""
    prefix = text[:start]
    if prefix.count("```") % 2 == 1:
        return True
    line = prefix[prefix.rfind("\n") + 1 :]
    return line.count("`") % 2 == 1


# Form-field labels that the NER model tags as people when capitalised ("Tel 06 …",
# "Passport X123…").
_FIELD_LABELS = frozenset(
    {
        "tel",
        "phone",
        "mobile",
        "cell",
        "fax",
        "email",
        "e-mail",
        "mail",
        "passport",
        "address",
        "name",
        "id",
        "dob",
        "ssn",
        "iban",
        "card",
        "contact",
        "website",
        "url",
        "whatsapp",
        "wechat",
        "telegram",
        "signal",
    }
)


def _person_not_a_name(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if span.strip().lower() in _FIELD_LABELS:
        return True
    if _CODE_CHARS.search(span):  # "Python 3", "user_name", "foo()", "12 March"
        return True
    if any(_CAMEL_OR_DOTTED.search(token) and not token[:1].isupper() for token in span.split()):
        return True  # getUserName, os.path
    if not any(ch.isalpha() for ch in span):
        return True
    # Written names are capitalised; NER's all-lower-case "people" are commands ("git commit").
    if any("a" <= ch.lower() <= "z" for ch in span) and not any(ch.isupper() for ch in span):
        return True
    # A lone identifier in code ("Node", "Props") is a class or variable, not a person.
    return " " not in span.strip() and _inside_code(text, start)


# --- IP_ADDRESS: versions, section numbers, private and well-known service addresses ------

_VERSION_CUE = re.compile(
    r"(?:version|ver\.?|v|release|build|update|patch|python|node|java|firmware|driver|windows|android|ios|"
    r"macos|chrome|firefox|ubuntu|kernel|==|>=|<=|~=|\^|@|section|chapter|§)\s*$"
)
_WELL_KNOWN_PUBLIC = frozenset(
    {
        "8.8.8.8",
        "8.8.4.4",
        "1.1.1.1",
        "1.0.0.1",
        "9.9.9.9",
        "149.112.112.112",
        "208.67.222.222",
        "208.67.220.220",
    }
)


def _ip_not_personal(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if _VERSION_CUE.search(_before(text, start, 12)):
        return True
    # Part of a longer dotted number: "1.2.3.4.5", "v2.1.0.3-beta".
    if (start > 0 and text[start - 1] in ".-") or text[end : end + 2].rstrip()[:1] in {"-"}:
        return True
    if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
        return True
    try:
        address = ipaddress.ip_address(span.split("%")[0])
    except ValueError:
        return False
    # Private, loopback, link-local, documentation and netmask-like addresses identify no one;
    # neither do the public resolvers everybody types.
    return (not address.is_global) or span in _WELL_KNOWN_PUBLIC


# --- PHONE_NUMBER: dates, ranges, decimals, IPs and digits inside longer tokens ------------

_DATE_LIKE = re.compile(
    r"^(?:\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4})(?:\s+\d{1,2}:\d{2})?$"
)
_RANGE_LIKE = re.compile(r"^\(?\d{1,4}\)?\s?[\-–]\s?\d{1,4}$|^(?:1[89]|20)\d{2}\s?[\-–]\s?(?:1[89]|20)\d{2}$")
_NOT_PHONE_CUE = re.compile(
    r"(?:isbn|issn|doi|order|invoice|tracking|serial|sku|part|model|account|reference|ref|id|#|\$|€|£|¥)"
    r"(?:\s(?:number|no\.?|num|code|id))?\s*[:#]?\s*$"
)


def _phone_not_a_phone(text: str, start: int, end: int) -> bool:
    span = text[start:end].strip()
    if _DATE_LIKE.match(span) or _RANGE_LIKE.match(span):
        return True
    if span.count(".") >= 3 and all(part.isdigit() for part in span.split(".")):
        return True  # an IPv4 address or a dotted version
    if _NOT_PHONE_CUE.search(_before(text, start, 16)):
        return True
    # Digits glued to Latin letters or to a decimal point: hashes, versions, measurements.
    # (Chinese or Japanese characters right before a number are normal writing.)
    left = text[start - 1 : start] if start > 0 else ""
    right = text[end : end + 1]
    if (left.isascii() and left.isalnum()) or (right.isascii() and right.isalnum()):
        return True
    return right == "." and text[end + 1 : end + 2].isdigit()


# --- EMAIL_ADDRESS: placeholders and role accounts -----------------------------------------

# RFC 2606 / RFC 6761 reserved names, plus the stand-ins people and models type.
_PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com",
        "example.org",
        "example.net",
        "example.edu",
        "domain.com",
        "yourdomain.com",
        "mydomain.com",
        "email.com",
        "youremail.com",
        "company.com",
        "yourcompany.com",
        "companyname.com",
        "mycompany.com",
        "website.com",
        "yourwebsite.com",
        "test.com",
        "sample.com",
        "acme.com",
        "xyz.com",
        "abc.com",
        "x.com",
        "xx.com",
        "xxx.com",
        "xxxx.com",
        "mail.com",
        "login.com",
        "localhost",
    }
)
_PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
_ROLE_LOCAL_PARTS = frozenset(
    {
        "info",
        "contact",
        "support",
        "help",
        "hello",
        "sales",
        "admin",
        "administrator",
        "webmaster",
        "postmaster",
        "hostmaster",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "test",
        "email",
        "user",
        "username",
        "your",
        "youremail",
        "your.email",
        "yourname",
        "your.name",
        "name",
        "someone",
        "somebody",
        "john.doe",
        "jane.doe",
        "johndoe",
        "janedoe",
        "feedback",
        "press",
        "media",
        "careers",
        "jobs",
        "hr",
        "billing",
        "orders",
        "privacy",
        "legal",
        "abuse",
        "security",
        "team",
        "office",
        "enquiries",
        "inquiries",
        "reservations",
        "events",
        "marketing",
        "partners",
        "service",
        "customerservice",
        "customer.service",
    }
)


def _email_placeholder(text: str, start: int, end: int) -> bool:
    span = text[start:end].lower()
    local, _, domain = span.rpartition("@")
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith(_PLACEHOLDER_SUFFIXES):
        return True
    if local in _ROLE_LOCAL_PARTS:
        return True
    return bool(re.fullmatch(r"x+|a+|abc\w*|\w*123|user\d*|test\w*", local))


# --- URL: everything that is not a person's profile ----------------------------------------


def _url_not_a_profile(text: str, start: int, end: int) -> bool:
    if start > 0 and text[start - 1] == "@":
        return True  # the domain of an e-mail address
    return not is_profile_url(text[start:end])


# --- DATE_TIME: only dates of birth are personal -------------------------------------------

_BIRTH_CUE = re.compile(
    r"(?:born|birth|birthday|b\.|dob|d\.o\.b\.?|date of birth|né|née|geboren|nacido|nacida|nascido|nato|"
    r"生日|出生|родился|родилась)\b[^.\n]{0,25}$"
)


def _date_not_birth(text: str, start: int, end: int) -> bool:
    return not _BIRTH_CUE.search(_before(text, start, 45))


# --- CREDIT_CARD and IBAN: published test and example numbers ------------------------------

_TEST_CARDS = frozenset(
    {
        "4111111111111111",
        "4242424242424242",
        "4012888888881881",
        "4000056655665556",
        "5555555555554444",
        "5105105105105100",
        "5200828282828210",
        "378282246310005",
        "371449635398431",
        "6011111111111117",
        "6011000990139424",
        "3530111333300000",
        "30569309025904",
        "38520000023237",
    }
)
_EXAMPLE_IBANS = frozenset(
    {"GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606"}
)


def _test_number(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    compact = "".join(ch for ch in span if ch.isalnum()).upper()
    return digits_only(span) in _TEST_CARDS or compact in _EXAMPLE_IBANS


# --- Identifiers glued into a longer token (a UUID's last group, a file name) --------------


def _glued(text: str, start: int, end: int) -> bool:
    left = text[max(0, start - 2) : start]
    right = text[end : end + 2]
    left_glued = (left[-1:].isascii() and left[-1:].isalnum()) or (
        left[-1:] in ("-", "_") and left[:1].isalnum()
    )
    right_glued = (right[:1].isascii() and right[:1].isalnum()) or (
        right[:1] in ("-", "_") and right[1:].isalnum()
    )
    return bool(left_glued or right_glued)


# --- Digit-only national numbers of other countries need their cue -------------------------

_ID_CUES: dict[str, tuple[str, ...]] = {
    "AU_TFN": ("tfn", "tax file"),
    "AU_MEDICARE": ("medicare",),
    "PL_PESEL": ("pesel",),
    "TR_NATIONAL_ID": ("kimlik", "tckn", "tc no", "turkish"),
    "ZA_ID_NUMBER": ("south african", "sa id", "identity number", "id number", "id no"),
    "IN_AADHAAR": ("aadhaar", "aadhar", "uid"),
    "FI_PERSONAL_IDENTITY_CODE": ("hetu", "henkilötunnus", "identity code"),
    "SE_PERSONNUMMER": ("personnummer",),
    "KR_RRN": ("rrn", "resident registration", "주민등록번호"),
    "TH_TNIN": ("thai id", "tnin", "national id", "เลขประจำตัวประชาชน"),
    "DE_TAX_ID": ("steuer", "tax id", "identifikationsnummer"),
    "DE_ID_CARD": ("ausweis", "id card"),
    "DE_PASSPORT": ("pass", "passport"),
    "IT_FISCAL_CODE": ("codice fiscale", "fiscal code", "cf"),
}
_GENERIC_ID_CUES = ("id number", "identity", "national id", "identification", "passport", "personal number")


@dataclass(frozen=True, slots=True)
class _NeedsCue:
    """Rejects a digit-only number unless its own cue or a generic ID cue comes just before."""

    cues: tuple[str, ...]

    def __call__(self, text: str, start: int, end: int) -> bool:
        window = _before(text, start, 48)
        return not any(cue in window for cue in self.cues + _GENERIC_ID_CUES)


# Number-shaped identifiers checked for glue (phones have their own, wider check above).
GLUE_CHECKED = frozenset(
    {
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_BANK_NUMBER",
        "US_SSN",
        "US_ITIN",
        "UK_NHS",
        "CA_SIN",
        "BR_CPF",
        "CN_RESIDENT_ID",
    }
    | set(_ID_CUES)
)

STRICT_VETOES: tuple[Veto, ...] = (
    Veto("person-not-a-name", frozenset({"PERSON"}), _person_not_a_name),
    Veto("ip-not-personal", frozenset({"IP_ADDRESS"}), _ip_not_personal),
    Veto("phone-not-a-phone", frozenset({"PHONE_NUMBER"}), _phone_not_a_phone),
    Veto("email-placeholder", frozenset({"EMAIL_ADDRESS"}), _email_placeholder),
    Veto("url-not-a-profile", frozenset({"URL"}), _url_not_a_profile),
    Veto("date-not-birth", frozenset({"DATE_TIME"}), _date_not_birth),
    Veto("published-test-number", frozenset({"CREDIT_CARD", "IBAN_CODE"}), _test_number),
    Veto("glued-to-token", GLUE_CHECKED, _glued),
    *(
        Veto(f"{entity_type.lower()}-needs-cue", frozenset({entity_type}), _NeedsCue(cues))
        for entity_type, cues in _ID_CUES.items()
    ),
)


def first_veto(vetoes: tuple[Veto, ...], entity_type: str, text: str, start: int, end: int) -> str | None:
    """The name of the first veto that rejects this span, or None when it stands."""
    for veto in vetoes:
        if veto.applies(entity_type) and veto.rejects(text, start, end):
            return veto.name
    return None
