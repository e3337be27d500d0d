"""Running a checker: call the reader's function on every case, catch what it does, judge it."""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..book import cite
from ._cases import _Case, _cases, _Exercise
from ._result import CheckResult
from .catalogue import _CORRELATE2D, _GRAD_B, _GRAD_INPUT, _GRAD_W, MISTAKES
from .diagnosis import _close, _diagnose_array, _diagnose_scalar

__all__ = ["check_correlate2d", "check_grad_b", "check_grad_input", "check_grad_w"]


def _library_dirs() -> tuple[str, ...]:
    """Folders of the libraries a reader's function may call (numpy, scipy, convlib)."""
    convlib_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = [convlib_dir, os.path.dirname(np.__file__)]
    scipy = sys.modules.get("scipy")
    if scipy is not None and getattr(scipy, "__file__", None):
        dirs.append(os.path.dirname(scipy.__file__))
    return tuple(os.path.join(d, "") for d in dirs)


def _exception_text(exc: BaseException) -> str:
    """``Type: message`` plus the last line of the reader's own code that ran, if known."""
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # [0] is the checker's call
    library = _library_dirs()
    own = [f for f in frames if not os.path.abspath(f.filename).startswith(library)]
    if own and own[-1].line:
        text += f" (line {own[-1].lineno}: {own[-1].line.strip()})"
    return text


def _result(**fields: Any) -> CheckResult:
    """Make a :class:`CheckResult` whose message cites equations by the book's numbers."""
    return CheckResult(**{**fields, "message": cite(fields["message"])})


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def _unchanged(copy: np.ndarray, original: np.ndarray) -> bool:
    return copy.shape == original.shape and np.array_equal(copy, original, equal_nan=True)


def _check_cases(
    ex: Any,
    fn: Any,
    cases: Sequence[Any],
    *,
    mistakes: Mapping[str, str],
    args: Callable[[Any], dict[str, Any]],
    verdict: Callable[[Any, Any, Any, Any], tuple[str, str] | None],
    advice: str,
    hint: Callable[[Exception], str] = lambda exc: "",
    detail: Callable[[Any], str] = lambda c: c.label,
    inputs: Callable[[Any], dict[str, Any]] | None = None,
    quiet: bool = False,
) -> CheckResult:
    """Call the reader's ``fn`` on every case, catch what it does, judge it: every checker's loop.

    ``ex`` has the exercise's ``name``, ``quantity``, ``call`` and ``expected(case)``;
    ``args(case)`` gives the arguments in call order (arrays go as copies, and a function that
    changes one fails with ``advice`` after "Your function modified its input ..."); ``verdict(ex,
    case, expected, got)`` is None if ``got`` is right, else ``(mistake, sentence)``;
    ``mistakes`` words the mistakes; ``hint(exc)`` is added when ``fn`` raises; ``detail(case)``
    names the case; ``inputs(case)``, if given, is shown with a failure; ``quiet`` silences
    numpy's floating-point warnings while ``fn`` runs.
    """
    n = len(cases)
    common = {"exercise": ex.name, "n_cases": n, "quantity": ex.quantity}
    if not callable(fn):
        return _result(
            **common,
            passed=False,
            mistake="not_callable",
            message=(
                f"✗ {ex.name}: not a function.\n{ex.name} takes your function itself, "
                f"{ex.name}(my_function), which it calls as {ex.call}; you passed a "
                f"{type(fn).__name__}."
            ),
        )
    for k, c in enumerate(cases, 1):
        originals = args(c)
        copies = {name: _copy(a) for name, a in originals.items()}
        expected = ex.expected(c)
        where = f"case {k} of {n}: {detail(c)}"

        def fail(mistake: str, sentence: str, got: Any, where=where, c=c, expected=expected):
            shown = {} if inputs is None else {"inputs": inputs(c)}
            return _result(
                **common,
                passed=False,
                message=f"✗ {ex.name} failed: {mistakes[mistake]} ({where}).\n{sentence}",
                mistake=mistake,
                case=c.label,
                **shown,
                expected=expected,
                got=got,
            )

        try:
            with np.errstate(all="ignore") if quiet else contextlib.nullcontext():
                got = fn(*copies.values())
        except NotImplementedError:
            return _result(
                **common,
                passed=False,
                mistake="not_written",
                message=f"… {ex.name}: {MISTAKES['not_written']}.\nYour function raised "
                "NotImplementedError: write its body, then run this cell again.",
            )
        except Exception as exc:
            return fail(
                "raised",
                f"Called as {ex.call}, your function raised {_exception_text(exc)}.{hint(exc)}",
                None,
            )
        modified = [
            name
            for name, a in originals.items()
            if isinstance(a, np.ndarray) and not _unchanged(copies[name], a)
        ]
        found = _judged(verdict, ex, c, expected, got)
        if modified:
            names = " and ".join(modified)
            also = "" if found is None else f" (and its answer is wrong: {mistakes[found[0]]})"
            return fail(
                "modified_input", f"Your function modified its input {names}{also}. {advice}", got
            )
        if found is not None:
            return fail(*found, got)
    return _result(**common, passed=True, message=f"✓ {ex.name} passed: {n} cases")


