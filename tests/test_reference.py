"""convlib.reference: the explicit loops, checked by hand and against scipy, and used as the
independent check of every fast path."""

import ast
import inspect

import numpy as np
import pytest
import scipy.signal
from general_cases import cases
from helpers import METHODS, close, layer_inputs
from hypothesis import given

import convlib
from convlib import reference

# --------------------------------------------------------------------------------------------
# By hand
# --------------------------------------------------------------------------------------------


def test_by_hand():
    I = np.arange(1, 10).reshape(3, 3)
    w = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(reference.correlate2d(I, w), [[37, 47], [67, 77]])
    np.testing.assert_array_equal(reference.convolve2d(I, w), [[23, 33], [53, 63]])
    np.testing.assert_array_equal(
        reference.convolve2d([[1, 2, 3]], [[1, -1]], "full"), [[1, 1, 1, -3]]
    )


def test_backward_by_hand():
    # I = [1, 2, 3], w = [1, 10], G = [1, 1]: dw(0, n) = I(n) + I(n+1), db = 2,
    # dI = [w0, w0 + w1, w1] (pixel 0 and 2 reach one output, pixel 1 two)
    dw, db, dI = reference.conv2d_backward([[1, 2, 3]], [[1, 10]], [[1, 1]])
    np.testing.assert_array_equal(dw, [[3, 5]])
    assert db == 2
    np.testing.assert_array_equal(dI, [[1, 11, 10]])


# --------------------------------------------------------------------------------------------
# Against scipy.signal
# --------------------------------------------------------------------------------------------


@given(layer_inputs())
def test_matches_scipy(inputs):
    I, w, _, G = inputs
    close(reference.correlate2d(I, w), scipy.signal.correlate2d(I, w, "valid"))
    close(reference.convolve2d(I, w), scipy.signal.convolve2d(I, w, "valid"))
    close(reference.convolve2d(I, w, "full"), scipy.signal.convolve2d(I, w, "full"))
    close(reference.convolve2d(G, w, "full"), scipy.signal.convolve2d(G, w, "full"))
    dw, db, dI = reference.conv2d_backward(I, w, G)
    close(dw, scipy.signal.correlate2d(I, G, "valid"))
    assert db == pytest.approx(G.sum(), abs=1e-12)
    close(dI, scipy.signal.convolve2d(G, w, "full"))


# --------------------------------------------------------------------------------------------
# The fast paths equal the reference, for every method
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs())
def test_fast_paths_equal_the_reference(method, inputs):
    I, w, _, G = inputs
    close(convlib.correlate2d(I, w, method=method), reference.correlate2d(I, w))
    for mode in ("valid", "full"):
        close(convlib.convolve2d(I, w, mode, method=method), reference.convolve2d(I, w, mode))
    close(convlib.convolve2d(G, w, "full", method=method), reference.convolve2d(G, w, "full"))
    fast, slow = convlib.conv2d_backward(I, w, G, method=method), reference.conv2d_backward(I, w, G)
    close(fast.dw, slow[0])
    assert fast.db == pytest.approx(slow[1], abs=1e-12)
    close(fast.dI, slow[2])


def test_float32_stays_float32():
    I, w, G = (np.ones(shape, np.float32) for shape in ((3, 4), (2, 2), (2, 3)))
    assert reference.correlate2d(I, w).dtype == np.float32
    assert reference.convolve2d(I, w, "full").dtype == np.float32
    dw, db, dI = reference.conv2d_backward(I, w, G)
    assert dw.dtype == dI.dtype == np.float32 and db.dtype == np.float32


