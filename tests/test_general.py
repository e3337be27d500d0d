"""The general layer's input rules: every bad input is refused with a message that names the
argument, what was expected and what came; the same rules in the layer and in the loops."""

import re

import numpy as np
import pytest

from convlib import Conv2D, conv2d_backward, conv2d_forward, grad_b, grad_input, grad_w, reference

I4, w4 = np.ones((2, 4, 6, 6)), np.ones((8, 2, 3, 3))  # groups=2: 4 channels, 8 filters

# (call, error, message): each call breaks one rule
BAD = {
    "groups must divide C_in": (
        lambda f: f(np.ones((2, 4, 6, 6)), np.ones((6, 1, 3, 3)), groups=3),
        ValueError,
        "groups=3 must divide C_in=4, the image I's channels",
    ),
    "groups must divide C_out": (
        lambda f: f(I4, np.ones((3, 2, 3, 3)), groups=2),
        ValueError,
        "groups=2 must divide C_out=3, the number of filters (kernel w's first axis)",
    ),
    "kernel channels": (
        lambda f: f(I4, np.ones((8, 3, 3, 3)), groups=2),
        ValueError,
        "kernel w must have C_in // groups = 4 // 2 = 2 input channels (its second axis), got 3: "
        "kernel w has shape (8, 3, 3, 3), image I has shape (2, 4, 6, 6)",
    ),
    "groups below 1": (
        lambda f: f(I4, w4, groups=0),
        ValueError,
        "groups must be an int >= 1, got 0",
    ),
    "groups not an int": (
        lambda f: f(I4, w4, groups=2.0),
        TypeError,
        "groups must be an int >= 1, got float 2.0",
    ),
    "stride zero": (
        lambda f: f(I4, w4, groups=2, stride=0),
        ValueError,
        "stride must be an int >= 1 or a pair of them, got 0",
    ),
    "stride pair with a zero": (
        lambda f: f(I4, w4, groups=2, stride=(2, 0)),
        ValueError,
        "stride must be an int >= 1 or a pair of them, got (2, 0)",
    ),
    "stride of three": (
        lambda f: f(I4, w4, groups=2, stride=(1, 1, 1)),
        ValueError,
        "stride must be an int >= 1 or a pair of them, got (1, 1, 1)",
    ),
    "stride a float": (
        lambda f: f(I4, w4, groups=2, stride=1.5),
        TypeError,
        "stride must be an int >= 1 or a pair of them, got 1.5",
    ),
    "stride a bool": (
        lambda f: f(I4, w4, groups=2, stride=True),
        TypeError,
        "stride must be an int >= 1 or a pair of them, got True",
    ),
    "dilation negative": (
        lambda f: f(I4, w4, groups=2, dilation=-1),
        ValueError,
        "dilation must be an int >= 1 or a pair of them, got -1",
    ),
    "dilation a string": (
        lambda f: f(I4, w4, groups=2, dilation="2"),
        TypeError,
        "dilation must be an int >= 1 or a pair of them, got '2'",
    ),
    "negative padding": (
        lambda f: f(I4, w4, groups=2, padding=-1),
        ValueError,
        "padding must be an int >= 0, a pair of them, 'valid' or 'same'; got -1",
    ),
    "negative padding in a pair": (
        lambda f: f(I4, w4, groups=2, padding=[1, -2]),
        ValueError,
        "padding must be an int >= 0, a pair of them, 'valid' or 'same'; got [1, -2]",
    ),
    "padding a float": (
        lambda f: f(I4, w4, groups=2, padding=0.5),
        TypeError,
        "padding must be an int >= 0, a pair of them, 'valid' or 'same'; got 0.5",
    ),
    "unknown padding word": (
        lambda f: f(I4, w4, groups=2, padding="full"),
        ValueError,
        "padding must be one of 'valid', 'same'; got 'full'",
    ),
    "same with a stride": (
        lambda f: f(I4, w4, groups=2, padding="same", stride=(1, 2)),
        ValueError,
        "padding='same' needs stride 1 (as in torch), got stride=(1, 2)",
    ),
    "dilated kernel too large": (
        lambda f: f(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), dilation=2, padding=(1, 0)),
        ValueError,
        "kernel w of shape (1, 1, 3, 3) with dilation (2, 2) spans (5, 5) pixels but image I of "
        "shape (1, 1, 4, 4) padded by (1, 0) is only (6, 4): the dilated kernel must fit inside "
        "the padded image",
    ),
    "a 3-D image": (
        lambda f: f(np.ones((4, 6, 6)), np.ones((2, 2, 3))),
        ValueError,
        "image I must be a 2-D array (H, W) or a 4-D array (N, C_in, H, W), got a 3-D array of "
        "shape (4, 6, 6)",
    ),
    "a 3-D image with a 4-D kernel": (
        lambda f: f(np.ones((4, 6, 6)), w4, groups=2),
        ValueError,
        "image I must be a 4-D array (N, C_in, H, W) like kernel w, got a 3-D array of shape "
        "(4, 6, 6)",
    ),
    "a 4-D image with a 2-D kernel": (
        lambda f: f(I4, np.ones((3, 3))),
        ValueError,
        "kernel w must be a 4-D array (C_out, C_in // groups, k1, k2) like image I, got a 2-D "
        "array of shape (3, 3)",
    ),
    "a 2-D image with a 4-D kernel": (
        lambda f: f(np.ones((6, 6)), w4),
        ValueError,
        "kernel w must be a 2-D array, got a 4-D array of shape (8, 2, 3, 3)",
    ),
    "an empty batch": (
        lambda f: f(np.ones((0, 4, 6, 6)), w4, groups=2),
        ValueError,
        "image I must not be empty, got shape (0, 4, 6, 6)",
    ),
    "complex numbers": (
        lambda f: f(I4 * 1j, w4, groups=2),
        TypeError,
        "image I must hold real numbers (bool, int or float), got dtype complex128",
    ),
    "fft beyond one channel": (
        lambda f: f(I4, w4, groups=2, method="fft"),
        ValueError,
        "method='fft' is the FFT engine of the single-channel correlation",
    ),
    "unknown method": (
        lambda f: f(I4, w4, groups=2, method="gemm"),
        ValueError,
        "method must be one of 'auto', 'direct', 'fft'; got 'gemm'",
    ),
}

