r"""The general layer as matrix products (im2col), on validated 4-D arrays. Private.

The public names are :func:`convlib.conv2d_forward`, :func:`convlib.conv2d_backward`,
:func:`convlib.grad_w` and :func:`convlib.grad_input` with channels, a batch, stride, padding,
dilation or groups. Arrays arriving here are 4-D and of one dtype (float32 or float64), and their
sizes are a :class:`convlib._types.LayerGeometry` that ``convlib._checks.layer_geometry`` made.

The layer as one matrix product
-------------------------------
Write ``col`` for the matrix with one row per weight of a filter, (tap :math:`(m, n)`, input
channel :math:`c`), and one column per output position (sample, :math:`i`, :math:`j`); the entry
is the pixel that weight meets at that position, :math:`I_\text{pad}[\cdot, c, i s_1 + m d_1,
j s_2 + n d_2]`. Then, one group of channels at a time,

.. math::

    \hat{Y} = W\, \text{col} + b, \qquad
    \frac{\partial L}{\partial W} = G\, \text{col}^T, \qquad
    \frac{\partial L}{\partial\, \text{col}} = W^T G,

with :math:`W` the filters as a matrix (one row per filter) and :math:`G` the upstream gradient
as a matrix (one row per filter, one column per output position). :math:`\partial L / \partial I`
adds each row of :math:`W^T G` back onto the pixels that row of ``col`` was copied from
(``col2im``): the transposed convolution, computed as its sum over the :math:`k_1 k_2` taps.

The layout that makes every row of ``col`` one contiguous run
---------------------------------------------------------------
The padded image is split by stride phase (space-to-depth): plane ``(a, b)`` holds the pixels
:math:`I_\text{pad}[u s_1 + a, v s_2 + b]`, and the planes are stored phase-major, then channel,
then sample: ``(s1, s2, C_in, N, Hs, Ws)``. Tap :math:`(m, n)` reads plane
:math:`(m d_1 \bmod s_1, n d_2 \bmod s_2)` shifted by :math:`(\lfloor m d_1 / s_1 \rfloor,
\lfloor n d_2 / s_2 \rfloor)`, so with output positions laid out on rows of length ``Ws`` the
pixels one tap reads, for every channel, sample and position, form one contiguous run of memory.
The price is a few columns of ``col`` that are not outputs (``Ws - W'`` per row, ``Hs - H'`` rows
per sample) and read whatever follows: their ``G`` is zero, and they are dropped from ``Y``.
For stride 1 there is a single phase, the padded image itself.

Two ways to lay out the columns, each where it is measured faster (benchmarks/bench_layer.py):
for :math:`\hat{Y} = W\, \text{col}` and :math:`G\, \text{col}^T`, ``col`` is *compact*, one
column per output, copied from the planes by strided rows, so that no matrix product pays for a
spare column (13 % to 78 % of them on the benchmark's layers); for :math:`W^T G` the columns are
the runs, spare ones included, so that ``col2im`` adds whole runs back.

Depthwise layers (one input channel per filter and one filter per group) skip the matrices:
each tap is one BLAS ``axpy`` (forward, input gradient) or ``dot`` (weight gradient) per
channel on the same contiguous runs.

NaN and inf: on the runs, the spare columns meet real weights (input gradient) or real pixels
(depthwise weight gradient) with zeros of ``G``; when those hold NaN or inf the zeros are kept
out of the sums (``0 * inf`` is NaN), so every output is the sum the definition gives. The
checks look at the small arrays (``w``, ``dw``), never at a pass over the image.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from scipy.linalg import blas

from ._types import LayerGeometry

__all__ = ["backward", "forward", "grad_input", "grad_w"]


class _Phase(NamedTuple):
    """Where one stride phase's plane sits in the image: plane rows/cols and image rows/cols."""

    a: int
    b: int
    plane: tuple[slice, slice]
    image: tuple[slice, slice]


