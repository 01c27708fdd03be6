"""PII stage: the WildChat-1M rules one by one, the strict policy, the two-pass API, fast = slow."""

from __future__ import annotations

import json
import pickle
import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from wildchat.curate.pii import (
    ConversationDetections,
    DeferredNer,
    DetectedEntity,
    PiiStage,
    mask,
    masking_stage,
    replacement_for,
)
from wildchat.curate.pii.analysis import MAX_CHUNK_CHARS
from wildchat.curate.pii.stage import _fold as fold_case
from wildchat.curate.pii.synthetic import chat_messages, evaluation_examples
from wildchat.curate.pii.synthetic.conversations import conversation
from wildchat.curate.stage import StageStats
from wildchat.records import Conversation

EVAL_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii" / "eval.jsonl"
PERSON = replacement_for("PERSON")
EMAIL = replacement_for("EMAIL_ADDRESS")
PHONE = replacement_for("PHONE_NUMBER")
CARD = replacement_for("CREDIT_CARD")
URL = replacement_for("URL")


@pytest.fixture(scope="module")
def w1m() -> PiiStage:
    return masking_stage("wildchat-1m")  # shared with mask(), loaded once


@pytest.fixture(scope="module")
def strict() -> PiiStage:
    return masking_stage("strict")


def run_corpus(stage: PiiStage, corpus: list[Conversation]) -> tuple[list[Conversation], StageStats]:
    """The two passes as an engine runs them: detect per batch, sum span keys, apply per batch."""
    batches = [corpus[i : i + 7] for i in range(0, len(corpus), 7)]
    detections = [stage.detect(b) for b in batches]
    doc_freq: Counter[str] = Counter()
    for batch_detections in detections:
        for found in batch_detections:
            doc_freq.update(stage.span_keys(found))
    stats = StageStats()
    out: list[Conversation] = []
    for batch, batch_detections in zip(batches, detections, strict=True):
        out.extend(stage.apply(batch, batch_detections, doc_freq, stats))
    return out, stats


def masked(stage: PiiStage, text: str, language: str = "English") -> str:
    """One message through detect + apply with no document frequencies (every count 0)."""
    conv = conversation([text], language)
    stage.apply([conv], stage.detect([conv]), {}, StageStats())
    return conv.conversation[0].content


# -- wildchat-1m: PERSON ----------------------------------------------------------------------


def test_person_is_replaced_only_after_a_cue(w1m: PiiStage) -> None:
    assert masked(w1m, "My name is John Smith and I need a cover letter.") == (
        f"My name is {PERSON} and I need a cover letter."
    )
    assert masked(w1m, "Dear Maria Gonzalez,\nthanks for the invoice.").startswith(f"Dear {PERSON},")
    # NER finds the name, but no cue precedes it: left as is.
    text = "Please forward the report to John Smith before Friday."
    assert masked(w1m, text) == text


def test_person_needs_two_capitalised_tokens(w1m: PiiStage) -> None:
    for text in ("Hi John, how are you?", "my name is john smith", "Hi John Smith3, welcome"):
        assert PERSON not in masked(w1m, text)


def test_person_skipped_in_role_play_and_story_prompts(w1m: PiiStage) -> None:
    for text in (
        "meow! My name is John Smith.",
        "[Narrator] Hello John Smith, welcome to the castle.",
        "write a story where I am John Smith",
    ):
        assert PERSON not in masked(w1m, text)


def test_person_after_a_quote_is_kept(w1m: PiiStage) -> None:
    assert PERSON not in masked(w1m, 'Hello "John Smith" is what the sign said.')


def test_person_is_english_only(w1m: PiiStage) -> None:
    policy = w1m.policy
    text = "My name is John Smith."
    entity = DetectedEntity("PERSON", 11, 21, 0.85, "John Smith")
    assert policy.rejection(entity, text, "English", {}) is None
    assert policy.rejection(entity, text, "French", {}) == "not-english"
    # End to end: French has no pipeline here, so no NER; the e-mail pattern still runs.
    out = masked(w1m, "Je m'appelle John Smith, mon e-mail est jean.dupont@orange.fr", language="French")
    assert PERSON not in out and EMAIL in out


