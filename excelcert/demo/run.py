"""`excelcert demo`: a fresh example campaign, run through every stage that exists.

Built from the built-in scheme and the example roster, in a folder of its own
(`excelcert-demo` by default), so that a newcomer sees in a minute what excelcert makes. The
folder is also a register holding last year's campaign (`last-year/`, 13 months earlier,
under the scheme's previous version): two labels renewed this year, one expired, one
withdrawn; and the assessments of made-up peers from earlier campaigns (`--clusters N`,
demo/peers.py), so that benchmarking and the campaign report have real groups.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from excelcert.assessment.generate import generate_workbooks
from excelcert.base.contract import ROLE_SELF_ASSESSMENT
from excelcert.base.ledger import Ledger
from excelcert.base.words import counted, shown
from excelcert.benchmark import campaign_peers
from excelcert.benchmark.report import campaign_report
from excelcert.benchmark.stats import benchmark
from excelcert.campaign.config import CONFIG_NAME, Campaign, CampaignError, init_campaign, read_config, read_key
from excelcert.campaign.reviewers import read_reviewers
from excelcert.campaign.roster import Cluster, read_roster
from excelcert.demo.mailroom import mail_workbooks, replies_mbox
from excelcert.demo.peers import DEFAULT_PEERS, synthetic_peers
from excelcert.demo.returns import AVERAGE, STRONG, WEAK, make_returns
from excelcert.demo.reviews import decide, fill_review
from excelcert.documents.issue import Job, plan_and_number, render_all
from excelcert.intake.batch import import_files
from excelcert.intake.status import campaign_status
from excelcert.register.config import CONFIG_NAME as REGISTER_CONFIG
from excelcert.register.config import Register, init_register, read_register, register_of
from excelcert.register.lists import previous_labels, states_on
from excelcert.register.publish import publish_site
from excelcert.register.rules import add_months, month_of
from excelcert.results.scores import record_assessments, score_and_record, write_results
from excelcert.review import workflow
from excelcert.review.generate import generate_reviews
from excelcert.scheme import load_scheme
from excelcert.scheme.model import Scheme
from excelcert.scheme.yaml_form import scheme_to_yaml

DEMO_ID = "demo"
DEMO_BODY = "Demo label body"
LAST_YEAR_FOLDER = "last-year"
PUBLIC_FOLDER = "public"  # the public site, as `excelcert register publish` writes it
# Last year's returns: two clusters renew this year, one does not return (its label expires),
# one merges into another organisation (its label is withdrawn).
LAST_YEAR = {
    "DE-AUTO-01": ("strong", STRONG),
    "FR-AERO-01": ("weak", WEAK),  # and has improved since: its letter says where
    "LU-FIN-01": ("average", AVERAGE),
    "EE-HEALTH-01": ("average", AVERAGE),
}
WITHDRAWN_CLUSTER = "EE-HEALTH-01"


# The demo's campaign speaks each cluster's language: title, secretariat and signature per language.
DEMO_TITLE = {
    "en": "Cluster Management Excellence – demo campaign",
    "fr": "Excellence du management de cluster – campagne de démonstration",
    "de": "Exzellentes Clustermanagement – Demo-Kampagne",
}
DEMO_SECRETARIAT = {
    "en": "Demo label secretariat",
    "fr": "Secrétariat du label (démonstration)",
    "de": "Label-Sekretariat (Demo)",
}
DEMO_SIGNATURE = {
    "en": "Dr Anna Schmidt, head of the label secretariat",
    "fr": "Dr Anna Schmidt, responsable du secrétariat du label",
    "de": "Dr. Anna Schmidt, Leiterin des Label-Sekretariats",
}


def run_demo(
    directory: Path, *, jobs: int = 2, today: dt.date | None = None, clusters: int = DEFAULT_PEERS
) -> list[str]:
    """Build the demo in `directory`: a register holding last year's campaign (in
    `last-year/`), `clusters` made-up peers assessed in earlier campaigns, and this year's
    campaign (in `directory` itself); return the summary lines to print."""
    started = time.perf_counter()
    today = today or dt.date.today()
    _clear(directory)
    # The demo's site is not hosted: its address is the folder, so that a certificate's QR code
    # opens its page on this computer.
    public_url = (directory / PUBLIC_FOLDER).resolve().as_uri()
    register = init_register(directory, name=DEMO_BODY, prefix="DEMO", public_url=public_url)
    last_year, to_render = _last_year(directory / LAST_YEAR_FOLDER, today, jobs)
    _withdraw(register, today)
    peers_line = _peers(register, today, clusters)
    campaign = init_campaign(
        directory,
        title={lang: f"{text} {today.year}" for lang, text in DEMO_TITLE.items()},
        campaign_id=DEMO_ID,
        contact_name=DEMO_SECRETARIAT,
        contact_email="secretariat@label.example",
        today=today,
        signature=DEMO_SIGNATURE,
    )
    scheme = campaign.load_scheme()
    roster = read_roster(campaign.roster_path, scheme.languages)
    if not roster.report.ok:  # the example roster is ours: this is a bug, not a user mistake
        raise CampaignError("the example roster has errors: " + "; ".join(map(str, roster.report.errors)))
    key = read_key(campaign)
    with register.open() as store:  # the clusters labelled last year find it in their workbook
        previous = previous_labels(store.entries(), campaign.id)
    result = generate_workbooks(campaign, scheme, roster.clusters, key, jobs=jobs, previous=previous)
    languages = Counter(c.language for c, _ in result.written)
    # The workbooks go out by e-mail, the clusters answer, and the secretariat imports the
    # mailbox their replies came back in.
    mailed = mail_workbooks(campaign, scheme, roster.clusters, today)
    inbox = campaign.root / "workbooks" / "returned"
    with tempfile.TemporaryDirectory() as filled:
        behaviours = make_returns(
            {c.id: p for c, p in result.written}, scheme, {c.id: c.language for c in roster.clusters}, Path(filled)
        )
        replies = replies_mbox(
            mailed, list(Path(filled).glob("*.xlsx")), campaign, roster.clusters, inbox / "replies.mbox", today
        )
    roster_ids = {c.id for c in roster.clusters}
    senders = {c.email.casefold(): c.id for c in roster.clusters if c.email}
    with Ledger.for_campaign(campaign.root) as ledger:
        last_time = {c: e.answers for c, e in previous.items()}
        imported = import_files(
            campaign,
            scheme,
            roster_ids,
            key,
            ledger,
            [replies],
            previous=last_time,
            senders=senders,
            countries={c.id: c.country for c in roster.clusters},
        )
        states = Counter(s.state for s in campaign_status(roster.clusters, ledger))
        review_lines = _review_stage(campaign, scheme, roster.clusters, key, ledger)
        document_lines, documents = _documents_stage(campaign, scheme, roster.clusters, key, ledger, today)
    render_all(to_render + documents, jobs=jobs)  # both years' documents, in one pool of workers
    register_lines = _register_stage(register, today)
    report_lines = _report_stage(campaign, scheme, roster.clusters, today)
    verdicts = Counter(r.verdict for r in imported)
    lines = [
        f"Demo campaign '{campaign.id}' in {shown(campaign.root)}:",
        f"  scheme     {scheme.id} {scheme.version}: {len(scheme.indicators)} indicators, "
        f"{len(scheme.categories)} categories, {scheme.total_points:g} points",
        f"  roster     {len(roster.clusters)} clusters from {len({c.country for c in roster.clusters})} countries "
        f"({shown(campaign.roster_path)})",
        f"  workbooks  {len(result.written)} self-assessments ("
        + ", ".join(f"{n} in {lang}" for lang, n in sorted(languages.items()))
        + f") in {shown(result.folder)}; {len(result.renewals)} renewals show last year's label and answers",
    ]
    lines += [f"             {path.name}" for _, path in result.written[:3]]
    if len(result.written) > 3:
        lines.append(f"             ... and {len(result.written) - 3} more")
    lines.append(
        f"  mail       {len(mailed.done)} messages with the workbooks, written as .eml files "
        f"({shown(mailed.done[0][2].parent) if mailed.done and mailed.done[0][2] else 'none'})"
    )
    lines.append(
        f"  returns    {len(behaviours)} clusters replied with their workbook, saved as a mailbox ({shown(replies)}):"
    )
    lines += [f"             {b}" for b in behaviours]
    lines.append("  import     " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())))
    lines.append("  status     " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    lines += review_lines
    lines += document_lines
    lines += last_year
    lines += peers_line
    lines += report_lines
    lines += register_lines
    lines.append(f"  time       {time.perf_counter() - started:.1f} s in all")
    lines.append(
        f"See it all with: cd {shown(campaign.root)} && excelcert status; excelcert reconcile; excelcert score"
    )
    lines.append("             and excelcert register list --all; excelcert register renewals --within 24m")
    lines.append(f"Open the public list in a browser: {(directory / PUBLIC_FOLDER / 'index.html').resolve().as_uri()}")
    return lines


def _last_year(directory: Path, today: dt.date, jobs: int) -> tuple[list[str], list[Job]]:
    """Last year's campaign, 13 months before `today`, under the scheme's previous version
    (labels valid 12 months): four clusters took part, all labelled. Returns the summary line
    and the documents to render."""
    month = add_months(month_of(today), -13)
    when = dt.date(int(month[:4]), int(month[5:]), min(today.day, 28))
    current = load_scheme(None)
    previous = replace(current, version=f"{when.year}.1", validity_months=12, renewal_grace_months=6)
    directory.mkdir(parents=True)
    scheme_file = directory / "scheme-previous.yaml"
    scheme_file.write_text(scheme_to_yaml(previous), encoding="utf-8")
    campaign = init_campaign(
        directory,
        scheme_file=scheme_file,
        title={lang: f"{text} {when.year}" for lang, text in DEMO_TITLE.items()},
        campaign_id=f"{DEMO_ID}-{when.year}",
        contact_name=DEMO_SECRETARIAT,
        contact_email="secretariat@label.example",
        today=when,
        signature=DEMO_SIGNATURE,
    )
    scheme_file.unlink()
    scheme = campaign.load_scheme()
    clusters = [c for c in read_roster(campaign.roster_path, scheme.languages).clusters if c.id in LAST_YEAR]
    key = read_key(campaign)
    result = generate_workbooks(campaign, scheme, clusters, key, jobs=jobs)
    inbox = campaign.root / "workbooks" / "returned"
    make_returns({c.id: p for c, p in result.written}, scheme, {c.id: c.language for c in clusters}, inbox, LAST_YEAR)
    with Ledger.for_campaign(campaign.root) as ledger:
        import_files(campaign, scheme, {c.id for c in clusters}, key, ledger, [inbox])
        _review_stage(campaign, scheme, clusters, key, ledger)
        _, documents = _documents_stage(campaign, scheme, clusters, key, ledger, when)
    line = (
        f"  last year  campaign '{campaign.id}' of {when.isoformat()} (scheme {scheme.version}: labels valid 12 months), "
        f"{len(LAST_YEAR)} clusters took part, in {shown(campaign.root)}"
    )
    return [line], documents


def _peers(register: Register, today: dt.date, count: int) -> list[str]:
    """The peer database: `count` made-up, plausible clusters assessed in earlier campaigns."""
    if count <= 0:
        return []
    scheme = load_scheme(None)
    made = synthetic_peers(scheme, count, today=today, campaign_prefix=f"{DEMO_ID}-history")
    with register.open() as store:
        store.record_assessments(made)
    sectors, countries = len({a.sector for a in made}), len({a.country for a in made})
    return [
        f"  peers      {count} clusters assessed in earlier campaigns ({sectors} sectors, {countries} countries; "
        "made up, answers correlated with size and age) in the register: the peers of benchmarking"
    ]


def _report_stage(campaign: Campaign, scheme: Scheme, clusters: list[Cluster], today: dt.date) -> list[str]:
    """Every scored cluster against its peers, and the campaign report (workbook and HTML)."""
    with Ledger.for_campaign(campaign.root) as ledger:
        register = register_of(campaign)
        peers = campaign_peers(campaign, scheme, clusters, ledger, register)
        found = benchmark(scheme, peers, campaign.benchmark_min_group)
        reviewers = read_reviewers(campaign.reviewers_path).reviewers
        done = campaign_report(campaign, scheme, clusters, reviewers, ledger, peers, found, today=today)
    visible = [g for g in found.groups if g.shown]
    return [
        f"  benchmark  {found.peers} peers from {found.campaigns} campaigns: {len(visible)} of {len(found.groups)} "
        f"peer groups shown (at least {found.min_group} members); excelcert benchmark",
        f"  report     the campaign report {shown(done.workbook)} and {done.html.name} (one file for funders)",
    ]


def _withdraw(register: Register, today: dt.date) -> None:
    """A month ago, one of last year's labels was withdrawn: its cluster merged into another."""
    with register.open() as store:
        withdrawn = next(e for e in store.entries() if e.cluster_id == WITHDRAWN_CLUSTER)
        store.withdraw(
            withdrawn.number,
            on=(today - dt.timedelta(days=30)).isoformat(),
            reason="The cluster organisation merged into another one; the label does not pass to it.",
            by="Demo label board",
        )


