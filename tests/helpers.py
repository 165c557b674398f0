"""Test helpers: small schemes written inline, turned into real files when needed."""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from excelcert.base.problems import Report, problem
from excelcert.scheme import CheckResult, check_scheme, check_scheme_text

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "foreign"

MINI_YAML = """\
settings:
  id: mini
  version: '1'
  title: {en: Mini scheme, fr: Mini référentiel}
  languages: [en, fr]
  default_language: en
  max_points: 12
categories:
- id: STR
  order: 1
  name: {en: Structure, fr: Structure}
- id: FIN
  order: 2
  name: {en: Financing, fr: Financement}
topics:
- id: T1
  kind: training
  title: {en: Strategy, fr: Stratégie}
indicators:
- id: STR-01
  category: STR
  type: integer
  min: 0
  max: 1000
  eligibility: true
  met: {min: 15}
  tolerance: 2
  topics: [T1]
  scoring:
    bands:
    - {from: 15, points: 2}
    - {from: 50, points: 5}
  name: {en: Committed participants, fr: Membres engagés}
  question: {en: 'How many committed participants?', fr: "Combien de membres engagés ?"}
- id: FIN-01
  category: FIN
  type: select_one
  list: strategy
  met: {choices: [adopted]}
  scoring:
    choices: {none: 0, draft: 2, adopted: 4}
  name: {en: Strategy, fr: Stratégie}
  question: {en: 'Is there a strategy?', fr: "Y a-t-il une stratégie ?"}
- id: FIN-02
  category: FIN
  type: yes_no
  met: {choices: ['yes']}
  scoring:
    choices: {'yes': 3, 'no': 0}
  name: {en: Action plan, fr: "Plan d'action"}
  question: {en: 'Is there an action plan?', fr: "Y a-t-il un plan d'action ?"}
choices:
  strategy:
  - value: none
    label: {en: No strategy, fr: Pas de stratégie}
  - value: draft
    label: {en: A draft, fr: Un projet}
  - value: adopted
    label: {en: Adopted, fr: Adoptée}
labels:
- {id: bronze, order: 1, name: {en: Bronze, fr: Bronze}, min_percent: 0, must_meet: []}
- {id: silver, order: 2, name: {en: Silver, fr: Argent}, min_percent: 50, must_meet: []}
- {id: gold, order: 3, name: {en: Gold, fr: Or}, min_percent: 80, must_meet: [FIN-01]}
"""

# The same mini scheme as the secretariat sees it in the workbook form.
MINI_TABLES = {
    "settings": """
        | id   | version | title::en   | title::fr        | languages | default_language | max_points |
        | mini | '1      | Mini scheme | Mini référentiel | en fr     | en               | 12         |
    """,
    "categories": """
        | id  | order | name::en  | name::fr    |
        | STR | 1     | Structure | Structure   |
        | FIN | 2     | Financing | Financement |
    """,
    "topics": """
        | id | kind     | title::en | title::fr |
        | T1 | training | Strategy  | Stratégie |
    """,
    "indicators": """
        | id     | category | name::en               | name::fr        | question::en                     | question::fr                | type       | list     | min | max  | eligibility | met_min | met_choices | tolerance | topics |
        | STR-01 | STR      | Committed participants | Membres engagés | How many committed participants? | Combien de membres engagés ? | integer    |          | 0   | 1000 | yes         | 15      |             | 2         | T1     |
        | FIN-01 | FIN      | Strategy               | Stratégie       | Is there a strategy?             | Y a-t-il une stratégie ?    | select_one | strategy |     |      |             |         | adopted     |           |        |
        | FIN-02 | FIN      | Action plan            | Plan d'action   | Is there an action plan?         | Y a-t-il un plan d'action ? | yes_no     |          |     |      |             |         | yes         |           |        |
    """,
    "scoring": """
        | indicator | from | choice  | points |
        | STR-01    | 15   |         | 2      |
        | STR-01    | 50   |         | 5      |
        | FIN-01    |      | none    | 0      |
        | FIN-01    |      | draft   | 2      |
        | FIN-01    |      | adopted | 4      |
        | FIN-02    |      | yes     | 3      |
        | FIN-02    |      | no      | 0      |
    """,
    "choices": """
        | list_name | value   | label::en   | label::fr         |
        | strategy  | none    | No strategy | Pas de stratégie  |
        | strategy  | draft   | A draft     | Un projet         |
        | strategy  | adopted | Adopted     | Adoptée           |
    """,
    "labels": """
        | id     | order | name::en | name::fr | min_percent | eligibility | reviewed | must_meet |
        | bronze | 1     | Bronze   | Bronze   | 0           | yes         | yes      |           |
        | silver | 2     | Silver   | Argent   | 50          | yes         | yes      |           |
        | gold   | 3     | Gold     | Or       | 80          | yes         | yes      | FIN-01    |
    """,
}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_table(text: str) -> list[list[Any]]:
    """A markdown-style table -> rows of cell values, typed as Excel would type them.

    Numbers become numbers; a leading apostrophe keeps text ('1 stays the text "1"),
    as in Excel; an empty cell is None.
    """
    rows = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = []
        for raw in line.strip("|").split("|"):
            raw = raw.strip()
            if raw == "":
                cells.append(None)
            elif raw.startswith("'"):
                cells.append(raw[1:])
            elif _NUMBER.match(raw):
                cells.append(float(raw) if "." in raw else int(raw))
            else:
                cells.append(raw)
        rows.append(cells)
    return rows


