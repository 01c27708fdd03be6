"""Running the service under uvicorn: one process, or several workers sharing PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from typing import Any

import uvicorn
from sqlalchemy.engine import make_url
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from wildchat.collect.app import SKIP_MIGRATION_ENV
from wildchat.collect.http_protocol import ServiceConfig
from wildchat.collect.logs import logging_config
from wildchat.collect.models import model_specs
from wildchat.config import Settings
from wildchat.store import make_engine, migrate

log = logging.getLogger("wildchat.collect")


def serve(settings: Settings) -> None:
    """Migrate the schema once, then hand over to uvicorn (which handles SIGTERM gracefully)."""
    model_specs(settings)  # a configuration that offers no model fails here, not in a worker
    engine = make_engine(settings.resolved_database_url, settings.durable_commits)
    migrate(engine)
    engine.dispose()
    if settings.workers > 1 and make_url(settings.resolved_database_url).get_backend_name() == "sqlite":
        log.warning("several workers on SQLite serialise their writes; use PostgreSQL in production")
    # The workers read their settings from the environment, as the parent did; the parent
    # migrated already, so workers do not race each other on the schema.
    os.environ[SKIP_MIGRATION_ENV] = "1"
    # Uvicorn re-raises SIGTERM after its graceful shutdown; with this no-op handler in place the
    # re-raise is absorbed and `serve` returns, so a clean stop exits 0 instead of -15.
    signal.signal(signal.SIGTERM, lambda *_: None)
    config = service_config(settings, "wildchat.collect.app:factory")
    # What uvicorn.run does with a Config, which it cannot be handed.
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    if config.workers == 1 and not server.started:
        sys.exit(STARTUP_FAILURE)


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
