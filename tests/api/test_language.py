"""Server text in the reader's language, from one catalogue (foundation/i18n.py, foundation/locale/zh/...).

- every message the code marks for translation has a Chinese translation with the same placeholders;
- every error message the API and the ticket process raise comes out Chinese for a Chinese reader — checked
  over the source (each ``raise`` with a literal message), not over a hand-picked list;
- the language follows ``Accept-Language``; the weekly report is honest when there is no baseline.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from api.resources import Resources
from foundation.i18n import LOCALE_DIR, catalog, gettext, localize, negotiate
from tests.api.conftest import AUTH
from tests.factories import make_mention
from tickets.schemas import TicketCreate

ROOT = Path(__file__).resolve().parents[2]
#: Where messages a user reads are raised: the API and the complaint process.
RAISING = [ROOT / "api", ROOT / "tickets"]
ERRORS = {"NotFound", "Forbidden", "Conflict", "InvalidQuery", "IdempotencyConflict", "HTTPException"}
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Words that stay as they are in Chinese text: protocol and field names a user types.
KEPT = {
    "API",
    "JSON",
    "Bearer",
    "Key",
    "Idempotency",
    "cursor",
    "offset",
    "next_cursor",
    "since",
    "until",
    "assignee_id",
    "pii",
    "approve_export",
    "CSRF",
    "Yuqing",
    "POST",
    "PATCH",
    "PUT",
    "DELETE",
}


def english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(text) if w not in KEPT and not w.startswith("X")]


def test_every_marked_message_is_translated_with_the_same_placeholders() -> None:
    zh = catalog("zh")
    assert zh is not None
    found = []
    for folder in ("foundation", "tickets", "api", "alerts", "yuqing"):
        for _file, _line, message, *_rest in extract_from_dir(
            ROOT / folder, keywords={"gettext": None, "N_": None, "_": None}
        ):
            if isinstance(message, str):
                found.append(message)
    assert len(found) > 15, "the report and errors mark their messages"
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in found:
        entry = zh.get(message)
        assert entry is not None and entry.string, f"no Chinese for {message!r}"
        assert sorted(placeholder.findall(message)) == sorted(placeholder.findall(str(entry.string))), message
    # Babel's own checks (python-format placeholders) find nothing wrong in the catalogue.
    problems = [(m.id, errs) for m, errs in zh.check()]
    assert problems == []
    assert (LOCALE_DIR / "zh" / "LC_MESSAGES" / "yuqing.po").is_file()


def _example(node: ast.expr) -> str | None:
    """A message as the code would build it, with ``X1``, ``X2``… for the values put in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for i, value in enumerate(node.values):
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(f"X{i}")
        return "".join(parts)
    if isinstance(node, ast.IfExp):  # the first branch stands for the message
        return _example(node.body)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _example(node.left), _example(node.right)
        return left + right if left is not None and right is not None else None
    return None


def raised_messages() -> list[tuple[str, str]]:
    out = []
    for folder in RAISING:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                    continue
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name not in ERRORS:
                    continue
                args = [a for a in node.exc.args if not (isinstance(a, ast.Constant) and isinstance(a.value, int))]
                message = _example(args[0]) if args else None
                if message:
                    out.append((f"{path.relative_to(ROOT)}:{node.lineno}", message))
    return out


def test_every_raised_error_reads_in_chinese() -> None:
    messages = raised_messages()
    assert len(messages) > 30
    untranslated = []
    for where, message in messages:
        chinese = localize(message, "zh")
        if not CJK.search(chinese) or english_words(chinese.replace("X", " ")):
            untranslated.append(f"{where}: {message!r} -> {chinese!r}")
    assert not untranslated, "\n".join(untranslated)


def test_english_is_available_and_unknown_text_passes_through() -> None:
    assert localize("ticket FBD1 does not exist", "en") == "ticket FBD1 does not exist"
    assert localize("something the catalogue never heard of", "zh") == "something the catalogue never heard of"
    assert gettext("above the baseline", "zh") == "高于基线"
    assert gettext("above the baseline", "en") == "above the baseline"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR", "zh"),
        ("en;q=0.2, zh-TW", "zh"),
        ("", "zh"),
    ],
)
def test_negotiation(header: str, language: str) -> None:
    assert negotiate(header) == language


