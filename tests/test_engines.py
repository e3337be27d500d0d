"""The private engines behind correlate2d, and the cost model that ``method="auto"`` reads."""

import json

import numpy as np
import pytest
import scipy.signal
from helpers import close, image_and_kernel
from hypothesis import given

import convlib
from convlib import _engines, correlate2d
from convlib.ops import CostModel


@given(pair=image_and_kernel(max_side=12))
def test_chunk_boundaries(pair):
    # chunks of 3 float64 numbers: chunk boundaries land inside rows, for both direct loops
    I, w = pair
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_engines, "_CHUNK_BYTES", 24)
        Y = correlate2d(I, w, method="direct")
    close(Y, scipy.signal.correlate2d(I, w, "valid"))


def test_the_cost_model_is_read_from_its_data_file(tmp_path):
    models = CostModel.load()
    assert set(models) == {np.dtype(np.float64), np.dtype(np.float32)}
    # saving and loading again gives the same constants (to the two digits written)
    path = tmp_path / "cost.json"
    CostModel.save(models, path, machine="test")
    again = CostModel.load(path)
    assert again == models
    assert json.loads(path.read_text())["machine"] == "test"


def test_the_model_prefers_the_cheaper_engine():
    # the estimate is the documented formula, and the cheaper estimate wins
    model = CostModel(per_call=0.0, per_mac=1e-9, per_fft=0.0, per_nlogn=1e-9)
    t = model.seconds((64, 64), (9, 9), np.float64)
    calls, macs = CostModel.direct_work((64, 64), (9, 9), np.float64)
    assert macs == 56 * 56 * 81
    assert t["direct"] == pytest.approx(1e-9 * macs)
    assert t["fft"] == pytest.approx(1e-9 * CostModel.fft_work((64, 64)))
    assert _engines.fastest.__wrapped__((64, 64), (2, 2), np.float64) == "direct"


# --------------------------------------------------------------------------------------------
# method="auto" never surprises: integers exact, NaN local, small windows accurate
# --------------------------------------------------------------------------------------------


def test_integer_inputs_are_exact_with_the_default_method():
    rng = np.random.default_rng(0)
    I, w = rng.integers(0, 4, (33, 33)), rng.integers(-1, 2, (13, 13))
    assert _engines.decide(I.astype(float), w.astype(float)).method == "fft"  # the FFT path
    Y = correlate2d(I, w)
    np.testing.assert_array_equal(Y, scipy.signal.correlate2d(I, w, "valid"))
    np.testing.assert_array_equal(Y.astype(int), scipy.signal.correlate2d(I, w, "valid"))


@pytest.mark.parametrize("k", [11, 13, 15, 21])
@pytest.mark.parametrize("H", [64, 128])
def test_uint8_images_are_exact(H, k):
    rng = np.random.default_rng(H + k)
    I = rng.integers(0, 256, (H, H), dtype=np.uint8)
    w = rng.integers(-2, 3, (k, k), dtype=np.int8)
    expected = scipy.signal.correlate2d(I.astype(np.int64), w.astype(np.int64), "valid")
    np.testing.assert_array_equal(correlate2d(I, w), expected)


def test_bool_and_integer_valued_float_inputs_are_exact():
    rng = np.random.default_rng(1)
    I, w = rng.random((40, 40)) < 0.5, rng.random((11, 11)) < 0.5
    expected = scipy.signal.correlate2d(I.astype(int), w.astype(int), "valid")
    np.testing.assert_array_equal(correlate2d(I, w), expected)
    as_float = rng.integers(-5, 6, (48, 48)).astype(np.float64)
    kernel = rng.integers(-3, 4, (13, 13)).astype(np.float64)
    np.testing.assert_array_equal(
        correlate2d(as_float, kernel), scipy.signal.correlate2d(as_float, kernel, "valid")
    )
    small = correlate2d(as_float.astype(np.float32), kernel.astype(np.float32))
    assert small.dtype == np.float32
    np.testing.assert_array_equal(small, scipy.signal.correlate2d(as_float, kernel, "valid"))


