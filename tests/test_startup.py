"""What a command pays before its work: libraries imported only by the stages that need them,
the campaign's scheme checked against its hash without the slow emitter when it can be."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from excelcert.scheme import load_scheme
from excelcert.scheme.yaml_form import same_canonical_text, scheme_to_yaml


def _modules_after(code: str) -> set[str]:
    """The top-level modules a fresh Python has imported after running `code`."""
    script = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_terminal_views_do_not_import_pandas():
    loaded = _modules_after("import excelcert.cli.terminal")
    assert "rich" in loaded
    assert "pandas" not in loaded


def test_certificates_and_mail_do_not_import_pandas_until_letters_need_it():
    """The documents stage imports the benchmark (for the letters' reports); pandas and numpy
    (half a second, some 40 MB, in every worker too) come only when a benchmark is made."""
    loaded = _modules_after("import excelcert.documents.issue, excelcert.mail.compose")
    assert "excelcert" in loaded
    assert not {"pandas", "numpy"} & loaded
    code = (
        "from excelcert.benchmark.stats import pd, np\n"
        "import sys\nassert 'pandas' not in sys.modules\n"
        "assert pd.DataFrame({'a': [1.0]}).shape == (1, 1) and np.median([1, 3]) == 2"
    )
    assert {"pandas", "numpy"} <= _modules_after(code)


def test_a_roster_of_general_cells_is_read_without_openpyxl(shared_campaign):
    code = (
        "from excelcert.campaign.roster import read_roster\n"
        f"found = read_roster({str(shared_campaign.roster_path)!r}, ('en', 'fr', 'de'))\n"
        "assert found.report.ok and found.clusters, found.report"
    )
    assert "openpyxl" not in _modules_after(code)


def test_a_date_format_is_still_a_date(tmp_path):
    from excelcert.base.spreadsheet import _builtin_format, _kind_of_format

    assert _builtin_format(0) == "General" and _kind_of_format("General") is None
    assert _builtin_format(14) == "mm-dd-yy" and _kind_of_format("mm-dd-yy") == "date"
    assert _kind_of_format(_builtin_format(46)) == "timedelta"  # [h]:mm:ss
    assert _builtin_format(300) == "General"  # not built in, not declared


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_fast_scheme_check_agrees_with_the_canonical_text():
    scheme = load_scheme(None)
    canonical = _hash(scheme_to_yaml(scheme))
    tried: list[str] = []

    def matches(text: str) -> bool:
        tried.append(text)
        return _hash(text) == canonical

    assert same_canonical_text(scheme, matches)
    assert len(tried) == 1  # libyaml's text is the canonical one: no second emitter run
    tried.clear()
    assert not same_canonical_text(scheme, lambda text: tried.append(text) is not None)
    assert tried[-1] == scheme_to_yaml(scheme)  # a mismatch is decided by the canonical text


def test_the_canonical_text_decides_when_libyaml_writes_another(monkeypatch):
    import excelcert.scheme.yaml_form as yaml_form

    scheme = load_scheme(None)
    canonical = scheme_to_yaml(scheme)
    real = yaml_form.scheme_to_yaml
    monkeypatch.setattr(
        yaml_form,
        "scheme_to_yaml",
        lambda s, *, dumper=yaml_form._Dumper: (
            real(s, dumper=dumper) + "# other\n" if dumper is not yaml_form._Dumper else real(s)
        ),
    )
    assert same_canonical_text(scheme, lambda text: text == canonical)


def test_column_letters_are_openpyxls():
    from openpyxl.utils.cell import get_column_letter

    from excelcert.base.spreadsheet import column_letters

    for column in (*range(1, 800), 16384, 18277, 18278):
        assert column_letters(column) == get_column_letter(column)
    for outside in (0, 18279):
        try:
            column_letters(outside)
        except ValueError:
            continue
        raise AssertionError(f"column {outside} has no letters")


def test_plain_ascii_text_is_printed_as_it_is_and_only_that():
    from excelcert.cli.safe import plain, safe_lines

    printable = "".join(chr(c) for c in range(32, 127))
    assert plain(printable) == printable and safe_lines(printable) == printable
    for c in (*range(27), *range(28, 32), 127):  # every ASCII control character leaves the quick path
        assert plain(f"a{chr(c)}b") == "a\ufffdb"
        assert safe_lines(f"a{chr(c)}b") == ("a\ufffdb" if chr(c) not in "\n\t" else f"a{chr(c)}b")
    assert plain("a\x1b[31mb") == "ab" and plain("a\x9b31mb") == "ab"  # escapes removed whole
    assert plain("a\x1bcb") == "ab"  # ESC c, a two-character escape (ESC, 27, is never kept)
