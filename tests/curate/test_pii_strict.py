"""The `strict` policy's guarantees: NER on every message, vanilla Presidio's recognisers at any
score, overlaps replaced whole, `wildchat tag` = the evaluation path, and the new recognisers."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from wildchat.curate.pii import PiiStage, masking_stage
from wildchat.curate.pii.anonymize import merge_overlaps, resolve_overlaps
from wildchat.curate.pii.entities import DetectedEntity
from wildchat.curate.pii.evaluation import load_examples, predict_with_policy
from wildchat.curate.pii.policies import StrictPolicy, WildChat1MPolicy
from wildchat.curate.pii.policies.strict import OWN_SCORE_FLOOR, presidio_default_classes
from wildchat.curate.tag import TagOptions, tag_stream

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii"


@pytest.fixture(scope="module")
def strict() -> PiiStage:
    return masking_stage("strict")


def found(stage: PiiStage, text: str, language: str = "en") -> dict[str, str]:
    (result,) = stage.mask_texts([text], language=language)
    return {e.text: e.type for e in result.entities}


# -- no NER gate under strict ------------------------------------------------------------------


def test_strict_runs_ner_on_every_message_whatever_its_language(strict: PiiStage) -> None:
    """No message is skipped: no cue needed, no configured pipeline needed (English NER runs)."""
    detector = strict._detector
    assert detector is not None
    items: list[tuple[str, str | None]] = [
        ("Please forward the report to Oliver Bennett before Friday.", "English"),  # no cue at all
        ("Oliver Bennett a envoyé le rapport à Paris.", "French"),  # no French pipeline here
        ("Oliver Bennett", "Nolang"),  # language detection gave up
        ("Oliver Bennett", None),
        ("   ", "English"),  # blank: provably nothing to find
    ]
    entities, deferred = detector.detect_batch(items, defer_ner=True)
    assert deferred == [False] * len(items)
    units, _ = detector._plan(items, fast=True, defer_ner=True)
    assert [u.plan.run_ner for u in units] == [True, True, True, True, False]
    for found_here in entities[:4]:
        assert any(e.type == "PERSON" and e.text == "Oliver Bennett" and e.ner for e in found_here)


def test_the_gate_stays_for_wildchat_1m_only() -> None:
    # The paper's rules replace a name only after a cue, in English: a necessary condition that
    # `ner_gate` may use. `strict` replaces names anywhere, so it has no gate.
    text = "Please forward the report to Oliver Bennett before Friday."
    assert not WildChat1MPolicy().ner_gate(text, "English")
    assert StrictPolicy().ner_gate(text, "English") and StrictPolicy().ner_gate(text, "French")
    assert StrictPolicy.ner_on_every_message and not WildChat1MPolicy.ner_on_every_message


# -- what vanilla Presidio has, strict has -----------------------------------------------------------


def test_strict_registers_vanilla_presidios_recognisers_without_a_floor() -> None:
    recognizers = StrictPolicy().pattern_recognizers("en")
    vanilla = presidio_default_classes()
    assert {c.__name__ for c in vanilla} >= {"CreditCardRecognizer", "PhoneRecognizer", "UsLicenseRecognizer"}
    by_class = {type(r): r for r in recognizers}
    for cls in vanilla:
        assert not by_class[cls].score_thresholds, cls  # any score, as vanilla at its default 0
    others = [r for r in recognizers if type(r) not in vanilla]
    assert others and all(r.score_thresholds == {"default": OWN_SCORE_FLOOR} for r in others)
    assert StrictPolicy.ner_entities >= {"PERSON", "LOCATION", "DATE_TIME", "NRP"}


def test_weak_vanilla_matches_are_kept(strict: PiiStage) -> None:
    # Presidio scores a bare 9-digit number 0.05 as a US passport; vanilla (threshold 0) reports it.
    types = found(strict, "The document number is 912803456, I think.")
    assert "912803456" in types


# -- overlaps ----------------------------------------------------------------------------------


def _rank(entity: DetectedEntity) -> tuple[int, int]:
    return (1 if entity.ner else 0, -(entity.end - entity.start))


def test_merge_keeps_every_character_and_the_patterns_type() -> None:
    text = "Please wire it to NL11 INGB 8516 0216 05 before Monday."
    iban = DetectedEntity("IBAN_CODE", 18, 40, 1.0, text[18:40])
    date = DetectedEntity("DATE_TIME", 28, 54, 0.85, text[28:54], ner=True)
    merged = merge_overlaps(text, [date, iban], _rank)
    assert [(e.type, e.text) for e in merged] == [("IBAN_CODE", text[18:40]), ("DATE_TIME", "before Monday")]
    # The wildchat-1m rule keeps the longer span and leaves the rest of the IBAN in the text.
    assert [e.type for e in resolve_overlaps([date, iban])] == ["DATE_TIME"]


def test_an_ner_date_over_a_phone_number_is_named_a_phone(strict: PiiStage) -> None:
    types = found(
        strict, "I need a cover letter. Applicant: Antonia Gaiatto, phone 08350935145, email ag@gmail.com."
    )
    assert types.get("08350935145") == "PHONE_NUMBER"


# -- the recognisers strict adds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("I'm 34 and looking for a running plan.", "34", "AGE"),
        ("Our new hire Maria Rossi, 29, starts on Monday.", "29", "AGE"),
        ("a poem for her 65th birthday", "65", "AGE"),
        ("The courier needs my postcode, is it 68414?", "68414", "ZIP_CODE"),
        ("Find a bakery near 31-322 Lubartów that is open late.", "31-322 Lubartów", "LOCATION"),
        ("I live in Nijehaske. Can you help?", "Nijehaske", "LOCATION"),
        ("She was born on 3 May 1990 in Silva da Prata.", "Silva da Prata", "LOCATION"),
        ("I'm a nurse at Fonseca Novaes e Filhos in Recife.", "Fonseca Novaes e Filhos", "ORGANIZATION"),
        ("Meet me there at 17:30.", "17:30", "DATE_TIME"),
        ("She was born Sep 04 1966.", "Sep 04 1966", "DATE_TIME"),
        ("Dinner at Todd Mclean's place tonight?", "Todd Mclean", "PERSON"),
        ("Write a thank-you note to Martino Combi for the stay.", "Martino Combi", "PERSON"),
        ("My name is 英樹 加藤 and I need help.", "英樹 加藤", "PERSON"),
        ("Please forward the contract. Regards, Célina Fischer", "Célina Fischer", "PERSON"),
        ("my number 502 517 176, please call", "502 517 176", "PHONE_NUMBER"),
    ],
)
def test_strict_recognises(strict: PiiStage, text: str, value: str, kind: str) -> None:
    assert found(strict, text).get(value) == kind, found(strict, text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("It never reached aleja Miłosza 12, 91-724 Suwałki.", "aleja Miłosza 12, 91-724 Suwałki"),
        ("It never reached Puksteeg 9, 9023UL Nijkerk.", "Puksteeg 9, 9023UL Nijkerk"),
        ("Address: 289 Taylor Radial, Michaelville, OH 10992", "289 Taylor Radial, Michaelville, OH 10992"),
        ("It never reached 90/25, Vasa Zila, Jaunpur 557338.", "90/25, Vasa Zila, Jaunpur 557338"),
        ("Studio 9, Sharp Coves, South Marion W1S 9WB", "Studio 9, Sharp Coves, South Marion W1S 9WB"),
        (
            "Viaduto Vargas, 87, Fonseca - RO, CEP 46104-527",
            "Viaduto Vargas, 87, Fonseca - RO, CEP 46104-527",
        ),
        ("Strada Borsellino, 34, 28887 Afer (TE)", "Strada Borsellino, 34, 28887 Afer (TE)"),
        ("〒038-7264 北海道白井市松石22丁目12番18号", "〒038-7264 北海道白井市松石22丁目12番18号"),
        ("you still owe rent for the flat at 768 Delacruz Oval.", "768 Delacruz Oval"),
    ],
)
def test_strict_reads_addresses_in_many_countries_formats(strict: PiiStage, text: str, address: str) -> None:
    assert found(strict, text).get(address) == "STREET_ADDRESS", found(strict, text)


@pytest.mark.parametrize(
    "text",
    [
        "Compare the annual reports of Siemens and ABB.",  # not tied to anyone
        "In 2019 Apple Park opened its doors.",  # a year, not a house number
        "Cap 2000 meetings a year.",
    ],
)
def test_strict_leaves_untied_organisations_and_look_alikes(strict: PiiStage, text: str) -> None:
    types = found(strict, text)
    assert "ORGANIZATION" not in types.values() and "STREET_ADDRESS" not in types.values(), types
    assert "ZIP_CODE" not in types.values(), types


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My name is harriet winslow and I live here.", "harriet winslow"),  # lower case after a cue
        ("hi, my name is john", "john"),
        ("je m'appelle marie dupont.", "marie dupont"),
        ("张磊 is my colleague and he needs a reference letter.", "张磊"),  # no cue: a Han name in Latin text
        ("I met 欧阳娜娜 at the conference.", "欧阳娜娜"),
        ("Write a birthday message for 张磊.", "张磊"),
        ("Please review the report from Antoine Laurent.", "Antoine Laurent"),
        ("I had lunch with Antoine Laurent.", "Antoine Laurent"),
    ],
)
def test_strict_finds_names_the_small_model_misses(strict: PiiStage, text: str, value: str) -> None:
    assert found(strict, text).get(value) == "PERSON", found(strict, text)


@pytest.mark.parametrize(
    "text",
    [
        "my name is not important",
        "my name is spelled wrong on the form",
        "What does 谢谢 mean?",  # a repeated character
        "Translate 你好 into English.",  # no surname first
        "张先生是我的同事，他需要一封推荐信。",  # Chinese text: runs of Han characters are words
        "Write my shift swap request for Feb 13 2027.",  # a month before a day, after a cue
    ],
)
def test_strict_leaves_words_that_are_not_names(strict: PiiStage, text: str) -> None:
    assert "PERSON" not in found(strict, text).values(), found(strict, text)


def test_an_ipv6_address_is_never_half_a_date(strict: PiiStage) -> None:
    # spaCy reads the "2001" of an IPv6 address as a year; the address is replaced whole when it
    # is personal, and left whole when it is a documentation address (ip-not-personal).
    (result,) = strict.mask_texts(["My IPv6 is 2a00:1450:4001:81b::200e today"])
    assert result.text == "My IPv6 is <PRESIDIO_ANONYMIZED_IP_ADDRESS> <PRESIDIO_ANONYMIZED_DATE_TIME>"
    (result,) = strict.mask_texts(["Ping 2001:db8:85a3::8a2e:370:7334 from the lab."])
    assert result.text == "Ping 2001:db8:85a3::8a2e:370:7334 from the lab."
    (result,) = strict.mask_texts(["My server is at 2001:4860:4860::8844."])
    assert result.text == "My server is at <PRESIDIO_ANONYMIZED_IP_ADDRESS>."
    assert found(strict, "We met in 2001 in Lyon.").get("2001") == "DATE_TIME"  # a year stays a date


# -- `wildchat tag` gives what the evaluation measures ----------------------------------------------


def test_tag_strict_gives_the_evaluation_paths_spans() -> None:
    examples: list[dict[str, Any]] = load_examples(DATA / "faker.jsonl")[::12]
    source = io.StringIO("".join(json.dumps({"text": e["text"]}) + "\n" for e in examples))
    sink = io.StringIO()
    written = tag_stream(source, sink, TagOptions(stages=("pii",), policy="strict", text_field="text"), True)
    assert written == len(examples) >= 60
    tagged = [json.loads(line) for line in sink.getvalue().splitlines()]
    from_tag = [[(e["type"], e["start"], e["end"]) for e in row["entities"]] for row in tagged]
    assert from_tag == predict_with_policy(examples, "strict")
    assert sum(len(spans) for spans in from_tag) > 150


# -- the independent evaluation set ----------------------------------------------------------------


def _generator() -> Any:
    import importlib.util
    import sys

    name = "benchmarks_pii_make_faker_set"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DATA / "make_faker_set.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def _words(template: str) -> list[str]:
    import re

    return re.findall(r"[a-z']+", re.sub(r"\{\w+\}", " ", template.lower()))


def test_faker_set_is_its_generators_output_with_exact_offsets() -> None:
    rows = load_examples(DATA / "faker.jsonl")
    assert len(rows) >= 800 and {r["split"] for r in rows} == {"dev", "heldout"}
    assert len({r["locale"] for r in rows}) >= 10
    for row in rows:
        text = str(row["text"])
        for span in row["spans"]:
            value = text[span["start"] : span["end"]]
            assert 0 <= span["start"] < span["end"] <= len(text) and value.strip() == value, (row, span)
    dev = {r["template"] for r in rows if r["split"] == "dev"}
    assert dev.isdisjoint(r["template"] for r in rows if r["split"] == "heldout")
    faker = pytest.importorskip("faker")
    generator = _generator()
    if faker.VERSION != generator.FAKER_VERSION:
        pytest.skip(f"faker {faker.VERSION} installed, the set was made with {generator.FAKER_VERSION}")
    assert rows == list(generator.examples())  # regenerated: identical


def test_faker_templates_share_no_phrase_with_our_templates() -> None:
    """A different generator: no six-word run of a Faker template comes from `pii.synthetic`."""
    from wildchat.curate.pii.synthetic.sentences import GROUPS, HOLDOUT_GROUPS

    def runs(template: str) -> set[tuple[str, ...]]:
        words = _words(template)
        return {tuple(words[i : i + 6]) for i in range(len(words) - 5)}

    ours = set().union(*(runs(t) for g in (*GROUPS, *HOLDOUT_GROUPS) for t in g.templates))
    generator = _generator()
    shared = {run for t in (*generator.TEMPLATES, *generator.DECOY_TEMPLATES) for run in runs(t)} & ours
    assert not shared, shared


def test_strict_build_defers_nothing_and_counts_nothing_more() -> None:
    """No gate, no frequency limit: no deferred message and no name left to count."""
    from wildchat.curate.pii.synthetic.conversations import conversation

    stage = masking_stage("strict")
    batch = [conversation(["Please forward the report to Oliver Bennett in Leeds on 3 May.", "Sure."])]
    (found,) = stage.detect(batch, defer_ner=True)
    assert found.deferred.texts == [] and found.deferred.candidates == []
    assert {e.type for e in found.messages[0].entities} >= {"PERSON", "LOCATION", "DATE_TIME"}
