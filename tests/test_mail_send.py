"""The mailroom's way out: messages composed in each recipient's language, written to the
outbox or sent to a local SMTP server (aiosmtpd on 127.0.0.1, plain, STARTTLS and implicit
TLS), recorded in the ledger, never sent twice, and resumed after a failure half way."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import mailbox
import socket
import ssl
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from excelcert.assessment.generate import generate_workbooks
from excelcert.base.ledger import Ledger
from excelcert.campaign.config import read_key
from excelcert.campaign.roster import example_clusters
from excelcert.cli import cli
from excelcert.mail.compose import plan_messages
from excelcert.mail.send import MailError, MailSettings, deliver, mail_settings, outbox_folder, smtp_password
from excelcert.mail.templates import campaign_mail_templates, check_mail_template, render

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

IDS = ["FR-AERO-01", "DE-AUTO-01", "ES-AGRI-01"]
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def mailing(campaign):
    """A campaign whose workbooks for three clusters (fr, de, en) are generated."""
    clusters = [c for c in example_clusters() if c.id in IDS]
    generate_workbooks(campaign, campaign.load_scheme(), clusters, read_key(campaign))
    return campaign, clusters


def plan(campaign, clusters, kind="workbook"):
    with Ledger.for_campaign(campaign.root) as ledger:
        return plan_messages(kind, campaign, campaign.load_scheme(), clusters, ledger, today=TODAY)


def run(campaign, clusters, settings, **options):
    with Ledger.for_campaign(campaign.root) as ledger:
        return deliver(plan(campaign, clusters), campaign, ledger, settings, **options)


def sent_records(campaign):
    with Ledger.for_campaign(campaign.root) as ledger:
        return ledger.mail()


class Inbox:
    """An aiosmtpd handler keeping what it receives; it can refuse an address or fail after n messages."""

    def __init__(self, refuse: str = "", fail_after: int | None = None):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse, self.fail_after = refuse, fail_after

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "421 4.3.2 service shutting down"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Start a local SMTP server: smtp_server(handler, **controller options) -> port."""
    started = []

    def start(handler, **options):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return controller.port

    yield start
    for controller in started:
        controller.stop()


def test_messages_go_to_the_outbox_in_each_clusters_language(mailing):
    campaign, clusters = mailing
    settings = mail_settings(campaign)
    outcome = run(campaign, clusters, settings)
    assert sorted(m.recipient_id for m, _, _ in outcome.done) == sorted(IDS)
    eml = outbox_folder(campaign) / "workbook" / "FR-AERO-01.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "Camille Martin <c.martin@pole-aero-occitanie.example>"
    assert message["Subject"].endswith("votre classeur d'auto-évaluation")
    assert message["From"] == "Label secretariat <secretariat@example.org>"
    assert message["X-Unsent"] == "1" and message["Message-ID"].endswith("@example.org>") and message["Date"]
    body = message.get_body(("plain",)).get_content()
    assert "Pôle Aéro & Espace Occitanie" in body and "31 décembre" not in body
    [attachment] = list(message.iter_attachments())
    workbook = next((campaign.to_clusters_dir).glob("FR-AERO-01 *.xlsx"))
    assert attachment.get_filename() == workbook.name and attachment.get_content() == workbook.read_bytes()
    german = email.message_from_bytes((eml.parent / "DE-AUTO-01.eml").read_bytes(), policy=email.policy.default)
    assert "Selbstbewertungsmappe" in german["Subject"]
    records = sent_records(campaign)
    assert {(r.recipient_id, r.how, r.kind) for r in records} == {(i, "outbox", "workbook") for i in IDS}
    assert next(r for r in records if r.recipient_id == "FR-AERO-01").message_id == message["Message-ID"]
    # running again writes nothing twice, unless asked
    again = run(campaign, clusters, settings)
    assert (again.done, len(again.already)) == ([], 3)
    assert len(run(campaign, clusters, settings, again=True).done) == 3


