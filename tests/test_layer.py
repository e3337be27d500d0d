"""convlib.layer: the forward pass, the backward pass beside it, the layer and the loss."""

import numpy as np
import pytest
import scipy.signal
from general_cases import cases
from helpers import METHODS, close, layer_inputs
from hypothesis import given

from convlib import (
    Conv2D,
    Gradients,
    affected_region,
    conv2d_backward,
    conv2d_forward,
    grad_b,
    grad_input,
    grad_w,
    gradcheck,
    mse_loss,
    reference,
)


def scipy_backward(I, w, G):
    """The gradients by scipy.signal, independent of convlib: E6, E7, E11."""
    return scipy.signal.correlate2d(I, G, "valid"), G.sum(), scipy.signal.convolve2d(G, w, "full")


# --------------------------------------------------------------------------------------------
# Forward pass (E3)
# --------------------------------------------------------------------------------------------


def test_forward_by_hand():
    I = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    # Y_hat(i, j) = I(i, j) + I(i+1, j+1) + 10
    np.testing.assert_array_equal(conv2d_forward(I, [[1, 0], [0, 1]], 10), [[16, 18], [22, 24]])


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs())
def test_forward_matches_scipy_plus_bias(method, inputs):
    I, w, b, _ = inputs
    expected = scipy.signal.correlate2d(I, w, "valid") + b
    close(conv2d_forward(I, w, b, method=method), expected)


def test_forward_keeps_float32_with_any_bias():
    I = np.ones((4, 4), dtype=np.float32)
    w = np.ones((2, 2), dtype=np.float32)
    for b in (0.5, np.float64(0.5), np.array(0.5), 1, True):
        Y_hat = conv2d_forward(I, w, b)
        assert Y_hat.dtype == np.float32
        np.testing.assert_array_equal(Y_hat, np.full((3, 3), 4 + float(b), dtype=np.float32))


# --------------------------------------------------------------------------------------------
# Backward pass (E6, E7, E11 via E12)
# --------------------------------------------------------------------------------------------


def test_backward_by_hand():
    # L = sum(Y_hat): G = 1, so dw(m, n) is the sum of the pixels under w(m, n), db the number
    # of outputs, and dI(i', j') the number of outputs that I(i', j') reaches (E8).
    I = np.arange(9).reshape(3, 3)
    dw, db, dI = conv2d_backward(I, np.ones((2, 2)), np.ones((2, 2)))
    np.testing.assert_array_equal(
        dw, [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]]
    )
    assert db == 4
    np.testing.assert_array_equal(dI, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize("method", METHODS)
def test_backward_counts_the_notes_nine_outputs(method):
    # the notes' picture: with a 3×3 kernel the pixel I(2, 2) reaches nine outputs, so with
    # w = 1 and G = 1 its gradient is 9; at the borders the count is E8's region size.
    H, W = 6, 7
    _, _, dI = conv2d_backward(np.zeros((H, W)), np.ones((3, 3)), np.ones((4, 5)), method=method)
    assert dI[2, 2] == pytest.approx(9)
    sizes = [[affected_region(ip, jp, (H, W), (3, 3)).size for jp in range(W)] for ip in range(H)]
    close(dI, sizes)


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs())
def test_backward_matches_scipy(method, inputs):
    I, w, _, G = inputs
    dw, db, dI = conv2d_backward(I, w, G, method=method)
    expected_dw, expected_db, expected_dI = scipy_backward(I, w, G)
    close(dw, expected_dw)
    assert db == pytest.approx(expected_db, abs=1e-12)
    close(dI, expected_dI)


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs())
def test_backward_matches_reference(method, inputs):
    I, w, _, G = inputs
    dw, db, dI = conv2d_backward(I, w, G, method=method)
    ref_dw, ref_db, ref_dI = reference.conv2d_backward(I, w, G)
    close(dw, ref_dw)
    assert db == pytest.approx(ref_db, abs=1e-12)
    close(dI, ref_dI)


@pytest.mark.parametrize(
    ("image", "kernel"), [((200, 150), (3, 3)), ((200, 150), (11, 7)), ((70, 80), (60, 70))]
)
def test_backward_on_larger_shapes(image, kernel):
    rng = np.random.default_rng(4)
    I, w = rng.standard_normal(image), rng.standard_normal(kernel)
    G = rng.standard_normal((image[0] - kernel[0] + 1, image[1] - kernel[1] + 1))
    for method in METHODS:
        dw, db, dI = conv2d_backward(I, w, G, method=method)
        expected_dw, expected_db, expected_dI = scipy_backward(I, w, G)
        close(dw, expected_dw, 1e-9)
        assert db == pytest.approx(expected_db)
        close(dI, expected_dI, 1e-9)


