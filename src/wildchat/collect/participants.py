"""Consent, withdrawal and a participant's own conversations: the JSON side of the consent gate."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from wildchat.collect.errors import ApiError, rate_limited
from wildchat.collect.schemas import ConsentIn
from wildchat.collect.services import (
    KEY_COOKIE,
    Caller,
    Services,
    agreed_to_earlier_terms,
    authenticate,
    client_info,
    presented_key,
    services,
)
from wildchat.collect.terms import terms_document
from wildchat.store import Participant

router = APIRouter(prefix="/api")
COOKIE_MAX_AGE_S = 365 * 24 * 3600


@router.get("/terms")
async def terms(request: Request) -> dict[str, Any]:
    return terms_document(services(request).settings)


@router.post("/consent", status_code=201)
async def consent(body: ConsentIn, request: Request) -> JSONResponse:
    """Record both agreements and issue an API key: the only way a key comes into being.

    Sent with the key of a participant who agreed to earlier terms, it renews their consent
    instead (200, no new key): their key and their conversations stay theirs.
    """
    found = services(request)
    if not (body.agree_terms and body.agree_publication):
        raise ApiError(
            400,
            "Both agreements are required: agree_terms (the terms of collection) and "
            "agree_publication (your conversations may be published) must be true.",
            code="consent_required",
        )
    client = client_info(request)
    if client.hashed_ip is not None:
        wait = found.consent_limit.take(client.hashed_ip)
        if wait > 0:
            raise rate_limited(wait, "network address")
    version = found.settings.terms_version
    outdated = await _outdated_participant(found, request)
    if outdated is not None:
        renewed = await anyio.to_thread.run_sync(found.store.renew_consent, outdated.id, version)
        found.participants.forget(outdated.id)
        if renewed:
            return JSONResponse({"participant_id": outdated.id, "api_key": None, "terms_version": version})
    participant, api_key = await anyio.to_thread.run_sync(found.store.create_participant, version)
    response = JSONResponse(
        {"participant_id": participant.id, "api_key": api_key, "terms_version": version}, status_code=201
    )
    response.set_cookie(
        KEY_COOKIE,
        api_key,
        max_age=COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=found.settings.secure_cookies,
    )
    return response


async def _outdated_participant(found: Services, request: Request) -> Participant | None:
    """The participant whose key this request carries, if they agreed to earlier terms."""
    try:
        key, _ = presented_key(request)
    except ApiError:  # a malformed Authorization header: a consent like any other
        return None
    participant = await found.participants.participant(key, fresh=True) if key else None
    if participant is None or not agreed_to_earlier_terms(found, participant):
        return None
    return participant


@router.get("/session")
async def session(request: Request) -> dict[str, Any]:
    found = services(request)
    key = request.cookies.get(KEY_COOKIE)
    participant = await anyio.to_thread.run_sync(found.store.participant_by_key, key) if key else None
    outdated = participant is not None and agreed_to_earlier_terms(found, participant)
    return {
        # Consent counts only to the terms in force: otherwise the page asks again.
        "consented": participant is not None and not outdated,
        "consent_outdated": outdated,
        "participant_id": participant.id if participant else None,
        "terms_version": found.settings.terms_version,
        "default_model": found.registry.default_model(),
    }


@router.get("/me")
async def me(caller: Caller = Depends(authenticate)) -> dict[str, Any]:
    participant = caller.participant
    return {
        "participant_id": participant.id,
        "terms_version": participant.terms_version,
        "created_at": participant.created_at.isoformat(),
    }


@router.delete("/me")
async def withdraw(request: Request, caller: Caller = Depends(authenticate)) -> JSONResponse:
    """Withdraw consent: delete every turn now; later builds exclude the participant."""
    found = services(request)
    deleted = await anyio.to_thread.run_sync(found.store.withdraw, caller.participant.id)
    found.participants.forget(caller.participant.id)
    response = JSONResponse({"deleted_turns": deleted, "participant_id": caller.participant.id})
    response.delete_cookie(KEY_COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/conversations")
async def conversations(request: Request, caller: Caller = Depends(authenticate)) -> dict[str, Any]:
    store = services(request).store
    found = await anyio.to_thread.run_sync(store.conversations, caller.participant.id)
    return {
        "data": [
            {
                "conversation_id": c.conversation_id,
                "model": c.model,
                "updated_at": c.updated_at.isoformat(),
                "status": c.status,
                "messages": [m.as_dict() for m in c.messages],
            }
            for c in found
        ]
    }
