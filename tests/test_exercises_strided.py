"""Chapter 7's checkers (convlib.exercises.strided): right answers pass, each mistake is named.

Every mistake the checkers know has a deliberately wrong implementation here, written as a
reader would write it (not computed from the checker's own variants), and the checker must name
it. The right answers are checked against the explicit loops of ``convlib.reference``, and
against torch's autograd and ``conv_transpose2d`` when torch is installed.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import convlib
from convlib import reference
from convlib.book import cite
from convlib.exercises import (
    MISTAKES,
    STRIDED_MISTAKES,
    check_grad_input_strided,
    check_grad_w_strided,
)
from convlib.exercises import strided as S
from convlib.exercises.diagnosis import _close

# --------------------------------------------------------------------------------------------
# Right implementations, as a reader would write them
# --------------------------------------------------------------------------------------------


def dilate(A, s, shape):
    out = np.zeros(shape)
    out[::s, ::s][: A.shape[0], : A.shape[1]] = A
    return out


def grad_input_rotated(I, w, G, s, p, d):
    """(7.9): dilate G by s, dilate w by d and rotate it, pad, correlate, crop."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = dilate(G, s, (H + 2 * p - K1 + 1, W + 2 * p - K2 + 1))
    w_d = dilate(w, d, (K1, K2))
    full = convlib.correlate2d(convlib.zero_pad(G_s, K1 - 1, K2 - 1), convlib.rot180(w_d))
    return full[p : p + H, p : p + W]


def grad_input_loops(I, w, G, s, p, d):
    """(7.8) as loops: G((i' + p - d m)/s, ...) w(m, n), where that output exists."""
    (H, W), (k1, k2) = I.shape, w.shape
    dI = np.zeros((H, W))
    for ip, jp, m, n in np.ndindex(H, W, k1, k2):
        i, ri = divmod(ip + p - d * m, s)
        j, rj = divmod(jp + p - d * n, s)
        if ri == rj == 0 and 0 <= i < G.shape[0] and 0 <= j < G.shape[1]:
            dI[ip, jp] += G[i, j] * w[m, n]
    return dI


def grad_input_scatter(I, w, G, s, p, d):
    """The transposed convolution: paste G(i, j) w at (s i, s j) of the padded image, crop."""
    (H, W), (k1, k2) = I.shape, w.shape
    canvas = np.zeros((H + 2 * p, W + 2 * p))
    for i, j, m, n in np.ndindex(*G.shape, k1, k2):
        canvas[s * i + d * m, s * j + d * n] += G[i, j] * w[m, n]
    return canvas[p : p + H, p : p + W]


def grad_w_correlation(I, w, G, s, p, d):
    """(7.4): G↑s slides over the padded image; the weights read every d-th entry."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = dilate(G, s, (H + 2 * p - K1 + 1, W + 2 * p - K2 + 1))
    return convlib.correlate2d(np.pad(I, p), G_s)[::d, ::d]


def grad_w_loops(I, w, G, s, p, d):
    I_p = np.pad(I, p)
    dw = np.zeros(w.shape)
    for m, n, i, j in np.ndindex(*w.shape, *G.shape):
        dw[m, n] += G[i, j] * I_p[s * i + d * m, s * j + d * n]
    return dw


def with_settings(function):
    return lambda I, w, G, s, p, d: function(I, w, G, stride=s, padding=p, dilation=d)


RIGHT = [
    (check_grad_input_strided, grad_input_rotated),
    (check_grad_input_strided, grad_input_loops),
    (check_grad_input_strided, grad_input_scatter),
    (
        check_grad_input_strided,
        lambda I, w, G, s, p, d: with_settings(convlib.conv2d_backward)(I, w, G, s, p, d).dI,
    ),  # fmt: skip
    (
        check_grad_input_strided,
        lambda I, w, G, s, p, d: (
            reference.conv2d_backward(I, w, G, stride=s, padding=p, dilation=d).dI
        ),
    ),  # fmt: skip
    (check_grad_w_strided, grad_w_correlation),
    (check_grad_w_strided, grad_w_loops),
    (
        check_grad_w_strided,
        lambda I, w, G, s, p, d: (
            reference.conv2d_backward(I, w, G, stride=s, padding=p, dilation=d).dw
        ),
    ),  # fmt: skip
]


@pytest.mark.parametrize(("check", "fn"), RIGHT)
def test_right_implementations_pass(check, fn):
    result = check(fn)
    assert result.passed, result.message
    assert result.message == f"✓ {check.__name__} passed: 9 cases"


# --------------------------------------------------------------------------------------------
# Wrong implementations, one per classic mistake
# --------------------------------------------------------------------------------------------


def dI_G_side_by_side(I, w, G, s, p, d):
    """G placed in the big array without zeros between its entries."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = np.zeros((H + 2 * p - K1 + 1, W + 2 * p - K2 + 1))
    G_s[: G.shape[0], : G.shape[1]] = G
    w_d = dilate(w, d, (K1, K2))
    full = convlib.correlate2d(convlib.zero_pad(G_s, K1 - 1, K2 - 1), convlib.rot180(w_d))
    return full[p : p + H, p : p + W]


