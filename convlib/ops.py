r"""The two operations of the notes' first part, and the small helpers the chapters need.

Everything here funnels into one function, :func:`correlate2d`, the notes' cross-correlation
:math:`w \otimes I` (equation (1.2) of the book). The convolution :math:`w * I` (1.1) is the
same operation on the rotated kernel (4.3), and the backward pass (``convlib.layer``) reuses it
too. Two engines compute it (``convlib._engines``): ``"direct"`` sums shifted copies of the
image, ``"fft"`` uses the correlation theorem; :func:`choose_method` says which one
``method="auto"`` takes, from a cost model (:class:`CostModel`) calibrated by
``benchmarks/bench.py --calibrate``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _engines
from ._checks import (
    as_index,
    as_int,
    as_real_2d,
    as_shape,
    check_choice,
    check_fits,
    common_float,
)
from ._engines import CostModel

__all__ = [
    "METHODS",
    "MODES",
    "CostModel",
    "Region",
    "affected_region",
    "choose_method",
    "convolve2d",
    "correlate2d",
    "output_shape",
    "rot180",
    "zero_pad",
]

METHODS = ("auto", "direct", "fft")
"""Legal values of ``method``."""

MODES = ("valid", "full")
"""Legal values of ``mode`` in :func:`convolve2d`."""


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def correlate2d(I, w, *, method="auto"):
    r"""Cross-correlate the image ``I`` with the kernel ``w``, valid padding: :math:`w \otimes I`.

    This is the notes' cross-correlation (equation (1.2)), the operation "our CONV layer" performs.
    It gives the same numbers as ``scipy.signal.correlate2d(I, w, mode="valid")``.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The image. Real; lists are accepted.
    w : array_like, shape (k1, k2)
        The kernel, with ``k1 <= H`` and ``k2 <= W``.
    method : {"auto", "direct", "fft"}, optional
        ``"auto"`` (default) sums directly unless the FFT is faster for the shapes and cannot
        show its error: every value finite, and either all integers (the FFT's result is then
        rounded: exact) or an error bound under :math:`10^{-12}` of every window's
        :math:`\sum |I \cdot w|`. ``"direct"`` always sums the :math:`k_1 k_2` shifted copies of
        ``I``; ``"fft"`` always uses the correlation theorem (see Notes).

    Returns
    -------
    Y : ndarray, shape (H - k1 + 1, W - k2 + 1)
        float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError
        If ``I`` or ``w`` is not real (complex, object, str, ...).
    ValueError
        If ``I`` or ``w`` is not 2-D or is empty, if ``w`` does not fit inside ``I``, or if
        ``method`` is not one of ``"auto"``, ``"direct"``, ``"fft"``.

    See Also
    --------
    convolve2d : The convolution :math:`w * I` (1.1).
    convlib.reference.correlate2d : The same sum as four explicit loops.

    Notes
    -----
    Equation (1.2) of the course, with :math:`i = 0, \dots, H - k_1` and
    :math:`j = 0, \dots, W - k_2`:

    .. math::

        (w \otimes I)(i, j) = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} I(i + m, j + n)\, w(m, n)

    How each method computes, and what it gives:

    ``"direct"``
        The sum as written, in the inputs' float dtype: the same numbers as scipy's direct sum up
        to the order of additions, exact for integer values (whose sums fit the dtype). NaN and
        inf propagate as IEEE arithmetic does (``0 * inf`` is NaN) to exactly the outputs whose
        window covers them (see :func:`affected_region`).
    ``"fft"``
        The correlation theorem, in float64 whatever the inputs (returned in their dtype). Its
        rounding error is spread over every output, about :math:`\epsilon \log_2 n \max|I|
        \max|\hat{w}|` for an :math:`n`-point transform, so an output much smaller than the
        others can lose its digits; integer inputs give integers up to that error (not
        rounded); one NaN or inf anywhere makes every output NaN.
    ``"auto"``
        The direct sum, or the FFT when :func:`choose_method` says it is faster for these shapes
        and, from the values, that it cannot surprise: the inputs are finite; integer-valued
        inputs are rounded back to the exact integers (when the error bound is below 1/4 and
        the result fits the dtype); other inputs need the error bound below
        :math:`2^{12}\epsilon_{64} \approx 9 \cdot 10^{-13}` of the smallest window's
        :math:`\sum |I \cdot w|`. These checks are a few passes over ``I``, made only when the FFT
        is faster.

    Examples
    --------
    The kernel ``[[1, 0], [0, -1]]`` subtracts each pixel's lower-right neighbour from it:

    >>> import numpy as np
    >>> from convlib import correlate2d
    >>> I = np.arange(16).reshape(4, 4)
    >>> I
    array([[ 0,  1,  2,  3],
           [ 4,  5,  6,  7],
           [ 8,  9, 10, 11],
           [12, 13, 14, 15]])
    >>> correlate2d(I, [[1, 0], [0, -1]])
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])

    Each output is the sum of a window of ``I`` weighted by ``w``; with a 3×3 kernel of ones it
    is the window's sum:

    >>> correlate2d(I, np.ones((3, 3)), method="fft").round(10)
    array([[45., 54.],
           [81., 90.]])
    """
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    check_fits(I.shape, w.shape)
    method = check_choice(method, "method", METHODS)
    I, w = common_float(I, w)
    return _engines.correlate(I, w, method)


def convolve2d(I, w, mode="valid", *, method="auto"):
    r"""Convolve the image ``I`` with the kernel ``w``: :math:`w * I`.

    This is the notes' convolution (equation (1.1)). It gives the same numbers as
    ``scipy.signal.convolve2d(I, w, mode)``. It is computed as a cross-correlation with the
    kernel rotated by 180° (4.3), after zero-padding ``I`` by ``k1 - 1`` rows and ``k2 - 1``
    columns on each side for ``mode="full"``.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The image. Real; lists are accepted.
    w : array_like, shape (k1, k2)
        The kernel. For ``mode="valid"`` it must fit inside ``I``; for ``mode="full"`` any
        size is allowed (as in ``scipy.signal.convolve2d``), so ``convolve2d(G, w, "full")``
        is :math:`w * G` even when ``G`` is smaller than ``w``.
    mode : {"valid", "full"}, optional
        ``"valid"`` (default): only the outputs where ``w`` lies inside ``I``, shape
        ``(H - k1 + 1, W - k2 + 1)``. ``"full"``: every output where ``w`` overlaps ``I``,
        shape ``(H + k1 - 1, W + k2 - 1)``, ``I`` being zero outside its borders.
    method : {"auto", "direct", "fft"}, optional
        As in :func:`correlate2d`: ``"auto"`` (default) takes the FFT only when it is faster and
        its error cannot show (finite values; integers rounded back to exact; otherwise an
        error under :math:`10^{-12}` of every window's :math:`\sum |I \cdot w|`).

    Returns
    -------
    ndarray
        float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError
        If ``I`` or ``w`` is not real.
    ValueError
        If an input is not 2-D or is empty, if ``w`` does not fit inside ``I`` with
        ``mode="valid"``, or if ``mode`` or ``method`` is not a legal value.

    See Also
    --------
    correlate2d : The cross-correlation :math:`w \otimes I` (1.2).
    rot180, zero_pad : The two steps that turn one into the other, (4.3).

    Notes
    -----
    Equation (1.1), with :math:`I` taken as zero outside :math:`[0, H) \times [0, W)`:

    .. math::

        (w * I)(i, j) = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} I(i - m, j - n)\, w(m, n)

    ``"full"`` returns :math:`i = 0, \dots, H + k_1 - 2`; ``"valid"`` returns
    :math:`i = k_1 - 1, \dots, H - 1` (row 0 of the result is :math:`i = k_1 - 1`). It is
    computed as the notes compute :math:`\partial L / \partial I` ((3.4) via (4.3)):

    .. math::

        w * I = \operatorname{rot180}(w) \otimes \operatorname{pad}(I, k_1 - 1, k_2 - 1)

    NaN and inf propagate, and integers stay exact, as in :func:`correlate2d`.

    Examples
    --------
    A full convolution with a single 1 in the kernel's corner shifts the image:

    >>> from convlib import convolve2d
    >>> convolve2d([[1, 2], [3, 4]], [[0, 0], [0, 1]], "full")
    array([[0., 0., 0.],
           [0., 1., 2.],
           [0., 3., 4.]])

    Convolution flips the kernel, cross-correlation does not:

    >>> from convlib import correlate2d
    >>> convolve2d([[1, 2, 3]], [[1, -1]]), correlate2d([[1, 2, 3]], [[1, -1]])
    (array([[1., 1.]]), array([[-1., -1.]]))
    """
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    mode = check_choice(mode, "mode", MODES)
    method = check_choice(method, "method", METHODS)
    if mode == "valid":
        check_fits(I.shape, w.shape)
    I, w = common_float(I, w)
    k1, k2 = w.shape
    if mode == "full":
        I = zero_pad(I, k1 - 1, k2 - 1)
    return _engines.correlate(I, rot180(w), method)  # (4.3): w * I = rot180(w) ⊗ pad(I)


def rot180(w):
    r"""Rotate the kernel ``w`` by 180 degrees: the notes' :math:`Q \to Q^*`.

    Parameters
    ----------
    w : array_like, shape (k1, k2)
        A real 2-D array.

    Returns
    -------
    ndarray, shape (k1, k2)
        A new array (a copy, not a view): ``w[::-1, ::-1]``.

    Notes
    -----
    Equation (4.2), an index map:

    .. math::

        \operatorname{rot180}(w)(m, n) = w(k_1 - 1 - m,\; k_2 - 1 - n)

    It turns a convolution into a cross-correlation:
    :math:`w * G = \operatorname{rot180}(w) \otimes \operatorname{pad}(G)`.

    Examples
    --------
    The notes' 2×2 example, :math:`Q = [[a, b], [c, d]] \to Q^* = [[d, c], [b, a]]`, with
    a, b, c, d = 1, 2, 3, 4:

    >>> from convlib import rot180
    >>> rot180([[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]])
    """
    w = as_real_2d(w, "kernel w")
    return w[::-1, ::-1].copy()


def zero_pad(G, pad_rows, pad_cols):
    r"""Surround ``G`` with ``pad_rows`` rows and ``pad_cols`` columns of zeros on each side.

    Parameters
    ----------
    G : array_like, shape (r, c)
        A real 2-D array, typically the upstream gradient :math:`G = \partial L / \partial
        \hat{Y}`.
    pad_rows, pad_cols : int
        How many zero rows to add above and below, and zero columns left and right; ``>= 0``.
        The backward pass uses ``k1 - 1`` and ``k2 - 1``, equation (4.3).

    Returns
    -------
    ndarray, shape (r + 2 * pad_rows, c + 2 * pad_cols)
        A new array with ``G`` in the middle.

    Notes
    -----
    The padding of (4.3): :math:`\operatorname{pad}(G)(i, j) = G(i - p, j - q)` where that lies
    inside :math:`G` and :math:`0` elsewhere, for :math:`p` = ``pad_rows``, :math:`q` =
    ``pad_cols``.

    Examples
    --------
    >>> from convlib import zero_pad
    >>> zero_pad([[1, 2]], 1, 2)
    array([[0., 0., 0., 0., 0., 0.],
           [0., 0., 1., 2., 0., 0.],
           [0., 0., 0., 0., 0., 0.]])
    """
    G = as_real_2d(G, "array G")
    p, q = as_int(pad_rows, "pad_rows", minimum=0), as_int(pad_cols, "pad_cols", minimum=0)
    r, c = G.shape
    padded = np.zeros((r + 2 * p, c + 2 * q), dtype=G.dtype)
    padded[p : p + r, q : q + c] = G
    return padded


def output_shape(image_shape, kernel_shape):
    r"""Return the shape of :math:`\hat{Y} = w \otimes I + b`: ``(H - k1 + 1, W - k2 + 1)``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)``.
    kernel_shape : tuple of int
        ``(k1, k2)``, with ``k1 <= H`` and ``k2 <= W``.

    Returns
    -------
    tuple of int
        ``(H', W') = (H - k1 + 1, W - k2 + 1)``.

    Notes
    -----
    Equation (1.4), the output shape of the layer (1.3) (valid padding, stride 1): the kernel's
    top-left corner can sit at rows :math:`i = 0, \dots, H - k_1` and columns
    :math:`j = 0, \dots, W - k_2`, so

    .. math::

        H' = H - k_1 + 1, \qquad W' = W - k_2 + 1.

    Examples
    --------
    >>> from convlib import output_shape
    >>> output_shape((5, 7), (3, 3))
    (3, 5)
    """
    H, W = as_shape(image_shape, "image_shape")
    k1, k2 = as_shape(kernel_shape, "kernel_shape")
    check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
    return H - k1 + 1, W - k2 + 1


class Region(NamedTuple):
    r"""The outputs :math:`\hat{Y}(i, j)` for ``i in rows`` and ``j in cols`` (3.1)."""

    rows: range
    cols: range

    @property
    def size(self) -> int:
        """How many outputs the region holds: ``len(rows) * len(cols)``."""
        return len(self.rows) * len(self.cols)


def affected_region(ip, jp, image_shape, kernel_shape):
    r"""Return the outputs :math:`\hat{Y}(i, j)` whose window covers the pixel :math:`I(i', j')`.

    Parameters
    ----------
    ip, jp : int
        The pixel :math:`(i', j')`, ``0 <= ip < H``, ``0 <= jp < W``.
    image_shape : tuple of int
        ``(H, W)``.
    kernel_shape : tuple of int
        ``(k1, k2)``, with ``k1 <= H`` and ``k2 <= W``.

    Returns
    -------
    Region
        A named tuple ``(rows, cols)`` of ``range`` objects, with ``.size`` the number of
        outputs: ``k1 * k2`` away from the borders, fewer near them.

    Notes
    -----
    Equation (3.1), with the borders the notes leave implicit:

    .. math::

        \max(0,\, i' - k_1 + 1) \le i \le \min(i',\, H - k_1), \qquad
        \max(0,\, j' - k_2 + 1) \le j \le \min(j',\, W - k_2).

    These are the :math:`(i, j) = (i' - m, j' - n)` of (3.2) that exist in :math:`\hat{Y}`.

    Examples
    --------
    The notes' picture: a 3×3 kernel, the pixel :math:`I(2, 2)` affects nine outputs.

    >>> from convlib import affected_region
    >>> region = affected_region(2, 2, (6, 6), (3, 3))
    >>> region
    Region(rows=range(0, 3), cols=range(0, 3))
    >>> region.size
    9

    A corner pixel affects one output only:

    >>> affected_region(0, 0, (6, 6), (3, 3)).size
    1
    """
    H, W = as_shape(image_shape, "image_shape")
    k1, k2 = as_shape(kernel_shape, "kernel_shape")
    check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
    ip = as_index(ip, H, "ip", "a row of the image")
    jp = as_index(jp, W, "jp", "a column of the image")
    rows = range(max(0, ip - k1 + 1), min(ip, H - k1) + 1)
    cols = range(max(0, jp - k2 + 1), min(jp, W - k2) + 1)
    return Region(rows, cols)


def choose_method(image, kernel, dtype=None):
    r"""Return the engine ``method="auto"`` takes: ``"direct"`` or ``"fft"``.

    Like :func:`scipy.signal.choose_conv_method`, it picks between a direct sum and an FFT; the
    speed comes from a cost model (:class:`CostModel`) instead of timing. Given the arrays, it
    also applies ``"auto"``'s rules on their values; given only shapes, it says which engine is
    faster.

    Parameters
    ----------
    image : array_like, shape (H, W), or tuple of int
        The image ``I``, or its shape ``(H, W)``.
    kernel : array_like, shape (k1, k2), or tuple of int
        The kernel ``w``, or its shape ``(k1, k2)``, with ``k1 <= H`` and ``k2 <= W``.
    dtype : dtype, optional
        With shapes: ``float64`` (default) or ``float32``, what the correlation computes in (bool
        and integer inputs are computed in float64). With arrays it comes from them and must be
        left out.

    Returns
    -------
    str
        ``"direct"`` or ``"fft"``.

    Raises
    ------
    TypeError, ValueError
        If the arrays or shapes are not valid inputs of :func:`correlate2d`, or ``dtype`` is not
        a real floating dtype or is given with arrays.

    Notes
    -----
    What it measures: the estimated run time of each engine on one thread,

    .. math::

        t_\text{direct} = c_\text{call} \cdot \text{calls} + c_\text{mac} \cdot k_1 k_2 H' W',
        \qquad
        t_\text{fft} = c_\text{fft} + c_{n \log n} \cdot n \log_2 n,

    with four constants per dtype fitted on this project's reference machine by
    ``python benchmarks/bench.py --calibrate`` (which rewrites ``convlib/_cost_model.json``).
    How accurate it is: over the calibration shapes the model names the faster engine or one
    within a few tens of per cent of it; ``benchmarks/README.md`` has the table. On another
    machine the crossover moves, and the choice can cost up to about 2× near it; rerun the
    calibration there.

    With arrays, when the FFT is faster it is taken only if its error cannot show: every value
    finite (NaN and inf then stay local); integer values whose exact result fits the dtype and
    whose FFT error bound is below 1/4 (the result is rounded back to those integers); or an
    error bound :math:`\epsilon_{64} \log_2 n \max|I| \max_f|\hat{w}(f)|` at most
    :math:`2^{12}\epsilon_{64}` (about :math:`9 \cdot 10^{-13}`) of the smallest window's
    :math:`\sum |I \cdot w|`, bounded below from an integral image of :math:`|I|` and the
    sorted :math:`|w|`. Otherwise the direct sum, exact for integers and local for NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import choose_method
    >>> choose_method((512, 512), (3, 3))
    'direct'
    >>> choose_method((512, 512), (15, 15))
    'fft'

    The same shapes, but one pixel a trillion times larger than the rest: the FFT's error would
    swamp the small windows, so ``"auto"`` sums directly:

    >>> I = np.ones((512, 512))
    >>> I[100, 100] = 1e12
    >>> choose_method(I, np.ones((15, 15)))
    'direct'
    """
    if _is_shape(image) and _is_shape(kernel):
        H, W = as_shape(image, "image_shape")
        k1, k2 = as_shape(kernel, "kernel_shape")
        check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
        return _engines.fastest((H, W), (k1, k2), _as_float_dtype(dtype))
    if dtype is not None:
        raise TypeError(f"dtype comes from the arrays; leave it out, got dtype={dtype!r}")
    I = as_real_2d(image, "image I")
    w = as_real_2d(kernel, "kernel w")
    check_fits(I.shape, w.shape)
    I, w = common_float(I, w)
    return _engines.decide(I, w).method


def _is_shape(value) -> bool:
    """Whether ``value`` reads as a shape ``(rows, cols)`` rather than as a 2-D array."""
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and not isinstance(value[0], tuple | list | np.ndarray)
    )


def _as_float_dtype(dtype) -> np.dtype:
    """Return the dtype the correlation computes in: float32 stays, other real types float64."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy dtype, got {dtype!r}") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"dtype must be a real floating dtype (float32 or float64), got {dtype}")
    return dtype if dtype == np.float32 else np.dtype(np.float64)
