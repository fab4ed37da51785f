"""Daily, weekly and monthly complaint reports: their periods, the figures, the honest missing baseline, the
XLSX and PDF files (opened again and read), and the archive's brand scope, on each relational backend."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from config.loader import parse_config
from foundation.access import SYSTEM, Principal
from foundation.db import Database
from foundation.errors import InvalidQuery, NotFound
from tests.factories import BRANDS_YAML
from tickets.enums import Role
from tickets.periods import last_complete, parse_period, previous
from tickets.policy import TicketPolicy
from tickets.report import complaint_report
from tickets.report_archive import ReportArchive
from tickets.report_files import render_pdf, render_xlsx
from tickets.report_text import report_lines
from tickets.schemas import TicketCreate
from tickets.store import TicketStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
BRAND = "鲜达外卖"


@pytest.fixture
def store(database: Database) -> TicketStore:
    config = parse_config(BRANDS_YAML + "\ntimezone: Asia/Shanghai\n")
    return TicketStore(database, TicketPolicy.from_config(config.tickets, config.timezone))


def test_periods_have_labels_bounds_and_predecessors() -> None:
    today = date(2026, 12, 3)  # a Thursday
    day = parse_period("daily", None, SHANGHAI, today)
    assert (day.label, day.start, day.days) == ("2026-12-02", datetime(2026, 12, 2, tzinfo=SHANGHAI), 1)
    week = parse_period("weekly", None, SHANGHAI, today)
    assert (week.label, week.start.date(), week.end.date()) == ("2026-W48", date(2026, 11, 23), date(2026, 11, 30))
    month = parse_period("monthly", None, SHANGHAI, today)
    assert (month.label, month.days) == ("2026-11", 30)
    assert previous(parse_period("monthly", "2026-03", SHANGHAI, today), 1).label == "2026-02"
    assert previous(parse_period("monthly", "2026-01", SHANGHAI, today), 1).label == "2025-12"
    assert previous(parse_period("weekly", "2026-W01", SHANGHAI, today), 1).label == "2025-W52"
    assert parse_period("weekly", "2026-w5", SHANGHAI, today).label == "2026-W05"
    # At 00:30 in Shanghai (16:30 UTC the day before), yesterday in Shanghai is the last complete day.
    assert last_complete("daily", datetime(2026, 12, 2, 16, 30, tzinfo=UTC), SHANGHAI).label == "2026-12-02"
    for kind, bad in (("daily", "2026-13-01"), ("weekly", "2026-W60"), ("monthly", "2026-W47"), ("daily", "x")):
        with pytest.raises(InvalidQuery):
            parse_period(kind, bad, SHANGHAI, today)  # type: ignore[arg-type]


def _tickets(store: TicketStore, day: date, count: int, brand: str = BRAND) -> None:
    for i in range(count):
        at = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI) + timedelta(minutes=i)
        store.create(TicketCreate(title="炸鸡变质了", brand=brand, product="炸鸡"), now=at)


def test_daily_report_without_baseline_says_how_many_days_there_are(store: TicketStore) -> None:
    # Tickets on 3 days before the reported day, and 4 on it: 3 of the 14 baseline days hold data.
    for back in (1, 2, 3):
        _tickets(store, date(2026, 12, 2) - timedelta(days=back), 1)
    _tickets(store, date(2026, 12, 2), 4)
    period = parse_period("daily", "2026-12-02", SHANGHAI, date(2026, 12, 3))
    report = complaint_report(store, SYSTEM, period, brand=BRAND, now=datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    assert (report.kind, report.week, report.received) == ("daily", "2026-12-02", 4)
    assert report.top_issues[0].product == "炸鸡" and report.top_issues[0].tickets == 4
    assert (report.baseline_status, report.baseline_days, report.baseline_days_needed) == ("partial", 3, 14)
    assert [b.week for b in report.baseline] == ["2026-12-01", "2026-11-30", "2026-11-29"]
    zh = "\n".join(report_lines(report, "zh"))
    assert zh.startswith("投诉日报 2026-12-02 · 鲜达外卖")
    assert "3 / 14" in zh and "None" not in zh
    # The first day of data: no baseline at all, said in words.
    first = parse_period("daily", "2026-11-28", SHANGHAI, date(2026, 12, 3))
    empty = complaint_report(store, SYSTEM, first, brand=BRAND, now=datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    assert empty.baseline_status == "none" and empty.baseline_rate is None and empty.rate_above_baseline is None
    text = "\n".join(report_lines(empty, "zh"))
    assert "暂无基线：已有 0 / 14 天数据" in text and "None" not in text and "在基线范围内" not in text
    assert "no baseline yet: 0 of 14 days" in "\n".join(report_lines(empty, "en"))


def test_monthly_report_compares_with_three_months(store: TicketStore) -> None:
    for month, count in ((8, 2), (9, 2), (10, 2), (11, 9)):
        _tickets(store, date(2026, month, 1), count)
    period = parse_period("monthly", "2026-11", SHANGHAI, date(2026, 12, 3))
    report = complaint_report(store, SYSTEM, period, now=datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    assert report.received == 9 and [b.week for b in report.baseline] == ["2026-10", "2026-09", "2026-08"]
    assert report.baseline_rate == 2.0 and report.rate_above_baseline is True
    assert (report.baseline_days, report.baseline_days_needed) == (92, 31 + 30 + 31)
    assert report.baseline_status == "ready"
    assert report_lines(report, "zh")[0].startswith("投诉月报 2026-11")


def test_files_open_and_hold_the_figures(store: TicketStore) -> None:
    _tickets(store, date(2026, 12, 2), 3)
    period = parse_period("daily", "2026-12-02", SHANGHAI, date(2026, 12, 3))
    report = complaint_report(store, SYSTEM, period, brand=BRAND, now=datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    book = load_workbook(io.BytesIO(render_xlsx(report, "zh")))
    summary = [row[0] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert summary[0] == "投诉日报 2026-12-02 · 鲜达外卖"
    assert any("暂无基线：已有 0 / 14 天数据" in str(line) for line in summary)
    issues = book.worksheets[1]
    assert issues.title.endswith("十大问题")
    assert list(issues.iter_rows(values_only=True))[1] == (1, "产品质量", "炸鸡", 3)
    pdf = PdfReader(io.BytesIO(render_pdf(report, "zh")))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "投诉日报 2026-12-02" in text and "暂无基线：已有 0 / 14 天数据" in text and "产品质量" in text
    english = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report, "en"))).pages)
    assert "Daily complaint report 2026-12-02" in english and "Top issues" in english


def test_archive_keeps_one_report_per_period_and_brand_within_scope(store: TicketStore) -> None:
    _tickets(store, date(2026, 12, 2), 2)
    _tickets(store, date(2026, 12, 2), 1, brand="光屿手机")
    archive = ReportArchive(store.db)
    period = parse_period("daily", "2026-12-02", SHANGHAI, date(2026, 12, 3))
    made = {}
    for brand in (None, BRAND, "光屿手机"):
        report = complaint_report(store, SYSTEM, period, brand=brand)
        made[brand] = archive.store(report, "zh", created_by="test")
    again = archive.store(complaint_report(store, SYSTEM, period, brand=BRAND), "zh", created_by="test")
    assert again.id == made[BRAND].id and archive.exists("daily", "2026-12-02", BRAND)
    assert made[BRAND].fresh and not again.fresh  # the second writer keeps the first report and pushes nothing
    assert not archive.exists("weekly", "2026-12-02", BRAND)
    assert len(archive.list(SYSTEM)) == 3
    narrow = Principal("pr", Role.pr, brands=frozenset({BRAND}))
    seen = archive.list(narrow)
    assert [e.brand for e in seen] == [BRAND]  # neither the other brand's nor the all-brands report
    entry, data = archive.file(narrow, made[BRAND].id, "pdf")
    assert data.startswith(b"%PDF") and entry.summary[0].startswith("投诉日报 2026-12-02 · 鲜达外卖")
    for hidden in (made[None].id, made["光屿手机"].id, 999):
        with pytest.raises(NotFound):
            archive.file(narrow, hidden, "xlsx")
    replaced = archive.store(complaint_report(store, SYSTEM, period, brand=BRAND), "en", created_by="t", replace=True)
    assert replaced.id != made[BRAND].id and replaced.summary[0].startswith("Daily complaint report")
