"""What goes out: one message per recipient, in their language, with the right attachments.

    workbook    each cluster its self-assessment workbook (output/<campaign>/to-clusters/)
    review      each reviewer their reviewer workbooks, one message for all of them
    correction  each cluster with a rejected or incomplete return its correction workbook
                (and its correction letter, when made)
    reminder    each cluster that has not returned, was rejected or is incomplete, as of
                today and the deadline (its workbook again, or its correction workbook,
                made then when `excelcert corrections` has not made it yet, and its
                correction letter when made; without an attachment, the text says what to do)
    documents   each cluster its certificate and feedback letter (the PDFs when made)

Every message has a key saying what it is (its kind, its recipient and the digest of what
it carries; a reminder: the day and the state it reminds of): the same key is the same
message, which the mailroom never sends twice.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from excelcert.assessment.generate import workbook_names
from excelcert.base.files import safe_filename
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import Campaign
from excelcert.campaign.reviewers import Reviewer
from excelcert.campaign.roster import Cluster
from excelcert.documents.context import salutation_and_closing
from excelcert.documents.issue import cluster_folder
from excelcert.documents.names import is_document
from excelcert.intake.corrections import collect_corrections, corrections_folder, write_corrections
from excelcert.intake.status import COMPLETE, INCOMPLETE, NOT_RETURNED, REJECTED, iter_campaign_status
from excelcert.mail.templates import KINDS, render, template_path
from excelcert.scheme.model import Scheme


@dataclass
class Outgoing:
    """One message to send: to whom, in which language, what it says and carries."""

    kind: str
    recipient_id: str
    recipient_name: str
    address: str
    language: str
    subject: str
    body: str
    attachments: list[Path]
    key: str

    def message(self, sender: str, reply_to: str = "", *, when: dt.datetime | None = None) -> EmailMessage:
        """The message as MIME: text, then the attachments; a fresh Message-ID and Date."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = formataddr((self.recipient_name, self.address))
        if reply_to:
            message["Reply-To"] = reply_to
        if self.subject.isascii():
            message["Subject"] = self.subject
        else:  # encoded whole: the library's own folding loses the space between two encoded words
            message.set_raw("Subject", Header(self.subject, "utf-8", header_name="Subject").encode())
        message["Date"] = format_datetime(when or dt.datetime.now(dt.UTC))
        domain = sender.rpartition("@")[2].strip(" >") or "excelcert.invalid"
        message["Message-ID"] = make_msgid("excelcert", domain=domain)
        message["Content-Language"] = self.language
        message.set_content(self.body)
        for path in self.attachments:
            kind, _ = mimetypes.guess_type(path.name)
            maintype, subtype = (kind or "application/octet-stream").split("/", 1)
            # The part made by the library (its headers: type, base64, the file's name, encoded
            # as needed), its text then encoded in one call: the library's own encoder cuts the
            # file into 57-byte pieces in Python, the same lines of 76 characters.
            message.add_attachment(b"", maintype=maintype, subtype=subtype, filename=path.name)
            *_, part = message.iter_parts()
            assert part["Content-Transfer-Encoding"] == "base64", "the library encodes a file in base64"
            part.set_payload(base64.encodebytes(path.read_bytes()).decode("ascii"))
        if message.is_multipart():
            # A boundary of 128 random bits, set now: left unset, the mail library makes one and
            # searches every attachment's encoded text for it, a sixth of a mailing's time. Its
            # "=_" never occurs in base64, and the odds that a text part holds it are nil.
            message.set_boundary(f"==============={secrets.token_hex(16)}=_")
        return message


_LINE_END = re.compile(r"\r\n|\r|\n")  # what the mail library's generator takes for a line's end


