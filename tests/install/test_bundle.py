"""The readers' download, ``convlib-course.zip``, used as its README says, on this machine.

The zip that the built site serves is unzipped into an empty folder; the README's first command
creates a fresh virtual environment there and installs ``requirements.txt`` from PyPI, with this
machine's pip configuration removed (no config file, no ``PIP_*`` variables: no local index, no
folder of wheels, no constraints) and no Jupyter or IPython settings of this machine; then every
chapter runs top to bottom in that environment with ``jupyter nbconvert --execute``. The README's
second command, ``jupyter lab``, is checked to start from that environment with the MyST and
widget extensions enabled; ``tests/browser/test_lab.py`` drives JupyterLab itself.

Needs ``_build/html/convlib-course.zip`` (``make build-site``) and PyPI. Pip's download cache is
kept, as a reader's would be on a second install. The time of each step is written to
``test-artifacts/bundle-timings.txt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ZIP = ROOT / "_build" / "html" / "convlib-course.zip"
ARTIFACTS = ROOT / "test-artifacts"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FOLDER = "convlib-course"
TIMINGS: dict[str, float] = {}


def _zip() -> zipfile.ZipFile:
    if not ZIP.exists():
        pytest.fail(f"no {ZIP.relative_to(ROOT)}: run `make build-site` first")
    return zipfile.ZipFile(ZIP)


def _readme_commands(system: str) -> list[str]:
    """The commands of the README's code block for ``system`` ("bash" or "bat")."""
    readme = _zip().read(f"{FOLDER}/README.md").decode()
    blocks = re.findall(rf"```{system}\n(.*?)```", readme, re.S)
    assert len(blocks) == 1, f"the README should have one ```{system} block, it has {len(blocks)}"
    return [line for line in blocks[0].splitlines() if line.strip()]


def _run(args, cwd: Path, env: dict, what: str, timeout: int = 900, shell: bool = False):
    start = time.monotonic()
    result = subprocess.run(
        args, cwd=cwd, env=env, shell=shell, capture_output=True, text=True, timeout=timeout
    )
    TIMINGS[what] = time.monotonic() - start
    assert result.returncode == 0, (
        f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """The download unzipped into an empty folder and installed by the README's first command."""
    home = tmp_path_factory.mktemp("reader")
    with _zip() as archive:
        archive.extractall(home)
    folder = home / FOLDER
    # `python3` in the README is the interpreter these tests run on (the venv's base Python).
    shims = home / "bin"
    shims.mkdir()
    (shims / "python3").symlink_to(getattr(sys, "_base_executable", sys.executable))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "JUPYTER", "IPYTHON", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{shims}{os.pathsep}{env['PATH']}",
        PIP_CONFIG_FILE=os.devnull,
        PYTHONNOUSERSITE="1",
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
    )
    install = _readme_commands("bash")[0]
    _run(["bash", "-c", install], folder, env, f"README command 1 ({install})")
    yield folder, env
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bundle-timings.txt").write_text(
        "".join(f"{seconds:7.1f} s  {what}\n" for what, seconds in TIMINGS.items())
    )


def test_the_zip_holds_every_chapter_the_wheel_a_lock_and_a_readme():
    with _zip() as archive:
        names = {n.removeprefix(f"{FOLDER}/") for n in archive.namelist()}
        for chapter in CHAPTERS:
            assert chapter.name in names, f"{chapter.name} is not in the download"
            stored = archive.read(f"{FOLDER}/{chapter.name}")
            assert stored == chapter.read_bytes(), f"{chapter.name} in the zip is out of date"
        wheels = [n for n in names if n.endswith(".whl")]
        assert len(wheels) == 1 and wheels[0].startswith("convlib-"), wheels
        assert {"README.md", "requirements.txt"} <= names
        lock = archive.read(f"{FOLDER}/requirements.txt").decode()
        digest = hashlib.sha256(archive.read(f"{FOLDER}/{wheels[0]}")).hexdigest()
    readers = (ROOT / "tools" / "bundle" / "requirements.txt").read_text(encoding="utf-8")
    assert lock.startswith(readers.rstrip("\n")), "requirements.txt is not the readers' lock"
    assert re.search(rf"^\./{re.escape(wheels[0])} \\\n\s+--hash=sha256:{digest}$", lock, re.M), (
        "requirements.txt does not name the bundled wheel by relative path with its hash"
    )


@pytest.mark.parametrize("system", ["bash", "bat"])
def test_the_readme_gives_two_commands(system):
    commands = _readme_commands(system)
    assert len(commands) == 2, commands
    assert "venv" in commands[0] and "pip install -r requirements.txt" in commands[0]
    assert commands[1].replace("\\", "/").endswith(".venv/Scripts/jupyter lab" if system == "bat"
                                                   else ".venv/bin/jupyter lab")  # fmt: skip


def test_the_install_is_complete_and_jupyterlab_starts_with_its_extensions(reader):
    folder, env = reader
    _run([".venv/bin/python", "-m", "pip", "check"], folder, env, "pip check")
    lab = _readme_commands("bash")[1]
    version = _run(["bash", "-c", f"{lab} --version"], folder, env, "jupyter lab --version")
    assert re.fullmatch(r"4\.\d+\.\d+\s*", version.stdout), version.stdout
    extensions = _run(
        [".venv/bin/jupyter", "labextension", "list"], folder, env, "jupyter labextension list"
    )
    listing = extensions.stdout + extensions.stderr
    for name in ("jupyterlab-myst", "@jupyter-widgets/jupyterlab-manager"):
        assert re.search(rf"{re.escape(name)} v\S+ .*enabled", listing), listing
    kernels = _run([".venv/bin/jupyter", "kernelspec", "list", "--json"], folder, env, "kernels")
    python3 = json.loads(kernels.stdout)["kernelspecs"]["python3"]["resource_dir"]
    assert Path(python3).resolve().is_relative_to((folder / ".venv").resolve()), python3


def test_every_chapter_runs_in_the_readers_environment(reader):
    folder, env = reader
    out = folder / "executed"

    def run(chapter: Path):
        start = time.monotonic()
        result = subprocess.run(
            [".venv/bin/jupyter", "nbconvert", "--execute", "--to", "notebook",
             "--ExecutePreprocessor.timeout=600", "--output-dir", str(out), chapter.name],
            cwd=folder, env=env, capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
        TIMINGS[f"nbconvert --execute {chapter.name}"] = time.monotonic() - start
        return chapter.name, result

    # Two at a time (two cores), the longest first.
    order = sorted(CHAPTERS, key=lambda p: -p.stat().st_size)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(run, order))
    failed = {n: r.stderr[-4000:] for n, r in results.items() if r.returncode != 0}
    assert not failed, "chapters that fail in the readers' environment:\n" + "\n".join(
        f"--- {n}\n{err}" for n, err in failed.items()
    )
    for chapter in CHAPTERS:
        nb = json.loads((out / chapter.name).read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"])]
        assert all(c["execution_count"] for c in code), f"{chapter.name}: cells not executed"
        errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{chapter.name}: {errors[0]}"
