r"""The notes' sums as explicit loops, one ``for`` per :math:`\sum`, one line per term.

Slow on purpose, and independent on purpose: this module imports numpy and the input checks,
never the fast code in ``convlib.ops`` or ``convlib.layer``, so the tests can use it to check
them. Index names are the notes': output :math:`(i, j)`, kernel :math:`(m, n)`, input pixel
:math:`(i', j')` written ``ip, jp``. The input rules are those of the rest of convlib.

NaN and inf propagate as IEEE arithmetic does. Terms outside the image are left out of the sums
rather than multiplied by zero, so an inf in ``w`` gives inf here where the fast paths and scipy,
which multiply it by the zero padding, give nan (``0 * inf``).
"""

import numpy as np

from ._checks import (
    as_real_2d,
    as_real_scalar,
    check_choice,
    check_fits,
    check_gradient_shape,
    common_float,
)
from ._types import Gradients

__all__ = [
    "conv2d_backward",
    "conv2d_forward",
    "convolve2d",
    "correlate2d",
    "grad_b",
    "grad_input",
    "grad_w",
]


def correlate2d(I, w):
    r"""Cross-correlate, valid: :math:`w \otimes I` (1.2).

    Parameters
    ----------
    I : array_like, shape (H, W)
    w : array_like, shape (k1, k2)

    Returns
    -------
    ndarray, shape (H - k1 + 1, W - k2 + 1)

    Notes
    -----
    .. math:: (w \otimes I)(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i+m, j+n)\, w(m, n)

    Examples
    --------
    >>> from convlib import reference
    >>> reference.correlate2d([[1, 2, 3], [4, 5, 6]], [[1, 1]])
    array([[ 3.,  5.],
           [ 9., 11.]])
    """
    I, w = common_float(as_real_2d(I, "image I"), as_real_2d(w, "kernel w"))
    check_fits(I.shape, w.shape)
    (H, W), (k1, k2) = I.shape, w.shape
    out = np.zeros((H - k1 + 1, W - k2 + 1), dtype=I.dtype)
    for i in range(H - k1 + 1):
        for j in range(W - k2 + 1):
            for m in range(k1):
                for n in range(k2):
                    out[i, j] += I[i + m, j + n] * w[m, n]
    return out


def convolve2d(I, w, mode="valid"):
    r"""Convolve: :math:`w * I` (1.1), with :math:`I` zero outside its borders.

    Parameters
    ----------
    I : array_like, shape (H, W)
    w : array_like, shape (k1, k2)
    mode : {"valid", "full"}, optional

    Returns
    -------
    ndarray, shape (H - k1 + 1, W - k2 + 1) or (H + k1 - 1, W + k2 - 1)

    Notes
    -----
    .. math:: (w * I)(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i-m, j-n)\, w(m, n)

    ``mode="full"`` keeps every :math:`(i, j)` where some term exists; ``"valid"`` only those
    where the kernel lies inside the image, :math:`k_1 - 1 \le i \le H - 1`.

    Examples
    --------
    >>> from convlib import reference
    >>> reference.convolve2d([[1, 2, 3]], [[1, -1]], mode="full")
    array([[ 1.,  1.,  1., -3.]])
    """
    I, w = common_float(as_real_2d(I, "image I"), as_real_2d(w, "kernel w"))
    if check_choice(mode, "mode", ("valid", "full")) == "valid":
        check_fits(I.shape, w.shape)
    (H, W), (k1, k2) = I.shape, w.shape
    out = np.zeros((H + k1 - 1, W + k2 - 1), dtype=I.dtype)
    for i in range(H + k1 - 1):
        for j in range(W + k2 - 1):
            for m in range(k1):
                for n in range(k2):
                    if 0 <= i - m < H and 0 <= j - n < W:
                        out[i, j] += I[i - m, j - n] * w[m, n]
    if mode == "valid":
        return out[k1 - 1 : H, k2 - 1 : W]
    return out


def conv2d_forward(I, w, b):
    r"""Compute the layer's output :math:`\hat{Y} = w \otimes I + b`, equation (1.3), as loops.

    Examples
    --------
    >>> from convlib import reference
    >>> reference.conv2d_forward([[1, 2, 3]], [[1, 10]], 0.5)
    array([[21.5, 32.5]])
    """
    b = as_real_scalar(b, "bias b")
    out = correlate2d(I, w)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] += b
    return out