def test_sent_through_smtp_once_and_recorded(mailing, smtp_server):
    campaign, clusters = mailing
    inbox = Inbox()
    port = smtp_server(inbox)
    settings = MailSettings("Secretariat <s@label.example>", host="127.0.0.1", port=port, security="none")
    outcome = run(campaign, clusters, settings, send=True)
    assert len(outcome.done) == 3 and not outcome.stopped
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == sorted(c.email for c in clusters)
    by_id = {r.recipient_id: r for r in sent_records(campaign)}
    received = {m["Message-ID"] for m in inbox.messages}
    assert {r.message_id for r in by_id.values()} == received and {r.how for r in by_id.values()} == {"smtp"}
    assert run(campaign, clusters, settings, send=True).done == []
    assert len(inbox.messages) == 3
    run(campaign, clusters[:1], settings, send=True, again=True)
    assert len(inbox.messages) == 4


def test_a_server_failing_half_way_loses_nothing_and_the_next_run_goes_on(mailing, smtp_server):
    campaign, clusters = mailing
    inbox = Inbox(fail_after=1)
    settings = MailSettings("s@label.example", host="127.0.0.1", port=smtp_server(inbox), security="none")
    first = run(campaign, clusters, settings, send=True)
    assert len(first.done) == 1 and "421" in first.stopped and len(first.waiting) == 2
    assert [r.recipient_id for r in sent_records(campaign)] == [first.done[0][0].recipient_id]
    inbox.fail_after = None
    second = run(campaign, clusters, settings, send=True)
    assert len(second.done) == 2 and len(second.already) == 1
    assert len(inbox.messages) == 3
    assert len({m["To"].addresses[0].addr_spec for m in inbox.messages}) == 3  # each cluster once


def test_a_refused_address_is_reported_and_the_others_are_sent(mailing, smtp_server):
    campaign, clusters = mailing
    refused = clusters[0].email
    inbox = Inbox(refuse=refused)
    settings = MailSettings("s@label.example", host="127.0.0.1", port=smtp_server(inbox), security="none")
    outcome = run(campaign, clusters, settings, send=True)
    assert [(m.address, "550" in why) for m, why in outcome.refused] == [(refused, True)]
    assert len(outcome.done) == 2 and not outcome.stopped
    assert refused not in {r.address for r in sent_records(campaign)}


def test_an_unreachable_server_is_one_clear_error(mailing):
    campaign, clusters = mailing
    settings = MailSettings("s@label.example", host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(MailError, match="cannot be reached .*connection refused.*Nothing was sent"):
        run(campaign, clusters, settings, send=True)
    assert sent_records(campaign) == []


# --- TLS: a self-signed certificate made here, trusted through mail.smtp.ca_file -------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    x509 = pytest.importorskip("cryptography.x509")
    import ipaddress

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def server_context(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


def only(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 on failure

    return authenticate


def test_starttls_with_a_login(mailing, smtp_server, certificate):
    campaign, clusters = mailing
    inbox = Inbox()
    port = smtp_server(
        inbox,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=only("secretariat", "s3cret"),
        auth_require_tls=True,
    )
    settings = MailSettings(
        "s@label.example",
        host="127.0.0.1",
        port=port,
        security="starttls",
        user="secretariat",
        ca_file=str(certificate[0]),
    )
    password = smtp_password(settings, {"EXCELCERT_SMTP_PASSWORD": "s3cret"})
    assert len(run(campaign, clusters, settings, send=True, password=password).done) == 3
    assert len(inbox.messages) == 3
    with pytest.raises(MailError, match="refused the user name or password"):
        run(campaign, clusters, settings, send=True, password="wrong", again=True)
    untrusted = MailSettings("s@label.example", host="127.0.0.1", port=port, security="starttls")
    with pytest.raises(MailError, match="no secure connection"):
        run(campaign, clusters, untrusted, send=True, again=True)


def test_implicit_tls(mailing, smtp_server, certificate):
    campaign, clusters = mailing
    inbox = Inbox()
    port = smtp_server(inbox, ssl_context=server_context(certificate))
    settings = MailSettings("s@label.example", host="127.0.0.1", port=port, security="tls", ca_file=str(certificate[0]))
    assert len(run(campaign, clusters, settings, send=True).done) == 3
    assert len(inbox.messages) == 3


# --- settings and password -----------------------------------------------------------------


def test_the_settings_come_from_campaign_yaml_and_never_a_password(campaign):
    config = campaign.config_path
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + "mail:\n  from: Labels <labels@label.example>\n  smtp:\n    host: mail.label.example\n"
        "    security: tls\n    user: labels@label.example\n",
        encoding="utf-8",
    )
    settings = mail_settings(campaign)
    assert (settings.sender, settings.host, settings.port, settings.security) == (
        "Labels <labels@label.example>",
        "mail.label.example",
        465,
        "tls",
    )
    assert smtp_password(settings, {"EXCELCERT_SMTP_PASSWORD": "pw"}) == "pw"
    config.write_text(text + "mail:\n  smtp:\n    host: x.example\n    password: hunter2\n", encoding="utf-8")
    with pytest.raises(MailError, match="holds a mail password: remove it"):
        mail_settings(campaign)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("from: Labels <labels at label>", "mail.from 'Labels <labels at label>' is not an e-mail address"),
        ("reply_to: nope", "mail.reply_to 'nope' is not an e-mail address"),
        ("from: Labels <labels@>", "mail.from 'Labels <labels@>' is not an e-mail address"),
    ],
)
def test_a_sender_or_reply_address_that_is_none_is_named(campaign, setting, said):
    """'mail.from: Labels <labels at label>' said 'no sender address: set mail.from or
    contact.email' of a campaign.yaml that set both; a Reply-To of 'nope' went out unsaid."""
    config = campaign.config_path
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"mail:\n  {setting}\n", encoding="utf-8")
    with pytest.raises(MailError) as raised:
        mail_settings(campaign)
    assert said in str(raised.value) and "no sender address" not in str(raised.value)
    config.write_text(text, encoding="utf-8")


