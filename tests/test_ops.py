"""convlib.ops: the notes' operations, checked by hand, against scipy.signal and by identities."""

import numpy as np
import pytest
import scipy.signal
from helpers import METHODS, close, image_and_kernel
from hypothesis import given
from hypothesis import strategies as st

import convlib
from convlib import (
    affected_region,
    choose_method,
    convolve2d,
    correlate2d,
    output_shape,
    rot180,
    zero_pad,
)

# --------------------------------------------------------------------------------------------
# Hand-computed examples
# --------------------------------------------------------------------------------------------

I3 = np.arange(1, 10).reshape(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
W2 = np.array([[1, 2], [3, 4]])


@pytest.mark.parametrize("method", METHODS)
def test_correlate2d_by_hand(method):
    # Y(0,0) = 1*1 + 2*2 + 4*3 + 5*4 = 37, and each step right adds 1+2+3+4 = 10, down 30.
    expected = [[37, 47], [67, 77]]
    close(correlate2d(I3, W2, method=method), expected)


@pytest.mark.parametrize("method", METHODS)
def test_convolve2d_valid_by_hand(method):
    # (w * I)(1,1) = I(1,1) w(0,0) + I(1,0) w(0,1) + I(0,1) w(1,0) + I(0,0) w(1,1)
    #              = 5*1 + 4*2 + 2*3 + 1*4 = 23
    expected = [[23, 33], [53, 63]]
    close(convolve2d(I3, W2, method=method), expected)


@pytest.mark.parametrize("method", METHODS)
def test_convolve2d_full_by_hand(method):
    # (w * I)(i, j) = I(i, j) - I(i, j-1), I zero outside: [1, 2-1, 3-2, 0-3]
    close(convolve2d([[1, 2, 3]], [[1, -1]], "full", method=method), [[1, 1, 1, -3]])
    # a one in the kernel's corner shifts the image down and right
    expected = [[0, 0, 0], [0, 1, 2], [0, 3, 4]]
    close(convolve2d([[1, 2], [3, 4]], [[0, 0], [0, 1]], "full", method=method), expected)


def test_identity_kernel_returns_the_image_interior():
    I = np.arange(20.0).reshape(4, 5)
    w = np.zeros((3, 3))
    w[1, 1] = 1
    np.testing.assert_array_equal(correlate2d(I, w, method="direct"), I[1:-1, 1:-1])


def test_rot180_is_the_notes_q_to_q_star():
    # Q = [[a, b], [c, d]] -> Q* = [[d, c], [b, a]], with a, b, c, d = 2, 3, 5, 7
    a, b, c, d = 2, 3, 5, 7
    np.testing.assert_array_equal(rot180([[a, b], [c, d]]), [[d, c], [b, a]])
    np.testing.assert_array_equal(rot180([[1, 2, 3], [4, 5, 6]]), [[6, 5, 4], [3, 2, 1]])


def test_rot180_returns_a_copy():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    rotated = rot180(w)
    rotated[0, 0] = 100.0
    assert w[1, 1] == 4.0
    assert not np.shares_memory(rotated, w)


@given(image_and_kernel())
def test_rot180_is_the_index_map_of_e12(pair):
    _, w = pair
    k1, k2 = w.shape
    rotated = rot180(w)
    for m in range(k1):
        for n in range(k2):
            assert rotated[m, n] == w[k1 - 1 - m, k2 - 1 - n]
    np.testing.assert_array_equal(rot180(rotated), w)


def test_zero_pad_by_hand():
    expected = [
        [0, 0, 0, 0, 0, 0],
        [0, 0, 1, 2, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ]
    np.testing.assert_array_equal(zero_pad([[1, 2]], 1, 2), expected)
    np.testing.assert_array_equal(zero_pad([[1, 2]], 0, 0), [[1, 2]])


def test_zero_pad_matches_numpy_pad():
    G = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_array_equal(zero_pad(G, 2, 1), np.pad(G, ((2, 2), (1, 1))))
    assert not np.shares_memory(zero_pad(G, 0, 0), G)


def test_output_shape():
    assert output_shape((5, 7), (3, 3)) == (3, 5)
    assert output_shape((4, 4), (4, 4)) == (1, 1)
    assert output_shape((1, 9), (1, 1)) == (1, 9)
    assert output_shape(np.zeros((6, 2)).shape, (2, 2)) == (5, 1)


# --------------------------------------------------------------------------------------------
# E8: the region of Y_hat that one pixel affects
# --------------------------------------------------------------------------------------------


def test_affected_region_the_notes_picture():
    # a 3×3 kernel: the pixel I(2, 2) affects nine outputs, Y_hat(0..2, 0..2)
    region = affected_region(2, 2, (6, 6), (3, 3))
    assert region == (range(0, 3), range(0, 3))
    assert region.rows == range(0, 3) and region.cols == range(0, 3)
    assert region.size == 9


@pytest.mark.parametrize(
    ("ip", "jp", "rows", "cols"),
    [
        (0, 0, range(0, 1), range(0, 1)),  # top-left corner: one output
        (0, 2, range(0, 1), range(0, 3)),  # top border: one row of three
        (5, 5, range(3, 4), range(3, 4)),  # bottom-right corner
        (3, 4, range(1, 4), range(2, 4)),  # near the right border: 3 × 2
    ],
)
def test_affected_region_at_the_borders(ip, jp, rows, cols):
    region = affected_region(ip, jp, (6, 6), (3, 3))
    assert (region.rows, region.cols) == (rows, cols)
    assert region.size == len(rows) * len(cols)


@given(image_and_kernel())
def test_affected_region_is_where_the_impulse_response_is_nonzero(pair):
    I, w = pair
    H, W = I.shape
    k = np.ones(w.shape)
    for ip in range(H):
        for jp in range(W):
            impulse = np.zeros((H, W))
            impulse[ip, jp] = 1.0
            touched = scipy.signal.correlate2d(impulse, k, "valid") != 0
            region = affected_region(ip, jp, (H, W), w.shape)
            marked = np.zeros_like(touched)
            marked[region.rows.start : region.rows.stop, region.cols.start : region.cols.stop] = (
                True
            )
            np.testing.assert_array_equal(marked, touched)
            assert region.size == touched.sum()


# --------------------------------------------------------------------------------------------
# scipy.signal as the oracle, for every method
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@given(pair=image_and_kernel())
def test_correlate2d_matches_scipy(method, pair):
    I, w = pair
    close(correlate2d(I, w, method=method), scipy.signal.correlate2d(I, w, "valid"))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", ["valid", "full"])
@given(pair=image_and_kernel())
def test_convolve2d_matches_scipy(method, mode, pair):
    I, w = pair
    close(convolve2d(I, w, mode, method=method), scipy.signal.convolve2d(I, w, mode))


@pytest.mark.parametrize("method", METHODS)
@given(pair=image_and_kernel())
def test_full_convolution_of_a_smaller_image(method, pair):
    # w * G with G smaller than w, as in dI = w * G when the kernel is most of the image
    G, w = pair
    close(convolve2d(w, G, "full", method=method), scipy.signal.convolve2d(w, G, "full"))
    close(convolve2d(G, w, "full", method=method), scipy.signal.convolve2d(G, w, "full"))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("image", "kernel"),
    [
        ((300, 200), (3, 5)),  # many chunks for the shift-and-add loop
        ((300, 200), (295, 190)),  # a kernel larger than the output: one dot per output
        ((257, 131), (1, 1)),
        ((1, 5000), (1, 7)),
        ((5000, 1), (9, 1)),
        ((40, 40), (40, 40)),
        ((128, 128), (17, 17)),  # beyond the small-kernel DFT shortcut of the FFT engine
        ((64, 64), (12, 60)),  # more than 16 output rows but fewer outputs than taps
    ],
)
def test_larger_shapes_match_scipy(method, image, kernel):
    rng = np.random.default_rng(2)
    I, w = rng.standard_normal(image), rng.standard_normal(kernel)
    close(correlate2d(I, w, method=method), scipy.signal.correlate2d(I, w, "valid"), 1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_non_contiguous_inputs(method):
    rng = np.random.default_rng(3)
    I = rng.standard_normal((30, 40)).T[::2, 1:]  # transposed and strided
    w = rng.standard_normal((6, 4))[::2, ::-1]
    assert not I.flags.c_contiguous and not w.flags.c_contiguous
    close(correlate2d(I, w, method=method), scipy.signal.correlate2d(I, w, "valid"))


# --------------------------------------------------------------------------------------------
# Identities
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@given(pair=image_and_kernel(), seed=st.integers(0, 2**32 - 1))
def test_adjoint_identity(method, pair, seed):
    # <w ⊗ I, G> = <I, w * G>: full convolution is the adjoint of valid cross-correlation,
    # which is why dL/dI = w * G (E11).
    I, w = pair
    G = np.random.default_rng(seed).standard_normal(output_shape(I.shape, w.shape))
    left = np.sum(correlate2d(I, w, method=method) * G)
    right = np.sum(I * convolve2d(G, w, "full", method=method))
    scale = np.sum(np.abs(I)) * np.sum(np.abs(w)) * np.max(np.abs(G))
    assert abs(left - right) <= 1e-12 * scale


@pytest.mark.parametrize("method", METHODS)
@given(pair=image_and_kernel())
def test_convolution_is_correlation_with_the_rotated_kernel(method, pair):
    # E12 in the valid mode, checked against scipy's convolution
    I, w = pair
    close(correlate2d(I, rot180(w), method=method), scipy.signal.convolve2d(I, w, "valid"))


@pytest.mark.parametrize("method", METHODS)
@given(pair=image_and_kernel(max_side=40))
def test_float32_stays_float32_and_is_accurate(method, pair):
    I, w = pair
    Y32 = correlate2d(I.astype(np.float32), w.astype(np.float32), method=method)
    assert Y32.dtype == np.float32
    exact = scipy.signal.correlate2d(
        I.astype(np.float32).astype(np.float64), w.astype(np.float32), "valid"
    )
    # float32 rounding of a sum of k1*k2 products, or of the FFT: a few ulps of the sizes
    # involved, max|I| * sum|w|
    scale = np.max(np.abs(I)) * np.sum(np.abs(w))
    assert np.max(np.abs(Y32 - exact)) <= 1e-5 * scale


# --------------------------------------------------------------------------------------------
# NaN and inf
# --------------------------------------------------------------------------------------------


@given(image_and_kernel(), st.data())
def test_direct_nan_reaches_exactly_the_affected_region(pair, data):
    I, w = pair
    H, W = I.shape
    ip, jp = data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1))
    I[ip, jp] = np.nan
    region = affected_region(ip, jp, I.shape, w.shape)
    expected = np.zeros(output_shape(I.shape, w.shape), dtype=bool)
    expected[region.rows.start : region.rows.stop, region.cols.start : region.cols.stop] = True
    np.testing.assert_array_equal(np.isnan(correlate2d(I, w, method="direct")), expected)
    # the FFT spreads it further, but never misses one
    assert np.isnan(correlate2d(I, w, method="fft"))[expected].all()


