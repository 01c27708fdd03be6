"""Everything a request handler needs, built once when the service starts."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from fastapi import Request

from wildchat.collect.errors import ApiError, rate_limited, unauthorized
from wildchat.collect.models import ModelRegistry
from wildchat.collect.privacy import ClientInfo, Ingress
from wildchat.collect.ratelimit import TokenBucketLimiter
from wildchat.collect.turns import TurnRecorder
from wildchat.config import Settings
from wildchat.records import Channel
from wildchat.store import Participant, Store
from wildchat.store.repository import hash_api_key

KEY_COOKIE = "wildchat_key"


class ParticipantCache:
    """Consenting participants by key, remembered for `ttl_s` so most requests skip the database.

    Consent stays enforced. A withdrawal through this process evicts the participant at once,
    and a lookup that overlapped it is not remembered (`_withdrawals` moved on meanwhile). Another
    worker process may accept the withdrawn key for up to `ttl_s` more, but cannot store anything
    with it: the store appends a turn only while its participant has not withdrawn, in the same
    statement (Store.append_turn). Unknown keys are never remembered: a key issued by another
    worker must work at once.
    """

    def __init__(
        self,
        store: Store,
        ttl_s: float,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        # sha256 of the key -> (participant, expiry); oldest-used first so memory stays bounded.
        self._entries: OrderedDict[str, tuple[Participant, float]] = OrderedDict()
        self._withdrawals = 0

    async def participant(self, api_key: str, fresh: bool = False) -> Participant | None:
        """The participant holding `api_key`; `fresh`: asked of the database, not remembered."""
        digest = hash_api_key(api_key)
        entry = None if fresh else self._entries.get(digest)
        now = self._clock()
        if entry is not None:
            if entry[1] > now:
                self._entries.move_to_end(digest)
                return entry[0]
            del self._entries[digest]
        withdrawals = self._withdrawals
        found = await anyio.to_thread.run_sync(self._store.participant_by_key_hash, digest)
        if found is not None and self._ttl_s > 0 and withdrawals == self._withdrawals:
            self._entries[digest] = (found, now + self._ttl_s)
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return found

    def forget(self, participant_id: str) -> None:
        """Call once a withdrawal (or a renewed consent) is committed."""
        self._withdrawals += 1
        for digest in [d for d, (p, _) in self._entries.items() if p.id == participant_id]:
            del self._entries[digest]


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    registry: ModelRegistry
    ingress: Ingress
    recorder: TurnRecorder
    participant_limit: TokenBucketLimiter
    ip_limit: TokenBucketLimiter
    consent_limit: TokenBucketLimiter
    participants: ParticipantCache


@dataclass(frozen=True, slots=True)
class Caller:
    participant: Participant
    channel: Channel
    client: ClientInfo


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def client_info(request: Request) -> ClientInfo:
    peer = request.client.host if request.client else None
    return services(request).ingress.client_info(peer, request.headers)


def presented_key(request: Request) -> tuple[str | None, Channel]:
    """The key from `Authorization: Bearer` (API clients) or the consent cookie (the chat page)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("The Authorization header must be 'Bearer <your API key>'.")
        return token.strip(), Channel.API
    return request.cookies.get(KEY_COOKIE), Channel.WEB


async def authenticate(request: Request) -> Caller:
    """The participant behind this request (401 without a valid key), whichever version of the
    terms they agreed to: they can always see and delete their own data."""
    return await _caller(request, current_terms=False)


async def authenticate_current(request: Request) -> Caller:
    """The participant behind this request, who must have agreed to the current terms: 403
    `consent_outdated` otherwise (nothing is collected under terms they have not seen)."""
    return await _caller(request, current_terms=True)


def agreed_to_earlier_terms(found: Services, participant: Participant) -> bool:
    """Whether the participant's consent is to terms other than those in force: it then does not
    count until they agree again (POST /api/consent renews it)."""
    return participant.terms_version != found.settings.terms_version


async def _caller(request: Request, current_terms: bool) -> Caller:
    found = services(request)
    key, channel = presented_key(request)
    if not key:
        raise unauthorized(
            "You didn't provide an API key. Keys are issued after agreeing to the terms: open the "
            "chat page, or POST /api/consent with agree_terms and agree_publication set to true."
        )
    participant = await found.participants.participant(key)
    if participant is not None and current_terms and agreed_to_earlier_terms(found, participant):
        # Remembered from before a renewal in another worker process? Ask the database.
        participant = await found.participants.participant(key, fresh=True)
    if participant is None:
        raise unauthorized("Incorrect API key provided, or its consent has been withdrawn.")
    if current_terms and agreed_to_earlier_terms(found, participant):
        raise consent_outdated(participant.terms_version, found.settings.terms_version)
    return Caller(participant, channel, client_info(request))


def consent_outdated(agreed: str, current: str) -> ApiError:
    return ApiError(
        403,
        f"The terms of this service have changed since you agreed to them (version {agreed}; they "
        f"are now version {current}). To keep chatting, read and agree to the new terms: open the "
        "chat page, or POST /api/consent with agree_terms and agree_publication set to true and "
        "this key in the Authorization header. Meanwhile you can still see your data "
        "(GET /api/conversations) or delete it (DELETE /api/me).",
        code="consent_outdated",
    )


def enforce_turn_limits(found: Services, caller: Caller) -> None:
    """429 when the participant, or anyone behind the same address, asks too fast."""
    wait = found.participant_limit.take(caller.participant.id)
    if wait > 0:
        raise rate_limited(wait, "participant")
    if caller.client.hashed_ip is not None:
        wait = found.ip_limit.take(caller.client.hashed_ip)
        if wait > 0:
            raise rate_limited(wait, "network address")
