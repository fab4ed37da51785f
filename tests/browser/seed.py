"""Embedded stores filled the way a running service fills them: mentions over two weeks (one of them hostile),
an alert fired by the real engine (which opens its ticket through the API), manual tickets, users and source
runs. ``python -m tests.browser.seed DIR`` seeds DIR and serves it on 127.0.0.1:8765 to look at by hand."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alerts.client import TicketClient
from alerts.engine import AlertEngine
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.access import SYSTEM
from foundation.health import RunReport
from foundation.timeutil import utcnow
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Level, Priority, Role, TicketStatus
from tickets.schemas import ReplyIn, TicketCreate, TicketUpdate

BOOTSTRAP_KEY = "browser-bootstrap-key-0123456789"
SESSION_SECRET = "browser-session-secret-0123456789abcdef"

CONFIG_YAML = (
    BRANDS_YAML
    + """
sources:
  - name: industry-news
    type: feed
    urls: [https://news.example.com/rss.xml]
    interval: 15m
  - name: forum-feed
    type: feed
    urls: [https://forum.example.com/feed.xml]
    interval: 30m
alerts:
  rules:
    - name: negative-share
      type: negative_share
      window: 24h
      min_count: 4
      threshold: 0.5
      priority: urgent
      top_posts: 3
      brands: [鲜达外卖]
"""
)

#: A crawled post written to attack the page that shows it.
HOSTILE_TEXT = "鲜达外卖 恶意测试 <script>alert(1)</script> <img src=x onerror=alert(2)> 退款"
HOSTILE_AUTHOR = "<img src=x onerror=alert(3)>"
HOSTILE_URL = "javascript:alert(4)"

_XIANDA = [
    ("鲜达外卖配送太慢了，等了两个小时，要求退款", "negative", 0.08, "weibo"),
    ("鲜达外卖的客服态度很差，退款一直没到账", "negative", 0.05, "heimao"),
    ("鲜达外卖今天的炸鸡很好吃，好评", "positive", 0.91, "app_store"),
    ("鲜达外卖新出的套餐性价比不错", "positive", 0.83, "tieba"),
    ("鲜达外卖送餐员很准时", "neutral", 0.55, "weibo"),
    ("鲜达外卖的包装有点漏汤", "negative", 0.21, "app_store"),
]
_LUMI = [
    ("光屿手机发热严重，打游戏烫手", "negative", 0.12, "weibo"),
    ("光屿手机的拍照效果很棒", "positive", 0.88, "bilibili"),
    ("光屿手机 Lumi X2 续航一般", "neutral", 0.48, "news"),
]


@dataclass
class Seeded:
    """What the tests need to know about the seeded stores."""

    settings: Settings
    resources: Resources
    admin_key: str
    pr_key: str
    hostile_id: str
    alert_ticket_number: str
    overdue_number: str
    on_time_number: str


def seed(directory: Path, now: datetime | None = None) -> Seeded:
    now = now or utcnow()
    settings = Settings(
        data_dir=directory,
        config=directory / "absent.yaml",
        database_url=f"sqlite:///{(directory / 'yuqing.sqlite3').as_posix()}",
        mention_store_url=f"sqlite:///{(directory / 'mentions.sqlite3').as_posix()}",
        api_keys=[BOOTSTRAP_KEY],  # type: ignore[list-item]
        session_secret=SESSION_SECRET,  # type: ignore[arg-type]
    )
    config = parse_config(CONFIG_YAML)
    resources = Resources.open(settings, config)

    _, admin_key = resources.users.create("lihua", Role.admin, level=Level.manager, display_name="李华")
    _, pr_key = resources.users.create("wangfang", Role.pr, display_name="王芳")
    resources.users.create("zhangwei", Role.agent, departments=["客服部"], display_name="张伟")

    mentions = []
    n = 0
    for day in range(14, 0, -1):
        for hour in (3, 9, 15):
            for text, label, score, platform in (_XIANDA if (day + hour) % 2 else _XIANDA[2:]) + _LUMI[: 1 + day % 3]:
                n += 1
                brand = "光屿手机" if text.startswith("光屿") else "鲜达外卖"
                mentions.append(
                    make_mention(
                        text,
                        platform=platform,
                        post_id=f"s{n}",
                        brands=[brand],
                        label=label,
                        score=score,
                        published_at=now - timedelta(days=day, hours=hour),
                        url=f"https://{platform}.example.com/post/{n}",
                        author=f"用户{n % 17}",
                        title=None,
                        collected_at=now - timedelta(days=day),
                        updated_at=now - timedelta(days=day),
                    )
                )
    # The last 24 hours: a wave of complaints about refunds, which the negative-share rule catches.
    wave = [
        "鲜达外卖退款申请被驳回，客服不理人",
        "鲜达外卖订单取消了还扣钱，退款遥遥无期",
        "鲜达外卖的退款流程太复杂",
        "鲜达外卖又送错了，申请退款",
        "鲜达外卖饭菜是凉的，要求退款",
    ]
    for i, text in enumerate(wave):
        mentions.append(
            make_mention(
                text,
                platform="weibo" if i % 2 else "heimao",
                post_id=f"w{i}",
                label="negative",
                score=0.06,
                published_at=now - timedelta(hours=2 + i),
                url=f"https://weibo.example.com/wave/{i}",
                author=f"投诉用户{i}",
                title="退款问题" if i == 0 else None,
                collected_at=now - timedelta(hours=1),
                updated_at=now - timedelta(hours=1),
                reach=80.0 - 10 * i,  # the first complaint comes from a large, verified account
                extra={"followers": 1_200_000, "verified": True} if i == 0 else {},
            )
        )
    hostile = make_mention(
        HOSTILE_TEXT,
        platform="tieba",
        post_id="hostile",
        label="negative",
        score=0.1,
        published_at=now - timedelta(minutes=90),  # the newest negative: one of the alert's posts
        url=HOSTILE_URL,
        author=HOSTILE_AUTHOR,
        title="<b>加粗标题</b> 恶意",
        collected_at=now - timedelta(hours=1),
        updated_at=now - timedelta(hours=1),
    )
    mentions.append(hostile)
    resources.mentions.upsert(mentions)

    # The real engine, with its ticket client talking to the API in this process.
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    engine = AlertEngine.from_config(config, resources.mentions, resources.alerts, client)
    # In a thread of its own: the caller may be inside an event loop already (Playwright's sync API runs one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(asyncio.run, engine.evaluate(now)).result()
    [fired] = report.fired
    assert fired.ticket_number, f"the alert opened no ticket: {fired}"

    tickets = resources.tickets
    overdue, _ = tickets.create(
        TicketCreate(
            title="配送超时两小时，饭菜全凉",
            description="顾客反映 11 月订单配送超时两小时，要求退款。",
            brand="鲜达外卖",
            priority=Priority.general,
        ),
        now=now - timedelta(days=3),
    )
    rude, _ = tickets.create(
        TicketCreate(title="客服态度恶劣", brand="鲜达外卖", priority=Priority.major), now=now - timedelta(hours=3)
    )
    tickets.update(rude.id, TicketUpdate(status=TicketStatus.assigned), actor=SYSTEM, now=now - timedelta(hours=2))
    idea = TicketCreate(title="建议增加夜宵菜单", brand="鲜达外卖", priority=Priority.suggestion)
    tickets.create(idea, now=now - timedelta(hours=8))
    phone, _ = tickets.create(
        TicketCreate(title="光屿手机发热严重", brand="光屿手机", priority=Priority.major), now=now - timedelta(days=1)
    )
    tickets.update(phone.id, TicketUpdate(status=TicketStatus.in_progress), actor=SYSTEM, now=now - timedelta(hours=20))
    tickets.reply(phone.id, ReplyIn(body="您好，已为您安排换机"), actor=SYSTEM, now=now - timedelta(hours=3))
    tickets.update(
        phone.id,
        TicketUpdate(status=TicketStatus.resolved, actions_taken="检测后换新机"),
        actor=SYSTEM,
        now=now - timedelta(hours=2),
    )

    resources.sources.record(
        RunReport(
            source="industry-news",
            started_at=now - timedelta(minutes=20),
            finished_at=now - timedelta(minutes=19),
            status="ok",
            items_scraped=12,
            created=3,
        )
    )
    resources.sources.record(
        RunReport(
            source="forum-feed",
            started_at=now - timedelta(minutes=10),
            finished_at=now - timedelta(minutes=9),
            status="failed",
            error="HTTP 503 from forum.example.com <b>not bold</b>",
            http_errors={"503": 3},
        )
    )
    return Seeded(
        settings=settings,
        resources=resources,
        admin_key=admin_key,
        pr_key=pr_key,
        hostile_id=hostile.id,
        alert_ticket_number=fired.ticket_number,
        overdue_number=overdue.number,
        on_time_number=rude.number,
    )


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    import sys

    import uvicorn

    seeded = seed(Path(sys.argv[1]))
    print(f"admin key: {seeded.admin_key}\npr key: {seeded.pr_key}\nbootstrap key: {BOOTSTRAP_KEY}")
    uvicorn.run(create_app(seeded.resources), host="127.0.0.1", port=8765)