# -- wildchat-1m: document frequency ------------------------------------------------------------


@pytest.mark.parametrize(("copies", "replaced"), [(9, True), (10, False)])
def test_email_doc_freq_threshold_is_10(w1m: PiiStage, copies: int, replaced: bool) -> None:
    corpus = [
        conversation([f"Reach me at Jane.Roe@gmail.com (ticket {i})."], key=str(i)) for i in range(copies)
    ]
    corpus.append(conversation(["Unrelated question about Python."]))
    out, stats = run_corpus(w1m, corpus)
    assert all((EMAIL in c.conversation[0].content) == replaced for c in out[:copies])
    assert stats.counts["pii.redacted.EMAIL_ADDRESS"] == (copies if replaced else 0)
    if not replaced:
        assert stats.counts["pii.kept.EMAIL_ADDRESS.frequent"] == copies


@pytest.mark.parametrize(("copies", "replaced"), [(49, True), (50, False)])
def test_person_doc_freq_threshold_is_50(w1m: PiiStage, copies: int, replaced: bool) -> None:
    corpus = [conversation([f"My name is Oliver Bennett, order {i}."], key=str(i)) for i in range(copies)]
    out, _ = run_corpus(w1m, corpus)
    assert all((PERSON in c.conversation[0].content) == replaced for c in out)


def test_doc_freq_counts_conversations_not_mentions(w1m: PiiStage) -> None:
    # Ten mentions in one conversation count once; the key is type + stripped lower-case span.
    conv = conversation([f"My email is JANE.ROE@gmail.com, again {i}" for i in range(10)])
    (found,) = w1m.detect([conv])
    assert w1m.span_keys(found) == {"EMAIL_ADDRESS:jane.roe@gmail.com"}
    out, _ = run_corpus(w1m, [conv])
    assert all(EMAIL in m.content for m in out[0].conversation)


# -- wildchat-1m: the other four types ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Write to user@example.com for details.",
        "Contact info@northwind.com today.",
        "Send it to test@northwind.com.",
        "My email: your@gmail.com",
        'payload = {"email": "ana.lima@gmail.com"}',
    ],
)
def test_placeholder_emails_are_kept(w1m: PiiStage, text: str) -> None:
    assert masked(w1m, text) == text


def test_personal_email_is_replaced(w1m: PiiStage) -> None:
    assert masked(w1m, "Send it to ana.lima@gmail.com please") == f"Send it to {EMAIL} please"


def test_credit_card_needs_the_word_card_nearby(w1m: PiiStage) -> None:
    number = "4539 1488 0343 6467"
    assert masked(w1m, f"My card number is {number}, it was declined.") == (
        f"My card number is {CARD}, it was declined."
    )
    far = f"Pay with {number} please. " + "x" * 60 + " the gift card is separate."
    assert number in masked(w1m, far)


def test_only_linkedin_profile_urls_are_replaced(w1m: PiiStage) -> None:
    assert masked(w1m, "See https://www.linkedin.com/in/oliver-bennett-42 for my CV") == (
        f"See {URL} for my CV"
    )
    for text in (
        "See https://github.com/oliverbennett for code",
        "Docs: https://docs.python.org/3/library/re.html",
        "Company: https://www.linkedin.com/company/northwind",
    ):
        assert masked(w1m, text) == text


def test_phone_needs_a_cue_or_international_prefix(w1m: PiiStage) -> None:
    assert masked(w1m, "phone: 415-555-0199") == f"phone: {PHONE}"
    assert masked(w1m, "reach me on +44 20 7946 0958 tonight") == f"reach me on {PHONE} tonight"
    # "call" is not one of the paper's cues; a JSON "phone" key does not count as one.
    for text in ("Call me at 415-555-0199.", '{"phone": "415-555-0199"}'):
        assert masked(w1m, text) == text


