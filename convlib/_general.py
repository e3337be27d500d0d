r"""The general layer behind :mod:`convlib.layer`: input rules, the route, 2-D and 4-D. Private.

``convlib.layer``'s functions compute the notes' layer (2-D ``I`` and ``w``, stride 1, no
padding, dilation 1) themselves, and hand every other layer to the functions here. They apply the
input rules (``convlib._checks``), then take one of two routes:

- a single channel with stride 1 and dilation 1 (2-D ``I`` and ``w``, any padding): the notes'
  own correlations on the zero-padded image, :func:`convlib.correlate2d` with its ``method``;
- anything else (channels, a batch, stride, dilation, groups): matrix products
  (``convlib._im2col``), where ``method`` may be ``"auto"`` or ``"direct"`` (a direct sum, as a
  matrix product); ``"fft"`` raises ``ValueError``.

A 2-D layer is computed as the 4-D one with ``N = C_in = C_out = 1`` and given back 2-D.

NaN and inf: every output is the sum the definition gives, with the padding's zeros multiplied
as in torch; the input gradient has no term for an output that does not exist (as torch, unlike
the notes' rotated-kernel trick on a zero-padded ``G``, whose zeros would meet an inf in ``w``).
``method="fft"`` spreads them everywhere, as in :func:`convlib.correlate2d`.
"""

from __future__ import annotations

import numpy as np

from . import _im2col, _winograd
from ._checks import (
    as_layer_bias,
    as_real_layer_array,
    as_real_scalar,
    as_shape,
    check_choice,
    check_layer_gradient,
    common_float,
    input_size_from,
    kernel_size_from,
    layer_geometry,
    layer_ndim,
    layer_settings,
    total_padding,
)
from ._types import Gradients, LayerGeometry
from .ops import METHODS, correlate2d, rot180, zero_pad

__all__ = ["backward", "forward", "grad_input", "grad_w"]


def _arrays(*named):
    """Check the arrays ``(name, x)`` against the layer's number of axes; return it and them."""
    ndim, like = layer_ndim(*named)
    return ndim, [as_real_layer_array(x, name, ndim, like) for name, x in named]


