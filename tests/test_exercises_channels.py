"""Tests for convlib.exercises.channels: right answers pass, each named mistake is named.

Every wrong function below is written the way a reader would write it (loops over the notes'
2-D operations, ``np.einsum``, the im2col matrices), not by calling the checker's own variants,
so a variant that computes the wrong thing, or a diagnosis that names the wrong mistake, fails
here.
"""

import numpy as np
import pytest
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

import convlib
from convlib import reference
from convlib.exercises import (
    CHANNEL_MISTAKES,
    MISTAKES,
    CheckResult,
    check_grad_b_batch,
    check_grad_input_batch,
    check_grad_input_groups,
    check_grad_w_batch,
)
from convlib.exercises import _channel_catalogue as catalogue

# --------------------------------------------------------------------------------------
# Right implementations, as a reader would write them
# --------------------------------------------------------------------------------------


def grad_w_loops(I, w, G):
    """(6.4) with the notes' correlate2d: dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c]."""
    dw = np.zeros(w.shape)
    for o, c in np.ndindex(w.shape[:2]):
        for nu in range(len(I)):
            dw[o, c] += convlib.correlate2d(I[nu, c], G[nu, o])
    return dw


def grad_w_einsum(I, w, G):
    windows = sliding_window_view(I, G.shape[2:], axis=(2, 3))  # [ν, c, m, n, i, j]
    return np.einsum("vcmnij,voij->ocmn", windows, G)


def im2col(I, k1, k2):
    N, C_in, H, W = I.shape
    Hp, Wp = H - k1 + 1, W - k2 + 1
    X = np.empty((C_in, k1, k2, N, Hp, Wp))
    for m, n in np.ndindex(k1, k2):
        X[:, m, n] = I[:, :, m : m + Hp, n : n + Wp].transpose(1, 0, 2, 3)
    return X.reshape(C_in * k1 * k2, -1)


def grad_w_im2col(I, w, G):
    G_mat = G.transpose(1, 0, 2, 3).reshape(len(w), -1)
    return (G_mat @ im2col(I, *w.shape[2:]).T).reshape(w.shape)


def grad_b_loops(I, w, G):
    db = np.zeros(G.shape[1])
    for nu, o in np.ndindex(G.shape[:2]):
        db[o] += G[nu, o].sum()
    return db


def grad_input_loops(I, w, G):
    """(6.8) with the notes' full convolution: dI[ν, c] = Σ_o w[o, c] * G[ν, o]."""
    dI = np.zeros(I.shape)
    for nu, c in np.ndindex(I.shape[:2]):
        for o in range(len(w)):
            dI[nu, c] += convlib.convolve2d(G[nu, o], w[o, c], mode="full")
    return dI


def grad_input_rotated(I, w, G):
    """The notes' Q → Q*: each term a correlation of the padded G with the rotated kernel."""
    k1, k2 = w.shape[2:]
    dI = np.zeros(I.shape)
    for nu, c, o in np.ndindex(len(I), I.shape[1], len(w)):
        padded = convlib.zero_pad(G[nu, o], k1 - 1, k2 - 1)
        dI[nu, c] += convlib.correlate2d(padded, convlib.rot180(w[o, c]))
    return dI


def grad_input_groups_sliced(I, w, G, groups):
    """One ungrouped layer per group, side by side."""
    Cg, Og = I.shape[1] // groups, len(w) // groups
    parts = [
        grad_input_loops(
            I[:, g * Cg : (g + 1) * Cg], w[g * Og : (g + 1) * Og], G[:, g * Og : (g + 1) * Og]
        )
        for g in range(groups)
    ]
    return np.concatenate(parts, axis=1)


