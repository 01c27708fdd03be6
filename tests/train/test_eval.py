"""wildchat eval: answers, the LLM judge and the scores, against a loopback OpenAI-compatible stub."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.judge_stub import StubState, serve_stub
from tests.train.bench import QUESTIONS, write_bench
from wildchat.cli import app
from wildchat.train.endpoint import ChatEndpoint, EndpointSettings
from wildchat.train.fastchat_io import (
    BenchFileError,
    read_answers,
    read_pair_judgments,
    read_questions,
    read_single_judgments,
)
from wildchat.train.generate import EndpointResponder, generate_answers
from wildchat.train.judge import (
    judge_pairs,
    judge_single,
    load_model_answers,
    parse_rating,
    parse_verdict,
)
from wildchat.train.scores import pair_records, single_scores

runner = CliRunner()


@pytest.fixture
def stub() -> Iterator[tuple[StubState, str]]:
    state = StubState(quality={"alpha": 8, "beta": 4, "gamma": 8})
    with serve_stub(state) as url:
        yield state, url


def _endpoint(url: str, model: str, **options: int) -> ChatEndpoint:
    return ChatEndpoint(EndpointSettings(url, model, **options))  # type: ignore[arg-type]


def _generate(url: str, bench: Path, model: str, **options: int) -> object:
    async def run() -> object:
        endpoint = _endpoint(url, model, **options)
        try:
            questions = read_questions(bench / "question.jsonl")
            path = bench / "model_answer" / f"{model}.jsonl"
            return await generate_answers(questions, EndpointResponder(endpoint), model, path)
        finally:
            await endpoint.close()

    return asyncio.run(run())


def _answers_for(url: str, bench: Path, *models: str) -> None:
    for model in models:
        _generate(url, bench, model)


# ------------------------------------------------------------------------------------------------
# verdict parsing


@pytest.mark.parametrize(
    ("judgment", "score"),
    [
        ("Solid work.\nRating: [[8]]", 8.0),
        ("Rating: [[7.5]]", 7.5),
        ("Rating: [[ 9 ]]", 9.0),
        ("I said [[3]] at first, but on reflection: Rating: [[6]]", 6.0),  # the last mark counts
        ("Rating: [6]", 6.0),  # a judge that dropped a bracket
        ("Rating: [[11]]", -1.0),  # out of range
        ("Rating: [[0]]", -1.0),
        ("I cannot grade this.", -1.0),
        ("Rating: six", -1.0),
    ],
)
def test_parse_rating(judgment: str, score: float) -> None:
    assert parse_rating(judgment) == score


@pytest.mark.parametrize(
    ("judgment", "verdict"),
    [
        ("A is better. [[A]]", "A"),
        ("[[B]]", "B"),
        ("Equally good. [[C]]", "tie"),
        ("Not [[A]] after all: [[B]]", "B"),
        ("No verdict.", "error"),
        ("[A]", "error"),
    ],
)
def test_parse_verdict(judgment: str, verdict: str) -> None:
    assert parse_verdict(judgment) == verdict


# ------------------------------------------------------------------------------------------------
# answers


def test_generate_writes_two_turn_answers_in_fastchat_format(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    state, url = stub
    write_bench(tmp_path)
    result = _generate(url, tmp_path, "alpha")
    assert result.answered == len(QUESTIONS) and not result.failed  # type: ignore[attr-defined]

    lines = [
        json.loads(line) for line in (tmp_path / "model_answer" / "alpha.jsonl").read_text().splitlines()
    ]
    assert [line["question_id"] for line in lines] == [q["question_id"] for q in QUESTIONS]
    first = lines[0]
    assert set(first) == {"question_id", "answer_id", "model_id", "choices", "tstamp"}
    assert first["model_id"] == "alpha"
    assert first["choices"][0]["index"] == 0
    assert first["choices"][0]["turns"] == [
        f"[alpha] answer to: {QUESTIONS[0]['turns'][0]} (quality 8)",
        f"[alpha] answer to: {QUESTIONS[0]['turns'][1]} (quality 7)",
    ]
    # The second turn is asked after the model's own first answer, at the category's temperature.
    second = next(b for b in state.requests if b["messages"][-1]["content"] == QUESTIONS[2]["turns"][1])
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"].startswith("[alpha] answer to: What is 17")
    assert second["temperature"] == 0.0  # math
    writing = next(b for b in state.requests if b["messages"][-1]["content"] == QUESTIONS[0]["turns"][0])
    assert writing["temperature"] == 0.7


def test_generate_skips_answered_questions(stub: tuple[StubState, str], tmp_path: Path) -> None:
    state, url = stub
    write_bench(tmp_path)
    _generate(url, tmp_path, "alpha")
    before = len(state.requests)
    result = _generate(url, tmp_path, "alpha")
    assert result.skipped == len(QUESTIONS) and result.answered == 0  # type: ignore[attr-defined]
    assert len(state.requests) == before


def test_generate_retries_after_429_and_500(stub: tuple[StubState, str], tmp_path: Path) -> None:
    state, url = stub
    write_bench(tmp_path)
    state.faults.extend([429, 500, 503])
    result = _generate(url, tmp_path, "alpha")
    assert result.answered == len(QUESTIONS) and not result.failed  # type: ignore[attr-defined]
    assert len(state.requests) == 2 * len(QUESTIONS) + 3


def test_generate_leaves_failed_questions_for_the_next_run(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    state, url = stub
    write_bench(tmp_path)
    state.faults.extend([500, 500])  # one request, tried twice (max_retries=1), fails for good
    result = _generate(url, tmp_path, "alpha", max_retries=1, concurrency=1)
    assert len(result.failed) == 1 and result.answered == len(QUESTIONS) - 1  # type: ignore[attr-defined]
    assert "HTTP 500" in next(iter(result.failed.values()))  # type: ignore[attr-defined]
    assert len(read_answers(tmp_path / "model_answer" / "alpha.jsonl")) == len(QUESTIONS) - 1
    again = _generate(url, tmp_path, "alpha", max_retries=1)
    assert again.answered == 1 and again.skipped == len(QUESTIONS) - 1  # type: ignore[attr-defined]
    assert len(read_answers(tmp_path / "model_answer" / "alpha.jsonl")) == len(QUESTIONS)


# ------------------------------------------------------------------------------------------------
# judging


def _judge(url: str, bench: Path, mode: str, **options: object) -> object:
    async def run() -> object:
        endpoint = _endpoint(url, "judge-model")
        try:
            questions = read_questions(bench / "question.jsonl")
            answers = load_model_answers(bench, None)
            references = read_answers(bench / "reference_answer" / "reference.jsonl")
            if mode == "single":
                return await judge_single(endpoint, questions, answers, bench, references=references)
            return await judge_pairs(endpoint, questions, answers, bench, references=references, **options)  # type: ignore[arg-type]
        finally:
            await endpoint.close()

    return asyncio.run(run())


def test_single_grading_scores_turns_and_records_parse_failures(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    state, url = stub
    write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha", "beta")
    state.requests.clear()
    result = _judge(url, tmp_path, "single")

    assert result.judged == 2 * 2 * len(QUESTIONS)  # type: ignore[attr-defined]
    assert result.unparsed == 4  # question 5, both turns, both models  # type: ignore[attr-defined]
    assert result.failed == 0 and result.missing_references == 0  # type: ignore[attr-defined]
    path = tmp_path / "model_judgment" / "judge-model_single.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert set(rows[0]) == {
        "question_id",
        "model",
        "judge",
        "user_prompt",
        "judgment",
        "score",
        "turn",
        "tstamp",
    }
    by_key = {(r["question_id"], r["model"], r["turn"]): r for r in rows}
    assert by_key[(1, "alpha", 1)]["score"] == 8 and by_key[(1, "alpha", 2)]["score"] == 7
    assert by_key[(1, "beta", 2)]["score"] == 3
    assert by_key[(5, "alpha", 1)]["score"] == -1
    assert by_key[(1, "alpha", 1)]["judge"] == ["judge-model", "wildchat-single-v1"]
    assert by_key[(1, "alpha", 2)]["judge"] == ["judge-model", "wildchat-single-v1-multi-turn"]
    # Math and reasoning carry the question's reference, coding the reference file's.
    assert by_key[(3, "alpha", 1)]["judge"][1] == "wildchat-single-ref-v1"
    assert "17 x 23 = 391." in by_key[(3, "alpha", 1)]["user_prompt"]
    assert "391 / 17 = 23." in by_key[(3, "alpha", 2)]["user_prompt"]
    assert "return s[::-1]" in by_key[(4, "beta", 1)]["user_prompt"]
    assert "<reference>" not in by_key[(1, "alpha", 1)]["user_prompt"]
    # The judge is asked deterministically, with our system prompt.
    assert all(body["temperature"] == 0.0 for body in state.requests)
    assert all(body["messages"][0]["role"] == "system" for body in state.requests)

    scores = single_scores(read_single_judgments(path), read_questions(tmp_path / "question.jsonl"))
    assert list(scores) == ["alpha", "beta"]
    assert scores["alpha"].to_dict() == {
        "turn1": 8.0,
        "turn2": 7.0,
        "average": 7.5,
        "categories": {"coding": 7.5, "math": 7.5, "reasoning": 7.5, "roleplay": 7.5, "writing": 7.5},
    }
    assert scores["beta"].average == 3.5


def test_judgments_are_cached_and_only_unreadable_ones_asked_again(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    state, url = stub
    write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha", "beta")
    _judge(url, tmp_path, "single")
    state.requests.clear()

    again = _judge(url, tmp_path, "single")
    assert again.cached == 2 * 2 * len(QUESTIONS) - 4  # type: ignore[attr-defined]
    assert again.judged == 4 and len(state.requests) == 4  # type: ignore[attr-defined]
    assert all("UNPARSEABLE" in body["messages"][1]["content"] for body in state.requests)
    assert again.usage.prompt_tokens > 0  # type: ignore[attr-defined]

    # A model added later is judged alone.
    _answers_for(url, tmp_path, "gamma")
    state.requests.clear()
    third = _judge(url, tmp_path, "single")
    assert third.judged == 2 * len(QUESTIONS) + 4  # gamma's, and the unreadable four again  # type: ignore[attr-defined]
    new_rows = [json.loads(line) for line in third.path.read_text().splitlines()[-third.judged :]]  # type: ignore[attr-defined]
    assert {row["question_id"] for row in new_rows if row["model"] != "gamma"} == {5}


def test_judge_retries_after_429_and_500(stub: tuple[StubState, str], tmp_path: Path) -> None:
    state, url = stub
    write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha", "beta")
    state.requests.clear()
    state.faults.extend([429, 500, 429, 502])
    result = _judge(url, tmp_path, "single")
    assert result.failed == 0 and result.judged == 2 * 2 * len(QUESTIONS)  # type: ignore[attr-defined]
    assert len(state.requests) == 2 * 2 * len(QUESTIONS) + 4


def test_pairwise_judges_both_orders_and_counts_ties(stub: tuple[StubState, str], tmp_path: Path) -> None:
    _, url = stub
    write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha", "beta", "gamma")
    result = _judge(url, tmp_path, "pair")
    assert result.judged == 3 * 2 * len(QUESTIONS) and result.unparsed == 0  # type: ignore[attr-defined]

    path = tmp_path / "model_judgment" / "judge-model_pair.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert set(rows[0]) == {
        "question_id", "model_1", "model_2", "g1_winner", "g2_winner", "judge",
        "g1_user_prompt", "g1_judgment", "g2_user_prompt", "g2_judgment", "turn", "tstamp",
    }  # fmt: skip
    row = next(
        r
        for r in rows
        if (r["question_id"], r["model_1"], r["model_2"], r["turn"]) == (1, "alpha", "beta", 1)
    )
    assert row["g1_winner"] == row["g2_winner"] == "model_1"
    # g1 shows model_1 as A, g2 swaps the order.
    assert row["g1_user_prompt"].index("[alpha]") < row["g1_user_prompt"].index("[beta]")
    assert row["g2_user_prompt"].index("[beta]") < row["g2_user_prompt"].index("[alpha]")
    biased = next(r for r in rows if (r["question_id"], r["model_1"], r["model_2"]) == (6, "alpha", "beta"))
    assert (biased["g1_winner"], biased["g2_winner"]) == ("model_1", "model_2")  # position bias …

    records = {(r.model, r.opponent): r for r in pair_records(read_pair_judgments(path))}
    alpha_beta = records[("alpha", "beta")]
    assert (alpha_beta.win, alpha_beta.tie, alpha_beta.loss) == (10, 2, 0)  # … counted as a tie
    alpha_gamma = records[("alpha", "gamma")]
    assert (alpha_gamma.win, alpha_gamma.tie, alpha_gamma.loss) == (0, 12, 0)  # [[C]]
    beta_gamma = records[("beta", "gamma")]
    assert (beta_gamma.win, beta_gamma.tie, beta_gamma.loss) == (0, 2, 10)
    assert alpha_beta.rates() == {"win": 83.33, "tie": 16.67, "loss": 0.0}


def test_pairwise_against_a_baseline(stub: tuple[StubState, str], tmp_path: Path) -> None:
    _, url = stub
    write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha", "beta", "gamma")
    result = _judge(url, tmp_path, "pair", baseline="gamma")
    rows = read_pair_judgments(result.path)  # type: ignore[attr-defined]
    assert {(r.model_1, r.model_2) for r in rows} == {("alpha", "gamma"), ("beta", "gamma")}


# ------------------------------------------------------------------------------------------------
# the commands


def test_eval_commands_end_to_end(stub: tuple[StubState, str], tmp_path: Path) -> None:
    _, url = stub
    questions = write_bench(tmp_path)
    for model in ("alpha", "beta"):
        done = runner.invoke(app, ["eval", "generate", str(questions), "--model", model, "--base-url", url])
        assert done.exit_code == 0, done.output
    judged = runner.invoke(
        app,
        [
            "eval", "judge", str(questions), "--judge-model", "judge-model", "--base-url", url,
            "--reference", str(tmp_path / "reference_answer" / "reference.jsonl"),
            "--input-price", "10", "--output-price", "30",
        ],
    )  # fmt: skip
    assert judged.exit_code == 0, judged.output
    assert "judged 24, cached 0, unreadable verdicts 4, failed 0" in judged.output
    usage = json.loads((tmp_path / "model_judgment" / "usage.jsonl").read_text().splitlines()[-1])
    expected_cost = (usage["prompt_tokens"] * 10 + usage["completion_tokens"] * 30) / 1e6
    assert usage["requests"] == 24 and usage["cost_usd"] == pytest.approx(expected_cost, abs=1e-6)

    shown = runner.invoke(app, ["eval", "show", "--bench-dir", str(tmp_path), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    scores = json.loads(shown.stdout)
    assert list(scores) == ["alpha", "beta"]
    assert set(scores["alpha"]) == {"turn1", "turn2", "average", "categories"}
    assert (scores["beta"]["turn1"], scores["beta"]["turn2"], scores["beta"]["average"]) == (4.0, 3.0, 3.5)

    for name in ("radar.png", "radar.svg"):
        plotted = runner.invoke(
            app, ["eval", "show", "--bench-dir", str(tmp_path), "--plot", str(tmp_path / name)]
        )
        assert plotted.exit_code == 0, plotted.output
        assert "First turn" in plotted.stdout and "roleplay" in plotted.stdout
    assert (tmp_path / "radar.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "radar.svg").read_text()


def test_judge_command_exits_non_zero_when_the_judge_fails(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    state, url = stub
    questions = write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha")
    state.faults.extend([500] * 3)
    failed = runner.invoke(
        app,
        ["eval", "judge", str(questions), "--judge-model", "j", "--base-url", url, "--max-retries", "0",
         "--concurrency", "1"],
    )  # fmt: skip
    assert failed.exit_code == 1
    assert "failed 3" in failed.output and "HTTP 500" in failed.output


def test_a_judge_that_never_answers_leaves_no_file_for_show_to_trip_on(
    stub: tuple[StubState, str], tmp_path: Path
) -> None:
    _, url = stub
    questions = write_bench(tmp_path)
    _answers_for(url, tmp_path, "alpha")
    judged = runner.invoke(app, ["eval", "judge", str(questions), "--judge-model", "good", "--base-url", url])
    assert judged.exit_code == 0, judged.output
    assert "cost not priced" in judged.output and "$0.0000" not in judged.output
    gone = runner.invoke(
        app,
        ["eval", "judge", str(questions), "--judge-model", "gone", "--base-url", "http://127.0.0.1:9/v1",
         "--max-retries", "0"],
    )  # fmt: skip
    assert gone.exit_code == 1
    assert not (tmp_path / "model_judgment" / "gone_single.jsonl").exists()
    shown = runner.invoke(app, ["eval", "show", "--bench-dir", str(tmp_path), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert list(json.loads(shown.stdout)) == ["alpha"]
    unanswered = runner.invoke(
        app, ["eval", "generate", str(questions), "--model", "x", "--base-url", "http://127.0.0.1:9/v1",
              "--max-retries", "0"],
    )  # fmt: skip
    assert unanswered.exit_code == 1 and not (tmp_path / "model_answer" / "x.jsonl").exists()


def test_show_refuses_to_average_two_judges(tmp_path: Path) -> None:
    bench = _fastchat_bench(tmp_path)
    ours = bench / "model_judgment" / "gpt-4_single.jsonl"
    other = bench / "model_judgment" / "claude_single.jsonl"
    other.write_text(ours.read_text().replace('"gpt-4"', '"claude"'))
    mixed = runner.invoke(app, ["eval", "show", str(ours), str(other)])
    assert mixed.exit_code == 2 and "2 judges (claude, gpt-4)" in mixed.output
    alone = runner.invoke(app, ["eval", "show", str(other), "--format", "json"])
    assert alone.exit_code == 0, alone.output


def test_bad_question_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "question.jsonl"
    path.write_text('{"question_id": 1, "category": "writing", "turns": ["hi"]}\n{"question_id": 2}\n')
    with pytest.raises(BenchFileError, match=r"question.jsonl: line 2: field 'turns'"):
        read_questions(path)
    result = runner.invoke(
        app, ["eval", "generate", str(path), "--model", "m", "--base-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "line 2" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------------------------
# reading FastChat's own files


def _single(question_id: int, model: str, prompt: str, score: float, turn: int) -> dict[str, object]:
    """A line as FastChat's gen_judgment.py writes it: judge [model, prompt name], -1 unparsed."""
    judgment = f"Rating: [[{score:g}]]" if score != -1 else "no rating"
    return {
        "question_id": question_id, "model": model, "judge": ["gpt-4", prompt], "user_prompt": "…",
        "judgment": judgment, "score": score, "turn": turn, "tstamp": 1.0,
    }  # fmt: skip


