"""The package's layout, checked: what import-linter's contracts do not say.

- no module imports another module's private names (a leading underscore), neither
  `from excelcert.x import _y` nor `x._y` on an imported excelcert module;
- no function-local import of an excelcert module outside excelcert/cli/ (the command
  line imports a stage when its command runs, to start fast; elsewhere a local import
  hides a dependency; local imports of third-party libraries are fine everywhere);
- `lint-imports` passes (the layers and the forbidden imports of pyproject.toml);
- every package has a docstring, and excelcert/__init__.py names every stage package.

Each checker is a function of a module's source, so that it is itself tested on small
sources that break the rule.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "excelcert"
ROOT = "excelcert"


@dataclass(frozen=True)
class Module:
    name: str  # excelcert.base.spreadsheet
    path: Path
    is_package: bool  # an __init__.py

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def package_modules(package: Path = PACKAGE) -> list[Module]:
    modules = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules.append(Module(".".join(parts[:-1] if is_package else parts), path, is_package))
    return modules


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from ... import` statement imports from, made absolute."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _ours(name: str) -> bool:
    return name == ROOT or name.startswith(ROOT + ".")


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


# --- (a) private names ------------------------------------------------------------------------


def private_imports(
    source: str, module: str, *, is_package: bool = False, modules: set[str] | None = None
) -> list[str]:
    """Where `module` uses a private name of another excelcert module; `modules` are the
    names of the package's modules (an imported name that is one is followed to its
    attributes)."""
    modules = modules if modules is not None else {m.name for m in package_modules()}
    tree = ast.parse(source)
    found: list[str] = []
    bound: dict[str, str] = {}  # local name -> the excelcert module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _absolute(node, module, is_package)
            if not _ours(origin):
                continue
            if origin != module and any(_private(part) for part in origin.split(".")):
                found.append(f"{module}, line {node.lineno}: imports from the private module {origin}")
                continue
            for alias in node.names:
                if _private(alias.name) and origin != module:
                    found.append(f"{module}, line {node.lineno}: imports {alias.name} from {origin}")
                elif f"{origin}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not _ours(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"{module}, line {node.lineno}: imports the private module {alias.name}")
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[ROOT] = ROOT
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain = _dotted(node.value)
            if chain is None or chain.split(".")[0] not in bound:
                continue
            head, *rest = chain.split(".")
            target = ".".join([bound[head], *rest])
            if target in modules and target != module:
                found.append(f"{module}, line {node.lineno}: uses {target}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    modules = package_modules()
    names = {m.name for m in modules}
    found = [p for m in modules for p in private_imports(m.source, m.name, is_package=m.is_package, modules=names)]
    assert not found, "private names used across modules:\n" + "\n".join(found)


SYNTHETIC_MODULES = {
    "excelcert",
    "excelcert.base",
    "excelcert.base.spreadsheet",
    "excelcert.base.files",
    "excelcert.review",
    "excelcert.review.read",
    "excelcert.review.workbook",
}


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from excelcert.base.spreadsheet import _row_spans\n", "imports _row_spans from excelcert.base.spreadsheet"),
        ("from excelcert.base.spreadsheet import read_workbook, _Grid as G\n", "imports _Grid"),
        ("from .workbook import _Writer\n", "imports _Writer from excelcert.review.workbook"),
        ("from ..base import _internal\n", "imports _internal from excelcert.base"),
        ("from . import _shared\n", "imports _shared from excelcert.review"),  # the package is another module
        ("def f():\n    from excelcert.base.files import _tmp\n", "line 2: imports _tmp from excelcert.base.files"),
        (
            "from excelcert.base import spreadsheet\nx = spreadsheet._row_spans\n",
            "uses excelcert.base.spreadsheet._row_spans",
        ),
        ("import excelcert.base.spreadsheet as s\ns._Grid()\n", "uses excelcert.base.spreadsheet._Grid"),
        ("import excelcert.base.spreadsheet\nexcelcert.base.spreadsheet._x\n", "uses excelcert.base.spreadsheet._x"),
        ("from excelcert import base\nbase.spreadsheet._x\n", "uses excelcert.base.spreadsheet._x"),
        ("import excelcert.base._secret\n", "imports the private module excelcert.base._secret"),
        ("from excelcert.base._secret import key\n", "imports from the private module excelcert.base._secret"),
    ],
)
def test_a_private_name_from_another_module_is_reported(source, expected):
    found = private_imports(source, "excelcert.review.read", modules=SYNTHETIC_MODULES)
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    "source",
    [
        "from excelcert.base.spreadsheet import read_workbook\n",
        "from excelcert.review.read import _own\n",  # its own name
        "import excelcert.review.read as me\nme._own\n",
        "from excelcert.base.spreadsheet import Sheet\nSheet._fields\n",  # a class's attribute, not a module's
        "from excelcert.base import spreadsheet\nspreadsheet.__name__\n",  # dunders are public
        "from pandas import _libs\nimport numpy as np\nnp._x\n",  # other libraries: their business
    ],
)
def test_what_is_not_a_private_import_is_not_reported(source):
    assert private_imports(source, "excelcert.review.read", modules=SYNTHETIC_MODULES) == []


# --- (b) function-local imports -----------------------------------------------------------------


class _LocalImports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module, self.is_package = module, is_package
        self.depth = 0
        self.found: list[str] = []

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if self.depth and _ours(alias.name):
                self.found.append(f"{self.module}, line {node.lineno}: imports {alias.name} in a function")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        origin = _absolute(node, self.module, self.is_package)
        if self.depth and _ours(origin):
            self.found.append(f"{self.module}, line {node.lineno}: imports from {origin} in a function")


def local_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Where `module` imports an excelcert module inside a function."""
    visitor = _LocalImports(module, is_package)
    visitor.visit(ast.parse(source))
    return visitor.found


