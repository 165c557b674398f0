"""The public site (`register publish`): the files, no secret in them, the downloads, hostile
names kept as text; and, in a real browser (marked `browser`, skipped without chromium and
chromedriver), search, sorting, the language switch and the verification of codes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from excelcert.cli import cli
from excelcert.register import publish
from excelcert.register.config import Register, init_register
from excelcert.register.public import code_digest, page_path
from excelcert.register.publish import SITE_TEXTS, publish_site
from excelcert.register.rules import add_months, end_of_month, month_of
from excelcert.register.store import Draft, Entry, RegisterError, RegisterStore

# The browser checks validity against its own clock, so the dates follow today's.
ON = dt.date.today()
HOSTILE = "</script><script>alert(1)</script>"
HOSTILE_REASON = 'Misleading claims <!-- "quoted" & </script><b>bold</b>'


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _draft(cluster: str, name: str, label: str = "gold", **changes: object) -> Draft:
    issued = ON - dt.timedelta(days=40)
    base = Draft(
        cluster_id=cluster,
        name=name,
        country=cluster[:2],
        sector="Energy",
        website="https://www.example.org",
        contact_name="Secret Manager",
        email="secret.manager@example.org",
        language="en",
        club_consent=True,
        label=label,
        label_name=label.title(),
        label_rank={"gold": 3, "silver": 2, "bronze": 1}[label],
        scheme_id="s",
        scheme_version="1",
        campaign_id="c1",
        assessed=month_of(issued),
        issued_on=_iso(issued),
        valid_until=_iso(end_of_month(add_months(month_of(issued), 24))),
        continues=None,
        points=130.0,
        max_points=150.0,
    )
    return replace(base, **changes)


def _code(number: int) -> str:
    return f"K7Q{number:02d}-MWX{number:02d}"


def _enter(store: RegisterStore, draft: Draft) -> Entry:
    return store.enter(draft, lambda n: f"ECL-{ON.year}-{n:05d}", _code)


class Site:
    """A register with every kind of certificate, published on ON."""

    def __init__(self, root: Path):
        self.register = init_register(
            root / "reg", name="European Cluster Label Body", prefix="ECL", public_url="https://labels.example.org/"
        )
        long_ago = ON - dt.timedelta(days=900)
        with self.register.open() as store:
            self.gold = _enter(
                store,
                _draft(
                    "DE-AUTO",
                    "Automotive Cluster Baden-Württemberg",
                    label_names={"en": "Gold", "fr": "Or", "de": "Gold"},
                    sectors={"en": "Energy", "fr": "Énergie", "de": "Energie"},
                ),
            )
            self.silver = _enter(
                store,
                _draft(
                    "FR-ENE", "Pôle Énergie Île-de-France", "silver", sector="Énergie", website="www.pole-energie.fr"
                ),
            )
            self.hostile = _enter(
                store,
                _draft("IT-X", HOSTILE, "bronze", sector="=1+1", website="javascript:alert(1)", assessed="2026-01"),
            )
            self.expired = _enter(
                store,
                _draft(
                    "ES-OLD",
                    "Clúster Antiguo",
                    assessed=month_of(long_ago),
                    issued_on=_iso(long_ago),
                    valid_until=_iso(ON - dt.timedelta(days=60)),
                ),
            )
            self.older = _enter(
                store, _draft("NL-AGRI", "Agrifood Nederland", "bronze", issued_on=_iso(ON - dt.timedelta(days=300)))
            )
            self.newer = _enter(store, _draft("NL-AGRI", "Agrifood Nederland", "silver", campaign_id="c2"))
            withdrawn = _enter(store, _draft("PL-ICT", "ICT Cluster Polska"))
            self.withdrawn = store.withdraw(
                withdrawn.number, on=_iso(ON - dt.timedelta(days=5)), reason=HOSTILE_REASON, by="Label board"
            )
            self.future = _enter(store, _draft("SE-NEW", "Not Yet Issued", issued_on=_iso(ON + dt.timedelta(days=3))))
            self.entries = store.entries()
        self.dir = root / "site"
        self.result = publish_site(self.register, self.entries, self.dir, ON)

    def page(self, entry: Entry) -> Path:
        return self.dir / page_path(entry.reference)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("publish"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _parse(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _page_data(path: Path) -> Any:
    parsed = _parse(path)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    (index,) = [n for n, attrs in enumerate(scripts) if attrs.get("id") == "site-data"]
    return json.loads(parsed.scripts[index])


# --- the files --------------------------------------------------------------------------------


def test_the_site_has_a_list_a_page_per_certificate_issued_and_the_downloads(site):
    d = site.dir
    for name in ("index.html", "labels.csv", "labels.json", "labels.xlsx", "assets/site.css", "assets/site.js"):
        assert (d / name).is_file(), name
    assert (d / "assets" / "texts.js").is_file()
    issued = [e for e in site.entries if e.reference != site.future.reference]
    assert sorted(p.name for p in (d / "c").iterdir()) == sorted(f"{e.reference}.html" for e in issued)
    assert not site.page(site.future).exists()  # not issued on the day: not public yet
    summary = site.result.to_json()
    assert (summary["valid"], summary["others"], summary["pages"]) == (4, 3, 7)
    assert summary["on"] == ON.isoformat() and "index.html" in summary["files"]
    assert not list(d.rglob("*.tmp")) and all(not p.name.startswith("tmp") for p in d.rglob("*"))


def test_no_verification_code_and_no_contact_is_in_any_file(site):
    secrets = [_code(e.number) for e in site.entries]
    secrets += [s.replace("-", "") for s in secrets] + ["Secret Manager", "secret.manager@example.org"]
    for path in site.dir.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                text = "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
        else:
            text = path.read_text(encoding="utf-8-sig")
        for secret in secrets:
            assert secret.casefold() not in text.casefold(), (path, secret)
    # a page holds its code's digest, and only that
    data = _page_data(site.page(site.gold))
    assert data["digest"] == code_digest(site.gold.reference, site.gold.code)
    assert "code" not in data["certificate"]


def test_hostile_text_cannot_leave_the_json_nor_become_markup(site):
    for path in (site.dir / "index.html", site.page(site.hostile), site.page(site.withdrawn)):
        text = path.read_text(encoding="utf-8")
        assert HOSTILE not in text and "<script>alert" not in text
        assert "<!--" not in text and "<b>bold" not in text
        parsed = _parse(path)
        scripts = [a for tag, a in parsed.tags if tag == "script"]
        assert len(scripts) == 3  # the data, the words, the site's script: nothing injected
        assert all(tag != "b" for tag, _ in parsed.tags)
        hrefs = [a.get("href") or "" for _, a in parsed.tags]
        assert not any(h.strip().lower().startswith("javascript:") for h in hrefs)
    data = _page_data(site.dir / "index.html")
    by_number = {row["number"]: row for row in data["certificates"]}
    assert by_number[site.hostile.reference]["cluster"] == HOSTILE  # read back exactly
    assert by_number[site.hostile.reference]["website"] == ""  # javascript: is no link
    assert by_number[site.withdrawn.reference]["withdrawn_reason"] == HOSTILE_REASON
    assert by_number[site.silver.reference]["website"] == "https://www.pole-energie.fr"


def test_nothing_is_loaded_from_the_network(site):
    """Only the clusters' own websites are outside addresses, and only as links."""
    websites = {"https://www.example.org", "https://www.pole-energie.fr"}
    for path in site.dir.rglob("*.html"):
        for tag, attrs in _parse(path).tags:
            for name in ("src", "href", "action", "srcset", "poster", "data"):
                value = (attrs.get(name) or "").strip()
                if re.match(r"^([a-z][a-z0-9+.-]*:|//)", value, re.IGNORECASE):
                    assert tag == "a" and name == "href" and value in websites, (path.name, tag, value)
                    assert attrs.get("rel") == "nofollow noopener"
    css = (site.dir / "assets" / "site.css").read_text(encoding="utf-8")
    assert not re.search(r"https?:|@import|url\(|@font-face", css, re.IGNORECASE)
    for asset in ("site.js", "texts.js"):
        text = (site.dir / "assets" / asset).read_text(encoding="utf-8")
        network = r"https?://\w|fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(|new Image|\.src\s*="
        assert not re.search(network, text), asset


