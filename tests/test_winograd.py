"""convlib._winograd, F(2×2, 3×3) for 3×3 stride-1 layers: its matrices, its three passes against
the explicit loops (and torch when installed), its route, its accuracy, its memory, inf and nan."""

import tracemalloc

import numpy as np
import pytest
from helpers import close

import convlib
from convlib import _general, _im2col, _winograd, reference
from convlib._checks import layer_geometry

# ---------------------------------------------------------------------------------------------
# The matrices, against the definition (nothing from the code under test but its constants)
# ---------------------------------------------------------------------------------------------


def test_f23_is_two_outputs_of_a_three_tap_correlation():
    rng = np.random.default_rng(50)
    for _ in range(20):
        d, g = rng.standard_normal(4), rng.standard_normal(3)
        y = _winograd.A_T @ ((_winograd.G @ g) * (_winograd.B_T @ d))
        np.testing.assert_allclose(y, [d[0:3] @ g, d[1:4] @ g], rtol=1e-13, atol=1e-13)


def test_f2x2_3x3_is_a_2x2_block_of_the_correlation():
    rng = np.random.default_rng(51)
    A_T, B_T, G = _winograd.A_T, _winograd.B_T, _winograd.G
    for _ in range(20):
        d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
        Y = A_T @ ((G @ g @ G.T) * (B_T @ d @ B_T.T)) @ A_T.T
        expected = [[np.sum(d[i : i + 3, j : j + 3] * g) for j in range(2)] for i in range(2)]
        np.testing.assert_allclose(Y, expected, rtol=1e-13, atol=1e-13)


def test_the_kernel_matrices_are_the_nested_transforms():
    rng = np.random.default_rng(52)
    g = rng.standard_normal((3, 3))
    np.testing.assert_allclose(
        _winograd._KERNEL @ g.reshape(9), (_winograd.G @ g @ _winograd.G.T).reshape(16)
    )
    S = np.diag([1.0, 1.0, 1.0, -1.0])
    P = rng.standard_normal((4, 4))
    np.testing.assert_allclose(
        _winograd._WEIGHT.T @ P.reshape(16),
        (_winograd.G.T @ S @ P @ S @ _winograd.G).reshape(9),
    )


# ---------------------------------------------------------------------------------------------
# The three passes against the loops, on every tiling: called directly, any channel count
# ---------------------------------------------------------------------------------------------


def _settings(**settings):
    return {"stride": 1, "padding": 0, "dilation": 1, "groups": 1} | settings