def test_gradients_is_the_named_tuple_of_e14():
    I, w, G = np.ones((5, 6)), np.ones((2, 3)), np.ones((4, 4))
    grads = conv2d_backward(I, w, G)
    assert isinstance(grads, Gradients)
    assert Gradients._fields == ("dw", "db", "dI")
    assert grads.dw.shape == (2, 3) and np.ndim(grads.db) == 0 and grads.dI.shape == (5, 6)
    # E14: k1·k2 weight gradients, one bias gradient, H·W input gradients
    assert grads.dw.size + 1 + grads.dI.size == 2 * 3 + 1 + 5 * 6


# --------------------------------------------------------------------------------------------
# gradcheck: the gradients are the derivatives of L = sum(G * Y_hat)
# --------------------------------------------------------------------------------------------


def loss(I, w, b, G):
    """L = <G, Y_hat> with Y_hat computed by scipy, so that dL/dY_hat = G exactly."""
    return float(np.sum(G * (scipy.signal.correlate2d(I, w, "valid") + b)))


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs(max_side=6))
def test_gradcheck_of_all_three_gradients(method, inputs):
    I, w, b, G = inputs
    dw, db, dI = conv2d_backward(I, w, G, method=method)
    result = gradcheck(lambda w_: loss(I, w_, b, G), w, dw)
    assert result, str(result)
    result = gradcheck(lambda b_: loss(I, w, b_, G), b, db)
    assert result, str(result)
    result = gradcheck(lambda I_: loss(I_, w, b, G), I, dI)
    assert result, str(result)


@given(inputs=layer_inputs(max_side=6))
def test_gradcheck_through_convlibs_own_forward(inputs):
    # how the chapters use it: the loss through convlib's forward pass
    I, w, b, G = inputs
    dw, db, dI = conv2d_backward(I, w, G)
    assert gradcheck(lambda w_: np.sum(G * conv2d_forward(I, w_, b)), w, dw)
    assert gradcheck(lambda b_: np.sum(G * conv2d_forward(I, w, b_)), b, db)
    assert gradcheck(lambda I_: np.sum(G * conv2d_forward(I_, w, b)), I, dI)


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs(max_side=30))
def test_float32_gradients_within_float32_tolerance(method, inputs):
    I, w, _, G = (np.float32(x) if np.ndim(x) == 0 else x.astype(np.float32) for x in inputs)
    dw, db, dI = conv2d_backward(I, w, G, method=method)
    assert dw.dtype == dI.dtype == np.float32 and db.dtype == np.float32
    expected_dw, expected_db, expected_dI = scipy_backward(
        *(x.astype(np.float64) for x in (I, w, G))
    )
    # float32 keeps about 7 digits of the largest terms that are summed
    assert np.max(np.abs(dw - expected_dw)) <= 1e-5 * np.max(np.abs(I)) * np.sum(np.abs(G))
    assert abs(db - expected_db) <= 1e-5 * np.sum(np.abs(G))
    assert np.max(np.abs(dI - expected_dI)) <= 1e-5 * np.max(np.abs(G)) * np.sum(np.abs(w))


# --------------------------------------------------------------------------------------------
# mse_loss
# --------------------------------------------------------------------------------------------


def test_mse_loss_by_hand():
    L, G = mse_loss([[1, 2], [3, 4]], [[1, 2], [3, 0]])
    assert L == (4 - 0) ** 2 / 4
    np.testing.assert_array_equal(G, [[0, 0], [0, 2 * 4 / 4]])


@given(inputs=layer_inputs())
def test_mse_loss_gradient(inputs):
    I, w, b, _ = inputs
    Y_hat = conv2d_forward(I, w, b)
    Y = np.cos(np.arange(Y_hat.size)).reshape(Y_hat.shape)
    L, G = mse_loss(Y_hat, Y)
    assert L == pytest.approx(np.mean((Y_hat - Y) ** 2))
    result = gradcheck(lambda Y_hat_: mse_loss(Y_hat_, Y)[0], Y_hat, G)
    assert result, str(result)


