from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wildchat.config import Settings, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'wildchat.db'}"
    assert settings.resolved_secret_file == tmp_path / "secret.key"
    assert settings.port == 8000 and settings.host == "127.0.0.1"


def test_environment_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wildchat.toml"
    config.write_text(
        'port = 9000\nupstream_base_url = "http://toml/v1"\n'
        "[ip_rate]\nper_minute = 5\nburst = 2\n"
        '[[models]]\nname = "local"\nbackend = "embedded"\npath = "/models/x.gguf"\n'
    )
    monkeypatch.setenv("WILDCHAT_UPSTREAM_BASE_URL", "http://env/v1")
    monkeypatch.setenv("WILDCHAT_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    monkeypatch.setenv("WILDCHAT_UPSTREAM_MODELS", "a,b")
    monkeypatch.setenv("WILDCHAT_PARTICIPANT_RATE__BURST", "7")
    monkeypatch.setenv("WILDCHAT_PARTICIPANT_RATE__PER_MINUTE", "70")
    settings = load_settings(config)
    assert settings.port == 9000
    assert settings.upstream_base_url == "http://env/v1"  # the environment wins over the file
    assert settings.trusted_proxies == ["10.0.0.1", "192.168.0.0/16"]
    assert settings.upstream_models == ["a", "b"]
    assert (settings.ip_rate.per_minute, settings.ip_rate.burst) == (5, 2)
    assert settings.participant_rate.burst == 7
    assert settings.models[0].path == "/models/x.gguf"


def test_bad_values_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WILDCHAT_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings()
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.toml")


def test_model_defaults_from_toml_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wildchat.toml"
    config.write_text('[model_defaults."qwen-local"]\ntemperature = 0.7\ntop_p = 0.8\n')
    assert load_settings(config).model_defaults["qwen-local"].values() == {"temperature": 0.7, "top_p": 0.8}
    monkeypatch.setenv("WILDCHAT_MODEL_DEFAULTS", '{"gpt-4o-mini": {"temperature": 0.3}}')
    assert Settings().model_defaults["gpt-4o-mini"].values() == {"temperature": 0.3}
    # A misspelt setting or one out of OpenAI's range is an error, not silently ignored.
    for bad in ('{"m": {"temprature": 0.3}}', '{"m": {"top_p": 1.5}}'):
        monkeypatch.setenv("WILDCHAT_MODEL_DEFAULTS", bad)
        with pytest.raises(ValidationError):
            Settings()
