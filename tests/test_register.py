"""The register: labels across campaigns, their lifecycle, verification, lists and renewals."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from excelcert.cli import cli
from excelcert.documents.names import is_document
from excelcert.register.config import find_register_root, init_register, read_register, register_of
from excelcert.register.lists import label_list, renewal_roster, renewals
from excelcert.register.rules import (
    EXPIRED,
    NOT_YET,
    SUPERSEDED,
    VALID,
    WITHDRAWN,
    add_months,
    end_of_month,
    state_on,
    validity,
)
from excelcert.register.store import Draft, Entry, RegisterError, RegisterStore

TODAY = dt.date(2026, 11, 27)


def _draft(cluster: str = "DE-A", campaign: str = "c2026", label: str = "gold", **changes: object) -> Draft:
    base = Draft(
        cluster_id=cluster,
        name=f"Cluster {cluster}",
        country=cluster[:2],
        sector="Energy",
        website="https://www.example.org",
        contact_name="A. Manager",
        email="a@example.org",
        language="en",
        club_consent=False,
        label=label,
        label_name=label.title(),
        label_rank=3,
        scheme_id="s",
        scheme_version="1",
        campaign_id=campaign,
        assessed="2026-11",
        issued_on="2026-11-27",
        valid_until="2028-11-30",
        continues=None,
        points=130.0,
        max_points=150.0,
    )
    return replace(base, **changes)


def _enter(store: RegisterStore, draft: Draft) -> Entry:
    return store.enter(draft, lambda n: f"ECL-2026-{n:05d}", lambda n: f"CODE{n:06d}")


@pytest.fixture
def store(tmp_path: Path):
    register = init_register(tmp_path / "reg", name="Test body", prefix="ecl")
    with register.open() as opened:
        yield opened


# --- the rules, at the month boundaries ---------------------------------------------------


def test_month_arithmetic_crosses_years_and_ends_months():
    assert add_months("2026-11", 2) == "2027-01"
    assert add_months("2026-01", -1) == "2025-12"
    assert end_of_month("2028-02") == dt.date(2028, 2, 29)  # a leap year
    assert end_of_month("2027-02") == dt.date(2027, 2, 28)
    assert end_of_month("2026-12") == dt.date(2026, 12, 31)


def test_a_first_label_runs_to_the_end_of_the_month_two_years_on():
    assert validity("2026-03", []).valid_until == dt.date(2028, 3, 31)
    assert validity("2026-03", [], months=12).valid_until == dt.date(2027, 3, 31)


class _Held:
    def __init__(self, reference: str, valid_until: str, withdrawn_on: str | None = None):
        self.reference, self.valid_until, self.withdrawn_on = reference, valid_until, withdrawn_on


def test_a_renewal_within_the_grace_period_continues_from_the_previous_end():
    previous = [_Held("OLD-1", "2026-03-31")]
    # renewed before the end, at the end, and on the last month of grace: continued from March 2026
    for assessed in ("2026-01", "2026-03", "2027-03"):
        found = validity(assessed, previous, grace=12)
        assert (found.valid_until, found.continues) == (dt.date(2028, 3, 31), "OLD-1"), assessed
    # one month later: afresh from the assessment's month
    late = validity("2027-04", previous, grace=12)
    assert (late.valid_until, late.continues) == (dt.date(2029, 4, 30), None)
    # no grace at all: only a renewal by the end's month continues
    assert validity("2026-04", previous, grace=0).continues is None
    assert validity("2026-03", previous, grace=0).continues == "OLD-1"


def test_a_withdrawn_label_is_not_continued():
    previous = [_Held("OLD-1", "2026-03-31", withdrawn_on="2026-01-10")]
    assert validity("2026-02", previous).continues is None


def test_the_latest_of_several_earlier_labels_is_the_one_continued():
    previous = [_Held("OLD-1", "2024-05-31"), _Held("OLD-2", "2026-05-31")]
    assert validity("2026-06", previous).continues == "OLD-2"


def test_states_on_the_days_around_each_boundary(store):
    first = _enter(store, _draft(issued_on="2026-11-27", valid_until="2028-11-30"))
    entries = store.entries()
    assert state_on(first, entries, dt.date(2026, 11, 26))[0] == NOT_YET
    assert state_on(first, entries, dt.date(2026, 11, 27))[0] == VALID
    assert state_on(first, entries, dt.date(2028, 11, 30))[0] == VALID  # the last day
    assert state_on(first, entries, dt.date(2028, 12, 1))[0] == EXPIRED  # the day after
    newer = _enter(store, _draft(campaign="c2028", issued_on="2028-10-15", valid_until="2030-11-30"))
    entries = store.entries()
    assert state_on(first, entries, dt.date(2028, 10, 14))[0] == VALID
    state, by = state_on(first, entries, dt.date(2028, 10, 15))
    assert state == SUPERSEDED and by is not None and by.reference == newer.reference
    withdrawn = store.withdraw(newer.number, on="2029-01-10", reason="misleading claims", by="Board")
    entries = store.entries()
    assert state_on(withdrawn, entries, dt.date(2029, 1, 9))[0] == VALID
    assert state_on(withdrawn, entries, dt.date(2029, 1, 10))[0] == WITHDRAWN
    # the older label was superseded, and stays so in the past; once the newer is withdrawn,
    # it is again what it would be on its own (expired by then)
    assert state_on(first, entries, dt.date(2028, 11, 1))[0] == SUPERSEDED
    assert state_on(first, entries, dt.date(2029, 2, 1))[0] == EXPIRED


# --- the store ----------------------------------------------------------------------------


def test_entering_again_gives_the_same_entry_and_numbers_are_never_reused(store):
    a = _enter(store, _draft("DE-A"))
    b = _enter(store, _draft("FR-B"))
    again = _enter(store, _draft("DE-A", issued_on="2027-01-01"))
    assert (a.number, b.number) == (1, 2) and again == a
    assert store.by_reference(" ecl-2026-00002 ") == b  # as typed: case and spaces do not matter
    assert store.by_reference("ECL-2026-00099") is None


def test_a_withdrawal_is_recorded_once_and_never_deleted(store):
    a = _enter(store, _draft())
    done = store.withdraw(a.number, on="2027-02-01", reason="fraud", by="Label board")
    assert (done.withdrawn_on, done.withdrawn_reason, done.withdrawn_by) == ("2027-02-01", "fraud", "Label board")
    with pytest.raises(RegisterError, match="already withdrawn"):
        store.withdraw(a.number, on="2027-03-01", reason="again", by="someone")
    assert store.by_reference(a.reference) == done  # the first stands
    with pytest.raises(RegisterError, match="no certificate number 42"):
        store.withdraw(42, on="2027-03-01", reason="x", by="y")


def test_a_register_written_by_a_newer_excelcert_is_refused(tmp_path):
    import sqlite3

    from excelcert.base.ledger import LedgerError

    path = tmp_path / "r.sqlite"
    RegisterStore.at(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match="newer excelcert"):
        RegisterStore.at(path)


def _certify_many(path: str, campaign: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    with RegisterStore.at(Path(path)) as store:
        for n in range(count):
            _enter(store, _draft(f"XX-{campaign}-{n}", campaign=campaign))


def test_two_campaigns_certifying_at_once_lose_nothing_and_share_no_number(tmp_path):
    register = init_register(tmp_path / "reg", name="Body", prefix="ECL")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_certify_many, args=(str(register.database_path), name, 40, start))
        for name in ("north", "south")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with register.open() as store:
        entries = store.entries()
    assert len(entries) == 80
    assert sorted(e.number for e in entries) == list(range(1, 81))
    assert len({e.reference for e in entries}) == 80
    assert {e.campaign_id for e in entries} == {"north", "south"}


# --- configuration ---------------------------------------------------------------------------


def test_init_refuses_a_bad_prefix_and_an_existing_register(tmp_path):
    with pytest.raises(RegisterError, match="capital letters"):
        init_register(tmp_path / "a", name="Body", prefix="2-bad")
    init_register(tmp_path / "b", name="Body", prefix="ECL")
    with pytest.raises(RegisterError, match="already exists"):
        init_register(tmp_path / "b", name="Other", prefix="XYZ")
    assert read_register(tmp_path / "b").name == "Body"  # kept


def test_a_campaign_finds_the_register_above_it_or_the_one_it_names(tmp_path):
    from excelcert.campaign.config import init_campaign, read_config, write_config

    register = init_register(tmp_path / "body", name="Body", prefix="ECL")
    inside = init_campaign(tmp_path / "body" / "2026" / "spring", today=TODAY)
    assert find_register_root(inside.root) == register.root.resolve()
    found = register_of(inside)
    assert found is not None and found.root == register.root.resolve()
    outside = init_campaign(tmp_path / "elsewhere", today=TODAY)
    assert register_of(outside) is None
    write_config(replace(outside, register_dir="../body"))
    named = register_of(read_config(outside.root))
    assert named is not None and named.prefix == "ECL"


# --- through the command line, on the demo: a register with last year's campaign and this year's ---------


@pytest.fixture(scope="module")
def registered(demo: Path) -> Path:
    """The demo (built once per session, read only): a register holding last year's campaign
    (labels valid 12 months) and this year's, certified on TODAY. Tests that change it copy it."""
    return demo


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _entries(root: Path) -> list[Entry]:
    with read_register(root).open() as store:
        return store.entries()