def test_mse_loss_keeps_float32_and_checks_shapes():
    L, G = mse_loss(np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
    assert L.dtype == np.float32 and G.dtype == np.float32
    with pytest.raises(ValueError, match=r"Y_hat has shape \(2, 3\) but true value Y has shape"):
        mse_loss(np.ones((2, 3)), np.ones((3, 2)))


# --------------------------------------------------------------------------------------------
# Conv2D
# --------------------------------------------------------------------------------------------


def test_conv2d_layer_forward_backward_step():
    rng = np.random.default_rng(5)
    I, w, G = rng.standard_normal((6, 5)), rng.standard_normal((3, 2)), rng.standard_normal((4, 4))
    layer = Conv2D(w, b=0.25)
    close(layer.forward(I), scipy.signal.correlate2d(I, w, "valid") + 0.25)
    dI = layer.backward(G)
    expected_dw, expected_db, expected_dI = scipy_backward(I, w, G)
    close(dI, expected_dI)
    close(layer.dw, expected_dw)
    assert layer.db == pytest.approx(expected_db)
    layer.step(0.1)
    close(layer.w, w - 0.1 * expected_dw)
    assert layer.b == pytest.approx(0.25 - 0.1 * expected_db)


def test_conv2d_layer_keeps_its_own_copies():
    w = np.ones((2, 2))
    I = np.arange(9.0).reshape(3, 3)
    layer = Conv2D(w)
    w[0, 0] = 100.0  # the caller's kernel changes: the layer's does not
    assert layer.w[0, 0] == 1.0
    layer.forward(I)
    I[:] = 0.0  # the caller's image changes after forward: backward still uses the old one
    layer.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(layer.dw, [[8, 12], [20, 24]])


def test_conv2d_layer_order_of_calls():
    layer = Conv2D([[1.0]])
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward([[1.0]])
    layer.forward([[2.0]])
    with pytest.raises(RuntimeError, match="backward"):
        layer.step(0.1)


def test_conv2d_from_shape_is_seeded():
    a, b = Conv2D.from_shape((3, 4), seed=7), Conv2D.from_shape((3, 4), seed=7)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.w.shape == (3, 4) and a.b == 0.0
    assert not np.array_equal(a.w, Conv2D.from_shape((3, 4), seed=8).w)
    assert "Conv2D(w=" in repr(a)


def test_training_recovers_a_kernel():
    # the training chapter's experiment: learn w_true from its own outputs
    rng = np.random.default_rng(6)
    I = rng.standard_normal((12, 12))
    w_true, b_true = np.array([[1.0, -2.0], [0.5, 3.0]]), 0.7
    Y = conv2d_forward(I, w_true, b_true)
    layer = Conv2D.from_shape((2, 2), seed=0)
    losses = []
    for _ in range(300):
        L, G = mse_loss(layer.forward(I), Y)
        layer.backward(G)
        layer.step(0.05)
        losses.append(L)
    assert losses[-1] < 1e-8 < losses[0]
    close(layer.w, w_true, 1e-3)
    assert layer.b == pytest.approx(b_true, abs=1e-3)


# --------------------------------------------------------------------------------------------
# Degenerate shapes, each one explicitly (hypothesis may or may not draw them)
# --------------------------------------------------------------------------------------------

DEGENERATE = {
    "1x1 image": ((1, 1), (1, 1)),
    "1x1 kernel": ((4, 6), (1, 1)),
    "kernel = image": ((5, 4), (5, 4)),
    "1xN image": ((1, 9), (1, 3)),
    "Nx1 image": ((9, 1), (4, 1)),
    "1xN image, 1xN kernel": ((1, 6), (1, 6)),
    "column kernel": ((3, 8), (3, 1)),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("image", "kernel"), DEGENERATE.values(), ids=DEGENERATE.keys())
def test_degenerate_shapes(method, image, kernel):
    rng = np.random.default_rng(7)
    I, w, b = rng.standard_normal(image), rng.standard_normal(kernel), 0.3
    G = rng.standard_normal((image[0] - kernel[0] + 1, image[1] - kernel[1] + 1))
    Y_hat = conv2d_forward(I, w, b, method=method)
    close(Y_hat, scipy.signal.correlate2d(I, w, "valid") + b)
    dw, db, dI = conv2d_backward(I, w, G, method=method)
    for fast, slow in zip((dw, db, dI), reference.conv2d_backward(I, w, G), strict=True):
        close(fast, slow)
    # the adjoint identity <w ⊗ I, G> = <I, w * G>
    assert np.sum((Y_hat - b) * G) == pytest.approx(np.sum(I * dI), rel=1e-12, abs=1e-12)
    for x, f, grad in [
        (w, lambda w_: loss(I, w_, b, G), dw),
        (b, lambda b_: loss(I, w, b_, G), db),
        (I, lambda I_: loss(I_, w, b, G), dI),
    ]:
        result = gradcheck(f, x, grad)
        assert result, str(result)


# --------------------------------------------------------------------------------------------
# The general layer: channels, a batch, stride, padding, dilation, groups
# --------------------------------------------------------------------------------------------

SMALL = cases(24, seed=21, max_side=6, max_kernel=3, max_batch=2, max_channels=2, max_step=2)


@pytest.mark.parametrize("case", SMALL, ids=str)
def test_gradcheck_of_the_general_layer(case):
    # L = <G, Y_hat> through convlib's own forward pass: each gradient is its derivative
    a = case.arrays()
    I, w, b, G = a["I"], a["w"], a["b"], a["G"]
    dw, db, dI = conv2d_backward(I, w, G, **case.settings)

    def L(I, w, b):
        return np.sum(G * conv2d_forward(I, w, b, **case.settings))

    for x, f, grad in [
        (w, lambda w_: L(I, w_, b), dw),
        (b, lambda b_: L(I, w, b_), db),
        (I, lambda I_: L(I_, w, b), dI),
    ]:
        result = gradcheck(f, x, grad)
        assert result, f"{case}\n{result}"


@pytest.mark.parametrize("case", cases(40, seed=22), ids=str)
def test_the_adjoint_identities(case):
    # Y_hat - b is linear in I and in w, so <Y_hat - b, G> = <I, dI> = <w, dw>
    a = case.arrays()
    Y_hat = conv2d_forward(a["I"], a["w"], **case.settings)
    dw, db, dI = conv2d_backward(a["I"], a["w"], a["G"], **case.settings)
    inner = np.sum(Y_hat * a["G"])
    assert np.sum(a["I"] * dI) == pytest.approx(inner, rel=1e-10, abs=1e-10)
    assert np.sum(a["w"] * dw) == pytest.approx(inner, rel=1e-10, abs=1e-10)
    assert np.sum(db) == pytest.approx(np.sum(a["G"]), rel=1e-12, abs=1e-12)


def test_a_grouped_layer_is_its_groups_side_by_side():
    rng = np.random.default_rng(23)
    I, w, G = rng.standard_normal((2, 6, 7, 7)), rng.standard_normal((4, 3, 3, 3)), None
    Y_hat = conv2d_forward(I, w, stride=2, groups=2)
    halves = [
        conv2d_forward(I[:, 3 * k : 3 * k + 3], w[2 * k : 2 * k + 2], stride=2) for k in (0, 1)
    ]
    close(Y_hat, np.concatenate(halves, axis=1))
    G = rng.standard_normal(Y_hat.shape)
    dw, _, dI = conv2d_backward(I, w, G, stride=2, groups=2)
    parts = [
        conv2d_backward(
            I[:, 3 * k : 3 * k + 3], w[2 * k : 2 * k + 2], G[:, 2 * k : 2 * k + 2], stride=2
        )
        for k in (0, 1)
    ]
    close(dw, np.concatenate([p.dw for p in parts]))
    close(dI, np.concatenate([p.dI for p in parts], axis=1))


def test_a_batch_is_its_samples_one_by_one():
    rng = np.random.default_rng(24)
    I, w = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((4, 2, 2, 3))
    G = rng.standard_normal((3, 4, 6, 5))
    Y_hat = conv2d_forward(I, w, padding="same", dilation=(1, 2))
    dw, db, dI = conv2d_backward(I, w, G, padding="same", dilation=(1, 2))
    for nu in range(3):
        one = conv2d_backward(I[nu : nu + 1], w, G[nu : nu + 1], padding="same", dilation=(1, 2))
        close(
            Y_hat[nu : nu + 1], conv2d_forward(I[nu : nu + 1], w, padding="same", dilation=(1, 2))
        )
        close(dI[nu : nu + 1], one.dI)
    ones = [
        conv2d_backward(I[nu : nu + 1], w, G[nu : nu + 1], padding="same", dilation=(1, 2))
        for nu in range(3)
    ]
    close(dw, sum(one.dw for one in ones))  # dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c]
    close(db, sum(one.db for one in ones))  # db[o] = Σ G[:, o]


def test_one_channel_with_padding_is_the_notes_correlation_on_the_padded_image():
    # 2-D, stride 1, dilation 1: every method, and the same numbers as scipy on np.pad(I)
    rng = np.random.default_rng(25)
    I, w = rng.standard_normal((9, 8)), rng.standard_normal((3, 4))
    I_pad = np.pad(I, ((2, 2), (1, 1)))
    for method in METHODS:
        Y_hat = conv2d_forward(I, w, 0.5, padding=(2, 1), method=method)
        close(Y_hat, scipy.signal.correlate2d(I_pad, w, "valid") + 0.5)
        G = rng.standard_normal(Y_hat.shape)
        dw, db, dI = conv2d_backward(I, w, G, padding=(2, 1), method=method)
        close(dw, scipy.signal.correlate2d(I_pad, G, "valid"))
        close(dI, scipy.signal.convolve2d(G, w, "full")[2:-2, 1:-1])


@pytest.mark.parametrize(
    ("image", "kernel", "settings"),
    [
        ((2, 3, 8, 8), (4, 3, 3, 3), {"stride": 2}),
        ((2, 3, 8, 8), (4, 3, 3, 3), {"dilation": 2}),
        ((8, 8), (3, 3), {"stride": 2, "padding": 1}),
    ],
)
def test_the_fft_is_only_for_one_channel(image, kernel, settings):
    I, w = np.ones(image), np.ones(kernel)
    with pytest.raises(ValueError, match="method='fft' is the FFT engine of the single-channel"):
        conv2d_forward(I, w, **settings, method="fft")
    close(conv2d_forward(I, w, **settings, method="direct"), conv2d_forward(I, w, **settings))


def test_grad_w_and_grad_input_find_the_sizes_the_stride_fixes():
    rng = np.random.default_rng(26)
    I, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2))
    for settings in ({"padding": (1, 2)}, {"dilation": 2}, {"padding": "valid"}):
        G = rng.standard_normal(conv2d_forward(I, w, **settings).shape)
        dw, _, dI = conv2d_backward(I, w, G, **settings)
        close(grad_w(I, G, **settings), dw)  # the kernel's (3, 2) found from H, H' and p
        close(grad_input(w, G, **settings), dI)  # the image's (9, 8) found from H', k and p
    G = rng.standard_normal(conv2d_forward(I, w, padding="same").shape)
    close(grad_input(w, G, padding="same"), conv2d_backward(I, w, G, padding="same").dI)
    with pytest.raises(ValueError, match=r"kernel_shape is needed: with padding='same'"):
        grad_w(I, G, padding="same")
    G = rng.standard_normal(conv2d_forward(I, w, stride=2).shape)
    with pytest.raises(ValueError, match=r"kernel_shape is needed: with stride 2 the output's 4"):
        grad_w(I, G, stride=2)
    with pytest.raises(
        ValueError, match=r"input_shape is needed: with stride 2, images of 9 to 10 rows all give"
    ):
        grad_input(w, G, stride=2)
    close(grad_input(w, G, stride=2, input_shape=(9, 8)), conv2d_backward(I, w, G, stride=2).dI)
    # an input_shape that does not give G's shape is refused through G's rule
    with pytest.raises(ValueError, match=r"upstream gradient G has shape \(2, 4, 4, 4\) but"):
        grad_input(w, G, stride=2, input_shape=(12, 8))