class Layout(NamedTuple):
    """The phase layout of one geometry (see the module's docstring)."""

    geometry: LayerGeometry
    Hs: int  # rows of a phase plane: H' plus what the kernel's last tap adds
    Ws: int  # columns of a phase plane, and the length of an output row in col
    taps: tuple[tuple[int, int, int], ...]  # (m, n, start of the run in the flat buffer)
    phases: tuple[_Phase, ...]  # the phases some tap reads
    tail: int  # how far the last run reads past the planes
    compact: bool  # col without the spare columns: one per output (sample, i < H', j < W')
    whole: bool  # every pixel of the image is in a plane (no row or column the taps never read)

    @property
    def NL(self) -> int:
        """Entries of one channel's planes in one phase: (sample, row < Hs, column < Ws)."""
        return self.geometry.N * self.Hs * self.Ws

    @property
    def columns(self) -> int:
        """Columns of ``col``: ``NL`` (a run per row), or ``N H' W'`` when compact."""
        g = self.geometry
        return g.N * g.H_out * g.W_out if self.compact else self.NL

    @property
    def size(self) -> int:
        """Length of the flat phase buffer (planes and tail)."""
        s1, s2 = self.geometry.stride
        return s1 * s2 * self.geometry.C_in * self.NL + self.tail


@functools.lru_cache(maxsize=256)
def layout(g: LayerGeometry, compact: bool) -> Layout:
    """Return the phase layout of a geometry (cached: a training loop asks for the same one).

    ``compact``: col has one column per output (for ``Ŷ = W col`` and ``G colᵀ``, where the
    spare columns would cost matrix work); otherwise one per entry of the planes (for
    ``col2im(Wᵀ G)``, which then adds whole runs, and for the depthwise runs).
    """
    return _layout(g, compact)