def write_workbook(path: Path, tables: dict[str, str | list[list[Any]]]) -> Path:
    """Write sheets given as markdown tables (or rows) into a real .xlsx with openpyxl."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in tables.items():
        sheet = book.create_sheet(name)
        for row in parse_table(table) if isinstance(table, str) else table:
            sheet.append(row)
    book.save(path)
    return path


def mini_workbook(tmp_path: Path, name: str = "scheme.xlsx", **changes: str) -> Path:
    """The mini scheme as a workbook, with some sheets replaced (or removed with None)."""
    tables = {k: v for k, v in {**MINI_TABLES, **changes}.items() if v is not None}
    return write_workbook(tmp_path / name, tables)


def mini_data() -> dict[str, Any]:
    return yaml.safe_load(MINI_YAML)


def check_data(data: dict[str, Any]) -> CheckResult:
    """Check a scheme given as data, via its YAML text (so places are YAML paths)."""
    return check_scheme_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def check_mutated(mutate: Callable[[dict[str, Any]], Any]) -> CheckResult:
    data = copy.deepcopy(mini_data())
    mutate(data)
    return check_data(data)


def indicator(data: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["id"] == iid)


def find(report: Report, code: str) -> list:
    return [p for p in report if p.code == code]


def assert_problem(report: Report, code: str, place: str, **fields: Any) -> None:
    """Exactly one `code` problem at `place`; with fields, its message is the catalogue's."""
    found = [p for p in report if p.code == code and str(p.place).split(" (line")[0] == place]
    assert len(found) == 1, f"expected one {code} at {place}, got:\n" + "\n".join(
        f"  {p.code} @ {p.place}: {p.message}" for p in report
    )
    if fields:
        assert found[0].message == problem(code, **fields).message


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")


def writer_installed() -> bool:
    """LibreOffice Writer, not only Calc: its library sits in soffice's program folder."""
    program = soffice()
    return program is not None and (Path(program).resolve().parent / "libswlo.so").exists()


needs_writer = pytest.mark.skipif(not writer_installed(), reason="LibreOffice Writer is not installed")


def check_file(path: Path) -> CheckResult:
    return check_scheme(path)


_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice_resave(
    path: Path, out_dir: Path, *, recalculate: bool = False, target: str = "xlsx:Calc MS Excel 2007 XML"
) -> Path:
    """Open `path` in LibreOffice Calc and save it again, as a cluster's office suite does.

    With `recalculate`, LibreOffice recalculates every formula on loading (as Excel does
    when a user presses F9), so cached values can be compared with its own results.
    """
    import subprocess

    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    if recalculate:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    result = out_dir / (path.stem + "." + target.split(":")[0])
    assert result.exists(), f"LibreOffice wrote nothing for {path}"
    return result


def libreoffice_pdf(paths: list[Path], out_dir: Path) -> list[Path]:
    """The documents at `paths` printed to PDF by LibreOffice (a profile of its own in
    `out_dir`), as `out_dir/<stem>.pdf`, in the order given."""
    import subprocess

    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={(out_dir / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return [out_dir / f"{path.stem}.pdf" for path in paths]


def set_saved_at(path: Path, when) -> Path:
    """Set the workbook's 'last saved' time (docProps/core.xml), as an office suite does on saving."""
    import re as _re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
                data = _re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            archive.writestr(info, data)
    return path


def libreoffice_convert(paths: list[Path], out_dir: Path, target: str) -> list[Path]:
    """The files at `paths` saved by LibreOffice Calc as `target` (`ods`, `xls`, or a
    `format:filter`), in one run of soffice: `out_dir/<stem>.<format>`, in the order given."""
    import subprocess

    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={(out_dir / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    out = [out_dir / f"{path.stem}.{target.split(':')[0]}" for path in paths]
    assert all(p.exists() for p in out), f"LibreOffice wrote only {sorted(p.name for p in out_dir.iterdir())}"
    return out
