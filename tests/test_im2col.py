"""convlib._im2col, the engine of the general layer: its matrix, its layout, its special paths."""

import tracemalloc

import numpy as np
import pytest
from general_cases import cases
from helpers import close

import convlib
from convlib import _im2col, _winograd, reference
from convlib._checks import layer_geometry

CASES = [case for case in cases(60, seed=41) if case.batched]


def geometry(case):
    shapes = case.shapes()
    return layer_geometry(shapes["I"], shapes["w"], **case.settings)


def col_by_definition(I, g):
    """col[group, (tap, c), (ν, i, j)] = I_pad[ν, group's channel c, i s1 + m d1, j s2 + n d2]."""
    top, bottom, left, right = g.padding
    I_pad = np.pad(I, ((0, 0), (0, 0), (top, bottom), (left, right)))
    (s1, s2), (d1, d2) = g.stride, g.dilation
    Cg = g.C_in // g.groups
    col = np.empty((g.groups, g.k1 * g.k2, Cg, g.N, g.H_out, g.W_out))
    for m, n in np.ndindex(g.k1, g.k2):
        rows = I_pad[:, :, m * d1 : m * d1 + s1 * (g.H_out - 1) + 1 : s1]
        window = rows[:, :, :, n * d2 : n * d2 + s2 * (g.W_out - 1) + 1 : s2]
        col[:, m * g.k2 + n] = window.transpose(1, 0, 2, 3).reshape(
            g.groups, Cg, *window.shape[:1], g.H_out, g.W_out
        )
    return col.reshape(g.groups, g.k1 * g.k2 * Cg, -1)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_matrix_is_im2col(case):
    # every row of col is one contiguous run of the phase layout; on the output columns it
    # holds exactly the pixels the definition reads (the spare columns are dropped here)
    g, I = geometry(case), case.arrays()["I"]
    for compact in (False, True):
        lay = _im2col._layout(g, compact)
        col = _im2col._im2col(_im2col._to_phases(I, lay), lay)
        outputs = _im2col._outputs(col.reshape(-1, col.shape[-1]), lay)
        expected = col_by_definition(I, g)
        np.testing.assert_array_equal(outputs.reshape(expected.shape), expected)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_phases_hold_every_pixel_a_tap_reads(case):
    # (and a few more, that only the spare columns read: their gradient is 0, see below)
    g, I = geometry(case), case.arrays()["I"]
    lay = _im2col.layout(g, compact=False)
    back = _im2col._from_phases(_im2col._to_phases(I, lay), lay)
    (s1, s2), (d1, d2), (top, _, left, _) = g.stride, g.dilation, g.padding
    rows = {i * s1 + m * d1 - top for i in range(g.H_out) for m in range(g.k1)}
    cols = {j * s2 + n * d2 - left for j in range(g.W_out) for n in range(g.k2)}
    read = np.zeros((g.H, g.W), bool)
    read[np.ix_(sorted(rows & set(range(g.H))), sorted(cols & set(range(g.W))))] = True
    np.testing.assert_array_equal(back[..., read], I[..., read])
    assert lay.whole or not read.all()
    if lay.whole:  # every pixel in a plane: _from_phases need not zero the image first
        np.testing.assert_array_equal(back, I)


def test_a_stride_leaves_the_last_rows_unread():
    # 7 rows, kernel 2, stride 3: the windows start at rows 0 and 3 and read rows 0-1 and 3-4;
    # rows 2, 5 and 6 are never read, and their gradient is 0
    dI = convlib.conv2d_backward(np.ones((7, 7)), np.ones((2, 2)), np.ones((2, 2)), stride=3).dI
    np.testing.assert_array_equal(dI.any(axis=1), [1, 1, 0, 1, 1, 0, 0])


DEPTHWISE = [c for c in cases(200, seed=42) if c.batched and c.groups == c.C_in == c.C_out][:20]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_depthwise_path_is_the_matrix_path(dtype, monkeypatch):
    assert len(DEPTHWISE) == 20
    results = {}
    for depthwise in (True, False):
        monkeypatch.setattr(_im2col, "_is_depthwise", lambda g, on=depthwise: on)
        results[depthwise] = []
        for case in DEPTHWISE:
            a = case.arrays(dtype)
            results[depthwise].append(
                [convlib.conv2d_forward(a["I"], a["w"], a["b"], **case.settings)]
                + list(convlib.conv2d_backward(a["I"], a["w"], a["G"], **case.settings))
            )
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for taps, matrices in zip(results[True], results[False], strict=True):
        for x, y in zip(taps, matrices, strict=True):
            assert x.dtype == y.dtype == dtype
            close(x, y, rtol)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_depthwise_zero_weights_still_meet_inf(value):
    # BLAS axpy skips a zero weight; 0 * inf is nan, so then the matrices must compute it
    rng = np.random.default_rng(43)
    I, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((3, 1, 3, 3))
    I[1, 2, 3, 3], w[2, 0, 1, 1], G = value, 0.0, rng.standard_normal((2, 3, 6, 6))
    fast = [convlib.conv2d_forward(I, w, padding=1, groups=3)]
    fast += list(convlib.conv2d_backward(I, w, G, padding=1, groups=3))
    with np.errstate(invalid="ignore"):
        slow = [reference.conv2d_forward(I, w, padding=1, groups=3)]
        slow += list(reference.conv2d_backward(I, w, G, padding=1, groups=3))
    for x, y in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y))
    assert np.isnan(fast[0][1, 2, 3, 3])  # the zero weight's tap meets the inf there


def test_no_temporary_is_larger_than_the_im2col_matrix(monkeypatch):
    # each pass holds at most one matrix, none larger than col (W^T G is made in blocks of col's
    # size), and arrays of about the size of the inputs and outputs (the phase buffers, G on
    # col's columns, the results): never two matrices. (A 3x3 layer: Winograd's route is turned
    # off, tests/test_winograd.py bounds its peak.)
    monkeypatch.setattr(_winograd, "applies", lambda g, itemsize: False)
    rng = np.random.default_rng(44)
    I, w = rng.standard_normal((8, 16, 12, 12)), rng.standard_normal((32, 16, 3, 3))
    G = rng.standard_normal((8, 32, 12, 12))  # 12 x 12 outputs on 14 x 14 planes: 36 % spare
    col_bytes = 9 * 16 * (8 * 12 * 12) * 8
    others = 2.5 * (I.nbytes + G.nbytes)  # 1.2 MB, against 1.3 MB for a second matrix
    for call in (
        lambda: convlib.conv2d_forward(I, w, padding=1),
        lambda: convlib.conv2d_backward(I, w, G, padding=1),
    ):
        call()  # the layout is cached: count the arrays only
        tracemalloc.start()
        try:
            call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert col_bytes < peak <= col_bytes + others, (peak, col_bytes, others)