def test_grad_b_of_a_batch():
    G = np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(grad_b(G), [G[:, o].sum() for o in range(3)])
    assert grad_b(G.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_, np.float16])
def test_general_dtypes(dtype):
    # float32 stays float32; ints, bools and every other real dtype are computed in float64
    computed_in = np.float32 if dtype == np.float32 else np.float64
    rng = np.random.default_rng(27)
    I = (np.abs(rng.standard_normal((2, 4, 6, 6))) * 3).astype(dtype)
    w = (np.abs(rng.standard_normal((4, 2, 3, 3))) * 3).astype(dtype)
    G = (np.abs(rng.standard_normal((2, 4, 3, 3))) * 3).astype(dtype)
    b = np.ones(4, dtype=np.float64)  # the bias never changes the dtype
    settings = {"stride": 2, "padding": 1, "groups": 2}
    results = [conv2d_forward(I, w, b, **settings), *conv2d_backward(I, w, G, **settings)]
    results += [grad_w(I, G, kernel_shape=(3, 3), **settings), grad_b(G)]
    results += [grad_input(w, G, input_shape=(6, 6), **settings)]
    exact = [conv2d_forward(*(x.astype(float) for x in (I, w, b)), **settings)]
    exact += list(conv2d_backward(*(x.astype(float) for x in (I, w, G)), **settings))
    for value in results:
        assert value.dtype == computed_in, f"{value.dtype} for {np.dtype(dtype).name}"
    for value, expected in zip(results[:4], exact, strict=True):
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-4)
    layer = Conv2D(w, **settings)
    assert layer.forward(I).dtype == computed_in
    assert layer.backward(G).dtype == computed_in and layer.dw.dtype == computed_in