def sweep(count, seed, *, channels=(1, 4), side=(1, 9), batch=(1, 3)):
    """Seeded 3×3 stride-1 layers: odd and even sizes, paddings 0-3 (ints, pairs, words)."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        N = int(rng.integers(batch[0], batch[1] + 1))
        C_in, C_out = (int(c) for c in rng.integers(channels[0], channels[1] + 1, 2))
        H, W = (int(v) for v in rng.integers(side[0], side[1] + 1, 2))
        roll = rng.random()
        if roll < 0.15:
            padding = "same"
        elif roll < 0.25:
            padding = "valid"
        elif roll < 0.5:
            padding = tuple(int(p) for p in rng.integers(0, 4, 2))
        else:
            padding = int(rng.integers(0, 4))
        try:
            g = layer_geometry((N, C_in, H, W), (C_out, C_in, 3, 3), **_settings(padding=padding))
        except ValueError:  # the kernel does not fit in the padded image
            continue
        found.append((g, padding, int(rng.integers(2**31))))
    return found


SMALL = sweep(120, seed=53)


def arrays(g, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal(g.input_shape).astype(dtype),
        rng.standard_normal(g.kernel_shape).astype(dtype),
        rng.standard_normal(g.C_out).astype(dtype),
        rng.standard_normal(g.output_shape).astype(dtype),
    )


@pytest.mark.parametrize("chunk_bytes", [1, _winograd.CHUNK_BYTES], ids=["one sample", "default"])
def test_the_three_passes_are_the_loops(chunk_bytes, monkeypatch):
    # one sample per chunk, or as many as the default holds: every tiling, odd sizes, tiles past
    # the image, C_in or C_out of 1, a batch of 1, paddings larger than the kernel's reach
    monkeypatch.setattr(_winograd, "CHUNK_BYTES", chunk_bytes)
    assert {g.N for g, *_ in SMALL} == {1, 2, 3}
    assert {g.H_out % 2 for g, *_ in SMALL} == {0, 1} == {g.W_out % 2 for g, *_ in SMALL}
    assert min(g.C_in for g, *_ in SMALL) == 1 == min(g.C_out for g, *_ in SMALL)
    for g, padding, seed in SMALL:
        I, w, b, G = arrays(g, seed)
        settings = {"stride": 1, "padding": padding, "dilation": 1, "groups": 1}
        Y = reference.conv2d_forward(I, w, b, **settings)
        dw, db, dI = reference.conv2d_backward(I, w, G, **settings)
        close(_winograd.forward(I, w, b, g), Y, 1e-12)
        close(_winograd.grad_w(I, G, g), dw, 1e-12)
        close(_winograd.grad_input(w, G, g), dI, 1e-12)
        got = _winograd.backward(I, w, G, g)
        for x, y in zip(got, (dw, db, dI), strict=True):
            close(x, y, 1e-12)


def test_each_tile_sees_only_its_own_pixels():
    # one pixel at a time: its gradient and the outputs it reaches are exactly the kernel's
    g = layer_geometry((1, 1, 5, 7), (1, 1, 3, 3), stride=1, padding=1, dilation=1, groups=1)
    w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    for y, x in np.ndindex(5, 7):
        I = np.zeros(g.input_shape)
        I[0, 0, y, x] = 1.0
        np.testing.assert_array_equal(
            _winograd.forward(I, w, np.zeros(1), g), reference.conv2d_forward(I, w, padding=1)
        )


# ---------------------------------------------------------------------------------------------
# The route: which layers come here, through the public functions
# ---------------------------------------------------------------------------------------------


def geometry(N, C_in, C_out, H, W=None, k=3, **settings):
    settings = {"stride": 1, "padding": 1, "dilation": 1, "groups": 1} | settings
    kernel = (C_out, C_in // settings["groups"], k, k)
    return layer_geometry((N, C_in, H, W or H), kernel, **settings)


@pytest.mark.parametrize(
    ("g", "routed"),
    [
        (geometry(8, 16, 32, 32), True),
        (geometry(8, 64, 64, 16), True),
        (geometry(2, 8, 8, 6, 9, padding="same"), True),
        (geometry(2, 8, 8, 5, 7, padding="same"), False),  # spare tiles: 16 × 4 × 5 > 9 × 5 × 7
        (geometry(1, 8, 8, 16, padding=0), True),
        (geometry(8, 16, 32, 32, stride=2), False),
        (geometry(8, 16, 32, 32, dilation=2), False),
        (geometry(8, 16, 32, 32, groups=2), False),
        (geometry(8, 16, 32, 32, k=5, padding=2), False),
        (geometry(8, 4, 32, 32), False),  # too few channels for the transforms to pay
        (geometry(8, 32, 4, 32), False),
        (geometry(1, 8, 64, 4), False),  # 16 C_out tiles would outgrow the 9 C_in rows of col
    ],
    ids=str,
)
def test_the_route(g, routed):
    assert _winograd.applies(g, 8) is routed


def test_no_array_is_larger_than_the_im2col_matrix():
    # the rule: every array of a chunk, for every routed layer of a sweep with channels
    for g, *_ in sweep(300, seed=54, channels=(1, 80), side=(1, 40), batch=(1, 16)):
        for itemsize in (4, 8):
            if not _winograd.applies(g, itemsize):
                continue
            col = 9 * g.C_in * g.N * g.H_out * g.W_out * itemsize
            for t in _winograd._passes(g, itemsize):
                work = _winograd._Work(t, t.chunk, np.float32 if itemsize == 4 else np.float64)
                sizes = [a.nbytes for a in vars(work).values()]
                assert max(sizes) <= col, (g, sizes, col)


ROUTED = [c for c in sweep(40, seed=55, channels=(8, 9), side=(4, 9), batch=(1, 2))
          if _winograd.applies(c[0], 8)][:12]  # fmt: skip


@pytest.mark.parametrize(("g", "padding", "seed"), ROUTED, ids=lambda x: str(x)[:40])
def test_the_public_functions_take_this_route(g, padding, seed, monkeypatch):
    assert len(ROUTED) == 12

    def not_here(*args):
        raise AssertionError("the matrices were used")

    for name in ("forward", "backward", "grad_w", "grad_input"):
        monkeypatch.setattr(_im2col, name, not_here)
    I, w, b, G = arrays(g, seed)
    settings = {"stride": 1, "padding": padding}
    Y_hat = reference.conv2d_forward(I, w, b, **settings)
    close(convlib.conv2d_forward(I, w, b, **settings), Y_hat)
    expected = reference.conv2d_backward(I, w, G, **settings)
    for x, y in zip(convlib.conv2d_backward(I, w, G, **settings), expected, strict=True):
        close(x, y)
    close(convlib.grad_w(I, G, kernel_shape=(3, 3), **settings), expected.dw)
    close(convlib.grad_input(w, G, input_shape=g.input_shape[2:], **settings), expected.dI)


# ---------------------------------------------------------------------------------------------
# float32: what the transforms cost in accuracy
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(8, 16, 32, 32), (8, 64, 64, 16), (2, 128, 128, 9)], ids=str)
def test_float32_loses_little(shape):
    # against the same layer in float64 (the matrices, an independent computation): the error
    # relative to the largest output is a few float32 roundings, far inside the 2e-4 that
    # torch's agreement test allows (measured 1-3e-7 for the forward pass)
    N, C_in, C_out, H = shape
    g = geometry(N, C_in, C_out, H)
    assert _winograd.applies(g, 4)
    I, w, b, G = arrays(g, seed=56)
    exact = [_im2col.forward(I, w, b, g), *_im2col.backward(I, w, G, g)]
    I, w, b, G = (x.astype(np.float32) for x in (I, w, b, G))
    fast = [_winograd.forward(I, w, b, g), *_winograd.backward(I, w, G, g)]
    for name, x, y in zip(("Y", "dw", "db", "dI"), fast, exact, strict=True):
        assert x.dtype == np.float32, name
        error = np.max(np.abs(x - y)) / np.max(np.abs(y))
        assert error < 2e-6, (name, error)


# ---------------------------------------------------------------------------------------------
# inf and nan: the definition's sums (the passes that are not finite are done by the matrices)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["I", "w", "b", "G"])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_inf_and_nan_reach_what_the_definition_says(where, value):
    g = geometry(2, 8, 8, 6, 5)
    assert _winograd.applies(g, 8)
    I, w, b, G = arrays(g, seed=57)
    named = {"I": I, "w": w, "b": b, "G": G}
    named[where].flat[named[where].size // 3] = value
    if where == "w":
        w[0, 0, 0, 0] = 0.0  # 0 * inf is nan in the definition too
    fast = [convlib.conv2d_forward(I, w, b, padding=1)]
    fast += list(convlib.conv2d_backward(I, w, G, padding=1))
    with np.errstate(invalid="ignore"):
        slow = [reference.conv2d_forward(I, w, b, padding=1)]
        slow += list(reference.conv2d_backward(I, w, G, padding=1))
    for name, x, y in zip(("Y_hat", "dw", "db", "dI"), fast, slow, strict=True):
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f"nan in {name}")
        np.testing.assert_array_equal(np.isinf(x), np.isinf(y), err_msg=f"inf in {name}")
        np.testing.assert_array_equal(np.signbit(x[np.isinf(x)]), np.signbit(y[np.isinf(y)]))
        finite = np.isfinite(y)
        close(np.where(finite, x, 0), np.where(finite, y, 0))


def test_a_pass_that_is_not_finite_says_so():
    g = geometry(1, 8, 8, 4)
    I, w, b, G = arrays(g, seed=58)
    I[0, 3, 2, 2] = np.inf
    assert _winograd.forward(I, w, b, g) is None
    assert _winograd.grad_w(I, G, g) is None
    assert _winograd.grad_input(w, G, g) is not None  # I plays no part in it
    dw, db, dI = _winograd.backward(I, w, G, g)
    assert dw is None and np.isfinite(db).all() and dI is not None


# ---------------------------------------------------------------------------------------------
# Memory: the peak of a pass, beside the im2col matrix it does not build
# ---------------------------------------------------------------------------------------------


def test_the_peak_is_within_the_bound_of_the_matrices():
    # the bound tests/test_im2col.py sets for the matrices: col and about 2.5 arrays of the size
    # of the inputs; here one chunk's arrays (each at most col, see above) and the results
    rng = np.random.default_rng(59)
    I, w = rng.standard_normal((8, 16, 12, 12)), rng.standard_normal((32, 16, 3, 3))
    G = rng.standard_normal((8, 32, 12, 12))
    assert _winograd.applies(layer_geometry(I.shape, w.shape, **_settings(padding=1)), 8)
    col_bytes = 9 * 16 * (8 * 12 * 12) * 8
    for call in (
        lambda: convlib.conv2d_forward(I, w, padding=1),
        lambda: convlib.conv2d_backward(I, w, G, padding=1),
    ):
        call()
        tracemalloc.start()
        try:
            call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak <= col_bytes + 2.5 * (I.nbytes + G.nbytes), (peak, col_bytes)


# ---------------------------------------------------------------------------------------------
# torch's autograd, on layers that take this route (when torch is installed)
# ---------------------------------------------------------------------------------------------

TORCH_CASES = sweep(80, seed=60, channels=(8, 12), side=(4, 14), batch=(1, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_torch_agrees(dtype):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    tolerance = {np.float64: 1e-9, np.float32: 2e-4}[dtype]
    routed = [case for case in TORCH_CASES if _winograd.applies(case[0], np.dtype(dtype).itemsize)]
    assert len(routed) >= 40
    for g, padding, seed in routed:
        I, w, b, G = arrays(g, seed, dtype)
        I_t, w_t, b_t = (torch.tensor(x, requires_grad=True) for x in (I, w, b))
        Y_t = torch.nn.functional.conv2d(I_t, w_t, b_t, padding=padding)
        (Y_t * torch.from_numpy(G)).sum().backward()
        expected = [Y_t.detach().numpy(), w_t.grad.numpy(), b_t.grad.numpy(), I_t.grad.numpy()]
        got = [convlib.conv2d_forward(I, w, b, padding=padding)]
        got += list(convlib.conv2d_backward(I, w, G, padding=padding))
        for x, y in zip(got, expected, strict=True):
            assert x.dtype == dtype
            close(x, y, tolerance)


def test_the_general_route_falls_back_to_the_matrices(monkeypatch):
    # when a pass is not finite the matrices compute it: the same answer as with the route off
    g = geometry(2, 8, 8, 5)
    I, w, b, G = arrays(g, seed=61)
    I[1, 2, 0, 4] = np.inf
    routed = [_general._forward(I, w, b, g), *_general._backward(I, w, G, g)]
    monkeypatch.setattr(_winograd, "applies", lambda g, itemsize: False)
    plain = [_general._forward(I, w, b, g), *_general._backward(I, w, G, g)]
    for x, y in zip(routed, plain, strict=True):
        np.testing.assert_array_equal(x, y)
