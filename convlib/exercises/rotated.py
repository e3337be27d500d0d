r"""Exercise 4.1: ∂L/∂I with the forward pass's own tools, and a checker that can tell.

Equation (4.3) computes the input gradient with the operation of the forward pass,
``correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w))``. :func:`check_grad_input_rot` checks a
reader's ``fn(w, G)`` that is meant to compute it with those three functions of convlib and
nothing else, and it can tell whether it did:

- it reads the function's code, and refuses explicit loops (``for``, ``while``, a
  comprehension) and calls to a convolution (``convolve2d``, ``np.convolve``, ``fftconvolve``,
  ``oaconvolve``): they compute (3.4) some other way;
- it runs the function with ``correlate2d``, ``rot180`` and ``zero_pad`` instrumented, wherever
  the reader's code finds them (its module's names, a closure, ``convlib.`` or ``convlib.ops.``),
  and follows the arrays: every array handed to one of them must be ``w``, ``G`` or what one of
  them returned, ``correlate2d`` must be among them, and the answer must be what one of them
  returned. A kernel flipped with numpy slicing or ``G`` padded with ``np.pad`` is named;
- it compares the answer with the right one on the cases of the other checkers and names the
  classic mistake, as :func:`~convlib.exercises.check_grad_input` does: a kernel mirrored once
  (``np.fliplr``, ``np.flipud``, ``w.T``), padding by ``k`` instead of ``k - 1``, ``G`` rotated
  instead of the kernel, the kernel not rotated at all.
"""

from __future__ import annotations

import dis
import functools
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import ops
from ._cases import _cases
from ._result import CheckResult
from .catalogue import _GRAD_INPUT, MISTAKES
from .runner import _result, _run

__all__ = ["TOOLS", "check_grad_input_rot"]

TOOLS = ("correlate2d", "rot180", "zero_pad")
"""The three functions of :mod:`convlib.ops` that exercise 4.1 may use."""

_CONVOLUTIONS = ("convolve2d", "convolve", "fftconvolve", "oaconvolve")
_AS_RUN = {"not_written", "not_callable", "raised"}  # reported as the runner words them

_EXERCISE = replace(_GRAD_INPUT, name="check_grad_input_rot", call="fn(w, G)", args=("w", "G"))


@dataclass(frozen=True)
class _Call:
    name: str
    arrays: tuple[np.ndarray, ...]
    result: Any


@dataclass
class _Run:
    """One call of the reader's function: its inputs, the tools it called, its answer."""

    w: np.ndarray
    G: np.ndarray
    calls: list[_Call]
    got: Any = None


class _Recorder:
    """Wrap the tools so that each call made by the reader's code (not by convlib) is kept."""

    def __init__(self) -> None:
        self.calls: list[_Call] = []
        self._depth = 0

    def wrap(self, name: str, original: Callable) -> Callable:
        @functools.wraps(original)
        def recorded(*args, **kwargs):
            self._depth += 1
            try:
                result = original(*args, **kwargs)
            finally:
                self._depth -= 1
            if self._depth == 0:
                arrays = tuple(
                    np.array(a) for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)
                )
                kept = np.array(result) if isinstance(result, np.ndarray) else result
                self.calls.append(_Call(name, arrays, kept))
            return result

        return recorded


