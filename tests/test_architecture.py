"""The package's architecture, checked: imports go one way (core <- survey <- compare | aims | workshops |
access <- reports | demo <- cli), `leverage` never imports Streamlit, nothing inside the package imports its public
API, each subpackage says what it owns and may import, no class does too many jobs, and nothing refers
to files outside the repository.

The import contracts are import-linter's (in pyproject.toml); the planted-violation tests copy the
package, break one rule, and show the check fails.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "leverage"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SUBPACKAGES = ["core", "survey", "compare", "aims", "workshops", "access", "reports", "demo", "cli"]
MAX_CLASS_LINES = 250
#: Paths outside the repository that files must not cite (spelt in pieces so this file does not cite them).
OUTSIDE = ("../" + "shared", "shared" + "/reference", "/wo" + "rk/")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.fixture
def planted(tmp_path: Path):
    """A copy of the package and its contracts, in which a test plants one violation."""
    shutil.copytree(PACKAGE, tmp_path / "leverage", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")

    def plant(module: str, line: str) -> None:
        path = tmp_path / "leverage" / module
        path.write_text(path.read_text() + f"\n{line}\n")

    return tmp_path, plant


LAYERS = "core <- survey <- the four domains <- reports | demo <- cli"


@pytest.mark.parametrize(("module", "line", "broken", "says"), [
    ("core/settings.py", "from leverage.cli.main import main", LAYERS,
     "leverage.core is not allowed to import leverage.cli"),
    ("survey/scoring.py", "from leverage.aims.spc import analyse", LAYERS,
     "leverage.survey is not allowed to import leverage.aims"),
    ("aims/view.py", "from leverage.workshops import states", LAYERS,
     "leverage.aims is not allowed to import leverage.workshops"),
    ("reports/excel.py", "from leverage.demo import loader", LAYERS,
     "leverage.reports is not allowed to import leverage.demo"),
    ("access/audit.py", "from leverage.workshops import states", LAYERS,
     "leverage.access is not allowed to import leverage.workshops"),
    ("workshops/states.py", "from leverage.access import permissions", LAYERS,
     "leverage.workshops is not allowed to import leverage.access"),
    ("survey/charts.py", "import streamlit", "never imports Streamlit", "leverage.survey.charts -> streamlit"),
])
def test_a_planted_violation_breaks_the_check(planted, module, line, broken, says):
    root, plant = planted
    assert lint_imports(root).returncode == 0  # the untouched copy passes
    plant(module, line)
    done = lint_imports(root)
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout and says in done.stdout, done.stdout
    assert broken in next(row for row in done.stdout.splitlines() if "BROKEN" in row)


def test_nothing_inside_the_package_imports_the_public_api():
    """`leverage/__init__.py` is for users of the package; inside, modules import each other directly (the API
    imports nearly everything, so going through it would hide an import against the layers)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py" or path.parent.name == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "leverage" and node.level == 0 or \
                    isinstance(node, ast.Import) and any(a.name == "leverage" for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_says_what_it_owns_and_may_import(name):
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
    assert doc and "May import" in doc, f"leverage/{name}/__init__.py needs a docstring saying what it may import"
    owned = {p.stem for p in (PACKAGE / name).glob("*.py") if p.stem != "__init__"}
    missing = sorted(m for m in owned if f"`{m}`" not in doc and name != "cli")
    assert not missing, f"leverage/{name}/__init__.py does not mention {missing}"


def test_no_class_does_too_many_jobs():
    big = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big.append(f"{path.relative_to(ROOT)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not big


def test_nothing_refers_outside_the_repository():
    outside = []
    for path in ROOT.rglob("*"):
        if path.suffix not in {".py", ".md", ".toml", ".txt", ".sh", ""} or not path.is_file():
            continue
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") and p not in {".ci", ".streamlit"} for p in parts) or \
                {"node_modules", "data", "__pycache__", "out"} & set(parts):
            continue
        text = path.read_text(errors="replace")
        for needle in OUTSIDE:
            if needle in text:
                outside.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not outside


def test_the_public_api_is_small_documented_and_cheap_to_import():
    import leverage

    assert set(leverage.__all__) == {"CITATION", "__version__", *leverage._API}
    for name in leverage.__all__:
        assert getattr(leverage, name) is not None
    heavy = "('pandas', 'sqlalchemy', 'plotly', 'pyarrow')"
    done = subprocess.run([sys.executable, "-c", f"import sys, leverage; print(sorted(m for m in {heavy} "
                           "if m in sys.modules))"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        leverage.nothing_here  # noqa: B018
