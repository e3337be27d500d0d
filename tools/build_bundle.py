"""Build the readers' download, ``convlib-course.zip``: every chapter, ready to run on any machine.

Usage: ``python tools/build_bundle.py OUT.zip`` (``make book`` and ``make test`` write it to
``_build/html/convlib-course.zip``, beside the site's ``index.html``).

The zip holds one folder, ``convlib-course/``:

- ``README.md``: the two commands (a virtual environment and ``pip install -r requirements.txt``,
  then ``jupyter lab``), from ``tools/bundle/README.md``;
- ``requirements.txt``: ``tools/bundle/requirements.txt`` (what the chapters need and JupyterLab
  with MyST, pinned with hashes at the versions of the course's own lock) and the convlib wheel
  beside it, by relative path and hash;
- ``convlib-<version>-py3-none-any.whl``, built from this checkout;
- every chapter notebook, ``chapters/*.ipynb`` as stored (executed, with outputs), and the
  Markdown pages of ``chapters/`` that a chapter links to (the notation, the errata).

Entries are sorted and dated 1980-01-01, and the wheel is built with that ``SOURCE_DATE_EPOCH``,
so the same sources give the same zip.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
BUNDLE = ROOT / "tools" / "bundle"
FOLDER = "convlib-course"
EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest date a zip entry can hold
# Pages a chapter names with {doc}`name` or links to as [text](name.md).
_PAGE_LINK = re.compile(r"\{doc\}`(?:[^`<]*<)?([\w./-]+?)>?`|\]\(([\w./-]+)\.md(?:#[^)]*)?\)")


def build_wheel(workdir: Path) -> Path:
    """Build convlib's wheel from a copy of the package's sources (the checkout stays clean)."""
    src = workdir / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "convlib", src / "convlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    out = workdir / "wheel"
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--wheel-dir", str(out), str(src)],
        check=True,
        env=env,
    )  # fmt: skip
    (wheel,) = out.glob("convlib-*.whl")
    return wheel


def linked_pages(notebooks: list[Path]) -> list[Path]:
    """Return the Markdown pages of ``chapters/`` that the notebooks link to."""
    names = set()
    for nb in notebooks:
        for doc, md in _PAGE_LINK.findall(nb.read_text(encoding="utf-8")):
            names.add(Path(doc or md).name)
    return sorted(p for p in (CHAPTERS / f"{n}.md" for n in names) if p.exists())


def requirements(wheel: Path) -> str:
    """Return the reader's lock and the wheel's own line, by relative path and hash."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    lock = (BUNDLE / "requirements.txt").read_text(encoding="utf-8")
    return (
        lock.rstrip("\n")
        + "\n# convlib, the course's package, built from the same sources as the chapters\n"
        + f"./{wheel.name} \\\n    --hash=sha256:{digest}\n"
    )


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(f"{FOLDER}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build(out: Path) -> list[str]:
    """Write the zip to ``out``; return the names of its entries."""
    notebooks = sorted(CHAPTERS.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"no chapter notebooks in {CHAPTERS}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp))
        files = {
            "README.md": (BUNDLE / "README.md").read_bytes(),
            "requirements.txt": requirements(wheel).encode(),
            wheel.name: wheel.read_bytes(),
        }
    for page in [*notebooks, *linked_pages(notebooks)]:
        files[page.name] = page.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(files):
            _add(archive, name, files[name])
    partial.replace(out)
    return sorted(files)


def main(argv: list[str]) -> int:
    """Build the zip named on the command line."""
    if len(argv) != 1:
        print("usage: build_bundle.py OUT.zip", file=sys.stderr)
        return 2
    out = Path(argv[0])
    names = build(out)
    print(f"{out}: {len(names)} files, {out.stat().st_size / 1e6:.1f} MB ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
