"""The certificate's QR code: it holds the address of the certificate's verification page
with its code after '#' (`register.public.verification_url`), read back with zxing-cpp from
the picture inside the .docx and from the page LibreOffice prints; without a register
there is no public page, so no QR code and no caption."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from excelcert.base.ledger import Certificate
from excelcert.campaign.config import BUILTIN_TEMPLATES as BUILTIN
from excelcert.campaign.config import Campaign
from excelcert.campaign.roster import Cluster
from excelcert.cli.commands import cli
from excelcert.documents.context import certificate_context, sample_context
from excelcert.documents.render import check_template, render
from excelcert.documents.texts import DOCS
from excelcert.register.config import Register, read_register, write_register_config
from excelcert.register.public import verification_url
from excelcert.scoring.rules import Score
from tests.helpers import libreoffice_pdf, needs_writer

PUBLIC_URL = "https://labels.example.org/"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
LANGUAGES = {"DE-AUTO-01": "de", "FR-AERO-01": "fr", "ES-AGRI-01": "en"}  # the demo's clusters, by language


def _qr_codes(image: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image.convert("L")) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _media(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("word/media/")}


def _codes_in_docx(path: Path) -> list[str]:
    return [text for data in _media(path).values() for text in _qr_codes(Image.open(io.BytesIO(data)))]


def _text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [p.text for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    return "\n".join(texts)


def _texts(element) -> str:
    """The text of an element of a Word document (its w:t elements)."""
    return "".join(t.text or "" for t in element.iter(f"{{{W}}}t"))


def _table_count(path: Path) -> int:
    from docx import Document

    return len(Document(str(path)).tables)


@pytest.fixture(scope="module")
def certified(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Register, list[dict]]:
    """A copy of the demo whose register has a public address, certified again (two jobs):
    its folder, its register and the certificates `certify --json` reports, with their files."""
    root = Path(shutil.copytree(demo, tmp_path_factory.mktemp("qr") / "demo"))
    register = read_register(root)
    register = Register(register.root, register.name, register.prefix, PUBLIC_URL)
    write_register_config(register)
    result = CliRunner().invoke(
        cli, ["--campaign", str(root), "certify", "--jobs", "2", "--date", "2026-11-27", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    files = {d["cluster"]: d["file"] for d in report["documents"] if d["kind"] == "certificate"}
    certificates = [{**c, "file": Path(files[c["cluster"]])} for c in report["certificates"]]
    assert {c["cluster"] for c in certificates} >= set(LANGUAGES)
    return root, register, certificates


# --- (1) the QR code inside the .docx ---------------------------------------------------------


def test_the_qr_code_in_the_document_holds_the_verification_address(certified):
    root, register, certificates = certified
    for certificate in certificates:
        url = verification_url(register, certificate["number"], certificate["code"])
        assert url.startswith(PUBLIC_URL + "c/") and "#" in url
        assert _codes_in_docx(certificate["file"]) == [url], certificate["cluster"]


@pytest.mark.parametrize("cluster", sorted(LANGUAGES))
def test_the_caption_names_the_page_in_the_certificates_language_and_the_code_once(certified, cluster):
    root, register, certificates = certified
    certificate = next(c for c in certificates if c["cluster"] == cluster)
    text = _text(certificate["file"])
    page = verification_url(register, certificate["number"], certificate["code"]).partition("#")[0]
    assert DOCS[LANGUAGES[cluster]]["qr_caption"] in text
    assert text.count(page) == 1  # the address without its code, on a line of its own
    assert text.count(certificate["code"]) == 1  # the code is printed once, in the certificate's details
    assert certificate["code"].replace("-", "") not in text  # never as the QR code holds it
    assert "{{" not in text and "{%" not in text


# --- (2) the QR code on the page LibreOffice prints -------------------------------------------


@needs_writer
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
@pytest.mark.soffice
def test_the_qr_code_reads_back_from_the_printed_page(certified, tmp_path):
    root, register, certificates = certified
    chosen = [next(c for c in certificates if c["cluster"] == cluster) for cluster in sorted(LANGUAGES)]
    for certificate in chosen:
        shutil.copyfile(certificate["file"], tmp_path / f"{certificate['cluster']}.docx")
    libreoffice_pdf([tmp_path / f"{c['cluster']}.docx" for c in chosen], tmp_path)
    for certificate in chosen:
        name = certificate["cluster"]
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pages = sorted(tmp_path.glob(f"{name}-*.png"))
        assert len(pages) == 1, f"the certificate of {name} runs over {len(pages)} pages"
        url = verification_url(register, certificate["number"], certificate["code"])
        assert _qr_codes(Image.open(pages[0])) == [url], name


# --- (3) no register, no public page: no QR code, no caption ----------------------------------


def _certificate_context(campaign: Campaign, lang: str, register: Register | None):
    scheme = campaign.load_scheme()
    cluster = Cluster("DE-AUTO-01", "Automotive Cluster Südwest e.V.", "DE", lang, "Automotive", "Lea Keller")
    rule = scheme.labels_by_rank()[0]
    score = Score(cluster.id, {}, {}, {}, 142.0, 150.0, True, rule.id, "")
    certificate = Certificate(7, "ECL-2026-00007", cluster.id, rule.id, 1, "2026-11-27", "2028-11-30", "L2S33-6MWX2")
    return certificate_context(scheme, campaign, cluster, score, certificate, register)


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_without_a_register_there_is_no_qr_code_and_no_caption(campaign, tmp_path, lang):
    context, pictures = _certificate_context(campaign, lang, None)
    assert "qr_code" not in pictures and context["qr_caption"] == context["verification_page"] == ""
    out = render(BUILTIN / f"certificate-{lang}.docx", context, pictures, tmp_path / "c.docx")
    assert len(_media(out)) == 1 and _codes_in_docx(out) == []  # the emblem alone
    assert _table_count(out) == 1  # the certificate's details; no empty frame for a QR code
    text = _text(out)
    words = DOCS[lang]
    for caption in (words["qr_caption"], words["qr_caption_scan"], "/c/", ".html"):
        assert caption not in text
    assert "{{" not in text and "{%" not in text
    ask = words["verify"].split("{")[0]  # whom to ask: said once, with or without the QR code
    assert text.count(ask) == 1
    # with a register, the same template shows them
    register = Register(tmp_path, "Body", "ECL", PUBLIC_URL)
    context, pictures = _certificate_context(campaign, lang, register)
    out = render(BUILTIN / f"certificate-{lang}.docx", context, pictures, tmp_path / "r.docx")
    assert _codes_in_docx(out) == [f"{PUBLIC_URL}c/ECL-2026-00007.html#L2S336MWX2"]
    text = _text(out)
    assert _table_count(out) == 2 and words["qr_caption"] in text and text.count(ask) == 1
    assert text.count("L2S33-6MWX2") == 1 and "L2S336MWX2" not in text


def test_a_register_without_a_public_address_gives_the_pages_path_and_prints_no_address(campaign, tmp_path):
    register = Register(tmp_path, "Body", "ECL", "")
    context, pictures = _certificate_context(campaign, "en", register)
    out = render(BUILTIN / "certificate-en.docx", context, pictures, tmp_path / "c.docx")
    assert _codes_in_docx(out) == ["c/ECL-2026-00007.html#L2S336MWX2"]  # as verification_url gives it
    text = _text(out)
    assert DOCS["en"]["qr_caption_scan"] in text and ".html" not in text


def test_an_older_template_without_the_qr_code_still_renders(campaign, tmp_path):
    """A campaign's own certificate template made before the QR code: rendered as it is."""
    from docx import Document

    doc = Document(str(BUILTIN / "certificate-en.docx"))
    body = doc.element.body
    children = list(body)
    start = next(i for i, e in enumerate(children) if _texts(e) == "{%p if qr_caption %}")
    # the opening tag, the table of the QR code, `else`, the line saying whom to ask, the closing tag
    block = children[start : start + 5]
    assert [e.tag.split("}")[1] for e in block] == ["p", "tbl", "p", "p", "p"]
    assert [_texts(e) for e in block[2::2]] == ["{%p else %}", "{%p endif %}"]
    for element in (*block[:3], block[4]):  # what is left is the template as it was before the QR code
        body.remove(element)
    old = tmp_path / "certificate-en.docx"
    doc.save(str(old))
    assert not check_template(old, sample_context("certificate", campaign.load_scheme(), campaign))
    context, pictures = _certificate_context(campaign, "en", Register(tmp_path, "Body", "ECL", PUBLIC_URL))
    out = render(old, context, pictures, tmp_path / "c.docx")
    assert len(_media(out)) == 1 and _codes_in_docx(out) == []
    text = _text(out)
    assert DOCS["en"]["qr_caption"] not in text and "L2S33-6MWX2" in text
    assert text.count(DOCS["en"]["verify"].split("{")[0]) == 1