def test_excelcert_modules_are_imported_at_the_top_outside_the_command_line():
    found = [
        p
        for m in package_modules()
        if not m.name.startswith(f"{ROOT}.cli.") and m.name != f"{ROOT}.cli"
        for p in local_imports(m.source, m.name, is_package=m.is_package)
    ]
    assert not found, "function-local imports of excelcert modules:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    from excelcert.base import files\n", "line 2: imports from excelcert.base in a function"),
        ("def f():\n    import excelcert.base.files\n", "imports excelcert.base.files in a function"),
        ("class A:\n    def m(self):\n        from .workbook import build\n", "from excelcert.review.workbook"),
        ("async def f():\n    from excelcert import demo\n", "imports from excelcert in a function"),
        ("def f():\n    def g():\n        from excelcert.scheme import load_scheme\n", "line 3"),
    ],
)
def test_a_local_import_of_an_excelcert_module_is_reported(source, expected):
    found = local_imports(source, "excelcert.review.read")
    assert len(found) == 1 and expected in found[0], found


def test_local_imports_of_other_libraries_and_top_level_imports_are_not_reported():
    source = (
        "from excelcert.base import files\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from excelcert.scheme import Scheme\n"
        "def f():\n    import matplotlib\n    from docxtpl import DocxTemplate\n"
    )
    assert local_imports(source, "excelcert.review.read") == []


# --- (c) import-linter --------------------------------------------------------------------------


def _lint_imports() -> Path | None:
    """The lint-imports of this Python's environment (the venv's bin), else on the PATH."""
    beside = Path(sys.executable).parent / "lint-imports"
    if beside.exists():
        return beside
    found = shutil.which("lint-imports")
    return Path(found) if found else None


def run_lint_imports(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    program = _lint_imports()
    if program is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(folder)}  # the root package must be importable
    return subprocess.run(
        [str(program), "--no-cache", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )


def test_import_linter_contracts_hold():
    result = run_lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_import_linter_reports_a_broken_layer(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "high.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "low.py").write_text("import pkg.high\n", encoding="utf-8")
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_package = pkg\n\n[importlinter:contract:1]\nname = layers\ntype = layers\n"
        "layers =\n    pkg.high\n    pkg.low\n",
        encoding="utf-8",
    )
    result = run_lint_imports(tmp_path, "--config", str(config))
    assert result.returncode != 0
    assert "pkg.low is not allowed to import pkg.high" in result.stdout, result.stdout + result.stderr


# --- (d) docstrings -------------------------------------------------------------------------------


def stage_packages(package: Path = PACKAGE) -> list[str]:
    return sorted(p.parent.name for p in package.glob("*/__init__.py"))


def missing_from_docstring(docstring: str | None, names: list[str]) -> list[str]:
    """The names that `docstring` does not mention as a word."""
    text = docstring or ""
    return [n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


def test_every_package_has_a_docstring():
    without = [
        m.name for m in package_modules() if m.is_package and not (ast.get_docstring(ast.parse(m.source)) or "").strip()
    ]
    assert not without, f"packages without a docstring: {', '.join(without)}"


def test_the_top_level_docstring_names_every_stage_package():
    stages = stage_packages()
    assert {"base", "scheme", "review", "cli"} <= set(stages)  # the packages were found
    docstring = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")))
    missing = missing_from_docstring(docstring, stages)
    assert not missing, f"excelcert/__init__.py does not name the package(s) {', '.join(missing)}"


def test_the_docstring_checks_can_fail(tmp_path):
    package = tmp_path / "excelcert"
    for name in ("base", "review", "results"):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text('"""A stage."""\n' if name != "results" else "", encoding="utf-8")
    (package / "__init__.py").write_text('"""Stages: base, reviewers, the results."""\n', encoding="utf-8")
    (package / "data").mkdir()  # a folder without __init__.py is no package
    assert stage_packages(package) == ["base", "results", "review"]
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert missing_from_docstring(docstring, stage_packages(package)) == ["review"]  # 'reviewers' is not 'review'
    undocumented = [
        m.name for m in package_modules(package) if m.is_package and not ast.get_docstring(ast.parse(m.source))
    ]
    assert undocumented == ["excelcert.results"]
