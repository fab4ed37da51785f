"""The dashboard in headless Chromium against the real app: logging in, the overview, mention search with
highlights, hostile posts, alerts and their posts, the tickets board and its workflow, the language switch, and
panels that degrade when an endpoint fails. Each test saves a screenshot to test-output/screenshots/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Watched
from tests.browser.seed import HOSTILE_AUTHOR
from tickets.enums import Role, TicketStatus
from tickets.schemas import TicketUpdate


def settled(web: Watched) -> None:
    """Wait until no panel is still loading."""
    expect(web.page.locator(".panel-body > p.muted", has_text=re.compile(r"^(Loading…|加载中…)$"))).to_have_count(0)


def search(web: Watched, query: str) -> None:
    web.page.get_by_test_id("search-query").fill(query)
    web.page.get_by_test_id("search-submit").click()
    expect(web.page.get_by_test_id("search-status")).not_to_contain_text("Loading")


def test_a_wrong_key_shows_an_error_then_the_right_one_opens_the_overview(web: Watched) -> None:
    page = web.page
    web.goto()
    page.get_by_test_id("login-key").fill("yq_this-is-not-a-key")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("This key is not valid")
    web.screenshot("login-error")

    page.get_by_test_id("login-key").fill(web.live.seeded.admin_key)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("李华")
    # The session is an HttpOnly, SameSite=Strict cookie: no script of the page can read it.
    assert "yuqing_session" not in page.evaluate("document.cookie")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "yuqing_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    chart = page.locator("[data-testid=trend-chart]")
    expect(chart.locator("canvas").first).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.6)
    expect(chart.locator(".chart-tip")).to_contain_text("Mentions")  # the tooltip, built as DOM
    expect(page.get_by_test_id("trend-alerts")).to_contain_text("negative-share")
    expect(page.get_by_test_id("open-alerts")).to_contain_text("negative-share")
    expect(page.get_by_test_id("overdue-tickets")).to_contain_text(web.live.seeded.overdue_number)
    sources = page.get_by_test_id("sources")
    expect(sources.locator("tr[data-state=failing]")).to_contain_text("forum-feed")
    expect(sources).to_contain_text("<b>not bold</b>")  # an error message is text too
    expect(page.locator("[data-panel=platforms] canvas, [data-panel=platforms] .unavailable").first).to_be_visible()
    # The negative posts reaching furthest, and their authors: the large verified account first.
    expect(page.get_by_test_id("top-authors").locator("tbody tr").first).to_contain_text("投诉用户0")
    expect(page.get_by_test_id("top-authors").locator("tbody tr").first).to_contain_text("1,200,000")
    expect(page.get_by_test_id("top-posts").locator("li").first).to_contain_text("Reach 80")
    settled(web)
    web.screenshot("overview")

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_search_shows_highlighted_results_and_facets(web: Watched) -> None:
    page = web.page
    web.login()
    page.locator("[data-nav=search]").click()
    search(web, "退款")
    assert "q=%E9%80%80%E6%AC%BE" in page.url, "the search is in the address, to share it"
    expect(page.get_by_test_id("search-status")).to_contain_text(re.compile(r"\d+ results"))
    first_mark = page.locator("[data-testid=results] mark").first
    expect(first_mark).to_have_text("退款")
    expect(page.get_by_test_id("syntax-help")).to_contain_text("NEAR/5")
    links = page.locator("[data-testid=results] a[target=_blank]")
    expect(links.first).to_have_attribute("rel", "noopener noreferrer")
    expect(links.first).to_have_attribute("href", re.compile(r"^https://"))
    expect(page.locator("[data-facet=platform]")).to_contain_text("weibo")

    save = page.get_by_test_id("save-search")
    save.get_by_test_id("saved-name").fill("退款投诉")
    save.locator("button").click()
    expect(page.get_by_test_id("saved-searches").get_by_role("link", name="退款投诉")).to_be_visible()
    settled(web)
    web.screenshot("search")

    # A facet narrows the search; the saved search brings the query back.
    page.locator("[data-facet=platform] button", has_text="weibo").click()
    expect(page.get_by_test_id("mention").first.locator(".badge.platform")).to_have_text("weibo")
    assert "platform=weibo" in page.url
    web.goto("#/search")
    page.get_by_test_id("saved-searches").get_by_role("link", name="退款投诉").click()
    expect(page.get_by_test_id("search-query")).to_have_value("退款")


def test_a_hostile_post_shows_as_text_and_runs_nothing(web: Watched) -> None:
    page = web.page
    seeded = web.live.seeded
    web.login()
    web.goto("#/search")
    search(web, "恶意")
    card = page.locator(f"[data-mention-id='{seeded.hostile_id}']")
    expect(card).to_contain_text("<script>alert(1)</script>")
    expect(card).to_contain_text("<img src=x onerror=alert(2)>")
    expect(card).to_contain_text(HOSTILE_AUTHOR)
    expect(card).to_contain_text("<b>加粗标题</b>")
    expect(card.locator("mark").first).to_have_text("恶意")
    for tag in ("script", "img", "b"):
        expect(card.locator(tag)).to_have_count(0)
    # Its URL is javascript:…: shown as plain text, never a link.
    expect(card.locator("a")).to_have_count(0)
    expect(page.locator("a[href^='javascript' i]")).to_have_count(0)
    page.wait_for_timeout(300)  # time for any handler that got in to fire; the fixture fails on a dialog
    web.screenshot("search-hostile")

    # Even markup that got in some other way could not run: the page's policy blocks inline script.
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                   document.body.append(s); }"""
    )
    assert page.evaluate("window.injected") is None
    blocked = [e for e in web.errors if e.startswith("CSP:") and "script-src 'self'" in e]
    assert len(blocked) == 1, web.errors
    web.errors.remove(blocked[0])  # the one violation this test caused on purpose


