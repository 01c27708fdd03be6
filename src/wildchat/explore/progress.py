"""How a build reports progress: phases with an optional total. The CLI draws them with rich."""

from __future__ import annotations

from typing import Protocol


class BuildProgress(Protocol):
    def phase(self, description: str, total: int | None = None) -> None:
        """A new step starts; `total` units are expected (None: unknown)."""

    def advance(self, count: int = 1) -> None:
        """`count` more units of the current step are done."""


class NoProgress:
    def phase(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass
