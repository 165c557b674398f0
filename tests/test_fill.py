"""Documents from compiled templates (excelcert/documents/fill.py) are the documents docxtpl
makes: the same parts, in the same order, each with the same bytes.

Every part is compared byte for byte, and every part is equal, so no canonicalised XML is
needed: the compiled path serialises each part with the very functions python-docx uses.
What may differ is only the zip around the parts: the time stamps (python-docx stamps
every member with the time of saving; the compiled path stamps the unchanging parts with
the time it compiled the template) and where each member sits in the file (its directory
lists them in the same order), and that the compiled path stores the pictures it places
(PNG files, deflated already) where python-docx deflates them again. The list of members
is compared too, and how each of the others is compressed."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from excelcert.base.ledger import Ledger
from excelcert.campaign.config import BUILTIN_TEMPLATES, read_config, read_key
from excelcert.campaign.roster import read_roster
from excelcert.documents import fill
from excelcert.documents.context import sample_context
from excelcert.documents.issue import Job, plan_and_number
from excelcert.documents.render import TemplateError, render

HOSTILE = {
    "markup": 'Société & <Fils> "Ölçü" – Zoë\'s {{ cluster_id }} {% if true %}x{% endif %} {# c #} }} %}',
    "control": "Cluster\x01\x02 with\tcontrols\x0b\x1f and a\nnew line",
    "rtl": "مجموعة الابتكار الصناعي ‏עברית‎ cluster",
    "long": "Ångström & <long> " * 278,  # 5,004 characters
}


def _same_package(fast: Path, slow: Path) -> None:
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.namelist() == b.namelist(), fast.name
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            if x.filename.startswith("word/media/"):  # stored by the compiled path, as docxtpl by the fallback
                assert x.compress_type in (zipfile.ZIP_STORED, y.compress_type), x.filename
            else:
                assert x.compress_type == y.compress_type, x.filename
            assert a.read(x) == b.read(y), f"{fast.name}: {x.filename} differs"


def _both(template: Path, context: dict[str, Any], pictures: dict[str, Any], folder: Path, name: str) -> Path:
    fast = render(template, context, pictures, folder / f"{name}-fast.docx")
    slow = render(template, context, pictures, folder / f"{name}-docxtpl.docx", compiled=False)
    _same_package(fast, slow)
    return fast


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, demo: Path) -> list[Job]:
    """Every certificate, letter and benchmarking report of the demo (planned in a copy)."""
    root = Path(shutil.copytree(demo, tmp_path_factory.mktemp("fill") / "demo"))
    campaign = read_config(root)
    scheme = campaign.load_scheme()
    clusters = read_roster(campaign.roster_path, scheme.languages).clusters
    with Ledger.for_campaign(root) as ledger:
        planned = plan_and_number(
            campaign, scheme, clusters, ledger, read_key(campaign), kinds=("certificate", "letter")
        )
    return [job for job in planned.documents if job.kind != "seal"]  # a seal is a PNG, not a .docx


def _language(job: Job) -> str:
    return job.template.stem.rsplit("-", 1)[1]


def test_every_document_of_the_demo_is_the_one_docxtpl_makes(issued, tmp_path):
    kinds = {(job.kind, _language(job)) for job in issued}
    assert {(k, lang) for k in ("certificate", "letter", "benchmark") for lang in ("en", "fr", "de")} <= kinds
    labels = {job.out.stem.rsplit(" ", 1)[1] for job in issued if job.kind == "certificate"}
    assert {"Gold", "Silver", "Bronze"} <= labels  # a certificate per label, named in the cluster's language
    fill._compiled.clear()
    for n, job in enumerate(issued):  # one after the other: nothing of a document stays for the next
        _both(job.template, job.context, job.pictures, tmp_path, f"{n}")
    assert sum(c is not None for c in fill._compiled.values()) == len({job.template for job in issued})
    with zipfile.ZipFile(tmp_path / "0-fast.docx") as archive:  # the pictures are in it
        assert any(name.startswith("word/media/") for name in archive.namelist())


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_correction_letters_are_the_ones_docxtpl_makes(shared_campaign, tmp_path, lang):
    scheme = shared_campaign.load_scheme()
    context = sample_context("correction", scheme, shared_campaign)
    _both(BUILTIN_TEMPLATES / f"correction-{lang}.docx", context, {}, tmp_path, "correction")


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_values_give_the_same_document_and_nothing_is_evaluated(issued, tmp_path, value):
    scheme_kinds = {job.kind: job for job in issued if _language(job) == "fr"}
    for kind, job in scheme_kinds.items():
        context = dict(job.context, cluster_name=value, subtitle=value)  # subtitle: the report names the cluster there
        try:
            fast = _both(job.template, context, job.pictures, tmp_path, kind)
        except Exception as exc:  # then docxtpl must fail the same way
            with pytest.raises(type(exc)) as slow:
                render(job.template, context, job.pictures, tmp_path / "s.docx", compiled=False)
            assert str(slow.value) == str(exc)
            continue
        if value is HOSTILE["control"]:  # its tab and new line become Word's, as docxtpl makes them
            with zipfile.ZipFile(fast) as archive:
                text = archive.read("word/document.xml").decode()
            assert "<w:tab/>" in text and "<w:br/>" in text, kind
        if value is HOSTILE["markup"] or value is HOSTILE["long"]:
            with zipfile.ZipFile(fast) as archive:
                text = archive.read("word/document.xml").decode()
            escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert escaped in text, kind  # as typed: no tag in a value is evaluated


def _edited(source: Path, target: Path, part: str, old: str, new: str) -> Path:
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info)
            if info.filename == part:
                assert old.encode() in data, (part, old)
                data = data.replace(old.encode(), new.encode(), 1)
            b.writestr(info, data)
    return target


def test_the_compiled_path_stores_the_pictures_it_places(issued, tmp_path):
    job = next(j for j in issued if j.kind == "benchmark")
    out = render(job.template, job.context, job.pictures, tmp_path / "stored.docx")
    with zipfile.ZipFile(out) as archive:
        media = [i for i in archive.infolist() if i.filename.startswith("word/media/")]
        assert media and all(i.compress_type == zipfile.ZIP_STORED for i in media)
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist() if i.filename.endswith(".xml"))


def test_tags_in_the_core_properties_go_through_docxtpl(issued, tmp_path):
    job = next(j for j in issued if j.kind == "certificate")
    template = _edited(
        job.template,
        tmp_path / job.template.name,
        "docProps/core.xml",
        "<dc:title/>",
        "<dc:title>{{ cluster_name }}</dc:title>",
    )
    assert fill.compiled(template, None) is None
    fast = _both(template, job.context, job.pictures, tmp_path, "core")
    with zipfile.ZipFile(fast) as archive:
        assert job.context["cluster_name"].encode() in archive.read("docProps/core.xml")


def test_a_picture_in_a_footer_goes_through_docxtpl(issued, tmp_path):
    job = next(j for j in issued if j.kind == "letter" and _language(j) == "en")
    template = _edited(
        job.template, tmp_path / job.template.name, "word/footer1.xml", "Page </w:t>", "Page {{ chart }}</w:t>"
    )
    compiled = fill.compiled(template, None)
    assert compiled is not None and compiled.stories  # compiled, with a footer rendered for each document
    fast = _both(template, job.context, job.pictures, tmp_path, "footer")
    with zipfile.ZipFile(fast) as archive:
        assert b"<w:drawing>" in archive.read("word/footer1.xml")
    context = dict(job.context, cluster_name="Footer & <Co>")
    _both(template, context, {}, tmp_path, "footer-text")  # the footer without a picture: compiled


def test_a_footer_with_tags_is_rendered_for_each_document(issued, tmp_path):
    job = next(j for j in issued if j.kind == "letter" and _language(j) == "en")
    template = _edited(
        job.template,
        tmp_path / job.template.name,
        "word/footer1.xml",
        "Page </w:t>",
        "{{ cluster_name }} · Page </w:t>",
    )
    for name in ("A & <B>", "C"):
        fast = _both(template, dict(job.context, cluster_name=name), job.pictures, tmp_path, "footer")
        with zipfile.ZipFile(fast) as archive:
            assert name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode() in archive.read(
                "word/footer1.xml"
            )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("{{ cluster_name }}", "{{ cluster_name }"),  # a syntax error
        ("{{ cluster_name }}", "{{ cluster_name.nmae.x }}"),  # an undefined attribute, found when rendered
        ("{{ cluster_name }}", "{{ cluster_name | nofilter }}"),
    ],
)
def test_a_broken_template_fails_with_the_message_it_always_had(issued, tmp_path, old, new):
    job = next(j for j in issued if j.kind == "certificate")
    template = _edited(job.template, tmp_path / job.template.name, "word/document.xml", old, new)
    with pytest.raises(TemplateError) as fast:
        render(template, job.context, job.pictures, tmp_path / "a.docx")
    with pytest.raises(TemplateError) as slow:
        render(template, job.context, job.pictures, tmp_path / "b.docx", compiled=False)
    assert str(fast.value) == str(slow.value) and "cannot be rendered" in str(fast.value)
    assert not (tmp_path / "a.docx").exists()


def test_an_edited_template_is_compiled_again(issued, tmp_path):
    job = next(j for j in issued if j.kind == "certificate")
    template = tmp_path / job.template.name
    shutil.copyfile(job.template, template)
    first = fill.compiled(template, None)
    assert first is not None and fill.compiled(template, None) is first
    _edited(job.template, tmp_path / "edited.docx", "word/document.xml", "{{ cluster_name }}", "{{ cluster_name }}!")
    shutil.copyfile(tmp_path / "edited.docx", template)
    again = fill.compiled(template, None)
    assert again is not None and again is not first
    fast = _both(template, job.context, job.pictures, tmp_path, "edited")
    with zipfile.ZipFile(fast) as archive:
        assert (job.context["cluster_name"].replace("&", "&amp;") + "!").encode() in archive.read("word/document.xml")


def test_no_template_is_opened_before_its_package_is_checked(tmp_path):
    fill._compiled.clear()
    for name, data in (("a.docx", b"not a zip"), ("b.docx", _zip({"word/styles.xml": b"<x/>"}))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TemplateError, match="not a Word document"):
            render(tmp_path / name, {}, {}, tmp_path / "out.docx")
    assert not fill._compiled


def _zip(parts: dict[str, bytes]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_template_python_docx_cannot_read_fails_as_it_always_did(issued, tmp_path):
    job = next(j for j in issued if j.kind == "certificate")
    template = _edited(job.template, tmp_path / job.template.name, "word/document.xml", "<w:body>", "<w:body><oops>")
    assert fill.compiled(template, None) is None
    with pytest.raises(Exception) as fast:
        render(template, job.context, job.pictures, tmp_path / "a.docx")
    with pytest.raises(Exception) as slow:
        render(template, job.context, job.pictures, tmp_path / "b.docx", compiled=False)
    assert type(fast.value) is type(slow.value) and str(fast.value) == str(slow.value)


def _feature_template(path: Path) -> Path:
    """A template using what docxtpl does beyond plain tags: column and row loops in a
    table (`{%tc %}`, `{%tr %}`: fix_tables widens the grid), `{% colspan %}` and
    `{% cellbg %}`, paragraph conditions, `{{r }}`, a header and a footer with tags, and
    the same picture twice next to another."""
    from docx import Document

    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "Header {{ name }}"
    doc.sections[0].footer.paragraphs[0].text = "Footer {{ name|upper }} {{ name|length }}"
    doc.add_paragraph("{%p if show %}")
    doc.add_paragraph("Shown: {{ name }} {{r name }}")
    doc.add_paragraph("{%p endif %}")
    table = doc.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ("{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("{% colspan span %}{{ name }}", "x", "y"), strict=True):
        cell.text = text
    for cell, text in zip(
        table.rows[2].cells, ("{% cellbg colour %}{{ name }}", "{{ chart }}", "{{ emblem }}"), strict=True
    ):
        cell.text = text
    rows = doc.add_table(rows=3, cols=1)
    for row, text in zip(rows.rows, ("{%tr for row in rows %}", "{{ row }}", "{%tr endfor %}"), strict=True):
        row.cells[0].text = text
    doc.add_paragraph("Again {{ chart }} and {{ other }}")
    doc.save(str(path))
    return path


def test_docxtpl_features_in_a_template_give_the_same_document(issued, tmp_path):
    template = _feature_template(tmp_path / "letter-en.docx")
    compiled = fill.compiled(template, None)
    assert compiled is not None and len(compiled.stories) == 2  # the header and footer, rendered each time
    letter = next(j for j in issued if j.kind == "letter")
    certificate = next(j for j in issued if j.kind == "certificate")
    pictures = {"chart": letter.pictures["chart"], "emblem": certificate.pictures["emblem"]}
    pictures["other"] = letter.pictures["chart"]  # the same picture under another tag: one image part
    for n, (cols, show, span) in enumerate([(["a", "b", "c", "d", "e"], True, 2), (["a"], False, 3), ([], True, 1)]):
        context = {"name": "A & <B>", "cols": cols, "show": show, "span": span, "colour": "FF0000", "rows": [1, 2]}
        fast = _both(template, context, pictures, tmp_path, f"features-{n}")
        with zipfile.ZipFile(fast) as archive:
            media = [name for name in archive.namelist() if name.startswith("word/media/")]
            document = archive.read("word/document.xml")
        assert len(media) == 2 and document.count(b"<w:drawing>") == 4
        assert (b'w:gridSpan w:val="%d"' % span) in document and b'w:fill="FF0000"' in document


def test_a_template_replaced_with_the_same_time_and_size_is_compiled_again(issued, tmp_path):
    """A file system that keeps times to the second (a network share), or a copy that keeps
    the time (`cp -p`, rsync, unzip), can give an edited template the time and size it had:
    the edit is rendered all the same, never the version compiled before."""
    job = next(j for j in issued if j.kind == "certificate")
    template = tmp_path / job.template.name
    _edited(job.template, template, "word/document.xml", "{{ cluster_name }}", "{{ cluster_name }}!")
    first = fill.compiled(template, None)
    assert first is not None
    before = template.stat()
    # the same number of characters, another text
    _edited(job.template, tmp_path / "edited.docx", "word/document.xml", "{{ cluster_name }}", "{{ cluster_name }}?")
    shutil.copyfile(tmp_path / "edited.docx", template)
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert template.stat().st_size == before.st_size and template.stat().st_mtime_ns == before.st_mtime_ns
    fast = _both(template, job.context, job.pictures, tmp_path, "same-time")
    with zipfile.ZipFile(fast) as archive:
        assert (job.context["cluster_name"].replace("&", "&amp;") + "?").encode() in archive.read("word/document.xml")


@pytest.mark.parametrize(
    ("new", "raised"),
    [
        ("{{ cluster_name + 1 }}", "can only concatenate"),  # a TypeError in the template's own tag
        ("{{ 1 // 0 }}", "division"),  # a ZeroDivisionError
    ],
)
def test_a_tag_that_fails_is_a_template_error_naming_the_template(issued, demo, tmp_path, new, raised):
    """A secretariat's tag that Python cannot evaluate is the template's fault: a
    TemplateError naming the template and the document, never an 'unexpected error'; and
    `templates check` reports it, instead of failing itself."""
    from excelcert.documents.context import sample_context
    from excelcert.documents.render import check_template

    job = next(j for j in issued if j.kind == "certificate")
    template = _edited(job.template, tmp_path / job.template.name, "word/document.xml", "{{ cluster_name }}", new)
    for compiled in (True, False):
        with pytest.raises(TemplateError) as failed:
            render(template, job.context, job.pictures, tmp_path / job.out.name, compiled=compiled)
        message = str(failed.value)
        assert template.name in message and job.out.name in message and raised in message
        assert "Error" not in message  # no Python exception's name
    assert not (tmp_path / job.out.name).exists()
    campaign = read_config(demo)
    problems = check_template(template, sample_context("certificate", campaign.load_scheme(), campaign))
    assert [p.code for p in problems] == ["template-tag-fails"]
    assert raised in problems[0].message and "Error" not in problems[0].message


def test_every_built_in_document_part_is_parsed_whole_not_moved(issued):
    """The document part is filled by putting the rendered body's text in the document's and
    parsing it once (`fill._in_shell`), not by moving the parsed body into the template's
    element (docxtpl's way, a quarter of the filling): taken for every built-in template,
    and the same document, byte for byte, as the move makes."""
    from docx.shared import Mm

    from excelcert.documents.render import IMAGE_WIDTHS_MM, _jinja, draw

    seen = set()
    for job in issued:
        if job.template in seen:
            continue
        seen.add(job.template)
        compiled = fill.compile_template(job.template, _jinja())
        assert compiled is not None and compiled.shell is not None, job.template.name
        drawn = {
            name: (draw(kind, spec), Mm(IMAGE_WIDTHS_MM.get(kind, 120))) for name, (kind, spec) in job.pictures.items()
        }
        whole = compiled.fill(job.context, drawn, _jinja())
        assert whole is not None
        assert _taken(compiled, job.context, drawn), job.template.name  # the text, not the move
        compiled.shell = None  # as docxtpl: the body moved
        assert compiled.fill(job.context, drawn, _jinja()) == whole, job.template.name
    assert len(seen) == 9  # certificates, letters and reports in three languages


def _taken(compiled: fill.Compiled, context: dict[str, Any], drawn: dict[str, Any]) -> bool:
    """Whether the document part of `context` is made whole from its text (`fill._in_shell`)."""
    from excelcert.documents.render import _jinja

    compiled.tpl.docx_ids_index = 1000
    values = dict(context)
    compiled.placing.reset()
    for name, (data, width) in drawn.items():
        from docxtpl import InlineImage

        values[name] = InlineImage(compiled.tpl, io.BytesIO(data), width=width)
    body = compiled.tpl.render_xml_part(compiled.body_source, compiled.placing, values, _jinja())
    compiled.placing.reset()
    return fill._in_shell(compiled.shell, body) is not None


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TEXT_BOX = (  # a text box as Word writes one, holding a tag
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" '
    'distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" '
    'allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0'
    '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
    '</wp:positionV><wp:extent cx="914400" cy="914400"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
    '<wp:docPr id="5" name="Box"/><wp:cNvGraphicFramePr/><a:graphic xmlns:a="http://schemas.openxmlformats.org/'
    'drawingml/2006/main"><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/>'
    '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx><w:txbxContent><w:p><w:r>'
    "<w:t>{{ cluster_name }}</w:t></w:r></w:p></w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData>"
    "</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict/></mc:Fallback></mc:AlternateContent>"
    "</w:r></w:p>"
)
ROOT = 'mc:Ignorable="w14 wp14">'  # the end of the built-in document element's tag
# Templates edited by hand or by other programs, each with what lxml's move of the body
# does to it: (what is replaced, by what, whether the text is parsed whole)
EDITED = {
    # the move drops a declaration made already around it in the body, ...
    "declared twice": ("<w:body>", '<w:body><w:p xmlns:x="urn:x"><w:r xmlns:x="urn:x"><w:t>a</w:t></w:r></w:p>', False),
    "declared twice, apart": (
        "<w:body>",
        '<w:body><w:p><x:a xmlns:x="urn:x"><x:a/><x:b xmlns:x="urn:x"/></x:a></w:p>',
        False,
    ),
    # ... or one of the root's namespaces under another prefix, renaming what uses it ...
    "another prefix": (
        "<w:body>",
        f'<w:body><ww:p xmlns:ww="{W}"><ww:r><ww:t>{{{{ cluster_name }}}}</ww:t></ww:r></ww:p>',
        False,
    ),
    "the default": ("<w:body>", f'<w:body><p xmlns="{W}"><r><t>a</t></r></p>', False),
    # ... and keeps one that a prefix of the root's, declared again, hides
    "hidden then again": (
        "<w:body>",
        f'<w:body><w:p><x:y xmlns:w="urn:w" xmlns:x="urn:x"><x:z xmlns:w="{W}"><w:t/></x:z></x:y></w:p>',
        False,
    ),
    # a prefix of any letters (the root's dropped from the body as by the move)
    "a prefix in é": (ROOT, ROOT.replace(">", ' xmlns:\u00e9="urn:e">'), True),
    # a comment's text is not tags
    "a comment": ("<w:body>", f'<w:body><!-- <w:p xmlns:w="{W}"> --><w:p><w:r><w:t>c</w:t></w:r></w:p>', False),
    # what the text takes as it is
    "text like a declaration": ("<w:body>", f'<w:body><w:p><w:r><w:t>a xmlns:w="{W}" b</w:t></w:r></w:p>', True),
    "a text box": ("<w:body>", f"<w:body>{_TEXT_BOX}", True),  # its a:graphic holds an a:graphicData
    "a background": ("<w:body>", '<w:background w:color="FFFF00"/><w:body>', True),
    "an ignorable namespace": ("<w:body>", '<w:body><w:p xmlns:x="urn:x" mc:Ignorable="x" x:a="1"><w:r/></w:p>', True),
    "a prefix hidden": (
        "<w:body>",
        '<w:body><w:p><x:y xmlns:x="urn:x"><w:t xmlns:w="urn:w">a</w:t></x:y></w:p>',
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(EDITED))
def test_a_template_edited_by_hand_gives_the_document_docxtpl_makes(issued, tmp_path, case):
    """The rendered body's text is put in the document's only where that gives what moving
    the parsed body gives (lxml drops and renames declarations as it moves): else moved."""
    from docx.shared import Mm

    from excelcert.documents.render import IMAGE_WIDTHS_MM, _jinja, draw

    job = next(j for j in issued if j.kind == "certificate" and _language(j) == "en")
    old, new, whole = EDITED[case]
    template = _edited(job.template, tmp_path / job.template.name, "word/document.xml", old, new)
    _both(template, job.context, job.pictures, tmp_path, "edited")
    compiled = fill.compile_template(template, _jinja())
    assert compiled is not None
    drawn = {
        name: (draw(kind, spec), Mm(IMAGE_WIDTHS_MM.get(kind, 120))) for name, (kind, spec) in job.pictures.items()
    }
    assert _taken(compiled, job.context, drawn) is whole


def test_a_template_edited_with_python_docx_gives_the_document_docxtpl_makes(issued, tmp_path):
    """A secretariat's own letter: a picture and nested tables in the body, a `{%p if %}`
    block, a page background, and a value that reads like a namespace declaration; it takes
    the text way and gives docxtpl's document."""
    from docx import Document
    from docx.shared import Mm

    from excelcert.documents.render import IMAGE_WIDTHS_MM, _jinja, draw

    job = next(j for j in issued if j.kind == "letter" and _language(j) == "en")
    doc = Document(str(job.template))
    picture = tmp_path / "picture.png"
    picture.write_bytes(draw(*next(iter(job.pictures.values()))))
    doc.add_picture(str(picture), width=Mm(30))
    outer = doc.add_table(rows=2, cols=2)
    outer.cell(0, 0).add_table(rows=1, cols=2).cell(0, 1).text = "{{ cluster_name }}"
    for text in ("{%p if cluster_name %}", "Shown for {{ cluster_name }}", "{%p endif %}"):
        doc.add_paragraph(text)
    background = doc.element.makeelement(f"{{{W}}}background", {f"{{{W}}}color": "FFFF00"})
    doc.element.body.addprevious(background)
    template = tmp_path / "letter-en.docx"
    doc.save(str(template))
    drawn = {n: (draw(k, s), Mm(IMAGE_WIDTHS_MM.get(k, 120))) for n, (k, s) in job.pictures.items()}
    for n, name in enumerate(["Plain", f'A xmlns:w="{W}" <w:body> & "b"', ""]):
        context = dict(job.context, cluster_name=name)
        fast = _both(template, context, job.pictures, tmp_path, f"python-docx-{n}")
        compiled = fill.compiled(template, _jinja())
        assert compiled is not None and _taken(compiled, context, drawn)
        with zipfile.ZipFile(fast) as archive:
            document = archive.read("word/document.xml").decode()
        assert ("Shown for" in document) is bool(name) and "<w:background" in document
