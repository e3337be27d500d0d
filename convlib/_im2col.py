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

Depthwise layers (one input channel per filter and one filter per group) skip the matrices:
each tap is one BLAS ``axpy`` (forward, input gradient) or ``dot`` (weight gradient) per
channel on the same contiguous runs.

NaN and inf: the spare columns meet real pixels (forward, weight gradient) or real weights
(input gradient) with zeros; when an input holds NaN or inf those zeros are kept out of the sums
(``0 * inf`` is NaN), so every output is the sum the definition gives.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from scipy.linalg import blas

from ._types import LayerGeometry

__all__ = ["forward", "grad_input", "grad_w"]


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

    @property
    def NL(self) -> int:
        """Columns of ``col``: one per (sample, row < Hs, column < Ws)."""
        return self.geometry.N * self.Hs * self.Ws

    @property
    def size(self) -> int:
        """Length of the flat phase buffer (planes and tail)."""
        s1, s2 = self.geometry.stride
        return s1 * s2 * self.geometry.C_in * self.NL + self.tail


@functools.lru_cache(maxsize=128)
def layout(g: LayerGeometry) -> Layout:
    """Return the phase layout of a geometry (cached: a training loop asks for the same one)."""
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
    phases = []
    for a, b in sorted(used):
        rows = _phase_range(a, s1, top, g.H, Hs)
        cols = _phase_range(b, s2, left, g.W, Ws)
        phases.append(_Phase(a, b, (rows[0], cols[0]), (rows[1], cols[1])))
    tail = (g.k1 - 1) * d1 // s1 * Ws + (g.k2 - 1) * d2 // s2
    return Layout(g, Hs, Ws, tuple(taps), tuple(phases), tail)


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
    I = np.zeros(g.input_shape, dtype=buffer.dtype)
    I_cn = I.transpose(1, 0, 2, 3)
    for phase in lay.phases:
        I_cn[:, :, phase.image[0], phase.image[1]] = planes[phase.a, phase.b][
            :, :, phase.plane[0], phase.plane[1]
        ]
    return I


def _run(buffer: np.ndarray, lay: Layout, start: int) -> np.ndarray:
    """Return the pixels one tap reads, ``(C_in, NL)``: row ``c`` is channel ``c``'s run."""
    C, NL = lay.geometry.C_in, lay.NL
    return buffer[start : start + C * NL].reshape(C, NL)


def _im2col(buffer: np.ndarray, lay: Layout) -> np.ndarray:
    """``col`` as ``(groups, k1 k2 C_in/groups, NL)``: rows ordered (tap, channel of the group)."""
    g = lay.geometry
    Cg = g.C_in // g.groups
    col = np.empty((g.groups, len(lay.taps), Cg, lay.NL), dtype=buffer.dtype)
    for t, (_, _, start) in enumerate(lay.taps):
        col[:, t] = _run(buffer, lay, start).reshape(g.groups, Cg, lay.NL)
    return col.reshape(g.groups, -1, lay.NL)


