"""Tests for convlib.exercises.network: right answers pass, each classic mistake is named.

The right implementations are written here as a reader would write them (loops, numpy, scipy),
independently of convlib.nn, which the checkers use for the expected answers; each wrong one
makes exactly one named mistake.
"""

import re

import numpy as np
import pytest
import scipy.special

from convlib import nn
from convlib.book import cite
from convlib.exercises import (
    MISTAKES,
    NETWORK_MISTAKES,
    CheckResult,
    check_maxpool_backward,
    check_relu_backward,
    check_softmax_ce_grad,
    network,
)
from convlib.exercises.diagnosis import _close

CHECKERS = [check_relu_backward, check_maxpool_backward, check_softmax_ce_grad]
EXERCISES = [network._RELU, network._MAXPOOL, network._SOFTMAX]

# --------------------------------------------------------------------------------------------
# Right implementations, as a reader would write them
# --------------------------------------------------------------------------------------------


def relu_backward_loops(x, G):
    dx = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        if x[k] > 0:
            dx[k] = G[k]
    return dx


def maxpool_backward_loops(x, G, s):
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            window = x[i * s : (i + 1) * s, j * s : (j + 1) * s]
            p, q = np.unravel_index(np.argmax(window), window.shape)
            dx[i * s + p, j * s + q] = G[i, j]
    return dx


def maxpool_backward_running_max(x, G, s):
    """A running maximum started at -inf, strict comparison: the first maximum wins."""
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            best, where = -np.inf, None
            for p in range(s):
                for q in range(s):
                    if x[i * s + p, j * s + q] > best:
                        best, where = x[i * s + p, j * s + q], (i * s + p, j * s + q)
            dx[where] = G[i, j]
    return dx


def maxpool_backward_vectorised(x, G, s):
    Ho, Wo = G.shape
    windows = x[: Ho * s, : Wo * s].reshape(Ho, s, Wo, s).transpose(0, 2, 1, 3)
    first = windows.reshape(Ho, Wo, s * s).argmax(axis=-1)
    dwin = np.zeros((Ho, Wo, s * s))
    np.put_along_axis(dwin, first[..., None], G[..., None], axis=-1)
    dx = np.zeros(x.shape)
    dx[: Ho * s, : Wo * s] = (
        dwin.reshape(Ho, Wo, s, s).transpose(0, 2, 1, 3).reshape(Ho * s, Wo * s)
    )
    return dx


def maxpool_backward_convlib(x, G, s):
    pool = nn.MaxPool2D(s)
    pool.forward(x[None, None])
    return pool.backward(G[None, None])[0, 0]


def softmax_ce_grad_loops(z, labels):
    N, K = z.shape
    G = np.zeros((N, K))
    for n in range(N):
        m = max(z[n])
        total = sum(np.exp(z[n, k] - m) for k in range(K))
        for k in range(K):
            G[n, k] = (np.exp(z[n, k] - m) / total - (k == labels[n])) / N
    return G


def softmax_ce_grad_scipy(z, labels):
    p = scipy.special.softmax(z, axis=1)
    p[np.arange(len(z)), labels] -= 1
    return p / len(z)


RIGHT = [
    (check_relu_backward, relu_backward_loops),
    (check_relu_backward, lambda x, G: G * (x > 0)),
    (check_relu_backward, lambda x, G: np.where(x > 0, G, 0.0)),
    (check_maxpool_backward, maxpool_backward_loops),
    (check_maxpool_backward, maxpool_backward_running_max),
    (check_maxpool_backward, maxpool_backward_vectorised),
    (check_maxpool_backward, maxpool_backward_convlib),
    (check_softmax_ce_grad, softmax_ce_grad_loops),
    (check_softmax_ce_grad, softmax_ce_grad_scipy),
    (check_softmax_ce_grad, lambda z, labels: nn.softmax_cross_entropy(z, labels)[1]),
]


@pytest.mark.parametrize(("check", "fn"), RIGHT)
def test_right_implementations_pass(check, fn):
    result = check(fn)
    assert isinstance(result, CheckResult)
    assert result.passed, result.message
    assert result.mistake is None
    assert result.message == f"✓ {check.__name__} passed: {result.n_cases} cases"
    assert result.n_cases >= 6


# --------------------------------------------------------------------------------------------
# Wrong implementations, one per classic mistake
# --------------------------------------------------------------------------------------------


def relu_backward_derivative_one(x, G):
    """'ReLU's derivative is 1': the mask is forgotten."""
    return G * 1.0


def maxpool_backward_spread(x, G, s):
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            dx[i * s : (i + 1) * s, j * s : (j + 1) * s] = G[i, j]
    return dx


