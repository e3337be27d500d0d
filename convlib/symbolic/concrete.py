r"""The layer at concrete sizes, built from symbols and differentiated by sympy.

:func:`derive` builds ``I``, ``w``, ``G`` as matrices of symbols, the layer's output ``Y_hat``
(1.3), the loss ``L = sum G(i,j) Y_hat(i,j)`` (so that ``dL/dY_hat = G``) and its gradients
``dw``, ``db``, ``dI``, obtained with ``sympy.diff``, never typed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import numpy
import sympy as sp

from .._checks import as_int, as_real_2d, check_fits, check_shape
from .matrices import correlate2d

__all__ = [
    "Derivation",
    "derive",
    "differentiate",
    "fitting_sizes",
    "lambdify_backward",
    "lambdify_forward",
]

_SIZES = ("H", "W", "k1", "k2")


def _symbols(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, cols, lambda r, c: sp.Symbol(f"{name}_{{{r},{c}}}"))


@dataclass(frozen=True)
class Derivation:
    r"""Symbols, output and gradients of one layer of concrete size, from :func:`derive`.

    Attributes
    ----------
    H, W, k1, k2 : int
        Image and kernel sizes.
    I : sympy.ImmutableMatrix, shape (H, W)
        Symbols ``I_{i',j'}``.
    w : sympy.ImmutableMatrix, shape (k1, k2)
        Symbols ``w_{m,n}``.
    b : sympy.Symbol
    G : sympy.ImmutableMatrix, shape (H - k1 + 1, W - k2 + 1)
        Symbols ``G_{i,j}`` standing for ``dL/dY_hat``.
    Y_hat : sympy.ImmutableMatrix, shape (H - k1 + 1, W - k2 + 1)
        The layer's output from its definition, (1.3).
    L : sympy.Expr
        ``sum_ij G(i,j) Y_hat(i,j)``: a loss whose gradient with respect to ``Y_hat`` is ``G``.
    dw : sympy.ImmutableMatrix, shape (k1, k2)
        ``diff(L, w_{m,n})`` entry by entry.
    db : sympy.Expr
        ``diff(L, b)``.
    dI : sympy.ImmutableMatrix, shape (H, W)
        ``diff(L, I_{i',j'})`` entry by entry.
    """

    H: int
    W: int
    k1: int
    k2: int
    I: sp.ImmutableMatrix
    w: sp.ImmutableMatrix
    b: sp.Symbol
    G: sp.ImmutableMatrix
    Y_hat: sp.ImmutableMatrix
    L: sp.Expr
    dw: sp.ImmutableMatrix
    db: sp.Expr
    dI: sp.ImmutableMatrix

    @property
    def sizes(self) -> tuple[int, int, int, int]:
        """``(H, W, k1, k2)``."""
        return self.H, self.W, self.k1, self.k2


def derive(H: int, W: int, k1: int, k2: int) -> Derivation:
    r"""Build the layer symbolically at concrete sizes and differentiate its loss.

    Parameters
    ----------
    H, W : int
        Image size, ``>= 1``.
    k1, k2 : int
        Kernel size, ``1 <= k1 <= H``, ``1 <= k2 <= W`` (valid padding).

    Returns
    -------
    Derivation
        ``I, w, b, G, Y_hat, L, dw, db, dI``. The result is cached (it is immutable).

    Raises
    ------
    TypeError
        If a size is not an int.
    ValueError
        If a size is below 1 or the kernel does not fit.

    Notes
    -----
    The layer (1.3) and the loss:

    .. math::
        \hat{Y}(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i+m, j+n)\, w(m, n) + b,
        \qquad L = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2} G(i, j)\, \hat{Y}(i, j),

    so that :math:`\partial L / \partial \hat{Y}(i, j) = G(i, j)`. The gradients are
    ``sympy.diff(L, x)`` for every weight, the bias and every pixel ``x``. About 0.3 s for
    ``derive(6, 6, 3, 3)`` in a fresh process, 2 s for ``derive(10, 10, 5, 5)``.

    Examples
    --------
    >>> d = derive(3, 4, 2, 2)
    >>> d.G.shape, d.dI.shape
    ((2, 3), (3, 4))
    """
    H, W, k1, k2 = (
        as_int(v, name, minimum=1) for v, name in zip((H, W, k1, k2), _SIZES, strict=True)
    )
    check_fits((H, W), (k1, k2))
    return _derive(H, W, k1, k2)


@cache
def _derive(H: int, W: int, k1: int, k2: int) -> Derivation:
    I, w, G = _symbols("I", H, W), _symbols("w", k1, k2), _symbols("G", H - k1 + 1, W - k2 + 1)
    b = sp.Symbol("b")
    Y_hat = correlate2d(I, w).applyfunc(lambda y: y + b)  # (1.3)
    L = sp.Add(*(G[i, j] * Y_hat[i, j] for i in range(G.rows) for j in range(G.cols)))
    L = sp.expand(L)
    diff = differentiate(L)  # sympy.diff(L, x), on the terms of L that contain x
    dw = w.applyfunc(diff)
    db = diff(b)
    dI = I.applyfunc(diff)
    return Derivation(H, W, k1, k2, I, w, b, G, Y_hat, L, dw, db, dI)


def fitting_sizes(max_size: int = 5) -> Iterator[tuple[int, int, int, int]]:
    """Yield every ``(H, W, k1, k2)`` with ``H, W <= max_size`` and a kernel that fits.

    Parameters
    ----------
    max_size : int
        Largest image height and width.

    Yields
    ------
    tuple of int
        ``(H, W, k1, k2)`` with ``1 <= k1 <= H``, ``1 <= k2 <= W``.
    """
    for H, W in itertools.product(range(1, max_size + 1), repeat=2):
        for k1, k2 in itertools.product(range(1, H + 1), range(1, W + 1)):
            yield H, W, k1, k2


def lambdify_forward(d: Derivation) -> Callable:
    """Turn ``d.Y_hat`` into a numpy function ``f(I, w, b) -> Y_hat``.

    Parameters
    ----------
    d : Derivation

    Returns
    -------
    callable
        ``f(I, w, b)`` with arrays of shapes ``(H, W)``, ``(k1, k2)`` and a scalar; returns a
        float64 array of shape ``(H - k1 + 1, W - k2 + 1)``.
    """
    f = sp.lambdify((list(d.I), list(d.w), d.b), d.Y_hat, modules="numpy")

    def forward(I, w, b):
        I, w = _numeric(I, d.I.shape, "image I"), _numeric(w, d.w.shape, "kernel w")
        return numpy.asarray(f(I.ravel(), w.ravel(), float(b)), dtype=float)

    return forward


def lambdify_backward(d: Derivation) -> Callable:
    """Turn the differentiated gradients of `d` into a numpy function ``f(I, w, G)``.

    Parameters
    ----------
    d : Derivation

    Returns
    -------
    callable
        ``f(I, w, G) -> (dw, db, dI)``: float64 arrays of shapes ``(k1, k2)``, ``()`` and
        ``(H, W)``, the same quantities as ``convlib.conv2d_backward``.
    """
    f = sp.lambdify((list(d.I), list(d.w), list(d.G)), (d.dw, d.db, d.dI), modules="numpy")

    def backward(I, w, G):
        I, w = _numeric(I, d.I.shape, "image I"), _numeric(w, d.w.shape, "kernel w")
        G = _numeric(G, d.G.shape, "upstream gradient G")
        dw, db, dI = f(I.ravel(), w.ravel(), G.ravel())
        return (
            numpy.asarray(dw, dtype=float),
            numpy.float64(db),
            numpy.asarray(dI, dtype=float),
        )

    return backward


def _numeric(x, shape: tuple[int, int], name: str) -> numpy.ndarray:
    """``x`` as a float64 array of the derivation's ``shape``, by convlib's input rules."""
    a = as_real_2d(x, name).astype(float)
    check_shape(a, shape, name, "the shape of the derivation's symbols")
    return a


def differentiate(L: sp.Expr):
    """Return ``x -> sympy.diff(L, x)`` for a sum ``L``, fast when ``L`` has many terms.

    A term without ``x`` differentiates to zero, so ``sympy.diff`` is applied to the sum of the
    terms that contain ``x`` only: the same derivative, found in one pass over ``L`` instead of
    one pass per symbol.
    """
    containing: dict[sp.Symbol, list[sp.Expr]] = {}
    for term in sp.Add.make_args(L):
        for symbol in term.free_symbols:
            containing.setdefault(symbol, []).append(term)
    return lambda x: sp.diff(sp.Add(*containing.get(x, ())), x)
