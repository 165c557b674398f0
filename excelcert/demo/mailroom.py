"""The demo's mailroom: the workbooks go out as .eml files in the outbox, and the clusters'
replies come back in one mailbox file (.mbox), as a mail program exports a folder.

Each reply answers the message the cluster received (Re: its subject, In-Reply-To its
Message-ID), from the cluster's address in the roster, with its filled-in workbook
attached; one cluster that has not returned sends an automatic out-of-office reply, which
holds no workbook.
"""

from __future__ import annotations

import datetime as dt
import mailbox
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from excelcert.base.ledger import Ledger
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.mail.compose import plan_messages
from excelcert.mail.send import MailRun, deliver, mail_settings
from excelcert.scheme.model import Scheme

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def mail_workbooks(campaign: Campaign, scheme: Scheme, clusters: list[Cluster], today: dt.date) -> MailRun:
    """Every cluster's workbook, as a message written into the campaign's outbox."""
    with Ledger.for_campaign(campaign.root) as ledger:
        plan = plan_messages("workbook", campaign, scheme, clusters, ledger, today=today)
        return deliver(plan, campaign, ledger, mail_settings(campaign))


def replies_mbox(
    sent: MailRun, returned: list[Path], campaign: Campaign, clusters: list[Cluster], out: Path, today: dt.date
) -> Path:
    """The clusters' replies with their `returned` workbooks (named as the workbooks sent),
    and an out-of-office reply, in one mbox file at `out`."""
    by_name = {m.attachments[0].name: (m, message_id) for m, message_id, _ in sent.done if m.attachments}
    by_id = {c.id: c for c in clusters}
    secretariat = formataddr((campaign.contact_name, campaign.contact_email))
    # answered moments after the workbooks went out, a few seconds apart
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    when = dt.datetime.combine(today, now.time(), dt.UTC) - dt.timedelta(seconds=len(returned) + 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(out)
    try:
        answered = set()
        for number, path in enumerate(sorted(returned)):
            outgoing, message_id = by_name[path.name]
            cluster = by_id[outgoing.recipient_id]
            answered.add(cluster.id)
            reply = _reply(cluster, secretariat, f"Re: {outgoing.subject}", message_id, when, number)
            reply.set_content("Please find our self-assessment attached.\n")
            reply.add_attachment(path.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=path.name)
            box.add(reply)
        away = next(((m, i) for m, i, _ in sent.done if m.recipient_id not in answered), None)
        if away is not None:
            outgoing, message_id = away
            cluster = by_id[outgoing.recipient_id]
            reply = _reply(
                cluster, secretariat, f"Automatic reply: {outgoing.subject}", message_id, when, len(returned)
            )
            reply["Auto-Submitted"] = "auto-replied"
            reply.set_content("I am out of the office until next week, with limited access to e-mail.\n")
            box.add(reply)
        box.flush()
    finally:
        box.close()
    return out


def _reply(cluster: Cluster, to: str, subject: str, in_reply_to: str, when: dt.datetime, number: int) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = formataddr((cluster.contact_name or cluster.name, cluster.email))
    reply["To"] = to
    reply["Subject"] = subject
    reply["Date"] = format_datetime(when + dt.timedelta(seconds=number))
    reply["Message-ID"] = make_msgid("reply", domain=cluster.email.rpartition("@")[2] or "cluster.example")
    reply["In-Reply-To"] = reply["References"] = in_reply_to
    return reply
