"""Several processes starting at once on a fresh data directory: one migrates, the others wait, all work.

Without the migration lock, SQLite answered "database is locked" to all but one of four ``yuqing db upgrade``
processes started together (and PostgreSQL could run the same DDL twice).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = "brands:\n  - name: 先达\n    keywords: [先达]\nsettings:\n  data_dir: {data}\n"


@pytest.mark.slow
def test_four_processes_on_a_fresh_data_directory_all_succeed(tmp_path: Path, database_url: str):
    config = tmp_path / "yuqing.yaml"
    config.write_text(CONFIG.format(data=(tmp_path / "data").as_posix()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_CONFIG"] = str(config)
    if not database_url.startswith("sqlite"):
        env["YUQING_DATABASE_URL"] = database_url  # PostgreSQL: the advisory lock serialises the migration
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "yuqing", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    after = subprocess.run(
        [sys.executable, "-m", "yuqing", "sources"], env=env, capture_output=True, text=True, timeout=120
    )
    assert after.returncode == 0, after.stdout + after.stderr
