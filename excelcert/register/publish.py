"""The public site: the list of labels and a verification page per certificate, as static
files that need no server (they open from file:// as from any static host).

    index.html          the labels on the day: valid ones, then the expired, superseded and
                        withdrawn ones with their state (a published certificate never
                        silently vanishes); search, sort and filters run in the page
    c/<REFERENCE>.html  a certificate's public details and its state on the day, and a form
                        that checks a verification code (also one given after '#' in the
                        address, as the certificate's QR code holds it)
    labels.csv/.json/.xlsx  the same list to download
    assets/             site.css and site.js (excelcert/data/site), texts.js (the words below)

The site speaks English, French and German (`SITE_TEXTS`: every word it shows, one table
per language); the reader's choice travels in the links (`?lang=fr`) and is remembered
in the browser. Nothing is loaded from elsewhere: no fonts, no scripts, no images from
the network; the only outside addresses are the clusters' own websites, as links.

No page and no download holds a verification code: a page holds the code's digest
(`public.code_digest`), which its script compares with the digest of the code typed.
Data goes into a page as JSON inside `<script type="application/json">` with `<`, `>` and
`&` escaped, so that no name or reason can close the script or start a comment; the
script puts it into the page as text, never as markup.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from excelcert.base.files import atomic_path
from excelcert.base.sheetwriter import csv_safe, new_book, print_setup
from excelcert.campaign.roster import country_name
from excelcert.register.config import CONFIG_NAME, DATABASE_NAME, Register
from excelcert.register.lists import Listed, states_on
from excelcert.register.public import CODE_ROUNDS, code_digest, page_path
from excelcert.register.rules import EXPIRED, SUPERSEDED, VALID, WITHDRAWN
from excelcert.register.store import Entry, RegisterError

LANGUAGES = ("en", "fr", "de")
ASSETS = "assets"
STATIC_ASSETS = ("site.css", "site.js")  # copied from excelcert/data/site
TEXTS_SCRIPT = "texts.js"  # written from SITE_TEXTS
DOWNLOADS = ("labels.csv", "labels.xlsx", "labels.json")

SITE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "language": "Language",
        "site_title": "Public register of labels",
        "list_intro": (
            "The clusters holding a cluster-management excellence label of {name} on {date}. "
            "Open a certificate's number to see its details and check its verification code."
        ),
        "search": "Search",
        "search_placeholder": "Cluster, country, sector or number",
        "filter_label": "Label",
        "filter_country": "Country",
        "filter_sector": "Sector",
        "all_labels": "All labels",
        "all_countries": "All countries",
        "all_sectors": "All sectors",
        "col_number": "Number",
        "col_cluster": "Cluster",
        "col_country": "Country",
        "col_sector": "Sector",
        "col_label": "Label",
        "col_valid_until": "Valid until",
        "col_website": "Website",
        "col_state": "State",
        "sort_by": "Sort by {column}",
        "valid_heading": "Valid labels",
        "others_heading": "Expired, superseded and withdrawn labels",
        "others_intro": "A certificate once published keeps its page and its row: these labels are no longer valid.",
        "shown": "{shown} of {total} shown",
        "no_match": "No label matches the search and filters.",
        "none_listed": "None.",
        "downloads": "The list to download",
        "download_csv": "CSV (spreadsheets)",
        "download_xlsx": "Excel workbook",
        "download_json": "JSON (for programs)",
        "needs_js_list": "Search, filters and sorting need JavaScript; the list below is complete.",
        "state_valid": "Valid",
        "state_expired": "Expired",
        "state_superseded": "Superseded",
        "state_withdrawn": "Withdrawn",
        "state_valid_long": "Valid until {date}",
        "state_expired_long": "Expired: it was valid until {date}",
        "state_superseded_long": "Superseded by the newer certificate {number}",
        "state_withdrawn_long": "Withdrawn on {date}: {reason}",
        "as_of": "Register as published on {date}.",
        "footer": "Published by {name}. These pages need no server: codes are checked in your browser, and nothing is sent anywhere.",
        "back_to_list": "All labels",
        "certificate": "Certificate",
        "cert_intro": "{name} holds this certificate of {body}.",
        "details_heading": "The certificate's details",
        "compare_note": "A genuine certificate shows exactly these details: compare them with the copy you were shown.",
        "field_number": "Certificate number",
        "field_cluster": "Cluster",
        "field_country": "Country",
        "field_sector": "Sector",
        "field_label": "Label",
        "field_assessed": "Month of assessment",
        "field_issued": "Date of issue",
        "field_valid_until": "Valid until",
        "field_state": "State",
        "field_website": "Website",
        "open_newer": "Open the newer certificate {number}",
        "verify_heading": "Check the verification code",
        "code_label": "Verification code",
        "code_hint": "Printed on the certificate beside its number. Case, spaces and dashes do not matter.",
        "check": "Check",
        "needs_js_code": "Checking a code needs JavaScript.",
        "privacy_note": "This page does not hold the code itself, only a fingerprint of it: the code you type is checked in your browser and sent nowhere.",
        "result_valid_title": "Valid: the code matches",
        "result_valid": "The code matches: this certificate is valid until {date}.",
        "result_expired_title": "Expired: no longer valid",
        "result_expired": "The code matches, but this certificate has expired: it was valid until {date}.",
        "result_superseded_title": "Superseded by a newer certificate",
        "result_superseded": "The code matches, but this certificate was superseded by the newer certificate {number}.",
        "result_withdrawn_title": "Withdrawn: not valid",
        "result_withdrawn": "The code matches, but this certificate was withdrawn on {date}: {reason}",
        "result_wrong_title": "The code does not match",
        "result_wrong": "This is not the code of this certificate. Check that it was typed as printed; if it still does not match, the certificate you were shown is not genuine.",
        "result_empty": "Type the verification code printed on the certificate.",
        "date_long": "{day} {month} {year}",
        "date_short": "{day} {month} {year}",
        "month_year": "{month} {year}",
    },
    "fr": {
        "language_name": "Français",
        "language": "Langue",
        "site_title": "Registre public des labels",
        "list_intro": (
            "Les clusters titulaires d'un label d'excellence en management de clusters de {name} au {date}. "
            "Ouvrez le numéro d'un certificat pour voir ses détails et vérifier son code de vérification."
        ),
        "search": "Rechercher",
        "search_placeholder": "Cluster, pays, secteur ou numéro",
        "filter_label": "Label",
        "filter_country": "Pays",
        "filter_sector": "Secteur",
        "all_labels": "Tous les labels",
        "all_countries": "Tous les pays",
        "all_sectors": "Tous les secteurs",
        "col_number": "Numéro",
        "col_cluster": "Cluster",
        "col_country": "Pays",
        "col_sector": "Secteur",
        "col_label": "Label",
        "col_valid_until": "Valable jusqu'au",
        "col_website": "Site web",
        "col_state": "État",
        "sort_by": "Trier par {column}",
        "valid_heading": "Labels valables",
        "others_heading": "Labels expirés, remplacés et retirés",
        "others_intro": "Un certificat publié garde sa page et sa ligne : ces labels ne sont plus valables.",
        "shown": "{shown} sur {total} affichés",
        "no_match": "Aucun label ne correspond à la recherche et aux filtres.",
        "none_listed": "Aucun.",
        "downloads": "La liste à télécharger",
        "download_csv": "CSV (tableurs)",
        "download_xlsx": "Classeur Excel",
        "download_json": "JSON (pour les programmes)",
        "needs_js_list": "La recherche, les filtres et le tri nécessitent JavaScript ; la liste ci-dessous est complète.",
        "state_valid": "Valable",
        "state_expired": "Expiré",
        "state_superseded": "Remplacé",
        "state_withdrawn": "Retiré",
        "state_valid_long": "Valable jusqu'au {date}",
        "state_expired_long": "Expiré : il était valable jusqu'au {date}",
        "state_superseded_long": "Remplacé par le certificat plus récent {number}",
        "state_withdrawn_long": "Retiré le {date} : {reason}",
        "as_of": "Registre tel que publié le {date}.",
        "footer": "Publié par {name}. Ces pages n'ont besoin d'aucun serveur : les codes sont vérifiés dans votre navigateur et rien n'est envoyé.",
        "back_to_list": "Tous les labels",
        "certificate": "Certificat",
        "cert_intro": "{name} est titulaire de ce certificat de {body}.",
        "details_heading": "Les détails du certificat",
        "compare_note": "Un certificat authentique porte exactement ces détails : comparez-les avec l'exemplaire qui vous a été présenté.",
        "field_number": "Numéro du certificat",
        "field_cluster": "Cluster",
        "field_country": "Pays",
        "field_sector": "Secteur",
        "field_label": "Label",
        "field_assessed": "Mois de l'évaluation",
        "field_issued": "Date de délivrance",
        "field_valid_until": "Valable jusqu'au",
        "field_state": "État",
        "field_website": "Site web",
        "open_newer": "Ouvrir le certificat plus récent {number}",
        "verify_heading": "Vérifier le code de vérification",
        "code_label": "Code de vérification",
        "code_hint": "Imprimé sur le certificat à côté de son numéro. Majuscules, espaces et tirets sont sans importance.",
        "check": "Vérifier",
        "needs_js_code": "La vérification d'un code nécessite JavaScript.",
        "privacy_note": "Cette page ne contient pas le code lui-même, seulement une empreinte : le code saisi est vérifié dans votre navigateur et n'est envoyé nulle part.",
        "result_valid_title": "Valable : le code correspond",
        "result_valid": "Le code correspond : ce certificat est valable jusqu'au {date}.",
        "result_expired_title": "Expiré : plus valable",
        "result_expired": "Le code correspond, mais ce certificat a expiré : il était valable jusqu'au {date}.",
        "result_superseded_title": "Remplacé par un certificat plus récent",
        "result_superseded": "Le code correspond, mais ce certificat a été remplacé par le certificat plus récent {number}.",
        "result_withdrawn_title": "Retiré : non valable",
        "result_withdrawn": "Le code correspond, mais ce certificat a été retiré le {date} : {reason}",
        "result_wrong_title": "Le code ne correspond pas",
        "result_wrong": "Ce n'est pas le code de ce certificat. Vérifiez qu'il a été saisi tel qu'imprimé ; s'il ne correspond toujours pas, le certificat qui vous a été présenté n'est pas authentique.",
        "result_empty": "Saisissez le code de vérification imprimé sur le certificat.",
        "date_long": "{day} {month} {year}",
        "date_short": "{day} {month} {year}",
        "month_year": "{month} {year}",
    },
    "de": {
        "language_name": "Deutsch",
        "language": "Sprache",
        "site_title": "Öffentliches Register der Labels",
        "list_intro": (
            "Die Cluster, die am {date} ein Label für exzellentes Clustermanagement von {name} tragen. "
            "Öffnen Sie die Nummer eines Zertifikats, um seine Angaben zu sehen und seinen Prüfcode zu prüfen."
        ),
        "search": "Suchen",
        "search_placeholder": "Cluster, Land, Branche oder Nummer",
        "filter_label": "Label",
        "filter_country": "Land",
        "filter_sector": "Branche",
        "all_labels": "Alle Labels",
        "all_countries": "Alle Länder",
        "all_sectors": "Alle Branchen",
        "col_number": "Nummer",
        "col_cluster": "Cluster",
        "col_country": "Land",
        "col_sector": "Branche",
        "col_label": "Label",
        "col_valid_until": "Gültig bis",
        "col_website": "Website",
        "col_state": "Status",
        "sort_by": "Nach {column} sortieren",
        "valid_heading": "Gültige Labels",
        "others_heading": "Abgelaufene, ersetzte und entzogene Labels",
        "others_intro": "Ein einmal veröffentlichtes Zertifikat behält seine Seite und seine Zeile: Diese Labels sind nicht mehr gültig.",
        "shown": "{shown} von {total} angezeigt",
        "no_match": "Kein Label entspricht der Suche und den Filtern.",
        "none_listed": "Keine.",
        "downloads": "Die Liste zum Herunterladen",
        "download_csv": "CSV (Tabellenkalkulation)",
        "download_xlsx": "Excel-Arbeitsmappe",
        "download_json": "JSON (für Programme)",
        "needs_js_list": "Suche, Filter und Sortierung brauchen JavaScript; die Liste unten ist vollständig.",
        "state_valid": "Gültig",
        "state_expired": "Abgelaufen",
        "state_superseded": "Ersetzt",
        "state_withdrawn": "Entzogen",
        "state_valid_long": "Gültig bis {date}",
        "state_expired_long": "Abgelaufen: Es war gültig bis {date}",
        "state_superseded_long": "Ersetzt durch das neuere Zertifikat {number}",
        "state_withdrawn_long": "Entzogen am {date}: {reason}",
        "as_of": "Register in der am {date} veröffentlichten Fassung.",
        "footer": "Herausgegeben von {name}. Diese Seiten brauchen keinen Server: Codes werden in Ihrem Browser geprüft, und nichts wird versendet.",
        "back_to_list": "Alle Labels",
        "certificate": "Zertifikat",
        "cert_intro": "{name} trägt dieses Zertifikat von {body}.",
        "details_heading": "Die Angaben des Zertifikats",
        "compare_note": "Ein echtes Zertifikat trägt genau diese Angaben: Vergleichen Sie sie mit dem Exemplar, das Ihnen vorgelegt wurde.",
        "field_number": "Zertifikatsnummer",
        "field_cluster": "Cluster",
        "field_country": "Land",
        "field_sector": "Branche",
        "field_label": "Label",
        "field_assessed": "Monat der Bewertung",
        "field_issued": "Ausstellungsdatum",
        "field_valid_until": "Gültig bis",
        "field_state": "Status",
        "field_website": "Website",
        "open_newer": "Das neuere Zertifikat {number} öffnen",
        "verify_heading": "Prüfcode prüfen",
        "code_label": "Prüfcode",
        "code_hint": "Auf dem Zertifikat neben seiner Nummer gedruckt. Groß- und Kleinschreibung, Leerzeichen und Bindestriche spielen keine Rolle.",
        "check": "Prüfen",
        "needs_js_code": "Die Prüfung eines Codes braucht JavaScript.",
        "privacy_note": "Diese Seite enthält nicht den Code selbst, nur einen Fingerabdruck davon: Der eingegebene Code wird in Ihrem Browser geprüft und nirgendwohin gesendet.",
        "result_valid_title": "Gültig: Der Code stimmt",
        "result_valid": "Der Code stimmt: Dieses Zertifikat ist gültig bis {date}.",
        "result_expired_title": "Abgelaufen: nicht mehr gültig",
        "result_expired": "Der Code stimmt, aber dieses Zertifikat ist abgelaufen: Es war gültig bis {date}.",
        "result_superseded_title": "Durch ein neueres Zertifikat ersetzt",
        "result_superseded": "Der Code stimmt, aber dieses Zertifikat wurde durch das neuere Zertifikat {number} ersetzt.",
        "result_withdrawn_title": "Entzogen: nicht gültig",
        "result_withdrawn": "Der Code stimmt, aber dieses Zertifikat wurde am {date} entzogen: {reason}",
        "result_wrong_title": "Der Code stimmt nicht",
        "result_wrong": "Das ist nicht der Code dieses Zertifikats. Prüfen Sie, ob er wie gedruckt eingegeben wurde; stimmt er dann immer noch nicht, ist das Ihnen vorgelegte Zertifikat nicht echt.",
        "result_empty": "Geben Sie den auf dem Zertifikat gedruckten Prüfcode ein.",
        "date_long": "{day}. {month} {year}",
        "date_short": "{day}. {month} {year}",
        "month_year": "{month} {year}",
    },
}

# the columns of the downloads, with their headings (the English of the site's words)
COLUMNS = (
    ("number", "Number"),
    ("cluster", "Cluster"),
    ("country", "Country code"),
    ("country_name", "Country"),
    ("sector", "Sector"),
    ("label", "Label"),
    ("valid_until", "Valid until"),
    ("state", "State"),
    ("superseded_by", "Superseded by"),
    ("withdrawn_on", "Withdrawn on"),
    ("withdrawn_reason", "Reason of withdrawal"),
    ("assessed", "Month of assessment"),
    ("issued_on", "Date of issue"),
    ("website", "Website"),
    ("page", "Verification page"),
)
_DATE_COLUMNS = ("valid_until", "withdrawn_on", "issued_on")
_SAFE_PAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\.html$")


@dataclass
class Published:
    """What `publish_site` wrote."""

    directory: Path
    on: dt.date
    valid: int = 0  # labels valid on the day
    others: int = 0  # expired, superseded or withdrawn, still listed with their state
    files: list[str] = field(default_factory=list)  # written, relative to the directory
    public_url: str = ""

    @property
    def pages(self) -> int:
        return sum(1 for f in self.files if f.endswith(".html") and f != "index.html")

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "on": self.on.isoformat(),
            "valid": self.valid,
            "others": self.others,
            "pages": self.pages,
            "files": self.files,
            "public_url": self.public_url,
        }


# --- what the public sees of a certificate ------------------------------------------------


def _website(text: str) -> str:
    """A cluster's website as a link target: http(s) only; 'www.example.org' gets https://;
    anything else (a javascript: address, a sentence) is no link at all."""
    text = text.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return ""
    if not re.match(r"^https?://", text, re.IGNORECASE):
        if ":" in text.split("/")[0] or "." not in text.split("/")[0]:
            return ""
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def _website_text(href: str) -> str:
    """A website as shown: its host, without 'www.'."""
    host = (urlsplit(href).hostname or "") if href else ""
    return host.removeprefix("www.")


def _row(item: Listed) -> dict[str, Any]:
    e = item.entry
    path = page_path(e.reference)
    if not _SAFE_PAGE.match(path):
        raise RegisterError(
            f"the certificate number '{e.reference}' cannot name a web page (letters, digits, '-', '.' and '_' "
            "only); nothing was published."
        )
    website = _website(e.website)
    return {
        "number": e.reference,
        "page": path,
        "cluster": e.name,
        "country": e.country,
        "sector": e.sector,
        "label": e.label,
        "label_name": e.label_name,
        "label_names": dict(e.label_names),  # the name in each language: the page's language is shown
        "sectors": dict(e.sectors),
        "label_rank": e.label_rank,
        "assessed": e.assessed,
        "issued_on": e.issued_on,
        "valid_until": e.valid_until,
        "state": item.state,
        "superseded_by": item.superseded_by,
        "superseded_page": page_path(item.superseded_by) if item.superseded_by else None,
        "withdrawn_on": e.withdrawn_on if item.state == WITHDRAWN else None,
        "withdrawn_reason": e.withdrawn_reason if item.state == WITHDRAWN else None,
        "website": website,
        "website_text": _website_text(website),
    }


def _ordered(items: list[Listed]) -> list[Listed]:
    """Valid labels first, then the others; each by country, name and number."""
    return sorted(
        items,
        key=lambda i: (i.state != VALID, i.entry.country, i.entry.name.casefold(), i.entry.number),
    )


def _countries(codes: set[str]) -> dict[str, dict[str, str]]:
    return {code: {lang: country_name(code, lang) for lang in LANGUAGES} for code in sorted(codes)}


# --- words, dates and escaping -------------------------------------------------------------


@lru_cache(maxsize=8)
def _months(lang: str) -> dict[str, list[str]]:
    from babel import Locale

    months = Locale.parse(lang).months
    return {
        "wide": [months["format"]["wide"][n] for n in range(1, 13)],
        "abbreviated": [months["format"]["abbreviated"][n] for n in range(1, 13)],
        "standalone": [months["stand-alone"]["wide"][n] for n in range(1, 13)],
    }


def _date_text(iso: str, lang: str, *, short: bool = False) -> str:
    """A date as the site writes it (the same as site.js): 30 November 2028, 30. Nov. 2028."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    month = _months(lang)["abbreviated" if short else "wide"][day.month - 1]
    pattern = SITE_TEXTS[lang]["date_short" if short else "date_long"]
    return pattern.format(day=day.day, month=month, year=day.year)


