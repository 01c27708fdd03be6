"""Every command of the README's table runs as a user types it: only its required arguments,
through the installed `wildchat` entry point, in a fresh folder with an empty HOME.

The table is parsed, not copied, so a command added to the README is run here too; a placeholder
this test cannot fill fails loudly instead of being skipped. This is what caught `wildchat build
--out DIR` failing on its own default (`--workers 0` against `min=1`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.train_fixtures import train_fillers

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINT = Path(sys.executable).with_name("wildchat")
# Commands that serve until stopped: started, checked over HTTP, then stopped with SIGTERM.
SERVERS = {"serve": "/healthz", "explore serve": "/"}
# The order a new user would follow: a store first, then what reads it.
FIRST = ("db upgrade", "synth")


def readme_commands() -> list[str]:
    """The commands of the README's table with every optional `[...]` part removed."""
    commands = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(wildchat [^`]*)`\s*\|", line)
        if not match:
            continue
        command = match.group(1)
        while True:  # innermost brackets first, so nested optional parts go too
            stripped = re.sub(r"\[[^\[\]]*\]", "", command)
            if stripped == command:
                break
            command = stripped
        commands.append(" ".join(command.split()))
    return commands


def _subcommand(command: str) -> str:
    """`wildchat db upgrade --x Y` → `db upgrade`: the leading lower-case words."""
    words = []
    for word in command.split()[1:]:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        words.append(word)
    return " ".join(words)


def _ordered(commands: list[str]) -> list[str]:
    def rank(command: str) -> int:
        name = _subcommand(command)
        return FIRST.index(name) if name in FIRST else len(FIRST)

    return sorted(commands, key=rank)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    (folder / "home").mkdir()
    (folder / "messages.jsonl").write_text(
        "\n".join(
            json.dumps({"content": text})
            for text in (
                "Hello, my name is Edda Quillfeather and my email is edda.q@example.org.",
                "¿Puedes ayudarme con la tarea de matemáticas?",
                "Write a haiku about autumn rain.",
            )
        )
        + "\n",
        encoding="utf-8",
    )
    # A small public-format dataset for the commands that read datasets (import, report, explore).
    conversations = [
        {
            "id": f"readme-{n}",
            "conversations": [
                {"from": "human", "value": f"Question {n}: how do I sort a list in Python?"},
                {"from": "gpt", "value": "Use sorted(items) for a new list, or items.sort() in place."},
                {"from": "human", "value": "And in reverse order?"},
                {"from": "gpt", "value": "Pass reverse=True to either of them."},
            ],
        }
        for n in range(12)
    ]
    (folder / "sharegpt.json").write_text(json.dumps(conversations), encoding="utf-8")
    return folder


def _environment(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WILDCHAT_")}
    env.update(HOME=str(workspace / "home"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", NO_COLOR="1")
    return env


def _fill(command: str, workspace: Path) -> list[str]:
    """Replace the README's placeholders with real arguments a user would give."""
    fillers: dict[str, Callable[[], str]] = {
        "DIR": lambda: str(workspace / f"out-{len(list(workspace.glob('out-*')))}"),
        "FILE": lambda: str(workspace / "messages.jsonl"),
        "N": lambda: "40",
        "PATH": lambda: str(workspace / "sharegpt.json"),
        **train_fillers(workspace),  # DATASET, MODEL, QUESTIONS, NAME, URL: `train` and `eval`
    }
    argv = []
    for word in shlex.split(command)[1:]:
        if word.isupper() or word.endswith("…"):
            key = word.rstrip("…")
            if key not in fillers:
                pytest.fail(f"the README's `{command}` has a placeholder {word} this test cannot fill")
            argv.append(fillers[key]())
        else:
            argv.append(word)
    return [str(ENTRY_POINT), *argv]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def readme_python_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _wait_for_models(base: str) -> None:
    """The embedded model converts and loads in the background (about a minute the first time)."""
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        models = httpx.get(f"{base}/healthz", timeout=5).json()["models"]
        if models and all(models.values()):
            return
        time.sleep(2)
    pytest.fail(f"the default model was not ready within 7 minutes: {models}")


def _run_readme_examples(base: str, workspace: Path, env: dict[str, str]) -> None:
    """The README's Python examples, as a user pastes them, against the service it just started."""
    _wait_for_models(base)
    for number, example in enumerate(readme_python_examples()):
        script = workspace / f"readme_example_{number}.py"
        script.write_text(example.replace("http://127.0.0.1:8000", base), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script)], cwd=workspace, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"README example {number}:\n{done.stdout}{done.stderr}"
        assert done.stdout.strip(), f"README example {number} printed nothing"


def _turn_count(workspace: Path, env: dict[str, str]) -> int:
    if not (workspace / "data" / "wildchat.db").exists():
        return 0
    stats = subprocess.run(
        [str(ENTRY_POINT), "db", "stats"], cwd=workspace, env=env, capture_output=True, text=True
    )
    found = re.search(r"turns: (\d+)", stats.stdout)
    assert found, stats.stdout + stats.stderr
    return int(found.group(1))


def _run_server(argv: list[str], name: str, workspace: Path) -> None:
    path = SERVERS[name]
    env = _environment(workspace)
    port = 8000
    if _port_taken(port):  # another program holds the default: move only the port
        port = _free_port()
        env["WILDCHAT_PORT"] = str(port)
    turns_before = _turn_count(workspace, env)
    process = subprocess.Popen(
        argv, cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert process.poll() is None, f"{argv} exited early:\n{process.communicate()[0]}"
        assert status == 200, f"{argv}: GET {path} gave {status}"
        if name == "serve":
            _run_readme_examples(f"http://127.0.0.1:{port}", workspace, env)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
            pytest.fail(f"{argv} did not stop within 60 s of SIGTERM:\n{output}")
    assert process.returncode == 0, f"{argv} exited {process.returncode} after SIGTERM:\n{output}"
    assert "Traceback" not in output, output
    if name == "serve":  # the README's example withdrew its consent: none of its turns is left
        assert _turn_count(workspace, env) == turns_before


def test_the_readme_lists_the_commands_this_test_knows() -> None:
    names = {_subcommand(c) for c in readme_commands()}
    assert {"serve", "build", "tag", "synth", "db upgrade", "db stats"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("command", _ordered(readme_commands()))
def test_readme_command_runs_with_only_its_required_arguments(command: str, workspace: Path) -> None:
    assert ENTRY_POINT.is_file(), f"the installed entry point is missing: {ENTRY_POINT}"
    argv = _fill(command, workspace)
    name = _subcommand(command)
    if name in SERVERS:
        _run_server(argv, name, workspace)
        return
    done = subprocess.run(
        argv, cwd=workspace, env=_environment(workspace), capture_output=True, text=True, timeout=600
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"`{shlex.join(argv)}` exited {done.returncode}:\n{output}"
    assert "Traceback" not in output, output
