"""MT-bench's files, as FastChat's LLM Judge reads and writes them, so results move between the tools.

A benchmark folder (FastChat's ``data/mt_bench``) holds:

    question.jsonl                 {"question_id", "category", "turns": [q1, q2], "reference": [r1, r2]?}
    model_answer/<model>.jsonl     {"question_id", "answer_id", "model_id", "choices": [{"index": 0,
                                    "turns": [a1, a2]}], "tstamp"}
    reference_answer/<model>.jsonl the same shape: reference answers for math, reasoning and coding
    model_judgment/<judge>_single.jsonl
                                   {"question_id", "model", "judge": [judge_model, prompt_name],
                                    "user_prompt", "judgment", "score", "turn", "tstamp"}
                                   score -1 when the judge gave no "[[rating]]"
    model_judgment/<judge>_pair.jsonl
                                   {"question_id", "model_1", "model_2", "g1_winner", "g2_winner",
                                    "judge", "g1_user_prompt", "g1_judgment", "g2_user_prompt",
                                    "g2_judgment", "turn", "tstamp"}
                                   g1: model_1 shown as A; g2: the order swapped; a winner is
                                   "model_1", "model_2", "tie" or "error"

Readers accept FastChat's files as they are (extra fields ignored); bad lines raise
``BenchFileError`` naming the file and line.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

QUESTION_FILE = "question.jsonl"
ANSWER_DIR = "model_answer"
REFERENCE_DIR = "reference_answer"
JUDGMENT_DIR = "model_judgment"

# MT-bench grades these categories against a reference answer (FastChat's NEED_REF_CATS).
REFERENCE_CATEGORIES = frozenset({"math", "reasoning", "coding", "arena-hard-200"})

WINNERS = frozenset({"model_1", "model_2", "tie", "error"})


class BenchFileError(ValueError):
    """A benchmark file that cannot be read: the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Question:
    question_id: int | str
    category: str
    turns: list[str]
    reference: list[str] | None = None

    @property
    def needs_reference(self) -> bool:
        return self.category in REFERENCE_CATEGORIES


@dataclass(frozen=True, slots=True)
class Answer:
    question_id: int | str
    model_id: str
    turns: list[str]
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    tstamp: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "answer_id": self.answer_id,
            "model_id": self.model_id,
            "choices": [{"index": 0, "turns": self.turns}],
            "tstamp": self.tstamp,
        }


@dataclass(frozen=True, slots=True)
class SingleJudgment:
    question_id: int | str
    model: str
    judge: tuple[str, str]  # (judge model, prompt name)
    user_prompt: str
    judgment: str
    score: float  # 1–10, or -1 when no rating could be read
    turn: int
    tstamp: float = field(default_factory=time.time)

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (str(self.question_id), self.model, self.turn, self.judge[0])

    @property
    def ok(self) -> bool:
        return self.score != -1

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "model": self.model,
            "judge": list(self.judge),
            "user_prompt": self.user_prompt,
            "judgment": self.judgment,
            "score": self.score,
            "turn": self.turn,
            "tstamp": self.tstamp,
        }


