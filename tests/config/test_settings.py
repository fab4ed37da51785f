"""Settings: the YAML settings section, overridden by YUQING_* variables; bad values name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from foundation.errors import ConfigError


def test_defaults_are_embedded_sqlite_under_data_dir(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.yaml")
    assert settings.resolved_mention_store_url().endswith("var/mentions.sqlite3")
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.api_url is None and settings.engine_api_key() is None


def test_yaml_section_is_read_relative_to_the_file_and_env_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("settings:\n  data_dir: data\n  api_port: 9001\n  api_keys: [aaaaaaaaaaaaaaaaaaaa]\n")
    settings = load_settings(path)
    assert settings.data_dir == (tmp_path / "data").resolve()
    assert settings.api_port == 9001
    assert settings.engine_api_key() == "a" * 20
    monkeypatch.setenv("YUQING_API_PORT", "9002")
    monkeypatch.setenv("YUQING_API_KEYS", "bbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccc")
    settings = load_settings(path)
    assert settings.api_port == 9002
    assert [k.get_secret_value() for k in settings.api_keys] == ["b" * 20, "c" * 20]


def test_bad_setting_names_key_and_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_API_PORT", "99999")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "none.yaml")
    assert "settings.api_port" in str(info.value) and "YUQING_API_PORT" in str(info.value)


def test_short_api_keys_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_API_KEYS", "short")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_settings(tmp_path / "none.yaml")


def test_settings_section_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("settings: [1, 2]\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_settings(path)
