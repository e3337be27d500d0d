r"""Chapter 7's pictures and frames: what a stride, a padding and a dilation do to the gradient.

Two pictures, one frozen dataclass each, and the frames of their interactive figures
(``convlib.figures.strided_widgets`` puts the frames in widgets):

- :class:`StridedRegion`: the outputs that one pixel ``I(i′,j′)`` reaches when the layer has a
  stride, a padding and a dilation (7.5), and the weight ``w(m,n)`` that meets the pixel in each
  (7.7); with a stride some pixels reach four outputs, some one, and the rows and columns that
  no window reads reach none;
- :class:`DilatedSweep`: ``∂L/∂I`` as the notes' rotated-kernel correlation (7.9): the kernel
  dilated by the dilation and turned by 180° slides over ``G`` dilated by the stride and padded
  with zeros; the result, cropped by the padding, is ``∂L/∂I``.

:func:`strided_region_frames` and :func:`dilated_sweep_frames` render one frame per pixel, each
with its state read back from the drawing (the cells highlighted), which the tests compare with
a brute-force perturbation of the forward pass and with ``convlib.grad_input``. The layer's
settings go through ``convlib``'s own input rules, so a setting the layer refuses is refused
here with the same message.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from PIL import Image

from .. import _format as fmt
from .._checks import as_index, as_real_2d, as_shape, layer_geometry
from .._types import LayerGeometry
from ..book import eq
from ..layer import grad_input
from ._layout import PALETTE, Outline, Panel, block, one_cell, tint, value_labels
from ._picture import FILL, Cell, Picture
from .frames import Frame, _frames

__all__ = [
    "DilatedSweep",
    "StridedRegion",
    "dilated_sweep_frames",
    "layer_of",
    "reached",
    "setting_words",
    "strided_example",
    "strided_region_frames",
]

_D, _Y, _P, _M = fmt.PARTIAL, fmt.Y_HAT, fmt.PRIME, fmt.MINUS
#: Fill of the pixels that no window reads, and of the zeros that dilating ``G`` inserts.
UNREAD = tint(PALETTE["grey"], 0.45)
INSERTED = tint(PALETTE["yellow"], 0.45)


# --------------------------------------------------------------------------------------------
# The layer's geometry, in words and as index maps
# --------------------------------------------------------------------------------------------


def layer_of(image_shape: Any, kernel_shape: Any, stride=1, padding=0, dilation=1) -> LayerGeometry:
    """Check a single-channel layer's shapes and settings as ``convlib`` does; return its sizes."""
    H, W = as_shape(image_shape, "image_shape")
    k1, k2 = as_shape(kernel_shape, "kernel_shape")
    return layer_geometry(
        (H, W), (k1, k2), stride=stride, padding=padding, dilation=dilation, groups=1
    )


def _pair(name: str, pair: tuple[int, int], skip: int) -> list[str]:
    a, b = pair
    if a == b:
        return [] if a == skip else [f"{name} {a}"]
    return [f"{name} ({a}, {b})"]


def setting_words(g: LayerGeometry) -> str:
    """Say a layer's stride, padding and dilation in words: ``"stride 2, padding 1"``.

    Examples
    --------
    >>> setting_words(layer_of((6, 5), (3, 3), stride=2, padding=1))
    'stride 2, padding 1'
    >>> setting_words(layer_of((6, 5), (2, 2), padding="same"))
    'stride 1, padding 0 before and 1 after'
    """
    words = _pair("stride", g.stride, 0)
    top, bottom, left, right = g.padding
    if (top, bottom) == (left, right) and top != bottom:
        words.append(f"padding {top} before and {bottom} after")
    elif top == bottom and left == right:
        words += _pair("padding", (top, left), 0)
    else:
        words.append(f"padding {top}/{bottom} rows, {left}/{right} columns")
    words += _pair("dilation", g.dilation, 1)
    return ", ".join(words)