@dataclass(frozen=True, slots=True)
class PairJudgment:
    question_id: int | str
    model_1: str
    model_2: str
    g1_winner: str
    g2_winner: str
    judge: tuple[str, str]
    g1_user_prompt: str
    g1_judgment: str
    g2_user_prompt: str
    g2_judgment: str
    turn: int
    tstamp: float = field(default_factory=time.time)

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (str(self.question_id), self.model_1, self.model_2, self.turn, self.judge[0])

    @property
    def ok(self) -> bool:
        return self.g1_winner != "error" and self.g2_winner != "error"

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "model_1": self.model_1,
            "model_2": self.model_2,
            "g1_winner": self.g1_winner,
            "g2_winner": self.g2_winner,
            "judge": list(self.judge),
            "g1_user_prompt": self.g1_user_prompt,
            "g1_judgment": self.g1_judgment,
            "g2_user_prompt": self.g2_user_prompt,
            "g2_judgment": self.g2_judgment,
            "turn": self.turn,
            "tstamp": self.tstamp,
        }


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BenchFileError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchFileError(f"{path}: line {number}: not JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise BenchFileError(f"{path}: line {number}: expected a JSON object")
            yield number, value


def _field(path: Path, number: int, record: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BenchFileError(f"{path}: line {number}: field {name!r} is missing or not {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(
        {int: "an integer", str: "a string", list: "a list", float: "a number"}[k] for k in kinds
    )


def _strings(path: Path, number: int, value: list[Any], name: str) -> list[str]:
    if not value or not all(isinstance(item, str) for item in value):
        raise BenchFileError(f"{path}: line {number}: field {name!r} must be a non-empty list of strings")
    return list(value)


def read_questions(path: Path) -> list[Question]:
    questions: list[Question] = []
    seen: set[str] = set()
    for number, record in _lines(path):
        question_id = _field(path, number, record, "question_id", (int, str))
        if str(question_id) in seen:
            raise BenchFileError(f"{path}: line {number}: question_id {question_id!r} appears twice")
        seen.add(str(question_id))
        category = record.get("category", "general")
        turns = _strings(path, number, _field(path, number, record, "turns", list), "turns")
        reference = record.get("reference")
        if reference is not None:
            reference = _strings(path, number, _field(path, number, record, "reference", list), "reference")
        questions.append(Question(question_id, str(category), turns, reference))
    if not questions:
        raise BenchFileError(f"{path}: no questions")
    return questions


def read_answers(path: Path) -> dict[str, Answer]:
    """Answers by question id (as a string); a later line for the same question wins."""
    answers: dict[str, Answer] = {}
    for number, record in _lines(path):
        question_id = _field(path, number, record, "question_id", (int, str))
        choices = _field(path, number, record, "choices", list)
        if not choices or not isinstance(choices[0], dict) or not isinstance(choices[0].get("turns"), list):
            raise BenchFileError(f"{path}: line {number}: field 'choices' must hold {{'turns': [...]}}")
        turns = _strings(path, number, choices[0]["turns"], "choices[0].turns")
        model_id = record.get("model_id") or path.stem
        answers[str(question_id)] = Answer(
            question_id,
            str(model_id),
            turns,
            answer_id=str(record.get("answer_id") or uuid.uuid4().hex),
            tstamp=float(record.get("tstamp") or 0.0),
        )
    return answers


def _judge(path: Path, number: int, record: dict[str, Any]) -> tuple[str, str]:
    judge = record.get("judge")
    if not isinstance(judge, list | tuple) or len(judge) < 2:
        raise BenchFileError(f"{path}: line {number}: field 'judge' must be [judge_model, prompt_name]")
    return (str(judge[0]), str(judge[1]))


def read_single_judgments(path: Path) -> list[SingleJudgment]:
    judgments: list[SingleJudgment] = []
    for number, record in _lines(path):
        score = record.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool):
            raise BenchFileError(f"{path}: line {number}: field 'score' is missing or not a number")
        judgments.append(
            SingleJudgment(
                question_id=_field(path, number, record, "question_id", (int, str)),
                model=_field(path, number, record, "model", str),
                judge=_judge(path, number, record),
                user_prompt=str(record.get("user_prompt", "")),
                judgment=str(record.get("judgment", "")),
                score=float(score),
                turn=_field(path, number, record, "turn", int),
                tstamp=float(record.get("tstamp") or 0.0),
            )
        )
    return judgments


def read_pair_judgments(path: Path) -> list[PairJudgment]:
    judgments: list[PairJudgment] = []
    for number, record in _lines(path):
        winners = [record.get("g1_winner"), record.get("g2_winner")]
        if not all(winner in WINNERS for winner in winners):
            raise BenchFileError(
                f"{path}: line {number}: g1_winner/g2_winner must be one of {', '.join(sorted(WINNERS))}"
            )
        judgments.append(
            PairJudgment(
                question_id=_field(path, number, record, "question_id", (int, str)),
                model_1=_field(path, number, record, "model_1", str),
                model_2=_field(path, number, record, "model_2", str),
                g1_winner=str(winners[0]),
                g2_winner=str(winners[1]),
                judge=_judge(path, number, record),
                g1_user_prompt=str(record.get("g1_user_prompt", "")),
                g1_judgment=str(record.get("g1_judgment", "")),
                g2_user_prompt=str(record.get("g2_user_prompt", "")),
                g2_judgment=str(record.get("g2_judgment", "")),
                turn=_field(path, number, record, "turn", int),
                tstamp=float(record.get("tstamp") or 0.0),
            )
        )
    return judgments


def is_pair_file(path: Path) -> bool:
    """A judgment file's kind, from its first record (FastChat names them *_single / *_pair)."""
    for _, record in _lines(path):
        return "g1_winner" in record
    return path.stem.endswith("_pair")


class JsonlAppender:
    """Appends records to a JSONL file, one flushed line each, so a crash keeps what was finished.

    The file is opened at the first record: a run in which every request fails leaves no empty
    file behind for `eval show` to find.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None

    def write(self, record: dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def write_answers(path: Path, answers: Iterable[Answer]) -> None:
    """Rewrite an answer file sorted by question id, one line per question (FastChat's reorg)."""
    ordered = sorted(answers, key=lambda answer: _sort_key(answer.question_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for answer in ordered:
            handle.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    temporary.replace(path)


def _sort_key(question_id: int | str) -> tuple[int, int | str]:
    return (0, question_id) if isinstance(question_id, int) else (1, question_id)


def bench_dir_of(questions_path: Path) -> Path:
    return questions_path.parent
