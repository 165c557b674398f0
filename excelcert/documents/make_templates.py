"""Write the built-in Word templates: certificate, feedback letter and correction letter,
one of each per language, into `excelcert/data/templates/` (and the example campaign's
`templates/`). Run it after changing a default wording or layout:

    python -m excelcert.documents.make_templates

The templates are ordinary .docx files with docxtpl (Jinja) tags. A secretariat edits its
campaign's copies in Word or LibreOffice Writer; `excelcert templates check` finds tags
a context does not provide and tags that Word broke. Nothing here runs at campaign time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from excelcert.documents.benchmarking import bench_text
from excelcert.documents.texts import DOCS

if TYPE_CHECKING:  # python-docx is imported where it is used: only this script needs it
    from docx.blkcntnr import BlockItemContainer
    from docx.document import Document as DocxDocument
    from docx.shared import RGBColor
    from docx.table import Table, _Cell, _Row
    from docx.text.paragraph import Paragraph

ACCENT = "1F3864"
FONT = "Arial"
LANGUAGES = ("en", "fr", "de")
KINDS = ("certificate", "letter", "correction", "benchmark")


def _doc() -> DocxDocument:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Heading 1", 15), ("Heading 2", 12.5), ("Title", 26)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.color.rgb = _rgb(ACCENT)
    _one_typeface(doc)
    doc.core_properties.author = "excelcert"
    doc.core_properties.comments = "excelcert template: edit the wording freely; keep the tags in braces."
    return doc


def _one_typeface(doc: DocxDocument) -> None:
    """FONT everywhere: the theme's fonts (which Word and Writer prefer to a style's own font
    name) are taken out of the defaults and every style, and FONT is named for every script."""
    from docx.oxml.ns import qn

    theme_attributes = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
    for fonts in doc.styles.element.iter(qn("w:rFonts")):
        for attribute in theme_attributes:
            fonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)


def _rgb(hex_colour: str) -> RGBColor:
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_colour)


def _para(
    doc_or_cell: DocxDocument | BlockItemContainer,
    text: str = "",
    *,
    size: float | None = None,
    bold: bool = False,
    colour: str | None = None,
    align: str | None = None,
    italic: bool = False,
    style: str | None = None,
    space_after: float | None = None,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = doc_or_cell.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None  # else the style (a heading's bold) holds
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = _rgb(colour)
    if align:
        paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def _page_number_footer(doc: DocxDocument, word: str) -> None:
    """'Page N' in the footer: a PAGE field, which Word and Writer fill in themselves."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(f"{word} ")
    run.font.size = Pt(8.5)
    field = parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:rPr><w:sz w:val="17"/></w:rPr>'
        f"<w:t>1</w:t></w:r></w:fldSimple>"
    )
    paragraph._p.append(field)


def _page_border(doc: DocxDocument) -> None:
    """A double rule around the page, in the accent colour: the frame of a certificate."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    sides = "".join(
        f'<w:{side} w:val="double" w:sz="12" w:space="20" w:color="{ACCENT}"/>'
        for side in ("top", "left", "bottom", "right")
    )
    doc.sections[0]._sectPr.append(parse_xml(f'<w:pgBorders {nsdecls("w")} w:offsetFrom="page">{sides}</w:pgBorders>'))


def _shade(cell: _Cell, fill: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


def _table(
    doc: DocxDocument, headings: list[str], cells: list[str], loop: str, widths: list[float] | None = None
) -> Table:
    """A table with a heading row and one row repeated by docxtpl for each item of `loop`."""
    from docx.shared import Cm, Pt

    table: Table = doc.add_table(rows=4, cols=len(headings))
    table.style = "Table Grid"
    for c, text in enumerate(headings):
        cell = table.rows[0].cells[c]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.color.rgb, run.font.size = True, _rgb("FFFFFF"), Pt(9.5)
        _shade(cell, ACCENT)
    table.rows[1].cells[0].text = "{%tr for item in " + loop + " %}"
    for c, text in enumerate(cells):
        table.rows[2].cells[c].text = text
        for run in table.rows[2].cells[c].paragraphs[0].runs:
            run.font.size = Pt(9)
    for row in (table.rows[0], table.rows[2]):  # compact rows: a long table ends on fewer pages
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(1)
    table.rows[3].cells[0].text = "{%tr endfor %}"
    _repeat_heading(table.rows[0])
    if widths:
        table.autofit = False
        for c, width in enumerate(widths):
            table.columns[c].width = Cm(width)
            for row in table.rows:
                row.cells[c].width = Cm(width)
    doc.add_paragraph()
    return table


def _cant_split(row: _Row) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))


def _repeat_heading(row: _Row) -> None:
    """The heading row is repeated at the top of every page the table runs over."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")} w:val="true"/>'))


