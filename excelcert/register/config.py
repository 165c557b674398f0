"""Where a secretariat's register lives, and how a campaign finds it.

A register is a folder holding `register.yaml` (the label body's name, the prefix of its
certificate numbers, the address its public list is published at) and `register.sqlite`.
A campaign uses the register its campaign.yaml names (`register: PATH`, relative to the
campaign folder), else the one in its own folder or the nearest folder above it: keep the
campaigns of a label body in folders below its register and they find it, as git finds
its repository. A campaign without a register works as before, numbering its own
certificates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from excelcert.campaign.config import Campaign
from excelcert.register.store import RegisterError, RegisterStore

CONFIG_NAME = "register.yaml"
DATABASE_NAME = "register.sqlite"
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")


@dataclass(frozen=True)
class Register:
    root: Path
    name: str  # the label body, as certificates and the public list name it
    prefix: str  # of certificate references: PREFIX-YEAR-NUMBER
    public_url: str  # where `register publish` output is hosted ("" until known)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def database_path(self) -> Path:
        return self.root / DATABASE_NAME

    def open(self) -> RegisterStore:
        """The register's database; RegisterError when it is missing (never made anew: an empty
        one would hand out numbers already printed on certificates)."""
        if not self.database_path.is_file():
            raise RegisterError(
                f"the register's database {self.database_path} is missing: restore it from your backup "
                f"(next to {self.config_path.name}); nothing was done."
            )
        return RegisterStore.at(self.database_path)

    def reference(self, year: int) -> Callable[[int], str]:
        """The reference of certificate `number` issued in `year`: ECL-2026-00012."""
        return lambda number: f"{self.prefix}-{year}-{number:05d}"


MAX_PUBLIC_URL = 200  # bytes in UTF-8 (ASCII characters): the certificates' QR codes must still read at 28 mm


def _public_url_problem(url: str) -> str | None:
    """What is wrong with a register's public address, or None (no address is fine)."""
    if not url:
        return None
    if not re.match(r"^(https?|file)://", url):
        return f"'{url[:80]}' is not a web address: write it as https://..."
    held = len(url.encode("utf-8"))  # what the QR code holds: a letter beyond ASCII takes 2 to 4 bytes
    if held > MAX_PUBLIC_URL:
        length = f"{len(url)} characters long" + (
            "" if url.isascii() else f", {held} as the QR code holds it (a letter beyond a-z takes 2 to 4)"
        )
        return (
            f"is {length}: every certificate's QR code holds it, and one that long could not be read "
            f"when printed. Use an address of at most {MAX_PUBLIC_URL} characters (up to about 55 print "
            "best; an accented letter counts twice)"
        )
    return None


def init_register(root: Path, *, name: str, prefix: str, public_url: str = "") -> Register:
    """A new register in `root` (created if need be); RegisterError if one is there already."""
    prefix = prefix.strip().upper()
    if not _PREFIX.match(prefix):
        raise RegisterError(
            f"the prefix '{prefix}' cannot start certificate numbers: use 1 to 10 capital letters "
            "and digits, starting with a letter (for example ECL)."
        )
    if (root / CONFIG_NAME).exists():
        raise RegisterError(f"{root / CONFIG_NAME} already exists: the register there was kept.")
    wrong = _public_url_problem(public_url.strip())
    if wrong:
        raise RegisterError(f"the public address {wrong}; nothing was written.")
    if root.exists() and not root.is_dir():
        raise RegisterError(f"{root} is a file: give a folder for the register.")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegisterError(f"the folder {root} cannot be made ({exc.strerror}); nothing was written.") from None
    register = Register(root, name.strip() or "Label secretariat", prefix, public_url.strip())
    write_register_config(register)
    RegisterStore.at(register.database_path).close()  # the database, with its schema
    return register


def write_register_config(register: Register) -> None:
    data = {"name": register.name, "prefix": register.prefix, "public_url": register.public_url}
    header = (
        "# excelcert register: every label this secretariat issued, across its campaigns.\n"
        "# Campaigns in folders below this one use it. public_url: where `excelcert register\n"
        "# publish` output is hosted (certificates' QR codes point there).\n"
    )
    register.config_path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def read_register(root: Path) -> Register:
    path = root / CONFIG_NAME
    if root.exists() and not root.is_dir():
        raise RegisterError(f"{root} is a file, not a register folder: give the folder that holds {CONFIG_NAME}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (FileNotFoundError, NotADirectoryError):
        raise RegisterError(
            f"{root} is not a register folder (no {CONFIG_NAME}). Create one with `excelcert register init {root}`."
        ) from None
    except OSError as exc:
        raise RegisterError(f"{path} cannot be read ({exc.strerror}).") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{path} cannot be read: {str(exc).splitlines()[0]}. Fix it by hand.") from None
    if not isinstance(data, dict):
        raise RegisterError(f"{path} holds no settings. Write name:, prefix: and public_url: lines.")
    for key in ("name", "public_url"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            raise RegisterError(f"{path}: {key} must be text. Fix it by hand.")
    wrong = _public_url_problem(str(data.get("public_url") or "").strip())
    if wrong:
        raise RegisterError(f"{path}: public_url {wrong}. Fix it by hand.")
    prefix = str(data.get("prefix") or "").strip().upper()
    if not _PREFIX.match(prefix):
        raise RegisterError(f"{path}: prefix '{prefix}' is not 1 to 10 capital letters and digits.")
    return Register(root, str(data.get("name") or "Label secretariat"), prefix, str(data.get("public_url") or ""))


def find_register_root(start: Path) -> Path | None:
    """The nearest folder from `start` upward that holds a register."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def register_of(campaign: Campaign) -> Register | None:
    """The register a campaign uses: the one its config names, else the nearest one from its
    folder upward; None when there is none."""
    if campaign.register_dir:
        return read_register((campaign.root / campaign.register_dir).resolve())
    found = find_register_root(campaign.root)
    return read_register(found) if found is not None else None
