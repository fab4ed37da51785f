"""Stored reports through the API (listed and downloaded only within the caller's brands, in Chinese by
default), a period's report computed on request, and the competitor view: share of voice, sentiment by brand
over time, sources and authors by reach, each with the search that lists exactly the posts behind it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from api.resources import Resources
from foundation.access import SYSTEM
from tests.api.conftest import AUTH
from tests.factories import make_mention
from tickets.periods import parse_period
from tickets.report import complaint_report
from tickets.report_archive import ReportArchive
from tickets.schemas import TicketCreate

SHANGHAI = ZoneInfo("Asia/Shanghai")
A, B = "鲜达外卖", "光屿手机"


def user(client: TestClient, name: str, role: str, **fields: object) -> dict[str, str]:
    response = client.post("/api/v1/users", headers=AUTH, json={"name": name, "role": role, **fields})
    assert response.status_code == 201, response.json()
    return {"X-API-Key": response.json()["api_key"]}


def test_stored_reports_are_listed_and_served_within_the_callers_brands(
    client: TestClient, resources: Resources
) -> None:
    for brand in (A, A, B):
        resources.tickets.create(
            TicketCreate(title="炸鸡变质了", brand=brand, product="炸鸡"),
            now=datetime(2026, 12, 2, 10, tzinfo=SHANGHAI),
        )
    archive = ReportArchive(resources.db)
    period = parse_period("daily", "2026-12-02", SHANGHAI, date(2026, 12, 3))
    for brand in (None, A, B):
        archive.store(complaint_report(resources.tickets, SYSTEM, period, brand=brand), "zh", created_by="scheduler")
    everything = client.get("/api/v1/reports/archive", headers=AUTH).json()
    assert sorted(e["brand"] or "" for e in everything) == ["", B, A]
    pr = user(client, "pr-a", "pr", brands=[A])
    [mine] = client.get("/api/v1/reports/archive", headers=pr).json()
    assert mine["brand"] == A and mine["summary"][0] == f"投诉日报 2026-12-02 · {A}：共受理 2 张工单"
    pdf = client.get(mine["pdf_url"], headers=pr)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''report-daily-2026-12-02-" in pdf.headers["content-disposition"]
    assert "投诉日报 2026-12-02" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    xlsx = client.get(mine["xlsx_url"], headers=pr)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert list(book.worksheets[1].iter_rows(values_only=True))[1] == (1, "产品质量", "炸鸡", 2)
    hidden = [e["id"] for e in everything if e["brand"] != A]
    for report_id in hidden:  # the other brand's report and the all-brands one do not exist for this caller
        assert client.get(f"/api/v1/reports/archive/{report_id}/pdf", headers=pr).status_code == 404
    missing = client.get("/api/v1/reports/archive/99999/xlsx", headers={**pr, "Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and "报表 99999 不存在" in missing.text
    assert client.get(f"/api/v1/reports/archive/{mine['id']}/doc", headers=pr).status_code == 422
    assert client.get("/api/v1/reports/archive?kind=hourly", headers=pr).status_code == 422


def test_a_periods_report_on_request(client: TestClient, resources: Resources) -> None:
    resources.tickets.create(TicketCreate(title="骑手送错地址", brand=A), now=datetime(2026, 11, 10, tzinfo=SHANGHAI))
    params = {"kind": "monthly", "period": "2026-11", "brand": A}
    zh = {**AUTH, "Accept-Language": "zh-CN"}
    report = client.get("/api/v1/reports/complaints", params=params, headers=zh).json()
    assert report["kind"] == "monthly" and report["received"] == 1 and report["baseline_days_needed"] == 92
    assert (
        report["summary"][0].startswith("投诉月报 2026-11") and "暂无基线：已有 0 / 92 天数据" in report["summary"][-1]
    )
    bad = client.get("/api/v1/reports/complaints", params={"kind": "daily", "period": "2026-02-30"}, headers=AUTH)
    assert bad.status_code in (400, 422) and "2026-12-02" in bad.text


T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_competitor_view_numbers_lead_to_their_posts(client: TestClient, resources: Resources) -> None:
    mentions = (
        [make_mention(brands=[A], label="negative", published_at=T0 + timedelta(hours=i), reach=40.0) for i in range(4)]
        + [make_mention(brands=[A], label="positive", published_at=T0 + timedelta(hours=30))]
        + [
            make_mention(
                brands=[B],
                label="positive",
                platform="weibo",
                source="weibo-search",
                author="数码 大V",
                published_at=T0 + timedelta(hours=6 + i),
                reach=75.0,
            )
            for i in range(3)
        ]
    )
    resources.mentions.upsert(mentions)
    resources.mentions.refresh()
    span = {"since": T0.isoformat(), "until": (T0 + timedelta(days=2)).isoformat()}
    view = client.get("/api/v1/stats/brands", params={**span, "interval": "day"}, headers=AUTH).json()
    rows = {r["brand"]: r for r in view["brands"]}
    assert view["total"] == 8 and rows[A]["mentions"] == 5 and rows[A]["share"] == 0.625
    assert rows[A]["negative_share"] == 0.8 and rows[A]["net_sentiment"] == -0.6 and rows[B]["net_sentiment"] == 1.0
    assert rows[B]["reach_weighted"] == 3 + 3 * 75 / 25
    assert rows[B]["reach_share"] == round(12 / (5 + 4 * 40 / 25 + 12), 4)
    series = {s["brand"]: [(p["count"], p["negative"]) for p in s["buckets"]] for s in view["series"]}
    # Days in the config's zone (Asia/Shanghai): the period 08:00 Dec 1 to 08:00 Dec 3 touches three of them.
    assert series[A] == [(4, 4), (1, 0), (0, 0)] and series[B] == [(3, 0), (0, 0), (0, 0)]
    assert view["sources"][0]["source"] == "weibo-search" and view["authors"][0]["author"] == "数码 大V"

    def posts(link: dict[str, str]) -> int:
        query = {k: v for k, v in link.items() if v}
        page = client.get("/api/v1/mentions", params={**query, **span}, headers=AUTH)
        assert page.status_code == 200, page.text
        return int(page.json()["total"])

    assert posts(rows[A]["search"]) == 5 and posts(rows[A]["negative_search"]) == 4
    assert posts(view["sources"][0]["search"]) == view["sources"][0]["mentions"] == 3
    assert posts(view["authors"][0]["search"]) == view["authors"][0]["mentions"] == 3
    # A PR user limited to one brand sees that brand alone: no share of someone else's voice.
    pr = user(client, "pr-b", "pr", brands=[B])
    narrow = client.get("/api/v1/stats/brands", params=span, headers=pr).json()
    assert [r["brand"] for r in narrow["brands"]] == [B] and narrow["total"] == 3
    assert {s["source"] for s in narrow["sources"]} == {"weibo-search"}
    assert client.get("/api/v1/stats/brands", params={**span, "brand": A}, headers=pr).json()["brands"] == []
    backwards = {"since": span["until"], "until": span["since"]}
    assert client.get("/api/v1/stats/brands", params=backwards, headers=AUTH).status_code in (400, 422)
