"""The one error a reader raises on bad input, and the field-level error parsers raise inside it."""

from __future__ import annotations

from pathlib import Path


class FieldError(ValueError):
    """A record's field is missing or has the wrong type; the reader adds the file and position."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field {field!r}: {problem}")
        self.field = field
        self.problem = problem


class FormatError(ValueError):
    """Bad or unrecognised input. The message names the file, the position and the field:

    ``data.jsonl: line 3: field 'conversations[2].value': expected a string, got null``
    """

    def __init__(
        self, file: str | Path, problem: str, *, position: str | None = None, field: str | None = None
    ) -> None:
        self.file = str(file)
        self.position = position
        self.field = field
        self.problem = problem
        parts = [self.file]
        if position:
            parts.append(position)
        parts.append(f"field {field!r}: {problem}" if field else problem)
        super().__init__(": ".join(parts))

    @classmethod
    def from_field(cls, file: str | Path, position: str | None, error: FieldError) -> FormatError:
        return cls(file, error.problem, position=position, field=error.field)