RIGHT = [
    (check_grad_w_batch, lambda I, w, G: convlib.conv2d_backward(I, w, G).dw),
    (check_grad_w_batch, lambda I, w, G: reference.conv2d_backward(I, w, G).dw),
    (check_grad_w_batch, grad_w_loops),
    (check_grad_w_batch, grad_w_einsum),
    (check_grad_w_batch, grad_w_im2col),
    (check_grad_b_batch, lambda I, w, G: G.sum(axis=(0, 2, 3))),
    (check_grad_b_batch, lambda I, w, G: reference.conv2d_backward(I, w, G).db),
    (check_grad_b_batch, grad_b_loops),
    (check_grad_input_batch, lambda I, w, G: convlib.conv2d_backward(I, w, G).dI),
    (check_grad_input_batch, lambda I, w, G: reference.conv2d_backward(I, w, G).dI),
    (check_grad_input_batch, grad_input_loops),
    (check_grad_input_batch, grad_input_rotated),
    (check_grad_input_groups, lambda I, w, G, g: convlib.conv2d_backward(I, w, G, groups=g).dI),
    (check_grad_input_groups, lambda I, w, G, g: reference.conv2d_backward(I, w, G, groups=g).dI),
    (check_grad_input_groups, grad_input_groups_sliced),
]


@pytest.mark.parametrize(("check", "fn"), RIGHT)
def test_right_implementations_pass(check, fn):
    result = check(fn)
    assert isinstance(result, CheckResult)
    assert result.passed, result.message
    assert result.mistake is None
    assert result.message == f"✓ {check.__name__} passed: {result.n_cases} cases"
    assert result.n_cases >= 7


# --------------------------------------------------------------------------------------
# Wrong implementations, one (or more) per named mistake
# --------------------------------------------------------------------------------------


def dw_per_sample(I, w, G):
    """The batch axis kept: einsum with ν in the output."""
    windows = sliding_window_view(I, G.shape[2:], axis=(2, 3))
    return np.einsum("vcmnij,voij->vocmn", windows, G)


def dw_first_sample(I, w, G):
    dw = np.zeros(w.shape)
    for o, c in np.ndindex(w.shape[:2]):
        dw[o, c] = convlib.correlate2d(I[0, c], G[0, o])
    return dw


def dw_overwritten(I, w, G):
    """= instead of +=: each sample overwrites the previous one."""
    dw = np.zeros(w.shape)
    for o, c in np.ndindex(w.shape[:2]):
        for nu in range(len(I)):
            dw[o, c] = convlib.correlate2d(I[nu, c], G[nu, o])
    return dw


def dw_channels_swapped(I, w, G):
    windows = sliding_window_view(I, G.shape[2:], axis=(2, 3))
    return np.einsum("vcmnij,voij->comn", windows, G)


def dw_summed_over_inputs(I, w, G):
    """Every kernel of filter o gets Σ_c: the image's channels added first."""
    dw = np.zeros(w.shape)
    for o, c in np.ndindex(w.shape[:2]):
        for nu in range(len(I)):
            dw[o, c] += convlib.correlate2d(I[nu].sum(axis=0), G[nu, o])
    return dw


def dw_summed_over_filters(I, w, G):
    dw = np.zeros(w.shape)
    for o, c in np.ndindex(w.shape[:2]):
        for nu in range(len(I)):
            dw[o, c] += convlib.correlate2d(I[nu, c], G[nu].sum(axis=0))
    return dw


def dw_channel_axis_dropped(I, w, G):
    windows = sliding_window_view(I, G.shape[2:], axis=(2, 3))
    return np.einsum("vcmnij,voij->omn", windows, G)


def dw_batch_mean(I, w, G):
    return grad_w_loops(I, w, G) / len(I)


def dw_scipy_swapped(I, w, G):
    """scipy's correlate2d(G, I, 'valid') swaps its inputs: every kernel rotated."""
    dw = np.zeros(w.shape)
    for o, c, nu in np.ndindex(len(w), w.shape[1], len(I)):
        dw[o, c] += scipy.signal.correlate2d(G[nu, o], I[nu, c], mode="valid")
    return dw


WRONG_W = [
    (dw_per_sample, "no_batch_sum"),
    (dw_first_sample, "no_batch_sum"),
    (dw_overwritten, "no_batch_sum"),
    (dw_batch_mean, "mean_not_sum"),
    (dw_channels_swapped, "wrong_channel_axis"),
    (dw_summed_over_inputs, "wrong_channel_axis"),
    (dw_summed_over_filters, "wrong_channel_axis"),
    (dw_channel_axis_dropped, "wrong_channel_axis"),
    (dw_scipy_swapped, "roles_swapped"),
    (lambda I, w, G: -grad_w_loops(I, w, G), "wrong_sign"),
    (lambda I, w, G: grad_w_loops(I, w, G) + 0.5, "stray_constant"),
    (lambda I, w, G: float(grad_w_loops(I, w, G).sum()), "wrong_type"),
    (lambda I, w, G: grad_w_loops(I, w, G).tolist(), "wrong_type"),
    (lambda I, w, G: grad_w_loops(I, w, G).astype(int), "integer_array"),
]

