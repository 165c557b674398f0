"""Issue the documents: certificates (with their numbers from the ledger), feedback
letters and correction letters, one folder per cluster under
`output/<campaign>/documents/`. Rendering (charts included) runs in parallel with `jobs`;
numbering and the ledger stay in this process, so numbers follow the roster's order."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from excelcert.base.files import safe_filename
from excelcert.base.ledger import Certificate, Ledger
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.documents.context import (
    DEFAULT_VALIDITY_MONTHS,
    add_months,
    certificate_context,
    certificate_reference,
    correction_context,
    language,
    letter_context,
    verification_code,
)
from excelcert.documents.pdf import PdfError, to_pdf
from excelcert.documents.render import find_template, render
from excelcert.intake.corrections import collect_corrections
from excelcert.results.scores import Results, score_and_record
from excelcert.review.final import ClusterFinal
from excelcert.scheme.model import Scheme


@dataclass
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


def documents_folder(campaign: Campaign) -> Path:
    return campaign.output_dir / "documents"


def cluster_folder(campaign: Campaign, cluster: Cluster) -> Path:
    return documents_folder(campaign) / safe_filename(f"{cluster.id} {cluster.name}")


def plan_and_number(
    campaign: Campaign,
    scheme: Scheme,
    clusters: list[Cluster],
    ledger: Ledger,
    key: bytes,
    *,
    kinds: tuple[str, ...],
    today: dt.date | None = None,
    results: Results | None = None,
) -> Issued:
    """Decide every document to write; nothing is rendered yet. Side effects in the ledger:
    the scores are recorded (unless `results` are given) and every certificate gets its
    number (the same one again when it was issued before)."""
    today = today or dt.date.today()
    results = results or score_and_record(scheme, clusters, ledger)
    issued = Issued(documents_folder(campaign), results=results)
    folder = campaign.root / "templates"
    by_id = {c.id: c for c in clusters}
    months = scheme.validity_months or DEFAULT_VALIDITY_MONTHS
    for cluster in clusters:
        lang = language(scheme, cluster)
        score = results.score_of(cluster.id)
        if score is None:
            issued.skipped[cluster.id] = "incomplete" if cluster.id in results.incomplete else "no self-assessment"
            continue
        out = cluster_folder(campaign, cluster)
        if "certificate" in kinds and score.label:
            when = today.isoformat()
            certificate = ledger.certificate_for(
                cluster.id,
                score.label,
                when,
                certificate_reference(campaign, today),
                verification_code(key, campaign, cluster.id, score.label, when),
                add_months(today, months).isoformat(),
                results.score_ids.get(cluster.id, 0),
            )
            issued.certificates.append(certificate)
            context, pictures = certificate_context(scheme, campaign, cluster, score, certificate)
            template = find_template(folder, "certificate", lang, scheme.default_language, score.label)
            name = f"{cluster.id} certificate {score.label}.docx"
            _remove_other_certificates(out, cluster.id, name)
            issued.documents.append(Job(cluster.id, "certificate", template, context, pictures, out / name))
        elif "certificate" in kinds:
            _remove_other_certificates(out, cluster.id, None)
        if "letter" in kinds:
            appreciation = _appreciation(ledger, results.finals[cluster.id])
            context, pictures = letter_context(
                scheme, campaign, cluster, score, results.finals[cluster.id], results.medians, appreciation, today
            )
            template = find_template(folder, "letter", lang, scheme.default_language)
            issued.documents.append(
                Job(cluster.id, "letter", template, context, pictures, out / f"{cluster.id} letter.docx")
            )
    if "correction" in kinds:
        for item in collect_corrections(clusters, ledger, scheme):
            cluster = by_id[item.cluster.id]
            context, pictures = correction_context(scheme, campaign, cluster, item, today)
            template = find_template(folder, "correction", language(scheme, cluster), scheme.default_language)
            issued.documents.append(
                Job(
                    cluster.id,
                    "correction",
                    template,
                    context,
                    pictures,
                    cluster_folder(campaign, cluster) / f"{cluster.id} corrections.docx",
                )
            )
    return issued


def _remove_other_certificates(folder: Path, cluster_id: str, keep: str | None) -> None:
    """A certificate file excelcert wrote earlier for another label (the cluster's label has
    changed since) goes, with its PDF, so that nobody sends it; the ledger keeps its record."""
    for old in folder.glob(f"{cluster_id} certificate *"):
        if old.suffix in (".docx", ".pdf") and old.with_suffix(".docx").name != keep:
            old.unlink()


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
    return render(job.template, job.context, job.pictures, job.out)


def render_all(jobs_list: list[Job], jobs: int = 1) -> list[Path]:
    if jobs <= 1 or len(jobs_list) <= 1:
        return [_render(job) for job in jobs_list]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_render, jobs_list, chunksize=max(1, len(jobs_list) // (4 * jobs))))


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
) -> Issuance:
    """Plan (recording scores, numbering certificates), render every document, and convert
    them to PDF when asked; a PDF that cannot be made is reported, the .docx files stay.
    TemplateError when a template cannot be rendered."""
    issued = plan_and_number(campaign, scheme, clusters, ledger, key, kinds=kinds, today=today)
    outcome = Issuance(issued, render_all(issued.documents, jobs=jobs))
    if pdf:
        try:
            outcome.pdfs = to_pdf(outcome.written, jobs=jobs)
        except PdfError as exc:
            outcome.pdf_error = str(exc)
    return outcome
