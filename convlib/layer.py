r"""The CONV layer of the notes: its forward pass and, right beside it, its backward pass.

.. math::

    \hat{Y} = w \otimes I + b \quad \text{(1.3)}, \qquad
    \frac{\partial L}{\partial w} = G \otimes I \;\text{(2.3)}, \quad
    \frac{\partial L}{\partial b} = \sum_{i,j} G(i, j) \;\text{(2.4)}, \quad
    \frac{\partial L}{\partial I} = w * G \;\text{(3.4)},

where :math:`G = \partial L / \partial \hat{Y}` comes from the next layer. All three gradients
use the forward pass's own cross-correlation, :func:`convlib.correlate2d`.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_real_2d,
    as_real_scalar,
    as_shape,
    check_choice,
    check_fits,
    check_gradient_shape,
    common_float,
)
from ._types import Gradients
from .ops import METHODS, correlate2d, output_shape, rot180, zero_pad

__all__ = [
    "Conv2D",
    "Gradients",
    "conv2d_backward",
    "conv2d_forward",
    "grad_b",
    "grad_input",
    "grad_w",
    "mse_loss",
]


def conv2d_forward(I, w, b, *, method="auto"):
    r"""Compute the layer's output, the forward pass: :math:`\hat{Y} = w \otimes I + b`.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The input image, one channel.
    w : array_like, shape (k1, k2)
        The kernel, with ``k1 <= H`` and ``k2 <= W``.
    b : float
        The bias, a real scalar, added to every output.
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlation; see :func:`convlib.correlate2d`.

    Returns
    -------
    Y_hat : ndarray, shape (H - k1 + 1, W - k2 + 1)
        float32 if ``I`` and ``w`` are float32, else float64.

    Raises
    ------
    TypeError
        If ``I`` or ``w`` is not real, or ``b`` is not a real number.
    ValueError
        If ``I`` or ``w`` is not 2-D or is empty, if ``w`` does not fit inside ``I``, if ``b``
        is an array, or if ``method`` is not a legal value.

    Notes
    -----
    Equation (1.3), valid padding and stride 1:

    .. math::

        \hat{Y}(i, j) = (w \otimes I)(i, j) + b
        = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} I(i + m, j + n)\, w(m, n) + b

    NaN and inf propagate as in :func:`convlib.correlate2d`.

    Examples
    --------
    >>> from convlib import conv2d_forward
    >>> I = [[1, 2, 3],
    ...      [4, 5, 6],
    ...      [7, 8, 9]]
    >>> conv2d_forward(I, [[1, 0], [0, 1]], b=10)
    array([[16., 18.],
           [22., 24.]])
    """
    b = as_real_scalar(b, "bias b")
    with np.errstate(invalid="ignore"):  # inf + -inf is nan, without a warning
        return correlate2d(I, w, method=method) + b  # 1.3


def conv2d_backward(I, w, G, *, method="auto"):
    r"""Compute the gradients of :math:`L` with respect to w, b and I: the backward pass.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The image the forward pass saw.
    w : array_like, shape (k1, k2)
        The kernel the forward pass used.
    G : array_like, shape (H - k1 + 1, W - k2 + 1)
        The upstream gradient :math:`G = \partial L / \partial \hat{Y}`, handed down by the
        next layer (it is that layer's :math:`\partial L / \partial I`).
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlations; see :func:`convlib.correlate2d`.

    Returns
    -------
    Gradients
        The named tuple ``(dw, db, dI)``: ``dw`` of shape (k1, k2), ``db`` a numpy scalar,
        ``dI`` of shape (H, W). float32 if ``I``, ``w`` and ``G`` are all float32, else float64.

    Raises
    ------
    TypeError
        If ``I``, ``w`` or ``G`` is not real.
    ValueError
        If an input is not 2-D or is empty, if ``w`` does not fit inside ``I``, if ``G`` does
        not have the output's shape, or if ``method`` is not a legal value.

    See Also
    --------
    convlib.reference.conv2d_backward : The same gradients as explicit loops over the sums.
    convlib.gradcheck : Check them against finite differences.

    Notes
    -----
    One function per gradient, :func:`grad_w`, :func:`grad_b` and :func:`grad_input`, each one
    line of code computed with the forward pass's cross-correlation:

    .. math::

        \frac{\partial L}{\partial w}(m, n)
            &= \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j)\, I(i + m, j + n)
             = (G \otimes I)(m, n) && \text{(2.1, 2.2, 2.3)} \\
        \frac{\partial L}{\partial b}
            &= \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j) && \text{(2.4)} \\
        \frac{\partial L}{\partial I}(i', j')
            &= \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} G(i' - m, j' - n)\, w(m, n)
             = (w * G)(i', j') && \text{(3.2, 3.3, 3.4)} \\
            &= \bigl(\operatorname{rot180}(w) \otimes
               \operatorname{pad}(G, k_1 - 1, k_2 - 1)\bigr)(i', j') && \text{(4.3)}

    where :math:`G` is zero outside its :math:`(H - k_1 + 1) \times (W - k_2 + 1)` entries.
    NaN and inf propagate as in :func:`convlib.correlate2d`.

    Examples
    --------
    With :math:`L = \sum \hat{Y}`, :math:`G` is all ones; then :math:`\partial L / \partial w
    (m, n)` is the sum of the pixels that weight touches, and :math:`\partial L / \partial I`
    counts how many outputs each pixel reaches (3.1):

    >>> import numpy as np
    >>> from convlib import conv2d_backward
    >>> I = np.arange(9).reshape(3, 3)
    >>> dw, db, dI = conv2d_backward(I, np.ones((2, 2)), np.ones((2, 2)))
    >>> dw
    array([[ 8., 12.],
           [20., 24.]])
    >>> db
    np.float64(4.0)
    >>> dI
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    G = as_real_2d(G, "upstream gradient G")
    check_fits(I.shape, w.shape)
    check_gradient_shape(G, output_shape(I.shape, w.shape))
    check_choice(method, "method", METHODS)
    I, w, G = common_float(I, w, G)
    return Gradients(grad_w(I, G, method=method), grad_b(G), grad_input(w, G, method=method))