def _register_stage(register: Register, today: dt.date) -> list[str]:
    """What the register holds now; the public site."""
    with register.open() as store:
        entries = store.entries()
    listed = states_on(entries, today)
    site = publish_site(register, entries, register.root / PUBLIC_FOLDER, today)
    states = Counter(item.state for item in listed)
    renewed = sum(1 for item in listed if item.entry.continues)
    return [
        f"  register   {len(listed)} certificates in {shown(register.database_path)}: "
        + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        + f"; {renewed} renewed this year, continuing last year's validity",
        f"  public     the public list and a verification page per certificate (en, fr, de) in {shown(site.directory)}",
    ]


def _documents_stage(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    key: bytes,
    ledger: Ledger,
    today: dt.date | None,
) -> tuple[list[str], list[Job]]:
    """Scores and labels, the results workbook, and the certificates, feedback and correction
    letters to render (the summary lines, and the documents)."""
    results = score_and_record(scheme, clusters, ledger)
    register = register_of(campaign)
    if register is not None:
        record_assessments(register, campaign, scheme, clusters, ledger, results, today)
    xlsx, _ = write_results(campaign.output_dir, campaign, scheme, clusters, results)
    issued = plan_and_number(
        campaign,
        scheme,
        clusters,
        ledger,
        key,
        kinds=("certificate", "letter", "correction"),
        today=today,
        results=results,
        register=register,
    )
    kinds = Counter(job.kind for job in issued.documents)
    lines = [
        f"  score      {len(results.scores)} clusters scored, {len(results.incomplete)} incomplete ({shown(xlsx)})"
    ]
    lines += [
        f"             {s.cluster_id:<12} {s.total:g} / {s.max_points:g} points ({s.share:.1f} %): "
        f"{scheme.label_name(s.label, 'en') if s.label else 'no label'}"
        for s in results.scores
    ]
    lines.append(
        f"  documents  {kinds['certificate']} certificates, {kinds['letter']} feedback letters, "
        f"{counted(kinds['benchmark'], 'benchmarking report')}, "
        f"{counted(kinds['correction'], 'correction letter')} in {shown(issued.folder)}"
    )
    return lines, issued.documents