def dI_G_itself(I, w, G, s, p, d):
    """The rotated-kernel correlation on G itself, as in chapter 4: no dilation by the stride."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    w_d = dilate(w, d, (K1, K2))
    full = convlib.correlate2d(convlib.zero_pad(G, K1 - 1, K2 - 1), convlib.rot180(w_d))
    return full[p : p + H, p : p + W]


def dI_s_zeros(I, w, G, s, p, d):
    """s zeros between the entries of G (a step of s + 1)."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = np.zeros(((s + 1) * (G.shape[0] - 1) + 1, (s + 1) * (G.shape[1] - 1) + 1))
    G_s[:: s + 1, :: s + 1] = G
    w_d = dilate(w, d, (K1, K2))
    full = convlib.correlate2d(convlib.zero_pad(G_s, K1 - 1, K2 - 1), convlib.rot180(w_d))
    return full[p : p + H, p : p + W]


def dI_not_cropped(I, w, G, s, p, d):
    return grad_input_rotated(np.zeros(np.add(I.shape, 2 * p)), w, G, s, 0, d)


def dI_cropped_at_the_end(I, w, G, s, p, d):
    return dI_not_cropped(I, w, G, s, p, d)[: I.shape[0], : I.shape[1]]


def dI_kernel_not_dilated(I, w, G, s, p, d):
    """The stride right, the kernel used as it is."""
    (H, W), (k1, k2) = I.shape, w.shape
    G_s = dilate(G, s, (H + 2 * p - k1 + 1, W + 2 * p - k2 + 1))
    full = convlib.correlate2d(convlib.zero_pad(G_s, k1 - 1, k2 - 1), convlib.rot180(w))
    return full[p : p + H, p : p + W]


def dI_swapped(I, w, G, s, p, d):
    """The stride where the dilation belongs and the reverse, everywhere."""
    return grad_input_rotated(I, w, G, d, p, s)


def dI_not_rotated(I, w, G, s, p, d):
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = dilate(G, s, (H + 2 * p - K1 + 1, W + 2 * p - K2 + 1))
    full = convlib.correlate2d(convlib.zero_pad(G_s, K1 - 1, K2 - 1), dilate(w, d, (K1, K2)))
    return full[p : p + H, p : p + W]


def dI_no_room_for_unread_rows(I, w, G, s, p, d):
    """G↑s just large enough for G: the rows no window reads are missing."""
    (H, W), (k1, k2) = I.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    G_s = dilate(G, s, (s * (G.shape[0] - 1) + 1, s * (G.shape[1] - 1) + 1))
    w_d = dilate(w, d, (K1, K2))
    full = convlib.correlate2d(convlib.zero_pad(G_s, K1 - 1, K2 - 1), convlib.rot180(w_d))
    return full[p : p + H, p : p + W]


def dI_transposed(I, w, G, s, p, d):
    return grad_input_rotated(I.T, w.T, G.T, s, p, d)


def dI_negated(I, w, G, s, p, d):
    return -grad_input_rotated(I, w, G, s, p, d)


def dw_stride_one(I, w, G, s, p, d):
    I_p = np.pad(I, p)
    dw = np.zeros(w.shape)
    for m, n, i, j in np.ndindex(*w.shape, *G.shape):
        dw[m, n] += G[i, j] * I_p[i + d * m, j + d * n]
    return dw