def _layout(g: LayerGeometry, compact: bool) -> Layout:
    (s1, s2), (d1, d2) = g.stride, g.dilation
    top, _, left, _ = g.padding
    Hs = g.H_out + (g.k1 - 1) * d1 // s1
    Ws = g.W_out + (g.k2 - 1) * d2 // s2
    block = g.C_in * g.N * Hs * Ws  # one phase: every channel's planes
    taps, used = [], set()
    for m in range(g.k1):
        for n in range(g.k2):
            a, b = m * d1 % s1, n * d2 % s2
            used.add((a, b))
            start = (a * s2 + b) * block + (m * d1 // s1) * Ws + n * d2 // s2
            taps.append((m, n, start))
    phases, read = [], np.zeros((g.H, g.W), dtype=bool)
    for a, b in sorted(used):
        rows = _phase_range(a, s1, top, g.H, Hs)
        cols = _phase_range(b, s2, left, g.W, Ws)
        phases.append(_Phase(a, b, (rows[0], cols[0]), (rows[1], cols[1])))
        read[rows[1], cols[1]] = True
    tail = (g.k1 - 1) * d1 // s1 * Ws + (g.k2 - 1) * d2 // s2
    return Layout(g, Hs, Ws, tuple(taps), tuple(phases), tail, compact, bool(read.all()))


def _phase_range(a: int, s: int, pad: int, size: int, planes: int) -> tuple[slice, slice]:
    """Plane rows ``u`` of phase ``a`` holding image rows ``y = u s + a - pad``, and those rows."""
    u0 = max(0, -(-(pad - a) // s))
    u1 = min(planes, (size - 1 + pad - a) // s + 1)
    if u1 <= u0:
        return slice(0, 0), slice(0, 0)
    y0 = u0 * s + a - pad
    return slice(u0, u1), slice(y0, y0 + (u1 - u0 - 1) * s + 1, s)


def _planes(buffer: np.ndarray, lay: Layout) -> np.ndarray:
    """Return the flat buffer's planes as ``(s1, s2, C_in, N, Hs, Ws)`` (a view)."""
    g = lay.geometry
    shape = (*g.stride, g.C_in, g.N, lay.Hs, lay.Ws)
    return buffer[: lay.size - lay.tail].reshape(shape)


def _to_phases(I: np.ndarray, lay: Layout) -> np.ndarray:
    """Copy ``I`` into the zero-padded phase layout; return the flat buffer."""
    buffer = np.zeros(lay.size, dtype=I.dtype)
    planes, I_cn = _planes(buffer, lay), I.transpose(1, 0, 2, 3)
    for phase in lay.phases:
        planes[phase.a, phase.b][:, :, phase.plane[0], phase.plane[1]] = I_cn[
            :, :, phase.image[0], phase.image[1]
        ]
    return buffer


def _from_phases(buffer: np.ndarray, lay: Layout) -> np.ndarray:
    """Return the image ``(N, C_in, H, W)`` inside a phase buffer; pixels no tap reads are 0."""
    g = lay.geometry
    planes = _planes(buffer, lay)
    I = (np.empty if lay.whole else np.zeros)(g.input_shape, dtype=buffer.dtype)
    I_cn = I.transpose(1, 0, 2, 3)
    for phase in lay.phases:
        I_cn[:, :, phase.image[0], phase.image[1]] = planes[phase.a, phase.b][
            :, :, phase.plane[0], phase.plane[1]
        ]
    return I


def _im2col(buffer: np.ndarray, lay: Layout) -> np.ndarray:
    """``col`` as ``(groups, k1 k2 C_in/groups, columns)``: rows ordered (tap, group channel)."""
    g = lay.geometry
    Cg, NL, cols = g.C_in // g.groups, lay.NL, lay.columns
    col = np.empty((g.groups, len(lay.taps), Cg, *_grid(lay)), dtype=buffer.dtype)
    if len(lay.phases) == 1:  # one phase (stride 1, or d a multiple of s): one strided copy
        (s1, s2), (d1, d2) = g.stride, g.dilation
        steps = (Cg * NL, d1 // s1 * lay.Ws, d2 // s2, NL)  # tap (m, n) at m d1/s1 Ws + n d2/s2
        runs = _view(buffer, lay.taps[0][2], (g.groups, g.k1, g.k2, Cg), steps, lay)
        col.reshape(g.groups, g.k1, g.k2, Cg, *_grid(lay))[...] = runs
    else:
        for t, (_, _, start) in enumerate(lay.taps):
            col[:, t] = _view(buffer, start, (g.groups, Cg), (Cg * NL, NL), lay)
    return col.reshape(g.groups, -1, cols)


def _col2im(dcol: np.ndarray, lay: Layout, first: int, buffer: np.ndarray) -> None:
    """Add each row of ``dcol`` (col's columns from ``first`` on) back where ``_im2col`` took it.

    The run layout only: a block of columns is a piece of every run.
    """
    g = lay.geometry
    Cg, NL, taps = g.C_in // g.groups, lay.NL, len(lay.taps)
    dcol = dcol.reshape(g.groups, taps, Cg, -1)
    shape = (g.groups, Cg, dcol.shape[-1])
    for t, (_, _, start) in enumerate(lay.taps):
        run = _strided(buffer, start + first, shape, (Cg * NL, NL, 1))
        run += dcol[:, t]


def _grid(lay: Layout) -> tuple[int, ...]:
    """How one channel's columns of col are laid out: ``(NL,)`` or ``(N, H', W')``."""
    g = lay.geometry
    return (g.N, g.H_out, g.W_out) if lay.compact else (lay.NL,)


def _view(buffer, start, shape, steps, lay: Layout) -> np.ndarray:
    """Return the pixels from ``start`` on, ``shape + _grid(lay)``, ``steps`` apart (a view)."""
    if lay.compact:  # (sample, i, j) of the output, in the planes of Hs × Ws
        shape, steps = (*shape, *_grid(lay)), (*steps, lay.Hs * lay.Ws, lay.Ws, 1)
    else:  # the run: NL entries in a row
        shape, steps = (*shape, lay.NL), (*steps, 1)
    return _strided(buffer, start, shape, steps)


def _strided(buffer: np.ndarray, start: int, shape, steps) -> np.ndarray:
    """Return a view of the flat ``buffer`` from entry ``start`` on (numpy checks the bounds)."""
    size = buffer.itemsize
    return np.ndarray(shape, buffer.dtype, buffer, start * size, [size * step for step in steps])


def _filters(w: np.ndarray, lay: Layout) -> np.ndarray:
    """``w`` as ``(groups, C_out/groups, k1 k2 C_in/groups)``, columns in ``col``'s row order."""
    g = lay.geometry
    O, Cg, k1, k2 = w.shape
    return (
        w.reshape(g.groups, O // g.groups, Cg, k1 * k2)
        .transpose(0, 1, 3, 2)
        .reshape(g.groups, O // g.groups, k1 * k2 * Cg)
    )


def _spread(G: np.ndarray, lay: Layout) -> np.ndarray:
    """``G`` as ``(groups, C_out/groups, columns)`` on col's columns; zero on the spare ones."""
    g = lay.geometry
    shape = (g.groups, g.C_out // g.groups, lay.columns)
    if lay.compact:
        return G.transpose(1, 0, 2, 3).reshape(shape)  # a copy
    G_spread = np.zeros((g.C_out, g.N, lay.Hs, lay.Ws), dtype=G.dtype)
    G_spread[:, :, : g.H_out, : g.W_out] = G.transpose(1, 0, 2, 3)
    return G_spread.reshape(shape)


def _outputs(Y: np.ndarray, lay: Layout) -> np.ndarray:
    """Return the real outputs among col's columns, a ``(rows, N, H', W')`` view of ``Y``."""
    g = lay.geometry
    if lay.compact:
        return Y.reshape(-1, g.N, g.H_out, g.W_out)
    return Y.reshape(-1, g.N, lay.Hs, lay.Ws)[:, :, : g.H_out, : g.W_out]


def _zero_spare_columns(a: np.ndarray, lay: Layout, first: int) -> None:
    """Set the columns of ``a`` (col's columns from ``first`` on) that are not outputs to 0."""
    g = lay.geometry
    column = np.arange(first, first + a.shape[-1])
    spare = (column // lay.Ws % lay.Hs >= g.H_out) | (column % lay.Ws >= g.W_out)
    a[..., spare] = 0


def _is_depthwise(g: LayerGeometry) -> bool:
    return g.groups == g.C_in == g.C_out


def _silent(function):
    """Let nan and inf propagate without warnings, as :func:`convlib.correlate2d` does."""

    @functools.wraps(function)
    def silent(*args):
        with np.errstate(invalid="ignore", over="ignore"):
            return function(*args)

    return silent


# ---------------------------------------------------------------------------------------------
# The forward pass and, beside it, the backward pass: each gradient one line of matrix algebra
# ---------------------------------------------------------------------------------------------


@_silent
def forward(I: np.ndarray, w: np.ndarray, b: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\hat{Y} = W\, \text{col} + b`, shape ``(N, C_out, H', W')``."""
    lay = layout(g, compact=not _is_depthwise(g))
    buffer = _to_phases(I, lay)
    out = np.empty(g.output_shape, dtype=I.dtype)
    if _is_depthwise(g) and _zeros_may_be_skipped(w, I):
        Y = _depthwise_forward(buffer, w, b, lay)  # Ŷ[c] = b[c] + Σ_taps w[c, tap] run_tap[c]
        out[...] = _outputs(Y, lay).transpose(1, 0, 2, 3)
        return out
    Y = np.matmul(_filters(w, lay), _im2col(buffer, lay))  # Ŷ = W col
    np.add(_outputs(Y, lay).transpose(1, 0, 2, 3), b[:, None, None], out=out)  # + b
    return out


@_silent
def backward(I: np.ndarray, w: np.ndarray, G: np.ndarray, g: LayerGeometry):
    r"""Return ``(dw, db, dI)``, the gradients of :math:`\hat{Y} = W\, \text{col} + b`.

    Each one line, as in the notes: with :math:`\nu` the sample,
    :math:`\partial L / \partial w[o, c] = \sum_\nu G[\nu, o] \otimes I[\nu, c]` is
    :math:`G\, \text{col}^T`; :math:`\partial L / \partial b[o] = \sum G[:, o]` is the sum of
    :math:`G`'s row :math:`o`; :math:`\partial L / \partial I[\nu, c] = \sum_o w[o, c] * G[\nu, o]`
    (the transposed convolution) is :math:`\text{col2im}(W^T G)`.
    """
    lay = layout(g, compact=not _is_depthwise(g))
    G_cols = _spread(G, lay)  # G as a matrix: a row per filter, col's columns
    db = G_cols.sum(axis=-1).reshape(g.C_out)  # ∂L/∂b[o] = Σ G[:, o]
    if _is_depthwise(g) and np.isfinite(w).all() and _zeros_may_be_skipped(w, G_cols):
        # dw and dI channel by channel, each channel's G read once for both (in cache)
        dw, buffer = _depthwise_backward(_to_phases(I, lay), w, G_cols, lay)
        dw = dw if np.isfinite(dw).all() else _matrix_grad_w_again(I, G, g)
        return dw, db, _from_phases(buffer, lay)
    dw = _grad_w(I, G, G_cols, lay)  # ∂L/∂W = G colᵀ
    G_runs = None if lay.compact else G_cols  # (the compact G is freed before Wᵀ G is made)
    del G_cols
    dI = _grad_input(w, G, g, G_runs)  # ∂L/∂I = col2im(Wᵀ G)
    return dw, db, dI


@_silent
def grad_w(I: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\partial L / \partial W = G\, \text{col}^T`, shape of ``w``."""
    lay = layout(g, compact=not _is_depthwise(g))
    return _grad_w(I, G, _spread(G, lay), lay)


@_silent
def grad_input(w: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\partial L / \partial I = \text{col2im}(W^T G)`, shape ``(N, C_in, H, W)``."""
    return _grad_input(w, G, g)


def _grad_w(I: np.ndarray, G: np.ndarray, G_cols: np.ndarray, lay: Layout) -> np.ndarray:
    g, buffer = lay.geometry, _to_phases(I, lay)
    if lay.compact:
        return _matrix_grad_w(_im2col(buffer, lay), G_cols, lay)  # ∂L/∂W = G colᵀ
    dw = _depthwise_grad_w(buffer, G_cols, lay)  # dw[c, tap] = <G[c], run_tap[c]>
    return dw if np.isfinite(dw).all() else _matrix_grad_w_again(I, G, g)


def _matrix_grad_w_again(I: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray:
    """``G colᵀ`` for a depthwise layer whose dots on the runs gave an inf or nan.

    It may come from a spare column, where G's 0 met a pixel's inf (0 * inf is nan), which the
    definition does not add: again, with the matrices and no spare column.
    """
    lay = layout(g, compact=True)
    return _matrix_grad_w(_im2col(_to_phases(I, lay), lay), _spread(G, lay), lay)


def _matrix_grad_w(col: np.ndarray, G_cols: np.ndarray, lay: Layout) -> np.ndarray:
    g = lay.geometry
    dW = np.matmul(G_cols, col.transpose(0, 2, 1))  # ∂L/∂W = G colᵀ
    O, Cg, k1, k2 = g.kernel_shape
    dW = dW.reshape(g.groups, O // g.groups, k1 * k2, Cg).transpose(0, 1, 3, 2)
    return dW.reshape(O, Cg, k1, k2)


def _grad_input(w: np.ndarray, G: np.ndarray, g: LayerGeometry, G_cols=None) -> np.ndarray:
    lay = layout(g, compact=False)  # col2im adds whole runs back
    G_cols = _spread(G, lay) if G_cols is None else G_cols  # (given when already on the runs)
    finite = bool(np.isfinite(w).all())
    if _is_depthwise(g) and finite and _zeros_may_be_skipped(w, G_cols):
        buffer = _depthwise_grad_input(w, G_cols, lay)  # run_tap[c] += w[c, tap] G[c]
        return _from_phases(buffer, lay)
    W_T, buffer = _filters(w, lay).transpose(0, 2, 1), np.zeros(lay.size, dtype=G.dtype)
    step = g.N * g.H_out * g.W_out  # columns per block: none larger than the compact col
    for first in range(0, lay.NL, step):
        dcol = np.matmul(W_T, G_cols[..., first : first + step])  # ∂L/∂col = Wᵀ G
        if not finite:  # keep w's inf and nan off the spare columns: 0 * inf is nan
            _zero_spare_columns(dcol, lay, first)
        _col2im(dcol, lay, first, buffer)  # ∂L/∂I: each row of Wᵀ G back where col took it
        del dcol  # before the next block is made
    return _from_phases(buffer, lay)


# ---------------------------------------------------------------------------------------------
# Depthwise: the same sums, tap by tap, without matrices (one channel at a time, in cache)
# ---------------------------------------------------------------------------------------------

_AXPY = {np.dtype(np.float64): blas.daxpy, np.dtype(np.float32): blas.saxpy}
_DOT = {np.dtype(np.float64): blas.ddot, np.dtype(np.float32): blas.sdot}


def _zeros_may_be_skipped(w: np.ndarray, x: np.ndarray) -> bool:
    """Whether BLAS may skip ``w``'s zeros: not when ``x`` holds inf or nan (0 * inf is nan)."""
    return bool((w != 0).all() or np.isfinite(x).all())


def _depthwise_forward(buffer: np.ndarray, w: np.ndarray, b: np.ndarray, lay: Layout):
    r""":math:`\hat{Y}[c] = b[c] + \sum_{m,n} w[c, 0, m, n]\, \text{run}_{m,n}[c]`, ``(C, NL)``."""
    C, NL = lay.geometry.C_in, lay.NL
    axpy, starts = _AXPY[buffer.dtype], [start for *_, start in lay.taps]
    Y = np.empty((C, NL), dtype=buffer.dtype)
    Y[...] = b[:, None]
    Y = Y.reshape(-1)
    for c, weights in enumerate(w.reshape(C, -1).tolist()):
        for w_t, start in zip(weights, starts, strict=True):
            Y = axpy(buffer, Y, NL, w_t, start + c * NL, 1, c * NL)
    return Y


def _depthwise_grad_w(buffer: np.ndarray, G_spread: np.ndarray, lay: Layout) -> np.ndarray:
    r""":math:`\partial L / \partial w[c, 0, m, n] = \langle G[c], \text{run}_{m,n}[c] \rangle`."""
    g = lay.geometry
    NL, dot, G_flat = lay.NL, _DOT[buffer.dtype], G_spread.reshape(-1)
    starts = [start for *_, start in lay.taps]
    dw = [
        [dot(G_flat, buffer, NL, c * NL, 1, s + c * NL, 1) for s in starts] for c in range(g.C_in)
    ]
    return np.array(dw, dtype=buffer.dtype).reshape(g.kernel_shape)


def _depthwise_backward(buffer: np.ndarray, w: np.ndarray, G_spread: np.ndarray, lay: Layout):
    """Return ``dw`` and ``dI``'s phase buffer, the two depthwise sums in one loop.

    :func:`_depthwise_grad_w` and :func:`_depthwise_grad_input` channel by channel, so that a
    channel's ``G`` is read from the cache the second time.
    """
    g = lay.geometry
    C, NL, dtype = g.C_in, lay.NL, buffer.dtype
    axpy, dot, starts = _AXPY[dtype], _DOT[dtype], [start for *_, start in lay.taps]
    G_flat, dI = G_spread.reshape(-1), np.zeros(lay.size, dtype=dtype)
    dw = []
    for c, weights in enumerate(w.reshape(C, -1).tolist()):
        first = c * NL
        dw.append([dot(G_flat, buffer, NL, first, 1, s + first, 1) for s in starts])
        for w_t, s in zip(weights, starts, strict=True):
            dI = axpy(G_flat, dI, NL, w_t, first, 1, s + first)
    return np.array(dw, dtype=dtype).reshape(g.kernel_shape), dI


def _depthwise_grad_input(w: np.ndarray, G_spread: np.ndarray, lay: Layout) -> np.ndarray:
    r"""Add :math:`w[c, 0, m, n]\, G[c]` onto the run tap :math:`(m, n)` read, for every tap."""
    C, NL = lay.geometry.C_in, lay.NL
    axpy, starts = _AXPY[G_spread.dtype], [start for *_, start in lay.taps]
    G_flat, buffer = G_spread.reshape(-1), np.zeros(lay.size, dtype=G_spread.dtype)
    for c, weights in enumerate(w.reshape(C, -1).tolist()):
        for w_t, start in zip(weights, starts, strict=True):
            buffer = axpy(G_flat, buffer, NL, w_t, c * NL, 1, start + c * NL)
    return buffer
