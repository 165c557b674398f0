"""The campaign: a folder with its config, its secret key, its roster and its outputs.

    campaign.yaml     id, title, scheme file and version, deadline, languages, contact
    campaign.key      the secret that signs workbooks (private permissions, git-ignored,
                      never written into a workbook)
    scheme.yaml|xlsx  the campaign's own copy of the scheme, frozen at `init`
    workbooks/        the roster (roster.xlsx), and later the returned workbooks
    templates/        the Word templates the secretariat may edit
    output/<id>/      what excelcert writes (to-clusters/, ...)

Every command finds its campaign from the current folder upward, like git, or from
`--campaign DIR`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from excelcert.campaign.reviewers import write_example_reviewers
from excelcert.campaign.roster import write_example_roster
from excelcert.scheme import DEFAULT_SCHEME_PATH, Scheme, load_scheme, scheme_format
from excelcert.scheme.yaml_form import same_canonical_text, scheme_to_yaml

CONFIG_NAME = "campaign.yaml"
KEY_NAME = "campaign.key"
ROSTER_NAME = "roster.xlsx"
REVIEWERS_NAME = "reviewers.xlsx"
DEFAULT_WEEKS_TO_DEADLINE = 6
# The Word templates shipped with excelcert; a campaign gets its own copies in templates/.
BUILTIN_TEMPLATES = Path(str(resources.files("excelcert") / "data" / "templates"))


class CampaignError(Exception):
    """A campaign that cannot be found, created or used; the message says what to do."""


@dataclass(frozen=True)
class Campaign:
    root: Path
    id: str
    title: str
    scheme_file: str  # relative to root
    scheme_id: str
    scheme_version: str
    scheme_hash: str
    deadline: dt.date
    languages: tuple[str, ...]
    roster_file: str  # relative to root
    contact_name: str
    contact_email: str
    reviewers_file: str = ""  # relative to root; empty in campaigns made before peer review
    register_dir: str = ""  # the register's folder, relative to root; empty: the nearest one above
    # per language, when campaign.yaml gives a value per language: (language, text) pairs
    titles: tuple[tuple[str, str], ...] = ()
    contact_names: tuple[tuple[str, str], ...] = ()
    signatures: tuple[tuple[str, str], ...] = ()  # who signs the letters, e.g. "Dr. A. Schmidt, head of ..."

    def title_in(self, lang: str) -> str:
        """The campaign's title in `lang` (its one title when campaign.yaml gives no translation)."""
        return dict(self.titles).get(lang) or self.title

    def secretariat_in(self, lang: str) -> str:
        """The secretariat's name in `lang`."""
        return dict(self.contact_names).get(lang) or self.contact_name

    def signature_in(self, lang: str) -> str:
        """Who signs the letters, in `lang`; empty when campaign.yaml names nobody."""
        found = dict(self.signatures)
        return found.get(lang) or found.get("") or next(iter(found.values()), "")

    benchmark_min_group: int = 5  # a peer group with fewer members is never shown (benchmark: min_group)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def key_path(self) -> Path:
        return self.root / KEY_NAME

    @property
    def scheme_path(self) -> Path:
        return self.root / self.scheme_file

    @property
    def roster_path(self) -> Path:
        return self.root / self.roster_file

    @property
    def reviewers_path(self) -> Path:
        if not self.reviewers_file:
            raise CampaignError(
                f"{self.config_path} names no reviewers roster. Add a line "
                f"'reviewers: workbooks/{REVIEWERS_NAME}' and write the roster there "
                "(columns: see docs/review.md)."
            )
        return self.root / self.reviewers_file

    @property
    def output_dir(self) -> Path:
        return self.root / "output" / self.id

    @property
    def to_clusters_dir(self) -> Path:
        return self.output_dir / "to-clusters"

    def load_scheme(self) -> Scheme:
        scheme = load_scheme(self.scheme_path)
        if not same_canonical_text(scheme, lambda text: _sha256(text) == self.scheme_hash):
            raise CampaignError(
                f"{self.scheme_path} has changed since the campaign was created (scheme "
                f"{self.scheme_id} {self.scheme_version}). Workbooks already sent were made from the "
                f"old version. If the change is intended, give the scheme a new version and run "
                f"`excelcert init --update-scheme` in {self.root}."
            )
        return scheme


def scheme_hash(scheme: Scheme) -> str:
    """SHA-256 of the scheme's canonical text: the same scheme always hashes the same."""
    return _sha256(scheme_to_yaml(scheme))


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def slug(text: str) -> str:
    value = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return value[:60] or "campaign"