def _axis(u: int, pad: int, s: int, d: int, k: int, n_out: int) -> dict[int, int]:
    """Return {i: m}: the outputs i whose tap m lands on row u, where s i + d m = u + pad."""
    found = {}
    for m in range(k):
        i, rest = divmod(u + pad - m * d, s)
        if rest == 0 and 0 <= i < n_out:
            found[i] = m
    return found


def reached(ip: int, jp: int, g: LayerGeometry) -> dict[Cell, Cell]:
    r"""Return ``{(i, j): (m, n)}``: the outputs that read the pixel ``I(i′,j′)``, and the tap.

    Output :math:`(i, j)` reads :math:`I(i s_1 + m d_1 - p, j s_2 + n d_2 - p)` (7.1), so it
    reads the pixel through the tap :math:`(m, n)` with :math:`i s_1 + m d_1 = i' + p` and
    :math:`j s_2 + n d_2 = j' + p` (7.5); for one output there is at most one such tap.

    Examples
    --------
    >>> g = layer_of((6, 5), (3, 3), stride=2)
    >>> reached(2, 2, g)
    {(0, 0): (2, 2), (0, 1): (2, 0), (1, 0): (0, 2), (1, 1): (0, 0)}
    >>> reached(5, 0, g)  # row 5: no window reaches it
    {}
    """
    top, _, left, _ = g.padding
    rows = _axis(ip, top, g.stride[0], g.dilation[0], g.k1, g.H_out)
    cols = _axis(jp, left, g.stride[1], g.dilation[1], g.k2, g.W_out)
    return {(i, j): (rows[i], cols[j]) for i in sorted(rows) for j in sorted(cols)}


def _unread(g: LayerGeometry) -> tuple[list[int], list[int]]:
    """Return the rows and the columns of ``I`` that no window reads (their gradient is 0)."""
    top, _, left, _ = g.padding
    rows = [u for u in range(g.H) if not _axis(u, top, g.stride[0], g.dilation[0], g.k1, g.H_out)]
    cols = [v for v in range(g.W) if not _axis(v, left, g.stride[1], g.dilation[1], g.k2, g.W_out)]
    return rows, cols


def _affine(index: str, s: int, tap: str, d: int, shift: int) -> str:
    """Write ``s·i + d·m − shift`` as the figures print it: ``"2i + m − 1"``."""
    text = (f"{s}{index}" if s != 1 else index) + (f" + {d}{tap}" if d != 1 else f" + {tap}")
    return text + (f" {_M} {shift}" if shift else "")


def _padding_setting(g: LayerGeometry) -> Any:
    """Return the ``padding`` argument of ``g``: a pair, or ``"same"`` when it is uneven."""
    top, bottom, left, right = g.padding
    return (top, left) if (top, left) == (bottom, right) else "same"


@lru_cache(maxsize=64)
def _padding_cells(shape: tuple[int, int], pads: tuple[int, int, int, int]) -> frozenset[Cell]:
    top, bottom, left, right = pads
    rows, cols = shape
    return frozenset(
        (r, c)
        for r, c in np.ndindex(rows, cols)
        if r < top or r >= rows - bottom or c < left or c >= cols - right
    )


@lru_cache(maxsize=512)
def _smaller(png: bytes) -> bytes:
    """Store a frame's PNG again at zlib level 8: about 10 % lighter, the same pixels.

    The two widgets of chapter 7 hold 76 frames in one page, which must stay under 1.5 MB.
    """
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, format="png", compress_level=8)
    return out.getvalue()


def _lighter(frames: list[Frame]) -> list[Frame]:
    return [f._replace(png=_smaller(f.png)) if f.png else f for f in frames]