def certificate(lang: str) -> DocxDocument:
    from docx.shared import Cm, Pt

    t = DOCS[lang]
    doc = _doc()
    doc.sections[0].top_margin = Cm(2.6)
    _page_border(doc)
    _para(doc, "{{ secretariat_name }}", size=11, colour=ACCENT, align="center", space_after=18)
    _para(doc, t["certificate"].upper(), size=34, bold=True, colour=ACCENT, align="center", space_after=2)
    _para(doc, t["label_line"], size=13, colour="595959", align="center", space_after=14)
    _para(doc, "{{ emblem }}", align="center", space_after=14)
    _para(doc, "{{ cluster_name }}", size=24, bold=True, align="center", space_after=2)
    _para(doc, "{{ cluster_country }}", size=11, colour="595959", align="center", space_after=12)
    awarded = {"en": "is awarded the {label} label", "fr": "reçoit le label {label}", "de": "erhält das Label {label}"}
    line = _para(doc, "", align="center", space_after=2)
    before, _, after = awarded[lang].partition("{label}")
    for text, bold in ((before, False), ("{{ label_name }}", True), (after, False)):
        if text:
            run = line.add_run(text)
            run.bold, run.font.size = bold, Pt(15)
            if bold:
                run.font.color.rgb = _rgb(ACCENT)
    colon = "\u202f: " if lang == "fr" else ": "
    _para(doc, t["campaign"] + colon + "{{ campaign_title }}", size=11, align="center", space_after=22)
    table = doc.add_table(rows=4, cols=2)
    for row, (key, tag) in zip(
        table.rows,
        (
            ("number", "certificate_number"),
            ("issued", "issued_on"),
            ("valid", "valid_until"),
            ("code", "verification_code"),
        ),
        strict=True,
    ):
        row.cells[0].text = t[key]
        row.cells[1].text = "{{ " + tag + " }}"
        row.cells[0].width, row.cells[1].width = Cm(6), Cm(6)
        for cell, bold in ((row.cells[0], False), (row.cells[1], True)):
            for run in cell.paragraphs[0].runs:
                run.font.size, run.bold = Pt(10.5), bold
    table.alignment = 1  # centred
    _para(doc, "", space_after=26)
    _para(doc, t["for_secretariat"], size=10, colour="595959", align="center", space_after=0)
    _para(doc, "{%p if signature %}", space_after=0)
    _para(doc, "{{ signature }}", size=10.5, align="center", space_after=0)
    _para(doc, "{%p endif %}", space_after=0)
    _para(doc, "{{ secretariat_name }}", size=12, bold=True, align="center", space_after=30)
    verify = t["verify"].format(name="{{ secretariat_name }}", email="{{ secretariat_email }}")
    _verification(doc, verify)
    return doc


