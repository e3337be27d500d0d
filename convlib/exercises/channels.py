r"""Chapter 6's checkers: the gradients of a layer with channels, filters, a batch and groups.

The same design as the single-channel checkers (``runner``, ``catalogue``, ``diagnosis``): the
reader's function runs on fixed, deterministic cases, its answer is compared with convlib's,
and a wrong answer is compared with known-wrong variants that name the classic mistake. The
cases here are batches, ``I`` of shape ``(N, C_in, H, W)``, ``w`` of shape
``(C_out, C_in // groups, k1, k2)`` and ``G = ∂L/∂Ŷ`` of shape ``(N, C_out, H', W')``
(valid padding, stride 1), with edge cases a mistake cannot hide in: one sample, one input
channel, one filter, ``C_in = C_out`` (where a swapped channel axis keeps the shape), a 1×1
kernel, a kernel as large as the image.

=========================  ============================  ======================================
checker                    reader's function             what it must return
=========================  ============================  ======================================
check_grad_w_batch         ``fn(I, w, G)``               ``dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c]``
check_grad_b_batch         ``fn(I, w, G)``               ``db[o] = Σ_ν Σ_i Σ_j G[ν, o, i, j]``
check_grad_input_batch     ``fn(I, w, G)``               ``dI[ν, c] = Σ_o w[o, c] * G[ν, o]``
check_grad_input_groups    ``fn(I, w, G, groups)``       ``dI`` of a grouped layer
=========================  ============================  ======================================

The mistakes they name, beyond those of the single-channel checkers (:data:`MISTAKES`), are in
:data:`CHANNEL_MISTAKES`: summing over the wrong channel axis, forgetting the batch sum in
``dw``, a bias gradient per sample instead of summed, mixing the samples of ``dI``, and ignoring
(or interleaving) the groups. Messages cite the book's equation numbers.

Examples
--------
>>> from convlib.exercises import check_grad_b_batch
>>> check_grad_b_batch(lambda I, w, G: G.sum(axis=(0, 2, 3)))
✓ check_grad_b_batch passed: 9 cases
>>> check_grad_b_batch(lambda I, w, G: G.sum(axis=(2, 3))).mistake
'db_per_sample'
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._channel_catalogue import (
    _GRAD_B,
    _GRAD_INPUT,
    _GRAD_W,
    _GROUPS,
    CHANNEL_MISTAKES,
    _BatchCase,
    _BatchExercise,
    _cases,
)
from ._result import CheckResult, _format
from .catalogue import MISTAKES
from .diagnosis import _close, _describe_position, _ratio, _variant_match
from .runner import _check_cases

__all__ = [
    "CHANNEL_MISTAKES",
    "check_grad_b_batch",
    "check_grad_input_batch",
    "check_grad_input_groups",
    "check_grad_w_batch",
]

_ALL = {**MISTAKES, **CHANNEL_MISTAKES}

# ---------------------------------------------------------------------------------------------
# Running a checker and judging an answer
# ---------------------------------------------------------------------------------------------


def _run(ex: _BatchExercise, fn: Any) -> CheckResult:
    return _check_cases(
        ex,
        fn,
        _cases(ex.grouped),
        mistakes=_ALL,
        args=lambda c: _args(ex, c),
        verdict=_verdict,
        hint=lambda exc: _run_hint(ex, exc),
        detail=lambda c: f"{c.label}; {c.sizes}",
        advice="A layer must leave its inputs untouched: the caller still needs them. Work on "
        "new arrays (np.zeros(...), a slice's .copy()); x[...] = or += on an input changes the "
        "caller's array.",
    )


def _args(ex: _BatchExercise, c: _BatchCase) -> dict[str, Any]:
    return {"I": c.I, "w": c.w, "G": c.G, **({"groups": c.groups} if ex.grouped else {})}


def _run_hint(ex: _BatchExercise, exc: Exception) -> str:
    if isinstance(exc, IndexError):
        return " An index ran past the end of an array: check the loop bounds and axes."
    if isinstance(exc, TypeError) and "argument" in str(exc):
        return f" The checker calls your function as {ex.call}."
    if "input channels" in str(exc) and ex.quantity == "∂L/∂I":
        return (
            " A layer that computes ∂L/∂I reads G, whose channels are the filters o, and "
            "makes one channel per input channel c: its kernels are w[o, c] with the two "
            "channel axes swapped (w.transpose(1, 0, 2, 3)), equation (eq-di-batch)."
        )
    return ""


def _verdict(ex: _BatchExercise, c: _BatchCase, expected: np.ndarray, got: Any):
    """None if ``got`` is right, else (mistake, sentence); it may raise on a strange ``got``."""
    if (
        isinstance(got, np.ndarray)
        and got.dtype.kind in "iuf"
        and got.shape == expected.shape
        and _close(got, expected)
    ):
        return None
    return _diagnose(ex, c, expected, got)


def _diagnose(ex: _BatchExercise, c: _BatchCase, expected: np.ndarray, got: Any):
    q = ex.quantity
    if got is None:
        return "wrong_type", (
            f"Your function returned None: did you forget the return statement? {q} is a numpy "
            f"array of shape {expected.shape}."
        )
    if isinstance(got, list | tuple):
        try:
            right = _close(np.array(got, dtype=float), expected)
        except (TypeError, ValueError):
            right = False
        values = "; its values are right" if right else ""
        return "wrong_type", (
            f"Your function returned a {type(got).__name__}, not a numpy array{values}. Return a "
            f"numpy array of shape {expected.shape}, e.g. np.array(...)."
        )
    if isinstance(got, numbers.Real | np.generic) and not isinstance(got, bool | np.bool_):
        got = np.asarray(got)
    if not isinstance(got, np.ndarray):
        return "wrong_type", (
            f"Your function returned a {type(got).__name__}; {q} is a numpy array of shape "
            f"{expected.shape}."
        )
    if got.dtype.kind not in "iuf":
        return "wrong_type", (
            f"Your function returned an array of dtype {got.dtype}; {q} is an array of real "
            "numbers (float64)."
        )
    if got.dtype.kind in "iu" and got.shape == expected.shape:
        if _close(got, np.trunc(expected)) or _close(got, np.round(expected)):
            return "integer_array", (
                f"Your {q} is an integer array (dtype {got.dtype}), so each value was rounded "
                "to an integer when stored: create it as floats, e.g. np.zeros(shape)."
            )
    found = _variant_match(ex, c, expected, got)
    if found is not None:
        return found
    if got.shape != expected.shape:
        hint = ex.shape_hint(c, got.shape) if ex.shape_hint is not None else None
        if hint is not None:
            return hint
        if got.ndim == 0:
            return "wrong_type", (
                f"Your function returned a single number, {_format(got[()])}, but {q} is an "
                f"array of {ex.shape_rule(c)}."
            )
        extra = ""
        if got.size == expected.size and _close(got.reshape(expected.shape), expected):
            extra = " The values are right but laid out in another shape: keep the axes."
        return (
            "wrong_shape",
            f"Your {q} has shape {got.shape} but should have {ex.shape_rule(c)}.{extra}",
        )
    return _diagnose_values(ex, expected, got.astype(float))


def _diagnose_values(ex: _BatchExercise, expected: np.ndarray, got: np.ndarray):
    q = ex.quantity
    with np.errstate(all="ignore"):
        differs = ~np.isclose(got, expected, rtol=1e-5, atol=1e-8)
        diff = got - expected
    if expected.size > 1 and np.all(np.isfinite(got)):
        if _close(got, -expected):
            return "wrong_sign", f"Your {q} is the right one with the opposite sign."
        offset = float(np.mean(diff))
        if _close(diff, np.full(diff.shape, offset)):
            return "stray_constant", (
                f"Every entry of your {q} is off by the same constant, {offset:+.4g}: something "
                f"adds a stray constant.{ex.constant_hint}"
            )
        scale = _ratio(expected, got)
        if scale is not None:
            return "wrong_scale", f"Your {q} is the right one multiplied by {scale:.4g}."
    first = tuple(int(p) for p in np.argwhere(differs)[0])
    where = _describe_position(first, expected, got)
    axes = "[ν, c, i′, j′]" if ex.quantity == "∂L/∂I" else "[o, c, m, n]"
    if expected.ndim == 1:
        axes = "[o]"
    return "wrong_values", (
        f"Your {q} differs from the right one at {int(differs.sum())} of its {differs.size} "
        f"entries; the first is {where} (indices {axes})."
    )


def check_grad_w_batch(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    r"""Check the reader's kernel gradient of a batch, ``fn(I, w, G) -> ∂L/∂w``, (6.4).

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G)`` with ``I`` of shape ``(N, C_in, H, W)``, ``w`` of shape
        ``(C_out, C_in, k1, k2)`` and ``G = ∂L/∂Ŷ`` of shape ``(N, C_out, H', W')`` (float64
        arrays, fresh copies for each call). It must return ``∂L/∂w``, of ``w``'s shape.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G).dw``:

    .. math:: \frac{\partial L}{\partial w}[o, c] = \sum_{\nu} G[\nu, o] \otimes I[\nu, c]

    Mistakes it names: ``no_batch_sum`` (one gradient per sample, or one sample's only),
    ``mean_not_sum`` (divided by ``N``), ``wrong_channel_axis`` (``[c, o]`` order, or a sum over
    ``c`` or ``o``), ``roles_swapped``, and the generic ones (shape, sign, scale, type).

    Examples
    --------
    >>> import convlib
    >>> check_grad_w_batch(lambda I, w, G: convlib.conv2d_backward(I, w, G).dw)
    ✓ check_grad_w_batch passed: 9 cases
    """
    return _run(_GRAD_W, fn)


def check_grad_b_batch(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    r"""Check the reader's bias gradient of a batch, ``fn(I, w, G) -> ∂L/∂b``, (6.5).

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G)`` (see :func:`check_grad_w_batch`). It must return an array of
        shape ``(C_out,)``, one number per filter.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial b}[o] = \sum_{\nu} \sum_i \sum_j G[\nu, o, i, j]

    Mistakes it names: ``db_per_sample`` (``G.sum(axis=(2, 3))``, or one sample's sum),
    ``wrong_channel_axis`` (a sum over the channels, ``G.sum(axis=(1, 2, 3))`` or ``G.sum()``),
    ``mean_not_sum``.

    Examples
    --------
    >>> check_grad_b_batch(lambda I, w, G: G.sum()).mistake
    'wrong_channel_axis'
    """
    return _run(_GRAD_B, fn)


def check_grad_input_batch(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    r"""Check the reader's input gradient of a batch, ``fn(I, w, G) -> ∂L/∂I``, (6.8).

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G)`` (see :func:`check_grad_w_batch`). It must return ``∂L/∂I``,
        of the input's shape ``(N, C_in, H, W)``.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial I}[\nu, c] = \sum_{o} w[o, c] * G[\nu, o]
        \quad \text{(full convolutions)}

    Mistakes it names: ``batch_summed`` (the samples added together), ``wrong_channel_axis``
    (kernels summed over ``c``, read as ``w[c, o]``, or one channel per filter),
    ``kernel_not_rotated``, ``no_zero_padding``, ``roles_swapped``, and the generic ones.

    Examples
    --------
    >>> import convlib
    >>> check_grad_input_batch(lambda I, w, G: convlib.conv2d_backward(I, w, G).dI)
    ✓ check_grad_input_batch passed: 9 cases
    """
    return _run(_GRAD_INPUT, fn)


def check_grad_input_groups(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray],
) -> CheckResult:
    r"""Check the reader's input gradient of a grouped layer, ``fn(I, w, G, groups)``, (6.11).

    Parameters
    ----------
    fn : callable
        Called as ``fn(I, w, G, groups)`` with ``w`` of shape ``(C_out, C_in // groups, k1,
        k2)`` and ``groups`` an int that divides ``C_in`` and ``C_out`` (1, 2, 3, depthwise
        layers among the cases). It must return ``∂L/∂I``, of the input's shape.

    Notes
    -----
    Group :math:`\gamma` holds channels :math:`\gamma C_g .. \gamma C_g + C_g - 1`
    (:math:`C_g = C_\text{in} / \text{groups}`) and filters :math:`\gamma O_g .. \gamma O_g +
    O_g - 1`; a pixel of the group gets its gradient from the group's filters only:

    .. math:: \frac{\partial L}{\partial I}[\nu, \gamma C_g + c] =
        \sum_{o \in \text{group } \gamma} w[o, c] * G[\nu, o]

    Mistakes it names: ``groups_ignored`` (every filter summed for every channel, only the first
    group, or ``C_in // groups`` channels), ``groups_interleaved``, and those of
    :func:`check_grad_input_batch`.

    Examples
    --------
    >>> import convlib
    >>> right = lambda I, w, G, groups: convlib.conv2d_backward(I, w, G, groups=groups).dI
    >>> check_grad_input_groups(right)
    ✓ check_grad_input_groups passed: 7 cases
    """
    return _run(_GROUPS, fn)