# --------------------------------------------------------------------------------------------
# The region a pixel reaches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StridedRegion(Picture):
    r"""The pixel ``I(i′,j′)``, the outputs it reaches under a stride, a padding and a dilation.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    ip, jp : int, optional
        The pixel ``(i′, j′)`` of ``I`` (not of the padded image).
    stride, padding, dilation : optional
        As in :func:`convlib.conv2d_forward` (``padding`` may be ``"same"``).
    formula : bool, optional
        Write the formulas (7.1) and (7.8) under the grids (a widget's frames leave them to
        the widget's text, which keeps each frame a few kilobytes lighter).

    Notes
    -----
    Output :math:`(i, j)` reads the pixel through the tap :math:`(m, n)` with
    :math:`i s + m d = i' + p` on each axis (7.5), where it is multiplied by :math:`w(m, n)`
    (7.7); :func:`reached` lists them. The first grid is the padded image (padding hatched,
    the pixels that no window reads in grey), the second :math:`\hat Y`, the third the kernel.
    Gids: ``"pixel"``, ``"unread"`` (grid 0), ``"affected"`` (grid 1), ``"kernel-used"``
    (grid 2); the pixel's cell is in padded coordinates, ``(i′ + p_top, j′ + p_left)``.
    """

    image_shape: Any = (6, 5)
    kernel_shape: Any = (3, 3)
    ip: Any = 2
    jp: Any = 2
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    formula: bool = True

    columns = ((0,), (1, 2))

    def __post_init__(self) -> None:
        g = layer_of(self.image_shape, self.kernel_shape, self.stride, self.padding, self.dilation)
        self._store(formula=bool(self.formula))
        self._store(image_shape=(g.H, g.W), kernel_shape=(g.k1, g.k2))
        self._store(stride=g.stride, padding=_padding_setting(g), dilation=g.dilation)
        self._store(ip=as_index(self.ip, g.H, "ip", "a row of the image I"))
        self._store(jp=as_index(self.jp, g.W, "jp", "a column of the image I"))

    @cached_property
    def geometry(self) -> LayerGeometry:
        """The layer's sizes (``convlib._types.LayerGeometry``)."""
        return layer_of(
            self.image_shape, self.kernel_shape, self.stride, self.padding, self.dilation
        )

    @property
    def weights(self) -> dict[Cell, Cell]:
        """``{(i, j): (m, n)}``: the outputs that read the pixel, and the tap of each (7.5)."""
        return reached(self.ip, self.jp, self.geometry)

    def panels(self) -> list[Panel]:
        """Return the grids of the padded ``I``, of ``Ŷ`` and of ``w``."""
        g, pairs = self.geometry, self.weights
        top, bottom, left, right = g.padding
        shape = (g.H + top + bottom, g.W + left + right)
        pixel = (self.ip + top, self.jp + left)
        rows, cols = _unread(g)
        unread = {
            (u + top, v + left)
            for u, v in np.ndindex(g.H, g.W)
            if (u in rows or v in cols) and (u + top, v + left) != pixel
        }
        used = set(pairs.values())
        padded = any(g.padding)
        return [
            Panel(
                shape,
                title="I_p: I padded with zeros (hatched)" if padded else "input I",
                fills={"unread": (unread, UNREAD), "pixel": ([pixel], FILL.red)},
                labels={pixel: f"I({self.ip},{self.jp})"},
                hatched=_padding_cells(shape, g.padding),
                outlines=[Outline("pixel-outline", *one_cell(*pixel), PALETTE["vermillion"])],
                caption="grey: read by no window" if rows or cols else "",
            ),
            Panel(
                (g.H_out, g.W_out),
                title="output Ŷ(i, j)",
                fills={"affected": (list(pairs), FILL.sky)},
                labels={cell: fmt.w(*mn) for cell, mn in pairs.items()},
            ),
            Panel(
                (g.k1, g.k2),
                title="kernel w(m, n)",
                fills={"kernel-used": (used, FILL.orange)},
                labels={mn: fmt.w(*mn) for mn in used},
            ),
        ]

    def footer(self) -> str:
        """Return which pixel each output reads (7.1) and the sum over those outputs (7.8)."""
        return self.formulas() if self.formula else ""

    def formulas(self) -> str:
        """Return the two lines of :meth:`footer`, whether or not the picture writes them."""
        g = self.geometry
        (s1, s2), (d1, d2), (top, _, left, _) = g.stride, g.dilation, g.padding
        rows, cols = _affine("i", s1, "m", d1, top), _affine("j", s2, "n", d2, left)
        return (
            f"Ŷ(i, j) reads I({rows}, {cols}) through w(m, n)    {eq('eq-strided-layer')}\n"
            f"∂L/∂I(i′, j′) = Σ G(i, j)·w(m, n) over the outputs that read it    "
            f"{eq('eq-strided-di')}"
        )

    def describe(self) -> str:
        """Say which outputs the pixel reaches (7.5), through which taps, and what (7.8) sums.

        Returns
        -------
        str
            For example "With stride 2, I(2,2) reaches 4 outputs (7.5): Ŷ(0,0) through
            w(2,2), ...; so ∂L/∂I(2,2) sums 4 terms G(i,j)·w(m,n) (7.8)."
        """
        g, pairs, ip, jp = self.geometry, self.weights, self.ip, self.jp
        words = setting_words(g)
        if not pairs:
            rows, cols = _unread(g)
            lines = [f"row {ip}"] if ip in rows else []
            lines += [f"column {jp}"] if jp in cols else []
            return (
                f"With {words}, I({ip},{jp}) reaches no output {eq('eq-strided-region')}: no "
                f"window reads {' or '.join(lines)}, so {_D}L/{_D}I({ip},{jp}) = 0 "
                f"{eq('eq-strided-di')}."
            )
        where = ", ".join(f"{_Y}({i},{j}) through w({m},{n})" for (i, j), (m, n) in pairs.items())
        count = len(pairs)
        return (
            f"With {words}, I({ip},{jp}) reaches {fmt.plural(count, 'output')} "
            f"{eq('eq-strided-region')}: {where}; so {_D}L/{_D}I({ip},{jp}) sums "
            f"{fmt.plural(count, 'term')} G(i,j)·w(m,n) {eq('eq-strided-di')}."
        )


