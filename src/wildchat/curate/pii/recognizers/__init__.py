"""Our recognisers, one module per kind of identifier; each is a Presidio `EntityRecognizer`.

They are registered next to Presidio's predefined recognisers by the policy that uses them
(`wildchat.curate.pii.policies`), so Presidio's registry, context enhancement and
de-duplication apply to them unchanged.
"""

from __future__ import annotations

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
from wildchat.curate.pii.recognizers.organizations import CuedOrganizationRecognizer
from wildchat.curate.pii.recognizers.persons import CuedNameRecognizer, HanNameRecognizer
from wildchat.curate.pii.recognizers.phones import InternationalPhoneRecognizer
from wildchat.curate.pii.recognizers.places import CuedPlaceRecognizer
from wildchat.curate.pii.recognizers.postcodes import PostcodeRecognizer
from wildchat.curate.pii.recognizers.profiles import ProfileUrlRecognizer

__all__ = [
    "AgeRecognizer",
    "BrCpfRecognizer",
    "CnResidentIdRecognizer",
    "ContextualIdRecognizer",
    "CuedNameRecognizer",
    "CuedOrganizationRecognizer",
    "CuedPlaceRecognizer",
    "DateTimeRecognizer",
    "FrNirRecognizer",
    "HanNameRecognizer",
    "InternationalPhoneRecognizer",
    "MxCurpRecognizer",
    "PostcodeRecognizer",
    "ProfileUrlRecognizer",
    "StreetAddressRecognizer",
]