def _pair(question_id: int, prompt: str, g1: str, g2: str, turn: int) -> dict[str, object]:
    return {
        "question_id": question_id, "model_1": "vicuna-7b", "model_2": "llama-2-7b-chat",
        "g1_winner": g1, "g2_winner": g2, "judge": ["gpt-4", prompt], "g1_user_prompt": "…",
        "g1_judgment": "…", "g2_user_prompt": "…", "g2_judgment": "…", "turn": turn, "tstamp": 1.0,
    }  # fmt: skip


FASTCHAT_SINGLE = [
    _single(81, "vicuna-7b", "single-v1", 7.0, 1),
    _single(81, "vicuna-7b", "single-v1-multi-turn", 5.0, 2),
    _single(111, "vicuna-7b", "single-math-v1", 3.0, 1),
    _single(111, "vicuna-7b", "single-math-v1-multi-turn", -1, 2),
    _single(81, "llama-2-7b-chat", "single-v1", 6, 1),
    _single(81, "llama-2-7b-chat", "single-v1-multi-turn", 6, 2),
]

FASTCHAT_PAIR = [
    _pair(81, "pair-v2", "model_1", "model_1", 1),  # both orders agree: a win
    _pair(81, "pair-v2-multi-turn", "model_1", "tie", 2),  # one order says tie: a tie
    _pair(111, "pair-math-v1", "model_2", "model_2", 1),  # a loss
    _pair(111, "pair-math-v1-multi-turn", "error", "model_2", 2),  # unreadable: left out
]


