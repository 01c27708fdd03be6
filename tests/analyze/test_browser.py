"""The report page in headless Chromium: every plot decodes and shows, hostile text stays text,
nothing runs. Chromium comes from Debian (scripts/install-apt.sh), never `playwright install`;
without it the test skips, except under CI=true where it fails. Screenshots land in tmp_path
(or in $REPORT_SCREENSHOTS when set, to look at them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.analyze.builders import conversation, detoxify, message, moderation, plain, scored
from tests.support.browser import chromium_page
from wildchat.analyze import DatasetInput, ReportOptions, build_report

pytestmark = pytest.mark.browser

ATTACK = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_page(1280, 900, offline=True) as page:
        yield page


def hostile() -> list[Any]:
    return [
        conversation(
            f"x{i}",
            [message("user", f"{ATTACK} please {i % 2}"), message("assistant", "no")],
            model=ATTACK,
            country="Peru",
            ip=f"u{i}",
            moderations=[moderation(False), moderation(i == 0, "hate")],
            detoxifies=[detoxify(0.0), detoxify(0.0)],
        )
        for i in range(4)
    ]


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_report(page: Any, out: Path) -> tuple[list[str], list[str]]:
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((out / "report.html").as_uri())
    page.wait_for_load_state("load")
    return dialogs, errors


def rendered_images(page: Any) -> list[dict[str, Any]]:
    return list(
        page.eval_on_selector_all(
            "figure img",
            "imgs => imgs.map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth,"
            " height: i.naturalHeight, shown: i.getBoundingClientRect().width}))",
        )
    )


def test_page_renders_offline_and_keeps_text_as_text(page: Any, tmp_path: Path) -> None:
    out = tmp_path / "report"
    options = ReportOptions(identify_languages=False, embeddings=False, progress=False, min_repeats=2)
    build_report(
        [
            DatasetInput(records=scored(), name="scored"),
            DatasetInput(records=plain(), name="plain"),
            DatasetInput(records=hostile(), name=ATTACK),
        ],
        out,
        options,
    )
    dialogs, errors = open_report(page, out)
    images = rendered_images(page)
    assert len(images) >= 7
    for image in images:
        assert image["complete"] and image["width"] > 100 and image["height"] > 50, image
        assert image["shown"] > 100, image
    assert page.locator("table[data-table='table1'] tr").count() == 7  # header + six rows
    assert page.locator("table[data-table='table1'] th").nth(3).inner_text() == ATTACK  # shown, not parsed
    assert page.locator("script").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == [] and errors == []
    assert "No map: embeddings were turned off" in page.locator("#map").inner_text()
    page.screenshot(path=str(shots(tmp_path) / "report-top.png"))
    page.locator("section#toxicity").scroll_into_view_if_needed()
    page.screenshot(path=str(shots(tmp_path) / "report-toxicity.png"))
    page.screenshot(path=str(shots(tmp_path) / "report-full.png"), full_page=True)


@pytest.mark.slow
def test_map_renders(page: Any, tmp_path: Path) -> None:
    out = tmp_path / "report"
    topics = ["cook pasta", "train a dog", "learn python", "fix a bike", "write a poem", "plan a trip"]
    first = [
        conversation(f"a{i}", [message("user", f"How do I {t}? ({i})")]) for i, t in enumerate(topics * 3)
    ]
    second = [conversation(f"b{i}", [message("user", f"Tell me about {t}.")]) for i, t in enumerate(topics)]
    options = ReportOptions(identify_languages=False, duplicates=False, progress=False)
    build_report(
        [DatasetInput(records=first, name="A"), DatasetInput(records=second, name="B")], out, options
    )
    dialogs, errors = open_report(page, out)
    maps = [image for image in rendered_images(page) if image["alt"].startswith("First-turn prompts")]
    assert len(maps) == 1 and maps[0]["width"] > 300 and maps[0]["complete"]
    assert dialogs == [] and errors == []
    page.locator("#map").scroll_into_view_if_needed()
    page.screenshot(path=str(shots(tmp_path) / "report-map.png"))
