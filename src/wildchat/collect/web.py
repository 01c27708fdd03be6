"""The chat page and its static files."""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from wildchat.collect.services import KEY_COOKIE, agreed_to_earlier_terms, services
from wildchat.collect.terms import terms_document

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter()

# Scripts only from our own origin: even if an escaping bug let markup through, no injected
# inline script would run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def chat_page(request: Request) -> HTMLResponse:
    found = services(request)
    key = request.cookies.get(KEY_COOKIE)
    participant = await anyio.to_thread.run_sync(found.store.participant_by_key, key) if key else None
    # A consent to earlier terms does not count: the page asks again, saying why.
    outdated = participant is not None and agreed_to_earlier_terms(found, participant)
    response = templates.TemplateResponse(
        request,
        "chat.html",
        {
            "terms": terms_document(found.settings),
            "consented": participant is not None and not outdated,
            "consent_outdated": outdated,
            "static_prefix": "/static",
        },
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
