"""convlib.book's equation numbers are the ones the website prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from convlib import book

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
TOC = Path(__file__).resolve().parents[1] / "_toc.yml"
EQ_LABEL = re.compile(r"\$\$\s*\((?P<label>[A-Za-z0-9_.:-]+)\)")


def _numbered_chapters() -> list[Path]:
    """The numbered part's chapters, in the table of contents' order (chapter c is the c-th)."""
    text = TOC.read_text(encoding="utf-8")
    part = text.split("numbered: true", 1)[1].split("- caption:", 1)[0]
    names = re.findall(r"-\s*file:\s*(\S+)", part)
    return [CHAPTERS.parent / f"{name}.ipynb" for name in names]


def _numbers_in_the_chapters() -> dict[str, str]:
    numbers = {}
    for c, path in enumerate(_numbered_chapters(), start=1):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        labels = [
            m.group("label")
            for cell in cells
            if cell["cell_type"] == "markdown"
            for m in EQ_LABEL.finditer("".join(cell["source"]))
        ]
        for n, label in enumerate(labels, start=1):
            numbers[label] = f"{c}.{n}"
    return numbers


def test_the_table_is_the_chapters_numbering():
    assert book.EQUATIONS == _numbers_in_the_chapters()


def test_eq_names_an_unknown_label():
    with pytest.raises(KeyError, match="no equation labelled 'eq-nope'"):
        book.eq("eq-nope")


def test_eqs_joins_only_a_consecutive_run():
    assert book.eqs("eq-dw", "eq-db", "eq-count") == "(2.3)\N{EN DASH}(2.5)"
    assert book.eqs("eq-dw", "eq-count") == "(2.3), (2.5)"
    assert book.eqs("eq-dw") == "(2.3)"


def test_cite_resolves_every_label_and_refuses_an_unknown_one():
    assert (
        book.cite("(eq-layer) and (eq-di-rot); (not-a-label)") == "(1.3) and (4.3); (not-a-label)"
    )
    with pytest.raises(KeyError, match="eq-typo"):
        book.cite("see (eq-typo)")