def init_campaign(
    root: Path,
    *,
    scheme_file: Path | None = None,
    title: str | Mapping[str, str] | None = None,
    campaign_id: str | None = None,
    deadline: dt.date | None = None,
    contact_name: str | Mapping[str, str] = "Label secretariat",
    contact_email: str = "secretariat@example.org",
    today: dt.date | None = None,
    signature: str | Mapping[str, str] = "",
) -> Campaign:
    """Create a campaign folder (which may exist, but must not hold a campaign yet). The title,
    the secretariat's name and the signature may be given per language ({"en": ..., "fr": ...})."""
    root = Path(root)
    if (root / CONFIG_NAME).exists():
        raise CampaignError(f"{root} already holds a campaign ({CONFIG_NAME}); nothing was changed.")
    if root.exists() and not root.is_dir():
        raise CampaignError(f"{root} is a file, not a folder.")
    _checked_email(contact_email, "the contact address (--contact-email)")
    source = scheme_file or DEFAULT_SCHEME_PATH
    scheme = load_scheme(source)  # SchemeError lists its problems; nothing is created yet
    today = today or dt.date.today()
    titles = _per_language(title or f"{scheme.text(scheme.title, 'en')} {today.year}", scheme.languages)
    names = _per_language(contact_name, scheme.languages)
    title = _first(titles, scheme.languages)
    campaign_id = campaign_id or slug(root.resolve().name if root.name else title)
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", campaign_id):
        raise CampaignError(f"campaign id '{campaign_id}' may hold only lower-case letters, digits and '-'.")
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("workbooks", "templates", "output"):
        (root / folder).mkdir(exist_ok=True)
    scheme_name = "scheme.yaml" if scheme_format(Path(source)) == "yaml" else "scheme.xlsx"
    if scheme_file is None:
        (root / scheme_name).write_text(scheme_to_yaml(scheme), encoding="utf-8")
    else:
        shutil.copyfile(source, root / scheme_name)
    write_example_roster(root / "workbooks" / ROSTER_NAME)
    write_example_reviewers(root / "workbooks" / REVIEWERS_NAME)
    # the campaign's own copies of the Word and mail templates, for the secretariat to edit
    for template in sorted([*BUILTIN_TEMPLATES.glob("*.docx"), *BUILTIN_TEMPLATES.glob("mail-*.txt")]):
        if not (root / "templates" / template.name).exists():
            shutil.copyfile(template, root / "templates" / template.name)
    campaign = Campaign(
        root=root,
        id=campaign_id,
        title=title,
        scheme_file=scheme_name,
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_hash=scheme_hash(scheme),
        deadline=deadline or today + dt.timedelta(weeks=DEFAULT_WEEKS_TO_DEADLINE),
        languages=scheme.languages,
        roster_file=f"workbooks/{ROSTER_NAME}",
        contact_name=_first(names, scheme.languages),
        contact_email=contact_email,
        reviewers_file=f"workbooks/{REVIEWERS_NAME}",
        titles=titles if len(titles) > 1 else (),
        contact_names=names if len(names) > 1 else (),
        signatures=_per_language(signature, scheme.languages) if signature else (),
    )
    write_config(campaign)
    create_key(campaign)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(
            f"# never commit the secret key\n{KEY_NAME}\n"
            "# what excelcert makes, and the clusters' data: back these up instead\n"
            "output/\nledger.sqlite*\narchive/\n.excelcert.lock*\n",
            encoding="utf-8",
        )
    return campaign