def test_the_password_comes_from_the_keyring_else_says_where_to_put_one():
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        stored: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            self.stored[(service, username)] = password

        def delete_password(self, service, username):
            self.stored.pop((service, username), None)

    before = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        settings = MailSettings("s@label.example", host="mail.example", user="me@label.example")
        with pytest.raises(MailError, match="EXCELCERT_SMTP_PASSWORD.*keyring set 'excelcert smtp mail.example'"):
            smtp_password(settings, {})
        keyring.set_password("excelcert smtp mail.example", "me@label.example", "from-the-keyring")
        assert smtp_password(settings, {}) == "from-the-keyring"
        assert smtp_password(settings, {"EXCELCERT_SMTP_PASSWORD": "env"}) == "env"  # the environment first
    finally:
        keyring.set_keyring(before)


# --- other messages ------------------------------------------------------------------------


def test_reminders_for_what_has_not_come_back(mailing):
    campaign, clusters = mailing
    found = plan(campaign, clusters, "reminder")
    assert sorted(m.recipient_id for m in found.messages) == sorted(IDS)
    french = next(m for m in found.messages if m.recipient_id == "FR-AERO-01")
    assert french.subject.startswith("Rappel") and "encore" in french.subject
    assert [p.name for p in french.attachments] == [next(campaign.to_clusters_dir.glob("FR-AERO-01 *.xlsx")).name]
    assert french.key == f"reminder/FR-AERO-01/not returned/{TODAY.isoformat()}"
    nothing = plan(campaign, clusters, "documents")
    # none has returned its workbook: no documents to expect, so none is listed as missing them
    assert nothing.messages == [] and nothing.missing == []


@pytest.mark.parametrize(
    "subject",
    [
        "Excellence du management de cluster – campagne de démonstration 2026 : votre classeur d'auto-évaluation",
        "Erinnerung: Exzellentes Clustermanagement – Demo-Kampagne 2026 (noch 42 Tage) für Südwest",
        "Reminder: a plain subject long enough to be folded over two lines by the generator, in ASCII",
    ],
)
def test_a_long_subject_comes_back_word_for_word(subject):
    """Folded over several lines, a subject keeps every space between its words (the space
    between 'de' and 'démonstration' was lost when two encoded words met at a fold)."""
    from excelcert.mail.compose import Outgoing

    outgoing = Outgoing("workbook", "FR-AERO-01", "Camille Martin", "c@x.example", "fr", subject, "x", [], "k")
    for policy in (email.policy.default, email.policy.SMTP):
        raw = outgoing.message("Label <s@x.example>").as_bytes(policy=policy)
        assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
        assert max(len(line) for line in raw.splitlines()) <= 78