def dw_no_dilation(I, w, G, s, p, d):
    I_p = np.pad(I, p)
    dw = np.zeros(w.shape)
    for m, n, i, j in np.ndindex(*w.shape, *G.shape):
        dw[m, n] += G[i, j] * I_p[s * i + m, s * j + n]
    return dw


def dw_swapped(I, w, G, s, p, d):
    I_p = np.pad(I, ((p, p + 20), (p, p + 20)))  # zeros after, so that no index raises
    dw = np.zeros(w.shape)
    for m, n, i, j in np.ndindex(*w.shape, *G.shape):
        dw[m, n] += G[i, j] * I_p[d * i + s * m, d * j + s * n]
    return dw


def dw_no_padding(I, w, G, s, p, d):
    I_big = np.pad(I, ((0, 2 * p), (0, 2 * p)))  # indices that do not raise, but not shifted by p
    dw = np.zeros(w.shape)
    for m, n, i, j in np.ndindex(*w.shape, *G.shape):
        dw[m, n] += G[i, j] * I_big[s * i + d * m, s * j + d * n]
    return dw


def dw_mean(I, w, G, s, p, d):
    return grad_w_loops(I, w, G, s, p, d) / G.size


WRONG = [
    (check_grad_input_strided, dI_G_side_by_side, "g_not_dilated", "side by side"),
    (check_grad_input_strided, dI_G_itself, "g_not_dilated", "G itself"),
    (check_grad_input_strided, dI_s_zeros, "g_dilated_too_far", "s − 1 of them"),
    (check_grad_input_strided, dI_not_cropped, "padding_not_cropped", "padded image's shape"),
    (check_grad_input_strided, dI_cropped_at_the_end, "padding_not_cropped", "at the end only"),
    (check_grad_input_strided, dI_kernel_not_dilated, "kernel_not_dilated", "d − 1 zeros"),
    (check_grad_input_strided, dI_swapped, "stride_dilation_swapped", "roles are swapped"),
    (check_grad_input_strided, dI_not_rotated, "kernel_not_rotated", "rot180(w↑d)"),
    (check_grad_input_strided, dI_no_room_for_unread_rows, "unread_rows_dropped", "output_padding"),
    (check_grad_input_strided, dI_transposed, "transposed", "transpose"),
    (check_grad_input_strided, dI_negated, "wrong_sign", "opposite sign"),
    (check_grad_w_strided, dw_stride_one, "g_not_dilated", "one pixel at a time"),
    (check_grad_w_strided, dw_no_dilation, "kernel_not_dilated", "dilation was left out"),
    (check_grad_w_strided, dw_swapped, "stride_dilation_swapped", "roles are swapped"),
    (check_grad_w_strided, dw_no_padding, "image_not_padded", "zero padding"),
    (check_grad_w_strided, dw_mean, "wrong_scale", "multiplied by"),
]


