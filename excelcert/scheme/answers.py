"""How a parsed answer is shown to a person: in their language, as the scheme words it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from excelcert.base.i18n import format_date, local_number
from excelcert.scheme.model import DATE, PERCENT, SELECT_MULTIPLE, Indicator, Scheme


def choice_label(scheme: Scheme, ind: Indicator, value: str, lang: str) -> str:
    choices = scheme.choices_for(ind)
    for choice in choices.choices if choices else ():
        if choice.value == value:
            return scheme.text(choice.label, lang)
    return str(value)


def answer_text(scheme: Scheme, ind: Indicator, value: Any, lang: str) -> str:
    """'45 %', '1 234,5', 'Oui', 'newsletter; portal', a long date; '' for no answer."""
    if value is None or value == "" or value == []:
        return ""
    if ind.type == SELECT_MULTIPLE:
        return "; ".join(choice_label(scheme, ind, v, lang) for v in value)
    if ind.is_choice:
        return choice_label(scheme, ind, value, lang)
    if ind.type == DATE and isinstance(value, (dt.date, str)):
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        return format_date(day, lang)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = local_number(value, lang)
        return f"{number}\u00a0%" if ind.type == PERCENT else number
    return str(value)
