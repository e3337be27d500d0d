"""The input rules, for every public function: what is accepted, what is refused and how."""

import numpy as np
import pytest

import convlib
from convlib import (
    Conv2D,
    affected_region,
    conv2d_backward,
    conv2d_forward,
    convolve2d,
    correlate2d,
    mse_loss,
    output_shape,
    rot180,
    zero_pad,
)

METHODS = ["auto", "direct", "fft"]

# Every function that takes I, w or G, called on (I, w, G) with I 4×5, w 2×3, G 3×3.
CALLS = {
    "correlate2d": lambda I, w, G: correlate2d(I, w),
    "convolve2d valid": lambda I, w, G: convolve2d(I, w),
    "convolve2d full": lambda I, w, G: convolve2d(I, w, "full"),
    "conv2d_forward": lambda I, w, G: conv2d_forward(I, w, 0.5),
    "conv2d_backward": lambda I, w, G: conv2d_backward(I, w, G),
    "rot180": lambda I, w, G: rot180(w),
    "zero_pad": lambda I, w, G: zero_pad(G, 1, 2),
    "mse_loss": lambda I, w, G: mse_loss(G, G),
    "Conv2D": lambda I, w, G: Conv2D(w).forward(I),
    "reference.correlate2d": lambda I, w, G: convlib.reference.correlate2d(I, w),
    "reference.convolve2d": lambda I, w, G: convlib.reference.convolve2d(I, w, "full"),
    "reference.conv2d_backward": lambda I, w, G: convlib.reference.conv2d_backward(I, w, G),
}

# Which arguments each function validates, and the name its messages use for them.
ARGUMENTS = {
    "correlate2d": {"I": "image I", "w": "kernel w"},
    "convolve2d valid": {"I": "image I", "w": "kernel w"},
    "convolve2d full": {"I": "image I", "w": "kernel w"},
    "conv2d_forward": {"I": "image I", "w": "kernel w"},
    "conv2d_backward": {"I": "image I", "w": "kernel w", "G": "upstream gradient G"},
    "rot180": {"w": "kernel w"},
    "zero_pad": {"G": "array G"},
    "mse_loss": {"G": "output Y_hat"},
    "Conv2D": {"I": "image I", "w": "kernel w"},
    "reference.correlate2d": {"I": "image I", "w": "kernel w"},
    "reference.convolve2d": {"I": "image I", "w": "kernel w"},
    "reference.conv2d_backward": {"I": "image I", "w": "kernel w", "G": "upstream gradient G"},
}


def good_inputs(dtype=np.float64):
    rng = np.random.default_rng(0)
    return {
        "I": rng.standard_normal((4, 5)).astype(dtype),
        "w": rng.standard_normal((2, 3)).astype(dtype),
        "G": rng.standard_normal((3, 3)).astype(dtype),
    }


def arrays_of(result):
    """The arrays and scalars a function returned, as a flat list."""
    return list(result) if isinstance(result, tuple) else [result]


