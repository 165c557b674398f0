"""The scheme as plain data: categories, indicators, choice lists, topics, label rules.

Everything here is a frozen dataclass. Texts are dicts from language code to text.
Percentages are written in percent (80 means 80 %), everywhere in a scheme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final, Literal, overload

Texts = Mapping[str, str]  # language code -> text

INTEGER = "integer"
DECIMAL = "decimal"
PERCENT = "percent"
YES_NO: Final = "yes_no"
SELECT_ONE = "select_one"
SELECT_MULTIPLE = "select_multiple"
DATE = "date"
TEXT = "text"

ANSWER_TYPES = (INTEGER, DECIMAL, PERCENT, YES_NO, SELECT_ONE, SELECT_MULTIPLE, DATE, TEXT)
NUMERIC_TYPES = (INTEGER, DECIMAL, PERCENT)
CHOICE_TYPES = (YES_NO, SELECT_ONE, SELECT_MULTIPLE)

TEXT_FIELDS = ("name", "question", "guidance", "evidence", "unit")
REQUIRED_TEXT_FIELDS = ("name", "question")

# The yes/no list every scheme has; a scheme may redefine it in its choices.
_YES_NO_LABELS = {
    "en": ("Yes", "No"),
    "fr": ("Oui", "Non"),
    "de": ("Ja", "Nein"),
    "es": ("Sí", "No"),
    "it": ("Sì", "No"),
    "nl": ("Ja", "Nee"),
    "pt": ("Sim", "Não"),
    "pl": ("Tak", "Nie"),
    "cs": ("Ano", "Ne"),
    "da": ("Ja", "Nej"),
    "sv": ("Ja", "Nej"),
    "nb": ("Ja", "Nei"),
    "no": ("Ja", "Nei"),
    "fi": ("Kyllä", "Ei"),
    "et": ("Jah", "Ei"),
    "hu": ("Igen", "Nem"),
    "hr": ("Da", "Ne"),
    "sl": ("Da", "Ne"),
    "ro": ("Da", "Nu"),
    "el": ("Ναι", "Όχι"),
    "bg": ("Да", "Не"),
    "lt": ("Taip", "Ne"),
    "lv": ("Jā", "Nē"),
    "sk": ("Áno", "Nie"),
}


@dataclass(frozen=True)
class Category:
    id: str
    order: int
    name: Texts
    colour: str | None = None  # "#1F77B4"; the same colour everywhere it is drawn


@dataclass(frozen=True)
class Topic:
    """A training module or case study an indicator links to (the training pillar)."""

    id: str
    kind: str  # "training" or "case-study"
    title: Texts
    description: Texts = field(default_factory=dict)  # a short description, per language
    link: str = ""  # where it is found: an http(s) address


@dataclass(frozen=True)
class Choice:
    value: str
    label: Texts


@dataclass(frozen=True)
class ChoiceList:
    name: str
    choices: tuple[Choice, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Band:
    """Answers from `start` (inclusive) up to the next band's start earn `points`."""

    start: float
    points: float


@dataclass(frozen=True)
class Scoring:
    """How an answer turns into points: threshold bands (numbers) or points per choice."""

    bands: tuple[Band, ...] = ()
    choices: Mapping[str, float] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        if self.bands:
            return "bands"
        if self.choices:
            return "choice points"
        return None


@dataclass(frozen=True)
class Threshold:
    """When an indicator counts as met: min <= value <= max, or the answer is one of choices."""

    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> str | None:
        if self.choices:
            return "met_choices"
        if self.min is not None or self.max is not None:
            return "met_min/met_max"
        return None


@dataclass(frozen=True)
class Indicator:
    id: str
    category: str
    type: str
    name: Texts
    question: Texts
    guidance: Texts = field(default_factory=dict)
    evidence: Texts = field(default_factory=dict)  # the evidence requested
    unit: Texts = field(default_factory=dict)
    list: str | None = None  # choice list, for select_one / select_multiple
    min: float | None = None
    max: float | None = None
    required: bool = True
    eligibility: bool = False  # an eligibility criterion: must be met for any label
    met: Threshold | None = None  # the indicator's quality threshold
    scoring: Scoring = field(default_factory=Scoring)
    tolerance: float | None = None  # reviewers' values may differ this much (numbers)
    topics: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @cached_property  # a frozen dataclass: computed once, kept outside the compared fields
    def max_points(self) -> float:
        if self.scoring.bands:
            return max(0, max(b.points for b in self.scoring.bands))
        if self.scoring.choices:
            points = list(self.scoring.choices.values())
            if self.type == SELECT_MULTIPLE:
                return sum(p for p in points if p > 0)
            return max(0, max(points))
        return 0

    def points_for(self, answer: Any) -> float:
        """Points earned by a parsed answer (a number, a choice value, or a list of them)."""
        if answer is None:
            return 0
        if self.scoring.bands:
            earned = 0.0
            for band in self.scoring.bands:
                if answer >= band.start:
                    earned = band.points
            return earned
        if self.scoring.choices:
            if self.type == SELECT_MULTIPLE:
                return sum(self.scoring.choices.get(v, 0) for v in set(answer))
            return self.scoring.choices.get(answer, 0)
        return 0

    def is_met(self, answer: Any) -> bool:
        if self.met is None or answer is None:
            return False
        if self.met.choices:
            if self.type == SELECT_MULTIPLE:
                return any(v in self.met.choices for v in answer)
            return answer in self.met.choices
        if self.met.min is not None and answer < self.met.min:
            return False
        if self.met.max is not None and answer > self.met.max:
            return False
        return True


