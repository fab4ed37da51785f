"""Personal data: the detector on every kind and writing, its linear time, and every field a response carries
masked for someone without ``pii`` (through HTTP against the served app, on both mention-store tiers)."""

from __future__ import annotations

import csv
import io
import re
import statistics
import threading
import time
from datetime import timedelta

import pytest

from foundation.pii import MAX_FIELD, PiiKind, find_pii, id_check_ok, luhn_ok, mask_pii
from tests.factories import make_mention
from tests.security.conftest import ADMIN, BRAND_A, Served


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("电话13812345678", PiiKind.mobile, "电话*******5678"),
        ("138 1234 5678", PiiKind.mobile, "*******5678"),
        ("138-1234-5678", PiiKind.mobile, "*******5678"),
        ("+86 138 1234 5678", PiiKind.mobile, "*******5678"),
        ("+86-13812345678", PiiKind.mobile, "*******5678"),
        ("(+86)13812345678", PiiKind.mobile, "(*******5678"),
        ("0086 138 1234 5678", PiiKind.mobile, "*******5678"),
        ("座机010-62345678", PiiKind.landline, "座机*******5678"),
        ("0755 2345678", PiiKind.landline, "*******5678"),
        ("身份证11010519491231002X", PiiKind.id_card, "身份证**************002X"),
        ("卡号6222021234567890128", PiiKind.bank_card, "卡号***************0128"),
        ("卡号 4111 1111 1111 1111", PiiKind.bank_card, "卡号 ************1111"),
        ("邮箱 zhang.wei@example.com。", PiiKind.email, "邮箱 zh***@example.com。"),
        ("我叫赵铁柱，", PiiKind.name, "我叫赵**，"),
        ("联系人：欧阳娜娜", PiiKind.name, "联系人：欧阳**"),
        ("请张三先生回电", PiiKind.name, "请张先生回电"),
        ("钱多多女士说", PiiKind.name, "钱女士说"),
    ],
)
def test_each_kind_in_its_writings(text: str, kind: PiiKind, shown: str) -> None:
    assert [f.kind for f in find_pii(text)] == [kind]
    assert mask_pii(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "订单号202611201234",  # 12 digits, not a landline (no leading 0)
        "价格12.5元，共3件",
        "身份证110105194912310021",  # wrong check digit
        "卡号6222021234567890123",  # fails Luhn
        "+1 415 555 0100",  # another country's number
        "型号ABC13812345678",  # glued to a code
        "联系王先生",  # already how it is shown
        "a@b",  # no domain
        "2026-11-20 12:00",
    ],
)
def test_what_is_not_personal_data(text: str) -> None:
    assert find_pii(text) == []
    assert mask_pii(text) == text


def test_check_digits() -> None:
    assert id_check_ok("11010519491231002X") and not id_check_ok("110105194912310021")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


HOSTILE = {
    "letters before no @": "a" * 100_000,
    "many @": "@a" * 50_000,
    "dotted addresses": "a@a." * 25_000,
    "digits and spaces": "1 " * 50_000,
    "phone fragments": "138 " * 25_000,
    "plus signs": "+1" * 50_000,
    "titles": "先生" * 50_000,
    "cues": "我叫张" * 33_333,
}


