"""Self-checking exercises: run the reader's function and name the mistake.

Each checker takes the reader's function, runs it on a fixed, deterministic set of cases
(random ones and edge cases: borders, a 1×1 kernel, a kernel as large as the image,
non-square and one-row or one-column shapes), compares every answer with convlib, and
returns a :class:`CheckResult`. A checker never raises on a wrong answer: a function that
raises, returns the wrong type or shape, or modifies its inputs is reported, not propagated.

When the answer is wrong, the checker compares it with the answers of known-wrong variants
on the same case (the kernel not rotated, no zero padding, the roles of ``G`` and ``I``
swapped, the notes' slip of summing over the kernel's range, a mean where a sum belongs...)
and names the classic mistake when it is one; :data:`MISTAKES` lists them all.

The subpackage, in the order a check runs: ``_cases`` (the fixed cases), ``catalogue`` (each
exercise's right answer and its known-wrong variants), ``runner`` (calls the reader's function
and catches what it does), ``diagnosis`` (says what is wrong), ``_result`` (the verdict).
Equation numbers in the messages are the book's.

=====================  =====================  ==========================================
checker                reader's function      what it must return
=====================  =====================  ==========================================
check_correlate2d      ``fn(I, w)``           ``w ⊗ I`` without bias, (1.2), ``[H', W']``
check_grad_w           ``fn(I, w, G)``        ``∂L/∂w = G ⊗ I``, (2.3), ``[k1, k2]``
check_grad_b           ``fn(I, w, G)``        ``∂L/∂b = Σ_i Σ_j G(i, j)``, (2.4), a number
check_grad_input       ``fn(I, w, G)``        ``∂L/∂I = w * G``, (3.4), ``[H, W]``
check_grad_input_rot   ``fn(w, G)``           ``∂L/∂I`` as (4.3), with three tools only
check_handover         ``fn(I, w2, G2)``      ``∂L/∂w1 = (w2 * G2) ⊗ I``, (5.5), ``w1``'s shape
=====================  =====================  ==========================================

Chapter 6's checkers, for a batch of many channels and for groups, are in ``channels``:
``check_grad_w_batch``, ``check_grad_b_batch``, ``check_grad_input_batch``,
``check_grad_input_groups``; the mistakes only they name are in ``CHANNEL_MISTAKES``.
Chapter 7's checkers, ``check_grad_input_strided`` and ``check_grad_w_strided``, are in
``strided``, with the mistakes they add, ``STRIDED_MISTAKES``. Chapter 8's, for the network's
layers (``check_relu_backward``, ``check_maxpool_backward``, ``check_softmax_ce_grad``), are in
``network``, with ``NETWORK_MISTAKES``.

Examples
--------
>>> from convlib.exercises import check_grad_b
>>> check_grad_b(lambda I, w, G: G.sum())
✓ check_grad_b passed: 9 cases
>>> result = check_grad_b(lambda I, w, G: G.mean())
>>> bool(result), result.mistake
(False, 'mean_not_sum')
"""

from ._result import CheckResult
from .catalogue import MISTAKES
from .channels import (
    CHANNEL_MISTAKES,
    check_grad_b_batch,
    check_grad_input_batch,
    check_grad_input_groups,
    check_grad_w_batch,
)
from .network import (
    NETWORK_MISTAKES,
    check_maxpool_backward,
    check_relu_backward,
    check_softmax_ce_grad,
)
from .rotated import check_grad_input_rot
from .runner import check_correlate2d, check_grad_b, check_grad_input, check_grad_w
from .strided import STRIDED_MISTAKES, check_grad_input_strided, check_grad_w_strided
from .training import HANDOVER_MISTAKES, check_handover

__all__ = [
    "CHANNEL_MISTAKES",
    "HANDOVER_MISTAKES",
    "MISTAKES",
    "NETWORK_MISTAKES",
    "STRIDED_MISTAKES",
    "CheckResult",
    "check_correlate2d",
    "check_grad_b",
    "check_grad_b_batch",
    "check_grad_input",
    "check_grad_input_batch",
    "check_grad_input_groups",
    "check_grad_input_rot",
    "check_grad_input_strided",
    "check_grad_w",
    "check_grad_w_batch",
    "check_grad_w_strided",
    "check_handover",
    "check_maxpool_backward",
    "check_relu_backward",
    "check_softmax_ce_grad",
]