def _month_text(month: str, lang: str) -> str:
    try:
        year, number = (int(part) for part in month.split("-"))
        name = _months(lang)["standalone"][number - 1]
    except (ValueError, IndexError):
        return month
    return SITE_TEXTS[lang]["month_year"].format(month=name, year=year)


def _fill(key: str, args: dict[str, str], lang: str = "en") -> str:
    """A sentence of the table with its values (as site.js fills it: a value whose name ends
    in 'date' is written as a date)."""
    values = {k: _date_text(v, lang) if k.endswith("date") else v for k, v in args.items()}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), SITE_TEXTS[lang][key])


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '</script>', no '<!--', no ']]>' can appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _t(key: str, args: dict[str, str] | None = None, tag: str = "span", attrs: str = "") -> str:
    """An element whose words come from the table: English here, the reader's language in
    the browser (site.js fills `data-t` with `data-args`)."""
    extra = f" data-args='{_e(json.dumps(args, ensure_ascii=False))}'" if args else ""
    return f'<{tag} data-t="{key}"{extra}{attrs}>{_e(_fill(key, args or {}))}</{tag}>'


def _texts_script() -> str:
    data = {
        "languages": list(LANGUAGES),
        "texts": SITE_TEXTS,
        "months": {lang: _months(lang) for lang in LANGUAGES},
    }
    return (
        "/* The words of the public site, written by `excelcert register publish` from SITE_TEXTS\n"
        "   (excelcert/register/publish.py): edit them there, not here. */\n"
        f"window.EXCELCERT_SITE = {script_json(data)};\n"
    )