def test_the_csv_opens_in_excel_with_accents_and_no_formulas(site):
    raw = (site.dir / "labels.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_number = {r["Number"]: r for r in rows}
    assert len(rows) == 7 and site.future.reference not in by_number
    assert [r["State"] for r in rows][:4] == ["valid"] * 4  # the valid ones first
    hostile = by_number[site.hostile.reference]
    assert hostile["Cluster"] == HOSTILE and hostile["Sector"] == "'=1+1"
    silver = by_number[site.silver.reference]
    assert (silver["Cluster"], silver["Country"], silver["Sector"]) == (
        "Pôle Énergie Île-de-France",
        "France",
        "Énergie",
    )
    assert by_number[site.older.reference]["Superseded by"] == site.newer.reference
    withdrawn = by_number[site.withdrawn.reference]
    assert (withdrawn["State"], withdrawn["Reason of withdrawal"]) == ("withdrawn", HOSTILE_REASON)
    assert by_number[site.expired.reference]["State"] == "expired"
    assert silver["Verification page"] == f"https://labels.example.org/c/{site.silver.reference}.html"


def test_the_json_lists_every_certificate_with_its_state(site):
    data = json.loads((site.dir / "labels.json").read_text(encoding="utf-8"))
    assert data["on"] == ON.isoformat() and data["register"] == "European Cluster Label Body"
    states = {row["number"]: row["state"] for row in data["certificates"]}
    assert states == {
        site.gold.reference: "valid",
        site.silver.reference: "valid",
        site.hostile.reference: "valid",
        site.newer.reference: "valid",
        site.older.reference: "superseded",
        site.expired.reference: "expired",
        site.withdrawn.reference: "withdrawn",
    }
    assert data["countries"]["DE"] == {"en": "Germany", "fr": "Allemagne", "de": "Deutschland"}
    assert all("email" not in row and "contact_name" not in row for row in data["certificates"])


def test_the_workbook_holds_text_as_text(site):
    import openpyxl

    path = site.dir / "labels.xlsx"
    with zipfile.ZipFile(path) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all("<f>" not in book.read(n).decode() for n in sheets)
    ws = openpyxl.load_workbook(path, read_only=True).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:3] == ["Number", "Cluster", "Country code"]
    hostile = next(r for r in rows if r[0] == site.hostile.reference)
    assert hostile[1] == HOSTILE and hostile[4] == "=1+1"  # a string cell, not a formula
    assert isinstance(hostile[6], dt.datetime)  # valid until: a date


