"""Arrows point down: each package imports only from the floors below it (and itself).

Floors, bottom first: `foundation` (AWS facts, the app's contract, resource records); `settings`;
`components`, `estimate` (side by side: none imports another); `tools` and the program's
`__main__.py` on top. The policy packs (guardrails, cost, deploy) and the delivery scripts stand
apart: they run in their own virtualenvs and import nothing of the program but the floor below
(`foundation`, standard library only, and the `estimate` the cost pack runs: copied into a
packaged pack). Every import statement counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = {
    "foundation",
    "settings",
    "components",
    "estimate",
    "tools",
    "policies",
    "scripts",
}

# What each package may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "settings": {"foundation"},
    "components": {"foundation", "settings"},
    "estimate": {"foundation"},
    "tools": {"foundation", "settings", "components", "estimate"},
    "policies": {"estimate", "foundation"},
    "scripts": set(),
}


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level project package) for every import in a file, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        tops = [name.split(".")[0] for name in names]
        found += [(node.lineno, top) for top in tops if top in PROJECT_PACKAGES]
    return found


def upward_imports(package: str, root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted((root / package).rglob("*.py")):
        if "venv" in path.parts or "vendor" in path.parts:
            continue
        for line, imported in project_imports(path):
            if imported != package and imported not in ALLOWED[package]:
                problems.append(f"{path.relative_to(root)}:{line} imports {imported}")
    return problems


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_from_floors_below(package):
    assert upward_imports(package) == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The check can fail: a foundation module importing components is reported with its line."""
    (tmp_path / "foundation").mkdir()
    (tmp_path / "foundation" / "facts.py").write_text(
        "def f():\n    from components.cache import Cache\n    return Cache\n"
    )
    assert upward_imports("foundation", tmp_path) == ["foundation/facts.py:2 imports components"]


@pytest.mark.parametrize(
    ("package", "module", "statement"),
    [
        ("foundation", "stackmodel.py", "from tools.offline.runner import run_stack\n"),
        ("foundation", "records.py", "import perfcheck_deploy\nimport policies\n"),
        ("estimate", "stack.py", "from components.cache import Cache\n"),
        ("policies", "deploy/perfcheck_deploy/pack.py", "from tools.offline import preview\n"),
    ],
)
def test_the_check_sees_an_upward_import_from_each_floor(tmp_path, package, module, statement):
    """The one stack model sits on the bottom floor: an import from it (or from a pack) upwards
    is reported with the file and line."""
    path = tmp_path / package / module
    path.parent.mkdir(parents=True)
    path.write_text('"""A module."""\n' + statement)
    problems = upward_imports(package, tmp_path)
    assert problems and all(p.startswith(f"{package}/{module}:") for p in problems), problems


def test_markdown_does_not_import_the_preview_back():
    """The preview renders Markdown; the renderer must not reach back into the preview."""
    markdown = ROOT / "tools" / "offline" / "markdown.py"
    assert "tools.offline.preview" not in markdown.read_text()


def third_party_imports(package: str, root: Path = ROOT) -> list[str]:
    """Imports of anything outside the standard library and the project's own packages."""
    import sys

    problems = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {name.split(".")[0] for name in names}:
                if top not in sys.stdlib_module_names and top not in PROJECT_PACKAGES:
                    problems.append(f"{path.relative_to(root)}:{node.lineno} imports {top}")
    return problems


def test_foundation_uses_the_standard_library_only():
    """A published policy pack carries foundation/ without a virtualenv of the program's."""
    assert third_party_imports("foundation") == []


def test_the_check_sees_a_third_party_import(tmp_path):
    (tmp_path / "foundation").mkdir()
    (tmp_path / "foundation" / "models.py").write_text("import json\nimport pulumi_aws\n")
    assert third_party_imports("foundation", tmp_path) == [
        "foundation/models.py:2 imports pulumi_aws"
    ]
