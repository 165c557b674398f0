"""Writing messages into the outbox, or sending them through the campaign's SMTP server.

The settings live in campaign.yaml, under `mail:` (docs/mail.md):

    mail:
      from: Label secretariat <secretariat@label.example>   # default: the campaign's contact
      reply_to: labels@label.example                         # optional
      smtp:
        host: smtp.example.org
        port: 587                 # default: 587 for starttls, 465 for tls, 25 for none
        security: starttls        # starttls (default), tls (implicit TLS), or none
        user: secretariat@label.example
        ca_file: ""               # optional: a CA bundle for a server with its own certificate

The password is never in a file: it comes from the environment variable
EXCELCERT_SMTP_PASSWORD, else from the system's keyring (the optional `keyring` package;
service `excelcert smtp <host>`, user name the `user` above).

Each message is recorded in the ledger right after the server accepted it (or after its
.eml was written to the outbox): a run stopped half way (the connection lost, the server
refusing) loses nothing, and the next run goes on with what was not sent. A message
already sent is not sent again unless asked (`again`).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any

from excelcert.base.files import safe_filename
from excelcert.base.ledger import Ledger, MailRecord
from excelcert.base.secrets import find_password
from excelcert.campaign.config import Campaign, CampaignError, mail_server
from excelcert.mail.compose import Outgoing, Plan, message_bytes

PASSWORD_VARIABLE = "EXCELCERT_SMTP_PASSWORD"
SECURITY = {"starttls": 587, "tls": 465, "none": 25}
SMTP = "smtp"
OUTBOX = "outbox"


class MailError(CampaignError):
    """Mail cannot be sent: settings missing or wrong, no password, the server unreachable."""


@dataclass(frozen=True)
class MailSettings:
    sender: str  # "Name <address>"
    reply_to: str = ""
    host: str = ""
    port: int = 0
    security: str = "starttls"
    user: str = ""
    ca_file: str = ""


def outbox_folder(campaign: Campaign) -> Path:
    return campaign.output_dir / "outbox"


def mail_settings(campaign: Campaign) -> MailSettings:
    """The `mail:` settings of campaign.yaml (MailError says what is wrong)."""
    mail, smtp, security, port = mail_server(campaign, SMTP, SECURITY, PASSWORD_VARIABLE, MailError)
    path = campaign.config_path
    if not mail.get("from") and not campaign.contact_email:
        raise MailError(f"{path}: no sender address: set 'mail.from' or 'contact.email' (docs/mail.md).")
    sender = str(mail.get("from") or formataddr((campaign.contact_name, campaign.contact_email)))
    reply_to = str(mail.get("reply_to") or "")
    for key, text in (("mail.from", sender), ("mail.reply_to", reply_to)):
        if text:
            _check_address(text, f"{path}: {key}")
    return MailSettings(
        sender=sender,
        reply_to=reply_to,
        host=str(smtp.get("host") or ""),
        port=port,
        security=security,
        user=str(smtp.get("user") or ""),
        ca_file=str(smtp.get("ca_file") or ""),
    )


def _check_address(text: str, where: str) -> None:
    """A MailError unless `text` is an address ('Name <address>' or the address alone): a
    message from or replying to anything else is refused or lost by the servers."""
    from email_validator import EmailNotValidError, validate_email

    address = parseaddr(text)[1]
    try:
        if "@" not in address:
            raise EmailNotValidError("it holds no address with an @-sign")
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise MailError(
            f"{where} '{text}' is not an e-mail address ({str(exc).rstrip('.')}). Write it as "
            "Label secretariat <labels@your-body.example> (docs/mail.md); nothing was sent."
        ) from None


def smtp_password(settings: MailSettings, environ: dict[str, str] | None = None) -> str:
    """The SMTP password: from the environment, else the system keyring; "" without a user."""
    if not settings.user:
        return ""
    found = find_password(PASSWORD_VARIABLE, f"excelcert smtp {settings.host}", settings.user, environ)
    if found:
        return found
    raise MailError(
        f"no password for {settings.user} at {settings.host}: set the environment variable {PASSWORD_VARIABLE}, "
        f"or store it in the system keyring: keyring set 'excelcert smtp {settings.host}' {settings.user} "
        "(pip install keyring); see docs/mail.md."
    )


@dataclass
class MailRun:
    """What one run of `excelcert mail` did."""

    kind: str
    how: str  # "smtp" or "outbox"
    done: list[tuple[Outgoing, str, Path | None]] = field(default_factory=list)  # message, its id, its .eml
    already: list[Outgoing] = field(default_factory=list)  # sent (or written) before: not again
    missing: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)  # the server refused this one
    stopped: str = ""  # why the run stopped before the end; the rest waits for the next run
    waiting: list[Outgoing] = field(default_factory=list)  # not sent because the run stopped

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "how": self.how,
            "done": [
                {
                    "to": m.recipient_id,
                    "address": m.address,
                    "subject": m.subject,
                    "attachments": [p.name for p in m.attachments],
                    "message_id": message_id,
                    **({"eml": str(eml)} if eml else {}),
                }
                for m, message_id, eml in self.done
            ],
            "already": [m.recipient_id for m in self.already],
            "missing": [{"to": who, "why": why} for who, why in self.missing],
            "refused": [{"to": m.recipient_id, "address": m.address, "why": why} for m, why in self.refused],
            "stopped": self.stopped,
            "waiting": [m.recipient_id for m in self.waiting],
        }


Connect = Callable[[MailSettings, str], smtplib.SMTP]


def connect(settings: MailSettings, password: str) -> smtplib.SMTP:
    """An SMTP connection, secured as the settings say, logged in (MailError if not)."""
    if not settings.host:
        raise MailError(
            "no SMTP server: add mail.smtp.host (and port, security, user) to campaign.yaml (docs/mail.md), "
            "or leave out --send to write the messages into the outbox."
        )
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    where = f"{settings.host}:{settings.port}"
    try:
        server: smtplib.SMTP
        if settings.security == "tls":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=60, context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=60)
            if settings.security == "starttls":
                server.starttls(context=context)
        if settings.user:
            try:
                server.login(settings.user, password)
            except smtplib.SMTPServerDisconnected:  # some servers hang up on a wrong password
                raise smtplib.SMTPAuthenticationError(535, b"closed at login") from None
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"the server {where} refused the user name or password of {settings.user}: check them (many providers "
            "want an app password: docs/mail.md). Nothing was sent."
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"the server {where} does not offer STARTTLS: set mail.smtp.security to tls (and the port, often 465). "
            "Nothing was sent."
        ) from None
    except ssl.SSLError as exc:
        raise MailError(
            f"no secure connection to {where} ({exc.reason or 'TLS failed'}): check mail.smtp.security and port "
            "(starttls: 587, tls: 465). Nothing was sent."
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the server {where} cannot be reached ({_why(exc)}). Nothing was sent.") from None
    return server


def deliver(
    plan: Plan,
    campaign: Campaign,
    ledger: Ledger,
    settings: MailSettings,
    *,
    send: bool = False,
    again: bool = False,
    password: str = "",
    connector: Connect = connect,
) -> MailRun:
    """Send the plan's messages (`send`), or write them as .eml files into the outbox; each
    one recorded in the ledger as soon as it is done. Messages done before in the same way
    are left out unless `again`."""
    how = SMTP if send else OUTBOX
    run = MailRun(plan.kind, how, missing=list(plan.missing))
    done_before = set() if again else ledger.mail_keys(how)
    todo: list[Outgoing] = []
    for outgoing in plan.messages:
        (run.already if outgoing.key in done_before else todo).append(outgoing)
    if not todo:
        return run
    if not send:
        folder = outbox_folder(campaign) / plan.kind
        folder.mkdir(parents=True, exist_ok=True)
        for outgoing in todo:
            message = outgoing.message(settings.sender, settings.reply_to)
            message["X-Unsent"] = "1"  # mail programs open it as a message to send, not one received
            path = folder / f"{safe_filename(outgoing.recipient_id)}.eml"
            path.write_bytes(message_bytes(message))
            _record(ledger, outgoing, str(message["Message-ID"]), OUTBOX)
            run.done.append((outgoing, str(message["Message-ID"]), path))
        return run
    server = connector(settings, password)
    try:
        for number, outgoing in enumerate(todo):
            message = outgoing.message(settings.sender, settings.reply_to)
            try:
                server.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                if isinstance(exc, smtplib.SMTPSenderRefused) or _server_gone(exc):
                    run.stopped = f"the server stopped accepting messages ({_why(exc)})"
                    run.waiting = todo[number:]
                    break
                run.refused.append((outgoing, _why(exc)))
                continue
            except (OSError, smtplib.SMTPException) as exc:
                run.stopped = f"the connection to {settings.host} was lost ({_why(exc)})"
                run.waiting = todo[number:]
                break
            _record(ledger, outgoing, str(message["Message-ID"]), SMTP)  # accepted: never sent again
            run.done.append((outgoing, str(message["Message-ID"]), None))
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return run


def _record(ledger: Ledger, outgoing: Outgoing, message_id: str, how: str) -> None:
    ledger.record_mail(
        MailRecord(
            outgoing.kind,
            outgoing.recipient_id,
            outgoing.address,
            outgoing.subject,
            [p.name for p in outgoing.attachments],
            outgoing.key,
            message_id,
            how,
        )
    )


def _server_gone(exc: smtplib.SMTPException) -> bool:
    code = getattr(exc, "smtp_code", 0)
    return isinstance(code, int) and code == 421


def _why(exc: BaseException) -> str:
    """What the server or the network said, as a short text (never a traceback)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {_text(reply)}" for code, reply in exc.recipients.values()]
        return "the address was refused: " + "; ".join(codes)
    code, reply = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)
    if code is not None:
        return f"{code} {_text(reply)}".strip()
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _text(reply: object) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return str(reply or "")