def _copy(root: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(root, tmp_path / "reg"))


def test_certify_enters_every_certificate_in_the_register(registered, tmp_path):
    entries = _entries(registered)
    assert [e.number for e in entries] == list(range(1, len(entries) + 1))  # across both campaigns
    assert {e.campaign_id for e in entries} == {"demo-2025", "demo"}
    this_year = [e for e in entries if e.campaign_id == "demo"]
    assert this_year and all(e.reference.startswith("DEMO-2026-") for e in this_year)
    for e in this_year:
        assert e.name and e.country and e.sector and e.label_name in ("Gold", "Silver", "Bronze")
        assert e.assessed == "2026-11" and e.issued_on == TODAY.isoformat()
        if e.continues is None:  # a first label: two years from the month of assessment
            assert e.valid_until == "2028-11-30"
        else:  # a renewal within the grace period: two years from last year's end
            assert e.valid_until == "2028-10-31"
            assert [p.valid_until for p in entries if p.reference == e.continues] == ["2026-10-31"]
    assert sorted(e.cluster_id for e in this_year if e.continues) == ["DE-AUTO-01", "FR-AERO-01"]
    # the ledger and the certificate carry the register's numbers; certifying again changes nothing
    copy = _copy(registered, tmp_path)
    certified = json.loads(_run("--campaign", str(copy), "certify", "--json", "--date", "2026-11-27").output)
    assert {c["number"] for c in certified["certificates"]} == {e.reference for e in this_year}
    assert _entries(copy) == entries


