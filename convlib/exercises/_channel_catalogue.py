r"""Chapter 6's exercises: the fixed batch cases, the right answers and the known-wrong variants.

The counterpart of ``_cases`` and ``catalogue`` for :mod:`convlib.exercises.channels`: each
variant is a mistake identifier (a key of :data:`CHANNEL_MISTAKES` or of
:data:`~convlib.exercises.catalogue.MISTAKES`), a function computing the wrong answer on a case,
and the sentence that names it, citing equations as ``(eq-label)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import layer
from ._cases import SEED

__all__ = ["CHANNEL_MISTAKES"]

CHANNEL_MISTAKES: dict[str, str] = {
    "wrong_channel_axis": "summed over the wrong channel axis",
    "no_batch_sum": "the batch sum forgotten",
    "db_per_sample": "a bias gradient per sample instead of summed",
    "batch_summed": "samples mixed: a sum over the batch where each sample keeps its own",
    "groups_ignored": "groups ignored",
    "groups_interleaved": "the groups' channels interleaved",
}
"""The mistakes only a layer with channels, a batch or groups can make, with their short names."""


# ---------------------------------------------------------------------------------------------
# The fixed cases
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _BatchCase:
    label: str
    I: np.ndarray  # (N, C_in, H, W)
    w: np.ndarray  # (C_out, C_in // groups, k1, k2)
    G: np.ndarray  # (N, C_out, H', W')
    groups: int = 1

    @property
    def sizes(self) -> str:
        N, C_in, H, W = self.I.shape
        C_out, _, k1, k2 = self.w.shape
        groups = f", groups={self.groups}" if self.groups > 1 else ""
        return f"N={N}, C_in={C_in}, C_out={C_out}, {H}×{W} images, {k1}×{k2} kernels{groups}"


# (label, N, C_in, C_out, (H, W), (k1, k2), groups, values)
_SPECS = [
    ("random integers", 2, 3, 4, (5, 6), (2, 3), 1, "ints"),
    ("as many filters as channels (C_in = C_out)", 3, 2, 2, (4, 4), (2, 2), 1, "ints"),
    ("one sample (N = 1)", 1, 2, 3, (4, 5), (2, 2), 1, "ints"),
    ("one input channel (C_in = 1)", 2, 1, 3, (4, 4), (2, 2), 1, "ints"),
    ("one filter (C_out = 1)", 2, 3, 1, (4, 5), (3, 2), 1, "ints"),
    ("the notes' layer: N = C_in = C_out = 1", 1, 1, 1, (5, 5), (3, 3), 1, "ints"),
    ("1×1 kernels", 2, 3, 2, (3, 4), (1, 1), 1, "ints"),
    ("kernels as large as the images (outputs 1×1)", 2, 2, 3, (3, 2), (3, 2), 1, "ints"),
    ("random real values", 2, 2, 3, (6, 7), (3, 3), 1, "normal"),
]
_GROUP_SPECS = [
    ("two groups", 2, 4, 6, (5, 5), (2, 2), 2, "ints"),
    ("no groups (groups = 1)", 2, 3, 2, (4, 5), (2, 3), 1, "ints"),
    ("two groups, C_in = C_out", 2, 4, 4, (4, 4), (2, 2), 2, "ints"),
    ("depthwise: groups = C_in = C_out", 2, 3, 3, (4, 5), (2, 2), 3, "ints"),
    ("depthwise, two filters per channel", 1, 3, 6, (4, 4), (3, 2), 3, "ints"),
    ("three groups, one sample", 1, 6, 3, (4, 4), (2, 2), 3, "ints"),
    ("two groups, random real values", 2, 4, 6, (6, 5), (3, 3), 2, "normal"),
]


def _make(specs) -> list[_BatchCase]:
    rng = np.random.default_rng(SEED + 6)
    values = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    cases = []
    for label, N, C_in, C_out, (H, W), (k1, k2), groups, kind in specs:
        shapes = [
            (N, C_in, H, W),
            (C_out, C_in // groups, k1, k2),
            (N, C_out, H - k1 + 1, W - k2 + 1),
        ]
        if kind == "normal":
            I, w, G = (rng.normal(size=s) for s in shapes)
        else:
            I, w, G = (rng.choice(values, size=s) for s in shapes)
        cases.append(_BatchCase(label, I, w, G, groups))
    return cases


def _cases(grouped: bool) -> list[_BatchCase]:
    """Return the fixed cases: batches without groups, or (``grouped``) with groups too."""
    return _make(_GROUP_SPECS if grouped else _SPECS)


# ---------------------------------------------------------------------------------------------
# The right answers and the known-wrong variants
# ---------------------------------------------------------------------------------------------

_Variant = tuple[str, Callable[[], Any], str]


def _backward(I, w, G, groups=1):
    return layer.conv2d_backward(I, w, G, groups=groups)


def _rot(w: np.ndarray) -> np.ndarray:
    """Every kernel of ``w`` rotated by 180°."""
    return w[..., ::-1, ::-1].copy()


def _dw_per_sample(c: _BatchCase) -> np.ndarray:
    """``G[ν, o] ⊗ I[ν, c]`` for each sample alone: shape (N, C_out, C_in, k1, k2)."""
    return np.stack(
        [_backward(c.I[nu : nu + 1], c.w, c.G[nu : nu + 1]).dw for nu in range(len(c.I))]
    )


def _grad_w_variants(c: _BatchCase) -> Iterator[_Variant]:
    I, w, G = c.I, c.w, c.G
    N = len(I)
    dw = _backward(I, w, G).dw
    per_sample = _dw_per_sample(c)
    swapped = dw.transpose(1, 0, 2, 3).shape
    batch = (
        "One weight w[o, c, m, n] is shared by every sample, so it touches the outputs of every "
        "sample and its gradient sums over the batch: dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c], "
        "equation (eq-dw-batch)."
    )
    yield (
        "no_batch_sum",
        lambda: per_sample,
        f"Your dw keeps the batch axis: shape (N, C_out, C_in, k1, k2) = {per_sample.shape}, one "
        f"gradient per sample. {batch} Sum over ν: dw has w's shape {w.shape}.",
    )
    yield (
        "no_batch_sum",
        lambda: per_sample[0],
        f"Your dw is the gradient of the first sample alone (ν = 0): the sum over the batch is "
        f"missing. {batch}",
    )
    yield (
        "no_batch_sum",
        lambda: per_sample[-1],
        f"Your dw is the gradient of the last sample alone (ν = {N - 1}): in a loop over the "
        f"samples, dw[o, c] = ... overwrites what the earlier samples gave; add with +=. {batch}",
    )
    yield (
        "mean_not_sum",
        lambda: dw / N,
        f"Your dw is the right one divided by N = {N}: a mean over the batch where (eq-dw-batch) "
        "has a sum. If the loss averages over the batch, that 1/N is already inside G.",
    )
    yield (
        "wrong_channel_axis",
        lambda: dw.transpose(1, 0, 2, 3),
        f"Your dw is indexed [c, o, m, n]: input channels first, shape {swapped}. A "
        f"kernel w is [C_out, C_in, k1, k2], filters first, and dw has its shape {w.shape}: "
        "dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c], equation (eq-dw-batch).",
    )
    yield (
        "wrong_channel_axis",
        lambda: np.broadcast_to(dw.sum(axis=1, keepdims=True), dw.shape),
        "Every kernel w[o, c] of a filter got the same gradient, summed over the input "
        "channels: you summed over c. The weight w[o, c, m, n] multiplies only channel c of the "
        "input, so dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c] has one term per sample and none from the "
        "other channels, equation (eq-dw-batch).",
    )
    yield (
        "wrong_channel_axis",
        lambda: np.broadcast_to(dw.sum(axis=0, keepdims=True), dw.shape),
        "Every filter got the same gradient, summed over the output channels o: you summed over "
        "the filters. The weight w[o, c, m, n] touches only output channel o, so only G[ν, o] "
        "enters dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c], equation (eq-dw-batch).",
    )
    yield (
        "wrong_channel_axis",
        lambda: dw.sum(axis=1),
        f"Your dw has shape {dw.sum(axis=1).shape}: you summed over the input channels c. Each "
        f"kernel w[o, c] has its own gradient, dw has w's shape {w.shape}, equation "
        "(eq-dw-batch).",
    )
    yield (
        "roles_swapped",
        lambda: _rot(dw),
        "Every kernel of your dw is the right one rotated by 180°: the roles of G and I are "
        "swapped (I[ν, c] ⊗ G[ν, o] instead of G[ν, o] ⊗ I[ν, c]). G slides over I like a "
        "kernel, equation (eq-dw-batch).",
    )


def _grad_w_shape_hint(c: _BatchCase, shape: tuple[int, ...]) -> tuple[str, str] | None:
    N, C_in = c.I.shape[:2]
    C_out, _, k1, k2 = c.w.shape
    if shape in {(C_out, k1, k2), (C_in, k1, k2)} and C_out != C_in:
        summed = "input channels c" if shape[0] == C_out else "filters o"
        return "wrong_channel_axis", (
            f"Your dw has shape {shape}: you summed over the {summed}. Each kernel w[o, c] has "
            f"its own gradient, and dw has w's shape {c.w.shape}, equation (eq-dw-batch)."
        )
    if len(shape) == 5 and shape[0] == N:
        return "no_batch_sum", (
            f"Your dw has shape {shape}, one gradient per sample: sum over the batch, "
            f"dw[o, c] = Σ_ν G[ν, o] ⊗ I[ν, c], equation (eq-dw-batch), of w's shape {c.w.shape}."
        )
    return None


def _grad_b_variants(c: _BatchCase) -> Iterator[_Variant]:
    G = c.G
    N = len(G)
    rule = "db[o] = Σ_ν Σ_i Σ_j G[ν, o, i, j], equation (eq-db-batch)"
    yield (
        "db_per_sample",
        lambda: G.sum(axis=(2, 3)),
        f"Your db has shape (N, C_out) = {G.shape[:2]}: one bias gradient per sample. The "
        f"bias b[o] is one parameter shared by every sample, so its gradient sums over the "
        f"batch too: {rule}, e.g. G.sum(axis=(0, 2, 3)).",
    )
    yield (
        "db_per_sample",
        lambda: G[0].sum(axis=(1, 2)),
        f"Your db is the first sample's alone (ν = 0). The bias b[o] is shared by every "
        f"sample, so its gradient sums over the batch: {rule}.",
    )
    yield (
        "db_per_sample",
        lambda: G[-1].sum(axis=(1, 2)),
        f"Your db is the last sample's alone (ν = {N - 1}): in a loop over the samples, "
        f"db[o] = ... overwrites the earlier ones; add with +=. {rule}.",
    )
    yield (
        "wrong_channel_axis",
        lambda: G.sum(axis=(1, 2, 3)),
        f"Your db has one entry per sample, shape {(N,)}: you summed over the output channels "
        f"o and kept the samples ν. There is one bias per filter, so keep o and sum the rest: "
        f"{rule}, e.g. G.sum(axis=(0, 2, 3)).",
    )
    yield (
        "wrong_channel_axis",
        lambda: G.sum(),
        f"You returned one number, the sum over every axis of G, channels included. There is "
        f"one bias b[o] per filter, so db has shape (C_out,) = {G.shape[1:2]}: {rule}, e.g. "
        "G.sum(axis=(0, 2, 3)).",
    )
    yield (
        "wrong_channel_axis",
        lambda: G.sum(axis=(0, 1)),
        f"Your db has the shape of an output channel, {G.shape[2:]}: you summed over the "
        f"samples and the channels, and kept the positions (i, j). Each bias b[o] is added at "
        f"every position of channel o: {rule}, e.g. G.sum(axis=(0, 2, 3)).",
    )
    yield (
        "mean_not_sum",
        lambda: G.mean(axis=(0, 2, 3)),
        f"Your db is the mean of G over the batch and the positions, where (eq-db-batch) has a "
        f"sum: {rule}.",
    )
    yield (
        "mean_not_sum",
        lambda: G.sum(axis=(0, 2, 3)) / N,
        f"Your db is the right one divided by N = {N}: a mean over the batch where "
        "(eq-db-batch) has a sum. If the loss averages over the batch, that 1/N is already "
        "inside G.",
    )


def _grad_input_variants(c: _BatchCase) -> Iterator[_Variant]:
    I, w, G, groups = c.I, c.w, c.G, c.groups
    dI = _backward(I, w, G, groups).dI
    rule = "dI[ν, c] = Σ_o w[o, c] * G[ν, o], equation (eq-di-batch)"
    yield (
        "batch_summed",
        lambda: np.broadcast_to(dI.sum(axis=0, keepdims=True), dI.shape),
        f"Every sample of your dI is the same: the sum over the batch. A pixel I[ν, c, i′, j′] "
        f"touches the outputs of its own sample ν only, so the samples stay apart: {rule}; the "
        "sum is over the filters o, not over ν.",
    )
    yield (
        "wrong_channel_axis",
        lambda: _backward(I, np.broadcast_to(w.sum(axis=1, keepdims=True), w.shape), G, groups).dI,
        "Every input channel of your dI is the same: you summed the kernels w[o, c] over the "
        f"input channels c. Channel c of the input meets only the kernels w[o, c]: {rule}.",
    )
    if groups == 1:
        yield (
            "wrong_channel_axis",
            lambda: _backward(I, w.transpose(1, 0, 2, 3), G).dI,
            "Your dI reads the kernels as w[c, o]: the channel axes of w are swapped. w is "
            f"[C_out, C_in, k1, k2], filters first: {rule}.",
        )
    yield (
        "kernel_not_rotated",
        lambda: _backward(I, _rot(w), G, groups).dI,
        "Your dI is a cross-correlation of the zero-padded G[ν, o] with w[o, c] as it is: the "
        f"kernels were not rotated. Each term is a full convolution, {rule}; written as a "
        "cross-correlation it needs every kernel rotated by 180° (rot180(w[o, c]), the notes' "
        "Q → Q*).",
    )


def _grad_input_shape_hint(c: _BatchCase, shape: tuple[int, ...]) -> tuple[str, str] | None:
    N, C_in, H, W = c.I.shape
    C_out, Cg, k1, k2 = c.w.shape
    Hp, Wp = c.G.shape[2:]
    if len(shape) == 4 and shape[2:] in {(Hp - k1 + 1, Wp - k2 + 1), (Hp, Wp)}:
        return "no_zero_padding", (
            f"Your dI has images of {shape[2]}×{shape[3]}, those of a 'valid' or 'same' "
            f"operation on G: G was not zero-padded. Each w[o, c] * G[ν, o] is a full "
            f"convolution (mode='full'), of the image's size {H}×{W}, equation (eq-di-batch)."
        )
    if c.groups > 1 and shape == (N, Cg, H, W):
        return "groups_ignored", (
            f"Your dI has {Cg} channels, C_in // groups, as if every filter read the first "
            f"group's channels: the groups were ignored. The input has C_in = {C_in} channels "
            f"in {c.groups} groups of {Cg}; a pixel of group γ gets its gradient from that "
            "group's filters only, equation (eq-groups-back)."
        )
    if shape == (N, C_out, H, W) and C_out != C_in:
        return "wrong_channel_axis", (
            f"Your dI has C_out = {C_out} channels, one per filter: the sum ran over the wrong "
            f"channel axis. dI has the input's shape {c.I.shape}: for each input channel c, "
            "sum over the filters o, equation (eq-di-batch)."
        )
    return None


def _groups_variants(c: _BatchCase) -> Iterator[_Variant]:
    I, w, G, groups = c.I, c.w, c.G, c.groups
    C_in = I.shape[1]
    C_out, Cg = w.shape[:2]
    Og = C_out // groups
    dI = _backward(I, w, G, groups).dI
    law = (
        f"Filter o sees only the {Cg} channels of its group, and a pixel of group γ, channel "
        f"γ·{Cg} + c, gets its gradient from that group's {Og} filters only, equation "
        "(eq-groups-back)."
    )
    yield (
        "groups_ignored",
        lambda: np.concatenate([_backward(I[:, :Cg], w, G).dI] * groups, axis=1),
        "Every group of your dI is the same: each sums over all the filters, as if groups=1. "
        + law,
    )
    first = dI.copy()
    first[:, Cg:] = 0.0
    yield (
        "groups_ignored",
        lambda: first,
        f"Your dI is right for the first group's channels 0–{Cg - 1} and zero after them: the "
        f"other groups were left out. There are {groups} groups; each is a layer of its own "
        "with its channels and its filters. " + law,
    )
    order = np.arange(C_in).reshape(groups, Cg).T.ravel()  # group γ's c-th is c·groups + γ
    interleaved = np.empty_like(dI)
    interleaved[:, order] = dI
    yield (
        "groups_interleaved",
        lambda: interleaved,
        f"Your dI takes the channels of group γ as γ, γ + {groups}, γ + {2 * groups}, ... "
        f"(interleaved): the groups are contiguous blocks, group γ holds channels γ·{Cg} to "
        f"γ·{Cg} + {Cg - 1}, and filters γ·{Og} to γ·{Og} + {Og - 1}. " + law,
    )
    yield from _grad_input_variants(c)


# ---------------------------------------------------------------------------------------------
# The exercises
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BatchExercise:
    name: str
    quantity: str
    call: str
    grouped: bool
    expected: Callable[[_BatchCase], np.ndarray]
    variants: Callable[[_BatchCase], Iterator[_Variant]]
    shape_rule: Callable[[_BatchCase], str]
    shape_hint: Callable[[_BatchCase, tuple[int, ...]], tuple[str, str] | None] | None = None
    constant_hint: str = ""


_GRAD_W = _BatchExercise(
    name="check_grad_w_batch",
    quantity="∂L/∂w",
    call="fn(I, w, G)",
    grouped=False,
    expected=lambda c: _backward(c.I, c.w, c.G).dw,
    variants=_grad_w_variants,
    shape_rule=lambda c: f"w's shape (C_out, C_in, k1, k2) = {c.w.shape}",
    shape_hint=_grad_w_shape_hint,
    constant_hint=" The bias b does not enter ∂L/∂w, equation (eq-dw-batch).",
)
_GRAD_B = _BatchExercise(
    name="check_grad_b_batch",
    quantity="∂L/∂b",
    call="fn(I, w, G)",
    grouped=False,
    expected=lambda c: _backward(c.I, c.w, c.G).db,
    variants=_grad_b_variants,
    shape_rule=lambda c: f"b's shape (C_out,) = {c.w.shape[:1]}, one number per filter",
)
_GRAD_INPUT = _BatchExercise(
    name="check_grad_input_batch",
    quantity="∂L/∂I",
    call="fn(I, w, G)",
    grouped=False,
    expected=lambda c: _backward(c.I, c.w, c.G).dI,
    variants=_grad_input_variants,
    shape_rule=lambda c: f"the input's shape (N, C_in, H, W) = {c.I.shape}",
    shape_hint=_grad_input_shape_hint,
    constant_hint=" The bias b does not enter ∂L/∂I, equation (eq-di-batch).",
)
_GROUPS = _BatchExercise(
    name="check_grad_input_groups",
    quantity="∂L/∂I",
    call="fn(I, w, G, groups)",
    grouped=True,
    expected=lambda c: _backward(c.I, c.w, c.G, c.groups).dI,
    variants=_groups_variants,
    shape_rule=lambda c: f"the input's shape (N, C_in, H, W) = {c.I.shape}",
    shape_hint=_grad_input_shape_hint,
    constant_hint=" The bias b does not enter ∂L/∂I, equation (eq-groups-back).",
)
