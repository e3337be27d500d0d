r"""Interactive figures: ipywidgets that work live in Jupyter and on the static website.

Every state of a figure (every pixel, output or step of a sweep, for every kernel size offered)
is rendered once as a frame (``convlib.figures.frames``); the frames sit in ``Stack`` widgets,
and the sliders, Play buttons and kernel-size buttons drive the stacks' ``selected_index``
through :func:`ipywidgets.jslink`, a link that lives in the browser. So the controls work with a
live kernel and on the website, which replays the widget state stored in the executed notebook.

========================================  =========================================================
widget                                    what moves
========================================  =========================================================
:func:`influence_region_widget`           the pixel ``I(i′,j′)``: sliders ``i′``, ``j′``; Play walks
                                          ``j′`` along the row (3.1)–(3.4)
:func:`receptive_window_widget`           the output ``Ŷ(i,j)``: slider and Play (1.2), (1.3)
:func:`rotated_kernel_sweep_widget`       ``rot180(w)`` over the padded ``G``, filling ``∂L/∂I``
                                          (4.2), (4.3)
:func:`weight_gradient_sweep_widget`      ``G`` over ``I``, one ``∂L/∂w`` entry a step (2.3)
========================================  =========================================================

Hooks for the website's scripts and styles (stable names; the site's accessibility script
finds the parts of a widget by them):

``course-widget``
    class of the widget's root box; it also has ``course-widget--<kind>`` with ``<kind>`` one
    of ``influence-region``, ``receptive-window``, ``rotated-kernel-sweep``,
    ``weight-gradient-sweep``.
``course-widget-title`` / ``course-widget-help``
    the title line and the how-to line at the top.
``course-kernel-picker``
    class of the kernel-size ``ToggleButtons`` (when several sizes are offered).
``course-slider``, ``course-play``
    classes of every slider and Play button. A slider's ``description`` is its name
    (``i′``, ``j′``, ``output``, ``pixel``, ``weight``); a ``SelectionSlider``'s readout is
    the frame's label (``Ŷ(0,1)``).
``course-frame``
    class of the ``<figure>`` of every frame, with ``data-label`` (the frame's short label,
    such as ``I(1,2)``, fit for ``aria-valuetext``), ``data-kernel`` (``3×3``) and
    ``data-frame`` (its index in its kernel size's sweep). Its ``<img>`` has class
    ``course-frame-image``, a distinct ``alt`` text, and its pixel ``width`` and ``height``
    (the frames are made to be shown 1:1); its ``<figcaption>`` has class ``course-caption``
    and holds the frame's full description: the text a live region should read.

Labels use Unicode (``i′``, ``Ŷ``, ``∂L/∂I``), not ``$...$``: the website's MathJax does not
typeset widget labels.
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import _format as fmt
from .._checks import as_index, as_kernels, as_real_2d, as_shape, check_fits
from ..book import eq, eqs
from ..ops import output_shape
from .frames import (
    Frame,
    example_arrays,
    influence_region_frames,
    receptive_window_frames,
    rotated_kernel_sweep_frames,
    weight_gradient_sweep_frames,
)
from .rotation import Rot180

__all__ = [
    "CourseWidget",
    "influence_region_widget",
    "receptive_window_widget",
    "rotated_kernel_sweep_widget",
    "weight_gradient_sweep_widget",
]

_D, _Y, _P = fmt.PARTIAL, fmt.Y_HAT, fmt.PRIME
_KERNELS = ((3, 3), (2, 2), (2, 3))


class CourseWidget(widgets.VBox):
    """An interactive figure: controls above a stack of pre-rendered frames.

    The controls drive the stacks by :func:`ipywidgets.jslink`, in the browser, so the figure
    works without a kernel. From Python, the frame the controls select is :attr:`current`.

    Attributes
    ----------
    name : str
        The figure's name and equations, such as ``"Influence region (3.1)–(3.4)"``; with the
        number of frames, it is the widget's ``repr`` (its ``text/plain`` form in a notebook).
    summary : str
        What the figure shows, in plain text.
    frames : tuple of tuple of Frame
        The frames, one tuple per kernel size offered.
    kernel_picker : ipywidgets.ToggleButtons or None
        The kernel-size buttons (None when one size is offered).
    sliders, plays : tuple of widgets
        Every slider and Play button, in the order of the kernel sizes.
    stack : ipywidgets.Stack
        The outer stack (one child per kernel size).
    links : tuple of ipywidgets.Link
        Every ``jslink`` of the figure.
    """

    def __init__(
        self,
        children: Sequence[widgets.Widget],
        *,
        kind: str,
        name: str,
        summary: str,
        frames: Sequence[Sequence[Frame]],
        kernel_picker: widgets.ToggleButtons | None,
        sliders: Sequence[widgets.Widget],
        plays: Sequence[widgets.Play],
        stack: widgets.Stack,
        links: Sequence[widgets.Link],
        locate: Callable[[], tuple[int, int]],
        frame_view: Callable[[int, int], widgets.Widget],
    ) -> None:
        super().__init__(list(children))
        self.add_class("course-widget")
        self.add_class(f"course-widget--{kind}")
        self.name = name
        self.summary = summary
        self.frames = tuple(tuple(f) for f in frames)
        self.kernel_picker = kernel_picker
        self.sliders = tuple(sliders)
        self.plays = tuple(plays)
        self.stack = stack
        self.links = tuple(links)
        self._locate = locate
        self._frame_view = frame_view

    @property
    def choice(self) -> int:
        """Index of the kernel size the controls select."""
        return self._locate()[0]

    @property
    def current(self) -> Frame:
        """The frame the controls select."""
        choice, k = self._locate()
        return self.frames[choice][k]

    @property
    def state(self) -> dict[str, Any]:
        """The state the figure shows now (see the ``*_frames`` functions)."""
        return self.current.state

    @property
    def description(self) -> str:
        """The caption under the picture now."""
        return self.current.description

    def frame_view(self, choice: int, k: int) -> widgets.Widget:
        """Return the widget that shows frame ``k`` of kernel size ``choice``."""
        return self._frame_view(choice, k)

    def __repr__(self) -> str:
        n_frames = sum(len(f) for f in self.frames)
        return f"<{self.name}: {n_frames} frames>"


# --------------------------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------------------------


def _shared() -> dict[str, Any]:
    """One Layout (and, once made, one style) for all the HTML views of a figure.

    Every widget model is saved in the notebook and the page (about 1.9 kB for a Layout and a
    style); sharing them keeps a figure of 50 frames about 100 kB lighter.
    """
    return {"layout": widgets.Layout(width="100%")}


def _html(value: str, shared: dict[str, Any]) -> widgets.HTML:
    view = widgets.HTML(value=value, **shared)
    shared.setdefault("style", view.style)
    return view


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    if len(png) < 24 or not png.startswith(b"\x89PNG"):
        return 0, 0
    return struct.unpack(">II", png[16:24])


def _frame_view(frame: Frame, index: int, kernel: str, shared: dict[str, Any]) -> widgets.HTML:
    """Show a frame: its PNG (alt text, pixel size) above its description, with the hooks."""
    png = frame.png or b""
    width, height = _png_size(png)
    size = f' width="{width}" height="{height}"' if width else ""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _html(
        f'<figure class="course-frame" data-frame="{index}" data-kernel="{kernel}" '
        f'data-label="{html.escape(frame.label)}" style="margin:0">'
        f'<img class="course-frame-image" src="{src}" alt="{html.escape(frame.alt)}"{size} '
        'style="max-width:100%;height:auto">'
        '<figcaption class="course-caption" style="white-space:normal;text-align:left;'
        'color:inherit;font-size:1rem;line-height:1.45;max-width:46em;margin:0.3em 0 0 0">'
        f"{html.escape(frame.description)}</figcaption>"
        "</figure>",
        shared,
    )


def _header(title: str, how: str, shared: dict[str, Any]) -> widgets.HTML:
    return _html(
        '<div style="white-space:normal;line-height:1.45">'
        f'<strong class="course-widget-title">{html.escape(title)}</strong><br>'
        f'<span class="course-widget-help">{html.escape(how)}</span></div>',
        shared,
    )


def _link(links: list[widgets.Link], source: tuple, target: tuple) -> None:
    links.append(widgets.jslink(source, target))


def _picker(labels: Sequence[str], stack: widgets.Stack, links: list) -> widgets.ToggleButtons:
    picker = widgets.ToggleButtons(
        options=[(label, k) for k, label in enumerate(labels)],
        value=0,
        description="kernel w:",
        tooltips=[f"a {label} kernel" for label in labels],
        style={"description_width": "initial", "button_width": "4.5em"},
    )
    picker.add_class("course-kernel-picker")
    _link(links, (picker, "index"), (stack, "selected_index"))
    return picker


def _play(n: int, start: int, interval: int) -> widgets.Play:
    play = widgets.Play(
        value=start,
        min=0,
        max=n - 1,
        step=1,
        interval=interval,
        show_repeat=False,
        description="Play",
        layout=widgets.Layout(width="auto"),
    )
    play.add_class("course-play")
    return play


def _sweep_panel(
    frames: Sequence[Frame],
    kernel: str,
    control: str,
    interval: int,
    shared: dict[str, Any],
    links: list[widgets.Link],
    above: Callable[[], Sequence[widgets.Widget]] = lambda: (),
) -> tuple[widgets.VBox, widgets.SelectionSlider, widgets.Play, list[widgets.HTML]]:
    """One choice's panel of a sweep: what ``above()`` makes, Play and a slider, the frames."""
    views = [_frame_view(f, k, kernel, shared) for k, f in enumerate(frames)]
    stack = widgets.Stack(views, selected_index=0)
    slider = widgets.SelectionSlider(
        options=[(f.label, k) for k, f in enumerate(frames)],
        value=0,
        description=control,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="30em"),
    )
    slider.add_class("course-slider")
    play = _play(len(frames), 0, interval)
    _link(links, (slider, "index"), (stack, "selected_index"))
    _link(links, (play, "value"), (slider, "index"))
    box = widgets.VBox([*above(), widgets.HBox([play, slider]), stack])
    return box, slider, play, views