class _Generator(BytesGenerator):
    """The mail library's generator, writing a body's lines in one go rather than one by one
    (a mailing of documents wrote each of its 76-character lines of base64 apart: 12 million
    writes for 1,000 messages, most of its time). The same bytes: every line end made the
    policy's, as the library's `_write_lines` does line by line."""

    def _write_lines(self, lines: str) -> None:
        if not lines:
            return
        end: str = self._NL  # type: ignore[attr-defined]
        if "\r" in lines:
            self.write(_LINE_END.sub(end, lines))
        else:  # only "\n" (base64, the texts): replaced by the policy's end, if another
            self.write(lines if end == "\n" else lines.replace("\n", end))


def message_bytes(message: EmailMessage, policy: Policy | None = None) -> bytes:
    """The message as `message.as_bytes(policy=policy)` gives it, written faster (`_Generator`)."""
    out = io.BytesIO()
    _Generator(out, mangle_from_=False, policy=policy or message.policy).flatten(message, unixfrom=False)
    return out.getvalue()


@dataclass
class Plan:
    """The messages of one kind, and the recipients who get none, with the reason."""

    kind: str
    messages: list[Outgoing] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (recipient id, why no message)


def plan_messages(
    kind: str,
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    *,
    reviewers: list[Reviewer] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """The messages of `kind` for `clusters` (for "review": `reviewers`), from the files
    excelcert wrote; a recipient without the file to send, or without an address, is listed
    in `missing` with what to do."""
    if kind not in KINDS:
        raise ValueError(kind)
    today = today or dt.date.today()
    plan = Plan(kind)
    if kind == "review":
        by_id = {c.id: c for c in clusters}
        cluster_names = {name: by_id[cid].name for cid, name in workbook_names(clusters).items()}  # file -> cluster
        for reviewer in reviewers or []:
            _review(plan, campaign, scheme, cluster_names, reviewer, today)
        return plan
    needs_state = kind in ("reminder", "correction", "documents")
    states = {s.cluster.id: s.state for s in iter_campaign_status(clusters, ledger)} if needs_state else {}
    names = workbook_names(clusters)
    for cluster in clusters:
        files: list[Path] = []
        extra: dict[str, Any] = {}
        key_part = ""
        workbook = campaign.to_clusters_dir / names[cluster.id]
        correction = corrections_folder(campaign) / f"{safe_filename(f'{cluster.id} {cluster.name}')}.xlsx"
        if kind == "workbook":
            if not workbook.is_file():
                plan.missing.append((cluster.id, "no workbook yet: run `excelcert generate`"))
                continue
            files = [workbook]
        elif kind == "correction":
            if states[cluster.id] not in (REJECTED, INCOMPLETE):
                continue  # nothing to correct (any more): no message, no line, whatever an earlier run wrote
            if not correction.is_file():
                plan.missing.append((cluster.id, "no correction workbook yet: run `excelcert corrections`"))
                continue
            files = [correction, *_documents(cluster_folder(campaign, cluster), cluster.id, "correction")]
        elif kind == "documents":
            folder = cluster_folder(campaign, cluster)
            # the report is the one the letter says is enclosed; the seal, the one it names
            files = _documents(folder, cluster.id, "certificate", "letter", "benchmark", "seal")
            if not files:
                if states[cluster.id] == COMPLETE:  # a cluster not (yet) complete has no documents to expect
                    plan.missing.append(
                        (cluster.id, "no documents yet: run `excelcert certify` and `excelcert letters`")
                    )
                continue
        else:  # reminder
            state = states[cluster.id]
            if state == COMPLETE:
                continue
            if state == NOT_RETURNED:
                files = [workbook] if workbook.is_file() else []
            else:  # what to correct: the correction workbook, made now if `corrections` has not run yet
                if not correction.is_file():
                    try:
                        _write_correction(campaign, scheme, cluster, ledger, correction)
                    except OSError as exc:  # this cluster waits; the others' reminders go
                        with contextlib.suppress(OSError):  # never a half-written workbook, attached later
                            correction.unlink(missing_ok=True)
                        plan.missing.append((cluster.id, _unwritten(correction, exc)))
                        continue
                files = [correction] if correction.is_file() else []
                files += _documents(cluster_folder(campaign, cluster), cluster.id, "correction")
            extra = {"state": state}
            key_part = f"{state}/{today.isoformat()}"
        if not cluster.email:
            plan.missing.append((cluster.id, "no e-mail address in the roster"))
            continue
        context = {
            **_common(campaign, cluster.language, today, files),
            "cluster_id": cluster.id,
            "cluster_name": cluster.name,
            "contact_name": cluster.contact_name,
            "salutation": salutation_and_closing(cluster, cluster.language)["salutation"],
            **extra,
        }
        subject, body = render(template_path(campaign, kind, cluster.language), context)
        plan.messages.append(
            Outgoing(
                kind,
                cluster.id,
                cluster.contact_name or cluster.name,
                cluster.email,
                cluster.language,
                subject,
                body,
                files,
                _key(kind, cluster.id, files, key_part),
            )
        )
    return plan


def _review(
    plan: Plan, campaign: Campaign, scheme: Scheme, names: dict[str, str], reviewer: Reviewer, today: dt.date
) -> None:
    """The message to one reviewer; `names` gives each workbook file name's cluster name."""
    folder = campaign.output_dir / "to-reviewers" / safe_filename(reviewer.id)
    files = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
    if not files:
        plan.missing.append((reviewer.id, "no reviewer workbook yet: run `excelcert generate --reviews`"))
        return
    if not reviewer.email:
        plan.missing.append((reviewer.id, "no e-mail address in the reviewers roster"))
        return
    language = next((x for x in reviewer.languages if x in scheme.languages), scheme.languages[0])
    context = {
        **_common(campaign, language, today, files),
        "reviewer_id": reviewer.id,
        "reviewer_name": reviewer.name,
        "clusters": [names.get(p.name, p.stem) for p in files],
    }
    subject, body = render(template_path(campaign, "review", language), context)
    plan.messages.append(
        Outgoing(
            "review",
            reviewer.id,
            reviewer.name,
            reviewer.email,
            language,
            subject,
            body,
            files,
            _key("review", reviewer.id, files),
        )
    )


def _common(campaign: Campaign, language: str, today: dt.date, files: list[Path]) -> dict[str, Any]:
    from babel.dates import format_date

    return {
        "campaign_title": campaign.title_in(language),
        "deadline": format_date(campaign.deadline, format="long", locale=language),
        "deadline_passed": today > campaign.deadline,
        "days_left": max((campaign.deadline - today).days, 0),
        "secretariat_name": campaign.secretariat_in(language),
        "secretariat_email": campaign.contact_email,
        "attachments": [p.name for p in files],
        "language": language,
    }


def _write_correction(campaign: Campaign, scheme: Scheme, cluster: Cluster, ledger: Ledger, path: Path) -> None:
    """The cluster's correction workbook, as `excelcert corrections` writes it (none when the
    ledger holds nothing to correct for it: the reminder then says to reply)."""
    for item in collect_corrections([cluster], ledger, scheme):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_corrections(path, item, campaign, scheme)


def _unwritten(path: Path, exc: OSError) -> str:
    return (
        f"its correction workbook could not be written ({exc.filename or path}: {exc.strerror or exc}); "
        "check that it can be written there (not open in another program, permissions, free space), "
        "then run `excelcert corrections` or this command again"
    )


def _documents(folder: Path, cluster_id: str, *kinds: str) -> list[Path]:
    """The cluster's documents of `kinds`, in that order, in its folder (listed once),
    whatever language names them: a document's PDF when it was made, else its Word file; a
    seal's PNG and SVG."""
    try:
        present = sorted(p.name for p in folder.iterdir() if p.is_file())
    except FileNotFoundError:
        return []
    out = []
    for kind in kinds:
        names = [name for name in present if is_document(name, kind, cluster_id)]
        pdfs = {Path(name).stem for name in names if name.endswith(".pdf")}
        out += [folder / name for name in names if not (name.endswith(".docx") and Path(name).stem in pdfs)]
    return out


def _key(kind: str, recipient: str, files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{kind}/{recipient}/{extra or digest.hexdigest()[:32]}"
