"""The weekly report in the Chinese dashboard: the server's sentences in Chinese, honest about a missing baseline
(the seeded stores hold days, not weeks, of data), never "None"."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Watched
from tests.browser.test_chinese_interface import assert_no_english_server_text


def test_the_weekly_report_reads_in_chinese_and_says_there_is_no_baseline(web_zh: Watched) -> None:
    page = web_zh.page
    web_zh.login()
    page.locator("[data-nav=reports]").click()
    lines = page.get_by_test_id("report-lines")
    expect(lines).to_contain_text("投诉率：")
    report = page.get_by_test_id("weekly-report")
    expect(report.locator("h2")).to_contain_text("投诉周报")
    text = report.inner_text()
    assert "None" not in text and "null" not in text
    assert "暂无基线" in text or "无法计算投诉率" in text, text
    assert "在基线范围内" not in text  # no verdict against a baseline that does not exist
    assert_no_english_server_text(web_zh, "#/reports")
    web_zh.screenshot("report-weekly-zh")

    page.get_by_test_id("language").select_option("en")
    expect(page.get_by_test_id("report-lines")).to_contain_text("Complaint rate:")
    assert "None" not in page.get_by_test_id("weekly-report").inner_text()
