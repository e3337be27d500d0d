r"""Chapter 1's pictures: the two operations, and the layer's window and output shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _format as fmt
from .._checks import as_index, as_real_scalar, as_shape, as_shape_or_array, check_fits
from ..book import eq
from ..ops import correlate2d, output_shape
from ._layout import PALETTE, Outline, Panel, block, one_cell, value_labels
from ._picture import FILL, Picture

__all__ = ["Operations", "Window"]


@dataclass(frozen=True)
class Operations(Picture):
    r"""Cross-correlation and convolution side by side: which pixel each ``w(m,n)`` multiplies.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    i, j : int, optional
        The output position; both windows must lie inside ``I``:
        ``k1 - 1 <= i <= H - k1`` and ``k2 - 1 <= j <= W - k2``.

    Notes
    -----
    Cross-correlation (1.2) pairs :math:`w(m,n)` with :math:`I(i+m, j+n)`; convolution (1.1)
    pairs it with :math:`I(i-m, j-n)`, so its window ends at :math:`(i, j)` and meets the
    kernel turned by 180°. Gids: ``"window"`` (the cells of ``I`` used), ``"anchor"`` (outline
    of ``I(i,j)``), ``"w00"`` and ``"wlast"`` (outlines of ``w(0,0)`` and ``w(k1-1,k2-1)``).
    """

    image_shape: Any = (5, 5)
    kernel_shape: Any = (3, 3)
    i: Any = 2
    j: Any = 2

    columns = ((0,), (1,))

    def __post_init__(self) -> None:
        H, W = as_shape(self.image_shape, "image_shape")
        k1, k2 = as_shape(self.kernel_shape, "kernel_shape")
        check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
        self._store(image_shape=(H, W), kernel_shape=(k1, k2))
        for name, size, k, what in (("i", H, k1, "row"), ("j", W, k2, "column")):
            value = as_index(getattr(self, name), size, name, f"a {what} of I")
            if not k - 1 <= value <= size - k:
                small = (
                    f" (I is too small: give it {2 * k - 1} {what}s)" if size < 2 * k - 1 else ""
                )
                raise ValueError(
                    f"{name} must be in {k - 1}..{size - k} so that both windows lie inside I, "
                    f"cross-correlation's I({name}+m) and convolution's I({name}{fmt.MINUS}m) "
                    f"for m = 0..{k - 1}; got {value}{small}"
                )
            self._store(**{name: value})

    def panels(self) -> list[Panel]:
        """Return the cross-correlation grid and the convolution grid."""
        (H, W), (k1, k2), i, j = self.image_shape, self.kernel_shape, self.i, self.j
        last = (k1 - 1, k2 - 1)
        panels = []
        for sign, name, label in (
            (1, "cross-correlation", "eq-xcorr"),
            (-1, "convolution", "eq-conv"),
        ):
            where = {(i + sign * m, j + sign * n): (m, n) for m, n in np.ndindex(k1, k2)}
            op = "+" if sign > 0 else fmt.MINUS
            outlines = [Outline("anchor", *one_cell(i, j), "black", 2.0, "--")]
            for cell, mn in where.items():
                if mn == (0, 0):
                    outlines.append(Outline("w00", *one_cell(*cell), PALETTE["vermillion"]))
                elif mn == last:
                    outlines.append(Outline("wlast", *one_cell(*cell), PALETTE["blue"]))
            panels.append(
                Panel(
                    (H, W),
                    title=f"{name} {eq(label)}\nw(m,n) meets I({i}{op}m, {j}{op}n)",
                    fills={"window": (where, FILL.sky)},
                    labels={cell: fmt.w(*mn) for cell, mn in where.items()},
                    outlines=outlines,
                    caption=f"window {'starts' if sign > 0 else 'ends'} at I({i},{j})",
                )
            )
        return panels

    def describe(self) -> str:
        """Say which pixel each kernel entry multiplies, in both operations.

        Returns
        -------
        str
            For example "For the output at (2,2), cross-correlation (1.2) multiplies w(m,n) by
            I(2+m, 2+n) (rows 2–4, columns 2–4, w(0,0) on I(2,2)); convolution (1.1)
            multiplies it by I(2−m, 2−n) (rows 0–2, columns 0–2, w(0,0) on I(2,2), w(2,2) on
            I(0,0)): the kernel is turned by 180°."
        """
        (k1, k2), i, j, M = self.kernel_shape, self.i, self.j, fmt.MINUS
        return (
            f"For the output at ({i},{j}), cross-correlation {eq('eq-xcorr')} multiplies w(m,n) "
            f"by I({i}+m, {j}+n) ({fmt.span_of('row', range(i, i + k1))}, "
            f"{fmt.span_of('column', range(j, j + k2))}, w(0,0) on I({i},{j})); convolution "
            f"{eq('eq-conv')} multiplies it by I({i}{M}m, {j}{M}n) "
            f"({fmt.span_of('row', range(i - k1 + 1, i + 1))}, "
            f"{fmt.span_of('column', range(j - k2 + 1, j + 1))}, w(0,0) on I({i},{j}), "
            f"w({k1 - 1},{k2 - 1}) on I({i - k1 + 1},{j - k2 + 1})): the kernel is turned by 180°."
        )


@dataclass(frozen=True)
class Window(Picture):
    r"""The window of ``I`` under the output ``Ŷ(i,j)``, the kernel, and the output grid.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int) or None
        ``(H, W)`` and ``(k1, k2)``; may be None when ``I`` (``w``) is given.
    i, j : int
        The output position, ``0 <= i <= H - k1``, ``0 <= j <= W - k2``.
    I, w : array_like, optional
        Values. Without ``I`` the window's cells name the ``w(m,n)`` they meet; with both,
        the output grid shows ``Ŷ = w ⊗ I + b`` from ``convlib.correlate2d``.
    b : float, optional
        The bias.

    Notes
    -----
    The layer (1.3): :math:`\hat Y(i,j) = \sum_{m,n} I(i+m, j+n)\, w(m,n) + b`, of shape
    :math:`(H-k_1+1) \times (W-k_2+1)` (1.4). Gids: ``"window"``, ``"kernel"``, ``"output"``.
    """

    image_shape: Any = None
    kernel_shape: Any = None
    i: Any = 0
    j: Any = 0
    I: Any = None
    w: Any = None
    b: Any = 0.0

    def __post_init__(self) -> None:
        (H, W), I = as_shape_or_array(self.image_shape, self.I, "image_shape", "I")
        (k1, k2), w = as_shape_or_array(self.kernel_shape, self.w, "kernel_shape", "w")
        Hp, Wp = output_shape((H, W), (k1, k2))
        self._store(image_shape=(H, W), kernel_shape=(k1, k2), I=self._frozen(I), w=self._frozen(w))
        self._store(b=as_real_scalar(self.b, "b"))
        self._store(i=as_index(self.i, Hp, "i", f"a row of Ŷ, H′ = H − k1 + 1 = {Hp}"))
        self._store(j=as_index(self.j, Wp, "j", f"a column of Ŷ, W′ = W − k2 + 1 = {Wp}"))

    @property
    def output(self) -> np.ndarray | None:
        """``Ŷ = w ⊗ I + b`` when ``I`` and ``w`` are given (``convlib.correlate2d``)."""
        if self.I is None or self.w is None:
            return None
        return correlate2d(self._array(self.I), self._array(self.w)) + self.b

    def panels(self) -> list[Panel]:
        """Return the grids of ``I``, ``w`` and ``Ŷ``."""
        (H, W), (k1, k2), i, j = self.image_shape, self.kernel_shape, self.i, self.j
        Hp, Wp = H - k1 + 1, W - k2 + 1
        rows, cols = range(i, i + k1), range(j, j + k2)
        I, w, Y = self._array(self.I), self._array(self.w), self.output
        kernel = list(np.ndindex(k1, k2))
        window = {(i + m, j + n): fmt.w(m, n) for m, n in kernel}
        M = fmt.MINUS
        return [
            Panel(
                (H, W),
                title=f"input I  ({fmt.size((H, W))})",
                fills={"window": (block(rows, cols), FILL.sky)},
                labels=value_labels(I) if I is not None else window,
                outlines=[Outline("window-outline", rows, cols, PALETTE["blue"])],
            ),
            Panel(
                (k1, k2),
                title=f"kernel w  ({fmt.size((k1, k2))})",
                fills={"kernel": (kernel, FILL.orange)},
                labels=value_labels(w) if w is not None else {mn: fmt.w(*mn) for mn in kernel},
            ),
            Panel(
                (Hp, Wp),
                title=f"output Ŷ  ({fmt.size((Hp, Wp))})",
                fills={"output": ([(i, j)], FILL.green)},
                labels=value_labels(Y) if Y is not None else {(i, j): f"Ŷ({i},{j})"},
                outlines=[Outline("output-outline", *one_cell(i, j), PALETTE["green"])],
                caption=f"H′ = {H} {M} {k1} + 1 = {Hp}\nW′ = {W} {M} {k2} + 1 = {Wp}",
            ),
        ]

    def footer(self) -> str:
        """Return the layer's sum (1.3)."""
        return f"Ŷ(i, j) = Σ I(i+m, j+n)·w(m, n) + b    {eq('eq-layer')}"

    def describe(self) -> str:
        """Say which window of ``I`` gives ``Ŷ(i,j)``, and the output's shape.

        Returns
        -------
        str
            For example "Ŷ(1,2) adds up the 3×3 window of I at rows 1–3, columns 2–4, each pixel
            times its w(m,n), and b, as in (1.3). Ŷ has shape 3×3, by (1.4): H′ = 5 − 3 + 1,
            W′ = 5 − 3 + 1."
        """
        (H, W), (k1, k2), i, j = self.image_shape, self.kernel_shape, self.i, self.j
        M = f" {fmt.MINUS} "
        text = (
            f"Ŷ({i},{j}) adds up the {fmt.size((k1, k2))} window of I at "
            f"{fmt.span_of('row', range(i, i + k1))}, {fmt.span_of('column', range(j, j + k2))}, "
            f"each pixel times its w(m,n), and b, as in {eq('eq-layer')}. Ŷ has shape "
            f"{fmt.size((H - k1 + 1, W - k2 + 1))}, by {eq('eq-shape')}: "
            f"H′ = {H}{M}{k1} + 1, W′ = {W}{M}{k2} + 1"
        )
        Y = self.output
        return self._sentence(
            text, None if Y is None else f". Here Ŷ({i},{j}) = {fmt.num(Y[i, j])}"
        )