def test_the_demo_shows_every_state(registered):
    listed = json.loads(
        _run("--register", str(registered), "register", "list", "--all", "--json", "--on", "2026-11-27").output
    )
    states = {(c["cluster_id"], c["campaign_id"]): c["state"] for c in listed["certificates"]}
    assert states[("DE-AUTO-01", "demo-2025")] == SUPERSEDED
    assert states[("LU-FIN-01", "demo-2025")] == EXPIRED  # not renewed: no workbook came back this year
    assert states[("EE-HEALTH-01", "demo-2025")] == WITHDRAWN
    assert states[("DE-AUTO-01", "demo")] == VALID


def test_verify_checks_the_register_and_shows_the_details(registered):
    entry = next(e for e in _entries(registered) if e.campaign_id == "demo")
    ok = _run("--register", str(registered), "verify", entry.reference, entry.code.lower().replace("-", " "))
    assert ok.exit_code == 0
    assert f"{entry.reference}: VALID" in ok.output and entry.name in ok.output and entry.valid_until in ok.output
    wrong = _run("--register", str(registered), "verify", entry.reference, "AAAAA-BBBBB")
    assert wrong.exit_code == 1 and "NOT issued" in wrong.output and "code does not match" in wrong.output
    unknown = _run("--register", str(registered), "verify", "DEMO-2026-99999", entry.code)
    assert unknown.exit_code == 1 and "no certificate has this number" in unknown.output
    later = _run("--register", str(registered), "verify", entry.reference, entry.code, "--on", "2029-12-01")
    assert later.exit_code == 1 and f"EXPIRED on {entry.valid_until}" in later.output
    data = json.loads(_run("--register", str(registered), "verify", entry.reference, entry.code, "--json").output)
    assert data["state"] == VALID and data["certificate"]["name"] == entry.name
    assert "code" not in data["certificate"]  # the holder's secret is not echoed
    # last year's certificate, verified from inside this year's campaign: superseded by the renewal
    old = next(e for e in _entries(registered) if e.cluster_id == "DE-AUTO-01" and e.campaign_id == "demo-2025")
    renewed = next(e for e in _entries(registered) if e.continues == old.reference)
    superseded = _run("--campaign", str(registered), "verify", old.reference, old.code, "--on", "2026-11-27")
    assert superseded.exit_code == 1 and f"SUPERSEDED by {renewed.reference}" in superseded.output


