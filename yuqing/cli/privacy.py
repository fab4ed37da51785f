"""``yuqing privacy``: erase a person's data; purge raw text past the retention period."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from yuqing.cli.common import console, handles_errors, open_resources

privacy_app = typer.Typer(
    help="Personal data: erasure (PIPL Art. 47, GDPR Art. 17) and retention.", no_args_is_help=True
)


@privacy_app.command("erase")
@handles_errors
def privacy_erase(
    author: Annotated[str | None, typer.Option(help="An author handle: their posts are deleted.")] = None,
    phone: Annotated[str | None, typer.Option(help="A phone number, in any writing.")] = None,
    email: Annotated[str | None, typer.Option(help="An e-mail address.")] = None,
) -> None:
    """Erase one person (give exactly one of --author, --phone, --email) from mentions, search indexes,
    tickets, exports, alert payloads and notifications. Irreversible; audited without the identifier."""
    from api.privacy import erase
    from foundation.erasure import Subject, SubjectKind

    given = {k: v for k, v in (("author", author), ("phone", phone), ("email", email)) if v}
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --author, --phone and --email")
    [(kind, value)] = given.items()
    try:
        subject = Subject(SubjectKind(kind), value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{kind}") from exc
    with open_resources() as resources:
        report = erase(resources, subject, actor="cli")
    console.print_json(json.dumps(report.as_dict(), ensure_ascii=False))


@privacy_app.command("purge")
@handles_errors
def privacy_purge(
    days: Annotated[
        int | None, typer.Option(min=1, help="Older than this many days (default: YUQING_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Drop the raw text (text, title, author, link) of mentions published before the retention period; their
    counts, dates, brands and sentiment stay."""
    from api.privacy import purge_expired

    with open_resources() as resources:
        days = days or resources.settings.retention_days
        if not days:
            raise typer.BadParameter("give --days or set YUQING_RETENTION_DAYS", param_hint="--days")
        purged = purge_expired(resources, days, actor="cli")
    console.print(f"purged the text of {purged} mentions older than {days} days")
