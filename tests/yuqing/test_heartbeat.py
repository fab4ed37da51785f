"""The worker's heartbeat and the healthcheck that reads it (docker-compose.yml's worker healthcheck)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import Settings
from yuqing import heartbeat


def test_a_fresh_heartbeat_is_healthy_a_stale_or_missing_one_is_not(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert "has not started" in (heartbeat.check(tmp_path, now=now) or "")
    heartbeat.beat(tmp_path, now - timedelta(seconds=30))
    assert heartbeat.check(tmp_path, timedelta(minutes=5), now=now) is None
    problem = heartbeat.check(tmp_path, timedelta(minutes=5), now=now + timedelta(minutes=10))
    assert problem is not None and "630s ago" in problem
    heartbeat.heartbeat_path(tmp_path).write_text("garbage", encoding="utf-8")
    assert "unreadable" in (heartbeat.check(tmp_path, now=now) or "")
    assert [p.name for p in tmp_path.iterdir()] == [heartbeat.FILE_NAME]  # no temporary file left behind


def test_the_healthcheck_command_exits_by_the_heartbeat(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "yuqing.heartbeat", "--data-dir", str(tmp_path), "--max-age", "300"]
    missing = subprocess.run(command, capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "worker unhealthy" in missing.stderr
    heartbeat.beat(tmp_path)
    assert subprocess.run(command, capture_output=True, text=True, check=False).returncode == 0


def test_the_worker_loop_beats(tmp_path: Path) -> None:
    from api.resources import Resources
    from config.loader import parse_config
    from tests.factories import BRANDS_YAML
    from yuqing.worker import Worker

    settings = Settings(data_dir=tmp_path, config=tmp_path / "c.yaml")
    resources = Resources.open(settings, parse_config(BRANDS_YAML))
    try:
        worker = Worker(settings, resources.config, resources)

        async def run_briefly() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run_forever(stop))
            for _ in range(100):
                await asyncio.sleep(0.05)
                if heartbeat.heartbeat_path(tmp_path).exists():
                    break
            stop.set()
            await asyncio.wait_for(task, timeout=30)
            await worker.aclose()

        asyncio.run(run_briefly())
        assert heartbeat.check(tmp_path, timedelta(seconds=60)) is None
    finally:
        resources.close()


@pytest.mark.parametrize("url", ["postgresql://yuqing@db:5432/yuqing", "postgresql+psycopg://yuqing@db/yuqing"])
def test_the_database_password_is_kept_out_of_the_url_until_connecting(url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=url, database_password="p@ss:/word")
    full = settings.resolved_database_url()
    from sqlalchemy.engine import make_url

    assert make_url(full).password == "p@ss:/word"
    assert settings.resolved_database_url(with_password=False) == url
    from yuqing.worker import settings_env

    env = settings_env(settings)
    assert env["YUQING_DATABASE_URL"] == url and env["YUQING_DATABASE_PASSWORD"] == "p@ss:/word"
    explicit = Settings(data_dir=tmp_path, database_url="postgresql://u:inurl@db/y", database_password="x")
    assert make_url(explicit.resolved_database_url()).password == "inurl"
