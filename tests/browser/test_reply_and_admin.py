"""The reply sent to the customer from the ticket page, with its delivery status, and the admin pages, in a
real browser: a knowledge-base answer inserted into the reply, the reply e-mailed through a local SMTP server
(aiosmtpd on 127.0.0.1) and shown as sent, a failed SMS shown with its reason and sent again; users edited,
a rule replayed over history, a knowledge entry added; the language kept per user. Chinese interface without
English server text. Screenshots go to test-output/screenshots/reply-*.png and admin-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from api.resources import Resources
from foundation.access import SYSTEM
from tests.browser.conftest import Watched
from tests.browser.test_chinese_interface import assert_no_english_server_text
from tests.smtp_server import Inbox, smtp_server
from tickets.config import ReplyEmailConfig, ReplySmsConfig
from tickets.enums import Category, Role
from tickets.schemas import Customer, KnowledgeEntryIn, TicketCreate
from tickets.sending import ReplySender


@pytest.fixture
def channels(web_zh: Watched) -> Iterator[tuple[Inbox, list[int]]]:
    """E-mail to a local SMTP server and an SMS gateway that fails once, configured on the live server."""
    resources: Resources = web_zh.live.seeded.resources
    gateway_answers = [503]

    def gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(gateway_answers.pop(0) if gateway_answers else 200, json={})

    replies = resources.config.tickets.replies
    saved = (replies.email, replies.sms, resources.reply_sender)
    with smtp_server() as inbox:
        replies.email = ReplyEmailConfig(host="127.0.0.1", port=inbox.port, security="none", sender="kf@xianda.example")
        replies.sms = ReplySmsConfig(url="http://sms.gateway.test/send")  # type: ignore[arg-type]
        resources.reply_sender = ReplySender(replies, transport=httpx.MockTransport(gateway))
        try:
            yield inbox, gateway_answers
        finally:
            replies.email, replies.sms, resources.reply_sender = saved


def test_reply_by_email_with_a_knowledge_answer_and_sms_retry(
    web_zh: Watched, channels: tuple[Inbox, list[int]]
) -> None:
    inbox, _ = channels
    page = web_zh.page
    store = web_zh.live.seeded.resources.tickets
    store.add_knowledge(
        KnowledgeEntryIn(
            title="餐品洒漏", answer="非常抱歉餐品洒漏，已为您安排重新配送。", category=Category.logistics
        ),
        actor=SYSTEM,
    )
    ticket, _ = store.create(
        TicketCreate(
            title="外卖汤洒了一袋子",
            description="送到时汤洒了，袋子里全是汤",
            brand="鲜达外卖",
            category=Category.logistics,
            customer=Customer(name="赵女士", email="zhao@example.com", phone="13900139000"),
        )
    )
    web_zh.login()
    web_zh.goto(f"#/tickets/{ticket.id}")
    answers = page.get_by_test_id("knowledge-answers")
    expect(answers.get_by_test_id("knowledge-answer").first).to_contain_text("已为您安排重新配送")
    answers.get_by_test_id("knowledge-insert").first.click()
    reply = page.get_by_test_id("reply-form")
    expect(reply.get_by_test_id("reply-text")).to_have_value("非常抱歉餐品洒漏，已为您安排重新配送。")
    expect(reply.get_by_test_id("reply-channel")).to_have_value("email")  # the ticket has an address
    reply.locator("button[type=submit]").click()
    delivery = page.get_by_test_id("delivery").first
    expect(delivery).to_have_attribute("data-status", "sent")
    expect(delivery).to_contain_text("已发送")
    expect(delivery).to_contain_text("电子邮件")
    [mail] = inbox.messages
    assert mail["To"] == "zhao@example.com"
    assert "重新配送" in mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    expect(page.get_by_test_id("history")).to_contain_text("回复发送")
    assert_no_english_server_text(web_zh, "reply sent")
    web_zh.screenshot("reply-email-sent")

    # An SMS whose gateway is down: failed with its reason and the next attempt, then sent again by hand.
    reply = page.get_by_test_id("reply-form")
    reply.get_by_test_id("reply-text").fill("您好，骑手已出发，预计 30 分钟送达。")
    reply.get_by_test_id("reply-channel").select_option("sms")
    reply.locator("button[type=submit]").click()
    failed = page.locator("[data-testid=delivery][data-status=failed]")
    expect(failed).to_contain_text("发送失败")
    expect(failed).to_contain_text("503")
    expect(failed).to_contain_text("自动重试")
    web_zh.screenshot("reply-sms-failed")
    failed.get_by_test_id("delivery-retry").click()
    expect(page.locator("[data-testid=delivery][data-status=sent]")).to_have_count(2)
    assert_no_english_server_text(web_zh, "sms resent")


def test_admin_pages_users_rules_and_knowledge(web_zh: Watched) -> None:
    page = web_zh.page
    resources = web_zh.live.seeded.resources
    web_zh.login()
    page.locator("[data-nav=admin]").click()
    users = page.get_by_test_id("users-table")
    expect(users.locator("tr[data-user=zhangwei]")).to_contain_text("客服")
    users.locator("tr[data-user=zhangwei]").get_by_test_id("user-edit").click()
    form = page.get_by_test_id("user-form")
    form.get_by_test_id("user-brands").locator("input[value=光屿手机]").check()
    form.get_by_test_id("user-save").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.get_by_test_id("users-table").locator("tr[data-user=zhangwei]")).to_contain_text("光屿手机")
    zhangwei = resources.users.by_name("zhangwei")
    assert zhangwei.brands == ["光屿手机"]
    web_zh.screenshot("admin-users")
    # The other tests of the package know 张伟 as an agent of every brand.
    resources.users.update(zhangwei.id, {"brands": []}, actor="test")

    page.locator("[data-tab=audit]").click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("修改用户")

    page.locator("[data-tab=sources]").click()
    expect(page.get_by_test_id("sources-table").locator("tr[data-source=industry-news]")).to_be_visible()

    page.locator("[data-tab=rules]").click()
    rule = page.get_by_test_id("rules-table").locator("tr[data-rule=negative-share]")
    expect(rule).to_contain_text("负面占比")
    rule.get_by_test_id("rule-test").click()
    replay = page.get_by_test_id("rule-replay")
    expect(replay.locator("h2")).to_contain_text("次评估中告警")
    web_zh.screenshot("admin-rule-replay")

    page.locator("[data-tab=knowledge]").click()
    kb = page.get_by_test_id("kb-form")
    kb.get_by_test_id("kb-title").fill("发票怎么开")
    kb.get_by_test_id("kb-answer").fill("在订单详情页点“申请发票”，电子发票会发到您的邮箱。")
    kb.get_by_test_id("kb-category").select_option("process")
    kb.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-table")).to_contain_text("发票怎么开")
    assert any(e.title == "发票怎么开" for e in resources.tickets.knowledge_entries())
    assert_no_english_server_text(web_zh, "admin")
    web_zh.screenshot("admin-knowledge")


def test_the_language_is_kept_on_the_user(web_zh: Watched) -> None:
    users = web_zh.live.seeded.resources.users
    user, key = users.create("sunli", Role.agent, departments=["客服部"], display_name="孙丽")
    users.update(user.id, {"language": "en"}, actor="test")
    page = web_zh.page
    web_zh.login(key)
    # A Chinese browser, but the user chose English: the dashboard opens in it.
    expect(page.locator("[data-nav=tickets]")).to_have_text("Tickets")
    page.get_by_test_id("language").select_option("zh")
    expect(page.locator("[data-nav=tickets]")).to_have_text("工单")
    # The choice is kept on the user (PUT /session/language), not only in this browser.
    for _ in range(50):
        if users.by_name("sunli").language == "zh":
            break
        page.wait_for_timeout(100)
    assert users.by_name("sunli").language == "zh"
