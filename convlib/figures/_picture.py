r"""What every picture has, and the helpers the pictures share.

A picture (``forward``, ``gradients``, ``rotation``) is a small frozen dataclass: the state of
one figure, its arguments checked once in ``__post_init__`` through ``convlib._checks``. It
says what it shows as :class:`~convlib.figures._layout.Panel` descriptions (one per grid),
an optional footer line under the grids, and a plain sentence (:meth:`Picture.describe`).

Pictures are hashable and compare by value (arrays are stored as tuples of rows), so rendered
frames can be cached by picture.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from matplotlib.axes import Axes

from ._layout import (
    PALETTE,
    TEXT_PX,
    CourseFigure,
    Panel,
    arrange,
    draw_panel,
    figure_for,
    tint,
)

__all__ = ["Picture", "figure_of"]

Cell = tuple[int, int]
#: The light fills of highlighted cells, by name.
FILL = SimpleNamespace(
    sky=tint(PALETTE["sky"]),
    orange=tint(PALETTE["orange"]),
    green=tint(PALETTE["green"]),
    purple=tint(PALETTE["purple"]),
    red=tint(PALETTE["vermillion"], 0.45),
)


class Picture:
    """What every picture has: ``panels()``, ``footer()``, ``describe()``, ``draw``, ``figure``.

    Subclasses are frozen dataclasses that check their arguments in ``__post_init__``. Their
    titles and footers do not depend on the state (the pixel, the step), so that the frames of
    a widget share them; what changes is in the cells and in :meth:`describe`.
    """

    #: Panel indices of each column of the figure, left to right (top to bottom inside one).
    columns: ClassVar[tuple[tuple[int, ...], ...]] = ((0,), (1,), (2,))
    #: Size of the cell labels, titles and footer in pixels (points at 72 dpi).
    fontsize: ClassVar[float] = TEXT_PX

    def panels(self) -> list[Panel]:
        """Return what each grid shows, in the order of :attr:`columns`' indices."""
        raise NotImplementedError

    def _store(self, **values: Any) -> None:
        """Store checked values on the frozen picture (in its ``__post_init__`` only)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @staticmethod
    def _frozen(a: np.ndarray | None) -> tuple[tuple[float, ...], ...] | None:
        """Store an array in a picture: a tuple of rows (hashable, compared by value)."""
        return None if a is None else tuple(tuple(float(x) for x in row) for row in a)

    @staticmethod
    def _array(t: tuple[tuple[float, ...], ...] | None) -> np.ndarray | None:
        """Return the array a picture stores as a tuple of rows (or None)."""
        return None if t is None else np.array(t, dtype=np.float64)

    @staticmethod
    def _sentence(text: str, clause: str | None) -> str:
        """End ``text`` with ``clause`` (a value known only with arrays) and a full stop."""
        return f"{text}{clause or ''}."

    def footer(self) -> str:
        """Return the line(s) written under all the grids (a formula), or ``""``."""
        return ""

    def describe(self) -> str:
        """Return what the picture shows, in plain words."""
        raise NotImplementedError

    def replace(self, **changes: Any) -> Picture:
        """Return the same picture with some arguments changed (and checked again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def draw(self, axes: Sequence[Axes], fontsize: float | None = None) -> None:
        """Draw the picture's grids, one per Axes (a second call redraws in place).

        Parameters
        ----------
        axes : sequence of matplotlib.axes.Axes
            One per panel, in the order of :meth:`panels`.
        fontsize : float, optional
            Size of the cell text in points (pixels at 72 dpi); the picture's own by default.
        """
        panels = self.panels()
        if len(axes) < len(panels):
            name = type(self).__name__
            raise ValueError(f"{name} draws {len(panels)} grids, got {len(axes)} Axes")
        for ax, panel in zip(axes, panels, strict=False):
            draw_panel(ax, panel, fontsize or self.fontsize)

    def figure(self) -> CourseFigure:
        """Return a figure of the picture, sized in pixels, with :meth:`describe` as alt text."""
        return figure_of([self])


def figure_of(pictures: Sequence[Picture]) -> CourseFigure:
    """Make one figure for several states of a picture, laid out so that every state fits.

    The figure shows the first state; its ``redraw(picture)`` shows another state in place.
    """
    first = pictures[0]
    arrangement = arrange(
        [p.panels() for p in pictures],
        first.columns,
        footers=[p.footer() for p in pictures],
        fontsize=first.fontsize,
    )
    fig, _ = figure_for(arrangement)
    y = 1 - arrangement.footer_y / arrangement.height
    fig.footer = fig.text(8 / arrangement.width, y, "", va="top", fontsize=first.fontsize)
    fig.footer.set_linespacing(1.28)
    fig.redraw = lambda picture: _redraw(fig, picture)
    _redraw(fig, first)
    return fig


def _redraw(fig: CourseFigure, picture: Picture) -> CourseFigure:
    picture.draw(fig.axes)
    fig.footer.set_text(picture.footer())
    fig.alt_text = picture.describe()
    fig.picture = picture
    return fig
