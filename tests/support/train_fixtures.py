"""Real arguments for the README's `wildchat train` and `wildchat eval` rows (tests/test_readme_commands.py).

DATASET is a small release written by our own export, MODEL a tiny random Llama with a tokenizer
built on the spot, QUESTIONS our test questions in the workspace itself (so that `eval generate`,
`eval judge` and then `eval show`, run in that folder with no options, find each other's files),
and URL the judge stub (tests/support/judge_stub.py), started once on a free loopback port and
stopped when the interpreter exits.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

_stub: ExitStack | None = None
_stub_url: str | None = None


def _stub_base_url() -> str:
    global _stub, _stub_url
    if _stub_url is None:
        from tests.support.judge_stub import StubState, serve_stub

        _stub = ExitStack()
        _stub_url = _stub.enter_context(serve_stub(StubState()))
        atexit.register(_stub.close)
    return _stub_url


def _dataset(workspace: Path) -> str:
    from tests.train.conversations import corpus
    from wildchat.curate.export import export_release

    folder = workspace / "train-release"
    if not folder.exists():
        export_release(corpus(8), folder)
    return str(folder / "public")


def _model(workspace: Path) -> str:
    from tests.train.tiny import save_base

    folder = workspace / "tiny-llama"
    if not folder.exists():
        save_base(folder)
    return str(folder)


def _questions(workspace: Path) -> str:
    from tests.train.bench import write_bench

    path = workspace / "question.jsonl"
    if not path.exists():
        write_bench(workspace)
    return str(path)


def train_fillers(workspace: Path) -> dict[str, Callable[[], str]]:
    return {
        "DATASET": lambda: _dataset(workspace),
        "MODEL": lambda: _model(workspace),
        "QUESTIONS": lambda: _questions(workspace),
        "NAME": lambda: "stub-model",
        "URL": _stub_base_url,
    }