def test_other_types_are_never_replaced(w1m: PiiStage) -> None:
    text = "My SSN is 536-22-8726, my IP is 84.23.117.9 and I live at 12 Oak Lane."
    assert masked(w1m, text) == text


def test_replacement_string_and_redacted_flags(w1m: PiiStage) -> None:
    conv = conversation(["Hi there, my name is Oliver Bennett.", "Nice to meet you!", "What is 2+2?"])
    clean = conversation(["What is the capital of France?", "Paris."])
    out, stats = run_corpus(w1m, [conv, clean])
    assert out[0].conversation[0].content == "Hi there, my name is <PRESIDIO_ANONYMIZED_PERSON>."
    assert [m.redacted for m in out[0].conversation] == [True, False, False]
    assert out[0].redacted is True
    assert out[1].redacted is False and not any(m.redacted for m in out[1].conversation)
    assert stats.counts["pii.messages_redacted"] == 1
    assert stats.counts["pii.conversations_redacted"] == 1


def test_unknown_and_empty_languages_get_patterns_only(w1m: PiiStage) -> None:
    assert masked(w1m, "", language="Nolang") == ""
    assert EMAIL in masked(w1m, "почта: ivan.petrov@mail.ru", language="Klingon")


# -- strict -----------------------------------------------------------------------------------


def strict_types(stage: PiiStage, text: str) -> dict[str, str]:
    (result,) = stage.mask_texts([text])
    return {e.text: e.type for e in result.entities}


def test_strict_finds_addresses_ids_and_ips(strict: PiiStage) -> None:
    found = strict_types(
        strict,
        "I live at 221B Baker Street, London NW1 6XE. My SSN is 536-22-8726, NI number AB 12 34 56 C, "
        "CPF 123.456.789-09, passport number X1234567, and my home IP is 84.23.117.9.",
    )
    assert found.get("221B Baker Street, London NW1 6XE") == "STREET_ADDRESS"
    assert found.get("536-22-8726") == "US_SSN"
    assert found.get("123.456.789-09") == "BR_CPF"
    assert found.get("X1234567") == "NATIONAL_ID"
    assert found.get("84.23.117.9") == "IP_ADDRESS"
    assert any(t == "UK_NINO" for t in found.values())


def test_strict_replaces_names_without_cue_and_in_many_formats(strict: PiiStage) -> None:
    (result,) = strict.mask_texts(
        ["Draft a message to my landlord Amani Kamau about the heater. Tel 06 12 34 56 78"]
    )
    assert result.text == f"Draft a message to my landlord {PERSON} about the heater. Tel {PHONE}"


@pytest.mark.parametrize(
    ("text", "look_alike", "vetoed_type"),
    [
        ("Upgrade the firmware to version 1.2.3.4 tonight.", "1.2.3.4", "IP_ADDRESS"),
        ("Set the gateway to 192.168.1.1.", "192.168.1.1", "IP_ADDRESS"),
        ("Use user@example.com in the unit test.", "user@example.com", "EMAIL_ADDRESS"),
        ("Use user@example.com in the unit test.", "example.com", "URL"),
        ("Install Python 3.11 and run `getUserName()`.", "getUserName", "PERSON"),
        ("Call 2019-2024 the growth years.", "2019-2024", "PHONE_NUMBER"),
        ("Order 4266238428 ships on Monday.", "4266238428", "UK_NHS"),
    ],
)
def test_strict_vetoes_known_false_positives(
    strict: PiiStage, text: str, look_alike: str, vetoed_type: str
) -> None:
    (result,) = strict.mask_texts([text])
    start = text.index(look_alike)
    assert not any(
        e.type == vetoed_type and e.start < start + len(look_alike) and start < e.end for e in result.entities
    ), result.entities


