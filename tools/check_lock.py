"""Check that a hashed, universal lock installs from PyPI on every Python and platform we support.

Usage: ``python tools/check_lock.py [requirements.txt ...]`` (``make install-check`` runs the same
checks as tests in ``tests/install/test_lock_resolves.py``).

Only one interpreter runs on the machine that checks, so each target is checked without it, in
two independent ways, and both must pass:

1. **The resolver.** ``uv pip install --dry-run --python-platform P --python-version X
   --only-binary :all: --require-hashes -r LOCK`` resolves the lock for the target: environment
   markers evaluated for the target (not for this machine), every dependency of every package
   pinned in the lock, a binary wheel for the target for each pin. (``pip install --dry-run
   --platform ...`` would check wheels too, but evaluates the markers of dependencies for the
   machine it runs on: it asks for ``pexpect`` on Windows and never for ``pywinpty``.)
2. **The hashes.** uv's dry run does not compare the lock's hashes with the files it would
   download. So, for every pin the target needs, PyPI's index (the JSON simple API, PEP 691)
   must list a wheel of that version whose tags fit the target, whose ``Requires-Python`` admits
   it, which is not yanked, and whose sha256 is one of the lock's hashes for that pin: what pip
   and uv look for when they install with ``--require-hashes``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging import tags
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
INDEX = "https://pypi.org/simple"
PYTHONS = ("3.11", "3.12", "3.13")
MACOS = (12, 0)  # the oldest macOS the lock's wheels serve (scipy and scikit-learn need 12)
GLIBC = (2, 28)  # the oldest glibc (Debian 10, Ubuntu 20.04, RHEL 8); argon2-cffi-bindings needs it


@dataclasses.dataclass(frozen=True)
class Platform:
    """A platform to check: uv's name for it, its marker values and its wheel platform tags."""

    name: str
    uv: str
    system: str  # platform_system
    sys_platform: str
    os_name: str
    machine: str  # platform_machine
    wheel_platforms: tuple[str, ...]


def _manylinux(arch: str) -> tuple[str, ...]:
    glibc = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC[1], 4, -1)]
    legacy = [f"manylinux{name}_{arch}" for name in ("2014", "2010", "1")]  # 2_17, 2_12, 2_5
    return (*glibc, *legacy)


PLATFORMS = (
    Platform(
        "linux-x86_64",
        f"x86_64-manylinux_{GLIBC[0]}_{GLIBC[1]}",
        "Linux",
        "linux",
        "posix",
        "x86_64",
        _manylinux("x86_64"),
    ),
    Platform(
        "linux-aarch64",
        f"aarch64-manylinux_{GLIBC[0]}_{GLIBC[1]}",
        "Linux",
        "linux",
        "posix",
        "aarch64",
        _manylinux("aarch64"),
    ),
    Platform(
        "macos-arm64",
        "aarch64-apple-darwin",
        "Darwin",
        "darwin",
        "posix",
        "arm64",
        tuple(tags.mac_platforms(MACOS, "arm64")),
    ),
    Platform(
        "macos-x86_64",
        "x86_64-apple-darwin",
        "Darwin",
        "darwin",
        "posix",
        "x86_64",
        tuple(tags.mac_platforms(MACOS, "x86_64")),
    ),
    Platform(
        "windows-x86_64",
        "x86_64-pc-windows-msvc",
        "Windows",
        "win32",
        "nt",
        "AMD64",
        ("win_amd64",),
    ),
)
TARGETS = [(python, platform) for python in PYTHONS for platform in PLATFORMS]


@dataclasses.dataclass(frozen=True)
class Pin:
    """One ``name==version ; marker`` entry of a lock, with its hashes."""

    name: str  # canonical
    version: str
    marker: str | None
    hashes: frozenset[str]

    def applies(self, environment: dict[str, str]) -> bool:
        """Whether the entry is installed in ``environment`` (its marker holds there)."""
        return self.marker is None or Marker(self.marker).evaluate(environment)


_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
    r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


def parse_lock(text: str) -> list[Pin]:
    """Read the pinned entries of a requirements file written with hashes (pip-compile or uv)."""
    pins = []
    for block in re.split(r"\n(?=\S)", text):
        first = block.splitlines()[0] if block.strip() else ""
        if not first or first.startswith("#"):
            continue
        match = _ENTRY.match(first)
        if not match:
            raise ValueError(f"not a pinned requirement with hashes: {first!r}")
        hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
        pins.append(
            Pin(canonicalize_name(match["name"]), match["version"], match["marker"], hashes)
        )
    return pins


def environment(python: str, platform: Platform) -> dict[str, str]:
    """Marker values of CPython ``python`` (its first release, ``3.12.0``) on ``platform``."""
    full = f"{python}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": platform.os_name,
        "platform_machine": platform.machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": platform.system,
        "platform_version": "",
        "python_full_version": full,
        "python_version": python,
        "sys_platform": platform.sys_platform,
    }


