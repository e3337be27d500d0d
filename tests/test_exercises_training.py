"""Tests for convlib.exercises.training: the hand-over through two layers (chapter 5)."""

import re

import numpy as np
import pytest
import scipy.signal

import convlib
from convlib import reference
from convlib.book import cite
from convlib.exercises import HANDOVER_MISTAKES, MISTAKES, CheckResult, check_handover, diagnosis
from convlib.exercises import training as tr


def _pad(G2, w2):
    return convlib.zero_pad(G2, w2.shape[0] - 1, w2.shape[1] - 1)


# --------------------------------------------------------------------------------------
# The expected answer, against an independent computation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", tr._handover_cases(), ids=lambda c: c.label)
def test_the_expected_answer_is_the_derivative_of_a_two_layer_loss(case):
    """Central differences of L(w1) = Σ G2 · (w2 ⊗ (w1 ⊗ I + b1)), written with scipy only."""
    rng = np.random.default_rng(3)
    w1 = rng.normal(size=case.w1_shape)

    def loss(w1):
        Y1 = scipy.signal.correlate2d(case.I, w1, mode="valid") + 0.3
        return np.sum(case.G2 * scipy.signal.correlate2d(Y1, case.w2, mode="valid"))

    expected = tr._HANDOVER.expected(case)
    assert expected.shape == case.w1_shape
    result = convlib.gradcheck(loss, w1, expected)
    assert result, result


def test_cases_cover_the_edges():
    cases = tr._handover_cases()
    assert any(c.w1_shape == (1, 1) for c in cases)
    assert any(c.w2.shape == (1, 1) for c in cases)
    assert any(c.I.shape[0] == 1 for c in cases)
    assert any(c.w1_shape[0] != c.w1_shape[1] and c.w2.shape[0] != c.w2.shape[1] for c in cases)
    assert any(c.w2.shape[0] == c.w2.shape[1] > 1 for c in cases)  # where w2.T has w2's shape
    assert any(np.count_nonzero(c.G2) == 1 for c in cases)
    for c in cases:
        H, W = c.I.shape
        (a, b), (p, q) = c.w1_shape, c.w2.shape
        assert c.G2.shape == (H - a - p + 2, W - b - q + 2)


def test_first_case_separates_every_variant():
    """On the first case no two known-wrong answers coincide, nor with the right one."""
    case = tr._handover_cases()[0]
    expected = tr._HANDOVER.expected(case)
    answers = [("right", expected), ("negated", -expected), ("transposed", expected.T)]
    answers += [(m, compute()) for m, compute, _ in tr._handover_variants(case)]
    for a, (name_a, value_a) in enumerate(answers):
        for name_b, value_b in answers[a + 1 :]:
            assert not diagnosis._close(value_a, value_b), (name_a, name_b)


# --------------------------------------------------------------------------------------
# Right answers, as a reader would write them
# --------------------------------------------------------------------------------------


def handover_loops(I, w2, G2):
    """G1 = w2 * G2 with loops that skip outputs outside Ŷ, then dw1 = G1 ⊗ I with loops."""
    H2, W2 = G2.shape
    p, q = w2.shape
    G1 = np.zeros((H2 + p - 1, W2 + q - 1))
    for ip in range(G1.shape[0]):
        for jp in range(G1.shape[1]):
            for m in range(p):
                for n in range(q):
                    if 0 <= ip - m < H2 and 0 <= jp - n < W2:
                        G1[ip, jp] += G2[ip - m, jp - n] * w2[m, n]
    k1, k2 = I.shape[0] - G1.shape[0] + 1, I.shape[1] - G1.shape[1] + 1
    dw1 = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            dw1[m, n] = np.sum(I[m : m + G1.shape[0], n : n + G1.shape[1]] * G1)
    return dw1


RIGHT = [
    lambda I, w2, G2: convlib.correlate2d(I, convlib.convolve2d(G2, w2, mode="full")),
    lambda I, w2, G2: convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), convlib.rot180(w2))),
    lambda I, w2, G2: reference.grad_w(I, reference.grad_input(w2, G2)),
    lambda I, w2, G2: scipy.signal.correlate2d(
        I, scipy.signal.convolve2d(G2, w2, mode="full"), mode="valid"
    ),
    handover_loops,
]