def _per_language(value: str | Mapping[str, str], languages: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(language, text) pairs of a value given once or per language."""
    if isinstance(value, str):
        return (("", value),) if value else ()
    return tuple((str(k), str(v)) for k, v in value.items() if v)


def _first(pairs: tuple[tuple[str, str], ...], languages: tuple[str, ...]) -> str:
    """The text in the first of `languages` that has one, else the first given."""
    found = dict(pairs)
    return next((found[lang] for lang in (*languages, "") if found.get(lang)), next(iter(found.values()), ""))


def _written(one: str, pairs: tuple[tuple[str, str], ...]) -> str | dict[str, str]:
    """How campaign.yaml writes a value: as one text, or per language."""
    return dict(pairs) if pairs and any(lang for lang, _ in pairs) else one


def write_config(campaign: Campaign) -> None:
    contact: dict[str, object] = {
        "name": _written(campaign.contact_name, campaign.contact_names),
        "email": campaign.contact_email,
    }
    if campaign.signatures:
        contact["signature"] = _written(campaign.signature_in(""), campaign.signatures)
    data = {
        "id": campaign.id,
        "title": _written(campaign.title, campaign.titles),
        "scheme": {
            "file": campaign.scheme_file,
            "id": campaign.scheme_id,
            "version": campaign.scheme_version,
            "sha256": campaign.scheme_hash,
        },
        "deadline": campaign.deadline.isoformat(),
        "languages": list(campaign.languages),
        "roster": campaign.roster_file,
        **({"reviewers": campaign.reviewers_file} if campaign.reviewers_file else {}),
        **({"register": campaign.register_dir} if campaign.register_dir else {}),
        "contact": contact,
        **({"benchmark": {"min_group": campaign.benchmark_min_group}} if campaign.benchmark_min_group != 5 else {}),
    }
    header = (
        "# excelcert campaign. Edit the title, deadline, roster and contact freely (the title,\n"
        "# the contact's name and its signature may be given per language: en: ..., fr: ...);\n"
        "# the scheme block is checked against the scheme file on every run.\n"
    )
    campaign.config_path.write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )


def create_key(campaign: Campaign) -> None:
    """Write a new random key, readable by the owner only, never replacing one."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        handle = os.open(campaign.key_path, flags, 0o600)
    except FileExistsError:
        raise CampaignError(f"{campaign.key_path} already exists; it was kept.") from None
    with os.fdopen(handle, "w") as out:
        out.write(secrets.token_hex(32) + "\n")


def read_key(campaign: Campaign) -> bytes:
    path = campaign.key_path
    if not path.exists():
        raise CampaignError(
            f"the campaign's secret key {path} is missing. Workbooks already sent can only be "
            f"verified with it: restore it from your backup. If no workbook was sent yet, create a "
            f"new one with `excelcert init --new-key` in {campaign.root}."
        )
    text = path.read_text(encoding="utf-8").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise CampaignError(f"{path} is not an excelcert key (64 hexadecimal characters); restore it from your backup.")
    return bytes.fromhex(text)


def find_campaign_root(start: Path) -> Path | None:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def open_campaign(directory: Path | None = None) -> Campaign:
    """The campaign at `directory`, or the one the current folder is in."""
    if directory is not None:
        root = Path(directory)
        if not (root / CONFIG_NAME).is_file():
            raise CampaignError(
                f"{root} is not a campaign folder (no {CONFIG_NAME}). Create one with `excelcert init {root}`."
            )
    else:
        found = find_campaign_root(Path.cwd())
        if found is None:
            raise CampaignError(
                f"no campaign here: neither this folder nor any folder above it holds "
                f"{CONFIG_NAME}. Run `excelcert init DIR`, or give --campaign DIR."
            )
        root = found
    return read_config(root)


def read_config(root: Path) -> Campaign:
    path = root / CONFIG_NAME
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CampaignError(
            f"{path} cannot be read: {str(exc).splitlines()[0]}. Fix it by hand or restore it from your backup."
        ) from None

    def need(mapping: object, key: str, where: str) -> object:
        if not isinstance(mapping, dict) or mapping.get(key) in (None, ""):
            raise CampaignError(f"{path}: '{where}{key}' is missing. Add it (see docs/campaign.md).")
        return mapping[key]

    scheme = need(data, "scheme", "")
    deadline = need(data, "deadline", "")
    try:
        deadline = deadline if isinstance(deadline, dt.date) else dt.date.fromisoformat(str(deadline))
    except ValueError:
        raise CampaignError(f"{path}: deadline '{deadline}' is not a date; write it as 2027-01-31.") from None
    contact = data.get("contact") or {}
    languages = tuple(str(x) for x in data.get("languages") or ())

    def texts(value: object, where: str) -> tuple[tuple[str, str], ...]:
        if isinstance(value, dict):
            pairs = tuple((str(k), str(v)) for k, v in value.items() if v not in (None, ""))
            if not pairs:
                raise CampaignError(f"{path}: '{where}' gives no text in any language. Add one (see docs/campaign.md).")
            return pairs
        return (("", str(value)),) if value not in (None, "") else ()

    titles = texts(need(data, "title", ""), "title")
    names = texts(contact.get("name") or "Label secretariat", "contact.name")
    benchmark = data.get("benchmark") or {}
    min_group = benchmark.get("min_group", 5) if isinstance(benchmark, dict) else None
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 2:
        raise CampaignError(
            f"{path}: 'benchmark: min_group' must be a whole number of at least 2 (the fewest members a peer "
            "group needs to be shown; 5 when it is left out)."
        )
    return Campaign(
        root=root,
        id=str(need(data, "id", "")),
        title=_first(titles, languages),
        titles=titles if any(lang for lang, _ in titles) else (),
        contact_names=names if any(lang for lang, _ in names) else (),
        signatures=texts(contact.get("signature"), "contact.signature"),
        scheme_file=str(need(scheme, "file", "scheme.")),
        scheme_id=str(need(scheme, "id", "scheme.")),
        scheme_version=str(need(scheme, "version", "scheme.")),
        scheme_hash=str(need(scheme, "sha256", "scheme.")),
        deadline=deadline,
        languages=languages,
        roster_file=str(need(data, "roster", "")),
        contact_name=_first(names, languages),
        contact_email=_checked_email(str(contact.get("email") or ""), f"{path}: contact.email"),
        reviewers_file=str(data.get("reviewers") or ""),
        register_dir=str(data.get("register") or ""),
        benchmark_min_group=min_group,
    )


def _checked_email(address: str, where: str) -> str:
    """The secretariat's address as given, if it is one ("" too: then none is given); else a
    CampaignError: every workbook tells the clusters to write to it, and mail is sent from it."""
    if not address.strip():
        return address
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise CampaignError(
            f"{where} '{address}' is not an e-mail address ({str(exc).rstrip('.')}); every workbook tells "
            "the clusters to write to it. Give the address the clusters write to, e.g. label@secretariat.example."
        ) from None
    return address


def renew_key(campaign: Campaign) -> None:
    """A new key for a campaign that lost its own, allowed only before any workbook is issued."""
    issued = campaign.to_clusters_dir
    if issued.is_dir() and any(issued.iterdir()):
        raise CampaignError(
            f"workbooks were already issued from {campaign.root} ({issued}); a new key would make "
            f"every returned workbook fail verification. Restore {campaign.key_path.name} from your backup."
        )
    if campaign.key_path.exists():
        raise CampaignError(
            f"{campaign.key_path} exists; it was kept. Delete it first if you really "
            "mean to replace it (returned workbooks signed with it would then fail)."
        )
    create_key(campaign)


def update_campaign_scheme(campaign: Campaign) -> Campaign:
    """Record the scheme file's current id, version and hash in the campaign's config."""
    scheme = load_scheme(campaign.scheme_path)
    digest = scheme_hash(scheme)
    if digest == campaign.scheme_hash:
        return campaign
    if scheme.version == campaign.scheme_version:
        raise CampaignError(
            f"{campaign.scheme_path} changed but still says version {scheme.version}. Give it a new "
            "version (settings: version) so returned workbooks show which version they answer."
        )
    updated = replace(
        campaign, scheme_id=scheme.id, scheme_version=scheme.version, scheme_hash=digest, languages=scheme.languages
    )
    write_config(updated)
    return updated


def mail_server(
    campaign: Campaign,
    part: str,
    ports: dict[str, int],
    password_variable: str,
    error: type[CampaignError] = CampaignError,
) -> tuple[dict[str, Any], dict[str, Any], str, int]:
    """The `mail:` section of campaign.yaml and its server part (`smtp` or `imap`): (mail,
    server, security, port), the security one of `ports` (the first by default) and the port
    its usual one unless given. `error` says what is wrong; a password in the file is refused."""
    path = campaign.config_path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        raise error(f"{path} cannot be read; fix it (see docs/campaign.md).") from None
    mail = (data.get("mail") if isinstance(data, dict) else None) or {}
    if not isinstance(mail, dict):
        raise error(f"{path}: 'mail' must hold settings (from, {part}: host, port, ...); see docs/mail.md.")
    server = mail.get(part) or {}
    if not isinstance(server, dict):
        raise error(f"{path}: 'mail.{part}' must hold settings (host, port, security, user); see docs/mail.md.")
    if "password" in server or "password" in mail:
        raise error(
            f"{path} holds a mail password: remove it. excelcert takes the password from the environment "
            f"variable {password_variable} or from the system keyring, never from a file (docs/mail.md)."
        )
    security = str(server.get("security") or next(iter(ports))).casefold()
    if security not in ports:
        raise error(f"{path}: mail.{part}.security '{security}' must be one of {', '.join(ports)}.")
    try:
        port = int(server.get("port") or ports[security])
    except (TypeError, ValueError):
        example = ports[next(iter(ports))]
        raise error(f"{path}: mail.{part}.port '{server.get('port')}' is not a number, such as {example}.") from None
    return mail, server, security, port
