"""convlib.reference: the explicit loops, checked by hand and against scipy, and used as the
independent check of every fast path."""

import ast
import inspect

import numpy as np
import pytest
import scipy.signal
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
    tree = ast.parse(inspect.getsource(reference))
    names = {node.target.id for node in ast.walk(tree) if isinstance(node, ast.For)}
    assert names == {"i", "j", "m", "n", "ip", "jp"}


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
