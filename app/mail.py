"""Outgoing mail with the standard library.

MAIL_TRANSPORT "smtp" sends through smtplib to MAIL_SERVER:MAIL_PORT (STARTTLS with
MAIL_USE_TLS, login with MAIL_USERNAME/MAIL_PASSWORD); "outbox" (development) writes
each message as an .eml file into MAIL_OUTBOX_DIR, a captured outbox anyone can open.
Callers build nothing transport-specific: the same message goes either way.
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


def build_message(to: str, subject: str, text: str, html: str | None = None, sender: str | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = sender or config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=message["From"].rpartition("@")[2] or None)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage) -> None:
    config = current_app.config
    transport = config.get("MAIL_TRANSPORT", "outbox")
    if transport == "outbox":
        _write_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))
    elif transport == "smtp":
        _send_smtp(message, config)
    else:
        raise MailError(f"unknown MAIL_TRANSPORT {transport!r}")


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> None:
    send(build_message(to, subject, text, html))


def _write_outbox(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(message))
    tmp.replace(path)  # readers never see half a message
    log.info("mail to %s written to %s", message["To"], path)
    return path


def _send_smtp(message: EmailMessage, config) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery to {config['MAIL_SERVER']}:{config['MAIL_PORT']} failed: {exc}") from exc