@pytest.mark.parametrize("method", METHODS)
def test_nan_and_inf_follow_ieee_like_scipy(method):
    # a zero weight times inf or nan is nan: BLAS would skip the zero tap, convlib must not
    I = np.arange(30.0).reshape(5, 6)
    I[0, 5] = np.inf
    I[4, 0] = np.nan
    w = np.array([[1.0, 0.0], [2.0, 0.0]])
    expected = np.isnan(scipy.signal.correlate2d(I, w, "valid"))
    got = np.isnan(correlate2d(I, w, method=method))
    if method == "fft":
        assert got[expected].all()
    else:
        np.testing.assert_array_equal(got, expected)


def test_inf_in_the_kernel_propagates():
    I = np.ones((4, 4))
    w = np.array([[np.inf, 1.0], [1.0, 1.0]])
    assert np.isposinf(correlate2d(I, w, method="direct")).all()
    assert np.isnan(correlate2d(np.zeros((4, 4)), w, method="direct")).all()  # 0 * inf


# --------------------------------------------------------------------------------------------
# Options and the choice of method
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Direct", "same", "", None, 3])
def test_unknown_method_lists_the_legal_ones(bad):
    with pytest.raises(ValueError, match=r"method must be one of 'auto', 'direct', 'fft'"):
        correlate2d(I3, W2, method=bad)
    with pytest.raises(ValueError, match=r"method must be one of 'auto', 'direct', 'fft'"):
        convolve2d(I3, W2, method=bad)


