"""The explorer's web app: server-rendered pages and the JSON API over one read-only index.

Pages: `/` (search; takes the API's parameters, so every state is a shareable URL),
`/conversation/{id}`, `/map`, `/docs` (the API reference, made from the OpenAPI schema). API:
`/api/search`, `/api/conversations/{id}`, `/api/map`, `/api/facets`; OpenAPI at `/openapi.json`.
No front-end build: Jinja templates, one stylesheet, and a small script for the map only; no page
loads anything from another origin (FastAPI's Swagger UI and ReDoc pages would, from a CDN).

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
from fastapi import Path as FastApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wildchat.asgi import HeadAsGetMiddleware
from wildchat.explore.apidocs import api_reference
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
from wildchat.explore.query import QueryError, parse_query

HERE = Path(__file__).parent
INDEX_ENV = "WILDCHAT_EXPLORE_DB"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MENU_VALUES = 300  # values offered in a filter menu (the rest can still be typed into the URL)
BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "A malformed parameter (code invalid_parameter) or query (code invalid_query)",
    },
}
_BAD_REQUEST_SCHEMA = {
    "description": BAD_REQUEST[400]["description"],
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such conversation"},
}
PER_PAGE_CHOICES = (10, 20, 50, 100)


def _error(status: int, message: str, param: str | None = None, code: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def _validation_message(errors: list[Any]) -> tuple[str, str | None]:
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    param = location[0] if location else None
    text = str(first.get("msg", "invalid parameters")).removeprefix("Value error, ")
    return (f"{param}: {text}" if param else text), param


def page_state(request: Request) -> tuple[SearchParams, str | None]:
    """A page's search parameters, and the message to show instead of results when they cannot
    be used (a malformed parameter, or words that cannot be read), for a 400 like the API's.

    The parameters that are fine are kept, so the form still shows the rest of the search."""
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in LIST_FILTERS:
            data.setdefault(key, []).append(value)
        else:
            data[key] = value
    try:
        params = SearchParams.model_validate(data)
    except ValidationError as exc:
        errors = list(exc.errors())
        bad = {str(error["loc"][0]) for error in errors if error.get("loc")}
        try:
            params = SearchParams.model_validate({k: v for k, v in data.items() if k not in bad})
        except ValidationError:
            params = SearchParams()
        return params, _validation_message(errors)[0]
    try:
        parse_query(params.q)
    except QueryError as exc:
        return params, str(exc)
    return params, None


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The schema as the server behaves: FastAPI lists a 422 HTTPValidationError for every
    operation with parameters, but invalid_request() answers those with a 400 in the OpenAI
    error format (ErrorResponse, which the routes' BAD_REQUEST already puts in the schema)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", _BAD_REQUEST_SCHEMA)
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


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
        docs_url=None,  # Swagger UI and ReDoc come from a CDN: /docs is our own page (apidocs.py)
        redoc_url=None,
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(HeadAsGetMiddleware)
    templates = Jinja2Templates(env=_environment())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    choices = index.facet_choices()
    menus = {facet: values[:MENU_VALUES] for facet, values in choices.items()}

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", None)
        base = {
            "request": request,
            "index": index,
            "facets_order": FACETS,
            "menus": menus,
            "per_page_choices": PER_PAGE_CHOICES,
        }
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
        params, error = page_state(request)
        if error is not None:
            return page(request, "search.html", 400, params=params, result=None, error=error)
        try:
            result = index.search(params)
        except QueryError as exc:  # one the engine found (FTS5 refusing an expression)
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
        # The same 400 as /api/map would give the map's script, shown on the page instead.
        params, error = page_state(request)
        return page(request, "map.html", 200 if error is None else 400, params=params, error=error)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs_page(request: Request) -> HTMLResponse:
        return page(request, "api.html", api=api_reference(app.openapi()))

    @app.get(
        "/api/search", summary="Search", response_model=SearchResult, responses=BAD_REQUEST, tags=["search"]
    )
    def api_search(params: Annotated[SearchParams, Query()]) -> SearchResult:
        """Full-text search with filters, facets and paging; the parameters of the `/` page."""
        return index.search(params)

    @app.get(
        "/api/conversations/{cid}",
        summary="One conversation",
        response_model=ConversationDetail,
        responses={**BAD_REQUEST, **NOT_FOUND},
        tags=["search"],
    )
    def api_conversation(
        cid: Annotated[int, FastApiPath(description="The conversation's id (a search result's `id`).")],
    ) -> ConversationDetail:
        """One conversation with every message and its metadata."""
        detail = conversation_detail(index, cid)
        if detail is None:
            raise HTTPException(404, f"no conversation {cid} in this index")
        return detail

    @app.get("/api/map", summary="The map", response_model=MapData, responses=BAD_REQUEST, tags=["map"])
    def api_map(params: Annotated[SearchParams, Query()]) -> MapData:
        """Every map point, and which match the search's words and filters."""
        return index.map_data(params)

    @app.get(
        "/api/facets", summary="Facet values", response_model=dict[str, list[FacetCount]], tags=["search"]
    )
    def api_facets() -> dict[str, list[FacetCount]]:
        """Every value of every facet, with its number of conversations in the index."""
        return choices

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: the index named by $WILDCHAT_EXPLORE_DB."""
    return create_app(os.environ.get(INDEX_ENV, "explore.db"))