def _fastchat_bench(folder: Path) -> Path:
    judgments = folder / "model_judgment"
    judgments.mkdir(parents=True)
    (judgments / "gpt-4_single.jsonl").write_text("".join(json.dumps(r) + "\n" for r in FASTCHAT_SINGLE))
    (judgments / "gpt-4_pair.jsonl").write_text("".join(json.dumps(r) + "\n" for r in FASTCHAT_PAIR))
    (folder / "question.jsonl").write_text(
        json.dumps({"question_id": 81, "category": "writing", "turns": ["a", "b"]})
        + "\n"
        + json.dumps({"question_id": 111, "category": "math", "turns": ["c", "d"]})
        + "\n"
    )
    return folder


def test_show_reads_fastchat_single_judgments(tmp_path: Path) -> None:
    bench = _fastchat_bench(tmp_path)
    result = runner.invoke(app, ["eval", "show", "--bench-dir", str(bench), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "llama-2-7b-chat": {"turn1": 6.0, "turn2": 6.0, "average": 6.0, "categories": {"writing": 6.0}},
        "vicuna-7b": {
            "turn1": 5.0,
            "turn2": 5.0,
            "average": 5.0,
            "categories": {"math": 3.0, "writing": 6.0},
        },
    }


def test_show_reads_fastchat_pair_judgments(tmp_path: Path) -> None:
    bench = _fastchat_bench(tmp_path)
    path = bench / "model_judgment" / "gpt-4_pair.jsonl"
    result = runner.invoke(app, ["eval", "show", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["pairs"] == [
        {
            "model": "vicuna-7b",
            "opponent": "llama-2-7b-chat",
            "win": 33.33,
            "tie": 33.33,
            "loss": 33.33,
            "count": 3,
        }
    ]
    table = runner.invoke(app, ["eval", "show", str(path)])
    assert table.exit_code == 0 and "vicuna-7b" in table.stdout and "33.33" in table.stdout


def test_show_needs_one_judgment_file_to_pick(tmp_path: Path) -> None:
    (tmp_path / "model_judgment").mkdir()
    result = runner.invoke(app, ["eval", "show", "--bench-dir", str(tmp_path)])
    assert result.exit_code == 2 and "expected one single judgment file" in result.output


def test_generate_with_a_local_model(tmp_path: Path) -> None:
    from tests.train.tiny import save_base
    from wildchat.train.generate import LocalResponder

    model_dir = save_base(tmp_path / "tiny-llama")  # no chat template: the Vicuna-style one is used
    write_bench(tmp_path / "bench")
    questions = read_questions(tmp_path / "bench" / "question.jsonl")[:2]
    responder = LocalResponder(model_dir, device="cpu")
    path = tmp_path / "bench" / "model_answer" / "tiny.jsonl"
    result = asyncio.run(generate_answers(questions, responder, "tiny", path, max_tokens=4))
    assert result.answered == 2 and not result.failed
    answers = read_answers(path)
    assert [len(answers[str(q.question_id)].turns) for q in questions] == [2, 2]
    prompt = responder.tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}],
        chat_template=responder.template,
        add_generation_prompt=True,
        tokenize=False,
    )
    assert prompt.endswith("USER: hi ASSISTANT:")


def test_local_model_folder_is_checked(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "generate", str(write_bench(tmp_path)), "--local", str(tmp_path)])
    assert result.exit_code == 2 and "not a model folder" in result.output
