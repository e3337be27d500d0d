r"""The notes' sums as explicit loops, one ``for`` per :math:`\sum`, one line per term.

Slow on purpose, and independent on purpose: this module imports numpy and the input checks,
never the fast code in ``convlib.ops`` or ``convlib.layer``, so the tests can use it to check
them. Index names are the notes': output :math:`(i, j)`, kernel :math:`(m, n)`, input pixel
:math:`(i', j')` written ``ip, jp``. The input rules are those of the rest of convlib.

NaN and inf propagate as IEEE arithmetic does. Terms outside the image are left out of the sums
rather than multiplied by zero, so an inf in ``w`` gives inf here where the fast paths and scipy,
which multiply it by the zero padding, give nan (``0 * inf``).

:func:`conv2d_forward` and :func:`conv2d_backward` also compute the general layer (channels, a
batch, stride, padding, dilation, groups; see :func:`convlib.conv2d_forward`), as loops over
every index of its sums: ``nu`` the sample :math:`\nu`, ``o`` the filter, ``c`` a filter's
input channel, ``cp`` an image's channel :math:`c'`. There the padding is a real array of zeros,
as in the fast layer. :func:`correlate2d`, :func:`convolve2d`, :func:`grad_w`, :func:`grad_b`
and :func:`grad_input` are the notes' single-channel operations.
"""

import numpy as np

from ._checks import (
    as_layer_bias,
    as_real_2d,
    as_real_layer_array,
    check_choice,
    check_fits,
    check_layer_gradient,
    common_float,
    layer_geometry,
    layer_ndim,
)
from ._types import Gradients, LayerGeometry

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
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    I, w = common_float(I, w)
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
    I = as_real_2d(I, "image I")
    w = as_real_2d(w, "kernel w")
    I, w = common_float(I, w)
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


