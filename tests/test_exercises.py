"""Tests for convlib.exercises: right answers pass, each classic mistake is named."""

import numpy as np
import pytest
import scipy.signal

import convlib
from convlib import reference
from convlib.exercises import (
    MISTAKES,
    CheckResult,
    _cases,
    catalogue,
    check_correlate2d,
    check_grad_b,
    check_grad_input,
    check_grad_input_rot,
    check_grad_w,
    diagnosis,
    rotated,
)

# --------------------------------------------------------------------------------------
# Right implementations, as a reader would write them
# --------------------------------------------------------------------------------------


def correlate2d_loops(I, w):
    """(1.2) with explicit loops: Y_hat(i, j) = sum_m sum_n I(i+m, j+n) w(m, n)."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1 + 1, W - k2 + 1))
    for i in range(H - k1 + 1):
        for j in range(W - k2 + 1):
            for m in range(k1):
                for n in range(k2):
                    Y_hat[i, j] += I[i + m, j + n] * w[m, n]
    return Y_hat


def grad_w_loops(I, w, G):
    """(2.3): dL/dw(m, n) = sum_i sum_j I(i+m, j+n) G(i, j), over the whole output."""
    k1, k2 = w.shape
    Hp, Wp = G.shape
    dw = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            for i in range(Hp):
                for j in range(Wp):
                    dw[m, n] += I[m + i, n + j] * G[i, j]
    return dw


def grad_b_loops(I, w, G):
    """(2.4): dL/db = sum_i sum_j G(i, j), as a Python float."""
    db = 0.0
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            db += G[i, j]
    return db


def grad_input_loops(I, w, G):
    """E11 with explicit loops, skipping outputs outside Y_hat (E8)."""
    H, W = I.shape
    k1, k2 = w.shape
    Hp, Wp = G.shape
    dI = np.zeros((H, W))
    for ip in range(H):
        for jp in range(W):
            for m in range(k1):
                for n in range(k2):
                    if 0 <= ip - m < Hp and 0 <= jp - n < Wp:
                        dI[ip, jp] += G[ip - m, jp - n] * w[m, n]
    return dI


def rot_route(w, G):
    """The arguments of (4.3)'s cross-correlation: the padded G and the rotated kernel."""
    k1, k2 = w.shape
    return convlib.zero_pad(G, k1 - 1, k2 - 1), convlib.rot180(w)


def grad_input_rot_by_names():
    """(4.3) with the three tools imported by name, as in the chapter (a closure here)."""
    from convlib import correlate2d, rot180, zero_pad

    def grad_input_rot(w, G):
        k1, k2 = w.shape
        return correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w))

    return grad_input_rot


def grad_input_rot_rotating_g(w, G):
    """G rotated instead of the kernel, and the result rotated back: right, with the tools."""
    k1, k2 = w.shape
    G_pad = convlib.zero_pad(G, k1 - 1, k2 - 1)
    return convlib.rot180(convlib.correlate2d(convlib.rot180(G_pad), w))


RIGHT = [
    (check_correlate2d, convlib.correlate2d),
    (check_correlate2d, reference.correlate2d),
    (check_correlate2d, correlate2d_loops),
    (check_correlate2d, lambda I, w: scipy.signal.correlate2d(I, w, mode="valid")),
    (
        check_correlate2d,
        lambda I, w: np.einsum(
            "ijmn,mn->ij", np.lib.stride_tricks.sliding_window_view(I, w.shape), w
        ),
    ),
    (check_grad_w, lambda I, w, G: convlib.conv2d_backward(I, w, G).dw),
    (check_grad_w, lambda I, w, G: reference.conv2d_backward(I, w, G)[0]),
    (check_grad_w, grad_w_loops),
    (check_grad_w, lambda I, w, G: convlib.correlate2d(I, G)),
    (check_grad_b, lambda I, w, G: convlib.conv2d_backward(I, w, G).db),
    (check_grad_b, lambda I, w, G: G.sum()),
    (check_grad_b, lambda I, w, G: np.asarray(G.sum())),
    (check_grad_b, grad_b_loops),
    (check_grad_input, lambda I, w, G: convlib.conv2d_backward(I, w, G).dI),
    (check_grad_input, lambda I, w, G: reference.conv2d_backward(I, w, G)[2]),
    (check_grad_input, grad_input_loops),
    (check_grad_input, lambda I, w, G: convlib.convolve2d(G, w, mode="full")),
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(
            convlib.zero_pad(G, w.shape[0] - 1, w.shape[1] - 1), convlib.rot180(w)
        ),
    ),
    (check_grad_input_rot, lambda w, G: convlib.ops.correlate2d(*rot_route(w, G))),
    (check_grad_input_rot, grad_input_rot_by_names()),
    (check_grad_input_rot, grad_input_rot_rotating_g),
]


