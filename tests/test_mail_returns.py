"""Returns by e-mail: saved .eml, .mbox and .msg files in `import`, the sender checked against
the roster, and hostile mail (huge, bombs, malformed, path names) each given one verdict."""

from __future__ import annotations

import datetime as dt
import io
import mailbox
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from excelcert.base.ledger import Ledger
from excelcert.base.problems import problem
from excelcert.campaign.config import read_key
from excelcert.cli import cli
from excelcert.intake.batch import ACCEPTED, ALREADY, REJECTED, WITH_PROBLEMS, import_files
from excelcert.intake.mailbox import mail_attachments, safe_attachment_name
from tests.test_intake import CLUSTERS, returned

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SENDERS = {c.email.casefold(): c.id for c in CLUSTERS.values()}
SENT = dt.datetime(2027, 1, 12, 8, 30, tzinfo=dt.UTC)


def mail(sender: str, attachments: dict[str, bytes], *, subject: str = "Our self-assessment") -> EmailMessage:
    """An e-mail as a cluster sends it: a text, a signature picture, the files attached."""
    message = EmailMessage()
    message["From"] = f"Someone <{sender}>"
    message["To"] = "secretariat@label.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(SENT)
    message["Message-ID"] = "<reply-1@cluster.example>"
    message.set_content("Please find our workbook attached.\n")
    message.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="logo.png")
    for name, data in attachments.items():
        maintype, subtype = XLSX.split("/") if name.endswith(".xlsx") else ("application", "octet-stream")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def save_eml(path: Path, message: EmailMessage) -> Path:
    path.write_bytes(bytes(message))
    return path


def run_import(campaign, *paths, senders=SENDERS):
    with Ledger.for_campaign(campaign.root) as ledger:
        return import_files(
            campaign, campaign.load_scheme(), set(CLUSTERS), read_key(campaign), ledger, list(paths), senders=senders
        )


def test_a_workbook_attached_to_an_eml_is_imported_with_its_sender_and_date(campaign, tmp_path):
    workbook = returned(campaign, tmp_path).read_bytes()
    sender = CLUSTERS["FR-AERO-01"].email
    eml = save_eml(tmp_path / "reply.eml", mail(sender, {"FR-AERO-01 Pôle.xlsx": workbook}))
    [result] = run_import(campaign, eml)
    assert (result.verdict, result.cluster, result.counts, result.sender) == (ACCEPTED, "FR-AERO-01", True, sender)
    assert result.name == f"{eml}/FR-AERO-01 Pôle.xlsx"
    with Ledger.for_campaign(campaign.root) as ledger:
        stored = ledger.by_hash(result.sha256)
    assert (stored.sender, stored.sent_at) == (sender, "2027-01-12T08:30:00+00:00")
    # the same e-mail saved again: nothing is stored twice
    [again] = run_import(campaign, eml)
    assert again.verdict == ALREADY


def test_a_workbook_sent_from_another_clusters_address_is_flagged(campaign, tmp_path):
    workbook = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    other = CLUSTERS["DE-AUTO-01"].email
    eml = save_eml(tmp_path / "reply.eml", mail(other.upper(), {"aero.xlsx": workbook}))
    [result] = run_import(campaign, eml)
    assert result.verdict == WITH_PROBLEMS and result.cluster == "FR-AERO-01"
    expected = problem("mail-wrong-sender", path="aero.xlsx", sender=other, owner="DE-AUTO-01", expected="FR-AERO-01")
    assert result.problems[0].message == expected.message
    with Ledger.for_campaign(campaign.root) as ledger:
        assert [p.code for p in ledger.problems(result.submission_id)][0] == "mail-wrong-sender"


def test_an_address_the_roster_does_not_know_is_recorded_not_flagged(campaign, tmp_path):
    workbook = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    eml = save_eml(tmp_path / "reply.eml", mail("assistant@elsewhere.example", {"aero.xlsx": workbook}))
    [result] = run_import(campaign, eml)
    assert (result.verdict, result.sender) == (ACCEPTED, "assistant@elsewhere.example")


