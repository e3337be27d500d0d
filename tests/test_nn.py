"""convlib.nn: every layer's forward and backward against an independent computation.

The oracles: explicit loops (MaxPool2D and its tie rule, Linear, Flatten, the loss), finite
differences (convlib.gradcheck) for every input and parameter gradient, and PyTorch's autograd
in float64 where torch is installed. A full CNN, built on convlib's batched ``Conv2D``, is
checked end to end, and against ``BatchConv2D``, an independent batched convolution written
here with ``sliding_window_view`` and checked against scipy on its own.
"""

import itertools
import subprocess
import sys

import numpy as np
import pytest
import scipy.signal
from helpers import close
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from convlib import Conv2D, gradcheck
from convlib.nn import Flatten, Linear, MaxPool2D, ReLU, Sequential, softmax_cross_entropy

# --------------------------------------------------------------------------------------------
# An independent batched convolution, the oracle for convlib's
# --------------------------------------------------------------------------------------------


class BatchConv2D:
    """A batched conv layer by einsum, ``w`` (C_out, C_in, k1, k2), ``b`` (C_out,): an oracle.

    Valid padding, stride 1: ``y[s, o] = Σ_c w[o, c] ⊗ x[s, c] + b[o]``, written without any
    of convlib's code.
    """

    def __init__(self, w, b):
        self.w, self.b = np.array(w, dtype=float), np.array(b, dtype=float)
        self.x = self.dw = self.db = None

    def forward(self, x):
        self.x = np.array(x, dtype=float)
        windows = sliding_window_view(self.x, self.w.shape[2:], axis=(2, 3))
        return np.einsum("scijmn,ocmn->soij", windows, self.w) + self.b[:, None, None]

    def backward(self, G):
        k1, k2 = self.w.shape[2:]
        windows = sliding_window_view(self.x, (k1, k2), axis=(2, 3))
        self.dw = np.einsum("soij,scijmn->ocmn", G, windows)
        self.db = G.sum(axis=(0, 2, 3))
        G_pad = np.pad(G, ((0, 0), (0, 0), (k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
        G_windows = sliding_window_view(G_pad, (k1, k2), axis=(2, 3))
        return np.einsum("soijmn,ocmn->scij", G_windows, self.w[:, :, ::-1, ::-1])

    def step(self, lr):
        self.w = self.w - lr * self.dw
        self.b = self.b - lr * self.db


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

RNG = np.random.default_rng(2024)


def inner(G, y):
    """L = <G, y>, so that dL/dy = G exactly: the loss every gradcheck below differentiates."""
    return float(np.sum(G * y))


def check(f, x, grad):
    result = gradcheck(f, x, grad)
    assert result, str(result)


def unchanged(*arrays):
    """Copies of ``arrays``, and a function that asserts they are still equal to them."""
    copies = [np.array(a, copy=True) for a in arrays]

    def verify():
        for a, c in zip(arrays, copies, strict=True):
            np.testing.assert_array_equal(a, c)

    return verify


def small_cnn(seed=0, C=3, k=3, make_conv=Conv2D):
    """conv (C filters k×k) → ReLU → max-pool 2 → flatten → dense, on (N, 1, 7, 8) inputs."""
    rng = np.random.default_rng(seed)
    conv = make_conv(rng.standard_normal((C, 1, k, k)) * 0.5, rng.standard_normal(C) * 0.1)
    n_in = C * ((7 - k + 1) // 2) * ((8 - k + 1) // 2)
    dense = Linear(rng.standard_normal((4, n_in)) * 0.3, rng.standard_normal(4) * 0.1)
    return Sequential(conv, ReLU(), MaxPool2D(2), Flatten(), dense)


# --------------------------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------------------------


def test_relu_by_hand_and_by_loop():
    x = RNG.standard_normal((3, 2, 4, 5))
    x[0, 0, 0, :3] = [0.0, -0.0, 1e-300]
    G = RNG.standard_normal(x.shape)
    relu = ReLU()
    y, dx = relu.forward(x), relu.backward(G)
    for k in np.ndindex(x.shape):
        assert y[k] == (x[k] if x[k] > 0 else 0.0)
        assert dx[k] == (G[k] if x[k] > 0 else 0.0)  # at x = 0 the gradient is 0
    assert dx[0, 0, 0, 2] == G[0, 0, 0, 2]


def test_relu_gradcheck():
    x = RNG.standard_normal((2, 3, 4))
    x[np.abs(x) < 0.05] = 0.5  # finite differences need a step away from the kink
    G = RNG.standard_normal(x.shape)
    relu = ReLU()
    relu.forward(x)
    check(lambda x_: inner(G, ReLU().forward(x_)), x, relu.backward(G))


def test_relu_keeps_float32_and_blocks_infinite_gradients():
    relu = ReLU()
    assert relu.forward(np.array([-1.0, 2.0], dtype=np.float32)).dtype == np.float32
    # where x <= 0 the gradient is 0, even for an infinite G (not 0 * inf = nan)
    np.testing.assert_array_equal(relu.backward([np.inf, np.inf]), [0.0, np.inf])


# --------------------------------------------------------------------------------------------
# MaxPool2D: the explicit loops are the oracle, ties included
# --------------------------------------------------------------------------------------------


def maxpool_loops(x, size, G):
    """y and dL/dx by loops over every window; a tie goes to the first maximum, row-major."""
    s1, s2 = size
    N, C, H, W = x.shape
    Ho, Wo = H // s1, W // s2
    y, dx = np.zeros((N, C, Ho, Wo)), np.zeros(x.shape)
    for n, c, i, j in itertools.product(range(N), range(C), range(Ho), range(Wo)):
        best = None
        for p in range(s1):
            for q in range(s2):
                if best is None or x[n, c, i * s1 + p, j * s2 + q] > x[n, c, best[0], best[1]]:
                    best = (i * s1 + p, j * s2 + q)  # strictly greater: the first one stays
        y[n, c, i, j] = x[n, c, best[0], best[1]]
        dx[n, c, best[0], best[1]] += G[n, c, i, j]
    return y, dx


@st.composite
def pool_inputs(draw):
    """(x, size, G) of any shape, remainders included; values with many ties half the time."""
    s1, s2 = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(s1, 9)), draw(st.integers(s2, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        x = rng.integers(0, 3, (N, C, H, W)).astype(float)  # many ties
    else:
        x = rng.standard_normal((N, C, H, W))
    return x, (s1, s2), rng.standard_normal((N, C, H // s1, W // s2))


@given(inputs=pool_inputs())
def test_maxpool_matches_loops(inputs):
    x, size, G = inputs
    pool = MaxPool2D(size)
    y = pool.forward(x)
    dx = pool.backward(G)
    expected_y, expected_dx = maxpool_loops(x, size, G)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(dx, expected_dx)


def test_maxpool_tie_goes_to_the_first_in_row_major_order():
    pool = MaxPool2D(2)
    x = np.array([[[[5, 5], [5, 5]], [[0, 7], [7, 7]], [[1, 0], [3, 3]]]], dtype=float)
    pool.forward(x)
    dx = pool.backward(np.ones((1, 3, 1, 1)))
    np.testing.assert_array_equal(
        dx, [[[[1, 0], [0, 0]], [[0, 1], [0, 0]], [[0, 0], [1, 0]]]]
    )  # whole gradient to one position per window, never spread


def test_maxpool_drops_the_remainder_and_gives_it_zero_gradient():
    x = RNG.standard_normal((2, 1, 5, 7)) + 10.0
    x[..., 4, :] = x[..., :, 6] = 100.0  # the largest values lie in the remainder
    pool = MaxPool2D((2, 3))
    y = pool.forward(x)
    assert y.shape == (2, 1, 2, 2)
    assert np.all(y < 100.0)
    dx = pool.backward(np.ones(y.shape))
    assert np.all(dx[..., 4:, :] == 0) and np.all(dx[..., :, 6:] == 0)
    assert dx.sum() == y.size  # one unit of gradient per window


def test_maxpool_three_dimensional_input_and_size_one():
    x = RNG.standard_normal((2, 4, 6))
    y = MaxPool2D(3).forward(x)
    expected, _ = maxpool_loops(x[None], (3, 3), np.zeros((1, 2, 1, 2)))
    np.testing.assert_array_equal(y, expected[0])
    pool = MaxPool2D(1)
    np.testing.assert_array_equal(pool.forward(x), x)  # a 1×1 window is the identity
    G = RNG.standard_normal(x.shape)
    np.testing.assert_array_equal(pool.backward(G), G)


def test_maxpool_gradcheck():
    x = RNG.standard_normal((2, 2, 5, 6))  # continuous values: no ties, max stable under eps
    G = RNG.standard_normal((2, 2, 2, 3))
    pool = MaxPool2D(2)
    pool.forward(x)
    check(lambda x_: inner(G, MaxPool2D(2).forward(x_)), x, pool.backward(G))


def test_maxpool_nan_is_the_maximum():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    pool = MaxPool2D(2)
    assert np.isnan(pool.forward(x)).all()
    np.testing.assert_array_equal(pool.backward([[[[1.0]]]]), [[[[0, 1], [0, 0]]]])


# --------------------------------------------------------------------------------------------
# Flatten
# --------------------------------------------------------------------------------------------


def test_flatten_order_by_loop_and_gradcheck():
    N, C, H, W = 2, 3, 2, 4
    x = RNG.standard_normal((N, C, H, W))
    flat = Flatten()
    y = flat.forward(x)
    for n, c, h, w in np.ndindex(x.shape):
        assert y[n, c * H * W + h * W + w] == x[n, c, h, w]
    G = RNG.standard_normal(y.shape)
    dx = flat.backward(G)
    for n, c, h, w in np.ndindex(x.shape):
        assert dx[n, c, h, w] == G[n, c * H * W + h * W + w]
    check(lambda x_: inner(G, Flatten().forward(x_)), x, dx)


def test_flatten_returns_copies_not_views():
    x = np.ones((2, 3, 2))
    flat = Flatten()
    y = flat.forward(x)
    y[:] = 5.0
    assert np.all(x == 1.0)
    G = np.ones((2, 6))
    flat.backward(G)[:] = 7.0
    assert np.all(G == 1.0)


# --------------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------------


def linear_loops(x, w, b, G):
    """y, dL/dw, dL/db, dL/dx as explicit sums."""
    (N, n_in), n_out = x.shape, w.shape[0]
    y, dw, db, dx = np.zeros((N, n_out)), np.zeros(w.shape), np.zeros(n_out), np.zeros(x.shape)
    for n in range(N):
        for o in range(n_out):
            y[n, o] = b[o] + sum(w[o, i] * x[n, i] for i in range(n_in))
            db[o] += G[n, o]
            for i in range(n_in):
                dw[o, i] += G[n, o] * x[n, i]
                dx[n, i] += G[n, o] * w[o, i]
    return y, dw, db, dx


@given(
    N=st.integers(1, 5), n_in=st.integers(1, 6), n_out=st.integers(1, 5), seed=st.integers(0, 99)
)
def test_linear_matches_loops(N, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    x, w, b = (
        rng.standard_normal((N, n_in)),
        rng.standard_normal((n_out, n_in)),
        rng.standard_normal(n_out),
    )
    G = rng.standard_normal((N, n_out))
    dense = Linear(w, b)
    y = dense.forward(x)
    dx = dense.backward(G)
    expected = linear_loops(x, w, b, G)
    for actual, oracle in zip((y, dense.dw, dense.db, dx), expected, strict=True):
        close(actual, oracle)


def test_linear_gradcheck_of_w_b_x():
    x, w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((3, 5)), RNG.standard_normal(3)
    G = RNG.standard_normal((4, 3))
    dense = Linear(w, b)
    dense.forward(x)
    dx = dense.backward(G)
    check(lambda w_: inner(G, Linear(w_, b).forward(x)), w, dense.dw)
    check(lambda b_: inner(G, Linear(w, b_).forward(x)), b, dense.db)
    check(lambda x_: inner(G, Linear(w, b).forward(x_)), x, dx)


def test_linear_step_moves_by_minus_lr_times_the_gradient():
    w, b = RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    dense = Linear(w, b)
    dense.forward(RNG.standard_normal((2, 4)))
    dense.backward(RNG.standard_normal((2, 3)))
    dw, db = dense.dw.copy(), dense.db.copy()
    dense.step(0.25)
    np.testing.assert_array_equal(dense.w, w - 0.25 * dw)
    np.testing.assert_array_equal(dense.b, b - 0.25 * db)


def test_linear_from_shape_is_he_initialised_and_seeded():
    a, b = Linear.from_shape(300, 400, seed=3), Linear.from_shape(300, 400, seed=3)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.w, Linear.from_shape(300, 400, seed=4).w)
    assert a.w.shape == (400, 300) and np.all(a.b == 0)
    # 120,000 draws of N(0, 2/300): the sample std is within 1 % of sqrt(2/300) (about 5 sigma)
    assert np.std(a.w) == pytest.approx(np.sqrt(2 / 300), rel=0.01)
    assert abs(np.mean(a.w)) < 5 * np.sqrt(2 / 300) / np.sqrt(a.w.size)
    assert repr(a) == "Linear(in=300, out=400)"


def test_linear_default_bias_is_zero_and_keeps_copies():
    w = np.ones((2, 3))
    dense = Linear(w)
    np.testing.assert_array_equal(dense.b, [0.0, 0.0])
    w[:] = 9.0
    assert np.all(dense.w == 1.0)
    x = np.ones((1, 3))
    dense.forward(x)
    x[:] = 0.0  # the caller's input changes after forward: backward still uses the old one
    dense.backward(np.ones((1, 2)))
    np.testing.assert_array_equal(dense.dw, np.ones((2, 3)))


# --------------------------------------------------------------------------------------------
# softmax_cross_entropy
# --------------------------------------------------------------------------------------------


def cross_entropy_loops(z, labels):
    """L and dL/dz with math.fsum-free plain loops, using scipy's logsumexp per row."""
    from scipy.special import logsumexp, softmax

    N, K = z.shape
    L, G = 0.0, np.zeros(z.shape)
    for n in range(N):
        L += (logsumexp(z[n]) - z[n, labels[n]]) / N
        p = softmax(z[n])
        for k in range(K):
            G[n, k] = (p[k] - (k == labels[n])) / N
    return L, G


@given(
    N=st.integers(1, 6),
    K=st.integers(1, 7),
    scale=st.sampled_from([1.0, 30.0]),
    seed=st.integers(0, 99),
)
def test_softmax_cross_entropy_matches_scipy(N, K, scale, seed):
    rng = np.random.default_rng(seed)
    z, labels = rng.standard_normal((N, K)) * scale, rng.integers(0, K, N)
    L, G = softmax_cross_entropy(z, labels)
    expected_L, expected_G = cross_entropy_loops(z, labels)
    assert L == pytest.approx(expected_L, rel=1e-12, abs=1e-12)
    close(G, expected_G)


def test_softmax_cross_entropy_gradcheck():
    z, labels = RNG.standard_normal((5, 4)) * 3, np.array([0, 3, 3, 1, 2])
    L, G = softmax_cross_entropy(z, labels)
    check(lambda z_: softmax_cross_entropy(z_, labels)[0], z, G)


@pytest.mark.parametrize("big", [1e3, 1e4, 1e300])
def test_softmax_cross_entropy_is_finite_for_large_logits(big):
    z = np.array([[big, 0.0, -big], [0.0, big, big]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # exp may underflow to 0
        L, G = softmax_cross_entropy(z, [1, 2])
    assert np.isfinite(L) and np.all(np.isfinite(G))
    # sample 0: p = (1, 0, 0), loss big; sample 1: p = (0, 1/2, 1/2), loss log 2
    assert L == pytest.approx((big + np.log(2)) / 2, rel=1e-12)
    close(G, np.array([[1.0, -1.0, 0.0], [0.0, 0.5, -0.5]]) / 2)


def test_softmax_cross_entropy_rows_of_G_sum_to_zero():
    z = RNG.standard_normal((6, 10))
    _, G = softmax_cross_entropy(z, np.arange(6))
    close(G.sum(axis=1), np.zeros(6))
    assert np.all(G[np.arange(6), np.arange(6)] < 0)


# --------------------------------------------------------------------------------------------
# Sequential and a whole CNN
# --------------------------------------------------------------------------------------------


def test_batch_conv_stand_in_matches_scipy():
    # the stand-in is an independent oracle only if it is right: check it against scipy
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    x, G = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((2, 3, 4, 4))
    conv = BatchConv2D(w, b)
    y, dx = conv.forward(x), conv.backward(G)
    corr, full = scipy.signal.correlate2d, scipy.signal.convolve2d
    for s, o in itertools.product(range(2), range(3)):
        close(y[s, o], sum(corr(x[s, c], w[o, c], "valid") for c in range(2)) + b[o])
    for o, c in itertools.product(range(3), range(2)):
        close(conv.dw[o, c], sum(corr(x[s, c], G[s, o], "valid") for s in range(2)))
    for s, c in itertools.product(range(2), range(2)):
        close(dx[s, c], sum(full(G[s, o], w[o, c], "full") for o in range(3)))
    close(conv.db, G.sum(axis=(0, 2, 3)))


def test_sequential_gradcheck_of_every_parameter_of_a_cnn():
    model = small_cnn()
    x, labels = RNG.standard_normal((3, 1, 7, 8)), np.array([0, 3, 1])
    conv, dense = model[0], model[4]

    def loss(**replace):
        """L with one parameter (or the input) replaced, computed with fresh layers."""
        fresh = Sequential(
            Conv2D(replace.get("cw", conv.w), replace.get("cb", conv.b)),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Linear(replace.get("dw", dense.w), replace.get("db", dense.b)),
        )
        return softmax_cross_entropy(fresh.forward(replace.get("x", x)), labels)[0]

    _, G = softmax_cross_entropy(model.forward(x), labels)
    dx = model.backward(G)
    check(lambda v: loss(cw=v), conv.w, conv.dw)
    check(lambda v: loss(cb=v), conv.b, conv.db)
    check(lambda v: loss(dw=v), dense.w, dense.dw)
    check(lambda v: loss(db=v), dense.b, dense.db)
    check(lambda v: loss(x=v), x, dx)


def test_sequential_is_the_composition():
    model = small_cnn(seed=1)
    x = RNG.standard_normal((2, 1, 7, 8))
    y = x
    for layer in model:
        y = layer.forward(y)
    np.testing.assert_array_equal(model.forward(x), y)
    G = RNG.standard_normal(y.shape)
    expected = G
    for layer in reversed(model.layers):
        expected = layer.backward(expected)
    np.testing.assert_array_equal(model.backward(G), expected)
    assert len(model) == 5 and model[1].__class__ is ReLU
    assert repr(model) == (
        f"Sequential({model[0]!r}, ReLU(), MaxPool2D(2), Flatten(), Linear(in=18, out=4))"
    )


def test_sequential_step_steps_every_layer():
    model = small_cnn(seed=2)
    conv, dense = model[0], model[4]
    before = [a.copy() for a in (conv.w, conv.b, dense.w, dense.b)]
    model.forward(RNG.standard_normal((2, 1, 7, 8)))
    model.backward(RNG.standard_normal((2, 4)))
    model.step(0.1)
    for after, old, grad in zip(
        (conv.w, conv.b, dense.w, dense.b),
        before,
        (conv.dw, conv.db, dense.dw, dense.db),
        strict=True,
    ):
        np.testing.assert_allclose(after, old - 0.1 * grad, rtol=0, atol=1e-15)


def test_sequential_with_the_notes_conv2d():
    # the notes' single-channel Conv2D plugs in as it is: a stack of two layers and a ReLU
    rng = np.random.default_rng(3)
    I, G = rng.standard_normal((7, 6)), rng.standard_normal((4, 3))
    w1, w2 = rng.standard_normal((2, 2)), rng.standard_normal((3, 3))
    model = Sequential(Conv2D(w1, 0.1), ReLU(), Conv2D(w2, -0.2))
    model.forward(I)
    dI = model.backward(G)

    def loss(I_=I, w1_=w1, w2_=w2):
        return inner(G, Sequential(Conv2D(w1_, 0.1), ReLU(), Conv2D(w2_, -0.2)).forward(I_))

    check(lambda v: loss(I_=v), I, dI)
    check(lambda v: loss(w1_=v), w1, model[0].dw)
    check(lambda v: loss(w2_=v), w2, model[2].dw)


def test_a_small_cnn_learns():
    # vertical or horizontal bar in a 7×8 image: a few hundred SGD steps classify them all
    rng = np.random.default_rng(4)
    N = 64
    x, labels = rng.normal(0, 0.3, (N, 1, 7, 8)), rng.integers(0, 2, N)
    for n in range(N):
        r, c = rng.integers(1, 6), rng.integers(1, 7)
        if labels[n]:
            x[n, 0, :, c] += 2.0
        else:
            x[n, 0, r, :] += 2.0
    model = small_cnn(seed=5)
    first, _ = softmax_cross_entropy(model.forward(x), labels)
    for _ in range(60):
        L, G = softmax_cross_entropy(model.forward(x), labels)
        model.backward(G)
        model.step(0.2)
    assert L < first / 10
    assert np.mean(np.argmax(model.forward(x), axis=1) == labels) == 1.0


def test_sequential_with_the_batched_conv2d_matches_the_oracle():
    real, stand_in = small_cnn(seed=6), small_cnn(seed=6, make_conv=BatchConv2D)
    x, labels = RNG.standard_normal((3, 1, 7, 8)), np.array([1, 0, 2])
    close(real.forward(x), stand_in.forward(x))
    _, G = softmax_cross_entropy(stand_in.forward(x), labels)
    close(real.backward(G), stand_in.backward(G))
    close(real[0].dw, stand_in[0].dw)
    close(real[0].db, stand_in[0].db)
    close(real[4].dw, stand_in[4].dw)
    real.step(0.1)
    stand_in.step(0.1)
    close(real[0].w, stand_in[0].w)
    close(real[0].b, stand_in[0].b)


# --------------------------------------------------------------------------------------------
# PyTorch's autograd, float64, to 1e-10
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def tensor(torch, a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_torch_relu(torch):
    x, G = RNG.standard_normal((2, 3, 4, 4)), RNG.standard_normal((2, 3, 4, 4))
    x[0, 0, 0, 0] = 0.0
    xt = tensor(torch, x)
    yt = torch.relu(xt)
    yt.backward(tensor(torch, G, False))
    relu = ReLU()
    close(relu.forward(x), yt.detach().numpy())
    close(relu.backward(G), xt.grad.numpy())


@pytest.mark.parametrize("size", [2, 3, (2, 3), (1, 4)])
@pytest.mark.parametrize("ties", [False, True])
def test_torch_maxpool(torch, size, ties):
    x = RNG.standard_normal((2, 3, 7, 8))
    if ties:
        x = np.round(x)  # many ties: torch's CPU kernel also picks the first, row-major
    xt = tensor(torch, x)
    yt = torch.nn.functional.max_pool2d(xt, size)
    G = RNG.standard_normal(tuple(yt.shape))
    yt.backward(tensor(torch, G, False))
    pool = MaxPool2D(size)
    close(pool.forward(x), yt.detach().numpy())
    close(pool.backward(G), xt.grad.numpy())


def test_torch_flatten_and_linear(torch):
    x, w, b = (
        RNG.standard_normal((4, 2, 3, 2)),
        RNG.standard_normal((5, 12)),
        RNG.standard_normal(5),
    )
    G = RNG.standard_normal((4, 5))
    xt, wt, bt = tensor(torch, x), tensor(torch, w), tensor(torch, b)
    yt = torch.nn.functional.linear(torch.flatten(xt, 1), wt, bt)
    yt.backward(tensor(torch, G, False))
    model = Sequential(Flatten(), Linear(w, b))
    close(model.forward(x), yt.detach().numpy())
    close(model.backward(G), xt.grad.numpy())
    close(model[1].dw, wt.grad.numpy())
    close(model[1].db, bt.grad.numpy())


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e4])
def test_torch_cross_entropy(torch, scale):
    z, labels = RNG.standard_normal((8, 10)) * scale, RNG.integers(0, 10, 8)
    zt = tensor(torch, z)
    Lt = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    Lt.backward()
    L, G = softmax_cross_entropy(z, labels)
    assert L == pytest.approx(Lt.item(), rel=1e-10, abs=1e-10)
    close(G, zt.grad.numpy())


def test_torch_whole_cnn(torch):
    model = small_cnn(seed=8)
    conv, dense = model[0], model[4]
    x, labels = RNG.standard_normal((5, 1, 7, 8)), RNG.integers(0, 4, 5)
    L, G = softmax_cross_entropy(model.forward(x), labels)
    dx = model.backward(G)
    F = torch.nn.functional
    xt, cw, cb = tensor(torch, x), tensor(torch, conv.w), tensor(torch, conv.b)
    dw, db = tensor(torch, dense.w), tensor(torch, dense.b)
    hidden = F.max_pool2d(torch.relu(F.conv2d(xt, cw, cb)), 2)
    Lt = F.cross_entropy(F.linear(torch.flatten(hidden, 1), dw, db), torch.tensor(labels))
    Lt.backward()
    assert L == pytest.approx(Lt.item(), rel=1e-10)
    for ours, theirs in [(dx, xt), (conv.dw, cw), (conv.db, cb), (dense.dw, dw), (dense.db, db)]:
        close(ours, theirs.grad.numpy())


# --------------------------------------------------------------------------------------------
# Bad input: a clear error naming the argument, what was expected and what came
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: MaxPool2D(3).forward(np.ones((1, 1, 2, 5))), ValueError,
         r"pool size \(3, 3\) of MaxPool2D is larger than its input's \(H, W\) = \(2, 5\) "
         r"\(input x of shape \(1, 1, 2, 5\)\)"),
        (lambda: MaxPool2D(2).forward(np.ones((4, 10))), ValueError,
         r"input x of MaxPool2D must be a 3-D or 4-D array \(C, H, W\) or \(N, C, H, W\), "
         r"got a 2-D array of shape \(4, 10\)"),
        (lambda: MaxPool2D(0), ValueError, "pool size must be an int >= 1, got 0"),
        (lambda: MaxPool2D(2.0), TypeError, "pool size must be an int >= 1, got float 2.0"),
        (lambda: MaxPool2D(True), TypeError, "pool size must be an int >= 1, got bool"),
        (lambda: MaxPool2D((2, 2, 2)), ValueError,
         r"pool size must be an int or a pair of ints, got \(2, 2, 2\)"),
        (lambda: Flatten().forward(np.ones(5)), ValueError,
         r"input x of Flatten must be an array of 2 or more dimensions \(N, ...\), N samples, "
         r"got a 1-D array of shape \(5,\)"),
        (lambda: Linear(np.ones((10, 72))).forward(np.ones((32, 80))), ValueError,
         r"input x of Linear must have shape \(N, 72\), 72 features per sample to match w of "
         r"shape \(10, 72\) = \(out, in\); got shape \(32, 80\): the layer before gives 80 "
         r"features"),
        (lambda: Linear(np.ones((10, 72))).forward(np.ones((32, 2, 6, 6))), ValueError,
         r"input x of Linear must be a 2-D array \(N, in\) = \(N, 72\): put a Flatten\(\) before "
         r"it, got a 4-D array of shape \(32, 2, 6, 6\)"),
        (lambda: Linear(np.ones(3)), ValueError,
         r"weights w of Linear must be a 2-D array \(out, in\), got a 1-D array of shape \(3,\)"),
        (lambda: Linear(np.ones((3, 2)), np.ones(2)), ValueError,
         r"bias b of Linear must have shape \(3,\), one per row of w \(w has shape \(3, 2\) = "
         r"\(out, in\)\); got shape \(2,\)"),
        (lambda: Linear(np.ones((3, 2)) * 1j), TypeError,
         "weights w of Linear must hold real numbers .* got dtype complex128"),
        (lambda: Linear.from_shape(0, 3), ValueError, "n_in must be an int >= 1, got 0"),
        (lambda: Linear.from_shape(4, 2.5), TypeError, "n_out must be an int >= 1, got float 2.5"),
        (lambda: ReLU().forward("abc"), TypeError, "input x of ReLU must hold real numbers"),
        (lambda: ReLU().forward(np.ones((0, 3))), ValueError,
         r"input x of ReLU must not be empty, got shape \(0, 3\)"),
        (lambda: ReLU().step("0.1"), TypeError, "learning rate lr must be a real number, got str"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), [0, 3]), ValueError,
         r"labels must be class indices 0 <= label < 3 \(one per column of the logits\); "
         r"got 3 at position 1"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), [-1, 0]), ValueError,
         "labels must be class indices 0 <= label < 3 .* got -1 at position 0"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), [0.0, 1.0]), TypeError,
         r"labels must be integers, the class indices 0 .. 2; got list \[0.0, 1.0\]"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([True, False])), TypeError,
         "labels must be integers, the class indices 0 .. 2; got a 1-D bool array"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), [0, 1, 2]), ValueError,
         r"labels must have shape \(2,\), one label per row of the logits; got shape \(3,\)"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), [[0, 1]]), ValueError,
         r"labels must have shape \(2,\), one label per row of the logits; got shape \(1, 2\)"),
        (lambda: softmax_cross_entropy(np.zeros(3), [0]), ValueError,
         r"logits must be a 2-D array \(N, K\): one row of K class scores per sample, got a 1-D"),
        (lambda: Sequential(), ValueError, "Sequential needs at least one layer, got none"),
        (lambda: Sequential(ReLU(), Flatten), TypeError,
         r"layer 1 of Sequential is the class Flatten, not a layer: write Flatten\(...\)"),
        (lambda: Sequential(ReLU(), np.ones(3)), TypeError,
         "layer 1 of Sequential must have forward.* ndarray has no forward, backward, step"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sequential_names_the_layer_whose_shapes_do_not_chain():
    # 6×6 → conv 3×3 → 4×4 → pool 2 → 2×2, 2 channels: 8 features, not the 18 Linear expects
    model = Sequential(Conv2D(np.ones((2, 1, 3, 3)), np.zeros(2)), ReLU(), MaxPool2D(2),
                       Flatten(), Linear.from_shape(18, 10))  # fmt: skip
    message = (
        r"layer 4 \(Linear\) of Sequential, forward: input x of Linear must have shape \(N, 18\)"
        r".* got shape \(5, 8\): the layer before gives 8 features"
    )
    with pytest.raises(ValueError, match=message):
        model.forward(np.ones((5, 1, 6, 6)))
    model = Sequential(ReLU(), MaxPool2D(4))
    with pytest.raises(ValueError, match=r"layer 1 \(MaxPool2D\) of Sequential, forward: pool"):
        model.forward(np.ones((1, 1, 3, 3)))


@pytest.mark.parametrize(
    "layer", [ReLU(), MaxPool2D(2), Flatten(), Linear(np.ones((2, 3)))], ids=repr
)
def test_backward_before_forward(layer):
    name = type(layer).__name__
    with pytest.raises(RuntimeError, match=rf"{name}.backward\(G\) needs the input of forward"):
        layer.backward(np.ones((2, 2)))


def test_linear_step_before_backward_and_gradient_of_the_wrong_shape():
    dense = Linear(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"Linear.step\(lr\) needs the gradients of backward"):
        dense.step(0.1)
    dense.forward(np.ones((4, 3)))
    message = (
        r"upstream gradient G of Linear has shape \(4, 3\) but its output y had shape \(4, 2\): "
        r"G = dL/dy must have the shape of y"
    )
    with pytest.raises(ValueError, match=message):
        dense.backward(np.ones((4, 3)))
    pool = MaxPool2D(2)
    pool.forward(np.ones((1, 1, 5, 4)))
    with pytest.raises(
        ValueError,
        match=r"G of MaxPool2D has shape \(1, 1, 3, 2\) but its output y had shape \(1, 1, 2, 2\)",
    ):
        pool.backward(np.ones((1, 1, 3, 2)))


def test_parameterless_steps_change_nothing():
    for layer in (ReLU(), MaxPool2D(2), Flatten()):
        before = dict(vars(layer))
        layer.step(0.5)
        assert vars(layer).keys() == before.keys()
        assert all(vars(layer)[k] is v for k, v in before.items())


@pytest.mark.parametrize(
    ("layer", "shape"), [(ReLU(), (2, 3)), (MaxPool2D(2), (1, 2, 4, 5)), (Flatten(), (2, 3, 2))]
)
def test_float32_stays_float32(layer, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones(y.shape, dtype=np.float32)).dtype == np.float32


# --------------------------------------------------------------------------------------------
# Inputs are never modified
# --------------------------------------------------------------------------------------------


def test_no_input_is_modified():
    x = RNG.standard_normal((3, 1, 7, 8))
    labels = np.array([0, 2, 1])
    model = small_cnn(seed=9)
    verify = unchanged(x, labels)
    L, G = softmax_cross_entropy(model.forward(x), labels)
    verify_G = unchanged(G)
    model.backward(G)
    model.step(0.1)
    verify()
    verify_G()
    w, b = RNG.standard_normal((2, 5)), RNG.standard_normal(2)
    verify_wb = unchanged(w, b)
    dense = Linear(w, b)
    dense.forward(RNG.standard_normal((4, 5)))
    dense.backward(RNG.standard_normal((4, 2)))
    dense.step(1.0)
    verify_wb()
    for layer, shape in [(ReLU(), (2, 3)), (MaxPool2D(2), (1, 2, 4, 4)), (Flatten(), (2, 3))]:
        x = RNG.standard_normal(shape)
        verify = unchanged(x)
        y = layer.forward(x)
        G = RNG.standard_normal(y.shape)
        verify_G = unchanged(G)
        layer.backward(G)
        verify()
        verify_G()


def test_import_convlib_does_not_import_nn():
    code = "import sys, convlib; print('convlib.nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
