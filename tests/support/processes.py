"""The loopback upstream and `wildchat serve` as real subprocesses, for tests and benchmarks.

Every process is started in its own session (so one signal reaches the uvicorn workers too),
with stdout/stderr captured to files, and is registered until it is stopped: the context
managers stop it on the way out however the block ends, an `atexit` hook kills whatever is left,
and a watchdog process kills the whole group if the runner itself dies (even by SIGKILL).

    with running_upstream(tmp_path, delay_s=0.01) as upstream:
        with running_service(tmp_path, upstream.api_url) as service:
            ...                      # service.url, service.api_url, service.kill(), service.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.loopback_upstream import free_port

LOOPBACK_SCRIPT = Path(__file__).with_name("loopback_upstream.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
# Rate limits high enough that load tests measure the service, not the limiter.
UNLIMITED_RATES: dict[str, str] = {
    f"WILDCHAT_{scope}_RATE__{field}": "100000"
    for scope in ("PARTICIPANT", "IP", "CONSENT")
    for field in ("PER_MINUTE", "BURST")
}

_LIVE: set[ManagedProcess] = set()


# Reads its stdin, a pipe only this process writes to: EOF means the runner is gone (however it
# died), and the process group it watches goes with it.
WATCHDOG = (
    "import os, signal, sys\n"
    "sys.stdin.buffer.read()\n"
    "try:\n"
    "    os.killpg(int(sys.argv[1]), signal.SIGKILL)\n"
    "except OSError:\n"
    "    pass\n"
)


def _watchdog(pgid: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WATCHDOG, str(pgid)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outside the group it watches, and away from terminal signals
    )


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any WILDCHAT_* variable, plus `extra`.

    WILDCHAT_CONFIG is empty, so no config file is read, not even a developer's ./wildchat.toml.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WILDCHAT_")}
    env["WILDCHAT_CONFIG"] = ""
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class ManagedProcess:
    """A subprocess leading its own process group, with its output captured to files."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.argv = list(argv)
        self.stdout_path = log_dir / f"{name}.stdout.log"
        self.stderr_path = log_dir / f"{name}.stderr.log"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=dict(env),
                cwd=REPO_ROOT,
                start_new_session=True,  # pgid == pid: signals reach the whole group
            )
        self.pgid = self.proc.pid
        _LIVE.add(self)
        self._watchdog = _watchdog(self.pgid)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> int:
        """SIGKILL the whole group at once (a crash): no shutdown code runs anywhere."""
        self.signal_group(signal.SIGKILL)
        code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        self._reap_group()
        return code

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM (a graceful stop), then SIGKILL if the group is not gone within `timeout`."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return self.kill()
        self._reap_group()
        return code

    def _reap_group(self) -> None:
        """Kill what is left of the group (e.g. workers of a killed supervisor) and forget it."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.02)  # orphans are reaped by init; zombies may linger briefly
        if self._watchdog.poll() is None:
            self._watchdog.kill()  # the group is gone: its pgid must not be signalled later
            self._watchdog.wait()
        if self._watchdog.stdin is not None:
            self._watchdog.stdin.close()
        _LIVE.discard(self)

    def cleanup(self) -> None:
        """Make sure nothing of this process is left running (idempotent)."""
        if self.alive():
            self.signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=STOP_TIMEOUT_S)
        self._reap_group()

    def output(self) -> bytes:
        """Everything the process wrote to stdout and stderr so far."""
        return self.stdout_path.read_bytes() + self.stderr_path.read_bytes()

    def stderr_tail(self, chars: int = 4000) -> str:
        return self.stderr_path.read_text(errors="replace")[-chars:]

    def log_events(self) -> list[dict[str, Any]]:
        """The JSON log lines on stderr, parsed (other lines are skipped)."""
        events: list[dict[str, Any]] = []
        for line in self.stderr_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    events.append(entry)
        return events


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        process.cleanup()


class UpstreamProcess(ManagedProcess):
    def __init__(self, port: int, delay_s: float, log_dir: Path, name: str) -> None:
        argv = [sys.executable, str(LOOPBACK_SCRIPT), "--port", str(port), "--delay", str(delay_s)]
        super().__init__(name, argv, child_env(), log_dir)
        self.url = f"http://127.0.0.1:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v1"


class ServiceProcess(ManagedProcess):
    def __init__(
        self, port: int, argv: Sequence[str], env: Mapping[str, str], log_dir: Path, name: str
    ) -> None:
        super().__init__(name, argv, env, log_dir)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v1"


def _wait_ready(process: ManagedProcess, url: str, timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while True:
            if not process.alive():
                raise RuntimeError(
                    f"{process.name} exited with {process.returncode} before it was ready:\n"
                    f"{process.stderr_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} not ready after {timeout_s} s:\n{process.stderr_tail()}")
            time.sleep(0.05)


_Started = TypeVar("_Started", UpstreamProcess, ServiceProcess)


def _start_with_retries(build: Callable[[int], _Started], ready_path: str, attempts: int = 3) -> _Started:
    """Start on a fresh free port; another process may take the port first, so try again."""
    problem: Exception | None = None
    for _ in range(attempts):
        process = build(free_port())
        try:
            _wait_ready(process, process.url + ready_path)
            return process
        except BaseException as exc:
            process.cleanup()
            if not isinstance(exc, RuntimeError) or "address already in use" not in str(exc).lower():
                raise
            problem = exc
    raise RuntimeError(f"could not find a free port: {problem}")


def start_upstream(log_dir: Path, delay_s: float = 0.0, name: str = "upstream") -> UpstreamProcess:
    """The loopback upstream (tests/support/loopback_upstream.py) on a free port, ready."""
    return _start_with_retries(lambda port: UpstreamProcess(port, delay_s, log_dir, name), "/v1/models")


def service_env(
    upstream_api_url: str,
    trusted_proxies: str | None = "127.0.0.1",
    unlimited: bool = True,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    values = {
        "WILDCHAT_UPSTREAM_BASE_URL": upstream_api_url,
        "WILDCHAT_UPSTREAM_API_KEY": "loopback-key",
        "WILDCHAT_DEFAULT_MODEL": "loopback",
    }
    if unlimited:
        values.update(UNLIMITED_RATES)
    if trusted_proxies:
        values["WILDCHAT_TRUSTED_PROXIES"] = trusted_proxies
    values.update(extra or {})
    return child_env(values)


def wildchat_command() -> list[str]:
    script = Path(sys.executable).with_name("wildchat")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "wildchat.cli"]


def start_service(
    data_dir: Path,
    upstream_api_url: str,
    *,
    log_dir: Path | None = None,
    database_url: str | None = None,
    workers: int = 1,
    trusted_proxies: str | None = "127.0.0.1",
    unlimited: bool = True,
    env: Mapping[str, str] | None = None,
    name: str = "service",
) -> ServiceProcess:
    """`wildchat serve` on a free port with a loopback upstream, ready (GET /healthz is 200)."""
    log_dir = log_dir or data_dir.parent / "logs"
    environment = service_env(upstream_api_url, trusted_proxies, unlimited, env)

    def build(port: int) -> ServiceProcess:
        argv = [*wildchat_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--data-dir", str(data_dir), "--workers", str(workers)]
        if database_url:
            argv += ["--database-url", database_url]
        return ServiceProcess(port, argv, environment, log_dir, name)

    return _start_with_retries(build, "/healthz")


@contextlib.contextmanager
def running_upstream(
    log_dir: Path, delay_s: float = 0.0, name: str = "upstream"
) -> Iterator[UpstreamProcess]:
    process = start_upstream(log_dir, delay_s, name)
    try:
        yield process
    finally:
        process.stop()
        process.cleanup()


@contextlib.contextmanager
def running_service(data_dir: Path, upstream_api_url: str, **options: Any) -> Iterator[ServiceProcess]:
    """`start_service`, stopped (SIGTERM, then SIGKILL) however the block ends."""
    process = start_service(data_dir, upstream_api_url, **options)
    try:
        yield process
    finally:
        process.stop()
        process.cleanup()


def consent(client: httpx.Client, url: str, headers: Mapping[str, str] | None = None) -> str:
    """A fresh participant's API key."""
    response = client.post(
        url + "/api/consent", json={"agree_terms": True, "agree_publication": True}, headers=headers
    )
    response.raise_for_status()
    key: str = response.json()["api_key"]
    return key
