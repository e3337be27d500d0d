"""The exercises and their catalogue of classic mistakes.

For each exercise: the right answer (from convlib), and known-wrong *variants*, each a mistake
identifier (a key of :data:`MISTAKES`), a function computing the wrong answer on a case, and the
sentence that names it. Sentences cite equations as ``(eq-label)``; the runner turns them into
the book's numbers (:func:`convlib.book.cite`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import layer, ops
from ._cases import _Case, _Exercise, _Variant

MISTAKES: dict[str, str] = {
    "kernel_not_rotated": "kernel not rotated (a cross-correlation where a convolution belongs)",
    "one_mirror": "kernel mirrored once, not rotated by 180°",
    "pad_width": "G padded by the wrong number of zeros",
    "g_rotated": "G rotated instead of the kernel",
    "not_forward_op": "not computed with correlate2d, rot180 and zero_pad",
    "kernel_rotated": "kernel rotated (a convolution where a cross-correlation belongs)",
    "no_zero_padding": "no zero padding",
    "padding_added": "padding where there is none",
    "roles_swapped": "roles swapped",
    "transposed": "transposed result",
    "kernel_range_sum": "summed over the kernel's range",
    "off_by_one": "off-by-one bounds",
    "mean_not_sum": "a mean where a sum belongs",
    "array_not_scalar": "an array where a scalar belongs",
    "border_wrong": "only the border is wrong",
    "stray_constant": "a stray constant",
    "wrong_sign": "sign flipped",
    "wrong_scale": "scaled by a constant",
    "integer_array": "integer array",
    "wrong_shape": "wrong shape",
    "wrong_type": "wrong type",
    "modified_input": "input modified",
    "raised": "the function raised an exception",
    "not_written": "not written yet",
    "wrong_values": "wrong values",
    "not_callable": "not a function",
}

"""Every mistake identifier a checker can report, with its short name in words."""


def _zero_last(a: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """Return a copy of ``a`` with its last row and/or last column set to 0."""
    a = a.copy()
    if rows:
        a[-1, :] = 0.0
    if cols:
        a[:, -1] = 0.0
    return a


def _keep_top_left(a: np.ndarray, r: int, c: int) -> np.ndarray:
    """Return a copy of ``a`` that keeps only the top-left ``r × c`` block (0 elsewhere)."""
    b = np.zeros_like(a)
    b[:r, :c] = a[:r, :c]
    return b


_SHORT = {
    (True, False): "last row",
    (False, True): "last column",
    (True, True): "last row and column",
}


def _padded_shape_hint(
    c: _Case, shape: tuple[int, ...], right: tuple[int, ...]
) -> tuple[str, str] | None:
    """Name a shape that reveals padding where 'valid' has none (forward pass, ∂L/∂w)."""
    H, W = c.I.shape
    if shape == (H, W) or (len(shape) == 2 and shape[0] > H and shape[1] > W):
        return "padding_added", (
            f"Your answer has shape {shape}, as if the image had been padded (mode 'full' or "
            f"'same'), instead of {right}: with 'valid' padding there is no padding at all "
            "(scipy.signal.correlate2d pads by default: pass mode='valid')."
        )
    return None


def _convolution_read_from_zero(I: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return Σ_m Σ_n I(i-m, j-n) w(m, n) at i = 0..H-k1, j = 0..W-k2, as numpy reads it.

    The convolution's indices at the cross-correlation's outputs: ``I[i - m]`` with ``i < m``
    is a negative index, which numpy takes from the other end of the image (``np.roll``).
    """
    (H, W), (k1, k2) = I.shape, w.shape
    out = np.zeros((H - k1 + 1, W - k2 + 1))
    for m, n in np.ndindex(k1, k2):
        out += w[m, n] * np.roll(I, (m, n), axis=(0, 1))[: H - k1 + 1, : W - k2 + 1]
    return out