@pytest.mark.parametrize(
    ("check", "fn", "mistake", "words"),
    WRONG,
    ids=[f"{c.__name__}-{m}-{k}" for k, (c, _, m, _) in enumerate(WRONG)],
)
def test_classic_mistake_is_named(check, fn, mistake, words):
    result = check(fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert {**MISTAKES, **STRIDED_MISTAKES}[mistake] in result.message
    assert words.lower() in result.message.lower(), result.message
    assert set(result.inputs) == {"I", "w", "G", "s", "p", "d"}
    assert result.case is not None and result.expected is not None


def test_every_mistake_of_the_chapter_has_a_wrong_implementation():
    assert {m for _, _, m, _ in WRONG} >= set(STRIDED_MISTAKES)


def test_first_case_separates_every_variant():
    """On the first case no two known-wrong answers coincide, nor with the right one."""
    case = S._cases()[0]
    for ex in (S._GRAD_INPUT_STRIDED, S._GRAD_W_STRIDED):
        expected = ex.expected(case)
        answers = [("right", expected), ("negated", -expected), ("transposed", expected.T)]
        answers += [(mistake, compute()) for mistake, compute, _ in ex.variants(case)]
        for a, (name_a, value_a) in enumerate(answers):
            for name_b, value_b in answers[a + 1 :]:
                assert not _close(value_a, value_b), (ex.name, name_a, name_b)


def test_cases_cover_strides_paddings_dilations_and_the_unread_rows():
    cases = S._cases()
    assert {c.s for c in cases} >= {1, 2, 3}
    assert {c.p for c in cases} >= {0, 1, 2}
    assert {c.d for c in cases} >= {1, 2}
    unread = [c for c in cases if (c.I.shape[0] + 2 * c.p - c.d * (c.w.shape[0] - 1) - 1) % c.s]
    assert unread, "a case whose last rows no window reads"
    assert any(c.I.shape[0] != c.I.shape[1] and c.w.shape[0] != c.w.shape[1] for c in cases)
    for c in cases:
        Y = reference.conv2d_forward(c.I, c.w, stride=c.s, padding=c.p, dilation=c.d)
        assert c.G.shape == Y.shape


# --------------------------------------------------------------------------------------------
# What a checker does with a function that raises, is a stub, or changes its inputs
# --------------------------------------------------------------------------------------------


def test_a_stub_is_not_written_yet_and_an_error_is_reported():
    def stub(I, w, G, s, p, d):
        raise NotImplementedError("your code here")

    result = check_grad_input_strided(stub)
    assert result.mistake == "not_written" and "not written yet" in result.message
    assert "#c62828" not in result._repr_html_()

    def broken(I, w, G, s, p, d):
        return G[100]

    result = check_grad_w_strided(broken)
    assert result.mistake == "raised"
    assert "IndexError" in result.message and "return G[100]" in result.message
    assert "fn(I, w, G, s, p, d)" in result.message


def test_modified_input_wrong_shape_and_not_callable():
    def modifies(I, w, G, s, p, d):
        G *= 2
        return grad_input_rotated(I, w, G / 2, s, p, d)

    assert check_grad_input_strided(modifies).mistake == "modified_input"
    wrong_shape = check_grad_input_strided(lambda I, w, G, s, p, d: np.zeros((2, 2)))
    assert wrong_shape.mistake == "wrong_shape"
    assert "the image's shape" in wrong_shape.message
    assert check_grad_w_strided(42).mistake == "not_callable"


def test_every_sentence_cites_the_books_numbers():
    planning = re.compile(r"(?<![A-Za-z0-9_])E(1[0-4]|[1-9])(?![0-9])")
    for ex in (S._GRAD_INPUT_STRIDED, S._GRAD_W_STRIDED):
        texts = [ex.bounds, ex.border_hint, ex.constant_hint]
        for case in S._cases():
            texts += [sentence for _, _, sentence in ex.variants(case)]
            texts.append(ex.shape_rule(case))
        for text in texts:
            resolved = cite(text)
            assert "(eq-" not in resolved and not planning.search(resolved), resolved
    message = check_grad_input_strided(dI_not_cropped).message
    assert "(7.9)" in message


# --------------------------------------------------------------------------------------------
# The right answers against torch, when it is installed
# --------------------------------------------------------------------------------------------


def test_the_right_answers_are_torchs():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for c in S._cases():
        I = torch.tensor(c.I[None, None], requires_grad=True)
        w = torch.tensor(c.w[None, None], requires_grad=True)
        Y = F.conv2d(I, w, stride=c.s, padding=c.p, dilation=c.d)
        (Y * torch.tensor(c.G[None, None])).sum().backward()
        assert np.allclose(S._right_dI(c), I.grad[0, 0].numpy(), atol=1e-9)
        assert np.allclose(S._right_dw(c), w.grad[0, 0].numpy(), atol=1e-9)
        H = c.I.shape
        r = [(H[a] + 2 * c.p - c.d * (c.w.shape[a] - 1) - 1) % c.s for a in (0, 1)]
        dI_t = F.conv_transpose2d(
            torch.tensor(c.G[None, None]), torch.tensor(c.w[None, None]),
            stride=c.s, padding=c.p, dilation=c.d, output_padding=tuple(r),
        )  # fmt: skip
        assert np.allclose(S._right_dI(c), dI_t[0, 0].numpy(), atol=1e-9)