def test_float32_with_float64_is_float64_in_the_general_layer():
    I, w = np.ones((1, 2, 4, 4), np.float32), np.ones((2, 2, 2, 2))
    assert conv2d_forward(I, w, stride=2).dtype == np.float64
    assert conv2d_forward(I, w.astype(np.float32), stride=2).dtype == np.float32


GENERAL_CALLS = {
    "forward": lambda I, w, b, G: conv2d_forward(I, w, b, stride=2, padding=1, groups=2),
    "backward": lambda I, w, b, G: conv2d_backward(I, w, G, stride=2, padding=1, groups=2),
    "grad_w": lambda I, w, b, G: grad_w(I, G, stride=2, padding=1, groups=2, kernel_shape=(3, 3)),
    "grad_b": lambda I, w, b, G: grad_b(G),
    "grad_input": lambda I, w, b, G: grad_input(
        w, G, stride=2, padding=1, groups=2, input_shape=(7, 7)
    ),
    "Conv2D": lambda I, w, b, G: (
        (layer := Conv2D(w, b, stride=2, padding=1, groups=2)).forward(I),
        layer.backward(G),
    ),
    "depthwise": lambda I, w, b, G: conv2d_backward(I, w[:4, :1], G, padding=1, stride=2, groups=4),
    "reference": lambda I, w, b, G: reference.conv2d_backward(
        I, w, G, stride=2, padding=1, groups=2
    ),
}


