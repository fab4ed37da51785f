"""The PR team works an incident on the alerts page: the open one is listed, acknowledged with one click (it
moves to the acknowledged tab), and on its page commented on, with the comment in its history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from foundation.timeutil import utcnow
from tests.browser.conftest import Watched
from tests.browser.test_pr_crisis import fire_crisis


@pytest.fixture
def handled_rule(web_zh: Watched) -> Iterator[str]:
    """The rule this test fires; its incident is resolved afterwards, so the crisis banner of later tests on the
    shared server counts only their own crises."""
    yield "crisis-handled"
    alerts = web_zh.live.seeded.resources.alerts
    for state in alerts.all():
        if state.rule == "crisis-handled":
            alerts.resolve(state.rule, state.key, utcnow())


def test_acknowledge_and_comment_on_an_incident(web_zh: Watched, handled_rule: str) -> None:
    page = web_zh.page
    number = fire_crisis(web_zh, rule=handled_rule)
    web_zh.login()
    page.locator("[data-nav=alerts]").click()
    incidents = page.get_by_test_id("incidents")
    row = incidents.locator("tbody tr").first
    expect(row).to_have_attribute("data-status", "open")
    expect(row).to_contain_text("crisis-handled · 鲜达外卖")
    expect(row.get_by_role("link", name=number)).to_be_visible()
    row.get_by_role("button", name="确认").click()
    expect(page.get_by_test_id("incidents")).to_have_count(0)  # no open incident left
    page.get_by_test_id("incident-tabs").get_by_role("tab", name="已确认").click()
    acked = page.get_by_test_id("incidents").locator("tbody tr").first
    expect(acked).to_have_attribute("data-status", "acknowledged")
    web_zh.screenshot("incidents-acknowledged")

    acked.get_by_role("link", name="crisis-handled · 鲜达外卖").click()
    handling = page.get_by_test_id("incident-handling")
    expect(handling).to_contain_text("已确认")
    handling.get_by_test_id("comment-text").fill("已联系门店核实，15 分钟后回报")
    handling.get_by_role("button", name="添加评论").click()
    history = page.get_by_test_id("incident-history")
    expect(history.locator("li[data-kind=commented]")).to_contain_text("已联系门店核实")
    expect(history.locator("li[data-kind=acknowledged]")).to_be_visible()
    web_zh.screenshot("incident-history")


def test_alert_markers_close_in_time_share_one_label(web_zh: Watched) -> None:
    page = web_zh.page
    web_zh.login()
    src = page.locator("script[type=module]").get_attribute("src") or ""
    charts = src.replace("/main.js", "/charts.js")
    minute = 60_000
    clusters = page.evaluate(
        """async ([url, minute]) => {
            const { clusterMarkers } = await import(url);
            const at = (m) => new Date(Date.UTC(2026, 10, 20, 8) + m * minute).toISOString();
            const events = [
              { at: at(0), rule: "spike" }, { at: at(20), rule: "spike" },   // one rule twice: "spike ×2"
              { at: at(300), rule: "neg" }, { at: at(310), rule: "spike" },  // two rules: "2 条告警"
              { at: at(900), rule: "neg" },                                  // alone: its rule
              { at: "not a time", rule: "broken" },                          // left out
            ];
            return clusterMarkers(events, 60 * minute).map((m) => m.name);
        }""",
        [charts, minute],
    )
    assert clusters == ["spike ×2", "2 条告警", "neg"]
