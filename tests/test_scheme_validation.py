"""Every validation rule, provoked once, with its place and its catalogue message.

Most rules are provoked on the YAML form (places are YAML paths); the workbook-only
rules (columns, sheets, cells) on the workbook form (places are sheet!cell).
"""

from __future__ import annotations

import pytest

from excelcert.base.problems import CATALOGUE, ERROR, WARNING, Place, UnreadableFile
from excelcert.scheme import check_scheme, check_scheme_text, load_scheme
from excelcert.scheme.model import ANSWER_TYPES
from tests.helpers import (
    MINI_TABLES,
    assert_problem,
    check_mutated,
    find,
    indicator,
    mini_workbook,
    write_workbook,
)

TYPES = ", ".join(ANSWER_TYPES)


def only(report, code):
    """The report holds `code` and nothing else that is an error."""
    others = [p for p in report.errors if p.code != code]
    assert not others, [str(p) for p in others]


# --- the rules the issue names -----------------------------------------------------------


def test_duplicate_indicator_id(tmp_path):
    rows = MINI_TABLES["indicators"].strip().splitlines()
    assert "| FIN-01 " in rows[2]
    rows[2] = rows[2].replace("| FIN-01 ", "| STR-01 ")
    result = check_scheme(mini_workbook(tmp_path, indicators="\n".join(rows)))
    assert_problem(
        result.report,
        "duplicate-id",
        "indicators!A3",
        what="indicator",
        value="STR-01",
        first=Place("indicators", "A2"),
    )


def test_unknown_category():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(category="XXX"))
    assert_problem(result.report, "unknown-category", "indicators.STR-01.category", indicator="STR-01", value="XXX")
    only(result.report, "unknown-category")


def test_unknown_choice_list():
    result = check_mutated(lambda d: indicator(d, "FIN-01").update(list="strategies"))
    assert_problem(
        result.report, "unknown-choice-list", "indicators.FIN-01.list", indicator="FIN-01", value="strategies"
    )


def test_missing_choice_list():
    result = check_mutated(lambda d: indicator(d, "FIN-01").pop("list"))
    assert_problem(
        result.report, "missing-choice-list", "indicators.FIN-01.list", indicator="FIN-01", type="select_one"
    )


def test_choice_list_on_a_number():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(list="strategy"))
    assert_problem(
        result.report,
        "unexpected-choice-list",
        "indicators.STR-01.list",
        indicator="STR-01",
        type="integer",
        value="strategy",
    )


def test_missing_text_for_a_declared_language():
    result = check_mutated(lambda d: indicator(d, "STR-01")["question"].pop("fr"))
    assert_problem(
        result.report, "missing-text", "indicators.STR-01.question.fr", what="indicator STR-01: question", lang="fr"
    )
    only(result.report, "missing-text")


def test_missing_text_in_the_workbook_points_at_the_empty_cell(tmp_path):
    table = MINI_TABLES["choices"].replace("| Un projet         |", "|                   |")
    result = check_scheme(mini_workbook(tmp_path, choices=table))
    assert_problem(result.report, "missing-text", "choices!D3", what="choice strategy/draft: label", lang="fr")


def test_optional_text_must_be_given_in_every_language_or_none():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(guidance={"en": "Count each one once."}))
    assert_problem(
        result.report, "missing-text", "indicators.STR-01.guidance.fr", what="indicator STR-01: guidance", lang="fr"
    )


def test_bands_out_of_order():
    def mutate(d):
        indicator(d, "STR-01")["scoring"]["bands"].reverse()

    result = check_mutated(mutate)
    assert_problem(
        result.report,
        "bands-out-of-order",
        "indicators.STR-01.scoring.bands[1].from",
        indicator="STR-01",
        value="15",
        previous="50",
    )


def test_bands_overlap(tmp_path):
    table = MINI_TABLES["scoring"].replace("| STR-01    | 50   |", "| STR-01    | 15   |")
    result = check_scheme(mini_workbook(tmp_path, scoring=table))
    assert_problem(result.report, "bands-overlap", "scoring!B3", indicator="STR-01", value="15")


def test_bounds_that_contradict_bands():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(max=40))
    assert_problem(
        result.report,
        "band-outside-bounds",
        "indicators.STR-01.scoring.bands[1].from",
        indicator="STR-01",
        value="50",
        min="0",
        max="40",
    )


