r"""The CONV layer of the notes: its forward pass and, right beside it, its backward pass.

.. math::

    \hat{Y} = w \otimes I + b \quad \text{(1.3)}, \qquad
    \frac{\partial L}{\partial w} = G \otimes I \;\text{(2.3)}, \quad
    \frac{\partial L}{\partial b} = \sum_{i,j} G(i, j) \;\text{(2.4)}, \quad
    \frac{\partial L}{\partial I} = w * G \;\text{(3.4)},

where :math:`G = \partial L / \partial \hat{Y}` comes from the next layer. All three gradients
use the forward pass's own cross-correlation, :func:`convlib.correlate2d`.

The same functions compute the general layer, beyond the notes: a batch of ``N`` images with
``C_in`` channels, ``C_out`` filters in ``groups`` groups, stride, zero padding and dilation, as
in ``torch.nn.functional.conv2d``. With :math:`\nu` the sample,

.. math::

    \hat{Y}[\nu, o] = \sum_{c} w[o, c] \otimes I[\nu, c] + b[o], \quad
    \frac{\partial L}{\partial w}[o, c] = \sum_\nu G[\nu, o] \otimes I[\nu, c], \quad
    \frac{\partial L}{\partial b}[o] = \sum G[:, o], \quad
    \frac{\partial L}{\partial I}[\nu, c] = \sum_o w[o, c] * G[\nu, o],

sums of the notes' single-channel operations (the channels :math:`c` of filter :math:`o`'s group);
stride, padding and dilation change which pixels each one reads (see :func:`conv2d_forward`).
Those layers are computed by matrix products (im2col, ``convlib._im2col``), the notes' layer
exactly as before.
"""

from __future__ import annotations

import numpy as np

