"""Everything a request handler needs, built once when the service starts."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from fastapi import Request

from wildchat.collect.errors import rate_limited, unauthorized
from wildchat.collect.models import ModelRegistry
from wildchat.collect.privacy import ClientInfo, Ingress
from wildchat.collect.ratelimit import TokenBucketLimiter
from wildchat.collect.turns import TurnRecorder
from wildchat.config import Settings
from wildchat.records import Channel
from wildchat.store import Participant, Store

KEY_COOKIE = "wildchat_key"


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
    """The consenting participant behind this request (401 without a valid key)."""
    found = services(request)
    key, channel = presented_key(request)
    if not key:
        raise unauthorized(
            "You didn't provide an API key. Keys are issued after agreeing to the terms: open the "
            "chat page, or POST /api/consent with agree_terms and agree_publication set to true."
        )
    participant = await anyio.to_thread.run_sync(found.store.participant_by_key, key)
    if participant is None:
        raise unauthorized("Incorrect API key provided, or its consent has been withdrawn.")
    return Caller(participant, channel, client_info(request))


def enforce_turn_limits(found: Services, caller: Caller) -> None:
    """429 when the participant, or anyone behind the same address, asks too fast."""
    wait = found.participant_limit.take(caller.participant.id)
    if wait > 0:
        raise rate_limited(wait, "participant")
    if caller.client.hashed_ip is not None:
        wait = found.ip_limit.take(caller.client.hashed_ip)
        if wait > 0:
            raise rate_limited(wait, "network address")