def grad_w(I, G):
    r"""Compute :math:`\partial L / \partial w`, equation (2.3), one loop per index.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial w}(m, n) = \sum_{i} \sum_{j} G(i, j)\, I(i+m, j+n)

    Examples
    --------
    >>> from convlib import reference
    >>> reference.grad_w([[1, 2, 3]], [[1, 1]])
    array([[3., 5.]])
    """
    I, G = common_float(as_real_2d(I, "image I"), as_real_2d(G, "upstream gradient G"))
    check_fits(I.shape, G.shape, "image I", "upstream gradient G")
    (H, W), (Hp, Wp) = I.shape, G.shape
    k1, k2 = H - Hp + 1, W - Wp + 1
    dw = np.zeros((k1, k2), dtype=I.dtype)
    for m in range(k1):
        for n in range(k2):
            for i in range(Hp):
                for j in range(Wp):
                    dw[m, n] += G[i, j] * I[i + m, j + n]  # (2.3): (2.1) with (2.2)
    return dw


def grad_b(G):
    r"""Compute :math:`\partial L / \partial b = \sum_i \sum_j G(i, j)`, equation (2.4), as loops.

    Examples
    --------
    >>> from convlib import reference
    >>> float(reference.grad_b([[1, 2], [3, -4]]))
    2.0
    """
    G = as_real_2d(G, "upstream gradient G")
    db = G.dtype.type(0)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            db += G[i, j]  # (2.4)
    return db


def grad_input(w, G):
    r"""Compute :math:`\partial L / \partial I`, equation (3.4), one loop per index.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial I}(i', j') = \sum_{m} \sum_{n} G(i'-m, j'-n)\, w(m, n)

    the sum over the :math:`(i' - m, j' - n)` that exist in :math:`\hat{Y}`, equation (3.1).

    Examples
    --------
    >>> from convlib import reference
    >>> reference.grad_input([[1, 10]], [[1, 1]])
    array([[ 1., 11., 10.]])
    """
    w, G = common_float(as_real_2d(w, "kernel w"), as_real_2d(G, "upstream gradient G"))
    (k1, k2), (Hp, Wp) = w.shape, G.shape
    H, W = Hp + k1 - 1, Wp + k2 - 1
    dI = np.zeros((H, W), dtype=w.dtype)
    for ip in range(H):
        for jp in range(W):
            for m in range(k1):
                for n in range(k2):
                    if 0 <= ip - m < Hp and 0 <= jp - n < Wp:  # (3.1): the region
                        dI[ip, jp] += G[ip - m, jp - n] * w[m, n]  # (3.4): (3.2) with (3.3)
    return dI


def conv2d_backward(I, w, G):
    r"""Compute the gradients of :math:`L` for :math:`\hat{Y} = w \otimes I + b`, given :math:`G`.

    Parameters
    ----------
    I : array_like, shape (H, W)
    w : array_like, shape (k1, k2)
    G : array_like, shape (H - k1 + 1, W - k2 + 1)
        :math:`\partial L / \partial \hat{Y}`.

    Returns
    -------
    Gradients
        The named tuple ``(dw, db, dI)``, of shapes (k1, k2), (), (H, W), the same type as
        ``convlib.conv2d_backward`` returns.

    Notes
    -----
    :func:`grad_w`, :func:`grad_b` and :func:`grad_input`, equations (2.3), (2.4), (3.4).

    Examples
    --------
    >>> from convlib import reference
    >>> dw, db, dI = reference.conv2d_backward([[1, 2, 3]], [[1, 10]], [[1, 1]])
    >>> dw, float(db), dI
    (array([[3., 5.]]), 2.0, array([[ 1., 11., 10.]]))
    """
    I, w = as_real_2d(I, "image I"), as_real_2d(w, "kernel w")
    G = as_real_2d(G, "upstream gradient G")
    check_fits(I.shape, w.shape)
    (H, W), (k1, k2) = I.shape, w.shape
    check_gradient_shape(G, (H - k1 + 1, W - k2 + 1))
    I, w, G = common_float(I, w, G)
    return Gradients(grad_w(I, G), grad_b(G), grad_input(w, G))