# --------------------------------------------------------------------------------------------
# What is accepted
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CALLS)
def test_lists_are_accepted(name):
    inputs = good_inputs()
    from_arrays = arrays_of(CALLS[name](**inputs))
    from_lists = arrays_of(CALLS[name](**{k: v.tolist() for k, v in inputs.items()}))
    for a, b in zip(from_arrays, from_lists, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize(
    ("dtype", "computed_in"),
    [
        (np.bool_, np.float64),
        (np.int8, np.float64),
        (np.int64, np.float64),
        (np.uint16, np.float64),
        (np.float16, np.float64),
        (np.float32, np.float32),
        (np.float64, np.float64),
    ],
)
def test_dtypes(name, dtype, computed_in):
    inputs = {k: (np.abs(v) * 3).astype(dtype) for k, v in good_inputs().items()}
    for value in arrays_of(CALLS[name](**inputs)):
        assert value.dtype == computed_in, f"{name} returned {value.dtype} for {dtype.__name__}"
    expected = arrays_of(CALLS[name](**{k: v.astype(np.float64) for k, v in inputs.items()}))
    for value, exact in zip(arrays_of(CALLS[name](**inputs)), expected, strict=True):
        np.testing.assert_allclose(value, exact, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["correlate2d", "conv2d_backward", "convolve2d full"])
def test_float32_with_float64_is_float64(name):
    inputs = good_inputs(np.float32)
    inputs["w"] = inputs["w"].astype(np.float64)
    for value in arrays_of(CALLS[name](**inputs)):
        assert value.dtype == np.float64
    inputs = good_inputs(np.float32)
    inputs["w"] = inputs["w"].tolist()  # a list of Python floats is float64
    for value in arrays_of(CALLS[name](**inputs)):
        assert value.dtype == np.float64


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("layout", ["contiguous", "strided", "read-only"])
def test_inputs_are_never_modified(name, dtype, layout):
    inputs = good_inputs(dtype)
    if layout == "strided":  # views into larger arrays, not contiguous
        inputs = {
            k: np.repeat(np.repeat(v, 2, axis=0), 2, axis=1)[::2, ::2] for k, v in inputs.items()
        }
        assert not inputs["I"].flags.c_contiguous
    if layout == "read-only":
        for v in inputs.values():
            v.flags.writeable = False
    before = {k: v.copy() for k, v in inputs.items()}
    outputs = arrays_of(CALLS[name](**inputs))
    for k, v in inputs.items():
        np.testing.assert_array_equal(v, before[k])
    for out in outputs:  # and writing into an output cannot reach an input
        for v in inputs.values():
            assert not np.shares_memory(out, v)


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_never_modified_by_any_method(method):
    inputs = good_inputs()
    before = {k: v.copy() for k, v in inputs.items()}
    correlate2d(inputs["I"], inputs["w"], method=method)
    convolve2d(inputs["G"], inputs["w"], "full", method=method)
    conv2d_backward(**inputs, method=method)
    for k, v in inputs.items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize(
    "b", [2, 2.0, True, np.float32(2.0), np.int64(2), np.array(2.0), np.array(2)]
)
def test_bias_accepts_any_real_scalar(b):
    np.testing.assert_array_equal(conv2d_forward([[1.0]], [[1.0]], b), [[1.0 + float(b)]])


# --------------------------------------------------------------------------------------------
# What is refused, and how the message says it
# --------------------------------------------------------------------------------------------

BAD_ARRAYS = [
    ([1.0, 2.0, 3.0], ValueError, r"must be a 2-D array, got a 1-D array of shape \(3,\)"),
    (np.ones((2, 2, 2)), ValueError, r"must be a 2-D array, got a 3-D array of shape \(2, 2, 2\)"),
    (5.0, ValueError, r"must be a 2-D array, got a 0-D array"),
    (np.ones((0, 3)), ValueError, r"must not be empty, got shape \(0, 3\)"),
    ([[]], ValueError, r"must not be empty, got shape \(1, 0\)"),
    (np.ones((2, 2)) * 1j, TypeError, r"must hold real numbers .* got dtype complex128"),
    ([["a", "b"], ["c", "d"]], TypeError, r"must hold real numbers .* got dtype <U1"),
    (np.ones((2, 2), dtype=object), TypeError, r"must hold real numbers .* got dtype object"),
    (None, TypeError, r"must hold real numbers .* got dtype object"),
    ([[1.0, 2.0], [3.0]], ValueError, r"must be a 2-D array of real numbers, got list"),
    (np.array([["2020-01-01"]], dtype="datetime64[D]"), TypeError, r"must hold real .* datetime64"),
]


@pytest.mark.parametrize(
    ("name", "argument"), [(name, arg) for name, args in ARGUMENTS.items() for arg in args]
)
@pytest.mark.parametrize(("bad", "error", "message"), BAD_ARRAYS)
def test_bad_arrays_are_refused_by_name(name, argument, bad, error, message):
    inputs = good_inputs()
    inputs[argument] = bad
    with pytest.raises(error, match=ARGUMENTS[name][argument] + " " + message):
        CALLS[name](**inputs)


@pytest.mark.parametrize(
    "call",
    [
        correlate2d,
        convolve2d,
        lambda I, w: conv2d_forward(I, w, 0.0),
        lambda I, w: conv2d_backward(I, w, np.ones((1, 1))),
        convlib.reference.correlate2d,
        convlib.reference.convolve2d,
        lambda I, w: Conv2D(w).forward(I),
    ],
)
def test_kernel_must_fit_inside_the_image(call):
    message = (
        r"kernel w has shape \(4, 2\) but image I has shape \(3, 6\): "
        r"w must fit inside I \(valid padding\)"
    )
    with pytest.raises(ValueError, match=message):
        call(np.ones((3, 6)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"kernel w has shape \(1, 7\)"):
        call(np.ones((3, 6)), np.ones((1, 7)))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (4, 4), (1, 1)])
def test_gradient_must_have_the_output_shape(method, shape):
    message = (
        rf"upstream gradient G has shape \({shape[0]}, {shape[1]}\) but the output Y_hat has "
        r"shape \(3, 3\) = \(H-k1\+1, W-k2\+1\)"
    )
    with pytest.raises(ValueError, match=message):
        conv2d_backward(np.ones((4, 5)), np.ones((2, 3)), np.ones(shape), method=method)
    layer = Conv2D(np.ones((2, 3)), method=method)
    layer.forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match=message):
        layer.backward(np.ones(shape))


