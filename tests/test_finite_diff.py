"""convlib.gradcheck: central differences beside the analytic gradient."""

import numpy as np
import pytest

import convlib
from convlib import GradcheckResult, gradcheck


def test_a_right_gradient_passes():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    result = gradcheck(lambda x: np.sum(x**3), x, 3 * x**2)
    assert isinstance(result, GradcheckResult)
    assert result.passed is True and bool(result) is True
    np.testing.assert_allclose(result.numeric, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(result.analytic, 3 * x**2)
    assert result.max_abs_error < 1e-7 and result.max_rel_error < 1e-8


def test_a_wrong_gradient_fails_and_says_where():
    x = np.array([1.0, 2.0, 3.0])
    result = gradcheck(lambda x: np.sum(x**2), x, [2.0, 4.0, 7.0])
    assert result.passed is False and not result
    assert result.max_abs_error == pytest.approx(1.0)
    assert result.max_rel_error == pytest.approx(1 / 7)
    text = repr(result)
    assert "FAILED" in text and "analytic" in text and "numeric" in text
    failing = [line for line in text.splitlines() if "<- fails" in line]
    assert len(failing) == 1
    assert (
        "(2,)" in failing[0] and "7.000000000e+00" in failing[0] and "6.000000000e+00" in failing[0]
    )


def test_assert_message_shows_analytic_beside_numeric():
    with pytest.raises(AssertionError, match=r"(?s)analytic.*numeric.*<- fails"):
        result = gradcheck(lambda x: float(np.sum(np.sin(x))), np.zeros(2), [1.0, 0.0])
        assert result, str(result)


def test_html_repr():
    result = gradcheck(lambda x: np.sum(x**2), np.ones(2), [2.0, 3.0])
    html = result._repr_html_()
    assert "<table>" in html and "FAILED" in html
    assert html.count("<tr") == 3  # header and two entries
    assert "color" in html  # the failing entry is marked


def test_scalar_x():
    # for a scalar x, f receives a Python float
    seen = []

    def f(b):
        seen.append(type(b))
        return (b - 1.0) ** 2

    result = gradcheck(f, 3.0, 4.0)
    assert result and result.analytic.shape == () and result.numeric.shape == ()
    assert seen == [float] * 3  # f(x), then f(x + eps) and f(x - eps)
    assert "()" in repr(result)
    assert not gradcheck(f, 3.0, 5.0)


def test_f_sees_float64_copies_and_x_is_not_modified():
    x = np.array([1.0, 2.0], dtype=np.float32)
    before = x.copy()
    dtypes = set()

    def f(x_):
        dtypes.add(x_.dtype)
        value = float(np.sum(x_**2))
        x_[...] = 99.0  # a function that writes into its argument harms nothing
        return value

    assert gradcheck(f, x, 2 * x.astype(np.float64))
    assert dtypes == {np.dtype(np.float64)}
    np.testing.assert_array_equal(x, before)


def test_tolerances():
    x = np.array([1.0, 2.0])
    off = 2 * x * (1 + 1e-8)  # 1e-8 relative error: under the default rtol of 1e-7
    assert gradcheck(lambda x: np.sum(x**2), x, off)
    off = 2 * x * (1 + 1e-7)
    assert not gradcheck(lambda x: np.sum(x**2), x, off, rtol=1e-9, atol=0)
    assert gradcheck(lambda x: np.sum(x**2), x, off, rtol=0, atol=1e-5)


def test_nan_never_passes():
    assert not gradcheck(lambda x: np.sum(x**2), np.ones(2), [np.nan, 2.0])
    assert not gradcheck(lambda x: np.nan, np.ones(2), [2.0, 2.0])


def test_many_entries_show_the_worst_first():
    x = np.arange(50.0)
    grad = 2 * x
    grad[37] += 5.0
    result = gradcheck(lambda x: np.sum(x**2), x, grad, atol=1e-4)
    lines = repr(result).splitlines()
    assert "largest errors of 50 entries" in lines[1]
    assert len(lines) == 3 + 20
    assert lines[3].split()[0] == "(37,)" and lines[3].endswith("<- fails")


def test_errors():
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but x has shape \(2,\)"):
        gradcheck(lambda x: 0.0, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="f must return a scalar"):
        gradcheck(lambda x: x, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="f must return a real number"):
        gradcheck(lambda x: 1j, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        gradcheck(lambda x: 0.0, np.ones(2) * 1j, np.ones(2))
    with pytest.raises(ValueError, match="eps must be > 0"):
        gradcheck(lambda x: 0.0, np.ones(2), np.ones(2), eps=0)
    with pytest.raises(ValueError, match="rtol must be >= 0"):
        gradcheck(lambda x: 0.0, np.ones(2), np.ones(2), rtol=-1)


def test_the_module_and_the_function_cannot_shadow_each_other():
    import importlib

    import convlib

    module = importlib.import_module("convlib.finite_diff")
    assert module.gradcheck is convlib.gradcheck
    assert callable(convlib.gradcheck) and not hasattr(convlib.gradcheck, "GradcheckResult")
    assert convlib.finite_diff is module


# --------------------------------------------------------------------------------------------
# The step and tolerances follow the problem: large layers pass, wrong gradients fail
# --------------------------------------------------------------------------------------------


def _layer(seed, H, k):
    rng = np.random.default_rng(seed)
    I, w = rng.standard_normal((H, H)), rng.standard_normal((k, k))
    G = rng.standard_normal((H - k + 1, H - k + 1))
    return I, w, G, convlib.conv2d_backward(I, w, G)


def _loss_of_I(w, G):
    return lambda I: float(np.sum(G * convlib.conv2d_forward(I, w, 0.1)))


def _loss_of_w(I, G):
    return lambda w: float(np.sum(G * convlib.conv2d_forward(I, w, 0.1)))


def test_the_input_gradient_of_a_64x64_layer_with_a_15x15_kernel_passes():
    seed = 0
    # the fixed defaults (eps 1e-6, rtol 1e-5, atol 1e-8) failed this for every seed tried
    I, w, G, grads = _layer(seed, 64, 15)
    result = gradcheck(_loss_of_I(w, G), I, grads.dI)
    assert result, str(result)
    assert result.precision == "float64" and result.note == ""


def test_the_weight_gradient_of_a_96x96_layer_with_a_31x31_kernel_passes():
    I, w, G, grads = _layer(7, 96, 31)
    assert gradcheck(_loss_of_w(I, G), w, grads.dw)


def test_classic_wrong_gradients_of_a_large_layer_fail():
    I, w, G, grads = _layer(8, 48, 11)
    f_w, f_I = _loss_of_w(I, G), _loss_of_I(w, G)
    assert not gradcheck(f_w, w, convlib.rot180(grads.dw))  # the kernel gradient rotated
    G_pad = convlib.zero_pad(G, 10, 10)
    assert not gradcheck(f_I, I, convlib.correlate2d(G_pad, w))  # a correlation, no rotation
    for grad, x, f in ((grads.dw, w, f_w), (grads.dI, I, f_I)):
        wrong = grad.copy()
        largest = np.unravel_index(np.argmax(np.abs(wrong)), wrong.shape)
        wrong[largest] *= 1 + 1e-4  # one entry off by 1e-4 of its size
        result = gradcheck(f, x, wrong)
        assert not result
        fails = [line for line in repr(result).splitlines() if line.endswith("<- fails")]
        assert len(fails) == 1 and str(tuple(int(i) for i in largest)) in fails[0]


def test_a_float32_function_is_reported_as_a_precision_limit():
    rng = np.random.default_rng(9)
    I, w = rng.standard_normal((24, 24)), rng.standard_normal((5, 5)).astype(np.float32)
    G = rng.standard_normal((20, 20)).astype(np.float32)
    dw = convlib.grad_w(I.astype(np.float32), G)

    def f(w_):  # the layer in float32, as a float32 model computes it
        Y = convlib.conv2d_forward(I.astype(np.float32), w_.astype(np.float32), 0.0)
        return np.sum(G * Y, dtype=np.float32)

    result = gradcheck(f, w, dw)
    assert result.precision == "float32"
    assert "f returns float32" in repr(result) and "coarse" in repr(result)
    assert result.eps > 1e-3  # the step grew with float32's roundoff
    # a failure in float32 names precision as the likely cause
    failed = gradcheck(f, w, dw, rtol=1e-9, atol=0)
    assert not failed and "precision, not the gradient, is the likely cause" in repr(failed)
    # the same check in float64 passes with its own, far tighter tolerances
    f64 = _loss_of_w(I, G.astype(np.float64))
    assert gradcheck(f64, w.astype(np.float64), convlib.grad_w(I, G.astype(np.float64)))