def selected(pins: Iterable[Pin], python: str, platform: Platform) -> dict[str, Pin]:
    """Return the entries of the lock that ``python`` on ``platform`` installs, by name."""
    env = environment(python, platform)
    chosen: dict[str, Pin] = {}
    for pin in pins:
        if pin.applies(env):
            if pin.name in chosen:
                raise ValueError(f"{pin.name} is pinned twice for Python {python} {platform.name}")
            chosen[pin.name] = pin
    return chosen


def wheel_tags(python: str, platform: Platform) -> set[tags.Tag]:
    """Return the wheel tags CPython ``python`` accepts on ``platform``, as pip computes them."""
    version = tuple(int(p) for p in python.split("."))
    abi = f"cp{version[0]}{version[1]}"
    return set(tags.cpython_tags(version, [abi], platform.wheel_platforms)) | set(
        tags.compatible_tags(version, abi, platform.wheel_platforms)
    )


def fetch_index(names: Iterable[str], index: str = INDEX) -> dict[str, list[dict]]:
    """Every file PyPI lists for each project (PEP 691 JSON), fetched in parallel."""

    def one(name: str) -> tuple[str, list[dict]]:
        request = urllib.request.Request(
            f"{index}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return name, json.load(response)["files"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        return dict(pool.map(one, sorted(set(names))))


def hash_problems(
    chosen: dict[str, Pin], files: dict[str, list[dict]], python: str, platform: Platform
) -> list[str]:
    """List what keeps each chosen pin from installing by hash on the target."""
    accepted = wheel_tags(python, platform)
    version = Version(f"{python}.0")
    problems = []
    for name, pin in sorted(chosen.items()):
        fits, fits_hashed = [], []
        for f in files.get(name, []):
            # A cheap look at the name first (PyPI lists every release's files), then the parse.
            if f"-{pin.version}-" not in f["filename"] or not f["filename"].endswith(".whl"):
                continue
            if f.get("yanked"):
                continue
            _, wheel_version, _, wheel_tags_ = parse_wheel_filename(f["filename"])
            if wheel_version != Version(pin.version) or not (wheel_tags_ & accepted):
                continue
            if version not in SpecifierSet(f.get("requires-python") or ""):
                continue
            fits.append(f["filename"])
            if f["hashes"].get("sha256") in pin.hashes:
                fits_hashed.append(f["filename"])
        if not fits:
            problems.append(f"{name}=={pin.version}: PyPI has no wheel for this target")
        elif not fits_hashed:
            problems.append(
                f"{name}=={pin.version}: none of its wheels for this target ({', '.join(fits)}) "
                "has a hash the lock lists"
            )
    return problems


_PLAN = re.compile(r"^ \+ (?P<name>\S+)==(?P<version>\S+)$", re.MULTILINE)


def resolve(lock: Path, python: str, platform: Platform, uv: str | None = None) -> dict[str, str]:
    """Return what uv would install from ``lock`` for the target: name -> version.

    Raises RuntimeError, with uv's explanation, when uv cannot install the lock there.
    """
    uv = uv or shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env["MACOSX_DEPLOYMENT_TARGET"] = f"{MACOS[0]}.{MACOS[1]}"
    with tempfile.TemporaryDirectory() as target:
        result = subprocess.run(
            [
                uv, "pip", "install", "--dry-run", "--no-config", "--default-index", INDEX,
                "--python-platform", platform.uv, "--python-version", python,
                "--only-binary", ":all:", "--require-hashes", "--target", target,
                "-r", str(lock),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )  # fmt: skip
    if result.returncode != 0:
        where = f"Python {python} on {platform.name}"
        raise RuntimeError(f"uv cannot install {lock.name} for {where}:\n{result.stderr.strip()}")
    plan = _PLAN.finditer(result.stdout + result.stderr)
    return {canonicalize_name(m["name"]): m["version"] for m in plan}


def check(lock: Path) -> list[str]:
    """Every problem of ``lock`` on every target; empty when it installs everywhere."""
    pins = parse_lock(lock.read_text(encoding="utf-8"))
    files = fetch_index(p.name for p in pins)
    problems = []
    for python, platform in TARGETS:
        where = f"Python {python} on {platform.name}"
        chosen = selected(pins, python, platform)
        try:
            plan = resolve(lock, python, platform)
        except RuntimeError as error:
            problems.append(str(error))
            continue
        expected = {name: pin.version for name, pin in chosen.items()}
        if plan != expected:
            extra = sorted(plan.items() - expected.items())
            missing = sorted(expected.items() - plan.items())
            problems.append(f"{where}: uv installs {extra} where the markers select {missing}")
        problems += [f"{where}: {p}" for p in hash_problems(chosen, files, python, platform)]
    return problems


def main(paths: list[str]) -> int:
    """Check each lock named (by default the course's two) and print what is wrong."""
    locks = [Path(p) for p in paths] or [
        ROOT / "requirements.txt",
        ROOT / "tools" / "bundle" / "requirements.txt",
    ]
    status = 0
    for lock in locks:
        problems = check(lock)
        for p in problems:
            print(f"{lock}: {p}", file=sys.stderr)
        if not problems:
            platforms = ", ".join(p.name for p in PLATFORMS)
            print(f"{lock}: installs with Python {', '.join(PYTHONS)} on {platforms}")
        status = status or bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