def test_band_below_the_lower_bound_is_unreachable():
    def mutate(d):
        ind = indicator(d, "STR-01")
        ind["min"] = 60
        ind["met"] = {"min": 60}

    result = check_mutated(mutate)
    assert_problem(
        result.report,
        "band-outside-bounds",
        "indicators.STR-01.scoring.bands[0].from",
        indicator="STR-01",
        value="15",
        min="60",
        max="1000",
    )
    assert len(find(result.report, "band-outside-bounds")) == 1  # from 50 still covers 60+


def test_label_rule_naming_an_unknown_indicator():
    result = check_mutated(lambda d: d["labels"][2].update(must_meet=["FIN-01", "SRV-99"]))
    assert_problem(
        result.report, "unknown-indicator", "labels.gold.must_meet", what="label gold: must_meet", value="SRV-99"
    )


def test_points_that_do_not_add_up():
    result = check_mutated(lambda d: d["settings"].update(max_points=150))
    assert_problem(
        result.report, "points-total-mismatch", "settings.max_points", total="12", declared="150", detail="STR 5, FIN 7"
    )
    only(result.report, "points-total-mismatch")


def test_gold_weaker_than_silver():
    result = check_mutated(lambda d: d["labels"][2].update(min_percent=40))
    assert_problem(
        result.report,
        "label-weaker-than-lower",
        "labels.gold.min_percent",
        label="gold",
        order=3,
        lower="silver",
        lower_order=2,
        detail="it needs 40 % of the points, 'silver' needs 50 %",
    )


def test_higher_label_dropping_a_requirement_is_weaker():
    def mutate(d):
        d["labels"][1]["must_meet"] = ["STR-01"]
        d["labels"][2]["eligibility"] = False

    result = check_mutated(mutate)
    details = sorted(p.message for p in find(result.report, "label-weaker-than-lower"))
    assert len(details) == 2
    assert "does not require STR-01 to be met, 'silver' does" in details[0] + details[1]
    assert "does not require the eligibility criteria, 'silver' does" in details[0] + details[1]


def test_unknown_answer_type_in_the_workbook(tmp_path):
    table = MINI_TABLES["indicators"].replace("| integer    |", "| nmber      |")
    result = check_scheme(mini_workbook(tmp_path, indicators=table))
    assert_problem(
        result.report, "unknown-answer-type", "indicators!G2", indicator="STR-01", value="nmber", expected=TYPES
    )
    assert str(find(result.report, "unknown-answer-type")[0]).startswith(
        "indicators!G2: indicator STR-01: unknown answer type 'nmber' (expected one of integer, decimal"
    )


# --- values in cells ------------------------------------------------------------------


def test_not_a_number():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(min="zero"))
    assert_problem(result.report, "not-a-number", "indicators.STR-01.min", what="indicator STR-01: min", value="zero")


def test_numbers_typed_as_text_are_read():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(max="1000 ", tolerance="2,5"))
    assert result.report.ok
    assert result.scheme.indicator("STR-01").tolerance == 2.5


def test_not_a_whole_number():
    result = check_mutated(lambda d: d["categories"][0].update(order=1.5))
    assert_problem(result.report, "not-an-integer", "categories.STR.order", what="category STR: order", value=1.5)


def test_not_yes_or_no():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(required="maybe"))
    assert_problem(
        result.report, "not-yes-no", "indicators.STR-01.required", what="indicator STR-01: required", value="maybe"
    )


def test_bad_identifier():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(id="STR 01"))
    assert_problem(result.report, "bad-identifier", "indicators.STR 01.id", what="indicator: id", value="STR 01")


def test_bad_colour():
    result = check_mutated(lambda d: d["categories"][0].update(colour="blue"))
    assert_problem(result.report, "bad-colour", "categories.STR.colour", what="category STR: colour", value="blue")


def test_unknown_language_code():
    result = check_mutated(lambda d: d["settings"].update(languages=["en", "fr", "French"]))
    assert_problem(result.report, "unknown-language", "settings.languages", value="French")


def test_default_language_not_declared():
    result = check_mutated(lambda d: d["settings"].update(default_language="de"))
    assert_problem(
        result.report, "default-language-undeclared", "settings.default_language", value="de", languages="en, fr"
    )


def test_missing_value():
    result = check_mutated(lambda d: indicator(d, "FIN-02").pop("type"))
    assert_problem(result.report, "missing-value", "indicators.FIN-02.type", what="indicator FIN-02: type")


def test_missing_max_points():
    result = check_mutated(lambda d: d["settings"].pop("max_points"))
    assert_problem(result.report, "missing-value", "settings.max_points", what="settings: max_points")


# --- workbook structure ---------------------------------------------------------------


