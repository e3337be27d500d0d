"""Diagnosis: what is wrong with an answer, in words, naming the classic mistake if it is one."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import ops
from ._cases import _Case, _Exercise
from ._result import _format, _format_number
from .catalogue import _SHORT

RTOL, ATOL = 1e-5, 1e-8
"""An answer is right when it is within ``ATOL + RTOL * |expected|`` entry by entry."""


def _close(a: Any, b: Any) -> bool:
    """Whether two real arrays (or numbers) have the same shape and close values."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _variant_match(ex: _Exercise, c: _Case, expected: Any, got: Any) -> tuple[str, str] | None:
    """Return (mistake, sentence) of the first known-wrong variant that ``got`` matches."""
    for mistake, compute, sentence in ex.variants(c):
        try:
            with np.errstate(all="ignore"):
                wrong = compute()
        except Exception:  # a variant that does not exist for this shape
            continue
        if not _close(wrong, expected) and _close(got, wrong):
            return mistake, sentence
    return None


def _describe_position(pos: tuple[int, ...], expected: np.ndarray, got: np.ndarray) -> str:
    e, g = _format_number(expected[pos]), _format_number(got[pos])
    note = " (NaN: was the array created with np.empty?)" if np.isnan(got[pos]) else ""
    return f"at {tuple(int(p) for p in pos)}: expected {e}, got {g}{note}"


def _diagnose_array(ex: _Exercise, c: _Case, expected: np.ndarray, got: Any) -> tuple[str, str]:
    """Name what is wrong with an array answer ``got`` (known to be wrong)."""
    q = ex.quantity
    if isinstance(got, list | tuple):
        try:
            as_array = np.array(got, dtype=float)
        except (TypeError, ValueError):
            as_array = None
        right = as_array is not None and _close(as_array, expected)
        values = "; its values are right" if right else ""
        return "wrong_type", (
            f"Your function returned a {type(got).__name__}, not a numpy array{values}. "
            f"Return a numpy array of shape {expected.shape}, e.g. np.array(...)."
        )
    if got is None:
        return "wrong_type", (
            f"Your function returned None: did you forget the return statement? {q} is a "
            f"numpy array of shape {expected.shape}."
        )
    if isinstance(got, numbers.Number | np.generic) or (
        isinstance(got, np.ndarray) and got.ndim == 0
    ):
        return "wrong_type", (
            f"Your function returned a single number, {_format(got)}, but {q} is an array of "
            f"shape {expected.shape}: {ex.shape_rule(c)}."
        )
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
        with np.errstate(all="ignore"):
            if _close(got, np.trunc(expected)) or _close(got, np.round(expected)):
                return "integer_array", (
                    f"Your {q} is an integer array (dtype {got.dtype}), so each value was "
                    "rounded to an integer when stored: create the output as floats, e.g. "
                    "np.zeros(shape), not np.zeros(shape, dtype=int)."
                )
    found = _variant_match(ex, c, expected, got)
    if found is not None:
        return found
    if got.ndim == 2 and _close(got, expected.T):
        return "transposed", (
            f"Your {q} is the transpose of the right one: rows and columns are swapped. The "
            "first index is the row (i, m or i'), the second the column (j, n or j')."
        )
    if got.shape != expected.shape:
        return _diagnose_shape(ex, c, expected, got)
    return _diagnose_values(ex, c, expected, got)


def _diagnose_shape(ex: _Exercise, c: _Case, expected: np.ndarray, got: np.ndarray):
    q = ex.quantity
    if got.ndim == 2:
        r, s = got.shape
        R, S = expected.shape
        if (R - r, S - s) in {(1, 0), (0, 1), (1, 1)} and _close(got, expected[:r, :s]):
            return "off_by_one", (
                f"Your {q} has shape {got.shape} but should have {expected.shape}: it is one "
                f"row or column short, and the rest is right. {ex.bounds}"
            )
    if ex.shape_hint is not None:
        found = ex.shape_hint(c, got.shape, expected.shape)
        if found is not None:
            return found
    extra = ""
    if got.size == expected.size and _close(got.reshape(expected.shape), expected):
        extra = " The values are right but laid out flat: keep the 2-D shape."
    return "wrong_shape", (
        f"Your {q} has shape {got.shape} but should have {ex.shape_rule(c)}.{extra}"
    )


def _border_mask(ex: _Exercise, c: _Case, shape: tuple[int, ...]) -> np.ndarray:
    """Border entries of the answer: clipped regions, (3.1), for ∂L/∂I, the outer ring else."""
    border = np.zeros(shape, dtype=bool)
    if ex.quantity == "∂L/∂I":
        k1, k2 = c.w.shape
        for ip in range(shape[0]):
            for jp in range(shape[1]):
                border[ip, jp] = ops.affected_region(ip, jp, c.I.shape, c.w.shape).size < k1 * k2
    else:
        border[[0, -1], :] = True
        border[:, [0, -1]] = True
    return border


