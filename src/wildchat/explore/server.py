"""Running the explorer under uvicorn: one process holding the app, or several workers that each
open the index themselves (it is read-only, so they share nothing else)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from wildchat.explore.app import INDEX_ENV, create_app


def serve_explorer(
    target: str, host: str, port: int, workers: int = 1, announce: Callable[[], None] | None = None
) -> None:
    """Serve the index at `target` until SIGTERM/SIGINT; opening it fails here, before binding.

    `announce` is called once the index is open, before serving: a URL printed before the
    index is checked would be a promise the error right after it breaks."""
    app = create_app(target)  # a missing or foreign index is reported before any worker starts
    if announce is not None:
        announce()
    # Uvicorn re-raises SIGTERM after its graceful shutdown; this no-op handler absorbs the
    # re-raise, so a clean stop exits 0 instead of -15.
    signal.signal(signal.SIGTERM, lambda *_: None)
    if workers > 1:
        os.environ[INDEX_ENV] = target
        config = uvicorn.Config(
            "wildchat.explore.app:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        with contextlib.suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