def _judged(verdict: Callable, ex: Any, c: Any, expected: Any, got: Any) -> tuple[str, str] | None:
    """``verdict(ex, c, expected, got)``, or ``wrong_type`` if ``got`` cannot be compared."""
    try:
        return verdict(ex, c, expected, got)
    except Exception as exc:  # a strange object: report it rather than raise
        return "wrong_type", (
            f"Your function returned a {type(got).__name__} that could not be compared with "
            f"the expected answer ({_exception_text(exc)})."
        )


def _run_hint(ex: _Exercise, exc: Exception) -> str:
    if isinstance(exc, IndexError):
        return f" An index ran past the end of an array: check the loop bounds. {ex.bounds}"
    if "must fit" in str(exc):
        return (
            " correlate2d(I, w) slides its second argument over its first: check the "
            "order of the arguments."
        )
    return ""


def _run(ex: _Exercise, fn: Any) -> CheckResult:
    return _check_cases(
        ex,
        fn,
        _cases(),
        mistakes=MISTAKES,
        args=lambda c: {name: getattr(c, name) for name in ex.args},
        inputs=lambda c: {name: getattr(c, name).copy() for name in ex.args},
        verdict=_verdict,
        hint=lambda exc: _run_hint(ex, exc),
        advice="A layer must leave its inputs untouched: the caller still needs them. Work on "
        "a copy (e.g. w[::-1, ::-1] or np.pad(...) make new arrays; w[:] = ... or += change "
        "the caller's array).",
    )


def _verdict(ex: _Exercise, c: _Case, expected: Any, got: Any) -> tuple[str, str] | None:
    """None if ``got`` is right, else (mistake, sentence); it may raise on a strange ``got``."""
    if ex.scalar:
        right = (
            isinstance(got, numbers.Real | np.floating | np.integer)
            and not isinstance(got, bool | np.bool_)
        ) or (isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in "iuf")
        if right and _close(float(got), expected):
            return None
        return _diagnose_scalar(ex, c, expected, got)
    if (
        isinstance(got, np.ndarray)
        and got.dtype.kind in "iuf"
        and got.shape == expected.shape
        and _close(got, expected)
    ):
        return None
    return _diagnose_array(ex, c, expected, got)