@pytest.mark.parametrize(("check", "fn"), RIGHT)
def test_right_implementations_pass(check, fn):
    result = check(fn)
    assert isinstance(result, CheckResult)
    assert result.passed, result.message
    assert bool(result) is True
    assert result.mistake is None
    assert result.message == f"✓ {check.__name__} passed: {result.n_cases} cases"
    assert result.n_cases >= 8


# --------------------------------------------------------------------------------------
# Wrong implementations, one per classic mistake
# --------------------------------------------------------------------------------------


def correlate2d_rotated(I, w):
    """A convolution where the forward pass needs a cross-correlation."""
    k1, k2 = w.shape
    Y_hat = np.zeros((I.shape[0] - k1 + 1, I.shape[1] - k2 + 1))
    for i in range(Y_hat.shape[0]):
        for j in range(Y_hat.shape[1]):
            for m in range(k1):
                for n in range(k2):
                    Y_hat[i, j] += I[i + m, j + n] * w[k1 - 1 - m, k2 - 1 - n]
    return Y_hat


def correlate2d_convolution_indices(I, w):
    """The convolution's I(i-m, j-n) at the outputs i = 0..H-k1: negative indices wrap."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1 + 1, W - k2 + 1))
    for i in range(H - k1 + 1):
        for j in range(W - k2 + 1):
            for m in range(k1):
                for n in range(k2):
                    Y_hat[i, j] += I[i - m, j - n] * w[m, n]
    return Y_hat


def correlate2d_short_output(I, w):
    """Output loops stop at H-k1-1: range(H - k1) instead of range(H - k1 + 1)."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1, W - k2 + 1))
    for i in range(H - k1):
        for j in range(W - k2 + 1):
            Y_hat[i, j] = np.sum(I[i : i + k1, j : j + k2] * w)
    return Y_hat


def correlate2d_last_row_unfilled(I, w):
    """Right shape, but the output loop stops one row short: the last row stays 0."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1 + 1, W - k2 + 1))
    for i in range(H - k1):
        for j in range(W - k2 + 1):
            Y_hat[i, j] = np.sum(I[i : i + k1, j : j + k2] * w)
    return Y_hat


def correlate2d_short_kernel_loop(I, w):
    """The kernel loop runs over range(k1 - 1): the kernel's last row is left out."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1 + 1, W - k2 + 1))
    for i in range(H - k1 + 1):
        for j in range(W - k2 + 1):
            for m in range(k1 - 1):
                for n in range(k2):
                    Y_hat[i, j] += I[i + m, j + n] * w[m, n]
    return Y_hat


def correlate2d_int_output(I, w):
    """The output is created with dtype=int: values are truncated when stored."""
    H, W = I.shape
    k1, k2 = w.shape
    Y_hat = np.zeros((H - k1 + 1, W - k2 + 1), dtype=int)
    for i in range(H - k1 + 1):
        for j in range(W - k2 + 1):
            Y_hat[i, j] = np.sum(I[i : i + k1, j : j + k2] * w)
    return Y_hat


def correlate2d_bad_border(I, w):
    """Interior right, outer ring of the output wrong."""
    Y_hat = convlib.correlate2d(I, w)
    Y_hat[0, :] *= 2.0
    return Y_hat


def grad_w_notes_slip(I, w, G):
    """The notes' last formula: sums over the kernel's range i < k1, j < k2."""
    k1, k2 = w.shape
    dw = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            for i in range(k1):
                for j in range(k2):
                    dw[m, n] += I[m + i, n + j] * G[i, j]
    return dw


def grad_w_notes_slip_inclusive(I, w, G):
    """The notes' bounds read literally: i = 0..k1, j = 0..k2 inclusive."""
    k1, k2 = w.shape
    dw = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            for i in range(k1 + 1):
                for j in range(k2 + 1):
                    dw[m, n] += I[m + i, n + j] * G[i, j]
    return dw


def grad_w_off_by_one(I, w, G):
    """The sums stop at H-k1-1 and W-k2-1."""
    k1, k2 = w.shape
    H, W = I.shape
    dw = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            for i in range(H - k1):
                for j in range(W - k2):
                    dw[m, n] += I[m + i, n + j] * G[i, j]
    return dw


def grad_b_notes_slip(I, w, G):
    """Sums G over the kernel's range only."""
    k1, k2 = w.shape
    return sum(G[i, j] for i in range(k1) for j in range(k2))