def test_strict_replaces_every_date_place_age_and_employer(strict: PiiStage) -> None:
    # Vanilla Presidio reports every date and place; strict must too (dates of birth are not
    # the only dates that single a person out), and adds ages and employers.
    (result,) = strict.mask_texts(
        [
            "I was born on 14 March 1989 in Leeds, started school in September 1995, "
            "I'm 35 and I work at Acme Ltd."
        ]
    )
    found = {e.text: e.type for e in result.entities}
    assert found.get("14 March 1989") == "DATE_TIME"
    assert found.get("September 1995") == "DATE_TIME"
    assert found.get("Leeds") == "LOCATION"
    assert found.get("35") == "AGE"
    assert any(kind == "ORGANIZATION" and span.startswith("Acme Ltd") for span, kind in found.items())


# -- the two-pass API -----------------------------------------------------------------------------


def test_detections_round_trip_through_json(w1m: PiiStage) -> None:
    texts = ["My name is Oliver Bennett, phone: 415-555-0199", "ok", "mail oliver.b@gmail.com"]
    direct, from_json = conversation(texts), conversation(texts)
    found = w1m.detect([direct])
    restored = [ConversationDetections.from_dict(json.loads(json.dumps(d.to_dict()))) for d in found]
    assert restored == found
    w1m.apply([direct], found, {}, StageStats())
    w1m.apply([from_json], restored, {}, StageStats())
    assert [m.content for m in direct.conversation] == [m.content for m in from_json.conversation]
    assert EMAIL in direct.conversation[2].content


def test_apply_refuses_detections_of_a_changed_conversation(w1m: PiiStage) -> None:
    conv = conversation(["mail oliver.b@gmail.com"])
    found = w1m.detect([conv])
    conv.conversation[0].content += " (edited)"
    with pytest.raises(ValueError, match="changed between detect and apply"):
        w1m.apply([conv], found, {}, StageStats())


def test_stage_pickles_without_models() -> None:
    stage = PiiStage(policy="strict")
    clone = pickle.loads(pickle.dumps(stage))
    assert clone.policy.name == "strict" and clone._detector is None
    loaded = masking_stage("wildchat-1m")
    assert len(pickle.dumps(loaded)) < 10_000  # models stay behind


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown PII policy"):
        PiiStage(policy="lenient")


# -- fast path == reference path ----------------------------------------------------------------


def _fast_equals_slow_inputs() -> list[Conversation]:
    examples = list(evaluation_examples())[::3]
    convs = [conversation([e.text], e.language, key=str(i)) for i, e in enumerate(examples)]
    convs += [conversation([t for t, _ in chat_messages(40, seed=3)[i : i + 4]]) for i in range(0, 40, 4)]
    convs.append(conversation(["", "   ", "no digits, no at-signs, nothing"], "Nolang"))
    return convs


@pytest.mark.parametrize("policy", ["wildchat-1m", "strict"])
def test_fast_path_finds_exactly_what_the_reference_path_finds(policy: str) -> None:
    stage = masking_stage(policy)
    batch = _fast_equals_slow_inputs()
    fast = stage.detect(batch, fast=True)
    slow = stage.detect(batch, fast=False)
    assert sum(d.entity_count for d in fast) > 100
    assert fast == slow


def test_ner_only_components_give_the_full_pipeline_entities(w1m: PiiStage) -> None:
    detector = w1m._detector
    assert detector is not None
    nlp = detector._pipelines["en"]
    texts = [e.text for e in evaluation_examples()][::4]
    full = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    with nlp.select_pipes(disable=detector._disabled["en"]):
        trimmed = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    assert detector._disabled["en"]  # something was actually switched off
    assert trimmed == full


# -- deferred NER: run only where a name could be replaced, count the rest exactly -----------------