def _correlate2d_variants(c: _Case) -> Iterator[_Variant]:
    I, w = c.I, c.w
    k1, k2 = w.shape
    yield (
        "kernel_rotated",
        lambda: ops.correlate2d(I, ops.rot180(w)),
        "Your function computes a convolution: its output matches the kernel rotated by "
        "180° (I(i-m, j-n), or w[k1-1-m, k2-1-n]). The layer computes a cross-correlation "
        "(eq-xcorr), with no rotation: Ŷ(i, j) = Σ_m Σ_n I(i+m, j+n) · w(m, n).",
    )
    yield (
        "kernel_rotated",
        lambda: _convolution_read_from_zero(I, w),
        "Your function reads I(i-m, j-n), the convolution's indices (eq-conv), at the "
        "outputs i = 0..H-k1 of the cross-correlation: near the top and left edges those are "
        "negative indices, which numpy takes from the other end of the image. The layer "
        "computes a cross-correlation, equation (eq-xcorr): Ŷ(i, j) = Σ_m Σ_n I(i+m, j+n) · "
        "w(m, n).",
    )
    yield (
        "roles_swapped",
        lambda: ops.rot180(ops.correlate2d(I, w)),
        "Your output is the right one rotated by 180°: the roles of I and w are swapped "
        "(I slid over w, e.g. scipy.signal.correlate2d(w, I, 'valid')). In w ⊗ I the kernel "
        "w slides over the image I: Ŷ(i, j) = Σ_m Σ_n I(i+m, j+n) · w(m, n), equation (eq-xcorr).",
    )
    yield (
        "padding_added",
        lambda: ops.correlate2d(ops.zero_pad(I, k1 - 1, k2 - 1), w),
        "Your output is a 'full' cross-correlation: the image was zero-padded. The layer "
        "uses 'valid' padding, no padding at all, so Ŷ has shape (H-k1+1, W-k2+1) "
        "(scipy.signal.correlate2d pads by default: pass mode='valid').",
    )
    yield (
        "mean_not_sum",
        lambda: ops.correlate2d(I, w) / w.size,
        f"Your output is the right one divided by k1·k2 = {w.size}: you averaged over the "
        "window, but (eq-xcorr) is a sum, Ŷ(i, j) = Σ_m Σ_n I(i+m, j+n) · w(m, n), not a mean.",
    )
    for (rows, cols), what in _SHORT.items():
        yield (
            "off_by_one",
            lambda rows=rows, cols=cols: ops.correlate2d(I, _zero_last(w, rows, cols)),
            f"Your output leaves out the kernel's {what}: a loop over the kernel stops one "
            "short. The kernel index runs over m = 0..k1-1 and n = 0..k2-1, that is "
            "range(k1) and range(k2).",
        )


_CORRELATE2D = _Exercise(
    name="check_correlate2d",
    quantity="Ŷ",
    call="fn(I, w)",
    args=("I", "w"),
    scalar=False,
    expected=lambda c: ops.correlate2d(c.I, c.w),
    variants=_correlate2d_variants,
    shape_rule=lambda c: (
        f"(H-k1+1, W-k2+1) = {ops.output_shape(c.I.shape, c.w.shape)} with 'valid' padding"
    ),
    bounds="The output index runs over i = 0..H-k1 and j = 0..W-k2 inclusive, that is "
    "range(H - k1 + 1) and range(W - k2 + 1).",
    border_hint="Check the loop bounds and the indices at the edges of the image.",
    constant_hint=" The exercise asks for w ⊗ I without the bias b.",
    shape_hint=_padded_shape_hint,
)