def grad_input_negative_wrap(I, w, G):
    """Checks only the upper bound: G[ip - m] with ip - m < 0 wraps around in numpy."""
    H, W = I.shape
    k1, k2 = w.shape
    Hp, Wp = G.shape
    dI = np.zeros((H, W))
    for ip in range(H):
        for jp in range(W):
            for m in range(k1):
                for n in range(k2):
                    if ip - m < Hp and jp - n < Wp:
                        dI[ip, jp] += G[ip - m, jp - n] * w[m, n]
    return dI


def grad_input_interior_only(I, w, G):
    """Computes dI only where the full kernel fits, leaving the border at 0."""
    k1, k2 = w.shape
    Hp, Wp = G.shape
    dI = np.zeros(I.shape)
    full = convlib.convolve2d(G, w, mode="full")
    dI[k1 - 1 : Hp, k2 - 1 : Wp] = full[k1 - 1 : Hp, k2 - 1 : Wp]
    return dI


def grad_input_last_row_unfilled(I, w, G):
    """The pixel loop runs over range(H - 1): the last row of dI stays 0."""
    dI = np.zeros(I.shape)
    full = convlib.convolve2d(G, w, mode="full")
    for ip in range(I.shape[0] - 1):
        dI[ip, :] = full[ip, :]
    return dI


def grad_input_short_kernel_loop(I, w, G):
    """The kernel loop runs over range(k2 - 1): the kernel's last column is left out."""
    H, W = I.shape
    k1, k2 = w.shape
    Hp, Wp = G.shape
    dI = np.zeros((H, W))
    for ip in range(H):
        for jp in range(W):
            for m in range(k1):
                for n in range(k2 - 1):
                    if 0 <= ip - m < Hp and 0 <= jp - n < Wp:
                        dI[ip, jp] += G[ip - m, jp - n] * w[m, n]
    return dI


def grad_input_fliplr(I, w, G):
    """rot180 by hand, with one mirror only: scipy's full cross-correlation with fliplr(w)."""
    return scipy.signal.correlate2d(G, np.fliplr(w), mode="full")


def grad_input_flipud_loops(I, w, G):
    """The padded cross-correlation as loops, with the kernel read upside down only."""
    k1, k2 = w.shape
    G_pad = np.pad(G, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    w_mirrored = w[::-1, :]  # np.flipud(w)
    dI = np.zeros(I.shape)
    for ip in range(I.shape[0]):
        for jp in range(I.shape[1]):
            dI[ip, jp] = np.sum(G_pad[ip : ip + k1, jp : jp + k2] * w_mirrored)
    return dI


def grad_input_transposed_kernel(I, w, G):
    """w.T where rot180(w) belongs, padded as (4.3) says."""
    k1, k2 = w.shape
    return convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), w.T)


def grad_input_rot_loops(w, G):
    """Right values, but by explicit loops over the pixels and the kernel."""
    (k1, k2), (Hp, Wp) = w.shape, G.shape
    dI = np.zeros((Hp + k1 - 1, Wp + k2 - 1))
    for ip, jp in np.ndindex(*dI.shape):
        for m, n in np.ndindex(k1, k2):
            if 0 <= ip - m < Hp and 0 <= jp - n < Wp:
                dI[ip, jp] += G[ip - m, jp - n] * w[m, n]
    return dI


def grad_input_rot_while(w, G):
    """Right values, the rotation built with a while loop."""
    w_rot = convlib.rot180(w)
    k = 0
    while k < 0:
        k += 1
    return convlib.correlate2d(convlib.zero_pad(G, w.shape[0] - 1, w.shape[1] - 1), w_rot)


def grad_input_rot_slicing(w, G):
    k1, k2 = w.shape
    return convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), w[::-1, ::-1])


def grad_input_rot_np_pad(w, G):
    k1, k2 = w.shape
    return convlib.correlate2d(np.pad(G, ((k1 - 1,) * 2, (k2 - 1,) * 2)), convlib.rot180(w))


def grad_input_rot_copy_of_w(w, G):
    """Hands correlate2d an array made some other way (w scaled by 2, then halved)."""
    k1, k2 = w.shape
    return convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), convlib.rot180(w) * 2) / 2


def grad_input_rot_no_correlate2d(w, G):
    """rot180 and zero_pad, then the sums by scipy's correlate2d."""
    k1, k2 = w.shape
    G_pad = convlib.zero_pad(G, k1 - 1, k2 - 1)
    return scipy.signal.correlate2d(G_pad, convlib.rot180(w), mode="valid")


def grad_input_rot_decoy(w, G):
    """Calls the tools for show, and returns the reference loops' answer."""
    k1, k2 = w.shape
    convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), w)
    return reference.grad_input(w, G)