def test_column_for_an_undeclared_language(tmp_path):
    table = (
        MINI_TABLES["categories"]
        .replace("| name::fr    |", "| name::fr    | name::es |")
        .replace("| Structure   |", "| Structure   | Estructura |")
        .replace("| Financement |", "| Financement | Financiación |")
    )
    result = check_scheme(mini_workbook(tmp_path, categories=table))
    assert_problem(
        result.report, "unknown-language-column", "categories!E1", column="name::es", lang="es", languages="en, fr"
    )


def test_misspelt_column_is_a_warning(tmp_path):
    table = MINI_TABLES["topics"].replace("| kind     |", "| knd      |")
    result = check_scheme(mini_workbook(tmp_path, topics=table))
    problems = find(result.report, "unknown-column")
    assert [(str(p.place), p.severity) for p in problems] == [("topics!B1", WARNING)]
    assert "'knd' is not part of the scheme format" in problems[0].message


def test_missing_column(tmp_path):
    lines = [line.rsplit("|", 2)[0] + "|" for line in MINI_TABLES["choices"].strip().splitlines()]
    result = check_scheme(mini_workbook(tmp_path, choices="\n".join(lines)))
    assert_problem(result.report, "missing-column", "choices!1:1", column="label::fr")
    only(result.report, "missing-column")  # once for the column, not once per row


def test_missing_required_column(tmp_path):
    table = MINI_TABLES["indicators"].replace("| type       |", "| kind       |")
    result = check_scheme(mini_workbook(tmp_path, indicators=table))
    assert_problem(result.report, "missing-column", "indicators!1:1", column="type")


def test_missing_sheet(tmp_path):
    result = check_scheme(mini_workbook(tmp_path, labels=None))
    assert [(p.code, p.message) for p in result.report.errors] == [
        (
            "missing-table",
            "the scheme has no 'labels' sheet. Add it; `excelcert scheme export` shows the expected layout.",
        )
    ]


def test_duplicate_column(tmp_path):
    table = (
        MINI_TABLES["topics"]
        .replace("| title::fr |", "| title::fr | kind |")
        .replace("| Stratégie |", "| Stratégie | training |")
    )
    result = check_scheme(mini_workbook(tmp_path, topics=table))
    assert_problem(result.report, "duplicate-id", "topics!E1", what="column", value="kind", first=Place("topics", "B1"))


# --- choices, scoring, thresholds -----------------------------------------------------


def test_empty_choice_list():
    def mutate(d):
        d["choices"]["single"] = [{"value": "only", "label": {"en": "Only", "fr": "Seul"}}]
        indicator(d, "FIN-01")["list"] = "single"
        indicator(d, "FIN-01")["scoring"] = {"choices": {"only": 7}}
        indicator(d, "FIN-01")["met"] = {"choices": ["only"]}
        d["choices"].pop("strategy")

    result = check_mutated(mutate)
    assert_problem(result.report, "empty-choice-list", "choices.single.only", value="single")


def test_unused_choice_list_is_a_warning():
    def mutate(d):
        d["choices"]["spare"] = [
            {"value": "a", "label": {"en": "A", "fr": "A"}},
            {"value": "b", "label": {"en": "B", "fr": "B"}},
        ]

    result = check_mutated(mutate)
    assert result.report.ok
    assert [(p.code, p.severity) for p in result.report] == [("unused-choice-list", WARNING)]


def test_points_for_an_unknown_choice():
    result = check_mutated(lambda d: indicator(d, "FIN-01")["scoring"]["choices"].update(final=5))
    assert_problem(
        result.report,
        "unknown-choice",
        "indicators.FIN-01.scoring.choices.final",
        indicator="FIN-01",
        value="final",
        list="strategy",
        expected="none, draft, adopted",
    )


def test_threshold_naming_an_unknown_choice():
    result = check_mutated(lambda d: indicator(d, "FIN-02").update(met={"choices": ["oui"]}))
    assert_problem(
        result.report,
        "unknown-choice",
        "indicators.FIN-02.met.choices",
        indicator="FIN-02",
        value="oui",
        list="yes_no",
        expected="yes, no",
    )


def test_unknown_topic():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(topics=["T1", "T9"]))
    assert_problem(result.report, "unknown-topic", "indicators.STR-01.topics", indicator="STR-01", value="T9")


