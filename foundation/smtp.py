"""One SMTP sending over the connection styles a config may name (implicit TLS, STARTTLS, plain on-premises).

Alert e-mails (``alerts.channels.email``) and replies to customers (``tickets.sending``) both send mail; each
keeps its own error policy (what is permanent, what is retried), so this raises smtplib's and the socket's own
exceptions unchanged.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Literal

SmtpSecurity = Literal["starttls", "tls", "none"]


def send_mail(
    mail: EmailMessage,
    *,
    host: str,
    port: int,
    security: SmtpSecurity,
    timeout: float,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Connect, secure the connection as ``security`` says, log in when both username and password are given,
    and send ``mail``. Raises :class:`smtplib.SMTPException` or :class:`OSError` as smtplib does."""
    if security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if username and password:
            smtp.login(username, password)
        smtp.send_message(mail)