def test_integers_too_large_to_round_exactly_are_summed_directly():
    I = np.full((64, 64), 2.0**45)
    w = np.ones((15, 15))
    decision = _engines.decide(I, w)
    assert decision.method == "direct" and "integer" in decision.reason
    np.testing.assert_array_equal(correlate2d(I, w), scipy.signal.correlate2d(I, w, "valid"))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_pixel_stays_local(bad):
    rng = np.random.default_rng(2)
    I, w = rng.standard_normal((64, 64)), rng.standard_normal((11, 11))
    I[30, 20] = bad
    Y = correlate2d(I, w)
    region = np.zeros(Y.shape, dtype=bool)
    region[20:31, 10:21] = True  # the outputs whose window covers I(30, 20)
    np.testing.assert_array_equal(~np.isfinite(Y), region)
    finite = scipy.signal.correlate2d(np.where(np.isfinite(I), I, 0.0), w, "valid")
    close(Y[~region], finite[~region])
    # the forced FFT does what its docstring says: every output
    assert np.isnan(correlate2d(I, w, method="fft")).all()


def test_a_dynamic_range_spike_does_not_leak_into_other_windows():
    rng = np.random.default_rng(3)
    I = rng.uniform(0.5, 1.5, (256, 256))
    I[100, 100] = 1e12
    for w in (rng.uniform(0.1, 1.0, (15, 15)), rng.standard_normal((15, 15))):  # mixed signs too
        Y = correlate2d(I, w)
        exact = scipy.signal.correlate2d(I, w, "valid")
        scale = scipy.signal.correlate2d(np.abs(I), np.abs(w), "valid")  # Σ|I·w| per window
        away = np.ones(Y.shape, dtype=bool)
        away[86:101, 86:101] = False  # the windows that hold the spike
        assert (np.abs(Y - exact)[away] / scale[away]).max() < 1e-12


def test_ordinary_data_keeps_the_fast_fft():
    # the checks must not turn the FFT off where it is safe: random data, kernels large enough
    # that the cost model prefers the FFT
    rng = np.random.default_rng(4)
    for H, k in [(128, 21), (512, 21), (1024, 21)]:
        for dtype in (np.float64, np.float32):
            assert _engines.fastest((H, H), (k, k), np.dtype(dtype)) == "fft", (H, k, dtype)
            I = rng.standard_normal((H, H)).astype(dtype)
            w = rng.standard_normal((k, k)).astype(dtype)
            assert convlib.choose_method(I, w) == "fft", (H, k, dtype)
            assert convlib.choose_method((H, H), (k, k), dtype) == "fft"


def _exact(I, w):
    """The correlation in long double, tap by tap: a reference with far smaller rounding."""
    I, w = I.astype(np.longdouble), w.astype(np.longdouble)
    (H, W), (k1, k2) = I.shape, w.shape
    out = np.zeros((H - k1 + 1, W - k2 + 1), dtype=np.longdouble)
    for m in range(k1):
        for n in range(k2):
            out += w[m, n] * I[m : m + H - k1 + 1, n : n + W - k2 + 1]
    return out


def _families(rng, H, k):
    x = np.arange(H)
    checker = np.where((x[:, None] + x[None, :]) % 2 == 0, 1.0, -1.0)
    xk = np.arange(k)
    checker_k = np.where((xk[:, None] + xk[None, :]) % 2 == 0, 1.0, -1.0)
    spike = np.zeros((H, H))
    spike[H // 2, H // 3] = 1.0
    yield "normal", rng.standard_normal((H, H)), rng.standard_normal((k, k))
    yield "positive", rng.uniform(0, 1, (H, H)), rng.uniform(0, 1, (k, k))
    yield "offset", 1000 + rng.standard_normal((H, H)), rng.standard_normal((k, k))
    yield "checker", checker * rng.uniform(0.5, 1, (H, H)), checker_k * rng.uniform(0.5, 1, (k, k))
    yield "spike", spike, rng.standard_normal((k, k))
    yield "sparse", rng.standard_normal((H, H)) * (rng.random((H, H)) < 0.02), rng.random((k, k))


@pytest.mark.parametrize(("H", "k"), [(64, 9), (97, 8), (128, 15)])
def test_the_fft_error_bound_holds_with_room_to_spare(H, k):
    # decide() trusts E = eps log2(n) max|I| max|ŵ|; it must exceed the real error threefold
    rng = np.random.default_rng(H * k)
    for name, I, w in _families(rng, H, k):
        size = _engines._fft_size(I.shape)
        spectrum = np.abs(np.fft.rfft2(w, size)).max()
        bound = np.finfo(float).eps * np.log2(size[0] * size[1]) * np.abs(I).max() * spectrum
        error = float(np.abs(_engines._correlate_fft(I, w) - _exact(I, w)).max())
        assert error <= bound / 3, (name, error, bound)


def test_choose_method_with_arrays_refuses_a_dtype():
    with pytest.raises(TypeError, match="dtype comes from the arrays"):
        convlib.choose_method(np.ones((5, 5)), np.ones((2, 2)), np.float32)