def test_input_rules_apply():
    with pytest.raises(
        ValueError, match=r"kernel w has shape \(4, 2\) but image I has shape \(3, 6\)"
    ):
        reference.correlate2d(np.ones((3, 6)), np.ones((4, 2)))
    with pytest.raises(TypeError, match="image I must hold real numbers"):
        reference.correlate2d(np.ones((3, 3)) * 1j, np.ones((2, 2)))
    with pytest.raises(ValueError, match="mode must be one of 'valid', 'full'"):
        reference.convolve2d(np.ones((3, 3)), np.ones((2, 2)), "same")
    with pytest.raises(ValueError, match=r"upstream gradient G has shape \(1, 1\)"):
        reference.conv2d_backward(np.ones((3, 3)), np.ones((2, 2)), np.ones((1, 1)))


# --------------------------------------------------------------------------------------------
# Independent, and written like the notes
# --------------------------------------------------------------------------------------------


def test_imports_only_numpy_the_checks_and_the_result_type():
    tree = ast.parse(inspect.getsource(reference))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported == {"numpy", "._checks", "._types"}


def test_loops_use_the_notes_index_names():
    # the notes' (i, j), (m, n), (i', j'), and for the general layer the sample nu (ν), the
    # filter o, a filter's channel c and an image's channel cp (c')
    tree = ast.parse(inspect.getsource(reference))
    targets = [node.target for node in ast.walk(tree) if isinstance(node, ast.For)]
    names = {n.id for t in targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])}
    assert names == {"i", "j", "m", "n", "ip", "jp", "nu", "o", "c", "cp"}


@pytest.mark.parametrize(
    ("function", "equations"),
    [
        (reference.correlate2d, ["1.2"]),
        (reference.convolve2d, ["1.1"]),
        (reference.conv2d_forward, ["1.3"]),
        (reference.grad_w, ["2.3"]),
        (reference.grad_b, ["2.4"]),
        (reference.grad_input, ["3.4"]),
        (reference.conv2d_backward, ["2.3", "2.4", "3.4"]),
    ],
)
def test_docstrings_cite_their_equations(function, equations):
    for equation in equations:
        assert f"({equation})" in function.__doc__


@pytest.mark.parametrize("method", METHODS)
@given(inputs=layer_inputs())
def test_each_gradient_function_matches_its_fast_twin(method, inputs):
    I, w, b, G = inputs
    close(convlib.grad_w(I, G, method=method), reference.grad_w(I, G))
    close(convlib.grad_b(G), reference.grad_b(G))
    close(convlib.grad_input(w, G, method=method), reference.grad_input(w, G))
    close(convlib.conv2d_forward(I, w, b, method=method), reference.conv2d_forward(I, w, b))


def test_backward_returns_the_same_type_as_the_fast_layer():
    I, w, G = np.ones((3, 4)), np.ones((2, 2)), np.ones((2, 3))
    slow, fast = reference.conv2d_backward(I, w, G), convlib.conv2d_backward(I, w, G)
    assert type(slow) is type(fast) is convlib.Gradients
    assert slow._fields == ("dw", "db", "dI")


# --------------------------------------------------------------------------------------------
# The general layer's loops: by hand, against the notes' loops, and against the fast layer
# --------------------------------------------------------------------------------------------


def test_general_forward_by_hand():
    # two samples, two channels, two filters in two groups: filter o reads channel o only
    I = np.arange(2 * 2 * 2 * 3, dtype=float).reshape(2, 2, 2, 3)
    w = np.array([[[[1.0, 0.0]]], [[[0.0, 10.0]]]])  # (2, 1, 1, 2)
    Y_hat = reference.conv2d_forward(I, w, [0.5, -1.0], groups=2)
    # filter 0: I[:, 0, i, j]; filter 1: 10 I[:, 1, i, j + 1]
    expected = np.stack([I[:, 0, :, :2] + 0.5, 10 * I[:, 1, :, 1:] - 1], axis=1)
    np.testing.assert_array_equal(Y_hat, expected)
    # stride 2, padding 1, dilation 2 on a 5×5 ramp with a 2×2 kernel of ones: each output adds
    # the padded pixels (2i + 2m, 2j + 2n), m, n in {0, 1}
    I = np.arange(25.0).reshape(5, 5)
    Y_hat = reference.conv2d_forward(I, np.ones((2, 2)), stride=2, padding=1, dilation=2)
    I_pad = np.pad(I, 1)
    expected = [
        [I_pad[2 * i :: 2][:2, 2 * j :: 2][:, :2].sum() for j in range(3)] for i in range(3)
    ]
    np.testing.assert_array_equal(Y_hat, expected)


