"""Two-turn answers to MT-bench-style questions, from an OpenAI-compatible endpoint or a local model.

Each question is asked as FastChat asks it: the first turn alone, then the second turn after the
model's own first answer. The sampling temperature depends on the category, with FastChat's
values (0 where there is one right answer, 0.7 for writing and role-play). Answers are appended to
``model_answer/<model>.jsonl`` as they finish and the file is put in question order at the end;
questions already answered there are skipped, so an interrupted run picks up where it stopped.
A question whose endpoint failed for good is left out (and counted), to be asked on the next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wildchat.train.endpoint import ChatEndpoint, EndpointError, Usage
from wildchat.train.fastchat_io import Answer, JsonlAppender, Question, read_answers, write_answers

# FastChat's MT-bench sampling temperatures per category.
CATEGORY_TEMPERATURE = {
    "writing": 0.7,
    "roleplay": 0.7,
    "extraction": 0.0,
    "math": 0.0,
    "coding": 0.0,
    "reasoning": 0.0,
    "stem": 0.1,
    "humanities": 0.1,
    "arena-hard-200": 0.0,
}
DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 1024


class Responder(Protocol):
    async def reply(
        self, messages: Sequence[dict[str, str]], *, temperature: float, max_tokens: int
    ) -> str: ...


class EndpointResponder:
    def __init__(self, endpoint: ChatEndpoint) -> None:
        self.endpoint = endpoint

    async def reply(self, messages: Sequence[dict[str, str]], *, temperature: float, max_tokens: int) -> str:
        return await self.endpoint.complete(messages, temperature=temperature, max_tokens=max_tokens)


class LocalResponder:
    """A transformers model from a folder (e.g. `wildchat train`'s output), one question at a time."""

    def __init__(self, path: Path, *, device: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from wildchat.train.templates import resolve_chat_template

        # A LoRA run of `wildchat train` writes adapters (adapter_config.json names the base):
        # transformers loads those through peft as it loads a whole model.
        if not any((path / name).is_file() for name in ("config.json", "adapter_config.json")):
            raise EndpointError(f"--local {path}: not a model folder (no config.json or adapter_config.json)")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.template = resolve_chat_template(self.tokenizer, "auto")
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        model: Any = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)
        self.model = model.to(torch.device(self.device))
        self.model.eval()
        self._lock = asyncio.Lock()  # one generation at a time on one device

    def _generate(self, messages: Sequence[dict[str, str]], temperature: float, max_tokens: int) -> str:
        import torch

        encoded: Any = self.tokenizer.apply_chat_template(
            list(messages),
            chat_template=self.template,
            add_generation_prompt=True,
            return_dict=True,
            return_tensors="pt",
        )
        inputs = encoded.to(self.device)
        sample = temperature > 1e-4
        options: dict[str, Any] = {"do_sample": sample, "max_new_tokens": max_tokens}
        if sample:
            options["temperature"] = temperature
        if self.tokenizer.pad_token_id is None:
            options["pad_token_id"] = self.tokenizer.eos_token_id
        with torch.inference_mode():
            output = self.model.generate(**inputs, **options)
        new_tokens = output[0, inputs["input_ids"].shape[1] :]
        return str(self.tokenizer.decode(new_tokens, skip_special_tokens=True)).strip()

    async def reply(self, messages: Sequence[dict[str, str]], *, temperature: float, max_tokens: int) -> str:
        async with self._lock:
            return await asyncio.to_thread(self._generate, messages, temperature, max_tokens)


@dataclass(slots=True)
class GenerateResult:
    path: Path
    answered: int = 0
    skipped: int = 0  # already in the answer file
    failed: dict[str, str] = field(default_factory=dict)  # question id → error
    usage: Usage | None = None


def temperature_for(question: Question, override: float | None) -> float:
    if override is not None:
        return override
    return CATEGORY_TEMPERATURE.get(question.category, DEFAULT_TEMPERATURE)


async def answer_question(
    responder: Responder, question: Question, model_id: str, *, temperature: float, max_tokens: int
) -> Answer:
    messages: list[dict[str, str]] = []
    turns: list[str] = []
    for prompt in question.turns:
        messages.append({"role": "user", "content": prompt})
        text = await responder.reply(messages, temperature=temperature, max_tokens=max_tokens)
        messages.append({"role": "assistant", "content": text})
        turns.append(text)
    return Answer(question.question_id, model_id, turns)


async def generate_answers(
    questions: Sequence[Question],
    responder: Responder,
    model_id: str,
    answer_path: Path,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    temperature: float | None = None,
) -> GenerateResult:
    """Answer every question not yet in answer_path; see the module docstring."""
    existing = read_answers(answer_path) if answer_path.is_file() else {}
    todo = [
        question
        for question in questions
        if str(question.question_id) not in existing
        or len(existing[str(question.question_id)].turns) < len(question.turns)
    ]
    result = GenerateResult(answer_path, skipped=len(questions) - len(todo))
    appender = JsonlAppender(answer_path)
    finished = dict(existing)

    async def one(question: Question) -> None:
        try:
            answer = await answer_question(
                responder,
                question,
                model_id,
                temperature=temperature_for(question, temperature),
                max_tokens=max_tokens,
            )
        except EndpointError as exc:
            result.failed[str(question.question_id)] = str(exc)
            return
        appender.write(answer.to_json())
        finished[str(question.question_id)] = answer
        result.answered += 1

    try:
        await asyncio.gather(*(one(question) for question in todo))
    finally:
        appender.close()
        if finished:  # a run whose every request failed leaves no empty answer file
            write_answers(answer_path, finished.values())
    return result
