"""Checkers for "A network that reads digits": the backward passes around the convolution.

Three exercises of chapter 8, each a backward pass the chapter derives, checked the way
:mod:`convlib.exercises` checks the convolution's: the reader's function runs on a fixed,
deterministic set of cases (random ones and edge cases), every answer is compared with
:mod:`convlib.nn`, and a wrong answer is compared with the answers of known-wrong *variants*
on the same case, so that the classic mistake is named. A checker never raises on a wrong
answer; a function that raises, returns the wrong type or shape, or modifies its inputs is
reported. Sentences cite equations as ``(eq-label)``, turned into the book's numbers by
:func:`convlib.book.cite`.

=========================  =================  ===============================================
checker                    reader's function  what it must return
=========================  =================  ===============================================
check_relu_backward        ``fn(x, G)``       ``∂L/∂x = G ⊙ 1[x > 0]``, (8.8), x's shape
check_maxpool_backward     ``fn(x, G, s)``    ``∂L/∂x``: ``G[i, j]`` at each window's maximum,
                                              0 elsewhere, (8.6), x's shape ``(H, W)``
check_softmax_ce_grad      ``fn(z, labels)``  ``∂L/∂z = (p - onehot) / N``, (8.2), ``(N, K)``
=========================  =================  ===============================================

The classic mistakes they name (:data:`NETWORK_MISTAKES`): ReLU's gradient passed through
where the input was negative, the max-pool gradient spread over the whole window, the softmax
gradient without the one-hot label subtracted, the mean's 1/N forgotten, and their neighbours.

Examples
--------
>>> import numpy as np
>>> from convlib.exercises import check_relu_backward
>>> check_relu_backward(lambda x, G: G * (x > 0))
✓ check_relu_backward passed: 7 cases
>>> check_relu_backward(lambda x, G: G.copy()).mistake
'relu_passes_negative'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from .. import nn
from ._network_run import NETWORK_MISTAKES, _Case, _Exercise, _run, _Variant
from ._result import CheckResult

__all__ = [
    "NETWORK_MISTAKES",
    "check_maxpool_backward",
    "check_relu_backward",
    "check_softmax_ce_grad",
]

SEED = 2028
"""Seed of the cases' random values: every reader's function sees the same cases."""

# --------------------------------------------------------------------------------------------
# ReLU: fn(x, G) -> dL/dx = G ⊙ 1[x > 0]
# --------------------------------------------------------------------------------------------

_HALVES = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
_SIGNED = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])


def _relu_cases() -> list[_Case]:
    rng = np.random.default_rng(SEED)
    with_zeros = rng.choice(np.append(_HALVES, [0.0, 0.0, 0.0]), size=(4, 5))
    with_zeros[0, 0] = with_zeros[2, 3] = 0.0
    first = rng.choice(_HALVES, size=(4, 5))
    first[1, 2] = 0.0
    specs = [
        ("random values, a 4×5 x (one of them 0)", first),
        ("a batch of feature maps, x of shape (2, 3, 4, 4), like the network's", None),
        ("x with exact zeros, where ReLU has its kink", with_zeros),
        ("every entry of x negative", -np.abs(rng.choice(_HALVES, size=(3, 4)))),
        ("every entry of x positive", np.abs(rng.choice(_HALVES, size=(3, 4)))),
        ("one row, a 1×6 x", rng.choice(_HALVES, size=(1, 6))),
        ("random real values, a 6×7 x", rng.standard_normal((6, 7))),
    ]
    cases = []
    for label, x in specs:
        if x is None:
            x, G = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))
        elif label.startswith("random real"):
            G = rng.standard_normal(x.shape)
        else:
            G = rng.choice(_SIGNED, size=x.shape)
        cases.append(_Case(label, {"x": x, "G": G}))
    return cases


def _relu_variants(c: _Case) -> Iterator[_Variant]:
    x, G = c.args["x"], c.args["G"]
    yield (
        "relu_passes_negative",
        lambda: G.copy(),
        "Your ∂L/∂x is G itself: the gradient also flows back where x < 0. There ReLU's output "
        "is 0 whatever x is, so ∂y/∂x = 0 and nothing flows back: ∂L/∂x = G ⊙ 1[x > 0], "
        "equation (eq-relu-grad).",
    )
    yield (
        "relu_masked_by_G",
        lambda: np.maximum(G, 0.0),
        "Your ∂L/∂x keeps the positive entries of G: you applied ReLU to G (np.maximum(G, 0)). "
        "Which entries pass is decided by the forward pass's input x, not by G: "
        "∂L/∂x = G ⊙ 1[x > 0], equation (eq-relu-grad), whatever the sign of G.",
    )
    yield (
        "relu_times_output",
        lambda: G * np.maximum(x, 0.0),
        "Your ∂L/∂x is G times the output y = max(x, 0). The local derivative ∂y/∂x is the "
        "slope of y, 1 where x > 0 and 0 where x < 0, not y itself: ∂L/∂x = G ⊙ 1[x > 0], "
        "equation (eq-relu-grad).",
    )
    yield (
        "relu_at_zero",
        lambda: G * (x >= 0),
        "Your ∂L/∂x is right except where x = 0 exactly, where you pass G on (a mask x >= 0). "
        "ReLU has a kink at 0 and no derivative there; the book, like convlib and PyTorch, "
        "takes 0: the mask is 1[x > 0], equation (eq-relu-grad).",
    )
    yield (
        "upstream_forgotten",
        lambda: (x > 0).astype(float),
        "Your ∂L/∂x is the mask 1[x > 0] alone, the local derivative ∂y/∂x. The chain rule "
        "multiplies it by the gradient handed down from the layer above: "
        "∂L/∂x = G ⊙ 1[x > 0], equation (eq-relu-grad).",
    )


_RELU = _Exercise(
    name="check_relu_backward",
    quantity="∂L/∂x",
    call="fn(x, G)",
    cases=_relu_cases,
    expected=lambda c: np.where(c.args["x"] > 0, c.args["G"], 0.0),
    variants=_relu_variants,
    shape_rule=lambda c: f"the shape of x, {c.args['x'].shape}",
)


# --------------------------------------------------------------------------------------------
# Max-pooling: fn(x, G, s) -> dL/dx, one channel (H, W), windows s × s, stride s
# --------------------------------------------------------------------------------------------


def _maxpool_cases() -> list[_Case]:
    rng = np.random.default_rng(SEED + 1)
    first = np.array(
        [
            [3.0, -1.0, -2.0, -4.0, 0.5, 2.0],
            [1.0, 2.0, -3.0, -1.0, 2.0, -1.0],
            [-2.0, 4.0, 1.0, 1.0, -3.0, -0.5],
            [0.0, 1.0, 1.0, -1.0, -2.0, -1.5],
        ]
    )
    specs = [
        ("a 4×6 x, 2×2 windows (one window all negative, two with a tie)", first, 2),
        ("a 6×6 x, 3×3 windows", rng.standard_normal((6, 6)), 3),
        ("a 5×7 x, 2×2 windows: the last row and column fill no window", None, 2),
        ("small integers, many ties: a 6×4 x, 2×2 windows", None, 2),
        ("one window: a 2×2 x", rng.standard_normal((2, 2)), 2),
        ("an 8×8 x, 4×4 windows", rng.standard_normal((8, 8)), 4),
        ("s = 1: every input is a window of its own", rng.standard_normal((3, 4)), 1),
        ("every value negative: a 4×4 x, 2×2 windows", None, 2),
    ]
    cases = []
    for label, x, s in specs:
        if x is None and label.startswith("a 5×7"):
            x = rng.standard_normal((5, 7))
        elif x is None and label.startswith("small"):
            x = rng.integers(0, 3, size=(6, 4)).astype(float)
        elif x is None:
            x = -np.abs(rng.standard_normal((4, 4))) - 0.1
        shape = (x.shape[0] // s, x.shape[1] // s)
        G = rng.choice(_SIGNED, size=shape) if label.startswith(("a 4×6", "small")) else None
        if G is None:
            G = rng.standard_normal(shape)
        cases.append(_Case(label, {"x": x, "G": G, "s": s}))
    return cases


def _maxpool_expected(c: _Case) -> np.ndarray:
    pool = nn.MaxPool2D(c.args["s"])
    pool.forward(c.args["x"][None])
    return pool.backward(c.args["G"][None])[0]


def _route(x: np.ndarray, G: np.ndarray, s: int, pick: Callable[[np.ndarray], list]) -> np.ndarray:
    """Send ``G[i, j]`` to the entries of window ``(i, j)`` that ``pick(window)`` returns."""
    dx = np.zeros(x.shape)
    for i, j in np.ndindex(G.shape):
        window = x[i * s : (i + 1) * s, j * s : (j + 1) * s]
        for p, q in pick(window):
            dx[i * s + p, j * s + q] += G[i, j]
    return dx


def _maxima(window: np.ndarray) -> list[tuple[int, int]]:
    return [tuple(int(a) for a in pq) for pq in np.argwhere(window == window.max())]


def _maxpool_variants(c: _Case) -> Iterator[_Variant]:
    x, G, s = c.args["x"], c.args["G"], c.args["s"]
    Ho, Wo = G.shape

    def spread(scale: float) -> np.ndarray:
        dx = np.zeros(x.shape)
        dx[: Ho * s, : Wo * s] = np.kron(G, np.ones((s, s))) * scale
        return dx

    yield (
        "pool_spread",
        lambda: spread(1.0),
        "Your ∂L/∂x gives G[i, j] to every input of window (i, j). Only the window's maximum "
        "reaches the output: nudging any other input leaves y[i, j] unchanged, so its "
        "gradient is 0. ∂L/∂x is G[i, j] at the maximum of window (i, j) and 0 at the other "
        "entries, equation (eq-maxpool-grad).",
    )
    yield (
        "pool_averaged",
        lambda: spread(1.0 / (s * s)),
        f"Your ∂L/∂x gives G[i, j] / s² = G[i, j] / {s * s} to every input of window (i, j): "
        "the gradient of average pooling, whose output is the window's mean. Max-pooling "
        "passes the whole G[i, j] to the window's maximum and 0 to the others, equation "
        "(eq-maxpool-grad).",
    )
    yield (
        "upstream_forgotten",
        lambda: _route(x, np.ones(G.shape), s, lambda w: [_maxima(w)[0]]),
        "Your ∂L/∂x is 1 at each window's maximum: the local derivative ∂y[i, j]/∂x alone. The "
        "chain rule multiplies it by the gradient handed down from the layer above: G[i, j] "
        "at the maximum of window (i, j), equation (eq-maxpool-grad).",
    )
    yield (
        "pool_ties",
        lambda: _route(x, G, s, _maxima),
        "In a window whose maximum appears more than once, your ∂L/∂x gives G[i, j] to every "
        "tied maximum, so it is counted several times. The derivative of max does not exist "
        "at a tie; the book, like convlib and PyTorch, gives the whole G[i, j] to one of them, "
        "the first in row-major order (np.argmax of the window picks it), equation "
        "(eq-maxpool-grad).",
    )
    yield (
        "pool_ties",
        lambda: _route(x, G, s, lambda w: [_maxima(w)[-1]]),
        "In a window whose maximum appears more than once, your ∂L/∂x gives G[i, j] to the "
        "last of the tied maxima (a comparison >= in a loop?). The derivative of max does not "
        "exist at a tie; the book, like convlib and PyTorch, gives it to the first in "
        "row-major order, which np.argmax of the window picks, equation (eq-maxpool-grad).",
    )
    yield (
        "pool_max_from_zero",
        lambda: _route(x, G, s, lambda w: [_maxima(w)[0]] if w.max() >= 0 else []),
        "In a window whose values are all negative, your ∂L/∂x is missing: did the running "
        "maximum start at 0? Start it at the window's first value (or -inf), or use "
        "np.argmax: every window has a maximum, and it gets G[i, j], equation "
        "(eq-maxpool-grad).",
    )


def _maxpool_shape_hint(c: _Case, expected: np.ndarray, got: np.ndarray) -> tuple[str, str] | None:
    (H, W), s = c.args["x"].shape, c.args["s"]
    Ho, Wo = c.args["G"].shape
    if got.shape == (Ho * s, Wo * s) != (H, W):
        return "pool_remainder", (
            f"Your ∂L/∂x has shape {got.shape}, only the rows and columns that fill a window, "
            f"but x has shape {(H, W)}. The forward pass drops the leftover rows and columns; "
            "they touch no output, so their gradient is 0, but it is still there: ∂L/∂x has "
            "the shape of x (start from np.zeros(x.shape)), equation (eq-maxpool-grad)."
        )
    return None


_MAXPOOL = _Exercise(
    name="check_maxpool_backward",
    quantity="∂L/∂x",
    call="fn(x, G, s)",
    cases=_maxpool_cases,
    expected=_maxpool_expected,
    variants=_maxpool_variants,
    shape_rule=lambda c: f"the shape of x, {c.args['x'].shape}",
    shape_hint=_maxpool_shape_hint,
)


# --------------------------------------------------------------------------------------------
# Softmax cross-entropy: fn(z, labels) -> dL/dz = (p - onehot(labels)) / N
# --------------------------------------------------------------------------------------------


def _softmax_cases() -> list[_Case]:
    rng = np.random.default_rng(SEED + 2)
    large = np.array([[1000.0, 0.0, -1000.0, 998.0], [-1000.0, 1000.0, 999.0, 0.0]])
    specs = [
        ("a batch of 4 samples and 10 classes, like the digits", 2 * rng.standard_normal((4, 10))),
        ("one sample, 3 classes", rng.standard_normal((1, 3))),
        ("5 samples, 2 classes", 3 * rng.standard_normal((5, 2))),
        ("large logits (±1000): e^z overflows unless each row's maximum goes first", large),
        ("every logit 0: all classes equally likely, 3 samples, 4 classes", np.zeros((3, 4))),
        ("4 samples of the same class, 5 classes", rng.standard_normal((4, 5))),
    ]
    cases = []
    for label, z in specs:
        N, K = z.shape
        labels = np.full(N, 2) if label.startswith("4 samples") else rng.integers(0, K, size=N)
        if label.startswith("large"):
            labels = np.array([3, 0])
        cases.append(_Case(label, {"z": z, "labels": labels}))
    return cases


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_variants(c: _Case) -> Iterator[_Variant]:
    z, labels = c.args["z"], c.args["labels"]
    N, K = z.shape
    p = _softmax(z, axis=1)
    onehot = np.eye(K)[labels]
    yield (
        "no_onehot",
        lambda: p / N,
        "Your ∂L/∂z is the softmax p divided by N: the one-hot label was not subtracted. L "
        "holds -z[n, Y_n], whose derivative is -1 at the true class and 0 elsewhere, so "
        "∂L/∂z[n, k] = (p[n, k] - 1[k = Y_n]) / N, equation (eq-softmax-ce-grad).",
    )
    yield (
        "no_onehot",
        lambda: p.copy(),
        "Your ∂L/∂z is the softmax p itself: the one-hot label was not subtracted, and the "
        "mean's 1/N is missing too. ∂L/∂z[n, k] = (p[n, k] - 1[k = Y_n]) / N, equation "
        "(eq-softmax-ce-grad).",
    )
    yield (
        "mean_forgotten",
        lambda: p - onehot,
        f"Your ∂L/∂z is p - onehot(Y) without dividing by N = {N}: the mean's 1/N forgotten. "
        "L is the mean of the N samples' losses, equation (eq-softmax-ce), so each logit's "
        "derivative carries 1/N: ∂L/∂z = (p - onehot(Y)) / N, equation (eq-softmax-ce-grad).",
    )
    yield (
        "mean_forgotten",
        lambda: p / N - onehot,
        f"Your ∂L/∂z divides p by N = {N} but not the one-hot label: the mean's 1/N is "
        "forgotten on the label's term. The whole of each sample's loss is divided by N, "
        "equation (eq-softmax-ce): ∂L/∂z = (p - onehot(Y)) / N, equation (eq-softmax-ce-grad).",
    )
    yield (
        "wrong_sign",
        lambda: (onehot - p) / N,
        "Your ∂L/∂z is (onehot(Y) - p) / N, the right one with the opposite sign: the "
        "gradient of -L, which gradient descent would climb. L = -(1/N) Σ log p[n, Y_n], so "
        "∂L/∂z = (p - onehot(Y)) / N, equation (eq-softmax-ce-grad).",
    )
    yield (
        "softmax_wrong_axis",
        lambda: (_softmax(z, axis=0) - onehot) / N,
        "Your softmax is normalised over the batch (axis 0) instead of over each sample's "
        "classes: p[n, k] = e^z[n, k] / Σ_k' e^z[n, k'] sums along each row (axis=1, "
        "keepdims=True), equation (eq-softmax-ce).",
    )
    yield (
        "wrong_scale",
        lambda: (p - onehot) / K,
        f"Your ∂L/∂z is divided by the number of classes K = {K} instead of the number of "
        f"samples N = {N}: L is the mean over the samples, equation (eq-softmax-ce), so "
        "∂L/∂z = (p - onehot(Y)) / N, equation (eq-softmax-ce-grad).",
    )


_SOFTMAX = _Exercise(
    name="check_softmax_ce_grad",
    quantity="∂L/∂z",
    call="fn(z, labels)",
    cases=_softmax_cases,
    expected=lambda c: nn.softmax_cross_entropy(c.args["z"], c.args["labels"])[1],
    variants=_softmax_variants,
    shape_rule=lambda c: f"the shape of z, (N, K) = {c.args['z'].shape}",
    nonfinite_hint=(
        "Your ∂L/∂z holds NaN or inf: e^1000 overflows (the largest float64 is about e^709.8), "
        "and inf / inf is NaN. Subtract each row's maximum from z before np.exp: the softmax "
        "does not change, because the factor e^-max cancels between numerator and "
        "denominator, and no exponential exceeds 1."
    ),
)


# --------------------------------------------------------------------------------------------
# The checkers
# --------------------------------------------------------------------------------------------


def check_relu_backward(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check the reader's ReLU backward pass ``fn(x, G) -> ∂L/∂x = G ⊙ 1[x > 0]``, (8.8).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(x, G)`` with the forward pass's input ``x`` (any
        shape: 2-D, and one batch of feature maps ``(N, C, H, W)``) and the upstream gradient
        ``G = ∂L/∂y`` of the same shape (float64 arrays, fresh copies for each call). It must
        return ``∂L/∂x``, of the shape of ``x``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it and the failing
        case (inputs, expected, got) is shown.

    Notes
    -----
    The right answer, ``convlib.nn.ReLU``'s backward pass:

    .. math:: \frac{\partial L}{\partial x} = G \odot \mathbb{1}[x > 0]

    with 0 where ``x == 0``. Classic mistakes it names: ``relu_passes_negative`` (``G``
    itself), ``relu_masked_by_G`` (``np.maximum(G, 0)``), ``relu_times_output``
    (``G * max(x, 0)``), ``relu_at_zero`` (the mask ``x >= 0``), ``upstream_forgotten`` (the
    mask alone), ``wrong_sign``, ``wrong_scale``.

    Examples
    --------
    >>> check_relu_backward(lambda x, G: np.maximum(G, 0)).mistake
    'relu_masked_by_G'
    """
    return _run(_RELU, fn)