def test_an_mbox_holds_several_replies_and_zips_inside_attachments(campaign, tmp_path):
    aero = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    auto = returned(campaign, tmp_path, "DE-AUTO-01").read_bytes()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("returns/DE-AUTO-01.xlsx", auto)
    box = mailbox.mbox(tmp_path / "Inbox.mbox")
    box.add(mail(CLUSTERS["FR-AERO-01"].email, {"aero.xlsx": aero}))
    box.add(mail(CLUSTERS["DE-AUTO-01"].email, {"auto.zip": packed.getvalue()}))
    box.add(mail("newsletter@example.org", {}, subject="Not a return"))
    box.close()
    results = run_import(campaign, tmp_path / "Inbox.mbox")
    assert [(Path(r.name).name, r.verdict, r.cluster) for r in results] == [
        ("aero.xlsx", ACCEPTED, "FR-AERO-01"),
        ("DE-AUTO-01.xlsx", ACCEPTED, "DE-AUTO-01"),
        ("Inbox.mbox#3", REJECTED, None),
    ]
    assert results[1].name.endswith("Inbox.mbox#2/auto.zip/DE-AUTO-01.xlsx")
    assert results[2].reason == "this e-mail holds no workbook (attached: logo.png)"


def test_the_import_command_reads_saved_mail(campaign, tmp_path):
    workbook = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    eml = save_eml(tmp_path / "reply.eml", mail(CLUSTERS["DE-AUTO-01"].email, {"aero.xlsx": workbook}))
    out = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "import", "--json", str(eml)])
    assert out.exit_code == 0, out.output
    import json

    [item] = json.loads(out.output)["files"]
    assert (item["verdict"], item["sender"]) == (WITH_PROBLEMS, CLUSTERS["DE-AUTO-01"].email)
    assert item["problems"][0]["code"] == "mail-wrong-sender"


# --- hostile mail: one clear verdict each, nothing executed ------------------------------


def test_a_huge_attachment_is_rejected_unread(campaign, tmp_path, monkeypatch):
    monkeypatch.setattr("excelcert.intake.mailbox.MAX_ATTACHMENT_BYTES", 1000)
    eml = save_eml(tmp_path / "big.eml", mail("a@b.example", {"big.xlsx": b"x" * 5000}))
    [result] = run_import(campaign, eml)
    assert result.verdict == REJECTED and "far more than a workbook" in result.reason


def test_a_zip_bomb_in_an_attachment_is_not_unpacked(campaign, tmp_path):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(5):
            archive.writestr(f"bomb{n}.xlsx", b"\0" * (60 * 1024 * 1024))
    assert len(packed.getvalue()) < 1_000_000
    eml = save_eml(tmp_path / "bomb.eml", mail("a@b.example", {"returns.zip": packed.getvalue()}))
    [result] = run_import(campaign, eml)
    assert result.verdict == REJECTED
    assert "zip bomb" in result.reason and "315 MB" in result.reason
    assert not (campaign.root / "archive").exists() or not any((campaign.root / "archive").glob("*.xlsx"))


def test_a_malformed_message_gets_one_verdict(campaign, tmp_path):
    broken = tmp_path / "broken.eml"
    broken.write_bytes(
        b'From: <<<not an address\r\nDate: yesterday-ish\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b'--XX\r\nContent-Type: application/octet-stream; name="a.xlsx"\r\n'
        b'Content-Disposition: attachment; filename="a.xlsx"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"!!!not base64 at all\xff\xfe\r\n"  # and no closing boundary
    )
    [result] = run_import(campaign, broken)
    assert result.verdict == REJECTED and result.sender == ""
    assert Path(result.name).name == "a.xlsx"
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(bytes(range(256)) * 20)
    [result] = run_import(campaign, garbage)
    assert (result.verdict, result.reason) == (REJECTED, "this e-mail holds no workbook")


def test_an_attachment_name_with_folders_is_only_a_name(campaign, tmp_path):
    workbook = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    evil = "../../../etc/..\\..\\Windows\\aero.xlsx"
    eml = save_eml(tmp_path / "evil.eml", mail(CLUSTERS["FR-AERO-01"].email, {evil: workbook}))
    [result] = run_import(campaign, eml)
    assert result.verdict == ACCEPTED and result.name == f"{eml}/aero.xlsx"
    assert [p.name for p in (campaign.root / "archive").iterdir() if p.is_file()] == [f"{result.sha256}.xlsx"]
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(
    ("given", "safe"),
    [("a/b/c.xlsx", "c.xlsx"), ("C:\\x\\y.xlsx", "y.xlsx"), ("..", "attachment"), ("\x00\x1f.x.xlsx", "x.xlsx")],
)
def test_safe_attachment_names(given, safe):
    assert safe_attachment_name(given) == safe


def test_a_file_named_mbox_that_is_not_one(tmp_path):
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    [item] = mail_attachments(path)
    assert item.data is None and "holds no e-mail" in item.error


def test_a_damaged_msg_file_is_rejected(campaign, tmp_path):
    path = tmp_path / "reply.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    [result] = run_import(campaign, path)
    assert result.verdict == REJECTED and result.reason == "it cannot be read as an Outlook message"