def grad_input_rot_swapped_arguments(w, G):
    k1, k2 = w.shape
    return convlib.correlate2d(convlib.rot180(w), convlib.zero_pad(G, k1 - 1, k2 - 1))


def _pad(G, w):
    return ((w.shape[0] - 1,) * 2, (w.shape[1] - 1,) * 2)


WRONG = [
    # (checker, function, mistake, words the message must contain)
    (check_correlate2d, correlate2d_rotated, "kernel_rotated", "convolution"),
    (check_correlate2d, lambda I, w: convlib.convolve2d(I, w), "kernel_rotated", "rotated"),
    (check_correlate2d, correlate2d_convolution_indices, "kernel_rotated", "negative indices"),
    (
        check_correlate2d,
        lambda I, w: scipy.signal.correlate2d(w, I, mode="valid"),
        "roles_swapped",
        "swapped",
    ),
    (check_correlate2d, lambda I, w: scipy.signal.correlate2d(I, w), "padding_added", "padded"),
    (
        check_correlate2d,
        lambda I, w: scipy.signal.correlate2d(I, w, mode="same"),
        "padding_added",
        "padded",
    ),
    (check_correlate2d, correlate2d_short_output, "off_by_one", "one row or column short"),
    (check_correlate2d, correlate2d_last_row_unfilled, "off_by_one", "stops one short"),
    (check_correlate2d, correlate2d_short_kernel_loop, "off_by_one", "kernel's last row"),
    (
        check_correlate2d,
        lambda I, w: convlib.correlate2d(I, w) / w.size,
        "mean_not_sum",
        "averaged",
    ),
    (
        check_correlate2d,
        lambda I, w: convlib.correlate2d(I, w) + 0.5,
        "stray_constant",
        "stray constant",
    ),
    (check_correlate2d, lambda I, w: -convlib.correlate2d(I, w), "wrong_sign", "opposite sign"),
    (
        check_correlate2d,
        lambda I, w: 3 * convlib.correlate2d(I, w),
        "wrong_scale",
        "multiplied by 3",
    ),
    (check_correlate2d, lambda I, w: convlib.correlate2d(I, w).T, "transposed", "transpose"),
    (check_correlate2d, correlate2d_int_output, "integer_array", "integer"),
    (check_correlate2d, correlate2d_bad_border, "border_wrong", "border"),
    # dL/dw
    (check_grad_w, grad_w_notes_slip, "kernel_range_sum", "kernel's range"),
    (check_grad_w, grad_w_notes_slip_inclusive, "kernel_range_sum", "kernel's range"),
    (
        check_grad_w,
        lambda I, w, G: convlib.correlate2d(I, convlib.rot180(G)),
        "kernel_rotated",
        "convolution",
    ),
    (
        check_grad_w,
        lambda I, w, G: scipy.signal.correlate2d(G, I, mode="valid"),
        "roles_swapped",
        "roles of G and I are swapped",
    ),
    (check_grad_w, grad_w_off_by_one, "off_by_one", "stop one short"),
    (
        check_grad_w,
        lambda I, w, G: convlib.correlate2d(I, G) / G.size,
        "mean_not_sum",
        "a mean",
    ),
    (check_grad_w, lambda I, w, G: scipy.signal.correlate2d(I, G), "padding_added", "padded"),
    (check_grad_w, lambda I, w, G: convlib.correlate2d(I, G).T, "transposed", "transpose"),
    (check_grad_w, lambda I, w, G: -convlib.correlate2d(I, G), "wrong_sign", "opposite sign"),
    (
        check_grad_w,
        lambda I, w, G: convlib.correlate2d(I, G) + 1.0,
        "stray_constant",
        "constant",
    ),
    # dL/db
    (check_grad_b, lambda I, w, G: G.mean(), "mean_not_sum", "mean"),
    (check_grad_b, lambda I, w, G: G.sum(axis=0), "array_not_scalar", "single number"),
    (check_grad_b, lambda I, w, G: G.sum(axis=1), "array_not_scalar", "per row"),
    (check_grad_b, lambda I, w, G: G.sum(keepdims=True), "array_not_scalar", "single number"),
    (check_grad_b, lambda I, w, G: [G.sum()], "array_not_scalar", "single number"),
    (check_grad_b, lambda I, w, G: G, "array_not_scalar", "not summed"),
    (check_grad_b, grad_b_notes_slip, "kernel_range_sum", "kernel's range"),
    (check_grad_b, lambda I, w, G: G[:-1, :-1].sum(), "off_by_one", "stops one short"),
    (check_grad_b, lambda I, w, G: I.sum(), "roles_swapped", "summed the input I"),
    (check_grad_b, lambda I, w, G: -G.sum(), "wrong_sign", "opposite sign"),
    (check_grad_b, lambda I, w, G: None, "wrong_type", "return statement"),
    (check_grad_b, lambda I, w, G: str(G.sum()), "wrong_type", "str"),
    (check_grad_b, lambda I, w, G: complex(G.sum()), "wrong_type", "complex"),
    # dL/dI
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(convlib.zero_pad(G, *np.subtract(w.shape, 1)), w),
        "kernel_not_rotated",
        "not rotated",
    ),
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(G, convlib.rot180(w)),
        "no_zero_padding",
        "not zero-padded",
    ),
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(G, w),
        "no_zero_padding",
        "not zero-padded",
    ),
    (
        check_grad_input,
        lambda I, w, G: scipy.signal.convolve2d(G, w, mode="same"),
        "no_zero_padding",
        "padded enough",
    ),
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(np.pad(G, _pad(G, w), mode="edge"), convlib.rot180(w)),
        "no_zero_padding",
        "instead of zeros",
    ),
    (check_grad_input, grad_input_negative_wrap, "border_wrong", "negative indices"),
    (check_grad_input, grad_input_interior_only, "border_wrong", "interior"),
    (
        check_grad_input,
        lambda I, w, G: convlib.convolve2d(I, w, mode="full"),
        "roles_swapped",
        "input I where G belongs",
    ),
    (check_grad_input, grad_input_last_row_unfilled, "off_by_one", "last row"),
    (check_grad_input, grad_input_short_kernel_loop, "off_by_one", "kernel's last column"),
    (
        check_grad_input,
        lambda I, w, G: convlib.convolve2d(G, w, mode="full").T,
        "transposed",
        "transpose",
    ),
    (
        check_grad_input,
        lambda I, w, G: -convlib.convolve2d(G, w, mode="full"),
        "wrong_sign",
        "opposite sign",
    ),
    (
        check_grad_input,
        lambda I, w, G: convlib.convolve2d(G, w, mode="full") - 2.0,
        "stray_constant",
        "constant, -2",
    ),
    (check_grad_input, grad_input_fliplr, "one_mirror", "np.fliplr(w)"),
    (check_grad_input, grad_input_flipud_loops, "one_mirror", "np.flipud(w)"),
    (check_grad_input, grad_input_transposed_kernel, "one_mirror", "transposed kernel w.T"),
    (
        check_grad_input,
        lambda I, w, G: convlib.correlate2d(convlib.zero_pad(G, *w.shape), convlib.rot180(w)),
        "pad_width",
        "one too many",
    ),
    (
        check_grad_input,
        lambda I, w, G: scipy.signal.correlate2d(
            np.pad(G, ((w.shape[1] - 1,) * 2, (w.shape[0] - 1,) * 2)), convlib.rot180(w), "valid"
        ),
        "pad_width",
        "widths are swapped",
    ),
    (
        check_grad_input,
        lambda I, w, G: convlib.rot180(convlib.convolve2d(G, w, mode="full")),
        "g_rotated",
        "rotated G",
    ),
    # dL/dI with correlate2d, rot180 and zero_pad only (exercise 4.1)
    (check_grad_input_rot, grad_input_rot_loops, "not_forward_op", "explicit loop"),
    (check_grad_input_rot, grad_input_rot_while, "not_forward_op", "explicit loop"),
    (
        check_grad_input_rot,
        lambda w, G: scipy.signal.convolve2d(G, w, mode="full"),
        "not_forward_op",
        "calls convolve2d",
    ),
    (check_grad_input_rot, grad_input_rot_slicing, "not_forward_op", "rotated by numpy"),
    (check_grad_input_rot, grad_input_rot_np_pad, "not_forward_op", "padded by numpy"),
    (check_grad_input_rot, grad_input_rot_copy_of_w, "not_forward_op", "made some other way"),
    (
        check_grad_input_rot,
        grad_input_rot_no_correlate2d,
        "not_forward_op",
        "correlate2d was never called",
    ),
    (check_grad_input_rot, grad_input_rot_decoy, "not_forward_op", "not what correlate2d"),
    (
        check_grad_input_rot,
        lambda w, G: convlib.correlate2d(rot_route(w, G)[0], np.fliplr(w)),
        "one_mirror",
        "np.fliplr(w)",
    ),
    (
        check_grad_input_rot,
        lambda w, G: convlib.correlate2d(convlib.zero_pad(G, *w.shape), convlib.rot180(w)),
        "pad_width",
        "one too many",
    ),
    (
        check_grad_input_rot,
        lambda w, G: convlib.correlate2d(rot_route(w, G)[0], w),
        "kernel_not_rotated",
        "not rotated",
    ),
    (
        check_grad_input_rot,
        grad_input_rot_swapped_arguments,
        "raised",
        "order of the arguments",
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
    assert bool(result) is False
    assert result.mistake == mistake, result.message
    assert MISTAKES[mistake] in result.message
    assert words.lower() in result.message.lower(), result.message
    assert result.case is not None
    arguments = {check_correlate2d: {"I", "w"}, check_grad_input_rot: {"w", "G"}}
    assert set(result.inputs) == arguments.get(check, {"I", "w", "G"})
    assert result.expected is not None


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
    assert covered == set(MISTAKES)


# --------------------------------------------------------------------------------------
# Functions that raise, return the wrong type or shape, or modify their inputs
# --------------------------------------------------------------------------------------


def grad_w_index_error(I, w, G):
    return np.array([[G[i + 10, 0] for i in range(w.shape[1])] for _ in range(w.shape[0])])


def test_raising_function_is_reported_not_propagated():
    result = check_grad_w(grad_w_index_error)
    assert not result.passed
    assert result.mistake == "raised"
    assert "IndexError" in result.message
    assert "out of bounds" in result.message
    assert "fn(I, w, G)" in result.message
    assert "check the loop bounds" in result.message
    assert "G[i + 10, 0]" in result.message  # the reader's line that raised
    assert result.case is not None
    assert "IndexError" in repr(result)


def test_exception_on_an_edge_case_names_the_case():
    def only_square(I, w):
        if I.shape[0] == 1:
            raise ZeroDivisionError("boom")
        return convlib.correlate2d(I, w)

    result = check_correlate2d(only_square)
    assert result.mistake == "raised"
    assert "ZeroDivisionError: boom" in result.message
    assert "one-row" in result.message
    assert result.case is not None and "one-row" in result.case


def test_wrong_signature_is_reported():
    result = check_grad_input(lambda I, G: G)
    assert result.mistake == "raised"
    assert "TypeError" in result.message
    assert "fn(I, w, G)" in result.message


def test_list_is_reported_as_wrong_type():
    result = check_grad_w(lambda I, w, G: convlib.correlate2d(I, G).tolist())
    assert result.mistake == "wrong_type"
    assert "list, not a numpy array" in result.message
    assert "values are right" in result.message


def test_none_and_scalar_are_reported_as_wrong_type():
    result = check_grad_input(lambda I, w, G: None)
    assert result.mistake == "wrong_type"
    assert "return statement" in result.message
    result = check_correlate2d(lambda I, w: float(convlib.correlate2d(I, w).sum()))
    assert result.mistake == "wrong_type"
    assert "single number" in result.message


def test_complex_and_object_arrays_are_reported_as_wrong_type():
    result = check_grad_w(lambda I, w, G: convlib.correlate2d(I, G).astype(complex))
    assert result.mistake == "wrong_type"
    assert "complex" in result.message
    result = check_grad_w(lambda I, w, G: {"dw": 0})
    assert result.mistake == "wrong_type"
    assert "dict" in result.message


def test_wrong_shape_is_reported():
    result = check_grad_input(lambda I, w, G: convlib.convolve2d(G, w, mode="full")[None])
    assert result.mistake == "wrong_shape"
    assert "shape (1, 6, 7)" in result.message
    assert "(H, W) = (6, 7)" in result.message
    result = check_grad_w(lambda I, w, G: convlib.correlate2d(I, G).ravel())
    assert result.mistake == "wrong_shape"
    assert "laid out flat" in result.message


def test_modified_input_is_reported_even_when_the_answer_is_right():
    def rotate_in_place(I, w, G):
        k1, k2 = w.shape
        w[:] = w[::-1, ::-1]
        return convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), w)

    result = check_grad_input(rotate_in_place)
    assert result.mistake == "modified_input"
    assert "modified its input w" in result.message
    assert "answer is wrong" not in result.message


