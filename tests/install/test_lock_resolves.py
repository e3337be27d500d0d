"""Both locks install from PyPI with every Python and on every platform we support (network).

Only one interpreter runs here, so ``tools/check_lock.py`` checks each target without it: uv
resolves the lock for the target (markers evaluated for it, every dependency pinned, a wheel for
each pin), and PyPI's index must list, for each pin, a wheel for the target whose sha256 the lock
holds. The targets: CPython 3.11, 3.12 and 3.13 on Linux (x86_64, aarch64; glibc 2.28 or newer),
macOS 12 or newer (Apple silicon, Intel) and Windows (x86_64).
"""

from __future__ import annotations

import dataclasses
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import check_lock  # noqa: E402

LOCKS = {
    "course": ROOT / "requirements.txt",
    "readers": ROOT / "tools" / "bundle" / "requirements.txt",
}
CASES = [(lock, py, pl) for lock in LOCKS for py, pl in check_lock.TARGETS]


def _pins(lock: str) -> list[check_lock.Pin]:
    return check_lock.parse_lock(LOCKS[lock].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index():
    """PyPI's list of files for every project of the course's lock (the readers' is a part)."""
    return check_lock.fetch_index(p.name for p in _pins("course"))


@pytest.fixture(scope="module")
def plans():
    """What uv installs for each lock and target, resolved once, eight at a time."""

    def plan(case):
        lock, python, platform = case
        try:
            return case, check_lock.resolve(LOCKS[lock], python, platform)
        except RuntimeError as error:
            return case, error

    # uv waits on PyPI more than it computes: eight at a time keep two cores busy.
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(plan, CASES))


@pytest.mark.parametrize(
    "lock, python, platform", CASES, ids=[f"{c[0]}-py{c[1]}-{c[2].name}" for c in CASES]
)
def test_lock_installs(lock, python, platform, plans, index):
    plan = plans[lock, python, platform]
    if isinstance(plan, RuntimeError):
        pytest.fail(str(plan))
    chosen = check_lock.selected(_pins(lock), python, platform)
    assert plan == {name: pin.version for name, pin in chosen.items()}, (
        "uv installs another set of packages than the lock's markers select for this target"
    )
    problems = check_lock.hash_problems(chosen, index, python, platform)
    assert not problems, "\n".join(problems)


def test_a_lock_without_the_hashes_of_a_platform_fails_there(index):
    """The hash check is not vacuous: numpy without its Windows wheels' hashes fails on Windows."""
    windows_wheels = {
        f["hashes"]["sha256"] for f in index["numpy"] if f["filename"].endswith("-win_amd64.whl")
    }
    pins = [
        dataclasses.replace(p, hashes=p.hashes - windows_wheels) if p.name == "numpy" else p
        for p in _pins("course")
    ]
    by_system = {p.system: p for p in check_lock.PLATFORMS}
    on_windows = check_lock.hash_problems(
        check_lock.selected(pins, "3.12", by_system["Windows"]), index, "3.12", by_system["Windows"]
    )
    assert [p.split(":")[0] for p in on_windows] == [f"numpy=={_numpy_version()}"]
    on_linux = check_lock.hash_problems(
        check_lock.selected(pins, "3.12", by_system["Linux"]), index, "3.12", by_system["Linux"]
    )
    assert on_linux == []


def _numpy_version() -> str:
    return next(p.version for p in _pins("course") if p.name == "numpy")
