"""A PII evaluation set from a generator other than ours: Faker values in fresh templates.

    python benchmarks/data/pii/make_faker_set.py            # writes faker.jsonl next to this file

`wildchat.curate.pii.synthetic` built `eval.jsonl`, and the recognisers were tuned on it. This
set shares nothing with it: values come from Faker in fourteen locales (names, streets, postcodes,
cities, phone numbers and national identifiers as each locale writes them), addresses are laid out
in each country's order, and the templates below were written for this set only. Every value a
template inserts is labelled with its character span, by construction:

    PERSON, LOCATION (cities, regions, countries), STREET_ADDRESS, ZIP, PHONE_NUMBER,
    EMAIL_ADDRESS, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, DATE_OF_BIRTH, DATE_TIME, AGE,
    ORGANIZATION (only where it is tied to a person: an employer, a school), URL, and
    national identifiers (US_SSN, UK_NINO, FR_NIR, ES_NIF, IT_FISCAL_CODE, BR_CPF,
    IN_AADHAAR, PL_PESEL, SE_PERSONNUMMER, NL_BSN, PASSPORT).

Decoy templates insert values that are not personal (versions, ISBNs, order numbers, prices,
UUIDs, hashes, published test card numbers, placeholder addresses, loopback and private network
addresses, organisations not tied to anyone) and leave them unlabelled, so that precision and
the vetoes can be measured.

Templates alternate between two splits: `dev` (may be read while tuning) and `heldout` (scored
only to report), so the held-out half measures templates no one tuned against. The output is a
pure function of the seed and the Faker version (`FAKER_VERSION`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from faker import Faker
from faker.providers.address.it_IT import Provider as ItalianAddresses

FAKER_VERSION = "40.63.0"
SEED = 20_251_207
PER_TEMPLATE = 12
OUT = Path(__file__).with_name("faker.jsonl")

LOCALES = (
    "en_US",
    "en_GB",
    "en_CA",
    "en_AU",
    "en_IN",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "pl_PL",
    "sv_SE",
    "ja_JP",
)

Piece = tuple[str, str | None]  # (text, gold type or None)


@dataclass(frozen=True, slots=True)
class Context:
    fake: Faker
    english: Faker  # country names in English, whatever the locale
    locale: str
    rng: random.Random


# --- values ----------------------------------------------------------------------------------


def _person(ctx: Context) -> str:
    fake = ctx.fake
    if ctx.locale == "ja_JP" and ctx.rng.random() < 0.6:
        return f"{fake.first_romanized_name()} {fake.last_romanized_name()}"
    return f"{fake.first_name()} {fake.last_name()}"


def _first(ctx: Context) -> str:
    if ctx.locale == "ja_JP":
        return str(ctx.fake.first_romanized_name())
    return str(ctx.fake.first_name())


def _last(ctx: Context) -> str:
    if ctx.locale == "ja_JP":
        return str(ctx.fake.last_romanized_name())
    return str(ctx.fake.last_name())


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", ", ", text.strip())


def _region(ctx: Context) -> str:
    for attribute in ("state_abbr", "province_abbr"):
        if hasattr(ctx.fake, attribute):
            return str(getattr(ctx.fake, attribute)())
    return str(ctx.fake.administrative_unit())


def _address(ctx: Context) -> list[Piece]:
    """Street, postcode, city (and region) in the order the locale's country writes them."""
    fake, locale = ctx.fake, ctx.locale
    if locale == "ja_JP":
        street = f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}"
        return [
            ("〒", None),
            (fake.zipcode(), "ZIP"),
            (" ", None),
            (fake.administrative_unit(), "LOCATION"),
            (fake.city(), "LOCATION"),
            (street, "STREET_ADDRESS"),
        ]
    street = _one_line(fake.street_address())
    code = str(fake.postcode())
    city = _city(ctx)
    if locale in ("en_US", "en_CA", "en_AU"):
        sep = ", " if locale != "en_AU" else " "
        return [
            (street, "STREET_ADDRESS"),
            (", ", None),
            (city, "LOCATION"),
            (sep, None),
            (_region(ctx), "LOCATION"),
            (" ", None),
            (code, "ZIP"),
        ]
    if locale in ("en_GB", "en_IN"):
        return [(street, "STREET_ADDRESS"), (", ", None), (city, "LOCATION"), (" ", None), (code, "ZIP")]
    if locale == "it_IT":
        return [
            (street, "STREET_ADDRESS"),
            (", ", None),
            (code, "ZIP"),
            (" ", None),
            (city, "LOCATION"),
            (" (", None),
            (_region(ctx), "LOCATION"),
            (")", None),
        ]
    if locale == "pt_BR":
        return [
            (street, "STREET_ADDRESS"),
            (", ", None),
            (city, "LOCATION"),
            (" - ", None),
            (_region(ctx), "LOCATION"),
            (", CEP ", None),
            (code, "ZIP"),
        ]
    return [(street, "STREET_ADDRESS"), (", ", None), (code, "ZIP"), (" ", None), (city, "LOCATION")]


