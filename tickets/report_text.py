"""A complaint report (daily, weekly, monthly) as sentences in the reader's language (terminal, dashboard, the
files and the pushed message).

Every figure that may be missing says so in words ("no satisfaction survey answered") instead of printing
``None`` or ``-``, and the complaint rate is compared with its baseline only when one exists: a fresh
installation reads "no baseline yet: 3 of 28 days", never "within baseline".
"""

from __future__ import annotations

from foundation.i18n import Language, gettext
from tickets.report import WeeklyReport


def _pct(value: float) -> str:
    return f"{value:.0%}"


def baseline_sentence(report: WeeklyReport, language: Language | None = None) -> str:
    """The complaint rate against its baseline, or why there is no comparison."""
    _ = lambda message, **kw: gettext(message, language, **kw)  # noqa: E731 - a local shorthand
    rate = report.rate
    days, needed = report.baseline_days, report.baseline_days_needed
    no_baseline = report.baseline_status == "none" or report.baseline_rate is None
    if rate.rate is None:
        text = _("no mentions counted in this period: no complaint rate")
        return text + (
            _("; no baseline yet: %(days)s of %(needed)s days", days=days, needed=needed) if no_baseline else ""
        )
    per = (
        _("%(rate)s complaints per 1,000 mentions", rate=rate.rate)
        if rate.mentions is not None
        else _("%(rate)s complaints in this period", rate=int(rate.rate))
    )
    if no_baseline:
        return per + _("; no baseline yet: %(days)s of %(needed)s days", days=days, needed=needed)
    verdict = _("above the baseline") if report.rate_above_baseline else _("within the baseline")
    text = per + _("; baseline %(baseline)s: %(verdict)s", baseline=report.baseline_rate, verdict=verdict)
    if report.baseline_status == "partial":
        text += _(" (baseline from %(days)s of %(needed)s days)", days=days, needed=needed)
    return text


def report_title(report: WeeklyReport, language: Language | None = None) -> str:
    """ "Weekly complaint report 2026-W47 · brand" (or daily, monthly)."""
    if report.kind == "daily":
        title = gettext("Daily complaint report %(day)s", language, day=report.week)
    elif report.kind == "monthly":
        title = gettext("Monthly complaint report %(month)s", language, month=report.week)
    else:
        title = gettext("Weekly complaint report %(week)s", language, week=report.week)
    return title + (f" · {report.brand}" if report.brand else "")


def report_lines(report: WeeklyReport, language: Language | None = None) -> list[str]:
    """The whole report, one sentence per line."""
    _ = lambda message, **kw: gettext(message, language, **kw)  # noqa: E731
    lines = [report_title(report, language) + _(": %(count)s tickets received", count=report.received)]
    if report.top_issues:
        issues = ", ".join(
            f"{gettext(issue.category, language)}"
            + (f"/{issue.product}" if issue.product else "")
            + f" {issue.tickets}"
            for issue in report.top_issues
        )
        lines.append(_("Top issues: %(issues)s", issues=issues))
    else:
        lines.append(_("Top issues: no ticket in this period"))
    respond = _pct(report.respond_on_time) if report.respond_on_time is not None else _("no response was due")
    resolve = _pct(report.resolve_on_time) if report.resolve_on_time is not None else _("no resolution was due")
    lines.append(
        _(
            "SLA: responded on time %(respond)s, resolved on time %(resolve)s, open and overdue now %(overdue)s",
            respond=respond,
            resolve=resolve,
            overdue=report.overdue_open,
        )
    )
    if report.satisfaction_rate is None:
        lines.append(_("Satisfaction: no satisfaction survey answered"))
    else:
        lines.append(
            _(
                "Satisfaction: %(rate)s satisfied or basically satisfied; reopened after the revisit: %(reopened)s",
                rate=_pct(report.satisfaction_rate),
                reopened=report.reopened,
            )
        )
    if report.by_department:
        ranking = ", ".join(
            f"{name or _('no department')} {count}"
            for name, count in sorted(report.by_department.items(), key=lambda kv: -kv[1])
        )
        lines.append(_("Departments: %(ranking)s", ranking=ranking))
    lines.append(_("Complaint rate: %(sentence)s", sentence=baseline_sentence(report, language)))
    return lines
