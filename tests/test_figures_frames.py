"""The frames of convlib.figures.frames: each state checked against an independent computation.

The affected region against brute force over windows, sums against scipy.signal; the fast
renderer against matplotlib's own full drawing of the same state.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from figure_helpers import E_LABEL, png_pixels, png_size

import convlib
import convlib.figures as cf
from convlib.figures import figure_of
from convlib.figures import frames as F


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 3)])
def test_influence_region_highlights_the_affected_region(kernel_shape):
    H, W = 4, 3 + kernel_shape[1] - 2
    k1, k2 = kernel_shape
    frames = F.influence_region_frames((H, W), kernel_shape, png=False)
    assert len(frames) == H * W
    for ip, jp in np.ndindex(H, W):
        state = frames[ip * W + jp].state
        brute = {
            (i, j)
            for i in range(H - k1 + 1)
            for j in range(W - k2 + 1)
            if i <= ip < i + k1 and j <= jp < j + k2
        }
        region = convlib.affected_region(ip, jp, (H, W), kernel_shape)
        assert (state["ip"], state["jp"]) == (ip, jp)
        assert state["highlighted"] == brute == {(i, j) for i in region.rows for j in region.cols}
        assert state["pixel"] == {(ip, jp)}
        # output (i, j) meets the pixel through w(i' - i, j' - j), (3.3) ...
        assert state["weights"] == {(i, j): (ip - i, jp - j) for i, j in brute}
        # ... and those are the kernel entries the figure highlights
        assert state["kernel_used"] == set(state["weights"].values())
    assert frames[0].description.startswith(
        f"With a {k1}×{k2} kernel, I(0,0) affects Ŷ row 0, column 0 (3.1): 1 output"
    )


def test_receptive_window_sums_the_window():
    I, w, _ = F.example_arrays((4, 4), (2, 3), seed=1)
    frames = F.receptive_window_frames(I, w, b=0.5, png=False)
    Y_hat = scipy.signal.correlate2d(I, w, mode="valid") + 0.5
    assert len(frames) == Y_hat.size
    for k, (i, j) in enumerate(np.ndindex(Y_hat.shape)):
        state = frames[k].state
        assert (state["i"], state["j"]) == (i, j)
        assert state["window"] == {(i + m, j + n) for m in range(2) for n in range(3)}
        assert state["output"] == {(i, j)}
        assert state["value"] == pytest.approx(Y_hat[i, j])
        assert sum(a * b for a, b in state["products"]) + 0.5 == pytest.approx(Y_hat[i, j])
        assert frames[k].label == f"Ŷ({i},{j})"


@pytest.mark.parametrize("kernel_shape", [(2, 2), (3, 3)])
def test_rotated_sweep_sum_is_the_input_gradient(kernel_shape):
    _, w, _ = F.example_arrays((5, 5), kernel_shape, seed=0)
    G = np.array([[1.0, -2.0], [-3.0, 2.0]])
    frames = F.rotated_kernel_sweep_frames(G, w, png=False)
    dI = scipy.signal.convolve2d(G, w, mode="full")  # (3.4), computed without convlib
    assert len(frames) == dI.size
    k1, k2 = kernel_shape
    for k, (ip, jp) in enumerate(np.ndindex(dI.shape)):
        state = frames[k].state
        assert (state["ip"], state["jp"]) == (ip, jp)
        assert state["sum"] == pytest.approx(dI[ip, jp])
        assert state["dI"] == pytest.approx(dI[ip, jp])
        assert len(state["products"]) == k1 * k2
        assert state["window"] == {(ip + a, jp + b) for a in range(k1) for b in range(k2)}
        assert frames[k].description.endswith("the same number.")
    worked = frames[2 * dI.shape[1] + 2].description
    assert "the notes' worked example (4.1)" in worked and "∂L/∂I(2,2)" in worked


def test_weight_gradient_sweep_fills_dw():
    I, _, _ = F.example_arrays((4, 5), (2, 3), seed=2)
    G = np.arange(9.0).reshape(3, 3) - 4
    frames = F.weight_gradient_sweep_frames(I, G, png=False)
    dw = scipy.signal.correlate2d(I, G, mode="valid")  # (2.3), without convlib
    assert len(frames) == dw.size == 6
    for k, (m, n) in enumerate(np.ndindex(2, 3)):
        state = frames[k].state
        assert (state["m"], state["n"]) == (m, n)
        assert state["sum"] == pytest.approx(dw[m, n]) and state["dw"] == pytest.approx(dw[m, n])
        assert state["block"] == {(m + i, n + j) for i in range(3) for j in range(3)}
        assert frames[k].description.startswith(f"Step {k + 1} of 6, 2×3 kernel: ")


def test_example_kernels_change_under_rotation():
    for shape in [(2, 2), (3, 3), (2, 3), (1, 2)]:
        for seed in range(5):
            w = F.example_arrays((5, 5), shape, seed=seed)[1]
            assert np.any(w != w[::-1, ::-1]), (shape, seed)
            assert w.dtype == np.float64 and np.all(w == np.round(w))


def test_words_of_every_frame_are_distinct_and_use_the_book_numbers():
    I, w, G = F.example_arrays((5, 5), (3, 3))
    for frames in (
        F.influence_region_frames((5, 5), (3, 3), png=False),
        F.receptive_window_frames(I, w, png=False),
        F.rotated_kernel_sweep_frames(G, w, png=False),
        F.weight_gradient_sweep_frames(I, G, png=False),
    ):
        for field in ("label", "alt", "description"):
            words = [getattr(f, field) for f in frames]
            assert len(set(words)) == len(words), field
            assert not any(E_LABEL.search(x) for x in words)
        assert all("$" not in f.description for f in frames)  # no LaTeX: the site shows it raw


def test_frames_are_small_pngs_of_one_size():
    I, w, G = F.example_arrays((5, 5), (3, 3))
    for frames in (
        F.influence_region_frames((5, 5), (3, 3)),
        F.receptive_window_frames(I, w),
        F.rotated_kernel_sweep_frames(G, w),
        F.weight_gradient_sweep_frames(I, G),
    ):
        assert len({png_size(f.png) for f in frames}) == 1
        for frame in frames:
            assert frame.png.startswith(b"\x89PNG\r\n\x1a\n")
            assert 2_000 < len(frame.png) < 24_000, frame.label


def test_fast_frames_match_matplotlibs_full_drawing():
    """The renderer pastes cached labels onto a cached background: the result is the picture."""
    I, w, G = F.example_arrays((5, 5), (3, 3))
    for frames in (
        F.rotated_kernel_sweep_frames(G, w),
        F.influence_region_frames((5, 5), (2, 3)),
        F.receptive_window_frames(I, w),
    ):
        fig = figure_of([f.picture for f in frames])  # laid out for all states, like the frames
        for frame in frames[::3]:
            full = png_pixels(fig.redraw(frame.picture).to_png())
            fast = png_pixels(frame.png)
            assert full.shape == fast.shape
            differ = np.abs(full - fast).max(axis=-1)
            assert differ.max() <= 80 and (differ > 24).mean() < 1e-3, frame.label


def test_frames_are_cached_by_their_pictures():
    a = F.influence_region_frames((4, 4), (2, 2))
    b = F.influence_region_frames((4, 4), (2, 2))
    assert all(x.png is y.png for x, y in zip(a, b, strict=True))  # rendered once
    assert a[0].state is not b[0].state  # each call gets its own state dicts


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"^image_shape must be a pair of positive ints"):
        F.influence_region_frames((0, 3), (2, 2), png=False)
    with pytest.raises(ValueError, match=r"^w must be a 2-D array"):
        F.rotated_kernel_sweep_frames(np.ones((3, 3)), np.ones(3), png=False)
    with pytest.raises(ValueError, match="gradient G has shape .* must fit inside I"):
        F.weight_gradient_sweep_frames(np.ones((3, 3)), np.ones((4, 4)), png=False)
    with pytest.raises(TypeError, match="b must be a real number"):
        F.receptive_window_frames(np.ones((3, 3)), np.ones((2, 2)), b="one", png=False)


def test_the_frame_functions_are_exported():
    assert cf.example_arrays is F.example_arrays
