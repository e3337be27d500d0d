r"""Chapter 4's pictures: the rotated kernel ``Q → Q*``, and ``rot180(w)`` over the padded ``G``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _format as fmt
from .._checks import as_index, as_shape_or_array, as_symbols
from ..book import eq
from ..ops import convolve2d, rot180, zero_pad
from ._layout import PALETTE, Outline, Panel, block, one_cell, tint, value_labels
from ._picture import FILL, Cell, Picture

__all__ = ["PaddedSweep", "Rot180"]

_ENTRY_COLOURS = ("orange", "sky", "green", "purple", "yellow", "blue", "vermillion")


def _rot180_source(shape: tuple[int, int]) -> dict[Cell, Cell]:
    """Return ``{(a, b): (m, n)}``: the kernel entry that ``convlib.rot180`` moves to ``(a, b)``."""
    k1, k2 = shape
    flat = rot180(np.arange(k1 * k2, dtype=np.float64).reshape(k1, k2))
    return {(a, b): divmod(int(flat[a, b]), k2) for a, b in np.ndindex(k1, k2)}


@dataclass(frozen=True)
class Rot180(Picture):
    r"""``Q`` and ``Q* = rot180(Q)`` side by side, each entry of ``Q*`` naming its origin.

    Parameters
    ----------
    Q : array_like, optional
        Symbols (str) or numbers; the notes' ``[["a", "b"], ["c", "d"]]`` by default.
    name : str, optional
        The matrix's name, for example ``"w"``.

    Notes
    -----
    (4.2): :math:`Q^*(m,n) = Q(k_1-1-m,\ k_2-1-n)`, the index map of ``convlib.rot180``. Each
    entry keeps its colour on both sides (up to seven entries; one colour beyond). Gids:
    ``"entry-<m>-<n>"`` (or ``"entry"``).
    """

    Q: Any = None
    name: str = "Q"

    columns = ((0,), (1,))
    fontsize = 20.0

    def __post_init__(self) -> None:
        arr, symbolic = as_symbols([["a", "b"], ["c", "d"]] if self.Q is None else self.Q, "Q")
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty str, got {self.name!r}")
        stored = tuple(tuple(str(x) for x in r) for r in arr) if symbolic else self._frozen(arr)
        self._store(Q=stored)

    def _entries(self) -> np.ndarray:
        """Return the entries as written: symbols, or numbers to 3 significant digits."""
        return np.array([[x if isinstance(x, str) else fmt.num(x, 3) for x in r] for r in self.Q])

    def panels(self) -> list[Panel]:
        """Return the grids of ``Q`` and ``Q*``."""
        text = self._entries()
        k1, k2 = text.shape
        src = _rot180_source((k1, k2))
        many = k1 * k2 > len(_ENTRY_COLOURS)

        def fills(where: dict[Cell, Cell]) -> dict[str, tuple[list[Cell], str]]:
            if many:
                return {"entry": (list(where), FILL.orange)}
            colours = [tint(PALETTE[c], 0.45) for c in _ENTRY_COLOURS]
            return {f"entry-{m}-{n}": ([c], colours[m * k2 + n]) for c, (m, n) in where.items()}

        same = {mn: mn for mn in np.ndindex(k1, k2)}
        name = self.name
        return [
            Panel((k1, k2), title=name, fills=fills(same), labels={c: text[c] for c in same}),
            Panel(
                (k1, k2),
                title=f"{name}* = rot180({name})",
                fills=fills(src),
                labels={cell: text[mn] for cell, mn in src.items()},
                sublabels={cell: f"{name}({m},{n})" for cell, (m, n) in src.items()},
            ),
        ]

    def footer(self) -> str:
        """Return the index map (4.2) at this size."""
        k1, k2 = np.shape(self.Q)
        n, M = self.name, fmt.MINUS
        return f"{n}*(m, n) = {n}({k1 - 1}{M}m, {k2 - 1}{M}n)    {eq('eq-rot180')}"

    def describe(self) -> str:
        """Say in words what turning ``Q`` by 180° does (4.2).

        Returns
        -------
        str
            For example "Q = [[a, b], [c, d]] turned by 180° is Q* = [[d, c], [b, a]]:
            Q*(m,n) = Q(1−m, 1−n) (4.2)."
        """
        text = self._entries()
        k1, k2 = text.shape
        src = _rot180_source((k1, k2))
        rotated = [[text[src[a, b]] for b in range(k2)] for a in range(k1)]
        n, M = self.name, fmt.MINUS
        return (
            f"{n} = {fmt.matrix(text)} turned by 180° is {n}* = {fmt.matrix(rotated)}: "
            f"{n}*(m,n) = {n}({k1 - 1}{M}m, {k2 - 1}{M}n) {eq('eq-rot180')}."
        )


@dataclass(frozen=True)
class PaddedSweep(Picture):
    r"""``rot180(w)`` on the zero-padded ``G`` at the window that gives ``∂L/∂I(i′,j′)``.

    Parameters
    ----------
    G_shape : (int, int) or None
        ``(H′, W′)``, the shape of ``G``; may be None when ``G`` is given.
    kernel_shape : (int, int) or None
        ``(k1, k2)``; may be None when ``w`` is given.
    ip, jp : int
        The pixel ``(i′, j′)``, ``0 <= i′ < H′ + k1 − 1``, ``0 <= j′ < W′ + k2 − 1``; the
        notes' worked example (4.1) is ``(2, 2)``.
    G, w : array_like, optional
        Values. With both, the window's cells show the products' factors, and ``∂L/∂I`` is
        filled from ``convlib.convolve2d(G, w, mode="full")`` (3.4).
    progressive : bool, optional
        Fill ``∂L/∂I`` only up to ``(i′, j′)`` in reading order (a sweep).

    Notes
    -----
    The padded grid is indexed from 0, so the window's top-left cell is ``(i′, j′)`` and
    :math:`\partial L/\partial I(i',j') = \sum_{a,b} \mathrm{pad}(G)(i'+a, j'+b)\, w^*(a,b)`
    (4.3). Window cell ``(i′+a, j′+b)`` holds ``G(i′+a−k1+1, j′+b−k2+1)`` (zero outside ``G``)
    and meets ``w*(a, b) = w(k1−1−a, k2−1−b)``: with ``m = k1−1−a`` that is
    ``G(i′−m, j′−n)·w(m, n)``, the term of (3.4). Gids: ``"padding"``, ``"window"``,
    ``"sweep-window"``, ``"kernel"``, ``"target"``.
    """

    G_shape: Any = None
    kernel_shape: Any = None
    ip: Any = 0
    jp: Any = 0
    G: Any = None
    w: Any = None
    progressive: bool = False

    columns = ((0,), (1, 2))

    def __post_init__(self) -> None:
        (Hp, Wp), G = as_shape_or_array(self.G_shape, self.G, "G_shape", "G")
        (k1, k2), w = as_shape_or_array(self.kernel_shape, self.w, "kernel_shape", "w")
        H, W = Hp + k1 - 1, Wp + k2 - 1
        self._store(G_shape=(Hp, Wp), kernel_shape=(k1, k2), G=self._frozen(G), w=self._frozen(w))
        self._store(ip=as_index(self.ip, H, "ip", f"a row of I, H = H′ + k1 − 1 = {H}"))
        self._store(jp=as_index(self.jp, W, "jp", f"a column of I, W = W′ + k2 − 1 = {W}"))
        self._store(progressive=bool(self.progressive))

    @property
    def input_gradient(self) -> np.ndarray | None:
        """``∂L/∂I = w * G`` (``convlib.convolve2d(G, w, mode="full")``, 3.4), with values."""
        if self.G is None or self.w is None:
            return None
        return convolve2d(self._array(self.G), self._array(self.w), mode="full")

    def panels(self) -> list[Panel]:
        """Return the padded ``G`` (with the window), ``rot180(w)`` and ``∂L/∂I``."""
        (Hp, Wp), (k1, k2), ip, jp = self.G_shape, self.kernel_shape, self.ip, self.jp
        pr, pc = k1 - 1, k2 - 1
        H, W = Hp + pr, Wp + pc
        shape_P = (Hp + 2 * pr, Wp + 2 * pc)
        real = zero_pad(np.ones((Hp, Wp)), pr, pc) != 0
        src = _rot180_source((k1, k2))
        rows, cols = range(ip, ip + k1), range(jp, jp + k2)
        window = block(rows, cols)
        padding = {c for c in np.ndindex(shape_P) if not real[c]}
        dI = self.input_gradient
        if dI is not None:
            P, R = zero_pad(self._array(self.G), pr, pc), rot180(self._array(self.w))
            labels = value_labels(P, [c for c in np.ndindex(shape_P) if real[c] or c in window])
            sub = {(ip + a, jp + b): fmt.TIMES + fmt.num(R[a, b], 3) for a, b in src}
            kernel_labels = value_labels(R)
            shown = [c for c in np.ndindex(H, W) if not self.progressive or c <= (ip, jp)]
            d_labels = value_labels(dI, shown)
        else:
            labels = {c: f"G({c[0] - pr},{c[1] - pc})" for c in np.ndindex(shape_P) if real[c]}
            labels |= {c: "0" for c in window if not real[c]}
            sub = {(ip + a, jp + b): fmt.w(*mn) for (a, b), mn in src.items()}
            kernel_labels = {ab: fmt.w(*mn) for ab, mn in src.items()}
            d_labels = {(ip, jp): "Σ"}
        return [
            Panel(
                shape_P,
                title="G padded with zeros (hatched)",
                fills={"window": (window, FILL.sky)},
                labels=labels,
                sublabels=sub,
                muted={c for c in padding if c in window},
                hatched=padding,
                outlines=[Outline("sweep-window", rows, cols, PALETTE["blue"])],
            ),
            Panel(
                (k1, k2),
                title="w* = rot180(w)",
                fills={"kernel": (list(np.ndindex(k1, k2)), FILL.orange)},
                labels=kernel_labels,
            ),
            Panel(
                (H, W),
                title="∂L/∂I(i′, j′)",
                fills={"target": ([(ip, jp)], FILL.red)},
                labels=d_labels,
                outlines=[Outline("target-outline", *one_cell(ip, jp), PALETTE["vermillion"])],
                scale=0.75,  # short labels only: the figure stays narrow
            ),
        ]

    def footer(self) -> str:
        """Return the window's sum (4.3), which is the full convolution (3.4)."""
        return (
            f"∂L/∂I(i′, j′) = Σ pad(G)(i′+m, j′+n)·rot180(w)(m, n)    {eq('eq-di-rot')}\n"
            f"    = Σ G(i′−m, j′−n)·w(m, n) = (w ∗ G)(i′, j′)    {eq('eq-di')}"
        )

    def describe(self) -> str:
        """Say where ``rot180(w)`` sits on the padded ``G`` to give ``∂L/∂I(i′,j′)``.

        Returns
        -------
        str
            For example "∂L/∂I(1,2) puts rot180(w) (3×3) on G padded with 2 rows and 2 columns
            of zeros on each side (7×7) at rows 1–3, columns 2–4 (4.3): it covers 6 entries of
            G and 3 zeros."
        """
        (Hp, Wp), (k1, k2), ip, jp = self.G_shape, self.kernel_shape, self.ip, self.jp
        window = zero_pad(np.ones((Hp, Wp)), k1 - 1, k2 - 1)[ip : ip + k1, jp : jp + k2]
        n_real = int(np.count_nonzero(window))
        padded = fmt.size((Hp + 2 * (k1 - 1), Wp + 2 * (k2 - 1)))
        text = (
            f"∂L/∂I({ip},{jp}) puts rot180(w) ({fmt.size((k1, k2))}) on G padded with "
            f"{fmt.plural(k1 - 1, 'row')} and {fmt.plural(k2 - 1, 'column')} of zeros on each "
            f"side ({padded}) at {fmt.span_of('row', range(ip, ip + k1))}, "
            f"{fmt.span_of('column', range(jp, jp + k2))} {eq('eq-di-rot')}: it covers "
            f"{fmt.plural(n_real, 'entry', 'entries')} of G and "
            f"{fmt.plural(k1 * k2 - n_real, 'zero')}"
        )
        dI = self.input_gradient
        total = None if dI is None else f"; the products sum to {fmt.num(dI[ip, jp])}"
        return self._sentence(text, total and f"{total} = (w ∗ G)({ip},{jp})")
