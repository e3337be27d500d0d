r"""The engines behind :func:`convlib.correlate2d`, and the cost model that picks one.

Private: the public names are ``convlib.correlate2d(..., method=...)``,
:func:`convlib.choose_method` and :class:`convlib.ops.CostModel`. Inputs arriving here are
validated: 2-D, the same dtype (float32 or float64), the kernel fits inside the image.

``"direct"``
    Shift-and-add over the :math:`k_1 k_2` taps: :math:`Y \mathrel{+}= w(m, n)\, I[m:, n:]`, one
    BLAS ``axpy`` per tap, run on chunks of the output that fit in cache. When the "kernel" is
    larger than the output (as :math:`G` is in :math:`\partial L / \partial w = G \otimes I`),
    it runs the other way round: one BLAS dot product per output.
``"fft"``
    The correlation theorem on real FFTs (``scipy.fft``) of a fast size at least the image's.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.fft
from scipy.linalg import blas

__all__ = ["CostModel", "Decision", "correlate", "decide", "fastest"]

# The direct engine works on chunks of this many bytes of output (plus the matching input).
_CHUNK_BYTES = 128 * 1024

_COST_FILE = "_cost_model.json"


@dataclass(frozen=True)
class CostModel:
    r"""Estimated run time of the two engines, in seconds, from the shapes alone.

    .. math::

        t_\text{direct} = c_\text{call} \cdot \text{calls} + c_\text{mac} \cdot k_1 k_2 H' W',
        \qquad
        t_\text{fft} = c_\text{fft} + c_{n \log n} \cdot n \log_2 n,

    where ``calls`` counts the direct engine's BLAS calls and :math:`n` is the FFT grid's size.
    One model per dtype; the constants are fitted on one thread by
    ``python benchmarks/bench.py --calibrate``, which writes them to ``convlib/_cost_model.json``
    with :meth:`save`; :meth:`load` reads them.

    Attributes
    ----------
    per_call, per_mac, per_fft, per_nlogn : float
        The four constants :math:`c`, in seconds.
    """

    per_call: float
    per_mac: float
    per_fft: float
    per_nlogn: float

    @staticmethod
    def direct_work(image_shape, kernel_shape, dtype) -> tuple[int, int]:
        """Return the direct engine's work: ``(BLAS calls, multiply-adds)``."""
        (H, W), (k1, k2) = image_shape, kernel_shape
        outputs, taps = (H - k1 + 1) * (W - k2 + 1), k1 * k2
        chunks = -(-(H * W * np.dtype(dtype).itemsize) // _CHUNK_BYTES)
        return min(outputs, taps) * chunks, outputs * taps

    @staticmethod
    def fft_work(image_shape) -> float:
        r"""Return the FFT engine's work: :math:`n \log_2 n` for its :math:`n`-point grid."""
        s0, s1 = _fft_size(image_shape)
        return s0 * s1 * math.log2(s0 * s1)

    def seconds(self, image_shape, kernel_shape, dtype) -> dict[str, float]:
        """Return the estimated time of each engine: ``{"direct": ..., "fft": ...}``."""
        calls, macs = self.direct_work(image_shape, kernel_shape, dtype)
        return {
            "direct": self.per_call * calls + self.per_mac * macs,
            "fft": self.per_fft + self.per_nlogn * self.fft_work(image_shape),
        }

    @classmethod
    def load(cls, path=None) -> dict[np.dtype, CostModel]:
        """Read the models of float64 and float32 from ``path`` (default: convlib's own file)."""
        if path is None:
            text = resources.files("convlib").joinpath(_COST_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        return {np.dtype(name): cls(**data[name]) for name in ("float64", "float32")}

    @staticmethod
    def save(models: dict, path=None, machine: str = "") -> Path:
        """Write ``{dtype: CostModel}`` to ``path`` (default: convlib's own file); return it."""
        target = Path(path) if path is not None else Path(__file__).with_name(_COST_FILE)
        data = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
        data["machine"] = machine or data.get("machine", "")
        for dtype, model in models.items():
            data[np.dtype(dtype).name] = {k: float(f"{v:.2g}") for k, v in asdict(model).items()}
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return target


@functools.cache
def _models() -> dict[np.dtype, CostModel]:
    return CostModel.load()


@functools.lru_cache(maxsize=256)
def fastest(image_shape, kernel_shape, dtype) -> str:
    """Return ``"direct"`` or ``"fft"``, whichever the cost model says is faster."""
    t = _models()[np.dtype(dtype)].seconds(image_shape, kernel_shape, dtype)
    return "direct" if t["direct"] <= t["fft"] else "fft"


class Decision(NamedTuple):
    """What ``method="auto"`` does for given arrays, and why (see :func:`decide`)."""

    method: str  # "direct" or "fft"
    exact: bool  # round the FFT's result to integers (integer-valued inputs)
    reason: str  # one sentence, for choose_method's callers and the tests


# The FFT is accepted when its error bound is at most this many float64 units of roundoff of
# the smallest window's sum of |products| (2**12 * 2.2e-16 = 9.1e-13 of it).
_FFT_ROUNDOFFS = 2.0**12


def decide(I, w) -> Decision:
    r"""Choose the engine for ``w ⊗ I`` from the shapes and, when the FFT is faster, the values.

    The direct sum is taken whenever the cost model (:func:`fastest`) says it is faster.
    Otherwise the FFT is taken only if it cannot surprise:

    1. every value of ``I`` and ``w`` is finite (NaN and inf then stay local, as in the direct
       sum, instead of spreading to every output);
    2. if every value is an integer (bool and integer dtypes, or floats with integral values)
       and the exact result fits the output dtype, the FFT's error bound must be below 1/4, and
       its result is rounded: exactly the integers of the direct sum;
    3. otherwise the FFT's error bound must be at most :math:`2^{12}` float64 units of roundoff
       of the smallest window's :math:`\sum |I \cdot w|` (about :math:`10^{-12}` of it), so
       that no output, however small next to the others, loses more than that.

    The error bound of the FFT correlation (computed in float64, also for float32 inputs) is

    .. math:: E = \epsilon \, \log_2 n \, \max|I| \, \max_f |\hat{w}(f)|,

    :math:`n` the transform's size and :math:`\hat{w}` the kernel's spectrum on that grid; over
    random, constant, oscillating, sparse, spiked and integer test images it was at least 3
    times the largest error observed (``tests/test_engines.py``). The smallest window sum is
    bounded below from the window sums of :math:`|I|` (by an integral image) and the sorted
    :math:`|w|`. The checks are a few passes over ``I``; on large images they take about half as
    long as the FFT they guard, and the cost model counts them in the FFT's cost.
    """
    return _decide(I, w)[0]


def _decide(I, w) -> tuple[Decision, np.ndarray | None]:
    """:func:`decide`, and the kernel's spectrum when it was computed (for the FFT to reuse)."""
    speed = fastest(I.shape, w.shape, I.dtype)
    if speed == "direct":
        return Decision("direct", False, "the direct sum is faster for these shapes"), None
    return _guard_fft(I, w)


def _guard_fft(I, w) -> tuple[Decision, np.ndarray | None]:
    """Apply rules 1-3 of :func:`decide`: may the FFT compute ``w ⊗ I``."""
    A, a = np.abs(I, dtype=np.float64), np.abs(w, dtype=np.float64)
    M, a_max = float(A.max()), float(a.max())
    if not (math.isfinite(M) and math.isfinite(a_max)):
        return Decision(
            "direct", False, "NaN or inf in the input: the direct sum keeps it local"
        ), None
    size = _fft_size(I.shape)
    spectrum = _conj_spectrum(w.astype(np.float64, copy=False), size)
    bound = _EPS64 * math.log2(size[0] * size[1]) * M * float(np.abs(spectrum).max())
    integral = _integral(w) and _integral(I)  # the kernel first: it is small
    if integral:
        largest = M * float(a.sum())
        fits = largest < 2.0 ** (np.finfo(I.dtype).nmant + 1)
        if fits and bound < 0.25:
            return Decision("fft", True, "integer values: the FFT, rounded, is exact"), spectrum
        return Decision("direct", False, "integer values the FFT cannot round exactly"), None
    if bound <= _FFT_ROUNDOFFS * _EPS64 * _smallest_window_sum(A, a, M):
        return Decision(
            "fft", False, "the FFT's error bound is negligible in every window"
        ), spectrum
    return Decision("direct", False, "a window too small next to the FFT's error bound"), None


_EPS64 = float(np.finfo(np.float64).eps)


def _integral(x) -> bool:
    """Tell whether every value of ``x`` is an integer.

    A non-integer among the first 64 values answers without reading the rest (ordinary data).
    """
    if x.dtype.kind in "biu":
        return True
    head = x.reshape(-1)[:64]
    return np.array_equal(head, np.rint(head)) and np.array_equal(x, np.rint(x))


def _smallest_window_sum(A, a, M):
    r"""Bound from below :math:`\min_{i,j} \sum_{m,n} A(i+m, j+n)\, a(m, n)`, for ``A, a >= 0``.

    With :math:`B` the smallest window sum of :math:`A` and every :math:`A \le M`, the sum is
    smallest when the mass :math:`B` sits, :math:`M` at a time, on the smallest weights.
    """
    k1, k2 = a.shape
    # The window sums, one axis at a time: running sums along the rows, differenced k2 apart,
    # then the same down the columns (two passes, two arrays of the image's size).
    total = float(A.sum())
    rows = np.cumsum(A, axis=1)
    rows[:, k2:] -= rows[:, :-k2]  # numpy buffers the overlapping operands
    c = np.cumsum(rows[:, k2 - 1 :], axis=0)
    c[k1:] -= c[:-k1]
    windows = c[k1 - 1 :]
    B = float(windows.min()) - 8 * _EPS64 * total  # the running sums' own rounding
    if B <= 0 or M == 0:
        return 0.0
    weights = np.sort(a, axis=None)
    q = int(B // M)
    if q >= weights.size:
        return M * float(weights.sum())
    return M * float(weights[:q].sum()) + (B - q * M) * float(weights[q])


def fft_as_auto(I, w):
    """Compute ``w ⊗ I`` as ``method="auto"`` does when it takes the FFT.

    That is the guard of :func:`decide`, then the FFT: ``benchmarks/bench.py --calibrate`` fits
    the FFT's cost to this.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        choice, spectrum = _guard_fft(I, w)
        return _correlate_fft(I, w, spectrum, exact=choice.exact)


def correlate(I, w, method):
    """Compute ``w ⊗ I`` (valid) with the engine ``method``: "auto", "direct" or "fft"."""
    with np.errstate(invalid="ignore", over="ignore"):  # nan and inf propagate silently
        if method == "direct":
            return _correlate_direct(I, w)
        if method == "fft":
            return _correlate_fft(I, w)
        choice, spectrum = _decide(I, w)
        if choice.method == "direct":
            return _correlate_direct(I, w)
        return _correlate_fft(I, w, spectrum, exact=choice.exact)


def _fft_size(image_shape):
    return tuple(scipy.fft.next_fast_len(int(d), real=True) for d in image_shape)


_AXPY = {np.dtype(np.float64): blas.daxpy, np.dtype(np.float32): blas.saxpy}
_DOT = {np.dtype(np.float64): blas.ddot, np.dtype(np.float32): blas.sdot}


def _correlate_direct(I, w):
    r"""Direct :math:`w \otimes I`: loop over whichever is fewer, taps or outputs."""
    (H, W), (k1, k2) = I.shape, w.shape
    if k1 * k2 <= (H - k1 + 1) * (W - k2 + 1):
        return _shift_and_add(I, w)
    return _shift_and_dot(I, w)


def _shift_and_add(I, w):
    r"""Sum the shifted images: :math:`Y = \sum_{m,n} w(m, n)\, I[m : m + H', n : n + W']`.

    In the row-major flattened image, tap :math:`(m, n)` is the contiguous run starting at
    :math:`mW + n`, so each tap is one BLAS ``axpy`` (``Y += w(m, n) * run``). ``Y`` is computed
    with rows of length ``W``; its last ``k2 - 1`` columns straddle two image rows and are
    dropped. The loop runs over chunks of ``Y`` that stay in cache while every tap is added.
    """
    (H, W), (k1, k2) = I.shape, w.shape
    Hout, Wout = H - k1 + 1, W - k2 + 1
    I_flat = I.ravel()  # a view when I is C-contiguous, else a copy
    Y_flat = np.zeros(Hout * W, dtype=I.dtype)
    size = (Hout - 1) * W + Wout  # Y_flat[size:] is never read
    axpy = _AXPY[I.dtype]
    weights = w.ravel().tolist()
    taps = list(zip([m * W + n for m in range(k1) for n in range(k2)], weights, strict=True))
    # BLAS skips a tap whose weight is 0, but IEEE says 0 * inf and 0 * nan are nan.
    skipped_taps_matter = 0.0 in weights and not np.isfinite(I).all()
    chunk = _CHUNK_BYTES // I.itemsize
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        for shift, w_mn in taps:
            if w_mn == 0 and skipped_taps_matter:
                Y_flat[start : start + n] += w_mn * I_flat[start + shift : start + shift + n]
            else:
                Y_flat = axpy(I_flat, Y_flat, n, w_mn, start + shift, 1, start)
    return Y_flat.reshape(Hout, W)[:, :Wout]


def _shift_and_dot(I, w):
    r"""One dot product per output: :math:`Y(i, j) = \langle w, I[i : i + k_1, j : j + k_2]\rangle`.

    For kernels larger than the output, such as :math:`G` in
    :math:`\partial L / \partial w = G \otimes I` (2.3). In the flattened image the window of
    output :math:`(i, j)` starts at :math:`iW + j`; with ``w`` laid out on rows of length ``W``
    (zeros between its rows) the whole window is one contiguous run, taken in cache-sized
    pieces, each one BLAS dot product. Partial sums are added in float64.
    """
    (H, W), (k1, k2) = I.shape, w.shape
    Hout, Wout = H - k1 + 1, W - k2 + 1
    I_flat = I.ravel()
    if np.isfinite(I).all():
        w_rows = np.zeros((k1, W), dtype=I.dtype)
        w_rows[:, :k2] = w
        w_flat = w_rows.ravel()
        size, chunk = (k1 - 1) * W + k2, _CHUNK_BYTES // I.itemsize
        pieces = [(start, start, min(chunk, size - start)) for start in range(0, size, chunk)]
    else:  # the zeros between w's rows would meet inf or nan, and 0 * inf is nan: row by row
        w_flat = w.ravel()
        pieces = [(m * k2, m * W, k2) for m in range(k1)]
    dot = _DOT[I.dtype]
    starts = [i * W + j for i in range(Hout) for j in range(Wout)]
    Y = [0.0] * len(starts)
    for w_start, I_start, n in pieces:
        for out, start in enumerate(starts):
            Y[out] += dot(w_flat, I_flat, n, w_start, 1, start + I_start, 1)
    return np.array(Y, dtype=I.dtype).reshape(Hout, Wout)


def _correlate_fft(I, w, conj_spectrum=None, exact=False):
    r"""FFT :math:`w \otimes I = \mathcal{F}^{-1}[\mathcal{F}(I)\,\overline{\mathcal{F}(w)}]`.

    On a grid of at least the image's size, the circular correlation equals the linear one at
    every valid output :math:`(i, j)`, because :math:`i + m \le H - 1` never wraps around.
    Computed in float64 (a float32 FFT's error is a million times larger), returned in the
    inputs' dtype; ``exact`` rounds the result to integers; ``conj_spectrum`` is
    :math:`\overline{\mathcal{F}(w)}` when the caller has it already.
    """
    (H, W), (k1, k2) = I.shape, w.shape
    Hout, Wout = H - k1 + 1, W - k2 + 1
    size = _fft_size(I.shape)
    spectrum = scipy.fft.rfft2(I.astype(np.float64, copy=False), size)
    if conj_spectrum is None:
        conj_spectrum = _conj_spectrum(w.astype(np.float64, copy=False), size)
    spectrum *= conj_spectrum
    if Hout <= _FEW:  # few output rows (as in dw = G ⊗ I): invert only those
        Y = _first_rows(spectrum, size, Hout)[:, :Wout]
    else:  # irfft2 written out as its two steps, which scipy 1.17 runs ~1.5x faster
        spectrum = scipy.fft.ifft(spectrum, axis=0, overwrite_x=True)
        Y = scipy.fft.irfft(spectrum, size[1], axis=1, overwrite_x=True)[:Hout, :Wout]
    if exact:
        np.rint(Y, out=Y)
    return Y.astype(I.dtype, copy=False)


# Below this many rows (or columns), a DFT by matrix product beats an FFT of the whole grid.
_FEW = 16


def _conj_spectrum(w, size):
    r"""Return :math:`\overline{\mathcal{F}(w)}` on the grid ``size``, in the rfft2 layout.

    A small kernel's spectrum is two small matrix products with DFT matrices,
    :math:`E_0\, w\, E_1`, much cheaper than an FFT of a grid that is almost all zeros.
    """
    (k1, k2), (s0, s1) = w.shape, size
    if k1 > _FEW or k2 > _FEW:  # a large "kernel", such as G in G ⊗ I
        return np.conjugate(scipy.fft.rfft2(w, size))
    E0 = _dft_matrix(s0, k1, s0, w.dtype)  # (s0, k1)
    E_1 = _dft_matrix(k2, s1 // 2 + 1, s1, w.dtype)  # (k2, s1 // 2 + 1)
    return (E0 @ w) @ E_1


def _first_rows(spectrum, size, rows):
    """Inverse rfft2 of ``spectrum`` (grid ``size``), rows ``0 .. rows - 1`` only."""
    s0, s1 = size
    E = _dft_matrix(rows, s0, s0, spectrum.real.dtype) / s0  # the inverse DFT's first rows
    return scipy.fft.irfft(E @ spectrum, s1, axis=1)


@functools.lru_cache(maxsize=64)
def _dft_matrix(rows, cols, n, dtype):
    r"""Return :math:`E(p, m) = e^{2\pi i\, p m / n}` for ``p < rows``, ``m < cols``."""
    p, m = np.ogrid[:rows, :cols]
    E = np.exp(2j * np.pi * ((p * m) % n) / n)
    E = E.astype(np.complex64 if dtype == np.float32 else np.complex128)
    E.flags.writeable = False
    return E
