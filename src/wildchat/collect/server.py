"""Running the service under uvicorn: one process, or several workers sharing PostgreSQL."""

from __future__ import annotations

import logging
import os
import signal

import uvicorn
from sqlalchemy.engine import make_url

from wildchat.collect.app import SKIP_MIGRATION_ENV
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
    uvicorn.run(
        "wildchat.collect.app:factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=logging_config(settings.log_level),
        access_log=False,  # uvicorn's access log prints client addresses
        proxy_headers=False,  # X-Forwarded-For is handled by collect.privacy, for trusted proxies only
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        timeout_keep_alive=30,
    )
