"""Running a network checker and judging an answer: the engine of :mod:`.network`.

Each exercise of :mod:`.network` is an :class:`_Exercise`: its fixed cases, the right answer,
its known-wrong variants and hints. :func:`_run` calls the reader's function on every case,
catches what it does, and :func:`_judge` says what is wrong with an answer, naming a variant's
mistake when the answer is one. Sentences cite equations as ``(eq-label)``; :func:`_result`
turns them into the book's numbers.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._result import CheckResult, _format_number
from .catalogue import MISTAKES
from .diagnosis import _close, _ratio
from .runner import _check_cases

NETWORK_MISTAKES: dict[str, str] = {
    "relu_passes_negative": "ReLU's gradient passed through where the input was negative",
    "relu_masked_by_G": "masked by the sign of G instead of x",
    "relu_times_output": "multiplied by the output instead of the 0/1 mask",
    "relu_at_zero": "a gradient at x = 0",
    "upstream_forgotten": "the upstream gradient G left out",
    "pool_spread": "max-pool gradient spread over the whole window",
    "pool_averaged": "the gradient of average pooling",
    "pool_ties": "a tie broken another way",
    "pool_max_from_zero": "a running maximum that started at 0",
    "pool_remainder": "the leftover rows or columns dropped from the gradient",
    "no_onehot": "softmax gradient without subtracting the one-hot label",
    "mean_forgotten": "the mean's 1/N forgotten",
    "softmax_wrong_axis": "softmax over the batch instead of the classes",
    "overflow": "exp overflowed",
    **{
        key: MISTAKES[key]
        for key in (
            "wrong_sign",
            "wrong_scale",
            "transposed",
            "integer_array",
            "wrong_shape",
            "wrong_type",
            "modified_input",
            "raised",
            "not_written",
            "wrong_values",
            "not_callable",
        )
    },
}
"""Every mistake identifier these checkers can report, with its short name in words."""

_Variant = tuple[str, Callable[[], Any], str]


@dataclass(frozen=True, eq=False)
class _Case:
    label: str
    args: dict[str, Any]  # passed to the reader's function in this order


@dataclass(frozen=True)
class _Exercise:
    name: str
    quantity: str
    call: str
    cases: Callable[[], list[_Case]]
    expected: Callable[[_Case], np.ndarray]
    variants: Callable[[_Case], Iterator[_Variant]]
    shape_rule: Callable[[_Case], str]
    shape_hint: Callable[[_Case, np.ndarray, np.ndarray], tuple[str, str] | None] | None = None
    nonfinite_hint: str = ""


def _same(a: Any, b: Any) -> bool:
    """Whether two real arrays have the same shape and close values, NaN equal to NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=True))


def _run(ex: _Exercise, fn: Any) -> CheckResult:
    return _check_cases(
        ex,
        fn,
        ex.cases(),
        mistakes=NETWORK_MISTAKES,
        args=lambda c: c.args,
        inputs=lambda c: {name: np.copy(v) for name, v in c.args.items()},
        verdict=_judge,
        quiet=True,  # an overflow is named by the verdict, not warned about
        advice="A backward pass must leave its inputs untouched: the layer before still needs "
        "them. Work on a new array (np.zeros(x.shape), G * mask, np.where(...)); G[x <= 0] = 0 "
        "or += change the caller's array.",
    )


def _judge(ex: _Exercise, c: _Case, expected: np.ndarray, got: Any) -> tuple[str, str] | None:
    q, shape = ex.quantity, expected.shape
    if got is None:
        return "wrong_type", (
            f"Your function returned None: did you forget the return statement? {q} is a numpy "
            f"array of shape {shape}."
        )
    if isinstance(got, list | tuple):
        if len(got) == 2 and isinstance(got[1], np.ndarray) and _same(got[1], expected):
            return "wrong_type", (
                f"Your function returned a pair whose second item is the right {q}: return "
                f"{q} alone (nn.softmax_cross_entropy returns (L, G); the exercise asks for G)."
            )
        values = ""
        try:
            if _same(np.array(got, dtype=float), expected):
                values = "; its values are right"
        except (TypeError, ValueError):
            pass
        return "wrong_type", (
            f"Your function returned a {type(got).__name__}, not a numpy array{values}. "
            f"Return a numpy array of shape {shape}."
        )
    if not isinstance(got, np.ndarray) or got.ndim == 0:
        what = (
            "a single number"
            if isinstance(got, numbers.Number | np.generic | np.ndarray)
            else (f"a {type(got).__name__}")
        )
        return "wrong_type", f"Your function returned {what}; {q} is an array of shape {shape}."
    if got.dtype.kind not in "biuf":
        return "wrong_type", (
            f"Your function returned an array of dtype {got.dtype}; {q} is an array of real "
            "numbers (float64)."
        )
    a = got.astype(float)
    if a.shape == shape and _close(a, expected):
        return None
    for mistake, compute, sentence in ex.variants(c):
        try:
            with np.errstate(all="ignore"):
                wrong = compute()
        except Exception:  # a variant that does not exist for this case
            continue
        if not _same(wrong, expected) and _same(a, wrong):
            return mistake, sentence
    if a.ndim == 2 and a.shape == shape[::-1] and _close(a, expected.T) and shape != shape[::-1]:
        return (
            "transposed",
            f"Your {q} is the transpose of the right one: rows and columns swapped.",
        )
    if a.shape != shape:
        found = ex.shape_hint(c, expected, a) if ex.shape_hint is not None else None
        if found is not None:
            return found
        flat = a.size == expected.size and _close(a.reshape(shape), expected)
        extra = " The values are right but laid out in another shape." if flat else ""
        return (
            "wrong_shape",
            f"Your {q} has shape {a.shape} but should have {ex.shape_rule(c)}.{extra}",
        )
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(expected)):
        if ex.nonfinite_hint:
            return "overflow", ex.nonfinite_hint
    if got.dtype.kind in "iu" and (_close(a, np.trunc(expected)) or _close(a, np.round(expected))):
        return "integer_array", (
            f"Your {q} is an integer array (dtype {got.dtype}), so each value was rounded when "
            "stored: create it as floats, e.g. np.zeros(x.shape), not np.zeros_like(...) of an "
            "integer array or dtype=int."
        )
    if expected.size > 1 and np.all(np.isfinite(a)):
        if _close(a, -expected):
            return "wrong_sign", f"Your {q} is the right one with the opposite sign."
        scale = _ratio(expected, a)
        if scale is not None:
            return "wrong_scale", f"Your {q} is the right one multiplied by {scale:.4g}."
    with np.errstate(all="ignore"):
        differs = ~np.isclose(a, expected, rtol=1e-5, atol=1e-8)
    first = tuple(int(p) for p in np.argwhere(differs)[0])
    e, g = _format_number(expected[first]), _format_number(a[first])
    return "wrong_values", (
        f"Your {q} differs from the right one at {int(differs.sum())} of its {differs.size} "
        f"entries; the first is at {first}: expected {e}, got {g}."
    )