@pytest.mark.parametrize("fn", RIGHT)
def test_right_implementations_pass(fn):
    result = check_handover(fn)
    assert isinstance(result, CheckResult)
    assert result.passed, result.message
    assert result.mistake is None
    assert result.message == f"✓ check_handover passed: {result.n_cases} cases"
    assert result.n_cases == len(tr._handover_cases())


# --------------------------------------------------------------------------------------
# Wrong answers, one per classic mistake
# --------------------------------------------------------------------------------------


def _g1(I, w2, G2):
    return convlib.convolve2d(G2, w2, mode="full")


def handover_int_output(I, w2, G2):
    # the output made with dtype=int: values are truncated when stored
    right = convlib.correlate2d(I, _g1(I, w2, G2))
    dw1 = np.zeros(right.shape, dtype=int)
    dw1[...] = right
    return dw1


def handover_last_row_unfilled(I, w2, G2):
    dw1 = convlib.correlate2d(I, _g1(I, w2, G2))
    dw1[-1, :] = 0.0
    return dw1


WRONG = [
    (lambda I, w2, G2: convlib.correlate2d(I, G2), "no_handover", "uses G2 as layer 1's G"),
    (_g1, "stopped_at_handover", "the hand-over itself"),
    (
        lambda I, w2, G2: convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), w2)),
        "kernel_not_rotated",
        "layer 2's kernel was not rotated",
    ),
    (
        lambda I, w2, G2: scipy.signal.correlate2d(
            I, scipy.signal.correlate2d(G2, w2, mode="full"), mode="valid"
        ),
        "kernel_not_rotated",
        "rot180(w2)",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), np.fliplr(w2))),
        "one_mirror",
        "np.fliplr(w2), which flips its columns only",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), np.flipud(w2))),
        "one_mirror",
        "np.flipud(w2), which flips its rows only",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), w2.T)),
        "one_mirror",
        "w2.T, its transpose",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, convlib.convolve2d(G2, w2, mode="valid")),
        "no_zero_padding",
        "G2 was not zero-padded",
    ),
    (
        lambda I, w2, G2: convlib.convolve2d(I, _g1(I, w2, G2), mode="valid"),
        "kernel_rotated",
        "a convolution of I with G1",
    ),
    (
        lambda I, w2, G2: scipy.signal.correlate2d(_g1(I, w2, G2), I, mode="valid"),
        "roles_swapped",
        "I ⊗ G1",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, _g1(I, w2, G2)) / G2.size,
        "wrong_scale",
        "multiplied by",
    ),
    (
        lambda I, w2, G2: np.mean(
            np.lib.stride_tricks.sliding_window_view(I, _g1(I, w2, G2).shape) * _g1(I, w2, G2),
            axis=(2, 3),
        ),
        "mean_not_sum",
        "a mean where (2.3) has a sum",
    ),
    (lambda I, w2, G2: -convlib.correlate2d(I, _g1(I, w2, G2)), "wrong_sign", "opposite sign"),
    (
        lambda I, w2, G2: convlib.correlate2d(I, _g1(I, w2, G2)).T,
        "transposed",
        "rows and columns are swapped",
    ),
    (
        lambda I, w2, G2: convlib.correlate2d(I, _g1(I, w2, G2)) + 0.5,
        "stray_constant",
        "neither bias enters",
    ),
    (handover_int_output, "integer_array", "integer array"),
    (handover_last_row_unfilled, "off_by_one", "last row"),
]


