"""No English server text in the Chinese interface: in a zh-CN browser, what the server writes into the pages
(here: the error of a ticket changed meanwhile) comes from the Chinese catalogue, and no page shows an English
message of the catalogue. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from foundation.i18n import catalog
from tests.browser.conftest import Watched
from tickets.enums import TicketStatus
from tickets.schemas import TicketCreate, TicketUpdate

PLACEHOLDER = re.compile(r"%\(\w+\)s")
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ ,;:'()-]+[A-Za-z]{2,}){2,}")


def english_fragments() -> list[str]:
    """The literal stretches (12+ characters) of every English message in the catalogue."""
    zh = catalog("zh")
    assert zh is not None
    out = []
    for entry in zh:
        if isinstance(entry.id, str) and entry.id:
            # Sentences, not codes: "negative_share" is a rule type shown as it is, like a brand name.
            out += [p.strip() for p in PLACEHOLDER.split(entry.id) if len(p.strip()) >= 12 and " " in p.strip()]
    return out


def assert_no_english_server_text(web: Watched, where: str) -> None:
    body = web.page.locator("body").inner_text()
    leaked = [fragment for fragment in english_fragments() if fragment in body]
    assert not leaked, f"{where}: English server text in the Chinese interface: {leaked}"


def test_server_messages_in_the_chinese_interface_are_chinese(web_zh: Watched) -> None:
    page = web_zh.page
    tickets = web_zh.live.seeded.resources.tickets
    ticket, _ = tickets.create(TicketCreate(title="配送员态度恶劣，要求道歉", brand="鲜达外卖"))
    web_zh.login()
    admin = (
        "#/admin/users",
        "#/admin/exports",
        "#/admin/audit",
        "#/admin/sources",
        "#/admin/rules",
        "#/admin/knowledge",
    )
    for route in ("#/overview", "#/search", "#/alerts", "#/tickets", *admin):
        web_zh.goto(route)
        page.locator("main").wait_for()
        expect(page.locator(".panel-body > p.muted", has_text="加载中…")).to_have_count(0)
        expect(page.locator(".admin-body p.muted", has_text="加载中…")).to_have_count(0)
        assert_no_english_server_text(web_zh, route)

    web_zh.goto(f"#/tickets/{ticket.id}")
    expect(page.get_by_test_id("ticket-detail")).to_contain_text("配送员态度恶劣")
    # Someone else moves it while this page shows the old version: the server's refusal is shown in Chinese.
    tickets.update(ticket.id, TicketUpdate(status=TicketStatus.in_progress))
    page.get_by_test_id("ticket-actions").locator("button").first.click()
    problem = page.locator(".flash.error")
    expect(problem).to_contain_text("工单已被他人修改")
    expect(problem).to_contain_text(f"工单 {ticket.number} 在版本")
    text = problem.inner_text()
    assert not ENGLISH_RUN.search(text.replace(ticket.number, "")), text
    assert_no_english_server_text(web_zh, "ticket conflict")
    web_zh.screenshot("zh-server-error")
