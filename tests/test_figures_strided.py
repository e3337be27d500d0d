"""Chapter 7's figures (convlib.figures.strided and strided_widgets), checked independently.

The outputs a frame highlights against a brute-force perturbation of the explicit loops of
``convlib.reference``; the weight named in each against the derivative measured there; every
window sum against ``convlib.grad_input``; the arrays drawn against ones built here from the
definitions; the widgets' wiring, hooks, words and weight as for the other widgets; the text
size and overlaps of every state as the chapter shows it.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import numpy as np
import pytest
from figure_helpers import (
    E_LABEL,
    MIN_TEXT_PX,
    assert_shows,
    caption,
    displayed_px,
    follow_links,
    link_pairs,
    png_size,
    visible_texts,
)

import convlib
import convlib.figures as cf
from convlib import reference
from convlib.figures import figure_of
from convlib.figures import strided as S

SETTINGS = [
    {"stride": 2},
    {"stride": 2, "padding": 1},
    {"dilation": 2, "padding": 2},
    {"stride": 3, "padding": 1},
    {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)},
    {"padding": "same"},
]


@pytest.fixture(autouse=True)
def _close_everything():
    yield
    widgets.Widget.close_all()


def _pads(setting, k):
    """(top, left) of a setting, from its definition (``"same"``: d(k − 1) // 2)."""
    p = setting.get("padding", 0)
    d = np.broadcast_to(setting.get("dilation", 1), 2)
    if p == "same":
        return tuple(int(d[a] * (k[a] - 1) // 2) for a in range(2))
    return tuple(int(x) for x in np.broadcast_to(p, 2))


# --------------------------------------------------------------------------------------------
# The region a pixel reaches, against brute force
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", SETTINGS, ids=str)
def test_highlighted_outputs_are_those_that_move_when_the_pixel_moves(setting):
    (H, W), k = (6, 5), (3, 2)
    frames = S.strided_region_frames((H, W), k, **setting, png=False)
    assert len(frames) == H * W
    w = np.random.default_rng(0).uniform(0.5, 1.5, k)  # no weight near 0: a reader moves
    top, left = _pads(setting, k)
    unread = set()
    for ip, jp in np.ndindex(H, W):
        one = np.zeros((H, W))
        one[ip, jp] = 1.0
        Y = reference.conv2d_forward(one, w, **setting)  # linear: Y = ∂Ŷ/∂I(i', j')
        moved = {(int(i), int(j)) for i, j in np.argwhere(Y != 0)}
        if not moved:
            unread.add((ip + top, jp + left))
        state = frames[ip * W + jp].state
        assert (state["ip"], state["jp"]) == (ip, jp)
        assert state["highlighted"] == moved == set(state["weights"])
        assert state["pixel"] == {(ip + top, jp + left)}
        for (i, j), (m, n) in state["weights"].items():
            assert Y[i, j] == pytest.approx(w[m, n])  # the weight named is the one that meets it
        assert state["kernel_used"] == set(state["weights"].values())
    for ip, jp in np.ndindex(H, W):  # grey: every pixel no output reads, but the pixel itself
        state = frames[ip * W + jp].state
        assert state["unread"] == unread - state["pixel"]


def test_stride_two_reaches_four_two_one_or_no_outputs():
    frames = S.strided_region_frames((6, 5), (3, 3), stride=2, png=False)
    counts = np.array([len(f.state["highlighted"]) for f in frames]).reshape(6, 5)
    assert counts.tolist() == [
        [1, 1, 2, 1, 1],
        [1, 1, 2, 1, 1],
        [2, 2, 4, 2, 2],
        [1, 1, 2, 1, 1],
        [1, 1, 2, 1, 1],
        [0, 0, 0, 0, 0],
    ]
    assert frames[25].description == (
        "With stride 2, I(5,0) reaches no output (7.5): no window reads row 5, so ∂L/∂I(5,0) = 0 "
        "(7.8)."
    )
    assert frames[12].description.startswith(
        "With stride 2, I(2,2) reaches 4 outputs (7.5): Ŷ(0,0) through w(2,2), Ŷ(0,1) through "
        "w(2,0), Ŷ(1,0) through w(0,2), Ŷ(1,1) through w(0,0)"
    )


def test_setting_words():
    def words(**setting):
        return S.setting_words(S.layer_of((6, 5), (2, 2), **setting))

    assert words() == "stride 1"
    assert words(stride=2, padding=1, dilation=2) == "stride 2, padding 1, dilation 2"
    assert words(stride=(2, 1), padding=(1, 0)) == "stride (2, 1), padding (1, 0)"
    assert words(padding="same") == "stride 1, padding 0 before and 1 after"


# --------------------------------------------------------------------------------------------
# The rotated kernel on the dilated, padded G, against convlib.grad_input
# --------------------------------------------------------------------------------------------


def _dilated_padded(G, s, K, rows):
    """G with s − 1 zeros between entries, ``rows`` rows and columns, padded by K − 1: by hand."""
    up = np.zeros(rows)
    for i, j in np.ndindex(G.shape):
        up[s[0] * i, s[1] * j] = G[i, j]
    return np.pad(up, ((K[0] - 1, K[0] - 1), (K[1] - 1, K[1] - 1)))


@pytest.mark.parametrize("setting", SETTINGS, ids=str)
def test_every_window_sum_is_the_input_gradient(setting):
    (H, W), k = (5, 4), (3, 2)
    w, G = S.strided_example((H, W), k, **setting, seed=3)
    frames = S.dilated_sweep_frames(G, w, (H, W), **setting, png=False)
    dI = convlib.grad_input(w, G, input_shape=(H, W), **setting)
    assert np.allclose(dI, reference.conv2d_backward(np.zeros((H, W)), w, G, **setting).dI)
    g = S.layer_of((H, W), k, **setting)
    s, d = g.stride, g.dilation
    K = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    top, bottom, left, right = g.padding
    P = _dilated_padded(G, s, K, (H + top + bottom - K[0] + 1, W + left + right - K[1] + 1))
    w_d = np.zeros(K)
    w_d[:: d[0], :: d[1]] = w
    R = w_d[::-1, ::-1]
    arrays = frames[0].picture.arrays
    assert np.array_equal(arrays["padded"], P) and np.array_equal(arrays["rotated"], R)
    assert len(frames) == H * W
    for ip, jp in np.ndindex(H, W):
        state = frames[ip * W + jp].state
        window = {(ip + top + a, jp + left + b) for a, b in np.ndindex(K)}
        assert state["window"] == window
        assert [x for x, _ in state["products"]] == [P[r, c] for r, c in sorted(window)]
        assert state["sum"] == pytest.approx(dI[ip, jp]) == state["dI"]
        assert frames[ip * W + jp].description.endswith("which is ∂L/∂I from convlib.")


def test_example_arrays_have_no_zero_and_the_output_shape():
    w, G = S.strided_example((6, 5), (3, 3), stride=2, padding=1, seed=1)
    assert G.shape == convlib.conv2d_forward(np.zeros((6, 5)), w, stride=2, padding=1).shape
    assert np.all(w != 0) and np.all(G != 0) and np.any(w != w[::-1, ::-1])


def test_a_wrong_G_or_setting_is_named():
    w = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"G has shape \(3, 3\) .* outputs of shape \(2, 1\)"):
        S.DilatedSweep(np.ones((3, 3)), w, (5, 4), stride=2, padding=0)
    with pytest.raises(ValueError, match="stride must be an int >= 1"):
        S.StridedRegion((6, 5), (3, 3), stride=0)
    with pytest.raises(ValueError, match="ip must be a row of the image I"):
        S.StridedRegion((6, 5), (3, 3), ip=6)
    with pytest.raises(ValueError, match="dilated kernel must fit inside the padded image"):
        S.strided_region_frames((3, 3), (3, 3), dilation=2, png=False)
    with pytest.raises(TypeError, match=r"settings\[0\] must be a dict"):
        cf.strided_region_widget(settings=[{"strides": 2}])
    with pytest.raises(ValueError, match="give both G and w"):
        cf.dilated_sweep_widget(G=np.ones((2, 2)))


# --------------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------------


def test_strided_region_widget_follows_its_controls():
    settings = [{"stride": 2}, {"stride": 2, "padding": 1}]
    fig = cf.strided_region_widget((4, 3), (3, 3), settings, ip=1, jp=2)
    slider_i, slider_j = fig.sliders
    (play,) = fig.plays
    pairs = link_pairs(fig)
    assert (id(fig.kernel_picker), "index", id(fig.stack), "selected_index") in pairs
    assert (id(play), "value", id(slider_j), "value") in pairs
    for panel in fig.stack.children:
        pixels = panel.children[-1]
        assert (id(slider_i), "value", id(pixels), "selected_index") in pairs
        for row in pixels.children:
            assert (id(slider_j), "value", id(row), "selected_index") in pairs
    assert (fig.state["ip"], fig.state["jp"]) == (1, 2)
    for choice, setting in enumerate(settings):
        fig.kernel_picker.value = choice
        for ip, jp in np.ndindex(4, 3):
            slider_i.value, slider_j.value = ip, jp
            assert (fig.state["ip"], fig.state["jp"]) == (ip, jp)
            expected = S.reached(ip, jp, S.layer_of((4, 3), (3, 3), **setting))
            assert fig.state["weights"] == expected
            assert_shows(fig)
    play.value = 0
    follow_links(fig)
    assert slider_j.value == 0 and fig.state["jp"] == 0
    assert repr(fig) == "<Strided region (7.5)–(7.8): 24 frames>"


def test_dilated_sweep_widget_follows_its_controls():
    settings = [{"stride": 2, "padding": 1}, {"stride": 1, "padding": 1, "dilation": 2}]
    fig = cf.dilated_sweep_widget(image_shape=(3, 3), settings=settings)
    pairs = link_pairs(fig)
    assert (id(fig.kernel_picker), "index", id(fig.stack), "selected_index") in pairs
    for c, (slider, play) in enumerate(zip(fig.sliders, fig.plays, strict=True)):
        stack = fig.stack.children[c].children[-1]
        assert (id(slider), "index", id(stack), "selected_index") in pairs
        assert (id(play), "value", id(slider), "index") in pairs
        fig.kernel_picker.value = c
        for k in range(9):
            play.value = k
            follow_links(fig)
            assert fig.current is fig.frames[c][k] and fig.state["ip"] == k // 3
            assert_shows(fig)
    assert repr(fig) == "<Dilated sweep (7.3), (7.9): 18 frames>"


def test_hooks_for_the_sites_scripts():
    fig = cf.strided_region_widget((3, 3), (2, 2), [{"stride": 2}, {"stride": 2, "padding": 1}])
    assert {"course-widget", "course-widget--strided-region"} <= set(fig._dom_classes)
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
            assert f'data-kernel="{["stride 2", "stride 2, padding 1"][c]}"' in figure
            img = re.search(r'<img class="course-frame-image"([^>]*)>', view).group(1)
            assert html.unescape(re.search(r'alt="([^"]*)"', img).group(1)) == frame.alt
            assert caption(fig.frame_view(c, k)) == frame.description
            assert "$" not in view
    sweep = cf.dilated_sweep_widget(image_shape=(3, 3))
    assert "course-widget--dilated-sweep" in sweep._dom_classes
    assert sweep.kernel_picker is None  # one setting: no buttons


# --------------------------------------------------------------------------------------------
# The figures as chapter 7 shows them: words, weight, legibility
# --------------------------------------------------------------------------------------------


def _chapter_widgets():
    """The widgets with the arguments chapter 7 gives them."""
    region = [{"stride": 2}, {"stride": 2, "padding": 1}]
    return {
        "region": cf.strided_region_widget((6, 5), (3, 3), region),
        "sweep": cf.dilated_sweep_widget(image_shape=(4, 4), settings=[region[1]]),
    }


CHAPTER = _chapter_widgets()
W2, G2 = S.strided_example((4, 4), (2, 2), stride=1, padding=1, dilation=2)
STILL = S.DilatedSweep(G2, W2, (4, 4), 1, 2, stride=1, padding=1, dilation=2)


@pytest.mark.parametrize("name", CHAPTER)
def test_chapter_widgets_have_distinct_words_in_the_books_numbers(name):
    fig = CHAPTER[name]
    frames = [f for sweep in fig.frames for f in sweep]
    for field in ("alt", "description"):
        words = [getattr(f, field) for f in frames]
        assert len(set(words)) == len(words), field
    for sweep in fig.frames:
        labels = [f.label for f in sweep]
        assert len(set(labels)) == len(labels)
    texts = [fig.name, fig.summary] + [c.value for c in fig.children if isinstance(c, widgets.HTML)]
    texts += [w for f in frames for w in (f.label, f.alt, f.description)]
    texts += [f.picture.describe() + f.picture.formulas() for f in frames]
    assert not [t for t in texts if E_LABEL.search(t)]
    assert re.search(r"\(7\.\d+\)", fig.name)


@pytest.mark.parametrize("name", CHAPTER)
def test_chapter_widgets_keep_the_page_light(name):
    frames = [f for sweep in CHAPTER[name].frames for f in sweep]
    assert sum(len(f.png) for f in frames) * 4 / 3 < 800_000  # base64 in the page
    for sweep in CHAPTER[name].frames:  # one size per setting: the picture does not jump
        sizes = {png_size(f.png) for f in sweep}
        assert len(sizes) == 1 and 300 < next(iter(sizes))[0] <= 720


def _states():
    states = {"dilation still": [STILL]}
    for name, fig in CHAPTER.items():
        for c, frames in enumerate(fig.frames):
            states[f"{name} {c}"] = [f.picture for f in frames]
    return states


STATES = _states()


@pytest.mark.parametrize("name", STATES)
def test_text_is_legible_and_nothing_overlaps(name):
    pictures = STATES[name]
    fig = figure_of(pictures)
    assert fig.bbox.width <= 720
    renderer = fig.canvas.get_renderer()
    for picture in pictures[:: max(1, len(pictures) // 6)]:
        fig.redraw(picture)
        texts = visible_texts(fig)
        small = {t.get_text(): displayed_px(t, fig) for t in texts}
        assert not {t: px for t, px in small.items() if px < MIN_TEXT_PX}
        boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
        x0, y0, x1, y1 = boxes.T
        assert (x0 >= -0.5).all() and (x1 <= fig.bbox.width + 0.5).all()
        over = (x0[:, None] < x1[None, :] - 1) & (x0[None, :] < x1[:, None] - 1)
        over &= (y0[:, None] < y1[None, :] - 1) & (y0[None, :] < y1[:, None] - 1)
        clash = [
            (texts[a].get_text(), texts[b].get_text()) for a, b in np.argwhere(np.triu(over, 1))
        ]
        assert not clash, clash


def test_the_still_figure_says_what_it_shows():
    assert STILL.describe().startswith(
        "∂L/∂I(1,2), stride 1, padding 1, dilation 2: rot180(w) on the dilated, padded G at "
        "rows 2–4, columns 3–5 (7.9)"
    )
    assert STILL.figure().alt_text == STILL.describe()


def test_no_planning_label_in_the_modules_docs():
    import convlib.figures.strided_widgets as SW

    for module in (S, SW):
        docs = [module.__doc__ or ""]
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) == module.__name__:
                docs.append(obj.__doc__ or "")
                docs += [getattr(m, "__doc__", "") or "" for m in vars(obj).values()]
        assert not [d[:80] for d in docs if E_LABEL.search(d)], module.__name__