def _settings(stride, padding, dilation, groups):
    return {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


def _single_channel(g: LayerGeometry, ndim: int) -> bool:
    """Whether the notes' single-channel correlations can compute this layer."""
    return ndim == 2 and g.stride == (1, 1) and g.dilation == (1, 1)


def _method(method, g: LayerGeometry, ndim: int) -> str:
    """Check ``method``; ``"fft"`` only for a single-channel layer."""
    method = check_choice(method, "method", METHODS)
    if method == "fft" and not _single_channel(g, ndim):
        raise ValueError(
            "method='fft' is the FFT engine of the single-channel correlation (2-D I and w, "
            "stride 1, dilation 1); a layer with channels, a batch, a stride or a dilation is "
            "computed by matrix products: use method='auto' or 'direct'"
        )
    return method


def _pad(I: np.ndarray, g: LayerGeometry) -> np.ndarray:
    """``I`` (2-D) with the layer's zero rows and columns around it."""
    top, bottom, left, right = g.padding
    if not any(g.padding):
        return I
    padded = np.zeros((g.H + top + bottom, g.W + left + right), dtype=I.dtype)
    padded[top : top + g.H, left : left + g.W] = I
    return padded


def _batched(x: np.ndarray, ndim: int) -> np.ndarray:
    return x if ndim == 4 else x[None, None]


def check_layer(w: np.ndarray, b, settings: dict, method):
    """Check a :class:`convlib.Conv2D`'s kernel, bias, settings and method before any image.

    Returns the bias as the layer keeps it (a float, or an array of shape (C_out,) in ``w``'s
    dtype) and ``method``.
    """
    groups = layer_settings(**settings)[0]
    big = 10**9  # an image every dilated kernel fits in, with the channels w asks for
    image = (big, big) if w.ndim == 2 else (1, w.shape[1] * groups, big, big)
    g = layer_geometry(image, w.shape, **settings)
    method = _method(method, g, w.ndim)
    if w.ndim == 2:
        return as_real_scalar(b, "bias b"), method
    return as_layer_bias(b, g, 4, w.dtype), method


# ---------------------------------------------------------------------------------------------
# The four functions of the layer
# ---------------------------------------------------------------------------------------------


def forward(I, w, b, *, stride, padding, dilation, groups, method):
    r"""Return the layer's output :math:`\hat{Y} = w \otimes I + b`, any settings."""
    ndim, (I, w) = _arrays(("image I", I), ("kernel w", w))
    g = layer_geometry(I.shape, w.shape, **_settings(stride, padding, dilation, groups))
    method = _method(method, g, ndim)
    I, w = common_float(I, w)
    b = as_layer_bias(b, g, ndim, I.dtype)
    if _single_channel(g, ndim):
        with np.errstate(invalid="ignore"):  # inf + -inf is nan, without a warning
            return correlate2d(_pad(I, g), w, method=method) + b[0]  # Ŷ = w ⊗ pad(I) + b
    Y = _forward(_batched(I, ndim), _batched(w, ndim), b, g)
    return Y if ndim == 4 else Y[0, 0]


def backward(I, w, G, *, stride, padding, dilation, groups, method):
    r"""Return the three gradients, :class:`Gradients` ``(dw, db, dI)``, any settings."""
    ndim, (I, w, G) = _arrays(("image I", I), ("kernel w", w), ("upstream gradient G", G))
    g = layer_geometry(I.shape, w.shape, **_settings(stride, padding, dilation, groups))
    method = _method(method, g, ndim)
    check_layer_gradient(G, g, ndim)
    I, w, G = common_float(I, w, G)
    if _single_channel(g, ndim):
        return Gradients(
            _grad_w(I, G, g, ndim, method), _grad_b(G, ndim), _grad_I(w, G, g, ndim, method)
        )
    dw, db, dI = _backward(_batched(I, ndim), _batched(w, ndim), _batched(G, ndim), g)
    if ndim == 2:
        return Gradients(dw[0, 0], db[0], dI[0, 0])
    return Gradients(dw, db, dI)


def grad_w(I, G, *, kernel_shape, stride, padding, dilation, groups, method):
    r""":math:`\partial L / \partial w`, with the kernel's ``(k1, k2)`` given or found."""
    ndim, (I, G) = _arrays(("image I", I), ("upstream gradient G", G))
    settings = _settings(stride, padding, dilation, groups)
    g = _geometry_from(I.shape, G, kernel_shape, "kernel", ndim, settings)
    method = _method(method, g, ndim)
    check_layer_gradient(G, g, ndim)
    I, G = common_float(I, G)
    return _grad_w(I, G, g, ndim, method)


def grad_input(w, G, *, input_shape, stride, padding, dilation, groups, method):
    r""":math:`\partial L / \partial I`, with the image's ``(H, W)`` given or found."""
    ndim, (w, G) = _arrays(("kernel w", w), ("upstream gradient G", G))
    settings = _settings(stride, padding, dilation, groups)
    g = _geometry_from(w.shape, G, input_shape, "input", ndim, settings)
    method = _method(method, g, ndim)
    check_layer_gradient(G, g, ndim)
    w, G = common_float(w, G)
    return _grad_I(w, G, g, ndim, method)


# ---------------------------------------------------------------------------------------------
# The gradients, once the inputs are checked: each beside the forward pass it differentiates
# ---------------------------------------------------------------------------------------------


def _grad_w(I, G, g: LayerGeometry, ndim: int, method: str) -> np.ndarray:
    if _single_channel(g, ndim):
        return correlate2d(_pad(I, g), G, method=method)  # ∂L/∂w = G ⊗ pad(I)
    dw = _layer_grad_w(_batched(I, ndim), _batched(G, ndim), g)  # dw[o, c] = Σₙ G[n, o] ⊗ I[n, c]
    return dw if ndim == 4 else dw[0, 0]


def _grad_b(G, ndim: int):
    db = G.sum(axis=(0, 2, 3)) if ndim == 4 else G.sum()  # db[o] = Σ G[:, o]
    return db


def _grad_I(w, G, g: LayerGeometry, ndim: int, method: str) -> np.ndarray:
    # (the zero padding of G would meet an inf or nan in w where no output exists: im2col then)
    if _single_channel(g, ndim) and (method == "fft" or np.isfinite(w).all()):
        top, _, left, _ = g.padding
        k1, k2 = w.shape
        full = correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w), method=method)  # w * G
        return full[top : top + g.H, left : left + g.W].copy()  # cropped by the padding
    dI = _layer_grad_input(_batched(w, ndim), _batched(G, ndim), g)  # Σₒ w[o, c] * G[n, o]
    return dI if ndim == 4 else dI[0, 0]