def test_errors_follow_accept_language(client: TestClient) -> None:
    zh = client.get("/api/v1/tickets/999", headers={**AUTH, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 404 and zh.json()["error"] == {
        "status": 404,
        "code": "not_found",
        "message": "工单 999 不存在",
    }
    assert zh.headers["content-language"] == "zh-CN" and "accept-language" in zh.headers["vary"].lower()
    en = client.get("/api/v1/tickets/999", headers={**AUTH, "Accept-Language": "en"})
    assert en.json()["error"]["message"] == "ticket 999 does not exist"
    # A program that sends no language gets the API reference's English; the code never changes.
    bare = client.get("/api/v1/tickets/999", headers=AUTH)
    assert (
        bare.json()["error"]["message"] == "ticket 999 does not exist" and bare.json()["error"]["code"] == "not_found"
    )
    missing = client.post("/api/v1/tickets", headers={**AUTH, "Accept-Language": "zh"}, json={})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["problem"] == "为必填项"
    unauthorized = client.get("/api/v1/tickets", headers={"Accept-Language": "zh"})
    assert unauthorized.status_code == 401 and unauthorized.json()["error"]["message"].startswith("缺少 API 密钥")


def test_weekly_report_without_a_baseline_says_so(client: TestClient, resources: Resources) -> None:
    """A fresh installation: three days of tickets before the week. No "None", no "within baseline"."""
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC) - timedelta(hours=8)  # 2026-W47 in Shanghai
    for days_back in (3, 2, 1):
        resources.tickets.create(
            TicketCreate(title="炸鸡变质了", brand="鲜达外卖"), now=monday - timedelta(days=days_back)
        )
    resources.tickets.create(TicketCreate(title="骑手送错地址", brand="鲜达外卖"), now=monday + timedelta(hours=10))
    resources.mentions.upsert([make_mention("鲜达", published_at=monday + timedelta(hours=i)) for i in range(50)])
    resources.mentions.refresh()
    params = {"week": "2026-W47", "brand": "鲜达外卖"}
    zh = client.get("/api/v1/reports/weekly", params=params, headers={**AUTH, "Accept-Language": "zh-CN"}).json()
    assert zh["baseline_status"] == "none" and zh["baseline_rate"] is None and zh["rate_above_baseline"] is None
    assert (zh["baseline_days"], zh["baseline_days_needed"]) == (3, 28)
    text = "\n".join(zh["summary"])
    assert "暂无基线：已有 3 / 28 天数据" in text
    assert "每千条舆情 20.0 起投诉" in text
    assert "None" not in text and "基线范围内" not in text and "满意度：本期没有完成的满意度回访" in text
    assert not english_words(text.replace("W47", "")), text
    en = client.get("/api/v1/reports/weekly", params=params, headers={**AUTH, "Accept-Language": "en"}).json()
    english = "\n".join(en["summary"])
    assert "no baseline yet: 3 of 28 days" in english and "None" not in english and "within" not in english


def test_weekly_report_with_a_partial_baseline_says_how_much(client: TestClient, resources: Resources) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC) - timedelta(hours=8)
    for days_back in (10, 9, 3):
        resources.tickets.create(
            TicketCreate(title="炸鸡变质了", brand="鲜达外卖"), now=monday - timedelta(days=days_back)
        )
    resources.mentions.upsert(
        [make_mention("鲜达", published_at=monday - timedelta(days=7) + timedelta(hours=3 * i)) for i in range(100)]
    )
    resources.mentions.refresh()
    report = client.get(
        "/api/v1/reports/weekly", params={"week": "2026-W47"}, headers={**AUTH, "Accept-Language": "en"}
    ).json()
    assert report["baseline_status"] == "partial" and report["baseline_days"] == 10
    assert [b["week"] for b in report["baseline"]] == ["2026-W46"]  # only the one full week counts
    assert report["rate_above_baseline"] is not None
    assert "(baseline from 10 of 28 days)" in report["summary"][-1]