def test_every_word_is_in_every_language():
    keys = set(SITE_TEXTS["en"])
    for lang, table in SITE_TEXTS.items():
        assert set(table) == keys, (lang, keys ^ set(table))
        for key, text in table.items():
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", SITE_TEXTS["en"][key])), (
                lang,
                key,
            )
    assert set(SITE_TEXTS) == set(publish.LANGUAGES)


def test_every_word_the_pages_and_the_script_use_is_in_the_table(site):
    used: set[str] = set()
    for path in site.dir.rglob("*.html"):
        used |= set(re.findall(r'data-t(?:-placeholder|-aria)?="(\w+)"', path.read_text(encoding="utf-8")))
    script = (site.dir / "assets" / "site.js").read_text(encoding="utf-8")
    used |= set(re.findall(r'\b(?:t|fill)\("(\w+)"[,)]', script))
    used |= {f"{prefix}_{state}" for prefix in ("state", "result") for state in ("valid", "expired", "withdrawn")}
    used |= {f"result_{kind}_title" for kind in ("valid", "expired", "superseded", "withdrawn", "wrong")}
    assert used and used <= set(SITE_TEXTS["en"]), used - set(SITE_TEXTS["en"])


# --- publishing again, and where not to publish ---------------------------------------------------


def test_publishing_again_replaces_the_sites_files_and_keeps_others(tmp_path):
    site = Site(tmp_path)
    (site.dir / "README.txt").write_text("mine", encoding="utf-8")
    (site.dir / "c" / "OLD-1999-00001.html").write_text("an old page", encoding="utf-8")
    with site.register.open() as store:
        store.withdraw(site.gold.number, on=ON.isoformat(), reason="Dissolved", by="Board")
        entries = store.entries()
    publish_site(site.register, entries, site.dir, ON)
    data = _page_data(site.page(site.gold))
    assert data["certificate"]["state"] == "withdrawn" and data["certificate"]["withdrawn_reason"] == "Dissolved"
    assert (site.dir / "README.txt").read_text(encoding="utf-8") == "mine"
    assert (site.dir / "c" / "OLD-1999-00001.html").exists()
    assert "Dissolved" in (site.dir / "labels.csv").read_text(encoding="utf-8-sig")


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    site = Site(tmp_path)
    before = (site.dir / "labels.xlsx").read_bytes()

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish, "_write_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        publish_site(site.register, site.entries, site.dir, ON)
    assert (site.dir / "labels.xlsx").read_bytes() == before
    assert sorted(p.name for p in site.dir.iterdir()) == [
        "assets",
        "c",
        "index.html",
        "labels.csv",
        "labels.json",
        "labels.xlsx",
    ]