def _col2im(dcol: np.ndarray, lay: Layout) -> np.ndarray:
    """Add each row of ``dcol`` back where ``_im2col`` copied it from; return the phase buffer."""
    g = lay.geometry
    buffer = np.zeros(lay.size, dtype=dcol.dtype)
    dcol = dcol.reshape(g.groups, len(lay.taps), g.C_in // g.groups, lay.NL)
    for t, (_, _, start) in enumerate(lay.taps):
        run = _run(buffer, lay, start).reshape(g.groups, -1, lay.NL)
        run += dcol[:, t]
    return buffer


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
    """``G`` as ``(groups, C_out/groups, NL)`` on col's columns; zero on the spare ones."""
    g = lay.geometry
    G_spread = np.zeros((g.C_out, g.N, lay.Hs, lay.Ws), dtype=G.dtype)
    G_spread[:, :, : g.H_out, : g.W_out] = G.transpose(1, 0, 2, 3)
    return G_spread.reshape(g.groups, g.C_out // g.groups, lay.NL)


def _outputs(Y: np.ndarray, lay: Layout) -> np.ndarray:
    """Return the real outputs among col's columns, a ``(rows, N, H', W')`` view of ``Y``."""
    g = lay.geometry
    return Y.reshape(-1, g.N, lay.Hs, lay.Ws)[:, :, : g.H_out, : g.W_out]


def _zero_spare_columns(a: np.ndarray, lay: Layout) -> None:
    """Set the columns of ``a`` (``(..., NL)``) that are not outputs to 0, in place."""
    g = lay.geometry
    grid = a.reshape(-1, g.N, lay.Hs, lay.Ws)
    grid[:, :, g.H_out :, :] = 0
    grid[:, :, :, g.W_out :] = 0


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
# The forward pass and, beside it, the two gradients that need more than a sum
# ---------------------------------------------------------------------------------------------


@_silent
def forward(I: np.ndarray, w: np.ndarray, b: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\hat{Y} = W\, \text{col} + b`, shape ``(N, C_out, H', W')``."""
    lay = layout(g)
    buffer = _to_phases(I, lay)
    if _is_depthwise(g) and _blas_may_skip_zeros(w, I):
        Y = _depthwise_forward(buffer, w, lay)  # one axpy per (channel, tap)
    else:
        Y = np.matmul(_filters(w, lay), _im2col(buffer, lay))  # Ŷ = W col
    out = np.empty(g.output_shape, dtype=I.dtype)
    np.add(_outputs(Y, lay).transpose(1, 0, 2, 3), b[:, None, None], out=out)  # + b
    return out


@_silent
def grad_w(I: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\partial L / \partial W = G\, \text{col}^T`, shape of ``w``."""
    lay = layout(g)
    buffer, G_spread = _to_phases(I, lay), _spread(G, lay)
    finite = bool(np.isfinite(I).all())
    if _is_depthwise(g) and finite:
        return _depthwise_grad_w(buffer, G_spread, lay)  # one dot per (channel, tap)
    col = _im2col(buffer, lay)
    if not finite:  # the spare columns' zeros in G must not meet an inf: 0 * inf is nan
        _zero_spare_columns(col, lay)
    dW = np.matmul(G_spread, col.transpose(0, 2, 1))  # ∂L/∂W = G colᵀ
    O, Cg, k1, k2 = g.kernel_shape
    return (
        dW.reshape(g.groups, O // g.groups, k1 * k2, Cg)
        .transpose(0, 1, 3, 2)
        .reshape(O, Cg, k1, k2)
    )


@_silent
def grad_input(w: np.ndarray, G: np.ndarray, g: LayerGeometry) -> np.ndarray:
    r"""Return :math:`\partial L / \partial I = \text{col2im}(W^T G)`, shape ``(N, C_in, H, W)``."""
    lay = layout(g)
    G_spread = _spread(G, lay)
    if _is_depthwise(g) and np.isfinite(w).all() and _blas_may_skip_zeros(w, G):
        buffer = _depthwise_grad_input(w, G_spread, lay)  # one axpy per (channel, tap)
    else:
        dcol = np.matmul(_filters(w, lay).transpose(0, 2, 1), G_spread)  # ∂L/∂col = Wᵀ G
        if not np.isfinite(w).all():  # keep w's inf and nan off the spare columns
            _zero_spare_columns(dcol, lay)
        buffer = _col2im(dcol, lay)
    return _from_phases(buffer, lay)


# ---------------------------------------------------------------------------------------------
# Depthwise: the same sums, tap by tap, without matrices
# ---------------------------------------------------------------------------------------------

_AXPY = {np.dtype(np.float64): blas.daxpy, np.dtype(np.float32): blas.saxpy}
_DOT = {np.dtype(np.float64): blas.ddot, np.dtype(np.float32): blas.sdot}


def _blas_may_skip_zeros(w: np.ndarray, x: np.ndarray) -> bool:
    """Whether BLAS may skip a zero weight: not when ``x`` holds inf or nan (0 * inf is nan)."""
    return bool((w != 0).all() or np.isfinite(x).all())


def _depthwise_forward(buffer: np.ndarray, w: np.ndarray, lay: Layout) -> np.ndarray:
    r""":math:`\hat{Y}[c] = \sum_{m,n} w[c, 0, m, n]\, \text{run}_{m,n}[c]`, flat ``(C, NL)``."""
    C, NL = lay.geometry.C_in, lay.NL
    axpy, weights = _AXPY[buffer.dtype], w.reshape(C, -1).tolist()
    Y = np.zeros(C * NL, dtype=buffer.dtype)
    for t, (_, _, start) in enumerate(lay.taps):
        for c in range(C):
            Y = axpy(buffer, Y, NL, weights[c][t], start + c * NL, 1, c * NL)
    return Y


def _depthwise_grad_w(buffer: np.ndarray, G_spread: np.ndarray, lay: Layout) -> np.ndarray:
    r""":math:`\partial L / \partial w[c, 0, m, n] = \langle G[c], \text{run}_{m,n}[c] \rangle`."""
    g = lay.geometry
    C, NL = g.C_in, lay.NL
    dot, G_flat = _DOT[buffer.dtype], G_spread.reshape(-1)
    dw = [
        [dot(G_flat, buffer, NL, c * NL, 1, start + c * NL, 1) for _, _, start in lay.taps]
        for c in range(C)
    ]
    return np.array(dw, dtype=buffer.dtype).reshape(g.kernel_shape)


def _depthwise_grad_input(w: np.ndarray, G_spread: np.ndarray, lay: Layout) -> np.ndarray:
    r"""Add :math:`w[c, 0, m, n]\, G[c]` onto the run tap :math:`(m, n)` read, for every tap."""
    C, NL = lay.geometry.C_in, lay.NL
    axpy, weights = _AXPY[G_spread.dtype], w.reshape(C, -1).tolist()
    G_flat, buffer = G_spread.reshape(-1), np.zeros(lay.size, dtype=G_spread.dtype)
    for t, (_, _, start) in enumerate(lay.taps):
        for c in range(C):
            buffer = axpy(G_flat, buffer, NL, weights[c][t], c * NL, 1, start + c * NL)
    return buffer