def check_maxpool_backward(
    fn: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
) -> CheckResult:
    r"""Check the reader's max-pooling backward pass ``fn(x, G, s) -> ∂L/∂x``, (8.6).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(x, G, s)`` with one channel ``x`` of shape
        ``(H, W)``, the window size ``s`` (an int: windows ``s × s``, stride ``s``) and the
        upstream gradient ``G`` of the pooled shape ``(H // s, W // s)``. It must return
        ``∂L/∂x``, of the shape of ``x``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, ``convlib.nn.MaxPool2D(s)``'s backward pass: each ``G[i, j]`` goes to
    the maximum of window ``(i, j)``, the first in row-major order on a tie, and every other
    entry, the leftover rows and columns included, gets 0:

    .. math:: \frac{\partial L}{\partial x[is + p,\, js + q]} =
        G[i, j]\; \mathbb{1}[(p, q) = (p^*_{ij}, q^*_{ij})]

    Classic mistakes it names: ``pool_spread`` (``G[i, j]`` to the whole window),
    ``pool_averaged`` (``G[i, j] / s²`` to the whole window), ``upstream_forgotten``,
    ``pool_ties`` (every tied maximum, or the last), ``pool_max_from_zero`` (no gradient in a
    window of negative values), ``pool_remainder`` (the leftover rows and columns cut off).

    Examples
    --------
    >>> spread = lambda x, G, s: np.pad(np.kron(G, np.ones((s, s))),
    ...     [(0, x.shape[0] % s), (0, x.shape[1] % s)])
    >>> check_maxpool_backward(spread).mistake
    'pool_spread'
    """
    return _run(_MAXPOOL, fn)


