"""An LLM judge over MT-bench-style answers: single-answer grades and pairwise verdicts.

Single grading scores each model's answer to each turn from 1 to 10 (math, reasoning and coding
against a reference answer); pairwise comparison shows each pair of answers twice, once in each
order, and a model wins a question only when both orders agree (``wildchat.train.scores``), which
cancels the judge's preference for the first or second position.

The judgment file is its own cache: every finished judgment is appended at once, and a later run
skips those already there, so an interrupted or extended run (a new model, new questions) asks
only for what is missing. Judgments whose verdict could not be read (score -1, winner "error", as
FastChat records them) are asked again on the next run; the later line is the one read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wildchat.train.endpoint import ChatEndpoint, EndpointError, Usage
from wildchat.train.fastchat_io import (
    ANSWER_DIR,
    JUDGMENT_DIR,
    Answer,
    BenchFileError,
    JsonlAppender,
    PairJudgment,
    Question,
    SingleJudgment,
    read_answers,
    read_pair_judgments,
    read_single_judgments,
)
from wildchat.train.prompts import JudgePrompt, pair_prompt, single_prompt

Mode = Literal["single", "pair"]
Judgment = SingleJudgment | PairJudgment
JUDGE_MAX_TOKENS = 2048

_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_RATING_FALLBACK = re.compile(r"\[\s*(\d+(?:\.\d+)?)\s*\]")  # "[7]": a judge that dropped a bracket
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")


def parse_rating(judgment: str) -> float:
    """The judge's last "[[score]]" (1–10), or -1 when there is none, as FastChat records it."""
    found = _RATING.findall(judgment) or _RATING_FALLBACK.findall(judgment)
    if not found:
        return -1.0
    score = float(found[-1])
    return score if 1.0 <= score <= 10.0 else -1.0


def parse_verdict(judgment: str) -> str:
    """ "A", "B", "tie" ([[C]]) or "error": the judge's last verdict mark."""
    found = _VERDICT.findall(judgment)
    if not found:
        return "error"
    return {"A": "A", "B": "B", "C": "tie"}[found[-1]]


def judgment_path(bench_dir: Path, judge_model: str, mode: Mode) -> Path:
    safe = judge_model.replace("/", "_").replace("\\", "_")
    return bench_dir / JUDGMENT_DIR / f"{safe}_{mode}.jsonl"


@dataclass(slots=True)
class JudgeResult:
    path: Path
    judged: int = 0
    cached: int = 0
    unparsed: int = 0  # verdicts that could not be read (asked again on the next run)
    failed: int = 0  # requests that failed for good
    missing_answers: int = 0  # model/question pairs with no (or a one-turn) answer
    missing_references: int = 0  # reference categories graded without a reference
    errors: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True, slots=True)
class _Task:
    question: Question
    turn: int
    reference: list[str] | None


def load_model_answers(bench_dir: Path, models: Sequence[str] | None) -> dict[str, dict[str, Answer]]:
    folder = bench_dir / ANSWER_DIR
    if models is None:
        files = sorted(folder.glob("*.jsonl"))
        if not files:
            raise BenchFileError(f"no answer files in {folder}: run `wildchat eval generate` first")
        return {path.stem: read_answers(path) for path in files}
    answers: dict[str, dict[str, Answer]] = {}
    for model in models:
        path = folder / f"{model}.jsonl"
        if not path.is_file():
            raise BenchFileError(f"no answers for model {model!r}: {path} does not exist")
        answers[model] = read_answers(path)
    return answers


def _reference(question: Question, references: dict[str, Answer]) -> list[str] | None:
    if question.reference:
        return question.reference
    answer = references.get(str(question.question_id))
    return answer.turns if answer else None


def _tasks(questions: Sequence[Question], references: dict[str, Answer], result: JudgeResult) -> list[_Task]:
    tasks: list[_Task] = []
    for question in questions:
        reference = _reference(question, references) if question.needs_reference else None
        if question.needs_reference and reference is None:
            result.missing_references += 1
        for turn in range(1, min(len(question.turns), 2) + 1):
            tasks.append(_Task(question, turn, reference))
    return tasks