# ---------------------------------------------------------------------------------------------
# The 4-D layer: Winograd's F(2×2, 3×3) where it applies and its result is finite, else im2col
# ---------------------------------------------------------------------------------------------


def _forward(I, w, b, g: LayerGeometry) -> np.ndarray:
    Y = _winograd.forward(I, w, b, g) if _winograd.applies(g, I.itemsize) else None
    return _im2col.forward(I, w, b, g) if Y is None else Y


def _backward(I, w, G, g: LayerGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not _winograd.applies(g, I.itemsize):
        return _im2col.backward(I, w, G, g)
    dw, db, dI = _winograd.backward(I, w, G, g)
    dw = _im2col.grad_w(I, G, g) if dw is None else dw
    dI = _im2col.grad_input(w, G, g) if dI is None else dI
    return dw, db, dI


def _layer_grad_w(I, G, g: LayerGeometry) -> np.ndarray:
    dw = _winograd.grad_w(I, G, g) if _winograd.applies(g, I.itemsize) else None
    return _im2col.grad_w(I, G, g) if dw is None else dw


def _layer_grad_input(w, G, g: LayerGeometry) -> np.ndarray:
    dI = _winograd.grad_input(w, G, g) if _winograd.applies(g, G.itemsize) else None
    return _im2col.grad_input(w, G, g) if dI is None else dI


def _geometry_from(shape, G, given, what: str, ndim: int, settings: dict) -> LayerGeometry:
    """Return the geometry when only the kernel's (``what="kernel"``) or image's shape is known.

    ``shape`` is the other one's: the image's for ``grad_w``, the kernel's for ``grad_input``;
    ``given`` is ``kernel_shape`` or ``input_shape``, ``(rows, columns)`` or None (found from
    ``G``'s shape where the settings fix it).
    """
    groups, (s1, s2), (d1, d2), pads = layer_settings(**settings)
    p1, p2 = total_padding(pads)
    H_out, W_out = G.shape[-2:]
    if what == "kernel":
        H, W = shape[-2:]
        if given is None:
            k1 = kernel_size_from(H, H_out, s1, d1, p1, "rows")
            k2 = kernel_size_from(W, W_out, s2, d2, p2, "columns")
        else:
            k1, k2 = as_shape(given, "kernel_shape")
        kernel = (k1, k2) if ndim == 2 else (G.shape[1], shape[1] // groups, k1, k2)
        return layer_geometry(shape, kernel, kernel="kernel_shape", **settings)
    k1, k2 = shape[-2:]
    if given is None:
        H = input_size_from(H_out, k1, s1, d1, p1, "rows")
        W = input_size_from(W_out, k2, s2, d2, p2, "columns")
    else:
        H, W = as_shape(given, "input_shape")
    image = (H, W) if ndim == 2 else (G.shape[0], shape[1] * groups, H, W)
    return layer_geometry(image, shape, **settings)
