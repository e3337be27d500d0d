r"""Chapter 7's exercises: the gradients of a layer with a stride, a padding and a dilation.

Two checkers, built like the others (``runner``, ``catalogue``, ``diagnosis``): each runs the
reader's function on a fixed set of cases, compares every answer with ``convlib``, and, when it
is wrong, names the classic mistake it matches, from the known-wrong variants below or from the
generic ones of ``convlib.exercises.diagnosis`` (a transposed answer, a sign, a stray constant).

=============================  =====================================  =========================
checker                        reader's function                      what it must return
=============================  =====================================  =========================
check_grad_input_strided       ``fn(I, w, G, s, p, d)``               ``∂L/∂I``, (7.9), ``[H, W]``
check_grad_w_strided           ``fn(I, w, G, s, p, d)``               ``∂L/∂w``, (7.4), ``[k1, k2]``
=============================  =====================================  =========================

``s``, ``p`` and ``d`` are ints: the same stride, zero padding and dilation on both axes.
:data:`STRIDED_MISTAKES` lists the mistakes these two name beyond ``convlib.exercises.MISTAKES``
(forgetting to dilate ``G``, forgetting to crop the padding, the unread rows left out, ...).

Examples
--------
>>> import convlib
>>> def grad_input(I, w, G, s, p, d):
...     return convlib.conv2d_backward(I, w, G, stride=s, padding=p, dilation=d).dI
>>> check_grad_input_strided(grad_input)
✓ check_grad_input_strided passed: 9 cases
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import layer, ops
from ._cases import _Exercise, _Variant
from ._result import CheckResult
from .catalogue import MISTAKES
from .runner import _check_cases, _copy, _verdict

__all__ = ["STRIDED_MISTAKES", "check_grad_input_strided", "check_grad_w_strided"]

STRIDED_MISTAKES: dict[str, str] = {
    "g_not_dilated": "G not dilated by the stride",
    "g_dilated_too_far": "s zeros between the entries of G instead of s − 1",
    "padding_not_cropped": "padding not cropped",
    "kernel_not_dilated": "kernel not dilated",
    "stride_dilation_swapped": "stride and dilation swapped",
    "unread_rows_dropped": "the rows the forward pass never reads left out",
    "image_not_padded": "image not padded",
}
"""The mistakes chapter 7's checkers name, beyond those of ``convlib.exercises.MISTAKES``."""

_NAMES = {**MISTAKES, **STRIDED_MISTAKES}
SEED = 2027


@dataclass(frozen=True, eq=False)
class _Case:
    label: str
    I: np.ndarray
    w: np.ndarray
    G: np.ndarray
    s: int
    p: int
    d: int


def _cases() -> list[_Case]:
    """Build the fixed cases: the first separates every known mistake, the others the edges."""
    rng = np.random.default_rng(SEED)
    values = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    specs = [
        ("random integers, 12×9 image, 2×3 kernel, stride 3, padding 1, dilation 2",
         (12, 9), (2, 3), 3, 1, 2, "ints"),
        ("stride 2 leaves the last row and column unread: 6×7 image, 3×2 kernel",
         (6, 7), (3, 2), 2, 0, 1, "ints"),
        ("stride 2 and padding 1: 7×6 image, 3×3 kernel", (7, 6), (3, 3), 2, 1, 1, "ints"),
        ("dilation 2 and padding 2: 6×7 image, 3×3 kernel", (6, 7), (3, 3), 1, 2, 2, "ints"),
        ("the notes' layer: 5×6 image, 2×3 kernel", (5, 6), (2, 3), 1, 0, 1, "ints"),
        ("stride 2, padding 2, dilation 2: 9×8 image, 3×2 kernel",
         (9, 8), (3, 2), 2, 2, 2, "ints"),
        ("one-row image (1×9), 1×3 kernel, stride 2", (1, 9), (1, 3), 2, 0, 1, "ints"),
        ("border: a single 1 in the last entry of G, 6×6 image, 3×3 kernel, stride 2, padding 1",
         (6, 6), (3, 3), 2, 1, 1, "corner"),
        ("random real values, 10×11 image, 3×4 kernel, stride 2, padding 1, dilation 2",
         (10, 11), (3, 4), 2, 1, 2, "normal"),
    ]  # fmt: skip
    cases = []
    for label, (H, W), (k1, k2), s, p, d, kind in specs:
        out = layer.conv2d_forward(np.zeros((H, W)), np.zeros((k1, k2)), 0.0, stride=s,
                                   padding=p, dilation=d).shape  # fmt: skip
        if kind == "normal":
            I, w, G = rng.normal(size=(H, W)), rng.normal(size=(k1, k2)), rng.normal(size=out)
        else:
            I, w, G = (rng.choice(values, size=shape) for shape in ((H, W), (k1, k2), out))
        if kind == "corner":
            G = np.zeros(out)
            G[-1, -1] = 1.0
        cases.append(_Case(label, I, w, G, s, p, d))
    return cases