def _address_with_country(ctx: Context) -> list[Piece]:
    return [*_address(ctx), (", ", None), (ctx.fake.current_country(), "LOCATION")]


_DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%b %d %Y")


def _format_date(ctx: Context, day: date) -> str:
    text = day.strftime(ctx.rng.choice(_DATE_FORMATS))
    return text[1:] if text.startswith("0") and ctx.rng.random() < 0.5 else text


def _dob(ctx: Context) -> str:
    return _format_date(ctx, ctx.fake.date_of_birth(minimum_age=18, maximum_age=85))


def _date(ctx: Context) -> str:
    return _format_date(ctx, ctx.fake.date_between(start_date="-2y", end_date="+1y"))


def _time(ctx: Context) -> str:
    hour, minute = ctx.rng.randrange(7, 21), ctx.rng.choice((0, 15, 30, 45))
    if ctx.rng.random() < 0.5:
        return f"{hour:02d}:{minute:02d}"
    suffix = "am" if hour < 12 else "pm"
    twelve = hour if hour <= 12 else hour - 12
    return f"{twelve}{suffix}" if minute == 0 else f"{twelve}:{minute:02d} {suffix}"


def _card(ctx: Context) -> str:
    number = str(ctx.fake.credit_card_number(card_type=ctx.rng.choice(("visa", "mastercard", "amex", None))))
    if len(number) == 16 and ctx.rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _iban(ctx: Context) -> str:
    iban = str(ctx.fake.iban())
    if ctx.rng.random() < 0.5:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _ip(ctx: Context) -> str:
    return str(ctx.fake.ipv6() if ctx.rng.random() < 0.15 else ctx.fake.ipv4())


def _email(ctx: Context) -> str:
    return str(ctx.rng.choice((ctx.fake.email, ctx.fake.free_email, ctx.fake.company_email))())


def _url(ctx: Context) -> str:
    return str(ctx.rng.choice((ctx.fake.url, ctx.fake.uri))())


def _company(ctx: Context) -> str:
    return str(ctx.fake.company())


def _spanish_nif(fake: Faker) -> str:
    # Faker's own nif() draws from the unseeded global `random`; this one is the same shape
    # (eight digits and the DNI check letter) from the seeded instance.
    number = fake.random_int(0, 99_999_999)
    return f"{number:08d}" + "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]


# it_IT builds its city list from a set, whose order changes with every interpreter.
_ITALIAN_CITIES = tuple(sorted(ItalianAddresses.cities))


def _city(ctx: Context) -> str:
    if ctx.locale == "it_IT":
        return str(ctx.fake.random_element(_ITALIAN_CITIES))
    return str(ctx.fake.city())


