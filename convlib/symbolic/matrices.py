r"""The notes' operations as closed forms on sympy matrices.

The numeric convlib refuses object arrays; these functions take matrices of symbols, so that an
identity such as :math:`\partial L / \partial w = G \otimes I` can be checked exactly, entry
by entry, against sympy's own derivative (``convlib.symbolic.identities``).
"""

from __future__ import annotations

import sympy as sp

from .._checks import as_int, check_choice

__all__ = ["convolve2d", "correlate2d", "region", "rot180", "zero_pad"]


def _as_matrix(A, name: str) -> sp.ImmutableMatrix:
    A = sp.ImmutableMatrix(A)
    if A.rows == 0 or A.cols == 0:
        raise ValueError(f"{name} must be a non-empty 2-D matrix, got shape {A.shape}")
    return A


def correlate2d(I, w) -> sp.ImmutableMatrix:
    r"""Cross-correlation ``w ⊗ I`` with valid padding, on sympy matrices, (1.2).

    Parameters
    ----------
    I : sympy.Matrix, shape (H, W)
        The image (any matrix that plays its role, e.g. ``I`` in (2.3), with ``G`` as kernel).
    w : sympy.Matrix, shape (k1, k2)
        The kernel; it must fit inside `I`.

    Returns
    -------
    sympy.ImmutableMatrix, shape (H - k1 + 1, W - k2 + 1)

    Raises
    ------
    ValueError
        If `w` does not fit inside `I`.

    Notes
    -----
    .. math:: (w \otimes I)(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i+m, j+n)\, w(m, n)
    """
    I, w = _as_matrix(I, "image I"), _as_matrix(w, "kernel w")
    (H, W), (k1, k2) = I.shape, w.shape
    if k1 > H or k2 > W:
        raise ValueError(
            f"kernel w has shape {w.shape} but image I has shape {I.shape}: "
            "w must fit inside I (valid padding)"
        )
    return sp.ImmutableMatrix(
        H - k1 + 1,
        W - k2 + 1,
        lambda i, j: sp.Add(*(I[i + m, j + n] * w[m, n] for m in range(k1) for n in range(k2))),
    )


def convolve2d(I, w, mode: str = "valid") -> sp.ImmutableMatrix:
    r"""Convolution ``w * I`` on sympy matrices, with ``I`` zero outside its range, (1.1).

    Parameters
    ----------
    I : sympy.Matrix, shape (H, W)
        The image (``G`` for the input gradient, (3.4)).
    w : sympy.Matrix, shape (k1, k2)
        The kernel.
    mode : {"valid", "full"}
        ``"valid"``: only the outputs whose window lies inside `I`, shape
        ``(H - k1 + 1, W - k2 + 1)`` (`w` must fit). ``"full"``: every output that touches `I`,
        shape ``(H + k1 - 1, W + k2 - 1)``, as :func:`scipy.signal.convolve2d`.

    Returns
    -------
    sympy.ImmutableMatrix

    Raises
    ------
    ValueError
        If `mode` is not one of ``"valid"``, ``"full"``, or `w` does not fit in valid mode.

    Notes
    -----
    .. math:: (w * I)(i, j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i-m, j-n)\, w(m, n)

    In ``"full"`` mode ``(i, j)`` runs over ``0..H+k1-2`` and ``0..W+k2-2`` and ``I(i-m, j-n)`` is
    taken as zero outside ``I``; ``"valid"`` keeps ``(i, j)`` shifted by ``(k1-1, k2-1)``.
    """
    check_choice(mode, "mode", ("valid", "full"))
    I, w = _as_matrix(I, "image I"), _as_matrix(w, "kernel w")
    (H, W), (k1, k2) = I.shape, w.shape

    def I_zero_outside(r: int, c: int):
        return I[r, c] if 0 <= r < H and 0 <= c < W else sp.S.Zero

    def full(i: int, j: int):
        return sp.Add(
            *(I_zero_outside(i - m, j - n) * w[m, n] for m in range(k1) for n in range(k2))
        )

    if mode == "full":
        return sp.ImmutableMatrix(H + k1 - 1, W + k2 - 1, full)
    if k1 > H or k2 > W:
        raise ValueError(
            f"kernel w has shape {w.shape} but image I has shape {I.shape}: "
            "w must fit inside I (valid padding)"
        )
    return sp.ImmutableMatrix(H - k1 + 1, W - k2 + 1, lambda i, j: full(i + k1 - 1, j + k2 - 1))


