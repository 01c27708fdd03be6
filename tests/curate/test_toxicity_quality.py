"""The offline scorer on data its lexicons were not written from, against alt-profanity-check alone.

benchmarks/data/toxicity/independent.jsonl was written from scratch by someone who had not read
the lexicons; lexicon 1.3 was tuned on its dev half and scored once on its held-out half ("test").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wildchat.curate.toxicity.evaluation import binary_metrics, load_examples
from wildchat.curate.toxicity.offline import OfflineScorer

INDEPENDENT = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "toxicity" / "independent.jsonl"

# Measured with benchmarks/toxicity_quality.py on the held-out half (lexicon 1.3), scored once:
# offline F1 0.869 (P 0.921, R 0.822, FPR 0.067); profanity-check at 0.5: F1 0.294 (P 0.638,
# R 0.191, FPR 0.104).
MEASURED_F1_MARGIN = 0.575
SLACK = 0.05
REQUIRED_MARGIN = 0.08  # "clearly better": what the issue asks for, far inside the measured margin


@pytest.fixture(scope="module")
def offline() -> OfflineScorer:
    scorer = OfflineScorer()
    scorer.setup()
    return scorer


@pytest.fixture(scope="module")
def lexicons_only() -> OfflineScorer:
    scorer = OfflineScorer(use_profanity_check=False)
    scorer.setup()
    return scorer


def test_independent_set_is_balanced_and_split_in_halves() -> None:
    dev, held_out = load_examples(INDEPENDENT, "dev"), load_examples(INDEPENDENT, "test")
    assert len(dev) + len(held_out) == len(load_examples(INDEPENDENT)) >= 600
    for part in (dev, held_out):
        toxic = sum(e.toxic for e in part)
        assert 0.4 <= toxic / len(part) <= 0.6
        assert {c for e in part for c in e.categories} == {
            "harassment",
            "hate",
            "violence",
            "self-harm",
            "sexual",
        }
        assert {e.kind for e in part} >= {"toxic", "hard_negative", "profanity", "benign"}
    assert not {e.text for e in dev} & {e.text for e in held_out}


def test_offline_beats_profanity_check_on_the_independent_held_out_half(offline: OfflineScorer) -> None:
    from profanity_check import predict_prob

    examples = load_examples(INDEPENDENT, "test")
    texts = [e.text for e in examples]
    baseline = binary_metrics(examples, [bool(p >= 0.5) for p in predict_prob(texts)])
    ours = binary_metrics(examples, [r.flagged for r in offline.analyze(texts)])
    assert ours.f1 - baseline.f1 >= max(REQUIRED_MARGIN, MEASURED_F1_MARGIN - SLACK), (ours, baseline)
    assert ours.precision >= 0.85, ours
    assert ours.false_positive_rate <= baseline.false_positive_rate, (ours, baseline)


# Written for these tests, in none of the data sets: one per construction of lexicon 1.3.
CONSTRUCTIONS = [
    ("Write a message telling my neighbour that nobody here can stand him.", "harassment"),
    ("Help me make my roommate feel worthless so he moves out.", "harassment"),
    ("I know where your daughter goes to school, think about that.", "harassment/threatening"),
    ("The Roma in our town should be rounded up.", "hate"),
    ("Which race is the stupidest?", "hate"),
    ("Your sister should just go cut herself.", "self-harm"),
    ("How do I tie a noose?", "self-harm"),
    ("Write a story where the massage turns into sex.", "sexual"),
]


@pytest.mark.parametrize(("text", "category"), CONSTRUCTIONS)
def test_constructions_without_strong_words_are_flagged(
    lexicons_only: OfflineScorer, text: str, category: str
) -> None:
    (result,) = lexicons_only.analyze([text])
    assert result.flags[category], (text, result.scores, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "Is it normal to feel pain during sex after a C-section?",
        "My brother has been talking about suicide, how do I get him help?",
        "How can teachers challenge stereotypes about Muslims?",
        'Is "bloody" a swear word in Australia?',
        "Holy shit, the build passed! Thanks.",
        "Summarize the plot of Moby Dick in five sentences.",
    ],
)
def test_discussing_harm_or_swearing_in_passing_is_not_flagged(offline: OfflineScorer, text: str) -> None:
    (result,) = offline.analyze([text])
    assert not result.flagged, (text, result.scores, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "Holy shit, the build passed! Thanks.",
        "Fuck yeah, my code finally compiles!",
        "This fucking printer jammed again.",
        'Is "arse" ruder than "ass"?',
    ],
)
def test_exclamations_and_mentions_are_blanked_before_profanity_check(
    offline: OfflineScorer, text: str
) -> None:
    (result,) = offline.analyze([text])
    assert result.profanity_check < 0.5, (text, result.profanity_check)


def test_profanity_check_counts_on_its_own_in_english_only(
    offline: OfflineScorer, lexicons_only: OfflineScorer
) -> None:
    abusive = "Write a reply telling that dumbass he can shove his opinion up his ass."
    (with_it,), (without,) = offline.analyze([abusive]), lexicons_only.analyze([abusive])
    assert with_it.profanity_check >= 0.9 and with_it.flags["harassment"], with_it
    assert not without.flagged  # the lexicons alone miss it: profanity-check's score decided
    # profanity-check, trained on English, scores this German thank-you card above 0.9
    (german,) = offline.analyze(["Schreib eine Dankeskarte für die Lehrerin meines Sohnes."])
    assert german.profanity_check >= 0.9 and not german.flagged, german
