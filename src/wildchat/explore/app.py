"""The explorer's web app: server-rendered pages and the JSON API over one read-only index.

Pages: `/` (search; takes the API's parameters, so every state is a shareable URL),
`/conversation/{id}`, `/map`. API: `/api/search`, `/api/conversations/{id}`, `/api/map`,
`/api/facets`; OpenAPI at `/openapi.json`, docs at `/docs`. No front-end build: Jinja templates,
one stylesheet, and a small script for the map only.

Every page is sent with a strict Content-Security-Policy (scripts and styles from this origin
only, no inline script), on top of escaping: dataset text is autoescaped by Jinja, and the two
HTML fragments built in Python (snippets and Markdown) escape the text themselves.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wildchat.explore.backend import Explorer, conversation_detail, open_explorer
from wildchat.explore.markdown import render_markdown
from wildchat.explore.models import (
    FACETS,
    LIST_FILTERS,
    ConversationDetail,
    ErrorResponse,
    FacetCount,
    MapData,
    SearchParams,
    SearchResult,
)
from wildchat.explore.query import QueryError

HERE = Path(__file__).parent
INDEX_ENV = "WILDCHAT_EXPLORE_DB"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
MENU_VALUES = 300  # values offered in a filter menu (the rest can still be typed into the URL)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Bad parameters or an unreadable query"},
    404: {"model": ErrorResponse, "description": "No such conversation"},
}


def _error(status: int, message: str, param: str | None = None, code: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def _validation_message(errors: list[Any]) -> tuple[str, str | None]:
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    param = location[0] if location else None
    text = first.get("msg", "invalid parameters")
    return (f"{param}: {text}" if param else text), param


def params_from(request: Request) -> SearchParams:
    """The search parameters of a page request; ValidationError when one is malformed."""
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in LIST_FILTERS:
            data.setdefault(key, []).append(value)
        else:
            data[key] = value
    return SearchParams.model_validate(data)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = lambda text: Markup(render_markdown(text))
    env.filters["snippet"] = Markup  # Hit.snippet is escaped HTML (snippets.render_snippet)
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def create_app(target: str | Path, explorer: Explorer | None = None) -> FastAPI:
    """The app over the index at `target` (a file or a PostgreSQL URL), opened read-only."""
    index = explorer or open_explorer(str(target))
    app = FastAPI(
        title="wildchat explore",
        version="1",
        description="Search and browse chat datasets: full-text search with filters and facets, "
        "conversations, and an embedding map.",
    )
    templates = Jinja2Templates(env=_environment())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    choices = index.facet_choices()
    menus = {facet: values[:MENU_VALUES] for facet, values in choices.items()}

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path not in DOCS_PAGES:  # FastAPI's docs pages are its own inline script
            response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", None)
        base = {"request": request, "index": index, "facets_order": FACETS, "menus": menus}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message, param = _validation_message(list(exc.errors()))
        if request.url.path.startswith("/api/"):
            return _error(400, message, param, "invalid_parameter")
        return page(request, "error.html", 400, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return _error(exc.status_code, str(exc.detail))
        return page(request, "error.html", exc.status_code, message=str(exc.detail))

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> Response:
        return _error(400, str(exc), "q", "invalid_query")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "conversations": index.conversations}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        try:
            params = params_from(request)
        except ValidationError as exc:
            message, _ = _validation_message(list(exc.errors()))
            return page(request, "search.html", 400, params=SearchParams(), result=None, error=message)
        try:
            result = index.search(params)
        except QueryError as exc:
            return page(request, "search.html", 400, params=params, result=None, error=str(exc))
        return page(request, "search.html", params=params, result=result)

    @app.get("/conversation/{cid}", response_class=HTMLResponse, include_in_schema=False)
    def conversation_page(request: Request, cid: int) -> HTMLResponse:
        detail = conversation_detail(index, cid)
        if detail is None:
            raise HTTPException(404, f"no conversation {cid} in this index")
        return page(request, "conversation.html", conversation=detail, params=SearchParams())

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request) -> HTMLResponse:
        try:
            params = params_from(request)
        except ValidationError as exc:
            message, _ = _validation_message(list(exc.errors()))
            return page(request, "map.html", 400, params=SearchParams(), error=message)
        return page(request, "map.html", params=params)

    @app.get("/api/search", response_model=SearchResult, responses=ERROR_RESPONSES, tags=["search"])
    def api_search(params: Annotated[SearchParams, Query()]) -> SearchResult:
        """Full-text search with filters, facets and paging; the parameters of the `/` page."""
        return index.search(params)

    @app.get(
        "/api/conversations/{cid}",
        response_model=ConversationDetail,
        responses=ERROR_RESPONSES,
        tags=["search"],
    )
    def api_conversation(cid: int) -> ConversationDetail:
        """One conversation with every message and its metadata."""
        detail = conversation_detail(index, cid)
        if detail is None:
            raise HTTPException(404, f"no conversation {cid} in this index")
        return detail

    @app.get("/api/map", response_model=MapData, responses=ERROR_RESPONSES, tags=["map"])
    def api_map(params: Annotated[SearchParams, Query()]) -> MapData:
        """Every map point, and which match the search's words and filters."""
        return index.map_data(params)

    @app.get("/api/facets", response_model=dict[str, list[FacetCount]], tags=["search"])
    def api_facets() -> dict[str, list[FacetCount]]:
        """Every value of every facet, with its number of conversations in the index."""
        return choices

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: the index named by $WILDCHAT_EXPLORE_DB."""
    return create_app(os.environ.get(INDEX_ENV, "explore.db"))
