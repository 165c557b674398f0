"""The benchmarking report of one cluster (a Word document that goes with its feedback letter)
and the short benchmarking summary of the letter: the cluster against its peer groups, as
`excelcert.benchmark` computed them (groups under k never shown).

The report: the peer groups it is compared with; a radar chart of its category shares against
its peers' medians and the excellence group's; per category and per indicator its value, the
peers' median and where it stands (bottom quartile, middle, top quartile: a coloured mark
with its word, so that it reads in black and white too); its strengths and gaps against
peers; the training modules and case studies of the scheme's catalogue for the gaps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from excelcert.base.i18n import translated
from excelcert.benchmark.peers import TOTAL, peer_table
from excelcert.benchmark.stats import (
    BOTTOM,
    COUNTRY,
    EVERYONE,
    EXCELLENCE,
    MIDDLE,
    SECTOR,
    TOP,
    Benchmark,
    ClusterBenchmark,
    Figures,
    benchmark,
)
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster, country_name
from excelcert.documents.context import Pictures, common_context, language, percent, points
from excelcert.register.store import Assessment
from excelcert.scheme.model import Scheme

STRENGTHS_SHOWN = 5
GAPS_SHOWN = 6
POSITION_COLOURS = {BOTTOM: "F4B6B6", MIDDLE: "FBE3A6", TOP: "B9E0B0"}  # cell shading: red, amber, green
NO_POSITION = "EDEDED"
RADAR_CLUSTER, RADAR_PEERS, RADAR_EXCELLENCE = "#1F3864", "#ED7D31", "#C9A227"

BENCH: dict[str, dict[str, str]] = {
    "en": {
        "title": "Benchmarking report",
        "campaign": "{n} campaign",
        "campaigns": "{n} campaigns",
        "subtitle": "{cluster} compared with its peers",
        "intro": (
            "This report compares your results with those of other clusters assessed under the same scheme: "
            "{peers} clusters from {campaigns}, each counted once with its latest assessment. Only "
            "group figures are shown, and only for groups of at least {k} clusters; no other cluster can be "
            "recognised in them."
        ),
        "groups_title": "Your peer groups",
        "h_group": "Group",
        "h_members": "Clusters",
        "everyone": "All peers",
        "excellence": "Excellence group",
        "excellence_label": "holders of the {label} label",
        "excellence_decile": "the best tenth of all peers",
        "sector": "Sector: {name}",
        "country": "Country: {name}",
        "not_shown": "Not shown (fewer than {k} clusters, or too close to a larger group): {groups}.",
        "reference": "The positions below (bottom quartile, middle, top quartile) are measured among {group}.",
        "among_sector": "the clusters of your sector ({name})",
        "among_country": "the clusters of your country ({name})",
        "among_everyone": "all peers",
        "among_excellence": "the excellence group",
        "radar_title": "Your share of each category's points, against the peers' median and the excellence group's median",
        "you": "Your cluster",
        "peers_median": "Peers' median",
        "excellence_median": "Excellence group's median",
        "categories_title": "Categories",
        "indicators_title": "Indicators",
        "h_category": "Category",
        "h_indicator": "Indicator",
        "h_you": "You",
        "h_median": "Peers' median",
        "h_excellence": "Excellence",
        "h_position": "Where you stand",
        "bottom": "▼ bottom quartile",
        "middle": "● middle",
        "top": "▲ top quartile",
        "none": "– not shown",
        "total": "Total",
        "total_sentence": "Your total is {share} of the points, at the {pct} percentile among {group}.",
        "strengths_title": "Your strengths against your peers",
        "strengths_none": "No indicator in the top quartile of your peers.",
        "gaps_title": "Your gaps against your peers",
        "gaps_none": "No indicator in the bottom quartile of your peers.",
        "training_title": "Training modules and case studies for your gaps",
        "training_none": "None of your gaps has a training module or case study in the catalogue yet.",
        "kind_training": "Training module",
        "kind_case-study": "Case study",
        "note": "Indicators are compared on their points; categories and the total on their share of the maximum points. The quartiles divide the peers' values into four groups of equal size.",
        "summary_title": "Compared with your peers",
        "summary_total": "Your total lies in the {where} of {group}, at the {pct} percentile.",
        "summary_strengths": "Your strongest points against your peers: {items}.",
        "summary_gaps": "Where your peers do better: {items}.",
        "summary_report": "The enclosed benchmarking report gives the detail and the training modules for your gaps.",
        "where_bottom": "bottom quartile",
        "where_middle": "middle half",
        "where_top": "top quartile",
        "page": "Page",
    },
    "fr": {
        "title": "Rapport de benchmarking",
        "campaign": "{n} campagne",
        "campaigns": "{n} campagnes",
        "subtitle": "{cluster} comparé à ses pairs",
        "intro": (
            "Ce rapport compare vos résultats à ceux d'autres clusters évalués selon le même référentiel : "
            "{peers} clusters de {campaigns}, chacun compté une fois avec sa dernière évaluation. Seuls "
            "des chiffres de groupe sont montrés, et seulement pour des groupes d'au moins {k} clusters ; aucun "
            "autre cluster ne peut y être reconnu."
        ),
        "groups_title": "Vos groupes de pairs",
        "h_group": "Groupe",
        "h_members": "Clusters",
        "everyone": "Tous les pairs",
        "excellence": "Groupe d'excellence",
        "excellence_label": "titulaires du label {label}",
        "excellence_decile": "le meilleur dixième des pairs",
        "sector": "Secteur : {name}",
        "country": "Pays : {name}",
        "not_shown": "Non montrés (moins de {k} clusters, ou trop proches d'un groupe plus large) : {groups}.",
        "reference": "Les positions ci-dessous (quartile inférieur, milieu, quartile supérieur) sont mesurées parmi {group}.",
        "among_sector": "les clusters de votre secteur ({name})",
        "among_country": "les clusters de votre pays ({name})",
        "among_everyone": "l'ensemble des pairs",
        "among_excellence": "le groupe d'excellence",
        "radar_title": "Votre part des points de chaque catégorie, face à la médiane des pairs et à celle du groupe d'excellence",
        "you": "Votre cluster",
        "peers_median": "Médiane des pairs",
        "excellence_median": "Médiane du groupe d'excellence",
        "categories_title": "Catégories",
        "indicators_title": "Indicateurs",
        "h_category": "Catégorie",
        "h_indicator": "Indicateur",
        "h_you": "Vous",
        "h_median": "Médiane des pairs",
        "h_excellence": "Excellence",
        "h_position": "Votre position",
        "bottom": "▼ quartile inférieur",
        "middle": "● milieu",
        "top": "▲ quartile supérieur",
        "none": "– non montré",
        "total": "Total",
        "total_sentence": "Votre total représente {share} des points, au {pct} centile parmi {group}.",
        "strengths_title": "Vos points forts face à vos pairs",
        "strengths_none": "Aucun indicateur dans le quartile supérieur de vos pairs.",
        "gaps_title": "Vos écarts face à vos pairs",
        "gaps_none": "Aucun indicateur dans le quartile inférieur de vos pairs.",
        "training_title": "Formations et études de cas pour vos écarts",
        "training_none": "Aucun de vos écarts n'a encore de formation ni d'étude de cas au catalogue.",
        "kind_training": "Module de formation",
        "kind_case-study": "Étude de cas",
        "note": "Les indicateurs sont comparés sur leurs points ; les catégories et le total sur leur part du maximum de points. Les quartiles partagent les valeurs des pairs en quatre groupes de même taille.",
        "summary_title": "Comparaison avec vos pairs",
        "summary_total": "Votre total se situe dans {where} parmi {group}, au {pct} centile.",
        "summary_strengths": "Vos points les plus forts face à vos pairs : {items}.",
        "summary_gaps": "Là où vos pairs font mieux : {items}.",
        "summary_report": "Le rapport de benchmarking joint donne le détail et les formations adaptées à vos écarts.",
        "where_bottom": "le quartile inférieur",
        "where_middle": "la moitié centrale",
        "where_top": "le quartile supérieur",
        "page": "Page",
    },
    "de": {
        "title": "Benchmarking-Bericht",
        "campaign": "{n} Kampagne",
        "campaigns": "{n} Kampagnen",
        "subtitle": "{cluster} im Vergleich mit seinen Peers",
        "intro": (
            "Dieser Bericht vergleicht Ihre Ergebnisse mit denen anderer Cluster, die nach demselben Schema bewertet "
            "wurden: {peers} Cluster aus {campaigns}, jeder einmal mit seiner letzten Bewertung gezählt. "
            "Gezeigt werden nur Gruppenwerte, und nur für Gruppen von mindestens {k} Clustern; kein anderer Cluster "
            "ist darin zu erkennen."
        ),
        "groups_title": "Ihre Vergleichsgruppen",
        "h_group": "Gruppe",
        "h_members": "Cluster",
        "everyone": "Alle Peers",
        "excellence": "Exzellenzgruppe",
        "excellence_label": "Inhaber des Labels {label}",
        "excellence_decile": "das beste Zehntel aller Peers",
        "sector": "Branche: {name}",
        "country": "Land: {name}",
        "not_shown": "Nicht gezeigt (weniger als {k} Cluster oder zu nah an einer größeren Gruppe): {groups}.",
        "reference": "Die Positionen unten (unteres Quartil, Mitte, oberes Quartil) werden unter {group} bestimmt.",
        "among_sector": "den Clustern Ihrer Branche ({name})",
        "among_country": "den Clustern Ihres Landes ({name})",
        "among_everyone": "allen Peers",
        "among_excellence": "der Exzellenzgruppe",
        "radar_title": "Ihr Anteil an den Punkten jeder Kategorie, gegenüber dem Median der Peers und dem der Exzellenzgruppe",
        "you": "Ihr Cluster",
        "peers_median": "Median der Peers",
        "excellence_median": "Median der Exzellenzgruppe",
        "categories_title": "Kategorien",
        "indicators_title": "Indikatoren",
        "h_category": "Kategorie",
        "h_indicator": "Indikator",
        "h_you": "Sie",
        "h_median": "Median der Peers",
        "h_excellence": "Exzellenz",
        "h_position": "Ihre Position",
        "bottom": "▼ unteres Quartil",
        "middle": "● Mitte",
        "top": "▲ oberes Quartil",
        "none": "– nicht gezeigt",
        "total": "Gesamt",
        "total_sentence": "Ihre Gesamtpunktzahl beträgt {share} der Punkte, beim {pct}. Perzentil unter {group}.",
        "strengths_title": "Ihre Stärken gegenüber Ihren Peers",
        "strengths_none": "Kein Indikator im oberen Quartil Ihrer Peers.",
        "gaps_title": "Ihre Lücken gegenüber Ihren Peers",
        "gaps_none": "Kein Indikator im unteren Quartil Ihrer Peers.",
        "training_title": "Weiterbildungen und Fallstudien für Ihre Lücken",
        "training_none": "Für Ihre Lücken enthält der Katalog noch keine Weiterbildung und keine Fallstudie.",
        "kind_training": "Weiterbildungsmodul",
        "kind_case-study": "Fallstudie",
        "note": "Indikatoren werden nach ihren Punkten verglichen, Kategorien und Gesamtwert nach ihrem Anteil an der Höchstpunktzahl. Die Quartile teilen die Werte der Peers in vier gleich große Gruppen.",
        "summary_title": "Im Vergleich mit Ihren Peers",
        "summary_total": "Ihre Gesamtpunktzahl liegt {where} unter {group}, beim {pct}. Perzentil.",
        "summary_strengths": "Ihre größten Stärken gegenüber Ihren Peers: {items}.",
        "summary_gaps": "Wo Ihre Peers besser abschneiden: {items}.",
        "summary_report": "Der beiliegende Benchmarking-Bericht enthält die Einzelheiten und die Weiterbildungen für Ihre Lücken.",
        "where_bottom": "im unteren Quartil",
        "where_middle": "in der mittleren Hälfte",
        "where_top": "im oberen Quartil",
        "page": "Seite",
    },
}


def bench_text(lang: str, key: str, **values: object) -> str:
    return translated(BENCH, lang, key, **values)


def _ordinal(pct: float, lang: str) -> str:
    n = int(round(pct))
    if lang == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if lang == "fr":
        return "1er" if n == 1 else f"{n}e"
    return str(n)


def _named(key: str, lang: str, cluster: Cluster | None, found: Benchmark | None) -> tuple[str, str]:
    """(kind, name) of a group key, the name as a reader of `lang` reads it: the country's name,
    and a sector in its language where the roster gives it (group_fr ...): the cluster's own
    row first, else any row of the roster with the same sector."""
    kind, _, name = key.partition(":")
    if kind == COUNTRY:
        return kind, country_name(name, lang)
    if kind == SECTOR:
        if cluster is not None and name == cluster.group and dict(cluster.groups).get(lang):
            return kind, cluster.group_in(lang)
        if found is not None:
            return kind, found.sector_name(name, lang)
    return kind, name


def group_name(scheme: Scheme, found: Benchmark, key: str, lang: str, cluster: Cluster | None = None) -> str:
    """A group as the cluster reads it: 'Sector: Automotive', 'Country: Germany', 'All peers' ..."""
    if key == EVERYONE:
        return bench_text(lang, "everyone")
    if key == EXCELLENCE:
        if found.excellence.startswith("label:"):
            how = bench_text(lang, "excellence_label", label=scheme.label_name(found.excellence[6:], lang))
        else:
            how = bench_text(lang, "excellence_decile")
        return f"{bench_text(lang, 'excellence')} ({how})"
    kind, name = _named(key, lang, cluster, found)
    return bench_text(lang, kind, name=name)


def group_phrase(key: str, lang: str, cluster: Cluster | None = None, found: Benchmark | None = None) -> str:
    """A group as a sentence names it: 'the clusters of your sector (ICT)', 'all peers' ..."""
    kind, name = _named(key, lang, cluster, found)
    return bench_text(lang, f"among_{kind}", name=name)


def _position(lang: str, position: str | None) -> tuple[str, str]:
    if position is None:
        return bench_text(lang, "none"), NO_POSITION
    return bench_text(lang, position), POSITION_COLOURS[position]


def _figure_of(found: Benchmark, key: str | None, measure: str) -> Figures | None:
    group = found.group(key) if key else None
    return group.figures.get(measure) if group is not None and group.shown else None


def benchmark_context(
    scheme: Scheme,
    campaign: Campaign,
    cluster: Cluster,
    mine: ClusterBenchmark,
    found: Benchmark,
    today: dt.date,
) -> tuple[dict[str, Any], Pictures]:
    """(context, pictures) of a cluster's benchmarking report."""
    lang = language(scheme, cluster)
    context = common_context(scheme, campaign, cluster, lang, today)
    reference = mine.reference
    excellence = mine.groups.get(EXCELLENCE)
    context.update(
        {
            "title": bench_text(lang, "title"),
            "subtitle": bench_text(lang, "subtitle", cluster=cluster.name),
            "intro": bench_text(
                lang,
                "intro",
                peers=found.peers,
                campaigns=bench_text(lang, "campaign" if found.campaigns == 1 else "campaigns", n=found.campaigns),
                k=found.min_group,
            ),
        }
    )
    shown = [key for kind in (SECTOR, COUNTRY, EVERYONE, EXCELLENCE) if (key := mine.groups.get(kind))]
    context["groups"] = [
        {"name": group_name(scheme, found, key, lang, cluster), "members": str(group.members)}
        for key in shown
        if (group := found.group(key)) is not None
    ]
    wanted = {
        SECTOR: f"{SECTOR}:{mine.sector}" if mine.sector else "",
        COUNTRY: f"{COUNTRY}:{mine.country}" if mine.country else "",
        EXCELLENCE: EXCELLENCE,
    }
    hidden = [
        group_name(scheme, found, key, lang, cluster) for kind, key in wanted.items() if key and kind not in mine.groups
    ]
    context["hidden_groups"] = (
        bench_text(lang, "not_shown", k=found.min_group, groups=", ".join(hidden)) if hidden else ""
    )
    context["reference_sentence"] = (
        bench_text(lang, "reference", group=group_phrase(reference, lang, cluster, found)) if reference else ""
    )
    total = mine.standings[TOTAL]
    pct = total.percentiles.get(reference or "")
    context["total_sentence"] = (
        bench_text(
            lang,
            "total_sentence",
            share=percent(total.value or 0, lang),
            pct=_ordinal(pct, lang),
            group=group_phrase(reference, lang, cluster, found),
        )
        if reference and pct is not None
        else ""
    )

    def row(measure: str, name: str, value: str, fmt: Any) -> dict[str, str]:
        standing = mine.standings[measure]
        median = _figure_of(found, reference, measure)
        best = _figure_of(found, excellence, measure)
        word, colour = _position(lang, standing.position)
        return {
            "name": name,
            "value": value,
            "median": fmt(median.median) if median else "–",
            "excellence": fmt(best.median) if best else "–",
            "position": word,
            "colour": colour,
        }

    context["categories"] = [
        row(c.id, scheme.text(c.name, lang), percent(mine.standings[c.id].value or 0, lang), lambda v: percent(v, lang))
        for c in scheme.categories
    ] + [row(TOTAL, bench_text(lang, "total"), percent(total.value or 0, lang), lambda v: percent(v, lang))]
    context["indicators"] = [
        row(
            i.id,
            f"{i.id} {scheme.text(i.name, lang)}",
            f"{points(mine.standings[i.id].value or 0, lang)} / {points(i.max_points, lang)}",
            lambda v: points(round(v, 1), lang),
        )
        for i in scheme.indicators
        if i.max_points > 0 and i.id in mine.standings
    ]
    name = {i.id: f"{i.id} {scheme.text(i.name, lang)}" for i in scheme.indicators}
    context["strengths"] = [name[i] for i in mine.strengths[:STRENGTHS_SHOWN]]
    context["gaps"] = [name[i] for i in mine.gaps[:GAPS_SHOWN]]
    topics = {t.id: t for t in scheme.topics}
    offered: list[str] = []
    for indicator in mine.gaps[:GAPS_SHOWN]:
        for topic in scheme.indicator(indicator).topics:
            if topic in topics and topic not in offered:
                offered.append(topic)
    context["training"] = []
    for t in (topics[i] for i in offered):
        title = scheme.text(t.title, lang)
        kind = bench_text(lang, f"kind_{t.kind}") if t.kind in ("training", "case-study") else t.kind
        context["training"].append(
            {
                "id": t.id,
                "title": title,
                # 'Fallstudie: ...' says its kind: not again as '(Fallstudie)'
                "kind": "" if title.casefold().startswith(kind.casefold()) else kind,
                "description": scheme.text(t.description, lang) if t.description else "",
                "link": t.link,
            }
        )
    categories = [scheme.text(c.name, lang) for c in scheme.categories]
    radar: dict[str, Any] = {
        "names": categories,
        "series": [
            (
                bench_text(lang, "you"),
                [mine.standings[c.id].value or 0.0 for c in scheme.categories],
                RADAR_CLUSTER,
            )
        ],
    }
    for key, label, colour in (
        (reference, bench_text(lang, "peers_median"), RADAR_PEERS),
        (excellence, bench_text(lang, "excellence_median"), RADAR_EXCELLENCE),
    ):
        figures = [_figure_of(found, key, c.id) for c in scheme.categories]
        medians = [f.median for f in figures if f is not None]
        if key and len(medians) == len(figures):
            radar["series"].append((label, medians, colour))
    return context, {"radar": ("radar", radar)}