def _question_values(task: _Task) -> dict[str, str]:
    """The template fields every judge prompt shares: the question's turns and the reference's."""
    question, reference = task.question, task.reference or ["", ""]
    return {
        "question": question.turns[0],
        "question_1": question.turns[0],
        "question_2": question.turns[-1],
        "ref_answer_1": reference[0],
        "ref_answer_2": reference[-1],
    }


def _answer_values(answer: Answer, name: str) -> dict[str, str]:
    """`{name}` for the first turn, `{name}_1` and `{name}_2` for each turn."""
    return {name: answer.turns[0], f"{name}_1": answer.turns[0], f"{name}_2": answer.turns[-1]}


def _fill_single(prompt: JudgePrompt, task: _Task, answer: Answer) -> str:
    return prompt.template.format(**_question_values(task), **_answer_values(answer, "answer"))


def _fill_pair(prompt: JudgePrompt, task: _Task, answer_a: Answer, answer_b: Answer) -> str:
    return prompt.template.format(
        **_question_values(task),
        **_answer_values(answer_a, "answer_a"),
        **_answer_values(answer_b, "answer_b"),
    )


def _answer(answers: dict[str, Answer], task: _Task) -> Answer | None:
    answer = answers.get(str(task.question.question_id))
    if answer is None or len(answer.turns) < task.turn:
        return None
    return answer


async def _ask(endpoint: ChatEndpoint, prompt: JudgePrompt, user: str) -> str:
    messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]
    return await endpoint.complete(messages, temperature=0.0, max_tokens=JUDGE_MAX_TOKENS)


class _JudgeRun:
    """What single grading and pairwise comparison share: the judgment file, read first as the
    cache of finished judgments and then appended to as each verdict arrives, and the counts."""

    def __init__(
        self, endpoint: ChatEndpoint, bench_dir: Path, mode: Mode, read: Callable[[Path], Iterable[Judgment]]
    ) -> None:
        self.judge_model = endpoint.settings.model
        path = judgment_path(bench_dir, self.judge_model, mode)
        self.done = {j.key for j in read(path) if j.ok} if path.is_file() else set()
        self.result = JudgeResult(path, usage=endpoint.usage)
        self._out: JsonlAppender | None = None

    def record(self, judgment: Judgment) -> None:
        assert self._out is not None, "record() runs inside run()"
        self._out.write(judgment.to_json())
        self.result.judged += 1
        self.result.unparsed += not judgment.ok

    def fail(self, exc: EndpointError) -> None:
        self.result.failed += 1
        self.result.errors.append(str(exc))

    async def run(self, jobs: list[Coroutine[None, None, None]]) -> JudgeResult:
        self._out = JsonlAppender(self.result.path)
        try:
            await asyncio.gather(*jobs)
        finally:
            self._out.close()
        return self.result


async def judge_single(
    endpoint: ChatEndpoint,
    questions: Sequence[Question],
    answers: dict[str, dict[str, Answer]],
    bench_dir: Path,
    *,
    references: dict[str, Answer] | None = None,
) -> JudgeResult:
    """Grade every model's answer to every turn; appends to model_judgment/<judge>_single.jsonl."""
    run = _JudgeRun(endpoint, bench_dir, "single", read_single_judgments)

    async def one(model: str, task: _Task, answer: Answer) -> None:
        prompt = single_prompt(reference=task.reference is not None, turn=task.turn)
        user = _fill_single(prompt, task, answer)
        try:
            text = await _ask(endpoint, prompt, user)
        except EndpointError as exc:
            run.fail(exc)
            return
        run.record(
            SingleJudgment(
                task.question.question_id,
                model,
                (run.judge_model, prompt.name),
                user,
                text,
                parse_rating(text),
                task.turn,
            )
        )

    jobs = []
    for task in _tasks(questions, references or {}, run.result):
        for model, model_answers in answers.items():
            answer = _answer(model_answers, task)
            if answer is None:
                run.result.missing_answers += 1
            elif (str(task.question.question_id), model, task.turn, run.judge_model) in run.done:
                run.result.cached += 1
            else:
                jobs.append(one(model, task, answer))
    return await run.run(jobs)


