r"""The frames of the interactive figures: every state drawn once, as a small PNG (no widgets).

A widget (``convlib.figures.widgets``) shows a stack of pre-rendered frames, one per state of a
picture: one per pixel, per output, per step of a sweep. This module makes them, fast:

- the states are pictures (``convlib.figures.pictures``) of one layout, so one figure is laid
  out for all of them at once (every state's text fits) and built once;
- :class:`FrameRenderer` draws what never changes (indices, fixed titles) once into a
  background, and for each frame restores it, draws the grids' colours and outlines with the
  Agg canvas directly, and pastes each cell's text from a cache of rendered labels: no text
  is laid out twice;
- frames are cached by their pictures within a process (:func:`render`).

Each ``*_frames`` function returns a list of :class:`Frame`: the PNG, a short distinct
``label`` and ``alt`` text, the full ``description`` (with the numbers of the sum), and the
``state`` read back from the drawn figure (the highlighted cells), which the tests check
against ``convlib`` and ``scipy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from .. import _format as fmt
from .._checks import as_real_2d, as_real_scalar, as_shape, check_fits
from ..book import eq
from ..ops import output_shape
from ._layout import DPI, CourseFigure, GridView, cells_with_gid, encode_png
from ._picture import Picture, figure_of
from .forward import Window
from .gradients import InfluenceRegion, WeightGradient
from .rotation import PaddedSweep

__all__ = [
    "Frame",
    "FrameRenderer",
    "example_arrays",
    "influence_region_frames",
    "receptive_window_frames",
    "render",
    "rotated_kernel_sweep_frames",
    "weight_gradient_sweep_frames",
]

_D, _Y, _P = fmt.PARTIAL, fmt.Y_HAT, fmt.PRIME


class Frame(NamedTuple):
    """One pre-rendered state of an interactive figure.

    Attributes
    ----------
    png : bytes or None
        The picture as a PNG file (None when made with ``png=False``).
    label : str
        A short name of the state, such as ``"I(1,2)"``: the slider's readout.
    alt : str
        The image's alt text: one sentence, different for every frame of a widget.
    description : str
        What the frame shows, with the numbers of its sum (plain Unicode, no LaTeX): the
        caption under the picture.
    state : dict
        The state shown, read back from the drawn figure (for example the highlighted cells),
        with the numbers the description quotes.
    picture : Picture or None
        The picture the frame draws.
    """

    png: bytes | None
    label: str
    alt: str
    description: str
    state: dict[str, Any]
    picture: Picture | None = None


# --------------------------------------------------------------------------------------------
# Rendering many states of one figure
# --------------------------------------------------------------------------------------------


class FrameRenderer:
    """Render the states of one picture layout as PNGs, redrawing only what changes.

    Parameters
    ----------
    pictures : sequence of Picture
        Every state the frames will show (the layout fits all of them).
    """

    def __init__(self, pictures: Sequence[Picture]) -> None:
        self.fig: CourseFigure = figure_of(pictures)
        self.views: list[GridView] = [ax._convlib_grid for ax in self.fig.axes]
        states = [p.panels() for p in pictures]
        self.changing = []  # titles, captions and footer that differ between states
        for k, view in enumerate(self.views):
            if len({s[k].title for s in states}) > 1:
                self.changing.append(view.title)
            if len({s[k].caption for s in states}) > 1:
                self.changing.append(view.caption)
        if len({p.footer() for p in pictures}) > 1:
            self.changing.append(self.fig.footer)
        self.canvas = self.fig.canvas
        self._background: Any = None
        self._sprites: dict[tuple, np.ndarray] = {}
        height = self.fig.bbox.height
        self._origins = [  # top-left pixel of each grid, in image rows and columns
            (round(height - ax.bbox.y1), round(ax.bbox.x0)) for ax in self.fig.axes
        ]

    def _grid_artists(self, view: GridView) -> list[Any]:
        artists = [view.fills, view.hatch, view.lines, *view.outlines.values()]
        return [a for a in artists if a is not None]

    def _make_background(self) -> None:
        """Draw, once, everything that no frame changes (indices, fixed titles)."""
        hidden = [a for v in self.views for a in self._grid_artists(v)]
        hidden += [t for v in self.views for t in v.texts.values()] + self.changing
        visible = [a.get_visible() for a in hidden]
        for a in hidden:
            a.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        for a, v in zip(hidden, visible, strict=True):
            a.set_visible(v)

    def png(self, picture: Picture) -> bytes:
        """Draw ``picture`` (a state of this layout) and return it as a palette PNG."""
        self.fig.redraw(picture)
        if self._background is None:
            self._make_background()
        self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for view in self.views:
            for artist in self._grid_artists(view):
                if artist.get_visible():
                    artist.draw(renderer)
        for text in self.changing:
            text.draw(renderer)
        rgb = np.array(self.canvas.buffer_rgba())[..., :3].astype(np.float32)
        for view, (top, left) in zip(self.views, self._origins, strict=True):
            cell = round(view.ax.bbox.width / view.shape[1])
            for ((r, c), _sub), text in view.texts.items():
                if text.get_visible():
                    self._paste(rgb, text, top + r * cell, left + c * cell, cell, r)
        return encode_png(np.rint(rgb).astype(np.uint8), level=6, check=False)

    def _paste(self, rgb: np.ndarray, text: Any, top: int, left: int, cell: int, r: int) -> None:
        """Blend a cell's label, rendered once per string, size, colour and place, into ``rgb``."""
        key = (
            text.get_text(),
            text.get_fontsize(),
            text.get_color(),
            text.get_position()[1] - r,
            cell,
        )
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = self._sprites[key] = _sprite(*key)
        dy, dx, alpha, color = sprite
        y0, x0 = top + dy, left + dx
        region = rgb[y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]]
        region += (color - region) * alpha


