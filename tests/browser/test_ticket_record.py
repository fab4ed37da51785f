"""A ticket's record in the dashboard: grade and assignee changed (transfer to a colleague), similar solved cases
beside the ticket with their solution, and a duplicate merged into another ticket by its number.
Screenshots go to test-output/screenshots/record-*.png."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Watched
from tickets.enums import Satisfaction, TicketStatus
from tickets.schemas import ReplyIn, SatisfactionIn, TicketCreate, TicketUpdate


def test_transfer_similar_cases_and_merge(web: Watched) -> None:
    page = web.page
    tickets = web.live.seeded.resources.tickets
    users = {u.name: u for u in web.live.seeded.resources.users.all()}
    refund = "申请退款五天了还没到账"
    solved, _ = tickets.create(TicketCreate(title="退款一直没到账", description=refund, brand="鲜达外卖"))
    tickets.reply(solved.id, ReplyIn(body="您好，已联系支付渠道加急"))
    measures = "联系支付渠道加急处理，24小时内到账"
    tickets.update(solved.id, TicketUpdate(status=TicketStatus.resolved, actions_taken=measures))
    tickets.record_satisfaction(solved.id, SatisfactionIn(satisfaction=Satisfaction.satisfied))
    again = "申请退款三天了还没有到账"
    first, _ = tickets.create(TicketCreate(title="退款没到账", description=again, brand="鲜达外卖"))
    duplicate, _ = tickets.create(TicketCreate(title="退款还没到账，三天了", brand="鲜达外卖"))

    web.login()
    web.goto(f"#/tickets/{first.id}")
    similar = page.get_by_test_id("similar-cases")
    expect(similar.get_by_test_id("similar-case").first).to_contain_text("退款一直没到账")
    expect(similar).to_contain_text("联系支付渠道加急处理")

    record = page.get_by_test_id("record-form")
    record.get_by_test_id("edit-priority").select_option("major")
    expect(record.get_by_test_id("edit-assignee").locator("option", has_text="张伟")).to_have_count(1)
    record.get_by_test_id("edit-assignee").select_option(str(users["zhangwei"].id))
    web.screenshot("record-edit")
    record.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("priority: General → Major")
    changed = tickets.get(first.id)
    assert changed.priority.value == "major" and changed.assignee_id == users["zhangwei"].id

    web.goto(f"#/tickets/{duplicate.id}")
    merge = page.get_by_test_id("merge-form")
    merge.get_by_test_id("merge-into").fill(first.number)
    merge.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-detail")).to_contain_text(first.number)
    expect(page.get_by_test_id("comments")).to_contain_text(f"merged {duplicate.number} into this ticket")
    web.screenshot("record-merged")
    source = tickets.get(duplicate.id)
    assert source.status.value == "closed" and source.merged_into_id == first.id
