from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wildchat.config import ConfigError, Settings, load_settings, unknown_environment


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


def test_one_field_of_a_rate_limit_keeps_the_others_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The documented example, WILDCHAT_IP_RATE__BURST=20, stopped the service: per_minute missing.
    monkeypatch.setenv("WILDCHAT_IP_RATE__BURST", "20")
    settings = Settings()
    assert (settings.ip_rate.per_minute, settings.ip_rate.burst) == (120, 20)
    config = tmp_path / "wildchat.toml"
    config.write_text("[consent_rate]\nburst = 2\n[ip_rate]\nper_minute = 60\n")
    settings = load_settings(config)
    assert (settings.consent_rate.per_minute, settings.consent_rate.burst) == (10, 2)
    assert (settings.ip_rate.per_minute, settings.ip_rate.burst) == (60, 20)  # file and variable


def test_unknown_keys_in_the_file_are_named_with_the_closest_setting(tmp_path: Path) -> None:
    config = tmp_path / "wildchat.toml"
    config.write_text(
        "max_mesages = 10\n[ip_rate]\nburts = 3\n"
        '[[models]]\nname = "x"\nbackend = "upstream"\nupstrem_model = "y"\n'
        '[model_defaults."q"]\ntemprature = 0.5\n'
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    message = str(refused.value)
    assert str(config) in message
    for unknown, closest in [
        ("max_mesages", "max_messages"),
        ("ip_rate.burts", "burst"),
        ("models[0].upstrem_model", "upstream_model"),
        ('model_defaults."q".temprature', "temperature"),
    ]:
        assert f"unknown setting '{unknown}' (did you mean '{closest}'?)" in message


def test_unknown_environment_variables_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {
        "WILDCHAT_MAX_MESAGES": "3",
        "WILDCHAT_IP_RATE__BURTS": "3",
        "wildchat_port": "9000",  # read case-insensitively, as the settings are
        "WILDCHAT_IP_RATE__BURST": "3",
        "WILDCHAT_CONFIG": "x.toml",
        "WILDCHATTER": "not ours",
    }
    assert unknown_environment(environ) == [
        "WILDCHAT_MAX_MESAGES is not a setting (did you mean 'WILDCHAT_MAX_MESSAGES'?)",
        "WILDCHAT_IP_RATE__BURTS is not a setting (did you mean 'WILDCHAT_IP_RATE__BURST'?)",
    ]


def test_unreadable_settings_are_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wildchat.toml"
    config.write_text("port = [oops\n")
    with pytest.raises(ConfigError, match=r"wildchat\.toml is not valid TOML: .*line 1"):
        load_settings(config)
    monkeypatch.setenv("WILDCHAT_CONFIG", "")  # load_settings(config) named the file for workers
    monkeypatch.setenv("WILDCHAT_MODEL_DEFAULTS", "{bad")
    with pytest.raises(ConfigError, match="WILDCHAT_MODEL_DEFAULTS is not valid JSON"):
        load_settings()


def test_a_config_file_named_by_the_environment_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WILDCHAT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.toml \(from WILDCHAT_CONFIG\)"):
        load_settings()
    monkeypatch.setenv("WILDCHAT_CONFIG", "")  # empty: no file at all
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wildchat.toml").write_text("port = 1\n")
    assert load_settings().port == 8000
    monkeypatch.delenv("WILDCHAT_CONFIG")
    assert load_settings().port == 1  # unset: ./wildchat.toml


def test_port_is_a_port() -> None:
    for port in (-1, 65536):
        with pytest.raises(ValidationError, match="port"):
            Settings(port=port)