def _grad_w_variants(c: _Case) -> Iterator[_Variant]:
    I, w, G = c.I, c.w, c.G
    k1, k2 = w.shape
    Hp, Wp = G.shape
    yield (
        "kernel_rotated",
        lambda: ops.correlate2d(I, ops.rot180(G)),
        "Your ∂L/∂w is a convolution: it matches G rotated by 180° (G(H'-1-i, W'-1-j), or "
        "I(m-i, n-j)). Equation (eq-dw) is a cross-correlation, with no rotation: "
        "∂L/∂w(m, n) = Σ_i Σ_j I(i+m, j+n) · G(i, j) = (G ⊗ I)(m, n).",
    )
    yield (
        "roles_swapped",
        lambda: ops.rot180(ops.correlate2d(I, G)),
        "Your ∂L/∂w is the right one rotated by 180°: the roles of G and I are swapped "
        "(I ⊗ G, e.g. scipy.signal.correlate2d(G, I, 'valid'), instead of G ⊗ I). G slides "
        "over I like a kernel: ∂L/∂w(m, n) = Σ_i Σ_j I(i+m, j+n) · G(i, j), equation (eq-dw).",
    )
    yield (
        "kernel_range_sum",
        lambda: ops.correlate2d(I, _keep_top_left(G, k1, k2)),
        "Your sums run over the kernel's range, i = 0..k1-1 and j = 0..k2-1: the slip in "
        "the notes' last formula for ∂L/∂w. One weight touches every output, so (eq-dw) sums "
        "over the whole of Ŷ: i = 0..H-k1 and j = 0..W-k2, that is range(H - k1 + 1) and "
        "range(W - k2 + 1).",
    )
    yield (
        "kernel_range_sum",
        lambda: ops.correlate2d(I, _keep_top_left(G, k1 + 1, k2 + 1)),
        "Your sums run over the kernel's range, i = 0..k1 and j = 0..k2 (the bounds written "
        "in the notes' last formula for ∂L/∂w, a slip). One weight touches every output, so "
        "(eq-dw) sums over the whole of Ŷ: i = 0..H-k1 and j = 0..W-k2, that is "
        "range(H - k1 + 1) and range(W - k2 + 1).",
    )
    yield (
        "mean_not_sum",
        lambda: ops.correlate2d(I, G) / G.size,
        f"Your ∂L/∂w is the right one divided by H'·W' = {G.size}, the number of outputs: a "
        "mean where (eq-dw) has a sum, ∂L/∂w(m, n) = Σ_i Σ_j I(i+m, j+n) · G(i, j).",
    )
    yield (
        "padding_added",
        lambda: ops.correlate2d(ops.zero_pad(I, Hp - 1, Wp - 1), G),
        "Your ∂L/∂w is a 'full' cross-correlation of I with G: the image was zero-padded. "
        "G slides over I with 'valid' padding, so ∂L/∂w has the kernel's shape (k1, k2) "
        "(scipy.signal.correlate2d pads by default: pass mode='valid').",
    )
    for (rows, cols), what in _SHORT.items():
        yield (
            "off_by_one",
            lambda rows=rows, cols=cols: ops.correlate2d(I, _zero_last(G, rows, cols)),
            f"Your sums leave out the {what} of G: they stop one short, at i = H-k1-1 "
            "(range(H - k1)). Equation (eq-dw) sums over the whole of Ŷ: i = 0..H-k1 and "
            "j = 0..W-k2, that is range(H - k1 + 1) and range(W - k2 + 1).",
        )


_GRAD_W = _Exercise(
    name="check_grad_w",
    quantity="∂L/∂w",
    call="fn(I, w, G)",
    args=("I", "w", "G"),
    scalar=False,
    expected=lambda c: layer.conv2d_backward(c.I, c.w, c.G).dw,
    variants=_grad_w_variants,
    shape_rule=lambda c: f"the kernel's shape (k1, k2) = {c.w.shape}",
    bounds="The kernel index runs over m = 0..k1-1 and n = 0..k2-1, that is range(k1) and "
    "range(k2).",
    constant_hint=" The bias b does not enter ∂L/∂w, equation (eq-dw).",
    shape_hint=_padded_shape_hint,
)