def strided_region_frames(
    image_shape: Any = (6, 5),
    kernel_shape: Any = (3, 3),
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    png: bool = True,
) -> list[Frame]:
    r"""One frame per pixel ``I(i′,j′)``: the outputs it reaches under the layer's settings.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    stride, padding, dilation : optional
        As in :func:`convlib.conv2d_forward`.
    png : bool, optional
        Render the PNGs (False: only the words and states, much faster).

    Returns
    -------
    list of Frame
        ``H·W`` frames in reading order: frame ``i′·W + j′`` shows the pixel ``(i′, j′)``. Its
        state has ``ip``, ``jp``, ``setting`` (in words), ``weights`` (:func:`reached`),
        ``highlighted`` (the cells of ``Ŷ`` drawn as reached), ``pixel`` (the cell drawn as
        the pixel, in padded coordinates), ``unread`` (the cells drawn as read by no window,
        the pixel's own cell left out) and ``kernel_used`` (the kernel cells drawn as used).

    Examples
    --------
    >>> frames = strided_region_frames((6, 5), (3, 3), stride=2, png=False)
    >>> [len(frames[k].state["highlighted"]) for k in (12, 6, 11, 25)]  # I(2,2) (1,1) (2,1) (5,0)
    [4, 1, 2, 0]
    """
    g = layer_of(image_shape, kernel_shape, stride, padding, dilation)
    settings = {"stride": g.stride, "padding": padding, "dilation": g.dilation}
    pictures = [
        StridedRegion((g.H, g.W), (g.k1, g.k2), ip, jp, **settings, formula=False)
        for ip, jp in np.ndindex(g.H, g.W)
    ]
    drawn = (
        ("highlighted", 1, "affected"),
        ("pixel", 0, "pixel"),
        ("unread", 0, "unread"),
        ("kernel_used", 2, "kernel-used"),
    )
    words_of_setting = setting_words(g)

    def numbers(p: StridedRegion) -> dict[str, Any]:
        return {"ip": p.ip, "jp": p.jp, "setting": words_of_setting, "weights": p.weights}

    def words(k: int, p: StridedRegion, state: dict[str, Any]) -> tuple[str, str, str]:
        alt = (
            f"Pixel I({p.ip},{p.jp}) of a {fmt.size((g.H, g.W))} image, "
            f"{fmt.size((g.k1, g.k2))} kernel, {words_of_setting}: it reaches "
            f"{fmt.plural(len(p.weights), 'output')} of {_Y}."
        )
        return f"I({p.ip},{p.jp})", alt, p.describe()

    return _lighter(_frames(pictures, drawn, numbers, words, png))


