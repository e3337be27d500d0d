"""A chapter in a real JupyterLab, started by ``make lab``, read and run in headless Chromium.

``make lab`` is run as the README says (as root here, so it must pass ``--allow-root`` itself),
on a copy of ``chapters/``, on loopback with a token, with JupyterLab's user settings, workspaces
and Jupyter configuration in a temporary folder. In it, one chapter:

- opened and saved before anything runs, is byte-identical to the stored file, although
  JupyterLab has written its kernel display name and Python version into the notebook's metadata
  (``make lab`` normalises both on save; a direct call of the server's save API shows that the
  normalisation is what keeps the bytes);
- reads as on the website, through jupyterlab-myst: every exercise in a box, every solution
  folded, every labelled equation numbered, every reference resolved, and no MyST directive or
  role left raw, in the text or in the stored outputs;
- runs (Run > Run All Cells) with no error, and its widget's slider, moved by keyboard, changes
  the picture.

Screenshots are kept in ``test-artifacts/lab__*.png``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from sitetools import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser

# One chapter, with exercises, equations, references to other chapters and a widget; that every
# chapter follows the rules that make it read well in JupyterLab is checked in
# tests/test_chapter_references.py.
CHAPTER = "02-weight-gradient.ipynb"
SOURCE = ROOT / "chapters" / CHAPTER
# Settings a reader could choose; here, every cell is kept in the page (no windowing), so the
# checks see the whole chapter, and JupyterLab does not ask about news.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}
RAW_MYST = re.compile(
    r"\{(?:eq|doc|ref|numref|math|cite|term|download|prf:ref)\}`|^\s*:{3,}|`{3}\{|\{(?:exercise|solution"
    r"|solution-start|solution-end|rubric|figure|admonition|note)\}|\$\$|^:label:"
    r"|Unknown (?:Directive|Role)",
    re.MULTILINE,
)
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
DRAWN = """root => [...root.querySelectorAll('img')].map(i => i.getAttribute('src')).join('|')
    + '#' + [...root.querySelectorAll('figcaption')].map(f => f.textContent).join('|')"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cells(name: str = CHAPTER) -> list[dict]:
    return json.loads((ROOT / "chapters" / name).read_text("utf-8"))["cells"]


def _markdown(name: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``make lab`` on a copy of the chapters; yields (base URL, token, chapters folder)."""
    home = tmp_path_factory.mktemp("lab")
    chapters = home / "chapters"
    shutil.copytree(ROOT / "chapters", chapters, ignore=shutil.ignore_patterns(".ipynb_*"))
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_DIR={chapters}", f"LAB_ARGS={args}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make lab` did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield url, token, chapters
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    log.close()


def _count(locator, expected: int, timeout_s: float = 20) -> int:
    """How many elements ``locator`` finds, once it finds ``expected`` or the time is up
    (jupyterlab-myst renders a notebook's cells a little after JupyterLab shows them)."""
    deadline = time.monotonic() + timeout_s
    while (n := locator.count()) != expected and time.monotonic() < deadline:
        time.sleep(0.25)
    return n


def _open(browser, lab, name: str):
    """Open chapter ``name`` in JupyterLab; return the tab once its kernel is idle and
    jupyterlab-myst has rendered every Markdown cell, and the kernel's displayed name."""
    url, token, _ = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(f"{url}/lab/tree/{name}?token={token}&reset", wait_until="load")
    n_markdown = sum(c["cell_type"] == "markdown" for c in _cells(name))
    # The kernel has started (JupyterLab then writes its name and language into the metadata)
    # and jupyterlab-myst has rendered every Markdown cell.
    tab.wait_for_function(
        f"""() => /Python/.test(document.querySelector('.jp-KernelName')?.textContent ?? '')
            && document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            && document.querySelectorAll('{NOTEBOOK} .jp-MarkdownCell.jp-mod-rendered').length
               === {n_markdown}""",
        timeout=90_000,
    )
    tab.wait_for_timeout(1_000)  # jupyterlab-myst numbers and links across cells once all are in
    return context, tab, tab.locator(".jp-KernelName").first.inner_text(), errors


def _written(path, deadline: float) -> bytes:
    """The file's bytes once the server has finished writing it (it may be caught mid-write:
    empty or cut): a notebook that parses, read twice alike."""
    while True:
        data = path.read_bytes()
        time.sleep(0.3)
        try:
            json.loads(data)
        except ValueError:
            if time.monotonic() > deadline:
                raise
            continue
        if data == path.read_bytes() or time.monotonic() > deadline:
            return data


@pytest.fixture(scope="module")
def chapter(lab, browser):
    """The chapter open in JupyterLab with its kernel idle, saved once (before anything runs)."""
    context, tab, kernel_name, errors = _open(browser, lab, CHAPTER)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "lab__opened.png"))
    saved_path = lab[2] / CHAPTER
    before = saved_path.stat().st_mtime_ns
    tab.locator(f"{NOTEBOOK} .jp-Cell").first.click()
    tab.keyboard.press("Control+s")
    deadline = time.monotonic() + 20
    while saved_path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert saved_path.stat().st_mtime_ns != before, "Ctrl+S did not save the chapter"
    yield tab, _written(saved_path, time.monotonic() + 20), kernel_name, errors
    context.close()