def _verification(doc: DocxDocument, verify: str) -> None:
    """How to verify the certificate, at the bottom of the page. With a public page (the
    campaign has a register: `qr_caption` is not empty) a borderless table of one row, right
    aligned: the caption, the page's address and `verify` beside the QR code in the corner;
    else `verify` alone, centred. One block either way, so that the QR code adds no height."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Cm, Pt

    _para(doc, "{%p if qr_caption %}", space_after=0)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.autofit = False
    row = table.rows[0]
    row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
    caption, code = row.cells
    for column, (cell, width) in enumerate(((caption, 12.0), (code, 3.3))):
        table.columns[column].width = cell.width = Cm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = (
        ("{{ qr_caption }}", 1),
        ("{%p if verification_page %}", 0),
        ("{{ verification_page }}", 4),
        ("{%p endif %}", 0),
        (verify, 0),
    )
    for n, (text, after) in enumerate(lines):
        paragraph = caption.paragraphs[0] if n == 0 else caption.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size, run.font.color.rgb = Pt(8.5), _rgb("595959")
        run.bold, run.italic = text == "{{ verification_page }}", text == verify
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(after)
    picture = code.paragraphs[0]
    picture.add_run("{{ qr_code }}")
    picture.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    picture.paragraph_format.space_after = Pt(0)
    _para(doc, "{%p else %}", space_after=0)
    _para(doc, verify, size=8.5, colour="595959", align="center", italic=True)
    _para(doc, "{%p endif %}", space_after=0)


def _letterhead(doc: DocxDocument, subject: str, *, country: bool) -> None:
    """The sender, the date, the addressee, the subject and the salutation of a letter."""
    _para(doc, "{{ secretariat_name }} · {{ secretariat_email }}", size=9, colour=ACCENT, space_after=14)
    _para(doc, "{{ today }}", align="right", space_after=10)
    _para(doc, "{{ contact_name }}", space_after=0)
    _para(doc, "{{ cluster_name }}", bold=True, space_after=0 if country else 14)
    if country:
        _para(doc, "{{ cluster_country }}", space_after=14)
    _para(doc, subject, bold=True, size=12, space_after=10)
    _para(doc, "{{ salutation }}")


def _closing(doc: DocxDocument, t: dict[str, str]) -> None:
    """The closing formula, kept on the page of the signature under it."""
    _para(doc, "{{ closing }}", space_after=18).paragraph_format.keep_with_next = True
    _para(doc, "{%p if signature %}", space_after=0)
    _para(doc, "{{ signature }}", space_after=0).paragraph_format.keep_with_next = True
    _para(doc, "{%p endif %}", space_after=0)
    _para(doc, "{{ secretariat_name }}", bold=True)


def letter(lang: str) -> DocxDocument:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    t = DOCS[lang]
    doc = _doc()
    _letterhead(doc, "{{ subject }}", country=True)
    _para(doc, t["result_title"], style="Heading 1")
    _para(doc, "{{ result_sentence }}", bold=True, size=13, colour=ACCENT, space_after=4)
    _para(doc, "{{ points_sentence }}")
    _para(doc, "{%p if why %}")
    _para(doc, t["why_title"], bold=True, space_after=2).paragraph_format.keep_with_next = True
    _para(doc, "{%p for line in why %}")
    _para(doc, "{{ line }}", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    chart_title = _para(doc, t["chart_title"], italic=True, size=9, colour="595959", space_after=2)
    chart_title.paragraph_format.keep_with_next = True
    chart = _para(doc, "{{ chart }}", align="center", space_after=0)
    chart.add_run().add_break(WD_BREAK.PAGE)  # in the chart's own paragraph: no empty paragraph, no empty page
    _para(doc, "{%p if since_sentence %}")
    _para(doc, t["since_title"], style="Heading 1")
    _para(doc, "{{ since_sentence }}", space_after=2)
    _para(doc, "{%p for item in changes %}")
    _para(doc, "{{ item.name }}: {{ item.before }} → {{ item.now }}", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if improvements %}")
    _para(doc, t["improve_title"], style="Heading 1")
    _para(doc, t["improve_intro"])
    improvements = _table(
        doc,
        [t["h_indicator"], t["h_points"], t["h_gain"], t["h_topics"]],
        ["{{ item.name }}", "{{ item.points }} / {{ item.max }}", "+{{ item.gain }}", "{{ item.topics }}"],
        "improvements",
        [6.5, 2.3, 2.3, 5.5],
    )
    name_cell = improvements.rows[2].cells[0]  # an indicator that blocks the next label says so
    for text, mark in (("{%p if item.blocking %}", False), ("{{ item.blocking }}", True), ("{%p endif %}", False)):
        paragraph = name_cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(1)
        run = paragraph.add_run(text)
        run.font.size = Pt(8.5)
        if mark:
            run.bold, run.font.color.rgb = True, _rgb("C00000")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if strengths %}")
    _para(doc, t["strengths_title"], style="Heading 1")
    _para(doc, "{%p for item in strengths %}")
    _para(doc, "{{ item.name }} ({{ item.points }} / {{ item.max }})", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    _para(doc, t["table_title"], style="Heading 1")
    _table(
        doc,
        [t["h_category"], t["h_points"], t["h_max"], t["h_share"], t["h_median"]],
        ["{{ item.name }}", "{{ item.points }}", "{{ item.max }}", "{{ item.share }}", "{{ item.median }}"],
        "categories",
        [7, 2.2, 2, 2.4, 3],
    )
    _benchmark_summary(doc, lang)
    _para(doc, "{%p if appreciation %}")
    _para(doc, t["appreciation_title"], style="Heading 1")
    _para(doc, "{%p for item in appreciation %}")
    _para(doc, "{{ item.title }}", bold=True, space_after=2).paragraph_format.keep_with_next = True
    _para(doc, "{%p for text in item.texts %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if next_steps %}")
    _para(doc, "{{ next_title }}", style="Heading 1")
    _para(doc, "{%p for line in next_steps[:-1] %}")
    _para(doc, "{{ line }}")
    _para(doc, "{%p endfor %}")
    # the closing and signature stay on the page of the last sentence above them
    _para(doc, "{{ next_steps[-1] }}").paragraph_format.keep_with_next = True
    _para(doc, "{%p endif %}")
    _closing(doc, t)
    # the appendix follows the signature on the same page when it fits: no nearly empty page
    _para(doc, t["appendix_title"], style="Heading 1").paragraph_format.space_before = Pt(28)
    _table(
        doc,
        [t["h_indicator"], t["h_answer"], t["h_points"], t["h_source"]],
        [
            "{{ item.id }} {{ item.name }}",
            "{{ item.answer }}",
            "{{ item.points }} / {{ item.max }}",
            "{{ item.source }}",
        ],
        "answers",
        [6.5, 5, 2.3, 2.8],
    )
    _para(doc, t["disclaimer"], italic=True, size=8.5, colour="595959")
    _page_number_footer(doc, t["page"])
    return doc


def _benchmark_summary(doc: DocxDocument, lang: str) -> None:
    """The letter's short benchmarking summary (issue 15): a heading and a few sentences."""
    _para(doc, "{%p if benchmark_summary %}")
    _para(doc, bench_text(lang, "summary_title"), style="Heading 1")
    _para(doc, "{%p for line in benchmark_summary %}")
    _para(doc, "{{ line }}", space_after=3)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")