def check_correlate2d(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check the reader's cross-correlation ``fn(I, w) -> w ⊗ I``, (1.2) without bias.

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(I, w)`` with ``I`` of shape ``[H, W]`` and
        ``w`` of shape ``[k1, k2]`` (float64 arrays, fresh copies for each call). It must
        return ``w ⊗ I`` as an array of shape ``[H - k1 + 1, W - k2 + 1]``, without bias.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it and the
        failing case (inputs, expected, got) is shown.

    Notes
    -----
    The right answer, ``convlib.correlate2d(I, w)``:

    .. math:: \hat Y(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i+m, j+n)\, w(m, n)

    Classic mistakes it names: ``kernel_rotated`` (a convolution), ``roles_swapped``,
    ``padding_added``, ``off_by_one``, ``mean_not_sum``, ``stray_constant`` (a bias or
    another constant added), ``transposed``, ``border_wrong``, ``integer_array``.

    Examples
    --------
    >>> import convlib
    >>> check_correlate2d(convlib.correlate2d)
    ✓ check_correlate2d passed: 9 cases
    >>> check_correlate2d(lambda I, w: convlib.correlate2d(I, w) + 1.0).mistake
    'stray_constant'
    """
    return _run(_CORRELATE2D, fn)


def check_grad_w(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check the reader's kernel gradient ``fn(I, w, G) -> ∂L/∂w = G ⊗ I``, (2.3).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(I, w, G)`` with the input ``I`` ``[H, W]``,
        the kernel ``w`` ``[k1, k2]`` and the upstream gradient ``G = ∂L/∂Ŷ``
        ``[H - k1 + 1, W - k2 + 1]``. It must return ``∂L/∂w``, of shape ``[k1, k2]``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G).dw``:

    .. math:: \frac{\partial L}{\partial w(m, n)} = \sum_{i=0}^{H-k_1}
        \sum_{j=0}^{W-k_2} I(i+m, j+n)\, G(i, j)

    Classic mistakes it names: ``kernel_range_sum`` (the notes' slip: ``i < k1``,
    ``j < k2``), ``kernel_rotated``, ``roles_swapped`` (``I ⊗ G``), ``off_by_one``,
    ``mean_not_sum``, ``padding_added``, ``transposed``, ``wrong_sign``,
    ``stray_constant``.

    Examples
    --------
    >>> import convlib
    >>> check_grad_w(lambda I, w, G: convlib.correlate2d(I, G))
    ✓ check_grad_w passed: 9 cases
    """
    return _run(_GRAD_W, fn)


def check_grad_b(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float]) -> CheckResult:
    r"""Check the reader's bias gradient ``fn(I, w, G) -> ∂L/∂b = Σ_i Σ_j G(i, j)``, (2.4).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(I, w, G)`` (see :func:`check_grad_w`). It
        must return one real number (a Python or numpy scalar).

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G).db``:

    .. math:: \frac{\partial L}{\partial b} = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2} G(i, j)

    Classic mistakes it names: ``mean_not_sum``, ``array_not_scalar`` (e.g.
    ``G.sum(axis=0)``), ``kernel_range_sum``, ``off_by_one``, ``roles_swapped`` (summing
    ``I`` or ``w``), ``wrong_sign``.

    Examples
    --------
    >>> check_grad_b(lambda I, w, G: G.sum(axis=0)).mistake
    'array_not_scalar'
    """
    return _run(_GRAD_B, fn)


def check_grad_input(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    r"""Check the reader's input gradient ``fn(I, w, G) -> ∂L/∂I = w * G``, (3.4).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(I, w, G)`` (see :func:`check_grad_w`). It
        must return ``∂L/∂I``, of the image's shape ``[H, W]``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.conv2d_backward(I, w, G).dI``, a full convolution, equal to
    the cross-correlation of the zero-padded ``G`` with the rotated kernel, (4.3):

    .. math:: \frac{\partial L}{\partial I(i', j')} = \sum_{m=0}^{k_1-1}
        \sum_{n=0}^{k_2-1} G(i'-m, j'-n)\, w(m, n)

    with ``G`` taken as 0 outside its range. Classic mistakes it names:
    ``kernel_not_rotated``, ``one_mirror`` (``np.fliplr(w)``, ``np.flipud(w)`` or ``w.T``
    where ``rot180(w)`` belongs), ``no_zero_padding`` (a 'valid' shape, or padding with
    something other than zeros), ``pad_width`` (``k`` zeros instead of ``k - 1``, or the
    widths swapped), ``g_rotated``, ``border_wrong`` (e.g. negative indices wrapping around),
    ``roles_swapped`` (``I`` where ``G`` belongs), ``off_by_one``, ``transposed``,
    ``wrong_sign``, ``stray_constant``.

    Examples
    --------
    >>> import convlib
    >>> check_grad_input(lambda I, w, G: convlib.convolve2d(G, w, mode="full"))
    ✓ check_grad_input passed: 9 cases
    """
    return _run(_GRAD_INPUT, fn)
