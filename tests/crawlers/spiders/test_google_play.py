"""Real crawls of a local server answering Google Play's batchexecute POSTs: token paging, incremental runs,
429/5xx, robots.txt and a changed answer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

RPC = "/_/PlayStoreUi/data/batchexecute"
APP = "com.xianda.life"
NOW = datetime.now(UTC).replace(microsecond=0)


def answer(body: str, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type="application/json; charset=utf-8", headers=headers)


class FakePlay:
    """Answers the ``UsvDTd`` RPC like Google Play: newest first, ``count`` a call, an opaque token to go on."""

    def __init__(self, server: Any, count: int):
        self.reviews = [(f"r{i:03d}", NOW - timedelta(hours=i + 1)) for i in range(count)]
        self.requests: list[tuple[str, int, str | None]] = []  # (app, count, token) of each call
        server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))

    def add_newer(self, review_id: str, at: datetime) -> None:
        self.reviews.insert(0, (review_id, at))

    def __call__(self, hit: Any) -> Any:
        assert hit.method == "POST" and hit.query == {"hl": "zh", "gl": "cn"}, hit.path
        [[[rpc, inner, _, _]]] = json.loads(hit.form["f.req"])
        request = json.loads(inner)
        app, (count, _, token) = request[3][0], request[2][2]
        assert rpc == "UsvDTd" and request[2][1] == 2  # sorted newest first
        self.requests.append((app, count, token))
        start = int(token.removeprefix("after-")) if token else 0
        page = [
            [rid, ["用户", None], 2, None, f"先达生活 App 评价 {rid}：登录总是失败", [int(at.timestamp()), 0], 1, None,
             None, None, "5.2.0"]
            for rid, at in self.reviews[start : start + count]
        ]  # fmt: skip
        more = start + count < len(self.reviews)
        payload = [page, None, [None, f"after-{start + count}"] if more else None]
        frame = ["wrb.fr", "UsvDTd", json.dumps(payload, ensure_ascii=False), None, None, None, "generic"]
        return answer(")]}'\n\n" + json.dumps([frame, ["di", 30]], ensure_ascii=False))


def source(server: Any, **options: Any) -> str:
    extra = "".join(f"\n  {k}: {json.dumps(v)}" for k, v in options.items())
    return f"""
- name: play
  type: google_play
  brand: xianda
  base_url: {server.base}
  app_ids: [{APP}]
  per_page: 5
  crawl: {{download_delay: 0}}{extra}
"""


def test_token_paging_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    play = FakePlay(server, 12)
    server.handle(RPC, play)
    path, _ = crawl_config(source(server))

    first = crawl(path, "play").report
    assert first["status"] == "ok", first
    assert play.requests == [(APP, 5, None), (APP, 5, "after-5"), (APP, 5, "after-10")]
    assert first["created"] == 12 and first["brands"] == {"xianda": 12}
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        review = store.get(mention_id("google_play", "r000"))
        assert review is not None and review.rating == 2.0 and review.extra["app_id"] == APP
        assert review.url == f"https://play.google.com/store/apps/details?id={APP}&hl=zh&gl=cn&reviewId=r000"
        assert review.published_at == NOW - timedelta(hours=1) and review.extra["app_version"] == "5.2.0"
    finally:
        store.close()

    play.add_newer("r100", NOW - timedelta(minutes=5))
    second = crawl(path, "play").report
    assert play.requests[3:] == [(APP, 5, None)]  # the first page reaches what was seen
    assert (second["status"], second["created"]) == ("ok", 1), second
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("play")
    assert cursors[f"app:{APP}"].high_water == NOW - timedelta(minutes=5)


def test_429_retry_after_is_obeyed_and_5xx_retried(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    play = FakePlay(server, 3)
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return answer("", 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return answer("<html>Server Error</html>", 500)
        return play(hit)

    server.handle(RPC, flaky)
    path, _ = crawl_config(source(server))
    report = crawl(path, "play").report
    assert report["status"] == "ok" and report["created"] == 3, report
    assert report["http_errors"] == {"429": 1, "500": 1}
    assert calls[1] - calls[0] >= 1.0
    assert all(token is None for _, _, token in play.requests)  # the retried POST kept its body


def test_robots_disallow_means_nothing_is_fetched(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    play = FakePlay(server, 3)
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /_/\n", content_type="text/plain"))
    server.handle(RPC, play)
    path, _ = crawl_config(source(server))
    report = crawl(path, "play").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1, report
    assert play.requests == []


def test_rpc_error_is_counted_sampled_and_degrades(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    play = FakePlay(server, 2)
    error = ')]}\'\n\n[["wrb.fr","UsvDTd",null,null,null,[3],"generic"],["di",9]]'

    def per_app(hit: Any) -> Any:
        return answer(error) if "com.lumi.app" in hit.form["f.req"] else play(hit)

    server.handle(RPC, per_app)
    path, _ = crawl_config(source(server, app_ids=[APP, "com.lumi.app"]))
    report = crawl(path, "play").report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 2, report
    [sample] = report["samples"]
    assert Path(sample).parent == tmp_path / "samples" / "play" and Path(sample).read_text() == error