def benchmark(lang: str) -> DocxDocument:
    """The benchmarking report of one cluster, sent with its feedback letter."""
    from docx.enum.text import WD_BREAK

    def b(key: str) -> str:
        return bench_text(lang, key)

    doc = _doc()
    _para(doc, "{{ secretariat_name }} · {{ secretariat_email }}", size=9, colour=ACCENT, space_after=2)
    _para(doc, "{{ today }}", align="right", size=9, colour="595959", space_after=10)
    _para(doc, "{{ title }}", size=22, bold=True, colour=ACCENT, space_after=0)
    _para(doc, "{{ subtitle }}", size=13, colour="595959", space_after=2)
    _para(doc, "{{ campaign_title }}", size=10, colour="595959", italic=True, space_after=12)
    _para(doc, "{{ intro }}")
    _para(doc, b("groups_title"), style="Heading 1")
    _table(doc, [b("h_group"), b("h_members")], ["{{ item.name }}", "{{ item.members }}"], "groups", [12.6, 4])
    _para(doc, "{%p if hidden_groups %}")
    _para(doc, "{{ hidden_groups }}", italic=True, size=9, colour="595959")
    _para(doc, "{%p endif %}")
    _para(doc, "{{ total_sentence }}", bold=True, space_after=2)
    _para(doc, "{{ reference_sentence }}", size=9.5)
    _para(doc, b("radar_title"), italic=True, size=9, colour="595959", space_after=2)
    _para(doc, "{{ radar }}", align="center")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _para(doc, b("categories_title"), style="Heading 1")
    headings = [b("h_category"), b("h_you"), b("h_median"), b("h_excellence"), b("h_position")]
    cells = [
        "{{ item.name }}",
        "{{ item.value }}",
        "{{ item.median }}",
        "{{ item.excellence }}",
        "{% cellbg item.colour %}{{ item.position }}",
    ]
    _table(doc, headings, cells, "categories", [6.1, 2.2, 2.6, 2.4, 3.3])
    _para(doc, b("indicators_title"), style="Heading 1")
    headings[0] = b("h_indicator")
    _table(doc, headings, cells, "indicators", [6.1, 2.2, 2.6, 2.4, 3.3])
    for table in doc.tables[-2:]:  # a row is never split over two pages: its colour mark stays with its name
        _cant_split(table.rows[2])
    _para(doc, b("note"), italic=True, size=8.5, colour="595959")
    _para(doc, b("strengths_title"), style="Heading 1")
    _para(doc, "{%p for line in strengths %}")
    _para(doc, "{{ line }}", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if not strengths %}")
    _para(doc, b("strengths_none"), italic=True)
    _para(doc, "{%p endif %}")
    _para(doc, b("gaps_title"), style="Heading 1")
    _para(doc, "{%p for line in gaps %}")
    _para(doc, "{{ line }}", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if not gaps %}")
    _para(doc, b("gaps_none"), italic=True)
    _para(doc, "{%p endif %}")
    _para(doc, b("training_title"), style="Heading 1")
    _para(doc, "{%p for item in training %}")
    _para(doc, "{{ item.id }} {{ item.title }} ({{ item.kind }})", bold=True, space_after=0)
    _para(doc, "{{ item.description }}", space_after=0)
    _para(doc, "{{ item.link }}", size=9, colour="2E75B6", space_after=6)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if not training %}")
    _para(doc, b("training_none"), italic=True)
    _para(doc, "{%p endif %}")
    _page_number_footer(doc, b("page"))
    return doc