# Every function that takes I and w (and G), with the rest made to fit
FUNCTIONS = {
    "conv2d_forward": conv2d_forward,
    "conv2d_backward": lambda I, w, **s: conv2d_backward(I, w, _G(I, w, s), **s),
    "Conv2D": lambda I, w, **s: Conv2D(w, **s).forward(I),
    "reference.conv2d_forward": lambda I, w, method="auto", **s: reference.conv2d_forward(
        I, w, **s
    ),
}


def _G(I, w, settings):
    """An upstream gradient of the output's shape, when the layer is legal (ones otherwise)."""
    try:
        return np.ones(conv2d_forward(I, w, **settings).shape)
    except (TypeError, ValueError):  # the rule under test will speak first
        return np.ones((1,) * np.ndim(I))


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("rule", BAD)
def test_every_rule_has_its_message(rule, function):
    call, error, message = BAD[rule]
    if function.startswith("reference") and rule in ("fft beyond one channel", "unknown method"):
        pytest.skip("the loops take no method")
    if function == "Conv2D" and "-D image" in rule:
        pytest.skip("a layer's kernel comes first, the image must match it: tested below")
    with pytest.raises(error, match=re.escape(message)):
        call(FUNCTIONS[function])


def test_bias_one_per_filter():
    message = "bias b must have shape (8,), one number per filter (C_out=8), or be one number; "
    with pytest.raises(ValueError, match=re.escape(message + "got shape (3,)")):
        conv2d_forward(I4, w4, np.ones(3), groups=2)
    with pytest.raises(ValueError, match=re.escape(message + "got shape (1, 8)")):
        Conv2D(w4, np.ones((1, 8)), groups=2)
    with pytest.raises(ValueError, match=re.escape(message + "got shape (8, 1)")):
        reference.conv2d_forward(I4, w4, np.ones((8, 1)), groups=2)
    with pytest.raises(TypeError, match=re.escape("bias b must hold real numbers")):
        conv2d_forward(I4, w4, np.array(["a"] * 8), groups=2)
    with pytest.raises(ValueError, match=re.escape("bias b must be a scalar (one number)")):
        conv2d_forward(np.ones((6, 6)), np.ones((3, 3)), np.ones(1), padding=1)


