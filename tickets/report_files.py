"""A complaint report as files: an XLSX workbook (openpyxl) and a PDF (reportlab), in the reader's language.

The PDF uses reportlab's built-in CID font ``STSong-Light`` (Adobe's Song face, which every PDF reader carries),
so Chinese renders without shipping or downloading a font file. Both files hold the same content: the report's
sentences (:mod:`tickets.report_text`, honest about missing data), then its tables — top-10 issues, department
ranking, categories, grades, satisfaction and the complaint rate of each baseline period.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from foundation.i18n import Language, gettext
from tickets.report import WeeklyReport
from tickets.report_text import report_lines, report_title

PDF_FONT = "STSong-Light"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


@dataclass
class Section:
    """A table of the report: a heading, column names and rows."""

    heading: str
    columns: list[str]
    rows: list[list[object]]


def _pct(value: float | None, language: Language) -> str:
    return f"{value:.0%}" if value is not None else gettext("no data", language)


def _missing(value: int | float | None, language: Language) -> str | int | float:
    return value if value is not None else gettext("no data", language)


def _counts(counts: dict[str, int], language: Language) -> list[list[object]]:
    return [[gettext(key, language), count] for key, count in counts.items()]


def sections(report: WeeklyReport, language: Language) -> list[Section]:
    """The report's tables, their headings and cells in ``language`` (empty tables say so in one row)."""
    _ = lambda message, **kw: gettext(message, language, **kw)  # noqa: E731 - a local shorthand
    none: list[object] = [_("no data")]
    issues = [
        [i + 1, _(issue.category), issue.product or "", issue.tickets] for i, issue in enumerate(report.top_issues)
    ]
    departments = [
        [rank + 1, name or _("no department"), count]
        for rank, (name, count) in enumerate(sorted(report.by_department.items(), key=lambda kv: (-kv[1], kv[0])))
    ]
    rates: list[list[object]] = [
        [
            r.week,
            r.tickets,
            r.mentions if r.mentions is not None else _("no data"),
            r.rate if r.rate is not None else _("no data"),
        ]
        for r in [report.rate, *report.baseline]
    ]
    return [
        Section(_("Top issues"), ["#", _("Category"), _("Product"), _("Tickets")], issues or [none]),
        Section(_("Department ranking"), ["#", _("Department"), _("Tickets")], departments or [none]),
        Section(
            _("By category"),
            [_("Category"), _("Tickets")],
            [[_(k), v] for k, v in report.by_category.items()] or [none],
        ),
        Section(_("By grade"), [_("Grade"), _("Tickets")], [[_(k), v] for k, v in report.by_grade.items()] or [none]),
        Section(
            _("SLA compliance"),
            [_("Measure"), _("Value")],
            [
                [_("Responded on time"), _pct(report.respond_on_time, language)],
                [_("Resolved on time"), _pct(report.resolve_on_time, language)],
                [_("Open and overdue now"), report.overdue_open],
            ],
        ),
        Section(
            _("Satisfaction"),
            [_("Verdict"), _("Revisits")],
            [[_(k), v] for k, v in report.satisfaction.items()]
            + [[_("Satisfied or basically satisfied"), _pct(report.satisfaction_rate, language)]],
        ),
        Section(
            _("Complaint rate by period (this period first, then the baseline)"),
            [_("Period"), _("Tickets"), _("Mentions"), _("Complaints per 1,000 mentions")],
            rates,
        ),
    ]


def render_xlsx(report: WeeklyReport, language: Language) -> bytes:
    """The report as a workbook: a summary sheet of sentences, then one sheet per table."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has its first sheet
    summary.title = gettext("Summary", language)[:31]
    summary.append([report_title(report, language)])
    summary["A1"].font = Font(bold=True, size=14)
    for line in report_lines(report, language)[1:]:
        summary.append([line])
    summary.column_dimensions["A"].width = 100
    for number, section in enumerate(sections(report, language), start=1):
        # Sheet titles: at most 31 characters and unique; the number keeps them apart.
        sheet = book.create_sheet(f"{number} {section.heading}"[:31].replace("/", "-"))
        sheet.append(section.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append(list(row))
        for column in "ABCD":
            sheet.column_dimensions[column].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_pdf(report: WeeklyReport, language: Language) -> bytes:
    """The report as an A4 PDF: title, sentences, tables."""
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10, leading=14, wordWrap="CJK")
    story: list[object] = [Paragraph(escape(report_title(report, language)), title_style)]
    for line in report_lines(report, language)[1:]:
        # Product and department names are data: escaped, never read as reportlab markup.
        story.append(Paragraph(escape(line), body))
    for section in sections(report, language):
        story.append(Paragraph(escape(section.heading), heading))
        rows: list[list[object]] = [list(section.columns), *section.rows]
        cells = [[Paragraph(escape(str(c)), body) for c in row] for row in rows]
        table = Table(cells, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    story.append(Spacer(1, 4 * mm))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=report_title(report, language), leftMargin=15 * mm, rightMargin=15 * mm
    )
    doc.build(story)
    return out.getvalue()
