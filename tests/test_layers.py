"""The dependency direction of DESIGN "Layout" (issue 22): flows → tasks → (domain,
config, warehouse); nothing below the CLI imports it, and nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> the first-party packages it must never import
FORBIDDEN = {
    "flows": {"iportal"},
    "tasks": {"iportal", "flows"},
    "domain": {"iportal", "flows", "tasks", "warehouse", "config"},
    "config": {"iportal", "flows", "tasks", "warehouse"},
    "warehouse": {"iportal", "flows", "tasks"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every absolute import in a file, lazy ones included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_above_itself(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {file: names for file, names in wrong.items() if names} == {}


def test_the_check_sees_a_lazy_import(tmp_path):
    module = tmp_path / "step.py"
    module.write_text("def run():\n    from iportal.cli import app\n    import flows.nightly\n")
    assert imported_packages(module) == {"iportal", "flows"}