def test_general_backward_by_hand():
    # stride 2 along a row: pixel 2 is read by both outputs, pixel 4 by none (zero gradient)
    dw, db, dI = reference.conv2d_backward([[1, 2, 3, 4, 5]], [[1, 10, 100]], [[1, 2]], stride=2)
    np.testing.assert_array_equal(dw, [[1 + 2 * 3, 2 + 2 * 4, 3 + 2 * 5]])
    assert db == 3
    np.testing.assert_array_equal(dI, [[1, 10, 100 + 2, 20, 200]])
    # 'same' with an even kernel puts the extra zero at the end, as torch: dI reads w shifted
    dI = reference.conv2d_backward([[0, 0, 0]], [[1, 10]], [[1, 0, 0]], padding="same").dI
    np.testing.assert_array_equal(dI, [[1, 10, 0]])
    # a batch: db adds over samples and positions, one number per filter
    G = np.ones((3, 2, 2, 2))
    grads = reference.conv2d_backward(np.ones((3, 1, 3, 3)), np.ones((2, 1, 2, 2)), G)
    np.testing.assert_array_equal(grads.db, [12, 12])
    np.testing.assert_array_equal(grads.dw, np.full((2, 1, 2, 2), 12))


@given(layer_inputs())
def test_the_notes_layer_is_the_same_sums_in_the_same_order(inputs):
    # the general loops, on the notes' layer, give exactly (bit for bit) the notes' loops
    I, w, b, G = inputs
    np.testing.assert_array_equal(
        reference.conv2d_forward(I, w, b), reference.correlate2d(I, w) + np.float64(b)
    )
    dw, db, dI = reference.conv2d_backward(I, w, G)
    np.testing.assert_array_equal(dw, reference.grad_w(I, G))
    assert db == reference.grad_b(G) and np.ndim(db) == 0
    np.testing.assert_array_equal(dI, reference.grad_input(w, G))


GENERAL = cases(150, seed=16, max_side=8, max_batch=2, max_channels=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_general_loops_equal_the_fast_layer(dtype):
    # the independent oracle without torch: the loops against convlib's matrix products
    rtol = 1e-10 if dtype == np.float64 else 2e-5
    for case in GENERAL:
        arrays = case.arrays(dtype)
        I, w, b, G = arrays["I"], arrays["w"], arrays["b"], arrays["G"]
        slow = reference.conv2d_forward(I, w, b, **case.settings)
        fast = convlib.conv2d_forward(I, w, b, **case.settings)
        assert slow.dtype == fast.dtype == dtype, case
        close(fast, slow, rtol)
        slow, fast = (
            f(I, w, G, **case.settings)
            for f in (reference.conv2d_backward, convlib.conv2d_backward)
        )
        for name, a, e in zip(("dw", "db", "dI"), fast, slow, strict=True):
            assert np.shape(a) == np.shape(e) and a.dtype == dtype, f"{name} of {case}"
            close(a, e, rtol)


def test_general_loops_apply_the_layer_rules():
    with pytest.raises(ValueError, match="groups=3 must divide C_in=4"):
        reference.conv2d_forward(np.ones((1, 4, 5, 5)), np.ones((3, 1, 2, 2)), groups=3)
    with pytest.raises(ValueError, match=r"upstream gradient G has shape \(1, 2, 3, 3\) but the"):
        reference.conv2d_backward(
            np.ones((1, 1, 5, 5)), np.ones((2, 1, 2, 2)), np.ones((1, 2, 3, 3))
        )
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        reference.conv2d_forward(np.ones((5, 5)), np.ones((2, 2)), padding="same", stride=2)