def test_an_outlook_msg_file_is_read_with_its_sender_and_date(campaign, tmp_path):
    from tests.msgfile import make_msg

    workbook = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    path = tmp_path / "Réponse.msg"
    path.write_bytes(
        make_msg(
            sender=CLUSTERS["DE-AUTO-01"].email,
            sender_name="Jana Weber",
            subject="Unsere Selbstbewertung",
            body="Anbei.",
            when=SENT,
            attachments={"logo.png": b"\x89PNG", "aero.xlsx": workbook},
        )
    )
    [result] = run_import(campaign, path)
    assert (result.verdict, result.cluster, result.sender) == (
        WITH_PROBLEMS,
        "FR-AERO-01",
        CLUSTERS["DE-AUTO-01"].email,
    )
    assert result.name == f"{path}/aero.xlsx" and result.problems[0].code == "mail-wrong-sender"
    with Ledger.for_campaign(campaign.root) as ledger:
        assert ledger.by_hash(result.sha256).sent_at == "2027-01-12T08:30:00+00:00"
    nothing = tmp_path / "empty.msg"
    nothing.write_bytes(
        make_msg(sender="a@b.example", sender_name="A", subject="Hi", body="-", when=SENT, attachments={})
    )
    [result] = run_import(campaign, nothing)
    assert (result.verdict, result.reason) == (REJECTED, "this e-mail holds no workbook")


def test_the_sender_of_a_review_is_checked_against_the_reviewers():
    from excelcert.intake.mailbox import sender_problem

    senders = {**SENDERS, "r.one@review.example": "R-ONE", "r.two@review.example": "R-TWO"}
    assert sender_problem("r.one@review.example", "R-ONE", senders, "review.xlsx") is None
    assert sender_problem("someone@else.example", "R-ONE", senders, "review.xlsx") is None
    wrong = sender_problem("R.Two@Review.example", "R-ONE", senders, "review.xlsx")
    assert wrong is not None and wrong.fields == {
        "path": "review.xlsx",
        "sender": "R.Two@Review.example",
        "owner": "R-TWO",
        "expected": "R-ONE",
    }


def test_a_message_nested_thousands_deep_is_one_verdict(campaign, tmp_path):
    depth = 5000
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n) for n in range(depth))
    path = tmp_path / "nested.eml"
    path.write_bytes(b"From: a@b.example\r\n" + head + b"Content-Type: text/plain\r\n\r\nhi\r\n")
    [result] = run_import(campaign, path)
    assert result.verdict == REJECTED and "nested too deeply" in result.reason


def test_archives_inside_an_archive_are_unpacked_and_a_nested_bomb_refused(tmp_path):
    """A folder zipped with the .zip it held: its workbooks were 'not an Excel workbook
    (a zip archive ...). Open it and save it as .xlsx'. Archives inside archives are
    unpacked (three levels; a fourth is refused with what to do); the limits on files and
    bytes count the archives inside too, so that a bomb split across nested archives is
    refused as a flat one is."""
    import io
    import zipfile

    from excelcert.intake.batch import collect_inputs

    def zipped(members: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return out.getvalue()

    level4 = zipped({"deeper.xlsx": b"4"})
    inner = zipped({"inner/a.xlsx": b"a", "level3.zip": zipped({"deep.xlsx": b"3", "level4.zip": level4})})
    outer = tmp_path / "outer.zip"
    outer.write_bytes(zipped({"b.xlsx": b"b", "inner.zip": inner}))
    found = {Path(i.name).relative_to(tmp_path).as_posix(): (i.data, i.error) for i in collect_inputs([outer])}
    assert found["outer.zip/b.xlsx"] == (b"b", "")
    assert found["outer.zip/inner.zip/inner/a.xlsx"] == (b"a", "")
    assert found["outer.zip/inner.zip/level3.zip/deep.xlsx"] == (b"3", "")
    data, error = found["outer.zip/inner.zip/level3.zip/level4.zip"]
    assert data is None and "inside 3 archives" in error and "unpack it and import its files" in error
    # 2 x 600 members: each archive within the limit, the two together not
    many = zipped({f"m{i}.xlsx": b"x" for i in range(600)})
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(zipped({"one.zip": many, "two.zip": many}))
    results = list(collect_inputs([bomb]))
    assert len([i for i in results if i.data is not None]) == 600
    (refused,) = [i for i in results if i.data is None]
    assert refused.name.endswith("bomb.zip/two.zip") and "zip bomb" in refused.error
