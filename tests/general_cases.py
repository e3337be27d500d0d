"""Random configurations of the general layer, for the tests that check it against an oracle.

A case fixes every size and setting of one layer (batch, channels, groups, image, kernel, stride,
padding in every form, dilation) and draws its arrays from its own seed. The output's size is
computed here from the formula, independently of convlib. Deterministic: the same ``seed`` gives
the same cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    """One layer: sizes, settings as a user would pass them, and a seed for its arrays."""

    N: int
    C_in: int
    C_out: int
    groups: int
    H: int
    W: int
    k1: int
    k2: int
    stride: object
    padding: object
    dilation: object
    batched: bool  # False: the 2-D layer (N = C_in = C_out = groups = 1), arrays 2-D
    seed: int

    @property
    def settings(self) -> dict:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }

    def output_hw(self) -> tuple[int, int]:
        """``(H', W')`` from the formula: floor((H + p - d (k - 1) - 1) / s) + 1 per axis."""
        s, d = _pair(self.stride), _pair(self.dilation)
        if self.padding == "same":
            return self.H, self.W
        p = (0, 0) if self.padding == "valid" else _pair(self.padding)
        return tuple(
            (size + 2 * p[a] - d[a] * (k - 1) - 1) // s[a] + 1
            for a, (size, k) in enumerate(((self.H, self.k1), (self.W, self.k2)))
        )

    def shapes(self) -> dict[str, tuple[int, ...]]:
        H_out, W_out = self.output_hw()
        if not self.batched:
            return {"I": (self.H, self.W), "w": (self.k1, self.k2), "b": (), "G": (H_out, W_out)}
        return {
            "I": (self.N, self.C_in, self.H, self.W),
            "w": (self.C_out, self.C_in // self.groups, self.k1, self.k2),
            "b": (self.C_out,),
            "G": (self.N, self.C_out, H_out, W_out),
        }

    def arrays(self, dtype=np.float64) -> dict[str, np.ndarray]:
        """Standard normal ``I``, ``w``, ``b`` and ``G`` of this case's shapes, in ``dtype``."""
        rng = np.random.default_rng(self.seed)
        return {k: rng.standard_normal(s).astype(dtype) for k, s in self.shapes().items()}

    def __str__(self) -> str:
        where = (
            "2-D" if not self.batched else f"N{self.N} C{self.C_in}->{self.C_out} g{self.groups}"
        )
        return (
            f"{where} {self.H}x{self.W} k{self.k1}x{self.k2} s{self.stride} p{self.padding} "
            f"d{self.dilation}"
        )


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _setting(rng, low, high, pair_chance):
    """An int or, sometimes, a pair (tuple or list) of ints in [low, high]."""
    if rng.random() < pair_chance:
        pair = [int(v) for v in rng.integers(low, high + 1, 2)]
        return tuple(pair) if rng.random() < 0.7 else pair
    return int(rng.integers(low, high + 1))


def cases(count, seed, *, max_side=9, max_kernel=4, max_batch=3, max_channels=3, max_step=3):
    """``count`` random cases whose dilated kernel fits inside the padded image.

    One in six is the 2-D layer, one in six depthwise (``groups = C_in = C_out``); strides and
    dilations up to ``max_step``, paddings as ints, pairs, ``"valid"`` and ``"same"``.
    """
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        kind = rng.integers(6)
        groups = int(rng.choice([1, 1, 2, 3]))
        C_in = groups * int(rng.integers(1, max_channels + 1))
        C_out = groups * int(rng.integers(1, max_channels + 1))
        if kind == 0:  # depthwise
            groups = C_in = C_out = int(rng.integers(1, 2 * max_channels + 1))
        N = int(rng.integers(1, max_batch + 1))
        batched = kind != 1
        if not batched:
            N = C_in = C_out = groups = 1
        H, W = (int(v) for v in rng.integers(1, max_side + 1, 2))
        k1, k2 = (int(v) for v in rng.integers(1, max_kernel + 1, 2))
        stride = _setting(rng, 1, max_step, 0.3) if rng.random() < 0.5 else 1
        dilation = _setting(rng, 1, max_step, 0.3) if rng.random() < 0.35 else 1
        roll = rng.random()
        if roll < 0.2 and _pair(stride) == (1, 1):
            padding = "same"
        elif roll < 0.3:
            padding = "valid"
        else:
            padding = _setting(rng, 0, 2, 0.4)
        case = Case(N, C_in, C_out, groups, H, W, k1, k2, stride, padding, dilation, batched, 0)
        if min(case.output_hw()) < 1:  # the dilated kernel does not fit: draw again
            continue
        found.append(Case(**{**case.__dict__, "seed": int(rng.integers(2**31))}))
    return found
