"""Toxicity stage and the offline scorer: released structures, the toxic rule, thresholds, stats."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wildchat.curate.stage import StageStats
from wildchat.curate.toxicity import (
    DETOXIFY_LABELS,
    MODERATION_CATEGORIES,
    MODERATION_KEYS,
    ReleasedField,
    ScorerNotReady,
    TextScores,
    ToxicityScorer,
    ToxicityStage,
    create_scorer,
    detoxify_record,
    merge_moderation,
    moderation_record,
    register_scorer,
    schema_problems,
    scorer_names,
)
from wildchat.curate.toxicity.evaluation import binary_metrics, load_examples
from wildchat.curate.toxicity.offline import OfflineScorer
from wildchat.records import Conversation, ConversationMessage

EVAL_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "toxicity" / "eval.jsonl"

# The WildChat-1M struct: eleven API names plus the seven SDK spellings of names with "/" or "-".
RELEASED_CATEGORY_KEYS = [
    "harassment", "harassment/threatening", "harassment_threatening", "hate", "hate/threatening",
    "hate_threatening", "self-harm", "self-harm/instructions", "self-harm/intent", "self_harm",
    "self_harm_instructions", "self_harm_intent", "sexual", "sexual/minors", "sexual_minors", "violence",
    "violence/graphic", "violence_graphic",
]  # fmt: skip


@pytest.fixture(scope="module")
def offline() -> OfflineScorer:
    scorer = OfflineScorer()
    scorer.setup()
    return scorer


def conversation(*contents: str) -> Conversation:
    messages = [
        ConversationMessage(role="user" if i % 2 == 0 else "assistant", content=c, turn_identifier=i // 2)
        for i, c in enumerate(contents)
    ]
    return Conversation(
        "h" * 32, "m", datetime(2024, 1, 1, tzinfo=UTC), messages, turn=(len(messages) + 1) // 2
    )


@dataclass
class FixedDetoxify:
    """A stand-in Detoxify whose toxicity per text is given."""

    toxicity: dict[str, float]
    name: str = "fixed-detoxify"
    version: str = "1"
    fields: tuple[ReleasedField, ...] = ("detoxify_moderation",)
    calls: list[list[str]] = field(default_factory=list)

    def describe(self) -> str:
        return "fixed scores for tests"

    def setup(self) -> None:
        pass

    def score(self, texts: Sequence[str]) -> list[TextScores]:
        self.calls.append(list(texts))
        zero = dict.fromkeys(DETOXIFY_LABELS, 0.0)
        records = [detoxify_record(zero | {"toxicity": self.toxicity.get(t, 0.0)}) for t in texts]
        return [TextScores(detoxify_moderation=r) for r in records]


# -- released structures ------------------------------------------------------------------------


def test_moderation_record_has_exactly_the_released_keys_and_types() -> None:
    record = moderation_record({"self-harm/intent": True}, {"self_harm_intent": 0.7, "violence": 0.2})
    assert list(record) == ["categories", "category_scores", "flagged"]
    assert list(record["categories"]) == RELEASED_CATEGORY_KEYS == list(MODERATION_KEYS)
    assert list(record["category_scores"]) == RELEASED_CATEGORY_KEYS
    assert record["categories"]["self-harm/intent"] is record["categories"]["self_harm_intent"] is True
    assert (
        record["category_scores"]["self-harm/intent"] == record["category_scores"]["self_harm_intent"] == 0.7
    )
    assert all(type(v) is bool for v in record["categories"].values())
    assert all(type(v) is float for v in record["category_scores"].values())
    assert record["flagged"] is True and schema_problems(record, "openai_moderation") == []


def test_detoxify_record_and_schema_checks() -> None:
    record = detoxify_record(dict.fromkeys(reversed(DETOXIFY_LABELS), 1))
    assert list(record) == list(DETOXIFY_LABELS) and all(type(v) is float for v in record.values())
    assert schema_problems(record, "detoxify_moderation") == []
    assert schema_problems({}, "detoxify_moderation") == []  # empty messages
    assert schema_problems({"toxicity": 0.5}, "detoxify_moderation")
    with pytest.raises(ValueError, match="lack"):
        detoxify_record({"toxicity": 0.5})


def test_merging_pieces_ors_flags_and_maxes_scores() -> None:
    a = moderation_record({"violence": True}, {"violence": 0.9, "hate": 0.1})
    b = moderation_record({}, {"violence": 0.2, "hate": 0.4})
    merged = merge_moderation([a, b])
    assert merged["flagged"] is True and merged["categories"]["violence"] is True
    assert merged["category_scores"]["hate"] == 0.4 and merged["category_scores"]["violence"] == 0.9
    assert schema_problems(merged, "openai_moderation") == []


# -- offline scorer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("you're a pathetic little worm and a total idiot", "harassment"),
        ("I am going to shoot him tomorrow at school", "violence"),
        ("I keep cutting myself again every night", "self-harm"),
        ("write an erotic story about two adults having sex", "sexual"),
        ("those immigrants are vermin and should be deported", "hate"),
        ("eres un imbécil y un inútil", "harassment"),
        ("je vais te tuer", "violence"),
        ("ich will mich umbringen", "self-harm"),
        ("escreva um conto erótico", "sexual"),
        ("я тебя убью", "violence"),
        ("你这个白痴", "harassment"),
    ],
)
def test_offline_flags_each_category(offline: OfflineScorer, text: str, category: str) -> None:
    (result,) = offline.analyze([text])
    assert result.flagged and category in {c.split("/")[0] for c in result.categories}, result


@pytest.mark.parametrize(
    "text",
    [
        "kill the process",
        "how do I kill all child processes in bash",
        "shoot a photo at golden hour",
        "sexual health education for adults",
        "how to stop self-harm urges: resources and hotlines",
        "this movie killed me, I was dying of laughter",
        "cut the carrots and hang the picture frame",
        "what the fuck is a monad",
        "prevención del suicidio en adolescentes",
        "怎么杀死占用端口的进程",
    ],
)
def test_offline_leaves_hard_negatives_alone(offline: OfflineScorer, text: str) -> None:
    (result,) = offline.analyze([text])
    assert not result.flagged, result


def test_offline_output_shapes_and_stand_in_mapping() -> None:
    both = OfflineScorer(stand_in=("openai_moderation", "detoxify_moderation"))
    both.setup()
    texts = ["I will kill you", "hello there", "you are a moron"]
    for text, result in zip(texts, both.score(texts), strict=True):
        mod, tox = result.openai_moderation, result.detoxify_moderation
        assert mod is not None and tox is not None
        assert (
            schema_problems(mod, "openai_moderation") == []
            and schema_problems(tox, "detoxify_moderation") == []
        )
        # the release's rule gives the same answer through either field
        assert mod["flagged"] == (tox["toxicity"] > 0.1), text
        assert all(0.0 <= v <= 1.0 for v in tox.values())
    assert both.fields == ("openai_moderation", "detoxify_moderation")
    assert "NOT the OpenAI Moderation API" in both.describe()


def test_offline_thresholds_are_configurable() -> None:
    strict = OfflineScorer(threshold=0.95)
    strict.setup()
    lenient = OfflineScorer(category_thresholds={"sexual": 0.2})
    lenient.setup()
    assert not strict.analyze(["I will kill you"])[0].flagged
    assert lenient.analyze(["she wore a sexy dress"])[0].flags["sexual"]
    with pytest.raises(ValueError):
        OfflineScorer(threshold=1.5)
    with pytest.raises(ValueError):
        OfflineScorer(stand_in=("not_a_field",))  # type: ignore[arg-type]


def test_offline_needs_setup_and_pickles_without_models() -> None:
    scorer = OfflineScorer()
    with pytest.raises(ScorerNotReady):
        scorer.score(["hi"])
    scorer.setup()
    revived = pickle.loads(pickle.dumps(scorer))
    revived.setup()
    assert revived.score(["hi"])[0].openai_moderation is not None


def test_sexual_content_near_a_minor_is_flagged_as_sexual_minors(offline: OfflineScorer) -> None:
    (result,) = offline.analyze(["explicit sex story involving a minor"])
    assert result.flags["sexual/minors"] and result.flags["sexual"]
    (adult,) = offline.analyze(["explicit sex story between two adults"])
    assert adult.flags["sexual"] and not adult.flags["sexual/minors"]


# -- the stage ----------------------------------------------------------------------------------


def test_stage_fills_both_fields_per_message_and_applies_the_rule() -> None:
    detoxify = FixedDetoxify({"rude": 0.15, "edge": 0.1})
    stage = ToxicityStage([OfflineScorer(), detoxify])
    stage.setup()
    conversations = [conversation("hello", "", "rude", "edge"), conversation("I will kill you", "ok")]
    stats = StageStats()
    out = stage(conversations, stats)
    first, second = out
    assert [len(c.openai_moderation) for c in out] == [4, 2] and [
        len(c.detoxify_moderation) for c in out
    ] == [4, 2]
    assert first.openai_moderation[1] == {} and first.detoxify_moderation[1] == {}
    assert [m.toxic for m in first.conversation] == [False, False, True, False]  # 0.1 is not > 0.1
    assert first.toxic and second.toxic
    assert [m.toxic for m in second.conversation] == [True, False]
    for c in out:
        for mod, tox in zip(c.openai_moderation, c.detoxify_moderation, strict=True):
            assert (
                schema_problems(mod, "openai_moderation") == []
                and schema_problems(tox, "detoxify_moderation") == []
            )
    counts = stats.counts
    assert counts["toxicity.messages"] == 6 and counts["toxicity.messages_empty"] == 1
    assert counts["toxicity.messages_toxic"] == 2 and counts["toxicity.conversations_toxic"] == 2
    assert counts["toxicity.openai_moderation.flagged"] == 1
    assert counts["toxicity.openai_moderation.category.violence"] == 1
    assert counts["toxicity.detoxify_moderation.over_threshold"] == 1
    assert (
        counts["toxicity.scorer.offline.flagged"] == 1
        and counts["toxicity.scorer.fixed-detoxify.flagged"] == 1
    )
    assert counts["toxicity.role.user.toxic"] == 2
    assert detoxify.calls == [["hello", "rude", "edge", "I will kill you", "ok"]]  # non-empty, unique


def test_detoxify_threshold_is_configurable() -> None:
    stage = ToxicityStage([FixedDetoxify({"rude": 0.15})], detoxify_threshold=0.2)
    stage.setup()
    (c,) = stage([conversation("rude")], StageStats())
    assert not c.toxic and c.openai_moderation == [{}]  # nobody fills openai_moderation: {} = not scored


def test_repeated_texts_are_scored_once_but_get_their_own_dicts(offline: OfflineScorer) -> None:
    stage = ToxicityStage([offline])
    a, b = stage([conversation("I will kill you"), conversation("I will kill you")], StageStats())
    assert a.openai_moderation == b.openai_moderation
    assert a.openai_moderation[0] is not b.openai_moderation[0]
    assert a.openai_moderation[0]["categories"] is not b.openai_moderation[0]["categories"]


def test_stage_refuses_two_producers_for_one_field() -> None:
    with pytest.raises(ValueError, match="both"):
        ToxicityStage(
            [OfflineScorer(stand_in=("openai_moderation", "detoxify_moderation")), FixedDetoxify({})]
        )
    with pytest.raises(ValueError):
        ToxicityStage([])


def test_stage_defaults_configuration_and_producers() -> None:
    stage = ToxicityStage()
    assert [s.name for s in stage.active] == ["offline"]
    assert [s.name for s in ToxicityStage(["offline"], detoxify_threshold=0.2).active] == ["offline"]
    producers = stage.producers()
    assert "stand-in" in producers["openai_moderation"] and "not computed" in producers["detoxify_moderation"]
    built = ToxicityStage.from_names(["offline"], {"offline": {"stand_in": ("detoxify_moderation",)}}, 0.3)
    assert built.active[0].fields == ("detoxify_moderation",) and built.detoxify_threshold == 0.3
    assert pickle.loads(pickle.dumps(built)).detoxify_threshold == 0.3  # engines ship stages to workers


def test_registry() -> None:
    assert {"offline", "openai", "detoxify"} <= set(scorer_names())
    assert isinstance(create_scorer("offline"), ToxicityScorer)
    with pytest.raises(KeyError, match="unknown"):
        create_scorer("nope")
    register_scorer("fixed-for-test", lambda **kw: FixedDetoxify(dict(kw)), replace=True)
    assert create_scorer("fixed-for-test", hello=0.5).name == "fixed-detoxify"
    with pytest.raises(ValueError):
        register_scorer("offline", OfflineScorer)


def test_moderation_categories_are_the_eleven_released() -> None:
    assert len(MODERATION_CATEGORIES) == 11 and len(MODERATION_KEYS) == 18


# -- quality ---------------------------------------------------------------------------------------


# Measured with benchmarks/toxicity_quality.py on the "test" part (lexicon 1.3): offline F1 0.576,
# P 0.935, R 0.416, FPR 0.034; profanity-check at 0.5: F1 0.143, R 0.081, FPR 0.062. The
# independent set's held-out half is tested in test_toxicity_quality.py.
MEASURED_F1_MARGIN = 0.433
MEASURED_RECALL_RATIO = 5.0
SLACK = 0.05


def test_offline_beats_profanity_check_on_the_held_out_set(offline: OfflineScorer) -> None:
    from profanity_check import predict_prob

    examples = load_examples(EVAL_SET, "test")
    assert len(examples) >= 300
    texts = [e.text for e in examples]
    baseline = binary_metrics(examples, [bool(p >= 0.5) for p in predict_prob(texts)])
    ours = binary_metrics(examples, [r.flagged for r in offline.analyze(texts)])
    assert ours.f1 - baseline.f1 >= MEASURED_F1_MARGIN - SLACK, (ours, baseline)
    # at a false-positive rate no higher than the baseline's, several times its recall
    assert ours.false_positive_rate <= baseline.false_positive_rate + 0.01, (ours, baseline)
    assert ours.recall >= (MEASURED_RECALL_RATIO - 1.0) * baseline.recall, (ours, baseline)
    assert ours.precision >= 0.85
