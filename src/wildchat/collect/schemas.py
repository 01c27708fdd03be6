"""Request bodies of the API, validated the way the OpenAI API validates them.

Every model is strict: a JSON boolean field takes only `true`/`false` (never `"yes"`, `"on"`,
`1` or `"true"`), an integer field only a JSON integer, a number field a JSON number (an integer
is a number, as in the OpenAI API), and a string field only a string. Above all, consent must
be given as JSON `true`, not as something that could be read as agreeing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wildchat.records import Message


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    type: Literal["text"]
    text: str


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    include_usage: bool = False


class ChatCompletionIn(BaseModel):
    """POST /v1/chat/completions. Unknown fields are ignored, as the OpenAI API does."""

    model_config = ConfigDict(extra="ignore", strict=True)

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    seed: int | None = None
    n: int | None = Field(default=None, ge=1, le=1)
    user: str | None = Field(default=None, max_length=256)
    # Sent by our chat page (and by API clients that want it) so that turns link exactly.
    conversation_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_\-.:]+$")

    @field_validator("stream", mode="before")
    @classmethod
    def _null_stream_is_false(cls, value: object) -> object:
        # The OpenAI API declares `stream` nullable with default false; some clients send null.
        return False if value is None else value

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        stops = [self.stop] if isinstance(self.stop, str) else self.stop
        return [s for s in stops if s][:4]

    def to_messages(self) -> list[Message]:
        return [Message(m.role, m.text()) for m in self.messages]

    def sampling_params(self) -> dict[str, object]:
        """The parameters as the client sent them, for the turn log."""
        fields = (
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "stop",
            "presence_penalty",
            "frequency_penalty",
            "seed",
        )
        params: dict[str, object] = {"stream": self.stream}
        for name in fields:
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        return params


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    agree_terms: bool
    agree_publication: bool
