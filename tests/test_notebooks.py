"""The chapter notebooks as stored: executed, clean, deterministic, and every equation checked.

nbval (``make nbval``) proves that each stored output is what the code produces now, but it
passes a cell that was never executed; these tests close that gap and hold the book to its
promise that every labelled equation is followed by a cell that would fail if it were wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebooks

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]

# MyST labelled display math: $$ ... $$ (label)
EQ_LABEL = re.compile(r"\$\$\s*\((?P<label>[A-Za-z0-9_.:-]+)\)")
CHECKS = re.compile(r"^#\s*checks:\s*(?P<labels>.+)$", re.MULTILINE)
VOLATILE = {
    "memory address": re.compile(r"\bat 0x[0-9a-fA-F]{6,}"),
    "timing": re.compile(r"\b\d+(\.\d+)?\s*(ms|µs|us|ns|s) ± "),
    "temporary path": re.compile(r"/tmp/[A-Za-z0-9_]{6,}"),
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 1, f"no chapter notebooks in {CHAPTERS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order(path):
    counts = [c["execution_count"] for c in _code_cells(_load(path))]
    missing = [k for k, n in enumerate(counts) if n is None]
    assert not missing, f"{path.name}: code cells {missing} were never executed (make execute)"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..n: the notebook was not run top to "
        "bottom in one fresh kernel (make execute)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_output_is_an_error_or_a_warning(path):
    for k, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} cell {k}: {out.get('ename')}"
            if out["output_type"] == "stream":
                text = _text(out["text"])
                assert out["name"] != "stderr", f"{path.name} cell {k} wrote to stderr: {text}"
                assert "Warning" not in text, f"{path.name} cell {k} printed a warning: {text}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_hold_nothing_volatile(path):
    for k, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            texts = [_text(out.get("text", ""))]
            texts += [_text(v) for m, v in out.get("data", {}).items() if m.startswith("text/")]
            for what, pattern in VOLATILE.items():
                for text in texts:
                    hit = pattern.search(text)
                    assert not hit, f"{path.name} cell {k}: {what} in output: {hit.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_labelled_equation_has_a_cell_that_checks_it(path):
    nb = _load(path)
    labels = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            labels += EQ_LABEL.findall(_text(cell["source"]))
    checked = {}
    for cell in _code_cells(nb):
        src = _text(cell["source"])
        for m in CHECKS.finditer(src):
            for label in re.split(r"[,\s]+", m.group("labels").strip()):
                checked.setdefault(label, []).append(src)
    unchecked = [label for label in labels if label not in checked]
    assert not unchecked, (
        f"{path.name}: equations with no cell marked '# checks: <label>': {unchecked}"
    )
    # A check must be able to fail: it asserts, or calls a convlib verifier that raises
    # (symbolic's check, check_all, check_general, verify_step, verify_steps).
    raises = re.compile(r"\bassert\b|\b(?:verify_\w*|check|check_all|check_general)\(")
    toothless = [label for label in labels if not any(raises.search(src) for src in checked[label])]
    assert not toothless, f"{path.name}: check cells that cannot fail for {toothless}"
    unknown = sorted(set(checked) - set(labels) - _labels_elsewhere(path))
    assert not unknown, f"{path.name}: '# checks:' names labels that no chapter defines: {unknown}"


def _labels_elsewhere(path: Path) -> set[str]:
    found = set()
    for other in NOTEBOOKS:
        if other != path:
            for cell in _load(other)["cells"]:
                if cell["cell_type"] == "markdown":
                    found.update(EQ_LABEL.findall(_text(cell["source"])))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_metadata_is_normalised(path):
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for k, cell in enumerate(nb["cells"]):
        assert "execution" not in cell.get("metadata", {}), f"{path.name} cell {k}: timings stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_alt_text(path):
    """A figure is described in words for readers who cannot see it (myst-nb's image alt)."""
    for k, cell in enumerate(_code_cells(_load(path))):
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if images:
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.strip()) >= 20, (
                f"{path.name} cell {k}: a figure without alt text; give the cell metadata "
                '{"mystnb": {"image": {"alt": "what the figure shows"}}}'
            )
