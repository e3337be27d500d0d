"""Every chapter opens with the two cells of tools/chapter_cells.py, and they do their jobs.

- JupyterLab numbers a chapter's equations as the site does: the front matter's enumerator is
  the chapter's place in _toc.yml, every labelled equation is in convlib.book.EQUATIONS under
  that chapter's number, and no unlabelled display equation is left to take a number (Lab would
  count it, the site does not).
- A chapter whose packages are missing says in one line what to install: run in a real kernel
  with a package hidden, the check cell's whole error output is that line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from convlib.book import EQUATIONS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import chapter_cells  # noqa: E402

CHAPTERS = chapter_cells.numbered_chapters(ROOT)
IDS = [p.stem for p in CHAPTERS]
# A display equation: $$ ... $$, with its label if it has one.
DISPLAY = re.compile(r"\$\$(?P<body>.*?)\$\$(?P<label>[ \t]*\((?P<name>[A-Za-z0-9_.:-]+)\))?", re.S)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _markdown_texts(nb: dict):
    """Every Markdown text of a notebook: its Markdown cells and its Markdown outputs."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            yield _source(cell)
        for output in cell.get("outputs", []):
            markdown = output.get("data", {}).get("text/markdown")
            if markdown is not None:
                yield "".join(markdown)


def test_the_numbered_part_has_eight_chapters():
    assert [p.stem[:2] for p in CHAPTERS] == [f"{n:02d}" for n in range(1, 9)]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_opens_with_the_two_cells(path):
    number = CHAPTERS.index(path) + 1
    cells = _load(path)["cells"][:2]
    for cell, expected in zip(cells, chapter_cells.expected_cells(number), strict=True):
        assert cell["cell_type"] == expected["cell_type"]
        assert cell["metadata"] == expected["metadata"], cell["metadata"]
        assert _source(cell) == expected["source"], f"run: python tools/chapter_cells.py {path}"
    assert f"enumerator: '{number}.%s'" in _source(cells[0])


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_lab_counts_only_the_labelled_equations_with_the_sites_numbers(path):
    number = CHAPTERS.index(path) + 1
    labels = []
    for text in _markdown_texts(_load(path)):
        for match in DISPLAY.finditer(text):
            assert match["label"], (
                f"{path.name}: an unlabelled $$ display takes a number in JupyterLab and none "
                f"on the site; write it as \\begin{{equation*}} ... \\end{{equation*}}: "
                f"{match['body'].strip()[:60]!r}"
            )
            labels.append(match["name"])
    # In order, Lab numbers them number.1, number.2, ...: the numbers the book gives them.
    assert [EQUATIONS[label] for label in labels] == [
        f"{number}.{k}" for k in range(1, len(labels) + 1)
    ]


def _run_check_cell(hidden_module: str | None) -> list[dict]:
    """Run the check cell in a real kernel with one module hidden; return its outputs."""
    hide = f"import sys\nsys.modules[{hidden_module!r}] = None" if hidden_module else "pass"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(hide),
            nbformat.v4.new_code_cell(chapter_cells.CHECK_SOURCE),
        ]
    )
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    try:
        client.execute()
    except CellExecutionError:
        pass
    return nb.cells[1].outputs


def test_the_check_cell_is_silent_when_everything_is_installed():
    assert _run_check_cell(None) == []


@pytest.mark.parametrize(("module", "package"), [("sympy", "sympy"), ("sklearn", "scikit-learn")])
def test_a_missing_package_is_one_line_naming_it_and_the_install(module, package):
    (output,) = _run_check_cell(module)
    assert output["output_type"] == "error"
    assert output["ename"] == "MissingPackage"
    (line,) = output["traceback"]
    assert line.startswith(f"This chapter needs {package}, which is not installed for ")
    assert 'run "python -m pip install -r requirements.txt" in the convlib-course folder' in line
    assert line.endswith("then restart the kernel.")


PLANNING_LABEL = re.compile(r"\bE(1[0-4]|[1-9])\b")  # the course plan's E1–E14


def _texts_a_reader_sees(path: Path):
    """Markdown, code and every text output of a chapter (not images), or a page's Markdown."""
    if path.suffix == ".md":
        yield path.read_text(encoding="utf-8")
        return
    for cell in _load(path)["cells"]:
        yield _source(cell)
        for output in cell.get("outputs", []):
            yield "".join(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    yield "".join(value)


PAGES = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_no_planning_label_or_brief_on_any_page(path):
    for text in _texts_a_reader_sees(path):
        assert not PLANNING_LABEL.search(text), (path.name, PLANNING_LABEL.search(text)[0])
        assert not re.search(r"\bbrief\b", text, re.IGNORECASE), path.name
