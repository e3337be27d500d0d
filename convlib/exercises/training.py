r"""Chapter 5's exercise: layer 1's weight gradient from what layer 2 hands down.

Two layers are stacked, ``Ŷ₁ = w1 ⊗ I + b1`` and ``Ŷ = w2 ⊗ Ŷ₁ + b2``. The reader writes
``dw1_from_handover(I, w2, G2)``: from the stack's input ``I``, layer 2's kernel ``w2`` and the
upstream gradient ``G2 = ∂L/∂Ŷ``, it forms layer 2's input gradient ``G1 = w2 * G2`` (3.4) and
returns layer 1's ``∂L/∂w1 = G1 ⊗ I`` (2.3), the shape of ``w1``. :func:`check_handover` runs
it on fixed cases, as the chapters' other checkers do, and names the classic mistakes of each
half of the route: the hand-over skipped (``G2`` used as layer 1's ``G``), layer 2's kernel not
rotated or only mirrored in one direction, ``G2`` not zero-padded, the hand-over returned as the
answer, and the weight gradient computed as a convolution or with its arguments swapped.

``check_handover``'s expected answer is computed with convlib; ``tests/test_exercises_training.py``
checks it against central differences of a two-layer loss written with scipy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .. import ops
from ._cases import _Exercise, _Variant
from ._result import CheckResult
from .catalogue import MISTAKES
from .runner import _check_cases, _verdict

__all__ = ["HANDOVER_MISTAKES", "check_handover"]

SEED = 2025
"""Seed of the cases' random values: every reader's function sees the same cases."""

HANDOVER_MISTAKES: dict[str, str] = {
    **MISTAKES,
    "no_handover": "layer 2's G used as layer 1's",
    "stopped_at_handover": "the hand-over returned, not layer 1's gradient",
    "one_mirror": "kernel mirrored in one direction, not rotated",
}
"""Every mistake :func:`check_handover` can report, with its short name in words."""


@dataclass(frozen=True, eq=False)
class _HandoverCase:
    label: str
    I: np.ndarray  # the stack's input, [H, W]
    w1_shape: tuple[int, int]  # layer 1's kernel (the reader never sees w1: dw1 needs no w1)
    w2: np.ndarray  # layer 2's kernel
    G2: np.ndarray  # ∂L/∂Ŷ, the stack's output shape


def _handover_cases() -> list[_HandoverCase]:
    """Build the fixed cases: a generic one first, then the edges (1×1 kernels, one row, corner)."""
    rng = np.random.default_rng(SEED)
    values = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    specs = [
        ("random integers, 6×7 image I, 2×3 kernel w1, 3×2 kernel w2", (6, 7), (2, 3), (3, 2)),
        ("square kernels: 6×6 image, 2×2 w1, 3×3 w2", (6, 6), (2, 2), (3, 3)),
        ("1×1 kernel w1 (layer 1 only scales), 5×5 image, 2×3 w2", (5, 5), (1, 1), (2, 3)),
        ("1×1 kernel w2 (layer 2 only scales), 4×5 image, 2×2 w1", (4, 5), (2, 2), (1, 1)),
        ("one-row image (1×8), kernels 1×3 and 1×2", (1, 8), (1, 3), (1, 2)),
        ("border: a single 1 in the last corner of G2, 5×6 image", (5, 6), (2, 2), (2, 3)),
        ("random real values, 8×9 image, 3×2 w1, 2×3 w2", (8, 9), (3, 2), (2, 3)),
    ]
    cases = []
    for label, (H, W), k1, k2 in specs:
        out = (H - k1[0] - k2[0] + 2, W - k1[1] - k2[1] + 2)
        if label.startswith("random real"):
            I, w2, G2 = rng.normal(size=(H, W)), rng.normal(size=k2), rng.normal(size=out)
        else:
            I, w2, G2 = (rng.choice(values, size=s) for s in ((H, W), k2, out))
        if label.startswith("border"):
            G2 = np.zeros(out)
            G2[-1, -1] = 1.0
        cases.append(_HandoverCase(label, I, k1, w2, G2))
    return cases


def _g1(c: _HandoverCase) -> np.ndarray:
    """Layer 2's input gradient, the hand-over: G1 = w2 * G2, a full convolution."""
    return ops.convolve2d(c.G2, c.w2, mode="full")


