"""Every config mistake ends with the file, the key (or line) and the problem, and exit code 2 — through the
real ``yuqing`` process, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from foundation.timeutil import MAX_DURATION, parse_duration

BRANDS = "brands:\n  - name: 先达\n    keywords: [先达]\n"
FEED = "sources:\n  - name: f\n    type: feed\n    urls: [http://127.0.0.1:9/x]\n"

CASES = [
    # (name, file bytes, command, what the message must name)
    (
        "gbk",
        ("brands:\n  - name: 先达\n    keywords: [先达]\n").encode("gbk"),
        ["config", "check"],
        ["line 2", "not UTF-8"],
    ),
    ("gbk-crawl", (BRANDS + FEED).encode("gbk"), ["crawl", "f"], ["not UTF-8"]),
    ("utf16", (BRANDS + FEED).encode("utf-16"), ["sources"], ["UTF-16"]),
    (
        "huge-interval",
        (BRANDS + FEED + "    interval: 10000000d\n").encode(),
        ["crawl", "f"],
        ["sources[0].interval", "too long"],
    ),
    (
        "overflowing",
        (BRANDS + "scheduler:\n  crawl_timeout: 99999999999999999999d\n").encode(),
        ["config", "check"],
        ["scheduler.crawl_timeout"],
    ),
    (
        "infinite",
        (BRANDS + "crawl:\n  download_delay: 1.0e400\n").encode(),
        ["config", "check"],
        ["crawl.download_delay", "finite"],
    ),
    (
        "nan-setting",
        (BRANDS + "settings:\n  es_timeout_seconds: .nan\n").encode(),
        ["config", "check"],
        ["settings.es_timeout_seconds"],
    ),
    ("wrong-type", (BRANDS + "crawl:\n  max_pages: many\n").encode(), ["config", "check"], ["crawl.max_pages"]),
    (
        "unknown-key",
        (BRANDS + "crawl:\n  max_pagez: 3\n").encode(),
        ["config", "check"],
        ["crawl.max_pagez", "not a known option"],
    ),
    ("not-a-mapping", b"- just\n- a list\n", ["config", "check"], ["YAML mapping"]),
    (
        "reply-sms-url",
        (BRANDS + "tickets:\n  replies:\n    sms:\n      url: gateway.local/send\n").encode(),
        ["config", "check"],
        ["tickets.replies.sms.url"],
    ),
    (
        "reply-email-half-login",
        (
            BRANDS + "tickets:\n  replies:\n    email:\n      host: 127.0.0.1\n      sender: kf@brand.example\n"
            "      username: kf\n"
        ).encode(),
        ["config", "check"],
        ["tickets.replies.email", "username and password"],
    ),
]


@pytest.mark.parametrize(("name", "body", "command", "needles"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_config_exits_2_naming_file_key_and_problem(
    tmp_path: Path, name: str, body: bytes, command: list[str], needles: list[str]
):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "yuqing", "--config", str(path), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = " ".join((result.stdout + result.stderr).split())  # rich wraps long lines
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "config error" in output and path.name in output, output
    for needle in needles:
        assert needle in output, (needle, output)


def test_durations_are_bounded_and_finite():
    assert parse_duration("36500d") == timedelta(days=36500)  # a long backfill is fine
    for bad in ("36601d", "10000000d", float("inf"), float("nan"), 1e300):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert timedelta(days=36600) == MAX_DURATION
