"""The drawing layer of the figures: numbered grids, their layout in pixels, and PNG rendering.

A picture (``convlib.figures.pictures``) says *what* each grid shows as a :class:`Panel`
(fills, labels, outlines, a title); this module draws panels and lays them out:

- :class:`GridView` keeps the artists of one grid on one Axes: a collection of cell squares
  whose colours change, one Text per labelled cell, the grid lines and indices, a title and a
  caption. Showing another panel of the same shape only changes colours, strings and outline
  bounds, so a widget's frames redraw no grid and lay out no text.
- :func:`arrange` sizes a figure in pixels from the panels of every state it will show (the
  widest label, title and caption of any state fit), with no layout engine at draw time.
- :func:`render_png` renders a figure with the Agg canvas directly and stores it as a
  palette PNG (a few dozen flat colours: small frames).

Sizes are pixels: figures are made at :data:`DPI` = 72, where one point is one pixel, and are
at most :data:`MAX_WIDTH` pixels wide so that the website shows them 1:1 on a 1024×768
projector (its text column is 733 px there) and nearly so at 1280 px (688 px). The smallest
text is :data:`SMALL_PX` = 15 px.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.colors import to_hex, to_rgb, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.transforms import offset_copy
from PIL import Image, PngImagePlugin

Cell = tuple[int, int]

#: Dots per inch of every figure: one point is one pixel, so font sizes are pixel sizes.
DPI = 72
#: Widest figure, in pixels: shown 1:1 in the text column at 1024×768 (733 px wide).
MAX_WIDTH = 720
#: Size of cell labels, titles and captions (pixels): the smallest text of any figure.
TEXT_PX = 15.0
#: Size of indices and of a cell's second line (pixels): never above a figure's text size.
SMALL_PX = 15.0

#: Okabe-Ito colours (safe for the common colour-vision deficiencies), by name.
PALETTE: dict[str, str] = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#8C8C8C",
}
GRID_LINE = "#4D4D4D"
MUTED = "#6E6E6E"  # 5.1:1 on white: still readable text
SUBLABEL = "#333333"  # a cell's second line
PAD_FILL = "#EDEDED"
PAD_HATCH = "#B0B0B0"
OUTLINE_WIDTH = 3.5

_MARGIN = 8  # pixels around the figure
_GAP = 26  # between columns of panels
_VGAP = 14  # between panels stacked in a column
_PAD = 6  # between a grid and its indices, titles and captions
_LINE = 1.28  # line height, in font sizes
_MAX_CELL = 96
_CELL_AIR = 5  # pixels of air beside the widest label of a cell


def tint(color: str, amount: float = 0.35) -> str:
    """Mix ``color`` with white: ``amount`` of the colour, the rest white (as ``#rrggbb``)."""
    rgb = np.asarray(to_rgb(color))
    return to_hex(amount * rgb + (1.0 - amount))


@dataclass(frozen=True)
class Outline:
    """A rectangle drawn around the block ``rows × cols`` of a grid; ``gid`` names it."""

    gid: str
    rows: range
    cols: range
    color: str
    width: float = OUTLINE_WIDTH
    style: str = "-"


@dataclass
class Panel:
    """What one grid shows: the description a :class:`GridView` draws.

    Attributes
    ----------
    shape : (int, int)
        Rows and columns of the grid.
    title : str
        Above the grid (a newline for a second line).
    fills : dict
        ``{gid: (cells, colour)}``: cells filled with a colour, one colour per gid (a cell
        named twice takes the later colour). :func:`cells_with_gid` reads them back from the
        drawn colours.
    labels, sublabels : dict
        ``{(r, c): text}`` in the cell, and a second, smaller line under it.
    muted : set
        Cells whose text is grey.
    hatched : set
        Cells hatched as zero padding (gid ``"padding"``).
    outlines : list of Outline
    caption : str
        Under the grid.
    scale : float
        Side of this grid's cells as a fraction of the figure's cell (a grid that holds
        only short labels can be smaller).
    """

    shape: tuple[int, int]
    title: str = ""
    fills: dict[str, tuple[Iterable[Cell], str]] = field(default_factory=dict)
    labels: Mapping[Cell, str] = field(default_factory=dict)
    sublabels: Mapping[Cell, str] = field(default_factory=dict)
    muted: set[Cell] = field(default_factory=set)
    hatched: set[Cell] = field(default_factory=set)
    outlines: list[Outline] = field(default_factory=list)
    caption: str = ""
    scale: float = 1.0


def block(rows: range, cols: range) -> list[Cell]:
    """Return the cells of the block ``rows × cols``."""
    return [(r, c) for r in rows for c in cols]


def one_cell(r: int, c: int) -> tuple[range, range]:
    """Return the block of one cell, ``(rows, cols)``, for an :class:`Outline`."""
    return range(r, r + 1), range(c, c + 1)


def value_labels(A: np.ndarray, cells: Any = None) -> dict[Cell, str]:
    """Label the cells of ``A`` (all, or ``cells``) with their numbers, 3 significant digits."""
    from .._format import num

    cells = np.ndindex(A.shape) if cells is None else cells
    return {cell: num(A[cell], 3) for cell in cells}


# --------------------------------------------------------------------------------------------
# One grid on one Axes
# --------------------------------------------------------------------------------------------


class GridView:
    """The artists of one numbered grid on an Axes, updated in place by :meth:`show`.

    Cell ``(r, c)`` is the unit square centred on ``x = c, y = r``, rows growing downwards, as
    numpy prints arrays; indices are written on the left and top edges.
    """

    def __init__(self, ax: Axes, shape: tuple[int, int], fontsize: float) -> None:
        if ax.collections or ax.texts or ax.patches or ax.lines or ax.images:
            ax.clear()  # a fresh Axes needs no clearing (the slowest step of making one)
        rows, cols = shape
        self.ax, self.shape, self.fontsize = ax, shape, fontsize
        small = _small(fontsize)
        ax.set_xlim(-0.5, cols - 0.5)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_aspect("equal")  # square cells, also in a figure laid out by matplotlib
        ax.set_axis_off()
        squares = [
            [(c - 0.5, r - 0.5), (c + 0.5, r - 0.5), (c + 0.5, r + 0.5), (c - 0.5, r + 0.5)]
            for r, c in np.ndindex(rows, cols)
        ]
        self.fills = PolyCollection(squares, facecolors="white", edgecolors="none", zorder=1)
        ax.add_collection(self.fills)
        segments = [[(-0.5, y), (cols - 0.5, y)] for y in np.arange(rows + 1) - 0.5]
        segments += [[(x, -0.5), (x, rows - 0.5)] for x in np.arange(cols + 1) - 0.5]
        self.lines = LineCollection(segments, colors=GRID_LINE, linewidths=1.0, zorder=2)
        self.lines.set_clip_on(False)  # the right and bottom borders stay whole
        ax.add_collection(self.lines)
        fig = ax.figure
        left = offset_copy(ax.transData, fig, x=-_PAD, y=0, units="dots")
        top = offset_copy(ax.transData, fig, x=0, y=_PAD - 2, units="dots")
        for r in range(rows):
            ax.text(-0.5, r, str(r), transform=left, ha="right", va="center", fontsize=small)
        for c in range(cols):
            ax.text(c, -0.5, str(c), transform=top, ha="center", va="baseline", fontsize=small)
        above = offset_copy(ax.transAxes, fig, x=0, y=_PAD + _LINE * small, units="dots")
        below = offset_copy(ax.transAxes, fig, x=0, y=-_PAD, units="dots")
        self.title = ax.text(
            0.5, 1.0, "", transform=above, ha="center", va="bottom", fontsize=fontsize
        )
        self.title.set_linespacing(1.1)
        self.caption = ax.text(0.5, 0.0, "", transform=below, ha="center", va="top")
        self.caption.set_fontsize(fontsize)
        self.texts: dict[tuple[Cell, bool], Any] = {}
        self.outlines: dict[str, Rectangle] = {}
        self.hatch: PatchCollection | None = None
        self.colors: dict[str, str] = {}
        ax._convlib_grid = self  # type: ignore[attr-defined]

    def _text(self, cell: Cell, sub: bool) -> Any:
        key = (cell, sub)
        if key not in self.texts:
            size = _small(self.fontsize) if sub else self.fontsize
            self.texts[key] = self.ax.text(
                cell[1], cell[0], "", ha="center", va="center", fontsize=size, zorder=5
            )
        return self.texts[key]

    def show(self, panel: Panel) -> None:
        """Draw ``panel`` (of this grid's shape), changing only what differs."""
        if tuple(panel.shape) != self.shape:
            raise ValueError(f"a {self.shape} grid cannot show a panel of shape {panel.shape}")
        rows, cols = self.shape
        colors = np.ones((rows, cols, 4))
        self.colors = {}
        for gid, (cells, color) in panel.fills.items():
            rgba = to_rgba_array(color)[0]
            self.colors[gid] = to_hex(rgba)
            for r, c in cells:
                colors[r, c] = rgba
        for r, c in panel.hatched:
            if tuple(colors[r, c]) == (1.0, 1.0, 1.0, 1.0):
                colors[r, c] = to_rgba_array(PAD_FILL)[0]
        self.fills.set_facecolor(colors.reshape(-1, 4))
        self._show_hatch(panel.hatched)
        self.title.set_text(panel.title)
        self.caption.set_text(panel.caption)
        shifted = set(panel.sublabels)
        for (cell, sub), text in self.texts.items():
            source = panel.sublabels if sub else panel.labels
            if cell not in source:
                text.set_visible(False)
        for sub, source in ((False, panel.labels), (True, panel.sublabels)):
            for cell, s in source.items():
                text = self._text(cell, sub)
                offset = 0.22 if sub else (-0.17 if cell in shifted else 0.0)
                text.set_y(cell[0] + offset)
                text.set_text(s)
                text.set_color(MUTED if cell in panel.muted else SUBLABEL if sub else "black")
                text.set_visible(True)
        for outline in self.outlines.values():
            outline.set_visible(False)
        for o in panel.outlines:
            patch = self.outlines.get(o.gid)
            if patch is None:
                patch = Rectangle((0, 0), 1, 1, fill=False, gid=o.gid, zorder=4, clip_on=False)
                self.outlines[o.gid] = self.ax.add_patch(patch)
            patch.set_bounds(o.cols.start - 0.5, o.rows.start - 0.5, len(o.cols), len(o.rows))
            patch.set_edgecolor(o.color)
            patch.set_linewidth(o.width)
            patch.set_linestyle(o.style)
            patch.set_visible(True)

    def _show_hatch(self, cells: set[Cell]) -> None:
        key = frozenset(cells)
        if self.hatch is not None and self.hatch.get_gid() == "padding" and key == self._hatched:
            return
        if self.hatch is not None:
            self.hatch.remove()
            self.hatch = None
        self._hatched = key
        if cells:
            boxes = [Rectangle((c - 0.5, r - 0.5), 1, 1) for r, c in sorted(cells)]
            self.hatch = PatchCollection(
                boxes, facecolor="none", edgecolor=PAD_HATCH, hatch="//", lw=0, zorder=1.5
            )
            self.hatch.set_gid("padding")
            self.ax.add_collection(self.hatch)


def _small(fontsize: float) -> float:
    return min(fontsize, SMALL_PX)


def draw_panel(ax: Axes, panel: Panel, fontsize: float = TEXT_PX) -> GridView:
    """Draw ``panel`` on ``ax``, reusing the grid already there when it has the same shape."""
    view = getattr(ax, "_convlib_grid", None)
    if view is None or view.shape != tuple(panel.shape) or view.fontsize != fontsize:
        view = GridView(ax, tuple(panel.shape), fontsize)
    view.show(panel)
    return view


def draw_grid(
    ax: Axes,
    A: Any,
    *,
    fmt: str = "{:.3g}",
    highlight: Iterable[Cell] = (),
    color: str | None = None,
    title: str = "",
    fontsize: float = TEXT_PX,
) -> GridView:
    """Draw a small matrix as a numbered grid of its values, some cells highlighted.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (a grid already there is redrawn in place).
    A : array_like
        A non-empty 2-D real array; each value is written in its cell with ``fmt``.
    fmt : str, optional
        A ``str.format`` pattern for the values; minus signs are written as "−".
    highlight : iterable of (int, int), optional
        Cells to fill (gid ``"highlight"``, see :func:`cells_with_gid`).
    color : str, optional
        Their fill; a light sky blue by default.
    title : str, optional
        Above the column indices.
    fontsize : float, optional
        Size of the values and the title, in points (pixels at 72 dpi).

    Returns
    -------
    GridView
        The grid's artists.
    """
    from .._checks import as_real_2d

    values = as_real_2d(A, "A")
    labels = {
        cell: fmt.format(float(values[cell]) + 0.0).replace("-", "\N{MINUS SIGN}")
        for cell in np.ndindex(values.shape)
    }
    fill = color or tint(PALETTE["sky"])
    panel = Panel(values.shape, title, {"highlight": (list(highlight), fill)}, labels)
    return draw_panel(ax, panel, fontsize)


def cells_with_gid(ax: Axes, gid: str) -> set[Cell]:
    """Read back, from what is drawn on ``ax``, the cells a fill, hatch or outline ``gid`` covers.

    Fills are read from the colours of the cell squares (the cells that have the colour the
    panel gave ``gid``), outlines and the hatch from their rectangles.
    """
    view = getattr(ax, "_convlib_grid", None)
    if view is None:
        raise ValueError("these Axes hold no convlib grid")
    rows, cols = view.shape
    found: set[Cell] = set()
    if gid in view.colors:
        drawn = view.fills.get_facecolor().reshape(rows, cols, 4)
        want = to_rgba_array(view.colors[gid])[0]
        found |= {(int(r), int(c)) for r, c in np.argwhere(np.all(drawn == want, axis=-1))}
    patch = view.outlines.get(gid)
    if patch is not None and patch.get_visible():
        c0, r0 = round(patch.get_x() + 0.5), round(patch.get_y() + 0.5)
        found |= {
            (r, c)
            for r in range(r0, r0 + round(patch.get_height()))
            for c in range(c0, c0 + round(patch.get_width()))
        }
    if gid == "padding" and view.hatch is not None:
        for path in view.hatch.get_paths():
            (x0, y0), (x1, y1) = path.get_extents().get_points()
            found.add((round((y0 + y1) / 2), round((x0 + x1) / 2)))
    return found


def cell_texts(ax: Axes) -> dict[Cell, list[str]]:
    """Read back the visible text of each cell of the grid on ``ax``: ``{(r, c): [label, sub]}``."""
    view = getattr(ax, "_convlib_grid", None)
    if view is None:
        raise ValueError("these Axes hold no convlib grid")
    found: dict[Cell, list[str]] = {}
    for (cell, _sub), text in sorted(view.texts.items(), key=lambda item: item[0]):
        if text.get_visible():
            found.setdefault(cell, []).append(text.get_text())
    return found


# --------------------------------------------------------------------------------------------
# Layout in pixels
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """Width in pixels of ``text`` (its widest line) in the figures' font at ``size`` px."""
    renderer = _measuring_renderer()
    prop = FontProperties(size=size)
    return max(
        renderer.get_text_width_height_descent(line, prop, ismath=False)[0] if line else 0.0
        for line in text.split("\n")
    )


@lru_cache(maxsize=1)
def _measuring_renderer() -> RendererAgg:
    return RendererAgg(1, 1, DPI)


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


@dataclass(frozen=True)
class Arrangement:
    """Where each panel goes: pixel boxes ``(x, y, w, h)`` from the top left, and the size."""

    width: int
    height: int
    boxes: tuple[tuple[float, float, float, float], ...]
    cell: float
    footer_y: float


def arrange(
    states: Sequence[Sequence[Panel]],
    columns: Sequence[Sequence[int]],
    *,
    footers: Sequence[str] = ("",),
    fontsize: float = TEXT_PX,
    max_width: int = MAX_WIDTH,
    max_cell: float = _MAX_CELL,
) -> Arrangement:
    """Lay out panels in columns (each column a stack of panels) for every state at once.

    Parameters
    ----------
    states : sequence of sequences of Panel
        The panels of each state the figure will show, in the same order and shapes.
    columns : sequence of sequences of int
        Panel indices, one list per column from left to right, top to bottom within a column.
    footers : sequence of str
        The footer line(s) of each state, written under all panels.
    fontsize : float
        Text size in pixels; indices and second lines are 15/16 of it.
    max_width : int
        Widest figure in pixels.
    max_cell : float
        Largest cell side in pixels.

    Returns
    -------
    Arrangement
        The cell side is the largest that fits ``max_width`` (and at most ``max_cell``),
        but never smaller than the widest cell label of any state needs.
    """
    small = _small(fontsize)
    first = states[0]
    n = len(first)
    scale = [p.scale for p in first]

    def needs(k: int) -> float:  # the cell side the labels of panel k need
        ps = [panels[k] for panels in states]
        widest = max(
            [text_width(s, fontsize) for p in ps for s in p.labels.values()]
            + [text_width(s, small) for p in ps for s in p.sublabels.values()]
            + [0.0]
        )
        lines = 2.4 if any(p.sublabels for p in ps) else 1.6
        return max(widest + _CELL_AIR, lines * fontsize) / scale[k]

    min_cell = max(needs(k) for k in range(n))
    gutter = [text_width(str(p.shape[0] - 1), small) + _PAD + 2 for p in first]
    title_w = [max(text_width(panels[k].title, fontsize) for panels in states) for k in range(n)]
    caption_w = [
        max(text_width(panels[k].caption, fontsize) for panels in states) for k in range(n)
    ]
    title_lines = [max(_lines(panels[k].title) for panels in states) for k in range(n)]
    caption_lines = [max(_lines(panels[k].caption) for panels in states) for k in range(n)]
    shapes = [p.shape for p in first]
    line = _LINE * fontsize
    idx_h = _PAD + _LINE * small
    above = [title_lines[k] * line + (idx_h if title_lines[k] else idx_h - _PAD) for k in range(n)]
    below = [_PAD + caption_lines[k] * line if caption_lines[k] else 0.0 for k in range(n)]
    footer_lines = max(_lines(f) for f in footers)
    footer_w = max(text_width(f, fontsize) for f in footers)

    def side(k: int, cell: int) -> int:  # pixels of a cell of panel k
        return round(cell * scale[k])

    def widths(cell: int) -> list[float]:
        return [
            max(
                max(gutter[k] + shapes[k][1] * side(k, cell), title_w[k] + 4, caption_w[k] + 4)
                for k in col
            )
            for col in columns
        ]

    def total(cell: int) -> float:
        body = sum(widths(cell)) + _GAP * (len(columns) - 1)
        return max(body, footer_w) + 2 * _MARGIN

    # the largest cell that keeps the figure within max_width, but never below what labels need
    cell = math.floor(max_cell)
    while cell > min_cell and total(cell) > max_width:
        cell -= 1
    cell = max(cell, math.ceil(min_cell))
    col_w = widths(cell)
    width = math.ceil(total(cell))
    heights = [
        sum(above[k] + shapes[k][0] * side(k, cell) + below[k] for k in col)
        + _VGAP * (len(col) - 1)
        for col in columns
    ]
    body = max(heights)
    height = math.ceil(
        _MARGIN + body + (_PAD + footer_lines * line if footer_lines else 0) + _MARGIN
    )
    boxes: list[tuple[float, float, float, float]] = [(0, 0, 0, 0)] * n
    x = (width - sum(col_w) - _GAP * (len(columns) - 1)) / 2
    for col, cw in zip(columns, col_w, strict=True):
        y = float(_MARGIN)
        for k in col:
            grid_w, grid_h = shapes[k][1] * side(k, cell), shapes[k][0] * side(k, cell)
            gx = x + (cw - grid_w + gutter[k]) / 2
            boxes[k] = (round(gx), round(y + above[k]), grid_w, grid_h)
            y += above[k] + grid_h + below[k] + _VGAP
        x += cw + _GAP
    return Arrangement(width, height, tuple(boxes), cell, _MARGIN + body + _PAD)


# --------------------------------------------------------------------------------------------
# The figure and its PNG
# --------------------------------------------------------------------------------------------


#: Matplotlib settings of the course's hand-made plots: 72 dpi (a point is a pixel) and text
#: of :data:`TEXT_PX` pixels, as in the pictures.
COURSE_RC: dict[str, Any] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": TEXT_PX,
    "axes.titlesize": TEXT_PX,
    "axes.labelsize": TEXT_PX,
    "xtick.labelsize": TEXT_PX,
    "ytick.labelsize": TEXT_PX,
    "legend.fontsize": TEXT_PX,
}