def _grad_b_variants(c: _Case) -> Iterator[_Variant]:
    I, w, G = c.I, c.w, c.G
    k1, k2 = w.shape
    yield (
        "mean_not_sum",
        lambda: G.mean(),
        "You returned the mean of G; (eq-db) is the sum ∂L/∂b = Σ_i Σ_j G(i, j): b is added to "
        "every output, and each output passes on its full G(i, j).",
    )
    yield (
        "kernel_range_sum",
        lambda: G[:k1, :k2].sum(),
        "You summed G over the kernel's range only, i = 0..k1-1 and j = 0..k2-1. The bias "
        "touches every output, so (eq-db) sums over the whole of Ŷ: i = 0..H-k1 and j = 0..W-k2.",
    )
    yield (
        "kernel_range_sum",
        lambda: G[: k1 + 1, : k2 + 1].sum(),
        "You summed G over the kernel's range only, i = 0..k1 and j = 0..k2. The bias "
        "touches every output, so (eq-db) sums over the whole of Ŷ: i = 0..H-k1 and j = 0..W-k2.",
    )
    for (rows, cols), what in _SHORT.items():
        yield (
            "off_by_one",
            lambda rows=rows, cols=cols: _zero_last(G, rows, cols).sum(),
            f"Your sum leaves out the {what} of G: it stops one short, at i = H-k1-1 "
            "(range(H - k1)). Equation (eq-db) sums over the whole of Ŷ: i = 0..H-k1 and "
            "j = 0..W-k2, that is range(H - k1 + 1) and range(W - k2 + 1).",
        )
    yield (
        "roles_swapped",
        lambda: I.sum(),
        "You summed the input I, not G = ∂L/∂Ŷ. Since ∂Ŷ(i, j)/∂b = 1, only G remains in "
        "the chain rule: ∂L/∂b = Σ_i Σ_j G(i, j), equation (eq-db).",
    )
    yield (
        "roles_swapped",
        lambda: w.sum(),
        "You summed the kernel w, not G = ∂L/∂Ŷ. Since ∂Ŷ(i, j)/∂b = 1, only G remains in "
        "the chain rule: ∂L/∂b = Σ_i Σ_j G(i, j), equation (eq-db).",
    )
    yield (
        "wrong_sign",
        lambda: -G.sum(),
        "Your ∂L/∂b has the opposite sign: ∂L/∂b = +Σ_i Σ_j G(i, j), equation (eq-db).",
    )


_GRAD_B = _Exercise(
    name="check_grad_b",
    quantity="∂L/∂b",
    call="fn(I, w, G)",
    args=("I", "w", "G"),
    scalar=True,
    expected=lambda c: layer.conv2d_backward(c.I, c.w, c.G).db,
    variants=_grad_b_variants,
    shape_rule=lambda c: "a single number",
    bounds="The sum runs over i = 0..H-k1 and j = 0..W-k2, range(H - k1 + 1) and "
    "range(W - k2 + 1).",
)


_PAD_MODES = {
    "edge": "copies of its edge values (np.pad mode='edge')",
    "reflect": "its mirror image (np.pad mode='reflect')",
    "symmetric": "its mirror image (np.pad mode='symmetric')",
    "wrap": "values wrapped around from the other side (np.pad mode='wrap')",
}


def _negative_wrap(G: np.ndarray, k1: int, k2: int) -> np.ndarray:
    """Pad G as numpy's negative indices read it: wrapped at the top and left, 0 below."""
    Hp, Wp = G.shape
    if k1 - 1 > Hp or k2 - 1 > Wp:
        raise IndexError("a negative index beyond -len would raise")
    top_left = np.pad(G, ((k1 - 1, 0), (k2 - 1, 0)), mode="wrap")
    return np.pad(top_left, ((0, k1 - 1), (0, k2 - 1)))