def test_publish_refuses_a_file_and_the_registers_own_folder(tmp_path):
    register: Register = init_register(tmp_path / "body" / "reg", name="Body", prefix="ECL")
    with register.open() as store:
        entries = [_enter(store, _draft("DE-A", "A"))]
    a_file = tmp_path / "file.html"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(RegisterError, match="is a file"):
        publish_site(register, entries, a_file, ON)
    for place in (register.root, tmp_path / "body", tmp_path):
        with pytest.raises(RegisterError, match="holds the register itself"):
            publish_site(register, entries, place, ON)
    other = init_register(tmp_path / "other", name="Other", prefix="OTH")
    with pytest.raises(RegisterError, match="holds register.yaml"):
        publish_site(register, entries, other.root, ON)
    assert not (register.root / "index.html").exists() and not (tmp_path / "index.html").exists()
    publish_site(register, entries, register.root / "public", ON)  # a folder of its own inside: fine
    assert (register.root / "public" / "index.html").exists()


def test_an_empty_register_publishes_an_empty_list(tmp_path):
    register = init_register(tmp_path / "reg", name="Body", prefix="ECL")
    done = publish_site(register, [], tmp_path / "site", ON)
    assert (done.valid, done.others, done.pages) == (0, 0, 0)
    text = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (
        SITE_TEXTS["en"]["none_listed"] in text and _page_data(tmp_path / "site" / "index.html")["certificates"] == []
    )
    assert (tmp_path / "site" / "labels.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # the headings


def test_the_command_publishes_and_prints_what_it_wrote(site, tmp_path):
    out = tmp_path / "www"
    args = ["--register", str(site.register.root), "register", "publish", str(out), "--on", ON.isoformat()]
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["valid"], data["pages"], data["public_url"]) == (4, 7, "https://labels.example.org/")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0 and "4 valid labels" in result.output and "labels.example.org" in result.output
    refused = CliRunner().invoke(
        cli, ["--register", str(site.register.root), "register", "publish", str(site.register.root)]
    )
    assert refused.exit_code == 1 and "holds the register itself" in refused.output