# --- pages ------------------------------------------------------------------------------------

_CSP = (
    "default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file: data:; "
    "base-uri 'none'; form-action 'none'"
)


def _page(*, root: str, kind: str, title: str, body: str, data: dict[str, Any], register: Register) -> str:
    current = ' aria-current="true"'
    languages = " ".join(
        f'<a href="?lang={lang}" data-lang="{lang}" lang="{lang}" hreflang="{lang}"{current if lang == "en" else ""}>'
        f"{_e(SITE_TEXTS[lang]['language_name'])}</a>"
        for lang in LANGUAGES
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="referrer" content="no-referrer">
<title>{_e(title)}</title>
<link rel="stylesheet" href="{root}{ASSETS}/site.css">
</head>
<body data-page="{kind}">
<header class="top">
<div class="wrap top-row">
<a class="brand" href="{root}index.html" data-internal><span class="mark" aria-hidden="true"></span><span class="brand-text"><span class="brand-name">{_e(register.name)}</span>{_t("site_title", tag="span", attrs=' class="brand-sub"')}</span></a>
<nav class="langs" aria-label="{_e(SITE_TEXTS["en"]["language"])}" data-t-aria="language">{languages}</nav>
</div>
</header>
<main class="wrap">
{body}
</main>
<footer class="foot">
<div class="wrap">
{_t("as_of", {"date": data["on"]}, tag="p")}
{_t("footer", {"name": register.name}, tag="p")}
</div>
</footer>
<script type="application/json" id="site-data">{script_json(data)}</script>
<script src="{root}{ASSETS}/{TEXTS_SCRIPT}"></script>
<script src="{root}{ASSETS}/site.js"></script>
</body>
</html>
"""


_LIST_COLUMNS = (
    ("number", "col_number"),
    ("cluster", "col_cluster"),
    ("country", "col_country"),
    ("sector", "col_sector"),
    ("label", "col_label"),
    ("valid_until", "col_valid_until"),
    ("website", "col_website"),
)


def _label_badge(row: dict[str, Any]) -> str:
    kind = re.sub(r"[^a-z0-9-]", "", str(row["label"]).casefold())[:20]
    return f'<span class="badge label-{kind}"{_names(row["label_names"], row["label_name"])}>{_e(row["label_name"])}</span>'


def _names(names: dict[str, str], default: str) -> str:
    """The attribute that gives an element's text in each language (the script shows the
    page's), the default under '*'; nothing when no language differs from the default."""
    if not any(text != default for text in names.values()):
        return ""
    return f" data-names='{_e(json.dumps({'*': default, **names}, ensure_ascii=False, sort_keys=True))}'"


def _sector(row: dict[str, Any]) -> str:
    return f"<span{_names(row['sectors'], row['sector'])}>{_e(row['sector'])}</span>" if row["sector"] else ""


def _state_text(row: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The key and values of a certificate's state, as one sentence."""
    state = row["state"]
    if state == SUPERSEDED:
        return "state_superseded_long", {"number": row["superseded_by"] or ""}
    if state == WITHDRAWN:
        return "state_withdrawn_long", {"date": row["withdrawn_on"] or "", "reason": row["withdrawn_reason"] or ""}
    if state == EXPIRED:
        return "state_expired_long", {"date": row["valid_until"]}
    return "state_valid_long", {"date": row["valid_until"]}


def _list_row(row: dict[str, Any], countries: dict[str, dict[str, str]], with_state: bool) -> str:
    site = (
        f'<a href="{_e(row["website"])}" rel="nofollow noopener" target="_blank">{_e(row["website_text"])}</a>'
        if row["website"]
        else ""
    )
    cells = [
        f'<a href="{_e(quote(row["page"]))}" data-internal>{_e(row["number"])}</a>',
        _e(row["cluster"]),
        _e(countries.get(row["country"], {}).get("en", row["country"])),
        _sector(row),
        _label_badge(row),
        _e(_date_text(row["valid_until"], "en", short=True)),
        site,
    ]
    columns = list(_LIST_COLUMNS)
    if with_state:
        key, args = _state_text(row)
        cells.append(f'<span class="state state-{row["state"]}">{_e(_fill(key, args))}</span>')
        columns.append(("state", "col_state"))
    return (
        "<tr>"
        + "".join(
            f'<td class="c-{key}" data-label="{_e(SITE_TEXTS["en"][text])}">{cell}</td>'
            for (key, text), cell in zip(columns, cells, strict=True)
        )
        + "</tr>"
    )


def _list_table(
    table_id: str, rows: list[dict[str, Any]], countries: dict[str, dict[str, str]], with_state: bool
) -> str:
    columns = [*_LIST_COLUMNS, *([("state", "col_state")] if with_state else [])]
    heads = "".join(
        f'<th scope="col" data-key="{key}"><button type="button" class="sort">'
        f'<span data-t="{text}">{_e(SITE_TEXTS["en"][text])}</span><span class="arrow" aria-hidden="true"></span>'
        "</button></th>"
        for key, text in columns
    )
    body = "\n".join(_list_row(row, countries, with_state) for row in rows)
    return (
        f'<div class="table-wrap"{"" if rows else " hidden"}><table class="labels" id="{table_id}">'
        f"<thead><tr>{heads}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>"
    )


def _index_page(register: Register, data: dict[str, Any]) -> str:
    rows = data["certificates"]
    valid = [r for r in rows if r["state"] == VALID]
    others = [r for r in rows if r["state"] != VALID]
    countries = data["countries"]
    downloads = "".join(
        f'<li><a href="{name}" download>{_t("download_" + name.rsplit(".", 1)[1])}</a> '
        f'<span class="file">{name}</span></li>'
        for name in DOWNLOADS
    )
    body = f"""<h1 data-t="site_title">{_e(SITE_TEXTS["en"]["site_title"])}</h1>
{_t("list_intro", {"name": register.name, "date": data["on"]}, tag="p", attrs=' class="lead"')}
<noscript><p class="notice">{_e(SITE_TEXTS["en"]["needs_js_list"])}</p></noscript>
<form class="controls js-only" id="controls" role="search" autocomplete="off">
<label class="control search"><span data-t="search">{_e(SITE_TEXTS["en"]["search"])}</span>
<input type="search" id="q" data-t-placeholder="search_placeholder" placeholder="{_e(SITE_TEXTS["en"]["search_placeholder"])}"></label>
<label class="control"><span data-t="filter_label">{_e(SITE_TEXTS["en"]["filter_label"])}</span><select id="f-label"></select></label>
<label class="control"><span data-t="filter_country">{_e(SITE_TEXTS["en"]["filter_country"])}</span><select id="f-country"></select></label>
<label class="control"><span data-t="filter_sector">{_e(SITE_TEXTS["en"]["filter_sector"])}</span><select id="f-sector"></select></label>
</form>
<section class="block" id="valid">
<div class="block-head"><h2 data-t="valid_heading">{_e(SITE_TEXTS["en"]["valid_heading"])}</h2><p class="count" id="valid-count" aria-live="polite"></p></div>
{_list_table("valid-table", valid, countries, with_state=False)}
<p class="empty" id="valid-empty"{"" if not valid else " hidden"} data-t="{"none_listed" if not valid else "no_match"}">{_e(SITE_TEXTS["en"]["none_listed" if not valid else "no_match"])}</p>
</section>
<section class="block others" id="others"{"" if others else " hidden"}>
<div class="block-head"><h2 data-t="others_heading">{_e(SITE_TEXTS["en"]["others_heading"])}</h2><p class="count" id="others-count" aria-live="polite"></p></div>
{_t("others_intro", tag="p", attrs=' class="muted"')}
{_list_table("others-table", others, countries, with_state=True)}
<p class="empty" id="others-empty" hidden data-t="no_match">{_e(SITE_TEXTS["en"]["no_match"])}</p>
</section>
<section class="block downloads">
<h2 data-t="downloads">{_e(SITE_TEXTS["en"]["downloads"])}</h2>
<ul>{downloads}</ul>
</section>"""
    return _page(
        root="",
        kind="list",
        title=f"{register.name}: {SITE_TEXTS['en']['site_title']}",
        body=body,
        data=data,
        register=register,
    )


def _certificate_page(register: Register, row: dict[str, Any], digest: str, on: str, country: dict[str, str]) -> str:
    key, args = _state_text(row)
    website = (
        f'<a href="{_e(row["website"])}" rel="nofollow noopener" target="_blank">{_e(row["website_text"])}</a>'
        if row["website"]
        else ""
    )
    newer = (
        f'<p class="newer"><a href="../{_e(quote(row["superseded_page"]))}" data-internal>'
        f"{_t('open_newer', {'number': row['superseded_by']})}</a></p>"
        if row["superseded_page"]
        else ""
    )
    details = [
        ("field_number", f'<span class="mono">{_e(row["number"])}</span>'),
        ("field_cluster", f"<strong>{_e(row['cluster'])}</strong>"),
        ("field_country", f'<span data-country="{_e(row["country"])}">{_e(country.get("en", row["country"]))}</span>'),
        ("field_sector", _sector(row)),
        ("field_label", _label_badge(row)),
        ("field_assessed", f'<span data-month="{_e(row["assessed"])}">{_e(_month_text(row["assessed"], "en"))}</span>'),
        ("field_issued", f'<span data-date="{_e(row["issued_on"])}">{_e(_date_text(row["issued_on"], "en"))}</span>'),
        (
            "field_valid_until",
            f'<span data-date="{_e(row["valid_until"])}">{_e(_date_text(row["valid_until"], "en"))}</span>',
        ),
        ("field_state", f'<span class="state state-{row["state"]}" id="state-text">{_e(_fill(key, args))}</span>'),
        *([("field_website", website)] if website else []),
    ]
    dl = "\n".join(
        f'<div class="field"><dt data-t="{k}">{_e(SITE_TEXTS["en"][k])}</dt><dd>{v}</dd></div>' for k, v in details
    )
    data = {
        "on": on,
        "certificate": {k: v for k, v in row.items() if k not in ("website", "website_text")},
        "register": register.name,
        "digest": digest,
        "rounds": CODE_ROUNDS,
        "countries": {row["country"]: country},
    }
    body = f"""<p class="crumb"><a href="../index.html" data-internal>&larr; {_t("back_to_list")}</a></p>
<div class="cert-head">
<h1><span data-t="certificate">{_e(SITE_TEXTS["en"]["certificate"])}</span> <span class="mono ref">{_e(row["number"])}</span></h1>
<p class="cert-name">{_e(row["cluster"])}</p>
<div class="result" id="result" role="status" aria-live="polite" hidden><p class="result-title" id="result-title"></p><p class="result-text" id="result-text"></p></div>
<div class="status status-{row["state"]}" id="status"><span class="status-word" data-t="state_{row["state"]}">{_e(SITE_TEXTS["en"]["state_" + row["state"]])}</span>
{_t(key, args, tag="span", attrs=' class="status-text"')}</div>
{newer}
</div>
<section class="card verify">
<h2 data-t="verify_heading">{_e(SITE_TEXTS["en"]["verify_heading"])}</h2>
<noscript><p class="notice">{_e(SITE_TEXTS["en"]["needs_js_code"])}</p></noscript>
<form id="verify" class="js-only" autocomplete="off" novalidate>
<label for="code" data-t="code_label">{_e(SITE_TEXTS["en"]["code_label"])}</label>
<div class="code-row"><input id="code" name="code" type="text" inputmode="text" autocapitalize="characters" autocorrect="off" spellcheck="false" maxlength="64" placeholder="XXXXX-XXXXX">
<button type="submit" data-t="check">{_e(SITE_TEXTS["en"]["check"])}</button></div>
{_t("code_hint", tag="p", attrs=' class="hint"')}
</form>
{_t("privacy_note", tag="p", attrs=' class="muted small"')}
</section>
<section class="card">
<h2 data-t="details_heading">{_e(SITE_TEXTS["en"]["details_heading"])}</h2>
<dl class="details">
{dl}
</dl>
{_t("compare_note", tag="p", attrs=' class="muted small"')}
</section>"""
    return _page(
        root="../",
        kind="certificate",
        title=f"{SITE_TEXTS['en']['certificate']} {row['number']}: {row['cluster']} ({register.name})",
        body=body,
        data=data,
        register=register,
    )


# --- the downloads ----------------------------------------------------------------------------


def _export_rows(
    rows: list[dict[str, Any]], countries: dict[str, dict[str, str]], public_url: str
) -> Iterator[list[str]]:
    base = public_url.strip().rstrip("/")
    for row in rows:
        values = {
            **row,
            "label": row["label_name"],
            "country_name": countries.get(row["country"], {}).get("en", row["country"]),
            "page": f"{base}/{row['page']}" if base else row["page"],
        }
        yield ["" if values.get(key) is None else str(values[key]) for key, _ in COLUMNS]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([heading for _, heading in COLUMNS])
        writer.writerows([[csv_safe(v) for v in row] for row in rows])


def _write_xlsx(path: Path, rows: list[list[str]], title: str) -> None:
    book = new_book(path)
    try:
        head = book.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "valign": "top"})
        date = book.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        ws = book.add_worksheet("labels")
        widths = {"cluster": 36, "country_name": 16, "sector": 20, "withdrawn_reason": 36, "website": 30, "page": 30}
        for c, (key, heading) in enumerate(COLUMNS):
            ws.set_column(c, c, widths.get(key, 14))
            ws.write_string(0, c, heading, head)
        for r, row in enumerate(rows, start=1):
            for c, ((key, _), value) in enumerate(zip(COLUMNS, row, strict=True)):
                if key in _DATE_COLUMNS and value:
                    ws.write_datetime(r, c, dt.datetime.fromisoformat(value), date)
                else:
                    ws.write_string(r, c, value)
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
        print_setup(ws, title)
    finally:
        book.close()