# --------------------------------------------------------------------------------------------
# The right answers and the known-wrong ones, built from the notes' operations
# --------------------------------------------------------------------------------------------


def _spread(A: np.ndarray, step: int, shape: tuple[int, int]) -> np.ndarray:
    """Put ``A`` at every ``step``-th entry of a zero array of ``shape`` (IndexError: no room)."""
    rows, cols = step * (A.shape[0] - 1) + 1, step * (A.shape[1] - 1) + 1
    if rows > shape[0] or cols > shape[1]:
        raise IndexError(f"{A.shape} spread by {step} does not fit in {shape}")
    out = np.zeros(shape)
    out[:rows:step, :cols:step] = A
    return out


def _dilate(A: np.ndarray, step: int) -> np.ndarray:
    """Return ``A`` with ``step − 1`` zeros between its entries (7.3), none after the last."""
    return _spread(A, step, (step * (A.shape[0] - 1) + 1, step * (A.shape[1] - 1) + 1))


def _full_input_gradient(
    w: np.ndarray,
    G: np.ndarray,
    s_G: int,
    d_w: int,
    rows: tuple[int, int] | None = None,
    rotate: bool = True,
) -> np.ndarray:
    """``rot180(w↑d_w) ⊗ pad(G↑s_G)``, the whole correlation (7.9).

    ``G↑s_G`` has ``rows`` (zeros after its last entry), or just its entries (None).
    """
    w_d = _dilate(w, d_w)
    K1, K2 = w_d.shape
    G_s = _dilate(G, s_G) if rows is None else _spread(G, s_G, rows)
    return ops.correlate2d(ops.zero_pad(G_s, K1 - 1, K2 - 1), ops.rot180(w_d) if rotate else w_d)


def _grad_input_variants(c: _Case) -> Iterator[_Variant]:
    (H, W), (k1, k2), s, p, d = c.I.shape, c.w.shape, c.s, c.p, c.d
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    room = (H + 2 * p - K1 + 1, W + 2 * p - K2 + 1)  # the rows of G↑s, (7.3)
    swapped_room = (H + 2 * p - s * (k1 - 1), W + 2 * p - s * (k2 - 1))  # K from the stride

    def cropped(full: np.ndarray) -> np.ndarray:
        return full[p : p + H, p : p + W]

    yield (
        "g_not_dilated",
        lambda: cropped(_full_input_gradient(c.w, c.G, 1, d, room)),
        "Your ∂L/∂I puts the entries of G side by side: G was not dilated by the stride. Output "
        "(i, j) reads the pixels from row s·i on, so G(i, j) belongs at (s·i, s·j) of G↑s, with "
        "s − 1 zeros between two entries, equation (eq-dilate); then (eq-strided-di-rot).",
    )
    yield (
        "g_not_dilated",
        lambda: cropped(_full_input_gradient(c.w, c.G, 1, d)),
        "Your ∂L/∂I correlates the rotated kernel with G itself: G was not dilated by the "
        "stride, so the answer is too small. Put s − 1 zeros between the entries of G first, "
        "equation (eq-dilate), in an array of H + 2p − K + 1 rows, then (eq-strided-di-rot).",
    )
    yield (
        "g_dilated_too_far",
        lambda: cropped(_full_input_gradient(c.w, c.G, s + 1, d)),
        "Your ∂L/∂I dilates G with s zeros between its entries: a stride s puts s − 1 of them, "
        "G↑s(s·i, s·j) = G(i, j), equation (eq-dilate) (for s = 1 nothing changes).",
    )
    yield (
        "kernel_not_dilated",
        lambda: cropped(
            _full_input_gradient(c.w, c.G, s, 1, (H + 2 * p - k1 + 1, W + 2 * p - k2 + 1))
        ),
        "Your ∂L/∂I uses the kernel as it is: it was not dilated. Tap (m, n) reads the pixel "
        "d·m rows below the window's corner, so put d − 1 zeros between the entries of w, "
        "K = d(k − 1) + 1, before rotating it, equation (eq-strided-di-rot).",
    )
    yield (
        "stride_dilation_swapped",
        lambda: cropped(_full_input_gradient(c.w, c.G, d, s, swapped_room)),
        "Your ∂L/∂I dilates G by the dilation and the kernel by the stride: the roles are "
        "swapped. The stride spaces the outputs, so it dilates G; the dilation spaces the "
        "kernel's taps, so it dilates w, equation (eq-strided-di-rot).",
    )
    yield (
        "kernel_not_rotated",
        lambda: cropped(_full_input_gradient(c.w, c.G, s, d, room, rotate=False)),
        "Your ∂L/∂I slides the dilated kernel over the padded G without turning it: as in the "
        "notes' layer, the correlation needs rot180(w↑d), equation (eq-strided-di-rot).",
    )
    yield (
        "padding_not_cropped",
        lambda: _full_input_gradient(c.w, c.G, s, d, room),
        f"Your ∂L/∂I has the padded image's shape: the padding was not cropped. The "
        f"correlation gives a gradient for every entry of the padded image, its p = {p} rows "
        "and columns of zeros included; they are not pixels of I, so drop them on every side, "
        "equation (eq-strided-di-rot).",
    )
    yield (
        "padding_not_cropped",
        lambda: _full_input_gradient(c.w, c.G, s, d, room)[:H, :W],
        "Your ∂L/∂I keeps the first H rows and W columns of the correlation: the padding was "
        f"cropped at the end only. Drop p = {p} rows and columns on every side, "
        "[p : p + H, p : p + W], equation (eq-strided-di-rot).",
    )
    yield (
        "unread_rows_dropped",
        lambda: cropped(_full_input_gradient(c.w, c.G, s, d)),
        "Your ∂L/∂I is missing the last rows or columns, those no window of the forward pass "
        "reads: G↑s must have H + 2p − K + 1 rows, zeros after its last entry, equation "
        "(eq-dilate), so that the result has the image's shape (their gradient is 0). The "
        "transposed convolution calls them output_padding, equation (eq-transposed-size).",
    )