@dataclass(frozen=True)
class LabelRule:
    """What a label demands. Rules are data: the scheme says, the code applies."""

    id: str  # "gold", "silver", "bronze"
    order: int  # higher is better
    name: Texts
    min_percent: float = 0  # minimum share of the maximum points, in percent
    eligibility: bool = True  # every eligibility criterion must be met
    reviewed: bool = True  # needs a reviewed assessment, not a self-assessment alone
    must_meet: tuple[str, ...] = ()  # indicators whose quality threshold must be met


@dataclass(frozen=True)
class Scheme:
    id: str
    version: str
    title: Texts
    languages: tuple[str, ...]
    default_language: str
    max_points: float
    categories: tuple[Category, ...]
    indicators: tuple[Indicator, ...]
    choice_lists: Mapping[str, ChoiceList]
    labels: tuple[LabelRule, ...]
    topics: tuple[Topic, ...] = ()
    validity_months: int | None = None  # how long a label is valid (None: 24 months)
    renewal_grace_months: int | None = None  # how late a renewal may continue a label (None: 12)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def category(self, category_id: str) -> Category:
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        raise KeyError(category_id)

    def indicators_in(self, category_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.category == category_id]

    @overload
    def choice_list(self, name: Literal["yes_no"]) -> ChoiceList: ...  # every scheme has the yes/no list

    @overload
    def choice_list(self, name: str) -> ChoiceList | None: ...

    def choice_list(self, name: str) -> ChoiceList | None:
        if name in self.choice_lists:
            return self.choice_lists[name]
        if name == YES_NO:
            return yes_no_list(self.languages)
        return None

    def choices_for(self, indicator: Indicator) -> ChoiceList | None:
        if indicator.type == YES_NO:
            return self.choice_list(YES_NO)
        return self.choice_list(indicator.list) if indicator.list else None

    def choice_list_of(self, indicator: Indicator) -> ChoiceList:
        """The choice list of a choice indicator (yes/no, select one or several); KeyError if the
        scheme has none for it, which a checked scheme never lets happen (see `choices_for`)."""
        choices = self.choices_for(indicator)
        if choices is None:
            raise KeyError(f"indicator {indicator.id} has no choice list")
        return choices

    @cached_property
    def total_points(self) -> float:
        return sum(i.max_points for i in self.indicators)

    def category_points(self, category_id: str) -> float:
        return sum(i.max_points for i in self.indicators_in(category_id))

    def labels_by_rank(self, *, lowest_first: bool = False) -> list[LabelRule]:
        """The labels in rank order: the highest first (the lowest first when asked)."""
        return sorted(self.labels, key=lambda rule: rule.order, reverse=not lowest_first)

    def label(self, label_id: str) -> LabelRule:
        """The label rule with this id; KeyError if the scheme has none."""
        for rule in self.labels:
            if rule.id == label_id:
                return rule
        raise KeyError(f"the scheme has no label {label_id}")

    def label_name(self, label_id: str, lang: str | None = None) -> str:
        """The label's name in `lang` (the id itself if the scheme has no such label)."""
        try:
            return self.text(self.label(label_id).name, lang)
        except KeyError:
            return label_id

    def text(self, texts: Texts, lang: str | None = None) -> str:
        """The text in `lang`, falling back to the default language."""
        lang = lang or self.default_language
        return texts.get(lang) or texts.get(self.default_language) or ""


def yes_no_list(languages: tuple[str, ...]) -> ChoiceList:
    yes = {lang: _YES_NO_LABELS.get(lang, _YES_NO_LABELS["en"])[0] for lang in languages}
    no = {lang: _YES_NO_LABELS.get(lang, _YES_NO_LABELS["en"])[1] for lang in languages}
    return ChoiceList(YES_NO, (Choice("yes", yes), Choice("no", no)))