def test_a_cluster_without_an_address_is_listed_not_mailed(mailing):
    from dataclasses import replace

    campaign, clusters = mailing
    found = plan(campaign, [replace(clusters[0], email=""), *clusters[1:]])
    assert found.missing == [(clusters[0].id, "no e-mail address in the roster")] and len(found.messages) == 2


# --- the templates -------------------------------------------------------------------------


def test_the_built_in_mail_templates_are_sound(campaign):
    templates = campaign_mail_templates(campaign)
    assert len(templates) == 15 and all(p.parent == campaign.root / "templates" for p in templates)
    assert [p.name for p in templates if check_mail_template(p)] == []


def test_a_broken_mail_template_is_reported_with_its_line(campaign):
    path = campaign.root / "templates" / "mail-workbook-en.txt"
    path.write_text("Subject: {{ campaign_title }}\n\nDear {{ contact }},\n{% if x %}\n", encoding="utf-8")
    codes = [(p.code, str(p.place)) for p in check_mail_template(path)]
    assert codes == [("mail-template-syntax", "mail-workbook-en.txt (line 4)")]
    path.write_text("Subject: {{ campaign_title }}\n\nDear {{ contact }},\n", encoding="utf-8")
    [found] = check_mail_template(path)
    assert found.code == "mail-template-unknown-variable" and "'contact'" in found.message
    path.write_text("Dear all\n", encoding="utf-8")
    assert [p.code for p in check_mail_template(path)] == ["mail-template-no-subject"]
    out = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "templates", "check"])
    assert out.exit_code == 1 and "mail-workbook-en.txt" in out.output


def test_a_template_that_is_not_text_is_refused_clearly_every_time_and_an_edit_is_used(tmp_path):
    """render gives the check's verdict on a template saved in another encoding than UTF-8
    (it once read the file before checking it: 'unexpected error: UnicodeDecodeError'), on
    every call; and a template edited and mended between two mailings is used as it is now."""
    from excelcert.mail.templates import TemplateProblem

    path = tmp_path / "mail-workbook-en.txt"
    path.write_bytes("Subject: Caf\u00e9 {{ cluster_name }}\n\nHello\n".encode("latin-1"))
    for _ in range(2):
        with pytest.raises(TemplateProblem, match="not a text file"):
            render(path, {"cluster_name": "A"})
    path.write_text("Subject: Caf\u00e9 {{ cluster_name }}\n\nHello\n", encoding="utf-8")
    assert render(path, {"cluster_name": "A"}) == ("Caf\u00e9 A", "Hello\n")
    path.write_text("Subject: {{ cluster_name }} again\n\nBye\n", encoding="utf-8")
    assert render(path, {"cluster_name": "A"}) == ("A again", "Bye\n")
    path.write_text("Subject: {{ oops }\n\nBye\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(TemplateProblem, match="line 1"):
            render(path, {"cluster_name": "A"})


def test_a_template_reaches_nothing_but_its_values(tmp_path):
    path = tmp_path / "mail-workbook-en.txt"
    path.write_text("Subject: x\n\n{{ cluster_name.__class__.__mro__ }}\n", encoding="utf-8")
    from excelcert.mail.templates import TemplateProblem

    with pytest.raises(TemplateProblem):
        render(path, {"cluster_name": "A"})


# --- the command ---------------------------------------------------------------------------


def test_the_mail_command_writes_then_sends(mailing, smtp_server, monkeypatch):
    campaign, _ = mailing
    runner = CliRunner()
    monkeypatch.chdir(campaign.root)
    base = ["--campaign", str(campaign.root), "mail", "workbooks", "--cluster", "FR-AERO-01", "--cluster", "DE-AUTO-01"]
    out = runner.invoke(cli, base)
    assert out.exit_code == 0, out.output
    outbox = outbox_folder(campaign).relative_to(campaign.root) / "workbook"
    assert f"2 messages written to {outbox}\n" in out.output  # relative to here, as every other command
    inbox = Inbox()
    port = smtp_server(inbox)
    config = campaign.config_path
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"mail:\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n",
        encoding="utf-8",
    )
    out = runner.invoke(cli, [*base, "--send", "--json"])
    assert out.exit_code == 0, out.output
    assert sorted(d["to"] for d in json.loads(out.output)["done"]) == ["DE-AUTO-01", "FR-AERO-01"]
    out = runner.invoke(cli, [*base, "--send"])
    assert out.exit_code == 0 and "no messages sent; 2 already sent" in out.output
    assert len(inbox.messages) == 2


