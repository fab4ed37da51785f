"""Scheduled reports: nothing before ``tickets.reports.at``, each due report made once (per brand and over all
brands), stored, and pushed through the outbox to the report channel — by e-mail with the XLSX and PDF
attached and a link to the dashboard — and ``yuqing report generate/list`` on the terminal."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from alerts.channels import build_channels
from alerts.dispatch import Dispatcher
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.access import SYSTEM
from tests.factories import BRANDS_YAML
from tickets.report_archive import ReportArchive
from tickets.schemas import TicketCreate
from yuqing.cli import EXIT_OK, EXIT_USAGE, app
from yuqing.scheduled_reports import ReportScheduler

SHANGHAI = ZoneInfo("Asia/Shanghai")
BRAND = "鲜达外卖"


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd needs a concrete port: take a free one
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_yaml(port: int) -> str:
    return BRANDS_YAML + (
        "timezone: Asia/Shanghai\n"
        "tickets:\n"
        "  reports: {kinds: [daily, weekly], at: '08:00', link_base: 'https://yuqing.example.com'}\n"
        "alerts:\n"
        "  allow_private_hosts: [127.0.0.1]\n"
        "  channels:\n"
        f"    - {{name: mail, type: email, host: 127.0.0.1, port: {port}, security: none,"
        " sender: reports@yuqing.example, to: [pr@brand.example]}\n"
        "  report_notify: [mail]\n"
    )


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[EmailMessage]]]:
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(message_from_bytes(envelope.content))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def resources(tmp_path: Path, smtp: tuple[int, list[EmailMessage]]) -> Iterator[Resources]:
    config = parse_config(config_yaml(smtp[0]))
    settings = Settings(data_dir=tmp_path, config=tmp_path / "c.yaml")
    res = Resources.open(settings, config)
    yield res
    res.close()


def test_due_reports_are_made_once_and_mailed_with_their_files(
    resources: Resources, smtp: tuple[int, list[EmailMessage]]
) -> None:
    for i in range(3):
        at = datetime(2026, 12, 2, 10, tzinfo=SHANGHAI) + timedelta(minutes=i)
        resources.tickets.create(TicketCreate(title="炸鸡变质了", brand=BRAND, product="炸鸡"), now=at)
    alerts = resources.config.alerts
    dispatcher = Dispatcher(
        resources.db, build_channels(list(alerts.channels), alerts.allowed_hosts, alerts.allow_private_hosts)
    )
    scheduler = ReportScheduler(resources, dispatcher)
    early = datetime(2026, 12, 3, 7, 59, tzinfo=SHANGHAI)
    # Before 08:00 only the weekly report of the week that ended on Monday is due: over all brands, and each.
    assert {(j.period.label, j.brand) for j in scheduler.due(early)} == {
        ("2026-W48", None),
        ("2026-W48", BRAND),
        ("2026-W48", "光屿手机"),
    }
    made = scheduler.run_due(datetime(2026, 12, 3, 8, 1, tzinfo=SHANGHAI))
    assert sorted((e.kind, e.brand or "") for e in made) == [
        ("daily", ""),
        ("daily", "光屿手机"),
        ("daily", BRAND),
        ("weekly", ""),
        ("weekly", "光屿手机"),
        ("weekly", BRAND),
    ]
    assert scheduler.due(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)) == []  # made once, not every tick
    assert all(e.pushed_to == ["mail"] for e in made)
    report = dispatcher.deliver()
    assert len(report.sent) == 6 and not report.failed
    mails = {str(make_header(decode_header(m["Subject"]))): m for m in smtp[1]}
    mail = mails[f"【舆情报表】投诉日报 2026-12-02 · {BRAND}"]
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "主要问题：产品质量/炸鸡 3" in text and "查看: https://yuqing.example.com/#/reports" in text
    assert "暂无基线" in text and "None" not in text
    files = {p.get_filename(): p.get_payload(decode=True) for p in mail.walk() if p.get_filename()}
    assert set(files) == {f"report-daily-2026-12-02-{BRAND}.xlsx", f"report-daily-2026-12-02-{BRAND}.pdf"}
    pdf = PdfReader(io.BytesIO(files[f"report-daily-2026-12-02-{BRAND}.pdf"]))
    assert "投诉日报 2026-12-02" in pdf.pages[0].extract_text()
    book = load_workbook(io.BytesIO(files[f"report-daily-2026-12-02-{BRAND}.xlsx"]))
    assert list(book.worksheets[1].iter_rows(values_only=True))[1] == (1, "产品质量", "炸鸡", 3)


def test_nothing_is_due_without_kinds(tmp_path: Path) -> None:
    config = parse_config(BRANDS_YAML + "tickets:\n  reports: {kinds: []}\n")
    res = Resources.open(Settings(data_dir=tmp_path, config=tmp_path / "c.yaml"), config)
    try:
        assert ReportScheduler(res).due(datetime(2026, 12, 3, 12, tzinfo=SHANGHAI)) == []
    finally:
        res.close()


def test_a_report_channel_must_exist() -> None:
    from foundation.errors import ConfigError

    with pytest.raises(ConfigError, match="no channel named 'nope'"):
        parse_config(BRANDS_YAML + "alerts:\n  report_notify: [nope]\n")


def test_cli_generates_lists_and_writes_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML + "timezone: Asia/Shanghai\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    base = ["--config", str(config), "report"]
    out = tmp_path / "out"
    made = runner.invoke(
        app, [*base, "generate", "monthly", "--period", "2026-11", "--brand", BRAND, "--no-push", "--out", str(out)]
    )
    assert made.exit_code == EXIT_OK, made.output
    assert f"投诉月报 2026-11 · {BRAND}" in made.stdout and "暂无基线" in made.stdout
    assert (out / f"report-monthly-2026-11-{BRAND}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / f"report-monthly-2026-11-{BRAND}.xlsx").stat().st_size > 1000
    listed = runner.invoke(app, [*base, "list"])
    assert listed.exit_code == EXIT_OK and f"monthly 2026-11 {BRAND}" in listed.stdout
    for bad in (["generate", "monthly", "--period", "2026-W47"], ["generate", "daily", "--brand", "无此品牌"]):
        assert runner.invoke(app, [*base, *bad]).exit_code == EXIT_USAGE
    assert runner.invoke(app, [*base, "generate"]).exit_code == EXIT_USAGE
    settings = Settings(data_dir=tmp_path / "data", config=config)
    res = Resources.open(settings)
    try:
        [entry] = ReportArchive(res.db).list(SYSTEM)
        assert entry.period == "2026-11" and entry.created_by == "cli" and entry.pushed_to == []
    finally:
        res.close()


def test_the_worker_makes_due_reports_on_its_maintenance_tick(tmp_path: Path) -> None:
    from yuqing.worker import Worker

    settings = Settings(data_dir=tmp_path, config=tmp_path / "c.yaml")
    # At 00:00: whenever the test runs, last month's report is due.
    config = parse_config(BRANDS_YAML + "tickets:\n  reports: {kinds: [monthly], per_brand: false, at: '00:00'}\n")
    res = Resources.open(settings, config)
    try:
        worker = Worker(settings, res.config, res)
        worker.maintain_tickets()
        [entry] = ReportArchive(res.db).list(SYSTEM)
        assert entry.kind == "monthly" and entry.brand is None and entry.created_by == "scheduler"
        assert entry.pushed_to == []  # no channel configured: stored and listed, not pushed
        worker.maintain_tickets()
        assert len(ReportArchive(res.db).list(SYSTEM)) == 1  # once per period
    finally:
        res.close()