WRONG_B = [
    (lambda I, w, G: G.sum(axis=(2, 3)), "db_per_sample"),
    (lambda I, w, G: G[0].sum(axis=(1, 2)), "db_per_sample"),
    (lambda I, w, G: G.sum(axis=(1, 2, 3)), "wrong_channel_axis"),
    (lambda I, w, G: G.sum(), "wrong_channel_axis"),
    (lambda I, w, G: G.sum(axis=(0, 1)), "wrong_channel_axis"),
    (lambda I, w, G: G.mean(axis=(0, 2, 3)), "mean_not_sum"),
    (lambda I, w, G: G.sum(axis=(0, 2, 3)) / len(G), "mean_not_sum"),
    (lambda I, w, G: None, "wrong_type"),
]


def db_overwritten(I, w, G):
    db = np.zeros(G.shape[1])
    for nu, o in np.ndindex(G.shape[:2]):
        db[o] = G[nu, o].sum()
    return db


WRONG_B.append((db_overwritten, "db_per_sample"))


def dI_batch_summed(I, w, G):
    dI = np.zeros(I.shape)
    for nu, c in np.ndindex(I.shape[:2]):
        for o, mu in np.ndindex(len(w), len(I)):  # every sample's G: the samples mixed
            dI[nu, c] += convlib.convolve2d(G[mu, o], w[o, c], mode="full")
    return dI


def dI_kernels_summed(I, w, G):
    dI = np.zeros(I.shape)
    for nu, c in np.ndindex(I.shape[:2]):
        for o in range(len(w)):
            dI[nu, c] += convlib.convolve2d(G[nu, o], w[o].sum(axis=0), mode="full")
    return dI


def dI_per_filter(I, w, G):
    """The sum over c instead of o: one channel per filter."""
    N, C_in, H, W = I.shape
    dI = np.zeros((N, len(w), H, W))
    for nu, o in np.ndindex(N, len(w)):
        for c in range(C_in):
            dI[nu, o] += convlib.convolve2d(G[nu, o], w[o, c], mode="full")
    return dI


def dI_not_rotated(I, w, G):
    k1, k2 = w.shape[2:]
    dI = np.zeros(I.shape)
    for nu, c, o in np.ndindex(len(I), I.shape[1], len(w)):
        dI[nu, c] += convlib.correlate2d(convlib.zero_pad(G[nu, o], k1 - 1, k2 - 1), w[o, c])
    return dI


def dI_valid(I, w, G):
    N, C_in = I.shape[:2]
    parts = [
        [sum(convlib.convolve2d(G[nu, o], w[o, c]) for o in range(len(w))) for c in range(C_in)]
        for nu in range(N)
    ]
    return np.array(parts)


def dI_transposed_kernels(I, w, G):
    """w read as [c, o]: an index error where C_in != C_out."""
    dI = np.zeros(I.shape)
    for nu, c, o in np.ndindex(len(I), I.shape[1], len(w)):
        dI[nu, c] += convlib.convolve2d(G[nu, o], w[c, o], mode="full")
    return dI


WRONG_I = [
    (dI_batch_summed, "batch_summed"),
    (dI_kernels_summed, "wrong_channel_axis"),
    (dI_per_filter, "wrong_channel_axis"),
    (dI_not_rotated, "kernel_not_rotated"),
    (dI_valid, "no_zero_padding"),
    (dI_transposed_kernels, "raised"),
]


def groups_ignored_shape(I, w, G, groups):
    """The ungrouped formula on w as it is: C_in // groups channels."""
    dI = np.zeros((len(I), w.shape[1]) + I.shape[2:])
    for nu, c, o in np.ndindex(len(I), w.shape[1], len(w)):
        dI[nu, c] += convlib.convolve2d(G[nu, o], w[o, c], mode="full")
    return dI