@pytest.mark.parametrize(
    ("fn", "mistake", "words"), WRONG, ids=[f"{m}-{i}" for i, (_, m, _) in enumerate(WRONG)]
)
def test_classic_mistake_is_named(fn, mistake, words):
    result = check_handover(fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert HANDOVER_MISTAKES[mistake] in result.message
    assert words.lower() in result.message.lower(), result.message
    assert result.case is not None
    assert set(result.inputs) == {"I", "w2", "G2"}
    assert result.expected is not None


def test_every_mistake_of_the_hand_over_has_a_test():
    covered = {m for _, m, _ in WRONG}
    own = set(HANDOVER_MISTAKES) - set(MISTAKES)
    assert own <= covered
    variants = {m for m, _, _ in tr._handover_variants(tr._handover_cases()[0])}
    assert variants <= covered


# --------------------------------------------------------------------------------------
# What every checker does: stubs, exceptions, modified inputs, display, citations
# --------------------------------------------------------------------------------------


def test_a_stub_not_written_yet_is_reported_calmly():
    def dw1_from_handover(I, w2, G2):
        raise NotImplementedError("your code here")

    result = check_handover(dw1_from_handover)
    assert result.mistake == "not_written"
    assert "not written yet" in result.message
    page = result._repr_html_()
    assert "#c62828" not in page and "✗" not in page
    assert result._repr_markdown_().startswith("> **… check_handover: not written yet.**")


def test_a_kernel_that_does_not_fit_is_reported_with_a_hint():
    def arguments_swapped(I, w2, G2):
        return convlib.correlate2d(I, convlib.correlate2d(w2, G2))  # G2 cannot fit in w2

    result = check_handover(arguments_swapped)
    assert result.mistake == "raised", result.message
    assert "ValueError" in result.message and "order of the arguments" in result.message
    assert "return convlib.correlate2d(I, convlib.correlate2d(w2, G2))" in result.message


def test_other_exceptions_name_the_call_and_the_readers_line():
    def broken(I, w2, G2):
        return G2[10, 10]

    result = check_handover(broken)
    assert result.mistake == "raised"
    assert "fn(I, w2, G2)" in result.message and "IndexError" in result.message
    assert "G2[10, 10]" in result.message
    assert "#c62828" in result._repr_html_()


def test_not_callable_and_wrong_types_are_reported():
    assert check_handover(np.zeros((2, 2))).mistake == "not_callable"
    assert "check_handover(my_function)" in check_handover(None).message
    assert check_handover(lambda I, w2, G2: None).mistake == "wrong_type"
    listed = check_handover(lambda I, w2, G2: convlib.correlate2d(I, _g1(I, w2, G2)).tolist())
    assert listed.mistake == "wrong_type" and "values are right" in listed.message


def test_modified_input_is_reported():
    def rotate_in_place(I, w2, G2):
        w2[:] = w2[::-1, ::-1]
        return convlib.correlate2d(I, convlib.correlate2d(_pad(G2, w2), w2))

    result = check_handover(rotate_in_place)
    assert result.mistake == "modified_input"
    assert "modified its input w2" in result.message
    assert "answer is wrong" not in result.message

    def clobber(I, w2, G2):
        G2[...] = 0.0
        return convlib.correlate2d(I, _g1(I, w2, G2))

    result = check_handover(clobber)
    assert result.mistake == "modified_input"
    assert "answer is wrong: " + HANDOVER_MISTAKES["wrong_values"] in result.message


def test_the_reader_receives_copies():
    seen = []

    def spy(I, w2, G2):
        seen.append(I)
        return convlib.correlate2d(I, _g1(I, w2, G2))

    assert check_handover(spy)
    first = tr._handover_cases()[0]
    assert seen[0] is not first.I
    np.testing.assert_array_equal(seen[0], first.I)


def test_failing_display_shows_the_case_and_results_are_deterministic():
    fn = WRONG[0][0]
    first, second = check_handover(fn), check_handover(fn)
    assert repr(first) == repr(second)
    text = repr(first)
    assert text.startswith("✗ check_handover failed: layer 2's G used as layer 1's (case 1 of 7")
    for label in ("I =", "w2 =", "G2 =", "expected ∂L/∂w1 =", "got ="):
        assert label in text


def test_every_sentence_cites_the_books_numbers():
    planning = re.compile(r"(?<![A-Za-z0-9_])E(1[0-4]|[1-9])(?![0-9])")
    ex = tr._HANDOVER
    texts = [ex.bounds, ex.constant_hint]
    for case in tr._handover_cases():
        texts += [sentence for _, _, sentence in tr._handover_variants(case)]
        texts.append(ex.shape_rule(case))
    for text in texts:
        resolved = cite(text)
        assert "(eq-" not in resolved and not planning.search(resolved), resolved
    assert "(3.4)" in cite(texts[2]) and "(5.5)" in cite(texts[2])