def grad_w(I, G, *, method="auto"):
    r"""Return :math:`\partial L / \partial w = G \otimes I`, equation (2.3).

    Parameters
    ----------
    I : array_like, shape (H, W)
        The image the forward pass saw.
    G : array_like, shape (H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`, with ``H' <= H`` and
        ``W' <= W``; the kernel's shape is ``(H - H' + 1, W - W' + 1)``.
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlation; see :func:`convlib.correlate2d`.

    Returns
    -------
    dw : ndarray, shape (H - H' + 1, W - W' + 1)

    Notes
    -----
    One weight touches every output, so the chain rule sums over all of :math:`\hat{Y}`:

    .. math::

        \frac{\partial L}{\partial w}(m, n)
        = \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j)\, I(i + m, j + n)
        = (G \otimes I)(m, n).

    Examples
    --------
    >>> from convlib import grad_w
    >>> grad_w([[1, 2, 3], [4, 5, 6]], [[1, 1]])
    array([[ 3.,  5.],
           [ 9., 11.]])
    """
    I = as_real_2d(I, "image I")
    G = as_real_2d(G, "upstream gradient G")
    check_fits(I.shape, G.shape, "image I", "upstream gradient G")
    return correlate2d(I, G, method=method)  # (2.3): dL/dw = G ⊗ I


def grad_b(G):
    r"""Return :math:`\partial L / \partial b = \sum_{i,j} G(i, j)`, equation (2.4).

    Parameters
    ----------
    G : array_like, shape (H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`.

    Returns
    -------
    db : numpy scalar
        float32 if ``G`` is float32, else float64.

    Notes
    -----
    The bias enters every output with coefficient 1:

    .. math::

        \frac{\partial L}{\partial b} = \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j).

    Examples
    --------
    >>> from convlib import grad_b
    >>> grad_b([[1, 2], [3, -4]])
    np.float64(2.0)
    """
    return as_real_2d(G, "upstream gradient G").sum()  # (2.4): dL/db = Σ_i Σ_j G(i, j)