@lru_cache(maxsize=8)
def _sprite_text(cell: int) -> tuple[FigureCanvasAgg, Any]:
    """Make a transparent figure three cells wide and one high, holding one Text to render."""
    fig = Figure(figsize=(3 * cell / DPI, cell / DPI), dpi=DPI)
    fig.patch.set_alpha(0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(0.5, -0.5)
    ax.set_axis_off()
    ax.patch.set_alpha(0)
    return FigureCanvasAgg(fig), ax.text(0, 0, "", ha="center", va="center")


def _sprite(text: str, size: float, color: Any, dy: float, cell: int) -> tuple:
    """Render a cell label as matplotlib draws it in a cell, once: ``(dy, dx, alpha, colour)``.

    ``alpha`` is the label's coverage, cropped to its ink; ``dy, dx`` place it from the cell's
    top-left pixel.
    """
    canvas, artist = _sprite_text(cell)
    artist.set(text=text, fontsize=size, color=color, y=dy)
    canvas.draw()
    alpha = np.asarray(canvas.buffer_rgba())[..., 3].astype(np.float32) / 255
    rows, cols = np.nonzero(alpha)
    if rows.size == 0:
        return 0, 0, np.zeros((0, 0, 1), np.float32), np.zeros(3, np.float32)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    rgb = np.asarray(to_rgb(color), dtype=np.float32) * 255
    return int(y0), int(x0) - cell, alpha[y0:y1, x0:x1, None], rgb


Drawn = tuple[tuple[str, int, str], ...]  # (state key, panel index, gid) to read back


@lru_cache(maxsize=64)
def _draw(pictures: tuple[Picture, ...], drawn: Drawn, png: bool) -> tuple[tuple[Any, dict], ...]:
    """Draw each picture on one figure (rendered when ``png``); read its cells back."""
    renderer = FrameRenderer(pictures) if png else None
    fig = renderer.fig if renderer is not None else figure_of(pictures)
    out = []
    for p in pictures:
        image = renderer.png(p) if renderer is not None else fig.redraw(p) and None
        cells = {key: cells_with_gid(fig.axes[k], gid) for key, k, gid in drawn}
        out.append((image, cells))
    return tuple(out)


def render(pictures: Sequence[Picture]) -> list[bytes]:
    """Render states of one picture layout as PNG frames (cached by the pictures)."""
    return [image for image, _ in _draw(tuple(pictures), (), True)]


def _frames(
    pictures: Sequence[Picture], drawn: Drawn, numbers: Any, words: Any, png: bool
) -> list[Frame]:
    """Make the frames of ``pictures``.

    The state of each is the cells ``drawn`` names, read back from the drawing, and the
    ``numbers(p)`` its sum needs; ``words(k, p, state)`` gives its label, alt and description.
    """
    frames = []
    for k, (p, (image, cells)) in enumerate(
        zip(pictures, _draw(tuple(pictures), drawn, png), strict=True)
    ):
        state = {**numbers(p), **{key: set(v) for key, v in cells.items()}}
        label, alt, description = words(k, p, state)
        frames.append(Frame(image, label, alt, description, state, p))
    return frames


# --------------------------------------------------------------------------------------------
# Example arrays
# --------------------------------------------------------------------------------------------


def _example_kernel(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Weights in ``-1..2`` that rot180 visibly changes (all different when 2×2 or less)."""
    while True:
        w = rng.integers(-1, 3, shape)
        distinct = w.size > 4 or len(np.unique(w)) == w.size
        if distinct and (w.size == 1 or np.any(w != w[::-1, ::-1])):
            return w


def example_arrays(
    image_shape: Any = (5, 5), kernel_shape: Any = (3, 3), *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Small integer-valued example arrays ``I``, ``w``, ``G`` that read well in a figure.

    Each array depends only on ``seed`` and its own shape, so two figures with the same image
    size show the same ``I``.

    Parameters
    ----------
    image_shape : (int, int), optional
        ``(H, W)``.
    kernel_shape : (int, int), optional
        ``(k1, k2)``; it must fit inside the image.
    seed : int, optional
        Seed of the random generator.

    Returns
    -------
    I : ndarray, shape (H, W)
        Pixels in ``0..4``.
    w : ndarray, shape (k1, k2)
        Weights in ``-1..2``, never equal to their rotation by 180° (and all different for
        kernels of up to four entries, such as the notes' 2×2 ``Q``).
    G : ndarray, shape (H - k1 + 1, W - k2 + 1)
        An upstream gradient ``∂L/∂Ŷ`` in ``-2..2``.

    Examples
    --------
    >>> I, w, G = example_arrays((5, 5), (3, 3))
    >>> I.shape, w.shape, G.shape
    ((5, 5), (3, 3), (3, 3))
    """
    H, W = as_shape(image_shape, "image_shape")
    k1, k2 = as_shape(kernel_shape, "kernel_shape")
    Hp, Wp = output_shape((H, W), (k1, k2))
    I = np.random.default_rng([seed, 0, H, W]).integers(0, 5, (H, W))
    w = _example_kernel(np.random.default_rng([seed, 1, k1, k2]), (k1, k2))
    G = np.random.default_rng([seed, 2, Hp, Wp]).integers(-2, 3, (Hp, Wp))
    return I.astype(np.float64), w.astype(np.float64), G.astype(np.float64)


# --------------------------------------------------------------------------------------------
# The frames of each figure
# --------------------------------------------------------------------------------------------


def influence_region_frames(
    image_shape: Any = (5, 5), kernel_shape: Any = (3, 3), *, png: bool = True
) -> list[Frame]:
    r"""One frame per pixel ``I(i′,j′)``: the outputs it affects and the weight met in each.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    png : bool, optional
        Render the PNGs (False: only the words and states, much faster).

    Returns
    -------
    list of Frame
        ``H·W`` frames in reading order: frame ``i′·W + j′`` shows the pixel ``(i′, j′)``.
        Its state has ``ip``, ``jp``, ``kernel_shape``, ``region`` (``convlib.affected_region``),
        ``highlighted`` (the cells of ``Ŷ`` drawn as affected), ``pixel`` (the cell of ``I``
        drawn as the pixel), ``weights`` (``{(i, j): (m, n)}``: the entry that multiplies the
        pixel in output ``(i, j)``) and ``kernel_used`` (the kernel cells drawn as used).

    Notes
    -----
    The pixel :math:`I(i',j')` reaches the outputs whose window covers it (3.1),
    :math:`\max(0, i'-k_1+1) \le i \le \min(i', H-k_1)` and likewise for :math:`j`; in output
    :math:`(i, j)` it is multiplied by :math:`w(i'-i, j'-j)` (3.3), so

    .. math:: \frac{\partial L}{\partial I(i',j')} = \sum_{m,n} G(i'-m, j'-n)\, w(m,n)

    over that region only (3.4).

    Examples
    --------
    >>> frames = influence_region_frames((5, 5), (3, 3), png=False)
    >>> state = frames[0].state  # the corner pixel I(0,0)
    >>> sorted(state["highlighted"]), state["weights"]
    ([(0, 0)], {(0, 0): (0, 0)})
    """
    H, W = as_shape(image_shape, "image_shape")
    k1, k2 = as_shape(kernel_shape, "kernel_shape")
    check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
    pictures = [InfluenceRegion((H, W), (k1, k2), ip, jp) for ip, jp in np.ndindex(H, W)]

    drawn = (
        ("highlighted", 1, "affected"),
        ("pixel", 0, "pixel"),
        ("kernel_used", 2, "kernel-used"),
    )

    def numbers(p: InfluenceRegion) -> dict[str, Any]:
        return {
            "ip": p.ip,
            "jp": p.jp,
            "kernel_shape": (k1, k2),
            "region": p.region,
            "weights": p.weights,
        }

    def words(k: int, p: InfluenceRegion, state: dict[str, Any]) -> tuple[str, str, str]:
        where = ", ".join(f"{_Y}({i},{j}) by w({m},{n})" for (i, j), (m, n) in p.weights.items())
        description = (
            f"{p.describe()} Each output multiplies the pixel by w(i{_P}{fmt.MINUS}i, "
            f"j{_P}{fmt.MINUS}j) {eq('eq-dyhat-di')}: {where}."
        )
        alt = (
            f"Pixel I({p.ip},{p.jp}) of a {fmt.size((H, W))} image, {fmt.size((k1, k2))} kernel: "
            f"it affects {fmt.plural(p.region.size, 'output')} of {_Y}."
        )
        return f"I({p.ip},{p.jp})", alt, description

    return _frames(pictures, drawn, numbers, words, png)


def receptive_window_frames(I: Any, w: Any, *, b: float = 0.0, png: bool = True) -> list[Frame]:
    r"""One frame per output ``Ŷ(i,j)``: the window of ``I`` and the kernel that produce it.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The input image.
    w : array_like, shape (k1, k2)
        The kernel.
    b : float, optional
        The bias.
    png : bool, optional
        Render the PNGs (False: only the words and states).

    Returns
    -------
    list of Frame
        ``H′·W′`` frames in reading order; the state has ``i``, ``j``, ``window`` (the cells of
        ``I`` drawn as the window), ``output`` (the cell of ``Ŷ`` drawn as the output),
        ``products`` (pairs ``(I(i+m, j+n), w(m,n))``) and ``value`` (``Ŷ(i,j)`` from
        ``convlib.correlate2d``).

    Notes
    -----
    The layer (1.3) is the cross-correlation (1.2) plus the bias,

    .. math:: \hat Y(i,j) = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} I(i+m, j+n)\, w(m,n) + b,

    of shape :math:`(H-k_1+1) \times (W-k_2+1)` (1.4).

    Examples
    --------
    >>> I, w, _ = example_arrays((4, 4), (2, 2))
    >>> frames = receptive_window_frames(I, w, png=False)
    >>> len(frames), sorted(frames[0].state["window"])
    (9, [(0, 0), (0, 1), (1, 0), (1, 1)])
    """
    I, w = as_real_2d(I, "I").astype(np.float64), as_real_2d(w, "w").astype(np.float64)
    b = as_real_scalar(b, "b")
    Hp, Wp = output_shape(I.shape, w.shape)
    k1, k2 = w.shape
    pictures = [Window(None, None, i, j, I=I, w=w, b=b) for i, j in np.ndindex(Hp, Wp)]

    drawn = (("window", 0, "window"), ("output", 2, "output"))

    def numbers(p: Window) -> dict[str, Any]:
        i, j = p.i, p.j
        return {
            "i": i,
            "j": j,
            "products": [(I[i + m, j + n], w[m, n]) for m, n in np.ndindex(k1, k2)],
            "value": float(p.output[i, j]),
        }

    def words(k: int, p: Window, state: dict[str, Any]) -> tuple[str, str, str]:
        bias = f" + b ({fmt.factor(b)})" if b else " + b (b = 0 here)"
        description = (
            f"Output {k + 1} of {Hp * Wp}, {fmt.size((k1, k2))} kernel. {p.describe()} "
            f"Its products: {fmt.products(state['products'])}{bias} = {fmt.num(state['value'])}."
        )
        alt = (
            f"Output {_Y}({p.i},{p.j}) of {fmt.size((Hp, Wp))}, {fmt.size((k1, k2))} kernel: "
            f"the window at {fmt.span_of('row', range(p.i, p.i + k1))}, "
            f"{fmt.span_of('column', range(p.j, p.j + k2))} of I gives {fmt.num(state['value'])}."
        )
        return f"{_Y}({p.i},{p.j})", alt, description

    return _frames(pictures, drawn, numbers, words, png)


def rotated_kernel_sweep_frames(G: Any, w: Any, *, png: bool = True) -> list[Frame]:
    r"""One frame per pixel of ``∂L/∂I``: ``rot180(w)`` on the zero-padded ``G``, step by step.

    Parameters
    ----------
    G : array_like, shape (H′, W′)
        The upstream gradient ``∂L/∂Ŷ``.
    w : array_like, shape (k1, k2)
        The kernel.
    png : bool, optional
        Render the PNGs (False: only the words and states).

    Returns
    -------
    list of Frame
        ``H·W`` frames (``H = H′ + k1 − 1``, ``W = W′ + k2 − 1``) in reading order; frame
        ``i′·W + j′`` puts ``rot180(w)`` at ``(i′, j′)`` of the padded ``G``. The state has
        ``ip``, ``jp``, ``window`` (the cells of the padded grid drawn as the window),
        ``products`` (pairs ``(pad(G)(i′+a, j′+b), w*(a,b))``), ``sum`` (their sum, 4.3) and
        ``dI`` (``∂L/∂I(i′,j′)`` from (3.4): ``convlib.convolve2d(G, w, mode="full")``).

    Notes
    -----
    (3.4) is a full convolution, and (4.3) rewrites it as the forward pass's cross-correlation
    of the padded gradient with the kernel turned by 180°:

    .. math::

        \frac{\partial L}{\partial I}(i',j') = (w * G)(i',j')
        = \sum_{a=0}^{k_1-1} \sum_{b=0}^{k_2-1} \mathrm{pad}(G)(i'+a, j'+b)\,
          w(k_1-1-a,\, k_2-1-b),

    where :math:`\mathrm{pad}(G)` has :math:`k_1-1` rows and :math:`k_2-1` columns of zeros on
    each side. The notes' worked example (4.1) is :math:`(i', j') = (2, 2)`.

    Examples
    --------
    >>> _, w, G = example_arrays((4, 4), (2, 2))
    >>> frames = rotated_kernel_sweep_frames(G, w, png=False)
    >>> all(f.state["sum"] == f.state["dI"] for f in frames)
    True
    """
    G, w = as_real_2d(G, "G").astype(np.float64), as_real_2d(w, "w").astype(np.float64)
    (Hp, Wp), (k1, k2) = G.shape, w.shape
    H, W = Hp + k1 - 1, Wp + k2 - 1
    P = np.pad(G, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))  # independent of convlib.zero_pad
    R = w[::-1, ::-1]
    pictures = [
        PaddedSweep(None, None, ip, jp, G=G, w=w, progressive=True) for ip, jp in np.ndindex(H, W)
    ]

    drawn = (("window", 0, "window"),)

    def numbers(p: PaddedSweep) -> dict[str, Any]:
        products = [(P[p.ip + a, p.jp + c], R[a, c]) for a, c in np.ndindex(k1, k2)]
        return {
            "ip": p.ip,
            "jp": p.jp,
            "products": products,
            "sum": float(sum(x * y for x, y in products)),
            "dI": float(p.input_gradient[p.ip, p.jp]),
        }

    def words(k: int, p: PaddedSweep, state: dict[str, Any]) -> tuple[str, str, str]:
        worked = (
            f" (the notes' worked example {eq('eq-example')})" if (p.ip, p.jp) == (2, 2) else ""
        )
        same = np.isclose(state["sum"], state["dI"])
        description = (
            f"Step {k + 1} of {H * W}{worked}: {p.describe()} The products pad(G)·w*: "
            f"{fmt.products(state['products'])} = {fmt.num(state['sum'])}; {eq('eq-di')} gives "
            f"{_D}L/{_D}I({p.ip},{p.jp}) = (w ∗ G)({p.ip},{p.jp}) = {fmt.num(state['dI'])}"
            + (", the same number." if same else ": they DIFFER.")
        )
        alt = (
            f"Step {k + 1} of {H * W}, {fmt.size((k1, k2))} kernel: w* on the padded G at "
            f"({p.ip},{p.jp}) gives {_D}L/{_D}I({p.ip},{p.jp}) = {fmt.num(state['sum'])}."
        )
        return f"{_D}L/{_D}I({p.ip},{p.jp})", alt, description

    return _frames(pictures, drawn, numbers, words, png)


def weight_gradient_sweep_frames(I: Any, G: Any, *, png: bool = True) -> list[Frame]:
    r"""One frame per weight ``w(m′,n′)``: ``G`` laid on ``I`` like a kernel, ``∂L/∂w`` filling.

    Parameters
    ----------
    I : array_like, shape (H, W)
        The input image.
    G : array_like, shape (H′, W′)
        The upstream gradient ``∂L/∂Ŷ``; the kernel's shape is ``(H − H′ + 1, W − W′ + 1)``.
    png : bool, optional
        Render the PNGs (False: only the words and states).

    Returns
    -------
    list of Frame
        ``k1·k2`` frames in reading order; the state has ``m``, ``n``, ``block`` (the cells of
        ``I`` drawn as the block), ``products`` (pairs ``(G(i,j), I(i+m′, j+n′))``), ``sum``
        (their sum) and ``dw`` (``∂L/∂w(m′,n′)`` from ``convlib.correlate2d(I, G)``).

    Notes
    -----
    (2.3): the gradient slides over the input like a kernel,

    .. math::

        \frac{\partial L}{\partial w(m',n')} = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2}
        G(i,j)\, I(i+m', j+n') = (G \otimes I)(m',n'),

    one such sum for each of the :math:`k_1 k_2` weights.

    Examples
    --------
    >>> I, _, G = example_arrays((4, 4), (2, 2))
    >>> frames = weight_gradient_sweep_frames(I, G, png=False)
    >>> len(frames), frames[3].state["m"], frames[3].state["n"]
    (4, 1, 1)
    """
    I, G = as_real_2d(I, "I").astype(np.float64), as_real_2d(G, "G").astype(np.float64)
    check_fits(I.shape, G.shape, "image I", "gradient G")
    (H, W), (Hp, Wp) = I.shape, G.shape
    k1, k2 = H - Hp + 1, W - Wp + 1
    pictures = [
        WeightGradient(None, (k1, k2), m, n, I=I, G=G, progressive=True)
        for m, n in np.ndindex(k1, k2)
    ]

    drawn = (("block", 0, "block"),)

    def numbers(p: WeightGradient) -> dict[str, Any]:
        products = [(G[i, j], I[i + p.m, j + p.n]) for i, j in np.ndindex(Hp, Wp)]
        return {
            "m": p.m,
            "n": p.n,
            "products": products,
            "sum": float(sum(g * x for g, x in products)),
            "dw": float(p.gradient[p.m, p.n]),
        }

    def words(k: int, p: WeightGradient, state: dict[str, Any]) -> tuple[str, str, str]:
        description = (
            f"Step {k + 1} of {k1 * k2}, {fmt.size((k1, k2))} kernel: {p.describe()} "
            f"Its products: {fmt.products(state['products'])} = {fmt.num(state['sum'])}."
        )
        alt = (
            f"Step {k + 1} of {k1 * k2}, {fmt.size((k1, k2))} kernel: G on the block of I at "
            f"{fmt.span_of('row', range(p.m, p.m + Hp))}, "
            f"{fmt.span_of('column', range(p.n, p.n + Wp))} gives "
            f"{_D}L/{_D}w({p.m},{p.n}) = {fmt.num(state['sum'])}."
        )
        return f"{_D}L/{_D}w({p.m},{p.n})", alt, description

    return _frames(pictures, drawn, numbers, words, png)
