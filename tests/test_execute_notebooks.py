"""tools/execute_notebooks.py: a notebook run twice is written byte for byte the same."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path

import nbformat

TOOL = Path(__file__).resolve().parents[1] / "tools" / "execute_notebooks.py"
spec = importlib.util.spec_from_file_location("execute_notebooks", TOOL)
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def _notebook_with_widgets(ids: list[str]) -> nbformat.NotebookNode:
    """A notebook whose widget state and outputs refer to the model ``ids`` (a view's child)."""
    nb = nbformat.v4.new_notebook()
    state = {
        ids[0]: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{ids[1]}"]}},
        ids[1]: {"model_name": "IntSliderModel", "state": {"value": 3}},
    }
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2}
    }
    view = {"model_id": ids[0], "version_major": 2, "version_minor": 0}
    output = nbformat.v4.new_output(
        "display_data", data={"application/vnd.jupyter.widget-view+json": view}
    )
    cell = nbformat.v4.new_code_cell("w", outputs=[output], execution_count=1)
    cell.id = "widget-cell"  # cell ids are stored in the chapters; only model ids are drawn anew
    nb.cells.append(cell)
    return nb


def test_widget_ids_become_the_same_on_every_run():
    first = [uuid.uuid4().hex for _ in range(2)]
    second = [uuid.uuid4().hex for _ in range(2)]
    a = execute_notebooks._stable_widget_ids(_notebook_with_widgets(first), "chapter")
    b = execute_notebooks._stable_widget_ids(_notebook_with_widgets(second), "chapter")
    assert json.dumps(a) == json.dumps(b)
    text = json.dumps(a)
    assert not any(old in text for old in first)


def test_renaming_keeps_every_reference_consistent():
    ids = [uuid.uuid4().hex for _ in range(2)]
    nb = execute_notebooks._stable_widget_ids(_notebook_with_widgets(ids), "chapter")
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    parent, child = list(state)
    assert state[parent]["state"]["children"] == [f"IPY_MODEL_{child}"]
    view = nb["cells"][0]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == parent


def test_the_ids_depend_on_the_notebooks_name():
    ids = [uuid.uuid4().hex for _ in range(2)]
    a = execute_notebooks._stable_widget_ids(_notebook_with_widgets(ids), "chapter-a")
    b = execute_notebooks._stable_widget_ids(_notebook_with_widgets(ids), "chapter-b")
    state_a = a["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    state_b = b["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert set(state_a).isdisjoint(state_b)


def test_a_notebook_without_widgets_is_left_alone():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 0x" + "ab" * 16))
    assert execute_notebooks._stable_widget_ids(nb, "chapter") == nb


def test_consecutive_stream_outputs_are_joined():
    cell = nbformat.v4.new_code_cell("print('a'); print('b')", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stderr", text="!\n"),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    outputs = execute_notebooks._merge_streams(nb)["cells"][0]["outputs"]
    assert [(o["name"], o["text"]) for o in outputs] == [
        ("stdout", "a\nb\n"),
        ("stderr", "!\n"),
        ("stdout", "c\n"),
    ]
