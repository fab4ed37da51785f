"""Real crawls of a local server replaying the shared Xiaohongshu captures: signed search, the detail of an
untitled card, comments and replies stored; refusals (captcha 461, login expired -100, account flagged
300011, unsigned 406), missing cookies or signing service, and a signing service that fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawlers.platforms import get_platform
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from tests.crawlers.conftest import Scenario
from tests.crawlers.local_server import Reply

CAPTURES = "fixtures/xiaohongshu"
SEARCH, FEED = "/api/sns/web/v1/search/notes", "/api/sns/web/v1/feed"
COMMENTS, SUB = "/api/sns/web/v2/comment/page", "/api/sns/web/v2/comment/sub/page"
SIGN = "/sign"
COOKIE = "a1=a1-secret-value; web_session=session-secret-value; webId=abc"


def source(server: Any, name: str = "xhs", **options: Any) -> str:
    options.setdefault("cookie", COOKIE)
    options.setdefault("signing_url", server.url(SIGN))
    options.setdefault("queries", ["客户"])
    options.setdefault("brand", "xianda")  # every note of the replay counts as about the brand
    options.setdefault("backfill", "5000d")  # the captures are from 2024
    options.setdefault("crawl", {"download_delay": 0})
    extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items() if v is not None)
    return f"- name: {name}\n  type: xiaohongshu\n  base_url: {server.base}{extra}\n"


def answer(body: Any, status: int = 200, **headers: str) -> Reply:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return Reply(status=status, body=text, content_type="application/json; charset=utf-8", headers=headers)


def signer(hit: Any) -> Reply:
    request = json.loads(hit.body)
    return answer({"headers": {"X-s": f"XYS_{request['method']}", "X-t": "1727000000000"}})


class Replay:
    """Answers like edith.xiaohongshu.com from the captures: page 1 of the search is the captured page, page 2
    is the end; the untitled card's detail is the captured feed; its comments the captured comment page; every
    reply page the captured sub-comment page; other notes have no comments yet."""

    def __init__(self, shared: Path):
        self.files = {p.name: p.read_bytes() for p in (shared / CAPTURES).glob("*.json")}

    def capture(self, prefix: str) -> bytes:
        return next(body for name, body in self.files.items() if name.startswith(prefix))

    def handlers(self) -> dict[str, Any]:
        end = {"code": 0, "success": True, "msg": "成功", "data": {"has_more": False, "items": []}}
        none = {"code": 0, "success": True, "msg": "成功", "data": {"comments": [], "cursor": "", "has_more": False}}

        def search(hit: Any) -> Reply:
            return answer(self.capture("edith_web_v1_search") if json.loads(hit.body)["page"] == 1 else end)

        def feed(hit: Any) -> Reply:
            assert json.loads(hit.body)["source_note_id"] == "66696f98000000000d00f289"
            return answer(self.capture("edith_web_v1_feed"))

        def comments(hit: Any) -> Reply:
            found = hit.query["note_id"] == "66696f98000000000d00f289"
            return answer(self.capture("edith_web_v2_comment_page") if found else none)

        return {
            SIGN: signer,
            SEARCH: search,
            FEED: feed,
            COMMENTS: comments,
            SUB: lambda hit: answer(self.capture("edith_web_v2_comment_sub_page")),
        }


def expected_ids(replay: Replay) -> set[str]:
    xhs = get_platform("xiaohongshu")
    ids: set[str] = set()
    for _name, body in replay.files.items():
        ids.update(item.id for item in xhs.parse_any(body).items)
    return ids


def test_replayed_captures_are_stored(
    shared_dir: Path, server: Any, crawl_config: Any, crawl: Any, tmp_path: Path
) -> None:
    replay = Replay(shared_dir)
    for route, handler in replay.handlers().items():
        server.handle(route, handler)
    path, _ = crawl_config(source(server, sub_comment_pages=1))
    result = crawl(path, "xhs")
    report = result.report
    assert report["status"] == "ok", report
    searches = server.hits_to(SEARCH)
    assert [json.loads(h.body)["page"] for h in searches] == [1, 2]
    body = json.loads(searches[0].body)
    assert (body["keyword"], body["sort"], body["page_size"]) == ("客户", "time_descending", 20)
    # Signed: the service saw only a1; the platform got the service's headers and the whole cookie.
    for hit in server.hits_to(SIGN):
        assert json.loads(hit.body)["cookies"] == {"a1": "a1-secret-value"}
    headers = {k.lower(): v for k, v in searches[0].headers.items()}
    assert headers["x-s"] == "XYS_POST" and headers["x-t"] == "1727000000000"
    assert "web_session=session-secret-value" in headers["cookie"]
    assert "session-secret-value" not in result.log and "a1-secret-value" not in result.log
    # Only the untitled card needed its detail; every note got its first comment page, with its token.
    assert len(server.hits_to(FEED)) == 1
    comment_hits = server.hits_to(COMMENTS)
    assert len(comment_hits) == 20 and all(h.query["xsec_token"] for h in comment_hits)
    assert len(server.hits_to(SUB)) == 6  # the comments whose replies were not all shown

    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        ids = expected_ids(replay)
        assert store.count(MentionFilter(platforms=["xiaohongshu"])) == len(ids) == report["created"]
        stored = store.get_many(sorted(ids))
        assert all(m.url and m.author and m.text and m.reach is not None for m in stored)
        note = next(m for m in stored if m.post_id == "66696f98000000000d00f289")
        assert (note.likes, note.comments, note.extra["collects"]) == (44, 160, 18)
    finally:
        store.close()


def refuse(status: int = 200, body: Any = None, **headers: str) -> dict[str, Any]:
    return {SIGN: signer, SEARCH: lambda hit: answer(body if body is not None else "", status, **headers)}


SCENARIOS = {
    "captcha": Scenario(refuse(461, "", Verifytype="102", Verifyuuid="uuid-1")),
    "expired": Scenario(refuse(body={"code": -100, "success": False, "msg": "登录已过期"})),
    "flagged": Scenario(refuse(body={"code": 300011, "success": False, "msg": "当前账号存在异常，请切换账号后重试"})),
    "unsigned": Scenario(refuse(406, {"code": -1, "success": False, "msg": "签名错误"})),
    "nocookie": Scenario(refuse(), options={"cookie": None}),
    "halfcookie": Scenario(refuse(), options={"cookie": "a1=only-a1"}),
    "nosigner": Scenario(refuse(), options={"signing_url": None}),
    "signerdown": Scenario({SIGN: lambda hit: answer("oops", 500), SEARCH: lambda hit: answer("")}),
    # Nothing listens on port 9 of 127.0.0.1 (discard): the connection is refused.
    "signergone": Scenario(refuse(), options={"signing_url": "http://127.0.0.1:9/sign"}),
}


@pytest.fixture(scope="module")
def refusals(crawl_scenarios: Any) -> dict[str, Any]:
    results: dict[str, Any] = crawl_scenarios(SCENARIOS, source)
    return results


@pytest.mark.parametrize(
    ("name", "status", "words", "searches"),
    [
        ("captcha", "blocked", "captcha (HTTP 461, Verifytype 102)", 1),
        ("expired", "needs_credentials", "登录已过期", 1),
        ("flagged", "blocked", "当前账号存在异常", 1),
        ("unsigned", "needs_credentials", "HTTP 406 (unsigned or wrongly signed request)", 1),
        ("nocookie", "needs_credentials", "set `cookie:`", 0),
        ("halfcookie", "needs_credentials", "has no web_session", 0),
        ("nosigner", "needs_credentials", "set `signing_url:`", 0),
        ("signerdown", "needs_credentials", "signing service at", 0),
        ("signergone", "needs_credentials", "cannot be reached", 0),
    ],
)
def test_refusals_end_the_run_with_the_platforms_message(
    refusals: dict[str, Any], name: str, status: str, words: str, searches: int
) -> None:
    server, _, result = refusals[name]
    report = result.report
    assert report["status"] == status, report
    assert words in report["error"] and report["created"] == 0
    assert len(server.hits_to(SEARCH)) == searches  # asked once at most: never retried