def groups_every_filter(I, w, G, groups):
    """Each channel of each group gets the sum over every filter."""
    Cg = w.shape[1]
    dI = np.zeros(I.shape)
    for nu, cp, o in np.ndindex(len(I), I.shape[1], len(w)):
        dI[nu, cp] += convlib.convolve2d(G[nu, o], w[o, cp % Cg], mode="full")
    return dI


def groups_first_only(I, w, G, groups):
    """Only the first group computed, the rest left at 0."""
    Cg, Og = w.shape[1], len(w) // groups
    dI = np.zeros(I.shape)
    dI[:, :Cg] = grad_input_loops(I[:, :Cg], w[:Og], G[:, :Og])
    return dI


def groups_interleaved(I, w, G, groups):
    """Group γ's channels taken as γ, γ + groups, ...: the channels interleaved."""
    Og = len(w) // groups
    dI = np.zeros(I.shape)
    for g in range(groups):
        channels = list(range(g, I.shape[1], groups))
        dI[:, channels] = grad_input_loops(
            I[:, channels], w[g * Og : (g + 1) * Og], G[:, g * Og : (g + 1) * Og]
        )
    return dI


WRONG_GROUPS = [
    (groups_ignored_shape, "groups_ignored"),
    (groups_every_filter, "groups_ignored"),
    (groups_first_only, "groups_ignored"),
    (groups_interleaved, "groups_interleaved"),
    (lambda I, w, G, groups: grad_input_loops(I, w, G), "raised"),  # no group at all
    (lambda I, w, G: grad_input_loops(I, w, G), "raised"),  # no groups argument
]

WRONG = (
    [(check_grad_w_batch, fn, m) for fn, m in WRONG_W]
    + [(check_grad_b_batch, fn, m) for fn, m in WRONG_B]
    + [(check_grad_input_batch, fn, m) for fn, m in WRONG_I]
    + [(check_grad_input_groups, fn, m) for fn, m in WRONG_GROUPS]
)


