"""The demo's clusters filling in their workbooks, the way real clusters do.

A strong, an average and a weak cluster; one that stops half way; one that types its
numbers as text; one that edits its cluster id on the hidden sheet; one whose workbook is
re-saved by LibreOffice (when it is installed). Answers are typed into the answer cells,
found by indicator id, with openpyxl: the way an office suite writes them, not the way
excelcert generates them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from excelcert.base.contract import META_SHEET
from excelcert.scheme.model import PERCENT, SELECT_MULTIPLE, YES_NO, Indicator, Scheme

STRONG = {
    "STR-01": 160,
    "STR-02": 6,
    "STR-03": 72,
    "STR-04": 12,
    "STR-05": 85,
    "STR-06": 12,
    "GOV-01": 5.5,
    "GOV-02": 10,
    "GOV-03": "plan",
    "GOV-04": 10,
    "GOV-05": "board",
    "GOV-06": "yes",
    "GOV-07": ["newsletter", "portal", "meetings", "assembly"],
    "FIN-01": 520000,
    "FIN-02": 52,
    "FIN-03": 36,
    "FIN-04": 4,
    "FIN-05": "audited",
    "SRV-01": "adopted",
    "SRV-02": "yes",
    "SRV-03": "reported",
    "SRV-04": ["networking", "projects", "international", "finance", "skills"],
    "SRV-05": 78,
    "SRV-06": 14,
    "SRV-07": 4,
    "SRV-08": "yes",
    "ACH-01": "followed",
    "ACH-02": 91,
    "ACH-03": 12,
    "ACH-04": 6,
    "ACH-05": "european",
}
AVERAGE = {
    "STR-01": 75,
    "STR-02": 4,
    "STR-03": 52.5,
    "STR-04": 3,
    "STR-05": 81,
    "STR-06": -3,
    "GOV-01": 2.5,
    "GOV-02": 9,
    "GOV-03": "plan",
    "GOV-04": 14,
    "GOV-05": "board",
    "GOV-06": "yes",
    "GOV-07": ["newsletter", "meetings"],
    "FIN-01": 260000,
    "FIN-02": 45,
    "FIN-03": 24,
    "FIN-04": 3,
    "FIN-05": "audited",
    "SRV-01": "adopted",
    "SRV-02": "no",
    "SRV-03": "reported",
    "SRV-04": ["projects", "skills", "finance"],
    "SRV-05": 70,
    "SRV-06": 12,
    "SRV-07": 2,
    "SRV-08": "yes",
    "ACH-01": "followed",
    "ACH-02": 88,
    "ACH-03": 6,
    "ACH-04": 5,
    "ACH-05": "national",
}
WEAK = {
    "STR-01": 18,
    "STR-02": 2,
    "STR-03": 25,
    "STR-04": 1,
    "STR-05": 45,
    "STR-06": -5,
    "GOV-01": 0.6,
    "GOV-02": 2,
    "GOV-03": "none",
    "GOV-04": 40,
    "GOV-05": "advisory",
    "GOV-06": "no",
    "GOV-07": ["newsletter"],
    "FIN-01": 60000,
    "FIN-02": 8,
    "FIN-03": 6,
    "FIN-04": 1,
    "FIN-05": "annual",
    "SRV-01": "draft",
    "SRV-02": "no",
    "SRV-03": "defined",
    "SRV-04": ["networking"],
    "SRV-05": 30,
    "SRV-06": 1,
    "SRV-07": 0,
    "SRV-08": "yes",
    "ACH-01": "none",
    "ACH-03": 1,
    "ACH-04": 0,
    "ACH-05": "none",
}
HALF_WAY = {k: v for k, v in AVERAGE.items() if k.startswith(("STR", "GOV"))}
AS_TEXT = {
    "STR-01": "1 234",
    "STR-03": "45 %",
    "GOV-01": "0,5",
    "GOV-06": "oui",
    "FIN-01": "€ 180 000",
    "FIN-02": "0,3",
}

# cluster id -> how it answers; clusters not named here do not return their workbook
RETURNS: dict[str, tuple[str, dict[str, Any]]] = {
    "DE-AUTO-01": ("strong", STRONG),
    "FR-AERO-01": ("average", AVERAGE),
    "AT-WOOD-01": ("weak", WEAK),
    "BE-BIO-01": ("stops half way", HALF_WAY),
    "ES-AGRI-01": ("types numbers as text", {**AVERAGE, **AS_TEXT}),
    "NO-OCEAN-01": ("edits its cluster id", AVERAGE),
    "HR-ICT-01": ("re-saves in LibreOffice", STRONG),
}


def fill_in(path: Path, scheme: Scheme, answers: dict[str, Any], lang: str) -> None:
    """Type `answers` into the workbook's answer cells, as a cluster does."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            key = row[0].value
            if not isinstance(key, str):
                continue
            indicator_id, _, choice = key.partition("/")
            if indicator_id not in answers or len(row) < 5:
                continue
            ind = scheme.indicator(indicator_id)
            row[4].value = _typed(scheme, ind, answers[indicator_id], lang, choice)
    book.save(path)


def _typed(scheme: Scheme, ind: Indicator, value: Any, lang: str, choice: str) -> Any:
    if isinstance(value, str) and ind.is_numeric:
        return value  # typed as text on purpose
    if ind.type == SELECT_MULTIPLE:
        yes, no = scheme.choice_list(YES_NO).choices[:2]
        return scheme.text((yes if choice in value else no).label, lang) if choice else None
    if ind.is_choice:
        chosen = [c for c in scheme.choice_list_of(ind).choices if c.value == value]
        return scheme.text(chosen[0].label, lang) if chosen else value  # else: typed in its own words
    if ind.type == PERCENT:
        return value / 100  # the cell is formatted as a percentage
    return value


def edit_cluster_id(path: Path, new_id: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)
    for row in book[META_SHEET].iter_rows():
        if row[0].value == "cluster_id":
            row[1].value = new_id
    book.save(path)


def resave_with_libreoffice(path: Path) -> bool:
    """Re-save as LibreOffice Calc does; False when LibreOffice is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        try:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML",
                    "--outdir",
                    tmp,
                    str(path),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except (subprocess.SubprocessError, OSError):
            return False
        converted = Path(tmp, path.name)
        if not converted.exists():
            return False
        shutil.copyfile(converted, path)
    return True


def make_returns(
    workbooks: dict[str, Path],
    scheme: Scheme,
    languages: dict[str, str],
    inbox: Path,
    returns: dict[str, tuple[str, dict[str, Any]]] | None = None,
) -> list[str]:
    """Fill in copies of the clusters' workbooks into `inbox` (by default as RETURNS says);
    return what each cluster did."""
    inbox.mkdir(parents=True, exist_ok=True)
    done = []
    for cluster_id, (behaviour, answers) in (RETURNS if returns is None else returns).items():
        if cluster_id not in workbooks:
            continue
        path = inbox / workbooks[cluster_id].name
        shutil.copyfile(workbooks[cluster_id], path)
        fill_in(path, scheme, answers, languages[cluster_id])
        if behaviour == "edits its cluster id":
            edit_cluster_id(path, "DE-AUTO-01")
        if behaviour == "re-saves in LibreOffice" and not resave_with_libreoffice(path):
            behaviour = "would re-save in LibreOffice (not installed here)"
        done.append(f"{cluster_id} {behaviour}")
    return done
