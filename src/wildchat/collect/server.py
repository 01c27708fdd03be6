"""Running the service under uvicorn: one process, or several workers sharing PostgreSQL."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import sys
from typing import Any

import uvicorn
from sqlalchemy.engine import make_url
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from wildchat.collect.app import SKIP_MIGRATION_ENV
from wildchat.collect.http_protocol import ServiceConfig
from wildchat.collect.logs import logging_config
from wildchat.collect.models import check_local_models, model_specs
from wildchat.collect.privacy import check_geoip_database
from wildchat.config import Settings
from wildchat.store import check_connection, make_engine, migrate

log = logging.getLogger("wildchat.collect")


def serve(settings: Settings) -> None:
    """Check the settings, bind the port and migrate the schema once, then hand over to uvicorn
    (which handles SIGTERM gracefully).

    ValueError or StoreUnavailable, before anything has started, for settings that cannot work:
    no model, a local model that cannot load at all, a GeoIP database that is not one, a port
    that cannot be listened on, a store that cannot be reached.
    """
    check_local_models(model_specs(settings))
    if settings.geoip_database is not None:
        check_geoip_database(settings.geoip_database)
    config = service_config(settings, "wildchat.collect.app:factory")  # sets up the JSON log
    sock = listen(settings.host, settings.port)
    try:
        engine = make_engine(settings.resolved_database_url, settings.durable_commits)
        try:
            check_connection(engine)
            migrate(engine)
        finally:
            engine.dispose()
    except BaseException:
        sock.close()
        raise
    if settings.workers > 1 and make_url(settings.resolved_database_url).get_backend_name() == "sqlite":
        log.warning("several workers on SQLite serialise their writes; use PostgreSQL in production")
    # The workers read their settings from the environment, as the parent did; the parent
    # migrated already, so workers do not race each other on the schema.
    os.environ[SKIP_MIGRATION_ENV] = "1"
    # Uvicorn re-raises SIGTERM after its graceful shutdown; with this no-op handler in place the
    # re-raise is absorbed and `serve` returns, so a clean stop exits 0 instead of -15.
    signal.signal(signal.SIGTERM, lambda *_: None)
    host, port = sock.getsockname()[:2]
    log.info("listening on http://%s:%d", f"[{host}]" if ":" in host else host, port)
    # What uvicorn.run does with a Config, which it cannot be handed.
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        if config.workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    if config.workers == 1 and not server.started:
        sys.exit(STARTUP_FAILURE)


def listen(host: str, port: int) -> socket.socket:
    """The service's listening socket, bound before the app starts: a port in use then stops
    `serve` at once with a message that says so. (Uvicorn would start the app first, local
    models loading included, and log only an OSError, whose message the log withholds.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(_cannot_listen(host, port, exc)) from None
    sock.set_inheritable(True)  # for the worker processes
    return sock


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    # From the errno alone: the words are ours, whatever the platform's message says.
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}: no such host (--host)"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use on {host}: stop what listens there, or choose another port (--port)"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (below 1024 needs privileges): use another (--port)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: choose another host (--host)"
    name = errno.errorcode.get(exc.errno or 0, "an error")
    return f"cannot listen on {host}:{port} ({name})"


def service_config(settings: Settings, app: Any) -> ServiceConfig:
    """How uvicorn runs the service (`app`: the app, or an import string of its factory).

    Built here rather than by `uvicorn.run` so that the request-head limits of our HTTP protocol
    (collect.http_protocol) travel with the Config to every worker.
    """
    return ServiceConfig(
        app,
        factory=isinstance(app, str),
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=logging_config(settings.log_level),
        access_log=False,  # uvicorn's access log prints client addresses
        proxy_headers=False,  # X-Forwarded-For is handled by collect.privacy, for trusted proxies only
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        timeout_keep_alive=30,
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
    )
