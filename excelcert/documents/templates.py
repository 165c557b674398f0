"""The Word templates a campaign uses, and checking them against what excelcert gives them."""

from __future__ import annotations

from pathlib import Path

from excelcert.base.problems import Place, Report, problem
from excelcert.campaign.config import BUILTIN_TEMPLATES, Campaign
from excelcert.documents.benchmarking import sample_benchmark_context
from excelcert.documents.context import sample_context
from excelcert.documents.render import KINDS, check_template
from excelcert.scheme.model import Scheme


def campaign_templates(campaign: Campaign) -> list[Path]:
    """The campaign's own templates (its templates/ folder), else the built-in ones."""
    return sorted((campaign.root / "templates").glob("*.docx")) or sorted(BUILTIN_TEMPLATES.glob("*.docx"))


def check_templates(campaign: Campaign, scheme: Scheme, paths: list[Path]) -> Report:
    """Every problem of the templates at `paths`, each checked against a sample of what its
    kind of document (named by the file: certificate-*, letter-*, correction-*, benchmark-*) gets."""
    report = Report()
    for path in paths:
        kind = path.stem.split("-")[0]
        if kind not in KINDS:
            report.add(problem("template-unknown-kind", Place(path=path.name)))
            continue
        if kind == "benchmark":
            sample = sample_benchmark_context(scheme, campaign)
        else:
            sample = sample_context(kind, scheme, campaign)
        report.extend(check_template(path, sample))
    return report