def grad_input(w, G, *, method="auto"):
    r"""Return :math:`\partial L / \partial I = w * G`, a full convolution, equation (3.4).

    Computed as the forward pass's cross-correlation of the rotated kernel with the zero-padded
    ``G``, equation (4.3).

    Parameters
    ----------
    w : array_like, shape (k1, k2)
        The kernel the forward pass used.
    G : array_like, shape (H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`.
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlation; see :func:`convlib.correlate2d`.

    Returns
    -------
    dI : ndarray, shape (H' + k1 - 1, W' + k2 - 1)
        The image's shape ``(H, W)``.

    Notes
    -----
    With :math:`G` taken as zero outside its :math:`H' \times W'` entries,

    .. math::

        \frac{\partial L}{\partial I}(i', j')
        = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} G(i' - m, j' - n)\, w(m, n)
        = \bigl(\operatorname{rot180}(w) \otimes
          \operatorname{pad}(G, k_1 - 1, k_2 - 1)\bigr)(i', j').

    Examples
    --------
    >>> from convlib import grad_input
    >>> grad_input([[1, 10]], [[1, 1]])
    array([[ 1., 11., 10.]])
    """
    w = as_real_2d(w, "kernel w")
    G = as_real_2d(G, "upstream gradient G")
    w, G = common_float(w, G)
    k1, k2 = w.shape
    G_pad = zero_pad(G, k1 - 1, k2 - 1)
    return correlate2d(G_pad, rot180(w), method=method)  # (4.3) = w * G, (3.4)


def mse_loss(Y_hat, Y):
    r"""Mean squared error and its gradient: :math:`(L, \partial L / \partial \hat{Y})`.

    Parameters
    ----------
    Y_hat : array_like, shape (H', W')
        The layer's output.
    Y : array_like, shape (H', W')
        The true value.

    Returns
    -------
    L : numpy scalar
        :math:`\frac{1}{H' W'} \sum_{i,j} (\hat{Y}(i, j) - Y(i, j))^2`.
    G : ndarray, shape (H', W')
        :math:`\partial L / \partial \hat{Y} = \frac{2}{H' W'} (\hat{Y} - Y)`, the upstream
        gradient to hand to :func:`conv2d_backward`.

    Raises
    ------
    TypeError
        If an input is not real.
    ValueError
        If an input is not 2-D or is empty, or the shapes differ.

    Notes
    -----
    The notes leave :math:`L` general ("a function of :math:`Y` and :math:`\hat{Y}`"); this is
    the loss the training chapter uses. It is equation (5.1); its
    gradient is the :math:`G` that (2.1) and (3.2) start from:

    .. math::

        L = \frac{1}{H' W'} \sum_{i,j} \bigl(\hat{Y}(i, j) - Y(i, j)\bigr)^2, \qquad
        \frac{\partial L}{\partial \hat{Y}(i, j)} = \frac{2}{H' W'}
        \bigl(\hat{Y}(i, j) - Y(i, j)\bigr).

    NaN and inf propagate.

    Examples
    --------
    >>> from convlib import mse_loss
    >>> L, G = mse_loss([[1, 2], [3, 4]], [[1, 2], [3, 0]])
    >>> L
    np.float64(4.0)
    >>> G
    array([[0., 0.],
           [0., 2.]])
    """
    Y_hat = as_real_2d(Y_hat, "output Y_hat")
    Y = as_real_2d(Y, "true value Y")
    if Y_hat.shape != Y.shape:
        raise ValueError(
            f"output Y_hat has shape {Y_hat.shape} but true value Y has shape {Y.shape}: "
            "they must have the same shape"
        )
    Y_hat, Y = common_float(Y_hat, Y)
    residual = Y_hat - Y
    L = np.mean(residual**2)
    G = 2 * residual / residual.size
    return L, G