def test_modified_input_and_wrong_answer():
    def clobber(I, w, G):
        G[...] = 0.0
        return G.sum()

    result = check_grad_b(clobber)
    assert result.mistake == "modified_input"
    assert "input G" in result.message
    assert "answer is wrong" in result.message


def test_generic_wrong_values_give_the_first_difference():
    def one_entry_wrong(I, w, G):
        dI = convlib.convolve2d(G, w, mode="full")
        dI[3, 4] += 1.5
        return dI

    result = check_grad_input(one_entry_wrong)
    assert result.mistake == "wrong_values"
    assert "at 1 of its 42 entries" in result.message
    assert "at (3, 4)" in result.message


def test_nan_output_is_reported_without_warnings():
    result = check_grad_input(lambda I, w, G: np.full(I.shape, np.nan))
    assert result.mistake == "wrong_values"
    assert "nan" in result.message.lower()
    result = check_grad_b(lambda I, w, G: float("inf"))
    assert result.mistake == "wrong_values"


def test_strange_return_values_never_raise():
    class Weird:
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("no array for you")

    for check in (check_correlate2d, check_grad_w, check_grad_input):
        n_args = 2 if check is check_correlate2d else 3
        for value in (Weird(), "text", [[1, 2], [3]], object()):
            result = check(lambda *args, value=value, n=n_args: value if len(args) == n else None)
            assert not result.passed
            assert result.mistake in ("wrong_type", "wrong_shape")
            repr(result), result._repr_html_(), result._repr_markdown_()
    result = check_grad_b(lambda I, w, G: Weird())
    assert result.mistake == "wrong_type"


