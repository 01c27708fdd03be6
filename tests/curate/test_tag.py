"""`wildchat tag`: the per-message stages on a file, without a store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wildchat.cli import app

runner = CliRunner()
LOW = ["--language-accuracy", "low"]


def test_plain_text_gets_every_stage(tmp_path: Path) -> None:
    source = tmp_path / "messages.txt"
    source.write_text(
        "Hello, my name is Amelia Watson and you can mail me at amelia.watson@post-box.net\n"
        "Bonjour, je voudrais réserver une table pour deux personnes ce soir.\n"
    )
    out = tmp_path / "tagged.jsonl"
    result = runner.invoke(app, ["tag", str(source), "--out", str(out), *LOW])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["language"] == "English" and second["language"] == "French"
    assert first["redacted"] == (
        "Hello, my name is <PRESIDIO_ANONYMIZED_PERSON> and you can mail me at "
        "<PRESIDIO_ANONYMIZED_EMAIL_ADDRESS>"
    )
    spans = {(e["type"], first["content"][e["start"] : e["end"]]) for e in first["entities"]}
    assert spans == {("PERSON", "Amelia Watson"), ("EMAIL_ADDRESS", "amelia.watson@post-box.net")}
    assert second["entities"] == [] and second["redacted"] == second["content"]
    assert first["toxicity"]["toxic"] is False
    assert set(first["toxicity"]["openai_moderation"]) == {"categories", "category_scores", "flagged"}


def test_jsonl_field_and_stage_subset_to_stdout(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": 1, "text": "Call me on +1 415 555 0134, my phone is always on."}, {"id": 2, "text": ""}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = runner.invoke(
        app, ["tag", str(source), "--field", "text", "--stages", "pii", "--policy", "strict"]
    )
    assert result.exit_code == 0, result.output
    tagged = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["id"] for t in tagged] == [1, 2]
    assert "language" not in tagged[0] and "toxicity" not in tagged[0]
    assert [e["type"] for e in tagged[0]["entities"]] == ["PHONE_NUMBER"]
    assert tagged[1]["redacted"] == ""


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"content": "fine"}\n{not json\n')
    result = runner.invoke(app, ["tag", str(source), "--stages", "pii"])
    assert result.exit_code == 2 and "line 2" in result.output
    missing = runner.invoke(app, ["tag", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    unknown = runner.invoke(app, ["tag", str(source), "--stages", "sentiment"])
    assert unknown.exit_code == 2 and "unknown stage" in unknown.output