def _gate_probe_texts(seed: int = 5) -> list[str]:
    """Cues, spacing, case and names combined, so that the gate's edges are exercised."""
    rng = random.Random(seed)
    cues = [
        "my name is ",
        "I am ",
        "I'm ",
        "this is ",
        "Dear ",
        "hello ",
        "Hi ",
        "HI ",
        "thanks ",
        "Thanks, ",
        "Best regards,\n",
        "Sincerely,\n\n",
        "Cheers, ",
        "yours ",
        "Take care, ",
        "ok ",
    ]
    fillers = ["", " ", "  ", "\n", "Mr ", "dear friend ", "and welcome back ", "— ", "(", '"', "x" * 15]
    names = [
        "John Smith",
        "Ana María López",
        "Émile Zola",
        "Oliver Bennett",
        "Zhang Wei",
        "Priya Raman",
        "O'Neil Parker",
        "Ngozi Okafor",
        "Mary-Jane Watson",
        "İlker Başbuğ",
    ]
    texts = []
    for _ in range(300):
        parts = [rng.choice(["", "Hello there. ", "Quick question: ", "The report is due. "])]
        parts += [rng.choice(cues), rng.choice(fillers), rng.choice(names)]
        parts.append(rng.choice(["", ".", ", how are you?", " here, from Leeds."]))
        texts.append("".join(parts))
    return texts


def test_ner_gate_never_hides_a_replaceable_name(w1m: PiiStage) -> None:
    """Where the gate says no, NER over the whole text finds no name the rules would replace."""
    policy = w1m.policy
    texts = _gate_probe_texts() + [e.text for e in evaluation_examples() if e.language == "English"]
    texts += [t for t, language in chat_messages(400, seed=11) if language == "English"]
    detector = w1m._detector
    assert detector is not None
    found = detector.detect_texts([(t, "English") for t in texts], fast=False)
    gated_out = replaceable = 0
    for text, entities in zip(texts, found, strict=True):
        names = [e for e in entities if e.type == "PERSON" and policy.could_replace(e, text, "English")]
        replaceable += bool(names)
        if not policy.ner_gate(text, "English"):
            gated_out += 1
            assert not names, (text, names)
    assert replaceable > 100 and gated_out > 300  # both sides of the gate are exercised


def test_ner_gate_reads_cues_as_the_rules_do(w1m: PiiStage) -> None:
    gate = w1m.policy.ner_gate
    assert gate("My name is John Smith", "English")
    assert gate("HELLO JOHN SMITH", "English")
    assert gate("best regards,\n\nJohn Smith", "English")
    assert not gate("My name is John Smith", "French")  # names are replaced in English only
    assert not gate("meow, my name is John Smith", "English")  # role-play prompts are exempt
    assert not gate("this is a test of the system", "English")  # no name can start after the cue
    assert not gate("Please forward the report to John Smith.", "English")  # no cue at all
    # A nearby cue must lie within the 20 characters before the name.
    assert gate("thanks " + "x" * 12 + " John Smith", "English")
    assert not gate("thanks " + "x" * 13 + " john smith", "English")


def _run_deferred(stage: PiiStage, corpus: list[Conversation]) -> tuple[list[Conversation], Counter[str]]:
    """The build's protocol: detect with deferred NER, count needed names, then apply."""
    batches = [corpus[i : i + 5] for i in range(0, len(corpus), 5)]
    detections = [stage.detect(b, defer_ner=True) for b in batches]
    counts = stage.doc_freq([d for batch_detections in detections for d in batch_detections])
    out: list[Conversation] = []
    for batch, batch_detections in zip(batches, detections, strict=True):
        out.extend(stage.apply(batch, batch_detections, counts, StageStats()))
    return out, counts


@pytest.mark.parametrize(("uncued", "replaced"), [(48, True), (49, False)])
def test_deferred_mentions_still_count_towards_the_limit(w1m: PiiStage, uncued: int, replaced: bool) -> None:
    corpus = [conversation(["My name is Oliver Bennett, please fix my CV."], key="cued")]
    corpus += [
        conversation([f"Ask Oliver Bennett about invoice {i}.", "Sure."], key=str(i)) for i in range(uncued)
    ]
    out, counts = _run_deferred(w1m, corpus)
    assert counts["PERSON:oliver bennett"] == uncued + 1
    assert (PERSON in out[0].conversation[0].content) == replaced


