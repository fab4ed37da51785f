"""Sending a reply to the customer through the configured channel: e-mail over SMTP, or an SMS gateway's HTTP
webhook. A platform reply is not sent by us (the platforms offer brands no reply API): the agent posts it at
the recorded link, so it never reaches this module.

:class:`ReplySender` raises :class:`DeliveryError` with a reason a person can act on; ``permanent`` says that
retrying cannot help (a refused recipient, a gateway answering 4xx), so the store stops trying at once.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from foundation.smtp import send_mail
from tickets.config import RepliesConfig


class DeliveryError(Exception):
    """A reply could not be handed over; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One reply as it leaves: where to, the text, and the ticket it answers (for the subject and reference)."""

    channel: str
    recipient: str
    body: str
    number: str
    brand: str | None


class ReplySender:
    """Hands replies to the channels of a :class:`~tickets.config.RepliesConfig`.

    ``transport`` replaces httpx's network transport (tests give an ``httpx.MockTransport``)."""

    def __init__(self, config: RepliesConfig, *, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.transport = transport

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.channel == "email":
            self._email(outgoing)
        elif outgoing.channel == "sms":
            self._sms(outgoing)
        else:
            raise DeliveryError(f"channel {outgoing.channel} is not sent by the server", permanent=True)

    def _email(self, out: Outgoing) -> None:
        cfg = self.config.email
        if cfg is None:
            raise DeliveryError("e-mail replies are not configured (tickets.replies.email)", permanent=True)
        mail = EmailMessage()
        mail["Subject"] = cfg.subject.format(brand=out.brand or "", number=out.number)
        mail["From"] = str(cfg.sender)
        mail["To"] = out.recipient
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=str(cfg.sender).split("@")[-1])
        mail.set_content(out.body)
        try:
            send_mail(
                mail,
                host=cfg.host,
                port=cfg.port,
                security=cfg.security,
                timeout=cfg.timeout_seconds,
                username=cfg.username,
                password=cfg.password.get_secret_value() if cfg.password else None,
            )
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryError(f"SMTP refused the message: {exc}", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # The config is wrong, not the message: retrying later helps once someone fixes the password.
            raise DeliveryError(f"SMTP login failed: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {cfg.host}:{cfg.port}: {type(exc).__name__}: {exc}") from exc

    def _sms(self, out: Outgoing) -> None:
        cfg = self.config.sms
        if cfg is None:
            raise DeliveryError("SMS replies are not configured (tickets.replies.sms)", permanent=True)
        headers = {"Authorization": f"Bearer {cfg.token.get_secret_value()}"} if cfg.token else {}
        payload = {"to": out.recipient, "text": out.body, "reference": out.number}
        try:
            with httpx.Client(transport=self.transport, timeout=cfg.timeout_seconds) as client:
                response = client.post(str(cfg.url), json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            detail = response.text[:200].strip()
            # 4xx: the gateway refuses this message (bad number, no credit for it); 429 and 5xx pass.
            permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
            raise DeliveryError(f"SMS gateway answered {response.status_code}: {detail}", permanent=permanent)