def correction(lang: str) -> DocxDocument:
    t = DOCS[lang]
    doc = _doc()
    _letterhead(doc, t["corr_subject"], country=False)
    _para(doc, "{{ intro }}")
    _table(
        doc,
        [t["h_cell"], t["h_indicator"], t["h_value"], t["h_todo"]],
        ["{{ item.cell }}", "{{ item.indicator }}", "{{ item.value }}", "{{ item.todo }}"],
        "items",
        [4.0, 4.6, 2.8, 5.2],
    )
    _closing(doc, t)
    _page_number_footer(doc, t["page"])
    return doc


def write_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    makers: dict[str, Callable[[str], DocxDocument]] = {
        "certificate": certificate,
        "letter": letter,
        "correction": correction,
        "benchmark": benchmark,
    }
    for kind in KINDS:
        for lang in LANGUAGES:
            path = folder / f"{kind}-{lang}.docx"
            makers[kind](lang).save(str(path))  # python-docx's hints take a str or a stream
            written.append(path)
    return written


if __name__ == "__main__":
    import shutil

    root = Path(__file__).resolve().parents[2]
    for path in write_templates(root / "excelcert" / "data" / "templates"):
        print(path.relative_to(root))
        if "--package-only" not in sys.argv:  # the example campaign's copies: the very same files
            shutil.copyfile(path, root / "templates" / path.name)
