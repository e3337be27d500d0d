"""The chapters' metadata is in the one form that ``make execute`` and ``make lab`` write.

JupyterLab stores the kernel's display name and the Python version of the machine (3.11.7 here,
3.13.1 there) when it saves a notebook; ``make lab`` normalises both on save, and
``tools/execute_notebooks.py`` after a run. A chapter saved another way fails here, with the
command that fixes it, instead of reaching a reviewer as a noisy diff.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from execute_notebooks import KERNELSPEC, normalise_metadata  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_metadata_is_normalised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"] == KERNELSPEC
    assert normalise_metadata(copy.deepcopy(nb)) == nb, (
        f"{path.name} holds metadata of one machine or run (a Python version, a kernel display "
        "name, execution timings): save it from `make lab`, or run "
        f"`.venv/bin/python tools/execute_notebooks.py --metadata-only {path.relative_to(ROOT)}`"
    )


def test_normalising_removes_what_jupyterlab_writes():
    """The check above can fail: what JupyterLab 4 stores on save is not in normal form."""
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    saved = copy.deepcopy(nb)
    saved["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    saved["metadata"].setdefault("language_info", {})["version"] = "3.13.1"
    saved["cells"][0]["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    assert saved != nb
    assert normalise_metadata(saved) == nb
