"""Issue the documents: certificates (with their numbers from the ledger), feedback
letters and correction letters, one folder per cluster under
`output/<campaign>/documents/`. Rendering (charts included) runs in parallel with `jobs`;
numbering and the ledger stay in this process, so numbers follow the roster's order. The
documents are planned a cluster at a time while the workers render the ones planned
before, so the two overlap and memory stays flat however many clusters there are."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from excelcert.base.files import atomic_path, safe_filename
from excelcert.base.ledger import Certificate, Ledger
from excelcert.benchmark import Benchmark, benchmark_campaign
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.documents.benchmarking import benchmark_context, benchmark_summary
from excelcert.documents.charts import emblem, emblem_svg
from excelcert.documents.context import (
    certificate_context,
    certificate_reference,
    correction_context,
    language,
    letter_context,
    verification_code,
)
from excelcert.documents.names import document_name, document_stem, is_document
from excelcert.documents.pdf import PdfError, to_pdf
from excelcert.documents.render import find_template, render
from excelcert.intake.corrections import collect_corrections
from excelcert.register.club import club_consent
from excelcert.register.config import Register
from excelcert.register.lists import previous_labels
from excelcert.register.rules import DEFAULT_GRACE_MONTHS, DEFAULT_VALIDITY_MONTHS, month_of, validity
from excelcert.register.store import Draft, Entry, RegisterStore
from excelcert.results.scores import Results, assessed_month, record_assessments, score_and_record
from excelcert.review.final import ClusterFinal
from excelcert.scheme.model import Scheme
from excelcert.scoring.rules import Score


@dataclass(slots=True)  # every document's stays listed once rendered (lightened): no __dict__ each
class Job:
    cluster_id: str
    kind: str
    template: Path
    context: dict[str, Any]
    pictures: dict[str, Any]
    out: Path


@dataclass
class Issued:
    folder: Path
    documents: list[Job] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    results: Results | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # cluster -> why it got no letter
    withdrawn: dict[str, str] = field(default_factory=dict)  # cluster -> certificate withdrawn: not issued again
    retired: dict[str, str] = field(default_factory=dict)  # cluster -> its earlier certificate, withdrawn now
    # the clusters against their peers, when letters are issued (dropped once every letter is
    # planned: the standings are in their contexts, and the correction letters need none)
    benchmark: Benchmark | None = None


def documents_folder(campaign: Campaign) -> Path:
    return campaign.output_dir / "documents"


def cluster_folder(campaign: Campaign, cluster: Cluster) -> Path:
    return documents_folder(campaign) / safe_filename(f"{cluster.id} {cluster.name}")


def plan_and_number(
    campaign: Campaign, scheme: Scheme, clusters: list[Cluster], ledger: Ledger, key: bytes, **options: Any
) -> Issued:
    """Decide every document to write; nothing is rendered yet. Side effects: the scores
    are recorded in the ledger (unless `results` are given), and every certificate gets its
    number (the same one again when it was issued before), in the ledger and, when the
    campaign has a `register`, in the register, which then numbers it across campaigns and
    continues a renewed label's validity. `options`: those of `plan_documents`."""
    issued, planned = plan_documents(campaign, scheme, clusters, ledger, key, **options)
    for _ in planned:
        pass
    return issued


def plan_documents(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    key: bytes,
    *,
    kinds: tuple[str, ...],
    today: dt.date | None = None,
    results: Results | None = None,
    register: Register | None = None,
) -> tuple[Issued, Generator[Job, None, None]]:
    """`plan_and_number` one cluster at a time: the scores are recorded at once, the documents
    are planned (and certificates numbered) as the iterator is consumed, each job added to
    `issued.documents` as it is yielded. So a caller can render the first clusters' documents
    while the next ones are planned, and drop each context once rendered."""
    today = today or dt.date.today()
    if results is None:
        results = score_and_record(scheme, clusters, ledger)
        if register is not None:
            record_assessments(register, campaign, scheme, clusters, ledger, results, today)
    issued = Issued(documents_folder(campaign), results=results)
    if "letter" in kinds:
        issued.benchmark = benchmark_campaign(campaign, scheme, clusters, ledger, register)
    scored, day = results, today

    def planned() -> Generator[Job, None, None]:
        numbering = _Numbering(campaign, scheme, ledger, key, day, scored, register)
        try:
            for cluster in clusters:
                start = len(issued.documents)
                _plan_cluster(campaign, scheme, cluster, ledger, kinds, day, issued, numbering)
                yield from issued.documents[start:]
        finally:
            numbering.close()
        issued.benchmark = None  # every cluster's standings and the arrays they are views of: not held to the end
        if "correction" in kinds:
            by_id = {c.id: c for c in clusters}
            for item in collect_corrections(clusters, ledger, scheme):
                cluster = by_id[item.cluster.id]
                context, pictures = correction_context(scheme, campaign, cluster, item, day)
                lang = language(scheme, cluster)
                template = find_template(_templates(campaign), "correction", lang, scheme.default_language)
                out = cluster_folder(campaign, cluster) / document_name("correction", cluster.id, lang)
                _remove_others(out.parent, cluster.id, "correction", out.stem)
                job = Job(cluster.id, "correction", template, context, pictures, out)
                issued.documents.append(job)
                yield job

    return issued, planned()