def test_withdraw_then_verify_says_withdrawn_when_and_why(registered, tmp_path):
    copy = _copy(registered, tmp_path)
    entry = next(e for e in _entries(copy) if e.campaign_id == "demo" and e.cluster_id == "HR-ICT-01")
    done = _run(
        "--register", str(copy), "register", "withdraw", entry.reference.lower(),
        "--reason", "conditions no longer met", "--by", "Label board", "--on", "2027-05-02",
    )  # fmt: skip
    assert done.exit_code == 0 and "withdrawn from 2027-05-02 by Label board: conditions no longer met." in done.output
    before = _run("--register", str(copy), "verify", entry.reference, entry.code, "--on", "2027-05-01")
    assert before.exit_code == 0
    after = _run("--register", str(copy), "verify", entry.reference, entry.code, "--on", "2027-05-02")
    assert after.exit_code == 1
    assert "WITHDRAWN on 2027-05-02 by Label board: conditions no longer met." in after.output
    again = _run("--register", str(copy), "register", "withdraw", entry.reference, "--reason", "x", "--by", "y")
    assert again.exit_code == 1 and "already withdrawn" in again.output
    unknown = _run("--register", str(copy), "register", "withdraw", "DEMO-1999-00001", "--reason", "x", "--by", "y")
    assert unknown.exit_code == 1 and "nothing was changed" in unknown.output
    listed = json.loads(
        _run("--register", str(copy), "register", "list", "--all", "--json", "--on", "2027-06-01").output
    )
    states = {c["reference"]: c["state"] for c in listed["certificates"]}
    assert states[entry.reference] == WITHDRAWN  # shown as such, never dropped
    public = json.loads(_run("--register", str(copy), "register", "list", "--json", "--on", "2027-06-01").output)
    assert entry.reference not in {c["reference"] for c in public["certificates"]}
    # certifying again never issues the withdrawn certificate, and removes its file
    again = json.loads(_run("--campaign", str(copy), "certify", "--json", "--date", "2026-11-27").output)
    assert "conditions no longer met" in again["withdrawn"][entry.cluster_id]
    assert entry.reference not in {c["number"] for c in again["certificates"]}
    assert not [p for p in (copy / "output").rglob("*") if is_document(p.name, "certificate", entry.cluster_id)]


def test_the_list_filters_and_never_shows_codes(registered):
    listed = json.loads(_run("--register", str(registered), "register", "list", "--json", "--on", "2026-12-01").output)
    rows = listed["certificates"]
    assert rows and all(r["state"] == VALID for r in rows)
    assert all("code" not in r for r in rows)
    country = rows[0]["country"]
    only = json.loads(
        _run(
            "--register",
            str(registered),
            "register",
            "list",
            "--json",
            "--on",
            "2026-12-01",
            "--country",
            country.lower(),
        ).output
    )["certificates"]
    assert only and {r["country"] for r in only} == {country}
    gold = json.loads(_run("--register", str(registered), "register", "list", "--json", "--label", "Gold").output)
    assert gold["certificates"] and {r["label"] for r in gold["certificates"]} == {"gold"}
    before = json.loads(_run("--register", str(registered), "register", "list", "--json", "--on", "2025-01-01").output)
    assert before["certificates"] == []  # nothing was issued yet
    text = _run("--register", str(registered), "register", "list", "--on", "2026-12-01")
    assert text.exit_code == 0 and rows[0]["reference"] in text.output


def test_renewals_and_the_roster_for_the_next_campaign(registered, tmp_path):
    def due(on: str, within: str = "6m") -> list[dict[str, Any]]:
        args = ("--register", str(registered), "register", "renewals", "--json", "--on", on, "--within", within)
        return json.loads(_run(*args).output)["renewals"]

    # today: LU-FIN-01's label ended last month, and it can still renew with continuity
    now = due("2026-11-27")
    # (last year's scheme gave six months of grace: the label says so, wherever the list is made)
    assert [(r["cluster_id"], r["state"], r["renew_by"]) for r in now] == [("LU-FIN-01", EXPIRED, "2027-04-30")]
    assert now[0]["email"]  # with the contact
    later = due("2028-06-01")
    assert {r["cluster_id"] for r in later} == {"DE-AUTO-01", "FR-AERO-01", "AT-WOOD-01", "ES-AGRI-01", "HR-ICT-01"}
    assert all(r["renew_by"] == "2029-10-31" for r in later if r["cluster_id"] in ("DE-AUTO-01", "FR-AERO-01"))
    assert due("2030-12-01") == []  # past every grace period
    roster = tmp_path / "next.xlsx"
    written = _run("--register", str(registered), "register", "renewals", "--on", "2028-06-01", "--roster", str(roster))
    assert written.exit_code == 0 and roster.exists()
    from excelcert.campaign.roster import read_roster

    back = read_roster(roster, ("en", "fr", "de"))
    assert back.report.ok and {c.id for c in back.clusters} == {r["cluster_id"] for r in later}
    # the next campaign writes to the same person as this one did, sector names in every language
    auto = next(c for c in back.clusters if c.id == "DE-AUTO-01")
    assert (auto.salutation, auto.group, auto.group_in("fr"), auto.group_in("de")) == (
        "Frau",
        "Automotive",
        "Automobile",
        "Automobil",
    )
    bad = _run("--register", str(registered), "register", "renewals", "--within", "soon")
    assert bad.exit_code == 2 and "number of months" in bad.output


def test_renewal_helpers_on_plain_entries(store):
    a = _enter(store, _draft("DE-A", valid_until="2027-03-31", issued_on="2025-03-15"))
    _enter(store, _draft("FR-B", valid_until="2029-03-31", issued_on="2027-03-15"))
    due = renewals(store.entries(), dt.date(2027, 1, 15), within_months=3)
    assert [r.listed.entry.reference for r in due] == [a.reference]
    assert [c.id for c in renewal_roster(due)] == ["DE-A"]
    assert [i.entry.cluster_id for i in label_list(store.entries(), dt.date(2027, 1, 15))] == ["DE-A"]