def maxpool_backward_averaged(x, G, s):
    return maxpool_backward_spread(x, G, s) / s**2


def maxpool_backward_mask_only(x, G, s):
    return maxpool_backward_loops(x, np.ones(G.shape), s)


def maxpool_backward_every_tie(x, G, s):
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            window = x[i * s : (i + 1) * s, j * s : (j + 1) * s]
            dx[i * s : (i + 1) * s, j * s : (j + 1) * s] = (window == window.max()) * G[i, j]
    return dx


def maxpool_backward_last_tie(x, G, s):
    """A running maximum compared with >=: the last of the tied maxima wins."""
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            best, where = -np.inf, None
            for p in range(s):
                for q in range(s):
                    if x[i * s + p, j * s + q] >= best:
                        best, where = x[i * s + p, j * s + q], (i * s + p, j * s + q)
            dx[where] = G[i, j]
    return dx


def maxpool_backward_from_zero(x, G, s):
    """The running maximum starts at 0: windows of negative values get nothing."""
    dx = np.zeros(x.shape)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            best, where = 0.0, None
            for p in range(s):
                for q in range(s):
                    if x[i * s + p, j * s + q] > best:
                        best, where = x[i * s + p, j * s + q], (i * s + p, j * s + q)
            if where is not None:
                dx[where] = G[i, j]
    return dx


def maxpool_backward_cut(x, G, s):
    """The gradient of the pooled area only: the leftover rows and columns are cut off."""
    Ho, Wo = G.shape
    return maxpool_backward_loops(x[: Ho * s, : Wo * s], G, s)


def softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def onehot(labels, K):
    return np.eye(K)[labels]


WRONG = [
    (check_relu_backward, relu_backward_derivative_one, "relu_passes_negative", "x < 0"),
    (check_relu_backward, lambda x, G: np.maximum(G, 0), "relu_masked_by_G", "applied ReLU to G"),
    (check_relu_backward, lambda x, G: G * np.maximum(x, 0), "relu_times_output", "slope"),
    (check_relu_backward, lambda x, G: G * (x >= 0), "relu_at_zero", "x >= 0"),
    (check_relu_backward, lambda x, G: (x > 0) * 1.0, "upstream_forgotten", "mask 1[x > 0] alone"),
    (check_relu_backward, lambda x, G: x > 0, "upstream_forgotten", "mask 1[x > 0] alone"),
    (check_relu_backward, lambda x, G: -G * (x > 0), "wrong_sign", "opposite sign"),
    (check_relu_backward, lambda x, G: 2 * G * (x > 0), "wrong_scale", "multiplied by 2"),
    (check_maxpool_backward, maxpool_backward_spread, "pool_spread", "every input of window"),
    (check_maxpool_backward, maxpool_backward_averaged, "pool_averaged", "average pooling"),
    (check_maxpool_backward, maxpool_backward_mask_only, "upstream_forgotten", "1 at each"),
    (check_maxpool_backward, maxpool_backward_every_tie, "pool_ties", "every tied maximum"),
    (check_maxpool_backward, maxpool_backward_last_tie, "pool_ties", "last of the tied"),
    (check_maxpool_backward, maxpool_backward_from_zero, "pool_max_from_zero", "start at 0"),
    (check_maxpool_backward, maxpool_backward_cut, "pool_remainder", "shape of x"),
    (
        check_maxpool_backward,
        lambda x, G, s: maxpool_backward_loops(x, G, s).astype(int),
        "integer_array",
        "integer array",
    ),
    (
        check_maxpool_backward,
        lambda x, G, s: maxpool_backward_loops(x, G, s).T,
        "transposed",
        "transpose",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: scipy.special.softmax(z, axis=1) / len(z),
        "no_onehot",
        "one-hot label was not subtracted",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: scipy.special.softmax(z, axis=1),
        "no_onehot",
        "1/N is missing too",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: scipy.special.softmax(z, axis=1) - onehot(labels, z.shape[1]),
        "mean_forgotten",
        "without dividing by N = 4",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: scipy.special.softmax(z, axis=1) / len(z) - onehot(labels, z.shape[1]),
        "mean_forgotten",
        "not the one-hot label",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: (onehot(labels, z.shape[1]) - scipy.special.softmax(z, axis=1)) / len(z),
        "wrong_sign",
        "gradient of -L",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: (scipy.special.softmax(z, axis=0) - onehot(labels, z.shape[1])) / len(z),
        "softmax_wrong_axis",
        "over the batch (axis 0)",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: (
            (scipy.special.softmax(z, axis=1) - onehot(labels, z.shape[1])) / z.shape[1]
        ),
        "wrong_scale",
        "number of classes K = 10",
    ),
    (
        check_softmax_ce_grad,
        lambda z, labels: (softmax_naive(z) - onehot(labels, z.shape[1])) / len(z),
        "overflow",
        "subtract each row's maximum",
    ),
]


