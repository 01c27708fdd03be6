"""Structured (JSON lines) logging that never holds message content or personal data.

Our own log calls carry counts, ids and fixed text only. What the service cannot vouch for is
scrubbed at the handler (`PrivacyFilter`), for every logger, before any formatter sees a record:

- an exception keeps its traceback (files, lines, code) and its type, with the safe codes some
  carry (SQLSTATE, SQLite's error name, errno), but never its message, for every exception in
  the chain and in groups: a database error's message quotes the row it refused (PostgreSQL's
  `CONTEXT: JSON data, line 1: [{"role": "user", "content": ...`, `DETAIL: Failing row
  contains ...`), an HTTP parser's quotes the request, an upstream's may quote the prompt;
- a message from another library keeps its leading plain words only (asyncio quotes the repr of
  a failed task, exception included), and no extra fields.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sys
import threading
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# Loggers whose messages are fixed text written by us or by uvicorn (with ids, counts and its
# own settings as arguments); every other logger's message is cut to its plain words.
TRUSTED_MESSAGES = ("wildchat", "uvicorn")
WITHHELD = "[message withheld]"
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 ,.;!?/_-]*")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _codes(exc: BaseException) -> str:
    """The machine-readable codes an exception carries, which name a kind of failure, not data."""
    codes = []
    sqlstate = getattr(exc, "sqlstate", None)  # psycopg
    if isinstance(sqlstate, str) and re.fullmatch(r"[0-9A-Z]{5}", sqlstate):
        codes.append(f"SQLSTATE {sqlstate}")
    name = getattr(exc, "sqlite_errorname", None)  # sqlite3
    if isinstance(name, str) and re.fullmatch(r"SQLITE_[A-Z_]+", name):
        codes.append(name)
    if isinstance(exc, OSError) and isinstance(exc.errno, int) and exc.errno in errno.errorcode:
        codes.append(errno.errorcode[exc.errno])
    return f" ({', '.join(codes)})" if codes else ""


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def describe_exception(exc: BaseException) -> str:
    """`exc` as a traceback without any exception's message (see the module's docstring)."""
    lines: list[str] = []
    _describe(exc, lines, set(), "")
    return "".join(lines).rstrip("\n")


def _describe(exc: BaseException, lines: list[str], seen: set[int], indent: str) -> None:
    seen.add(id(exc))
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        _describe(cause, lines, seen, indent)
        lines.append(indent + _CAUSE)
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        _describe(context, lines, seen, indent)
        lines.append(indent + _CONTEXT)
    if exc.__traceback__ is not None:
        lines.append(f"{indent}Traceback (most recent call last):\n")
        lines.extend(indent + frame for frame in traceback.format_tb(exc.__traceback__))
    lines.append(f"{indent}{_type_name(exc)}{_codes(exc)}: {WITHHELD}\n")
    if isinstance(exc, BaseExceptionGroup):
        for number, inner in enumerate(exc.exceptions, 1):
            lines.append(f"{indent}  +---- {number} ----\n")
            _describe(inner, lines, seen, indent + "  | ")


def _plain_words(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    words = _PLAIN_WORDS.match(first_line)
    kept = words.group(0).rstrip() if words else ""
    return kept if kept == first_line else f"{kept} {WITHHELD}".lstrip()


def scrub(record: logging.LogRecord) -> None:
    """Remove from `record`, in place, what could hold message content or personal data."""
    # `exc_info=False` (or None) is kept on the record as it was given: no exception.
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = describe_exception(record.exc_info[1])
    elif record.exc_text:
        record.exc_text = WITHHELD  # formatted by someone else: nothing in it can be vouched for
    record.exc_info = None
    if record.name.split(".", 1)[0] in TRUSTED_MESSAGES:
        if isinstance(record.msg, BaseException):  # uvicorn logs a failure to bind this way
            record.msg, record.args = f"{_type_name(record.msg)}{_codes(record.msg)}: {WITHHELD}", None
        elif not isinstance(record.msg, str):  # some other object logged as the message
            record.msg, record.args = f"{type(record.msg).__name__} {WITHHELD}", None
        elif "\n" in record.msg.strip():
            # Text formatted elsewhere: uvicorn logs the traceback that Starlette formats when
            # the app fails to start, exception messages (paths, data) and all.
            record.msg, record.args = _plain_words(record.msg.strip()), None
        return
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    record.msg, record.args = _plain_words(template), None
    for key in [k for k in record.__dict__ if k not in _STANDARD]:
        delattr(record, key)


class PrivacyFilter(logging.Filter):
    """Scrubs every record that reaches the handler it is attached to (see `scrub`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key != "color_message":
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = describe_exception(record.exc_info[1])
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for every logger, all as JSON on stderr, every record scrubbed."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["privacy"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"privacy": {"()": PrivacyFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        # Other libraries' warnings (asyncio, SQLAlchemy's pool, …) come through the same handler,
        # instead of Python's last-resort one, which prints them unscrubbed.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "wildchat": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            # Uvicorn's access log prints the client address: it stays off (see RequestLogMiddleware).
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def route_uncaught_exceptions(logger: logging.Logger) -> None:
    """Send exceptions that escape a thread or the main program through `logger`.

    Python's default hooks print them straight to stderr, past the handler's scrubbing, and an
    exception from a store or an upstream can carry message text.
    """

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        logger.error(
            "uncaught exception in a thread",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            extra={"thread_name": name},
        )

    def main_hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        logger.critical("uncaught exception", exc_info=(kind, value, tb))

    threading.excepthook = thread_hook
    sys.excepthook = main_hook
