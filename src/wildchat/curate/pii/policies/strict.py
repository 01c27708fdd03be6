"""The `strict` policy: everything vanilla Presidio finds, plus our recognisers, minus proven vetoes.

For deployments that must publish nothing personal. Its detections are a superset of what
Presidio finds as shipped (its default recognisers at any score, and every entity its spaCy
recogniser reports: PERSON, LOCATION, DATE_TIME, NRP), extended by Presidio's recognisers for
more countries and by ours (street addresses, postcodes, ages, cued names, places and
employers, Chinese names in Latin-script messages, phone shapes, national identifiers), which
count from `OWN_SCORE_FLOOR`. There is
no document-frequency exception (a name in many conversations is still a name), and NER runs
on every non-blank message whatever its language: no gate, so nothing is skipped that could
hold a name, a place or a date. ORGANIZATION is kept where it is tied to a person (an
employer, a school: `wildchat.curate.pii.recognizers.organizations`).

The vetoes in `wildchat.curate.pii.vetoes.STRICT_VETOES` then drop known false positives;
each one is kept only while the evaluation on data we did not write shows that it removes
false positives and loses no recall (`tests/curate/test_pii_quality.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from presidio_analyzer import EntityRecognizer
from presidio_analyzer import predefined_recognizers as presidio
from presidio_analyzer.recognizer_registry import RecognizerRegistryProvider

from wildchat.curate.pii.anonymize import merge_overlaps
from wildchat.curate.pii.entities import DetectedEntity
from wildchat.curate.pii.policies.base import Policy
from wildchat.curate.pii.prefilters import (
    Prefilter,
    always,
    at_least_13_digits,
    contains_any,
    has_at,
    has_digit,
    ip_shaped,
    phone_digits,
)
from wildchat.curate.pii.recognizers.addresses import StreetAddressRecognizer
from wildchat.curate.pii.recognizers.ages import AgeRecognizer
from wildchat.curate.pii.recognizers.dates import DateTimeRecognizer
from wildchat.curate.pii.recognizers.national_ids import (
    BrCpfRecognizer,
    CnResidentIdRecognizer,
    ContextualIdRecognizer,
    FrNirRecognizer,
    MxCurpRecognizer,
)
from wildchat.curate.pii.recognizers.organizations import CuedOrganizationRecognizer, tied_to_person
from wildchat.curate.pii.recognizers.persons import CuedNameRecognizer, HanNameRecognizer
from wildchat.curate.pii.recognizers.phones import InternationalPhoneRecognizer
from wildchat.curate.pii.recognizers.places import CuedPlaceRecognizer
from wildchat.curate.pii.recognizers.postcodes import PostcodeRecognizer
from wildchat.curate.pii.recognizers.profiles import ProfileUrlRecognizer
from wildchat.curate.pii.vetoes import CUE_REQUIREMENTS, STRICT_VETOES, Veto, first_veto

# Presidio's predefined recognisers beyond its default registry (more countries' identifiers).
# Like ours, they count from `OWN_SCORE_FLOOR`: alone, several of them match any digit run.
_PRESIDIO_EXTRA_CLASSES: tuple[Callable[..., EntityRecognizer], ...] = (
    presidio.NhsRecognizer,
    presidio.UkNinoRecognizer,
    presidio.UkPassportRecognizer,
    presidio.UkPostcodeRecognizer,
    presidio.CaSinRecognizer,
    presidio.CaPostalCodeRecognizer,
    presidio.InAadhaarRecognizer,
    presidio.InPanRecognizer,
    presidio.InPassportRecognizer,
    presidio.SgFinRecognizer,
    presidio.AuTfnRecognizer,
    presidio.AuMedicareRecognizer,
    presidio.EsNifRecognizer,
    presidio.EsNieRecognizer,
    presidio.ItFiscalCodeRecognizer,
    presidio.PlPeselRecognizer,
    presidio.KrRrnRecognizer,
    presidio.ZaIdNumberRecognizer,
    presidio.SePersonnummerRecognizer,
    presidio.FiPersonalIdentityCodeRecognizer,
    presidio.TrNationalIdRecognizer,
    presidio.ThTninRecognizer,
    presidio.DeTaxIdRecognizer,
    presidio.DeIdCardRecognizer,
    presidio.DePassportRecognizer,
)
_OWN_CLASSES: tuple[Callable[..., EntityRecognizer], ...] = (
    InternationalPhoneRecognizer,
    StreetAddressRecognizer,
    BrCpfRecognizer,
    CnResidentIdRecognizer,
    FrNirRecognizer,
    MxCurpRecognizer,
    ContextualIdRecognizer,
    ProfileUrlRecognizer,
    CuedNameRecognizer,
    HanNameRecognizer,
    CuedPlaceRecognizer,
    CuedOrganizationRecognizer,
    PostcodeRecognizer,
    AgeRecognizer,
    DateTimeRecognizer,
)

OWN_SCORE_FLOOR = 0.4  # Presidio's phone score: below it a match needs a context word


@functools.cache
def presidio_default_classes() -> tuple[Callable[..., EntityRecognizer], ...]:
    """The classes of the recognisers Presidio's default registry loads for English."""
    registry = RecognizerRegistryProvider(
        registry_configuration={"supported_languages": ["en"]}
    ).create_recognizer_registry()
    classes: list[Callable[..., EntityRecognizer]] = []
    for recognizer in registry.recognizers:
        if type(recognizer) not in classes:
            classes.append(type(recognizer))
    return tuple(classes)