def _cpu_seconds(text: str) -> float:
    """The best of three runs in this thread's CPU time: other processes on a loaded CI machine cannot inflate it
    as they inflate wall-clock time (one CI run saw 0.07 s of work take 8.8 s of wall clock)."""
    best = float("inf")
    for _ in range(3):
        started = time.thread_time()
        mask_pii(text)
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_takes_linear_time(name: str) -> None:
    """Growth, not a deadline (the figures are in bench/pii.py): 8 times the text may cost up to 24 times the CPU,
    where a quadratic pattern costs 64 times (the old e-mail pattern took 20 s on the 100,000 characters here).
    The eighth is at least 5 ms of work so that the clock's resolution does not decide."""
    text = HOSTILE[name]
    whole = _cpu_seconds(text)
    eighth = max(_cpu_seconds(text[: len(text) // 8]), 0.005)
    assert whole / eighth < 24, (name, whole, eighth)


def test_fields_are_bounded() -> None:
    long = "x" * (MAX_FIELD + 10) + "13812345678"
    masked = mask_pii(long) or ""
    assert len(masked) == MAX_FIELD + 1 and masked.endswith("…") and "5678" not in masked


def test_hundreds_of_numbers_fail_closed() -> None:
    text = " ".join(f"编号{i:05d}" for i in range(5000)) + " 13812345678"
    assert "1234" not in (mask_pii(text) or "")[-20:]


# -- every field, through HTTP ------------------------------------------------------------------------------------
#: Each kind in one of its writings, and the part a masked view must never show.
SECRETS = {
    "+86 139 8765 4321": "8765",
    "138-2468-1357": "2468",
    "010-62345678": "6234",
    "11010519491231002X": "1101051949",
    "6222021234567890128": "622202123",
    "wangxiaoming@example.com": "xiaoming",
    "我叫赵铁柱，": "铁柱",
    "钱多多女士": "多多",
}
ALL = " ".join(SECRETS)


#: Digits that are not personal data and may hold a secret's digits by chance: timestamps (their microseconds),
#: hex hashes (with a letter: a bare card number stays) and floats. Scrubbed before the check so that it fails
#: on a leak, not on a clock that read "…29.868765Z" (a CI failure).
_INCIDENTAL = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}[\d:.]*(?:Z|[+-]\d{2}:?\d{2})?"  # ISO time
    r"|\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b"  # hex id
    r"|\b\d+\.\d+\b"  # float
)


def _no_secret(where: str, text: str) -> None:
    scrubbed = _INCIDENTAL.sub(" ", text)
    for secret in SECRETS.values():
        assert secret not in scrubbed, (where, secret)


def test_the_leak_check_ignores_clocks_and_hashes_but_not_a_leak() -> None:
    _no_secret("clock", '{"at":"2026-12-04T16:23:29.868765Z","id":"9f8765aa0b1c2d3e4f5a","score":0.28765}')
    for leak in ("+86 139 8765 4321", "6222021234567890128", "电话 13987654321", "at 2026-12-04 8765"):
        with pytest.raises(AssertionError):
            _no_secret("leak", leak)


@pytest.mark.slow
def test_every_field_is_masked_for_an_agent_without_pii(served: Served) -> None:
    http = served.http
    post = make_mention(f"投诉：{ALL}", brands=[BRAND_A], title=f"标题 {ALL}", ago=timedelta(hours=2))
    served.resources.mentions.upsert([post])
    served.resources.mentions.refresh()
    created = http.post(
        "/api/v1/tickets",
        headers=ADMIN,
        json={
            "title": f"退款 {ALL}"[:300],
            "description": ALL,
            "brand": BRAND_A,
            "mention_ids": [post.id],
            "customer": {"name": "赵铁柱", "phone": "13824681357", "email": "wangxiaoming@example.com"},
        },
    )
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    for change in ({"remarks": ALL}, {"actions_taken": ALL}, {"improvement_suggestion": ALL}, {"title": ALL}):
        assert http.patch(f"/api/v1/tickets/{tid}", headers=ADMIN, json=change).status_code == 200
    assert http.post(f"/api/v1/tickets/{tid}/comments", headers=ADMIN, json={"body": ALL}).status_code == 201
    assert http.post(f"/api/v1/tickets/{tid}/replies", headers=ADMIN, json={"body": ALL}).status_code == 200
    agent = served.user("no-pii", "agent", permissions=["export"])
    reads = {
        "ticket": http.get(f"/api/v1/tickets/{tid}", headers=agent),
        "tickets": http.get("/api/v1/tickets", headers=agent),
        "comment": http.post(f"/api/v1/tickets/{tid}/comments", headers=agent, json={"body": ALL}),
        "reply": http.post(f"/api/v1/tickets/{tid}/replies", headers=agent, json={"body": ALL}),
        "mention": http.get(f"/api/v1/mentions/{post.id}", headers=agent),
        "search": http.get("/api/v1/mentions", headers=agent, params={"q": "投诉"}),
        "ticket export": http.post("/api/v1/exports/tickets", headers=agent, json={"format": "csv"}),
        "mention export": http.post("/api/v1/exports/mentions", headers=agent, json={"format": "csv"}),
        "audit (admin)": http.get("/api/v1/audit", headers=ADMIN),
    }
    for where, response in reads.items():
        assert response.status_code in (200, 201), (where, response.text)
        _no_secret(where, response.text)
    ticket = reads["ticket"].json()
    assert ticket["customer"]["name"] == "赵**" and ticket["customer"]["phone"].endswith("1357")
    assert "*******4321" in ticket["description"] and "zh***" not in ticket["description"]
    assert ticket["history"] and ticket["comments"] and ticket["mentions"][0]["excerpt"]
    rows = list(csv.reader(io.StringIO(reads["ticket export"].text)))
    assert len(rows) == 2
    # Notifications that left for chat rooms are stored masked too.
    for note in served.resources.tickets.notifications(limit=100):
        _no_secret("notification", note.message)
    # Someone with pii who asks sees it all, and that view is audited.
    pii = served.user("with-pii", "agent", permissions=["pii"])
    shown = http.get(f"/api/v1/tickets/{tid}", headers=pii, params={"unmask": True})
    assert "8765" in shown.text and "铁柱" in shown.text
    audit = http.get("/api/v1/audit", headers=ADMIN).json()
    assert any(e["action"] == "pii.unmasked" and e["actor"] == "with-pii" for e in audit)


@pytest.mark.slow
def test_a_hostile_post_neither_stalls_its_reader_nor_the_health_check(served: Served) -> None:
    """The issue's 100,000-character post (23.6 s for the mention, 22.6 s for /healthz before): generous bounds
    here, the figures in bench/pii.py (56 ms and 216 ms at worst on a quiet machine).

    The bounds sit well under the stall they guard against and well over a loaded machine's noise: a CI run on
    2 busy cores once saw one /healthz take 5.8 s beside 0.1 s for the next, with the production tier's test
    servers (osmem-server, PostgreSQL) on the same cores, so the bounds are on the best read and the median
    health check."""
    http = served.http
    hostile = make_mention("a" * 60_000 + "@" + "1 " * 20_000, brands=[BRAND_A], title="@a" * 100)
    served.resources.mentions.upsert([hostile])
    served.resources.mentions.refresh()
    health: list[float] = []
    failures: list[str] = []  # read by the test: an assertion in the thread would only be a warning
    done = threading.Event()

    def poll() -> None:
        import httpx

        with httpx.Client(base_url=served.url, timeout=30) as own:
            while not done.is_set():
                started = time.perf_counter()
                try:
                    status = own.get("/healthz").status_code
                except httpx.TimeoutException as exc:  # a stall
                    failures.append(f"timeout: {exc!r}")
                    continue
                except httpx.TransportError:
                    # The server closed a keep-alive connection this thread (starved of the GIL on a busy CI
                    # machine) left idle past uvicorn's 5 s: the next request opens a new one. Not a stall.
                    continue
                if status != 200:
                    failures.append(f"status {status}")
                health.append(time.perf_counter() - started)

    assert http.get("/healthz").status_code == 200  # the server is up and warm, as in production
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        reads: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            response = http.get(f"/api/v1/mentions/{hostile.id}", headers=ADMIN)
            assert response.status_code == 200
            reads.append(time.perf_counter() - started)
    finally:
        done.set()
        poller.join()
    # The best read and the median health check: a stall slows every call, a busy machine only some of them.
    assert not failures, failures
    assert min(reads) < 5 and health and statistics.median(health) < 5, (reads, health)


def test_logs_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from foundation.pii import PiiLogFilter

    logger = logging.getLogger("yuqing.test.pii")
    logger.addFilter(PiiLogFilter())
    with caplog.at_level(logging.INFO, logger="yuqing.test.pii"):
        logger.info('%s "GET /api/v1/mentions?q=%s HTTP/1.1" 200', "127.0.0.1:50312", "13812345678")
    assert caplog.messages == ['127.0.0.1:50312 "GET /api/v1/mentions?q=*******5678 HTTP/1.1" 200']