# --- (4) templates check ------------------------------------------------------------------------


def test_templates_check_passes_the_built_in_certificates_and_knows_the_qr_variables(campaign):
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "templates", "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "no errors, no warnings" in result.output, result.output
    sample = sample_context("certificate", campaign.load_scheme(), campaign)
    assert {"qr_code", "qr_caption", "verification_page"} <= set(sample)
    for lang in ("en", "fr", "de"):
        assert check_template(BUILTIN / f"certificate-{lang}.docx", sample) == []


@pytest.mark.parametrize(
    ("old", "new"), [("{{ verification_page }}", "{{ verification_pgae }}"), ("{{ qr_code }}", "{{ qr_cdoe }}")]
)
def test_templates_check_flags_a_typo_in_the_qr_block(campaign, tmp_path, old, new):
    source = BUILTIN / "certificate-fr.docx"
    bad = tmp_path / source.name
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            zout.writestr(item, data)
    result = CliRunner().invoke(cli, ["--campaign", str(campaign.root), "templates", "check", str(bad)])
    assert result.exit_code != 0 and new.strip("{} ") in result.output


@pytest.mark.parametrize(
    "data",
    ["https://labels.example.org/c/DEMO-2025-00003.html#GNPEEMN5M2", "c/X#1", PUBLIC_URL + "c/" + "x" * 70 + "#CODE"],
)
def test_the_qr_picture_is_the_symbol_module_for_module(data):
    """The picture is zxing-cpp's symbol at error correction Q, each module a square of 12
    pixels, inside a white quiet zone of four modules, black on white; it reads back as the
    address at level Q, and the same address gives the same bytes."""
    import numpy as np

    from excelcert.documents.qr import qr_png

    png = qr_png(data)
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    symbol = np.asarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False)) == 0  # dark
    ours = Image.open(io.BytesIO(png))
    modules = symbol.shape[0] + 8
    assert ours.mode == "1" and ours.size == (modules * 12,) * 2
    pixels = np.asarray(ours.convert("L"))
    assert set(np.unique(pixels)) == {0, 255}
    dark = pixels[6::12, 6::12] == 0  # each module's centre
    assert not dark[:4].any() and not dark[-4:].any() and not dark[:, :4].any() and not dark[:, -4:].any()
    assert (dark[4:-4, 4:-4] == symbol).all()
    assert (pixels.reshape(modules, 12, modules, 12) == pixels[::12, ::12][:, None, :, None]).all()  # whole squares
    read = [b for b in zxingcpp.read_barcodes(ours.convert("L")) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert [(b.text, b.ec_level) for b in read] == [(data, "Q")]
    assert qr_png(data) == png


@pytest.mark.parametrize(
    "data",
    [
        "https://labels.exämple.org/c/ECL-2026-00007.html#L2S336MWX2",  # an internationalised domain
        "https://labels.example.org/€/c/ECL-2026-00007.html#L2S336MWX2",
        "https://ラベル.example.jp/c/ECL-2026-00007.html#L2S336MWX2",
        "https://labels.example.org/" + "é" * 150,  # in ISO 8859-1 without a designator, read as Chinese
        "https://ετικέτες.example.gr/c/ECL-2026-00007.html#L2S336MWX2",
    ],
)
def test_an_address_in_other_letters_than_ascii_is_held_in_utf_8_said_so(data):
    """The symbol holds the address in UTF-8 behind the ECI designator of UTF-8 (26): what
    readers that follow ECIs read as it is, and those that do not assume. Left to choose,
    zxing-cpp wrote a € in ISO 8859-7 and Japanese in Shift JIS."""
    from excelcert.documents.qr import qr_png

    png = Image.open(io.BytesIO(qr_png(data))).convert("L")
    (read,) = zxingcpp.read_barcodes(png, text_mode=zxingcpp.TextMode.HexECI)
    expected = b"]Q2\\000026" + data.encode("utf-8")
    assert read.text == " ".join(f"{byte:02X}" for byte in expected)
    assert [b.text for b in zxingcpp.read_barcodes(png)] == [data]
