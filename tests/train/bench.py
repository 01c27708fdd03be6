"""MT-bench-style questions we wrote for the tests, in FastChat's question.jsonl format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

QUESTIONS: list[dict[str, Any]] = [
    {
        "question_id": 1,
        "category": "writing",
        "turns": [
            "Write a short note inviting a neighbour to a garden party.",
            "Rewrite the note as a limerick.",
        ],
    },
    {
        "question_id": 2,
        "category": "roleplay",
        "turns": [
            "Pretend you are a lighthouse keeper describing your morning.",
            "Now describe a storm from the same point of view.",
        ],
    },
    {
        "question_id": 3,
        "category": "math",
        "turns": ["What is 17 multiplied by 23?", "Now divide that result by 17."],
        "reference": ["17 x 23 = 391.", "391 / 17 = 23."],
    },
    {
        "question_id": 4,
        "category": "coding",
        "turns": [
            "Write a Python function that reverses a string.",
            "Change it so that it ignores spaces.",
        ],
    },
    {
        "question_id": 5,
        "category": "writing",
        "turns": [
            "UNPARSEABLE: describe the colour green to someone who has never seen it.",
            "Do the same for the colour red.",
        ],
    },
    {
        "question_id": 6,
        "category": "reasoning",
        "turns": [
            "BIASED: all blue boxes are heavy and this box is blue. Is it heavy?",
            "And if the box were red?",
        ],
        "reference": ["Yes, it is heavy.", "Nothing follows: red boxes may or may not be heavy."],
    },
]

# Reference answers for the coding question, in FastChat's reference_answer/<model>.jsonl shape.
CODING_REFERENCE = {
    "question_id": 4,
    "answer_id": "ref-4",
    "model_id": "reference",
    "choices": [
        {
            "index": 0,
            "turns": ["def reverse(s): return s[::-1]", "def reverse(s): return s.replace(' ', '')[::-1]"],
        }
    ],
    "tstamp": 0.0,
}


def write_bench(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "question.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    reference = folder / "reference_answer" / "reference.jsonl"
    reference.parent.mkdir(exist_ok=True)
    reference.write_text(json.dumps(CODING_REFERENCE) + "\n", encoding="utf-8")
    return path