def _sweep_widget(
    per_kernel: Sequence[tuple[str, Sequence[Frame]]],
    *,
    kind: str,
    title: str,
    how: str,
    name: str,
    control: str,
    summary: str,
    interval: int,
    shared: dict[str, Any],
    above: Callable[[int], Sequence[widgets.Widget]] = lambda c: (),
) -> CourseWidget:
    """Build a figure in which each kernel size has its own Play and slider over its frames."""
    links: list[widgets.Link] = []
    panels = [
        _sweep_panel(frames, kernel, control, interval, shared, links, lambda c=c: above(c))
        for c, (kernel, frames) in enumerate(per_kernel)
    ]
    outer = widgets.Stack([p[0] for p in panels], selected_index=0)
    picker = None
    if len(per_kernel) > 1:
        how += " Choose the kernel size with the buttons."
    children: list[widgets.Widget] = [_header(title, how, shared)]
    if len(panels) > 1:
        picker = _picker([k for k, _ in per_kernel], outer, links)
        children.append(picker)
    children.append(outer)

    def locate() -> tuple[int, int]:
        choice = picker.index if picker is not None else 0
        return choice, panels[choice][1].index

    return CourseWidget(
        children,
        kind=kind,
        name=name,
        summary=summary,
        frames=[f for _, f in per_kernel],
        kernel_picker=picker,
        sliders=[p[1] for p in panels],
        plays=[p[2] for p in panels],
        stack=outer,
        links=links,
        locate=locate,
        frame_view=lambda c, k: panels[c][3][k],
    )


