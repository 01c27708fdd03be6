"""The FastAPI application: `create_app(settings)` for tests and embedding, `factory()` for uvicorn."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from wildchat import __version__
from wildchat.asgi import HeadAsGetMiddleware
from wildchat.collect import api, participants, web
from wildchat.collect.errors import install_error_handlers
from wildchat.collect.logs import route_uncaught_exceptions
from wildchat.collect.middleware import BodyLimitMiddleware, RequestLogMiddleware
from wildchat.collect.models import ModelRegistry
from wildchat.collect.privacy import (
    ClientAddressResolver,
    GeoLocator,
    Ingress,
    IpHasher,
    default_geoip_database,
)
from wildchat.collect.ratelimit import TokenBucketLimiter
from wildchat.collect.services import ParticipantCache, Services
from wildchat.collect.turns import TurnRecorder
from wildchat.config import Settings, load_settings
from wildchat.store import Store, make_engine, migrate

log = logging.getLogger("wildchat.collect")
SKIP_MIGRATION_ENV = "WILDCHAT_SKIP_MIGRATION"


def build_services(settings: Settings, migrate_schema: bool = True) -> Services:
    engine = make_engine(settings.resolved_database_url, settings.durable_commits)
    if migrate_schema:
        migrate(engine)
    ingress = Ingress(
        ClientAddressResolver(settings.trusted_proxies),
        IpHasher.from_file(settings.resolved_secret_file),
        GeoLocator(settings.geoip_database or default_geoip_database()),
    )
    store = Store(engine)
    return Services(
        settings=settings,
        store=store,
        registry=ModelRegistry(settings),
        ingress=ingress,
        recorder=TurnRecorder(store, settings.ingress_pii_masking),
        participant_limit=TokenBucketLimiter.from_limit(settings.participant_rate),
        ip_limit=TokenBucketLimiter.from_limit(settings.ip_rate),
        consent_limit=TokenBucketLimiter.from_limit(settings.consent_rate),
        participants=ParticipantCache(store, settings.key_cache_ttl_s),
    )


def create_app(settings: Settings | None = None, migrate_schema: bool = True) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            found = await anyio.to_thread.run_sync(build_services, settings, migrate_schema)
            app.state.services = found
            await anyio.to_thread.run_sync(found.recorder.warm_up)
            # Threads for store writes and local generation; the default (40) is plenty per worker.
            await found.registry.start()
        except Exception:
            # Logged here, scrubbed like every record: the traceback Starlette formats for
            # uvicorn holds the exception's message, and uvicorn's log shows only its first words.
            log.critical("the service failed to start", exc_info=True)
            raise
        log.info("service started", extra={"version": __version__, "pid": os.getpid()})
        try:
            yield
        finally:
            await found.registry.close()
            found.ingress.geo.close()
            await found.store.aclose()
            found.store.close()
            log.info("service stopped", extra={"pid": os.getpid()})

    app = FastAPI(
        title="wildchat",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    openapi = app.openapi

    def documented() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = api.document_chat(openapi())
        return app.openapi_schema

    app.openapi = documented  # type: ignore[method-assign]
    app.router.routes.insert(0, api.chat_route)
    app.include_router(api.router)
    app.include_router(participants.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=str(web.STATIC_DIR)), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> JSONResponse:
        found: Services = request.app.state.services
        database_ok = await anyio.to_thread.run_sync(_database_ok, found.store)
        statuses = {route.name: route.status for route in await found.registry.routes()}
        failed = sorted(name for name, status in statuses.items() if status == "failed")
        upstream = found.registry.upstream_reachable
        # Serving needs the store and a model that answers, or will once it has loaded.
        serving = database_ok and any(status != "failed" for status in statuses.values())
        body: dict[str, Any] = {
            "status": "ok" if serving and not failed and upstream is not False else "degraded",
            "database": database_ok,
            "models": {name: status == "ready" for name, status in statuses.items()},
            "failed_models": failed,
            "version": __version__,
        }
        if upstream is not None:
            body["upstream"] = upstream
        return JSONResponse(body, status_code=200 if serving else 503)

    # Innermost: the access log and the body limit see the request as it came (HEAD).
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestLogMiddleware)
    return app


def _database_ok(store: Store) -> bool:
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        log.warning("database health check failed", exc_info=True)
        return False


def factory() -> FastAPI:
    """Uvicorn's app factory for `wildchat serve`; settings come from the environment."""
    route_uncaught_exceptions(log)
    return create_app(load_settings(), migrate_schema=os.environ.get(SKIP_MIGRATION_ENV) != "1")
