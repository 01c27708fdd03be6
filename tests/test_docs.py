"""The documentation names every setting, so docs and code cannot drift apart."""

from __future__ import annotations

from pathlib import Path

from wildchat.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text


def _relative_links(path: Path) -> list[str]:
    """Targets of the Markdown links in `path` that are not absolute URLs or in-page anchors."""
    import re

    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:|#", t)]


def test_readme_and_docs_link_only_inside_the_repository() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in _relative_links(page):
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == [], "links that a clone of the repository cannot follow"


def test_readme_and_docs_link_no_outside_pages() -> None:
    """The README and docs stand alone: a link that leaves the repository fails here."""
    import re

    outside = [
        f"{page.relative_to(ROOT)} → {target}"
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        for target in re.findall(r"\]\(([a-z]+:[^)\s]*)\)", page.read_text(encoding="utf-8"))
    ]
    assert outside == []


def _table_fields(section: str) -> list[str]:
    """Backquoted names in the first column of the Markdown table rows of `section`."""
    import re

    names: list[str] = []
    for row in re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE):
        names += re.findall(r"`([^`]+)`", row)
    return names


def test_curation_docs_list_every_field_of_the_record() -> None:
    from wildchat.curate.schema import MESSAGE_FIELDS, TOP_LEVEL_FIELDS

    text = (ROOT / "docs" / "curation.md").read_text(encoding="utf-8")
    section = text.split("## The record", 1)[1].split("\n## ", 1)[0]
    top, messages = section.split("Each message of `conversation`", 1)
    assert sorted(_table_fields(top)) == sorted(TOP_LEVEL_FIELDS)
    assert sorted(_table_fields(messages)) == sorted(MESSAGE_FIELDS)
