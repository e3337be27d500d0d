"""Legibility of every figure the book shows: text size on a projector, nothing overlapping.

Checked on the still figures and on every state of every widget, as the chapters make them:

- every text is at least 14 px as the site shows it at 1024×768 (font size in points × dpi/72,
  times the browser's scale, displayed width over rendered width, for the text column measured
  in Chromium; see ``figure_helpers.COLUMN_PX``);
- no text leaves the figure, no two texts overlap, and a cell's text stays inside its cell.
"""

from __future__ import annotations

import numpy as np
import pytest
from figure_helpers import (
    MIN_TEXT_PX,
    chapter_pictures,
    chapter_widgets,
    displayed_px,
    png_size,
    visible_texts,
)

import convlib.figures as cf
from convlib.figures import figure_of

PICTURES = chapter_pictures()
WIDGETS = chapter_widgets()


def _states() -> dict[str, list]:
    """Name -> the pictures (states) one figure shows: one for a still, all for a widget."""
    states = {name: [p] for name, p in PICTURES.items()}
    for name, make in WIDGETS.items():
        widget = make()
        for frames in widget.frames:
            kernel = frames[0].state.get("kernel_shape") or frames[0].picture.panels()[-1].shape
            states[f"{name} {kernel}"] = [f.picture for f in frames]
    return states


STATES = _states()


@pytest.mark.parametrize("name", STATES)
def test_every_text_is_at_least_14_px_on_a_1024x768_projector(name):
    pictures = STATES[name]
    fig = figure_of(pictures)
    for picture in pictures:
        fig.redraw(picture)
        sizes = {t.get_text(): displayed_px(t, fig) for t in visible_texts(fig)}
        small = {text: round(px, 1) for text, px in sizes.items() if px < MIN_TEXT_PX}
        assert not small, f"{name}: text under {MIN_TEXT_PX} px at 1024×768: {small}"
        assert len(sizes) >= 10  # indices, titles, labels: the check saw the figure's text


def _boxes(fig, renderer):
    texts = visible_texts(fig)
    return texts, np.array([t.get_window_extent(renderer).extents for t in texts])


@pytest.mark.parametrize("name", STATES)
def test_no_text_overlaps_another_or_leaves_the_figure_or_its_cell(name):
    pictures = STATES[name]
    fig = figure_of(pictures)
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for picture in pictures:
        fig.redraw(picture)
        texts, boxes = _boxes(fig, renderer)
        x0, y0, x1, y1 = boxes.T
        outside = (x0 < -0.5) | (y0 < -0.5) | (x1 > width + 0.5) | (y1 > height + 0.5)
        assert not outside.any(), [t.get_text() for t, o in zip(texts, outside, strict=True) if o]
        # two boxes overlap when they overlap on both axes (1 px of slack for antialiasing)
        over_x = (x0[:, None] < x1[None, :] - 1) & (x0[None, :] < x1[:, None] - 1)
        over_y = (y0[:, None] < y1[None, :] - 1) & (y0[None, :] < y1[:, None] - 1)
        clash = np.triu(over_x & over_y, 1)
        pairs = [
            (texts[a].get_text(), texts[b].get_text())
            for a, b in zip(*np.nonzero(clash), strict=True)
        ]
        assert not pairs, f"{name}: overlapping texts {pairs[:5]}"
        for ax in fig.axes:
            view = ax._convlib_grid
            cell = ax.bbox.width / view.shape[1]
            for ((_, c), _sub), text in view.texts.items():
                if text.get_visible():
                    box = text.get_window_extent(renderer)
                    left = ax.bbox.x0 + c * cell
                    assert left - 0.5 <= box.x0 and box.x1 <= left + cell + 0.5, text.get_text()


@pytest.mark.parametrize("name", WIDGETS)
def test_frames_are_shown_one_to_one_at_1024x768(name):
    widget = WIDGETS[name]()
    for frames in widget.frames:
        sizes = {png_size(f.png) for f in frames}
        assert len(sizes) == 1, f"{name}: frames of one sweep differ in size: {sizes}"
        ((width, _height),) = sizes
        fig = figure_of([f.picture for f in frames])
        assert width == round(fig.bbox.width) <= 720


def test_a_figure_wider_than_the_column_would_fail_the_size_check():
    """The size check measures what the browser does: a wide figure's text shrinks with it."""
    fig = cf.Operations((5, 12), (3, 3), 2, 2).figure()  # 12 columns: wider than 733 px
    assert fig.bbox.width > 733
    assert min(displayed_px(t, fig) for t in visible_texts(fig)) < 15
