"""Runtime settings: where data lives, which stores to use, API keys.

Values come, highest priority first, from ``YUQING_*`` environment variables, a ``.env`` file, and the
``settings:`` section of the YAML config file named by ``YUQING_CONFIG``. Everything else in the YAML file
(brands, sources, rules) is read by :mod:`config.loader`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from foundation.errors import ConfigError, ConfigProblem

DEFAULT_CONFIG_FILE = "yuqing.yaml"


class Settings(BaseSettings):
    """Typed settings; each field is also the environment variable ``YUQING_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="YUQING_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    config: Path | None = Field(
        default=None, description="YAML config file (brands, sources, rules). Default: ./yuqing.yaml"
    )
    data_dir: Path = Field(default=Path("var"), description="Folder for the embedded SQLite stores and logs.")
    mention_store_url: str | None = Field(
        default=None,
        description="Mention index: sqlite:///path (embedded, the default under data_dir) or "
        "http(s)://host:9200 for Elasticsearch.",
    )
    database_url: str | None = Field(
        default=None,
        description="Tickets and alert state: sqlite:///path (default under data_dir) or postgresql://...",
    )
    database_password: SecretStr | None = Field(
        default=None,
        description="Password for database_url, kept out of the URL (and so out of logs, process lists and "
        "`docker inspect` of the URL); a password written in the URL itself wins.",
    )
    es_index_prefix: str = Field(default="yuqing", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    es_api_key: SecretStr | None = None
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_timeout_seconds: float = Field(default=30.0, gt=0)

    retention_days: int | None = Field(
        default=None, ge=1, description="Raw mention text older than this is purged (yuqing privacy purge)."
    )

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Keys accepted by the API; comma-separated in the environment."
    )
    api_url: str | None = Field(
        default=None,
        description="Where the alert engine sends tickets. Unset: the API runs in the same process (embedded).",
    )
    api_client_key: SecretStr | None = Field(
        default=None, description="Key the alert engine uses; defaults to the first of api_keys."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    redis_url: str | None = Field(
        default=None,
        pattern=r"^(redis|rediss|unix)://",
        description="The work queue (redis://host:6379/0) shared by `yuqing scheduler` and `yuqing worker`. "
        "Unset: `yuqing run` does everything in one process.",
    )

    # The dashboard's browser sessions (api/routers/session.py, dashboard/session.py).
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key (32+ characters) that signs dashboard session cookies. Unset: a random key per process, "
        "so a restart logs everyone out and several API processes do not accept each other's sessions.",
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 7, description="How long a dashboard login lasts.")
    session_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookie Secure. Unset: when the request came over https (behind a proxy, "
        "run uvicorn with --proxy-headers so it knows).",
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed dashboard logins allowed per client address within the window."
    )
    login_window_seconds: int = Field(default=300, ge=1, description="The window of login_max_failures.")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_long_enough(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            if len(key.get_secret_value()) < 16:
                raise ValueError("every API key must be at least 16 characters long")
        return value

    @field_validator("session_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("the session secret must be at least 32 characters long")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file's values arrive as init arguments; the environment must win over them.
        return env_settings, dotenv_settings, init_settings, file_secret_settings

    # -- derived values -------------------------------------------------------------------------------------
    def resolved_mention_store_url(self) -> str:
        """The mention store URL, defaulting to an SQLite file under ``data_dir``."""
        return self.mention_store_url or f"sqlite:///{(self.data_dir / 'mentions.sqlite3').as_posix()}"

    def resolved_database_url(self, *, with_password: bool = True) -> str:
        """The relational database URL, defaulting to an SQLite file under ``data_dir``, with
        ``database_password`` put in (unless ``with_password`` is false or the URL already has one)."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'yuqing.sqlite3').as_posix()}"
        if not with_password or self.database_password is None or url.startswith("sqlite"):
            return url
        from sqlalchemy.engine import make_url  # local import: settings load before anything touches a database

        parsed = make_url(url)
        if parsed.password is not None:
            return url
        return parsed.set(password=self.database_password.get_secret_value()).render_as_string(hide_password=False)

    def engine_api_key(self) -> str | None:
        """The key the alert engine presents to the ticket API."""
        if self.api_client_key is not None:
            return self.api_client_key.get_secret_value()
        return self.api_keys[0].get_secret_value() if self.api_keys else None

    def config_path(self) -> Path:
        """The YAML config file this process uses."""
        return self.config or Path(DEFAULT_CONFIG_FILE)


def _yaml_settings_section(path: Path) -> dict[str, Any]:
    """Read the ``settings:`` mapping of a YAML config; relative paths are taken from the file's folder."""
    from config.text import read_config_text  # local import, as for the loader below

    try:
        text = read_config_text(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(str(path), [ConfigProblem("", f"cannot read file: {exc.strerror}")]) from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        # The full loader reports syntax errors with their position; settings just fall back to defaults.
        return {}
    section = data.get("settings") if isinstance(data, dict) else None
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ConfigError(str(path), [ConfigProblem("settings", "must be a mapping of setting names to values")])
    from config.loader import expand_env, non_finite  # local import: loader imports the (heavier) config models

    section = expand_env(section, str(path), ("settings",))
    infinite = [
        ConfigProblem(f"settings.{'.'.join(map(str, p))}", "must be a finite number") for p in non_finite(section)
    ]
    if infinite:
        raise ConfigError(str(path), infinite)
    for key in ("data_dir", "es_ca_certs"):
        value = section.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            section[key] = str((path.parent / value).resolve())
    url = section.get("mention_store_url"), section.get("database_url")
    for key, value in zip(("mention_store_url", "database_url"), url, strict=True):
        if isinstance(value, str) and value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
            rel = value.removeprefix("sqlite:///")
            section[key] = f"sqlite:///{(path.parent / rel).resolve().as_posix()}"
    section.pop("config", None)
    return dict(section)


def load_settings(config_file: Path | None = None) -> Settings:
    """Build settings from the environment plus the ``settings:`` section of the config file."""
    env_config = os.environ.get("YUQING_CONFIG")
    path = config_file or (Path(env_config) if env_config else Path(DEFAULT_CONFIG_FILE))
    section = _yaml_settings_section(path)
    try:
        settings = Settings(**section)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            origin = f" (environment variable YUQING_{key.upper()} or settings.{key})"
            problems.append(ConfigProblem(f"settings.{key}", err["msg"] + origin))
        raise ConfigError(str(path), problems) from exc
    if settings.config is None:
        settings = settings.model_copy(update={"config": path})
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` after changing the environment)."""
    return load_settings()
