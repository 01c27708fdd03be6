"""Errors in the OpenAI error format, so SDK clients raise their usual exception types."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wildchat.collect.schemas import BAD_REQUEST

log = logging.getLogger("wildchat.collect")


class ApiError(Exception):
    """An error for the client: status, message and the OpenAI `type`/`code`/`param` fields."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers

    def body(self) -> dict[str, dict[str, str | None]]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status_code, headers=self.headers)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message, code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})


def too_large(message: str, param: str | None = None) -> ApiError:
    return ApiError(413, message, code="request_too_large", param=param)


def rate_limited(retry_after_s: float, scope: str) -> ApiError:
    seconds = max(1, int(retry_after_s + 0.999))
    return ApiError(
        429,
        f"Rate limit reached for this {scope}. Please try again in {seconds} s.",
        type="rate_limit_error",
        code="rate_limit_exceeded",
        headers={"Retry-After": str(seconds)},
    )


# How long a client is asked to wait for a local model that is still loading.
LOADING_RETRY_AFTER_S = 30


def model_not_ready(message: str) -> ApiError:
    return ApiError(
        503,
        message,
        type="server_error",
        code="model_not_ready",
        headers={"Retry-After": str(LOADING_RETRY_AFTER_S)},
    )


def model_failed(name: str) -> ApiError:
    """A model that failed to load: it will not answer until the service is restarted, so the
    answer carries no Retry-After, and tells the OpenAI SDKs not to retry (`x-should-retry`)."""
    return ApiError(
        503,
        f"The model '{name}' could not be loaded on this server, so it cannot answer until the "
        "operator fixes it (the reason is in the service log). GET /v1/models lists the models "
        "that can answer.",
        type="server_error",
        code="model_failed",
        headers={"x-should-retry": "false"},
    )


def _field_path(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


def invalid_body(errors: Sequence[Any]) -> ApiError:
    """Pydantic's validation errors as the OpenAI API reports them: 400 for JSON that does not
    parse or a request the service cannot honour (schemas.BAD_REQUEST), else 422 naming the
    first field at fault."""
    first: Any = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return ApiError(400, "The request body is not valid JSON.", code="invalid_json")
    if first.get("type") == BAD_REQUEST:
        ctx = first["ctx"]
        return ApiError(400, ctx["message"], code=ctx["code"], param=ctx["param"])
    param = _field_path(tuple(first.get("loc", ())))
    message = f"Invalid value for '{param}': {first.get('msg', 'invalid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ApiError(422, message, code="invalid_value", param=param)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_body(exc.errors()).response()


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = "not_found" if exc.status_code == 404 else "http_error"
    error = ApiError(exc.status_code, str(exc.detail), code=kind)
    error.headers = dict(exc.headers) if exc.headers else None
    return error.response()


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to our log, never to the client.
    log.error("unhandled error", exc_info=exc)
    return ApiError(500, "Internal server error.", type="server_error", code="internal_error").response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
