"""Every chapter is written so that JupyterLab (jupyterlab-myst) shows it as the website does.

jupyterlab-myst renders one notebook at a time: it resolves ``{eq}``, ``{ref}`` and ``{numref}``
only to targets of the same notebook, turns ``{doc}`` into a link to a file that does not exist,
cannot see figures that are named in a code cell's metadata (MyST-NB's ``mystnb.figure``), and
shows a directive it does not know as "Unknown Directive". So, in the chapters' Markdown:

- a role names a label of its own notebook: an equation ``$$ ... $$ (label)``, a directive's
  ``:label:`` or a ``(label)=`` target;
- another chapter or page is a Markdown link with its title, ``[The input gradient]
  (03-input-gradient.ipynb)`` or ``[Errata of the notes](errata.md)``, never ``{doc}``;
- a numbered target of another chapter is a Markdown link whose text is its number on the
  website, ``[(1.3)](01-operations.ipynb#eq-layer)``, ``[Exercise 3.1](03-input-gradient.ipynb
  #ex-ch3-grad-input)``; and a figure of the notebook's own, ``[Fig. 1.1](#fig-ch1-operations)``.
  The site's build checks each number (``tools/sphinx_course.py``); this test checks that the
  file and the label exist;
- directives are among those jupyterlab-myst renders (``DIRECTIVES``).

``tests/browser/test_lab.py`` reads one chapter in a real JupyterLab.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
# Directives seen rendered by jupyterlab-myst 2.7 (exercises, solutions, admonitions, figures) or
# part of its MyST core; add one here after looking at a chapter that uses it in `make lab`.
DIRECTIVES = {
    "exercise", "solution", "solution-start", "solution-end", "admonition", "note", "tip",
    "hint", "important", "warning", "caution", "attention", "danger", "error", "seealso",
    "dropdown", "figure", "image", "math", "code", "code-block", "table", "list-table",
    "card", "grid", "grid-item-card", "tab-set", "tab-item", "div", "margin", "aside",
}  # fmt: skip
ROLE = re.compile(r"\{(?P<role>[a-z:-]+)\}`(?:[^`<]*<)?(?P<target>[^`>]*)>?`")
LINK = re.compile(r"\]\((?P<file>[\w./-]*)(?:#(?P<label>[\w.:-]+))?\)")
DIRECTIVE = re.compile(r"^\s*(?::{3,}|`{3,})\{(?P<name>[\w-]+)\}", re.MULTILINE)


def _markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _labels(path: Path) -> set[str]:
    """The labels that jupyterlab-myst can resolve in a notebook, and its figures' names."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = _markdown(nb)
    labels = set(re.findall(r"\$\$\s*\((?P<l>[\w.:-]+)\)", text))
    labels |= set(re.findall(r"^:label:\s*(\S+)", text, re.MULTILINE))
    labels |= set(re.findall(r"^\(([\w.:-]+)\)=", text, re.MULTILINE))
    return labels


def _figures(path: Path) -> set[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {
        c["metadata"]["mystnb"]["figure"]["name"]
        for c in nb["cells"]
        if c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_roles_name_labels_of_their_own_notebook(path):
    own = _labels(path)
    text = _markdown(json.loads(path.read_text(encoding="utf-8")))
    bad = []
    for m in ROLE.finditer(text):
        role, target = m["role"], m["target"].strip()
        if role == "doc":
            bad.append(f"{m[0]}: write a Markdown link, [Page title]({target}.md or .ipynb)")
        elif role in {"eq", "ref", "numref"} and target not in own:
            bad.append(
                f"{m[0]}: {target} is not a label of {path.name} (a figure named in cell "
                "metadata or another chapter's label): write [its number](file.ipynb#label)"
            )
    assert not bad, f"{path.name}: references JupyterLab cannot resolve:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_links_name_files_and_labels_that_exist(path):
    text = _markdown(json.loads(path.read_text(encoding="utf-8")))
    bad = []
    for m in LINK.finditer(text):
        file, label = m["file"], m["label"]
        if not file and not label or "://" in m[0] or file.startswith(("http", "mailto")):
            continue
        target = CHAPTERS / file if file else path
        if not target.exists():
            bad.append(f"{m[0]}: no file {file} beside the chapters")
        elif label and target.suffix == ".ipynb":
            if label not in _labels(target) | _figures(target):
                bad.append(f"{m[0]}: {target.name} has no label {label}")
    assert not bad, f"{path.name}: broken links:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_directives_are_ones_jupyterlab_renders(path):
    text = _markdown(json.loads(path.read_text(encoding="utf-8")))
    unknown = sorted({m["name"] for m in DIRECTIVE.finditer(text)} - DIRECTIVES)
    assert not unknown, (
        f"{path.name} uses {unknown}, which jupyterlab-myst may not render (it shows an unknown "
        "directive as 'Unknown Directive'): look at the chapter in `make lab`, then add it to "
        "DIRECTIVES, or write it another way (a {rubric} is a **bold** paragraph)"
    )