from . import _general
from ._checks import (
    as_kernel_shape,
    as_real_2d,
    as_real_layer_array,
    as_real_scalar,
    check_choice,
    check_fits,
    check_gradient_shape,
    common_float,
    is_notes_setting,
    layer_ndim,
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


def _notes_layer(settings, *arrays) -> bool:
    """Whether this is the notes' layer: 2-D arrays, stride 1, no padding, dilation 1."""
    if not is_notes_setting(**settings):
        return False
    if type(arrays[0]) is np.ndarray and arrays[0].ndim in (2, 4):  # the usual case, quickly
        return arrays[0].ndim == 2
    return layer_ndim(*(("", x) for x in arrays))[0] == 2


def conv2d_forward(I, w, b=0.0, *, stride=1, padding=0, dilation=1, groups=1, method="auto"):
    r"""Compute the layer's output, the forward pass: :math:`\hat{Y} = w \otimes I + b`.

    The notes' layer by default (one channel, valid padding, stride 1); with 4-D arrays and the
    keyword arguments, the layer of ``torch.nn.functional.conv2d``, with the same numbers.

    Parameters
    ----------
    I : array_like, shape (H, W) or (N, C_in, H, W)
        The input: one image with one channel, or ``N`` images with ``C_in`` channels.
    w : array_like, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        The kernel: one filter (with ``I`` 2-D), or ``C_out`` filters (with ``I`` 4-D), each
        seeing the ``C_in // groups`` input channels of its group.
    b : float or array_like of shape (C_out,), optional
        The bias: one real number (default 0.0), added to every output; with ``I`` 4-D also one
        number per filter. It is added in the dtype of the output.
    stride : int or (int, int), optional
        :math:`(s_1, s_2)`, the step between the windows of two neighbouring outputs (default 1).
    padding : int, (int, int), "valid" or "same", optional
        Zero rows (top and bottom) and columns (left and right) around the image. ``"valid"``
        (= 0, the default) adds none; ``"same"`` (stride 1 only) adds :math:`d (k - 1)` per axis,
        so that the output has the input's size, the extra one at the end when that is odd.
    dilation : int or (int, int), optional
        :math:`(d_1, d_2)`, the step between two taps of the kernel (default 1).
    groups : int, optional
        Split the input channels and the filters into this many groups; filter :math:`o` sees
        only its group's channels (default 1; ``groups = C_in = C_out`` is a depthwise layer).
    method : {"auto", "direct", "fft"}, optional
        How to compute a single-channel correlation (``I`` and ``w`` 2-D, stride 1, dilation
        1), as in :func:`convlib.correlate2d`: ``"auto"`` (default) takes the FFT only when it
        is faster and its error cannot show (finite values; integers rounded back to exact;
        else an error under :math:`10^{-12}` of every window's :math:`\sum |I \cdot w|`). Any
        other layer is a direct sum computed by matrix products (im2col), which ``"auto"`` and
        ``"direct"`` take; ``"fft"`` raises there.

    Returns
    -------
    Y_hat : ndarray, shape (H', W') or (N, C_out, H', W')
        :math:`H' = \lfloor (H + p_1 - d_1 (k_1 - 1) - 1) / s_1 \rfloor + 1` with :math:`p_1` the
        zero rows added in all, :math:`W'` alike; ``(H - k1 + 1, W - k2 + 1)`` in the notes'
        layer. float32 if ``I`` and ``w`` are float32, else float64.

    Raises
    ------
    TypeError
        If ``I``, ``w`` or ``b`` is not real, or a setting is not an int (or pair, or word).
    ValueError
        If an array has the wrong number of axes or is empty, if the (dilated) kernel does not
        fit inside the (padded) image, if ``groups`` does not divide ``C_in`` and ``C_out``, if
        ``w`` does not have ``C_in // groups`` input channels, if ``b`` is not one number per
        filter, if a stride or dilation is below 1, a padding negative or an unknown word,
        ``"same"`` comes with a stride above 1, or ``method`` is not a legal value. Each message
        names the argument, what was expected and what came.

    See Also
    --------
    convlib.reference.conv2d_forward : The same sums as explicit loops.

    Notes
    -----
    The notes' layer, equation (1.3), valid padding and stride 1:

    .. math::

        \hat{Y}(i, j) = (w \otimes I)(i, j) + b
        = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} I(i + m, j + n)\, w(m, n) + b

    The general layer: sample :math:`\nu`, filter :math:`o` of group :math:`\gamma(o) =
    \lfloor o / (C_\text{out} / \text{groups}) \rfloor`, whose channels :math:`c` are the
    input channels :math:`\gamma(o)\, C_\text{in} / \text{groups} + c`; :math:`I_\text{pad}` is
    :math:`I` with its zero padding:

    .. math::

        \hat{Y}[\nu, o, i, j] = \sum_{c=0}^{C_\text{in}/\text{groups} - 1}
            \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1}
            I_\text{pad}[\nu,\, \gamma(o) \tfrac{C_\text{in}}{\text{groups}} + c,\,
                         i s_1 + m d_1,\, j s_2 + n d_2]\; w[o, c, m, n] + b[o]

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

    Padding ``"same"`` keeps the image's size; stride 2 keeps every second output:

    >>> conv2d_forward(I, [[1, 0], [0, 1]], padding="same")
    array([[ 6.,  8.,  3.],
           [12., 14.,  6.],
           [ 7.,  8.,  9.]])
    >>> conv2d_forward(I, [[1, 0], [0, 1]], padding=1, stride=2)
    array([[ 1.,  3.],
           [ 7., 14.]])

    A batch of two 2-channel images and three filters:

    >>> import numpy as np
    >>> Y_hat = conv2d_forward(np.ones((2, 2, 5, 5)), np.ones((3, 2, 3, 3)), b=[0, 1, 2])
    >>> Y_hat.shape, Y_hat[0, :, 0, 0]
    ((2, 3, 3, 3), array([18., 19., 20.]))
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if not _notes_layer(settings, I, w):  # channels, a batch, stride...: convlib._general
        return _general.forward(I, w, b, **settings, method=method)
    b = as_real_scalar(b, "bias b")
    with np.errstate(invalid="ignore"):  # inf + -inf is nan, without a warning
        return correlate2d(I, w, method=method) + b  # (1.3)


def conv2d_backward(I, w, G, *, stride=1, padding=0, dilation=1, groups=1, method="auto"):
    r"""Compute the gradients of :math:`L` with respect to w, b and I: the backward pass.

    Parameters
    ----------
    I : array_like, shape (H, W) or (N, C_in, H, W)
        The image (or batch) the forward pass saw.
    w : array_like, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        The kernel the forward pass used.
    G : array_like, shape (H', W') or (N, C_out, H', W')
        The upstream gradient :math:`G = \partial L / \partial \hat{Y}`, handed down by the
        next layer (it is that layer's :math:`\partial L / \partial I`): the output's shape,
        ``(H - k1 + 1, W - k2 + 1)`` in the notes' layer.
    stride, padding, dilation, groups, method
        As in :func:`conv2d_forward`, the values the forward pass used (``"auto"``: the FFT
        only where it is faster and its error cannot show).

    Returns
    -------
    Gradients
        The named tuple ``(dw, db, dI)``: ``dw`` of the shape of ``w``; ``db`` a numpy scalar
        (2-D layer) or of shape (C_out,); ``dI`` of the shape of ``I``. float32 if ``I``, ``w``
        and ``G`` are all float32, else float64.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d_forward`, and if ``G`` does not have the output's shape.

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
    The general layer (see :func:`grad_w` and :func:`grad_input` for the sums): a weight
    touches every sample and position of its own filter's output, a pixel every filter of its
    group, so with :math:`\nu` the sample

    .. math::

        \frac{\partial L}{\partial w}[o, c] = \sum_\nu G[\nu, o] \otimes I[\nu, c], \qquad
        \frac{\partial L}{\partial b}[o] = \sum G[:, o], \qquad
        \frac{\partial L}{\partial I}[\nu, c] = \sum_o w[o, c] * G[\nu, o]

    for stride 1, dilation 1 and no padding (with them, the same sums read other pixels).
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

    With stride 2 a 3×3 kernel's windows overlap on every second row and column: those pixels
    reach two or four outputs, the others one.

    >>> dI = conv2d_backward(np.ones((5, 5)), np.ones((3, 3)), np.ones((2, 2)), stride=2).dI
    >>> dI
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if not _notes_layer(settings, I, w, G):  # channels, a batch, stride...: convlib._general
        return _general.backward(I, w, G, **settings, method=method)
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    G = as_real_2d(G, "upstream gradient G")
    check_fits(I.shape, w.shape)
    check_gradient_shape(G, output_shape(I.shape, w.shape))
    check_choice(method, "method", METHODS)
    I, w, G = common_float(I, w, G)
    return Gradients(grad_w(I, G, method=method), grad_b(G), grad_input(w, G, method=method))


def grad_w(I, G, *, stride=1, padding=0, dilation=1, groups=1, kernel_shape=None, method="auto"):
    r"""Return :math:`\partial L / \partial w = G \otimes I`, equation (2.3).

    Parameters
    ----------
    I : array_like, shape (H, W) or (N, C_in, H, W)
        The image (or batch) the forward pass saw.
    G : array_like, shape (H', W') or (N, C_out, H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`. In the notes' layer
        ``H' <= H`` and ``W' <= W``, and the kernel's shape is ``(H - H' + 1, W - W' + 1)``.
    stride, padding, dilation, groups, method
        As in :func:`conv2d_forward` (``"auto"``: the FFT only where it is faster and its error
        cannot show).
    kernel_shape : (int, int), optional
        The kernel's ``(k1, k2)``. Found from the shapes when the stride is 1 and the padding
        is not ``"same"``; needed otherwise, since then several kernels give the same output.

    Returns
    -------
    dw : ndarray, shape (k1, k2) or (C_out, C_in // groups, k1, k2)

    Notes
    -----
    One weight touches every output, so the chain rule sums over all of :math:`\hat{Y}`:

    .. math::

        \frac{\partial L}{\partial w}(m, n)
        = \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j)\, I(i + m, j + n)
        = (G \otimes I)(m, n).

    In the general layer a weight :math:`w[o, c, m, n]` touches every sample and every position
    of its filter's output :math:`o`, and reads the pixel of its own channel that the forward
    pass read there (:func:`conv2d_forward`):

    .. math::

        \frac{\partial L}{\partial w}[o, c, m, n] = \sum_\nu \sum_{i=0}^{H'-1} \sum_{j=0}^{W'-1}
            G[\nu, o, i, j]\;
            I_\text{pad}[\nu,\, \gamma(o) \tfrac{C_\text{in}}{\text{groups}} + c,\,
                         i s_1 + m d_1,\, j s_2 + n d_2]

    that is :math:`\sum_\nu G[\nu, o] \otimes I[\nu, c]` with stride 1, dilation 1 and no
    padding; computed as one matrix product, :math:`G\, \text{col}^T`.

    Examples
    --------
    >>> from convlib import grad_w
    >>> grad_w([[1, 2, 3], [4, 5, 6]], [[1, 1]])
    array([[ 3.,  5.],
           [ 9., 11.]])
    >>> grad_w([[1, 2, 3], [4, 5, 6]], [[1, 1]], stride=2, kernel_shape=(2, 1))
    array([[ 4.],
           [10.]])
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if kernel_shape is not None or not _notes_layer(settings, I, G):
        return _general.grad_w(I, G, kernel_shape=kernel_shape, **settings, method=method)
    I = as_real_2d(I, "image I")
    G = as_real_2d(G, "upstream gradient G")
    check_fits(I.shape, G.shape, "image I", "upstream gradient G")
    return correlate2d(I, G, method=method)  # (2.3): dL/dw = G ⊗ I


def grad_b(G):
    r"""Return :math:`\partial L / \partial b = \sum_{i,j} G(i, j)`, equation (2.4).

    Parameters
    ----------
    G : array_like, shape (H', W') or (N, C_out, H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`.

    Returns
    -------
    db : numpy scalar, or ndarray of shape (C_out,)
        float32 if ``G`` is float32, else float64.

    Notes
    -----
    The bias enters every output with coefficient 1:

    .. math::

        \frac{\partial L}{\partial b} = \sum_{i=0}^{H - k_1} \sum_{j=0}^{W - k_2} G(i, j).

    With filters, :math:`b[o]` enters every output of filter :math:`o`, in every sample:
    :math:`\partial L / \partial b[o] = \sum_\nu \sum_{i,j} G[\nu, o, i, j]`.

    Examples
    --------
    >>> from convlib import grad_b
    >>> grad_b([[1, 2], [3, -4]])
    np.float64(2.0)
    >>> grad_b([[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]])  # N = 2, C_out = 2
    array([14., 22.])
    """
    ndim, _ = layer_ndim(("G", G))
    if ndim == 4 or ndim is None:
        G = as_real_layer_array(G, "upstream gradient G", ndim, None)
        return G.sum(axis=(0, 2, 3))  # dL/db[o] = Σ_ν Σ_i Σ_j G[ν, o, i, j]
    return as_real_2d(G, "upstream gradient G").sum()  # (2.4): dL/db = Σ_i Σ_j G(i, j)


def grad_input(w, G, *, stride=1, padding=0, dilation=1, groups=1, input_shape=None, method="auto"):
    r"""Return :math:`\partial L / \partial I = w * G`, a full convolution, equation (3.4).

    Computed as the forward pass's cross-correlation of the rotated kernel with the zero-padded
    ``G``, equation (4.3).

    Parameters
    ----------
    w : array_like, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        The kernel the forward pass used.
    G : array_like, shape (H', W') or (N, C_out, H', W')
        The upstream gradient :math:`\partial L / \partial \hat{Y}`.
    stride, padding, dilation, groups, method
        As in :func:`conv2d_forward` (``"auto"``: the FFT only where it is faster and its error
        cannot show).
    input_shape : (int, int), optional
        The image's ``(H, W)``. Found from the shapes when the stride is 1; needed with a
        larger stride, since then images of ``s`` different sizes give the same output.

    Returns
    -------
    dI : ndarray, shape (H' + k1 - 1, W' + k2 - 1) or (N, C_in, H, W)
        The image's shape ``(H, W)``.

    Notes
    -----
    With :math:`G` taken as zero outside its :math:`H' \times W'` entries,

    .. math::

        \frac{\partial L}{\partial I}(i', j')
        = \sum_{m=0}^{k_1 - 1} \sum_{n=0}^{k_2 - 1} G(i' - m, j' - n)\, w(m, n)
        = \bigl(\operatorname{rot180}(w) \otimes
          \operatorname{pad}(G, k_1 - 1, k_2 - 1)\bigr)(i', j').

    In the general layer a pixel :math:`I[\nu, c', u, v]` touches every filter :math:`o` of its
    channel's group, through tap :math:`(m, n)` at the output :math:`(i, j)` whose window puts
    that tap on it, :math:`i s_1 + m d_1 = u + p_\text{top}`, when that :math:`i` is a whole
    number inside :math:`[0, H')` (and the same for :math:`j`). With :math:`c` the pixel's channel
    within its group,

    .. math::

        \frac{\partial L}{\partial I}[\nu, c', u, v] = \sum_{o \in \gamma(c')}
            \sum_{m,n}
            G\Bigl[\nu, o, \tfrac{u + p_\text{top} - m d_1}{s_1},
                   \tfrac{v + p_\text{left} - n d_2}{s_2}\Bigr]\, w[o, c, m, n].

    That is the notes' rotated-kernel correlation (4.3) applied to :math:`G` dilated by the
    stride (:math:`s - 1` zeros between its entries), with the kernel dilated by :math:`d`, then
    cropped by the padding: a transposed convolution (``conv_transpose2d``). Pixels that no
    window reads (the last rows and columns, with a stride) get 0. It is computed as
    :math:`W^T G`, whose rows are added back onto the pixels they came from (col2im).

    Examples
    --------
    >>> from convlib import grad_input
    >>> grad_input([[1, 10]], [[1, 1]])
    array([[ 1., 11., 10.]])
    >>> grad_input([[1, 10]], [[1, 1]], stride=2, input_shape=(1, 5))
    array([[ 1., 10.,  1., 10.,  0.]])
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if input_shape is not None or not _notes_layer(settings, w, G):
        return _general.grad_input(w, G, input_shape=input_shape, **settings, method=method)
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
    r"""A CONV layer holding its kernel ``w`` and bias ``b``, for the training chapters.

    ``forward(I)`` computes :math:`\hat{Y} = w \otimes I + b` (1.3) and remembers ``I``;
    ``backward(G)`` returns :math:`\partial L / \partial I` (3.4) to hand to the previous layer
    and keeps :math:`\partial L / \partial w` (2.3) and :math:`\partial L / \partial b` (2.4) in
    ``dw`` and ``db``; ``step(lr)`` takes one gradient-descent step. With a 4-D kernel it is the
    general layer of :func:`conv2d_forward`, on batches ``(N, C_in, H, W)``.

    Parameters
    ----------
    w : array_like, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        The initial kernel; the layer keeps its own copy.
    b : float or array_like of shape (C_out,), optional
        The initial bias (default 0.0): one number, or one per filter (a 4-D kernel's layer
        keeps it as an array of shape (C_out,)).
    stride, padding, dilation, groups : optional
        As in :func:`conv2d_forward` (defaults: the notes' layer).
    method : {"auto", "direct", "fft"}, optional
        How to compute the cross-correlations, as in :func:`conv2d_forward` (``"auto"``: the FFT
        only where it is faster and its error cannot show).

    Attributes
    ----------
    w : ndarray, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        The kernel.
    b : float, or ndarray of shape (C_out,)
        The bias.
    dw : ndarray or None
        :math:`\partial L / \partial w` from the last ``backward``.
    db : numpy scalar, ndarray or None
        :math:`\partial L / \partial b` from the last ``backward``.
    settings : dict
        ``stride``, ``padding``, ``dilation``, ``groups`` and ``method``, as the layer passes them
        to :func:`conv2d_forward` and :func:`conv2d_backward`.

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

    On a batch: 4 images of 3 channels, 8 filters, stride 2 and padding 1.

    >>> layer = Conv2D.from_shape((8, 3, 3, 3), seed=0, stride=2, padding=1)
    >>> Y_hat = layer.forward(np.ones((4, 3, 16, 16)))
    >>> Y_hat.shape
    (4, 8, 8, 8)
    >>> dI = layer.backward(np.ones_like(Y_hat))
    >>> dI.shape, layer.dw.shape, layer.db.shape
    ((4, 3, 16, 16), (8, 3, 3, 3), (8,))
    """

    def __init__(self, w, b=0.0, *, stride=1, padding=0, dilation=1, groups=1, method="auto"):
        self.w = np.array(as_real_layer_array(w, "kernel w", layer_ndim(("w", w))[0], None))
        settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        self.b, self.method = _general.check_layer(self.w, b, settings, method)
        self.settings = {**settings, "method": self.method}
        self.I = None
        self.dw = None
        self.db = None

    @classmethod
    def from_shape(cls, shape, *, seed=0, stride=1, padding=0, dilation=1, groups=1, method="auto"):
        r"""Make a layer with a random kernel of shape ``shape`` and a zero bias.

        ``shape`` is ``(k1, k2)`` or ``(C_out, C_in // groups, k1, k2)``. The weights are drawn
        from :math:`\mathcal{N}(0, 1 / \text{fan-in})`, the fan-in being the number of weights
        of one filter (:math:`k_1 k_2`, or :math:`C_\text{in} / \text{groups} \cdot k_1 k_2`),
        with ``numpy.random.default_rng(seed)``, so the same seed gives the same layer. The
        other arguments are those of :class:`Conv2D`.

        Examples
        --------
        >>> from convlib import Conv2D
        >>> layer = Conv2D.from_shape((3, 3), seed=0)
        >>> layer.w.shape, layer.b
        ((3, 3), 0.0)
        >>> layer = Conv2D.from_shape((8, 3, 5, 5), seed=0, padding="same")
        >>> layer.w.shape, layer.b.shape
        ((8, 3, 5, 5), (8,))
        """
        shape = as_kernel_shape(shape, "shape")
        rng = np.random.default_rng(seed)
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0] * shape[1]
        w = rng.standard_normal(shape) / np.sqrt(fan_in)
        return cls(
            w, 0.0, stride=stride, padding=padding, dilation=dilation, groups=groups, method=method
        )

    def forward(self, I):
        r"""Return :math:`\hat{Y} = w \otimes I + b` (1.3) and remember ``I`` for ``backward``."""
        I = as_real_layer_array(I, "image I", self.w.ndim, "kernel w")
        self.I = np.array(I)  # a copy: later changes to I cannot leak in
        return conv2d_forward(self.I, self.w, self.b, **self.settings)

    def backward(self, G):
        r"""Return :math:`\partial L / \partial I` (3.4); keep ``dw`` (2.3) and ``db`` (2.4)."""
        if self.I is None:
            raise RuntimeError("Conv2D.backward(G) needs the input of forward(I): call it first")
        self.dw, self.db, dI = conv2d_backward(self.I, self.w, G, **self.settings)
        return dI

    def step(self, lr):
        r"""Take a gradient-descent step: :math:`w \leftarrow w - \eta\, \partial L / \partial w`.

        The same for ``b``, with the same learning rate :math:`\eta` = ``lr``.
        """
        lr = as_real_scalar(lr, "learning rate lr")
        if self.dw is None:
            raise RuntimeError("Conv2D.step(lr) needs the gradients of backward(G): call it first")
        self.w = self.w - lr * self.dw
        self.b = self.b - lr * (float(self.db) if self.w.ndim == 2 else self.db)

    def __repr__(self):
        if self.w.ndim == 2:
            return f"Conv2D(w={self.w.tolist()!r}, b={self.b!r})"
        settings = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"Conv2D(w of shape {self.w.shape}, b of shape {self.b.shape}, {settings})"
