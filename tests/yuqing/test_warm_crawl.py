"""The warm crawl child on its own (no Redis): crawls run one after another in one reused process; a child that
dies mid-crawl fails that crawl with ``CrawlChildDied`` and the next crawl gets a new child; a crawl past its
timeout is stopped by killing the child."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.settings import load_settings
from foundation.db import Database
from foundation.health import SourceRunStore
from tests.yuqing.feed_site import FeedSite
from yuqing.queue.warm import CrawlChildDied, WarmCrawler


@dataclass
class Warm:
    crawler: WarmCrawler
    site: FeedSite
    sources: list[str]
    db_url: str


@pytest.fixture
def warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warm]:
    sources = ["feed-a", "feed-b"]
    with FeedSite(delay=0.2) as site:
        entries = "\n".join(
            f"  - {{name: {s}, type: feed, urls: ['{site.url}/feed/{s}.xml'], interval: 1h}}" for s in sources
        )
        config = tmp_path / "yuqing.yaml"
        config.write_text(
            "version: 1\nbrands: [{name: 鲜达外卖, keywords: [鲜达]}]\n"
            "crawl: {download_delay: 0, autothrottle: false, retry_times: 0, timeout_seconds: 60}\n"
            f"sources:\n{entries}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("YUQING_CONFIG", str(config))
        monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
        settings = load_settings()
        crawler = WarmCrawler(settings, tmp_path / "logs", "w-test")
        try:
            yield Warm(crawler, site, sources, settings.resolved_database_url())
        finally:
            crawler.close()


def statuses(warm: Warm, source: str) -> list[tuple[str, str | None]]:
    db = Database(warm.db_url)
    try:
        return [(r.status, r.finish_reason) for r in SourceRunStore(db).runs(source)]
    finally:
        db.close()


@pytest.mark.slow
def test_crawls_run_one_after_another_in_one_reused_child(warm: Warm) -> None:
    warm.crawler.start()
    pid = warm.crawler.pid
    assert pid is not None
    first = [warm.crawler.crawl(s, 60) for s in warm.sources]
    again = [warm.crawler.crawl(s, 60) for s in warm.sources]
    assert [r.status for r in first + again] == ["ok"] * 4
    assert [r.report and r.report["created"] for r in first] == [3, 3]  # the feed site's three posts each
    assert [r.report and r.report["created"] for r in again] == [0, 0]  # the cursor and the store remember
    assert warm.crawler.pid == pid and warm.crawler.started == 1  # the same process did all four
    assert statuses(warm, "feed-a") == [("ok", "finished"), ("ok", "finished")]  # each run recorded
    log = warm.crawler.log_file.read_text(encoding="utf-8")
    assert log.count("crawl of feed-a ok") == 2 and "ready" in log


@pytest.mark.slow
def test_a_child_killed_mid_crawl_fails_that_crawl_and_the_next_gets_a_new_child(warm: Warm) -> None:
    warm.crawler.start()
    pid = warm.crawler.pid
    assert pid is not None
    warm.site.delay = 30  # the crawl hangs on its page

    def kill_mid_crawl() -> None:
        _wait(lambda: warm.site.in_flight["/feed/feed-a.xml"] == 1)
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_mid_crawl)
    killer.start()
    with pytest.raises(CrawlChildDied, match="ended"):
        warm.crawler.crawl("feed-a", 120)
    killer.join()
    assert warm.crawler.pid is None  # no child until the next crawl asks for one
    warm.site.delay = 0.2
    retried = warm.crawler.crawl("feed-a", 60)
    assert retried.status == "ok" and retried.report and retried.report["created"] == 3  # nothing was lost
    assert warm.crawler.pid not in (None, pid) and warm.crawler.started == 2
    # The killed run was recorded when it started: it shows as interrupted, the retry as ok.
    assert statuses(warm, "feed-a") == [("ok", "finished"), ("failed", "interrupted")]


@pytest.mark.slow
def test_a_crawl_past_its_timeout_is_stopped_with_its_child(warm: Warm) -> None:
    warm.crawler.start()
    pid = warm.crawler.pid
    warm.site.delay = 30
    started = time.monotonic()
    result = warm.crawler.crawl("feed-b", 3)
    assert time.monotonic() - started < 20
    assert result.status == "failed" and result.exit_code == -9 and "crawl_timeout" in (result.error or "")
    assert warm.crawler.pid is None
    warm.site.delay = 0.2
    again = warm.crawler.crawl("feed-b", 60)
    assert again.status == "ok", again
    assert warm.crawler.pid not in (None, pid)


@pytest.mark.slow
def test_a_child_started_from_a_lane_thread_outlives_that_thread(warm: Warm) -> None:
    # PR_SET_PDEATHSIG fires when the thread that forked the child ends: a crawl lane's thread must not be it.
    lane = threading.Thread(target=warm.crawler.start, name="lane-w-test+1")
    lane.start()
    lane.join()
    pid = warm.crawler.pid
    assert pid is not None
    time.sleep(1.0)  # the kernel's death signal, had it been armed on the lane's thread, arrives at once
    assert warm.crawler.pid == pid
    result = warm.crawler.crawl("feed-a", 60)
    assert result.status == "ok" and warm.crawler.started == 1


def _wait(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