@pytest.mark.parametrize(
    ("b", "error", "message"),
    [
        (
            np.array([1.0, 2.0]),
            ValueError,
            r"bias b must be a scalar \(one number\), got an array of shape \(2,\)",
        ),
        (np.array([1.0]), ValueError, r"bias b must be a scalar .* shape \(1,\)"),
        ([[1.0]], ValueError, r"bias b must be a scalar .* shape \(1, 1\)"),
        (1j, TypeError, "bias b must be a real number, got complex"),
        (np.complex64(1), TypeError, "bias b must be a real number"),
        ("1", TypeError, "bias b must be a real number, got str '1'"),
        (None, TypeError, "bias b must be a real number, got NoneType"),
    ],
)
def test_bias_must_be_a_real_scalar(b, error, message):
    with pytest.raises(error, match=message):
        conv2d_forward(np.ones((3, 3)), np.ones((2, 2)), b)
    with pytest.raises(error, match=message):
        Conv2D(np.ones((2, 2)), b)


def test_mse_loss_names_both_arguments():
    with pytest.raises(TypeError, match="true value Y must hold real numbers"):
        mse_loss(np.ones((2, 2)), np.ones((2, 2)) * 1j)
    with pytest.raises(
        ValueError, match=r"output Y_hat has shape \(2, 2\) but true value Y has shape \(2, 3\)"
    ):
        mse_loss(np.ones((2, 2)), np.ones((2, 3)))


def test_shapes_and_indices_of_the_helpers():
    with pytest.raises(
        ValueError, match=r"kernel_shape has shape \(4, 4\) but image_shape has shape \(3, 3\)"
    ):
        output_shape((3, 3), (4, 4))
    with pytest.raises(
        ValueError, match=r"image_shape must be a pair of positive ints, got \(0, 3\)"
    ):
        output_shape((0, 3), (1, 1))
    with pytest.raises(ValueError, match="kernel_shape must be a pair of positive ints, got 3"):
        output_shape((3, 3), 3)
    with pytest.raises(
        TypeError, match=r"image_shape must be a pair of positive ints, got \(3.0, 3\)"
    ):
        output_shape((3.0, 3), (1, 1))
    with pytest.raises(ValueError, match=r"ip must be a row of the image, 0 <= ip < 6; got 6"):
        affected_region(6, 0, (6, 6), (3, 3))
    with pytest.raises(ValueError, match=r"jp must be a column of the image, 0 <= jp < 6; got -1"):
        affected_region(0, -1, (6, 6), (3, 3))
    with pytest.raises(TypeError, match="ip must be an int, got float 1.5"):
        affected_region(1.5, 0, (6, 6), (3, 3))
    assert affected_region(np.int64(2), np.int32(2), (6, 6), (3, 3)).size == 9
    with pytest.raises(ValueError, match="pad_rows must be an int >= 0, got -1"):
        zero_pad([[1.0]], -1, 0)
    with pytest.raises(TypeError, match="pad_cols must be an int >= 0, got float 1.0"):
        zero_pad([[1.0]], 0, 1.0)


def test_conv2d_layer_refuses_bad_settings():
    with pytest.raises(ValueError, match="method must be one of"):
        Conv2D([[1.0]], method="slow")
    with pytest.raises(ValueError, match="kernel w must be a 2-D array"):
        Conv2D([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape must be a pair of positive ints, got \(3, 0\)"):
        Conv2D.from_shape((3, 0))
    with pytest.raises(TypeError, match="learning rate lr must be a real number"):
        layer = Conv2D([[1.0]])
        layer.forward([[1.0]])
        layer.backward([[1.0]])
        layer.step("0.1")


# --------------------------------------------------------------------------------------------
# NaN and inf propagate
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_nan_propagates_through_the_layer(method):
    I = np.ones((5, 5))
    I[2, 2] = np.nan
    Y_hat = conv2d_forward(I, np.ones((3, 3)), 0.0, method=method)
    assert np.isnan(Y_hat).all()  # with a 3×3 kernel every output of a 5×5 image sees I(2, 2)
    G = np.zeros((3, 3))
    G[0, 0] = np.nan
    dw, db, dI = conv2d_backward(np.ones((5, 5)), np.ones((3, 3)), G, method=method)
    assert np.isnan(dw).all() and np.isnan(db)
    assert np.isnan(dI[:3, :3]).all()  # the inputs that Y_hat(0, 0) reads
    if method == "direct":
        assert not np.isnan(dI[3:, :]).any() and not np.isnan(dI[:, 3:]).any()


@pytest.mark.parametrize("method", METHODS)
def test_inf_propagates(method):
    I = np.ones((4, 4))
    I[0, 0] = np.inf
    Y_hat = conv2d_forward(I, np.ones((2, 2)), 0.0, method=method)
    if method == "direct":
        assert Y_hat[0, 0] == np.inf and np.isfinite(Y_hat[1:, 1:]).all()
    else:
        assert not np.isfinite(Y_hat[0, 0])
    assert np.isnan(conv2d_forward(I, np.ones((2, 2)), -np.inf, method="direct")[0, 0])
