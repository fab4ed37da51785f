"""docker-compose.yml cannot run here (no Docker engine); check that what it says is coherent with the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_services_healthchecks_and_dependencies() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"elasticsearch", "es-setup", "postgres", "redis", "api", "scheduler", "worker"}
    for name in services:
        assert "healthcheck" in services[name], name
    assert services["es-setup"]["depends_on"] == {"elasticsearch": {"condition": "service_healthy"}}
    for name in ("scheduler", "worker"):
        # The app waits for the least-privilege Elasticsearch user (es-setup runs once Elasticsearch is healthy).
        assert services[name]["depends_on"] == {
            "es-setup": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "api": {"condition": "service_healthy"},
        }
        assert services[name]["environment"]["YUQING_REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["healthcheck"]["test"] == ["CMD", "yuqing", "workers", "--check", name]
    assert services["scheduler"]["command"] == ["yuqing", "scheduler"]
    assert services["worker"]["command"] == ["yuqing", "worker"]
    # `--scale worker=N` needs replicas without a fixed name or host port.
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]
    assert services["elasticsearch"]["image"].split(":")[1].startswith(("8.", "9."))


def test_every_yuqing_variable_is_a_real_setting() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    fields = {f"YUQING_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "scheduler", "worker"):
        for variable in compose["services"][name]["environment"]:
            if variable.startswith("YUQING_") and variable != "YUQING_API_KEY":
                assert variable in fields, (name, variable)
    worker_env = compose["services"]["worker"]["environment"]
    assert worker_env["YUQING_API_URL"] == "http://api:8000"
    assert worker_env["YUQING_MENTION_STORE_URL"].startswith("http://elasticsearch:9200")
    assert worker_env["YUQING_DATABASE_URL"].startswith("postgresql://")