def _grad_w_variants(c: _Case) -> Iterator[_Variant]:
    (k1, k2), s, p, d = c.w.shape, c.s, c.p, c.d
    I_p = np.pad(c.I, p)
    Hp, Wp = c.G.shape

    def dw(I_used: np.ndarray, s_G: int, d_w: int) -> np.ndarray:
        out = np.zeros((k1, k2))
        for m, n in np.ndindex(k1, k2):
            block = I_used[m * d_w : m * d_w + s_G * (Hp - 1) + 1 : s_G]
            out[m, n] = np.sum(c.G * block[:, n * d_w : n * d_w + s_G * (Wp - 1) + 1 : s_G])
        return out

    yield (
        "g_not_dilated",
        lambda: dw(I_p, 1, d),
        "Your ∂L/∂w slides G over the image one pixel at a time: G was not dilated by the "
        "stride. Output (i, j) read the pixels from (s·i, s·j) on, so ∂L/∂w(m, n) pairs "
        "G(i, j) with I_p(s·i + d·m, s·j + d·n), equation (eq-strided-dw).",
    )
    yield (
        "kernel_not_dilated",
        lambda: dw(I_p, s, 1),
        "Your ∂L/∂w reads the block of w(m, n) at (m, n): the dilation was left out. Tap "
        "(m, n) reads I_p(s·i + d·m, s·j + d·n), so the block starts at (d·m, d·n), equation "
        "(eq-strided-dw).",
    )
    yield (
        "stride_dilation_swapped",
        lambda: dw(I_p, d, s),
        "Your ∂L/∂w steps over the image by the dilation and between the taps by the stride: "
        "the roles are swapped. ∂L/∂w(m, n) = Σ G(i, j) I_p(s·i + d·m, s·j + d·n), equation "
        "(eq-strided-dw).",
    )
    yield (
        "image_not_padded",
        lambda: dw(np.pad(c.I, ((0, 2 * p), (0, 2 * p))), s, d),
        f"Your ∂L/∂w reads I where it should read the padded image I_p: the zero padding "
        f"(p = {p}) was left out, so every pixel is read {p} {'row' if p == 1 else 'rows'} and "
        f"{'column' if p == 1 else 'columns'} too far. Pad I "
        "with p zeros on every side first, equation (eq-strided-dw).",
    )


def _right_dI(c: _Case) -> np.ndarray:
    return layer.conv2d_backward(c.I, c.w, c.G, stride=c.s, padding=c.p, dilation=c.d).dI


def _right_dw(c: _Case) -> np.ndarray:
    return layer.conv2d_backward(c.I, c.w, c.G, stride=c.s, padding=c.p, dilation=c.d).dw


_GRAD_INPUT_STRIDED = _Exercise(
    name="check_grad_input_strided",
    quantity="∂L/∂I",
    call="fn(I, w, G, s, p, d)",
    args=("I", "w", "G", "s", "p", "d"),
    scalar=False,
    expected=_right_dI,
    variants=_grad_input_variants,
    shape_rule=lambda c: f"the image's shape (H, W) = {c.I.shape}",
    bounds="The pixel index runs over i' = 0..H-1 and j' = 0..W-1, that is range(H) and range(W).",
    border_hint="Check the crop [p : p + H, p : p + W] and the zeros around G↑s, equation "
    "(eq-strided-di-rot).",
    constant_hint=" The bias b does not enter ∂L/∂I, equation (eq-strided-di).",
)