def test_system_notes_read_in_the_readers_language(client: TestClient) -> None:
    """The notes the system writes (here: a merge) are stored once, in English, and shown per reader."""
    first = client.post("/api/v1/tickets", headers=AUTH, json={"title": "炸鸡变质了"}).json()
    second = client.post("/api/v1/tickets", headers=AUTH, json={"title": "炸鸡变质，要求退款"}).json()
    merged = client.post(f"/api/v1/tickets/{second['id']}/merge", headers=AUTH, json={"into": first["id"]})
    assert merged.status_code == 200
    zh = client.get(f"/api/v1/tickets/{first['id']}", headers={**AUTH, "Accept-Language": "zh-CN"}).json()
    en = client.get(f"/api/v1/tickets/{first['id']}", headers={**AUTH, "Accept-Language": "en"}).json()
    [zh_note] = [c["body"] for c in zh["comments"] if c["kind"] == "system"]
    [en_note] = [c["body"] for c in en["comments"] if c["kind"] == "system"]
    assert zh_note.startswith(f"已将 {second['number']} 合并到本工单") and not english_words(zh_note)
    assert en_note.startswith(f"merged {second['number']} into this ticket")


#: Alert summaries as the rules write them (alerts/rules), with real values.
SUMMARIES = [
    "鲜达外卖: crisis words 中毒, 食物中毒 in a weibo post: 鲜达外卖的炸鸡吃出问题，一家三口食物中毒住院",
    "鲜达外卖: bad review on app_store (rating 1) by 小周: 炸鸡是凉的",
    "鲜达外卖: bad review on heimao (sentiment 0.03) by anonymous: 退款不到账",
    "鲜达外卖: 6/6 mentions negative (100%) in the last 1d; threshold 50%, minimum 4 mentions.",
    "鲜达外卖: 40 mentions in the last 1h, 3.2× the usual 12 at this time (daily); threshold 20.",
    "鲜达外卖: 40 mentions in the last 1h, 3.2× the usual 0 at this time (weekly); no baseline yet.",
    "鲜达外卖: negative_share [0.5, 0.6, 0.7] on the last 3 days, all above the baseline 0.3 (+25%).",
    "鲜达外卖: count [50, 70, 40] on the last 3 days, 2 of them above the baseline 45 (+25%).",
    "source forum-feed is silent: nothing new for 300 min (limit 120); last error: HTTP 403 Forbidden",
    "source forum-feed is silent: 4 failed runs in a row",
    "ticket FBD2026110001",
    "鲜达外卖: 6/6 mentions negative (100%) in the last 1d; threshold 50%, minimum 4 mentions. (reported late: the "
    "worker was down)",
]


@pytest.mark.parametrize("summary", SUMMARIES)
def test_alert_summaries_read_in_chinese(summary: str) -> None:
    chinese = localize(summary, "zh")
    assert CJK.search(chinese.replace("鲜达外卖", "")), chinese
    leftover = [
        w
        for w in english_words(chinese)
        if w not in {"weibo", "app_store", "heimao", "forum", "feed", "HTTP", "Forbidden", "negative_share"}
    ]
    assert not leftover, chinese


def test_the_rules_write_the_summaries_the_catalogue_knows() -> None:
    """Each summary format in alerts/rules has a catalogue entry: rendering the f-string with stand-in values
    gives English that the catalogue turns into Chinese."""
    formats = []
    for path in (ROOT / "alerts" / "rules").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "summary" for t in node.targets):
                example = _example(node.value)
                if example:
                    formats.append((path.name, example))
    assert len(formats) >= 6, formats
    for name, example in formats:
        if "X" not in example:
            continue
        chinese = localize(example.replace("X", "7"), "zh")
        assert CJK.search(chinese), f"{name}: {example!r} -> {chinese!r}"