def test_a_query_error_points_at_the_place(web: Watched) -> None:
    web.login()
    web.goto("#/search")
    search(web, "(退款 OR")
    problem = web.page.get_by_test_id("query-error")
    expect(problem).to_be_visible()
    expect(problem.locator("pre.caret")).to_contain_text("^")
    web.screenshot("search-query-error")


def test_a_ticket_is_opened_from_a_mention(web: Watched) -> None:
    page = web.page
    web.login()
    web.goto("#/search")
    search(web, "送错")
    card = page.get_by_test_id("mention").first
    card.get_by_test_id("open-ticket").click()
    form = card.get_by_test_id("ticket-form")
    form.locator("input[name=title]").fill("顾客反映订单送错，申请退款")
    form.locator("select[name=priority]").select_option("major")
    form.get_by_test_id("create-ticket").click()
    created = form.get_by_test_id("created-ticket")
    expect(form).to_contain_text(re.compile(r"Ticket FBD\d+ opened"))
    web.screenshot("ticket-from-mention")
    created.click()
    detail = page.get_by_test_id("ticket-detail")
    expect(detail).to_contain_text("顾客反映订单送错，申请退款")
    expect(detail).to_contain_text("鲜达外卖又送错了，申请退款")  # the mention, attached


def test_an_alert_explains_why_it_fired_with_its_posts_and_ticket(web: Watched) -> None:
    page = web.page
    seeded = web.live.seeded
    web.login()
    page.locator("[data-nav=alerts]").click()
    row = page.locator("[data-testid=alert-states] tr[data-rule=negative-share]")
    expect(row).to_contain_text("firing")
    expect(row).to_contain_text(seeded.alert_ticket_number)
    settled(web)
    web.screenshot("alerts")

    row.get_by_role("link", name="Details").click()
    expect(page.get_by_test_id("incident-title")).to_contain_text("negative-share · 鲜达外卖")
    why = page.get_by_test_id("why-fired")
    expect(why).to_contain_text("6/6 mentions negative")
    expect(why.locator("dd", has_text="50%")).to_have_count(1)  # the threshold
    expect(page.get_by_test_id("incident-numbers")).to_contain_text("100%")
    posts = page.get_by_test_id("incident-posts")
    expect(posts.get_by_test_id("mention")).to_have_count(3)
    expect(posts).to_contain_text("<script>alert(1)</script>")  # the hostile post is one of them, as text
    expect(posts.locator("script, img")).to_have_count(0)
    ticket = page.get_by_test_id("incident-ticket")
    expect(ticket).to_contain_text(seeded.alert_ticket_number)
    web.screenshot("alert-incident")
    ticket.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-detail")).to_contain_text(seeded.alert_ticket_number)


def test_a_ticket_moves_through_its_workflow_on_the_board(web: Watched) -> None:
    page = web.page
    overdue, number = web.live.seeded.overdue_number, web.live.seeded.on_time_number
    web.login()
    page.locator("[data-nav=tickets]").click()
    assigned = page.get_by_test_id("column-assigned")
    # Overdue first: the overdue general ticket leads the column, before the urgent one that is on time.
    expect(assigned.get_by_test_id("ticket-card").first).to_have_attribute("data-number", overdue)
    expect(assigned.get_by_test_id("ticket-card").first).to_contain_text("overdue")
    settled(web)
    web.screenshot("tickets-board")

    assigned.locator(f"[data-number='{number}']").click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text("Assigned")
    actions = page.get_by_test_id("ticket-actions")
    expect(actions.locator("button")).to_have_text(["In progress", "Waiting for customer", "Resolved"])
    actions.get_by_test_id("move-in_progress").click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text("In progress")
    expect(page.locator(".flash.ok")).to_contain_text("Moved to: In progress")
    expect(page.get_by_test_id("history")).to_contain_text("status: Assigned → In progress")
    page.get_by_test_id("comment-text").fill("已电话联系顾客，补发餐品")
    page.get_by_test_id("comment-form").locator("button").click()
    expect(page.get_by_test_id("comments")).to_contain_text("已电话联系顾客，补发餐品")
    page.get_by_test_id("reply-text").fill("您好，已为您安排补发，给您带来不便深表歉意。")
    page.get_by_test_id("reply-form").locator("button").click()
    expect(page.get_by_test_id("comments")).to_contain_text("已为您安排补发")
    web.screenshot("ticket-detail")

    page.locator("[data-nav=tickets]").click()
    expect(page.get_by_test_id("column-in_progress").locator(f"[data-number='{number}']")).to_be_visible()
    expect(page.get_by_test_id("column-assigned").locator(f"[data-number='{number}']")).to_have_count(0)