def test_a_topic_link_must_be_a_web_address():
    def mutate(data):
        data["topics"][0].update(link="academy/strategy module", description={"en": "Why", "fr": "Pourquoi"})

    result = check_mutated(mutate)
    assert_problem(result.report, "bad-link", "topics.T1.link", topic="T1", value="academy/strategy module")
    fine = check_mutated(lambda d: d["topics"][0].update(link="https://academy.label.example/t1"))
    assert fine.report.ok and not find(fine.report, "bad-link")
    assert fine.scheme.topics[0].link == "https://academy.label.example/t1"


def test_a_topic_description_is_in_every_language_or_none():
    result = check_mutated(lambda d: d["topics"][0].update(description={"en": "Why a strategy"}))
    assert_problem(result.report, "missing-text", "topics.T1.description.fr")


def test_a_topic_no_indicator_names_is_a_warning():
    def mutate(data):
        data["topics"].append({"id": "CS9", "kind": "case-study", "title": {"en": "Case", "fr": "Cas"}})

    result = check_mutated(mutate)
    assert result.report.ok
    assert [(p.code, p.severity) for p in result.report] == [("unused-topic", WARNING)]
    assert_problem(result.report, "unused-topic", "topics.CS9.id", value="CS9")


def test_the_built_in_catalogue_has_a_description_and_a_link_for_every_topic():
    scheme = load_scheme(None)
    assert len(scheme.topics) >= 10
    for topic in scheme.topics:
        assert set(topic.description) == set(scheme.languages), topic.id
        assert topic.link.startswith("https://"), topic.id


def test_the_catalogue_survives_the_workbook_form(tmp_path):
    from excelcert.scheme.xlsx_form import write_scheme_xlsx

    scheme = load_scheme(None)
    path = tmp_path / "scheme.xlsx"
    write_scheme_xlsx(scheme, path)
    again = load_scheme(path)
    assert again.topics == scheme.topics


def test_bounds_reversed():
    result = check_mutated(lambda d: indicator(d, "STR-01").update(min=2000))
    assert_problem(
        result.report, "bounds-reversed", "indicators.STR-01.min", indicator="STR-01", min="2000", max="1000"
    )


def test_bounds_on_a_choice():
    result = check_mutated(lambda d: indicator(d, "FIN-01").update(min=0))
    assert_problem(
        result.report, "bounds-not-numeric", "indicators.FIN-01.min", indicator="FIN-01", type="select_one", field="min"
    )


def test_label_share_out_of_range():
    result = check_mutated(lambda d: d["labels"][2].update(min_percent=120))
    assert_problem(
        result.report, "percent-out-of-range", "labels.gold.min_percent", what="label gold: min_percent", value="120"
    )


def test_bands_on_a_choice():
    result = check_mutated(lambda d: indicator(d, "FIN-01").update(scoring={"bands": [{"from": 1, "points": 7}]}))
    assert_problem(
        result.report,
        "scoring-kind-mismatch",
        "indicators.FIN-01.scoring.bands[0]",
        indicator="FIN-01",
        type="select_one",
        kind="bands",
        expected="choice points",
    )


def test_negative_points():
    result = check_mutated(lambda d: indicator(d, "STR-01")["scoring"]["bands"][0].update(points=-1))
    assert_problem(
        result.report,
        "negative-points",
        "indicators.STR-01.scoring.bands[0].points",
        what="scoring of STR-01",
        value=-1,
    )


def test_scoring_row_with_both_from_and_choice(tmp_path):
    table = MINI_TABLES["scoring"].replace("| STR-01    | 15   |         |", "| STR-01    | 15   | none    |")
    result = check_scheme(mini_workbook(tmp_path, scoring=table))
    assert_problem(
        result.report,
        "bad-value",
        "scoring!2:2",
        what="scoring of STR-01",
        detail="give either 'from' (a threshold) or 'choice' (a choice value), not both",
    )


def test_scoring_row_for_an_unknown_indicator(tmp_path):
    table = MINI_TABLES["scoring"] + "| STR-09 | 1 | | 2 |\n"
    result = check_scheme(mini_workbook(tmp_path, scoring=table))
    assert_problem(result.report, "unknown-indicator", "scoring!A9", what="a scoring row", value="STR-09")


def test_unscored_indicator_is_a_warning():
    def mutate(d):
        indicator(d, "FIN-02").pop("scoring")
        d["settings"]["max_points"] = 9

    result = check_mutated(mutate)
    assert result.report.ok
    assert [(p.code, str(p.place).split(" (")[0]) for p in result.report] == [
        ("unscored-indicator", "indicators.FIN-02")
    ]


def test_threshold_of_the_wrong_kind():
    result = check_mutated(lambda d: indicator(d, "FIN-01").update(met={"min": 2}))
    assert_problem(
        result.report,
        "threshold-kind-mismatch",
        "indicators.FIN-01.met.min",
        indicator="FIN-01",
        type="select_one",
        expected="met_choices",
        kind="met_min",
    )


