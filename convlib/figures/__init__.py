r"""The course's figures and interactive figures (matplotlib, ipywidgets), drawn from ``convlib``.

One frozen dataclass per picture of the notes; each checks its arguments once, says what it
shows in words (:meth:`~Picture.describe`, the alt text) and draws itself
(:meth:`~Picture.draw` onto Axes, :meth:`~Picture.figure` as a figure that shows itself in
Jupyter). Equations are cited by the book's numbers (``convlib.book.eq``).

=============================================  ================================================
``Operations(image_shape, kernel_shape, i, j)``  cross-correlation (1.2) vs convolution (1.1)
``Window(image_shape, kernel_shape, i, j, I, w, b)``  the window under ``Ŷ(i,j)`` (1.3), (1.4)
``WeightGradient(image_shape, kernel_shape, m, n, I, G)``  ``G`` on ``I`` for ``∂L/∂w`` (2.3)
``InfluenceRegion(image_shape, kernel_shape, ip, jp)``  the outputs ``I(i′,j′)`` affects (3.1)
``Rot180(Q, name)``                            ``Q → Q* = rot180(Q)`` (4.2)
``PaddedSweep(G_shape, kernel_shape, ip, jp, G, w)``  ``rot180(w)`` on the padded ``G`` (4.3)
``WeightReach(N, C_in, C_out, ..., o, c, m, n)``  the outputs a weight touches in a batch (6.3)
``PixelReach(N, C_in, C_out, ..., nu, c, ip, jp)``  the outputs a pixel touches in a batch (6.7)
=============================================  ================================================

The interactive figures (``convlib.figures.widgets``) show every state as a pre-rendered frame
(``convlib.figures.frames``, no ipywidgets there): :func:`influence_region_widget`,
:func:`receptive_window_widget`, :func:`rotated_kernel_sweep_widget`,
:func:`weight_gradient_sweep_widget`. :func:`draw_grid` draws any small matrix as a numbered
grid, :class:`CourseFigure` is a figure that carries its alt text, and :func:`course_style` gives
hand-made plots the same legible text size.

Chapter 7's pictures, ``StridedRegion`` (the outputs a pixel reaches with a stride, a padding
and a dilation, (7.5)) and ``DilatedSweep`` (``∂L/∂I`` as the rotated-kernel correlation on the
dilated, padded ``G``, (7.9)), are in ``convlib.figures.strided``; their interactive figures,
:func:`strided_region_widget` and :func:`dilated_sweep_widget`, in
``convlib.figures.strided_widgets``.

Figures are laid out in pixels (72 dpi, at most 720 px wide, text at least 15 px), so the
website shows them 1:1 in its text column on a 1024×768 projector.

``import convlib`` does not import this subpackage; it needs matplotlib and ipywidgets
(``pip install "convlib[course]"``).
"""

try:
    import ipywidgets as _ipywidgets  # noqa: F401
    import matplotlib as _matplotlib  # noqa: F401
except ImportError as _error:  # pragma: no cover - tested in a subprocess
    raise ImportError(
        f"convlib.figures needs matplotlib and ipywidgets ({_error.name} is missing): "
        'pip install "convlib[course]"'
    ) from _error

from ._layout import (
    PALETTE,
    CourseFigure,
    cell_texts,
    cells_with_gid,
    course_style,
    draw_grid,
)
from ._picture import Picture, figure_of
from .channels import PixelReach, WeightReach
from .forward import Operations, Window
from .frames import Frame, example_arrays
from .gradients import InfluenceRegion, WeightGradient
from .rotation import PaddedSweep, Rot180
from .strided import DilatedSweep, StridedRegion, strided_example
from .strided_widgets import dilated_sweep_widget, strided_region_widget
from .widgets import (
    CourseWidget,
    influence_region_widget,
    receptive_window_widget,
    rotated_kernel_sweep_widget,
    weight_gradient_sweep_widget,
)

__all__ = [
    "PALETTE",
    "CourseFigure",
    "CourseWidget",
    "DilatedSweep",
    "Frame",
    "InfluenceRegion",
    "Operations",
    "PaddedSweep",
    "Picture",
    "PixelReach",
    "Rot180",
    "StridedRegion",
    "WeightGradient",
    "WeightReach",
    "Window",
    "cell_texts",
    "cells_with_gid",
    "course_style",
    "dilated_sweep_widget",
    "draw_grid",
    "example_arrays",
    "figure_of",
    "influence_region_widget",
    "receptive_window_widget",
    "rotated_kernel_sweep_widget",
    "strided_example",
    "strided_region_widget",
    "weight_gradient_sweep_widget",
]