# --- the stage --------------------------------------------------------------------------------


def _check_directory(directory: Path, register: Register) -> None:
    """Refuse a folder whose upload would publish what must stay private: the register's own
    (its database holds every verification code), one above it, or any folder holding a
    register or a campaign."""
    if directory.exists() and not directory.is_dir():
        raise RegisterError(f"{directory} is a file, not a folder: give the folder to publish the site in.")
    target = directory.resolve()
    root = register.root.resolve()
    if target == root or target in root.parents:
        raise RegisterError(
            f"{directory} holds the register itself ({root / DATABASE_NAME}, with every verification code): "
            "the site is uploaded as a whole, so publish it into a folder of its own, "
            f"for example {root / 'public'}."
        )
    private = (CONFIG_NAME, DATABASE_NAME, "campaign.yaml", "campaign.key", "ledger.sqlite")
    if target.is_dir():
        for name in private:
            found = next(iter(target.rglob(name)), None)  # in the folder or any folder below it
            if found is not None:
                raise RegisterError(
                    f"{directory} holds {found.relative_to(target)}: a register's or a campaign's folder is not a "
                    "public site. Publish into a folder of its own."
                )


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8", newline="\n")


def publish_site(register: Register, entries: list[Entry], directory: Path, day: dt.date) -> Published:
    """Write the public site of `register` as it stands on `day` into `directory`: the list,
    a verification page per certificate issued by then, the downloads and the assets. Each
    file is written whole or not at all; the site's own files are replaced, others left."""
    _check_directory(directory, register)
    listed = _ordered(states_on(entries, day))
    rows = [_row(item) for item in listed]
    countries = _countries({r["country"] for r in rows})
    on = day.isoformat()
    data = {"register": register.name, "on": on, "countries": countries, "certificates": rows}
    result = Published(directory, day, public_url=register.public_url)
    result.valid = sum(1 for r in rows if r["state"] == VALID)
    result.others = len(rows) - result.valid

    def write(relative: str, text: str) -> None:
        _write_text(directory / relative, text)
        result.files.append(relative)

    site = resources.files("excelcert") / "data" / "site"
    for name in STATIC_ASSETS:
        write(f"{ASSETS}/{name}", site.joinpath(name).read_text(encoding="utf-8"))
    write(f"{ASSETS}/{TEXTS_SCRIPT}", _texts_script())
    for item, row in zip(listed, rows, strict=True):
        digest = code_digest(item.entry.reference, item.entry.code)
        write(row["page"], _certificate_page(register, row, digest, on, countries.get(row["country"], {})))
    write("index.html", _index_page(register, data))
    export = list(_export_rows(rows, countries, register.public_url))
    with atomic_path(directory / "labels.csv") as temp:
        _write_csv(temp, export)
    with atomic_path(directory / "labels.xlsx") as temp:
        _write_xlsx(temp, export, f"{register.name}: labels on {on}")
    result.files += ["labels.csv", "labels.xlsx"]
    write("labels.json", json.dumps({**data, "public_url": register.public_url}, ensure_ascii=False, indent=2) + "\n")
    return result