# --- in a browser -----------------------------------------------------------------------------

browser_test = pytest.mark.browser


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("chromium and chromedriver are not installed (Debian: chromium, chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tmp_path_factory.mktemp("chromium-profile")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def _open(driver: Any, path: Path, query: str = "", code: str | None = None) -> None:
    driver.get(path.as_uri() + query + (f"#{code}" if code is not None else ""))


def _visible_rows(driver: Any, table: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        row.find_element(By.CSS_SELECTOR, "td.c-cluster").text
        for row in driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")
        if row.is_displayed()
    ]


@browser_test
def test_the_scripts_digest_is_the_pythons(site, driver):
    _open(driver, site.page(site.gold))
    for code in ("K7Q01-MWX01", "k7q01 mwx01", "", "ß-ſ-ﬁ-Ä9", "L2S33-6MWX2"):
        for rounds in (1, 2, 10_000):
            js = driver.execute_script(
                "return ExcelcertSite.codeDigest(arguments[0], arguments[1], arguments[2])",
                " ecl-2026-00012 ",
                code,
                rounds,
            )
            assert js == code_digest(" ecl-2026-00012 ", code, rounds), (code, rounds)
    for text in ("", "abc", "x" * 55, "y" * 56, "z" * 64, "Ünïcödé " * 40):
        js = driver.execute_script("return ExcelcertSite.sha256Hex(arguments[0])", text)
        assert js == hashlib.sha256(text.encode()).hexdigest(), len(text)


@browser_test
def test_nothing_is_fetched_from_outside_and_no_script_runs_from_the_data(site, driver):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    for path, shown in (
        (site.dir / "index.html", "#valid-table td.c-cluster"),
        (site.page(site.hostile), ".cert-name"),
    ):
        driver.get_log("performance")  # what came before
        _open(driver, path, "?lang=en")
        with pytest.raises(NoAlertPresentException):
            _ = driver.switch_to.alert.text
        requested = [
            message["params"]["request"]["url"]
            for message in (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
            if message.get("method") == "Network.requestWillBeSent"
        ]
        assert len(requested) >= 4, requested  # the page, its style sheet, its two scripts
        assert all(url.startswith("file://") for url in requested), requested
        assert driver.execute_script("return typeof window.ExcelcertSite") == "object"  # the CSP let the script run
        assert HOSTILE in [e.text for e in driver.find_elements(By.CSS_SELECTOR, shown)]  # shown as text
    logs = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    assert not logs, logs


@browser_test
def test_search_filters_and_sorting_work_on_the_list(site, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(driver, site.dir / "index.html", "?lang=en")
    assert len(_visible_rows(driver, "valid-table")) == 4
    assert sorted(_visible_rows(driver, "others-table")) == [
        "Agrifood Nederland",
        "Clúster Antiguo",
        "ICT Cluster Polska",
    ]
    search = driver.find_element(By.ID, "q")
    search.send_keys("ile de")  # accents and case do not matter
    assert _visible_rows(driver, "valid-table") == ["Pôle Énergie Île-de-France"]
    assert "1 of 4" in driver.find_element(By.ID, "valid-count").text
    search.clear()
    search.send_keys(site.newer.reference)
    assert _visible_rows(driver, "valid-table") == ["Agrifood Nederland"]
    search.clear()
    search.send_keys("Germany")
    assert _visible_rows(driver, "valid-table") == ["Automotive Cluster Baden-Württemberg"]
    search.clear()
    search.send_keys("nothing like this")
    assert _visible_rows(driver, "valid-table") == [] and driver.find_element(By.ID, "valid-empty").is_displayed()
    search.clear()
    search.send_keys(" ")
    Select(driver.find_element(By.ID, "f-label")).select_by_value("silver")
    assert sorted(_visible_rows(driver, "valid-table")) == ["Agrifood Nederland", "Pôle Énergie Île-de-France"]
    Select(driver.find_element(By.ID, "f-country")).select_by_value("FR")
    assert _visible_rows(driver, "valid-table") == ["Pôle Énergie Île-de-France"]
    Select(driver.find_element(By.ID, "f-label")).select_by_value("")
    Select(driver.find_element(By.ID, "f-country")).select_by_value("")
    Select(driver.find_element(By.ID, "f-sector")).select_by_value("=1+1")
    assert _visible_rows(driver, "valid-table") == [HOSTILE]
    Select(driver.find_element(By.ID, "f-sector")).select_by_value("")
    heading = driver.find_element(By.CSS_SELECTOR, '#valid-table th[data-key="cluster"] button')
    heading.click()
    names = _visible_rows(driver, "valid-table")
    assert names == sorted(names, key=str.casefold) and len(names) == 4
    driver.find_element(By.CSS_SELECTOR, '#valid-table th[data-key="cluster"] button').click()
    assert _visible_rows(driver, "valid-table") == names[::-1]
    header = driver.find_element(By.CSS_SELECTOR, '#valid-table th[data-key="cluster"]')
    assert header.get_attribute("aria-sort") == "descending"


@browser_test
def test_the_language_switch_is_kept_from_page_to_page(site, driver):
    from selenium.webdriver.common.by import By

    _open(driver, site.dir / "index.html", "?lang=en")
    assert driver.find_element(By.TAG_NAME, "h1").text == SITE_TEXTS["en"]["site_title"]
    driver.find_element(By.CSS_SELECTOR, 'a[data-lang="fr"]').click()
    assert driver.find_element(By.TAG_NAME, "h1").text == SITE_TEXTS["fr"]["site_title"]
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Allemagne" in [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#valid-table td.c-country")]
    # to a certificate's page and back: still French
    driver.find_element(By.LINK_TEXT, site.gold.reference).click()
    assert "lang=fr" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, '[data-t="verify_heading"]').text == SITE_TEXTS["fr"]["verify_heading"]
    assert driver.find_element(By.CSS_SELECTOR, "[data-country]").text == "Allemagne"
    driver.find_element(By.CSS_SELECTOR, 'a[data-lang="de"]').click()
    assert driver.find_element(By.CSS_SELECTOR, '[data-t="verify_heading"]').text == SITE_TEXTS["de"]["verify_heading"]
    driver.find_element(By.CSS_SELECTOR, ".crumb a").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == SITE_TEXTS["de"]["site_title"]
    # an address without the language (a QR code's): the browser remembers the choice
    _open(driver, site.page(site.gold))
    assert driver.find_element(By.CSS_SELECTOR, '[data-t="check"]').text == SITE_TEXTS["de"]["check"]
    driver.find_element(By.CSS_SELECTOR, 'a[data-lang="en"]').click()


