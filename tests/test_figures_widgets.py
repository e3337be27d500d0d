"""The interactive figures of convlib.figures.widgets, checked from Python (no browser).

The widgets are checked for their wiring (every control is tied to the stack it drives by a
browser-side ``jslink``, and following those links from the controls' values lands on the frame
whose state the widget reports), for the hooks the site's scripts use, and for words a reader
can tell apart: every frame of a widget has its own alt text, label and caption.
"""

from __future__ import annotations

import base64
import html
import re

import ipywidgets as widgets
import numpy as np
import pytest
from figure_helpers import (
    E_LABEL,
    assert_shows,
    caption,
    chapter_widgets,
    follow_links,
    link_pairs,
)

import convlib
import convlib.figures as cf

CHAPTERS = chapter_widgets()


@pytest.fixture(autouse=True)
def _close_everything():
    yield
    widgets.Widget.close_all()


def test_influence_region_widget_controls():
    kernels = [(2, 2), (1, 2)]
    fig = cf.influence_region_widget((3, 3), kernels, ip=2, jp=1)
    slider_i, slider_j = fig.sliders
    (play,) = fig.plays
    assert [len(f) for f in fig.frames] == [9, 9]
    pairs = link_pairs(fig)
    assert (id(fig.kernel_picker), "index", id(fig.stack), "selected_index") in pairs
    assert (id(play), "value", id(slider_j), "value") in pairs
    for kernel_stack in fig.stack.children:  # i' selects the row's stack of every kernel size
        assert (id(slider_i), "value", id(kernel_stack), "selected_index") in pairs
        for row_stack in kernel_stack.children:  # j' selects the pixel in every row
            assert (id(slider_j), "value", id(row_stack), "selected_index") in pairs
    assert all(type(link).__name__ == "Link" for link in fig.links)  # two-way jslinks
    assert (fig.state["ip"], fig.state["jp"]) == (2, 1)
    assert_shows(fig)
    for choice in (0, 1):
        fig.kernel_picker.value = choice
        for ip in range(3):
            for jp in range(3):
                slider_i.value, slider_j.value = ip, jp
                state = fig.state
                assert state["kernel_shape"] == kernels[choice]
                region = convlib.affected_region(ip, jp, (3, 3), kernels[choice])
                assert (state["ip"], state["jp"]) == (ip, jp)
                assert state["highlighted"] == {(i, j) for i in region.rows for j in region.cols}
                assert_shows(fig)
    play.value = 1  # Play drives j'
    follow_links(fig)
    assert slider_j.value == 1 and fig.state["jp"] == 1
    assert repr(fig) == "<Influence region (3.1)–(3.4): 18 frames>"
    assert fig.summary.startswith("Influence region (3.1)–(3.4)")


@pytest.mark.parametrize(
    ("build", "n_frames"),
    [
        (lambda: cf.receptive_window_widget(np.ones((3, 3)), [(2, 2), (1, 2)]), [4, 6]),
        (lambda: cf.rotated_kernel_sweep_widget(np.ones((2, 2)), [(2, 2), (1, 2)]), [9, 6]),
        (lambda: cf.weight_gradient_sweep_widget(np.ones((3, 3)), [(2, 2), (1, 2)]), [4, 2]),
    ],
    ids=["window", "rotated", "weight"],
)
def test_sweep_widget_controls(build, n_frames):
    fig = build()
    assert [len(f) for f in fig.frames] == n_frames
    assert len(fig.sliders) == len(fig.plays) == len(n_frames)
    pairs = link_pairs(fig)
    assert (id(fig.kernel_picker), "index", id(fig.stack), "selected_index") in pairs
    for c, (slider, play) in enumerate(zip(fig.sliders, fig.plays, strict=True)):
        frame_stack = fig.stack.children[c].children[-1]
        assert (id(slider), "index", id(frame_stack), "selected_index") in pairs
        assert (id(play), "value", id(slider), "index") in pairs
        assert (play.min, play.max) == (0, n_frames[c] - 1)
        assert [label for label, _ in slider.options] == [f.label for f in fig.frames[c]]
    for c in range(len(n_frames)):
        fig.kernel_picker.value = c
        assert fig.choice == c
        for k in range(n_frames[c]):
            fig.plays[c].value = k  # Play moves the slider, which moves the stack
            follow_links(fig)
            assert fig.sliders[c].index == k
            assert fig.current is fig.frames[c][k]
            assert_shows(fig)
    assert fig.summary.startswith(fig.name)
    assert repr(fig) == f"<{fig.name}: {sum(n_frames)} frames>"


def test_one_kernel_needs_no_picker():
    fig = cf.weight_gradient_sweep_widget(np.ones((3, 3)), [(2, 2)], G=np.ones((2, 2)))
    assert fig.kernel_picker is None
    assert len(fig.frames) == 1 and len(fig.frames[0]) == 4
    fig.sliders[0].index = 3
    assert fig.state["m"] == fig.state["n"] == 1
    assert_shows(fig)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kernels has shape"):
        cf.influence_region_widget((3, 3), [(4, 4)])
    with pytest.raises(TypeError, match=r"kernels\[0\] must be a pair of positive ints"):
        cf.receptive_window_widget(np.ones((4, 4)), [(2.0, 2)])
    with pytest.raises(ValueError, match=r"G must hold one gradient per kernel size \(2\), got 1"):
        cf.weight_gradient_sweep_widget(np.ones((3, 3)), [(2, 2), (1, 2)], G=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"G\[0\] has shape \(3, 3\) but a 2×2 kernel"):
        cf.weight_gradient_sweep_widget(np.ones((3, 3)), [(2, 2)], G=np.ones((3, 3)))


