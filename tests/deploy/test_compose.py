"""docker-compose.yml, validated without a Docker engine: the Compose schema after interpolation with
.env.example, every variable defined, a healthcheck and a memory limit on every service, secrets only from .env
and never in a URL, the least-privilege Elasticsearch user, and an API whose environment loads the example
config (the crash loop of issue 18)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator

from config.loader import load_config
from config.settings import get_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA = Path(__file__).with_name("compose-spec.json")
EXAMPLE_CONFIG = ROOT / "config" / "examples" / "yuqing.example.yaml"
#: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a literal dollar.
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
APP_SERVICES = ("api", "scheduler", "worker")
URL_WITH_PASSWORD = re.compile(r"://[^/@\s]+:[^/@\s]+@")


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}: not NAME=value: {line!r}"
        values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution (the subset this file uses); a required variable that is missing fails."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = env.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise AssertionError(f"required variable {name} is not set: {arg}")
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return arg or ""
        return value or ""

    return VARIABLE.sub(one, text)


def strings(node: Any) -> list[str]:
    """Every key and string value of a YAML document (comments are not interpolated, so they do not count)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*strings(k), *strings(v))]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def used_variables(text: str) -> set[str]:
    found = set()
    for value in strings(yaml.safe_load(text)):
        found |= {m.group(1) for m in VARIABLE.finditer(value) if m.group(1)}
    return found


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def compose(env_example: dict[str, str]) -> dict[str, Any]:
    loaded = yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8"), env_example))
    assert isinstance(loaded, dict)
    return loaded


def test_the_file_follows_the_compose_schema(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft201909Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_mistakes(compose: dict[str, Any]) -> None:
    """The validator is not vacuous: a misspelt key and a wrong type are refused."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["helthcheck"] = broken["services"]["api"].pop("healthcheck")
    broken["services"]["worker"]["depends_on"]["api"]["condition"] = "healthy"
    messages = [e.message for e in Draft201909Validator(schema).iter_errors(broken)]
    assert any("helthcheck" in m for m in messages) and any("healthy" in m for m in messages)


def test_every_variable_is_defined_in_env_example(env_example: dict[str, str]) -> None:
    used = used_variables(COMPOSE.read_text(encoding="utf-8"))
    assert used, "the compose file takes its secrets from the environment"
    missing = sorted(used - set(env_example))
    assert not missing, f".env.example lacks {missing}"
    empty = sorted(name for name in used if not env_example[name])
    assert not empty, f".env.example leaves {empty} empty"


def test_env_example_defines_nothing_unused(env_example: dict[str, str]) -> None:
    used = used_variables(COMPOSE.read_text(encoding="utf-8"))
    assert set(env_example) <= used, f"unused in docker-compose.yml: {sorted(set(env_example) - used)}"


def test_every_service_has_a_healthcheck_and_a_memory_limit(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), f"{name} has no healthcheck"
        assert service.get("mem_limit"), f"{name} has no mem_limit"


def test_the_queue_processes_are_checked_by_their_heartbeats(compose: dict[str, Any]) -> None:
    # Queue workers and the scheduler publish heartbeats in Redis; `yuqing workers --check` reads them.
    for name in ("scheduler", "worker"):
        test = compose["services"][name]["healthcheck"]["test"]
        assert test == ["CMD", "yuqing", "workers", "--check", name]
    workerdata = [v for v in compose["services"]["worker"]["volumes"] if v.endswith(":/data")]
    assert workerdata, "the worker keeps its data folder (crawl logs, spool) on a volume"


def test_no_password_sits_in_a_url(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            assert not URL_WITH_PASSWORD.search(str(value)), f"{name}: {key} carries a password in a URL"
    env = compose["services"]["api"]["environment"]
    assert env["YUQING_DATABASE_PASSWORD"] and "@" in env["YUQING_DATABASE_URL"]


def test_secrets_come_from_the_env_file_not_the_compose_file() -> None:
    """Every secret-looking value in the compose file is a ${VARIABLE}, never written out."""
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|KEY|TOKEN|WEBHOOK", key):
                assert str(value).startswith("${"), f"{name}: {key} is written in the compose file"


def test_elasticsearch_superuser_stays_out_of_the_app(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    superuser = env_example["ELASTIC_PASSWORD"]
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert superuser not in env.values(), f"{name} receives the Elasticsearch superuser password"
        assert env["YUQING_ES_USERNAME"] != "elastic"
        assert compose["services"][name]["depends_on"]["es-setup"]["condition"] == "service_completed_successfully"
    setup = compose["services"]["es-setup"]
    assert any(v.startswith("./deploy/es-setup.sh:") for v in setup["volumes"])
    script = (ROOT / "deploy" / "es-setup.sh").read_text(encoding="utf-8")
    assert '"superuser"' not in script and "_security/role/yuqing_app" in script
    subprocess.run(["sh", "-n", str(ROOT / "deploy" / "es-setup.sh")], check=True)


def test_the_image_never_contains_the_env_file() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_app_environment_loads_the_example_config(
    service: str, compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With exactly the environment compose gives the container, the settings and the example config load (the
    API used to crash-loop on ${WECOM_WEBHOOK_URL}) and the stores resolve to the compose services."""
    spec = compose["services"][service]
    assert any(v.endswith(":/app/yuqing.yaml:ro") and v.startswith("./config/examples/") for v in spec["volumes"])
    for name in list(__import__("os").environ):
        if name.startswith("YUQING_") or name in ("WECOM_WEBHOOK_URL", "SMTP_PASSWORD", "OPS_WEBHOOK_SECRET"):
            monkeypatch.delenv(name, raising=False)
    for key, value in spec["environment"].items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("YUQING_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path))  # the image's ENV
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    settings = load_settings()
    config = load_config(EXAMPLE_CONFIG)
    assert config.alerts.channels
    password = spec["environment"]["YUQING_DATABASE_PASSWORD"]
    url = settings.resolved_database_url()
    assert url.startswith("postgresql://yuqing:") and url.endswith("@postgres:5432/yuqing") and password in url
    assert password not in settings.resolved_database_url(with_password=False)
    assert settings.resolved_mention_store_url() == "http://elasticsearch:9200"
    assert settings.es_username == "yuqing" and settings.es_password is not None
    assert settings.engine_api_key() == spec["environment"].get("YUQING_API_CLIENT_KEY", settings.engine_api_key())
    if service == "api":
        assert settings.session_secret is not None
    get_settings.cache_clear()
