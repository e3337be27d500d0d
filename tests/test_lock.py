"""The two locks and convlib's extras, read as files (no network; ``make unit``).

- ``requirements.txt`` (the course's) and ``tools/bundle/requirements.txt`` (the readers') name no
  index, folder or file of the machine they were compiled on, and pin every entry with hashes;
- the course's lock pins every top-level requirement of ``requirements.in`` as it says, for every
  Python and platform;
- the readers' lock is a part of the course's: on every Python and platform, each package it
  installs is the course's version with the course's hashes; it holds what the chapters need and
  none of the site's or the tests' tooling;
- ``convlib[course]`` declares every package that the chapters and convlib import, and each of
  ``symbolic``, ``plotting`` and ``widgets`` what its module imports.

That the locks install on each platform is checked against PyPI in ``tests/install``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_lock  # noqa: E402

MAIN = ROOT / "requirements.txt"
READERS = ROOT / "tools" / "bundle" / "requirements.txt"
LOCKS = {"course": MAIN, "readers": READERS}
TOOLING = {
    "jupyter-book", "sphinx", "myst-nb", "sphinx-exercise", "sphinx-book-theme", "pytest",
    "hypothesis", "nbval", "ruff", "playwright", "uv", "setuptools",
}  # fmt: skip
# What a reader needs beside convlib[course]: JupyterLab, its MyST renderer, a kernel.
READER_TOOLS = {"jupyterlab", "jupyterlab-myst", "ipykernel"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
EXTRAS = {k: [Requirement(r) for r in v] for k, v in PYPROJECT["optional-dependencies"].items()}
BASE = [Requirement(r) for r in PYPROJECT["dependencies"]]


def _pins(path: Path) -> list[check_lock.Pin]:
    return check_lock.parse_lock(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lock", LOCKS.values(), ids=LOCKS.keys())
def test_lock_names_no_index_folder_or_file(lock):
    offending = [
        (n, line)
        for n, line in enumerate(lock.read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith("#")
        and (
            (line.lstrip().startswith("-") and not line.lstrip().startswith("--hash=sha256:"))
            or re.search(r"file:|(^|\s)/|[A-Za-z]:\\|\.\./|@ ", line)
        )
    ]
    assert not offending, f"{lock.name} carries options or paths of a machine: {offending}"


@pytest.mark.parametrize("lock", LOCKS.values(), ids=LOCKS.keys())
def test_every_entry_is_pinned_with_hashes(lock):
    pins = _pins(lock)
    assert len(pins) > 50, f"{lock.name}: only {len(pins)} entries read"
    assert not [p.name for p in pins if not p.hashes], f"{lock.name}: entries without hashes"


def test_the_lock_pins_requirements_in_as_it_says():
    top = [
        Requirement(line.split("#")[0])
        for line in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines()
        if line.split("#")[0].strip()
    ]
    assert len(top) >= 15
    pins = _pins(MAIN)
    for python, platform in check_lock.TARGETS:
        chosen = check_lock.selected(pins, python, platform)
        for req in top:
            pin = chosen.get(canonicalize_name(req.name))
            assert pin is not None, f"{req.name} is not in the lock for {python} {platform.name}"
            assert req.specifier.contains(pin.version, prereleases=True), (
                f"requirements.in asks for {req}, the lock pins {pin.version}: run `make lock`"
            )


def test_the_readers_lock_is_a_part_of_the_course_lock():
    main, readers = _pins(MAIN), _pins(READERS)
    for python, platform in check_lock.TARGETS:
        course = check_lock.selected(main, python, platform)
        for name, pin in check_lock.selected(readers, python, platform).items():
            where = f"{name} for Python {python} on {platform.name}"
            assert name in course, f"the readers install {where}, the course's lock has no {name}"
            assert (pin.version, pin.hashes) == (course[name].version, course[name].hashes), (
                f"{where}: the readers' lock pins {pin.version}, the course's "
                f"{course[name].version} (or other hashes): run `make lock`"
            )


def test_the_readers_lock_holds_what_the_chapters_need_and_no_tooling():
    names = {p.name for p in _pins(READERS)}
    needed = {canonicalize_name(r.name) for r in BASE + EXTRAS["course"]} | READER_TOOLS
    assert needed <= names, f"the readers' lock lacks {sorted(needed - names)}"
    assert not names & TOOLING, f"the readers' lock holds tooling: {sorted(names & TOOLING)}"
    for req in BASE + EXTRAS["course"]:
        for pin in _pins(READERS):
            if pin.name == canonicalize_name(req.name):
                assert req.specifier.contains(pin.version), f"convlib needs {req}, lock: {pin}"


# --- convlib's extras against what the code imports ----------------------------------------


def _imported_modules(source: str) -> set[str]:
    """Top-level names of the modules that ``source`` imports (absolute imports only)."""
    source = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _distributions(modules: set[str]) -> set[str]:
    """The distributions that provide ``modules``, leaving out the standard library and convlib."""
    providers = importlib.metadata.packages_distributions()
    third_party = modules - set(sys.stdlib_module_names) - {"convlib", "__future__"}
    unknown = sorted(m for m in third_party if m not in providers)
    assert not unknown, f"no installed distribution provides {unknown}"
    return {canonicalize_name(providers[m][0]) for m in third_party}


def _declared(*extras: str) -> set[str]:
    return {canonicalize_name(r.name) for r in BASE + [r for e in extras for r in EXTRAS[e]]}


def test_convlib_course_declares_every_package_the_chapters_import():
    sources = [
        "".join(cell["source"])
        for nb in sorted((ROOT / "chapters").glob("*.ipynb"))
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
    ]
    sources += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "convlib").rglob("*.py"))]
    used = _distributions(set().union(*(_imported_modules(s) for s in sources)))
    assert used <= _declared("course"), (
        f"the chapters or convlib import {sorted(used - _declared('course'))}, which "
        "convlib[course] does not declare (pyproject.toml), so `pip install convlib[course]` "
        "would not give a reader everything"
    )


@pytest.mark.parametrize("extra", ["symbolic", "figures"])
def test_each_extra_declares_what_its_module_imports(extra):
    module = ROOT / "convlib" / f"{extra}.py"
    package = ROOT / "convlib" / extra
    files = [module] if module.exists() else sorted(package.rglob("*.py"))
    assert files, f"convlib[{extra}] names no module: neither {module} nor {package}/ exists"
    used = _distributions(set().union(*(_imported_modules(f.read_text("utf-8")) for f in files)))
    assert used <= _declared(extra), (
        f"convlib.{extra} imports {sorted(used - _declared(extra))}, which convlib[{extra}] "
        "does not declare (pyproject.toml)"
    )
