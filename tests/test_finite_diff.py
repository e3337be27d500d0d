"""convlib.gradcheck: central differences beside the analytic gradient."""

import numpy as np
import pytest

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
    assert seen == [float, float]
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
    off = 2 * x * (1 + 1e-7)  # 1e-7 relative error
    assert gradcheck(lambda x: np.sum(x**2), x, off)
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
