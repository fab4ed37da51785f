"""The agent's queues on the tickets page: my tickets with the SLA countdown, my department, overdue first,
open tickets by grade; lookup by ticket number; a complaint taken by phone through the new-ticket form.
Screenshots go to test-output/screenshots/queue-*.png."""

from __future__ import annotations

from playwright.sync_api import expect

from foundation.vocabulary import Role
from tests.browser.conftest import Watched
from tickets.schemas import TicketCreate, TicketUpdate


def test_my_queue_shows_my_tickets_with_their_countdown(web_zh: Watched) -> None:
    page = web_zh.page
    resources = web_zh.live.seeded.resources
    me, key = resources.users.create("chenjing", Role.agent, departments=["客服部"], display_name="陈静")
    mine, _ = resources.tickets.create(TicketCreate(title="请问会员怎么开通自动续费", brand="鲜达外卖"))
    resources.tickets.update(mine.id, TicketUpdate(assignee_id=me.id))
    web_zh.login(key)
    web_zh.goto("#/tickets")
    page.get_by_test_id("queue-mine").click()
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", mine.number)
    sla = rows.first.get_by_test_id("sla")
    expect(sla).to_contain_text("响应剩余")  # a general complaint: 24 h to respond
    assert sla.get_attribute("data-level") == "ok"
    web_zh.screenshot("queue-mine")

    page.get_by_test_id("queue-department").click()
    expect(page.get_by_test_id("queue-row").filter(has_text=mine.number)).to_have_count(1)
    # Only the department's tickets: the quality department's 炸鸡 complaints are not in this agent's queue.
    for number in page.get_by_test_id("queue-row").evaluate_all("rows => rows.map(r => r.dataset.number)"):
        assert resources.tickets.get_by_number(number).department == "客服部"


def test_overdue_grade_lookup_and_a_phone_complaint(web: Watched) -> None:
    page = web.page
    seeded = web.live.seeded
    web.login()
    web.goto("#/tickets?view=overdue")
    overdue = page.get_by_test_id("queue-row").filter(has_text=seeded.overdue_number)
    expect(overdue).to_have_count(1)
    expect(overdue.get_by_test_id("sla")).to_contain_text("overdue")
    assert overdue.get_by_test_id("sla").get_attribute("data-level") == "over"
    web.screenshot("queue-overdue")

    page.get_by_test_id("queue-grade").click()
    expect(page.get_by_test_id("grade-board")).to_be_visible()
    for grade in ("urgent", "major", "general", "suggestion"):
        expect(page.get_by_test_id(f"grade-{grade}").locator(".muted", has_text="Loading")).to_have_count(0)
    urgent_numbers = (
        page.get_by_test_id("grade-urgent")
        .get_by_test_id("queue-row")
        .evaluate_all("rows => rows.map(r => r.dataset.number)")
    )
    assert all(seeded.resources.tickets.get_by_number(n).priority.value == "urgent" for n in urgent_numbers)
    web.screenshot("queue-grade")

    # Lookup: a number as a customer reads it out on the phone (lower case, spaces) finds the ticket.
    page.get_by_test_id("lookup-number").fill(f" {seeded.on_time_number.lower()} ")
    page.get_by_test_id("lookup-form").locator("button").click()
    expect(page.get_by_test_id("ticket-detail")).to_contain_text(seeded.on_time_number)
    web.goto("#/tickets")
    page.get_by_test_id("lookup-number").fill("FBD0000000000")
    page.get_by_test_id("lookup-form").locator("button").click()
    expect(page.get_by_test_id("lookup-form").locator(".flash.error")).to_contain_text("does not exist")

    # A complaint by phone: the form opens a ticket, routed and graded like any other.
    page.get_by_test_id("new-ticket").click()
    form = page.get_by_test_id("new-ticket-form")
    form.get_by_test_id("new-title").fill("电话投诉：外卖洒了一半，商家拒绝退款")
    form.get_by_test_id("new-channel").select_option("phone")
    form.get_by_test_id("new-customer-name").fill("刘女士")
    form.get_by_test_id("new-customer-phone").fill("13800138000")
    form.get_by_test_id("new-customer-type").select_option("vip")
    form.get_by_test_id("new-description").fill("顾客来电，汤洒了一半，联系商家被拒绝退款。")
    web.screenshot("queue-new-ticket-form")
    form.locator("button[type=submit]").click()
    detail = page.get_by_test_id("ticket-detail")
    expect(detail).to_contain_text("电话投诉：外卖洒了一半")
    expect(detail).to_contain_text("Channel: Phone")
    number = detail.locator(".number").inner_text()
    created = seeded.resources.tickets.get_by_number(number)
    assert created.customer is not None and created.customer.name == "刘**"  # stored, shown masked
    assert created.customer.phone == "*******8000"
    assert created.origin.value == "manual" and created.department
    assert created.customer.type.value == "vip"
