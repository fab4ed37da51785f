"""Real crawls of local servers replaying the shared Douyin and Taobao captures (and the Zhihu answers written
from field notes), all signed through a local signing service, and their refusals: an empty Douyin body
(blocked), mtop's expired token (needs_credentials) and slider captcha (blocked), Zhihu's captcha (blocked)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawlers.platforms import get_platform
from index.base import MentionFilter, SearchRequest, mention_id
from index.sqlite import SQLiteMentionStore
from tests.conftest import SHARED
from tests.crawlers.conftest import Scenario
from tests.crawlers.local_server import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIGN = "/sign"
DY_SEARCH, DY_COMMENTS = "/aweme/v1/web/general/search/single/", "/aweme/v1/web/comment/list/"
TB_RATES = "/h5/mtop.wdetail.getitemrates/3.0/"
ZH_SEARCH = "/api/v4/search_v3"
ZH_COMMENTS = "/api/v4/comment_v5/answers/3120000001/root_comment"
DY_SEARCH_FILE = "fixtures/douyin/tikhub_wrapped_web_general_search_keyword_猫咪.json"
DY_COMMENT_FILE = "fixtures/douyin/tikhub_wrapped_web_comment_list_aweme_7565738211130035491.json"
TB_FILE = "fixtures/taobao/h5api_mtop.wdetail.getitemrates_auctionNumId_521422451240.json"
COOKIES = {
    "douyin": "sessionid=dy-session-secret; msToken=ms-token; webid=7300000000",
    "taobao": "_m_h5_tk=tk-secret_1727000000000; cookie2=c2-secret",
    "zhihu": "z_c0=zc0-secret; d_c0=dc0-value",
}


def answer(body: Any, status: int = 200) -> Reply:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return Reply(status=status, body=text, content_type="application/json; charset=utf-8")


def signer(hit: Any) -> Reply:
    request = json.loads(hit.body)
    if request["platform"] == "douyin":
        return answer({"query": {"a_bogus": "signed-a-bogus"}})
    if request["platform"] == "taobao":
        return answer({"query": {"t": "1727000000000", "sign": "0123456789abcdef0123456789abcdef"}})
    return answer({"headers": {"x-zse-93": "101_3_3.0", "x-zse-96": "2.0_signed"}})


def shared(name: str) -> bytes:
    return (SHARED / name).read_bytes()


def source_for(platform: str) -> Any:
    def make(server: Any, name: str, **options: Any) -> str:
        options.setdefault("cookie", COOKIES[platform])
        options.setdefault("signing_url", server.url(SIGN))
        options.setdefault("brand", "xianda")
        options.setdefault("backfill", "5000d")
        options.setdefault("crawl", {"download_delay": 0})
        if platform == "taobao":
            options.setdefault("item_ids", ["521422451240"])
        else:
            options.setdefault("queries", ["猫咪" if platform == "douyin" else "先达"])
        extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items() if v is not None)
        return f"- name: {name}\n  type: {platform}\n  base_url: {server.base}{extra}\n"

    return make


def douyin_replay() -> dict[str, Any]:
    def search(hit: Any) -> Reply:
        if hit.query["offset"] == "0":
            return answer(shared(DY_SEARCH_FILE))
        return answer({"status_code": 0, "data": [], "cursor": 0, "has_more": 0})

    def comments(hit: Any) -> Reply:
        if hit.query["aweme_id"] == "7565738211130035491":
            return answer(shared(DY_COMMENT_FILE))
        return answer({"status_code": 0, "comments": None, "cursor": 0, "has_more": 0, "total": 0})

    return {SIGN: signer, DY_SEARCH: search, DY_COMMENTS: comments}


def taobao_replay() -> dict[str, Any]:
    def rates(hit: Any) -> Reply:
        if json.loads(hit.query["data"])["pageNo"] == 1:
            return answer(shared(TB_FILE))
        return answer({"api": "mtop.wdetail.getitemrates", "ret": ["SUCCESS::调用成功"], "data": {"rateList": []}})

    return {SIGN: signer, TB_RATES: rates}


def zhihu_replay() -> dict[str, Any]:
    def search(hit: Any) -> Reply:
        if hit.query["offset"] == "0":
            return answer((FIXTURES / "zhihu" / "search_v3.json").read_bytes())
        return answer({"paging": {"is_end": True, "next": ""}, "data": []})

    return {
        SIGN: signer,
        ZH_SEARCH: search,
        ZH_COMMENTS: lambda hit: answer((FIXTURES / "zhihu" / "root_comment.json").read_bytes()),
    }


def refused(route: str, body: Any, status: int = 200) -> dict[str, Any]:
    return {SIGN: signer, route: lambda hit: answer(body, status)}


CASES: dict[str, tuple[str, Scenario]] = {
    "dy": ("douyin", Scenario(douyin_replay())),
    "tb": ("taobao", Scenario(taobao_replay())),
    "zh": ("zhihu", Scenario(zhihu_replay())),
    "dyblocked": ("douyin", Scenario(refused(DY_SEARCH, ""))),
    "tbexpired": ("taobao", Scenario(refused(TB_RATES, {"ret": ["FAIL_SYS_TOKEN_EXOIRED::令牌过期"], "data": {}}))),
    "tbslider": (
        "taobao",
        Scenario(refused(TB_RATES, {"ret": ["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦"], "data": {}})),
    ),
    "zhcaptcha": (
        "zhihu",
        Scenario(refused(ZH_SEARCH, {"error": {"code": 40352, "message": "系统监测到您的网络环境存在异常"}}, 403)),
    ),
    "tbnocookie": ("taobao", Scenario(refused(TB_RATES, ""), options={"cookie": "cookie2=only"})),
}


@pytest.fixture(scope="module")
def crawls(crawl_scenarios: Any) -> dict[str, Any]:
    if not SHARED.is_dir():
        pytest.skip(f"shared material not found at {SHARED}")
    results: dict[str, Any] = {}
    for platform in ("douyin", "taobao", "zhihu"):
        scenarios = {name: scenario for name, (p, scenario) in CASES.items() if p == platform}
        results.update(crawl_scenarios(scenarios, source_for(platform)))
    return results


def stored(folder: Path, platform: str) -> list[Any]:
    store = SQLiteMentionStore.at(folder / "mentions.sqlite3")
    try:
        page = store.search(SearchRequest(filter=MentionFilter(platforms=[platform]), limit=100, highlight=False))
        return [hit.mention for hit in page.hits]
    finally:
        store.close()


def parsed_ids(platform: str, *bodies: bytes) -> set[str]:
    parser = get_platform(platform)
    return {item.id for body in bodies for item in parser.parse_any(body).items}


def test_douyin_replay(crawls: dict[str, Any]) -> None:
    server, folder, result = crawls["dy"]
    assert result.report["status"] == "ok", result.report
    search = server.hits_to(DY_SEARCH)
    assert [h.query["offset"] for h in search] == ["0", "20"] and search[0].query["sort_type"] == "2"
    assert all(h.query["a_bogus"] == "signed-a-bogus" for h in server.hits_to(DY_SEARCH) + server.hits_to(DY_COMMENTS))
    assert json.loads(server.hits_to(SIGN)[0].body)["cookies"] == {"msToken": "ms-token", "webid": "7300000000"}
    assert len(server.hits_to(DY_COMMENTS)) == 16  # every video has comments and (brand: set) names the brand
    mentions = stored(folder, "douyin")
    assert {m.id for m in mentions} == parsed_ids("douyin", shared(DY_SEARCH_FILE), shared(DY_COMMENT_FILE))
    assert all(m.url and m.author and m.reach is not None for m in mentions)
    assert "dy-session-secret" not in result.log


def test_taobao_replay(crawls: dict[str, Any]) -> None:
    server, folder, result = crawls["tb"]
    assert result.report["status"] == "ok", result.report
    hits = server.hits_to(TB_RATES)
    assert [json.loads(h.query["data"])["pageNo"] for h in hits] == [1, 2]
    assert hits[0].query["sign"] == "0123456789abcdef0123456789abcdef" and hits[0].query["appKey"] == "12574478"
    assert json.loads(server.hits_to(SIGN)[0].body)["cookies"] == {"_m_h5_tk": "tk-secret_1727000000000"}
    mentions = stored(folder, "taobao")
    assert {m.id for m in mentions} == parsed_ids("taobao", shared(TB_FILE)) and len(mentions) == 10
    assert all(m.rating == 5.0 and m.reach is not None for m in mentions)


def test_zhihu_replay(crawls: dict[str, Any]) -> None:
    server, folder, result = crawls["zh"]
    assert result.report["status"] == "degraded", result.report  # one search entry has no text (a parse error)
    headers = {k.lower(): v for k, v in server.hits_to(ZH_SEARCH)[0].headers.items()}
    assert headers["x-zse-96"] == "2.0_signed" and "z_c0=zc0-secret" in headers["cookie"]
    mentions = {m.post_id: m for m in stored(folder, "zhihu")}
    assert set(mentions) == {"answer:3120000001", "article:680000002", "comment:10990000001", "comment:10990000002"}
    comment = mentions["comment:10990000001"]
    assert comment.parent_id == "answer:3120000001" and comment.url == mentions["answer:3120000001"].url


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("dyblocked", "blocked", "empty body"),
        ("tbexpired", "needs_credentials", "FAIL_SYS_TOKEN_EXOIRED::令牌过期"),
        ("tbslider", "blocked", "FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦"),
        ("zhcaptcha", "blocked", "系统监测到您的网络环境存在异常"),
        ("tbnocookie", "needs_credentials", "has no _m_h5_tk"),
    ],
)
def test_refusals(crawls: dict[str, Any], name: str, status: str, words: str) -> None:
    _, _, result = crawls[name]
    assert result.report["status"] == status, result.report
    assert words in result.report["error"] and result.report["created"] == 0


def test_recrawl_refreshes_counts_and_reach(
    shared_dir: Path, server: Any, crawl_config: Any, crawl: Any, tmp_path: Path
) -> None:
    """A second run reads the recent videos again (``refresh``): the one whose likes grew is updated with a higher
    reach and remembers the previous one; comments of refreshed videos are not fetched again."""
    grown = {"likes": None}

    def search(hit: Any) -> Reply:
        if hit.query["offset"] != "0":
            return answer({"status_code": 0, "data": [], "cursor": 0, "has_more": 0})
        body = json.loads(shared(DY_SEARCH_FILE))
        if grown["likes"] is not None:
            for card in body["data"]["data"]:
                info = card.get("aweme_info") or {}
                if info.get("aweme_id") == "7565738211130035491":
                    info["statistics"]["digg_count"] = grown["likes"]
                    info["statistics"]["share_count"] *= 20
        return answer(body)

    server.handle(SIGN, signer)
    server.handle(DY_SEARCH, search)
    server.handle(DY_COMMENTS, douyin_replay()[DY_COMMENTS])
    path, _ = crawl_config(source_for("douyin")(server, "dy", refresh="5000d"))
    first = crawl(path, "dy").report
    assert first["status"] == "ok" and first["created"] > 0
    comment_calls = len(server.hits_to(DY_COMMENTS))

    grown["likes"] = 6_000_000
    second = crawl(path, "dy").report
    assert second["status"] == "ok", second
    assert (second["created"], second["updated"]) == (0, 1)  # only the grown video changed
    # Refreshed posts do not fetch their comments again; only the newest, inside the cursor's overlap, does.
    assert len(server.hits_to(DY_COMMENTS)) - comment_calls == 1
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        video = store.get(mention_id("douyin", "7565738211130035491"))
        assert video is not None and video.likes == 6_000_000 and video.reach is not None
        assert video.extra["reach_prev"] < video.reach and "reach_prev_at" in video.extra
    finally:
        store.close()
