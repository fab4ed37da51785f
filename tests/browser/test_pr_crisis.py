"""A crisis alert (critical_words: a poisoning) stands apart for the PR team: a red banner at the top of the
overview and alerts pages, first and marked in the rule table, with its ticket one click away, and a desktop
notification when the browser allows them. The real engine fires it. Screenshot: test-output/screenshots/."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from playwright.sync_api import expect

from alerts.client import TicketClient
from alerts.engine import AlertEngine
from api.app import create_app
from config.loader import parse_config
from foundation.timeutil import utcnow
from tests.browser.conftest import Watched
from tests.factories import BRANDS_YAML, make_mention


def crisis_yaml(rule: str) -> str:
    return BRANDS_YAML + f"\nalerts:\n  rules:\n    - {{name: {rule}, type: critical_words, brands: [鲜达外卖]}}\n"


def fire_crisis(web: Watched, rule: str = "crisis-words") -> str:
    """Fire ``rule`` on a poisoning post with the real engine; its ticket's number. The browser tests share one
    server, so each test names its own rule: an incident another test left open would absorb the firing."""
    resources = web.live.seeded.resources
    now = utcnow()
    post = make_mention(
        "鲜达外卖的炸鸡吃出问题，一家三口食物中毒住院，已联系媒体曝光",
        platform="weibo",
        post_id="crisis-1",
        label="negative",
        score=0.02,
        published_at=now - timedelta(minutes=5),
        collected_at=now - timedelta(minutes=1),
        updated_at=now - timedelta(minutes=1),
    )
    resources.mentions.upsert([post])
    resources.mentions.refresh()
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    engine = AlertEngine.from_config(parse_config(crisis_yaml(rule)), resources.mentions, resources.alerts, client)
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(asyncio.run, engine.evaluate(now)).result()
    [fired] = [f for f in report.fired if f.rule == rule]
    assert fired.ticket_number
    return fired.ticket_number


def test_a_crisis_alert_is_set_apart_and_notifies(web_zh: Watched) -> None:
    page = web_zh.page
    number = fire_crisis(web_zh)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(
        "window.__notified = []; window.Notification = class { static permission = 'granted';"
        " static requestPermission() { return Promise.resolve('granted'); }"
        " constructor(title, options) { window.__notified.push(title); } };"
    )
    web_zh.login()
    banner = page.get_by_test_id("crisis-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("危机告警：1 条正在发生")
    expect(banner.get_by_test_id("crisis-item")).to_contain_text("鲜达外卖")
    # The rule writes its summary in English; the reader gets it from the catalogue in Chinese.
    expect(banner.get_by_test_id("crisis-item")).to_contain_text("weibo 帖子出现危机词")
    expect(banner).not_to_contain_text("crisis words")
    expect(banner.get_by_role("link", name=number)).to_be_visible()
    page.wait_for_function("window.__notified.length > 0")
    assert page.evaluate("window.__notified") == ["危机告警：鲜达外卖"]

    page.locator("[data-nav=alerts]").click()
    expect(page.get_by_test_id("crisis-banner")).to_be_visible()
    first = page.get_by_test_id("alert-states").locator("tbody tr").first
    expect(first).to_have_attribute("data-rule", "crisis-words")
    expect(first).to_have_class("is-firing is-crisis")
    web_zh.screenshot("pr-crisis-alerts")
    # Seen once: a reload does not notify again.
    page.reload()
    expect(page.get_by_test_id("crisis-banner")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__notified") == []

    page.get_by_test_id("crisis-banner").get_by_role("link", name=number).click()
    expect(page.get_by_test_id("ticket-detail")).to_contain_text("食物中毒")
    expect(page.get_by_test_id("ticket-detail").locator(".badge").first).to_be_visible()