def _templates(campaign: Campaign) -> Path:
    return campaign.root / "templates"


def _plan_cluster(
    campaign: Campaign,
    scheme: Scheme,
    cluster: Cluster,
    ledger: Ledger,
    kinds: tuple[str, ...],
    today: dt.date,
    issued: Issued,
    numbering: _Numbering,
) -> None:
    """The certificate and letter of one cluster."""
    results = numbering.results
    lang = language(scheme, cluster)
    score = results.score_of(cluster.id)
    if score is None:
        issued.skipped[cluster.id] = "incomplete" if cluster.id in results.incomplete else "no self-assessment"
        if "certificate" in kinds:
            numbering.retire(cluster, None, issued)
        return
    out = cluster_folder(campaign, cluster)
    if "certificate" in kinds:
        numbering.retire(cluster, score.label, issued)
    if "certificate" in kinds and score.label:
        certificate = numbering.certificate(cluster, score)
        if certificate.reference in numbering.withdrawn:
            issued.withdrawn[cluster.id] = numbering.withdrawn[certificate.reference]
            _remove_certificate(out, cluster.id, None)  # a withdrawn certificate is never sent again
        else:
            issued.certificates.append(certificate)
            # the certificate says what the register says of the cluster, so that a copy verifies
            entered = numbering.entered.get(cluster.id)
            shown = replace(cluster, name=entered.name, country=entered.country) if entered else cluster
            context, pictures = certificate_context(scheme, campaign, shown, score, certificate, numbering.register)
            template = find_template(_templates(campaign), "certificate", lang, scheme.default_language, score.label)
            label_name = scheme.label_name(score.label, lang)
            name = document_name("certificate", cluster.id, lang, label_name)
            _remove_certificate(out, cluster.id, label_name, lang)
            issued.documents.append(Job(cluster.id, "certificate", template, context, pictures, out / name))
            # the seal, for the cluster's website and brochures: as PNG and SVG beside the certificate
            seal = {"seal": pictures["emblem"]}
            name = document_name("seal", cluster.id, lang, label_name)
            issued.documents.append(Job(cluster.id, "seal", template, {}, seal, out / name))
    elif "certificate" in kinds:
        _remove_certificate(out, cluster.id, None)
    if "letter" in kinds:
        final = results.finals[cluster.id]
        appreciation = _appreciation(ledger, final)
        certificate_now = numbering.issued_certificate(cluster, score)
        context, pictures = letter_context(
            scheme,
            campaign,
            cluster,
            score,
            final,
            results.medians,
            appreciation,
            today,
            numbering.previous(cluster.id),
            certificate_now,
        )
        mine = issued.benchmark.cluster(cluster.id) if issued.benchmark else None
        context["benchmark_summary"] = benchmark_summary(scheme, mine, issued.benchmark, lang, cluster)
        template = find_template(_templates(campaign), "letter", lang, scheme.default_language)
        name = document_name("letter", cluster.id, lang)
        _remove_others(out, cluster.id, "letter", Path(name).stem)
        issued.documents.append(Job(cluster.id, "letter", template, context, pictures, out / name))
        report = None  # a report of an earlier run goes when the cluster has none now: the letter does not enclose it
        if mine is not None and issued.benchmark is not None and mine.reference is not None:
            context, pictures = benchmark_context(scheme, campaign, cluster, mine, issued.benchmark, today)
            template = find_template(_templates(campaign), "benchmark", lang, scheme.default_language)
            name = document_name("benchmark", cluster.id, lang)
            report = Path(name).stem
            issued.documents.append(Job(cluster.id, "benchmark", template, context, pictures, out / name))
        _remove_others(out, cluster.id, "benchmark", report)
        if issued.benchmark is not None:
            issued.benchmark.forget(cluster.id)  # its standings are in the contexts now: not kept for every cluster


