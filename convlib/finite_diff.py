r"""Gradient checking by central differences (:func:`gradcheck`), for tests and the chapters.

The module is ``convlib.finite_diff``; the function is ``convlib.gradcheck``, so that
``import convlib.finite_diff`` and ``from convlib import gradcheck`` never shadow each other.

A claimed gradient :math:`\partial f / \partial x` is compared entry by entry with

.. math::

    \frac{f(x + \varepsilon e_k) - f(x - \varepsilon e_k)}{2 \varepsilon},

with a step and tolerances scaled to the problem: the size of ``x``, the size of the terms
``f`` adds up, and the precision ``f`` computes in. The result shows the analytic value beside
the numeric one, so a failing check says where and by how much.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_nonnegative, as_real_array

__all__ = ["GradcheckResult", "gradcheck"]

_MAX_ROWS = 20  # entries shown in the repr; the largest errors first when there are more
_NOISE_MARGIN = 4.0  # atol, in estimated rounding errors (the largest seen was 0.37 of one)


@dataclass(frozen=True, repr=False, eq=False)
class GradcheckResult:
    r"""What :func:`gradcheck` found. ``bool(result)`` is ``result.passed``.

    Attributes
    ----------
    passed : bool
        Whether every entry satisfies ``|analytic - numeric| <= atol + rtol * |numeric|``
        (NaN never does).
    analytic : ndarray
        The claimed gradient, as float64, shape of ``x`` (0-d for a scalar ``x``).
    numeric : ndarray
        The central differences, same shape.
    max_abs_error : float
        :math:`\max |a - n|` over the entries.
    max_rel_error : float
        :math:`\max |a - n| / \max(|a|, |n|)` over the entries (0 where both are 0).
    eps, rtol, atol : float
        The settings used (chosen by :func:`gradcheck` unless given).
    precision : str
        The dtype ``f`` returns, ``"float64"`` or ``"float32"`` (``"float16"``): it sets how
        finely the differences resolve a derivative.
    noise : float
        The estimated rounding error of one numeric derivative, :math:`u F / \varepsilon`.
    """

    passed: bool
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    eps: float
    rtol: float
    atol: float
    precision: str = "float64"
    noise: float = 0.0

    def __bool__(self) -> bool:
        return self.passed

    @property
    def note(self) -> str:
        """A sentence on what limits the check when ``f`` is not computed in float64, else ""."""
        if self.precision == "float64":
            return ""
        text = (
            f"f returns {self.precision}: its rounding limits each numeric derivative to about "
            f"{self.noise:.2g}, so this check is coarse"
        )
        if not self.passed:
            text += (
                "; precision, not the gradient, is the likely cause of the failure: evaluate f "
                "in float64 to check the gradient"
            )
        return text + "."

    def _rows(self):
        """(index, analytic, numeric, abs error, fails) for the entries to show."""
        a, n = np.atleast_1d(self.analytic), np.atleast_1d(self.numeric)
        error = np.abs(a - n)
        fails = ~(error <= self.atol + self.rtol * np.abs(n))
        indices = list(np.ndindex(a.shape))
        order = range(len(indices))
        if len(indices) > _MAX_ROWS:  # the worst first; NaN errors count as the worst
            order = np.argsort(-np.nan_to_num(error.ravel(), nan=np.inf), kind="stable")
            order = order[:_MAX_ROWS]
        for k in order:
            index = indices[k] if self.analytic.ndim else "()"
            yield index, a.flat[k], n.flat[k], error.flat[k], fails.flat[k]

    def _summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        text = (
            f"gradcheck {verdict}: max abs error {self.max_abs_error:.3g}, "
            f"max rel error {self.max_rel_error:.3g} "
            f"(rtol={self.rtol:.2g}, atol={self.atol:.2g}, eps={self.eps:.2g})"
        )
        return f"{text}\n{self.note}" if self.note else text

    def _hidden(self) -> int:
        return max(0, self.analytic.size - _MAX_ROWS)

    def __repr__(self) -> str:
        lines = [self._summary()]
        if self._hidden():
            lines.append(f"the {_MAX_ROWS} largest errors of {self.analytic.size} entries:")
        lines.append(f"{'index':>10}  {'analytic':>16}  {'numeric':>16}  {'abs error':>9}")
        for index, a, n, error, fails in self._rows():
            mark = "  <- fails" if fails else ""
            lines.append(f"{index!s:>10}  {a:>16.9e}  {n:>16.9e}  {error:>9.2e}{mark}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("index", "analytic", "numeric", "abs error"))
        rows = []
        for index, a, n, error, fails in self._rows():
            style = ' style="color: #b00020; font-weight: bold"' if fails else ""
            cells = f"<td>{html.escape(str(index))}</td><td>{a:.9e}</td><td>{n:.9e}</td>"
            rows.append(f"<tr{style}>{cells}<td>{error:.2e}</td></tr>")
        note = f"<p>the {_MAX_ROWS} largest errors shown</p>" if self._hidden() else ""
        summary = "<br>".join(html.escape(line) for line in self._summary().splitlines())
        return (
            f"<p>{summary}</p>{note}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


def gradcheck(f, x, grad, *, eps=None, rtol=None, atol=None):
    r"""Compare a claimed gradient with central finite differences, entry by entry.

    Parameters
    ----------
    f : callable
        The scalar function, ``f(x) -> float``. For an array ``x`` it is called with float64
        arrays of ``x``'s shape, for a scalar ``x`` with Python floats.
    x : array_like or float
        The point at which to check. It is not modified.
    grad : array_like or float
        The claimed (analytic) gradient :math:`\partial f / \partial x` at ``x``, with the shape
        of ``x``.
    eps : float, optional
        The step :math:`\varepsilon`. By default :math:`u^{1/3} \max(1, \operatorname{rms}(x))`,
        which balances truncation against rounding; :math:`u` is the unit roundoff of the dtype
        ``f`` returns (``2.2e-16`` for float64).
    rtol, atol : float, optional
        An entry passes when :math:`|a - n| \le \text{atol} + \text{rtol}\, |n|` for analytic
        :math:`a` and numeric :math:`n`. By default ``atol`` is four times the estimated
        rounding error of one numeric derivative (see Notes) and ``rtol`` is
        :math:`\max(10^{-7}, 10\, u^{2/3})`: ``1e-7`` in float64, ``1.5e-4`` in float32.

    Returns
    -------
    GradcheckResult
        ``.passed``, ``.analytic``, ``.numeric``, ``.max_abs_error``, ``.max_rel_error``, the
        settings, ``.precision`` and ``.noise``. Its repr (and in Jupyter its HTML) shows
        analytic beside numeric and, when ``f`` returns float32, says that precision limits the
        check. ``bool(result)`` is ``result.passed``, so ``assert result, str(result)`` fails
        with that table as the message.

    Raises
    ------
    ValueError
        If ``grad`` does not have the shape of ``x``, if ``f`` does not return a scalar, or if
        ``eps``, ``rtol``, ``atol`` are not positive / non-negative.
    TypeError
        If ``x``, ``grad`` or the value of ``f`` is not real.

    Notes
    -----
    For each entry :math:`x_k` of :math:`x`,

    .. math::

        \frac{\partial f}{\partial x_k} \approx
        \frac{f(x + \varepsilon e_k) - f(x - \varepsilon e_k)}{2 \varepsilon},

    whose truncation error is of order :math:`\varepsilon^2 f'''` and whose rounding error is
    about :math:`u F / \varepsilon`, where :math:`F` is the size of the terms ``f`` adds up. The
    check estimates :math:`F = \max(|f(x)|, \sum_k |x_k n_k|)` from the numeric gradient
    :math:`n` (for an ``f`` linear in :math:`x`, as :math:`L = \sum G \odot \hat{Y}` is in each
    argument, the second is exactly the sum of the magnitudes of its terms). So a large layer's
    correct gradient passes, 96×96 images with 31×31 kernels included, while a rotated kernel
    gradient, a correlation where a convolution belongs, or one entry wrong by :math:`10^{-4}`
    of its size still fail. In float32 the rounding is :math:`2^{29}` times coarser and the
    result says so. NaN in either value makes the entry fail.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import gradcheck
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> result = gradcheck(lambda x: np.sum(x**2), x, 2 * x)
    >>> bool(result)
    True

    A wrong gradient fails, and the result says where:

    >>> result = gradcheck(lambda x: np.sum(x**2), x, [2.0, 4.0, 7.0])
    >>> bool(result)
    False
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    gradcheck FAILED: max abs error 1, max rel error 0.143 (rtol=1e-07, atol=..., eps=...)
         index          analytic           numeric  abs error
          (0,)   2.000000000e+00   2.000000000e+00   ...
          (1,)   4.000000000e+00   4.000000000e+00   ...
          (2,)   7.000000000e+00   6.000000000e+00   1.00e+00  <- fails
    """
    x = as_real_array(x, "x")
    analytic = as_real_array(grad, "grad")
    if analytic.shape != x.shape:
        raise ValueError(
            f"grad has shape {analytic.shape} but x has shape {x.shape}: the gradient "
            "df/dx has one entry per entry of x"
        )
    f0, dtype = _call(f, x.copy())  # f may write into its argument
    if eps is None:
        rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
        eps = _unit_roundoff(dtype) ** (1 / 3) * max(1.0, rms)
    eps = as_nonnegative(eps, "eps", strict=True)
    numeric = np.empty_like(x)
    for k in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[k] += eps
        x_minus[k] -= eps
        step = x_plus[k] - x_minus[k]  # the step actually taken, after rounding
        (f_plus, t_plus), (f_minus, t_minus) = _call(f, x_plus), _call(f, x_minus)
        numeric[k] = (f_plus - f_minus) / step
        dtype = max(dtype, t_plus, t_minus, key=_unit_roundoff)
    u = _unit_roundoff(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        F = max(abs(f0), float(np.nansum(np.abs(x * numeric))))
    noise = u * F / eps if math.isfinite(F) else math.inf
    atol = _NOISE_MARGIN * noise if atol is None else as_nonnegative(atol, "atol")
    rtol = max(1e-7, 10 * u ** (2 / 3)) if rtol is None else as_nonnegative(rtol, "rtol")
    error = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = np.where(scale > 0, error / np.where(scale > 0, scale, 1.0), 0.0)
        relative = np.where(np.isnan(error), np.nan, relative)
    passed = bool(np.all(error <= atol + rtol * np.abs(numeric)))
    return GradcheckResult(
        passed=passed,
        analytic=analytic,
        numeric=numeric,
        max_abs_error=float(np.max(error)) if error.size else 0.0,
        max_rel_error=float(np.max(relative)) if relative.size else 0.0,
        eps=eps,
        rtol=rtol,
        atol=atol,
        precision=np.dtype(dtype).name,
        noise=noise,
    )


def _unit_roundoff(dtype) -> float:
    return float(np.finfo(dtype).eps)


def _call(f, x):
    """``f(x)`` as a Python float, and the float dtype it was computed in."""
    value = np.asarray(f(float(x) if x.ndim == 0 else x))
    if value.ndim != 0:
        raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"f must return a real number, got dtype {value.dtype}")
    if value.dtype.kind == "f" and value.dtype.itemsize < 8:
        return float(value), value.dtype
    return float(value), np.dtype(np.float64)
