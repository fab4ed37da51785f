"""Erasure through HTTP on both tiers: afterwards no byte of the erased values is in any file of the data
directory, nor in the mention index; the audit entry holds no identifier; retention keeps the counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select
from typer.testing import CliRunner

from alerts.state import AlertEvent
from api.privacy import purge_expired
from foundation.erasure import REDACTED
from index.base import MentionFilter
from index.erasure import PURGED
from tests.factories import NOW, make_mention
from tests.security.conftest import ADMIN, BRAND_A, CONFIG, Served

PHONE = "13987654321"
EMAIL = "erase.me@example.org"
AUTHOR = "被遗忘的小王"


def forms(value: str) -> list[bytes]:
    """The ways a value can sit in a file: UTF-8, JSON-escaped (non-ASCII as \\uXXXX), UTF-16."""
    escaped = json.dumps(value)[1:-1].encode()
    return sorted({value.encode(), escaped, value.encode("utf-16-le")})


def files_holding(data_dir: Path, values: list[str]) -> list[str]:
    found = []
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}: {v!r}" for v in values for f in forms(v) if f in content]
    return found


def rows_holding(engine: Engine, values: list[str]) -> list[str]:
    """Every text and JSON value of every table that still holds one of ``values``."""
    meta = MetaData()
    meta.reflect(bind=engine)
    found = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                text = json.dumps([str(v) for v in row], ensure_ascii=False)
                found += [f"{table.name}: {v!r}" for v in values if v in text or json.dumps(v)[1:-1] in text]
    return found


def left_behind(served: Served, values: list[str]) -> list[str]:
    """On the embedded tier every file of the data directory; on PostgreSQL every row."""
    if served.resources.db.dialect == "sqlite":
        return files_holding(served.data_dir, values)
    return rows_holding(served.resources.db.engine, values)


def seed(served: Served) -> dict[str, str]:
    http = served.http
    own = make_mention(
        f"我是{AUTHOR}，电话 139 8765 4321，邮箱 {EMAIL}", brands=[BRAND_A], author=AUTHOR, post_id="own"
    )
    quoted = make_mention(f"转发：请联系+86-139-8765-4321 或 {EMAIL.upper()}", brands=[BRAND_A], post_id="quote")
    other = make_mention("鲜达外卖配送太慢了", brands=[BRAND_A], post_id="other")
    served.resources.mentions.upsert([own, quoted, other])
    served.resources.mentions.refresh()
    created = http.post(
        "/api/v1/tickets",
        headers=ADMIN,
        json={
            "title": f"回电 {PHONE}",
            "description": f"{AUTHOR} 邮箱 {EMAIL}",
            "brand": BRAND_A,
            "mention_ids": [own.id],
            "customer": {"name": "王小二", "phone": PHONE, "email": EMAIL, "nickname": AUTHOR},
        },
    )
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    http.post(f"/api/v1/tickets/{tid}/comments", headers=ADMIN, json={"body": f"已拨打 {PHONE}"})
    http.patch(f"/api/v1/tickets/{tid}", headers=ADMIN, json={"remarks": f"{EMAIL} 已回复"})
    served.resources.alerts.add_event(
        AlertEvent(rule="r", key=BRAND_A, kind="fired", at=NOW, incident="i1", brand=BRAND_A,
                   summary=f"{AUTHOR}: {PHONE}", mention_ids=[own.id], numbers={"who": AUTHOR})
    )  # fmt: skip
    exporter = served.user("exporter", "agent", permissions=["export", "pii"])
    http.post("/api/v1/searches", headers=exporter, json={"name": "找人", "query": f'"{PHONE}"'})
    for i in range(3):
        http.post("/api/v1/tickets", headers=ADMIN, json={"title": f"其他{i}", "brand": BRAND_A})
    export = http.post("/api/v1/exports/mentions", headers=exporter, json={"format": "csv", "q": f'"{PHONE}"'})
    assert export.status_code in (200, 202), export.text
    return {"own": own.id, "quoted": quoted.id, "other": other.id, "ticket": str(tid)}


@pytest.mark.slow
def test_erasure_leaves_no_byte_of_the_person_anywhere(served: Served) -> None:
    ids = seed(served)
    http = served.http
    assert left_behind(served, [PHONE, EMAIL, AUTHOR])  # the check can see them before
    for body in ({"phone": "139-8765-4321"}, {"email": EMAIL}, {"author": AUTHOR}):
        response = http.post("/api/v1/privacy/erasure", headers=ADMIN, json=body)
        assert response.status_code == 200, response.text
    assert left_behind(served, [PHONE, EMAIL, AUTHOR, "8765 4321", "8765-4321"]) == []
    store = served.resources.mentions
    assert store.get(ids["own"]) is None  # their own post is gone
    quoted = store.get(ids["quoted"])
    assert quoted is not None and REDACTED in quoted.text and "8765" not in quoted.text
    assert store.get(ids["other"]) is not None  # nobody else's data went
    for words in (PHONE, "erase.me", AUTHOR):
        assert store.count(MentionFilter(query=f'"{words}"')) == 0, words
    ticket = http.get(f"/api/v1/tickets/{ids['ticket']}", headers=ADMIN, params={"unmask": True}).json()
    assert ticket["customer"]["phone"] is None and ticket["customer"]["email"] is None
    assert PHONE not in json.dumps(ticket, ensure_ascii=False)
    audit = http.get("/api/v1/audit", headers=ADMIN).json()
    erased = [e for e in audit if e["action"] == "privacy.erased"]
    assert len(erased) == 3 and {e["object_id"] for e in erased} == {"phone", "email", "author"}
    assert all(v not in json.dumps(erased, ensure_ascii=False) for v in (PHONE, EMAIL, AUTHOR, "8765"))


def test_only_admins_erase_and_bad_requests_are_4xx(served: Served) -> None:
    agent = served.user("someone", "agent")
    http = served.http
    assert http.post("/api/v1/privacy/erasure", headers=agent, json={"phone": PHONE}).status_code == 403
    for body in ({}, {"phone": PHONE, "email": EMAIL}, {"phone": "12"}, {"email": "nope"}, {"author": "x"}):
        assert http.post("/api/v1/privacy/erasure", headers=ADMIN, json=body).status_code == 422, body


def test_retention_purges_text_and_keeps_counts(served: Served) -> None:
    store = served.resources.mentions
    now = datetime.now(UTC)
    old = make_mention(f"旧帖 {PHONE}", brands=[BRAND_A], published_at=now - timedelta(days=40), author="旧作者")
    new = make_mention("新帖", brands=[BRAND_A], published_at=now - timedelta(days=1))
    store.upsert([old, new])
    store.refresh()
    assert purge_expired(served.resources, 30, actor="test") == 1
    assert store.count(MentionFilter(brands=[BRAND_A])) == 2
    kept = store.get(old.id)
    assert kept is not None and kept.text == PURGED and kept.author is None
    assert store.get(new.id).text == "新帖"  # type: ignore[union-attr]
    assert purge_expired(served.resources, 30, actor="test") == 0


def test_the_cli_erases_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.resources import Resources
    from config.settings import get_settings
    from yuqing.cli import app

    (tmp_path / "c.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(tmp_path / "c.yaml"))
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    resources = Resources.open(get_settings())
    post = make_mention(f"电话 {PHONE}", brands=[BRAND_A])
    resources.mentions.upsert([post])
    resources.close()
    runner = CliRunner()
    usage = runner.invoke(app, ["privacy", "erase", "--phone", PHONE, "--email", EMAIL])
    assert usage.exit_code == 2
    done = runner.invoke(app, ["privacy", "erase", "--phone", "+86 139 8765 4321"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["mentions_redacted"] == 1
    assert files_holding(tmp_path / "data", [PHONE]) == []
    get_settings.cache_clear()