def _result(driver: Any) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "result")
    assert box.is_displayed()
    return box.get_attribute("class") or "", box.text


@browser_test
def test_the_right_code_shows_the_certificate_valid(site, driver):
    _open(driver, site.page(site.gold), "?lang=en", code=site.gold.code)
    kind, text = _result(driver)
    assert "result-valid" in kind and SITE_TEXTS["en"]["result_valid_title"] in text
    # typed as people type it
    _open(driver, site.page(site.silver), "?lang=en", code=site.silver.code.lower().replace("-", " "))
    assert "result-valid" in _result(driver)[0]


@browser_test
def test_a_wrong_code_is_not_the_code_of_the_certificate(site, driver):
    from selenium.webdriver.common.by import By

    _open(driver, site.page(site.gold), "?lang=en", code=site.silver.code)  # another certificate's code
    kind, text = _result(driver)
    assert "result-wrong" in kind and "not the code of this certificate" in text
    assert "valid" not in kind
    field = driver.find_element(By.ID, "code")
    field.clear()
    field.send_keys(site.gold.code)
    driver.find_element(By.CSS_SELECTOR, "#verify button").click()
    assert "result-valid" in _result(driver)[0]
    _open(driver, site.page(site.gold), "?lang=fr", code="AAAAA-BBBBB")
    assert SITE_TEXTS["fr"]["result_wrong_title"] in _result(driver)[1]


