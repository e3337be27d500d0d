r"""3×3 stride-1 layers by Winograd's minimal filtering F(2×2, 3×3). Private.

Lavin and Gray (2015), "Fast algorithms for convolutional neural networks". ``convlib._general``
routes a layer here when :func:`applies` says so; the arrays are 4-D, of one dtype (float32 or
float64), and checked.

Fewer multiplications for the same sums
---------------------------------------
Two outputs of a 3-tap correlation, :math:`y_i = \sum_{m=0}^{2} d_{i+m} g_m` for
:math:`i = 0, 1`, read four inputs :math:`d_0, \dots, d_3` and cost six multiplications. Winograd's
F(2, 3) does it with four, one per entry of :math:`(G g) \odot (B^T d)`:

.. math::

    y = A^T \big[(G g) \odot (B^T d)\big], \qquad
    B^T = \begin{pmatrix} 1 & 0 & -1 & 0 \\ 0 & 1 & 1 & 0 \\ 0 & -1 & 1 & 0 \\
    0 & 1 & 0 & -1 \end{pmatrix}, \quad
    G = \begin{pmatrix} 1 & 0 & 0 \\ \tfrac12 & \tfrac12 & \tfrac12 \\
    \tfrac12 & -\tfrac12 & \tfrac12 \\ 0 & 0 & 1 \end{pmatrix}, \quad
    A^T = \begin{pmatrix} 1 & 1 & 1 & 0 \\ 0 & 1 & -1 & -1 \end{pmatrix}.

Nested, rows then columns, it gives a 2×2 block of outputs from a 4×4 tile of the padded image:
:math:`Y = A^T [(G g G^T) \odot (B^T d B)] A`, 16 multiplications instead of 36. Tiles start
every 2 rows and columns and overlap by 2. With channels, the product :math:`\odot` becomes a sum
over the input channel :math:`c` for each of the 16 positions :math:`(\xi, \nu)` of a tile:

.. math::

    M_{\xi\nu}[o, t] = \sum_c U_{\xi\nu}[o, c]\, V_{\xi\nu}[c, t], \qquad
    U = G w[o, c] G^T, \quad V = B^T d[c, t] B,

16 independent matrix products, ``(C_out × C_in) @ (C_in × tiles)``, one ``np.matmul`` on a
stack: 2.25 times fewer multiplications than the im2col product (``convlib._im2col``). The
transforms are additions only (:math:`G`'s halves are exact), written as a few array operations
over all tiles at once.

The gradients are the same machinery:

- :math:`\partial L / \partial I` is the stride-1 correlation of :math:`G`, padded by
  :math:`k - 1 - p`, with the rotated kernel (the notes' :math:`Q \to Q^*`, channels swapped):
  the same function as the forward pass.
- :math:`\partial L / \partial w`: since :math:`Y_t = A^T (U \odot V_t) A` is linear in
  :math:`U = G w G^T`, :math:`\partial L / \partial w = G^T \big[\sum_t (A\, G_t A^T) \odot
  V_t\big] G`, with :math:`G_t` the upstream gradient's 2×2 block of tile :math:`t` and
  :math:`V_t` the forward pass's input tiles: 16 products ``(C_out × tiles) @ (tiles × C_in)``.

The layout: tiles as runs
-------------------------
Tile :math:`t = (i, j)` reads rows :math:`2i, \dots, 2i + 3` of the padded image. Split into
its four stride-2 phases (plane :math:`(a, b)` holds the pixels :math:`(2u + a, 2v + b)`, as
``convlib._im2col`` does for a stride), the tile's pixel :math:`(\xi, \nu)` is pixel
:math:`(i + \lfloor \xi/2 \rfloor, j + \lfloor \nu/2 \rfloor)` of plane
:math:`(\xi \bmod 2, \nu \bmod 2)`: for every channel, sample and tile at once, one contiguous
run of memory. So each step of :math:`B^T d B` is one addition of whole runs. The planes are one
row and one column larger than the tile grid (the tiles' last two rows and columns); the runs
compute a spare tile there, which is dropped, and the output's odd last row or column too.

Images are taken a few samples at a time (``chunk``), so that the arrays of a step stay in the
cache and no array is larger than the im2col matrix would be (:func:`applies` checks it).

Not a number
------------
A finite result means that every input it read was finite: every pixel, weight and bias enters
every output that reads it through some nonzero product, and ``inf`` or ``nan`` cannot cancel.
The functions return None when their result is not finite, and the caller computes that pass
again with the matrices, which give the IEEE sums of the definition (the transforms' additions
would turn one ``inf`` into ``inf - inf = nan`` where the definition has ``inf``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._im2col import _phase_range, _silent, _strided
from ._types import LayerGeometry

__all__ = ["applies", "backward", "forward", "grad_input", "grad_w"]

B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)

# U = G w Gᵀ for every filter at once: U.flat[4 ξ + ν] = Σ_{m,n} G[ξ, m] G[ν, n] w[m, n]
_KERNEL = np.kron(G, G)  # (16, 9)
# ∂L/∂w = Gᵀ P G with the sign of row 3 of A moved into G (the gradient's tiles need no minus)
_SIGNS = np.diag([1.0, 1.0, 1.0, -1.0])
_WEIGHT = np.kron(_SIGNS @ G, _SIGNS @ G)  # (16, 9)

MIN_CHANNELS = 8
"""Fewest input and output channels for which the fewer multiplications pay for the transforms."""

CHUNK_BYTES = 2**20
"""About the size of the largest array of one chunk of samples (the transformed tiles)."""


class _Tiles(NamedTuple):
    """One stride-1 3×3 correlation, tiled 2×2, and its chunks of samples.

    ``Y[ν, o, i, j] = Σ_c Σ_mn X[ν, c, i + m - top, j + n - left] w[o, c, m, n]`` for
    ``i < H_out``, ``j < W_out``, with zeros outside ``X``.
    """

    C: int  # channels of X
    O: int  # channels of Y
    top: int
    left: int
    H_out: int
    W_out: int
    Hq: int  # rows of a phase plane: tile rows + 1
    Wq: int  # columns of a phase plane: tile columns + 1
    chunk: int  # samples per chunk

    @property
    def plane(self) -> int:
        """Entries of one phase plane."""
        return self.Hq * self.Wq


def _tiles(C: int, O: int, top: int, left: int, H_out: int, W_out: int, N: int, itemsize: int):
    """Tile one correlation; chunks of samples as large as ``CHUNK_BYTES`` holds.

    At least one sample a chunk, the samples shared evenly among the chunks.
    """
    Hq, Wq = (H_out + 1) // 2 + 1, (W_out + 1) // 2 + 1
    most = max(1, CHUNK_BYTES // (16 * max(C, O) * Hq * Wq * itemsize))
    chunks = -(-N // most)
    return _Tiles(C, O, top, left, H_out, W_out, Hq, Wq, -(-N // chunks))


def _passes(g: LayerGeometry, itemsize: int) -> tuple[_Tiles, _Tiles]:
    """Return the tilings of the forward pass (and ∂L/∂w) and of ∂L/∂I."""
    top, _, left, _ = g.padding
    forward = _tiles(g.C_in, g.C_out, top, left, g.H_out, g.W_out, g.N, itemsize)
    backward = _tiles(g.C_out, g.C_in, 2 - top, 2 - left, g.H, g.W, g.N, itemsize)
    return forward, backward


def applies(g: LayerGeometry, itemsize: int) -> bool:
    """Whether this layer is computed here: 3×3, stride 1, dilation 1, one group, channels.

    And no array larger than the im2col matrix (``9 C_in`` rows, one column per output): the
    largest here is 16 transformed tiles of one chunk of samples, for the larger channel count.
    """
    if not (
        g.k1 == g.k2 == 3
        and g.stride == (1, 1)
        and g.dilation == (1, 1)
        and g.groups == 1
        and min(g.C_in, g.C_out) >= MIN_CHANNELS
    ):
        return False
    col = 9 * g.C_in * g.N * g.H_out * g.W_out
    return all(16 * max(t.C, t.O) * t.chunk * t.plane <= col for t in _passes(g, itemsize))


# ---------------------------------------------------------------------------------------------
# The three passes
# ---------------------------------------------------------------------------------------------


@_silent
def forward(I: np.ndarray, w: np.ndarray, b: np.ndarray, g: LayerGeometry) -> np.ndarray | None:
    r""":math:`\hat{Y} = w \otimes I + b`, or None if it is not finite (see the module)."""
    tiles, _ = _passes(g, I.itemsize)
    return _finite(_correlate(I, w, tiles, b))


@_silent
def grad_input(w: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray | None:
    r""":math:`\partial L / \partial I = \text{rot}_{180}(w) \otimes \text{pad}(G)`, or None.

    Channels swapped: input channel :math:`c` of the result sums over the filters :math:`o`.
    """
    _, tiles = _passes(g, G.itemsize)
    rotated = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # w*[c, o, m, n] = w[o, c, 2-m, 2-n]
    return _finite(_correlate(G, rotated, tiles))


@_silent
def grad_w(I: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray | None:
    r""":math:`\partial L / \partial w = G^T [\sum_t (A\, G_t A^T) \odot V_t] G`, or None."""
    return _finite(_grad_w_b(I, G, g)[0])


@_silent
def backward(I: np.ndarray, w: np.ndarray, G: np.ndarray, g: LayerGeometry):
    r"""``(dw, db, dI)``; ``dw`` or ``dI`` is None where it is not finite.

    :math:`\partial L / \partial b[o] = \sum G[:, o]` comes with the tiles of ``G``: the
    entry :math:`(1, 1)` of :math:`A\, G_t A^T` is the sum of the block :math:`G_t`.
    """
    dw, db = _grad_w_b(I, G, g)
    if not math.isfinite(db.sum()):  # inf or nan: the sums in G's own order, as the matrices do
        db = G.sum(axis=(0, 2, 3))
    return _finite(dw), db, grad_input(w, G, g)


def _grad_w_b(I: np.ndarray, G: np.ndarray, g: LayerGeometry) -> tuple[np.ndarray, np.ndarray]:
    t, _ = _passes(g, I.itemsize)
    N, dtype = g.N, I.dtype
    P = np.zeros((16, t.O, t.C), dtype=dtype)  # Σ_t (A G_t Aᵀ) ⊙ V_t, per channel pair
    db = np.zeros(t.O, dtype=dtype)
    work = _Work(t, t.chunk, dtype)
    for start in range(0, N, t.chunk):
        n = min(t.chunk, N - start)
        V = _input_tiles(I[start : start + n], t, work, n)  # (16, C_in, tiles)
        Q = _gradient_tiles(G[start : start + n], t, work, n)  # (16, C_out, tiles)
        P += np.matmul(Q, V.transpose(0, 2, 1))  # 16 products (C_out × tiles) @ (tiles × C_in)
        db += Q[5].sum(axis=1)  # (A G_t Aᵀ)₁₁ = the block's sum
    dw = np.matmul(_WEIGHT.T.astype(dtype), P.reshape(16, -1))  # Gᵀ P G, every pair at once
    return dw.T.reshape(g.kernel_shape), db


def _finite(x: np.ndarray) -> np.ndarray | None:
    """``x``, or None if an entry is inf or nan (a sum is: one pass, no temporary)."""
    return x if math.isfinite(x.sum()) else None


# ---------------------------------------------------------------------------------------------
# The correlation, chunk by chunk: tiles in, 16 matrix products, tiles out
# ---------------------------------------------------------------------------------------------


class _Work:
    """The arrays of one chunk of samples, made once per call and reused by every chunk."""

    def __init__(self, t: _Tiles, n: int, dtype):
        L = t.C * n * t.plane  # one phase plane of every channel and sample: a run's length
        self.phases = np.empty(4 * L + t.Wq + 1, dtype=dtype)  # the runs read Wq + 1 past
        self.rows = np.empty(4 * (2 * L + 1), dtype=dtype)  # Bᵀ d: 4 rows, 2 column phases
        self.tiles = np.empty(16 * L, dtype=dtype)  # V = Bᵀ d B
        self.products = np.empty(16 * t.O * n * t.plane, dtype=dtype)  # M = U V, or A G Aᵀ


def _correlate(X: np.ndarray, w: np.ndarray, t: _Tiles, b: np.ndarray | None = None):
    """Correlate ``X`` (N, C, ·, ·) with ``w`` (O, C, 3, 3) as ``t`` says, plus ``b``."""
    N = X.shape[0]
    U = np.matmul(_KERNEL.astype(X.dtype), w.reshape(t.O * t.C, 9).T).reshape(16, t.O, t.C)
    Y = np.empty((N, t.O, t.H_out, t.W_out), dtype=X.dtype)
    work = _Work(t, t.chunk, X.dtype)
    for start in range(0, N, t.chunk):
        n = min(t.chunk, N - start)
        V = _input_tiles(X[start : start + n], t, work, n)  # Bᵀ d B: (16, C, tiles)
        M = work.products[: V.shape[0] * t.O * V.shape[2]].reshape(16, t.O, -1)
        np.matmul(U, V, out=M)  # M_ξν = U_ξν V_ξν: 16 products (O × C) @ (C × tiles)
        _output_tiles(M, Y[start : start + n], t, b)  # Aᵀ M A, + b
    return Y


def _input_tiles(X: np.ndarray, t: _Tiles, work: _Work, n: int) -> np.ndarray:
    """``V = Bᵀ d B`` of every tile of ``n`` samples, ``(16, C, n Hq Wq)`` (spare tiles too)."""
    L = t.C * n * t.plane
    phases = work.phases[: 4 * L + t.Wq + 1]
    phases[...] = 0
    planes, X_cn = phases[: 4 * L].reshape(2, 2, t.C, n, t.Hq, t.Wq), X.transpose(1, 0, 2, 3)
    H, W = X.shape[2:]
    for a in (0, 1):
        rows, image_rows = _phase_range(a, 2, t.top, H, t.Hq)
        for b in (0, 1):
            cols, image_cols = _phase_range(b, 2, t.left, W, t.Wq)
            planes[a, b][:, :, rows, cols] = X_cn[:, :, image_rows, image_cols]
    # Bᵀ d: tile row ξ is plane row ξ // 2 of phase ξ % 2: a run over both column phases
    R, n2 = work.rows[: 4 * (2 * L + 1)].reshape(4, 2 * L + 1), 2 * L + 1
    d = [_strided(phases, (xi % 2) * 2 * L + (xi // 2) * t.Wq, (n2,), (1,)) for xi in range(4)]
    np.subtract(d[0], d[2], out=R[0])
    np.add(d[1], d[2], out=R[1])
    np.subtract(d[2], d[1], out=R[2])
    np.subtract(d[1], d[3], out=R[3])
    # (Bᵀ d) B: tile column ν is plane column ν // 2 of column phase ν % 2, for the 4 rows at once
    V = work.tiles[: 16 * L].reshape(4, 4, L)
    e = [_strided(R, (nu % 2) * L + nu // 2, (4, L), (n2, 1)) for nu in range(4)]
    np.subtract(e[0], e[2], out=V[:, 0])
    np.add(e[1], e[2], out=V[:, 1])
    np.subtract(e[2], e[1], out=V[:, 2])
    np.subtract(e[1], e[3], out=V[:, 3])
    return V.reshape(16, t.C, n * t.plane)


def _output_tiles(M: np.ndarray, Y: np.ndarray, t: _Tiles, b: np.ndarray | None) -> None:
    """Write ``Aᵀ M A`` (+ ``b``) of every tile into ``Y`` (n, O, H_out, W_out), in place in M."""
    n = Y.shape[0]
    K = t.O * n * t.plane
    if b is not None:  # Aᵀ e₁ = (1, 1): b added to M_11 reaches the tile's four outputs once
        M[5] += b[:, None]
    M = M.reshape(4, 4, K)
    M[0] += M[1]  # Aᵀ M: row 0 = M₀ + M₁ + M₂, row 1 = M₁ - M₂ - M₃
    M[0] += M[2]
    M[1] -= M[2]
    M[1] -= M[3]
    S, Z = M[:2], M[2].reshape(2, 2, K)  # (Aᵀ M) A, into the rows M₂ no longer needs
    np.add(S[:, 1], S[:, 2], out=Z[:, 0])
    Z[:, 0] += S[:, 0]
    np.subtract(S[:, 1], S[:, 2], out=Z[:, 1])
    Z[:, 1] -= S[:, 3]
    Z = Z.reshape(2, 2, t.O, n, t.Hq, t.Wq)
    for a in (0, 1):
        for b_ in (0, 1):  # output (2i + a, 2j + b) of tile (i, j); the spare tiles dropped
            rows, cols = (t.H_out - a + 1) // 2, (t.W_out - b_ + 1) // 2
            Y[:, :, a::2, b_::2] = Z[a, b_, :, :, :rows, :cols].transpose(1, 0, 2, 3)


def _gradient_tiles(G: np.ndarray, t: _Tiles, work: _Work, n: int) -> np.ndarray:
    """Return ``A G_t Aᵀ`` of every tile's 2×2 block of ``G`` (n, O, H', W'), ``(16, O, tiles)``.

    With row 3 of ``A`` negated (``_WEIGHT`` puts the sign back): ``A = [[1, 0], [1, 1],
    [1, -1], [0, 1]]``. Zero on the spare tiles and past the output's odd last row or column.
    """
    K = t.O * n * t.plane
    Q = work.products[: 16 * K].reshape(4, 4, K)
    corners = Q[::3, ::3]  # Q₀₀ = g₀₀, Q₀₃ = g₀₁, Q₃₀ = g₁₀, Q₃₃ = g₁₁
    corners[...] = 0
    for a in (0, 1):
        for b in (0, 1):
            rows, cols = (t.H_out - a + 1) // 2, (t.W_out - b + 1) // 2
            block = corners[a, b].reshape(t.O, n, t.Hq, t.Wq)
            block[:, :, :rows, :cols] = G[:, :, a::2, b::2].transpose(1, 0, 2, 3)
    np.add(Q[0, ::3], Q[3, ::3], out=Q[1, ::3])  # A g: rows 1 and 2
    np.subtract(Q[0, ::3], Q[3, ::3], out=Q[2, ::3])
    np.add(Q[:, 0], Q[:, 3], out=Q[:, 1])  # (A g) Aᵀ: columns 1 and 2
    np.subtract(Q[:, 0], Q[:, 3], out=Q[:, 2])
    return Q.reshape(16, t.O, n * t.plane)