def test_opening_and_saving_a_chapter_leaves_it_byte_identical(chapter):
    _, saved, kernel_name, _ = chapter
    # JupyterLab stored its own kernel display name in the notebook it saved ...
    assert (
        kernel_name
        != json.loads(SOURCE.read_text("utf-8"))["metadata"]["kernelspec"]["display_name"]
    ), f"the kernel is shown as {kernel_name!r}: the save had nothing to normalise"
    # ... and the file written is the stored chapter, byte for byte.
    assert saved == SOURCE.read_bytes(), "saving the chapter in `make lab` changed its file"


def test_the_server_normalises_the_metadata_jupyterlab_writes(lab):
    """The save above keeps the bytes because `make lab` normalises them, not by chance."""
    url, token, chapters = lab
    nb = json.loads(SOURCE.read_text("utf-8"))
    as_lab_sends_it = copy.deepcopy(nb)
    as_lab_sends_it["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    as_lab_sends_it["metadata"]["language_info"]["version"] = "3.13.1"
    body = json.dumps({"type": "notebook", "format": "json", "content": as_lab_sends_it})
    request = urllib.request.Request(
        f"{url}/api/contents/copy-{CHAPTER}?token={token}", data=body.encode(), method="PUT"
    )
    urllib.request.urlopen(request, timeout=30)
    assert (chapters / f"copy-{CHAPTER}").read_bytes() == SOURCE.read_bytes()


def test_the_chapter_reads_as_on_the_site(chapter):
    tab, _, _, errors = chapter
    name = CHAPTER
    source = _markdown(name)
    n_exercises = len(re.findall(r"^\s*[:`]{3,}\{exercise\}", source, re.M))
    n_solutions = len(re.findall(r"^\s*[:`]{3,}\{solution(?:-start)?\}", source, re.M))
    labels = re.findall(r"\$\$\s*\((?P<label>[\w.:-]+)\)", source)
    assert n_exercises and n_solutions and labels, f"{name} has no exercise or equation"

    notebook = tab.locator(NOTEBOOK)
    exercises = notebook.locator(".jp-MarkdownCell aside.myst-exercise", has_text="Exercise")
    assert _count(exercises, n_exercises) == n_exercises, "not every exercise is rendered as a box"
    box = exercises.first.evaluate(
        "e => getComputedStyle(e).boxShadow + getComputedStyle(e).borderLeftStyle"
    )
    assert box.replace("none", "").strip(), "the exercise has neither a shadow nor a border"
    solutions = notebook.locator(".jp-MarkdownCell details", has_text="Solution")
    assert _count(solutions, n_solutions) == n_solutions, "not every solution is a folded block"
    assert not any(solutions.evaluate_all("ds => ds.map(d => d.open)")), "a solution is open"

    for label in labels:
        number = notebook.locator(f".jp-MarkdownCell a[href='#{label}']").first
        assert re.fullmatch(r"\(\d+(\.\d+)?\)", number.inner_text().strip()), (
            f"equation {label} is shown without a number"
        )
    unresolved = notebook.locator("[title='Cross Reference Not Found']").all_inner_texts()
    assert not unresolved, f"references JupyterLab cannot resolve are shown raw: {unresolved}"
    shown = notebook.locator(".jp-MarkdownCell, .jp-OutputArea-output").all_inner_texts()
    raw = sorted({m.group(0) for text in shown for m in RAW_MYST.finditer(text)})
    assert not raw, f"MyST shown raw in JupyterLab: {raw}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "lab__rendered.png"), full_page=False)
    assert not errors, errors


def test_the_chapter_runs_and_its_slider_changes_the_picture(chapter):
    tab, _, _, errors = chapter
    tab.locator(".lm-MenuBar-item", has_text="Run").click()
    tab.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    code = [c for c in _cells() if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    # A folded cell (jupyter.source_hidden: the checks, the package check) shows no prompt.
    shown = [c for c in code if not c["metadata"].get("jupyter", {}).get("source_hidden")]
    # Every code cell gets a fresh execution count 1..n (the shown ones show theirs, the last
    # cell's is n), and the kernel goes idle again.
    tab.wait_for_function(
        f"""() => {{
            const prompts = [...document.querySelectorAll(
                '{NOTEBOOK} .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
            const counts = prompts.filter(p => /^\\[\\d+\\]:$/.test(p))
                .map(p => parseInt(p.slice(1)));
            return counts.length === {len(shown)} && Math.max(...counts) === {len(code)}
                && !prompts.includes('[*]:')
                && document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
        }}""",
        timeout=240_000,
    )
    errors_shown = tab.locator(f"{NOTEBOOK} [data-mime-type='application/vnd.jupyter.error']")
    assert errors_shown.count() == 0, errors_shown.all_inner_texts()[:1]
    widget = tab.locator(
        f"{NOTEBOOK} .jp-OutputArea-output .widget-vbox", has=tab.locator(".noUi-handle")
    ).first
    widget.scroll_into_view_if_needed()
    before = widget.evaluate(DRAWN)
    assert before.split("#")[0], "the widget draws no picture"
    widget.screenshot(path=str(ARTIFACTS / "lab__widget-0.png"))
    widget.locator(".noUi-handle").first.focus()
    tab.keyboard.press("ArrowRight")
    handle = widget.element_handle()
    tab.wait_for_function(
        f"([root, before]) => ({DRAWN})(root) !== before", arg=[handle, before], timeout=10_000
    )
    widget.screenshot(path=str(ARTIFACTS / "lab__widget-1.png"))
    assert not errors, errors