# --------------------------------------------------------------------------------------------
# The input gradient as the rotated-kernel correlation on the dilated, padded G
# --------------------------------------------------------------------------------------------


def _dilated(A: np.ndarray, steps: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """Return ``A`` with ``s − 1`` zeros between its entries in an array of ``shape``."""
    out = np.zeros(shape)
    out[:: steps[0], :: steps[1]][: A.shape[0], : A.shape[1]] = A
    return out


@dataclass(frozen=True)
class DilatedSweep(Picture):
    r"""``rot180`` of the dilated kernel on the stride-dilated, padded ``G``, at pixel ``(i′, j′)``.

    Parameters
    ----------
    G : array_like, shape (H′, W′)
        The upstream gradient ``∂L/∂Ŷ``, of the layer's output shape.
    w : array_like, shape (k1, k2)
        The kernel.
    image_shape : (int, int)
        ``(H, W)``, the shape of ``I``: with a stride, several image sizes give the same
        ``H′``, so it must be given.
    ip, jp : int, optional
        The pixel ``(i′, j′)`` of ``I``.
    stride, padding, dilation : optional
        As in :func:`convlib.conv2d_forward`.
    progressive : bool, optional
        Fill ``∂L/∂I`` only up to ``(i′, j′)`` in reading order (a sweep).
    formula : bool, optional
        Write the formula (7.9) under the grids.

    Notes
    -----
    (7.9): :math:`\partial L/\partial I(i', j') = \sum_{a,b} \mathrm{pad}(G_{\uparrow s})
    (i' + p + a, j' + p + b)\, \mathrm{rot180}(w_{\uparrow d})(a, b)`, where
    :math:`G_{\uparrow s}` is :math:`G` with :math:`s - 1` zeros between its entries (7.3), of
    :math:`H + 2p - K + 1` rows (zeros after the last entry when the forward pass leaves rows
    unread), padded with :math:`K - 1` zeros on each side, :math:`K = d (k - 1) + 1`. The third
    grid is the whole correlation; its outer :math:`p` rows and columns (hatched) are cropped.
    The values of ``∂L/∂I`` come from :func:`convlib.grad_input`, the window's products from
    the arrays drawn. Gids: ``"window"``, ``"inserted"``, ``"padding"`` (grid 0), ``"taps"``
    (grid 1), ``"target"`` (grid 2, in the whole correlation's coordinates).
    """

    G: Any = None
    w: Any = None
    image_shape: Any = None
    ip: Any = 0
    jp: Any = 0
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    progressive: bool = False
    formula: bool = True

    columns = ((0,), (1, 2))

    def __post_init__(self) -> None:
        G, w = as_real_2d(self.G, "G"), as_real_2d(self.w, "w")
        g = layer_of(self.image_shape, w.shape, self.stride, self.padding, self.dilation)
        if G.shape != (g.H_out, g.W_out):
            raise ValueError(
                f"G has shape {G.shape} but a {fmt.size(w.shape)} kernel with "
                f"{setting_words(g)} on a {fmt.size((g.H, g.W))} image gives outputs of shape "
                f"{(g.H_out, g.W_out)}: G = ∂L/∂Ŷ has the output's shape"
            )
        self._store(G=self._frozen(G), w=self._frozen(w), image_shape=(g.H, g.W))
        self._store(stride=g.stride, padding=_padding_setting(g), dilation=g.dilation)
        self._store(ip=as_index(self.ip, g.H, "ip", "a row of the image I"))
        self._store(jp=as_index(self.jp, g.W, "jp", "a column of the image I"))
        self._store(progressive=bool(self.progressive), formula=bool(self.formula))

    @cached_property
    def geometry(self) -> LayerGeometry:
        """The layer's sizes (``convlib._types.LayerGeometry``)."""
        k = np.shape(self.w)
        return layer_of(self.image_shape, k, self.stride, self.padding, self.dilation)

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Return the arrays drawn: ``G_s`` (7.3), ``padded``, ``w_d``, ``rotated``, ``dI`` (7.9).

        ``dI`` is :func:`convlib.grad_input` with the layer's settings; the others are built
        here with numpy from ``G`` and ``w``, with the masks ``entries`` (where the padded grid
        holds an entry of ``G``) and ``taps`` (where ``rotated`` holds an entry of ``w``).
        """
        g, G, w = self.geometry, self._array(self.G), self._array(self.w)
        top, bottom, left, right = g.padding
        K1, K2 = g.dilation[0] * (g.k1 - 1) + 1, g.dilation[1] * (g.k2 - 1) + 1
        rows = (g.H + top + bottom - K1 + 1, g.W + left + right - K2 + 1)
        G_s, w_d = _dilated(G, g.stride, rows), _dilated(w, g.dilation, (K1, K2))
        ring = ((K1 - 1, K1 - 1), (K2 - 1, K2 - 1))
        settings = {"stride": g.stride, "padding": self.padding, "dilation": g.dilation}
        return {
            "G_s": G_s,
            "padded": np.pad(G_s, ring),
            "entries": np.pad(_dilated(np.ones(G.shape), g.stride, rows), ring) != 0,
            "w_d": w_d,
            "rotated": w_d[::-1, ::-1],
            "taps": _dilated(np.ones(w.shape), g.dilation, (K1, K2))[::-1, ::-1] != 0,
            "dI": grad_input(w, G, input_shape=(g.H, g.W), **settings),
        }

    def panels(self) -> list[Panel]:
        """Return the dilated, padded ``G`` (with the window), ``rot180(w↑d)`` and the result."""
        g, a, ip, jp = self.geometry, self.arrays, self.ip, self.jp
        top, bottom, left, right = g.padding
        P, R = a["padded"], a["rotated"]
        K1, K2 = R.shape
        rows, cols = range(ip + top, ip + top + K1), range(jp + left, jp + left + K2)
        window = block(rows, cols)
        pad = _padding_cells(P.shape, (K1 - 1, K1 - 1, K2 - 1, K2 - 1))
        on_grid = [tuple(map(int, c)) for c in np.argwhere(a["entries"])]
        inserted = [c for c in np.ndindex(P.shape) if c not in pad and not a["entries"][c]]
        labels = value_labels(P, on_grid)
        labels |= {c: "0" for c in inserted} | {c: "0" for c in window if c in pad}
        taps = [tuple(map(int, c)) for c in np.argwhere(a["taps"])]
        gaps = {c for c in np.ndindex(K1, K2) if not a["taps"][c]}
        sub = {(ip + top + x, jp + left + y): fmt.TIMES + fmt.num(R[x, y], 3) for x, y in taps}
        full = (g.H + top + bottom, g.W + left + right)
        target = (ip + top, jp + left)
        shown = [
            (u + top, v + left)
            for u, v in np.ndindex(g.H, g.W)
            if not self.progressive or (u, v) <= (ip, jp)
        ]
        d_labels = {c: fmt.num(a["dI"][c[0] - top, c[1] - left], 3) for c in shown}
        d1, d2 = g.dilation
        dilated = "" if d1 == d2 == 1 else f"dilated by {d1 if d1 == d2 else (d1, d2)}"
        return [
            Panel(
                P.shape,
                title=(
                    f"G dilated by the stride, padded by K{_M}1 (hatched)"
                    if inserted
                    else f"G padded by K{_M}1 (hatched)"
                ),
                fills={"inserted": (inserted, INSERTED), "window": (window, FILL.sky)},
                labels=labels,
                sublabels=sub,
                muted=set(inserted) | {c for c in window if c in pad},
                hatched=pad,
                outlines=[Outline("sweep-window", rows, cols, PALETTE["blue"])],
                caption="yellow: zeros of G↑s (the stride's)" if inserted else "",
            ),
            Panel(
                (K1, K2),
                title=f"rot180(w {dilated})" if dilated else "rot180(w)",
                fills={"taps": (taps, FILL.orange)},
                labels=value_labels(R, taps) | {c: "0" for c in gaps},
                muted=gaps,
            ),
            Panel(
                full,
                title="the correlation, before the crop",
                fills={"target": ([target], FILL.red)},
                labels=d_labels,
                hatched=_padding_cells(full, g.padding),
                outlines=[Outline("target-outline", *one_cell(*target), PALETTE["vermillion"])],
                caption=f"∂L/∂I(i′,j′): entry (i′+{top}, j′+{left});\nhatched: cropped",
            ),
        ]

    def footer(self) -> str:
        """Return the window's sum (7.9)."""
        return self.formulas() if self.formula else ""

    def formulas(self) -> str:
        """Return the line of :meth:`footer`, whether or not the picture writes it."""
        top, _, left, _ = self.geometry.padding
        i = f"i′+{top}+a" if top else "i′+a"
        j = f"j′+{left}+b" if left else "j′+b"
        return (
            f"∂L/∂I(i′, j′) = Σ pad(G↑s)({i}, {j})·rot180(w↑d)(a, b)    {eq('eq-strided-di-rot')}"
        )

    def describe(self) -> str:
        """Say where the rotated kernel sits on the dilated, padded ``G`` for ``∂L/∂I(i′,j′)``.

        Returns
        -------
        str
            For example "∂L/∂I(1,2), stride 2, padding 1: rot180(w) on the dilated, padded G
            at rows 2–4, columns 3–5 (7.9); 2 of its 9 products pair a tap of w with an entry
            of G, the others are 0; they sum to 3."
        """
        g, a, ip, jp = self.geometry, self.arrays, self.ip, self.jp
        top, _, left, _ = g.padding
        K1, K2 = a["rotated"].shape
        rows, cols = range(ip + top, ip + top + K1), range(jp + left, jp + left + K2)
        meets = int(
            np.sum(a["entries"][rows.start : rows.stop, cols.start : cols.stop] & a["taps"])
        )
        return (
            f"{_D}L/{_D}I({ip},{jp}), {setting_words(g)}: rot180(w) on the dilated, padded G at "
            f"{fmt.span_of('row', rows)}, {fmt.span_of('column', cols)} "
            f"{eq('eq-strided-di-rot')}; {meets} of its {K1 * K2} products "
            f"{'pairs' if meets == 1 else 'pair'} a tap of w with an entry of G, the others are "
            f"0; they sum to {fmt.num(a['dI'][ip, jp])}."
        )


def strided_example(
    image_shape: Any = (5, 4),
    kernel_shape: Any = (3, 3),
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Small example arrays ``w`` and ``G`` for a layer, entries in ``{−2, −1, 1, 2}``.

    ``G`` has the layer's output shape; ``w`` is never equal to its rotation by 180°. No entry
    is 0, so that every 0 a figure shows is one that dilating or padding put there.

    Examples
    --------
    >>> w, G = strided_example((5, 4), (3, 3), stride=2, padding=1)
    >>> w.shape, G.shape
    ((3, 3), (3, 2))
    """
    g = layer_of(image_shape, kernel_shape, stride, padding, dilation)
    values = np.array([-2.0, -1.0, 1.0, 2.0])  # no 0: a 0 in a figure is an inserted zero
    rng = np.random.default_rng([seed, 7, g.k1, g.k2])
    while True:
        w = rng.choice(values, (g.k1, g.k2))
        if w.size == 1 or np.any(w != w[::-1, ::-1]):
            break
    G = np.random.default_rng([seed, 8, g.H_out, g.W_out]).choice(values, (g.H_out, g.W_out))
    return w, G


def dilated_sweep_frames(
    G: Any,
    w: Any,
    image_shape: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    png: bool = True,
) -> list[Frame]:
    r"""One frame per pixel of ``I``: ``∂L/∂I(i′,j′)`` as the window sum of (7.9).

    Parameters
    ----------
    G : array_like, shape (H′, W′)
        The upstream gradient.
    w : array_like, shape (k1, k2)
        The kernel.
    image_shape : (int, int)
        ``(H, W)``.
    stride, padding, dilation : optional
        As in :func:`convlib.conv2d_forward`.
    png : bool, optional
        Render the PNGs (False: only the words and states).

    Returns
    -------
    list of Frame
        ``H·W`` frames in reading order. The state has ``ip``, ``jp``, ``window`` (the cells
        of the padded grid drawn as the window), ``products`` (pairs (entry of the dilated,
        padded ``G``, entry of ``rot180(w↑d)``) over the window, from the arrays drawn),
        ``sum`` (their sum) and ``dI`` (``∂L/∂I(i′,j′)`` from :func:`convlib.grad_input`).

    Examples
    --------
    >>> w, G = strided_example((5, 4), (3, 3), stride=2, padding=1)
    >>> frames = dilated_sweep_frames(G, w, (5, 4), stride=2, padding=1, png=False)
    >>> len(frames), all(f.state["sum"] == f.state["dI"] for f in frames)
    (20, True)
    """
    first = DilatedSweep(
        G, w, image_shape, 0, 0, stride, padding, dilation, progressive=True, formula=False
    )
    g = first.geometry
    pictures = [first.replace(ip=ip, jp=jp) for ip, jp in np.ndindex(g.H, g.W)]
    a = first.arrays
    P, R = a["padded"], a["rotated"]
    top, _, left, _ = g.padding
    K1, K2 = R.shape
    words_of_setting = setting_words(g)

    def numbers(p: DilatedSweep) -> dict[str, Any]:
        r0, c0 = p.ip + top, p.jp + left
        products = [(P[r0 + x, c0 + y], R[x, y]) for x, y in np.ndindex(K1, K2)]
        return {
            "ip": p.ip,
            "jp": p.jp,
            "products": products,
            "sum": float(sum(x * y for x, y in products)),
            "dI": float(a["dI"][p.ip, p.jp]),
        }

    def words(k: int, p: DilatedSweep, state: dict[str, Any]) -> tuple[str, str, str]:
        taps = [(x, y) for x, y in state["products"] if y != 0]
        same = np.isclose(state["sum"], state["dI"])
        description = (
            f"Pixel {k + 1} of {g.H * g.W}. {p.describe()} The products with the kernel's taps: "
            f"{fmt.products(taps)} = {fmt.num(state['sum'])}"
            + (", which is ∂L/∂I from convlib." if same else ": NOT ∂L/∂I from convlib.")
        )
        alt = (
            f"Pixel {k + 1} of {g.H * g.W}, {words_of_setting}: rot180(w) on the dilated, padded "
            f"G gives {_D}L/{_D}I({p.ip},{p.jp}) = {fmt.num(state['sum'])}."
        )
        return f"{_D}L/{_D}I({p.ip},{p.jp})", alt, description

    return _lighter(_frames(pictures, (("window", 0, "window"),), numbers, words, png))
