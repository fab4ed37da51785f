"""The competitor view and the stored reports in the Chinese dashboard: share of voice and sentiment of every
brand, whose numbers open the search that lists their posts; the reports the schedule made, listed with XLSX and
PDF downloads that open. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from pypdf import PdfReader

from foundation.access import SYSTEM
from foundation.timeutil import utcnow
from tests.browser.conftest import Watched
from tests.browser.test_chinese_interface import assert_no_english_server_text
from tickets.periods import last_complete
from tickets.report import complaint_report, mention_counter
from tickets.report_archive import ReportArchive


def test_competitor_view_numbers_open_their_posts(web_zh: Watched) -> None:
    page = web_zh.page
    web_zh.login()
    page.locator("[data-nav=brands]").click()
    share = page.get_by_test_id("brands-share")
    expect(share.locator("tbody tr")).to_have_count(2)
    expect(share).to_contain_text("鲜达外卖")
    expect(share).to_contain_text("光屿手机")
    expect(page.get_by_test_id("brands-chart-negative").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("brands-sources")).to_contain_text("test-source")
    assert_no_english_server_text(web_zh, "#/brands")
    web_zh.screenshot("brands-zh")

    row = share.locator("tr[data-brand='光屿手机']")
    negative = int(row.get_by_test_id("sov-negative").inner_text().replace(",", ""))
    assert negative > 0
    row.get_by_test_id("sov-negative").click()
    expect(page).to_have_url(re.compile(r"#/search\?.*brand=%E5%85%89%E5%B1%BF.*sentiment=negative"))
    # The search page counts the same posts (its since/until are whole minutes: a post in the same minute as
    # the period's start may be added at most).
    count = page.get_by_test_id("search-status").locator(".result-count")
    expect(count).to_contain_text("条结果")
    shown = int(re.sub(r"\D", "", count.inner_text()))
    assert negative <= shown <= negative + 1, (negative, shown)

    page.get_by_test_id("language").select_option("en")
    page.locator("[data-nav=brands]").click()
    expect(page.locator("[data-panel=share-of-voice] h2")).to_contain_text("Share of voice")


def test_stored_reports_are_listed_with_downloads(web_zh: Watched) -> None:
    resources = web_zh.live.seeded.resources
    archive = ReportArchive(resources.db)
    zone = ZoneInfo(resources.tickets.policy.timezone)
    for kind in ("daily", "weekly"):
        period = last_complete(kind, utcnow(), zone)  # type: ignore[arg-type]
        for brand in (None, "鲜达外卖"):
            report = complaint_report(
                resources.tickets, SYSTEM, period, brand=brand, mentions=mention_counter(resources.mentions)
            )
            archive.store(report, "zh", created_by="scheduler", pushed_to=["wecom-pr"])
    page = web_zh.page
    web_zh.login()
    page.locator("[data-nav=reports]").click()
    table = page.get_by_test_id("report-archive")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("日报")
    expect(table).to_contain_text("周报")
    expect(table).to_contain_text("wecom-pr")
    assert "None" not in table.inner_text()
    assert_no_english_server_text(web_zh, "#/reports archive")
    web_zh.screenshot("reports-archive-zh")

    pdf_link = table.get_by_test_id("report-pdf").first
    pdf = page.request.get(web_zh.live.url + pdf_link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert re.search(r"投诉(日|周)报", text), text
    xlsx = page.request.get(web_zh.live.url + table.get_by_test_id("report-xlsx").first.get_attribute("href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"

    # The live report of a chosen kind: a daily one, honest about its 14-day baseline.
    page.get_by_test_id("report-kind").select_option("daily")
    expect(page.get_by_test_id("weekly-report").locator("h2")).to_contain_text("投诉日报")
    lines = page.get_by_test_id("report-lines").inner_text()
    assert "None" not in lines and "基线" in lines, lines
