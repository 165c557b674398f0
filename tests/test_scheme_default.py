"""The built-in scheme: what the issue promises a secretariat gets out of the box."""

from __future__ import annotations

from excelcert.scheme import DEFAULT_SCHEME_PATH, check_scheme, load_scheme
from excelcert.scheme.model import NUMERIC_TYPES
from excelcert.scheme.yaml_form import scheme_to_yaml


def test_default_scheme_is_clean():
    result = check_scheme()
    assert [str(p) for p in result.report] == []


def test_default_scheme_shape():
    scheme = load_scheme()
    assert len(scheme.indicators) == 31
    assert [c.id for c in scheme.categories] == ["STR", "GOV", "FIN", "SRV", "ACH"]
    assert scheme.total_points == 150 == scheme.max_points
    assert scheme.languages == ("en", "fr", "de")
    assert scheme.validity_months == 24


def test_default_eligibility_criteria_are_the_published_ones():
    scheme = load_scheme()
    criteria = {i.id: i for i in scheme.indicators if i.eligibility}
    assert set(criteria) == {"STR-01", "STR-02", "GOV-01", "SRV-08"}
    assert criteria["STR-01"].met.min == 15  # committed participants
    assert criteria["STR-02"].met.min == 2  # participant types
    assert criteria["GOV-01"].met.min == 0.5  # FTE staff
    assert criteria["SRV-08"].met.choices == ("yes",)  # web presence in English


def test_default_label_rules():
    scheme = load_scheme()
    rules = {r.id: r for r in scheme.labels}
    assert rules["gold"].min_percent == 80 and scheme.total_points * 0.8 == 120
    assert rules["bronze"].min_percent == 0 and rules["bronze"].eligibility and rules["bronze"].reviewed
    assert rules["gold"].min_percent > rules["silver"].min_percent > rules["bronze"].min_percent
    assert [r.id for r in scheme.labels_by_rank()] == ["gold", "silver", "bronze"]


def test_every_text_is_written_in_every_language():
    scheme = load_scheme()
    for ind in scheme.indicators:
        for field in ("name", "question", "guidance", "evidence"):
            texts = getattr(ind, field)
            if texts:
                assert set(texts) == {"en", "fr", "de"}, (ind.id, field)
                assert len(set(texts.values())) > 1 or field == "unit", (ind.id, field, "untranslated?")
    for choice_list in scheme.choice_lists.values():
        for choice in choice_list.choices:
            assert set(choice.label) == {"en", "fr", "de"}


def test_every_category_has_its_own_colour():
    colours = [c.colour for c in load_scheme().categories]
    assert all(colours) and len(set(colours)) == len(colours)


def test_every_numeric_indicator_has_bounds_and_a_tolerance():
    for ind in load_scheme().indicators:
        if ind.type in NUMERIC_TYPES:
            assert ind.min is not None and ind.max is not None, ind.id
            assert ind.tolerance is not None, ind.id


def test_every_indicator_links_to_training():
    scheme = load_scheme()
    topics = {t.id for t in scheme.topics}
    for ind in scheme.indicators:
        assert ind.topics and set(ind.topics) <= topics, ind.id


def test_shipped_yaml_is_in_canonical_form():
    """The file in the package is exactly what `scheme export --format yaml` writes,
    so an export of an unchanged scheme never shows a diff."""
    assert scheme_to_yaml(load_scheme()) == DEFAULT_SCHEME_PATH.read_text(encoding="utf-8")


def test_points_for_answers_follow_the_bands():
    scheme = load_scheme()
    participants = scheme.indicator("STR-01")
    assert [participants.points_for(v) for v in (None, 0, 14, 15, 29, 30, 149, 150, 10_000)] == [
        0,
        0,
        0,
        1,
        1,
        2,
        4,
        5,
        5,
    ]
    turnover = scheme.indicator("GOV-04")  # lower is better
    assert [turnover.points_for(v) for v in (0, 14.9, 15, 30, 50, 100)] == [5, 5, 3, 1, 0, 0]
    services = scheme.indicator("SRV-04")  # several choices add up
    assert services.points_for(["networking", "projects", "projects"]) == 2
    assert services.max_points == 5
    assert scheme.indicator("SRV-08").max_points == 0  # eligibility only


def test_quality_thresholds():
    scheme = load_scheme()
    assert scheme.indicator("GOV-01").is_met(0.5) and not scheme.indicator("GOV-01").is_met(0.4)
    assert scheme.indicator("GOV-04").is_met(30) and not scheme.indicator("GOV-04").is_met(31)
    assert scheme.indicator("SRV-01").is_met("adopted") and not scheme.indicator("SRV-01").is_met("draft")
    assert scheme.indicator("GOV-07").is_met(["newsletter", "assembly"])
    assert not scheme.indicator("GOV-07").is_met(["newsletter"])
    assert not scheme.indicator("STR-01").is_met(None)
