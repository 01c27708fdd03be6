"""Vetoes: rules that drop a detection known to be a false positive of its recogniser.

Each veto names the mistake it prevents, looks only at the span and the message around it,
and is listed in `STRICT_VETOES`; a policy runs them after the recognisers. They are kept
apart from the recognisers so that Presidio's and ours are corrected the same way.

`strict` must find at least what vanilla Presidio finds, so a veto stays in `STRICT_VETOES`
only while the evaluation on data we did not write (`benchmarks/data/pii/faker.jsonl`) shows
that it removes false positives and costs no recall (`tests/curate/test_pii_quality.py`
measures each one against all the others). Vetoes that failed that test were removed: "only
dates of birth" and "only profile URLs" (Faker's people have dates, times and homepages),
"placeholder domains" (Faker's addresses are at example.org), "glued to a token" and
"published test numbers" (they removed no false positive there: other recognisers still
cover those numbers).

`CUE_REQUIREMENTS` are different: they belong to recognisers vanilla Presidio does not have
(other countries' digit-only numbers), and only say that such a number needs its cue.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

import regex as re

from wildchat.curate.pii.recognizers.persons import SELF_INTRODUCTION_BEFORE


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
    # Not after "my name is": there a lower-case word is the name, written carelessly.
    if (
        any("a" <= ch.lower() <= "z" for ch in span)
        and not any(ch.isupper() for ch in span)
        and not SELF_INTRODUCTION_BEFORE.search(text[max(0, start - 40) : start])
    ):
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
# "10-20", "(3) - 7", "1999-2004": a range goes up, and its lower end has no leading zero
# ("0903-8486" is a phone number's tail).
_RANGE_LIKE = re.compile(r"^\(?(?P<low>0|[1-9]\d{0,3})\)?\s?[\-–]\s?(?P<high>\d{1,4})$")
# Numbers named for what they are: an order or an identity document's number is not a phone's
# (the identifier's own recogniser then names it).
_NOT_PHONE_CUE = re.compile(
    r"(?:isbn|issn|doi|order|invoice|tracking|serial|sku|part|model|account|reference|ref|id|#|\$|€|£|¥|"
    r"passport|tax|ssn|social\ssecurity|identity|licen[cs]e|personnummer|pesel|aadhaar|bsn|cpf|nif|nie|dni)"
    r"(?:\s(?:number|no\.?|num|code|id|card))?\s*(?:is\s)?[:#]?\s*$"
)


def _phone_not_a_phone(text: str, start: int, end: int) -> bool:
    span = text[start:end].strip()
    if _DATE_LIKE.match(span):
        return True
    range_like = _RANGE_LIKE.match(span)
    if range_like and int(range_like["low"]) < int(range_like["high"]):
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


# --- EMAIL_ADDRESS: role accounts ------------------------------------------------------------
# (A veto on placeholder domains such as example.com lost recall: Faker gives people
# addresses there, and so may anyone writing test data about real people.)

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


def _email_role_account(text: str, start: int, end: int) -> bool:
    local = text[start:end].lower().rpartition("@")[0]
    if local in _ROLE_LOCAL_PARTS:
        return True
    return bool(re.fullmatch(r"x+|a+|abc\w*|\w*123|user\d*|test\w*", local))


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


# --- Presidio's bank-account and NHS patterns: any digit run, unless their words are near ------
# (The same veto for US_DRIVER_LICENSE lost IDs cued after the number, "Is J6077354 a valid ID
# number?"; for US_PASSPORT and US_ITIN it removed no false positive. They were dropped.)

# The context words of Presidio's recognisers for these types (their `CONTEXT`), as words.
_WEAK_NUMBER_CUES: dict[str, tuple[str, ...]] = {
    "US_BANK_NUMBER": ("check", "account", "acct", "bank", "save", "savings", "debit", "routing"),
    "UK_NHS": ("national health service", "nhs", "health services authority", "health authority", "health"),
}
_WEAK_NUMBER_PATTERNS = {
    kind: re.compile(r"(?<![\w])(?:" + "|".join(re.escape(c) for c in cues + _GENERIC_ID_CUES) + r")(?![\w])")
    for kind, cues in _WEAK_NUMBER_CUES.items()
}


@dataclass(frozen=True, slots=True)
class _WeakNumberWithoutCue:
    """Rejects the number unless one of its recogniser's context words comes just before."""

    kind: str

    def __call__(self, text: str, start: int, end: int) -> bool:
        return _WEAK_NUMBER_PATTERNS[self.kind].search(_before(text, start, 48)) is None


# --- URL: the domain of an e-mail address --------------------------------------------------


def _url_inside_email(text: str, start: int, end: int) -> bool:
    # Presidio's URL pattern matches "example.com" in "name@example.com": the address is the
    # identifier (replaced, or vetoed, as an e-mail), its domain alone is not.
    return start > 0 and text[start - 1] == "@"


# --- DATE_TIME: dotted numbers the NER model calls dates -------------------------------------

_DOTTED_NUMBER = re.compile(r"^\d+(?:\.\d+){3,}$")


_TOKEN_EDGE = " \t\r\n\"'`<>()[]{},;"


def _date_not_a_date(text: str, start: int, end: int) -> bool:
    # No date has four dot-separated parts; addresses and versions do ("192.168.1.1", "10.0.19045.2846").
    if _DOTTED_NUMBER.match(text[start:end].strip()) is not None:
        return True
    # Nor is a date part of an IP address: the NER model reads the "2001" of "2001:db8::1" as a
    # year. The address is the IP recogniser's (replaced whole, or kept by ip-not-personal).
    left = max((text.rfind(ch, 0, start) for ch in _TOKEN_EDGE), default=-1) + 1
    right = min((i for i in (text.find(ch, end) for ch in _TOKEN_EDGE) if i >= 0), default=len(text))
    token = text[left:right].rstrip(".:!?")
    try:
        ipaddress.ip_address(token.split("%")[0])
    except ValueError:
        return False
    return True


STRICT_VETOES: tuple[Veto, ...] = (
    Veto("person-not-a-name", frozenset({"PERSON"}), _person_not_a_name),
    Veto("ip-not-personal", frozenset({"IP_ADDRESS"}), _ip_not_personal),
    Veto("phone-not-a-phone", frozenset({"PHONE_NUMBER"}), _phone_not_a_phone),
    Veto("email-role-account", frozenset({"EMAIL_ADDRESS"}), _email_role_account),
    Veto("url-inside-email", frozenset({"URL"}), _url_inside_email),
    Veto("date-not-a-date", frozenset({"DATE_TIME"}), _date_not_a_date),
    *(
        Veto(f"{kind.lower()}-without-cue", frozenset({kind}), _WeakNumberWithoutCue(kind))
        for kind in _WEAK_NUMBER_CUES
    ),
)

CUE_REQUIREMENTS: tuple[Veto, ...] = tuple(
    Veto(f"{entity_type.lower()}-needs-cue", frozenset({entity_type}), _NeedsCue(cues))
    for entity_type, cues in _ID_CUES.items()
)


def first_veto(vetoes: tuple[Veto, ...], entity_type: str, text: str, start: int, end: int) -> str | None:
    """The name of the first veto that rejects this span, or None when it stands."""
    for veto in vetoes:
        if veto.applies(entity_type) and veto.rejects(text, start, end):
            return veto.name
    return None