def check_softmax_ce_grad(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    r"""Check the reader's softmax cross-entropy gradient ``fn(z, labels) -> ∂L/∂z``, (8.2).

    Parameters
    ----------
    fn : callable
        The reader's function, called as ``fn(z, labels)`` with the logits ``z`` of shape
        ``(N, K)`` and the true classes ``labels``, ``N`` integers in ``0 .. K-1``. It must
        return ``∂L/∂z`` for the batch mean ``L = -(1/N) Σ_n log p[n, labels[n]]``, of shape
        ``(N, K)``.

    Returns
    -------
    CheckResult
        ``.passed`` and ``.message``; on a wrong answer, ``.mistake`` names it.

    Notes
    -----
    The right answer, the ``G`` of ``convlib.nn.softmax_cross_entropy(z, labels)``:

    .. math:: \frac{\partial L}{\partial z[n, k]} = \frac{p[n, k] - \mathbb{1}[k = Y_n]}{N}

    Classic mistakes it names: ``no_onehot`` (``p / N`` or ``p``), ``mean_forgotten``
    (``p - onehot``, or ``p / N - onehot``), ``wrong_sign`` (``onehot - p``),
    ``softmax_wrong_axis`` (normalised over the batch), ``wrong_scale`` (divided by ``K``),
    ``overflow`` (``np.exp(z)`` without subtracting each row's maximum: NaN at ``z = 1000``).

    Examples
    --------
    >>> def forgot_the_label(z, labels):
    ...     p = np.exp(z - z.max(axis=1, keepdims=True))
    ...     return p / p.sum(axis=1, keepdims=True) / len(z)
    >>> check_softmax_ce_grad(forgot_the_label).mistake
    'no_onehot'
    """
    return _run(_SOFTMAX, fn)
