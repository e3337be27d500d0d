"""Execute chapter notebooks in place, so that the stored outputs are the ones the code produces.

Usage: ``python tools/execute_notebooks.py chapters/*.ipynb`` (what ``make execute`` runs), or
``python tools/execute_notebooks.py --metadata-only chapters/*.ipynb`` to normalise the metadata
of notebooks saved elsewhere than in ``make lab``, without running them.

Each notebook runs top to bottom in a fresh kernel started in its own folder, with its widget
state saved (the static site replays widgets from it). Volatile metadata is normalised so that
running a notebook twice writes the same file: execution timings are dropped, and widget model
ids, which ipywidgets draws at random, are renamed to ids derived from the notebook's name and the
order in which the models appear. The kernel is named without the display name and Python version
that JupyterLab writes, which differ between machines; ``make lab`` applies the same
normalisation when it saves a notebook (``tools/jupyter/jupyter_server_config.py``), so opening
and saving a chapter leaves it byte-identical, and ``tests/test_notebook_metadata.py`` fails
on a chapter saved without it.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "python3"
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
TIMEOUT_S = 600
_MODEL_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _stable_widget_ids(nb: dict, name: str) -> dict:
    """Rename every widget model id to a deterministic one, consistently across the notebook."""
    state = nb.get("metadata", {}).get("widgets", {})
    ids = list(state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    if not ids:
        return nb
    mapping = {
        old: uuid.uuid5(uuid.NAMESPACE_URL, f"convlib-course/{name}/{k}").hex
        for k, old in enumerate(ids)
    }
    text = _MODEL_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), json.dumps(nb))
    return json.loads(text)


def normalise_metadata(nb: dict) -> dict:
    """Write in one form the metadata that differs between machines and runs; return ``nb``.

    Drops execution timings and the Python version, and names the kernel without the display
    name JupyterLab writes. Idempotent; works on the plain JSON dict that JupyterLab sends to the
    server as well as on a NotebookNode.
    """
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
    metadata = nb.setdefault("metadata", {})
    metadata["kernelspec"] = dict(KERNELSPEC)
    metadata.get("language_info", {}).pop("version", None)
    return nb


def execute(path: Path) -> None:
    """Run one notebook in a fresh kernel and write it back with normalised metadata."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
    )
    client.execute()
    write(_stable_widget_ids(_merge_streams(nb), path.stem), path)


def _merge_streams(nb: dict) -> dict:
    """Join consecutive outputs of one stream into one output; return ``nb``.

    How a kernel's output is cut into stream messages depends on timing, so two runs of the
    same cell can store two printed lines as one output or as two; joined, they are the same.
    """
    for cell in nb.get("cells", []):
        merged = []
        for out in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                out.get("output_type") == "stream"
                and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == out.get("name")
            ):
                previous["text"] = "".join(previous["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def write(nb: dict, path: Path) -> None:
    """Write ``nb`` to ``path`` with normalised metadata, as JupyterLab's server writes it."""
    nb = nbformat.from_dict(normalise_metadata(nb))
    nbformat.validate(nb)
    nbformat.write(nb, path)


def main(args: list[str]) -> int:
    """Execute (or, with ``--metadata-only``, only normalise) every notebook named."""
    metadata_only = "--metadata-only" in args
    paths = [a for a in args if a != "--metadata-only"]
    if not paths:
        print("usage: execute_notebooks.py [--metadata-only] NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for p in paths:
        if metadata_only:
            write(nbformat.read(p, as_version=4), Path(p))
        else:
            print(f"executing {p}", end=" ... ", flush=True)
            start = time.monotonic()
            execute(Path(p))
            print(f"{time.monotonic() - start:.1f} s (kernel start included)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