# locale → (gold type, generator) of the national identifier people there are asked for most.
_NATIONAL_IDS: dict[str, tuple[str, Callable[[Faker], str]]] = {
    "en_US": ("US_SSN", lambda f: f.ssn()),
    "en_GB": ("UK_NINO", lambda f: f.ssn()),
    "fr_FR": ("FR_NIR", lambda f: f.ssn()),
    "es_ES": ("ES_NIF", lambda f: _spanish_nif(f)),
    "it_IT": ("IT_FISCAL_CODE", lambda f: f.ssn()),
    "pt_BR": ("BR_CPF", lambda f: f.cpf()),
    "en_IN": ("IN_AADHAAR", lambda f: f.aadhaar_id()),
    "pl_PL": ("PL_PESEL", lambda f: f.pesel()),
    "sv_SE": ("SE_PERSONNUMMER", lambda f: f.ssn()),
    "nl_NL": ("NL_BSN", lambda f: f.ssn()),
}


def _national_id(ctx: Context) -> list[Piece]:
    entry = _NATIONAL_IDS.get(ctx.locale)
    if entry is None:
        return [(str(ctx.fake.passport_number()), "PASSPORT")]
    kind, make = entry
    return [(str(make(ctx.fake)), kind)]


def _labelled(kind: str, make: Callable[[Context], str]) -> Callable[[Context], list[Piece]]:
    return lambda ctx: [(make(ctx), kind)]


def _unlabelled(make: Callable[[Context], str]) -> Callable[[Context], list[Piece]]:
    return lambda ctx: [(make(ctx), None)]


SLOTS: dict[str, Callable[[Context], list[Piece]]] = {
    "name": _labelled("PERSON", _person),
    "first": _labelled("PERSON", _first),
    "last": _labelled("PERSON", _last),
    "address": _address,
    "address_country": _address_with_country,
    "street": _labelled("STREET_ADDRESS", lambda c: _one_line(c.fake.street_address())),
    "city": _labelled("LOCATION", _city),
    "region": _labelled("LOCATION", _region),
    "country": _labelled("LOCATION", lambda c: str(c.english.country())),
    "home_country": _labelled("LOCATION", lambda c: str(c.fake.current_country())),
    "zip": _labelled("ZIP", lambda c: str(c.fake.postcode())),
    "phone": _labelled("PHONE_NUMBER", lambda c: str(c.fake.phone_number())),
    "email": _labelled("EMAIL_ADDRESS", _email),
    "card": _labelled("CREDIT_CARD", _card),
    "iban": _labelled("IBAN_CODE", _iban),
    "ip": _labelled("IP_ADDRESS", _ip),
    "dob": _labelled("DATE_OF_BIRTH", _dob),
    "date": _labelled("DATE_TIME", _date),
    "time": _labelled("DATE_TIME", _time),
    "age": _labelled("AGE", lambda c: str(c.rng.randrange(16, 90))),
    "company": _labelled("ORGANIZATION", _company),
    "url": _labelled("URL", _url),
    "natid": _national_id,
    "passport": _labelled("PASSPORT", lambda c: str(c.fake.passport_number())),
    # decoys: look-alikes that identify no one, left unlabelled
    "version": _unlabelled(lambda c: c.fake.numerify(c.rng.choice(("#.#.#", "##.#.####.###", "#.##.#.#")))),
    "isbn": _unlabelled(lambda c: str(c.fake.isbn13())),
    "order": _unlabelled(lambda c: c.fake.numerify("##########")),
    "price": _unlabelled(lambda c: str(c.fake.pricetag())),
    "uuid": _unlabelled(lambda c: str(c.fake.uuid4())),
    "sha": _unlabelled(lambda c: str(c.fake.sha1())[:12]),
    "count": _unlabelled(lambda c: str(c.rng.randrange(2, 400))),
    "test_card": _unlabelled(lambda c: c.rng.choice(("4242 4242 4242 4242", "4111111111111111"))),
    "placeholder": _unlabelled(lambda c: c.rng.choice(("name@example.com", "user@example.org"))),
    "local_ip": _unlabelled(lambda c: c.rng.choice(("127.0.0.1", "0.0.0.0", "192.168.0.1", "255.255.255.0"))),
    "other_company": _unlabelled(_company),
}

