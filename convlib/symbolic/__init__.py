r"""Sympy derives and verifies the index algebra of the course.

The notes derive every gradient of the layer :math:`\hat{Y} = w \otimes I + b` by hand:
differentiate a double sum, keep the one term whose indices match, substitute, re-index. This
subpackage lets sympy carry out each of those steps, so that a wrong index cannot hide. Equation
numbers are the book's.

Two levels:

* **Concrete sizes** (``concrete``, ``identities``). :func:`derive` builds ``I``, ``w``, ``G`` as
  matrices of symbols, the layer's output (1.3), the loss ``L = sum G(i,j) Y_hat(i,j)`` and its
  gradients by ``sympy.diff``. :func:`check` compares them exactly with the closed forms on
  sympy matrices (``matrices``: :func:`correlate2d`, :func:`convolve2d`, :func:`rot180`,
  :func:`zero_pad`), one identity per book label (:data:`IDENTITIES`).
* **The general layer** (``layer``): :func:`derive_layer` builds a batch of many channels with
  stride, padding, dilation and groups from symbols and differentiates it, with :func:`dilate`
  and :func:`crop` for the closed forms of its gradients.
* **General sizes** (``derivations``, ``verify``). With integer symbols ``H, W, k1, k2``,
  ``IndexedBase`` arrays and symbolic sums, :func:`steps` returns a derivation one labelled
  :class:`Step` at a time, in the notes' order; :func:`verify_step` checks a step against
  :func:`derive` at concrete sizes, and :func:`check_general` checks the results with no size
  substituted.

Every check returns ``None`` and raises :class:`IdentityError` when it fails.

Examples
--------
>>> from convlib import symbolic
>>> d = symbolic.derive(3, 3, 2, 2)
>>> d.dw[0, 0]
G_{0,0}*I_{0,0} + G_{0,1}*I_{0,1} + G_{1,0}*I_{1,0} + G_{1,1}*I_{1,1}
>>> symbolic.check("eq-di-rot", d)
>>> symbolic.steps("dw")["eq-chain-w"].title[:42]
"(2.1) chain rule; w(m', n') touches every "

``import convlib.symbolic`` needs sympy (``pip install "convlib[symbolic]"``).
"""

try:
    import sympy  # noqa: F401
except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        'convlib.symbolic needs sympy: pip install "convlib[course]" (or "convlib[symbolic]")'
    ) from error

from ._latex import Step, to_latex
from ._symbols import GeneralSymbols, general
from .concrete import Derivation, derive, fitting_sizes, lambdify_backward, lambdify_forward
from .derivations import DERIVATIONS, Steps, check_general, steps
from .identities import (
    IDENTITIES,
    Q_STAR,
    Identity,
    IdentityError,
    Q,
    WorkedExample,
    assert_matrices_equal,
    check,
    check_all,
    matrices_equal,
    worked_example,
)
from .layer import LayerDerivation, crop, derive_layer, dilate
from .matrices import convolve2d, correlate2d, region, rot180, zero_pad
from .verify import verify_step, verify_steps

__all__ = [
    "DERIVATIONS",
    "IDENTITIES",
    "Q",
    "Q_STAR",
    "Derivation",
    "GeneralSymbols",
    "Identity",
    "IdentityError",
    "LayerDerivation",
    "Step",
    "Steps",
    "WorkedExample",
    "assert_matrices_equal",
    "check",
    "check_all",
    "check_general",
    "convolve2d",
    "correlate2d",
    "crop",
    "derive",
    "derive_layer",
    "dilate",
    "fitting_sizes",
    "general",
    "lambdify_backward",
    "lambdify_forward",
    "matrices_equal",
    "region",
    "rot180",
    "steps",
    "to_latex",
    "verify_step",
    "verify_steps",
    "worked_example",
    "zero_pad",
]
