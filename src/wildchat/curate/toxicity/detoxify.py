"""Detoxify-style scores from a LOCAL checkpoint, run with transformers on CPU.

The Detoxify package downloads its weights at run time, so it cannot run offline. This scorer
loads the same models from disk instead, in either of two forms:

1. A folder holding a Hugging Face sequence-classification model and its tokenizer
   (`config.json`, weights, tokenizer files). Label names come from `config.id2label`; Detoxify's
   training names ("toxic", "severe_toxic", "identity_hate") are mapped to the released ones.
2. A Detoxify `.ckpt` file plus `config_dir`, a local folder with the matching Hugging Face config
   and tokenizer (for the 'multilingual' model WildChat used: an `xlm-roberta-base` config and
   tokenizer). The checkpoint is a dict with `config.arch.args.num_classes`,
   `config.dataset.args.classes` and a `state_dict` in transformers' parameter names.

Converting form 2 into form 1 once (`convert_detoxify_checkpoint`, or
`python -m wildchat.curate.toxicity.detoxify CKPT CONFIG_DIR OUT_DIR`) makes later loads faster
and drops the need to unpickle the checkpoint.

Scores are `sigmoid(logits)` for the seven released labels, exactly what Detoxify returns; extra
outputs (identity attributes) are ignored. Inputs are truncated to `max_length` tokens as Detoxify
does; texts are sorted by length before batching so padding stays small.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wildchat.curate.toxicity.base import DETOXIFY_FIELD, ReleasedField, ScorerNotReady, TextScores
from wildchat.curate.toxicity.schema import DETOXIFY_LABELS, detoxify_record

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Detoxify renames its training label names to the names it reports (and WildChat released).
_RENAMES = {"toxic": "toxicity", "severe_toxic": "severe_toxicity", "identity_hate": "identity_attack"}


class DetoxifyLoadError(RuntimeError):
    """The local checkpoint is missing or does not look like a Detoxify model."""


def label_indices(names: Sequence[str]) -> dict[str, int]:
    """Output index of each released label, given the model's output names in order."""
    normalised = [_RENAMES.get(n.lower(), n.lower()) for n in names]
    missing = [label for label in DETOXIFY_LABELS if label not in normalised]
    if missing:
        generic = all(n.startswith("label_") for n in normalised)
        hint = " (the config has no label names: pass labels=[...] in output order)" if generic else ""
        raise DetoxifyLoadError(f"the model's outputs {normalised} lack {missing}{hint}")
    return {label: normalised.index(label) for label in DETOXIFY_LABELS}