def test_not_callable_is_reported():
    result = check_grad_w(np.zeros((2, 2)))
    assert result.mistake == "not_callable"
    assert "check_grad_w(my_function)" in result.message


def test_the_reader_receives_copies():
    seen = []

    def spy(I, w):
        seen.append(I)
        return convlib.correlate2d(I, w)

    assert check_correlate2d(spy)
    first_case = _cases._cases()[0]
    assert seen[0] is not first_case.I
    np.testing.assert_array_equal(seen[0], first_case.I)


# --------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------


def test_passing_display():
    result = check_grad_b(lambda I, w, G: G.sum())
    assert repr(result) == f"✓ check_grad_b passed: {result.n_cases} cases"
    assert "✓ <b>passed:</b>" in result._repr_html_()
    assert f"{result.n_cases} cases" in result._repr_html_()
    assert result._repr_markdown_().startswith("**✓ passed:**")


def test_failing_display_shows_the_case():
    result = check_grad_w(grad_w_notes_slip)
    text = repr(result)
    assert text.startswith("✗ check_grad_w failed: summed over the kernel's range (case 1 of")
    for label in ("I =", "w =", "G =", "expected ∂L/∂w =", "got ="):
        assert label in text
    page = result._repr_html_()
    assert "#c62828" in page  # the red box
    assert "summed over the kernel&#x27;s range" in page
    assert "<pre" in page and "expected ∂L/∂w" in page
    markdown = result._repr_markdown_()
    assert markdown.startswith("> **✗ check_grad_w failed: summed over the kernel's range")
    assert "```text" in markdown


