"""`wildchat report` on small files we write, one per source format, through the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.analyze.builders import scored
from wildchat.cli import app
from wildchat.curate.export import conversations_to_table

runner = CliRunner()
QUICK = ["--no-embeddings", "--no-progress", "--min-repeats", "2"]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    sharegpt = tmp_path / "sharegpt.json"
    sharegpt.write_text(
        json.dumps(
            [
                {
                    "id": "s1",
                    "conversations": [
                        {"from": "human", "value": "Where is the train station, please?"},
                        {"from": "gpt", "value": "a b c"},
                        {"from": "human", "value": "Thank you very much for your help today."},
                        {"from": "gpt", "value": "d e"},
                    ],
                },
                {
                    "id": "s2",
                    "conversations": [
                        {"from": "human", "value": "Où se trouve la gare la plus proche, s'il vous plaît ?"},
                        {"from": "gpt", "value": "f"},
                    ],
                },
            ]
        )
    )
    alpaca = tmp_path / "alpaca.json"
    alpaca.write_text(
        json.dumps(
            [
                {"instruction": "a b c d", "input": "", "output": "e f"},
                {"instruction": "g h", "input": "", "output": "i j k l"},
            ]
        )
    )
    wildchat = tmp_path / "mini-wildchat" / "data" / "train-00000-of-00001.parquet"
    wildchat.parent.mkdir(parents=True)
    pq.write_table(conversations_to_table(scored()), wildchat)
    return {"sharegpt": sharegpt, "alpaca": alpaca, "wildchat": wildchat.parent.parent}


def test_report_over_three_formats(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = [str(files[k]) for k in ("sharegpt", "alpaca", "wildchat")]
    result = runner.invoke(app, ["report", *paths, "--out", str(out), *QUICK])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"report.html", "tables.md", "stats.json"}
    datasets = json.loads((out / "stats.json").read_text())["datasets"]
    assert list(datasets) == ["sharegpt", "alpaca", "mini-wildchat"]

    sharegpt = datasets["sharegpt"]
    assert sharegpt["format"] == "sharegpt" and sharegpt["read"] == "records"
    assert (sharegpt["conversations"], sharegpt["users"], sharegpt["mean_turns"]) == (2, None, 1.5)
    assert sharegpt["assistant_tokens"] == {"mean": 2.0, "std": 1.0}  # a b c | d e | f
    assert sharegpt["languages"] == 2  # identified with lingua: the source has none
    assert sharegpt["language_share"] == {"English": pytest.approx(2 / 3), "French": pytest.approx(1 / 3)}

    alpaca = datasets["alpaca"]
    assert (alpaca["conversations"], alpaca["users"], alpaca["mean_turns"]) == (2, None, 1.0)
    assert alpaca["user_tokens"] == {"mean": 3.0, "std": pytest.approx(math.sqrt(2))}  # 4 and 2 tokens
    assert alpaca["assistant_tokens"] == {"mean": 3.0, "std": pytest.approx(math.sqrt(2))}  # 2 and 4
    assert alpaca["toxicity"]["shares"]["user"]["either"] is None

    wildchat = datasets["mini-wildchat"]
    assert wildchat["format"] == "wildchat" and wildchat["read"] == "parquet-columns"
    assert (wildchat["conversations"], wildchat["users"]) == (3, 2)
    assert wildchat["toxicity"]["shares"]["user"]["either"] == 0.5


def oasst_message(
    message_id: str,
    parent: str | None,
    tree: str,
    role: str,
    text: str,
    user: str,
    detoxify: float | None = None,
) -> str:
    record: dict[str, object] = {
        "message_id": message_id,
        "parent_id": parent,
        "message_tree_id": tree,
        "role": role,
        "text": text,
        "lang": "en",
        "user_id": user,
        "created_date": "2023-02-01T10:00:00.000000+00:00",
        "deleted": False,
    }
    if detoxify is not None:
        labels = (
            "toxicity",
            "severe_toxicity",
            "obscene",
            "identity_attack",
            "insult",
            "threat",
            "sexual_explicit",
        )
        record["detoxify"] = {label: detoxify if label == "toxicity" else 0.0 for label in labels}
    return json.dumps(record)


def test_report_over_openassistant_trees(tmp_path: Path) -> None:
    """Tree t1 (prompter A): "a b c" → "d e" → "g h" → "i j k", and "a b c" → "f": two paths.
    Tree t2 (prompter C): "x" → "y". Three conversations, users A and C → 2, turns 2, 1, 1.
    User tokens [3, 2, 3, 1]: mean 2.25, std sqrt(2.75/3). Assistant [2, 3, 1, 1]: mean 1.75, same std.
    Detoxify is given for "d e" only (0.5): 1 of the 4 assistant turns on the paths is flagged."""
    lines = [
        oasst_message("p1", None, "t1", "prompter", "a b c", "A"),
        oasst_message("a1", "p1", "t1", "assistant", "d e", "B", detoxify=0.5),
        oasst_message("a2", "p1", "t1", "assistant", "f", "B"),
        oasst_message("p2", "a1", "t1", "prompter", "g h", "D"),
        oasst_message("a3", "p2", "t1", "assistant", "i j k", "B"),
        oasst_message("q1", None, "t2", "prompter", "x", "C"),
        oasst_message("b1", "q1", "t2", "assistant", "y", "B"),
    ]
    source = tmp_path / "oasst.messages.jsonl"
    source.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["report", str(source), "--out", str(tmp_path / "out"), *QUICK])
    assert result.exit_code == 0, result.output
    stats = next(iter(json.loads((tmp_path / "out" / "stats.json").read_text())["datasets"].values()))
    assert stats["format"] == "oasst"
    assert (stats["conversations"], stats["users"]) == (3, 2)
    assert stats["mean_turns"] == pytest.approx(4 / 3)
    assert stats["user_tokens"] == {"mean": 2.25, "std": pytest.approx(math.sqrt(2.75 / 3))}
    assert stats["assistant_tokens"] == {"mean": 1.75, "std": pytest.approx(math.sqrt(2.75 / 3))}
    assert stats["language_share"] == {"English": 1.0}
    assert stats["toxicity"]["shares"]["assistant"]["detoxify"] == 0.25
    assert stats["toxicity"]["shares"]["assistant"]["openai_moderation"] is None


def test_names_and_tokenizer_file(files: dict[str, Path], tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "words.json"))
    out = tmp_path / "out"
    args = ["report", str(files["alpaca"]), "--out", str(out), "--name", "Alpaca (ours)", *QUICK]
    result = runner.invoke(app, [*args, "--tokenizer", str(tmp_path / "words.json")])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "stats.json").read_text())
    assert document["tokenizer"] == "words.json"
    assert document["datasets"]["Alpaca (ours)"]["user_tokens"]["mean"] == 3.0  # one token per word here too
    assert "(tokenizer: words.json)" in (out / "tables.md").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "no such file"),
        (["alpaca", "--name", "a", "--name", "b"], "one --name per path"),
        (["alpaca", "--projection", "umap"], "tsne or pca"),
        (["alpaca", "--language-accuracy", "medium"], "auto, low or high"),
        (["alpaca", "--tokenizer", "no_such_encoding"], "not available offline"),
        (["truncated"], "truncated.json"),
    ],
)
def test_bad_input_is_a_clear_error(
    files: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    truncated = tmp_path / "truncated.json"
    truncated.write_text(files["alpaca"].read_text()[:40])
    paths = {"alpaca": str(files["alpaca"]), "truncated": str(truncated)}
    argv = [paths.get(a, str(tmp_path / a) if a.endswith(".json") else a) for a in args]
    result = runner.invoke(app, ["report", *argv, "--out", str(tmp_path / "out"), *QUICK])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