def _pixel_controls(H: int, W: int, ip: int, jp: int) -> tuple[widgets.IntSlider, ...]:
    """Make the sliders ``i′`` and ``j′`` of a pixel figure and the Play that walks ``j′``."""
    slider_i, slider_j = (
        widgets.IntSlider(value=v, min=0, max=n - 1, description=name, continuous_update=True)
        for name, v, n in ((f"i{_P}", ip, H), (f"j{_P}", jp, W))
    )
    for slider in (slider_i, slider_j):
        slider.add_class("course-slider")
    return slider_i, slider_j, _play(W, jp, interval=900)


def _pixel_widget(
    frames: Sequence[Sequence[Frame]],
    labels: Sequence[str],
    controls: tuple[widgets.IntSlider, ...],
    shared: dict[str, Any],
    *,
    picker: Callable[[Sequence[str], widgets.Stack, list], widgets.ToggleButtons],
    kind: str,
    name: str,
    title: str,
    choose: str,
    summary: str,
    panel: Callable[[int, widgets.Stack], widgets.Widget] = lambda c, pixels: pixels,
) -> CourseWidget:
    """Build a figure of one frame a pixel ``I(i′,j′)``, for each choice (kernel size, layer).

    ``frames[c]`` holds choice ``c``'s frames in row-major order; ``controls`` are those of
    :func:`_pixel_controls`; ``panel(c, pixels)`` puts choice ``c``'s stack in its panel, and
    ``picker(labels, stack, links)`` makes the buttons that choose (when there are several).

    The two sliders drive nested stacks (one per row ``i′``, each holding the row's pixels),
    because a browser-side link joins one trait to one trait: the ``i′`` slider selects the
    row's stack and the ``j′`` slider is linked to every row's stack.
    """
    slider_i, slider_j, play = controls
    W = slider_j.max + 1
    links: list[widgets.Link] = []
    row_stacks: list[list[widgets.Stack]] = []
    pixel_stacks = []
    panels = []
    for c, label in enumerate(labels):
        rows = []
        for r in range(slider_i.max + 1):
            views = [_frame_view(frames[c][r * W + s], r * W + s, label, shared) for s in range(W)]
            rows.append(widgets.Stack(views, selected_index=slider_j.value))
        row_stacks.append(rows)
        pixel_stacks.append(widgets.Stack(rows, selected_index=slider_i.value))
        panels.append(panel(c, pixel_stacks[c]))
    outer = widgets.Stack(panels, selected_index=0)
    chooser = picker(labels, outer, links) if len(labels) > 1 else None
    for c, rows in enumerate(row_stacks):
        _link(links, (slider_i, "value"), (pixel_stacks[c], "selected_index"))
        for row in rows:
            _link(links, (slider_j, "value"), (row, "selected_index"))
    _link(links, (play, "value"), (slider_j, "value"))
    header = _header(
        title,
        f"Move i{_P} and j{_P} (or press Play to walk along the row)"
        + (f"; choose the {choose} with the buttons." if chooser is not None else "."),
        shared,
    )
    children: list[widgets.Widget] = [header]
    if chooser is not None:
        children.append(chooser)
    children += [widgets.HBox([slider_i, slider_j, play]), outer]

    def locate() -> tuple[int, int]:
        choice = chooser.index if chooser is not None else 0
        return choice, slider_i.value * W + slider_j.value

    return CourseWidget(
        children,
        kind=kind,
        name=name,
        summary=summary,
        frames=frames,
        kernel_picker=chooser,
        sliders=[slider_i, slider_j],
        plays=[play],
        stack=outer,
        links=links,
        locate=locate,
        frame_view=lambda c, k: row_stacks[c][k // W].children[k % W],
    )


def _kernel_shapes(kernels: Any) -> list[tuple[int, int]]:
    return [k if isinstance(k, tuple) else k.shape for k in as_kernels(kernels)]


def _kernel_arrays(kernels: Any, shape_for: Callable[[tuple[int, int]], np.ndarray]) -> list:
    return [shape_for(k) if isinstance(k, tuple) else k for k in as_kernels(kernels)]


# --------------------------------------------------------------------------------------------
# The four figures
# --------------------------------------------------------------------------------------------


def influence_region_widget(
    image_shape: Any = (5, 5), kernels: Any = ((3, 3), (2, 3)), *, ip: int = 2, jp: int = 2
) -> CourseWidget:
    r"""Sliders for ``i′`` and ``j′``: the region of ``Ŷ`` the pixel ``I(i′,j′)`` affects.

    The figure shows the pixel on the input grid, the outputs it affects (clipped at the
    borders) and, in each of them, the kernel entry ``w(m,n)`` that multiplies the pixel there;
    buttons choose the kernel size, and Play walks ``j′`` along the row ``i′``.

    Parameters
    ----------
    image_shape : (int, int), optional
        ``(H, W)``; ``H·W`` frames per kernel size.
    kernels : sequence, optional
        The kernel sizes offered, each a shape ``(k1, k2)`` (or an array, whose shape is used);
        the first is shown first. Each size adds ``H·W`` frames (about 10 kB each on the page).
    ip, jp : int, optional
        The pixel shown first; the notes' picture is ``I(2,2)`` with a 3×3 kernel.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.frames.influence_region_frames`.

    Notes
    -----
    (3.1): :math:`I(i',j')` affects :math:`\hat Y(i,j)` for
    :math:`\max(0, i'-k_1+1) \le i \le \min(i', H-k_1)` (and likewise :math:`j`), where it is
    multiplied by :math:`w(i'-i, j'-j)` (3.3); hence (3.4)
    :math:`\partial L/\partial I(i',j') = \sum_{m,n} G(i'-m, j'-n)\, w(m,n)`.

    The two sliders drive nested stacks (one per row ``i′``, each holding the row's pixels),
    because a browser-side link joins one trait to one trait: the ``i′`` slider selects the
    row's stack and the ``j′`` slider is linked to every row's stack.
    """
    H, W = as_shape(image_shape, "image_shape")
    shapes = _kernel_shapes(kernels)
    for k in shapes:
        check_fits((H, W), k, "image_shape", "kernels")
    ip = as_index(ip, H, "ip", "a row of the image I")
    jp = as_index(jp, W, "jp", "a column of the image I")
    frames = [influence_region_frames((H, W), k) for k in shapes]
    controls = _pixel_controls(H, W, ip, jp)
    numbers = eqs("eq-region", "eq-chain-i", "eq-dyhat-di", "eq-di")
    return _pixel_widget(
        frames,
        [fmt.size(k) for k in shapes],
        controls,
        _shared(),
        picker=_picker,
        kind="influence-region",
        name=f"Influence region {numbers}",
        title=f"Which outputs does one input pixel I(i{_P},j{_P}) affect? {numbers}",
        choose="kernel size",
        summary=(
            f"Influence region {numbers}: for each pixel I(i{_P},j{_P}) of a {fmt.size((H, W))} "
            f"image, the outputs of {_Y} it affects and the w(m,n) met there; kernels "
            f"{', '.join(fmt.size(k) for k in shapes)}; {sum(map(len, frames))} frames."
        ),
    )


def receptive_window_widget(
    I: Any = None, kernels: Any = _KERNELS, *, b: float = 0.0, seed: int = 0
) -> CourseWidget:
    r"""Slide over the outputs ``Ŷ(i,j)`` (slider and Play): the window of ``I`` and the kernel.

    Parameters
    ----------
    I : array_like, optional
        The input image; by default the 5×5 image of
        :func:`~convlib.figures.frames.example_arrays`.
    kernels : sequence, optional
        The kernels offered, each an array or a shape ``(k1, k2)`` (whose weights then come
        from ``example_arrays``); buttons choose among them when there are several.
    b : float, optional
        The bias.
    seed : int, optional
        Seed of the example arrays.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.frames.receptive_window_frames`.

    Notes
    -----
    (1.2), (1.3): :math:`\hat Y(i,j) = \sum_{m,n} I(i+m, j+n)\, w(m,n) + b`, for
    :math:`0 \le i \le H-k_1`, :math:`0 \le j \le W-k_2`.
    """
    I = example_arrays((5, 5), (1, 1), seed=seed)[0] if I is None else as_real_2d(I, "I")
    ws = _kernel_arrays(kernels, lambda k: example_arrays(I.shape, k, seed=seed)[1])
    per_kernel = [(fmt.size(w.shape), receptive_window_frames(I, w, b=b)) for w in ws]
    numbers = eqs("eq-xcorr", "eq-layer")
    sizes = ", ".join(k for k, _ in per_kernel)
    return _sweep_widget(
        per_kernel,
        kind="receptive-window",
        title=f"Which pixels of I make the output {_Y}(i,j)? {numbers}",
        how="Move the slider or press Play to slide the kernel over I.",
        name=f"Receptive window {numbers}",
        control="output",
        summary=(
            f"Receptive window {numbers}: for each output {_Y}(i,j), the window of the "
            f"{fmt.size(I.shape)} image I and the kernel that produce it; kernels {sizes}."
        ),
        interval=900,
        shared=_shared(),
    )


def _rotation_view(w: np.ndarray, shared: dict[str, Any]) -> widgets.HTML:
    """Show the kernel and ``rot180(w)`` side by side, still (the notes' ``Q → Q*``)."""
    picture = Rot180(w, name="w")
    text = picture.describe()
    if w.shape == (2, 2):
        text = (
            "As in the notes, Q = [[a, b], [c, d]] turned by 180° is Q* = [[d, c], [b, a]]; "
            "here " + text
        )
    alt = f"The {fmt.size(w.shape)} kernel w and w* = rot180(w), side by side."
    frame = Frame(picture.figure().to_png(), "w and rot180(w)", alt, text, {}, picture)
    return _frame_view(frame, 0, fmt.size(w.shape), shared)


def rotated_kernel_sweep_widget(
    G: Any = None, kernels: Any = ((2, 2), (3, 3)), *, seed: int = 0
) -> CourseWidget:
    r"""Play and a slider step ``rot180(w)`` over the zero-padded ``G``, filling ``∂L/∂I``.

    Above the sweep, the kernel and its 180° rotation ``w → w*`` (the notes' ``Q → Q*``); at
    each step, the products, their sum, and the check that it equals ``∂L/∂I(i′,j′)`` (3.4).

    Parameters
    ----------
    G : array_like, optional
        The upstream gradient; by default the 3×3 gradient of
        :func:`~convlib.figures.frames.example_arrays`.
    kernels : sequence, optional
        The kernels offered, each an array or a shape (weights from ``example_arrays``); the
        2×2 kernel, the notes' ``Q``, first.
    seed : int, optional
        Seed of the example arrays.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.frames.rotated_kernel_sweep_frames`.

    Notes
    -----
    (4.2): :math:`Q = \begin{pmatrix} a & b \\ c & d \end{pmatrix} \mapsto
    Q^* = \begin{pmatrix} d & c \\ b & a \end{pmatrix}`, :math:`Q^*(m,n) = Q(k_1-1-m,
    k_2-1-n)`, and (4.3) :math:`w * G = \mathrm{rot180}(w) \otimes \mathrm{pad}(G)`.
    """
    G = example_arrays((5, 5), (3, 3), seed=seed)[2] if G is None else as_real_2d(G, "G")
    Hp, Wp = G.shape

    def example(k: tuple[int, int]) -> np.ndarray:
        return example_arrays((Hp + k[0] - 1, Wp + k[1] - 1), k, seed=seed)[1]

    ws = _kernel_arrays(kernels, example)
    shared = _shared()
    per_kernel = [(fmt.size(w.shape), rotated_kernel_sweep_frames(G, w)) for w in ws]
    headers = [_rotation_view(w, shared) for w in ws]
    numbers = eqs("eq-rot180", "eq-di-rot")
    sizes = ", ".join(k for k, _ in per_kernel)
    return _sweep_widget(
        per_kernel,
        kind="rotated-kernel-sweep",
        title=f"{_D}L/{_D}I = w ∗ G as the forward pass: rot180(w) over the padded G {numbers}",
        how="First the kernel turned by 180° (the notes' Q → Q*); then press Play or move the "
        "slider to step w* over the padded G.",
        name=f"Rotated kernel sweep {numbers}",
        control="pixel",
        summary=(
            f"Rotated kernel sweep {numbers}: rot180(w) steps over G ({fmt.size(G.shape)}) "
            f"padded with zeros, and each sum of products is {_D}L/{_D}I(i{_P},j{_P}) "
            f"{eq('eq-di')}; kernels {sizes}."
        ),
        interval=900,
        shared=shared,
        above=lambda c: [headers[c]],
    )


def weight_gradient_sweep_widget(
    I: Any = None, kernels: Any = _KERNELS, *, G: Any = None, seed: int = 0
) -> CourseWidget:
    r"""Play and a slider slide ``G`` over ``I`` like a kernel, filling ``∂L/∂w`` entry by entry.

    Parameters
    ----------
    I : array_like, optional
        The input image; by default the 5×5 image of
        :func:`~convlib.figures.frames.example_arrays`.
    kernels : sequence, optional
        The kernel sizes offered (shapes ``(k1, k2)``; arrays give their shape): each sets the
        shape of ``G``, ``(H - k1 + 1, W - k2 + 1)``.
    G : array_like or sequence of array_like, optional
        The upstream gradient(s), one per kernel size; by default those of ``example_arrays``.
    seed : int, optional
        Seed of the example arrays.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.frames.weight_gradient_sweep_frames`.

    Notes
    -----
    (2.3): :math:`\partial L/\partial w(m',n') = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2}
    G(i,j)\, I(i+m', j+n') = (G \otimes I)(m',n')`, for each of the :math:`k_1 k_2` weights.
    """
    I = example_arrays((5, 5), (1, 1), seed=seed)[0] if I is None else as_real_2d(I, "I")
    shapes = _kernel_shapes(kernels)
    if G is None:
        Gs = [example_arrays(I.shape, k, seed=seed)[2] for k in shapes]
    else:
        Gs = [G] if np.ndim(G) == 2 else list(G)
        if len(Gs) != len(shapes):
            raise ValueError(
                f"G must hold one gradient per kernel size ({len(shapes)}), got {len(Gs)}"
            )
        Gs = [as_real_2d(g, f"G[{k}]") for k, g in enumerate(Gs)]
        for k, (g, shape) in enumerate(zip(Gs, shapes, strict=True)):
            expected = output_shape(I.shape, shape)
            if g.shape != expected:
                raise ValueError(
                    f"G[{k}] has shape {g.shape} but a {fmt.size(shape)} kernel on a "
                    f"{fmt.size(I.shape)} image gives outputs of shape {expected}"
                )
    per_kernel = [
        (fmt.size(k), weight_gradient_sweep_frames(I, g)) for g, k in zip(Gs, shapes, strict=True)
    ]
    number = eq("eq-dw")
    sizes = ", ".join(k for k, _ in per_kernel)
    return _sweep_widget(
        per_kernel,
        kind="weight-gradient-sweep",
        title=f"{_D}L/{_D}w = G ⊗ I: the gradient slides over the input like a kernel {number}",
        how="Press Play or move the slider to fill one weight's gradient a step.",
        name=f"Weight-gradient sweep {number}",
        control="weight",
        summary=(
            f"Weight-gradient sweep {number}: G slides over the {fmt.size(I.shape)} image I "
            f"like a kernel, filling {_D}L/{_D}w(m{_P},n{_P}) one entry at a time; kernels "
            f"{sizes}."
        ),
        interval=1100,
        shared=_shared(),
    )