# --- templates -------------------------------------------------------------------------------
# Written for this set. Chat requests, forms and letters; one line each unless "\n" says so.

TEMPLATES: tuple[str, ...] = (
    "Can you turn this into a formal complaint? My name is {name} and my parcel never reached {address}.",
    "Proofread my bio: {name} grew up in {city}, {country} and now works at {company} as a designer.",
    "I need a cover letter. Applicant: {name}, phone {phone}, email {email}.",
    "hey its {first}, can u remind me what to pack for {city} next week",
    "Please fill in the form for me. Full name: {name}; Date of birth: {dob}; Address: {address}",
    "My daughter {name} turns {age} on {date}, suggest a party theme.",
    "Rewrite politely: Mr. {last}, you still owe rent for the flat at {street}.",
    "I'm {age} years old and live in {city}. Which running plan suits me?",
    "Translate to German: I was born on {dob} in {city}.",
    "Write a short reference letter for {name}, who worked with me at {company} until {date}.",
    "The bank asks for my IBAN, is {iban} the right format?",
    "Why was my card {card} declined at the hotel in {city}?",
    "Our router logs show {ip} connecting at {time}. Is that my neighbour {name}?",
    "Customer record\nName: {name}\nPhone: {phone}\nZIP: {zip}\nCity: {city}",
    "Draft an invitation: dinner at {name}'s place, {address}, on {date} at {time}.",
    "Is {natid} a valid ID number? It is on the form {first} sent me.",
    "my email is {email} and my number {phone}, please write a signature block",
    "Summarise this note: Patient {name}, DOB {dob}, aged {age}, referred by Dr. {last}.",
    "What is the best route from {street} to the airport? I live in {city} near the station.",
    "Help me answer {first}'s message: she moved from {country} to {city} last year and needs a flat.",
    "Make this sound professional: I am {name}, a student at {company}, reachable at {email}.",
    "I sent {price} to {iban} but {name} says nothing arrived.",
    "Please check my shipping label: {name}, {address_country}",
    "Could you write a LinkedIn summary? I work at {company} in {city} and my site is {url}.",
    "Add a row to the table: {name} | {phone} | {email} | {zip}",
    "Is it safe to post my passport number {passport} in the visa forum?",
    "I'd like a few verses for my grandma {name}, born {dob}, to read out at her party.",
    "I live at {address}. Which recycling bins are collected on {date}?",
    "My colleague {first} {last} keeps emailing me from {email}, how do I block it?",
    "Explain this bill: it says {name}, account holder since {date}, card ending in {card}.",
    "Help me reply to {name} ({email}) about the meeting on {date} at {time}.",
    "Our new hire {name}, {age}, starts at {company} on {date}. Draft a welcome email.",
    "The server at {ip} belongs to {name}, can you tell me where it is hosted?",
    "Book a table for {first} at {time} and call {phone} if it is full.",
    "Write an apology to {name} from {city} whose order went to {street} by mistake.",
    "For the tax office: {name}, tax number {natid}, resident in {city}, {home_country}.",
    "I am {name} from {city}. Can you make my CV sound better?",
    "Tenant: {name}\nProperty: {address}\nMove-in: {date}\nDeposit paid by card {card}",
    "Give me feedback on my portfolio at {url}, I'm {first} and I'm {age}.",
    "Signed,\n{name}\n{street}\n{zip} {city}",
    "Please forward the contract to {email}. Regards, {name}",
    "She was born on {dob} and has lived in {country} since she was {age}.",
    "Can you explain why {company} rejected my application? My name is {name}.",
    "My IP changed to {ip} yesterday and {company} support cannot find my account.",
    "Who should I contact about the noise at {street}, {city}? My number is {phone}.",
    "Correct the grammar: me and {first} was going to {city} on {date}",
    "I graduated from {company} in {date} and now live in {country}.",
    "Emergency contact: {name}, relation: brother, mobile {phone}, lives at {address}.",
    "Draft a short message thanking {name} for hosting us in {city}.",
    "Verify this: {name}, SSN or ID {natid}, born {dob}.",
    "Compose a text to {first}: running late, meet me at {street} at {time}.",
    "I changed banks. New IBAN {iban}, holder {name}, branch in {city}.",
    "The delivery driver rang {phone} but no one answered at {address}.",
    "what rhymes with {first}? writing a song for her {age}th birthday",
    "Please anonymise: '{name} ({email}, {phone}) complained about {company}.'",
    "I'm a nurse at {company} in {city}; write my shift swap request for {date}.",
    "Format as JSON: name={name}, card={card}, expiry={date}",
    "Dear {name},\nyour appointment is confirmed for {date} at {time}.",
    "Find a bakery near {zip} {city} that is open on {date}.",
    "Teach me to introduce myself in Spanish: I'm {name}, {age}, from {country}.",
    "The courier needs my postcode, is it {zip}? I live on {street}.",
    "Should I include my birthday {dob} and my address {address} in my resume?",
    "Reply to the recruiter from {company}: I'm {name} and available from {date}.",
    "Welcome {name}! Your login IP {ip} was recorded on {date}.",
)