def _pad(c: _HandoverCase) -> np.ndarray:
    k1, k2 = c.w2.shape
    return ops.zero_pad(c.G2, k1 - 1, k2 - 1)


_MIRRORS = {
    "np.fliplr(w2), which flips its columns only": np.fliplr,
    "np.flipud(w2), which flips its rows only": np.flipud,
    "w2.T, its transpose": np.transpose,
}


def _handover_variants(c: _HandoverCase) -> Iterator[_Variant]:
    I, w2, G2 = c.I, c.w2, c.G2
    G1 = _g1(c)
    yield (
        "no_handover",
        lambda: ops.correlate2d(I, G2),
        "Your ∂L/∂w1 uses G2 as layer 1's G. G2 = ∂L/∂Ŷ belongs to layer 2's output; layer "
        "1's output is layer 2's input, so layer 1's G is what layer 2 hands down, its "
        "∂L/∂I₂ = w2 * G2 (eq-di). Form G1 = w2 * G2 first, then ∂L/∂w1 = G1 ⊗ I (eq-stack).",
    )
    yield (
        "stopped_at_handover",
        lambda: G1,
        "You returned G1 = w2 * G2, layer 2's ∂L/∂I₂: the hand-over itself. Layer 1 still has "
        "to use it as its G: ∂L/∂w1 = G1 ⊗ I (eq-dw), an array of the shape of w1.",
    )
    yield (
        "kernel_not_rotated",
        lambda: ops.correlate2d(I, ops.correlate2d(_pad(c), w2)),
        "Your G1 slides w2 as it is over the zero-padded G2 (a cross-correlation, e.g. "
        "scipy.signal.correlate2d(G2, w2, 'full')): layer 2's kernel was not rotated. Its "
        "∂L/∂I₂ is the full convolution G1 = w2 * G2 (eq-di): as a cross-correlation it needs "
        "rot180(w2) (eq-di-rot), or call convolve2d(G2, w2, mode='full').",
    )
    for words, mirror in _MIRRORS.items():
        yield (
            "one_mirror",
            lambda mirror=mirror: ops.correlate2d(I, ops.correlate2d(_pad(c), mirror(w2))),
            f"Your G1 slides {words}, over the zero-padded G2. The 180° rotation of (eq-rot180) "
            "flips rows and columns both: rot180(w2) = w2[::-1, ::-1], so that "
            "G1 = w2 * G2 (eq-di-rot).",
        )
    yield (
        "no_zero_padding",
        lambda: ops.correlate2d(I, ops.convolve2d(G2, w2, mode="valid")),
        "Your G1 is a 'valid' convolution of G2 with w2: G2 was not zero-padded, so G1 is "
        "smaller than layer 2's input and ∂L/∂w1 has the wrong shape. Layer 2's ∂L/∂I₂ is a "
        "full convolution (eq-di): pad G2 with k1-1 rows and k2-1 columns of zeros on each "
        "side (k1 × k2 the shape of w2) before rot180(w2) slides over it (eq-di-rot).",
    )
    yield (
        "kernel_rotated",
        lambda: ops.correlate2d(I, ops.rot180(G1)),
        "Your hand-over G1 is right, but layer 1's ∂L/∂w1 is a convolution of I with G1 (G1 "
        "rotated by 180°). The weight gradient is a cross-correlation, with no rotation: "
        "∂L/∂w1(m, n) = Σ_i Σ_j I(i+m, j+n) · G1(i, j) = (G1 ⊗ I)(m, n) (eq-dw).",
    )
    yield (
        "roles_swapped",
        lambda: ops.rot180(ops.correlate2d(I, G1)),
        "Your ∂L/∂w1 is the right one rotated by 180°: the roles of G1 and I are swapped "
        "(I ⊗ G1, e.g. scipy.signal.correlate2d(G1, I, 'valid'), instead of G1 ⊗ I). G1 "
        "slides over I like a kernel: ∂L/∂w1 = G1 ⊗ I (eq-dw).",
    )
    yield (
        "mean_not_sum",
        lambda: ops.correlate2d(I, G1) / G1.size,
        f"Your ∂L/∂w1 is the right one divided by {G1.size}, the number of layer 1's outputs: "
        "a mean where (eq-dw) has a sum, ∂L/∂w1(m, n) = Σ_i Σ_j I(i+m, j+n) · G1(i, j).",
    )


