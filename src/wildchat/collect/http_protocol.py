"""The HTTP/1.1 protocol the service runs: uvicorn's httptools protocol with a bounded request
head and errors in the OpenAI format.

Uvicorn's own protocol accepts a head of any size and any number of headers (a 1 MB header and
2,000 headers were served), and answers a request it cannot parse (`Content-Length: abc`, a
control character in a header) with a plain-text 400 before the app sees it. Here:

- a head larger than `max_header_bytes` (request line and header lines) or with more than
  `max_headers` fields gets 431, a URL alone longer than the limit 414;
- an unparseable request gets 400 with llhttp's reason;
- each as a JSON body `{"error": {...}}` like every other error of the API, then the connection
  closes. The rest of what the client is still sending is read and dropped for a moment first
  (a "lingering close"), so that it reads the answer instead of a connection reset.

The limits travel in `ServiceConfig`, the uvicorn Config that `wildchat serve` runs (it is pickled
to every worker process). Errors the app itself can answer never reach this module.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from wildchat.collect.errors import ApiError

log = logging.getLogger("wildchat.access")

DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_HEADERS = 100
# How long a refused connection keeps reading (and dropping) what the client still sends.
LINGER_S = 2.0
# Bytes a header line costs besides its name and value: ": " and CRLF.
HEADER_LINE_OVERHEAD = 4
UNKNOWN_START = -1


class ServiceConfig(uvicorn.Config):
    """uvicorn's Config plus the request-head limits that `BoundedHttpProtocol` enforces."""

    def __init__(
        self,
        app: Any,
        *,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_headers: int = DEFAULT_MAX_HEADERS,
        **options: Any,
    ) -> None:
        super().__init__(app, http=BoundedHttpProtocol, **options)
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request that is being refused."""


def headers_too_large(limit: int) -> ApiError:
    return ApiError(
        431,
        f"The request's headers are larger than the limit of {limit} bytes.",
        code="request_headers_too_large",
    )


def too_many_headers(limit: int) -> ApiError:
    return ApiError(
        431, f"The request has more than {limit} header fields.", code="request_headers_too_large"
    )


def url_too_long(limit: int) -> ApiError:
    return ApiError(414, f"The request URL is longer than the limit of {limit} bytes.", code="url_too_long")


def malformed(exc: httptools.HttpParserError) -> ApiError:
    # llhttp's reasons are fixed phrases ("Invalid character in Content-Length"); a callback
    # error's text names our own code instead, so it is not passed on.
    reason = "" if isinstance(exc, httptools.HttpParserCallbackError) else f": {exc}"
    return ApiError(400, f"Invalid HTTP request{reason}.", code="invalid_http_request")


class BoundedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with `ServiceConfig`'s limits on the request head and JSON errors."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_header_bytes: int = getattr(config, "max_header_bytes", DEFAULT_MAX_HEADER_BYTES)
        self.max_headers: int = getattr(config, "max_headers", DEFAULT_MAX_HEADERS)
        # Bytes received since the current head began, while it is incomplete: at least what the
        # parser holds of it. UNKNOWN_START when the head began inside a read that also ended the
        # previous request (pipelining), whose share of that read is not known.
        self._head_open = True
        self._head_bytes = 0
        self._refusal: ApiError | None = None  # set by a callback that stopped the parser
        self._refused = False
        self._deferred: ApiError | None = None

    # -- receiving -------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering: read and drop until the connection closes
        if self._head_open:
            self._head_bytes = len(data) + max(self._head_bytes, 0)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            self._refuse(self._refusal or malformed(exc))
            return
        # Still inside a head after all that arrived: every byte counted belongs to it.
        if self._head_open and self._head_bytes > self.max_header_bytes:
            url = getattr(self, "url", b"")
            too_long = len(url) > self.max_header_bytes
            self._refuse(url_too_long(self.max_header_bytes) if too_long else self._too_large())

    def send_400_response(self, msg: str) -> None:
        # Uvicorn's plain-text answer, should any path of the base class still reach it.
        self._refuse(ApiError(400, msg, code="invalid_http_request"))

    # -- parser callbacks ------------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        # A head that arrived within the limit needs no measuring: the usual case costs nothing.
        if not 0 <= self._head_bytes <= self.max_header_bytes or len(self.headers) > self.max_headers:
            error = self._head_error()
            if error is not None:
                self._refusal = error
                raise _Refused(error.message)
        self._head_open = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open = True
        self._head_bytes = UNKNOWN_START

    def _head_error(self) -> ApiError | None:
        if len(self.headers) > self.max_headers:
            return too_many_headers(self.max_headers)
        if len(self.url) > self.max_header_bytes:
            return url_too_long(self.max_header_bytes)
        size = len(self.url) + sum(len(n) + len(v) + HEADER_LINE_OVERHEAD for n, v in self.headers)
        return self._too_large() if size > self.max_header_bytes else None

    def _too_large(self) -> ApiError:
        return headers_too_large(self.max_header_bytes)

    # -- refusing --------------------------------------------------------------------------------

    def _refuse(self, error: ApiError) -> None:
        """Answer `error` and close; what the client sends from now on is dropped."""
        self._refused = True
        log.warning(
            "request refused by the HTTP protocol", extra={"status": error.status_code, "code": error.code}
        )
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if self._head_open:
                # A pipelined request behind one still being answered: refused in its turn.
                self._deferred = error
                return
            # The body of the request being served broke: its app sees a disconnect and writes
            # nothing more here; an answer it already began cannot be followed by an error.
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        self._answer(error)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._deferred is not None and self.cycle.response_complete:
            error, self._deferred = self._deferred, None
            self._answer(error)

    def _answer(self, error: ApiError) -> None:
        """Write `error` as JSON, then close, reading (and dropping) for a moment what the client
        is still sending so that it gets the answer rather than a connection reset."""
        if self.transport.is_closing():
            return
        self.transport.write(self._response(error))
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def _response(self, error: ApiError) -> bytes:
        body = json.dumps(error.body()).encode()
        head = [STATUS_LINE[error.status_code]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        return b"".join(head) + body