def _review_stage(campaign: Campaign, scheme: Scheme, clusters: list[Cluster], key: bytes, ledger: Ledger) -> list[str]:
    """Assign reviewers, write their workbooks, let them review, import, reconcile, arbitrate."""
    reviewers = read_reviewers(campaign.reviewers_path).reviewers
    assigned = workflow.assign(campaign, clusters, reviewers, ledger)
    if not assigned.stored:  # the example rosters are ours: this is a bug, not a user mistake
        raise CampaignError("the example assignment failed: " + "; ".join(map(str, assigned.report.errors)))
    written = generate_reviews(campaign, scheme, clusters, reviewers, ledger, key)
    inbox = campaign.root / "workbooks" / "reviews-returned"
    inbox.mkdir(parents=True, exist_ok=True)
    slots: dict[str, int] = {}
    by_id = {r.id: r for r in reviewers}
    for pair, path in written.written:
        slot = slots.get(pair.cluster_id, 0)
        slots[pair.cluster_id] = slot + 1
        lang = next((x for x in by_id[pair.reviewer_id].languages if x in scheme.languages), "en")
        own = ledger.current(pair.cluster_id, ROLE_SELF_ASSESSMENT)
        values = {a.indicator_id: a.value for a in ledger.answers(own.id)} if own else {}
        cluster_lang = next(c.language for c in clusters if c.id == pair.cluster_id)
        target = inbox / f"{pair.reviewer_id} {path.name}"
        fill_review(path, target, scheme, pair.cluster_id, slot, lang, cluster_lang, values)
    roster_ids = {c.id for c in clusters}
    reviewer_ids = {r.id for r in reviewers}
    reviews = import_files(campaign, scheme, roster_ids, key, ledger, [inbox], reviewer_ids=reviewer_ids)
    first = workflow.reconcile(campaign, scheme, clusters, ledger, key)
    decided = False
    if first.arbitration is not None and decide(first.arbitration):
        decided = True
        import_files(campaign, scheme, roster_ids, key, ledger, [first.arbitration], reviewer_ids=reviewer_ids)
    final = workflow.reconcile(campaign, scheme, clusters, ledger, key, write=False)
    sources = Counter({p: n for f in final.clusters for p, n in f.sources.items()})
    states = Counter(f.state for f in final.clusters)
    return [
        f"  reviewers  {len(reviewers)} reviewers ({shown(campaign.reviewers_path)}), {len(assigned.pairs)} assignments "
        f"({shown(assigned.workbook)})",
        f"  reviews    {len(written.written)} reviewer workbooks in {shown(written.folder)}; "
        f"{sum(r.verdict != 'rejected' for r in reviews)} returned and imported, with notes on cells",
        f"  arbitrate  {counted(len(first.flagged), 'item')} flagged ({shown(first.arbitration)}); "
        + ("1 decided and imported" if decided else "none decided"),
        "  reconcile  "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + "; final values: "
        + ", ".join(f"{n} {p}" for p, n in sorted(sources.items())),
    ]