class _Numbering:
    """Gives each certificate its number, dates and code: from the ledger alone, or through the
    register when the campaign has one (opened on first use)."""

    def __init__(
        self,
        campaign: Campaign,
        scheme: Scheme,
        ledger: Ledger,
        key: bytes,
        today: dt.date,
        results: Results,
        register: Register | None,
    ):
        self.campaign, self.scheme, self.ledger, self.key = campaign, scheme, ledger, key
        self.today, self.results, self.register = today, results, register
        self.months = scheme.validity_months or DEFAULT_VALIDITY_MONTHS
        self.grace = scheme.renewal_grace_months if scheme.renewal_grace_months is not None else DEFAULT_GRACE_MONTHS
        self._store: RegisterStore | None = None
        self._previous: dict[str, Entry] | None = None
        self.entered: dict[str, Entry] = {}  # cluster -> its entry in the register, this run
        self.withdrawn: dict[str, str] = {}  # reference -> when and why, for certificates the register withdrew

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def _opened(self) -> RegisterStore | None:
        if self._store is None and self.register is not None:
            self._store = self.register.open()
        return self._store

    def retire(self, cluster: Cluster, label: str | None, issued: Issued) -> None:
        """Withdraw, in the register, this campaign's certificates of the cluster for another label
        than the one it holds now (its result changed since they were issued: none may stay valid)."""
        store = self._opened()
        if store is None:
            return
        now = self.scheme.label_name(label) if label else "no label"
        for entry in store.of_cluster(cluster.id):
            if entry.campaign_id == self.campaign.id and entry.label != label and not entry.withdrawn_on:
                reason = f"replaced: the cluster's result in campaign {self.campaign.id} changed (now: {now})"
                on = max(self.today.isoformat(), entry.issued_on)  # never before it was issued
                store.withdraw(entry.number, on=on, reason=reason, by="excelcert certify")
                issued.retired[cluster.id] = f"{entry.reference} ({entry.label_name}) withdrawn: {reason}"

    def issued_certificate(self, cluster: Cluster, score: Score) -> Certificate | None:
        """The cluster's certificate for its label, when one was issued (not withdrawn)."""
        if not score.label:
            return None
        found = self.ledger.certificate_of(cluster.id, score.label)
        return None if found is None or found.reference in self.withdrawn else found

    def previous(self, cluster_id: str) -> Entry | None:
        """The cluster's last label from another campaign (None without a register)."""
        if self._previous is None:
            store = self._opened()
            self._previous = previous_labels(store.entries(), self.campaign.id) if store is not None else {}
        return self._previous.get(cluster_id)

    def club_consent(self, cluster: Cluster) -> bool:
        """Whether the manager agreed to the club directory: as the cluster answered on its
        workbook's profile sheet, else as the roster says."""
        return club_consent(self.ledger.profile(self.results.finals[cluster.id].submission.id), cluster.club)

    def certificate(self, cluster: Cluster, score: Score) -> Certificate:
        label = score.label or ""
        existing = self.ledger.certificate_of(cluster.id, label)
        if existing is not None and self.register is None:
            return existing
        when = self.today.isoformat()
        assessed = min(assessed_month(self.ledger, self.results.finals[cluster.id]), month_of(self.today))
        code = verification_code(self.key, self.campaign, cluster.id, label, when)
        score_id = self.results.score_ids.get(cluster.id, 0)
        if self.register is None:
            valid = validity(assessed, [], months=self.months, grace=self.grace)
            reference = certificate_reference(self.campaign, self.today)
            return self.ledger.certificate_for(
                cluster.id, label, when, reference, code, valid.valid_until.isoformat(), score_id
            )
        store = self._opened()
        assert store is not None
        previous = [  # the labels this one may continue: from other campaigns, assessed and issued before it
            e
            for e in store.of_cluster(cluster.id)
            if e.campaign_id != self.campaign.id and e.assessed <= assessed and e.issued_on <= when
        ]
        valid = validity(assessed, previous, months=self.months, grace=self.grace)
        rule = self.scheme.label(label)
        draft = Draft(
            cluster_id=cluster.id,
            name=cluster.name,
            country=cluster.country,
            sector=cluster.group,
            website=cluster.website,
            contact_name=cluster.contact_name,
            email=cluster.email,
            language=cluster.language,
            club_consent=self.club_consent(cluster),
            label=label,
            label_name=self.scheme.label_name(label),
            label_rank=rule.order,
            scheme_id=self.scheme.id,
            scheme_version=self.scheme.version,
            campaign_id=self.campaign.id,
            assessed=assessed,
            issued_on=existing.issued_on if existing else when,
            valid_until=existing.valid_until if existing else valid.valid_until.isoformat(),
            continues=None if existing else valid.continues,
            points=score.total,
            max_points=score.max_points,
            answers=self.results.finals[cluster.id].values,
            indicator_points=dict(score.points),
            grace_months=self.grace,
            campaign_key=hashlib.sha256(b"excelcert campaign|" + self.key).hexdigest()[:16],
            label_names={lang: self.scheme.label_name(label, lang) for lang in self.scheme.languages},
            sectors={lang: cluster.group_in(lang) for lang in self.scheme.languages if cluster.group_in(lang)},
            salutation=cluster.salutation,
        )
        if existing is not None:  # issued before the campaign had its register: entered as it is
            entry = store.enter(draft, lambda _: existing.reference, lambda _: existing.code)
        else:
            entry = store.enter(draft, self.register.reference(self.today.year), code)
        self.entered[cluster.id] = entry
        if entry.withdrawn_on:
            self.withdrawn[entry.reference] = f"withdrawn on {entry.withdrawn_on}: {entry.withdrawn_reason}"
        return self.ledger.certificate_for(
            cluster.id,
            label,
            entry.issued_on,
            lambda _: entry.reference,
            lambda _: entry.code,
            entry.valid_until,
            score_id,
        )