def test_html_escapes_the_readers_exception():
    def raises(I, w):
        raise ValueError("<script>alert(1)</script>")

    page = check_correlate2d(raises)._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_results_are_deterministic():
    first = check_grad_input(grad_input_negative_wrap)
    second = check_grad_input(grad_input_negative_wrap)
    assert repr(first) == repr(second)


# --------------------------------------------------------------------------------------
# The cases themselves
# --------------------------------------------------------------------------------------


def test_cases_cover_the_edges():
    cases = _cases._cases()
    shapes = [(c.I.shape, c.w.shape) for c in cases]
    assert any(w == (1, 1) for _, w in shapes)
    assert any(I == w for I, w in shapes)
    assert any(I[0] == 1 for I, _ in shapes)
    assert any(I[1] == 1 for I, _ in shapes)
    assert any(I[0] != I[1] and w[0] != w[1] for I, w in shapes)
    for c in cases:
        assert c.G.shape == convlib.output_shape(c.I.shape, c.w.shape)


@pytest.mark.parametrize(
    "exercise",
    [catalogue._CORRELATE2D, catalogue._GRAD_W, catalogue._GRAD_B, catalogue._GRAD_INPUT],
    ids=lambda e: e.name,
)
def test_first_case_separates_every_variant(exercise):
    """On the first case no two known-wrong answers coincide, nor with the right one."""
    case = _cases._cases()[0]
    expected = exercise.expected(case)
    answers = [("right", expected)]
    if not exercise.scalar:
        answers += [("negated", -expected), ("transposed", expected.T)]
    answers += [(mistake, compute()) for mistake, compute, _ in exercise.variants(case)]
    for a, (name_a, value_a) in enumerate(answers):
        for name_b, value_b in answers[a + 1 :]:
            assert not diagnosis._close(value_a, value_b), (name_a, name_b)


def grad_w_via_convlib_swapped(I, w, G):
    return convlib.correlate2d(G, I)  # G cannot hold I: convlib raises


