"""Labelled sentences from templates: the PII evaluation set and chat-like benchmark messages.

A template is text with `{slot}` markers (braces around anything else stay literal).
Filling a slot with a generated value records the value's exact character offsets, so
labels are right by construction. Slots in `PII_SLOTS` become gold spans; slots in
`DECOY_SLOTS` insert look-alikes that are not personal data (public figures, placeholder
e-mails, private IPs, versions, public URLs, ordinary dates, published test card numbers)
and are deliberately left unlabelled.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import regex as re

from wildchat.curate.pii.synthetic import values as v
from wildchat.curate.pii.synthetic.names import PUBLIC_FIGURES

Generator = Callable[[random.Random], str]

# slot → (generator, gold type)
PII_SLOTS: dict[str, tuple[Generator, str]] = {
    "name": (v.full_name, "PERSON"),
    "first": (v.given_name, "PERSON"),
    "phone": (v.phone, "PHONE_NUMBER"),
    "email": (v.email, "EMAIL_ADDRESS"),
    "address": (v.street_address, "STREET_ADDRESS"),
    "hard_address": (v.hard_address, "STREET_ADDRESS"),
    "ssn": (v.us_ssn, "US_SSN"),
    "nino": (v.uk_nino, "UK_NINO"),
    "nhs": (v.uk_nhs, "UK_NHS"),
    "aadhaar": (v.in_aadhaar, "IN_AADHAAR"),
    "pan": (v.in_pan, "IN_PAN"),
    "nric": (v.sg_nric, "SG_NRIC_FIN"),
    "dni": (v.es_dni, "ES_NIF"),
    "cpf": (v.br_cpf, "BR_CPF"),
    "cnid": (v.cn_resident_id, "CN_RESIDENT_ID"),
    "nir": (v.fr_nir, "FR_NIR"),
    "curp": (v.mx_curp, "MX_CURP"),
    "sin": (v.ca_sin, "CA_SIN"),
    "pesel": (v.pl_pesel, "PL_PESEL"),
    "passport": (v.passport, "PASSPORT"),
    "licence": (v.driver_licence, "DRIVER_LICENSE"),
    "card": (v.credit_card, "CREDIT_CARD"),
    "iban": (v.iban, "IBAN_CODE"),
    "ip": (v.public_ipv4, "IP_ADDRESS"),
    "ip6": (v.public_ipv6, "IP_ADDRESS"),
    "profile": (v.profile_url, "URL"),
    "dob": (v.date, "DATE_OF_BIRTH"),
}

_VERSIONS = ("2.4.1.3", "10.0.19045.2846", "1.2.3.4", "3.11.4", "4.2.0.1", "6.1.0.12", "1.0.0.2")
_TEST_CARDS = ("4111 1111 1111 1111", "4242 4242 4242 4242", "5555 5555 5555 4444", "3782 822463 10005")

DECOY_SLOTS: dict[str, Generator] = {
    "famous": lambda rng: rng.choice(PUBLIC_FIGURES),
    "placeholder_email": lambda rng: rng.choice(v.PLACEHOLDER_EMAILS),
    "private_ip": lambda rng: rng.choice(v.PRIVATE_IPS),
    "version": lambda rng: rng.choice(_VERSIONS),
    "public_url": lambda rng: rng.choice(v.PUBLIC_URLS),
    "date": lambda rng: v.date(rng, 2019, 2026),
    "test_card": lambda rng: rng.choice(_TEST_CARDS),
    "order": lambda rng: v.digits(rng, rng.choice((8, 10, 12)), True),
}

_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    templates: tuple[str, ...]
    repeats: int = 2
    language: str = "English"


@dataclass(slots=True)
class Example:
    text: str
    spans: list[dict[str, Any]] = field(default_factory=list)
    group: str = ""
    language: str = "English"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": self.spans, "group": self.group, "language": self.language}


def fill(template: str, rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    """The template with its slots filled, and the gold spans of the PII slots."""
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    position = 0
    length = 0
    for match in _SLOT.finditer(template):
        literal = template[position : match.start()]
        out.append(literal)
        length += len(literal)
        slot = match.group(1)
        if slot in PII_SLOTS:
            generate, gold_type = PII_SLOTS[slot]
            value = generate(rng)
            spans.append({"type": gold_type, "start": length, "end": length + len(value)})
        elif slot in DECOY_SLOTS:
            value = DECOY_SLOTS[slot](rng)
        else:  # not a slot: code such as "{ firstName }" stays as written
            value = match.group(0)
        out.append(value)
        length += len(value)
        position = match.end()
    out.append(template[position:])
    return "".join(out), spans


GROUPS: tuple[Group, ...] = (
    Group(
        "person-cued",
        (
            "My name is {name} and I need help writing a cover letter for a marketing job.",
            "Hi, I'm {name}. Can you suggest a 3-day itinerary for Lisbon?",
            "Dear {name},\nThank you for your application. We would like to invite you to an interview.",
            "Please proofread this:\n\nBest regards,\n{name}",
            "Sincerely,\n{name}\nSenior Analyst",
            "This is {name} from the accounts team, following up on last week's invoice.",
            "Hello {name}, your order has shipped. Rewrite this notice to sound friendlier.",
            "Write a wedding toast. The groom is {name} and the bride is {name}.",
            "Thanks, {name}",
            "I am {name}, a second-year nursing student, and I need a study plan.",
            "Kind regards,\n{name}",
            "Cheers,\n{name}",
            "Can you write a LinkedIn summary for me? My name is {name}, I'm a data engineer.",
            "Translate into Spanish: Hello, my name is {name} and I'm from Nairobi.",
            "Make this email more formal: hi {name}, the meeting moved to 3pm.",
            "Signed,\n{name}",
        ),
        repeats=3,
    ),
    Group(
        "person-uncued",
        (
            "Please forward the quarterly report to {name} before Friday.",
            "Write a reference letter for my colleague {name}, who worked with me for four years.",
            "My manager {name} keeps scheduling meetings at 7am. How do I push back politely?",
            "{name} and I are planning a surprise party. Give me ten theme ideas.",
            "Draft a message to my landlord {name} about the broken heater.",
            "I had an argument with {name} yesterday and I want to apologise. Help me word it.",
            "Summarise the complaint that {name} filed against the contractor.",
            "Create a birthday poem for my grandmother {name}, she turns 90.",
            "The patient, {name}, reported chest pain for two days. Write a SOAP note.",
            "Is it rude to ask {name} to pay back the money she borrowed?",
            "Write a short bio for our new CTO, {name}.",
            "Our tenant {name} has not paid rent for two months. What are my options?",
            "Compose a text to {name} cancelling tomorrow's dinner.",
            "I need a recommendation for {name}, a student in my chemistry class.",
        ),
        repeats=3,
    ),
    Group(
        "person-first-name",
        (
            "Hi {first}, thanks for getting back to me so quickly.",
            "Dear {first},\nI hope this finds you well.",
            "My name is {first} and I'm 16. How do I ask my parents for a phone?",
            "Thanks,\n{first}",
            "Write a love letter to my girlfriend {first}.",
            "Best,\n{first}",
        ),
        repeats=3,
    ),
    Group(
        "phone",
        (
            "Call me at {phone} if anything changes.",
            "My phone number is {phone}.",
            "WhatsApp: {phone}",
            "You can reach me on {phone} after 6pm.",
            "Tel: {phone}",
            "Text {phone} when you arrive at the station.",
            "Add this to my signature: Mobile {phone}",
            "Please call the clinic back on {phone} to confirm the appointment.",
            "My wife's number is {phone}, contact her if I don't answer.",
            "Format this contact card: Name: {name}, Phone: {phone}",
            "The delivery driver left a note saying to ring {phone}.",
            "Is {phone} a valid phone number format?",
            "contact me: {phone}",
            "I keep getting spam calls from {phone}. Who could it be?",
            "Emergency contact — {phone}",
            "whatsapp me at {phone} or email.",
            "For bookings, phone {phone}.",
            "Write a voicemail greeting that says to call back on {phone}.",
            "His cell is {phone}.",
            "Reach our host family at {phone}.",
        ),
        repeats=3,
    ),
    Group(
        "email",
        (
            "Send the draft to {email} by noon.",
            "My email is {email}, please add me to the mailing list.",
            "You can contact me at {email}.",
            "Write a follow-up email to {email} about the job offer.",
            "Her address is {email} — can you check if it's a work account?",
            "Reply-to: {email}",
            "I registered with {email} but never got the confirmation link.",
            "CC {email} on the next update.",
            "Update my profile: email {email}, phone {phone}.",
            "Why does Outlook bounce my messages to {email}?",
            "Login: {email} / password reset needed.",
            "Forward the receipt to {email}, thanks.",
        ),
        repeats=3,
    ),
    Group(
        "email-placeholder",
        (
            "In the signup form, the placeholder should read {placeholder_email}.",
            "Use {placeholder_email} as the sender in the unit test.",
            "Write a regex that matches addresses like {placeholder_email}.",
            'user = {"name": "Alice", "email": "{placeholder_email}"}',
            "For support, write to {placeholder_email}.",
            "git config --global user.email {placeholder_email}",
            "Replace {placeholder_email} with your own address before sending.",
            "The template says: Contact us at {placeholder_email}.",
            "Example: {placeholder_email} is a valid address, but user@ is not.",
            "Set SMTP_FROM={placeholder_email} in the .env file.",
        ),
        repeats=3,
    ),
    Group(
        "address",
        (
            "I live at {address}.",
            "Please ship the package to {address}.",
            "My new address is {address}, update my account please.",
            "Send the invoice to {address}.",
            "Write a letter to my neighbour at {address} about the noise.",
            "Our office moved to {address}.",
            "Format this as a mailing label: {name}, {address}",
            "The party is at my place, {address}, at 8pm.",
            "How long does it take to get from the airport to {address}?",
            "Billing address: {address}",
            "Return to sender: {address}",
            "I grew up at {address} and want to write a memoir about it.",
        ),
        repeats=4,
    ),
    Group(
        "address-hard",
        (
            "My address is {hard_address}.",
            "Deliver it to {hard_address}, please.",
            "Write the address {hard_address} on the envelope.",
            "I just moved to {hard_address}.",
        ),
        repeats=3,
    ),
    Group(
        "national-id",
        (
            "My SSN is {ssn}, is it safe to put it on this form?",
            "Social security number: {ssn}",
            "My National Insurance number is {nino}.",
            "NI number {nino} — which tax code should I have?",
            "My NHS number is {nhs}, how do I register with a GP?",
            "Aadhaar: {aadhaar}",
            "My Aadhaar number is {aadhaar} and it isn't linked to my bank.",
            "PAN card number {pan}, please fill in the ITR form.",
            "NRIC {nric} — do I need this for the condo booking?",
            "Mi DNI es {dni}.",
            "DNI: {dni}",
            "Meu CPF é {cpf}.",
            "CPF {cpf}",
            "我的身份证号是{cnid}。",
            "ID number: {cnid}",
            "Mon numéro de sécurité sociale est {nir}.",
            "Numéro de sécurité sociale : {nir}",
            "Mi CURP es {curp}.",
            "CURP: {curp}",
            "My SIN is {sin}, do I need it for the lease?",
            "Social insurance number {sin}",
            "PESEL: {pesel}",
            "My passport number is {passport}, renew it before June?",
            "Passport no. {passport}",
            "Driver's license number {licence}, expires next year.",
            "Fill in: Name {name}, Passport {passport}, DOB {dob}",
        ),
        repeats=3,
    ),
    Group(
        "credit-card",
        (
            "My credit card number is {card}, why was it declined?",
            "Card: {card} exp 09/27",
            "I paid with card {card} but got charged twice.",
            "Please cancel the card ending in the number {card}.",
            "Visa card {card}, CVV on the back.",
            "Charge my Mastercard: {card}.",
            "Debit card {card} was stolen, what should I do?",
            "Update the card on file to {card}.",
        ),
        repeats=3,
    ),
    Group(
        "credit-card-no-cue",
        (
            "Pay with {card} please.",
            "The number {card} keeps failing at checkout.",
            "Use {card} for the hotel deposit.",
            "Billing: {card}",
        ),
        repeats=2,
    ),
    Group(
        "iban",
        (
            "My IBAN is {iban}, please transfer the deposit.",
            "Bank details: {iban}",
            "Send the refund to IBAN {iban}.",
            "Can you check whether {iban} is a valid IBAN?",
            "Transfer to {name}, IBAN {iban}, reference rent.",
        ),
        repeats=2,
    ),
    Group(
        "ip",
        (
            "My home IP is {ip}, why is it blocked by the forum?",
            "Server logs show repeated logins from {ip}.",
            "Whitelist {ip} in the firewall.",
            "My IPv6 address is {ip6}.",
            "Someone from {ip} keeps trying to SSH into my box.",
            "My public IP address is {ip} according to whatismyip.",
            "Connection refused from {ip6} on port 443.",
            "The VPN shows {ip} as my exit address.",
        ),
        repeats=3,
    ),
    Group(
        "ip-decoy",
        (
            "Set the router gateway to {private_ip}.",
            "ping {private_ip} works but the internet doesn't.",
            "The subnet mask is 255.255.255.0 and my laptop is {private_ip}.",
            "Upgrade the firmware to version {version}.",
            "We're running build {version} in production.",
            "pip install package=={version}",
            "Windows {version} broke my audio driver.",
            "The server binds to {private_ip}:8080 in docker-compose.",
            "Point your DNS to 8.8.8.8 or 1.1.1.1.",
            "Section 4.2.1.3 of the spec covers retries.",
        ),
        repeats=2,
    ),
    Group(
        "profile-url",
        (
            "Here is my LinkedIn: {profile}",
            "Review my profile {profile} and suggest improvements.",
            "Follow me at {profile}",
            "My portfolio and socials: {profile}",
            "Add {profile} to my resume header.",
            "Can you summarise {profile} for my cover letter?",
            "I found him on {profile}.",
            "Contact: {email} | {profile}",
        ),
        repeats=3,
    ),
    Group(
        "url-decoy",
        (
            "According to {public_url}, this function is deprecated.",
            "Summarise the article at {public_url}.",
            "I cloned {public_url} but the tests fail.",
            "Is {public_url} a reliable source?",
            "The docs ({public_url}) say to use a context manager.",
            "Link: {public_url}",
            "Microsoft's page {public_url} lists open roles.",
            "Open {public_url} in a new tab with JavaScript.",
        ),
        repeats=2,
    ),
    Group(
        "date-of-birth",
        (
            "I was born on {dob}, how old will I be in 2030?",
            "Date of birth: {dob}",
            "DOB {dob}",
            "My daughter was born {dob} — which zodiac sign is she?",
            "Birthday: {dob}",
            "Fill in the form: {name}, born {dob}.",
            "My date of birth is {dob} but the passport says otherwise.",
            "He was born on {dob} in Lagos.",
        ),
        repeats=3,
    ),
    Group(
        "date-decoy",
        (
            "The meeting is on {date}, add it to my calendar.",
            "The deadline for the grant is {date}.",
            "Python 3.12 was released in October 2023.",
            "What happened in the stock market on {date}?",
            "Schedule the deployment for {date} at 10:00.",
            "The invoice dated {date} is overdue.",
            "Our lease ends on {date}.",
            "Plan a trip from {date} to the end of the month.",
        ),
        repeats=2,
    ),
    Group(
        "public-figure",
        (
            "Write a poem in the style of {famous}.",
            "What did {famous} say about education?",
            "Compare {famous} and {famous} as leaders.",
            "Give me five fun facts about {famous}.",
            "Write a rap battle between {famous} and {famous}.",
            "Was {famous} ever married?",
            "Summarise the life of {famous} in 100 words.",
            "Pretend you are {famous} and answer my questions.",
            "Why is {famous} so famous?",
            "Write fan fiction where {famous} meets {famous}.",
            "Quote by {famous}: explain its meaning.",
            "Is {famous} still alive?",
            "Design a lesson plan about {famous} for ten-year-olds.",
            "Create a timeline of {famous}'s career.",
        ),
        repeats=3,
    ),
    Group(
        "code",
        (
            "def get_user_name(user):\n    return user.first_name + ' ' + user.last_name",
            "class PersonRepository:\n    def find_by_email(self, email: str) -> Person: ...",
            "Why does `getUserProfile()` return undefined in React?",
            "const { firstName, lastName } = props;\nconsole.log(`${firstName} ${lastName}`);",
            "SELECT first_name, last_name, email FROM users WHERE id = 42;",
            "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data.csv')",
            "for (int i = 0; i < 10; i++) { System.out.println(i); }",
            "Fix this: TypeError: Cannot read properties of null (reading 'addEventListener')",
            "My Dockerfile uses FROM python:3.11-slim and pip install -r requirements.txt",
            "In Django, how do I filter User.objects by date_joined?",
            "git commit -m 'Fix NullPointerException in OrderService'",
            "```python\nclass Node:\n    def __init__(self, value):\n        self.value = value\n```",
            "The function calculateTotalPrice(items, taxRate) returns NaN.",
            "Explain what std::vector<int> does in C++.",
        ),
        repeats=1,
    ),
    Group(
        "product-version",
        (
            "Should I buy the iPhone 15 Pro or the Galaxy S23 Ultra?",
            "My PlayStation 5 won't update to firmware 8.20.",
            "How do I install Visual Studio Code on Ubuntu 22.04?",
            "Compare the Tesla Model 3 and the Hyundai Ioniq 5.",
            "Excel keeps crashing when I open a 200 MB file.",
            "Is Node.js 20 compatible with npm 10.2.4?",
            "Write a review of the Sony WH-1000XM5 headphones.",
            "What's new in Android 14 compared to Android 13?",
            "My MacBook Pro M2 is stuck on macOS 14.1.2.",
            "Set up Google Docs for a team of 12 people.",
            "Adobe Photoshop 2024 vs Affinity Photo 2 for beginners?",
            "Upgrade Kubernetes from 1.27.3 to 1.28.0 safely.",
            "The Amazon Echo Dot keeps disconnecting from Wi-Fi.",
            "Microsoft Teams version 1.6.00.4472 won't start.",
        ),
        repeats=1,
    ),
    Group(
        "numbers-decoy",
        (
            "My order number is {order} and it still hasn't shipped.",
            "Invoice #{order}: total $1,249.99 due in 30 days.",
            "What is 123456 multiplied by 789?",
            "ISBN 978-0-306-40615-7 — is this the first edition?",
            "The commit hash is 9fceb02d0ae598e95dc970b74767f19372d61af8.",
            "Use the colour #1E90FF for the header.",
            "Tracking number {order}, carrier says delayed.",
            "The population grew from 1,200,000 to 1,450,000 between 2010 and 2020.",
            "Stripe test card {test_card} returns a success response.",
            "Convert 1024 x 768 pixels to inches at 96 dpi.",
            "Our UUID is 123e4567-e89b-12d3-a456-426614174000.",
            "Part number 4600-2231-0098 is out of stock.",
        ),
        repeats=1,
    ),
    Group(
        "mixed",
        (
            "Hi, I'm {name}. My email is {email} and my phone is {phone}.",
            "Update my details: {name}, {address}, tel {phone}.",
            "Dear {name},\nYour account ({email}) was accessed from {ip}.",
            "Resume header: {name} | {phone} | {email} | {profile}",
            "Ship to {name}, {address}. Card: {card}.",
            "My name is {name}, SSN {ssn}, born {dob}.",
            "Please verify: passport {passport}, IBAN {iban}.",
            "Contact {name} at {email} or on WhatsApp {phone}.",
            "New employee: {name}, NI number {nino}, address {address}.",
            "Regards,\n{name}\n{phone}\n{email}",
            "I'm {name} and I live at {address}.",
            "Tenant: {name}. Phone {phone}. Previous address {address}.",
        ),
        repeats=3,
    ),
    Group(
        "other-language",
        (
            "Me llamo {name} y mi teléfono es {phone}.",
            "Hola, mi correo es {email}, escríbeme.",
            "Je m'appelle {name}, mon numéro est le {phone}.",
            "Ich heiße {name} und wohne in der {address}.",
            "Meu nome é {name}, meu e-mail é {email}.",
            "Mi chiamo {name}, il mio indirizzo è {address}.",
            "我叫{name}，我的电话是{phone}。",
            "Меня зовут {name}, мой телефон {phone}.",
            "Envíame la factura a {email}, gracias.",
            "Llámame al {phone} mañana.",
        ),
        repeats=2,
        language="Other",
    ),
    Group(
        "no-pii",
        (
            "Explain the difference between TCP and UDP.",
            "Write a haiku about autumn rain.",
            "What are the health benefits of green tea?",
            "Give me a recipe for vegan lasagna for six people.",
            "Summarise the causes of the First World War.",
            "How do I centre a div in CSS?",
            "Translate 'good morning' into Japanese, Korean and Hindi.",
            "What's the best way to learn calculus on my own?",
            "Write a short story about a robot who learns to paint.",
            "List 10 interview questions for a junior developer.",
            "Why is the sky blue?",
            "Plan a 5-day workout routine for beginners.",
            "Help me write a toast for my friend's retirement party.",
            "What is the capital of Australia?",
            "Rewrite this paragraph to be more concise.",
        ),
        repeats=1,
    ),
)

# Written after the recognisers were frozen and never used to tune them: the benchmark
# reports these sentences separately as a check on over-fitting to the groups above.
HOLDOUT_GROUPS: tuple[Group, ...] = (
    Group(
        "holdout-pii",
        (
            "Could you polish my bio? I go by {name} and I teach chemistry in Accra.",
            "Write a thank-you note to {name} for hosting us last weekend.",
            "yo its {first} again, the wifi password thing still doesn't work",
            "Remind me to email {email} about the lease renewal.",
            "The recruiter wants my number, it's {phone}, should I give it?",
            "For the visa form: surname and given names {name}, passport {passport}.",
            "Mail the signed contract to {address} by courier.",
            "Please wire the deposit to {iban} before Monday.",
            "I got a fraud alert for the card {card} — how do I dispute it?",
            "My SSN {ssn} was in a data breach; what should I do next?",
            "Someone at {ip} keeps hitting my login page with wrong passwords.",
            "Make my email signature: {name}, Product Lead, {phone}",
            "My aadhaar {aadhaar} shows the wrong birth year.",
            "Which documents list my date of birth ({dob}) and my NI number {nino}?",
            "Connect with me on {profile} for the project updates.",
            "Tell {name} the shipment to {address} is delayed.",
            "Our babysitter {name} can be reached on {phone}.",
            "I'm moving from {address} next month, help me write the change-of-address letter.",
        ),
        repeats=5,
    ),
    Group(
        "holdout-decoy",
        (
            "Explain the plot of Romeo and Juliet in modern slang.",
            "Why did Napoleon Bonaparte lose at Waterloo?",
            'Convert this JSON: {"user": "demo", "email": "{placeholder_email}"}',
            "My router's admin page is at http://{private_ip}/login.",
            "npm ERR! peer dep react@{version} required.",
            "The conference runs from {date} for three days at the Hilton.",
            "Is Ubuntu 24.04 LTS better than Fedora 40 for a laptop?",
            "Review the pull request at {public_url}.",
            "Can Sherlock Holmes solve the case faster than Hercule Poirot?",
            "Calculate 4532 + 1198 + 20045 and show the steps.",
            "Reference: order {order}, shipped via DHL.",
            "Our test environment uses card {test_card} for sandbox payments.",
        ),
        repeats=2,
    ),
)


# Per-template language overrides for the mixed-language group ("Other" above).
_LANGUAGE_BY_PREFIX = {
    "Me llamo": "Spanish",
    "Hola": "Spanish",
    "Envíame": "Spanish",
    "Llámame": "Spanish",
    "Je m'appelle": "French",
    "Ich heiße": "German",
    "Meu nome": "Portuguese",
    "Mi chiamo": "Italian",
    "我叫": "Chinese",
    "Меня зовут": "Russian",
    "Mi DNI": "Spanish",
    "Meu CPF": "Portuguese",
    "我的身份证": "Chinese",
    "Mon numéro": "French",
    "Numéro": "French",
    "Mi CURP": "Spanish",
}


def _language_of(template: str, group: Group) -> str:
    for prefix, language in _LANGUAGE_BY_PREFIX.items():
        if template.startswith(prefix):
            return language
    return "English" if group.language == "Other" else group.language


def evaluation_examples(seed: int = 20240502) -> Iterator[Example]:
    """The labelled evaluation set (deterministic for a seed), held-out groups last."""
    rng = random.Random(seed)
    for group in (*GROUPS, *HOLDOUT_GROUPS):
        for _ in range(group.repeats):
            for template in group.templates:
                text, spans = fill(template, rng)
                yield Example(text, spans, group.name, _language_of(template, group))


# -- chat-like messages for throughput --------------------------------------------------------

_FILLER = (
    "Can you explain how gradient descent works, step by step, with a small numeric example?",
    "Write a 300-word story about a lighthouse keeper who finds a message in a bottle.",
    "Here is my code:\n```python\nimport requests\nresp = requests.get(url, timeout=10)\n"
    "print(resp.json()['items'][0])\n```\nWhy do I get a KeyError?",
    "Summarise the main arguments for and against a four-day work week, in bullet points.",
    "Translate this paragraph into French and keep the tone informal: we had a great time at the beach.",
    "What are some good names for a bakery that specialises in sourdough and pastries?",
    "Sure! Here is a detailed plan. First, define the goal. Second, gather data for 2 weeks. "
    "Third, review the numbers with your team and adjust the targets for Q3.",
    "I am writing a fantasy novel. The hero, a young mage, must cross the Ashen Desert to reach the capital.",
)


def chat_messages(count: int, seed: int = 7, pii_rate: float = 0.15) -> list[tuple[str, str]]:
    """(text, language) pairs that look like chatbot traffic: mostly prose and code, some PII."""
    rng = random.Random(seed)
    pii_templates = [t for g in GROUPS if g.name not in ("no-pii", "code") for t in g.templates]
    messages: list[tuple[str, str]] = []
    for _ in range(count):
        parts = [rng.choice(_FILLER) for _ in range(rng.randint(1, 3))]
        if rng.random() < pii_rate:
            text, _ = fill(rng.choice(pii_templates), rng)
            parts.insert(rng.randrange(len(parts) + 1), text)
        messages.append(("\n\n".join(parts), "English"))
    return messages