def test_without_a_register_the_register_commands_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("register", "list")
    assert result.exit_code == 1 and "no register here" in result.output and "register init" in result.output


# --- the club -----------------------------------------------------------------------------------


def test_the_club_lists_only_managers_who_consented_in_every_format(store, tmp_path):
    import csv as csv_module

    import openpyxl
    import vobject

    from excelcert.register.club import club_directory, write_directory

    _enter(
        store, _draft("DE-YES", club_consent=True, contact_name="Prof. Dr.-Ing. Jana Weber", email="jana@yes.example")
    )
    _enter(store, _draft("FR-NO", club_consent=False, contact_name="Secret Person", email="secret@no.example"))
    _enter(
        store,
        _draft("AT-OLD", club_consent=True, contact_name="Old Member", email="old@x.example", valid_until="2026-12-31"),
    )
    _enter(store, _draft("BE-EVIL", club_consent=True, contact_name="=HYPERLINK(1)", name="+Evil, Cluster; Ltd"))
    directory = club_directory(store.entries(), dt.date(2027, 1, 15))
    assert sorted(m.cluster_id for m in directory.members) == ["BE-EVIL", "DE-YES"]  # AT-OLD has expired
    assert directory.left_out == 1
    for suffix, fmt in ((".xlsx", "xlsx"), (".csv", "csv"), (".vcf", "vcard")):
        path = write_directory(directory, tmp_path / f"club{suffix}", fmt)
        raw = path.read_bytes()
        assert b"Secret Person" not in raw and b"secret@no.example" not in raw  # no consent, no entry
        assert b"Jana Weber" in raw or suffix == ".xlsx"
    rows = list(csv_module.reader((tmp_path / "club.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:2] == ["Cluster manager", "Cluster"]
    assert "'=HYPERLINK(1)" in [r[0] for r in rows]  # a formula-like name is made harmless
    sheet = openpyxl.load_workbook(tmp_path / "club.xlsx").active
    evil = next(row[0] for row in sheet.iter_rows(min_row=2) if row[0].value == "=HYPERLINK(1)")
    assert evil.data_type == "s"  # text, never a formula
    cards = list(vobject.readComponents((tmp_path / "club.vcf").read_text(encoding="utf-8")))
    by_mail = {c.email.value: c for c in cards}
    jana = by_mail["jana@yes.example"].n.value  # her titles are no given name: address books sort by them
    assert (jana.prefix, jana.given, jana.family) == ("Prof. Dr.-Ing.", "Jana", "Weber")
    assert by_mail["a@example.org"].org.value == ["+Evil, Cluster; Ltd"]  # escaped, and read back whole


def test_the_club_command_writes_the_format_its_extension_names(registered, tmp_path):
    out = tmp_path / "club.vcf"
    result = _run("--register", str(registered), "register", "club", "-o", str(out), "--on", "2026-11-27")
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").count("BEGIN:VCARD") >= 1
    again = _run("--register", str(registered), "register", "club", "-o", str(out))
    assert again.exit_code == 1 and "already exists" in again.output
    wrong = _run("--register", str(registered), "register", "club", "-o", str(tmp_path / "club.txt"))
    assert wrong.exit_code == 2 and ".vcf" in wrong.output
    data = json.loads(
        _run(
            "--register",
            str(registered),
            "register",
            "club",
            "-o",
            str(tmp_path / "c.csv"),
            "--json",
            "--on",
            TODAY.isoformat(),
        ).output
    )
    listed = _run("--register", str(registered), "register", "list", "--json", "--on", TODAY.isoformat())
    valid = {c["cluster_id"] for c in json.loads(listed.output)["certificates"]}
    consenting = {e.cluster_id for e in _entries(registered) if e.club_consent and e.cluster_id in valid}
    assert {m["cluster_id"] for m in data["members"]} == consenting and consenting


# --- renewal campaigns ------------------------------------------------------------------------


def test_a_renewal_workbook_shows_last_times_label_and_answers(registered):
    import openpyxl

    entries = _entries(registered)
    last = next(e for e in entries if e.cluster_id == "FR-AERO-01" and e.campaign_id == "demo-2025")
    assert last.answers and last.indicator_points  # the register keeps what the label was given for
    sent = next((registered / "output" / "demo" / "to-clusters").glob("FR-AERO-01 *.xlsx"))
    book = openpyxl.load_workbook(sent)
    start = "\n".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    assert "Bienvenue à nouveau" in start and last.reference in start and last.label_name in start
    sheet = book["Auto-évaluation"]
    rows = {r[0].value: r for r in sheet.iter_rows() if isinstance(r[0].value, str)}
    assert rows["STR-01"][4].value == last.answers["STR-01"]  # prefilled from last time
    assert rows["STR-01"][4].comment is not None and last.reference in rows["STR-01"][4].comment.text
    fresh = next((registered / "output" / "demo" / "to-clusters").glob("AT-WOOD-01 *.xlsx"))
    first_time = openpyxl.load_workbook(fresh)
    fresh_rows = {r[0].value: r for r in first_time.worksheets[2].iter_rows() if isinstance(r[0].value, str)}
    assert fresh_rows["STR-01"][4].value is None and fresh_rows["STR-01"][4].comment is None
    withdrawn = next((registered / "output" / "demo" / "to-clusters").glob("EE-HEALTH-01 *.xlsx"))
    start = "\n".join(
        str(c.value) for row in openpyxl.load_workbook(withdrawn).worksheets[0].iter_rows() for c in row if c.value
    )
    assert "Welcome back" not in start  # a withdrawn label is not continued, nor shown


def test_only_answers_the_scheme_still_accepts_are_filled_in():
    from excelcert.assessment.workbook import usable_answers
    from excelcert.scheme import load_scheme

    scheme = load_scheme(None)
    kinds = {i.type: i for i in scheme.indicators}
    choice = next(i for i in scheme.indicators if i.type == "select_one")
    several = next(i for i in scheme.indicators if i.type == "select_multiple")
    integer = kinds["integer"]
    answers = {
        integer.id: 12.5,  # no longer a whole number: left out
        choice.id: "a choice the scheme dropped",
        several.id: [several.id and scheme.choice_list_of(several).choices[0].value],
        "GONE-01": 3,
        **({kinds["date"].id: "2025-03-01"} if "date" in kinds else {}),
    }
    kept = usable_answers(scheme, answers)
    assert integer.id not in kept and choice.id not in kept and "GONE-01" not in kept
    assert kept[several.id] == [scheme.choice_list_of(several).choices[0].value]
    if "date" in kinds:
        assert kept[kinds["date"].id] == dt.date(2025, 3, 1)
    assert usable_answers(scheme, {integer.id: 12.0})[integer.id] == 12


def test_the_register_never_lists_a_clusters_answers(registered):
    listed = _run("--register", str(registered), "register", "list", "--all", "--json")
    assert '"answers"' not in listed.output and '"indicator_points"' not in listed.output


def test_intake_tells_a_renewals_confirmed_answers_from_changed_ones(registered):
    history = json.loads(_run("--campaign", str(registered), "history", "DE-AUTO-01", "--json").output)
    [own] = [s for s in history if s["role"] == "self-assessment"]
    # last year's final STR-01 was the reviewer's 158; this year the cluster typed 160 again
    assert "a renewal: 30 answers as last time, 1 changed" in own["reason"]
    fresh = json.loads(_run("--campaign", str(registered), "history", "AT-WOOD-01", "--json").output)
    assert not any("renewal" in s["reason"] for s in fresh)


def test_confirmed_and_changed_are_counted_on_values_as_stored():
    from excelcert.assessment.read import Answer, ReturnedWorkbook
    from excelcert.intake.batch import compared_with_last_time

    returned = ReturnedWorkbook(Path("x.xlsx"), None, "", None)  # type: ignore[arg-type]
    returned.answers = {
        "A": Answer("A", "2025-03-01", dt.date(2025, 3, 1), None),
        "B": Answer("B", 5, 5, None),
        "C": Answer("C", None, None, None),
    }
    last = {"A": "2025-03-01", "B": 4, "C": "yes", "D": None}
    assert compared_with_last_time(returned, last) == (1, 2)  # A the same; B changed; C left empty


def test_a_renewals_letter_says_what_changed_since_last_time(registered):
    import docx

    def text(cluster: str) -> str:
        found = (registered / "output" / "demo" / "documents").glob(f"{cluster}*/*.docx")
        path = next(p for p in found if is_document(p.name, "letter", cluster))
        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)

    last = next(e for e in _entries(registered) if e.cluster_id == "FR-AERO-01" and e.campaign_id == "demo-2025")
    renewal = text("FR-AERO-01")  # last year weak, this year average: in French
    assert "Depuis votre dernière évaluation" in renewal and last.reference in renewal
    assert "indicateurs ont gagné des points, aucun n'en a perdu" in renewal and " → " in renewal
    assert "(s)" not in renewal
    same = text("DE-AUTO-01")  # the same answers and points both years
    assert "Since your last assessment" in same or "Seit Ihrer letzten Bewertung" in same
    assert "Punkten bei jedem Indikator" in same or "same points on every indicator" in same
    first_time = text("AT-WOOD-01")
    assert "letzten Bewertung" not in first_time and "last assessment" not in first_time


def test_a_result_changed_within_a_campaign_withdraws_the_certificate_it_replaces(registered, tmp_path):
    from excelcert.base.ledger import Ledger
    from excelcert.campaign.config import read_config, read_key
    from excelcert.campaign.roster import read_roster
    from excelcert.documents.issue import plan_and_number
    from excelcert.results.scores import score_and_record

    copy = _copy(registered, tmp_path)
    campaign = read_config(copy)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    register = register_of(campaign)

    def certify_with(label: str | None) -> Any:
        with Ledger.for_campaign(copy) as ledger:
            results = score_and_record(scheme, clusters, ledger)
            next(s for s in results.scores if s.cluster_id == "HR-ICT-01").label = label
            return plan_and_number(
                campaign, scheme, clusters, ledger, read_key(campaign), kinds=("certificate",),
                today=TODAY, results=results, register=register,
            )  # fmt: skip

    gold = next(e for e in _entries(copy) if e.cluster_id == "HR-ICT-01" and e.campaign_id == "demo")
    issued = certify_with("silver")  # the result changed after the certificate was issued
    assert "HR-ICT-01" in issued.retired and gold.reference in issued.retired["HR-ICT-01"]
    now = {e.label: e for e in _entries(copy) if e.cluster_id == "HR-ICT-01" and e.campaign_id == "demo"}
    assert now["gold"].withdrawn_on == TODAY.isoformat() and "changed" in (now["gold"].withdrawn_reason or "")
    assert not now["silver"].withdrawn_on
    issued = certify_with(None)  # no label any more: the silver one goes too
    assert "HR-ICT-01" in issued.retired
    assert all(e.withdrawn_on for e in _entries(copy) if e.cluster_id == "HR-ICT-01" and e.campaign_id == "demo")
    issued = certify_with("gold")  # back to gold: a withdrawn certificate is never issued again
    assert "HR-ICT-01" in issued.withdrawn and not any(c.cluster_id == "HR-ICT-01" for c in issued.certificates)


def test_two_campaigns_with_one_id_cannot_share_a_register(tmp_path):
    store = RegisterStore.at(init_register(tmp_path / "reg", name="Body", prefix="ECL").database_path)
    store.enter(_draft(campaign="spring", campaign_key="aaaa"), lambda n: f"ECL-2026-{n:05d}", lambda n: "C")
    with pytest.raises(RegisterError, match="already has certificates"):
        store.enter(
            _draft("FR-B", campaign="spring", campaign_key="bbbb"), lambda n: f"ECL-2028-{n:05d}", lambda n: "C"
        )
    store.close()


def test_the_campaign_key_check_passes_keyless_certificates_and_still_refuses_a_second_key(tmp_path):
    """Certificates entered before campaigns had keys (an empty key) never block; the first key
    entered stands for the campaign, however many certificates it has."""
    store = RegisterStore.at(init_register(tmp_path / "reg", name="Body", prefix="ECL").database_path)
    ref = lambda n: f"ECL-2026-{n:05d}"  # noqa: E731
    store.enter(_draft("OLD-1", campaign="spring", campaign_key=""), ref, lambda n: "C")
    for k in range(5):
        store.enter(_draft(f"FR-{k}", campaign="spring", campaign_key="aaaa"), ref, lambda n: "C")
    store.enter(_draft("OLD-2", campaign="spring", campaign_key=""), ref, lambda n: "C")
    with pytest.raises(RegisterError, match="already has certificates"):
        store.enter(_draft("FR-B", campaign="spring", campaign_key="bbbb"), ref, lambda n: "C")
    store.enter(_draft("FR-B", campaign="autumn", campaign_key="bbbb"), ref, lambda n: "C")
    store.close()


def test_a_missing_register_database_is_never_made_anew(registered, tmp_path):
    copy = _copy(registered, tmp_path)
    (copy / "register.sqlite").rename(tmp_path / "elsewhere.sqlite")
    listed = _run("--register", str(copy), "register", "list")
    assert listed.exit_code == 1 and "missing: restore it from your backup" in listed.output
    assert not (copy / "register.sqlite").exists()
    certified = _run("--campaign", str(copy), "certify")
    assert certified.exit_code == 1 and "missing" in certified.output


def test_hostile_and_mistaken_requests_get_one_clear_line(registered, tmp_path):
    copy = _copy(registered, tmp_path)
    entry = next(e for e in _entries(copy) if e.campaign_id == "demo")
    early = _run("--register", str(copy), "verify", entry.reference, entry.code, "--on", "2026-01-01")
    assert (
        early.exit_code == 1 and f"is not issued yet on 2026-01-01: it is issued on {entry.issued_on}" in early.output
    )
    before = _run("--register", str(copy), "register", "withdraw", entry.reference, "--reason", "x", "--by", "y",
                  "--on", "1999-01-01")  # fmt: skip
    assert before.exit_code == 1 and "cannot be withdrawn from 1999-01-01" in before.output
    assert not next(e for e in _entries(copy) if e.number == entry.number).withdrawn_on
    config = copy / "campaign.yaml"
    kept = config.read_bytes()
    overwrite = _run("--register", str(copy), "register", "renewals", "--within", "24m", "--roster", str(config))
    assert overwrite.exit_code == 2 and config.read_bytes() == kept
    existing = tmp_path / "next.xlsx"
    existing.write_bytes(b"mine")
    refused = _run("--register", str(copy), "register", "renewals", "--within", "24m", "--roster", str(existing))
    assert refused.exit_code == 1 and "already exists" in refused.output and existing.read_bytes() == b"mine"
    far = _run("--register", str(copy), "register", "renewals", "--on", "9999-12-31")
    assert far.exit_code == 2
    long_code = _run("--register", str(copy), "verify", "\x1b[2J" + "X" * 10_000, "é" * 50)
    assert long_code.exit_code == 1 and "\x1b" not in long_code.output and len(long_code.output) < 400


def test_text_from_files_is_printed_plain():
    from excelcert.cli.terminal import plain

    assert plain("Cluster \x1b[31mRED\x1b[0m \x07 \u202eevil") == "Cluster RED \ufffd \ufffdevil"
    assert plain("Pôle Aéro & [bio/santé]") == "Pôle Aéro & [bio/santé]"


def test_a_public_address_too_long_for_a_qr_code_is_refused_before_any_certificate(registered, tmp_path):
    """Every certificate's QR code holds the public address: one of thousands of characters
    could not be encoded, and stopped `certify` with an 'unexpected error'."""
    long_url = "https://labels.example.org/" + "x" * 300
    made = _run("register", "init", str(tmp_path / "new"), "--public-url", long_url)
    assert made.exit_code == 1 and "327 characters long" in made.output and "at most 200" in made.output
    assert not (tmp_path / "new" / "register.yaml").exists()
    copy = _copy(registered, tmp_path)
    config = copy / "register.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("public_url:", f"public_url: {long_url}  #"), "utf-8")
    certified = _run("--campaign", str(copy), "certify")
    assert certified.exit_code == 1 and "public_url is 327 characters long" in certified.output
    assert "unexpected" not in certified.output
    kept = copy / "register.yaml"
    kept.write_text(config.read_text(encoding="utf-8").replace(long_url, "https://labels.example.org/" + "x" * 173))
    assert read_register(copy).public_url.endswith("x" * 173)  # 200 characters: accepted


def test_a_public_address_is_measured_as_the_qr_code_holds_it(tmp_path):
    """The QR code holds the address in UTF-8: 190 accented letters are 380 bytes, as dense
    a symbol as an address of 380 ASCII characters, which is refused; printed, it did not
    read at 100 dpi where 200 ASCII characters did."""
    accented = "https://labels.example.org/" + "é" * 173  # 200 characters, 373 bytes
    made = _run("register", "init", str(tmp_path / "new"), "--public-url", accented)
    assert made.exit_code == 1 and "200 characters long, 373 as the QR code holds it" in made.output
    assert not (tmp_path / "new" / "register.yaml").exists()
    fits = "https://labels.exämple.org/" + "é" * 86  # 113 characters, 200 bytes: accepted
    assert _run("register", "init", str(tmp_path / "ok"), "--public-url", fits).exit_code == 0
    assert read_register(tmp_path / "ok").public_url == fits


def test_certify_enters_the_label_and_the_sector_in_every_language(registered):
    """The public site shows them in the visitor's language: certify enters the scheme's
    name of the label and the roster's sector (group_fr, group_de) in each language."""
    entry = next(e for e in _entries(registered) if e.campaign_id == "demo" and e.cluster_id == "DE-AUTO-01")
    assert entry.label_names == {"en": "Gold", "fr": "Or", "de": "Gold"}
    assert entry.sectors == {"en": "Automotive", "fr": "Automobile", "de": "Automobil"}
    assert (entry.label_name_in("fr"), entry.sector_in("de"), entry.sector_in("it")) == (
        "Or",
        "Automobil",
        "Automotive",
    )


def test_a_withdrawal_reason_ending_a_sentence_is_not_given_a_second_full_stop(registered, tmp_path):
    copy = _copy(registered, tmp_path)
    entry = next(e for e in _entries(copy) if e.campaign_id == "demo" and e.cluster_id == "HR-ICT-01")
    _run("--register", str(copy), "register", "withdraw", entry.reference, "--reason", "Dissolved.", "--by", "Board")
    after = _run("--register", str(copy), "verify", entry.reference, entry.code)
    assert after.exit_code == 1 and "by Board: Dissolved.\n" in after.output and ".." not in after.output
