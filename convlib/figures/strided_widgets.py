r"""Chapter 7's interactive figures: stride, padding and dilation, live and on the static site.

The frames come from ``convlib.figures.strided``; the wiring is that of
``convlib.figures.widgets`` (frames in ``Stack`` widgets driven by browser-side
:func:`ipywidgets.jslink`, so the controls work with no kernel), with the same hooks for the
site's scripts: ``course-widget`` and ``course-widget--<kind>`` on the root (``<kind>`` is
``strided-region`` or ``dilated-sweep``), ``course-widget-title`` / ``course-widget-help``,
``course-slider``, ``course-play``, ``course-kernel-picker`` (here it chooses the layer's
settings), ``course-frame`` (with ``data-label``, ``data-kernel`` holding the setting in words,
``data-frame``) and ``course-caption``.

========================================  =========================================================
widget                                    what moves
========================================  =========================================================
:func:`strided_region_widget`             the pixel ``I(i′,j′)``: sliders ``i′``, ``j′``; Play walks
                                          ``j′`` along the row; buttons choose the setting
                                          (7.5)–(7.8)
:func:`dilated_sweep_widget`              ``rot180(w↑d)`` over the dilated, padded ``G``, one pixel
                                          of ``∂L/∂I`` a step (7.3), (7.9)
========================================  =========================================================
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from .. import _format as fmt
from .._checks import as_index, as_shape
from ..book import eq, eqs
from .strided import (
    DilatedSweep,
    StridedRegion,
    dilated_sweep_frames,
    layer_of,
    setting_words,
    strided_example,
    strided_region_frames,
)
from .widgets import (
    CourseWidget,
    _header,
    _html,
    _link,
    _pixel_controls,
    _pixel_widget,
    _shared,
    _sweep_panel,
)

__all__ = ["dilated_sweep_widget", "strided_region_widget"]

_D, _Y, _P = fmt.PARTIAL, fmt.Y_HAT, fmt.PRIME


def _as_settings(settings: Any) -> list[dict[str, Any]]:
    """Check ``settings``: a non-empty sequence of dicts of stride, padding and dilation."""
    if isinstance(settings, dict) or not isinstance(settings, Sequence) or not settings:
        raise TypeError(
            "settings must be a non-empty sequence of dicts such as {'stride': 2, 'padding': 1}, "
            f"got {settings!r}"
        )
    legal = {"stride", "padding", "dilation"}
    for k, s in enumerate(settings):
        if not isinstance(s, dict) or not set(s) <= legal:
            raise TypeError(
                f"settings[{k}] must be a dict whose keys are among {sorted(legal)}, got {s!r}"
            )
    return [dict(s) for s in settings]


def _setting_picker(labels: Sequence[str], stack: widgets.Stack, links: list) -> Any:
    """Buttons that choose the layer's setting (the site's kernel-picker hook)."""
    picker = widgets.ToggleButtons(
        options=[(label, k) for k, label in enumerate(labels)],
        value=0,
        description="layer:",
        tooltips=[f"a layer with {label}" for label in labels],
        style={"description_width": "initial", "button_width": "auto"},
    )
    picker.add_class("course-kernel-picker")
    _link(links, (picker, "index"), (stack, "selected_index"))
    return picker


def _formula(text: str, shared: dict[str, Any]) -> widgets.HTML:
    """Write the setting's formulas above its frames (as text, not pixels: lighter, readable)."""
    lines = "<br>".join(html.escape(line.strip()) for line in text.splitlines())
    return _html(f'<div class="course-formula" style="line-height:1.45">{lines}</div>', shared)


def strided_region_widget(
    image_shape: Any = (6, 5),
    kernel_shape: Any = (3, 3),
    settings: Any = ({"stride": 2}, {"stride": 2, "padding": 1}),
    *,
    ip: int = 2,
    jp: int = 2,
) -> CourseWidget:
    r"""Sliders for ``i′`` and ``j′``: the outputs the pixel reaches under a stride and a padding.

    Parameters
    ----------
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``; ``H·W`` frames per setting (about 6–9 kB each).
    settings : sequence of dict, optional
        The layers offered, each a dict of ``stride``, ``padding`` and ``dilation`` (as in
        :func:`convlib.conv2d_forward`); buttons choose among them when there are several.
    ip, jp : int, optional
        The pixel shown first.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.strided.strided_region_frames`.

    Notes
    -----
    (7.5): output :math:`(i, j)` reads :math:`I(i', j')` through the tap :math:`(m, n)` with
    :math:`i s + m d = i' + p` and :math:`j s + n d = j' + p`, where the pixel is multiplied by
    :math:`w(m, n)` (7.7), so :math:`\partial L/\partial I(i', j')` sums :math:`G(i, j)\,
    w(m, n)` over those outputs (7.8). As in
    :func:`~convlib.figures.widgets.influence_region_widget`, the ``i′`` slider selects a row's
    stack and the ``j′`` slider is linked to every row's stack.
    """
    H, W = as_shape(image_shape, "image_shape")
    k = as_shape(kernel_shape, "kernel_shape")
    settings = _as_settings(settings)
    geometries = [layer_of((H, W), k, **s) for s in settings]
    ip = as_index(ip, H, "ip", "a row of the image I")
    jp = as_index(jp, W, "jp", "a column of the image I")
    frames = [strided_region_frames((H, W), k, **s) for s in settings]
    labels = [setting_words(g) for g in geometries]
    shared = _shared()
    controls = _pixel_controls(H, W, ip, jp)

    def panel(c: int, pixels: widgets.Stack) -> widgets.VBox:
        formula = StridedRegion((H, W), k, **settings[c]).formulas()
        return widgets.VBox([_formula(formula, shared), pixels])

    numbers = eqs("eq-strided-region", "eq-strided-chain", "eq-strided-local", "eq-strided-di")
    return _pixel_widget(
        frames,
        labels,
        controls,
        shared,
        picker=_setting_picker,
        kind="strided-region",
        name=f"Strided region {numbers}",
        title=f"Which outputs does one pixel I(i{_P},j{_P}) reach with a stride? {numbers}",
        choose="layer",
        summary=(
            f"Strided region {numbers}: for each pixel I(i{_P},j{_P}) of a {fmt.size((H, W))} "
            f"image and a {fmt.size(k)} kernel, the outputs of {_Y} it reaches and the w(m,n) "
            f"met there; layers: {'; '.join(labels)}; {sum(map(len, frames))} frames."
        ),
        panel=panel,
    )


