"""Which language a short text seems to be written in: a count of common words.

Enough to notice a reviewer's appreciation written in English for a French cluster; not
a general language identifier. Only the languages listed here can be recognised.
"""

from __future__ import annotations

import re

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to in is are for with its their a an on that this be by as it they has have "
        "was were should could would more from at or not which who well them each every all there these "
        "those into our we you your its".split()
    ),
    "fr": frozenset(
        "le la les et des du de un une est sont pour avec dans sur qui que au aux ses leur leurs "
        "par plus ce cette il elle ils bien être ont a été mais ou".split()
    ),
    "de": frozenset(
        "der die das und ist sind für mit im in den dem des ein eine einen zu auf von sich nicht "
        "auch bei seine ihre wird werden hat haben oder sowie als".split()
    ),
}

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def guess_language(text: str, *, min_hits: int = 2) -> str | None:
    """The language whose common words the text uses most, when it clearly leads (at least
    `min_hits` of them and twice as many as the runner-up); None when too short or unclear."""
    words = [w.lower() for w in _WORD.findall(text.replace("\u2019", "'"))]
    words += [w.split("'", 1)[1] for w in words if "'" in w]  # l'équipe -> équipe, d'une -> une
    hits = {lang: sum(w in stops for w in words) for lang, stops in STOP_WORDS.items()}
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    best, count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if count >= min_hits and count >= 2 * runner_up:
        return best
    return None


def seems_other_language(text: str, expected: str) -> str | None:
    """The language `text` seems to be in when that is clearly not `expected`, else None (also
    when `expected` is a language this check cannot recognise)."""
    if expected not in STOP_WORDS:
        return None
    found = guess_language(text)
    return found if found is not None and found != expected else None


def language_name(code: str, in_lang: str) -> str:
    """'French' for 'fr' in English, 'Französisch' in German: the name a reader of `in_lang` knows."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(in_lang).languages.get(code) or code
    except (ValueError, UnknownLocaleError):
        return code