def _handover_shape_rule(c: _HandoverCase) -> str:
    return f"the shape of layer 1's kernel w1, {c.w1_shape}"


_HANDOVER = _Exercise(
    name="check_handover",
    quantity="∂L/∂w1",
    call="fn(I, w2, G2)",
    args=("I", "w2", "G2"),
    scalar=False,
    expected=lambda c: ops.correlate2d(c.I, _g1(c)),
    variants=_handover_variants,
    shape_rule=_handover_shape_rule,
    bounds="G1 = w2 * G2 has the shape of layer 1's output, (H-k1+1, W-k2+1) for w1 of "
    "shape (k1, k2), and ∂L/∂w1 = G1 ⊗ I sums over all of it.",
    constant_hint=" Neither bias enters ∂L/∂w1 (eq-stack).",
)


def check_handover(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check the reader's ``fn(I, w2, G2) -> ∂L/∂w1``: the gradient through two layers, (5.5).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(I, w2, G2)`` with the stack's input ``I``
        ``[H, W]``, layer 2's kernel ``w2`` ``[k1', k2']`` and the upstream gradient
        ``G2 = ∂L/∂Ŷ`` of the stack's output (float64 arrays, fresh copies for each call). It
        must return layer 1's ``∂L/∂w1``, of the shape of layer 1's kernel ``w1``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` (a key of
        :data:`HANDOVER_MISTAKES`) names it and the failing case (inputs, expected, got) is
        shown. A stub that raises ``NotImplementedError`` is reported as not written yet.

    Notes
    -----
    The right answer hands layer 2's input gradient (3.4) to layer 1's weight gradient (2.3):

    .. math:: G_1 = w_2 * G_2, \qquad \frac{\partial L}{\partial w_1} = G_1 \otimes I

    Mistakes it names: ``no_handover`` (``G2`` used as layer 1's ``G``),
    ``stopped_at_handover`` (``G1`` returned), ``kernel_not_rotated`` (``G1`` a
    cross-correlation with ``w2``), ``one_mirror`` (``np.fliplr(w2)``, ``np.flipud(w2)`` or
    ``w2.T`` where ``rot180(w2)`` belongs), ``no_zero_padding`` (a 'valid' ``G1``),
    ``kernel_rotated`` (``∂L/∂w1`` a convolution), ``roles_swapped`` (``I ⊗ G1``),
    ``mean_not_sum``; and, as the other checkers, a transposed result, a wrong sign, scale or
    shape, a stray constant, an integer array, a modified input, an exception.

    Examples
    --------
    >>> import convlib
    >>> def dw1_from_handover(I, w2, G2):
    ...     G1 = convlib.convolve2d(G2, w2, mode="full")
    ...     return convlib.correlate2d(I, G1)
    >>> check_handover(dw1_from_handover)
    ✓ check_handover passed: 7 cases
    >>> check_handover(lambda I, w2, G2: convlib.correlate2d(I, G2)).mistake
    'no_handover'
    """
    return _check_cases(
        _HANDOVER,
        fn,
        _handover_cases(),
        mistakes=HANDOVER_MISTAKES,
        args=lambda c: {name: getattr(c, name) for name in _HANDOVER.args},
        inputs=lambda c: {name: getattr(c, name).copy() for name in _HANDOVER.args},
        verdict=_verdict,
        hint=_handover_hint,
        advice="The caller still needs them: work on a copy (w2[::-1, ::-1] or np.pad(...) make "
        "new arrays; w2[:] = ... or += change the caller's array).",
    )


def _handover_hint(exc: Exception) -> str:
    if "must fit" in str(exc):
        return (
            " correlate2d(A, B) and convolve2d(A, B) slide their second argument over "
            "their first: check the order of the arguments, and pad G2 (or use "
            "mode='full') before a kernel larger than G2 slides over it."
        )
    return ""