@pytest.mark.parametrize(
    "call",
    [
        lambda G: conv2d_backward(I4, w4, G, groups=2, padding=1),
        lambda G: reference.conv2d_backward(I4, w4, G, groups=2, padding=1),
        lambda G: grad_w(I4, G, groups=2, padding=1, kernel_shape=(3, 3)),
        lambda G: grad_input(w4, G, groups=2, padding=1, input_shape=(6, 6)),
        lambda G: (layer := Conv2D(w4, groups=2, padding=1), layer.forward(I4), layer.backward(G)),
    ],
)
def test_G_must_have_the_outputs_shape(call):
    message = (
        "upstream gradient G has shape (2, 8, 5, 5) but the output Y_hat has shape "
        "(2, 8, 6, 6) = (N, C_out, H', W'): G = dL/dY_hat must have the shape of Y_hat"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        call(np.ones((2, 8, 5, 5)))
    with pytest.raises(ValueError, match=re.escape("upstream gradient G must be a 4-D array")):
        call(np.ones((8, 6, 6)))


def test_a_2d_layers_G():
    message = (
        "upstream gradient G has shape (3, 3) but the output Y_hat has shape (2, 2) = (H', W')"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d_backward(np.ones((4, 4)), np.ones((2, 2)), np.ones((3, 3)), stride=2)


def test_the_sizes_grad_w_and_grad_input_need():
    G = np.ones((2, 8, 3, 3))
    with pytest.raises(ValueError, match=re.escape("kernel_shape is needed: with stride 2 the")):
        grad_w(I4, G, stride=2, groups=2)
    with pytest.raises(ValueError, match=re.escape("kernel_shape must be a pair of positive ints")):
        grad_w(I4, G, stride=2, groups=2, kernel_shape=(8, 2, 3, 3))
    with pytest.raises(ValueError, match=re.escape("input_shape is needed: with stride 2, images")):
        grad_input(w4, G, stride=2, groups=2)
    with pytest.raises(TypeError, match=re.escape("input_shape must be a pair of positive ints")):
        grad_input(w4, G, stride=2, groups=2, input_shape=(6.0, 6))
    with pytest.raises(ValueError, match=re.escape("upstream gradient G has 7 rows but image I")):
        grad_w(I4, np.ones((2, 8, 7, 4)), groups=2)  # no kernel gives 7 rows from 6
    with pytest.raises(
        ValueError, match=re.escape("upstream gradient G must be a 2-D array (H', W') or a 4-D")
    ):
        grad_b(np.ones((3, 3, 3)))


def test_conv2d_refuses_what_it_can_see_before_an_image():
    with pytest.raises(ValueError, match=re.escape("groups=3 must divide C_out=8")):
        Conv2D(w4, groups=3)
    with pytest.raises(ValueError, match=re.escape("method='fft' is the FFT engine")):
        Conv2D(np.ones((3, 3)), stride=2, method="fft")
    with pytest.raises(ValueError, match=re.escape("padding='same' needs stride 1")):
        Conv2D(w4, padding="same", stride=2)
    layer = Conv2D(w4, groups=2)
    with pytest.raises(
        ValueError, match=re.escape("image I must be a 4-D array (N, C_in, H, W) like kernel w")
    ):
        layer.forward(np.ones((6, 6)))
    with pytest.raises(ValueError, match=re.escape("kernel w must have C_in // groups = 6 // 2")):
        layer.forward(np.ones((1, 6, 6, 6)))
    with pytest.raises(
        ValueError,
        match=re.escape("shape must be (k1, k2) or (C_out, C_in // groups, k1, k2) of positive"),
    ):
        Conv2D.from_shape((8, 0, 3, 3))
    with pytest.raises(TypeError, match=re.escape("shape must be (k1, k2) or (C_out")):
        Conv2D.from_shape((8, 2.0, 3, 3))
