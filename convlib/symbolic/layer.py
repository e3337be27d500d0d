r"""The general layer at concrete sizes, built from symbols and differentiated by sympy.

Beyond the notes: a batch of ``N`` images of ``C_in`` channels, ``C_out`` filters in ``groups``
groups, stride :math:`s`, zero padding :math:`p` and dilation :math:`d`. :func:`derive_layer`
writes every output from the definition,

.. math::

    \hat{Y}[\nu, o, i, j] = \sum_{c} \sum_{m} \sum_{n}
        I_\text{pad}[\nu,\, c_0(o) + c,\, i s_1 + m d_1,\, j s_2 + n d_2]\; w[o, c, m, n] + b[o],

(:math:`c_0(o)` the first channel of filter :math:`o`'s group), forms
:math:`L = \sum G \odot \hat{Y}` so that :math:`\partial L / \partial \hat{Y} = G`, and lets
``sympy.diff`` find every gradient: nothing is typed in. The chapters compare these with the
closed forms they derive, built from the notes' 2-D operations (``convlib.symbolic.matrices``)
and the few extra ones here: :func:`dilate` (zeros between entries) and :func:`crop`.

Arrays are numpy object arrays of sympy expressions, so that ``d.dI[nu, c]`` is one channel's
2-D array and ``sympy.ImmutableMatrix(d.dI[nu, c])`` the matrix the 2-D operations take. The
sizes and settings go through the same input rules as ``convlib.conv2d_forward``.

Examples
--------
>>> from convlib.symbolic import derive_layer
>>> d = derive_layer(1, 1, 1, 3, 3, 2, 2, stride=2, padding=1)
>>> d.Y_hat.shape, d.dI.shape
((1, 1, 2, 2), (1, 1, 3, 3))
>>> d.dI[0, 0, 0, 0]
G_{0,0,0,0}*w_{0,0,1,1}
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from .._checks import as_int, layer_geometry
from .._types import LayerGeometry
from .concrete import differentiate

__all__ = ["LayerDerivation", "crop", "derive_layer", "dilate"]


@dataclass(frozen=True)
class LayerDerivation:
    r"""Symbols, output and gradients of one general layer, from :func:`derive_layer`.

    Attributes
    ----------
    geometry : LayerGeometry
        The sizes and settings (``N, C_in, H, W, C_out, groups, k1, k2, stride, dilation,
        padding, H_out, W_out``), as ``convlib``'s layer computes them.
    I : ndarray of sympy.Symbol, shape (N, C_in, H, W)
        Symbols ``I_{ν,c,u,v}``.
    w : ndarray of sympy.Symbol, shape (C_out, C_in // groups, k1, k2)
        Symbols ``w_{o,c,m,n}``.
    b : ndarray of sympy.Symbol, shape (C_out,)
        Symbols ``b_{o}``.
    G : ndarray of sympy.Symbol, shape (N, C_out, H', W')
        Symbols ``G_{ν,o,i,j}`` standing for :math:`\partial L / \partial \hat{Y}`.
    Y_hat : ndarray of sympy.Expr, shape (N, C_out, H', W')
        The layer's output from its definition.
    L : sympy.Expr
        :math:`\sum G \odot \hat{Y}`.
    dw, db, dI : ndarray of sympy.Expr
        ``sympy.diff(L, x)`` for every weight, bias and pixel, in the shapes of ``w``, ``b``,
        ``I``.
    """

    geometry: LayerGeometry
    I: np.ndarray
    w: np.ndarray
    b: np.ndarray
    G: np.ndarray
    Y_hat: np.ndarray
    L: sp.Expr
    dw: np.ndarray
    db: np.ndarray
    dI: np.ndarray


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = sp.Symbol(f"{name}_{{{','.join(map(str, index))}}}")
    return out


def derive_layer(
    N: int,
    C_in: int,
    C_out: int,
    H: int,
    W: int,
    k1: int,
    k2: int,
    *,
    stride=1,
    padding=0,
    dilation=1,
    groups=1,
) -> LayerDerivation:
    r"""Build a general layer from symbols at concrete sizes and differentiate its loss.

    Parameters
    ----------
    N, C_in, C_out : int
        Samples in the batch, input channels, filters (output channels); each ``>= 1``.
    H, W, k1, k2 : int
        Image and kernel sizes, ``>= 1``.
    stride, padding, dilation, groups
        As in :func:`convlib.conv2d_forward` (``padding`` may be ``"valid"`` or ``"same"``).

    Returns
    -------
    LayerDerivation
        Cached: the same arguments give the same object.

    Raises
    ------
    TypeError, ValueError
        As ``convlib.conv2d_forward`` would for these shapes and settings.

    Notes
    -----
    Every output is written from the definition above, then
    :math:`L = \sum_{\nu, o, i, j} G[\nu, o, i, j]\, \hat{Y}[\nu, o, i, j]` is differentiated
    with respect to each symbol. A few seconds at most for the small sizes a chapter checks
    (about 0.1 s for ``derive_layer(2, 2, 2, 4, 4, 2, 2)``).

    Examples
    --------
    >>> d = derive_layer(2, 2, 3, 4, 4, 2, 2)
    >>> d.dw.shape, d.db.shape, d.dI.shape
    ((3, 2, 2, 2), (3,), (2, 2, 4, 4))
    """
    sizes = dict(N=N, C_in=C_in, C_out=C_out, H=H, W=W, k1=k1, k2=k2)
    for name, value in sizes.items():
        as_int(value, name, minimum=1)
    groups = as_int(groups, "groups", minimum=1)
    if C_in % groups or C_out % groups:
        raise ValueError(
            f"groups={groups} must divide both C_in={C_in} and C_out={C_out}: each group has "
            "C_in // groups channels and C_out // groups filters"
        )
    settings = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = layer_geometry((N, C_in, H, W), (C_out, C_in // groups, k1, k2), **settings)
    return _derive_layer(g)


@cache
def _derive_layer(g: LayerGeometry) -> LayerDerivation:
    Cg, Og = g.C_in // g.groups, g.C_out // g.groups
    I = _symbols("I", g.input_shape)
    w = _symbols("w", (g.C_out, Cg, g.k1, g.k2))
    b = _symbols("b", (g.C_out,))
    G = _symbols("G", (g.N, g.C_out, g.H_out, g.W_out))
    top, _, left, _ = g.padding
    (s1, s2), (d1, d2) = g.stride, g.dilation

    def pixel(nu, c, u, v):  # I_pad: zero outside the image
        u, v = u - top, v - left
        return I[nu, c, u, v] if 0 <= u < g.H and 0 <= v < g.W else sp.S.Zero

    Y_hat = np.empty(G.shape, dtype=object)
    for nu, o, i, j in np.ndindex(G.shape):
        first = o // Og * Cg  # the first channel of filter o's group
        terms = (
            pixel(nu, first + c, i * s1 + m * d1, j * s2 + n * d2) * w[o, c, m, n]
            for c, m, n in itertools.product(range(Cg), range(g.k1), range(g.k2))
        )
        Y_hat[nu, o, i, j] = sp.Add(*terms) + b[o]
    L = sp.expand(sp.Add(*(G[k] * Y_hat[k] for k in np.ndindex(G.shape))))
    gradient = np.vectorize(differentiate(L), otypes=[object])
    return LayerDerivation(g, I, w, b, G, Y_hat, L, gradient(w), gradient(b), gradient(I))


def dilate(A, s1: int, s2: int | None = None) -> sp.ImmutableMatrix:
    r"""Put :math:`s - 1` zero rows (and :math:`s_2 - 1` zero columns) between the entries of ``A``.

    What a stride does to the upstream gradient in the backward pass, and a dilation to a
    kernel: :math:`D(A)(s_1 i, s_2 j) = A(i, j)`, zero elsewhere.

    Parameters
    ----------
    A : sympy.Matrix or 2-D array, shape (r, c)
    s1, s2 : int
        The spacing, ``>= 1``; ``s2`` defaults to ``s1``.

    Returns
    -------
    sympy.ImmutableMatrix, shape (s1 (r - 1) + 1, s2 (c - 1) + 1)

    Examples
    --------
    >>> import sympy as sp
    >>> dilate(sp.Matrix([[1, 2], [3, 4]]), 2)
    Matrix([
    [1, 0, 2],
    [0, 0, 0],
    [3, 0, 4]])
    """
    s1 = as_int(s1, "s1", minimum=1)
    s2 = s1 if s2 is None else as_int(s2, "s2", minimum=1)
    A = sp.ImmutableMatrix(A)
    r, c = A.shape

    def entry(i, j):
        i, j = int(i), int(j)
        return A[i // s1, j // s2] if i % s1 == 0 and j % s2 == 0 else sp.S.Zero

    return sp.ImmutableMatrix(s1 * (r - 1) + 1, s2 * (c - 1) + 1, entry)


def crop(A, top: int, bottom: int, left: int, right: int) -> sp.ImmutableMatrix:
    """Remove ``top``/``bottom`` rows and ``left``/``right`` columns from the borders of ``A``.

    What undoing the forward pass's zero padding does to the input gradient.

    Examples
    --------
    >>> import sympy as sp
    >>> crop(sp.Matrix([[1, 2, 3], [4, 5, 6]]), 0, 1, 1, 0)
    Matrix([[2, 3]])
    """
    A = sp.ImmutableMatrix(A)
    edges = {"top": top, "bottom": bottom, "left": left, "right": right}
    t, bo, le, ri = (as_int(v, k, minimum=0) for k, v in edges.items())
    r, c = A.shape
    if t + bo >= r + 1 or le + ri >= c + 1:
        raise ValueError(f"cannot crop {edges} from a matrix of shape {A.shape}")
    return sp.ImmutableMatrix(A[t : r - bo, le : c - ri])