# --- hooks for the site's scripts ---------------------------------------------------------------


def test_hooks_for_the_sites_scripts():
    fig = cf.weight_gradient_sweep_widget(np.ones((3, 3)), [(2, 2), (1, 2)])
    assert {"course-widget", "course-widget--weight-gradient-sweep"} <= set(fig._dom_classes)
    assert "course-kernel-picker" in fig.kernel_picker._dom_classes
    assert all("course-slider" in s._dom_classes for s in fig.sliders)
    assert all("course-play" in p._dom_classes for p in fig.plays)
    header = fig.children[0].value
    assert 'class="course-widget-title"' in header and 'class="course-widget-help"' in header
    for c, frames in enumerate(fig.frames):
        for k, frame in enumerate(frames):
            view = fig.frame_view(c, k).value
            figure = re.search(r'<figure class="course-frame"([^>]*)>', view).group(1)
            assert f'data-frame="{k}"' in figure
            assert f'data-label="{html.escape(frame.label)}"' in figure
            assert f'data-kernel="{["2×2", "1×2"][c]}"' in figure
            img = re.search(r'<img class="course-frame-image"([^>]*)>', view).group(1)
            src = re.search(r'src="data:image/png;base64,([^"]+)"', img).group(1)
            assert base64.b64decode(src) == frame.png
            assert html.unescape(re.search(r'alt="([^"]*)"', img).group(1)) == frame.alt
            width = int(re.search(r'width="(\d+)"', img).group(1))
            assert 300 < width <= 720
            assert caption(fig.frame_view(c, k)) == frame.description
            assert "$" not in view  # the site's MathJax does not typeset widget HTML


def test_all_frames_of_a_figure_share_one_layout_and_style():
    fig = cf.influence_region_widget((3, 3), [(2, 2)])
    views = [fig.frame_view(0, k) for k in range(9)]
    assert len({id(v.layout) for v in views}) == 1
    assert len({id(v.style) for v in views}) == 1


# --- the widgets as the chapters build them -----------------------------------------------------


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_frame_of_a_chapters_widget_has_its_own_words(name):
    fig = CHAPTERS[name]()
    frames = [f for sweep in fig.frames for f in sweep]
    for field in ("alt", "description"):
        words = [getattr(f, field) for f in frames]
        repeated = {w for w in words if words.count(w) > 1}
        assert not repeated, f"{name}: frames share the {field} {sorted(repeated)[:2]}"
    for sweep in fig.frames:  # a slider's readouts are distinct within its sweep
        labels = [f.label for f in sweep]
        assert len(set(labels)) == len(labels)


def _words(fig) -> list[str]:
    words = [fig.name, fig.summary, repr(fig)]
    for child in fig.children:
        if isinstance(child, widgets.HTML):
            words.append(child.value)
    for sweep in fig.frames:
        for f in sweep:
            words += [f.label, f.alt, f.description]
            if f.picture is not None:
                words += [f.picture.describe(), f.picture.footer()]
                words += [p.title + p.caption for p in f.picture.panels()]
    return words


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_planning_label_in_anything_a_widget_shows(name):
    fig = CHAPTERS[name]()
    found = [w for w in _words(fig) if E_LABEL.search(w)]
    assert not found, f"{name}: E-labels in {found[:3]}"
    assert re.search(r"\([1-5]\.\d\)", fig.name), "the title cites the book's numbers"


def test_no_planning_label_in_the_figures_docs():
    import convlib._format
    import convlib.figures._layout
    import convlib.figures._picture
    import convlib.figures.forward
    import convlib.figures.frames
    import convlib.figures.gradients
    import convlib.figures.rotation
    import convlib.figures.widgets as cw

    modules = [
        convlib._format,
        cf,
        convlib.figures._layout,
        convlib.figures._picture,
        convlib.figures.forward,
        convlib.figures.frames,
        convlib.figures.gradients,
        convlib.figures.rotation,
        cw,
    ]
    for module in modules:
        docs = [module.__doc__ or ""]
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) == module.__name__:
                docs.append(obj.__doc__ or "")
                docs += [getattr(m, "__doc__", "") or "" for m in vars(obj).values()]
        found = [d[:80] for d in docs if E_LABEL.search(d)]
        assert not found, f"{module.__name__}: E-labels in {found}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapters_widget_keeps_its_page_light(name):
    """Frames travel in the page as base64: a widget's share stays well under the 1.5 MB page."""
    fig = CHAPTERS[name]()
    frames_bytes = sum(len(f.png) for sweep in fig.frames for f in sweep) * 4 / 3
    assert frames_bytes < 900_000, f"{name}: {frames_bytes / 1e6:.2f} MB of frames"
