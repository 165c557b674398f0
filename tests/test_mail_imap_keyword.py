"""`import --imap` on a server that keeps keywords (PERMANENTFLAGS \\*), which the local
test server of test_mail_imap.py does not: each message fetched is marked
$ExcelcertImported on the server, a message too large to fetch is not, nothing is marked
read, and the next visit asks the server only for unmarked messages, so that a second
computer (or a campaign folder that lost its saved copies) does not import them again.
The server is a stand-in for imapclient's IMAPClient, answering as such a server does."""

from __future__ import annotations

import json
import shutil

import imapclient
from click.testing import CliRunner

from excelcert.cli import cli
from excelcert.intake.imap import KEYWORD
from excelcert.intake.mailbox import MAX_MESSAGE_BYTES
from tests.test_intake import CLUSTERS, returned
from tests.test_mail_returns import mail


class KeywordServer:
    """One folder, 'Returns', on a server that takes any keyword."""

    def __init__(self, messages: dict[int, bytes], sizes: dict[int, int]):
        self.messages, self.sizes = messages, sizes
        self.flags: dict[int, set[str]] = {uid: set() for uid in messages}
        self.searches: list[list[str]] = []

    def client(self, *args: object, **kwargs: object) -> KeywordServer.Client:
        return KeywordServer.Client(self)

    class Client:
        def __init__(self, server: KeywordServer):
            self.server = server

        def login(self, user: str, password: str) -> None:
            assert password == "s3cret"

        def select_folder(self, folder: str) -> dict[bytes, object]:
            assert folder == "Returns"
            return {b"UIDVALIDITY": 42, b"PERMANENTFLAGS": (b"\\Answered", b"\\Seen", b"\\*")}

        def search(self, criteria: list[str]) -> list[int]:
            self.server.searches.append(criteria)
            if criteria == ["NOT", "KEYWORD", KEYWORD]:
                return [uid for uid in sorted(self.server.messages) if KEYWORD not in self.server.flags[uid]]
            assert criteria == ["ALL"]
            return sorted(self.server.messages)

        def fetch(self, uids: list[int], items: list[str]) -> dict[int, dict[bytes, object]]:
            if items == ["RFC822.SIZE"]:
                return {uid: {b"RFC822.SIZE": self.server.sizes[uid]} for uid in uids}
            assert items == ["BODY.PEEK[]"], items  # PEEK: reading marks nothing as read
            return {uid: {b"BODY[]": self.server.messages[uid]} for uid in uids}

        def add_flags(self, uids: list[int], flags: list[str]) -> None:
            for uid in uids:
                self.server.flags[uid].update(flags)

        def logout(self) -> None:
            pass


def test_fetched_messages_are_marked_on_a_server_that_keeps_keywords(campaign, tmp_path, monkeypatch):
    auto = bytes(
        mail(CLUSTERS["DE-AUTO-01"].email, {"auto.xlsx": returned(campaign, tmp_path, "DE-AUTO-01").read_bytes()})
    )
    news = bytes(mail("newsletter@example.org", {}, subject="Not a return"))
    server = KeywordServer({7: auto, 8: news, 9: news}, {7: len(auto), 8: len(news), 9: MAX_MESSAGE_BYTES + 1})
    monkeypatch.setattr(imapclient, "IMAPClient", server.client)
    monkeypatch.setenv("EXCELCERT_IMAP_PASSWORD", "s3cret")
    config = campaign.config_path
    config.write_text(
        config.read_text(encoding="utf-8")
        + "mail:\n  imap:\n    host: imap.label.example\n    port: 993\n    security: tls\n    user: secretariat\n",
        encoding="utf-8",
    )
    base = ["--campaign", str(campaign.root), "import", "--imap", "Returns", "--json"]
    first = json.loads(CliRunner().invoke(cli, base, catch_exceptions=False).output)
    assert first["imap"]["marked_on_server"] is True
    assert [item["uid"] for item in first["imap"]["too_large"]] == [9]
    assert sorted(p.rsplit("/", 1)[-1] for p in first["imap"]["saved"]) == ["42-7.eml", "42-8.eml"]
    assert server.flags == {7: {KEYWORD}, 8: {KEYWORD}, 9: set()}  # the large one is left for a person to see
    assert sorted((f["verdict"], f["cluster"]) for f in first["files"]) == [
        ("accepted", "DE-AUTO-01"),
        ("rejected", None),
    ]

    # the saved copies are gone (another computer, a cleaned folder): the server's keyword
    # still says what was fetched, and nothing is imported twice
    shutil.rmtree(campaign.root / "workbooks" / "imap")
    again = json.loads(CliRunner().invoke(cli, base, catch_exceptions=False).output)
    assert again["imap"]["saved"] == [] and again["files"] == []
    assert [item["uid"] for item in again["imap"]["too_large"]] == [9]
    assert server.searches == [["NOT", "KEYWORD", KEYWORD]] * 2
    assert all("\\Seen" not in flags for flags in server.flags.values())
