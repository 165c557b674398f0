"""Render Word templates with docxtpl, and check them before a campaign.

Templates are looked up in the campaign's `templates/` folder first (where `init` puts
copies a secretariat may edit), then among the built-in ones:
`<kind>-<label>-<lang>.docx` (a certificate per label level, if the secretariat made one),
`<kind>-<lang>.docx`, then the same in the scheme's default language. Rendering escapes
every value (`&`, `<`, `>` and quotes come out as typed) and never evaluates anything a
cluster wrote: values are data, only the template's own tags are code.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from excelcert.base.files import atomic_path
from excelcert.base.problems import Place, Problem, problem
from excelcert.base.spreadsheet import MAX_PACKING_RATIO, MAX_UNPACKED_BYTES
from excelcert.campaign.config import BUILTIN_TEMPLATES
from excelcert.documents import charts, fill
from excelcert.documents.qr import qr_png
from excelcert.documents.radar import radar_chart

KINDS = ("certificate", "letter", "correction", "benchmark")
IMAGE_WIDTHS_MM = {"chart": 165, "emblem": 48, "qr": 28, "radar": 150}


class TemplateError(Exception):
    """A template that cannot be found or rendered; the message says which and why."""


def find_template(folder: Path | None, kind: str, lang: str, default_lang: str, label: str | None = None) -> Path:
    names = []
    for language in dict.fromkeys((lang, default_lang, "en")):
        if label:
            names.append(f"{kind}-{label}-{language}.docx")
        names.append(f"{kind}-{language}.docx")
    for name in names:
        for base in (folder, BUILTIN_TEMPLATES):
            if base is not None and (base / name).is_file():
                return base / name
    raise TemplateError(
        f"no {kind} template for language '{lang}' (looked for {', '.join(names)} in "
        f"{folder or ''} and the built-in templates)"
    )


def package_problem(path: Path) -> str | None:
    """Why `path` is no .docx excelcert will open (not a zip, or a zip bomb), or None.
    Checked from the zip's directory, before anything is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return f"not a zip package: {exc}"
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_PACKING_RATIO):
        return f"it would unpack to {unpacked / 1e6:.0f} MB"
    if "word/document.xml" not in {i.filename for i in infos}:
        return "it has no Word document part"
    return None


def draw(kind: str, spec: dict[str, Any]) -> bytes:
    if kind == "chart":
        bars = [charts.Bar(**b) for b in spec["bars"]]
        return charts.category_chart(bars, spec["thresholds"], spec["median_label"], spec["total_label"])
    if kind == "emblem":
        return charts.emblem(spec["label_name"], spec["colour"], spec["caption"])
    if kind == "qr":
        return qr_png(spec["data"])
    if kind == "radar":
        return radar_chart(spec["names"], [(name, list(values), colour) for name, values, colour in spec["series"]])
    raise ValueError(kind)


