r"""Chapters 2 and 3's pictures: the weight gradient, and the region a pixel affects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _format as fmt
from .._checks import as_index, as_shape, as_shape_or_array, check_fits
from ..book import eq
from ..ops import affected_region, correlate2d, output_shape
from ._layout import PALETTE, Outline, Panel, block, one_cell, value_labels
from ._picture import FILL, Cell, Picture

__all__ = ["InfluenceRegion", "WeightGradient"]


@dataclass(frozen=True)
class WeightGradient(Picture):
    r"""``∂L/∂w(m′,n′)``: the gradient ``G`` laid on ``I`` like a kernel at ``(m′, n′)``.

    Parameters
    ----------
    image_shape : (int, int) or None
        ``(H, W)``; may be None when ``I`` is given.
    kernel_shape : (int, int)
        ``(k1, k2)``; ``G`` has the output's shape ``(H - k1 + 1, W - k2 + 1)``.
    m, n : int
        The weight ``w(m′, n′)``.
    I, G : array_like, optional
        Values. Without ``I`` each cell of the block names the ``G(i,j)`` it meets; with both,
        ``∂L/∂w = G ⊗ I`` (``convlib.correlate2d(I, G)``) fills the last grid.
    progressive : bool, optional
        Show ``∂L/∂w`` only up to ``(m′, n′)`` in reading order (a sweep filling it).

    Notes
    -----
    (2.3): :math:`\partial L/\partial w(m',n') = \sum_i \sum_j G(i,j)\, I(i+m', j+n')`, the
    block ``I[m′:m′+H′, n′:n′+W′]`` paired with ``G``. Gids: ``"block"``, ``"gradient"``,
    ``"target"``.
    """

    image_shape: Any = None
    kernel_shape: Any = (3, 3)
    m: Any = 0
    n: Any = 0
    I: Any = None
    G: Any = None
    progressive: bool = False

    def __post_init__(self) -> None:
        (H, W), I = as_shape_or_array(self.image_shape, self.I, "image_shape", "I")
        k1, k2 = as_shape(self.kernel_shape, "kernel_shape")
        Hp, Wp = output_shape((H, W), (k1, k2))
        G = None
        if self.G is not None:
            (Gh, Gw), G = as_shape_or_array(None, self.G, "G_shape", "G")
            if (Gh, Gw) != (Hp, Wp):
                raise ValueError(
                    f"G has shape {(Gh, Gw)} but a {fmt.size((k1, k2))} kernel on a "
                    f"{fmt.size((H, W))} image gives outputs of shape {(Hp, Wp)}: G = "
                    f"∂L/∂Ŷ has the output's shape"
                )
        self._store(image_shape=(H, W), kernel_shape=(k1, k2), I=self._frozen(I), G=self._frozen(G))
        self._store(m=as_index(self.m, k1, "m", "a row of the kernel w"))
        self._store(n=as_index(self.n, k2, "n", "a column of the kernel w"))
        self._store(progressive=bool(self.progressive))

    @property
    def gradient(self) -> np.ndarray | None:
        """``∂L/∂w = G ⊗ I`` (``convlib.correlate2d(I, G)``) when ``I`` and ``G`` are given."""
        if self.I is None or self.G is None:
            return None
        return correlate2d(self._array(self.I), self._array(self.G))

    def panels(self) -> list[Panel]:
        """Return the grids of ``I`` (with the block), ``G`` and ``∂L/∂w``."""
        (H, W), (k1, k2), m, n = self.image_shape, self.kernel_shape, self.m, self.n
        Hp, Wp = H - k1 + 1, W - k2 + 1
        rows, cols = range(m, m + Hp), range(n, n + Wp)
        I, G, dw = self._array(self.I), self._array(self.G), self.gradient
        g_cells = list(np.ndindex(Hp, Wp))
        g_names = {(i, j): f"G({i},{j})" for i, j in g_cells}
        if dw is not None:
            shown = [c for c in np.ndindex(k1, k2) if not self.progressive or c <= (m, n)]
            dw_labels = value_labels(dw, shown)
        else:
            dw_labels = {(m, n): "Σ G·I"}
        on_I = {(m + i, n + j): s for (i, j), s in g_names.items()}
        return [
            Panel(
                (H, W),
                title=f"input I  ({fmt.size((H, W))})",
                fills={"block": (block(rows, cols), FILL.purple)},
                labels=value_labels(I) if I is not None else on_I,
                outlines=[Outline("block-outline", rows, cols, PALETTE["purple"])],
            ),
            Panel(
                (Hp, Wp),
                title=f"G = ∂L/∂Ŷ  ({fmt.size((Hp, Wp))})",
                fills={"gradient": (g_cells, FILL.purple)},
                labels=value_labels(G) if G is not None else g_names,
            ),
            Panel(
                (k1, k2),
                title=f"∂L/∂w  ({fmt.size((k1, k2))})",
                fills={"target": ([(m, n)], FILL.orange)},
                labels=dw_labels,
                outlines=[Outline("target-outline", *one_cell(m, n), PALETTE["orange"])],
            ),
        ]

    def footer(self) -> str:
        """Return the sum (2.3)."""
        return f"∂L/∂w(m′, n′) = Σ G(i, j)·I(i+m′, j+n′)    {eq('eq-dw')}"

    def describe(self) -> str:
        """Say which block of ``I`` the gradient ``G`` meets for ``∂L/∂w(m′,n′)``.

        Returns
        -------
        str
            For example "∂L/∂w(1,2) lays G (3×3) on the block of I at rows 1–3, columns 2–4:
            the sum (2.3) of 9 products G(i,j)·I(i+1, j+2)."
        """
        (H, W), (k1, k2), m, n = self.image_shape, self.kernel_shape, self.m, self.n
        Hp, Wp = H - k1 + 1, W - k2 + 1
        text = (
            f"∂L/∂w({m},{n}) lays G ({fmt.size((Hp, Wp))}) on the block of I at "
            f"{fmt.span_of('row', range(m, m + Hp))}, {fmt.span_of('column', range(n, n + Wp))}: "
            f"the sum {eq('eq-dw')} of {fmt.plural(Hp * Wp, 'product')} G(i,j)·I(i+{m}, j+{n})"
        )
        dw = self.gradient
        return self._sentence(text, None if dw is None else f" = {fmt.num(dw[m, n])}")


@dataclass(frozen=True)
class InfluenceRegion(Picture):
    r"""The pixel ``I(i′,j′)``, the outputs it affects, and the ``w(m,n)`` it meets in each.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    ip, jp : int, optional
        The pixel ``(i′, j′)``. The defaults are the notes' picture: a 3×3 kernel and
        ``I(2,2)``, which affects nine outputs; at a border the region is clipped.

    Notes
    -----
    The region (3.1) is ``convlib.affected_region(ip, jp, image_shape, kernel_shape)``. In its
    output :math:`(i, j)` the pixel is multiplied by :math:`w(i'-i, j'-j)` (3.3), so
    :math:`\partial L/\partial I(i',j') = \sum_{m,n} G(i'-m, j'-n)\, w(m,n)` (3.4).
    Gids: ``"pixel"``, ``"affected"``, ``"region-outline"``, ``"kernel-used"``.
    """

    image_shape: Any = (5, 5)
    kernel_shape: Any = (3, 3)
    ip: Any = 2
    jp: Any = 2

    def __post_init__(self) -> None:
        H, W = as_shape(self.image_shape, "image_shape")
        k1, k2 = as_shape(self.kernel_shape, "kernel_shape")
        check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
        self._store(image_shape=(H, W), kernel_shape=(k1, k2))
        self._store(ip=as_index(self.ip, H, "ip", "a row of the image I"))
        self._store(jp=as_index(self.jp, W, "jp", "a column of the image I"))

    @property
    def region(self) -> Any:
        """The outputs the pixel affects: ``convlib.affected_region`` (3.1)."""
        return affected_region(self.ip, self.jp, self.image_shape, self.kernel_shape)

    @property
    def weights(self) -> dict[Cell, Cell]:
        """``{(i, j): (m, n)}``: the kernel entry that multiplies the pixel in output ``(i, j)``."""
        region, ip, jp = self.region, self.ip, self.jp
        return {(i, j): (ip - i, jp - j) for i in region.rows for j in region.cols}

    def panels(self) -> list[Panel]:
        """Return the grids of ``I``, ``Ŷ`` (whose cells are those of ``G`` too) and ``w``."""
        (H, W), (k1, k2), ip, jp = self.image_shape, self.kernel_shape, self.ip, self.jp
        region, pairs = self.region, self.weights
        used = set(pairs.values())
        kernel = list(np.ndindex(k1, k2))
        return [
            Panel(
                (H, W),
                title="input I(i′, j′)",
                fills={"pixel": ([(ip, jp)], FILL.red)},
                labels={(ip, jp): f"I({ip},{jp})"},
                outlines=[Outline("pixel-outline", *one_cell(ip, jp), PALETTE["vermillion"])],
            ),
            Panel(
                (H - k1 + 1, W - k2 + 1),
                title="output Ŷ(i, j)",
                fills={"affected": (pairs, FILL.sky)},
                labels={cell: fmt.w(*mn) for cell, mn in pairs.items()},
                outlines=[Outline("region-outline", region.rows, region.cols, PALETTE["blue"])],
            ),
            Panel(
                (k1, k2),
                title="kernel w(m, n)",
                fills={"kernel-used": (used, FILL.orange)},
                labels={mn: fmt.w(*mn) for mn in kernel},
                muted={mn for mn in kernel if mn not in used},
            ),
        ]

    def footer(self) -> str:
        """Return what each output multiplies the pixel by (3.3), and the sum (3.4)."""
        M = fmt.MINUS
        return (
            f"in Ŷ(i, j), the pixel I(i′, j′) meets w(i′{M}i, j′{M}j)"
            f"    {eq('eq-dyhat-di')}\n"
            f"∂L/∂I(i′, j′) = Σ G(i′{M}m, j′{M}n)·w(m, n)    {eq('eq-di')}"
        )

    def describe(self) -> str:
        """Say which outputs the pixel affects (3.1) and what ``∂L/∂I(i′,j′)`` sums (3.4).

        Returns
        -------
        str
            For example "With a 3×3 kernel, I(2,2) affects Ŷ rows 0–2, columns 0–2 (3.1): 9
            outputs, so ∂L/∂I(2,2) sums 9 terms G(2−m, 2−n)·w(m,n) (3.4), m = 0–2, n = 0–2."
        """
        (k1, k2), ip, jp, region, M = self.kernel_shape, self.ip, self.jp, self.region, fmt.MINUS
        ms = range(ip - region.rows[-1], ip - region.rows[0] + 1)
        ns = range(jp - region.cols[-1], jp - region.cols[0] + 1)
        count = region.size
        return (
            f"With a {fmt.size((k1, k2))} kernel, I({ip},{jp}) affects Ŷ "
            f"{fmt.span_of('row', region.rows)}, {fmt.span_of('column', region.cols)} "
            f"{eq('eq-region')}: {fmt.plural(count, 'output')}, so ∂L/∂I({ip},{jp}) sums "
            f"{fmt.plural(count, 'term')} G({ip}{M}m, {jp}{M}n)·w(m,n) {eq('eq-di')}, "
            f"m = {fmt.span(ms)}, n = {fmt.span(ns)}."
        )
