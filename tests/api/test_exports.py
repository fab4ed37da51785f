"""Exports (record-table columns, Chinese headers, masking, cap, audit, two-person approval) and the weekly
report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.api.conftest import API_KEY, AUTH
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Satisfaction
from tickets.export import COLUMNS
from tickets.schemas import ReplyIn, SatisfactionIn, TicketCreate, TicketUpdate

CONFIG = (
    BRANDS_YAML
    + """
tickets:
  departments: [客服部, 品控部]
  routing: [{category: product_quality, department: 品控部}]
  export: {max_rows: 6, approval_above: 3}
"""
)
HEADERS = [
    "投诉编号",
    "客户姓名/昵称",
    "联系方式",
    "客户类型",
    "投诉类别",
    "投诉详情",
    "发生时间",
    "涉及产品/服务",
    "投诉等级",
    "责任部门",
    "处理人",
    "受理时间",
    "处理措施",
    "解决期限",
    "完成时间",
    "客户满意度",
    "改进建议",
    "备注",
    "状态",
    "品牌",
    "来源链接",
]


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> Iterator[Resources]:
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=database_url,
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        api_keys=[API_KEY],
    )  # type: ignore[list-item]
    res = Resources.open(settings, parse_config(CONFIG))
    yield res
    res.close()


@pytest.fixture
def client(resources: Resources) -> Iterator[TestClient]:
    with TestClient(create_app(resources)) as c:
        yield c


def user(client: TestClient, name: str, **fields: object) -> dict[str, str]:
    body = {"name": name, "role": "agent", "departments": ["客服部", "品控部"], **fields}
    response = client.post("/api/v1/users", headers=AUTH, json=body)
    assert response.status_code == 201, response.json()
    return {"X-API-Key": response.json()["api_key"]}


def test_csv_has_the_record_columns_in_order_masked(client: TestClient) -> None:
    exporter = user(client, "exporter", permissions=["export"])
    client.post(
        "/api/v1/tickets",
        headers=AUTH,
        json={
            "title": '=HYPERLINK("http://evil")',
            "description": "炸鸡变质",
            "product": "炸鸡",
            "brand": "鲜达外卖",
            "customer": {"name": "张三", "gender": "male", "phone": "13812345678", "type": "vip"},
        },
    )
    response = client.post("/api/v1/exports/tickets", headers=exporter, json={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese headers
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS == [header for _, header in COLUMNS]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["客户姓名/昵称"] == "张先生" and row["联系方式"] == "*******5678" and row["客户类型"] == "VIP"
    assert row["投诉类别"] == "产品质量" and row["责任部门"] == "品控部" and row["投诉等级"] == "一般"
    assert row["投诉详情"].startswith("'=HYPERLINK")  # a formula in crawled text is defused


def test_xlsx_and_unmasked_export_needs_pii(client: TestClient) -> None:
    exporter = user(client, "exporter", permissions=["export"])
    trusted = user(client, "trusted", permissions=["export", "pii"])
    client.post("/api/v1/tickets", headers=AUTH, json={"title": "会员", "customer": {"phone": "13812345678"}})
    assert client.post("/api/v1/exports/tickets", headers=exporter, json={"unmask": True}).status_code == 403
    response = client.post("/api/v1/exports/tickets", headers=trusted, json={"format": "xlsx", "unmask": True})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS and values[1][2] == "13812345678"


def test_export_needs_permission_and_is_capped(client: TestClient) -> None:
    plain = user(client, "plain")
    exporter = user(client, "exporter", permissions=["export"])
    assert client.post("/api/v1/exports/tickets", headers=plain, json={}).status_code == 403
    for i in range(7):
        client.post("/api/v1/tickets", headers=AUTH, json={"title": f"t{i}"})
    response = client.post("/api/v1/exports/tickets", headers=exporter, json={})
    assert response.status_code == 400 and "exports stop at 6" in response.json()["error"]["message"]


def test_large_export_waits_for_a_second_person(client: TestClient) -> None:
    asker = user(client, "asker", permissions=["export", "approve_export"])
    approver = user(client, "approver", permissions=["approve_export"])
    for i in range(5):
        client.post("/api/v1/tickets", headers=AUTH, json={"title": f"t{i}"})
    pending = client.post("/api/v1/exports/tickets", headers=asker, json={"format": "csv"})
    assert pending.status_code == 202 and pending.json()["rows"] == 5
    rid = pending.json()["id"]
    assert client.get(f"/api/v1/exports/{rid}/download", headers=asker).status_code == 409
    own = client.post(f"/api/v1/exports/{rid}/approve", headers=asker)
    assert own.status_code == 403 and "someone other" in own.json()["error"]["message"]
    assert client.post(f"/api/v1/exports/{rid}/approve", headers=approver).json()["status"] == "approved"
    assert client.get(f"/api/v1/exports/{rid}/download", headers=approver).status_code == 404  # not theirs
    download = client.get(f"/api/v1/exports/{rid}/download", headers=asker)
    assert download.status_code == 200 and len(download.content.decode("utf-8-sig").splitlines()) == 6
    assert client.get(f"/api/v1/exports/{rid}/download", headers=asker).status_code == 409  # once
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=AUTH).json()]
    assert actions[:3] == ["export.downloaded", "export.approved", "export.requested"]


def test_export_only_holds_what_the_requester_may_see(client: TestClient) -> None:
    narrow = {
        "X-API-Key": client.post(
            "/api/v1/users",
            headers=AUTH,
            json={"name": "narrow", "role": "agent", "departments": ["客服部"], "permissions": ["export"]},
        ).json()["api_key"]
    }
    client.post("/api/v1/tickets", headers=AUTH, json={"title": "请问会员怎么开通？"})  # an enquiry: 客服部
    client.post("/api/v1/tickets", headers=AUTH, json={"title": "炸鸡变质了"})  # 品控部
    response = client.post("/api/v1/exports/tickets", headers=narrow, json={"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][9] == "客服部"


def test_weekly_report(client: TestClient, resources: Resources) -> None:
    store = resources.tickets
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC) - timedelta(hours=8)  # 2026-W47, Shanghai
    for week_back, count in ((1, 2), (2, 2), (3, 2), (4, 2)):
        for i in range(count):
            store.create(
                TicketCreate(title=f"old {i}", brand="鲜达外卖"), now=monday - timedelta(days=7 * week_back - 1)
            )
    made = []
    for i, (title, product) in enumerate(
        [
            ("炸鸡变质了", "炸鸡"),
            ("炸鸡有异物", "炸鸡"),
            ("骑手送错地址", "汉堡"),
            ("炸鸡过期了", "炸鸡"),
            ("请问会员怎么开", None),
            ("骑手晚到", "汉堡"),
        ]
    ):
        ticket, _ = store.create(
            TicketCreate(title=title, brand="鲜达外卖", product=product), now=monday + timedelta(hours=10 + i)
        )
        made.append(ticket)
    first = made[0]
    store.update(first.id, TicketUpdate(status="in_progress"), now=monday + timedelta(hours=11))  # type: ignore[arg-type]
    store.reply(first.id, ReplyIn(body="您好，已为您全额退款"), now=monday + timedelta(hours=12))
    store.update(
        first.id,
        TicketUpdate(status="resolved", actions_taken="退款"),  # type: ignore[arg-type]
        now=monday + timedelta(days=1),
    )
    store.record_satisfaction(
        first.id, SatisfactionIn(satisfaction=Satisfaction.satisfied), now=monday + timedelta(days=4)
    )
    # 300 mentions in each of the five weeks: the complaint rate rises from 2 to 6 per 300 mentions.
    for week_back in range(5):
        start = monday - timedelta(days=7 * week_back)
        resources.mentions.upsert(
            [make_mention("鲜达", published_at=start + timedelta(minutes=30 * i)) for i in range(300)]
        )
    report = client.get("/api/v1/reports/weekly", params={"week": "2026-W47", "brand": "鲜达外卖"}, headers=AUTH).json()
    assert report["week"] == "2026-W47" and report["received"] == 6
    assert report["top_issues"][0] == {"category": "product_quality", "product": "炸鸡", "tickets": 3}
    assert report["by_category"] == {"product_quality": 3, "logistics": 2, "enquiry": 1}
    assert report["satisfaction"] == {"satisfied": 1} and report["satisfaction_rate"] == 1.0
    assert report["rate"]["tickets"] == 6 and report["rate"]["mentions"] == 300 and report["rate"]["rate"] == 20.0
    assert [(b["tickets"], b["mentions"]) for b in report["baseline"]] == [(2, 300)] * 4
    assert report["baseline_rate"] == 6.667 and report["rate_above_baseline"]
    steady = client.get("/api/v1/reports/weekly", params={"week": "2026-W46", "brand": "鲜达外卖"}, headers=AUTH)
    assert steady.json()["rate"]["rate"] == 6.667 and not steady.json()["rate_above_baseline"]
    assert client.get("/api/v1/reports/weekly", params={"week": "2026-47"}, headers=AUTH).status_code == 422


MENTION_HEADERS = [
    "发布时间",
    "平台",
    "来源",
    "品牌",
    "作者",
    "标题",
    "内容",
    "情感",
    "情感分",
    "评分",
    "点赞",
    "转发",
    "评论",
    "链接",
    "编号",
]


def mentions_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == MENTION_HEADERS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def posts(resources: Resources) -> None:
    resources.mentions.upsert(
        [
            make_mention(
                "鲜达外卖退款三天没到，电话13812345678，邮箱zhangsan@example.com",
                post_id="m1",
                platform="weibo",
                author="张三丰",
                title="=HYPERLINK(1)",
                label="negative",
                score=0.04,
                url="https://weibo.example/1",
            ),
            make_mention(
                "鲜达外卖退款很快", post_id="m2", platform="weibo", author="李四", label="positive", score=0.9
            ),
            make_mention("鲜达外卖很好吃", post_id="m3", platform="news", author="王五"),
            make_mention("光屿手机退款", post_id="m4", brands=["光屿手机"], author="赵六"),
        ]
    )


def test_mention_search_export_masks_personal_data(client: TestClient, resources: Resources) -> None:
    posts(resources)
    exporter = user(client, "exporter", permissions=["export"])
    response = client.post(
        "/api/v1/exports/mentions",
        headers=exporter,
        json={"format": "csv", "q": "platform:weibo AND 退款", "brand": ["鲜达外卖"], "sort": "time"},
    )
    rows = mentions_csv(response)
    assert response.headers["content-disposition"].startswith('attachment; filename="mentions-')
    assert sorted(r["编号"] for r in rows) == sorted(
        make_mention("x", post_id=p, platform="weibo").id for p in ("m1", "m2")
    )
    row = next(r for r in rows if r["情感"] == "负面")
    assert row["作者"] == "张**" and "13812345678" not in row["内容"] and "*******5678" in row["内容"]
    assert "***@example.com" in row["内容"] and "zhangsan" not in row["内容"]
    assert row["标题"] == "'=HYPERLINK(1)"  # a formula in crawled text is defused
    assert row["平台"] == "weibo" and row["品牌"] == "鲜达外卖" and row["情感分"] == "0.040"
    assert row["发布时间"] == "2026-11-20 19:00" and row["链接"] == "https://weibo.example/1"  # Shanghai time
    [audit] = [e for e in client.get("/api/v1/audit", headers=AUTH).json() if e["action"] == "export.downloaded"]
    assert audit["actor"] == "exporter" and audit["details"]["kind"] == "mentions" and audit["details"]["rows"] == 2
    assert audit["details"]["filters"]["filter"]["query"] == "platform:weibo AND 退款"
    listed = client.get("/api/v1/exports", headers=exporter).json()
    assert [(e["kind"], e["rows"], e["status"]) for e in listed] == [("mentions", 2, "downloaded")]


def test_unmasked_mention_export_needs_pii_and_is_audited(client: TestClient, resources: Resources) -> None:
    posts(resources)
    exporter = user(client, "exporter", permissions=["export"])
    trusted = user(client, "trusted", permissions=["export", "pii"])
    plain = user(client, "plain")
    body = {"format": "xlsx", "q": "电话", "unmask": True}
    assert client.post("/api/v1/exports/mentions", headers=plain, json={}).status_code == 403
    refused = client.post("/api/v1/exports/mentions", headers=exporter, json=body)
    assert refused.status_code == 403 and "pii" in refused.json()["error"]["message"]
    response = client.post("/api/v1/exports/mentions", headers=trusted, json=body)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == MENTION_HEADERS and len(values) == 2
    assert values[1][4] == "张三丰" and "13812345678" in values[1][6]
    audit = client.get("/api/v1/audit", headers=AUTH).json()[0]
    assert audit["actor"] == "trusted" and audit["details"]["unmask"] is True


def test_mention_export_from_a_saved_search(client: TestClient, resources: Resources) -> None:
    posts(resources)
    exporter = user(client, "exporter", permissions=["export"])
    other = user(client, "other", permissions=["export"])
    sid = client.post(
        "/api/v1/searches", headers=exporter, json={"name": "退款", "query": "退款", "filters": {"sort": "relevance"}}
    ).json()["id"]
    everything = mentions_csv(
        client.post("/api/v1/exports/mentions", headers=exporter, json={"format": "csv", "saved_search_id": sid})
    )
    assert len(everything) == 3  # m1, m2 and 光屿手机's m4
    narrowed = client.post(
        "/api/v1/exports/mentions",
        headers=exporter,
        json={"format": "csv", "saved_search_id": sid, "q": "-platform:weibo", "since": "2026-11-01T00:00"},
    )
    assert [r["作者"] for r in mentions_csv(narrowed)] == ["赵**"]
    audit = client.get("/api/v1/audit", headers=AUTH).json()[0]["details"]
    assert audit["filters"]["saved_search"] == {"id": sid, "name": "退款", "owner": "exporter"}
    assert (
        audit["filters"]["sort"] == "relevance"
        and audit["filters"]["filter"]["query"] == "(退款) AND (-platform:weibo)"
    )
    # Another person's private search does not exist for them.
    hidden = client.post("/api/v1/exports/mentions", headers=other, json={"saved_search_id": sid})
    assert hidden.status_code == 422 and "saved_search_id" in hidden.json()["error"]["message"]


def test_mention_export_refuses_bad_searches(client: TestClient) -> None:
    exporter = user(client, "exporter", permissions=["export"])
    bad = client.post("/api/v1/exports/mentions", headers=exporter, json={"q": "退款 AND (不发货"})
    assert bad.status_code == 400 and "column 12" in bad.json()["error"]["message"]
    assert bad.json()["error"]["details"][0] | {"expected": None} == {
        "field": "q",
        "problem": "the query ends too early",
        "position": 12,
        "expected": None,
    }
    for body in ({"format": "pdf"}, {"sentiment": ["angry"]}, {"since": "2026-11-02", "until": "2026-11-01"}, {"x": 1}):
        assert client.post("/api/v1/exports/mentions", headers=exporter, json=body).status_code == 422, body
    audit = client.get("/api/v1/audit", headers=AUTH).json()
    assert [e["action"] for e in audit] == ["user.created"]  # nothing exported, nothing audited


def test_large_mention_exports_are_capped_or_wait_for_approval(client: TestClient, resources: Resources) -> None:
    asker = user(client, "asker", permissions=["export"])
    approver = user(client, "approver", permissions=["approve_export"])
    resources.mentions.upsert([make_mention(f"鲜达外卖退款 {i}", post_id=f"r{i}") for i in range(7)])
    capped = client.post("/api/v1/exports/mentions", headers=asker, json={"q": "退款"})
    assert capped.status_code == 400 and "7 mentions match; exports stop at 6" in capped.json()["error"]["message"]
    pending = client.post("/api/v1/exports/mentions", headers=asker, json={"format": "csv", "q": "退款 -6"})
    assert pending.status_code == 202 and pending.json()["rows"] == 6
    rid = pending.json()["id"]
    assert client.post(f"/api/v1/exports/{rid}/approve", headers=approver).json()["status"] == "approved"
    download = client.get(f"/api/v1/exports/{rid}/download", headers=asker)
    assert download.headers["content-disposition"] == f'attachment; filename="mentions-{rid}.csv"'
    assert len(mentions_csv(download)) == 6
    assert client.get(f"/api/v1/exports/{rid}/download", headers=asker).status_code == 409  # once


def test_mention_export_holds_only_the_brands_the_requester_may_see(client: TestClient, resources: Resources) -> None:
    posts(resources)
    lumi = user(client, "lumi", permissions=["export"], brands=["光屿手机"])
    mine = mentions_csv(client.post("/api/v1/exports/mentions", headers=lumi, json={"format": "csv"}))
    assert [r["品牌"] for r in mine] == ["光屿手机"]
    asked = client.post("/api/v1/exports/mentions", headers=lumi, json={"format": "csv", "brand": ["鲜达外卖"]})
    assert mentions_csv(asked) == []
    in_query = client.post("/api/v1/exports/mentions", headers=lumi, json={"format": "csv", "q": "brand:鲜达外卖"})
    assert mentions_csv(in_query) == []