@pytest.mark.parametrize(
    ("check", "fn", "mistake", "words"),
    WRONG,
    ids=[f"{c.__name__}-{m}-{i}" for i, (c, _, m, _) in enumerate(WRONG)],
)
def test_classic_mistake_is_named(check, fn, mistake, words):
    result = check(fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert NETWORK_MISTAKES[mistake] in result.message
    assert words.lower() in result.message.lower(), result.message
    assert result.case is not None and result.case in result.message
    assert result.expected is not None


def test_the_four_mistakes_of_the_chapter_are_named_in_their_words():
    """ReLU through negatives, spread over the window, no one-hot, 1/N forgotten."""
    assert check_relu_backward(relu_backward_derivative_one).message.startswith(
        "✗ check_relu_backward failed: ReLU's gradient passed through where the input was negative"
    )
    assert check_maxpool_backward(maxpool_backward_spread).message.startswith(
        "✗ check_maxpool_backward failed: max-pool gradient spread over the whole window"
    )
    no_label = check_softmax_ce_grad(lambda z, labels: scipy.special.softmax(z, axis=1) / len(z))
    assert "softmax gradient without subtracting the one-hot label" in no_label.message
    no_mean = check_softmax_ce_grad(
        lambda z, labels: scipy.special.softmax(z, axis=1) - onehot(labels, z.shape[1])
    )
    assert "the mean's 1/N forgotten" in no_mean.message


def test_every_mistake_about_the_maths_has_a_test():
    covered = {m for _, _, m, _ in WRONG} | {
        "raised",
        "not_written",
        "wrong_shape",
        "wrong_type",
        "modified_input",
        "wrong_values",
        "not_callable",
    }
    assert covered == set(NETWORK_MISTAKES)


def test_generic_mistakes_keep_the_words_of_the_other_checkers():
    for key, words in NETWORK_MISTAKES.items():
        if key in MISTAKES:
            assert words == MISTAKES[key]


# --------------------------------------------------------------------------------------------
# Functions that raise, return the wrong type or shape, or modify their inputs
# --------------------------------------------------------------------------------------------


def test_raising_function_is_reported_with_the_readers_line():
    def index_error(x, G, s):
        return G[G.shape[0] + 5]

    result = check_maxpool_backward(index_error)
    assert result.mistake == "raised"
    assert "IndexError" in result.message
    assert "fn(x, G, s)" in result.message
    assert "G[G.shape[0] + 5]" in result.message


@pytest.mark.parametrize("check", CHECKERS)
def test_a_stub_not_written_yet_is_reported_calmly(check):
    def stub(*args):
        raise NotImplementedError("your code here")

    result = check(stub)
    assert result.mistake == "not_written"
    assert "not written yet" in result.message
    page = result._repr_html_()
    assert "#c62828" not in page and "✗" not in page


@pytest.mark.parametrize("check", CHECKERS)
def test_not_callable_is_reported(check):
    result = check(np.zeros(3))
    assert result.mistake == "not_callable"
    assert f"{check.__name__}(my_function)" in result.message


def test_wrong_signature_is_reported():
    result = check_maxpool_backward(lambda x, G: G)
    assert result.mistake == "raised"
    assert "TypeError" in result.message


def test_none_list_scalar_and_pair_are_wrong_types():
    assert "return statement" in check_relu_backward(lambda x, G: None).message
    listed = check_relu_backward(lambda x, G: (G * (x > 0)).tolist())
    assert listed.mistake == "wrong_type" and "values are right" in listed.message
    scalar = check_relu_backward(lambda x, G: float((G * (x > 0)).sum()))
    assert scalar.mistake == "wrong_type" and "single number" in scalar.message
    pair = check_softmax_ce_grad(lambda z, labels: nn.softmax_cross_entropy(z, labels))
    assert pair.mistake == "wrong_type" and "(L, G)" in pair.message


def test_wrong_shape_is_reported():
    result = check_relu_backward(lambda x, G: (G * (x > 0)).ravel())
    assert result.mistake == "wrong_shape"
    assert "shape (20,)" in result.message
    assert "the shape of x, (4, 5)" in result.message
    assert "another shape" in result.message


def test_modified_input_is_reported_even_when_the_answer_is_right():
    def in_place(x, G):
        G[x <= 0] = 0.0
        return G

    result = check_relu_backward(in_place)
    assert result.mistake == "modified_input"
    assert "modified its input G" in result.message
    assert "answer is wrong" not in result.message


def test_modified_input_and_wrong_answer():
    def clobber(x, G, s):
        x[...] = 0.0
        return np.zeros(x.shape)

    result = check_maxpool_backward(clobber)
    assert result.mistake == "modified_input"
    assert "input x" in result.message and "answer is wrong" in result.message


def test_generic_wrong_values_give_the_first_difference():
    def one_entry_wrong(x, G):
        dx = G * (x > 0)
        dx[2, 3] += 1.5
        return dx

    result = check_relu_backward(one_entry_wrong)
    assert result.mistake == "wrong_values"
    assert "at 1 of its 20 entries" in result.message
    assert "(2, 3)" in result.message


def test_nan_is_reported_without_warnings():
    result = check_relu_backward(lambda x, G: np.full(x.shape, np.nan))
    assert result.mistake == "wrong_values"
    assert "nan" in result.message.lower()


def test_strange_return_values_never_raise():
    class Weird:
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("no array for you")

    for check, n in zip(CHECKERS, (2, 3, 2), strict=True):
        for value in (Weird(), "text", [[1, 2], [3]], object(), np.array(["a"]), {"dx": 0}):
            result = check(lambda *args, value=value, n=n: value if len(args) == n else None)
            assert not result.passed
            assert result.mistake in ("wrong_type", "wrong_shape")
            repr(result), result._repr_html_(), result._repr_markdown_()


def test_the_reader_receives_copies():
    seen = []

    def spy(z, labels):
        seen.append(z)
        return softmax_ce_grad_scipy(z, labels)

    assert check_softmax_ce_grad(spy)
    first = network._SOFTMAX.cases()[0]
    assert seen[0] is not first.args["z"]
    np.testing.assert_array_equal(seen[0], first.args["z"])


def test_failing_display_shows_the_case():
    result = check_maxpool_backward(maxpool_backward_spread)
    text = repr(result)
    for label in ("x =", "G =", "s =", "expected ∂L/∂x =", "got ="):
        assert label in text
    assert "#c62828" in result._repr_html_()


def test_results_are_deterministic():
    assert repr(check_maxpool_backward(maxpool_backward_every_tie)) == repr(
        check_maxpool_backward(maxpool_backward_every_tie)
    )


# --------------------------------------------------------------------------------------------
# The cases and the sentences
# --------------------------------------------------------------------------------------------


def test_cases_cover_the_edges():
    relu = [c.args["x"] for c in network._RELU.cases()]
    assert any(x.ndim == 4 for x in relu)
    assert any((x == 0).any() for x in relu)
    assert any((x < 0).all() for x in relu) and any((x > 0).all() for x in relu)
    pool = network._MAXPOOL.cases()
    assert any(c.args["x"].shape[0] % c.args["s"] for c in pool)  # a leftover row
    assert any(c.args["s"] == 1 for c in pool)
    assert any((c.args["x"] < 0).all() for c in pool)
    ties = [
        c
        for c in pool
        for i, j in np.ndindex(c.args["G"].shape)
        if np.sum(
            (w := c.args["x"][i * c.args["s"] :, j * c.args["s"] :][: c.args["s"], : c.args["s"]])
            == w.max()
        )
        > 1
    ]
    assert ties
    soft = network._SOFTMAX.cases()
    assert any(np.abs(c.args["z"]).max() >= 1000 for c in soft)
    assert any(c.args["z"].shape[0] == 1 for c in soft)
    for c in pool:
        assert c.args["G"].shape == tuple(d // c.args["s"] for d in c.args["x"].shape)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_first_case_separates_every_variant(exercise):
    """On the first case no two known-wrong answers coincide, nor with the right one."""
    case = exercise.cases()[0]
    expected = exercise.expected(case)
    variants = [(m, compute()) for m, compute, _ in exercise.variants(case)]
    answers = [("right", expected)] + variants
    if "wrong_sign" not in dict(variants):  # the generic diagnosis that follows the variants
        answers.append(("negated", -expected))
    for a, (name_a, value_a) in enumerate(answers):
        for name_b, value_b in answers[a + 1 :]:
            assert not _close(value_a, value_b), (name_a, name_b)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_every_sentence_cites_the_books_numbers(exercise):
    planning = re.compile(r"(?<![A-Za-z0-9_])E(1[0-4]|[1-9])(?![0-9])")
    texts = [exercise.nonfinite_hint]
    for case in exercise.cases():
        texts += [sentence for _, _, sentence in exercise.variants(case)]
        texts.append(exercise.shape_rule(case))
    cited = 0
    for text in texts:
        resolved = cite(text)  # raises on a label the book does not have
        assert "(eq-" not in resolved and not planning.search(resolved), resolved
        cited += resolved != text
    assert cited > 0
