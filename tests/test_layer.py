"""convlib.layer: the forward pass, the backward pass beside it, the layer and the loss."""

import numpy as np
import pytest
import scipy.signal
from helpers import METHODS, close, layer_inputs
from hypothesis import given

from convlib import (
    Conv2D,
    Gradients,
    affected_region,
    conv2d_backward,
    conv2d_forward,
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