def course_style() -> Any:
    """Return a context in which new plots get the pictures' text size (``with course_style():``).

    Make a :class:`CourseFigure` of at most ``10`` inches (720 px) wide inside it, and its
    titles, labels, ticks and legends are at least :data:`TEXT_PX` pixels, legible on a
    1024×768 projector.
    """
    import matplotlib

    return matplotlib.rc_context(COURSE_RC)


class CourseFigure(Figure):
    """A matplotlib Figure that carries its alt text and shows itself in Jupyter as a PNG.

    It is a plain :class:`matplotlib.figure.Figure` (no pyplot: it needs no closing), made at
    :data:`DPI` = 72 so that its size in points is its size in pixels.

    Attributes
    ----------
    alt_text : str
        What the figure shows, in plain words: the ``text/plain`` form of the figure in a
        notebook and the PNG's ``Description``.
    """

    alt_text: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dpi", DPI)
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)
        engine = self.get_layout_engine()
        if engine is not None and "h_pad" in engine.get():  # constrained layout: air at the edges
            engine.set(h_pad=_MARGIN / DPI, w_pad=_MARGIN / DPI)

    def to_png(self) -> bytes:
        """Render the figure as palette PNG bytes with :attr:`alt_text` as metadata."""
        return render_png(self, description=self.alt_text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import base64

        png = base64.b64encode(self.to_png()).decode("ascii")
        return {"image/png": png, "text/plain": self.alt_text or repr(self)}


def figure_for(arrangement: Arrangement) -> tuple[CourseFigure, list[Axes]]:
    """Make a figure of the arrangement's size with one bare Axes per panel box."""
    W, H = arrangement.width, arrangement.height
    fig = CourseFigure(figsize=(W / DPI, H / DPI))
    axes = []
    for x, y, w, h in arrangement.boxes:
        ax = fig.add_axes((x / W, 1 - (y + h) / H, w / W, h / H))
        axes.append(ax)
    return fig, axes


#: Colours of a PNG's palette: the figures use a handful of flat colours and the grey ramps
#: of antialiased text, which 48 keep faithful at a third of the size of full colour.
PNG_COLOURS = 48


def encode_png(
    rgb: np.ndarray, *, description: str = "", level: int = 9, check: bool = True
) -> bytes:
    """Store an RGB image (uint8) as a PNG, deterministically: a palette PNG when faithful.

    Parameters
    ----------
    rgb : ndarray, shape (height, width, 3)
        The pixels.
    description : str, optional
        Stored as the PNG's ``Description`` (the alt text).
    level : int, optional
        zlib level: 9 is smallest, 6 is several times faster for a few percent more.
    check : bool, optional
        Keep full colour when :data:`PNG_COLOURS` colours would visibly change the picture
        (a photograph, a colour map); False trusts the palette (flat grids).
    """
    rgb = np.ascontiguousarray(rgb)
    image = Image.fromarray(rgb).quantize(
        colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    if check:
        error = np.abs(np.asarray(image.convert("RGB"), dtype=np.int16) - rgb).max(axis=-1)
        if error.mean() > 2 or np.percentile(error, 99) > 8:  # a photograph, a colour map
            image = Image.fromarray(rgb)
    info = None
    if description:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Description", description)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=level, pnginfo=info)
    return out.getvalue()


def render_png(fig: Figure, *, description: str = "") -> bytes:
    """Render ``fig`` with the Agg canvas and return it as a palette PNG (deterministic)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return encode_png(np.asarray(canvas.buffer_rgba())[..., :3], description=description)
