"""Headless Chromium for the browser tests: Debian's build, driven by Playwright, never downloaded.

Without /usr/bin/chromium a browser test is skipped, except under CI=true where it fails
(scripts/install-apt.sh installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT_MS = 20_000
# This machine has no network: without these Chromium keeps trying to reach Google's services.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium_page(width: int = 1280, height: int = 900, *, offline: bool = False) -> Iterator[Any]:
    """A fresh page in a fresh browser, closed afterwards."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install it with scripts/install-apt.sh"
        if IN_CI:
            pytest.fail(f"the browser test must run when CI=true, but {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": height}, offline=offline)
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