def render(
    template: Path,
    context: dict[str, Any],
    pictures: dict[str, tuple[str, dict[str, Any]]],
    out: Path,
    *,
    compiled: bool = True,
) -> Path:
    """Render `template` with `context` (pictures drawn and placed) into `out`, atomically.
    The template compiled once per process (documents/fill.py) when it can be, else (or
    with `compiled=False`) with docxtpl from the file: the same document either way."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError as JinjaError

    broken = package_problem(template)
    if broken:
        raise TemplateError(f"{template} is not a Word document ({broken}). Save it from Word or Writer as .docx.")
    drawn = {name: (draw(kind, spec), Mm(IMAGE_WIDTHS_MM.get(kind, 120))) for name, (kind, spec) in pictures.items()}
    fast = fill.compiled(template, _jinja()) if compiled else None
    if fast is not None:
        try:
            data = fast.fill(context, drawn, _jinja())
        except JinjaError as exc:
            raise TemplateError(
                f"{template.name} cannot be rendered: {exc}. Run `excelcert templates check`."
            ) from None
        except Exception as exc:
            if not raised_by_a_tag(exc):
                raise
            raise TemplateError(_tag_fails(template, out, exc)) from None
        if data is not None:
            with atomic_path(out) as temp:
                Path(temp).write_bytes(data)
            return out
    doc = DocxTemplate(str(template))
    values = dict(context)
    for name, (data, width) in drawn.items():
        values[name] = InlineImage(doc, io.BytesIO(data), width=width)
    try:
        doc.render(values, jinja_env=_jinja(), autoescape=True)
    except JinjaError as exc:
        raise TemplateError(f"{template.name} cannot be rendered: {exc}. Run `excelcert templates check`.") from None
    except Exception as exc:
        if not raised_by_a_tag(exc):
            raise
        raise TemplateError(_tag_fails(template, out, exc)) from None
    with atomic_path(out) as temp:
        doc.save(temp)
    return out


def raised_by_a_tag(exc: BaseException) -> bool:
    """Whether `exc` was raised while Jinja evaluated a template's own tag (`{{ name + 1 }}`,
    `{{ 1 // 0 }}`): the template's fault, not excelcert's. Jinja runs a template's code in
    frames it names `<template>`."""
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            return True
        trace = trace.tb_next
    return False


def _tag_fails(template: Path, out: Path, exc: BaseException) -> str:
    return (
        f"{template.name} cannot be rendered for {out.name}: a tag of the template fails ({exc}). "
        "Correct the tag in the template, then run `excelcert templates check`."
    )


@lru_cache(maxsize=1)
def _jinja() -> Any:
    """The Jinja environment docxtpl renders with: the one it makes itself for `autoescape=True`
    (a plain environment that escapes every value), except that each part of a template
    (its body, headers, footers) is compiled once per process instead of once per document.
    docxtpl hands it the same text for the same part of the same template file, and a
    compiled template renders the same whatever it rendered before."""
    from jinja2 import Environment

    class CompilingOnce(Environment):
        compiled: dict[str, Any] = {}

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            found = self.compiled.get(source)
            if found is None:
                if len(self.compiled) >= 64:  # a process renders a few templates, not hundreds
                    self.compiled.clear()
                found = self.compiled[source] = super().from_string(source)
            return found

    return CompilingOnce(autoescape=True)


# --- checking a template ---------------------------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def check_template(path: Path, sample: dict[str, Any]) -> list[Problem]:
    """What is wrong with a template, each problem naming the template and its paragraph:
    variables the context does not provide, tags Word broke, syntax errors."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, UndefinedError

    kind = path.stem.split("-")[0]
    found: list[Problem] = []
    broken = package_problem(path)
    if broken:
        return [problem("template-not-docx", Place(path=path.name), detail=broken)]
    try:
        doc = DocxTemplate(str(path))
        doc.init_docx()
    except Exception as exc:  # not a .docx at all
        return [problem("template-not-docx", Place(path=path.name), detail=f"{type(exc).__name__}: {exc}")]
    word = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = (
        [doc.docx.element.body]
        + [s.footer._element for s in doc.docx.sections]
        + [s.header._element for s in doc.docx.sections]
    )
    number = 0
    for part in parts:
        for paragraph in part.iter(f"{word}p"):
            number += 1
            runs = [t.text or "" for t in paragraph.iter(f"{word}t")]
            text = "".join(runs)
            place = Place(path=f"{path.name}, paragraph {number}")
            for tag in _TAG.findall(text):
                if any(q in tag for q in "“”„‘’«»"):
                    found.append(
                        problem(
                            "template-broken-tag",
                            place,
                            value=tag,
                            detail="holds curly quotes, which Word typed for straight ones",
                        )
                    )
                elif not any(tag in run for run in runs):
                    pieces = sum(1 for run in runs if run and (run in tag or tag in run or _overlaps(run, tag)))
                    found.append(problem("template-split-tag", place, value=tag, count=max(pieces, 2)))
            for broken in re.findall(r"\{\s+[{%]|[}%]\s+\}", text):
                found.append(
                    problem(
                        "template-broken-tag",
                        place,
                        value=broken.strip(),
                        detail="has a space between its braces, so it is not a tag",
                    )
                )
    env = Environment(undefined=StrictUndefined, autoescape=True)
    try:
        undeclared = doc.get_undeclared_template_variables(env, sample)
    except TemplateSyntaxError as exc:
        return found + [
            problem(
                "template-syntax",
                Place(path=path.name),
                detail=f"{exc.message} (line {exc.lineno} of the document's XML)",
            )
        ]
    for name in sorted(undeclared):
        found.append(
            problem(
                "template-unknown-variable",
                Place(path=path.name),
                value=name,
                kind=kind,
                known=", ".join(sorted(sample)),
            )
        )
    if not undeclared:
        try:  # a typo after a dot (item.nmae) shows only when rendered
            trial = DocxTemplate(str(path))
            trial.render({k: ("" if k in ("chart", "emblem", "qr_code") else v) for k, v in sample.items()}, env)
        except UndefinedError as exc:
            found.append(
                problem(
                    "template-unknown-variable",
                    Place(path=path.name),
                    value=str(exc).split("'")[-2] if "'" in str(exc) else str(exc),
                    kind=kind,
                    known=", ".join(sorted(sample)),
                )
            )
        except TemplateSyntaxError as exc:
            found.append(problem("template-syntax", Place(path=path.name), detail=exc.message or str(exc)))
        except Exception as exc:
            if not raised_by_a_tag(exc):
                raise
            found.append(problem("template-tag-fails", Place(path=path.name), detail=str(exc)))
    return found


def _overlaps(run: str, tag: str) -> bool:
    return any(run.startswith(tag[-k:]) or run.endswith(tag[:k]) for k in range(2, min(len(run), len(tag))))
