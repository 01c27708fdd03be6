"""DetoxifyScorer on a tiny random BERT built here (7 labels, a word-level tokenizer): no downloads."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from wildchat.curate.toxicity import DETOXIFY_LABELS, schema_problems
from wildchat.curate.toxicity.base import ScorerNotReady
from wildchat.curate.toxicity.detoxify import (
    DetoxifyLoadError,
    DetoxifyScorer,
    convert_detoxify_checkpoint,
    label_indices,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

# Detoxify's training names, in its output order; the scorer must rename three of them.
TRAINING_LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate", "sexual_explicit"]
WORDS = [
    "you",
    "are",
    "a",
    "nice",
    "kind",
    "bad",
    "idiot",
    "the",
    "cat",
    "sat",
    "on",
    "mat",
    "hello",
    "world",
    "i",
    "will",
    "hurt",
]
TEXTS = [
    "hello world",
    "you are a bad idiot",
    "the cat sat on the mat",
    "i will hurt you",
    "zebra unknown words",
]


def build_tiny_model(folder: Path, labels: list[str] = TRAINING_LABELS) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3} | {w: i + 4 for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=32,
    )
    config = BertConfig(  # type: ignore[call-arg]  # num_labels etc. go to PretrainedConfig
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={n: i for i, n in enumerate(labels)},
        problem_type="multi_label_classification",
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    fast.save_pretrained(folder)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-detoxify")
    build_tiny_model(folder)
    return folder


def test_scores_have_the_released_shape(model_dir: Path) -> None:
    scorer = DetoxifyScorer(model_dir, batch_size=2)
    scorer.setup()
    results = [r.detoxify_moderation for r in scorer.score(TEXTS)]
    assert len(results) == len(TEXTS)
    for record in results:
        assert record is not None and schema_problems(record, "detoxify_moderation") == []
        assert tuple(record) == DETOXIFY_LABELS
        assert all(0.0 < v < 1.0 for v in record.values())
    assert results[0] != results[1]  # different texts, different scores


def test_batching_and_ordering_do_not_change_scores(model_dir: Path) -> None:
    one, many = DetoxifyScorer(model_dir, batch_size=1), DetoxifyScorer(model_dir, batch_size=16)
    one.setup()
    many.setup()
    a = [r.detoxify_moderation for r in one.score(TEXTS)]
    b = [r.detoxify_moderation for r in many.score(list(reversed(TEXTS)))][::-1]
    for x, y in zip(a, b, strict=True):
        assert x is not None and y is not None
        assert all(abs(x[k] - y[k]) < 1e-5 for k in DETOXIFY_LABELS)


def test_detoxify_checkpoint_form_matches_the_folder_form(model_dir: Path, tmp_path: Path) -> None:
    model = transformers.AutoModelForSequenceClassification.from_pretrained(model_dir)
    checkpoint = tmp_path / "multilingual_debiased-test.ckpt"
    arch = {"model_type": "bert", "model_name": "BertForSequenceClassification", "num_classes": 7}
    config = {"arch": {"args": arch}, "dataset": {"args": {"classes": TRAINING_LABELS}}}
    torch.save({"config": config, "state_dict": model.state_dict()}, checkpoint)
    from_ckpt = DetoxifyScorer(checkpoint, config_dir=model_dir)
    from_folder = DetoxifyScorer(model_dir)
    from_ckpt.setup()
    from_folder.setup()
    assert from_ckpt.version == "multilingual_debiased-test"
    a = from_ckpt.score(TEXTS[:2])
    b = from_folder.score(TEXTS[:2])
    assert [r.detoxify_moderation for r in a] == [r.detoxify_moderation for r in b]
    converted = convert_detoxify_checkpoint(checkpoint, model_dir, tmp_path / "converted")
    again = DetoxifyScorer(converted)
    again.setup()
    assert [r.detoxify_moderation for r in again.score(TEXTS[:2])] == [r.detoxify_moderation for r in a]


def test_missing_path_and_wrong_models_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(DetoxifyLoadError, match="not found"):
        DetoxifyScorer(tmp_path / "nowhere").setup()
    (tmp_path / "empty").mkdir()
    with pytest.raises(DetoxifyLoadError, match=r"config\.json"):
        DetoxifyScorer(tmp_path / "empty").setup()
    checkpoint = tmp_path / "x.ckpt"
    checkpoint.write_bytes(b"")
    with pytest.raises(DetoxifyLoadError, match="config_dir"):
        DetoxifyScorer(checkpoint).setup()
    with pytest.raises(DetoxifyLoadError, match="labels="):
        label_indices([f"LABEL_{i}" for i in range(7)])


def test_generic_label_names_can_be_given(tmp_path: Path) -> None:
    build_tiny_model(tmp_path, [f"LABEL_{i}" for i in range(7)])
    with pytest.raises(DetoxifyLoadError):
        DetoxifyScorer(tmp_path).setup()
    scorer = DetoxifyScorer(tmp_path, labels=TRAINING_LABELS)
    scorer.setup()
    assert scorer.score(["hello"])[0].detoxify_moderation is not None


def test_picklable_before_setup_and_not_ready_until_then(model_dir: Path) -> None:
    scorer = pickle.loads(pickle.dumps(DetoxifyScorer(model_dir)))
    with pytest.raises(ScorerNotReady):
        scorer.score(["hello"])
    scorer.setup()
    revived = pickle.loads(pickle.dumps(scorer))  # models are dropped, not shipped
    with pytest.raises(ScorerNotReady):
        revived.score(["hello"])