def _clear(directory: Path) -> None:
    """Remove an earlier demo (even one that stopped half way), and nothing else."""
    if not directory.exists():
        return
    config = directory / CONFIG_NAME
    # only what the demo makes: a campaign with the demo's id, or the demo's register, and
    # nothing in the folder but what the demo puts there
    made = {CONFIG_NAME, REGISTER_CONFIG, "register.sqlite", "register.sqlite-wal", "register.sqlite-shm"}
    made |= {"campaign.key", ".gitignore", "scheme.yaml", "ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"}
    made |= {"workbooks", "templates", "output", "archive", LAST_YEAR_FOLDER, PUBLIC_FOLDER}
    made |= {".excelcert.lock", ".excelcert.lock.info"}
    only_ours = all(child.name in made for child in directory.iterdir()) if directory.is_dir() else False
    earlier = config.is_file() and read_config(directory).id == DEMO_ID
    half_made = (directory / REGISTER_CONFIG).is_file() and read_register(directory).name == DEMO_BODY
    if only_ours and (earlier or half_made):
        shutil.rmtree(directory)
        return
    if directory.is_dir() and not any(directory.iterdir()):
        return
    raise CampaignError(
        f"{directory} exists and is not a demo campaign; it was left alone. Give another folder with --dir."
    )