def dilated_sweep_widget(
    G: Any = None,
    w: Any = None,
    image_shape: Any = (4, 4),
    settings: Any = ({"stride": 2, "padding": 1},),
    *,
    seed: int = 0,
) -> CourseWidget:
    r"""Play and a slider step ``rot180(w↑d)`` over the dilated, padded ``G``, filling ``∂L/∂I``.

    Parameters
    ----------
    G, w : array_like, optional
        The upstream gradient and the kernel (one setting only); by default small integer
        arrays from :func:`~convlib.figures.strided.strided_example` (3×3 kernel), one pair per
        setting.
    image_shape : (int, int), optional
        ``(H, W)``; ``H·W`` frames per setting.
    settings : sequence of dict, optional
        The layers offered (``stride``, ``padding``, ``dilation``).
    seed : int, optional
        Seed of the example arrays.

    Returns
    -------
    CourseWidget
        Its :attr:`~CourseWidget.state` is that of
        :func:`~convlib.figures.strided.dilated_sweep_frames`.

    Notes
    -----
    (7.9): :math:`\partial L/\partial I = \mathrm{crop}_p\bigl(\mathrm{rot180}(w_{\uparrow d})
    \otimes \mathrm{pad}_{K-1}(G_{\uparrow s})\bigr)`, with :math:`G_{\uparrow s}` of (7.3).
    """
    H, W = as_shape(image_shape, "image_shape")
    settings = _as_settings(settings)
    if (G is None) != (w is None):
        raise ValueError("give both G and w, or neither (then example arrays are used)")
    if G is not None and len(settings) != 1:
        raise ValueError(
            f"G and w belong to one layer: give one setting with them, got {len(settings)}"
        )
    pairs = [(G, w)] if G is not None else []
    for s in settings[len(pairs) :]:
        w_ex, G_ex = strided_example((H, W), (3, 3), **s, seed=seed)
        pairs.append((G_ex, w_ex))
    frames = [
        dilated_sweep_frames(G_, w_, (H, W), **s)
        for (G_, w_), s in zip(pairs, settings, strict=True)
    ]
    labels = [setting_words(f[0].picture.geometry) for f in frames]
    shared = _shared()
    links: list[widgets.Link] = []

    def formula(c: int) -> list[widgets.HTML]:
        picture: DilatedSweep = frames[c][0].picture  # type: ignore[assignment]
        return [_formula(picture.formulas(), shared)]

    panels = [
        _sweep_panel(f, label, "pixel", 900, shared, links, lambda c=c: formula(c))
        for c, (f, label) in enumerate(zip(frames, labels, strict=True))
    ]
    outer = widgets.Stack([p[0] for p in panels], selected_index=0)
    numbers = eqs("eq-dilate", "eq-strided-di-rot")
    how = (
        "Press Play or move the slider to step the rotated kernel over G dilated by the stride "
        f"and padded with zeros, one pixel of {_D}L/{_D}I a step"
    )
    picker = _setting_picker(labels, outer, links) if len(panels) > 1 else None
    children: list[widgets.Widget] = [
        _header(
            f"{_D}L/{_D}I as the rotated-kernel correlation on the dilated, padded G {numbers}",
            how + ("; choose the layer with the buttons." if picker is not None else "."),
            shared,
        )
    ]
    if picker is not None:
        children.append(picker)
    children.append(outer)

    def locate() -> tuple[int, int]:
        choice = picker.index if picker is not None else 0
        return choice, panels[choice][1].index

    return CourseWidget(
        children,
        kind="dilated-sweep",
        name=f"Dilated sweep {numbers}",
        summary=(
            f"Dilated sweep {numbers}: rot180(w) steps over G dilated by the stride and padded, "
            f"and each sum of products, the padding cropped, is {_D}L/{_D}I(i{_P},j{_P}) "
            f"{eq('eq-strided-di')}; layers: {'; '.join(labels)}."
        ),
        frames=frames,
        kernel_picker=picker,
        sliders=[p[1] for p in panels],
        plays=[p[2] for p in panels],
        stack=outer,
        links=links,
        locate=locate,
        frame_view=lambda c, n: panels[c][3][n],
    )
