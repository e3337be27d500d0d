"""The two cells every chapter opens with, written from one place.

1. A Markdown cell of MyST front matter that gives the chapter's equations its number as a
   prefix, so that JupyterLab (jupyterlab-myst) numbers (2.3) as the site does instead of (3).
   It is tagged ``remove-cell``: the site numbers equations from ``_toc.yml`` and drops it.
2. A code cell that checks the packages the chapters import before anything else runs, so that a
   chapter opened where they are missing says in one line what to install, instead of a
   traceback. Tagged ``remove-cell`` (the site has nothing to install) and folded in JupyterLab.

Usage: ``python tools/chapter_cells.py chapters`` writes them into every numbered chapter of
``_toc.yml`` (then ``make execute``); ``tests/test_chapter_cells.py`` checks that each chapter holds
them as written here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK_SOURCE = """\
# Before anything else: are the packages this chapter imports installed?
import importlib.util
import sys


class MissingPackage(Exception):
    def _render_traceback_(self):  # IPython shows this one line, not a traceback
        return [str(self)]


for module, package in [
    ("numpy", "numpy"),
    ("scipy", "scipy"),
    ("matplotlib", "matplotlib"),
    ("ipywidgets", "ipywidgets"),
    ("sympy", "sympy"),
    ("sklearn", "scikit-learn"),
    ("convlib", "convlib"),
]:
    if importlib.util.find_spec(module) is None:
        raise MissingPackage(
            f"This chapter needs {package}, which is not installed for {sys.executable}: "
            'run "python -m pip install -r requirements.txt" in the convlib-course folder '
            '(or pip install -e ".[course]" in a clone of the course), then restart the kernel.'
        )"""


def front_matter(chapter: int) -> str:
    """Return the MyST front matter that numbers chapter ``chapter``'s equations ``chapter.k``."""
    return f"---\nnumbering:\n  equation:\n    enumerator: '{chapter}.%s'\n---"


def numbered_chapters(root: Path = ROOT) -> list[Path]:
    """Return the notebooks of ``_toc.yml``'s numbered part, in order (chapter 1 first)."""
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    part = toc.split("numbered: true", 1)[1].split("- caption:", 1)[0]
    return [root / f"{name}.ipynb" for name in re.findall(r"-\s*file:\s*(\S+)", part)]


def expected_cells(chapter: int) -> list[dict]:
    """Return the first two cells of chapter ``chapter``, as nbformat dicts without outputs."""
    return [
        {
            "cell_type": "markdown",
            "id": f"numbering-{chapter}",
            "metadata": {"tags": ["remove-cell"]},
            "source": front_matter(chapter),
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"packages-{chapter}",
            "metadata": {"jupyter": {"source_hidden": True}, "tags": ["remove-cell"]},
            "outputs": [],
            "source": CHECK_SOURCE,
        },
    ]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def write(path: Path, chapter: int) -> None:
    """Put the two cells first in ``path`` (replacing earlier versions of them)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = {f"numbering-{chapter}", f"packages-{chapter}"}
    cells = [c for c in nb["cells"] if c.get("id") not in ids]
    new = expected_cells(chapter)
    for cell in new:
        cell["source"] = _lines(cell["source"])
    nb["cells"] = new + cells
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve().parent if len(sys.argv) > 1 else ROOT
    for number, notebook in enumerate(numbered_chapters(root), start=1):
        write(notebook, number)
        print("wrote", notebook.relative_to(root))