_GRAD_W_STRIDED = _Exercise(
    name="check_grad_w_strided",
    quantity="∂L/∂w",
    call="fn(I, w, G, s, p, d)",
    args=("I", "w", "G", "s", "p", "d"),
    scalar=False,
    expected=_right_dw,
    variants=_grad_w_variants,
    shape_rule=lambda c: f"the kernel's shape (k1, k2) = {c.w.shape}",
    bounds="The kernel index runs over m = 0..k1-1 and n = 0..k2-1, that is range(k1) and "
    "range(k2).",
    constant_hint=" The bias b does not enter ∂L/∂w, equation (eq-strided-dw).",
)


# --------------------------------------------------------------------------------------------
# Running a checker
# --------------------------------------------------------------------------------------------


def _index_hint(ex: _Exercise, exc: Exception) -> str:
    if isinstance(exc, IndexError):
        return f" An index ran past the end of an array: check the loop bounds. {ex.bounds}"
    return ""


def _run(ex: _Exercise, fn: Any) -> CheckResult:
    return _check_cases(
        ex,
        fn,
        _cases(),
        mistakes=_NAMES,
        args=lambda c: {name: getattr(c, name) for name in ex.args},
        inputs=lambda c: {name: _copy(getattr(c, name)) for name in ex.args},
        verdict=_verdict,
        hint=lambda exc: _index_hint(ex, exc),
        advice="A layer must leave its inputs untouched: work on a copy (np.pad and slicing "
        "with a step make new arrays or views you only read; G_s[::s, ::s] = G writes into "
        "G_s, not G).",
    )


def check_grad_input_strided(fn: Callable[..., np.ndarray]) -> CheckResult:
    r"""Check the reader's ``fn(I, w, G, s, p, d) -> ∂L/∂I`` with stride, padding, dilation.

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G, s, p, d)``: the image ``I`` ``[H, W]`` (only its shape
        matters), the kernel ``w`` ``[k1, k2]``, the upstream gradient ``G`` of the output's
        shape (7.2), and the stride ``s``, zero padding ``p`` and dilation ``d`` (ints, the
        same on both axes). It must return ``∂L/∂I``, of the image's shape.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G, stride=s, padding=p,
    dilation=d).dI``, is (7.9):

    .. math:: \frac{\partial L}{\partial I} = \operatorname{crop}_p\bigl(
        \operatorname{rot180}(w_{\uparrow d}) \otimes \operatorname{pad}_{K-1}(G_{\uparrow s})\bigr)

    Classic mistakes it names: ``g_not_dilated``, ``g_dilated_too_far``,
    ``padding_not_cropped``, ``kernel_not_dilated``, ``stride_dilation_swapped``,
    ``kernel_not_rotated``, ``unread_rows_dropped``, and the generic ones (``transposed``,
    ``wrong_sign``, ``stray_constant``, ...).

    Examples
    --------
    >>> import convlib
    >>> def forgot_to_crop(I, w, G, s, p, d):
    ...     padded = convlib.conv2d_backward(np.pad(I, p), w, G, stride=s, dilation=d).dI
    ...     return padded
    >>> check_grad_input_strided(forgot_to_crop).mistake
    'padding_not_cropped'
    """
    return _run(_GRAD_INPUT_STRIDED, fn)


def check_grad_w_strided(fn: Callable[..., np.ndarray]) -> CheckResult:
    r"""Check the reader's ``fn(I, w, G, s, p, d) -> ∂L/∂w`` with stride, padding, dilation.

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G, s, p, d)`` (see :func:`check_grad_input_strided`). It must
        return ``∂L/∂w``, of the kernel's shape.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G, stride=s, padding=p,
    dilation=d).dw``, is (7.4):

    .. math:: \frac{\partial L}{\partial w(m, n)} = \sum_{i, j} G(i, j)\,
        I_p(s i + d m,\ s j + d n)

    Classic mistakes it names: ``g_not_dilated`` (the stride left out), ``kernel_not_dilated``,
    ``stride_dilation_swapped``, ``image_not_padded``, and the generic ones.

    Examples
    --------
    >>> import convlib
    >>> def stride_one(I, w, G, s, p, d):
    ...     I_p = np.pad(I, p)
    ...     k1, k2 = w.shape
    ...     rows, cols = G.shape
    ...     return np.array([[np.sum(G * I_p[d * m : d * m + rows, d * n : d * n + cols])
    ...                       for n in range(k2)] for m in range(k1)])
    >>> check_grad_w_strided(stride_one).mistake
    'g_not_dilated'
    """
    return _run(_GRAD_W_STRIDED, fn)