def test_eligibility_criterion_without_threshold():
    result = check_mutated(lambda d: indicator(d, "STR-01").pop("met"))
    assert_problem(
        result.report,
        "missing-threshold",
        "indicators.STR-01.eligibility",
        indicator="STR-01",
        why="an eligibility criterion",
    )


def test_label_requires_an_indicator_without_threshold():
    result = check_mutated(lambda d: indicator(d, "FIN-01").pop("met"))
    assert_problem(
        result.report, "missing-threshold", "indicators.FIN-01", indicator="FIN-01", why="required by label gold"
    )


def test_tolerance_on_a_choice():
    result = check_mutated(lambda d: indicator(d, "FIN-01").update(tolerance=1))
    assert_problem(
        result.report, "tolerance-not-numeric", "indicators.FIN-01.tolerance", indicator="FIN-01", type="select_one"
    )


def test_no_label_rules():
    result = check_mutated(lambda d: d.update(labels=[]))
    assert [p.code for p in result.report.errors] == ["no-labels"]


def test_two_labels_with_the_same_order():
    result = check_mutated(lambda d: d["labels"][2].update(order=2))
    found = find(result.report, "duplicate-id")
    assert [str(p.place).split(" (")[0] for p in found] == ["labels.gold.order"]
    assert "label order '2' is used more than once (first at labels.silver.order (line" in found[0].message


def test_unknown_topic_kind():
    result = check_mutated(lambda d: d["topics"][0].update(kind="video"))
    assert_problem(
        result.report,
        "bad-value",
        "topics.T1.kind",
        what="topic T1: kind",
        detail="'video' is neither training nor case-study",
    )


def test_wrong_shape_in_yaml():
    result = check_mutated(lambda d: d.update(categories={"STR": "Structure"}))
    assert_problem(result.report, "bad-value", "categories", what="categories", detail="expected a list of items")


def test_unknown_section_in_yaml_is_a_warning():
    result = check_mutated(lambda d: d.update(indicator_groups=[]))
    assert [(p.code, p.severity) for p in result.report] == [("unknown-column", WARNING)]


# --- all at once, and files that are not schemes ---------------------------------------------


def test_several_mistakes_are_all_reported_in_sheet_order(tmp_path):
    indicators = (
        MINI_TABLES["indicators"]
        .replace("| integer    |", "| nmber      |")
        .replace("| FIN      | Strategy ", "| FINN     | Strategy ")
    )
    scoring = MINI_TABLES["scoring"].replace("| STR-01    | 50   |", "| STR-01    | 5    |")
    labels = MINI_TABLES["labels"].replace(
        "| gold   | 3     | Gold     | Or       | 80 ", "| gold   | 3     | Gold     | Or       | 40 "
    )
    result = check_scheme(mini_workbook(tmp_path, indicators=indicators, scoring=scoring, labels=labels))
    assert result.report.flatten("code", "place") == [
        ("unknown-answer-type", "indicators!G2"),
        ("unknown-category", "indicators!B3"),
        ("label-weaker-than-lower", "labels!E4"),
    ]
    assert all(p.severity == ERROR for p in result.report)


def test_a_workbook_that_is_not_a_scheme(tmp_path):
    path = write_workbook(tmp_path / "budget.xlsx", {"Budget 2026": "| item | amount |\n| rent | 1200 |"})
    with pytest.raises(UnreadableFile) as caught:
        check_scheme(path)
    assert caught.value.problem.code == "not-a-scheme"
    assert "none of the sheets settings, categories" in str(caught.value)


def test_a_yaml_file_that_is_not_a_scheme(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    with pytest.raises(UnreadableFile) as caught:
        check_scheme(path)
    assert caught.value.problem.code == "not-a-scheme"


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(UnreadableFile) as caught:
        check_scheme_text("settings:\n  id: x\n  title: {en: 'unclosed\n")
    assert caught.value.problem.code == "yaml-syntax"
    assert caught.value.problem.place.line is not None


def test_binary_file_with_a_yaml_name(tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(UnreadableFile) as caught:
        check_scheme(path)
    assert caught.value.problem.code == "not-a-text-file"


def test_every_catalogue_entry_is_documented():
    from tests.helpers import REPO

    doc = (REPO / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    missing = [code for code in CATALOGUE if f"`{code}`" not in doc]
    assert not missing, f"docs/problem-codes.md does not describe: {missing}"