def rot180(w) -> sp.ImmutableMatrix:
    r"""Rotate a matrix by 180 degrees: ``Q = [[a, b], [c, d]] -> Q* = [[d, c], [b, a]]`` (4.2).

    Parameters
    ----------
    w : sympy.Matrix, shape (k1, k2)

    Returns
    -------
    sympy.ImmutableMatrix, shape (k1, k2)
        ``w[::-1, ::-1]``: rows reversed, then columns reversed.

    Notes
    -----
    As an index map, :math:`w^*(m, n) = w(k_1-1-m,\, k_2-1-n)`; ``check("eq-rot180", d)``
    verifies that the slicing here is that map.
    """
    w = _as_matrix(w, "kernel w")
    return sp.ImmutableMatrix(w[::-1, ::-1])


def zero_pad(G, pad_rows: int, pad_cols: int) -> sp.ImmutableMatrix:
    r"""Surround a matrix with `pad_rows` rows and `pad_cols` columns of zeros on each side.

    Parameters
    ----------
    G : sympy.Matrix, shape (r, c)
    pad_rows, pad_cols : int
        Non-negative; (4.3) uses ``k1 - 1`` and ``k2 - 1``.

    Returns
    -------
    sympy.ImmutableMatrix, shape (r + 2 pad_rows, c + 2 pad_cols)

    Notes
    -----
    .. math:: \operatorname{pad}(G)(i, j) = \tilde{G}(i - p_r, j - p_c),

    where :math:`\tilde{G}` is :math:`G` inside its range and zero outside.
    """
    G = _as_matrix(G, "G")
    pad_rows = as_int(pad_rows, "pad_rows", minimum=0)
    pad_cols = as_int(pad_cols, "pad_cols", minimum=0)
    r, c = G.shape

    def padded(i, j):
        i, j = int(i), int(j)
        inside = pad_rows <= i < pad_rows + r and pad_cols <= j < pad_cols + c
        return G[i - pad_rows, j - pad_cols] if inside else sp.S.Zero

    return sp.ImmutableMatrix(r + 2 * pad_rows, c + 2 * pad_cols, padded)


def region(ip: int, jp: int, H: int, W: int, k1: int, k2: int) -> tuple[range, range]:
    r"""Return the outputs ``Y_hat(i, j)`` whose window covers the pixel ``I(ip, jp)`` (3.1).

    Parameters
    ----------
    ip, jp : int
        The pixel ``(i', j')``, ``0 <= ip < H``, ``0 <= jp < W``.
    H, W, k1, k2 : int
        Image and kernel sizes.

    Returns
    -------
    rows, cols : range
        ``rows = range(max(0, ip-k1+1), min(ip, H-k1) + 1)``, the same for ``cols``.

    Notes
    -----
    Unclipped, the region is :math:`[i'-k_1+1,\, i'] \times [j'-k_2+1,\, j']` (the notes'
    :math:`k_1 k_2` outputs); clipped to the output
    :math:`[0, H-k_1] \times [0, W-k_2]` it has
    :math:`(\min(i', H-k_1) - \max(0, i'-k_1+1) + 1)(\ldots)` elements, fewer at the borders.
    """
    rows = range(max(0, ip - k1 + 1), min(ip, H - k1) + 1)
    cols = range(max(0, jp - k2 + 1), min(jp, W - k2) + 1)
    return rows, cols
