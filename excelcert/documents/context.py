"""What each document says, as plain data: every value already written the way the
reader's language writes it (Babel), ready for a template. Pictures are described here
and drawn where the document is rendered."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from base64 import b32encode
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from excelcert.assessment.workbook import category_colours
from excelcert.base.i18n import format_date, local_number
from excelcert.base.ledger import Certificate, Submission
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster, country_name
from excelcert.documents.charts import label_colour
from excelcert.documents.names import document_name
from excelcert.documents.texts import doc_text
from excelcert.intake.corrections import CorrectionItem, Corrections
from excelcert.register.config import Register
from excelcert.register.public import verification_url
from excelcert.register.store import Entry
from excelcert.results.decision import explain
from excelcert.review.final import ClusterFinal
from excelcert.review.reconcile import ARBITRATION, PENDING, REVIEWERS
from excelcert.scheme.answers import answer_text
from excelcert.scheme.model import Scheme
from excelcert.scoring.rules import Score, threshold_points

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


def common_context(scheme: Scheme, campaign: Campaign, cluster: Cluster, lang: str, today: dt.date) -> dict[str, Any]:
    """What every document to a cluster shares: date, addressee, the campaign's title and the
    secretariat's name in the cluster's language, salutation and closing."""
    return {
        "today": format_date(today, lang),
        "cluster_name": cluster.name,
        "cluster_id": cluster.id,
        "cluster_country": country_name(cluster.country, lang),
        "contact_name": cluster.contact_name,
        "campaign_title": campaign.title_in(lang),
        "scheme_title": scheme.text(scheme.title, lang),
        "secretariat_name": campaign.secretariat_in(lang),
        "signature": campaign.signature_in(lang),
        "secretariat_email": campaign.contact_email,
        **salutation_and_closing(cluster, lang),
    }


_FEMALE = {"ms", "mrs", "miss", "frau", "madame", "mme", "f", "female", "w"}
_MALE = {"mr", "herr", "monsieur", "m", "male"}
_TITLES = {"dr", "prof", "mag", "di", "dipl.-ing", "ing", "ph.d"}


def salutation_and_closing(cluster: Cluster, lang: str) -> dict[str, str]:
    """A formal letter's salutation and closing in `lang`, from the contact's name and the
    roster's optional form of address (Ms/Mr, Madame/Monsieur, Frau/Herr): 'Sehr geehrte Frau
    Dr. Weber,', 'Madame,' ... 'Veuillez agréer, Madame, ...'; without one, the language's
    neutral form ('Dear Lucía Fernández,', 'Madame, Monsieur,', 'Guten Tag Jana Weber,')."""
    form = cluster.salutation.strip().rstrip(".").casefold()
    gender = "f" if form in _FEMALE else "m" if form in _MALE else ""
    words = cluster.contact_name.split()
    titles = [w for w in words[:-1] if w.rstrip(".").casefold() in _TITLES]
    surname = words[-1] if words else ""
    if gender and surname:
        title = " ".join(titles)
        if lang == "en" and titles:  # 'Dear Dr Weber': an academic title replaces Ms/Mr
            dear = doc_text(lang, "dear_title", title=title.replace(".", ""), name=surname)
        else:
            dear = doc_text(lang, f"dear_{gender}", name=f"{title} {surname}".strip())
        return {"salutation": dear, "closing": doc_text(lang, f"closing_{gender}")}
    if cluster.contact_name:
        return {"salutation": doc_text(lang, "dear", name=cluster.contact_name), "closing": doc_text(lang, "closing")}
    return {"salutation": doc_text(lang, "dear_none"), "closing": doc_text(lang, "closing_none")}


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
    context = common_context(scheme, campaign, cluster, lang, dt.date.fromisoformat(certificate.issued_on))
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
    certificate: Certificate | None = None,
) -> tuple[dict[str, Any], Pictures]:
    """(context, pictures) of a feedback letter: result first, then what to improve. With the
    cluster's `previous` label from the register, what changed since then; with its
    `certificate`, its number and validity in the congratulations and next steps."""
    lang = language(scheme, cluster)
    context = common_context(scheme, campaign, cluster, lang, today)
    context.update(_since_last_time(scheme, score, previous, lang))
    ranked = sorted(scheme.labels, key=lambda r: r.order)
    earned = next((r for r in ranked if r.id == score.label), None)
    # the threshold the text names: the label earned, or (when that one demands no points,
    # or none was earned) the next label that demands points
    above = [r for r in ranked if r.min_percent > 0 and (earned is None or r.order >= earned.order)]
    target = earned if earned is not None and earned.min_percent > 0 else (above[0] if above else earned)
    label_name = scheme.text(earned.name, lang) if earned else doc_text(lang, "no_label")
    # the points sentence already names the points the next label demands: 'why' does not repeat them
    named = target.id if target is not None and target is not earned else None
    failed = [lack for lack in score.failed if not (lack.kind == "points" and lack.label == named)]
    decision = explain(scheme, replace(score, failed=failed), final, lang, you=True)
    context.update(
        {
            "subject": doc_text(lang, "subject", campaign=campaign.title_in(lang)),
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
            "why": decision.sentences,
            "benchmark_summary": [],  # the cluster against its peers (documents.benchmarking), set where issued
            "total": points(score.total, lang),
            "max_points": points(score.max_points, lang),
            "share": percent(score.share, lang),
        }
    )
    topics = {t.id: t for t in scheme.topics}
    # the indicators that block the next label come first, marked as such; then the largest gains
    blocking = {b.indicator_id: b.label for b in decision.blockers}
    weakest = sorted(
        (i for i in scheme.indicators if i.max_points > score.points[i.id] or i.id in blocking),
        key=lambda i: (i.id not in blocking, -(i.max_points - score.points[i.id]), i.id),
    )[: max(IMPROVEMENTS_SHOWN, len(blocking))]
    context["improvements"] = [
        {
            "id": i.id,
            "name": scheme.text(i.name, lang),
            "blocking": (
                doc_text(lang, "blocking_mark", label=scheme.label_name(blocking[i.id], lang))
                if i.id in blocking
                else ""
            ),
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
    context.update(_next_steps(campaign, cluster, earned.id if earned else None, label_name, certificate, lang))
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


def _next_steps(
    campaign: Campaign, cluster: Cluster, label: str | None, label_name: str, certificate: Certificate | None, lang: str
) -> dict[str, Any]:
    """The letter's closing section: congratulations, the certificate, the seal, renewal and
    whom to ask; or, without a label, what the cluster can do next."""
    contact = doc_text(lang, "next_contact", name=campaign.secretariat_in(lang), email=campaign.contact_email)
    if label is None:
        steps = [doc_text(lang, "next_none"), doc_text(lang, "next_again"), contact]
        return {"next_title": doc_text(lang, "next_title_none"), "next_steps": steps}
    png = document_name("seal", cluster.id, lang, label_name)
    svg = f"{Path(png).stem}.svg"
    if certificate is not None:
        valid_until = format_date(dt.date.fromisoformat(certificate.valid_until), lang)
        steps = [
            doc_text(
                lang,
                "next_certificate",
                cluster=cluster.name,
                label=label_name,
                number=certificate.reference,
                valid_until=valid_until,
            ),
            doc_text(lang, "next_seal", png=png, svg=svg),
            doc_text(lang, "next_renewal", valid_until=valid_until),
            contact,
        ]
    else:
        steps = [
            doc_text(lang, "next_certificate_later", cluster=cluster.name, label=label_name),
            doc_text(lang, "next_seal", png=png, svg=svg),
            contact,
        ]
    return {"next_title": doc_text(lang, "next_title"), "next_steps": steps}


def statistics_median_total(medians: dict[str, float], scheme: Scheme) -> float:
    """The campaign median drawn on the total bar: the category medians weighted by their maxima."""
    total = scheme.total_points
    return sum(medians.get(c.id, 0) * scheme.category_points(c.id) for c in scheme.categories) / total if total else 0


def correction_context(
    scheme: Scheme, campaign: Campaign, cluster: Cluster, item: Corrections, today: dt.date
) -> tuple[dict[str, Any], Pictures]:
    """A correction letter from the intake's list of what to fix (`intake.corrections`)."""
    lang = language(scheme, cluster)
    context = common_context(scheme, campaign, cluster, lang, today)
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
        {
            "cell": _unbroken(c.place),
            "indicator": f"{c.indicator} {c.indicator_name}".strip(),
            "value": c.given if str(c.given).strip() else doc_text(lang, "nothing_given"),
            "todo": c.todo,
        }
        for c in item.items
    ]
    return context, {}


CHANGES_SHOWN = 8


def _unbroken(place: str) -> str:
    """A cell reference that a table cell never breaks over lines: non-breaking hyphens, and a
    word joiner after the '!' (Auto-évaluation!E29 stays whole)."""
    return place.replace("-", "\u2011").replace("!", "!\u2060")


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
        moved=_counted(lang, "up", sum(1 for _, b, n in moved if n > b))
        + ", "
        + _counted(lang, "down", sum(1 for _, b, n in moved if n < b)),
    )
    changes = [
        {"name": scheme.text(ind.name, lang), "before": points(before, lang), "now": points(now, lang)}
        for ind, before, now in moved[:CHANGES_SHOWN]
    ]
    return {"since_sentence": sentence, "changes": changes}


def _counted(lang: str, key: str, n: int) -> str:
    """'1 indicator gained points', '27 indicators gained points': no '(s)'."""
    return doc_text(lang, f"{key}_{n if n < 2 else 'n'}", n=n)


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