def _diagnose_values(ex: _Exercise, c: _Case, expected: np.ndarray, got: np.ndarray):
    q = ex.quantity
    got = got.astype(float)
    with np.errstate(all="ignore"):
        differs = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
        diff = got - expected
    first = tuple(int(p) for p in np.argwhere(differs)[0])
    where = _describe_position(first, expected, got)
    if got.ndim == 2:
        for (rows, cols), what in _SHORT.items():
            keep = np.ones(expected.shape, dtype=bool)
            if rows:
                keep[-1, :] = False
            if cols:
                keep[:, -1] = False
            if (
                keep.any()
                and not differs[keep].any()
                and np.all(got[~keep] == 0)
                and differs[~keep].any()
            ):
                return "off_by_one", (
                    f"Your {q} is right except its {what}, which is still 0: a loop stops "
                    f"one short. {ex.bounds}"
                )
    if expected.size > 1 and np.all(np.isfinite(got)):
        if _close(got, -expected):
            return "wrong_sign", f"Your {q} is the right one with the opposite sign."
        offset = float(np.mean(diff))
        if _close(diff, np.full(diff.shape, offset)):
            return "stray_constant", (
                f"Every entry of your {q} is off by the same constant, {offset:+.4g}: "
                f"something adds a stray constant.{ex.constant_hint}"
            )
        scale = _ratio(expected, got)
        if scale is not None:
            return "wrong_scale", f"Your {q} is the right one multiplied by {scale:.4g}."
    border = _border_mask(ex, c, expected.shape)
    if (~border).any() and not differs[~border].any():
        n_wrong = int(differs[border].sum())
        return "border_wrong", (
            f"Your {q} is right in the interior but wrong on the border: {n_wrong} of its "
            f"{int(border.sum())} border entries differ, the first {where}. " + ex.border_hint
        ).rstrip()
    return "wrong_values", (
        f"Your {q} differs from the right one at {int(differs.sum())} of its {differs.size} "
        f"entries; the first is {where}."
    )


def _ratio(expected: np.ndarray, got: np.ndarray) -> float | None:
    """Return the constant factor ``s`` with ``got == s * expected``, if there is one."""
    big = np.argmax(np.abs(expected))
    if expected.flat[big] == 0:
        return None
    s = float(got.flat[big] / expected.flat[big])
    if s in (0.0, 1.0) or not _close(got, s * expected):
        return None
    return s


def _diagnose_scalar(ex: _Exercise, c: _Case, expected: float, got: Any) -> tuple[str, str]:
    q = ex.quantity
    if got is None:
        return "wrong_type", (
            f"Your function returned None: did you forget the return statement? {q} is a "
            "single number."
        )
    if isinstance(got, list | tuple) or (isinstance(got, np.ndarray) and got.ndim > 0):
        return "array_not_scalar", _array_not_scalar(ex, c, expected, got)
    if isinstance(got, bool | np.bool_) or not isinstance(got, numbers.Real | np.ndarray):
        return "wrong_type", (
            f"Your function returned a {type(got).__name__}, {_format(got)}; {q} is a single "
            "real number."
        )
    if isinstance(got, np.ndarray) and got.dtype.kind not in "iuf":
        return "wrong_type", (
            f"Your function returned an array of dtype {got.dtype}; {q} is a single real number."
        )
    value = float(got)
    found = _variant_match(ex, c, expected, value)
    if found is not None:
        return found
    return "wrong_values", (
        f"Your {q} is {_format_number(value)} but should be {_format_number(expected)}."
    )


def _array_not_scalar(ex: _Exercise, c: _Case, expected: float, got: Any) -> str:
    G = c.G
    kind = "an array" if isinstance(got, np.ndarray) else f"a {type(got).__name__}"
    head = f"Your function returned {kind}"
    try:
        a = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        a = None
    rule = (
        f"but {ex.quantity} is a single number, one for the single bias, equation (eq-count): "
        "sum G over both axes, e.g. G.sum(), not G.sum(axis=0)."
    )
    if a is None:
        return f"{head}, {rule}"
    if a.size == 1 and _close(a.reshape(()), expected):
        return (
            f"{head} of shape {a.shape} holding the right value; {ex.quantity} is a single "
            "number: return float(...) or the sum itself."
        )
    for axis in (0, 1):
        if _close(a, G.sum(axis=axis)):
            per = "per column" if axis == 0 else "per row"
            return (
                f"{head} of shape {a.shape}, the sums of G {per} (G.sum(axis={axis})): you "
                f"summed over one axis only. {ex.quantity} is a single number: sum over both "
                "axes, Σ_i Σ_j G(i, j), equation (eq-db), e.g. G.sum()."
            )
    if _close(a, G):
        return f"{head}: G itself, not summed; {rule}"
    return f"{head} of shape {a.shape}, {rule}"