@contextmanager
def _instrumented(fn: Callable, recorder: _Recorder) -> Iterator[None]:
    """Replace the tools by recorded ones wherever ``fn`` can reach them; restore them after."""
    originals = {name: getattr(ops, name) for name in TOOLS}
    wrapped = {name: recorder.wrap(name, f) for name, f in originals.items()}
    undo: list[Callable[[], None]] = []

    def patch(namespace: dict) -> None:
        for key, value in list(namespace.items()):
            for name, original in originals.items():
                if value is original:
                    namespace[key] = wrapped[name]
                    undo.append(lambda ns=namespace, k=key, v=value: ns.__setitem__(k, v))

    package = sys.modules[__package__.rpartition(".")[0]]  # convlib
    namespaces = [vars(package), vars(ops), getattr(fn, "__globals__", {})]
    for namespace in {id(ns): ns for ns in namespaces}.values():
        patch(namespace)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        for name, original in originals.items():
            if value is original:
                cell.cell_contents = wrapped[name]
                undo.append(lambda c=cell, v=value: setattr(c, "cell_contents", v))
    try:
        yield
    finally:
        for restore in reversed(undo):
            restore()


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _static_problem(fn: Callable) -> str | None:
    """Name a loop or a convolution in the reader's code, if it has one."""
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None), "__code__", None)
    if code is None:
        return None
    codes = list(_code_objects(code))
    names = {name for c in codes for name in c.co_names}
    for name in _CONVOLUTIONS:
        if name in names:
            return (
                f"Your function calls {name}: that computes the convolution (eq-di) directly. "
                "This exercise computes it the forward pass's way, equation (eq-di-rot): a "
                "cross-correlation (correlate2d) of the zero-padded G (zero_pad) with the "
                "rotated kernel (rot180)."
            )
    looping = any(
        ins.opname == "FOR_ITER" or "BACKWARD" in ins.opname  # 3.11: POP_JUMP_BACKWARD_IF_...
        for c in codes
        for ins in dis.get_instructions(c)
    )
    if looping:
        return (
            "Your function runs an explicit loop (for, while or a comprehension). This "
            "exercise computes ∂L/∂I without one: equation (eq-di-rot) is one cross-correlation, "
            "correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w)), and correlate2d does all the "
            "sums."
        )
    return None


def _same(a: Any, b: Any) -> bool:
    return (
        isinstance(a, np.ndarray)
        and isinstance(b, np.ndarray)
        and a.shape == b.shape
        and bool(np.array_equal(a, b))
    )


def _stray(name: str, a: np.ndarray, run: _Run) -> str:
    """Say where an array handed to a tool came from, when it is not w, G or a tool's result."""
    w, G = run.w, run.G
    k1, k2 = w.shape
    if _same(a, w[::-1, ::-1]) and not _same(w, w[::-1, ::-1]):
        return (
            f"{name} was given the kernel rotated by numpy (w[::-1, ::-1] or np.flip), not by "
            "rot180. The result is right; the exercise is to rotate with rot180(w), the notes' "
            "Q → Q*, equation (eq-rot180)."
        )
    if _same(a, np.pad(G, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))) and (k1, k2) != (1, 1):
        return (
            f"{name} was given G padded by numpy (np.pad), not by zero_pad. The result is "
            "right; the exercise is to pad with zero_pad(G, k1 - 1, k2 - 1), equation "
            "(eq-di-rot)."
        )
    return (
        f"{name} was given an array of shape {a.shape} that is neither w, nor G, nor what "
        "correlate2d, rot180 or zero_pad returned: it was made some other way. Build ∂L/∂I "
        "from w and G with the three functions only, equation (eq-di-rot)."
    )


def _provenance_problem(run: _Run) -> str | None:
    """Check that the answer was built from w and G by the three tools alone."""
    known = [run.w, run.G]
    for call in run.calls:
        for a in call.arrays:
            if not any(_same(a, k) for k in known):
                return _stray(call.name, a, run)
        known.append(call.result)
    used = {call.name for call in run.calls}
    if "correlate2d" not in used:
        return (
            "Your ∂L/∂I is right, but correlate2d was never called"
            + (f" (only {' and '.join(sorted(used))})" if used else "")
            + ": the exercise is to let the forward pass's own operation do the sums, "
            "correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w)), equation (eq-di-rot)."
        )
    if not any(_same(run.got, call.result) for call in run.calls):
        return (
            "Your ∂L/∂I is right, but it is not what correlate2d (or rot180, or zero_pad) "
            "returned: it was changed or rebuilt afterwards. Return the cross-correlation "
            "itself, equation (eq-di-rot)."
        )
    return None


