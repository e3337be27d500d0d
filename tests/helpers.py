"""What the tests share: one comparison, and hypothesis strategies for inputs of every shape.

Degenerate shapes are in range on purpose: 1×1 kernels, 1×N images, kernels as large as the
image. Values are standard normal, drawn from a seed that hypothesis chooses (and shrinks).
"""

import numpy as np
from hypothesis import strategies as st

METHODS = ["auto", "direct", "fft"]


def close(actual, expected, rtol=1e-10):
    """Assert equal up to rounding: within ``rtol`` of the largest magnitude expected (or of 1)."""
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale)


@st.composite
def image_and_kernel(draw, max_side=8):
    """A random image and a kernel that fits in it, any shapes (1×1, 1×N, kernel = image...)."""
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k1, k2 = draw(st.integers(1, H)), draw(st.integers(1, W))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((H, W)), rng.standard_normal((k1, k2))


@st.composite
def layer_inputs(draw, max_side=7):
    """Image, kernel, bias and upstream gradient ``G`` of any consistent shapes."""
    I, w = draw(image_and_kernel(max_side))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    (H, W), (k1, k2) = I.shape, w.shape
    return I, w, float(rng.standard_normal()), rng.standard_normal((H - k1 + 1, W - k2 + 1))
