"""Returns read straight from a mail folder on the server (IMAP), with imapclient.

`excelcert import --imap FOLDER` logs in to the IMAP server of campaign.yaml (`mail.imap`:
host, port, security, user; the password from EXCELCERT_IMAP_PASSWORD or the system
keyring, never from a file), and saves every message of FOLDER it has not fetched before as
an .eml file in `workbooks/imap/<folder>/` (the e-mails as they came, kept with the
campaign); those files are then imported like any saved e-mail (`intake.mailbox`).

What was fetched is marked twice: by its saved copy (named by the folder's UIDVALIDITY and
the message's UID, so a message is fetched once), and on the server with the keyword
`$ExcelcertImported` where the server allows keywords, so that a mail program can show or
filter them. Messages are read with BODY.PEEK: none is marked read. A message larger than
an e-mail with workbooks can be is not fetched, and is listed.
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.files import safe_filename
from excelcert.base.secrets import find_password
from excelcert.campaign.config import Campaign, CampaignError, mail_server
from excelcert.intake.mailbox import MAX_MESSAGE_BYTES

PASSWORD_VARIABLE = "EXCELCERT_IMAP_PASSWORD"
KEYWORD = "$ExcelcertImported"
SECURITY = {"tls": 993, "starttls": 143, "none": 143}
BATCH = 25  # messages fetched per request


class ImapError(CampaignError):
    """The mail folder cannot be read: settings, password, server, folder."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str = "tls"
    user: str = ""
    ca_file: str = ""


@dataclass
class Fetched:
    """What one visit to the folder brought: the messages saved (new ones), those too large
    to fetch, and whether the server took the keyword that marks them."""

    folder: str
    saved: list[Path] = field(default_factory=list)
    too_large: list[tuple[int, int]] = field(default_factory=list)  # (uid, bytes)
    known: int = 0  # messages fetched on an earlier run
    marked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "saved": [str(p) for p in self.saved],
            "too_large": [{"uid": uid, "bytes": size} for uid, size in self.too_large],
            "fetched_before": self.known,
            "marked_on_server": self.marked,
        }


def imap_settings(campaign: Campaign) -> ImapSettings:
    """The `mail.imap` settings of campaign.yaml (ImapError says what is missing)."""
    _, imap, security, port = mail_server(campaign, "imap", SECURITY, PASSWORD_VARIABLE, ImapError)
    if not imap.get("host"):
        raise ImapError(
            f"{campaign.config_path} names no IMAP server: add mail.imap with host, port, security and user "
            "(docs/mail.md)."
        )
    return ImapSettings(str(imap["host"]), port, security, str(imap.get("user") or ""), str(imap.get("ca_file") or ""))


def imap_password(settings: ImapSettings, environ: dict[str, str] | None = None) -> str:
    found = find_password(PASSWORD_VARIABLE, f"excelcert imap {settings.host}", settings.user, environ)
    if found:
        return found
    raise ImapError(
        f"no password for {settings.user} at {settings.host}: set the environment variable {PASSWORD_VARIABLE}, "
        f"or store it in the system keyring: keyring set 'excelcert imap {settings.host}' {settings.user} "
        "(pip install keyring); see docs/mail.md."
    )


def imap_folder_dir(campaign: Campaign, folder: str) -> Path:
    return campaign.root / "workbooks" / "imap" / safe_filename(folder)


def fetch_folder(campaign: Campaign, settings: ImapSettings, password: str, folder: str) -> Fetched:
    """Save the messages of `folder` not fetched before into the campaign (see the module)."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    out = imap_folder_dir(campaign, folder)
    fetched = Fetched(folder)
    try:
        client = IMAPClient(
            settings.host, port=settings.port, ssl=settings.security == "tls", ssl_context=context, timeout=60
        )
    except ssl.SSLError as exc:
        raise ImapError(f"no secure connection to {where} ({exc.reason or 'TLS failed'}): check mail.imap.") from None
    except OSError as exc:
        raise ImapError(f"the IMAP server {where} cannot be reached ({exc.strerror or type(exc).__name__}).") from None
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.user, password)
        try:
            info = client.select_folder(folder)
        except IMAPClientError:
            names = ", ".join(sorted(str(f[2]) for f in client.list_folders())[:20])
            raise ImapError(f"there is no folder '{folder}' on {where} (there are: {names}).") from None
        validity = int(info.get(b"UIDVALIDITY", 0))
        can_mark = b"\\*" in info.get(b"PERMANENTFLAGS", ())
        uids = client.search(["NOT", "KEYWORD", KEYWORD] if can_mark else ["ALL"])
        todo = []
        for uid in uids:
            if (out / f"{validity}-{uid}.eml").exists():
                fetched.known += 1
            else:
                todo.append(uid)
        out.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            small = []
            for uid in chunk:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                if size > MAX_MESSAGE_BYTES:
                    fetched.too_large.append((uid, size))
                else:
                    small.append(uid)
            for uid, data in client.fetch(small, ["BODY.PEEK[]"]).items():
                raw = data.get(b"BODY[]")
                if not isinstance(raw, bytes):
                    continue
                path = out / f"{validity}-{uid}.eml"
                part = path.with_suffix(".part")
                part.write_bytes(raw)
                part.replace(path)  # whole or not at all: a half-written message is fetched again
                fetched.saved.append(path)
        skipped = {uid for uid, _ in fetched.too_large}
        if can_mark and [u for u in todo if u not in skipped]:
            client.add_flags([u for u in todo if u not in skipped], [KEYWORD])
            fetched.marked = True
    except LoginError:
        raise ImapError(
            f"the IMAP server {where} refused the user name or password of {settings.user}: check them "
            "(many providers want an app password: docs/mail.md)."
        ) from None
    except ssl.SSLError as exc:
        raise ImapError(f"no secure connection to {where} ({exc.reason or 'TLS failed'}): check mail.imap.") from None
    except (IMAPClientError, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"the server said: {exc}"
        raise ImapError(
            f"reading '{folder}' on {where} stopped ({why}); what was saved is kept: run again to go on."
        ) from None
    finally:
        with contextlib.suppress(Exception):  # the connection may be gone already
            client.logout()
    return fetched