def model_pairs(models: Sequence[str], baseline: str | None) -> list[tuple[str, str]]:
    """Every pair of models, or each model against the baseline (FastChat's pairwise-baseline)."""
    if baseline is None:
        return list(itertools.combinations(models, 2))
    if baseline not in models:
        raise BenchFileError(f"the baseline {baseline!r} has no answer file")
    return [(model, baseline) for model in models if model != baseline]


async def judge_pairs(
    endpoint: ChatEndpoint,
    questions: Sequence[Question],
    answers: dict[str, dict[str, Answer]],
    bench_dir: Path,
    *,
    references: dict[str, Answer] | None = None,
    baseline: str | None = None,
) -> JudgeResult:
    """Compare answers pairwise, in both orders; appends to model_judgment/<judge>_pair.jsonl."""
    run = _JudgeRun(endpoint, bench_dir, "pair", read_pair_judgments)

    async def one(model_1: str, model_2: str, task: _Task, answer_1: Answer, answer_2: Answer) -> None:
        prompt = pair_prompt(reference=task.reference is not None, turn=task.turn)
        user_1 = _fill_pair(prompt, task, answer_1, answer_2)  # g1: model_1 is A
        user_2 = _fill_pair(prompt, task, answer_2, answer_1)  # g2: model_2 is A
        replies = await asyncio.gather(
            _ask(endpoint, prompt, user_1), _ask(endpoint, prompt, user_2), return_exceptions=True
        )
        unexpected = [r for r in replies if isinstance(r, BaseException) and not isinstance(r, EndpointError)]
        if unexpected:
            raise unexpected[0]
        failures = [reply for reply in replies if isinstance(reply, EndpointError)]
        if failures:
            run.fail(failures[0])
            return
        text_1, text_2 = str(replies[0]), str(replies[1])
        verdict_1, verdict_2 = parse_verdict(text_1), parse_verdict(text_2)
        run.record(
            PairJudgment(
                task.question.question_id,
                model_1,
                model_2,
                {"A": "model_1", "B": "model_2"}.get(verdict_1, verdict_1),
                {"A": "model_2", "B": "model_1"}.get(verdict_2, verdict_2),
                (run.judge_model, prompt.name),
                user_1,
                text_1,
                user_2,
                text_2,
                task.turn,
            )
        )

    jobs = []
    for task in _tasks(questions, references or {}, run.result):
        for model_1, model_2 in model_pairs(list(answers), baseline):
            answer_1, answer_2 = _answer(answers[model_1], task), _answer(answers[model_2], task)
            if answer_1 is None or answer_2 is None:
                run.result.missing_answers += 1
            elif (str(task.question.question_id), model_1, model_2, task.turn, run.judge_model) in run.done:
                run.result.cached += 1
            else:
                jobs.append(one(model_1, model_2, task, answer_1, answer_2))
    return await run.run(jobs)


def record_usage(
    bench_dir: Path, judge_model: str, mode: Mode, result: JudgeResult, prices: tuple[float, float]
) -> None:
    """Append this run's requests, tokens and cost to model_judgment/usage.jsonl.

    Judgments taken from the cache cost nothing and are not counted.
    """
    line = {
        "judge": judge_model,
        "mode": mode,
        "tstamp": time.time(),
        "judged": result.judged,
        "cached": result.cached,
        "unparsed": result.unparsed,
        "failed": result.failed,
        **result.usage.to_dict(*prices),
    }
    path = bench_dir / JUDGMENT_DIR / "usage.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