def test_status_shows_what_was_sent_and_what_came_back(mailing, smtp_server, tmp_path):
    from email.message import EmailMessage

    from tests.test_intake import returned

    campaign, clusters = mailing
    settings = MailSettings("s@label.example", host="127.0.0.1", port=smtp_server(Inbox()), security="none")
    run(campaign, clusters, settings, send=True)
    with Ledger.for_campaign(campaign.root) as ledger:
        deliver(plan(campaign, clusters, "reminder"), campaign, ledger, settings)  # reminders into the outbox
    reply = EmailMessage()
    reply["From"] = clusters[0].email
    reply["Date"] = "Tue, 12 Jan 2027 08:30:00 +0000"
    reply.set_content("here it is")
    reply.add_attachment(
        returned(campaign, tmp_path, clusters[0].id).read_bytes(),
        maintype="application",
        subtype="zip",
        filename="r.xlsx",
    )
    (tmp_path / "reply.eml").write_bytes(bytes(reply))
    runner = CliRunner()
    assert runner.invoke(cli, ["--campaign", str(campaign.root), "import", str(tmp_path / "reply.eml")]).exit_code == 0
    out = runner.invoke(cli, ["--campaign", str(campaign.root), "status", "--json"])
    rows = {row["cluster"]: row for row in json.loads(out.output)}
    first = rows[clusters[0].id]
    assert (first["returned_by"], first["returned_sent_at"]) == (clusters[0].email, "2027-01-12T08:30:00+00:00")
    assert [(m["what"], m["how"]) for m in first["mail"]] == [("workbook", "sent"), ("reminder", "outbox")]
    assert first["mail"][0]["to"] == clusters[0].email and first["mail"][0]["message_id"].startswith("<")
    assert [(m["what"], m["how"]) for m in rows[clusters[1].id]["mail"]] == [
        ("workbook", "sent"),
        ("reminder", "outbox"),
    ]
    table = runner.invoke(cli, ["--campaign", str(campaign.root), "status"], terminal_width=200).output
    assert "Mail sent" in table and "reminder" in table and "(outbox)" in table and "(e-mail from" in table


def test_the_demo_mails_its_workbooks_and_imports_the_replies_from_a_mailbox(demo):
    outbox = sorted((demo / "output" / "demo" / "outbox" / "workbook").glob("*.eml"))
    assert len(outbox) == 12
    sent = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default)
    [attachment] = list(sent.iter_attachments())
    assert (demo / "output" / "demo" / "to-clusters" / attachment.get_filename()).is_file()
    box = demo / "workbooks" / "returned" / "replies.mbox"
    assert [p.name for p in box.parent.iterdir()] == ["replies.mbox"]
    with Ledger.for_campaign(demo) as ledger:
        submissions = [s for s in ledger.all_submissions() if s.role == "self-assessment"]
        records = ledger.mail()
    assert submissions and all(s.original_name.startswith(f"{box}#") and s.sender for s in submissions)
    replies = {s.original_name.partition("#")[2].partition("/")[0] for s in submissions}
    assert len(replies) == len(submissions)  # each from its own message
    assert {(r.kind, r.how) for r in records} == {("workbook", "outbox")} and len(records) == 12
    messages = list(mailbox.mbox(box))
    by_sender = {m["From"] for m in messages}
    assert len(messages) == len(by_sender) and any(m["Subject"].startswith("Automatic reply") for m in messages)


def test_the_demos_messages_name_the_campaign_and_secretariat_as_its_letters_do(demo):
    """Title, secretariat and salutation in the cluster's language, as on the letters (issue 16)."""
    from excelcert.campaign.config import read_config
    from excelcert.campaign.roster import read_roster
    from excelcert.documents.context import salutation_and_closing

    campaign = read_config(demo)
    clusters = {c.id: c for c in read_roster(campaign.roster_path, ("en", "fr", "de")).clusters}
    for cluster_id, lang in {"DE-AUTO-01": "de", "FR-AERO-01": "fr", "HR-ICT-01": "en"}.items():
        eml = demo / "output" / "demo" / "outbox" / "workbook" / f"{cluster_id}.eml"
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()
        assert message["Subject"].startswith(campaign.title_in(lang)), cluster_id
        assert campaign.title_in(lang) in body and campaign.secretariat_in(lang) in body, cluster_id
        assert body.startswith(salutation_and_closing(clusters[cluster_id], lang)["salutation"] + "\n"), body
    assert campaign.title_in("de") != campaign.title_in("en")  # else this shows nothing


