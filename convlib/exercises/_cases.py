"""The fixed cases every checker runs, and the description of one exercise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 2022
"""Seed of the cases' random values: every reader's function sees the same cases."""


@dataclass(frozen=True, eq=False)
class _Case:
    label: str
    I: np.ndarray
    w: np.ndarray
    G: np.ndarray


def _cases() -> list[_Case]:
    """Build the fixed cases: the first one is generic, the others probe the edges."""
    rng = np.random.default_rng(SEED)
    values = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])

    def ints(shape: tuple[int, int]) -> np.ndarray:
        return rng.choice(values, size=shape)

    specs = [
        ("random integers, 6×7 image I, 2×3 kernel w", (6, 7), (2, 3), "ints"),
        ("non-square: 4×6 image, 2×3 kernel", (4, 6), (2, 3), "ints"),
        ("square 4×4 image, 3×3 kernel (output smaller than the kernel)", (4, 4), (3, 3), "ints"),
        ("1×1 kernel", (3, 4), (1, 1), "ints"),
        ("kernel as large as the image (output 1×1)", (3, 2), (3, 2), "ints"),
        ("one-row image (1×7) and kernel (1×3)", (1, 7), (1, 3), "ints"),
        ("one-column image (6×1) and kernel (2×1)", (6, 1), (2, 1), "ints"),
        ("border: a single 1 in a corner of the image and of G", (4, 5), (2, 2), "corner"),
        ("random real values, 7×9 image, 3×4 kernel", (7, 9), (3, 4), "normal"),
    ]
    cases = []
    for label, (H, W), (k1, k2), kind in specs:
        out = (H - k1 + 1, W - k2 + 1)
        if kind == "normal":
            I, w, G = rng.normal(size=(H, W)), rng.normal(size=(k1, k2)), rng.normal(size=out)
        else:
            I, w, G = ints((H, W)), ints((k1, k2)), ints(out)
        if kind == "corner":
            I, G = np.zeros((H, W)), np.zeros(out)
            I[-1, -1] = 1.0
            G[0, 0] = 1.0
        cases.append(_Case(label, I, w, G))
    return cases


_Variant = tuple[str, Callable[[], Any], str]


@dataclass(frozen=True)
class _Exercise:
    name: str
    quantity: str
    call: str
    args: tuple[str, ...]
    scalar: bool
    expected: Callable[[_Case], Any]
    variants: Callable[[_Case], Iterator[_Variant]]
    shape_rule: Callable[[_Case], str]
    bounds: str
    border_hint: str = ""
    constant_hint: str = ""
    shape_hint: (
        Callable[[_Case, tuple[int, ...], tuple[int, ...]], tuple[str, str] | None] | None
    ) = None
