"""Request bodies of the API, validated the way the OpenAI API validates them.

Every model is strict: a JSON boolean field takes only `true`/`false` (never `"yes"`, `"on"`,
`1` or `"true"`), an integer field only a JSON integer, a number field a JSON number (an integer
is a number, as in the OpenAI API), and a string field only a string. Above all, consent must
be given as JSON `true`, not as something that could be read as agreeing.

A chat request the service cannot honour as asked (images, tools, JSON mode, log
probabilities, more than 4 stop sequences) is refused, as OpenAI refuses a parameter a model
does not support, rather than answered differently from what was asked.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from wildchat.records import Message

# The pydantic error type of a request refused with a 400; its context holds the OpenAI error
# fields (`message`, `param`, `code`), which errors.invalid_body passes on.
BAD_REQUEST = "bad_request"
MAX_STOP_SEQUENCES = 4


def bad_request(message: str, param: str, code: str) -> PydanticCustomError:
    # The message travels in the context: as the template itself, braces in it would be read as
    # placeholders.
    return PydanticCustomError(BAD_REQUEST, "{message}", {"message": message, "param": param, "code": code})


def refusal(data: dict[str, Any]) -> PydanticCustomError | None:
    """Why a chat request (its JSON object, before validation) cannot be honoured as asked: the
    parameters this service has no field for, and content parts that are not text."""
    messages = data.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else ()):
        content = message.get("content") if isinstance(message, dict) else None
        for number, part in enumerate(content if isinstance(content, list) else ()):
            kind = part.get("type") if isinstance(part, dict) else None
            if isinstance(kind, str) and kind != "text":
                return bad_request(
                    f"Only text content is supported: messages[{index}].content[{number}] has type {kind!r}.",
                    f"messages.{index}.content.{number}",
                    "unsupported_value",
                )
    for name in ("tools", "functions"):
        if data.get(name):
            return bad_request(
                f"This service cannot call tools or functions: {name!r} is not supported.",
                name,
                "unsupported_parameter",
            )
    for name in ("tool_choice", "function_call"):
        if data.get(name) not in (None, "none", "auto"):
            return bad_request(
                f"This service cannot call tools or functions: {name!r} must be 'none' or left out.",
                name,
                "unsupported_parameter",
            )
    response_format = data.get("response_format")
    if response_format is not None and response_format != {"type": "text"}:
        kind = response_format.get("type") if isinstance(response_format, dict) else response_format
        return bad_request(
            f"Only plain-text replies are supported: a response_format of type {kind!r} is not.",
            "response_format",
            "unsupported_value",
        )
    if data.get("logprobs") is True or data.get("top_logprobs") not in (None, 0):
        name = "logprobs" if data.get("logprobs") is True else "top_logprobs"
        return bad_request(
            f"Log probabilities are not available from this service: {name!r} is not supported.",
            name,
            "unsupported_parameter",
        )
    return None


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

    @model_validator(mode="before")
    @classmethod
    def _honourable(cls, data: Any) -> Any:
        problem = refusal(data) if isinstance(data, dict) else None
        if problem is not None:
            raise problem
        return data

    @model_validator(mode="after")
    def _within_limits(self) -> ChatCompletionIn:
        # After the fields' own validation, so that a wrongly typed value is a 422 naming it.
        if isinstance(self.stop, list) and len(self.stop) > MAX_STOP_SEQUENCES:
            raise bad_request(
                f"'stop' takes at most {MAX_STOP_SEQUENCES} sequences; {len(self.stop)} were given.",
                "stop",
                "invalid_value",
            )
        if self.stream_options is not None and not self.stream:
            raise bad_request(
                "'stream_options' is only allowed when 'stream' is true.", "stream_options", "invalid_value"
            )
        return self

    @field_validator("stream", mode="before")
    @classmethod
    def _null_stream_is_false(cls, value: object) -> object:
        # The OpenAI API declares `stream` nullable with default false; some clients send null.
        return False if value is None else value

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        stops = [self.stop] if isinstance(self.stop, str) else self.stop
        return [s for s in stops if s]

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