def _remove_certificate(folder: Path, cluster_id: str, label_name: str | None, lang: str = "en") -> None:
    """A certificate file excelcert wrote earlier for another label (the cluster's label has
    changed since) or in another language goes, with its PDF and its seal, so that nobody
    sends it; the ledger keeps its record. Without `label_name`, every certificate goes."""
    for kind in ("certificate", "seal"):
        _remove_others(
            folder, cluster_id, kind, document_stem(kind, cluster_id, lang, label_name) if label_name else None
        )


def _remove_others(folder: Path, cluster_id: str, kind: str, keep: str | None) -> None:
    """Remove the cluster's documents of `kind` (Word file, PDF; a seal's PNG and SVG) named
    otherwise than `keep` (a file name without suffix; None: remove all): the same document
    written earlier under another language's name, for another label or under an earlier
    version's name, which would otherwise lie beside it and be mailed with it. The PDF of the
    document written again goes too: it shows the earlier version, and the documents message
    would prefer it to the new Word file (`--pdf` makes it again). The folder is
    listed and names compared as text (a glob would read a cluster id's `[` or `*` as a
    pattern, and compiles one pattern per cluster)."""
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.is_file()]
    except FileNotFoundError:
        return
    for name in names:
        path = Path(name)
        if is_document(name, kind, cluster_id) and (path.stem != keep or path.suffix == ".pdf"):
            (folder / name).unlink()


def _appreciation(ledger: Ledger, final: ClusterFinal) -> dict[str, list[str]]:
    """The reviewers' strengths and recommendations for the cluster, from the reviews that count."""
    out: dict[str, list[str]] = {"strengths": [], "recommendations": []}
    for review in ledger.current_reviews(final.cluster_id):
        if review.reviewer_id in final.reviewers:
            for note in ledger.notes(review.id):
                if note.kind in out and note.text not in out[note.kind]:
                    out[note.kind].append(note.text)
    return out


def _render(job: Job) -> Path:
    if job.kind == "seal":
        return _write_seal(job)
    return render(job.template, job.context, job.pictures, job.out)


def _write_seal(job: Job) -> Path:
    """The seal as PNG (`job.out`) and SVG beside it."""
    _, spec = job.pictures["seal"]
    job.out.parent.mkdir(parents=True, exist_ok=True)
    for path, drawn in (
        (job.out, emblem(spec["label_name"], spec["colour"], spec["caption"])),
        (job.out.with_suffix(".svg"), emblem_svg(spec["label_name"], spec["colour"], spec["caption"])),
    ):
        with atomic_path(path) as temp:
            Path(temp).write_bytes(drawn)
    return job.out


