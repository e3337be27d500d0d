"""The house: the core below the optional subpackages, no import running back up, small modules.

``import convlib`` needs numpy and scipy only; the core (``ops``, ``layer``, ``reference``,
``finite_diff``, ``_checks``, ``_types``, ``_engines``) and its stdlib-only neighbours (``book``,
``display``) never import an optional subpackage (``symbolic``, ``figures``, ``exercises``).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import convlib

PACKAGE = Path(convlib.__file__).parent
OPTIONAL = {"symbolic", "figures", "exercises"}
MODULES = sorted(
    p.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", ".")
    for p in PACKAGE.rglob("*.py")
)


def _imports(path: Path) -> set[str]:
    """Absolute names of the convlib modules ``path`` imports (relative imports resolved)."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").as_posix().split("/")
    package = module[:-1] if module[-1] != "__init__" else module[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {n for n in found if n.startswith("convlib")}


def test_import_convlib_needs_numpy_and_scipy_only():
    code = (
        "import sys, convlib; "
        "print(' '.join(sorted(m for m in ('sympy', 'matplotlib', 'ipywidgets', 'IPython', "
        "'PIL', 'pandas') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import convlib also imported: {out.stdout.strip()}"


@pytest.mark.parametrize("name", [m for m in MODULES if m.split(".")[1] not in OPTIONAL])
def test_the_core_never_imports_an_optional_subpackage(name):
    path = PACKAGE.parent / (name.replace(".", "/") + ".py")
    upward = {
        imported
        for imported in _imports(path)
        if len(imported.split(".")) > 1 and imported.split(".")[1] in OPTIONAL
    }
    assert not upward, f"{name} imports {sorted(upward)}: the core must not depend on them"


@pytest.mark.parametrize("name", MODULES)
def test_no_module_is_over_700_lines(name):
    path = PACKAGE.parent / (name.replace(".", "/") + ".py")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 700, f"{name} has {lines} lines: split it by concern"


def test_no_submodule_is_shadowed_by_a_name_in_its_package():
    # `import convlib.x as m` must give the module x, never a function of the same name
    for info in pkgutil.walk_packages(convlib.__path__, "convlib."):
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError:  # an optional part whose dependency is not installed
            continue
        parent, _, child = info.name.rpartition(".")
        attribute = getattr(sys.modules[parent], child)
        assert attribute is module, f"{parent}.{child} is {attribute!r}, not the module"
