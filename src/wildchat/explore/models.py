"""What a search asks for and what it returns: the JSON API's schema and the pages' data."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wildchat.explore.query import Scope

Sort = Literal["relevance", "newest", "oldest"]
# Filters that take one or more values (repeat the parameter: ?language=English&language=French).
LIST_FILTERS = (
    "dataset",
    "model",
    "language",
    "country",
    "state",
    "hashed_ip",
    "user_id",
    "conversation_hash",
)
# Filters whose values are identifiers, which never hold spaces: the form's one text box per
# filter takes several, separated by spaces (`?hashed_ip=a b` is `?hashed_ip=a&hashed_ip=b`).
ID_FILTERS = ("hashed_ip", "user_id", "conversation_hash")
FACETS = ("dataset", "model", "language", "country", "state", "toxic", "redacted")
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 500  # values per filter: keeps a lookup's SQL under any SQLite's variable limit
# Both engines store ids, turn identifiers and times as signed 64-bit integers: larger numbers
# cannot match anything, and SQLite and PostgreSQL refuse them as parameters.
INT64_MAX = 2**63 - 1
# The largest page whose offset, (page - 1) * per_page, is still a 64-bit integer (PostgreSQL's
# OFFSET is a bigint).
MAX_PAGE = INT64_MAX // MAX_PER_PAGE


def _split_ids(values: list[Any]) -> list[Any]:
    return [part for item in values for part in (item.split() if isinstance(item, str) else [item])]


class SearchParams(BaseModel):
    """The query parameters of `/` and `/api/search` (and `/map`, `/api/map`)."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field(
        "", description='Words to find: `"exact phrase"`, `-exclude`, `a OR b`, `prefix*` (docs/explore.md).'
    )
    scope: Scope = Field("both", description="Search user messages, assistant messages, or both.")
    dataset: list[str] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="A dataset's label (any of the values given); `(none)` selects a missing value, "
        "as for model, language, country and state.",
    )
    model: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    language: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    country: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    state: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    hashed_ip: list[str] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="Every conversation of one WildChat user. Several values: repeat the parameter, "
        "or separate them with spaces (also for user_id and conversation_hash).",
    )
    user_id: list[str] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="The source's pseudonymous user: WildChat's hashed_ip, OpenAssistant's user_id.",
    )
    conversation_hash: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    turn_id: int | None = Field(
        None, ge=0, le=INT64_MAX, description="The conversation holding this turn_identifier."
    )
    toxic: bool | None = Field(None, description="`true` or `false`.")
    redacted: bool | None = Field(None, description="Holds personal information (`true` or `false`).")
    min_turns: int | None = Field(None, ge=0, le=INT64_MAX, description="At least this many turns.")
    max_turns: int | None = Field(None, ge=0, le=INT64_MAX, description="At most this many turns.")
    date_from: date | None = Field(None, description="First day (UTC) of the last turn's time, inclusive.")
    date_to: date | None = Field(None, description="Last day (UTC), inclusive.")
    sort: Sort | None = Field(None, description="Default: relevance with q, else newest.")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="Results per page.")
    cursor: int | None = Field(
        None,
        ge=0,
        le=INT64_MAX,
        description="Keyset paging for newest/oldest: continue after this conversation id.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL text cannot hold NUL and it would cut SQLite's FTS5 strings: a parameter
        holding one is refused the same way on both engines (the datasets' NULs are replaced
        at index time, so it could not match anything anyway)."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in items):
            raise ValueError("must not contain a NUL character (%00)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        """HTML forms send every field, empty ones as "": those mean "no filter"."""
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = [item for item in value if not (isinstance(item, str) and item.strip() == "")]
                if key not in LIST_FILTERS:
                    value = value[-1] if value else None
            elif isinstance(value, str) and value.strip() == "" and key != "q":
                value = None
            if value is None:
                continue
            if key in LIST_FILTERS and not isinstance(value, list):
                value = [value]
            if key in ID_FILTERS:
                value = _split_ids(value)
            cleaned[key] = value
        return cleaned

    @property
    def effective_sort(self) -> Sort:
        if self.sort is not None:
            return self.sort
        return "relevance" if self.q.strip() else "newest"

    def has_filters(self) -> bool:
        return bool(
            any(getattr(self, name) for name in LIST_FILTERS)
            or self.turn_id is not None
            or self.toxic is not None
            or self.redacted is not None
            or self.min_turns is not None
            or self.max_turns is not None
            or self.date_from is not None
            or self.date_to is not None
        )

    def filter_key(self) -> tuple[Any, ...]:
        """Everything that decides the filtered set (not q, sort or paging): a cache key."""
        return (
            *(tuple(sorted(set(getattr(self, name)))) for name in LIST_FILTERS),
            self.turn_id,
            self.toxic,
            self.redacted,
            self.min_turns,
            self.max_turns,
            self.date_from,
            self.date_to,
        )

    def query_items(self, **changes: Any) -> list[tuple[str, str]]:
        """The parameters as (name, value) pairs for a URL, defaults left out."""
        data = self.model_dump()
        data.update(changes)
        items: list[tuple[str, str]] = []
        defaults = {"q": "", "scope": "both", "page": 1, "per_page": 20}
        for name in type(self).model_fields:
            value = data.get(name)
            if value is None or value == [] or defaults.get(name) == value:
                continue
            for item in value if isinstance(value, list) else [value]:
                text = str(item).lower() if isinstance(item, bool) else str(item)
                items.append((name, text))
        return items

    def url(self, path: str = "/", **changes: Any) -> str:
        """A link to `path` with these parameters, some changed (None removes one)."""
        query = urlencode(self.query_items(**changes))
        return f"{path}?{query}" if query else path


class FacetCount(BaseModel):
    value: str
    count: int


class ConversationFields(BaseModel):
    """What a search result and a conversation page both say about a conversation."""

    id: int = Field(description="The conversation's number in this index (/conversation/{id}).")
    conversation_hash: str
    dataset: str
    model: str
    timestamp: str | None
    turn: int
    language: str
    country: str | None
    state: str | None
    hashed_ip: str | None
    toxic: bool
    redacted: bool


class Hit(ConversationFields):
    first_prompt: str
    snippet: str = Field(description="HTML: the dataset text escaped, matches wrapped in <mark>.")
    snippet_side: Literal["user", "assistant"] | None = None


class SearchResult(BaseModel):
    total: int
    total_exact: bool = Field(description="False when total is an estimate (a broad keyword).")
    page: int
    per_page: int
    sort: Sort
    results: list[Hit]
    facets: dict[str, list[FacetCount]]
    facets_exact: bool
    has_more: bool = Field(
        False, description="Whether a next page has results (ask for page + 1, or pass next_cursor)."
    )
    next_cursor: int | None = Field(None, description="Pass as cursor for the next page (newest/oldest).")
    notice: str | None = Field(None, description="How the results were ranked or counted, when it matters.")


class Message(BaseModel):
    role: str
    content: str
    turn_identifier: int | None = Field(
        description="The source's own id of the turn; null for sources without one (not a round number)."
    )
    language: str | None
    toxic: bool
    redacted: bool
    timestamp: str | None
    hashed_ip: str | None
    country: str | None
    state: str | None
    moderation: dict[str, Any] | None


class ConversationDetail(ConversationFields):
    user_id: str | None
    header: dict[str, Any] | None
    moderation: dict[str, float] = Field(description="Highest score per category over the messages.")
    messages: list[Message]


class MapData(BaseModel):
    """All map points, and which of them match the filters (parallel lists)."""

    ids: list[int]
    x: list[float]
    y: list[float]
    dataset: list[int]
    datasets: list[str]
    matched: list[bool]
    total_matched: int
    note: str | None = None


class ApiError(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ApiError