def test_a_change_made_meanwhile_is_not_overwritten(web: Watched) -> None:
    page = web.page
    tickets = web.live.seeded.resources.tickets
    web.login()
    web.goto("#/tickets")
    page.get_by_test_id("ticket-card").filter(has_text="建议增加夜宵菜单").click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text("Assigned")
    ticket_id = int(page.url.rsplit("/", 1)[1])
    # Someone else moves it while this page shows the old version.
    tickets.update(ticket_id, TicketUpdate(status=TicketStatus.in_progress))
    page.get_by_test_id("move-resolved").click()
    problem = page.locator(".flash.error")
    expect(problem).to_contain_text("Someone changed the ticket")
    web.screenshot("ticket-conflict")
    problem.get_by_role("button", name="Reload").click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text("In progress")


def test_a_pr_person_reads_tickets_but_cannot_change_them(web: Watched) -> None:
    page = web.page
    web.login(web.live.seeded.pr_key)
    expect(page.get_by_test_id("whoami")).to_contain_text("read-only")
    web.goto("#/search")
    search(web, "退款")
    expect(page.get_by_test_id("mention").first).to_be_visible()
    expect(page.get_by_test_id("open-ticket")).to_have_count(0)
    web.goto("#/tickets")
    page.get_by_test_id("ticket-card").first.click()
    expect(page.get_by_test_id("ticket-detail")).to_contain_text("read-only")
    expect(page.get_by_test_id("ticket-actions")).to_have_count(0)


def test_the_language_follows_the_browser_and_the_switch(web_zh: Watched) -> None:
    page = web_zh.page
    web_zh.goto()
    expect(page.locator("h1")).to_have_text("登录舆情监测")
    web_zh.login()
    expect(page.locator("[data-nav=overview]")).to_have_text("总览")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.get_by_test_id("trend-alerts")).to_contain_text("negative-share")
    settled(web_zh)
    web_zh.screenshot("overview-zh")

    page.get_by_test_id("language").select_option("en")
    expect(page.locator("[data-nav=overview]")).to_have_text("Overview")
    page.reload()
    expect(page.locator("[data-nav=tickets]")).to_have_text("Tickets")  # the choice is remembered
    page.get_by_test_id("language").select_option("zh")
    page.locator("[data-nav=tickets]").click()
    expect(page.get_by_test_id("column-assigned").locator("h2")).to_contain_text("已分派")
    # The switch is kept on the user (every browser opens in it): the other tests know 李华 without a choice.
    users = web_zh.live.seeded.resources.users
    for _ in range(50):  # the switch's PUT /session/language lands in the background
        if users.by_name("lihua").language == "zh":
            break
        page.wait_for_timeout(100)
    lihua = users.by_name("lihua")
    assert lihua.language == "zh"
    users.update(lihua.id, {"language": None}, actor="test")


def _fail(route: Any, status: int) -> None:
    body = {"error": {"status": status, "code": "x", "message": "Not Found" if status == 404 else "boom"}}
    route.fulfill(status=status, json=body)


def test_failing_endpoints_leave_clear_panels_not_a_blank_page(web: Watched) -> None:
    page = web.page
    web.login()
    page.route("**/api/v1/mentions/facets*", lambda route: _fail(route, 404))
    page.route(re.compile(r"/api/v1/alerts(/|\?|$)"), lambda route: _fail(route, 500))
    page.route("**/api/v1/sources", lambda route: route.abort())
    web.goto("#/overview?range=7d")
    expect(page.locator("[data-panel=platforms] [data-testid=unavailable]")).to_contain_text(
        "This server does not offer this yet"
    )
    expect(page.locator("[data-panel=open-alerts] [data-testid=unavailable]")).to_contain_text("boom")
    expect(page.locator("[data-panel=sources] [data-testid=unavailable]")).to_contain_text("cannot be reached")
    expect(page.locator("[data-testid=trend-chart] canvas").first).to_be_visible()  # the trend still shows
    expect(page.locator("[data-panel=trend]")).to_contain_text("Alert markers not available")
    settled(web)
    web.screenshot("degraded")
    web.goto("#/alerts")
    expect(page.locator("[data-panel=alert-states] [data-testid=unavailable]")).to_be_visible()


def test_deactivating_a_user_ends_their_session_in_the_browser(web: Watched) -> None:
    users = web.live.seeded.resources.users
    user, key = users.create("temp-browser", Role.pr)
    page = web.page
    web.login(key)
    settled(web)
    users.set_active(user.id, False, actor="test")
    page.locator("[data-nav=alerts]").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("login-error")).to_contain_text("session has ended")