class Conv2D:
    r"""A CONV layer holding one kernel ``w`` and one bias ``b``, for the training chapter.

    ``forward(I)`` computes :math:`\hat{Y} = w \otimes I + b` (1.3) and remembers ``I``;
    ``backward(G)`` returns :math:`\partial L / \partial I` (3.4) to hand to the previous layer
    and keeps :math:`\partial L / \partial w` (2.3) and :math:`\partial L / \partial b` (2.4) in
    ``dw`` and ``db``; ``step(lr)`` takes one gradient-descent step.

    Parameters
    ----------
    w : array_like, shape (k1, k2)
        The initial kernel; the layer keeps its own copy.
    b : float, optional
        The initial bias (default 0.0).
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlations; see :func:`convlib.correlate2d`.

    Attributes
    ----------
    w : ndarray, shape (k1, k2)
        The kernel.
    b : float
        The bias.
    dw : ndarray or None
        :math:`\partial L / \partial w` from the last ``backward``.
    db : numpy scalar or None
        :math:`\partial L / \partial b` from the last ``backward``.

    Notes
    -----
    ``forward`` is (1.3) and ``backward`` is :func:`conv2d_backward` ((2.3), (2.4), and (3.4)
    via (4.3));
    ``step`` is plain gradient descent with learning rate :math:`\eta`:

    .. math::

        w \leftarrow w - \eta \frac{\partial L}{\partial w}, \qquad
        b \leftarrow b - \eta \frac{\partial L}{\partial b}.

    Examples
    --------
    The output misses the true value by 2 everywhere, so :math:`G = 2 \cdot 2 / 4 = 1` and
    ``dw`` holds the sum of the pixels under each weight. One step lowers the loss:

    >>> import numpy as np
    >>> from convlib import Conv2D, mse_loss
    >>> layer = Conv2D([[1, 0], [0, 1]])
    >>> I = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> Y_hat = layer.forward(I)
    >>> Y_hat
    array([[ 6.,  8.],
           [12., 14.]])
    >>> L, G = mse_loss(Y_hat, Y_hat - 2)
    >>> L
    np.float64(4.0)
    >>> dI = layer.backward(G)
    >>> layer.dw, layer.db
    (array([[12., 16.],
           [24., 28.]]), np.float64(4.0))
    >>> layer.step(0.001)
    >>> L_after, _ = mse_loss(layer.forward(I), Y_hat - 2)
    >>> bool(L_after < L)
    True
    """

    def __init__(self, w, b=0.0, *, method="auto"):
        self.w = np.array(as_real_2d(w, "kernel w"))
        self.b = as_real_scalar(b, "bias b")
        self.method = check_choice(method, "method", METHODS)
        self.I = None
        self.dw = None
        self.db = None

    @classmethod
    def from_shape(cls, shape, *, seed=0, method="auto"):
        r"""Make a layer with a random ``(k1, k2)`` kernel and a zero bias.

        The weights are drawn from :math:`\mathcal{N}(0, 1 / (k_1 k_2))` with
        ``numpy.random.default_rng(seed)``, so the same seed gives the same layer.

        Examples
        --------
        >>> from convlib import Conv2D
        >>> layer = Conv2D.from_shape((3, 3), seed=0)
        >>> layer.w.shape, layer.b
        ((3, 3), 0.0)
        """
        k1, k2 = as_shape(shape, "shape")
        rng = np.random.default_rng(seed)
        return cls(rng.standard_normal((k1, k2)) / np.sqrt(k1 * k2), 0.0, method=method)

    def forward(self, I):
        r"""Return :math:`\hat{Y} = w \otimes I + b` (1.3) and remember ``I`` for ``backward``."""
        self.I = np.array(as_real_2d(I, "image I"))  # a copy: later changes to I cannot leak in
        return conv2d_forward(self.I, self.w, self.b, method=self.method)

    def backward(self, G):
        r"""Return :math:`\partial L / \partial I` (3.4); keep ``dw`` (2.3) and ``db`` (2.4)."""
        if self.I is None:
            raise RuntimeError("Conv2D.backward(G) needs the input of forward(I): call it first")
        self.dw, self.db, dI = conv2d_backward(self.I, self.w, G, method=self.method)
        return dI

    def step(self, lr):
        r"""Take a gradient-descent step: :math:`w \leftarrow w - \eta\, \partial L / \partial w`.

        The same for ``b``, with the same learning rate :math:`\eta` = ``lr``.
        """
        lr = as_real_scalar(lr, "learning rate lr")
        if self.dw is None:
            raise RuntimeError("Conv2D.step(lr) needs the gradients of backward(G): call it first")
        self.w = self.w - lr * self.dw
        self.b = self.b - lr * float(self.db)

    def __repr__(self):
        return f"Conv2D(w={self.w.tolist()!r}, b={self.b!r})"