DECOY_TEMPLATES: tuple[str, ...] = (
    "After upgrading to version {version} the build takes {count} seconds longer.",
    "Is the book with ISBN {isbn} still in print?",
    "Order {order} shows {price}, but the website said it would be cheaper.",
    "Why does my table use {uuid} as a primary key instead of an integer?",
    "git says commit {sha} is not on any branch, what happened?",
    "Which is better value: {count} pens for {price} or a pack of ten?",
    "The payment docs use the test card {test_card}; why is it rejected in live mode?",
    "Replace {placeholder} in the template with a real contact before sending.",
    "The app listens on {local_ip} port 8080; how do I expose it?",
    "Compare the annual reports of {other_company} and {other_company}.",
    "Convert {count} kilometres to miles and round to two decimals.",
    "Write a product description for a lamp that costs {price}.",
    "My script prints {version} as the version, but pip shows something else.",
    "Summarise the history of {other_company} in three sentences.",
    "How many prime numbers are there below {count}?",
    "Explain the difference between a list and a tuple in Python.",
)

_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, ctx: Context) -> tuple[str, list[dict[str, Any]]]:
    text = ""
    spans: list[dict[str, Any]] = []
    position = 0
    for match in _SLOT.finditer(template):
        text += template[position : match.start()]
        for piece, kind in SLOTS[match.group(1)](ctx):
            if kind is not None:
                spans.append({"type": kind, "start": len(text), "end": len(text) + len(piece)})
            text += piece
        position = match.end()
    return text + template[position:], spans


def examples(seed: int = SEED, per_template: int = PER_TEMPLATE) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    fakers = {locale: Faker(locale) for locale in LOCALES}
    english = Faker("en_US")
    for fake in fakers.values():
        fake.seed_instance(rng.randrange(2**31))
    english.seed_instance(rng.randrange(2**31))
    groups = [("pii", t) for t in TEMPLATES] + [("decoy", t) for t in DECOY_TEMPLATES]
    for index, (group, template) in enumerate(groups):
        split = "dev" if index % 2 == 0 else "heldout"
        count = per_template if group == "pii" else per_template // 2
        for _ in range(count):
            locale = rng.choice(LOCALES)
            ctx = Context(fakers[locale], english, locale, rng)
            text, spans = _fill(template, ctx)
            yield {
                "text": text,
                "spans": spans,
                "group": f"faker-{group}",
                "template": index,
                "locale": locale,
                "split": split,
                "language": "English",
            }


def main() -> None:
    import faker

    if faker.VERSION != FAKER_VERSION:
        raise SystemExit(f"faker {faker.VERSION} is installed; this set was made with {FAKER_VERSION}")
    rows = list(examples())
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    spans = sum(len(r["spans"]) for r in rows)
    print(f"wrote {len(rows)} sentences, {spans} gold spans to {OUT}")


if __name__ == "__main__":
    main()
