"""The texts of the messages: one template per message and language, subject and body.

A mail template is a text file `mail-<message>-<language>.txt`: its first line is
`Subject: ...`, then an empty line, then the body. Variables are written `{{ name }}` (the
Jinja syntax of the Word templates; `{% if ... %}` and `{% for ... %}` work too). The
built-in ones ship with excelcert (en, fr, de); a campaign gets copies in its templates/
folder, which the secretariat may edit: a campaign's own template wins over the built-in
one. `excelcert templates check` checks them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from excelcert.base.problems import Place, Problem, problem
from excelcert.campaign.config import BUILTIN_TEMPLATES, Campaign, CampaignError

KINDS = ("workbook", "review", "correction", "reminder", "documents")
_COMMON = {
    "campaign_title",
    "deadline",
    "deadline_passed",
    "days_left",
    "secretariat_name",
    "secretariat_email",
    "attachments",
    "language",
}
_CLUSTER = {"cluster_id", "cluster_name", "contact_name", "salutation"}
VARIABLES: dict[str, set[str]] = {
    "workbook": _COMMON | _CLUSTER,
    "review": _COMMON | {"reviewer_id", "reviewer_name", "clusters"},
    "correction": _COMMON | _CLUSTER,
    "reminder": _COMMON | _CLUSTER | {"state"},
    "documents": _COMMON | _CLUSTER,
}
SUBJECT = "Subject:"


class TemplateProblem(CampaignError):
    """A mail template that cannot be used: the problems found. Nothing is mailed."""

    def __init__(self, path: Path, problems: list[Problem]):
        super().__init__(
            f"the mail template {path} cannot be used: "
            + "; ".join(f"{p.place}: {p.message}" if p.place and p.place.line else p.message for p in problems)
            + ". Nothing was mailed: correct it (excelcert templates check)."
        )
        self.problems = problems


def template_name(kind: str, language: str) -> str:
    return f"mail-{kind}-{language}.txt"


def template_path(campaign: Campaign, kind: str, language: str) -> Path:
    """The campaign's own template of this message and language, else the built-in one (in
    English when excelcert has none in that language)."""
    for folder in (campaign.root / "templates", BUILTIN_TEMPLATES):
        for lang in (language, "en"):
            path = folder / template_name(kind, lang)
            if path.is_file():
                return path
    raise FileNotFoundError(template_name(kind, "en"))  # the built-in ones ship with excelcert


def campaign_mail_templates(campaign: Campaign) -> list[Path]:
    """The campaign's own mail templates (its templates/ folder), else the built-in ones."""
    return sorted((campaign.root / "templates").glob("mail-*.txt")) or sorted(BUILTIN_TEMPLATES.glob("mail-*.txt"))


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed: a template edited by anyone reaches nothing but the values it is given.
    return SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


def _split(text: str) -> tuple[str, str] | None:
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT):
        return None
    return first[len(SUBJECT) :].strip(), rest.lstrip("\n")


def render(path: Path, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the message, from the template at `path`; TemplateProblem if it
    cannot be used."""
    from jinja2 import TemplateError

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):  # the check's own verdict on a file that is not text
        raise TemplateProblem(path, check_mail_text(path, None)) from None
    subject_template, body_template = _compiled(path, text)
    try:
        subject = " ".join(subject_template.render(context).split())
        body = body_template.render(context)
    except TemplateError as exc:
        raise TemplateProblem(
            path, [problem("mail-template-syntax", Place(path=path.name), detail=exc.message or "")]
        ) from None
    return subject, body.replace("\r\n", "\n").rstrip() + "\n"


@lru_cache(maxsize=64)
def _compiled(path: Path, text: str) -> tuple[Any, Any]:
    """The subject's and the body's templates, checked and compiled once per template text
    (a mailing renders the same few templates for every recipient); TemplateProblem if the
    template cannot be used (not kept: asked again, it is checked again). The text checked is
    the text compiled, whatever the file holds by now."""
    found = check_mail_text(path, text)
    if found:
        raise TemplateProblem(path, found)
    parts = _split(text)
    assert parts is not None, "checked above"
    env = _environment()
    return env.from_string(parts[0]), env.from_string(parts[1])


def check_mail_template(path: Path) -> list[Problem]:
    """What is wrong with a mail template: a name that says no message, no subject line,
    syntax errors, variables excelcert does not give that message."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = None
    return check_mail_text(path, text)


def check_mail_text(path: Path, text: str | None) -> list[Problem]:
    """What is wrong with `text`, the mail template at `path` (None: it could not be read as
    text), as `check_mail_template` says."""
    from jinja2 import TemplateSyntaxError, meta

    stem = path.stem.split("-")
    kind = stem[1] if len(stem) >= 3 and stem[0] == "mail" else ""
    if kind not in KINDS:
        return [problem("mail-template-unknown-kind", Place(path=path.name), kinds=", ".join(KINDS))]
    if text is None:
        return [problem("mail-template-syntax", Place(path=path.name), detail="it is not a text file (UTF-8)")]
    parts = _split(text)
    if parts is None:
        return [problem("mail-template-no-subject", Place(path=path.name, line=1))]
    env = _environment()
    found: list[Problem] = []
    for offset, part in ((0, parts[0]), (text[: text.index(parts[1])].count("\n") if parts[1] else 0, parts[1])):
        try:
            used = meta.find_undeclared_variables(env.parse(part))
        except TemplateSyntaxError as exc:
            found.append(
                problem(
                    "mail-template-syntax", Place(path=path.name, line=(exc.lineno or 1) + offset), detail=exc.message
                )
            )
            continue
        for name in sorted(used - VARIABLES[kind]):
            found.append(
                problem(
                    "mail-template-unknown-variable",
                    Place(path=path.name),
                    name=name,
                    kind=kind,
                    known=", ".join(sorted(VARIABLES[kind])),
                )
            )
    return found