@dataclass
class DetoxifyScorer:
    path: str | Path
    config_dir: str | Path | None = None  # only for a .ckpt file: local HF config + tokenizer
    labels: Sequence[str] | None = None  # output names in order, when the config lacks them
    batch_size: int = 32
    max_length: int = 512
    num_threads: int | None = None  # torch intra-op threads per worker; None keeps torch's default
    trust_checkpoint: bool = False  # allow full unpickling of a .ckpt (only for files you trust)
    version_label: str | None = None  # what the card cites; default: checkpoint or folder name
    name: str = field(default="detoxify", init=False)
    fields: tuple[ReleasedField, ...] = field(default=(DETOXIFY_FIELD,), init=False)
    _model: PreTrainedModel | None = field(default=None, init=False, repr=False, compare=False)
    _tokenizer: PreTrainedTokenizerBase | None = field(default=None, init=False, repr=False, compare=False)
    _indices: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def version(self) -> str:
        if self.version_label:
            return self.version_label
        path = Path(self.path)
        return path.stem if path.suffix == ".ckpt" else path.name

    def describe(self) -> str:
        return f"Detoxify-style classifier {self.version} (local checkpoint, sigmoid scores, transformers)"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update(_model=None, _tokenizer=None, _indices={})  # loaded again by setup()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def setup(self) -> None:
        import torch

        if self.num_threads:
            torch.set_num_threads(self.num_threads)
        path = Path(self.path)
        if not path.exists():
            raise DetoxifyLoadError(
                f"Detoxify checkpoint not found at {path}: give a local folder with a Hugging Face "
                "sequence-classification model and tokenizer, or a Detoxify .ckpt with config_dir"
            )
        if path.is_dir():
            model, tokenizer = _load_folder(path)
        else:
            if self.config_dir is None:
                raise DetoxifyLoadError(
                    f"{path} is a checkpoint file: config_dir (HF config + tokenizer) is needed"
                )
            model, tokenizer = load_detoxify_checkpoint(path, Path(self.config_dir), self.trust_checkpoint)
        self._indices = label_indices(list(self.labels) if self.labels else _output_names(model))
        model.train(False)  # inference mode: no dropout
        self._model, self._tokenizer = model, tokenizer

    def score(self, texts: Sequence[str]) -> list[TextScores]:
        import torch

        if self._model is None or self._tokenizer is None:
            raise ScorerNotReady("call setup() before score()")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[TextScores | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                encoded = self._tokenizer(
                    [texts[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                probabilities = torch.sigmoid(self._model(**encoded).logits).tolist()
                for i, row in zip(chunk, probabilities, strict=True):
                    scores = {label: row[index] for label, index in self._indices.items()}
                    results[i] = TextScores(detoxify_moderation=detoxify_record(scores))
        return [r for r in results if r is not None]


def _output_names(model: PreTrainedModel) -> list[str]:
    id2label: dict[Any, str] = dict(model.config.id2label or {})
    count = int(model.config.num_labels or len(id2label))
    # configs loaded from JSON may key the mapping by "0", "1" ...; both forms are accepted
    return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(count)]


def _load_folder(path: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not (path / "config.json").exists():
        raise DetoxifyLoadError(f"{path} has no config.json: not a Hugging Face model folder")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise DetoxifyLoadError(f"cannot load a sequence-classification model from {path}: {exc}") from exc
    return model, tokenizer


def load_detoxify_checkpoint(
    checkpoint: Path, config_dir: Path, trust_checkpoint: bool = False
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Build the model of a Detoxify .ckpt from a local HF config/tokenizer folder, in memory."""
    import pickle

    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    try:
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=not trust_checkpoint)
    except pickle.UnpicklingError as exc:
        raise DetoxifyLoadError(
            f"{checkpoint} holds objects beyond tensors and plain data; if you trust the file, "
            "pass trust_checkpoint=True"
        ) from exc
    try:
        classes = list(loaded["config"]["dataset"]["args"]["classes"])
        num_classes = int(loaded["config"]["arch"]["args"]["num_classes"])
        state_dict = dict(loaded["state_dict"])
    except (KeyError, TypeError) as exc:
        raise DetoxifyLoadError(f"{checkpoint} is not a Detoxify checkpoint (missing {exc})") from exc
    names = [_RENAMES.get(c, c) for c in classes] + [f"extra_{i}" for i in range(len(classes), num_classes)]
    config = AutoConfig.from_pretrained(
        config_dir,
        local_files_only=True,
        num_labels=num_classes,
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        problem_type="multi_label_classification",
    )
    model: PreTrainedModel = AutoModelForSequenceClassification.from_config(config)  # type: ignore[no-untyped-call]
    # Lightning-saved weights may carry a "model." prefix; Detoxify's released ones do not.
    state_dict = {k.removeprefix("model."): v for k, v in state_dict.items()}
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]  # a buffer, not a weight
    if missing or unexpected:
        raise DetoxifyLoadError(
            f"{checkpoint} does not match the config in {config_dir}: "
            f"missing {missing[:5]}, unexpected {list(unexpected)[:5]}"
        )
    tokenizer = AutoTokenizer.from_pretrained(config_dir, local_files_only=True)
    return model, tokenizer


def convert_detoxify_checkpoint(
    checkpoint: str | Path, config_dir: str | Path, out_dir: str | Path, trust_checkpoint: bool = False
) -> Path:
    """Write a Detoxify .ckpt as a Hugging Face model folder that `DetoxifyScorer(path=out_dir)` loads."""
    model, tokenizer = load_detoxify_checkpoint(Path(checkpoint), Path(config_dir), trust_checkpoint)
    out = Path(out_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=convert_detoxify_checkpoint.__doc__)
    parser.add_argument("checkpoint", help="the Detoxify .ckpt file")
    parser.add_argument("config_dir", help="local folder with the matching HF config.json and tokenizer")
    parser.add_argument("out_dir", help="where to write the Hugging Face model folder")
    parser.add_argument("--trust-checkpoint", action="store_true", help="allow full unpickling")
    args = parser.parse_args(argv)
    out = convert_detoxify_checkpoint(args.checkpoint, args.config_dir, args.out_dir, args.trust_checkpoint)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