@pytest.mark.parametrize("name", GENERAL_CALLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("layout", ["contiguous", "strided", "read-only"])
def test_general_inputs_are_never_modified(name, dtype, layout):
    rng = np.random.default_rng(28)
    inputs = {
        "I": rng.standard_normal((2, 4, 7, 7)),
        "w": rng.standard_normal((4, 2, 3, 3)),
        "b": rng.standard_normal(4),
        "G": rng.standard_normal((2, 4, 4, 4)),
    }
    inputs = {k: (v * 3).astype(dtype) for k, v in inputs.items()}
    if layout == "strided":  # views into larger arrays, not contiguous
        inputs = {k: np.repeat(v, 2, axis=-1)[..., ::2] for k, v in inputs.items()}
        assert not inputs["I"].flags.c_contiguous
    if layout == "read-only":
        for v in inputs.values():
            v.flags.writeable = False
    before = {k: v.copy() for k, v in inputs.items()}
    result = GENERAL_CALLS[name](**inputs)
    outputs = list(result) if isinstance(result, tuple) else [result]
    for k, v in inputs.items():
        np.testing.assert_array_equal(v, before[k])
    for out in outputs:  # and writing into an output cannot reach an input
        for v in inputs.values():
            assert not np.shares_memory(out, v)


# --------------------------------------------------------------------------------------------
# Conv2D on batches
# --------------------------------------------------------------------------------------------


def test_conv2d_layer_on_a_batch_is_the_functions():
    rng = np.random.default_rng(29)
    I, b = rng.standard_normal((3, 4, 9, 7)), rng.standard_normal(6)
    w = rng.standard_normal((6, 2, 3, 3))
    settings = {"stride": (2, 1), "padding": "valid", "dilation": (1, 2), "groups": 2}
    layer = Conv2D(w, b, **settings)
    Y_hat = layer.forward(I)
    close(Y_hat, conv2d_forward(I, w, b, **settings))
    G = rng.standard_normal(Y_hat.shape)
    dI = layer.backward(G)
    expected = conv2d_backward(I, w, G, **settings)
    close(dI, expected.dI)
    close(layer.dw, expected.dw)
    close(layer.db, expected.db)
    assert layer.db.shape == (6,)
    layer.step(0.1)
    close(layer.w, w - 0.1 * expected.dw)
    close(layer.b, b - 0.1 * expected.db)
    assert "Conv2D(w of shape (6, 2, 3, 3), b of shape (6,), stride=(2, 1)" in repr(layer)


def test_conv2d_layer_on_a_batch_keeps_its_own_copies():
    w, b, I = np.ones((2, 1, 2, 2)), np.zeros(2), np.ones((1, 1, 3, 3))
    layer = Conv2D(w, b)
    w[:] = 5.0
    b[:] = 5.0
    layer.forward(I)
    I[:] = 0.0
    layer.backward(np.ones((1, 2, 2, 2)))
    np.testing.assert_array_equal(layer.dw, np.full((2, 1, 2, 2), 4.0))
    np.testing.assert_array_equal(layer.b, [0.0, 0.0])
    assert Conv2D(np.ones((3, 2, 1, 1)), 1.5).b.tolist() == [1.5, 1.5, 1.5]


def test_conv2d_from_a_4d_shape_is_seeded():
    a = Conv2D.from_shape((8, 3, 3, 3), seed=7, padding="same")
    b = Conv2D.from_shape((8, 3, 3, 3), seed=7, padding="same")
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(a.b, np.zeros(8))
    assert not np.array_equal(a.w, Conv2D.from_shape((8, 3, 3, 3), seed=8).w)
    assert a.settings == {
        "stride": 1,
        "padding": "same",
        "dilation": 1,
        "groups": 1,
        "method": "auto",
    }
    # N(0, 1 / fan-in), the fan-in of one filter being C_in / groups · k1 · k2 = 27 weights
    big = Conv2D.from_shape((400, 3, 3, 3), seed=0)
    assert big.w.std() == pytest.approx(1 / np.sqrt(27), rel=0.02)
    assert big.w.dtype == np.float64


def test_training_a_batched_layer_recovers_its_filters():
    # the training chapter's experiment on a batch with channels, stride and padding
    rng = np.random.default_rng(30)
    I = rng.standard_normal((8, 2, 10, 10))
    w_true, b_true = rng.standard_normal((3, 2, 3, 3)), np.array([0.5, -1.0, 2.0])
    settings = {"stride": 2, "padding": 1}
    Y = conv2d_forward(I, w_true, b_true, **settings)
    layer = Conv2D.from_shape((3, 2, 3, 3), seed=0, **settings)
    for _ in range(200):
        L, G = mse_loss_nd(layer.forward(I), Y)
        layer.backward(G)
        layer.step(0.5)
    assert L < 1e-8
    close(layer.w, w_true, 1e-3)
    close(layer.b, b_true, 1e-3)


def mse_loss_nd(Y_hat, Y):
    """The mean squared error of any shape and its gradient (mse_loss takes 2-D arrays)."""
    residual = Y_hat - Y
    return np.mean(residual**2), 2 * residual / residual.size


# --------------------------------------------------------------------------------------------
# NaN and inf: every output is the sum the definition gives, as in the loops
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["I", "w", "G"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("case", cases(12, seed=31, max_side=7), ids=str)
def test_nan_and_inf_reach_what_the_definition_says(case, where, value):
    # the spare columns of the matrices must never carry an inf or nan into a real sum; the
    # loops multiply by the padding's zeros as the fast layer does, so the patterns agree
    a = case.arrays()
    a[where].flat[len(a[where].flat) // 2] = value
    if where == "w" and a["w"].size > 1:
        a["w"].flat[0] = 0.0  # a zero weight: BLAS must not skip it when it meets an inf
    fast = [conv2d_forward(a["I"], a["w"], a["b"], **case.settings)]
    fast += list(conv2d_backward(a["I"], a["w"], a["G"], **case.settings))
    with np.errstate(invalid="ignore"):  # the loops' scalar 0 * inf warns; the layer is silent
        slow = [reference.conv2d_forward(a["I"], a["w"], a["b"], **case.settings)]
        slow += list(reference.conv2d_backward(a["I"], a["w"], a["G"], **case.settings))
    for name, x, y in zip(("Y_hat", "dw", "db", "dI"), fast, slow, strict=True):
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f"nan in {name}")
        np.testing.assert_array_equal(np.isinf(x), np.isinf(y), err_msg=f"inf in {name}")
        finite = np.isfinite(y)
        close(np.where(finite, x, 0), np.where(finite, y, 0))