def _grad_input_variants(c: _Case) -> Iterator[_Variant]:
    I, w, G = c.I, c.w, c.G
    k1, k2 = w.shape
    pad = ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))
    yield (
        "kernel_not_rotated",
        lambda: ops.correlate2d(ops.zero_pad(G, k1 - 1, k2 - 1), w),
        "Your ∂L/∂I is a cross-correlation of the zero-padded G with w as it is: the kernel "
        "was not rotated. Equation (eq-di) is a convolution, ∂L/∂I(i', j') = "
        "Σ_m Σ_n G(i'-m, j'-n) · w(m, n); written as a cross-correlation it needs the kernel "
        "rotated by 180° (rot180(w), the notes' Q → Q*, equation (eq-di-rot)).",
    )
    rotation = (
        "A rotation by 180° reverses both indices, w*(m, n) = w(k1-1-m, k2-1-n), equation "
        "(eq-rot180): use rot180(w), which is np.flipud(np.fliplr(w)) or w[::-1, ::-1]."
    )
    yield (
        "one_mirror",
        lambda: ops.correlate2d(ops.zero_pad(G, k1 - 1, k2 - 1), np.fliplr(w)),
        "Your ∂L/∂I uses the kernel flipped left to right only (np.fliplr(w), or "
        "w[:, ::-1]): its columns are reversed but not its rows. " + rotation,
    )
    yield (
        "one_mirror",
        lambda: ops.correlate2d(ops.zero_pad(G, k1 - 1, k2 - 1), np.flipud(w)),
        "Your ∂L/∂I uses the kernel flipped upside down only (np.flipud(w), or "
        "w[::-1, :]): its rows are reversed but not its columns. " + rotation,
    )
    for rows, cols in ((k1 - 1, k2 - 1), (k2 - 1, k1 - 1)):
        yield (
            "one_mirror",
            lambda rows=rows, cols=cols: ops.correlate2d(ops.zero_pad(G, rows, cols), w.T),
            "Your ∂L/∂I uses the transposed kernel w.T: mirroring in the main diagonal swaps "
            "the two indices, w(n, m), instead of reversing each of them; one mirror is not "
            "a rotation. " + rotation,
        )
    yield (
        "pad_width",
        lambda: ops.correlate2d(ops.zero_pad(G, k1, k2), ops.rot180(w)),
        f"Your ∂L/∂I pads G with k1 = {k1} and k2 = {k2} zeros on each side, one too many, "
        "so it is two rows and two columns larger than the image. Equation (eq-di-rot) pads "
        f"with k1-1 = {k1 - 1} row{'s' * (k1 != 2)} and k2-1 = {k2 - 1} "
        f"column{'s' * (k2 != 2)}, zero_pad(G, k1 - 1, k2 - 1): "
        "then ∂L/∂I has the image's shape (H, W).",
    )
    yield (
        "pad_width",
        lambda: ops.correlate2d(ops.zero_pad(G, k2 - 1, k1 - 1), ops.rot180(w)),
        f"Your ∂L/∂I pads G with k2-1 = {k2 - 1} row{'s' * (k2 != 2)} and k1-1 = {k1 - 1} "
        f"column{'s' * (k1 != 2)}: the two widths are swapped. Rows go with k1 and columns "
        "with k2: zero_pad(G, k1 - 1, k2 - 1), equation (eq-di-rot).",
    )
    yield (
        "g_rotated",
        lambda: ops.correlate2d(ops.rot180(ops.zero_pad(G, k1 - 1, k2 - 1)), w),
        "Your ∂L/∂I is the right one rotated by 180°: you rotated G and kept the kernel as it "
        "is. In equation (eq-di-rot) the kernel is the one rotated, rot180(w), and the padded G "
        "is read forwards: correlate2d(zero_pad(G, k1 - 1, k2 - 1), rot180(w)).",
    )
    for mode, words in _PAD_MODES.items():
        yield (
            "no_zero_padding",
            lambda mode=mode: ops.correlate2d(np.pad(G, pad, mode=mode), ops.rot180(w)),
            f"Your ∂L/∂I pads G with {words} instead of zeros, so the border is wrong. "
            "Outside Ŷ there are no outputs, so G is 0 there: pad G with k1-1 rows and "
            "k2-1 columns of zeros on each side, equation (eq-di-rot).",
        )
    yield (
        "border_wrong",
        lambda: ops.correlate2d(_negative_wrap(G, k1, k2), ops.rot180(w)),
        "Your ∂L/∂I is right in the interior but wrong near the top and left borders: it "
        "reads G(i'-m, j'-n) at negative indices, which numpy wraps around to the other end "
        "(G[-1] is the last row). Those outputs do not exist, see (eq-region): skip them, or "
        "zero-pad G.",
    )
    yield (
        "roles_swapped",
        lambda: ops.convolve2d(I, w, mode="full"),
        "Your ∂L/∂I convolves the input I where G belongs: ∂L/∂I = w * G, equation (eq-di), "
        "the kernel against the gradient handed down by the next layer.",
    )
    yield (
        "no_zero_padding",
        lambda: ops.correlate2d(G, w),
        "Your ∂L/∂I is a 'valid' cross-correlation of G with w: G was not zero-padded (so "
        "the shape is wrong), and the kernel was not rotated either. Equation (eq-di) is a full "
        "convolution, ∂L/∂I = w * G: zero-pad G with k1-1 rows and k2-1 columns on each "
        "side, and rotate the kernel by 180° (the notes' Q → Q*, equation (eq-di-rot)).",
    )
    for (rows, cols), what in _SHORT.items():
        yield (
            "off_by_one",
            lambda rows=rows, cols=cols: ops.convolve2d(G, _zero_last(w, rows, cols), "full"),
            f"Your ∂L/∂I leaves out the kernel's {what}: a loop over the kernel stops one "
            "short. The kernel index runs over m = 0..k1-1 and n = 0..k2-1, that is "
            "range(k1) and range(k2).",
        )