@pytest.mark.parametrize("bad", ["same", "Valid", "circular", None])
def test_unknown_mode_lists_the_legal_ones(bad):
    with pytest.raises(ValueError, match=r"mode must be one of 'valid', 'full'; got"):
        convolve2d(I3, W2, bad)


def test_valid_convolution_needs_the_kernel_to_fit():
    with pytest.raises(ValueError, match=r"kernel w has shape \(4, 1\) but image I has shape"):
        convolve2d(np.ones((3, 3)), np.ones((4, 1)))
    assert convolve2d(np.ones((3, 3)), np.ones((4, 1)), "full").shape == (6, 3)


@pytest.mark.parametrize(
    ("image", "kernel", "method"),
    [
        ((2048, 2048), (3, 3), "direct"),
        ((512, 512), (5, 5), "direct"),
        ((32, 32), (3, 3), "direct"),
        ((1024, 1024), (31, 31), "fft"),
        ((512, 512), (15, 15), "fft"),
        ((2048, 2048), (2020, 2020), "fft"),  # a big "kernel", as G in dw = G ⊗ I
        ((2048, 2048), (2046, 2046), "direct"),  # ... with only 3 × 3 outputs
    ],
)
def test_auto_picks_the_clear_winner(image, kernel, method):
    assert choose_method(image, kernel) == method
    assert choose_method(image, kernel, np.float64) == method
    assert choose_method(image, kernel, np.int16) == method  # integers compute in float64


def test_public_names():
    for name in convlib.__all__:
        assert getattr(convlib, name) is not None
    assert isinstance(affected_region(0, 0, (2, 2), (1, 1)), convlib.Region)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            ((3.0, 3), (2, 2)),
            TypeError,
            r"image_shape must be a pair of positive ints, got \(3.0, 3\)",
        ),
        (((3, 3), (4, 2)), ValueError, r"kernel_shape has shape \(4, 2\) but image_shape"),
        (((3, 3), (2, 2), np.complex128), TypeError, "dtype must be a real floating dtype"),
        (((3, 3), (2, 2), "nonsense"), TypeError, "dtype must be a numpy dtype"),
    ],
)
def test_choose_method_refuses_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        choose_method(*args)


def test_choose_method_is_what_auto_computes():
    # "auto" must give bit for bit the result of the engine choose_method names
    rng = np.random.default_rng(5)
    for image, kernel in [((64, 64), (3, 3)), ((96, 96), (15, 15))]:
        I, w = rng.standard_normal(image), rng.standard_normal(kernel)
        chosen = correlate2d(I, w, method=choose_method(image, kernel))
        np.testing.assert_array_equal(correlate2d(I, w), chosen)