@browser_test
def test_a_withdrawn_certificate_shows_withdrawn_with_its_reason_even_with_the_right_code(site, driver):
    from selenium.webdriver.common.by import By

    _open(driver, site.page(site.withdrawn), "?lang=en", code=site.withdrawn.code)
    kind, text = _result(driver)
    assert "result-withdrawn" in kind and "result-valid" not in kind
    assert SITE_TEXTS["en"]["result_withdrawn_title"] in text and HOSTILE_REASON in text
    status = driver.find_element(By.ID, "status")
    assert "status-withdrawn" in (status.get_attribute("class") or "")
    assert "WITHDRAWN" in status.text.upper() and HOSTILE_REASON in status.text
    # the superseded and the expired ones say so too
    _open(driver, site.page(site.older), "?lang=en", code=site.older.code)
    kind, text = _result(driver)
    assert "result-superseded" in kind and site.newer.reference in text
    _open(driver, site.page(site.expired), "?lang=de", code=site.expired.code)
    assert "result-expired" in _result(driver)[0]


@browser_test
def test_a_label_that_expired_since_the_site_was_published_shows_expired(site, driver, tmp_path):
    """The state is the one on the day of publishing, except that the browser knows today's date."""
    publish_site(site.register, site.entries, tmp_path / "old", ON - dt.timedelta(days=100))
    page = tmp_path / "old" / page_path(site.expired.reference)
    assert _page_data(page)["certificate"]["state"] == "valid"  # on that day
    _open(driver, page, "?lang=en", code=site.expired.code)
    assert "result-expired" in _result(driver)[0]
    _open(driver, tmp_path / "old" / "index.html", "?lang=en")
    assert "Clúster Antiguo" in _visible_rows(driver, "others-table")
    assert "Clúster Antiguo" not in _visible_rows(driver, "valid-table")


def test_the_label_and_the_sector_are_in_the_pages_language(site, driver):
    """A French visitor read 'Gold' and 'Energy' where the French certificate says 'Or' and
    the roster's group_fr 'Énergie': the register kept one name. Each is shown in the page's
    language, in the list, its filters and on the certificate's page; a certificate entered
    without them shows its one name."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(driver, site.dir / "index.html", "?lang=fr")
    row = next(
        r for r in driver.find_elements(By.CSS_SELECTOR, "#valid-table tbody tr") if site.gold.reference in r.text
    )
    assert row.find_element(By.CSS_SELECTOR, "td.c-label").text == "Or"
    assert row.find_element(By.CSS_SELECTOR, "td.c-sector").text == "Énergie"
    assert "Or" in [o.text for o in Select(driver.find_element(By.ID, "f-label")).options]
    silver = next(
        r for r in driver.find_elements(By.CSS_SELECTOR, "#valid-table tbody tr") if site.silver.reference in r.text
    )
    assert silver.find_element(By.CSS_SELECTOR, "td.c-label").text == "Silver"  # entered with one name
    _open(driver, site.page(site.gold), "?lang=fr")
    assert driver.find_element(By.CSS_SELECTOR, ".details .badge, .badge").text == "Or"
    assert "Énergie" in driver.find_element(By.TAG_NAME, "body").text
    _open(driver, site.page(site.gold), "?lang=en")
    assert driver.find_element(By.CSS_SELECTOR, ".badge").text == "Gold"
    assert "Énergie" not in driver.find_element(By.TAG_NAME, "body").text