def test_exception_raised_inside_a_library_points_at_the_readers_line():
    result = check_grad_w(grad_w_via_convlib_swapped)
    assert result.mistake == "raised"
    assert "ValueError" in result.message
    assert "return convlib.correlate2d(G, I)" in result.message
    assert "order of the arguments" in result.message


@pytest.mark.parametrize("check", [check_correlate2d, check_grad_w, check_grad_b, check_grad_input])
def test_a_stub_not_written_yet_is_reported_calmly(check):
    def stub(*args):
        raise NotImplementedError("your code here")

    result = check(stub)
    assert not result.passed
    assert result.mistake == "not_written"
    assert "not written yet" in result.message
    assert "NotImplementedError" in result.message
    page = result._repr_html_()
    assert "#c62828" not in page and "✗" not in page  # not the red failure box


def test_other_exceptions_are_still_failures():
    def broken(I, w):
        raise ValueError("oops")

    result = check_correlate2d(broken)
    assert result.mistake == "raised"
    assert "#c62828" in result._repr_html_()


def test_every_sentence_cites_the_books_numbers():
    # a sentence writes (eq-label); cite() turns it into (c.n), and raises on an unknown label
    import re

    from convlib.book import cite

    planning = re.compile(r"(?<![A-Za-z0-9_])E(1[0-4]|[1-9])(?![0-9])")
    exercises_ = [catalogue._CORRELATE2D, catalogue._GRAD_W, catalogue._GRAD_B]
    exercises_.append(catalogue._GRAD_INPUT)
    for ex in exercises_:
        texts = [ex.bounds, ex.border_hint, ex.constant_hint]
        for case in _cases._cases():
            texts += [sentence for _, _, sentence in ex.variants(case)]
            texts.append(ex.shape_rule(case))
        for text in texts:
            resolved = cite(text)
            assert "(eq-" not in resolved and not planning.search(resolved), resolved


# --------------------------------------------------------------------------------------
# Exercise 4.1: dL/dI with correlate2d, rot180 and zero_pad only
# --------------------------------------------------------------------------------------


def test_the_tools_are_restored_after_a_check():
    originals = [getattr(convlib.ops, name) for name in rotated.TOOLS]
    by_names = grad_input_rot_by_names()
    cells = [c.cell_contents for c in by_names.__closure__]

    def raises_midway(w, G):
        convlib.rot180(w)
        raise ValueError("midway")

    for fn in (by_names, raises_midway, grad_input_rot_slicing):
        check_grad_input_rot(fn)
        assert [getattr(convlib.ops, name) for name in rotated.TOOLS] == originals
        assert [getattr(convlib, name) for name in rotated.TOOLS] == originals
    assert [c.cell_contents for c in by_names.__closure__] == cells


def test_only_the_readers_calls_are_followed():
    # conv2d_backward calls the tools inside convlib: those calls are not the reader's
    def through_the_layer(w, G):
        k1, k2 = w.shape
        I = np.zeros((G.shape[0] + k1 - 1, G.shape[1] + k2 - 1))
        return convlib.conv2d_backward(I, w, G).dI

    result = check_grad_input_rot(through_the_layer)
    assert result.mistake == "not_forward_op"
    assert "correlate2d was never called" in result.message


def test_a_refused_route_says_whether_its_answers_are_right():
    assert "Its answers are right." in check_grad_input_rot(grad_input_rot_loops).message

    def convolve_unrotated(w, G):
        return scipy.signal.convolve2d(G, convlib.rot180(w))

    result = check_grad_input_rot(convolve_unrotated)
    assert result.mistake == "not_forward_op"
    assert "also wrong" in result.message


def test_the_rot_checker_reports_a_stub_calmly_and_a_non_function():
    def stub(w, G):
        raise NotImplementedError("your code here")

    result = check_grad_input_rot(stub)
    assert result.mistake == "not_written"
    assert "check_grad_input_rot: not written yet" in result.message
    assert check_grad_input_rot(np.zeros(3)).mistake == "not_callable"


def test_the_rot_checker_sees_a_modified_input():
    def rotate_in_place(w, G):
        k1, k2 = w.shape
        w[:] = convlib.rot180(w)
        return convlib.correlate2d(convlib.zero_pad(G, k1 - 1, k2 - 1), w)

    result = check_grad_input_rot(rotate_in_place)
    assert result.mistake == "modified_input"
    assert "input w" in result.message


def test_the_rot_checkers_sentences_cite_the_books_numbers():
    import re

    for check, fn, mistake, _ in WRONG:
        if check is check_grad_input_rot and mistake != "raised":
            message = check(fn).message
            assert "(eq-" not in message, message
            assert re.search(r"\([1-5]\.[1-9]\)", message), message  # a number of the book
