"""The explorer in headless Chromium (Debian's, through Playwright): search, filter, open a
conversation, follow a badge, the map, and hostile dataset text that must never run.

Each step saves a screenshot in the test's tmp_path (printed at the end: pytest -s). The page's
own troubles are collected: a JS dialog (alert() from injected markup), an uncaught error, an
element the dataset text could have injected, or a Content-Security-Policy violation fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.explore.data import LONG_HASH
from tests.support.browser import chromium_page
from tests.support.loopback_upstream import serve_in_thread
from wildchat.explore.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(map_index_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(str(map_index_path))) as url:
        yield url


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    with chromium_page(1280, 900) as page:
        yield page


class Watch:
    """Screenshots, and everything the page must not do."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.count = 0
        self.problems: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: self.problems.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)

    def assert_nothing_injected(self) -> None:
        injected = self.page.evaluate(
            "() => ({pwned: window.__pwned || null,"
            " scripts: [...document.querySelectorAll('script')]"
            ".filter(s => !s.src.endsWith('/static/map.js')).length,"
            " frames: document.querySelectorAll('iframe').length,"
            " images: document.querySelectorAll('img').length,"
            " bold: document.querySelectorAll('.content b, .snippet b').length,"
            " jsLinks: [...document.querySelectorAll('a')]"
            ".filter(a => a.href.startsWith('javascript')).length})"
        )
        assert injected == {"pwned": None, "scripts": 0, "frames": 0, "images": 0, "bold": 0, "jsLinks": 0}
        assert self.problems == []


def test_search_filter_conversation_badge_and_map(page: Any, base_url: str, tmp_path: Path) -> None:
    watch = Watch(page, tmp_path)

    # Search
    page.goto(base_url + "/")
    page.fill("input[name=q]", "python")
    page.click("button[type=submit]")
    page.wait_for_selector("ol.hits li.hit")
    assert page.locator("ol.hits li.hit").count() == 4
    assert page.locator(".snippet mark").first.inner_text().lower() == "python"
    assert "q=python" in page.url
    watch.shot("search")

    # Filter with a facet, then with the form
    page.locator("section.facet[data-facet=model] a", has_text="gpt-4-0314").click()
    page.wait_for_url("**model=gpt-4-0314**")
    assert page.locator("ol.hits li.hit").count() == 2
    assert page.locator("section.facet[data-facet=model] li.selected").count() == 1
    watch.shot("facet-filter")
    page.goto(base_url + "/?q=sort")
    page.click("details.filters summary")
    page.select_option("select[name=model]", "gpt-3.5-turbo-0613")
    page.click("button[type=submit]")
    page.wait_for_url("**model=gpt-3.5-turbo-0613**")
    assert page.locator("ol.hits li.hit").count() == 1
    watch.shot("form-filter")

    # Open a conversation and follow its IP badge: every conversation of that user
    page.click("ol.hits li.hit a.title")
    page.wait_for_selector("article.conversation")
    assert page.locator("section.message").count() == 2
    assert page.locator(".message .content code, .message .content p").count() >= 1
    watch.shot("conversation")
    page.click("a[data-badge=hashed_ip]")
    page.wait_for_url("**hashed_ip=**")
    assert page.locator("ol.hits li.hit").count() == 6  # ip-alpha: conversations 1, 5, 7, 9, 10, 12
    watch.shot("badge-user")

    # Hostile text: a search that lists it, and its conversation page
    page.goto(base_url + "/?q=script")
    page.wait_for_selector("ol.hits li.hit")
    watch.assert_nothing_injected()
    watch.shot("hostile-results")
    page.click("ol.hits li.hit a.title")
    page.wait_for_selector("article.conversation")
    assert "<script>window.__pwned" in page.locator(".message.user .content").inner_text()
    watch.assert_nothing_injected()
    watch.shot("hostile-conversation")
    page.goto(base_url + "/?q=" + "NEAR(alpha%20beta)%20%22open")
    assert "unbalanced quotes" in page.locator(".error").inner_text()
    # The page answers 400 by design, and Chromium logs that status: the one expected complaint.
    assert watch.problems == [
        "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    watch.problems.clear()
    watch.shot("query-error")

    # The map: points drawn, filtered by the same criteria, a click opens a conversation
    page.goto(base_url + "/map?language=English")
    page.wait_for_selector("canvas#map[data-ready=true]")
    status = page.locator("#map-status").inner_text()
    assert "points match" in status and not status.startswith("0 ")
    painted = page.evaluate(
        "() => { const c = document.getElementById('map'); const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
    )
    assert painted > 50
    watch.shot("map")
    target = page.evaluate(
        "async () => { const r = await fetch('/api/map' + location.search); const m = await r.json();"
        " const i = m.matched.indexOf(true); const c = document.getElementById('map');"
        " const rect = c.getBoundingClientRect(); const pad = 14;"
        " const x = pad + m.x[i] * (c.width - 2 * pad), y = pad + (1 - m.y[i]) * (c.height - 2 * pad);"
        " return {id: m.ids[i], x: x * rect.width / c.width, y: y * rect.height / c.height}; }"
    )
    page.locator("canvas#map").click(position={"x": target["x"], "y": target["y"]})
    page.wait_for_url(f"**/conversation/{target['id']}")
    watch.shot("map-click")
    assert watch.problems == []
    print(f"screenshots: {tmp_path}")


def test_a_new_search_keeps_every_filter_of_the_page(page: Any, base_url: str, tmp_path: Path) -> None:
    watch = Watch(page, tmp_path)
    page.goto(
        base_url + "/?language=Chinese&language=Russian&min_turns=1&per_page=5&hashed_ip=ip-gamma%20ip-alpha"
    )
    assert page.locator("ol.hits li.hit").count() == 2
    page.fill("input[name=q]", "猫")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["猫"] and query["language"] == ["Chinese", "Russian"]
    assert query["min_turns"] == ["1"] and query["per_page"] == ["5"]
    assert query["hashed_ip"] == ["ip-gamma ip-alpha"]
    assert page.locator("ol.hits li.hit").count() == 1
    assert page.locator(".snippet mark").first.inner_text() == "猫"
    watch.shot("search-kept-filters")
    assert watch.problems == []


@pytest.mark.parametrize(
    "path",
    [
        "/?q=python&hashed_ip=" + LONG_HASH + "%20ip-alpha&conversation_hash=" + f"{1:032x}",
        "/?language=English&language=French&per_page=5",
        "/conversation/8",  # WildChat conversation 6: the long IP hash, FTS syntax as text
        "/conversation/10",
        "/map?q=python",
        "/docs",
    ],
)
def test_no_page_is_wider_than_a_phone(base_url: str, tmp_path: Path, path: str) -> None:
    with chromium_page(390, 844) as page:
        watch = Watch(page, tmp_path)
        page.goto(base_url + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # all of it
        widths = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,"
            " wide: [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)})"
        )
        watch.shot("phone")
        assert widths["page"] <= widths["view"] == 390, widths
        if path.startswith("/?"):  # the results come before the facets
            results = page.locator("section.results").bounding_box()
            facets = page.locator("aside.facets").bounding_box()
            assert results["y"] < facets["y"]
        print(f"screenshot: {tmp_path}")