def test_deferred_ner_redacts_exactly_as_full_ner(w1m: PiiStage) -> None:
    def corpus() -> list[Conversation]:
        convs = _fast_equals_slow_inputs()
        convs += [conversation([t]) for t in _gate_probe_texts(seed=9)[:120]]
        convs += [
            conversation([f"Forward it to {n}."]) for n in ("Zhang Wei", "John Smith") for _ in range(3)
        ]
        return convs

    full, _ = run_corpus(w1m, corpus())
    deferred, deferred_counts = _run_deferred(w1m, corpus())
    assert [[m.content for m in c.conversation] for c in deferred] == [
        [m.content for m in c.conversation] for c in full
    ]
    assert sum(PERSON in m.content for c in full for m in c.conversation) > 20
    # Every count a decision can read is exact: those of names some message could replace.
    full_counts: Counter[str] = Counter()
    candidates: set[str] = set()
    for found in w1m.detect(corpus(), defer_ner=False):
        full_counts.update(w1m.span_keys(found))
    for found in w1m.detect(corpus(), defer_ner=True):
        candidates.update(found.deferred.candidates)
    assert len(candidates) > 20
    assert {k: deferred_counts[k] for k in candidates} == {k: full_counts[k] for k in candidates}


def test_name_matching_folds_the_final_sigma(w1m: PiiStage) -> None:
    key = "PERSON:" + "ΣΟΦΟΣ".lower()  # lowered alone, the last sigma is final: ς
    assert key.partition(":")[2] not in "ΑΣΚ ΣΟΦΟΣΑ".lower()  # in place it is not: σ
    matcher = w1m._matcher_for(frozenset({key}))
    assert any(True for _ in matcher.iter(fold_case("ΑΣΚ ΣΟΦΟΣΑ")))
    assert w1m.count_deferred([DeferredNer(texts=[("English", "nothing here")])], {key}) == [set()]


# -- text-level API -----------------------------------------------------------------------------


def test_mask_returns_offsets_in_the_input(w1m: PiiStage) -> None:
    texts = ["My name is Oliver Bennett. Mail: oliver.b@gmail.com", "nothing here"]
    results = mask(texts)
    assert results[1].text == "nothing here" and not results[1].redacted
    first = results[0]
    assert first.text == f"My name is {PERSON}. Mail: {EMAIL}"
    assert [(texts[0][e.start : e.end], e.type) for e in first.entities] == [
        ("Oliver Bennett", "PERSON"),
        ("oliver.b@gmail.com", "EMAIL_ADDRESS"),
    ]


def test_mask_one_message_is_fast(w1m: PiiStage) -> None:
    mask(["warm up"])
    start = time.perf_counter()
    mask(["Hi, I'm Oliver Bennett, phone: +44 20 7946 0958, email oliver.b@gmail.com."])
    assert time.perf_counter() - start < 0.5


def test_long_message_is_chunked_with_correct_offsets(w1m: PiiStage) -> None:
    filler = ("lorem ipsum dolor sit amet " * 40 + "\n") * (MAX_CHUNK_CHARS // 1000 + 30)
    text = filler + "contact: oliver.b@gmail.com\n"
    (result,) = w1m.mask_texts([text])
    (entity,) = result.entities
    assert len(text) > MAX_CHUNK_CHARS and text[entity.start : entity.end] == "oliver.b@gmail.com"


# -- the evaluation set --------------------------------------------------------------------------


def _lines(path: Path) -> Sequence[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_eval_set_is_the_templates_output_with_exact_offsets() -> None:
    assert EVAL_FILE.exists(), (
        f"{EVAL_FILE} is missing: run `python benchmarks/pii_quality.py generate` "
        "(and make sure .gitignore does not exclude benchmarks/data/)"
    )
    stored = _lines(EVAL_FILE)
    assert len(stored) >= 600
    assert stored == [e.to_dict() for e in evaluation_examples()]  # regenerated: identical
    for example in stored:
        text = str(example["text"])
        for span in example["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(text)
            assert text[span["start"] : span["end"]].strip() == text[span["start"] : span["end"]]
