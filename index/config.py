"""The index's own config section: how to reach Elasticsearch.

The index never reads the application's settings itself; the roof hands it an object with these attributes
(``config.settings.Settings`` has them, read from ``YUQING_ES_*``), or nothing, for the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr


class ElasticOptions(Protocol):
    """Credentials, TLS options, timeout and index prefix of an Elasticsearch connection."""

    @property
    def es_index_prefix(self) -> str: ...
    @property
    def es_api_key(self) -> SecretStr | None: ...
    @property
    def es_username(self) -> str | None: ...
    @property
    def es_password(self) -> SecretStr | None: ...
    @property
    def es_ca_certs(self) -> Path | None: ...
    @property
    def es_verify_certs(self) -> bool: ...
    @property
    def es_timeout_seconds(self) -> float: ...


@dataclass(frozen=True)
class DefaultElasticOptions:
    """No credentials, verified TLS, 30 s, prefix ``yuqing``: what an unconfigured connection uses."""

    es_index_prefix: str = "yuqing"
    es_api_key: SecretStr | None = None
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_timeout_seconds: float = 30.0