def conv2d_forward(I, w, b=0.0, *, stride=1, padding=0, dilation=1, groups=1):
    r"""Compute the layer's output :math:`\hat{Y} = w \otimes I + b`, equation (1.3), as loops.

    Any layer of :func:`convlib.conv2d_forward`, with the same arguments (no ``method``).

    Notes
    -----
    One loop per index of the sum, filter :math:`o` reading the channels of its group
    (from :math:`\gamma(o)\, C_\text{in} / \text{groups}` on):

    .. math::

        \hat{Y}[\nu, o, i, j] = \sum_{c} \sum_{m} \sum_{n}
            I_\text{pad}[\nu,\, \gamma(o) \tfrac{C_\text{in}}{\text{groups}} + c,\,
                         i s_1 + m d_1,\, j s_2 + n d_2]\; w[o, c, m, n] + b[o]

    Examples
    --------
    >>> from convlib import reference
    >>> reference.conv2d_forward([[1, 2, 3]], [[1, 10]], 0.5)
    array([[21.5, 32.5]])
    >>> reference.conv2d_forward([[1, 2, 3]], [[1, 10]], padding=(0, 1), stride=2)
    array([[10., 32.]])
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    ndim, (I, w), g = _checked(settings, ("image I", I), ("kernel w", w))
    I, w = common_float(I, w)
    b = as_layer_bias(b, g, ndim, I.dtype)
    I_pad, w = _padded(I.reshape(g.input_shape), g), w.reshape(g.kernel_shape)
    (s1, s2), (d1, d2) = g.stride, g.dilation
    Cg, Og = g.C_in // g.groups, g.C_out // g.groups
    out = np.zeros(g.output_shape, dtype=I.dtype)
    for nu, o, i, j in np.ndindex(out.shape):  # every output Ŷ[ν, o, i, j]
        for c, m, n in np.ndindex(Cg, g.k1, g.k2):  # every weight of filter o
            cp = o // Og * Cg + c  # the image's channel it reads
            out[nu, o, i, j] += I_pad[nu, cp, i * s1 + m * d1, j * s2 + n * d2] * w[o, c, m, n]
    for nu, o, i, j in np.ndindex(out.shape):
        out[nu, o, i, j] += b[o]
    return out if ndim == 4 else out[0, 0]


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
    I = as_real_2d(I, "image I")
    G = as_real_2d(G, "upstream gradient G")
    I, G = common_float(I, G)
    check_fits(I.shape, G.shape, "image I", "upstream gradient G")
    (H, W), (Hp, Wp) = I.shape, G.shape
    k1, k2 = H - Hp + 1, W - Wp + 1
    dw = np.zeros((k1, k2), dtype=I.dtype)
    for m in range(k1):
        for n in range(k2):
            for i in range(Hp):
                for j in range(Wp):
                    dw[m, n] += G[i, j] * I[i + m, j + n]  # (2.3)
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
    w = as_real_2d(w, "kernel w")
    G = as_real_2d(G, "upstream gradient G")
    w, G = common_float(w, G)
    (k1, k2), (Hp, Wp) = w.shape, G.shape
    H, W = Hp + k1 - 1, Wp + k2 - 1
    dI = np.zeros((H, W), dtype=w.dtype)
    for ip in range(H):
        for jp in range(W):
            for m in range(k1):
                for n in range(k2):
                    if 0 <= ip - m < Hp and 0 <= jp - n < Wp:  # (3.1)
                        dI[ip, jp] += G[ip - m, jp - n] * w[m, n]  # (3.4)
    return dI


def conv2d_backward(I, w, G, *, stride=1, padding=0, dilation=1, groups=1):
    r"""Compute the gradients of :math:`L` for :math:`\hat{Y} = w \otimes I + b`, given :math:`G`.

    Any layer of :func:`convlib.conv2d_backward`, with the same arguments (no ``method``).

    Parameters
    ----------
    I : array_like, shape (H, W) or (N, C_in, H, W)
    w : array_like, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
    G : array_like, shape (H - k1 + 1, W - k2 + 1) or (N, C_out, H', W')
        :math:`\partial L / \partial \hat{Y}`, the output's shape.
    stride, padding, dilation, groups : optional
        As in :func:`convlib.conv2d_forward`.

    Returns
    -------
    Gradients
        The named tuple ``(dw, db, dI)``, of the shapes of ``w``, ``b`` (a scalar in the 2-D
        layer, ``(C_out,)`` otherwise) and ``I``: the same type as ``convlib.conv2d_backward``
        returns.

    Notes
    -----
    In the notes' layer these are the sums of :func:`grad_w`, :func:`grad_b` and
    :func:`grad_input`, equations (2.3), (2.4), (3.4), added in the same order. In the general
    layer, one loop per index:

    .. math::

        \frac{\partial L}{\partial w}[o, c, m, n] &= \sum_{\nu, i, j} G[\nu, o, i, j]\;
            I_\text{pad}[\nu, c', i s_1 + m d_1, j s_2 + n d_2] \\
        \frac{\partial L}{\partial b}[o] &= \sum_{\nu, i, j} G[\nu, o, i, j] \\
        \frac{\partial L}{\partial I}[\nu, c', i', j'] &= \sum_{o, m, n}
            G[\nu, o, i, j]\, w[o, c, m, n]

    where :math:`c'` is channel :math:`c` of filter :math:`o`'s group, and in the last sum
    :math:`(i, j)` is the output whose tap :math:`(m, n)` lands on the pixel,
    :math:`i s_1 + m d_1 = i' + p_\text{top}` and :math:`j s_2 + n d_2 = j' + p_\text{left}`,
    when it exists (the region of (3.1); none for the rows a stride skips).

    Examples
    --------
    >>> from convlib import reference
    >>> dw, db, dI = reference.conv2d_backward([[1, 2, 3]], [[1, 10]], [[1, 1]])
    >>> dw, float(db), dI
    (array([[3., 5.]]), 2.0, array([[ 1., 11., 10.]]))
    >>> reference.conv2d_backward([[1, 2, 3]], [[1, 10]], [[1]], stride=2).dI
    array([[ 1., 10.,  0.]])
    """
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    ndim, (I, w, G), g = _checked(
        settings, ("image I", I), ("kernel w", w), ("upstream gradient G", G)
    )
    check_layer_gradient(G, g, ndim)
    I, w, G = common_float(I, w, G)
    I_pad = _padded(I.reshape(g.input_shape), g)
    w, G = w.reshape(g.kernel_shape), G.reshape(g.output_shape)
    (s1, s2), (d1, d2), (top, _, left, _) = g.stride, g.dilation, g.padding
    Cg, Og = g.C_in // g.groups, g.C_out // g.groups
    N, H_out, W_out = g.N, g.H_out, g.W_out

    dw = np.zeros(g.kernel_shape, dtype=I.dtype)
    for o, c, m, n in np.ndindex(dw.shape):  # every weight w[o, c, m, n]
        cp = o // Og * Cg + c  # the image's channel it reads
        for nu, i, j in np.ndindex(N, H_out, W_out):  # every output of filter o, every sample
            dw[o, c, m, n] += G[nu, o, i, j] * I_pad[nu, cp, i * s1 + m * d1, j * s2 + n * d2]

    db = np.zeros(g.C_out, dtype=I.dtype)
    for o in range(g.C_out):  # every bias b[o]
        for nu, i, j in np.ndindex(N, H_out, W_out):  # every output of filter o, every sample
            db[o] += G[nu, o, i, j]

    dI = np.zeros(g.input_shape, dtype=I.dtype)
    for nu, cp, ip, jp in np.ndindex(dI.shape):  # every pixel I[ν, c', i', j']
        group, c = divmod(cp, Cg)  # its channel's group, and its place there
        for o in range(group * Og, (group + 1) * Og):  # every filter of that group
            for m, n in np.ndindex(g.k1, g.k2):  # every tap, and the output it lands from
                i, row = divmod(ip + top - m * d1, s1)
                j, col = divmod(jp + left - n * d2, s2)
                if row == col == 0 and 0 <= i < H_out and 0 <= j < W_out:  # (3.1): the region
                    dI[nu, cp, ip, jp] += G[nu, o, i, j] * w[o, c, m, n]
    if ndim == 2:
        return Gradients(dw[0, 0], db[0], dI[0, 0])
    return Gradients(dw, db, dI)


def _checked(settings, *named):
    """Apply the layer's input rules to the arrays ``(name, x)``; return ``ndim``, them, sizes."""
    ndim, like = layer_ndim(*named)
    arrays = [as_real_layer_array(x, name, ndim, like) for name, x in named]
    return ndim, arrays, layer_geometry(arrays[0].shape, arrays[1].shape, **settings)


def _padded(I: np.ndarray, g: LayerGeometry) -> np.ndarray:
    """Return the image ``(N, C_in, H, W)`` inside its zero padding (a new array)."""
    top, bottom, left, right = g.padding
    I_pad = np.zeros((g.N, g.C_in, g.H + top + bottom, g.W + left + right), dtype=I.dtype)
    I_pad[:, :, top : top + g.H, left : left + g.W] = I
    return I_pad
