r"""The symbols of the general-size derivations: sizes, indices and arrays as sympy objects."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["GeneralSymbols", "general"]


@dataclass(frozen=True)
class GeneralSymbols:
    r"""The symbols of the general-size derivations (one instance: :data:`general`).

    Attributes
    ----------
    H, W, k1, k2 : sympy.Symbol
        Positive integer sizes.
    i, j, m, n, p, q : sympy.Symbol
        Integer indices: output ``(i, j)``, kernel ``(m, n)`` and ``(p, q)`` (the notes' second
        pair of kernel indices, used in (3.3)).
    ip, jp, mp, np_ : sympy.Symbol
        ``i', j'`` (an input pixel) and ``m', n'`` (one weight).
    I, w, G : sympy.IndexedBase
        Image, kernel and upstream gradient ``G = dL/dY_hat``.
    Y_hat, G_tilde, G_pad, w_rot : sympy.IndexedBase
        ``\hat{Y}``, ``\tilde{G}`` (G extended by zeros), ``G_pad`` (G zero-padded by
        ``k1-1, k2-1``) and ``w^*`` (``rot180(w)``).
    b, L : sympy.Symbol
        Bias and loss.
    """

    H: sp.Symbol = sp.Symbol("H", integer=True, positive=True)
    W: sp.Symbol = sp.Symbol("W", integer=True, positive=True)
    k1: sp.Symbol = sp.Symbol("k_1", integer=True, positive=True)
    k2: sp.Symbol = sp.Symbol("k_2", integer=True, positive=True)
    i: sp.Symbol = sp.Symbol("i", integer=True)
    j: sp.Symbol = sp.Symbol("j", integer=True)
    m: sp.Symbol = sp.Symbol("m", integer=True)
    n: sp.Symbol = sp.Symbol("n", integer=True)
    p: sp.Symbol = sp.Symbol("p", integer=True)
    q: sp.Symbol = sp.Symbol("q", integer=True)
    ip: sp.Symbol = sp.Symbol("i'", integer=True)
    jp: sp.Symbol = sp.Symbol("j'", integer=True)
    mp: sp.Symbol = sp.Symbol("m'", integer=True)
    np_: sp.Symbol = sp.Symbol("n'", integer=True)
    I: sp.IndexedBase = sp.IndexedBase("I")
    w: sp.IndexedBase = sp.IndexedBase("w")
    G: sp.IndexedBase = sp.IndexedBase("G")
    Y_hat: sp.IndexedBase = sp.IndexedBase(r"\hat{Y}")
    G_tilde: sp.IndexedBase = sp.IndexedBase(r"\tilde{G}")
    G_pad: sp.IndexedBase = sp.IndexedBase(r"G_{\mathrm{pad}}")
    w_rot: sp.IndexedBase = sp.IndexedBase("w^{*}")
    b: sp.Symbol = sp.Symbol("b")
    L: sp.Symbol = sp.Symbol("L")


general = GeneralSymbols()

"""The one instance of :class:`GeneralSymbols` that every derivation uses."""
