"""OpenAI Moderation through the official `openai` SDK, with the WildChat fallback for failures.

Any OpenAI-compatible server works (`base_url`). Texts go in batches of `batch_size` inputs per
request, `concurrency` requests at a time. Transient failures (429, 5xx, connection errors,
timeouts) are retried with exponential backoff and jitter, honouring `Retry-After`. When a batch
still fails, its texts are retried one at a time; when one text still fails (or the server
rejects it with 400/413, typically "too long"), it is split in half, recursively up to
`max_split_depth`, and the pieces' results are combined as the paper did: category flags OR-ed,
scores max-ed. Authentication and similar errors are not retried: they would fail every text.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wildchat.curate.toxicity.base import MODERATION_FIELD, ReleasedField, ScorerNotReady, TextScores
from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES, merge_moderation, moderation_record

if TYPE_CHECKING:
    from openai import OpenAI

DEFAULT_MODEL = "omni-moderation-latest"


class ModerationFailed(RuntimeError):
    """A text could not be moderated even after retries and splitting."""


class _GaveUp(Exception):
    """Internal: this request failed for good; the caller may split it."""


@dataclass
class OpenAIModerationScorer:
    api_key: str | None = field(default=None, repr=False)  # None: the SDK reads OPENAI_API_KEY
    base_url: str | None = None  # None: the SDK's default (or OPENAI_BASE_URL)
    model: str = DEFAULT_MODEL
    batch_size: int = 32
    concurrency: int = 4
    max_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    timeout_s: float = 60.0
    max_split_depth: int = 8
    name: str = field(default="openai", init=False)
    fields: tuple[ReleasedField, ...] = field(default=(MODERATION_FIELD,), init=False)
    _client: OpenAI | None = field(default=None, init=False, repr=False, compare=False)
    _counts: Counter[str] = field(default_factory=Counter, init=False, repr=False, compare=False)
    _served: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.max_retries < 0:
            raise ValueError("batch_size and concurrency must be >= 1, max_retries >= 0")

    @property
    def version(self) -> str:
        return self.model

    def describe(self) -> str:
        served_note = f"; served by {', '.join(sorted(self._served))}" if self._served else ""
        return f"OpenAI Moderation API, model {self.model}{served_note}"

    # Pickling ships configuration only: the HTTP client and its lock belong to one process.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def setup(self) -> None:
        from openai import OpenAI, OpenAIError

        try:
            # The SDK's own retries are off: ours add the split fallback and must count attempts.
            self._client = OpenAI(
                api_key=self.api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout_s
            )
        except OpenAIError as exc:
            raise RuntimeError(
                f"cannot create the OpenAI client for moderation ({exc}); set api_key or OPENAI_API_KEY"
            ) from exc

    def take_counts(self) -> dict[str, int]:
        """Requests, retries, splits and served models since the last call (for stage stats)."""
        with self._lock:
            counts = dict(self._counts)
            self._counts.clear()
        return counts

    def score(self, texts: Sequence[str]) -> list[TextScores]:
        if self._client is None:
            raise ScorerNotReady("call setup() before score()")
        batches = [list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        if len(batches) <= 1 or self.concurrency == 1:
            results = [self._score_batch(b) for b in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
                results = list(pool.map(self._score_batch, batches))
        return [TextScores(openai_moderation=r) for batch in results for r in batch]

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def _score_batch(self, batch: list[str]) -> list[dict[str, Any]]:
        try:
            return self._request(batch)
        except _GaveUp:
            if len(batch) == 1:
                return [self._split(batch[0], depth=1)]
            # One bad input (too long, say) should not fail its neighbours: go one by one.
            return [r for text in batch for r in self._score_batch([text])]

    def _score_piece(self, text: str, depth: int) -> dict[str, Any]:
        try:
            return self._request([text])[0]
        except _GaveUp:
            return self._split(text, depth + 1)

    def _split(self, text: str, depth: int) -> dict[str, Any]:
        if depth > self.max_split_depth or len(text) < 2:
            raise ModerationFailed(f"moderation failed for a {len(text)}-character text after splitting")
        self._count("splits")
        left, right = split_in_half(text)
        return merge_moderation([self._score_piece(left, depth), self._score_piece(right, depth)])

    def _request(self, inputs: list[str]) -> list[dict[str, Any]]:
        import openai

        assert self._client is not None
        for attempt in range(self.max_retries + 1):
            self._count("requests")
            try:
                response = self._client.moderations.create(model=self.model, input=inputs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                raise _GaveUp() from exc  # the input itself is the problem: split, don't retry
            except openai.APIStatusError as exc:
                if exc.status_code == 413:
                    raise _GaveUp() from exc
                if exc.status_code not in (408, 409, 429) and exc.status_code < 500:
                    raise  # 401, 403, 404 ...: every request would fail the same way
                self._backoff(attempt, exc.response.headers.get("retry-after"))
            except openai.APIConnectionError:  # includes timeouts
                self._backoff(attempt, None)
            else:
                if len(response.results) != len(inputs):
                    self._backoff(attempt, None)  # a confused server: treat like a transient error
                    continue
                self._count(f"served_model.{response.model}")
                self._served.add(response.model)
                return [_released(result) for result in response.results]
        raise _GaveUp()

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        self._count("retries")
        if attempt >= self.max_retries:
            return  # no sleep after the last attempt: the caller splits right away
        delay = min(self.backoff_max_s, self.backoff_base_s * 2**attempt) * random.uniform(0.5, 1.0)
        if retry_after is not None:
            with contextlib.suppress(ValueError):  # an HTTP date: keep our own delay
                delay = min(self.backoff_max_s, max(delay, float(retry_after)))
        time.sleep(delay)


def split_in_half(text: str) -> tuple[str, str]:
    """Two halves, cut at the whitespace nearest the middle when one is close, else mid-string."""
    middle = len(text) // 2
    reach = max(1, len(text) // 10)
    for offset in range(reach):
        for cut in (middle - offset, middle + offset):
            if 0 < cut < len(text) and text[cut].isspace():
                return text[:cut], text[cut:]
    return text[:middle], text[middle:]


def _released(result: Any) -> dict[str, Any]:
    """SDK Moderation object -> the released entry (both key spellings, floats and bools)."""
    categories = result.categories
    scores = result.category_scores
    flags: dict[str, bool] = {}
    values: dict[str, float] = {}
    for category in MODERATION_CATEGORIES:
        attribute = category.replace("/", "_").replace("-", "_")
        flags[category] = bool(getattr(categories, attribute, False) or False)
        values[category] = float(getattr(scores, attribute, 0.0) or 0.0)
    return moderation_record(flags, values, bool(result.flagged))