# Entities whose every pattern needs something other than "a digit somewhere".
_SPECIAL_PREFILTERS: dict[str, Prefilter] = {
    "EMAIL_ADDRESS": has_at,
    "PHONE_NUMBER": phone_digits,
    "CREDIT_CARD": at_least_13_digits,
    "URL": contains_any("."),  # every URL pattern, Presidio's and the profile one, holds a dot
    "IP_ADDRESS": ip_shaped,
    "MAC_ADDRESS": always,  # "aa:bb:cc:dd:ee:ff" has no digit
    "UUID": contains_any("-"),  # hyphenated hex groups, possibly without a digit
    "PERSON": always,  # the cued-name patterns
    "LOCATION": always,  # cued places
    "ORGANIZATION": always,  # cued employers
    "STREET_ADDRESS": always,  # some streets are written without a number
    "DATE_TIME": has_digit,  # Presidio's date patterns all hold digits; NER dates bypass this
}


# Where an NER span overlaps what a pattern found (spaCy calls many phone numbers and
# postcodes DATE, some dates GPE, "IBAN … before Monday" one DATE), the pattern's type names
# the merged span: patterns check a shape or a cue, the small model guesses. Among NER types,
# dates are the likeliest to be right about digits.
_NER_TYPE_RANK = {"DATE_TIME": 1, "PERSON": 2, "LOCATION": 3, "ORGANIZATION": 3, "NRP": 4}


def _overlap_rank(entity: DetectedEntity) -> tuple[int, int, float, int]:
    source = _NER_TYPE_RANK.get(entity.type, 5) if entity.ner else 0
    return (source, -(entity.end - entity.start), -entity.score, entity.start)


class StrictPolicy(Policy):
    """`strict`: vanilla Presidio's findings and ours, minus vetoes; NER on every message."""

    name = "strict"
    ner_entities = frozenset({"PERSON", "LOCATION", "DATE_TIME", "NRP", "ORGANIZATION"})
    ner_on_every_message = True
    # Each recogniser's own threshold: Presidio's defaults none (0), the rest OWN_SCORE_FLOOR.
    score_threshold = None

    def __init__(self, vetoes: tuple[Veto, ...] = STRICT_VETOES) -> None:
        self.vetoes = vetoes
        self._entities: frozenset[str] | None = None

    def pattern_recognizers(self, language: str) -> list[EntityRecognizer]:
        defaults = presidio_default_classes()
        recognizers = [cls(supported_language=language) for cls in defaults]
        for cls in (*_PRESIDIO_EXTRA_CLASSES, *_OWN_CLASSES):
            if cls in defaults:
                continue
            recognizer = cls(supported_language=language)
            recognizer.score_thresholds = {"default": OWN_SCORE_FLOOR}
            recognizers.append(recognizer)
        return recognizers

    @property
    def pattern_entities(self) -> frozenset[str]:
        if self._entities is None:
            self._entities = frozenset(
                e for r in self.pattern_recognizers("en") for e in r.supported_entities
            )
        return self._entities

    @property
    def prefilters(self) -> Mapping[str, Prefilter]:
        # Every other pattern entity here is an identifier made of (or holding) digits: a
        # message without a digit cannot contain one.
        return {e: _SPECIAL_PREFILTERS.get(e, has_digit) for e in self.pattern_entities}

    def keep(self, entity_type: str, text: str, start: int, end: int) -> bool:
        if entity_type == "ORGANIZATION" and not tied_to_person(text, start):
            return False
        if first_veto(CUE_REQUIREMENTS, entity_type, text, start, end) is not None:
            return False
        return first_veto(self.vetoes, entity_type, text, start, end) is None

    def rejection(
        self, entity: DetectedEntity, text: str, language: str, doc_freq: Mapping[str, int]
    ) -> str | None:
        return None

    def resolve(self, text: str, entities: list[DetectedEntity]) -> list[DetectedEntity]:
        # Every character any recogniser found is replaced: overlapping spans become one.
        return merge_overlaps(text, entities, _overlap_rank)

    def __getstate__(self) -> dict[str, object]:
        # The entity cache is rebuilt on demand; recogniser objects never travel.
        return {"vetoes": self.vetoes, "_entities": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