@pytest.mark.parametrize(("check", "fn", "mistake"), WRONG)
def test_each_mistake_is_named(check, fn, mistake):
    result = check(fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    names = {**MISTAKES, **CHANNEL_MISTAKES}
    assert result.message.startswith(f"✗ {check.__name__} failed: {names[mistake]} (case ")
    assert "(eq-" not in result.message  # every citation resolved to the book's number
    assert result.expected is not None and result.case


def test_every_channel_mistake_is_reachable():
    named = {m for _, _, m in WRONG}
    assert set(CHANNEL_MISTAKES) <= named


def test_messages_cite_the_book_numbers():
    assert "equation (6.4)" in check_grad_w_batch(dw_first_sample).message
    assert "equation (6.5)" in check_grad_b_batch(lambda I, w, G: G.sum(axis=(2, 3))).message
    assert "equation (6.8)" in check_grad_input_batch(dI_batch_summed).message
    assert "equation (6.13)" in check_grad_input_groups(groups_interleaved).message


def test_the_message_names_the_failing_case_and_its_sizes():
    result = check_grad_w_batch(dw_first_sample)
    assert "(case 1 of 9: random integers; N=2, C_in=3, C_out=4, 5×6 images, 2×3 kernels)" in (
        result.message
    )


def test_a_mistake_invisible_on_one_sample_is_caught_on_the_next_case():
    """On N = 1 the first sample's gradient is the batch's: the checker goes on to a batch."""

    def only_first(I, w, G):
        return grad_w_loops(I[:1], w, G[:1])

    result = check_grad_w_batch(only_first)
    assert result.mistake == "no_batch_sum"


def test_a_swapped_channel_axis_with_c_in_equal_c_out_is_caught():
    """Where C_in = C_out the [c, o] layout has the right shape: the values tell."""
    case = catalogue._cases(False)[1]
    assert case.I.shape[1] == case.w.shape[0]
    found = check_grad_w_batch(dw_channels_swapped)
    assert found.mistake == "wrong_channel_axis"


# --------------------------------------------------------------------------------------
# What a function does besides answering
# --------------------------------------------------------------------------------------


def test_a_stub_is_not_written_yet_not_an_error():
    def stub(I, w, G):
        raise NotImplementedError("your code here")

    result = check_grad_w_batch(stub)
    assert result.mistake == "not_written"
    assert result.message.startswith("… check_grad_w_batch: not written yet.")
    assert "not written yet" in result._repr_html_()


def test_a_function_that_raises_is_reported_with_its_line():
    def broken(I, w, G):
        return I[0, 0, 0, 0, 0]

    result = check_grad_input_batch(broken)
    assert result.mistake == "raised"
    assert "IndexError" in result.message and "return I[0, 0, 0, 0, 0]" in result.message


def test_modifying_an_input_is_named():
    def in_place(I, w, G):
        G *= 1.0  # harmless values, but the caller's array is written
        G[0, 0, 0, 0] += 0.0
        I[0, 0, 0, 0] = 99.0
        return grad_w_loops(I, w, G)

    result = check_grad_w_batch(in_place)
    assert result.mistake == "modified_input"
    assert "modified its input I" in result.message


def test_not_a_function():
    result = check_grad_b_batch(np.zeros(3))
    assert result.mistake == "not_callable" and "ndarray" in result.message


def test_a_backward_layer_without_the_channel_swap_is_explained():
    def no_swap(I, w, G):  # the rotated kernels, but w's channel axes not swapped
        k1, k2 = w.shape[2:]
        return convlib.conv2d_forward(G, w[:, :, ::-1, ::-1], padding=(k1 - 1, k2 - 1))

    result = check_grad_input_batch(no_swap)
    assert result.mistake == "raised"
    assert "channel axes swapped (w.transpose(1, 0, 2, 3)), equation (6.8)" in result.message


def test_a_missing_groups_argument_is_explained():
    result = check_grad_input_groups(lambda I, w, G: grad_input_loops(I, w, G))
    assert result.mistake == "raised"
    assert "fn(I, w, G, groups)" in result.message


def test_the_result_displays_without_printing_four_dimensional_arrays():
    result = check_grad_w_batch(dw_first_sample)
    shown = repr(result)
    assert shown == result.message
    assert "✗" in result._repr_html_() and result._repr_markdown_().startswith("> **✗")


# --------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------


def test_the_cases_are_fixed_and_cover_the_edges():
    a, b = catalogue._cases(False), catalogue._cases(False)
    assert all(
        np.array_equal(x.I, y.I) and np.array_equal(x.G, y.G) for x, y in zip(a, b, strict=True)
    )
    shapes = [(c.I.shape, c.w.shape) for c in a]
    assert any(I[0] == 1 for I, _ in shapes)  # one sample
    assert any(I[1] == 1 for I, _ in shapes)  # one input channel
    assert any(w[0] == 1 for _, w in shapes)  # one filter
    assert any(I[1] == w[0] > 1 for I, w in shapes)  # C_in = C_out
    assert any(w[2:] == (1, 1) for _, w in shapes)  # 1×1 kernels
    assert any(w[2:] == I[2:] for I, w in shapes)  # kernels as large as the images
    grouped = catalogue._cases(True)
    assert {c.groups for c in grouped} >= {1, 2, 3}
    assert any(c.groups == c.I.shape[1] == c.w.shape[0] for c in grouped)  # depthwise
    for c in a + grouped:
        assert c.G.shape == convlib.conv2d_forward(c.I, c.w, groups=c.groups).shape


def test_every_variant_is_a_real_mistake_on_the_first_case():
    """On the generic first case each variant that exists differs from the right answer."""
    for ex, grouped in [
        (catalogue._GRAD_W, False),
        (catalogue._GRAD_B, False),
        (catalogue._GRAD_INPUT, False),
        (catalogue._GROUPS, True),
    ]:
        case = catalogue._cases(grouped)[0]
        expected = ex.expected(case)
        for mistake, compute, sentence in ex.variants(case):
            try:
                wrong = np.asarray(compute())
            except ValueError:  # a variant that needs C_in = C_out
                continue
            same = wrong.shape == expected.shape and np.allclose(wrong, expected)
            assert not same, f"{ex.name}: the {mistake} variant is the right answer"
            assert mistake in {**MISTAKES, **CHANNEL_MISTAKES}
            assert sentence.endswith((".", ")")), sentence
