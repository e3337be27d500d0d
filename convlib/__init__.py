r"""convlib: the forward and backward pass of a convolutional layer, written like the course notes.

``I`` the image, ``w`` the kernel, ``b`` the bias, ``Y_hat`` the output, ``G`` the upstream
gradient :math:`\partial L / \partial \hat{Y}`. Equation numbers are the book's.

The numeric core (numpy and scipy only), flat:

- ``convlib.ops``: :func:`correlate2d` (:math:`w \otimes I`, (1.2)), :func:`convolve2d`
  (:math:`w * I`, (1.1)), :func:`rot180`, :func:`zero_pad`, :func:`output_shape`,
  :func:`affected_region` (3.1), and :func:`choose_method`, which engine ``method="auto"``
  takes (the engines themselves are in the private ``convlib._engines``).
- ``convlib.layer``: :func:`conv2d_forward` (1.3); the backward pass :func:`conv2d_backward`,
  one function per gradient beside it: :func:`grad_w` (2.3), :func:`grad_b` (2.4),
  :func:`grad_input` (3.4, computed as 4.3); :class:`Conv2D`; :func:`mse_loss`.
- ``convlib.reference``: the same sums as explicit loops, with the same names and results; it
  imports none of the fast code, so the tests can use it as an oracle.
- ``convlib.finite_diff``: :func:`gradcheck`, central differences beside the analytic gradient.
- ``convlib._checks`` (every input rule) and ``convlib._types`` (:class:`Gradients`).

Beside it, with no third-party import: ``convlib.book`` (the book's equation numbers) and
``convlib.display`` (show a function's source in a chapter). The optional parts are
subpackages that match ``pyproject.toml``'s extras and import the core, never the reverse:

- ``convlib.symbolic`` (sympy): the gradients derived by differentiation, closed forms,
  derivation steps and identities, each looked up by label.
- ``convlib.figures`` (matplotlib, ipywidgets): the notes' pictures and the interactive figures.
- ``convlib.exercises``: checkers that run a reader's function and name the mistake.

``import convlib`` needs numpy and scipy only.
"""

from . import reference
from ._types import Gradients
from .finite_diff import GradcheckResult, gradcheck
from .layer import (
    Conv2D,
    conv2d_backward,
    conv2d_forward,
    grad_b,
    grad_input,
    grad_w,
    mse_loss,
)
from .ops import (
    Region,
    affected_region,
    choose_method,
    convolve2d,
    correlate2d,
    output_shape,
    rot180,
    zero_pad,
)

__version__ = "0.1.0"

__all__ = [
    "Conv2D",
    "GradcheckResult",
    "Gradients",
    "Region",
    "affected_region",
    "choose_method",
    "conv2d_backward",
    "conv2d_forward",
    "convolve2d",
    "correlate2d",
    "grad_b",
    "grad_input",
    "grad_w",
    "gradcheck",
    "mse_loss",
    "output_shape",
    "reference",
    "rot180",
    "zero_pad",
]