def benchmark_summary(
    scheme: Scheme,
    mine: ClusterBenchmark | None,
    found: Benchmark | None,
    lang: str,
    cluster: Cluster | None = None,
) -> list[str]:
    """The feedback letter's short benchmarking summary: two or three sentences, none when the
    cluster has no peer group to be shown against. With the `cluster`, its sector is named in
    `lang` where the roster gives it."""
    if mine is None or found is None or mine.reference is None:
        return []
    total = mine.standings[TOTAL]
    pct = total.percentiles.get(mine.reference)
    if pct is None or total.position is None:
        return []
    lines = [
        bench_text(
            lang,
            "summary_total",
            pct=_ordinal(pct, lang),
            group=group_phrase(mine.reference, lang, cluster, found),
            where=bench_text(lang, f"where_{total.position}"),
        )
    ]
    short = {i.id: scheme.text(i.name, lang) for i in scheme.indicators}
    if mine.strengths:
        lines.append(bench_text(lang, "summary_strengths", items=", ".join(short[i] for i in mine.strengths[:3])))
    if mine.gaps:
        lines.append(bench_text(lang, "summary_gaps", items=", ".join(short[i] for i in mine.gaps[:3])))
    lines.append(bench_text(lang, "summary_report"))
    return lines


def sample_benchmark_context(scheme: Scheme, campaign: Campaign) -> dict[str, Any]:
    """Every variable a benchmarking report gets, from made-up peers: what templates are checked against."""
    cluster = Cluster("XX-SAMPLE-01", "Sample & <Cluster>", "DE", scheme.default_language, "Sample sector")
    top = scheme.labels_by_rank()[0].id if scheme.labels else None

    def peer(n: int, share: float) -> Assessment:
        earned = {i.id: i.max_points * share for i in scheme.indicators}
        return Assessment(
            campaign_id="sample",
            cluster_id=f"XX-PEER-{n:02}",
            name="",
            country="DE",
            sector="Sample sector",
            assessed="2026-01",
            scheme_id=scheme.id,
            scheme_version=scheme.version,
            label=top if n < 6 else None,
            label_rank=1,
            points=sum(earned.values()),
            max_points=scheme.total_points,
            indicator_points=earned,
        )

    peers = [peer(n, n / 12) for n in range(12)]
    current = peer(99, 0.5)
    current = Assessment(**{**current.__dict__, "cluster_id": cluster.id})
    found = benchmark(scheme, peer_table(scheme, peers, [current]), k=5)
    mine = found.cluster(cluster.id)
    assert mine is not None
    context, pictures = benchmark_context(scheme, campaign, cluster, mine, found, dt.date(2026, 1, 1))
    return {**context, **dict.fromkeys(pictures, "")}