def _grad_input_shape_hint(
    c: _Case, shape: tuple[int, ...], right: tuple[int, ...]
) -> tuple[str, str] | None:
    """Name the mistake that a wrong shape of ∂L/∂I reveals, if it is a classic one."""
    k1, k2 = c.w.shape
    Hp, Wp = c.G.shape
    pad_words = (
        f"Equation (eq-di) is a 'full' convolution: zero-pad G on each side with k1-1 = {k1 - 1} "
        f"row{'s' * (k1 != 2)} and k2-1 = {k2 - 1} column{'s' * (k2 != 2)} first, equation "
        f"(eq-di-rot), so that ∂L/∂I has the image's shape (H, W) = {right}."
    )
    if shape == (Hp - k1 + 1, Wp - k2 + 1):
        return "no_zero_padding", (
            f"Your ∂L/∂I has shape {shape}, that of a 'valid' operation on G: G was not "
            "zero-padded. " + pad_words
        )
    if shape == (Hp, Wp):
        return "no_zero_padding", (
            f"Your ∂L/∂I has the shape of G, {shape}, as with mode='same': G was not "
            "padded enough. " + pad_words
        )
    return None


_GRAD_INPUT = _Exercise(
    name="check_grad_input",
    quantity="∂L/∂I",
    call="fn(I, w, G)",
    args=("I", "w", "G"),
    scalar=False,
    expected=lambda c: layer.conv2d_backward(c.I, c.w, c.G).dI,
    variants=_grad_input_variants,
    shape_rule=lambda c: f"the image's shape (H, W) = {c.I.shape}",
    bounds="The pixel index runs over i' = 0..H-1 and j' = 0..W-1, that is range(H) and range(W).",
    border_hint="Near the border a pixel I(i', j') affects fewer outputs (equation "
    "(eq-region): the region [i'-k1+1 : i', j'-k2+1 : j'] is clipped to Ŷ): the outputs "
    "outside Ŷ do not exist, so count them as 0 (zero-pad G).",
    constant_hint=" The bias b does not enter ∂L/∂I, equation (eq-di).",
    shape_hint=_grad_input_shape_hint,
)
