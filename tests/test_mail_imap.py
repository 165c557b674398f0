"""`import --imap FOLDER`: returns read from a mail folder on a local IMAP server (pymap's
in-memory backend, started by the test on 127.0.0.1), each message fetched once."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from excelcert.base.ledger import Ledger
from excelcert.cli import cli
from excelcert.intake.batch import WITH_PROBLEMS
from tests.test_intake import CLUSTERS, returned
from tests.test_mail_returns import mail

pytest.importorskip("pymap")
from imapclient import IMAPClient

USER, PASSWORD = "secretariat", "s3cret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def imap_server():
    """A local IMAP server (no TLS: it is on this machine only) with one user; yields its port."""
    port = _free_port()
    pymap = [sys.executable, "-c", "from pymap.main import main; main()"]  # this interpreter's pymap
    process = subprocess.Popen(
        [
            *pymap,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "--no-service",
            "admin",
            "dict",
            "--demo-user",
            USER,
            "--demo-password",
            PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the local IMAP server did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def deliver_to(port, folder, *messages):
    with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
        client.login(USER, PASSWORD)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for message in messages:
            client.append(folder, bytes(message))


def test_returns_are_read_from_an_imap_folder_once(campaign, tmp_path, imap_server, monkeypatch):
    aero = returned(campaign, tmp_path, "FR-AERO-01").read_bytes()
    deliver_to(
        imap_server,
        "Returns",
        mail(CLUSTERS["DE-AUTO-01"].email, {"aero.xlsx": aero}),
        mail("newsletter@example.org", {}, subject="Not a return"),
    )
    config = campaign.config_path
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"mail:\n  imap:\n    host: 127.0.0.1\n    port: {imap_server}\n    security: none\n    user: {USER}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    base = ["--campaign", str(campaign.root), "import", "--imap", "Returns", "--json"]
    out = runner.invoke(cli, base)
    assert out.exit_code == 1 and "EXCELCERT_IMAP_PASSWORD" in out.output  # no password: one clear line
    monkeypatch.setenv("EXCELCERT_IMAP_PASSWORD", "wrong")
    out = runner.invoke(cli, base)
    assert out.exit_code == 1 and "refused the user name or password" in out.output
    monkeypatch.setenv("EXCELCERT_IMAP_PASSWORD", PASSWORD)
    out = runner.invoke(cli, base)
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)
    assert len(found["imap"]["saved"]) == 2
    verdicts = sorted((f["verdict"], f["sender"]) for f in found["files"])
    assert verdicts == [
        ("accepted with problems", CLUSTERS["DE-AUTO-01"].email),
        ("rejected", "newsletter@example.org"),
    ]
    aero_result = next(f for f in found["files"] if f["verdict"] == WITH_PROBLEMS)
    assert aero_result["problems"][0]["code"] == "mail-wrong-sender" and aero_result["cluster"] == "FR-AERO-01"
    saved = sorted((campaign.root / "workbooks" / "imap" / "Returns").glob("*.eml"))
    assert len(saved) == 2  # the e-mails as they came, kept with the campaign
    # the next visit fetches only what is new
    auto = returned(campaign, tmp_path, "DE-AUTO-01").read_bytes()
    deliver_to(imap_server, "Returns", mail(CLUSTERS["DE-AUTO-01"].email, {"auto.xlsx": auto}))
    again = json.loads(runner.invoke(cli, base).output)
    assert (len(again["imap"]["saved"]), again["imap"]["fetched_before"]) == (1, 2)
    assert [(f["verdict"], f["cluster"]) for f in again["files"]] == [("accepted", "DE-AUTO-01")]
    with Ledger.for_campaign(campaign.root) as ledger:
        assert {s.cluster_id for s in ledger.all_submissions() if s.sender} == {"FR-AERO-01", "DE-AUTO-01"}
    out = runner.invoke(cli, ["--campaign", str(campaign.root), "import", "--imap", "Nowhere"])
    assert out.exit_code == 1 and "there is no folder 'Nowhere'" in out.output and "Returns" in out.output
