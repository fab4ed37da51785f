"""E-mail over SMTP (STARTTLS or TLS), plain text with an HTML alternative."""

from __future__ import annotations

import html
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import ClassVar, Literal

from pydantic import EmailStr, Field, SecretStr

from alerts.channels.base import Channel, ChannelConfig, ChannelError, ChannelRejected
from alerts.channels.message import Message
from foundation.smtp import send_mail


class EmailConfig(ChannelConfig):
    type: Literal["email"]
    host: str = Field(description="SMTP server (on alerts.allowed_hosts, or allow_private_hosts on-premises).")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(default="starttls", description="'none' only on-premises.")
    username: str | None = None
    password: SecretStr | None = None
    sender: EmailStr = Field(description="From address.")
    to: list[EmailStr] = Field(min_length=1)


class EmailChannel(Channel[EmailConfig]):
    type_name: ClassVar[str] = "email"
    config_model = EmailConfig
    takes_attachments: ClassVar[bool] = True

    def build(self, message: Message) -> EmailMessage:
        language = self.config.language
        mail = EmailMessage()
        mail["Subject"] = message.title(language)
        mail["From"] = str(self.config.sender)
        mail["To"] = ", ".join(str(t) for t in self.config.to)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=str(self.config.sender).split("@")[-1])
        lines = message.lines(language)
        mail.set_content("\n".join(lines))
        # Crawled text is hostile: everything is escaped in the HTML part.
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        mail.add_alternative(
            f"<html><body><h3>{html.escape(message.title(language))}</h3>{body}</body></html>", subtype="html"
        )
        for attachment in message.attachments:  # a scheduled report's XLSX and PDF
            maintype, _, subtype = attachment.content_type.partition("/")
            mail.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        return mail

    def send(self, message: Message) -> None:
        cfg = self.config
        if not self.guard.host_allowed(cfg.host):
            raise ChannelRejected(f"{cfg.name}: SMTP host {cfg.host} is not on the allow-list")
        self.guard.check_addresses(cfg.host, cfg.port)
        mail = self.build(message)
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
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise ChannelRejected(f"{cfg.name}: {type(exc).__name__}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"{cfg.name}: {type(exc).__name__}: {exc}") from exc
