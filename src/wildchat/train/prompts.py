"""The judge's instructions: our own wording, with the verdict marks FastChat's files record.

Single-answer grading asks for a score in double brackets, ``[[7]]``; pairwise comparison for
``[[A]]``, ``[[B]]`` or ``[[C]]`` (a tie). Turn 1 shows the first question and answer; turn 2
shows the whole two-turn exchange and asks about the second answer only. Math, reasoning and
coding questions are graded against a reference answer, since a judge model solves them no more
reliably than the model under test.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = (
    "You are a careful, impartial evaluator of AI assistants. You read a user's request and an "
    "assistant's reply and judge the reply on its merits. Length, style and the assistant's name "
    "must not sway you: only how well the reply serves the user."
)

_SINGLE_CRITERIA = (
    "Judge how well the reply answers the request: whether it is correct, relevant, helpful, as "
    "detailed as the request calls for, and (where the request invites it) thoughtful or creative."
)
_REFERENCE_CRITERIA = (
    "A reference answer is given. Check the reply's result and reasoning against it: a wrong result "
    "weighs more than anything else, however well it is written."
)
_SCORE_FORMAT = (
    "First explain your judgment in a few sentences. Then give a score from 1 (useless) to 10 "
    '(excellent) on its own line, written exactly like this: "Rating: [[6]]".'
)
_PAIR_CRITERIA = (
    "Compare the two replies and decide which one serves the user better: which is more correct, "
    "relevant, helpful and suitably detailed. The order in which the replies are shown is arbitrary "
    "and must not matter; neither must their length."
)
_PAIR_FORMAT = (
    "First explain your comparison in a few sentences. Then give your verdict on its own line, "
    'written exactly as one of: "[[A]]" if reply A is better, "[[B]]" if reply B is better, '
    '"[[C]]" if they are equally good.'
)

_REFERENCE_ONE_TURN = "<reference>\n{ref_answer_1}\n</reference>\n\n"
_REFERENCES_TWO_TURNS = (
    "<reference turn 1>\n{ref_answer_1}\n</reference>\n\n<reference turn 2>\n{ref_answer_2}\n</reference>\n\n"
)


@dataclass(frozen=True, slots=True)
class JudgePrompt:
    name: str  # recorded in the judgment files' "judge" field
    system: str
    template: str


def _single(reference: bool, multi_turn: bool) -> JudgePrompt:
    criteria = _SINGLE_CRITERIA + (" " + _REFERENCE_CRITERIA if reference else "")
    if multi_turn:
        focus = (
            "Below is a two-turn conversation between a user and an assistant. Grade only the "
            "assistant's SECOND reply, in the light of the whole conversation."
        )
        body = (
            "<conversation>\n[User, turn 1]\n{question_1}\n\n[Assistant, turn 1]\n{answer_1}\n\n"
            "[User, turn 2]\n{question_2}\n\n[Assistant, turn 2]\n{answer_2}\n</conversation>"
        )
        if reference:
            body = _REFERENCES_TWO_TURNS + body
    else:
        focus = "Below is a user's request and an assistant's reply."
        body = "<request>\n{question}\n</request>\n\n<reply>\n{answer}\n</reply>"
        if reference:
            body = _REFERENCE_ONE_TURN + body
    name = "wildchat-single" + ("-ref" if reference else "") + "-v1" + ("-multi-turn" if multi_turn else "")
    return JudgePrompt(name, SYSTEM, f"{focus} {criteria}\n\n{body}\n\n{_SCORE_FORMAT}")


def _pair(reference: bool, multi_turn: bool) -> JudgePrompt:
    criteria = _PAIR_CRITERIA + (" " + _REFERENCE_CRITERIA if reference else "")
    if multi_turn:
        focus = (
            "Below are two two-turn conversations of a user with assistants A and B. The user's "
            "messages are the same in both. Compare only the assistants' SECOND replies, in the "
            "light of each whole conversation."
        )
        body = (
            "<conversation A>\n[User, turn 1]\n{question_1}\n\n[Assistant A, turn 1]\n{answer_a_1}\n\n"
            "[User, turn 2]\n{question_2}\n\n[Assistant A, turn 2]\n{answer_a_2}\n</conversation A>\n\n"
            "<conversation B>\n[User, turn 1]\n{question_1}\n\n[Assistant B, turn 1]\n{answer_b_1}\n\n"
            "[User, turn 2]\n{question_2}\n\n[Assistant B, turn 2]\n{answer_b_2}\n</conversation B>"
        )
        if reference:
            body = _REFERENCES_TWO_TURNS + body
    else:
        focus = "Below is a user's request and the replies of assistants A and B."
        body = (
            "<request>\n{question}\n</request>\n\n"
            "<reply A>\n{answer_a}\n</reply A>\n\n<reply B>\n{answer_b}\n</reply B>"
        )
        if reference:
            body = _REFERENCE_ONE_TURN + body
    name = "wildchat-pair" + ("-ref" if reference else "") + "-v1" + ("-multi-turn" if multi_turn else "")
    return JudgePrompt(name, SYSTEM, f"{focus} {criteria}\n\n{body}\n\n{_PAIR_FORMAT}")


def single_prompt(*, reference: bool, turn: int) -> JudgePrompt:
    return _single(reference, turn > 1)


def pair_prompt(*, reference: bool, turn: int) -> JudgePrompt:
    return _pair(reference, turn > 1)


# FastChat's gen_judgment.py looks its prompts up by these names (reference-based ones are its
# "math" prompts); exporting ours under them lets FastChat's own judge run with our wording.
_FASTCHAT_NAMES = {
    ("single", False, 1): "single-v1",
    ("single", True, 1): "single-math-v1",
    ("single", False, 2): "single-v1-multi-turn",
    ("single", True, 2): "single-math-v1-multi-turn",
    ("pair", False, 1): "pair-v2",
    ("pair", True, 1): "pair-math-v1",
    ("pair", False, 2): "pair-v2-multi-turn",
    ("pair", True, 2): "pair-math-v1-multi-turn",
}


def fastchat_judge_prompts() -> list[dict[str, str]]:
    """Our prompts as the records of FastChat's ``judge_prompts.jsonl`` (its ``--judge-file``)."""
    records = []
    for (kind, reference, turn), name in _FASTCHAT_NAMES.items():
        single = kind == "single"
        prompt = (single_prompt if single else pair_prompt)(reference=reference, turn=turn)
        records.append(
            {
                "name": name,
                "type": "single" if single else "pairwise",
                "system_prompt": prompt.system,
                "prompt_template": prompt.template,
                "description": f"wildchat's {prompt.name}",
                "category": "math" if reference else "general",
                "output_format": "[[rating]]" if single else "[[A]]",
            }
        )
    return records
