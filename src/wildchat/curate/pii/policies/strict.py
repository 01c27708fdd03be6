"""The `strict` policy: replace every personal identifier any recogniser finds, minus vetoes.

For deployments that must publish nothing personal. No document-frequency exception (a
name in many conversations is still a name), Presidio's predefined recognisers for many
countries plus ours, and the vetoes in `wildchat.curate.pii.vetoes` against their known
false positives. Three types are left out on purpose, because on their own they identify no
one: ORGANIZATION, NRP (nationality, religious or political group) and LOCATION (a city or
country; street addresses come from the address recogniser). DATE_TIME is kept only for
dates of birth, URL only for profile pages (both by veto).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from presidio_analyzer import EntityRecognizer
from presidio_analyzer import predefined_recognizers as presidio

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
from wildchat.curate.pii.recognizers.national_ids import (
    BrCpfRecognizer,
    CnResidentIdRecognizer,
    ContextualIdRecognizer,
    FrNirRecognizer,
    MxCurpRecognizer,
)
from wildchat.curate.pii.recognizers.persons import CuedNameRecognizer
from wildchat.curate.pii.recognizers.phones import InternationalPhoneRecognizer
from wildchat.curate.pii.recognizers.profiles import PROFILE_HOST_MARKERS, ProfileUrlRecognizer
from wildchat.curate.pii.vetoes import STRICT_VETOES, Veto, first_veto

# Presidio's predefined recognisers used by `strict`, all registered for every language
# (identifiers do not change with the language of the sentence around them).
_PRESIDIO_CLASSES: tuple[Callable[..., EntityRecognizer], ...] = (
    presidio.CreditCardRecognizer,
    presidio.CryptoRecognizer,
    presidio.DateRecognizer,
    presidio.EmailRecognizer,
    presidio.IbanRecognizer,
    presidio.IpRecognizer,
    presidio.MacAddressRecognizer,
    presidio.PhoneRecognizer,
    presidio.UrlRecognizer,
    presidio.MedicalLicenseRecognizer,
    presidio.UsBankRecognizer,
    presidio.UsLicenseRecognizer,
    presidio.UsItinRecognizer,
    presidio.UsPassportRecognizer,
    presidio.UsSsnRecognizer,
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
)

# Entities whose every pattern needs something other than "a digit somewhere".
_SPECIAL_PREFILTERS: dict[str, Prefilter] = {
    "EMAIL_ADDRESS": has_at,
    "PHONE_NUMBER": phone_digits,
    "CREDIT_CARD": at_least_13_digits,
    # Every URL but a profile page is vetoed, so only texts naming a profile host matter.
    "URL": contains_any(*PROFILE_HOST_MARKERS),
    "IP_ADDRESS": ip_shaped,
    "MAC_ADDRESS": always,  # "aa:bb:cc:dd:ee:ff" has no digit
    "PERSON": always,  # the cued-name patterns
    "DATE_TIME": has_digit,  # Presidio's date patterns all hold digits; NER dates bypass this
}


class StrictPolicy(Policy):
    """`strict`: every identifier type found, at Presidio score ≥ `score_threshold`, minus vetoes."""

    name = "strict"
    ner_entities = frozenset({"PERSON", "DATE_TIME"})
    excluded_entities = frozenset({"ORGANIZATION", "NRP", "LOCATION", "UUID"})

    def __init__(self, score_threshold: float = 0.4, vetoes: tuple[Veto, ...] = STRICT_VETOES) -> None:
        self.score_threshold = score_threshold
        self.vetoes = vetoes
        self._entities: frozenset[str] | None = None

    def pattern_recognizers(self, language: str) -> list[EntityRecognizer]:
        return [cls(supported_language=language) for cls in (*_PRESIDIO_CLASSES, *_OWN_CLASSES)]

    @property
    def pattern_entities(self) -> frozenset[str]:
        if self._entities is None:
            found = {e for r in self.pattern_recognizers("en") for e in r.supported_entities}
            self._entities = frozenset(found - self.excluded_entities)
        return self._entities

    @property
    def prefilters(self) -> Mapping[str, Prefilter]:
        # Every other pattern entity here is an identifier made of (or holding) digits: a
        # message without a digit cannot contain one.
        return {e: _SPECIAL_PREFILTERS.get(e, has_digit) for e in self.pattern_entities}

    def keep(self, entity_type: str, text: str, start: int, end: int) -> bool:
        if entity_type in self.excluded_entities:
            return False
        return first_veto(self.vetoes, entity_type, text, start, end) is None

    def rejection(
        self, entity: DetectedEntity, text: str, language: str, doc_freq: Mapping[str, int]
    ) -> str | None:
        return None

    def __getstate__(self) -> dict[str, object]:
        # The entity cache is rebuilt on demand; recogniser objects never travel.
        return {"score_threshold": self.score_threshold, "vetoes": self.vetoes, "_entities": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