def render_all(
    jobs_list: Iterable[Job], jobs: int = 1, *, lighten: bool = False, pool: ProcessPoolExecutor | None = None
) -> list[Path]:
    """Render every job, in order, with `jobs` processes (those of `pool` when given: see
    `started_pool`). The jobs may come from an iterator
    that plans them as it goes (`plan_documents`): they are handed to the workers in slices,
    with a bounded number of slices waiting, so that planning and rendering overlap and only a
    few slices' contexts are held at once. With `lighten`, a job's context and pictures are
    dropped once it is rendered (its cluster, kind, template and file stay), so that memory
    does not grow with the campaign."""
    written: list[Path] = []
    if jobs <= 1:
        for job in jobs_list:
            written.append(_render(job))
            if lighten:
                _lightened(job)
        return written
    waiting: deque[tuple[list[Job], Future[list[Path]]]] = deque()

    def collect() -> None:
        batch, future = waiting.popleft()
        # the paths the job lists (the same objects), not each worker's copy of them
        written.extend(job.out if path == job.out else path for job, path in zip(batch, future.result(), strict=True))
        if lighten:
            for job in batch:
                _lightened(job)

    with pool or ProcessPoolExecutor(max_workers=jobs) as workers:
        remaining = iter(jobs_list)
        while batch := list(islice(remaining, SLICE)):
            waiting.append((batch, workers.submit(_render_slice, batch)))
            while len(waiting) > SLICES_WAITING * jobs:
                collect()
        while waiting:
            collect()
    return written


def started_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` worker processes, started now: forked before the campaign's scores, final values
    and benchmark are read, the workers do not carry a copy of them (a forked worker counts the
    pages it shares with its parent), so that their memory does not grow with the campaign."""
    pool = ProcessPoolExecutor(max_workers=jobs)
    pool.submit(int).result()  # forking starts every worker at the first task
    return pool


SLICE = 8  # documents handed to a worker at once: few enough that the workers share the end evenly
SLICES_WAITING = 4  # slices queued per worker: enough to keep it busy while the next are planned


def _render_slice(batch: list[Job]) -> list[Path]:
    return [_render(job) for job in batch]


def _lightened(job: Job) -> None:
    job.context, job.pictures = {}, {}


@dataclass
class Issuance:
    """What an issuing run wrote: the documents, their PDFs, and why a PDF could not be made."""

    issued: Issued
    written: list[Path]
    pdfs: list[Path] = field(default_factory=list)
    pdf_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        issued = self.issued
        return {
            "folder": str(issued.folder),
            "documents": [
                {"cluster": j.cluster_id, "kind": j.kind, "file": str(j.out), "template": str(j.template)}
                for j in issued.documents
            ],
            "pdf": [str(p) for p in self.pdfs],
            "certificates": [
                {
                    "number": c.reference,
                    "cluster": c.cluster_id,
                    "label": c.label,
                    "issued_on": c.issued_on,
                    "valid_until": c.valid_until,
                    "code": c.code,
                }
                for c in issued.certificates
            ],
            "skipped": issued.skipped,
            "withdrawn": issued.withdrawn,
            "retired": issued.retired,
            "pdf_error": self.pdf_error,
        }


def issue_documents(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    key: bytes,
    *,
    kinds: tuple[str, ...],
    today: dt.date | None = None,
    jobs: int = 1,
    pdf: bool = False,
    register: Register | None = None,
) -> Issuance:
    """Plan (recording scores, numbering certificates), render every document, and convert
    them to PDF when asked; a PDF that cannot be made is reported, the .docx files stay.
    TemplateError when a template cannot be rendered."""
    pool = started_pool(jobs) if jobs > 1 else None
    try:
        issued, planned = plan_documents(
            campaign, scheme, clusters, ledger, key, kinds=kinds, today=today, register=register
        )
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    try:
        outcome = Issuance(issued, render_all(planned, jobs=jobs, lighten=True, pool=pool))
    finally:
        planned.close()  # a document that could not be rendered stops the planning, and the register closes
    if pdf:
        try:
            outcome.pdfs = to_pdf([p for p in outcome.written if p.suffix == ".docx"], jobs=jobs)
        except PdfError as exc:
            outcome.pdf_error = str(exc)
    return outcome