def _fail(sentence: str, run: _Run, n: int, k: int = 0) -> CheckResult:
    case = _cases()[k]
    where = f"case {k + 1} of {n}: {case.label}"
    return _result(
        exercise=_EXERCISE.name,
        passed=False,
        message=f"✗ {_EXERCISE.name} failed: {MISTAKES['not_forward_op']} ({where}).\n{sentence}",
        mistake="not_forward_op",
        n_cases=n,
        case=case.label,
        inputs={"w": case.w.copy(), "G": case.G.copy()},
        expected=_EXERCISE.expected(case),
        got=run.got,
        quantity=_EXERCISE.quantity,
    )


def check_grad_input_rot(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check ``fn(w, G) -> ∂L/∂I`` computed as (4.3), with correlate2d, rot180 and zero_pad only.

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(w, G)`` with the kernel ``w`` ``[k1, k2]`` and
        the upstream gradient ``G = ∂L/∂Ŷ`` ``[H', W']`` (fresh copies for each call). It must
        return ``∂L/∂I`` ``[H' + k1 - 1, W' + k2 - 1]``, the image's shape, built with
        :func:`convlib.correlate2d`, :func:`convlib.rot180` and :func:`convlib.zero_pad` and
        nothing else: no loops, no convolution.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a failure, ``.mistake`` names it (``not_forward_op``
        when the answer was not built with the three functions) and the failing case is shown.

    Notes
    -----
    The right answer, a cross-correlation of the zero-padded ``G`` with the rotated kernel:

    .. math:: \frac{\partial L}{\partial I} = \mathrm{rot180}(w) \otimes \mathrm{pad}(G),
        \qquad \frac{\partial L}{\partial I(i', j')} = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1}
        \mathrm{pad}(G)(i' + m, j' + n)\, w(k_1 - 1 - m, k_2 - 1 - n)

    The answer is compared with ``convlib.conv2d_backward(I, w, G).dI`` on the cases of the
    other checkers, and the classic mistakes of :func:`~convlib.exercises.check_grad_input`
    are named (``one_mirror``, ``pad_width``, ``g_rotated``, ``kernel_not_rotated``,
    ``no_zero_padding``...). Then the function's code is read (loops and convolutions are
    refused) and its calls of the three functions are followed (see the module's docstring).

    Examples
    --------
    >>> from convlib import correlate2d, rot180, zero_pad
    >>> def grad_input_rot(w, G):
    ...     k1, k2 = w.shape
    ...     return correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w))
    >>> check_grad_input_rot(grad_input_rot)
    ✓ check_grad_input_rot passed: 9 cases
    >>> import scipy.signal
    >>> check_grad_input_rot(lambda w, G: scipy.signal.convolve2d(G, w)).mistake
    'not_forward_op'
    """
    runs: list[_Run] = []

    def traced(w: np.ndarray, G: np.ndarray) -> Any:
        recorder = _Recorder()
        run = _Run(w.copy(), G.copy(), recorder.calls)
        runs.append(run)
        with _instrumented(fn, recorder):
            run.got = fn(w, G)
        return run.got

    if not callable(fn):
        return _run(_EXERCISE, fn)
    values = _run(_EXERCISE, traced)
    if values.mistake in _AS_RUN:
        return values
    static = _static_problem(fn)
    if static is not None:
        note = (
            " Its answers are right."
            if values.passed
            else (f" Its answer is also wrong: {MISTAKES[values.mistake]}.")
        )
        return _fail(static + note, runs[0], values.n_cases)
    if not values.passed:
        return values
    for k, run in enumerate(runs):
        problem = _provenance_problem(run)
        if problem is not None:
            return _fail(problem, run, values.n_cases, k)
    return values
