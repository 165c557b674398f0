"""What each document says, as plain data: every value already written the way the
reader's language writes it (Babel), ready for a template. Pictures are described here
and drawn where the document is rendered."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from base64 import b32encode
from collections.abc import Callable
from pathlib import Path
from typing import Any

from excelcert.assessment.workbook import category_colours
from excelcert.base.i18n import format_date, local_number
from excelcert.base.ledger import Certificate, Submission
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster, country_name
from excelcert.documents.charts import label_colour
from excelcert.documents.texts import doc_text
from excelcert.intake.corrections import CorrectionItem, Corrections
from excelcert.register.config import Register
from excelcert.register.public import verification_url
from excelcert.register.store import Entry
from excelcert.review.final import ClusterFinal
from excelcert.review.reconcile import ARBITRATION, PENDING, REVIEWERS
from excelcert.scheme.answers import answer_text
from excelcert.scheme.model import Scheme
from excelcert.scoring.rules import Lack, Score, threshold_points

Pictures = dict[str, tuple[str, dict[str, Any]]]  # tag -> (kind, what `render.draw` draws it from)

IMPROVEMENTS_SHOWN = 5
STRENGTHS_SHOWN = 5


def language(scheme: Scheme, cluster: Cluster) -> str:
    return cluster.language if cluster.language in scheme.languages else scheme.default_language


def percent(value: float, lang: str) -> str:
    return f"{local_number(round(value, 1), lang)}\u00a0%"


def points(value: float, lang: str) -> str:
    return local_number(round(value, 1), lang)


def certificate_reference(campaign: Campaign, issued_on: dt.date) -> Callable[[int], str]:
    return lambda number: f"{campaign.id.upper()}-{issued_on.year}-{number:04d}"


def verification_code(
    key: bytes, campaign: Campaign, cluster_id: str, label: str, issued_on: str
) -> Callable[[int], str]:
    """A short code only the secretariat (holding the campaign's key) can make: 10 characters."""

    def code(number: int) -> str:
        digest = hmac.new(
            key, f"{campaign.id}|{number}|{cluster_id}|{label}|{issued_on}".encode(), hashlib.sha256
        ).digest()
        text = b32encode(digest).decode()[:10]
        return f"{text[:5]}-{text[5:]}"

    return code


def _common(scheme: Scheme, campaign: Campaign, cluster: Cluster, lang: str, today: dt.date) -> dict[str, Any]:
    return {
        "today": format_date(today, lang),
        "cluster_name": cluster.name,
        "cluster_id": cluster.id,
        "cluster_country": country_name(cluster.country, lang),
        "contact_name": cluster.contact_name,
        "campaign_title": campaign.title,
        "scheme_title": scheme.text(scheme.title, lang),
        "secretariat_name": campaign.contact_name,
        "secretariat_email": campaign.contact_email,
        "salutation": doc_text(lang, "dear", name=cluster.contact_name or cluster.name),
    }


def certificate_context(
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    score: Score,
    certificate: Certificate,
    register: Register | None = None,
) -> tuple[dict[str, Any], Pictures]:
    """(context, pictures) of a certificate. With the campaign's `register`, a QR code of the
    certificate's verification page (its code after '#') and a caption saying where that page
    is; without one (no public page) both are empty, and the template leaves them out."""
    lang = language(scheme, cluster)
    rule = scheme.label(certificate.label)
    context = _common(scheme, campaign, cluster, lang, dt.date.fromisoformat(certificate.issued_on))
    context.update(
        {
            "label_name": scheme.text(rule.name, lang),
            "label_id": rule.id,
            "certificate_number": certificate.reference,
            "issued_on": format_date(dt.date.fromisoformat(certificate.issued_on), lang),
            "valid_until": format_date(dt.date.fromisoformat(certificate.valid_until), lang),
            "verification_code": certificate.code,
            "total": points(score.total, lang),
            "max_points": points(score.max_points, lang),
            "share": percent(score.share, lang),
            "verification_page": "",
            "qr_caption": "",
            "qr_code": "",
        }
    )
    pictures: Pictures = {
        "emblem": (
            "emblem",
            {
                "label_name": scheme.text(rule.name, lang),
                "colour": label_colour(rule.id, rule.order),
                "caption": certificate.issued_on[:4],
            },
        )
    }
    if register is not None:
        url = verification_url(register, certificate.reference, certificate.code)
        page = url.partition("#")[0]
        # a register without a public address gives the page's path alone: no address to print
        context["verification_page"] = page if "://" in page else ""
        context["qr_caption"] = doc_text(lang, "qr_caption" if context["verification_page"] else "qr_caption_scan")
        pictures["qr_code"] = ("qr", {"data": url})
    return context, pictures


def _why(scheme: Scheme, lacks: list[Lack], lang: str) -> list[str]:
    out = []
    for lack in lacks:
        name = scheme.label_name(lack.label, lang)
        if lack.kind == "points":
            out.append(
                doc_text(
                    lang,
                    "why_points",
                    label=name,
                    need=points(lack.need, lang),
                    percent=percent(lack.percent, lang),
                    total=points(lack.total, lang),
                )
            )
        elif lack.kind == "not met":
            names = ", ".join(f"{scheme.text(scheme.indicator(i).name, lang)} ({i})" for i in lack.indicators)
            out.append(doc_text(lang, "why_not_met", label=name, names=names))
        else:
            out.append(doc_text(lang, "why_review", label=name))
    return out


def letter_context(
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    score: Score,
    final: ClusterFinal,
    medians: dict[str, float],
    appreciation: dict[str, list[str]],
    today: dt.date,
    previous: Entry | None = None,
) -> tuple[dict[str, Any], Pictures]:
    """(context, pictures) of a feedback letter: result first, then what to improve. With the
    cluster's `previous` label from the register, what changed since then."""
    lang = language(scheme, cluster)
    context = _common(scheme, campaign, cluster, lang, today)
    context.update(_since_last_time(scheme, score, previous, lang))
    ranked = sorted(scheme.labels, key=lambda r: r.order)
    earned = next((r for r in ranked if r.id == score.label), None)
    # the threshold the text names: the label earned, or (when that one demands no points,
    # or none was earned) the next label that demands points
    above = [r for r in ranked if r.min_percent > 0 and (earned is None or r.order >= earned.order)]
    target = earned if earned is not None and earned.min_percent > 0 else (above[0] if above else earned)
    label_name = scheme.text(earned.name, lang) if earned else doc_text(lang, "no_label")
    context.update(
        {
            "subject": doc_text(lang, "subject", campaign=campaign.title),
            "has_label": earned is not None,
            "label_name": label_name,
            "result_sentence": doc_text(
                lang, "result_label" if earned else "result_none", cluster=cluster.name, label=label_name
            ),
            "points_sentence": doc_text(
                lang,
                "result_points",
                total=points(score.total, lang),
                max=points(score.max_points, lang),
                share=percent(score.share, lang),
                label=scheme.text(target.name, lang) if target else "",
                threshold_points=points(threshold_points(scheme, target), lang) if target else "",
                threshold=percent(target.min_percent, lang) if target else "",
            ),
            "why": _why(scheme, score.failed, lang),
            "benchmark_summary": [],  # the cluster against its peers (documents.benchmarking), set where issued
            "total": points(score.total, lang),
            "max_points": points(score.max_points, lang),
            "share": percent(score.share, lang),
        }
    )
    topics = {t.id: t for t in scheme.topics}
    weakest = sorted(
        (i for i in scheme.indicators if i.max_points > score.points[i.id]),
        key=lambda i: (-(i.max_points - score.points[i.id]), i.id),
    )[:IMPROVEMENTS_SHOWN]
    context["improvements"] = [
        {
            "id": i.id,
            "name": scheme.text(i.name, lang),
            "points": points(score.points[i.id], lang),
            "max": points(i.max_points, lang),
            "gain": points(i.max_points - score.points[i.id], lang),
            "topics": "; ".join(scheme.text(topics[t].title, lang) for t in i.topics if t in topics) or "–",
        }
        for i in weakest
    ]
    strongest = sorted(
        (i for i in scheme.indicators if i.max_points and score.points[i.id] >= i.max_points),
        key=lambda i: (-i.max_points, i.id),
    )[:STRENGTHS_SHOWN]
    context["strengths"] = [
        {
            "id": i.id,
            "name": scheme.text(i.name, lang),
            "points": points(score.points[i.id], lang),
            "max": points(i.max_points, lang),
        }
        for i in strongest
    ]
    colours = category_colours(scheme)
    categories, bars = [], []
    for cat in scheme.categories:
        maximum = scheme.category_points(cat.id)
        share = 100 * score.category_points[cat.id] / maximum if maximum else 0
        categories.append(
            {
                "name": scheme.text(cat.name, lang),
                "points": points(score.category_points[cat.id], lang),
                "max": points(maximum, lang),
                "share": percent(share, lang),
                "median": percent(medians.get(cat.id, 0), lang),
            }
        )
        bars.append(
            {
                "name": scheme.text(cat.name, lang),
                "share": share,
                "median": medians.get(cat.id, 0),
                "colour": colours[cat.id],
                "points": f"{points(score.category_points[cat.id], lang)} / {points(maximum, lang)}",
            }
        )
    context["categories"] = categories
    total_word = {"en": "Total", "fr": "Total", "de": "Gesamt"}.get(lang, "Total")
    median_total = statistics_median_total(medians, scheme)
    bars.append(
        {
            "name": total_word,
            "share": score.share,
            "median": median_total,
            "colour": "#1F3864",
            "points": f"{points(score.total, lang)} / {points(score.max_points, lang)}",
        }
    )
    thresholds = [
        (
            scheme.text(r.name, lang),
            100 * threshold_points(scheme, r) / scheme.total_points,
            label_colour(r.id, r.order),
        )
        for r in ranked
        if r.min_percent > 0
    ]
    context["appreciation"] = [
        {"title": doc_text(lang, kind), "texts": list(texts)} for kind, texts in appreciation.items() if texts
    ]
    sources = {REVIEWERS: "src_reviewers", ARBITRATION: "src_arbitration", PENDING: "src_pending"}
    values = final.values
    context["answers"] = [
        {
            "id": i.id,
            "name": scheme.text(i.name, lang),
            "answer": answer_text(scheme, i, values.get(i.id), lang) or "–",
            "points": points(score.points[i.id], lang),
            "max": points(i.max_points, lang),
            "source": doc_text(lang, sources.get(score.provenance.get(i.id, ""), "src_self")),
        }
        for i in scheme.indicators
    ]
    pictures = {
        "chart": (
            "chart",
            {
                "bars": bars,
                "thresholds": thresholds,
                "median_label": doc_text(lang, "h_median"),
                "total_label": total_word,
            },
        )
    }
    return context, pictures


def statistics_median_total(medians: dict[str, float], scheme: Scheme) -> float:
    """The campaign median drawn on the total bar: the category medians weighted by their maxima."""
    total = scheme.total_points
    return sum(medians.get(c.id, 0) * scheme.category_points(c.id) for c in scheme.categories) / total if total else 0


def correction_context(
    scheme: Scheme, campaign: Campaign, cluster: Cluster, item: Corrections, today: dt.date
) -> tuple[dict[str, Any], Pictures]:
    """A correction letter from the intake's list of what to fix (`intake.corrections`)."""
    lang = language(scheme, cluster)
    context = _common(scheme, campaign, cluster, lang, today)
    received = format_date(dt.date.fromisoformat(item.received[:10]), lang) if item.received else ""
    key = "corr_rejected" if item.rejected else "corr_incomplete"
    context["intro"] = doc_text(
        lang,
        key,
        file=item.file,
        date=received,
        email=campaign.contact_email,
        deadline=format_date(campaign.deadline, lang),
    )
    context["items"] = [
        {"cell": c.place, "indicator": f"{c.indicator} {c.indicator_name}".strip(), "value": c.given, "todo": c.todo}
        for c in item.items
    ]
    return context, {}


CHANGES_SHOWN = 8


def _since_last_time(scheme: Scheme, score: Score, previous: Entry | None, lang: str) -> dict[str, Any]:
    """The letter's comparison with the cluster's last label: a sentence, and the indicators
    whose points changed most (empty without a previous label, or without its points)."""
    if previous is None or not previous.indicator_points:
        return {"since_sentence": "", "changes": []}
    moved = []
    for ind in scheme.indicators:
        before = previous.indicator_points.get(ind.id)
        now = score.points.get(ind.id, 0.0)
        if before is not None and abs(now - before) > 1e-9:
            moved.append((ind, before, now))
    moved.sort(key=lambda m: (-abs(m[2] - m[1]), m[0].id))
    sentence = doc_text(
        lang,
        "since_sentence" if moved else "since_same",
        label=previous.label_name,
        reference=previous.reference,
        before=points(previous.points or 0, lang),
        max=points(previous.max_points or score.max_points, lang),
        now=points(score.total, lang),
        up=sum(1 for _, b, n in moved if n > b),
        down=sum(1 for _, b, n in moved if n < b),
    )
    changes = [
        {"name": scheme.text(ind.name, lang), "before": points(before, lang), "now": points(now, lang)}
        for ind, before, now in moved[:CHANGES_SHOWN]
    ]
    return {"since_sentence": sentence, "changes": changes}


def sample_context(kind: str, scheme: Scheme, campaign: Campaign) -> dict[str, Any]:
    """Every variable a `kind` document gets, with made-up values: what templates are checked against."""
    cluster = Cluster(
        "XX-SAMPLE-01", "Sample & <Cluster>", "DE", scheme.default_language, "", "A. Manager", "a@b.example"
    )
    rule = scheme.labels_by_rank()[0] if scheme.labels else None
    score = Score(
        cluster.id,
        {i.id: 0.0 for i in scheme.indicators},
        {i.id: False for i in scheme.indicators},
        {c.id: 0.0 for c in scheme.categories},
        0.0,
        scheme.total_points,
        False,
        rule.id if rule else None,
        "",
        [],
    )
    if kind == "certificate":
        certificate = Certificate(
            1, "SAMPLE-2026-0001", cluster.id, rule.id if rule else "", 0, "2026-01-01", "2028-01-01", "ABCDE-FGHIJ"
        )
        register = Register(Path("."), "Sample label body", "SAMPLE", "https://labels.example/")
        context, pictures = certificate_context(scheme, campaign, cluster, score, certificate, register)
    elif kind == "letter":
        submission = Submission(
            0, "", "", 0, "", 0, cluster.id, "self-assessment", None, None, None, "accepted", "", None
        )
        context, pictures = letter_context(
            scheme,
            campaign,
            cluster,
            score,
            ClusterFinal(cluster.id, submission),
            {},
            {"strengths": ["…"]},
            dt.date(2026, 1, 1),
            _sample_entry(scheme, cluster),
        )
        context["benchmark_summary"] = ["…"]
    else:
        item = Corrections(
            cluster, "file.xlsx", "2026-01-01", False, [CorrectionItem("Assessment!E5", "STR-01", "", "", "", True)]
        )
        context, pictures = correction_context(scheme, campaign, cluster, item, dt.date(2026, 1, 1))
    return {**context, **dict.fromkeys(pictures, "")}


def _sample_entry(scheme: Scheme, cluster: Cluster) -> Entry:
    """A made-up earlier label, so that a template's comparison with last time is checked too."""
    first = scheme.indicators[0].id if scheme.indicators else ""
    label = scheme.labels_by_rank()[-1] if scheme.labels else None
    return Entry(
        number=0,
        reference="XX-2025-00001",
        code="",
        entered_at="",
        cluster_id=cluster.id,
        name=cluster.name,
        country=cluster.country,
        sector="",
        website="",
        contact_name="",
        email="",
        language=cluster.language,
        club_consent=False,
        label=label.id if label else "",
        label_name=scheme.text(label.name) if label else "",
        label_rank=0,
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        campaign_id="sample",
        assessed="2025-01",
        issued_on="2025-01-15",
        valid_until="2027-01-31",
        continues=None,
        points=0.0,
        max_points=scheme.total_points,
        indicator_points={first: 1.0} if first else {},
    )