def test_every_kind_of_message_from_the_demo(demo_copy):
    runner = CliRunner()

    def mail_json(*args):
        out = runner.invoke(cli, ["--campaign", str(demo_copy), "mail", *args, "--json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.output)

    # before the correction workbooks: the clusters to correct are named with what to run, no other
    early = mail_json("corrections")
    assert early["done"] == [] and [m["to"] for m in early["missing"]] == ["BE-BIO-01"]  # the incomplete one
    assert all("excelcert corrections" in m["why"] for m in early["missing"])
    assert runner.invoke(cli, ["--campaign", str(demo_copy), "corrections"]).exit_code == 0
    mailed = mail_json("documents")
    assert mailed["missing"] == []  # the five scored clusters have theirs; the others expect none yet
    documents = {d["to"]: d["attachments"] for d in mailed["done"]}
    assert documents["DE-AUTO-01"] == [  # all the letter says is enclosed: report, seal
        "DE-AUTO-01 Zertifikat Gold.docx",  # every one named in the cluster's language
        "DE-AUTO-01 Brief.docx",
        "DE-AUTO-01 Benchmarking-Bericht.docx",
        "DE-AUTO-01 Siegel Gold.png",
        "DE-AUTO-01 Siegel Gold.svg",
    ]
    assert len(documents) == 5  # the clusters scored and labelled
    corrections = {d["to"]: d["attachments"] for d in mail_json("corrections")["done"]}
    assert corrections["BE-BIO-01"][1:] == ["BE-BIO-01 corrections.docx"]  # with its correction letter
    assert corrections["BE-BIO-01"][0].endswith(".xlsx")
    reviews = mail_json("reviews")["done"]
    # one message per reviewer, with all of their reviewer workbooks
    assert len({r["to"] for r in reviews}) == len(reviews) and sum(len(r["attachments"]) for r in reviews) == 10
    assert any(len(r["attachments"]) > 1 for r in reviews)
    reminders = mail_json("reminders", "--date", "2027-06-01")
    late = {d["to"]: d for d in reminders["done"]}
    assert "DE-AUTO-01" not in late and {"BE-BIO-01", "CH-MED-01"} <= set(late)
    assert late["CH-MED-01"]["subject"].endswith("(Frist abgelaufen)")
    eml = Path(late["CH-MED-01"]["eml"])
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()
    assert "noch nicht eingegangen" in body  # in its language (de): not returned, its workbook attached again
    assert mail_json("reminders", "--date", "2027-06-01")["done"] == []  # once a day
    assert len(mail_json("reminders", "--date", "2027-06-02")["done"]) == len(late)


def test_a_broken_template_stops_the_mailing_with_one_clear_line(mailing):
    campaign, _ = mailing
    (campaign.root / "templates" / "mail-workbook-fr.txt").write_text("Subject: {{ oops }\n\nx\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "mail", "workbooks"])
    assert out.exit_code == 1 and "mail-workbook-fr.txt cannot be used" in out.output
    assert "templates check" in out.output and "Traceback" not in out.output
    assert not outbox_folder(campaign).exists()


def test_reviews_to_one_reviewer_and_an_unknown_one(demo_copy):
    runner = CliRunner()
    out = runner.invoke(cli, ["--campaign", str(demo_copy), "mail", "reviews", "--reviewer", "R-FR-01", "--json"])
    assert out.exit_code == 0, out.output
    assert [d["to"] for d in json.loads(out.output)["done"]] == ["R-FR-01"]
    out = runner.invoke(cli, ["--campaign", str(demo_copy), "mail", "reviews", "--reviewer", "R-NOBODY"])
    assert out.exit_code == 1 and "not in the reviewers roster: R-NOBODY" in out.output


def _body(eml: str) -> str:
    message = email.message_from_bytes(Path(eml).read_bytes(), policy=email.policy.default)
    return message.get_body(("plain",)).get_content()


def test_a_reminder_to_an_incomplete_cluster_carries_what_to_correct(demo_copy):
    """Before `excelcert corrections` has run, the reminder to the incomplete cluster still
    carries its correction workbook (made then, as `corrections` makes it) and correction
    letter, and says what to do with them; a cluster whose workbook is gone gets a reminder
    that says what to do instead of 'attached again'."""
    corrections = demo_copy / "output" / "demo" / "corrections"
    assert not corrections.exists()
    workbook = next((demo_copy / "output" / "demo" / "to-clusters").glob("CH-MED-01 *.xlsx"))
    workbook.unlink()
    out = CliRunner().invoke(cli, ["--campaign", str(demo_copy), "mail", "reminders", "--json"])
    assert out.exit_code == 0, out.output
    done = {d["to"]: d for d in json.loads(out.output)["done"]}
    made = corrections / "BE-BIO-01 BioWal – Pôle Sciences du Vivant.xlsx"
    assert done["BE-BIO-01"]["attachments"] == [made.name, "BE-BIO-01 corrections.docx"]
    sheet = openpyxl.load_workbook(made).worksheets[0]
    assert any("E29" in str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)  # what to fix
    body = _body(done["BE-BIO-01"]["eml"])  # French
    assert "n'est pas encore complète" in body and "merci de corriger votre classeur" in body
    assert done["CH-MED-01"]["attachments"] == []
    body = _body(done["CH-MED-01"]["eml"])  # German, nothing attached: says what to do, not 'im Anhang'
    assert "im Anhang" not in body and "Anhang:" not in body
    assert "antworten Sie auf diese E-Mail, und wir senden sie Ihnen erneut" in body


def test_the_reviewers_messages_name_each_cluster_and_read_the_roster_once(demo_copy, monkeypatch):
    """Each reviewer's message lists the clusters of their workbooks by name; the workbook
    names are worked out once for the mailing (once per cluster and reviewer, they made
    `mail reviews` run for hours at 1,000 clusters and 250 reviewers)."""
    from excelcert.campaign.config import open_campaign
    from excelcert.campaign.reviewers import read_reviewers
    from excelcert.campaign.roster import read_roster
    from excelcert.mail import compose

    calls = 0
    real = compose.workbook_names

    def counted(clusters):
        nonlocal calls
        calls += 1
        return real(clusters)

    monkeypatch.setattr(compose, "workbook_names", counted)
    campaign = open_campaign(demo_copy)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    reviewers = read_reviewers(campaign.reviewers_path).reviewers
    with Ledger.for_campaign(demo_copy) as ledger:
        plan = plan_messages("review", campaign, scheme, clusters, ledger, reviewers=reviewers)
    assert calls == 1
    names = {f"{c.id} ": c.name for c in clusters}
    assert len(plan.messages) > 1
    for message in plan.messages:
        for attachment in message.attachments:
            cluster_name = next(name for prefix, name in names.items() if attachment.name.startswith(prefix))
            assert f"  - {cluster_name}\n" in message.body, (attachment.name, message.body)


def test_a_reminder_whose_correction_cannot_be_written_waits_and_the_others_go(demo_copy):
    """The correction workbook a reminder makes on the fly cannot be written (here its folder
    is a file): that cluster is listed as not mailed, with the file and what to do, and every
    other reminder goes (one cluster's workbook stopped the whole mailing with 'cannot write
    or read'); once the folder can be written, the cluster's reminder carries its workbook."""
    folder = demo_copy / "output" / "demo" / "corrections"
    folder.write_text("not a folder", encoding="utf-8")
    out = CliRunner().invoke(cli, ["--campaign", str(demo_copy), "mail", "reminders"])
    assert out.exit_code == 0, out.output
    [line] = [x for x in out.output.splitlines() if "BE-BIO-01" in x]
    assert "not mailed: its correction workbook could not be written" in line and "corrections" in line
    assert "run `excelcert corrections` or this command again" in line and "Traceback" not in out.output
    assert "CH-MED-01" in out.output and "6 messages written" in out.output
    folder.unlink()
    out = CliRunner().invoke(cli, ["--campaign", str(demo_copy), "mail", "reminders", "--json"])
    assert out.exit_code == 0, out.output
    [done] = json.loads(out.output)["done"]
    assert done["to"] == "BE-BIO-01" and done["attachments"][0].endswith(".xlsx")


def test_documents_made_again_unchanged_are_not_mailed_again(demo_copy, monkeypatch):
    """Certificates (and letters) rendered again, unchanged, are the same files byte for byte:
    every part of the Word file carries a fixed time, not the clock's. With the clock's, a
    re-run of `certify` for one cluster's sake made every cluster's documents new to the
    mailroom (its key is their digest), and `mail documents` sent them all a second time."""
    import time
    import zipfile

    runner = CliRunner()
    root = ["--campaign", str(demo_copy)]
    folder = demo_copy / "output" / "demo" / "documents"

    def made(clock: float) -> dict[Path, bytes]:
        monkeypatch.setattr(zipfile.time, "time", lambda: clock)
        out = runner.invoke(cli, [*root, "certify"])
        assert out.exit_code == 0, out.output
        monkeypatch.undo()
        return {p: p.read_bytes() for p in folder.rglob("*.docx")}

    now = time.time()
    before = made(now)
    assert runner.invoke(cli, [*root, "mail", "documents"]).exit_code == 0
    assert made(now + 3600) == before  # the clock an hour on
    for path in before:
        with zipfile.ZipFile(path) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    out = runner.invoke(cli, [*root, "mail", "documents"])
    assert out.exit_code == 0 and "no messages written" in out.output and "5 already in the outbox" in out.output


def test_a_correction_workbook_left_from_before_is_not_mailed_to_a_complete_cluster(demo_copy):
    """A cluster whose return was incomplete got its correction workbook, then sent a complete
    one: `mail corrections` mailed it the workbook left in the corrections folder, asking it to
    correct what it had corrected. Only a cluster still rejected or incomplete gets one."""
    runner = CliRunner()
    root = ["--campaign", str(demo_copy)]
    assert runner.invoke(cli, [*root, "corrections"]).exit_code == 0
    folder = demo_copy / "output" / "demo" / "corrections"
    [made] = folder.glob("BE-BIO-01 *.xlsx")
    (folder / "DE-AUTO-01 Automotive Cluster Südwest e.V.xlsx").write_bytes(made.read_bytes())  # complete now
    out = runner.invoke(cli, [*root, "mail", "corrections", "--json"])
    assert out.exit_code == 0, out.output
    assert [d["to"] for d in json.loads(out.output)["done"]] == ["BE-BIO-01"]


def test_a_message_with_attachments_is_the_mail_librarys_byte_for_byte(tmp_path):
    """Attachments encoded in one call and bodies written in one go (`message_bytes`) give the
    bytes the mail library gives by itself: each part (headers, base64 lines of 76 characters)
    and the whole message, whatever the file's size, name or body's line ends."""
    import os

    from excelcert.mail.compose import Outgoing, message_bytes

    files = []
    sizes = {"empty.docx": 0, "one.pdf": 1, "a.png": 56, "b.png": 57, "c.png": 58, "d.svg": 1000, "e.xlsx": 100_003}
    names = {**sizes, "Zertifikat Größe – é.docx": 5000, "FR-AERO-01 " + "rapport de benchmarking " * 4 + ".docx": 300}
    for name, size in names.items():
        path = tmp_path / name
        path.write_bytes(os.urandom(size))
        files.append(path)
    body = "Bonjour,\r\nligne deux\rtrois\n\nFrom the secretariat\nfin sans fin de ligne"
    outgoing = Outgoing("documents", "FR-AERO-01", "Camille Martin", "c@x.example", "fr", "Sujet é", body, files, "k")
    message = outgoing.message("Label <s@x.example>", when=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert message_bytes(message) == bytes(message)
    for policy in (email.policy.default, email.policy.SMTP, email.policy.SMTPUTF8):
        assert message_bytes(message, policy) == message.as_bytes(policy=policy)
    parts = list(message.iter_attachments())
    assert len(parts) == len(files)
    for part, path in zip(parts, files, strict=True):
        reference = email.message.EmailMessage()
        maintype, subtype = part.get_content_type().split("/")
        reference.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
        (expected,) = reference.iter_attachments()
        assert bytes(part) == bytes(expected)
        assert part.get_content() == path.read_bytes()
        assert part.get_filename() == path.name
