"""Crawl runs are recorded when they start: a killed crawl shows as failed, the next run resumes without
duplicates; ``yuqing crawl`` says what happened in its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foundation.db import Database
from foundation.health import INTERRUPTED, RUN_RUNNING, RunReport, SourceRun, SourceRunStore, SourceState
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore

SOURCE = """
- name: forum
  type: html
  start_urls: ["{url}"]
  item: "css:li.post"
  next_page: "css:a.next::attr(href)"
  backfill: 36500d
  fields:
    id: "xpath:@data-pid"
    text: "css:p.body"
"""

POSTS = ["先达手机续航很差，两天就要充电", "先达的客服态度很好，点赞！", "先达外卖送餐太慢了", "XianDa refund ignored"]


def _page(posts: list[tuple[str, str]], next_url: str | None) -> str:
    items = "".join(f'<li class="post" data-pid="{pid}"><p class="body">{text}</p></li>' for pid, text in posts)
    link = f'<a class="next" href="{next_url}">下一页</a>' if next_url else ""
    return f"<html><body><ul>{items}</ul>{link}</body></html>"


def _env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_CONFIG"] = str(config)
    return env


def _mentions(tmp_path: Path) -> int:
    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    try:
        return store.count(MentionFilter())
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_mid_crawl_marks_the_run_failed_and_the_next_run_resumes_without_duplicates(
    server, crawl_config, crawl, tmp_path
):
    first_page = [(f"a{i}", f"{POSTS[i % 4]}（{i}）") for i in range(6)]
    second_page = [(f"b{i}", f"{POSTS[i % 4]}【{i}】") for i in range(6)]
    hang = {"on": True}

    def slow_second_page(_hit: object) -> str:
        while hang["on"]:  # the site hangs on page 2 until the test lets it go
            time.sleep(0.1)
        return _page(second_page, None)

    server.route("/robots.txt", server.Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.route("/forum", _page(first_page, "/forum2"))
    server.handle("/forum2", slow_second_page)
    path, config = crawl_config(SOURCE.format(url=server.url("/forum")))

    proc = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "crawl", "forum", "--json"],
        env=_env(path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not server.hits_to("/forum2"):
            assert proc.poll() is None, "the crawl ended before reaching page 2"
            assert time.monotonic() < deadline, "the crawl never reached page 2"
            time.sleep(0.1)
        db = Database(config.settings["database_url"])
        try:
            open_run = SourceRunStore(db).runs("forum")[0]
            assert open_run.status == RUN_RUNNING, "the run is recorded when it starts"
        finally:
            db.close()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        hang["on"] = False
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)

    db = Database(config.settings["database_url"])
    try:
        health = SourceRunStore(db).health(["forum"])["forum"]
        assert health.state is SourceState.failing
        assert "ended without closing its run" in (health.last_error or "")
    finally:
        db.close()

    report = crawl(path, "forum").report  # the site answers again

    assert report["status"] == "ok", report
    assert _mentions(tmp_path) == len(first_page) + len(second_page), "every post once, none twice"
    db = Database(config.settings["database_url"])
    try:
        runs = SourceRunStore(db).runs("forum")
        assert [r.status for r in runs] == ["ok", "failed"]
        assert runs[1].finish_reason == INTERRUPTED and runs[1].finished_at is not None
    finally:
        db.close()


def test_a_running_record_of_a_dead_process_or_too_old_counts_as_failed(tmp_path: Path):
    db = Database(f"sqlite:///{(tmp_path / 'y.sqlite3').as_posix()}")
    db.migrate()
    try:
        store = SourceRunStore(db)
        now = datetime.now(UTC)
        store.start("alive", now)  # this process: alive
        with db.transaction() as s:
            s.add(
                SourceRun(
                    source="dead",
                    started_at=now,
                    status=RUN_RUNNING,
                    finish_reason="pid:999999999@" + os.uname().nodename,
                )
            )
            s.add(
                SourceRun(
                    source="old",
                    started_at=now - timedelta(days=1),
                    status=RUN_RUNNING,
                    finish_reason="pid:1@elsewhere",
                )
            )
        health = store.health(["alive", "dead", "old"])
        assert health["alive"].state is SourceState.never_run  # in progress: nothing to say yet
        assert health["dead"].state is SourceState.failing
        assert health["old"].state is SourceState.failing
    finally:
        db.close()


@pytest.mark.parametrize(("status", "code"), [("ok", 0), ("degraded", 5), ("failed", 1), ("needs_credentials", 4)])
def test_crawl_exit_codes_say_what_happened(status: str, code: int, crawl_config, monkeypatch, server):
    import crawlers.runner
    from yuqing.cli import app

    path, _ = crawl_config(SOURCE.format(url=server.url("/forum")))
    now = datetime.now(UTC)
    monkeypatch.setattr(crawlers.runner, "crawl", lambda *a, **k: RunReport("forum", now, now, status))
    result = CliRunner().invoke(app, ["--config", str(path), "crawl", "forum", "--json"])
    assert result.exit_code == code, result.output
