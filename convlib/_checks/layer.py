"""Input rules of the general layer: channels, a batch, stride, padding, dilation, groups.

``conv2d_forward``, ``conv2d_backward``, ``Conv2D`` and the explicit loops of
``convlib.reference`` all apply them. Same wording as the shared rules of ``convlib._checks``.
"""

from __future__ import annotations

import numpy as np

from .._types import LayerGeometry
from . import (
    _is_int,
    as_int,
    as_real_2d,
    as_real_array,
    as_real_nd,
    as_real_scalar,
    as_shape,
    check_choice,
)

PADDINGS = ("valid", "same")
"""The legal padding words; a padding can also be an int >= 0 or a pair of them."""

# The axes of each array of the layer, in its 2-D and its 4-D form, for messages.
_AXES = {
    "image I": ("(H, W)", "(N, C_in, H, W)"),
    "kernel w": ("(k1, k2)", "(C_out, C_in // groups, k1, k2)"),
    "upstream gradient G": ("(H', W')", "(N, C_out, H', W')"),
}


def _pair_of_ints(value: object) -> tuple[object, object] | None:
    """``(v, v)`` for an int ``v``, ``(a, b)`` for a tuple or list of two ints, else None."""
    if _is_int(value):
        return value, value
    if isinstance(value, tuple | list) and len(value) == 2 and all(map(_is_int, value)):
        return value[0], value[1]
    return None


def as_pair(value: object, name: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``value`` (an int, or a pair of ints, each >= ``minimum``) as a pair of ints.

    Examples
    --------
    >>> as_pair(2, "stride"), as_pair((1, 3), "dilation")
    ((2, 2), (1, 3))
    >>> as_pair(0, "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be an int >= 1 or a pair of them, got 0
    """
    rule = f"an int >= {minimum} or a pair of them"
    pair = _pair_of_ints(value)
    if pair is None:
        sequence = isinstance(value, tuple | list)
        raise (ValueError if sequence else TypeError)(f"{name} must be {rule}, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return int(pair[0]), int(pair[1])


def as_kernel_shape(shape: object, name: str) -> tuple[int, ...]:
    """Return a kernel's shape, ``(k1, k2)`` or ``(C_out, C_in // groups, k1, k2)``, ints >= 1.

    A pair gets the messages of :func:`as_shape`.
    """
    if isinstance(shape, tuple | list) and len(shape) == 4:
        rule = "(k1, k2) or (C_out, C_in // groups, k1, k2) of positive ints"
        if not all(map(_is_int, shape)):
            raise TypeError(f"{name} must be {rule}, got {shape!r}")
        if min(shape) < 1:
            raise ValueError(f"{name} must be {rule}, got {shape!r}")
        return tuple(int(d) for d in shape)
    return as_shape(shape, name)


def is_notes_setting(stride: object, padding: object, dilation: object, groups: object) -> bool:
    """Whether the settings are the notes' own: stride 1, no padding, dilation 1, one group."""
    if type(stride) is type(padding) is type(dilation) is type(groups) is int:  # the usual case
        return stride == dilation == groups == 1 and padding == 0
    ones, zeros = _pair_of_ints(stride), _pair_of_ints(padding)
    return (
        ones == (1, 1)
        and _pair_of_ints(dilation) == (1, 1)
        and _is_int(groups)
        and groups == 1
        and (zeros == (0, 0) or (isinstance(padding, str) and padding == "valid"))
    )


def layer_ndim(*named: tuple[str, object]) -> tuple[int | None, str | None]:
    """Return the layer's number of axes, 2 or 4, and the first argument that has one.

    So that a message about one argument can say what the others ask of it: with a 2-D kernel
    the image must be 2-D, with a 4-D image the kernel must be 4-D. ``(None, None)`` when no
    argument is 2-D or 4-D. ``named`` holds ``(name, array)`` pairs, in order of precedence.

    Examples
    --------
    >>> layer_ndim(("image I", [[1.0]]), ("kernel w", [[[[1.0]]]]))
    (2, 'image I')
    """
    for name, x in named:
        try:
            ndim = np.ndim(x)
        except (ValueError, TypeError):  # ragged nested lists
            continue
        if ndim in (2, 4):
            return ndim, name
    return None, None


def as_real_layer_array(x: object, name: str, ndim: int | None, like: str | None) -> np.ndarray:
    """Return ``x`` as a non-empty real array with ``ndim`` axes (2 or 4; None: either).

    The rules and messages of :func:`as_real_nd`; the message says which axes were expected and,
    when another argument ``like`` fixed their number, which one.

    Examples
    --------
    >>> as_real_layer_array([[1, 2]], "kernel w", 4, "image I")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: kernel w must be a 4-D array (C_out, C_in // groups, k1, k2) like image I, got ...
    """
    if ndim == 2:
        return as_real_2d(x, name)
    two, four = _AXES[name]
    if ndim is None:
        return as_real_nd(x, name, (2, 4), {2: two, 4: four})
    return as_real_nd(x, name, 4, four + (f" like {like}" if like and like != name else ""))


def _as_padding(padding: object) -> tuple[int, int] | str:
    """Return the padding as ``"valid"``, ``"same"`` or a pair of ints >= 0."""
    if isinstance(padding, str):
        return check_choice(padding, "padding", PADDINGS)
    rule = "an int >= 0, a pair of them, 'valid' or 'same'"
    pair = _pair_of_ints(padding)
    if pair is None:
        error = ValueError if isinstance(padding, tuple | list) else TypeError
        raise error(f"padding must be {rule}; got {padding!r}")
    if min(pair) < 0:
        raise ValueError(f"padding must be {rule}; got {padding!r}")
    return int(pair[0]), int(pair[1])


def layer_settings(*, stride, padding, dilation, groups):
    """Check the layer's settings alone: ``(groups, (s1, s2), (d1, d2), padding)``.

    ``padding`` comes back as ``"valid"``, ``"same"`` or a pair of ints.
    """
    groups = as_int(groups, "groups", minimum=1)
    strides = as_pair(stride, "stride")
    dilations = as_pair(dilation, "dilation")
    pads = _as_padding(padding)
    if pads == "same" and strides != (1, 1):
        raise ValueError(
            f"padding='same' needs stride 1 (as in torch), got stride={stride!r}: with a larger "
            "stride no padding keeps the output the size of the input"
        )
    return groups, strides, dilations, pads


def total_padding(pads) -> tuple[int | None, int | None]:
    """Zero rows and columns added in all, per axis, from :func:`layer_settings`' padding.

    None for ``"same"``, whose padding depends on the kernel.
    """
    if pads == "same":
        return None, None
    p1, p2 = (0, 0) if pads == "valid" else pads
    return 2 * p1, 2 * p2


def layer_geometry(
    image_shape, kernel_shape, *, stride, padding, dilation, groups, kernel="kernel w"
) -> LayerGeometry:
    r"""Check the settings of a layer against its shapes and return its sizes.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(N, C_in, H, W)``, as the caller passed ``I``.
    kernel_shape : tuple of int
        ``(k1, k2)`` or ``(C_out, C_in // groups, k1, k2)``, the same number of axes.
    stride, padding, dilation, groups
        As in :func:`convlib.conv2d_forward`.
    kernel : str
        How messages call the kernel (``"kernel_shape"`` when only its shape was given).

    Returns
    -------
    LayerGeometry

    Raises
    ------
    TypeError, ValueError
        With the argument's name, what was expected and what came.

    Notes
    -----
    Per axis, with total padding :math:`p` (``"same"``: :math:`d(k - 1)`, the extra row or
    column at the end when it is odd, as in torch), the output has
    :math:`\lfloor (H + p - d(k - 1) - 1) / s \rfloor + 1` rows.

    Examples
    --------
    >>> g = layer_geometry((2, 4, 9, 9), (8, 2, 3, 3), stride=2, padding=1, dilation=1, groups=2)
    >>> g.output_shape
    (2, 8, 5, 5)
    >>> layer_geometry((2, 4, 9, 9), (8, 4, 3, 3), stride=1, padding=0, dilation=1, groups=3)
    Traceback (most recent call last):
    ...
    ValueError: groups=3 must divide C_in=4, the image I's channels
    """
    groups, (s1, s2), (d1, d2), pads = layer_settings(
        stride=stride, padding=padding, dilation=dilation, groups=groups
    )
    if len(image_shape) == 2:
        (N, C_in, H, W), (C_out, C_w, k1, k2) = (1, 1, *image_shape), (1, 1, *kernel_shape)
    else:
        (N, C_in, H, W), (C_out, C_w, k1, k2) = image_shape, kernel_shape
    if C_in % groups:
        raise ValueError(f"groups={groups} must divide C_in={C_in}, the image I's channels")
    if C_out % groups:
        raise ValueError(
            f"groups={groups} must divide C_out={C_out}, the number of filters ({kernel}'s first "
            "axis)"
        )
    if C_w != C_in // groups:
        raise ValueError(
            f"{kernel} must have C_in // groups = {C_in} // {groups} = {C_in // groups} input "
            f"channels (its second axis), got {C_w}: {kernel} has shape {tuple(kernel_shape)}, "
            f"image I has shape {tuple(image_shape)}"
        )
    if pads == "same":
        rows, cols = d1 * (k1 - 1), d2 * (k2 - 1)
        top, left = rows // 2, cols // 2  # an odd total puts the extra one at the end
        padded = (top, rows - top, left, cols - left)
    else:
        p1, p2 = (0, 0) if pads == "valid" else pads
        padded = (p1, p1, p2, p2)
    span = (d1 * (k1 - 1) + 1, d2 * (k2 - 1) + 1)
    room = (H + padded[0] + padded[1], W + padded[2] + padded[3])
    if span[0] > room[0] or span[1] > room[1]:
        raise ValueError(
            f"{kernel} of shape {tuple(kernel_shape)} with dilation {(d1, d2)} spans {span} "
            f"pixels but image I of shape {tuple(image_shape)} padded by {padding!r} is only "
            f"{room}: the dilated kernel must fit inside the padded image"
        )
    H_out = (room[0] - span[0]) // s1 + 1
    W_out = (room[1] - span[1]) // s2 + 1
    return LayerGeometry(
        N, C_in, H, W, C_out, groups, k1, k2, (s1, s2), (d1, d2), padded, H_out, W_out
    )


def output_shape_of(geometry: LayerGeometry, ndim: int) -> tuple[int, ...]:
    """Return the output's shape as the caller sees it: ``(H', W')`` or 4-D."""
    return geometry.output_shape[4 - ndim :]


def check_layer_gradient(G: np.ndarray, geometry: LayerGeometry, ndim: int) -> None:
    """Raise ``ValueError`` unless ``G = dL/dY_hat`` has the shape of the layer's output."""
    expected = output_shape_of(geometry, ndim)
    if G.shape != expected:
        axes = "(H', W')" if ndim == 2 else "(N, C_out, H', W')"
        raise ValueError(
            f"upstream gradient G has shape {G.shape} but the output Y_hat has shape {expected} "
            f"= {axes}: G = dL/dY_hat must have the shape of Y_hat"
        )


def as_layer_bias(b: object, geometry: LayerGeometry, ndim: int, dtype) -> np.ndarray:
    """Return the bias as ``(C_out,)`` in ``dtype``: one real number (2-D layer) or one per filter.

    A 4-D layer also takes one real number, the same bias for every filter.
    """
    if ndim == 2:
        return np.full(1, as_real_scalar(b, "bias b"), dtype=dtype)
    if np.ndim(b) == 0:
        return np.full(geometry.C_out, as_real_scalar(b, "bias b"), dtype=dtype)
    a = as_real_array(b, "bias b")
    if a.shape != (geometry.C_out,):
        raise ValueError(
            f"bias b must have shape ({geometry.C_out},), one number per filter "
            f"(C_out={geometry.C_out}), or be one number; got shape {a.shape}"
        )
    return a.astype(dtype)


def kernel_size_from(size: int, out: int, s: int, d: int, pad: int | None, axis: str) -> int:
    """Return the kernel's size along one axis, from the image's ``size`` and the output's.

    ``pad`` is the axis's total padding (None for ``"same"``). With stride 1 and a numeric
    padding, :math:`H' = H + p - d (k - 1)` fixes :math:`k`; otherwise ``kernel_shape`` must.
    """
    if s > 1 or pad is None:
        why = f"stride {s}" if s > 1 else "padding='same'"
        raise ValueError(
            f"kernel_shape is needed: with {why} the output's {out} {axis} do not fix the "
            f"kernel's {axis}; pass kernel_shape=(k1, k2)"
        )
    span, remainder = divmod(size + pad - out, d)  # d (k - 1) = H + p - H'
    if remainder or span < 0:
        raise ValueError(
            f"upstream gradient G has {out} {axis} but image I has {size} padded by {pad}: no "
            f"kernel with dilation {d} gives that output (H' = H + p - d (k - 1))"
        )
    return span + 1


def input_size_from(out: int, k: int, s: int, d: int, pad: int | None, axis: str) -> int:
    """Return the image's size along one axis, from the output's ``out`` and the kernel's ``k``.

    With stride 1, :math:`H = H' - p + d (k - 1)` (:math:`H = H'` for ``"same"``); with a larger
    stride several sizes give the same output, so ``input_shape`` must say which.
    """
    if s > 1:
        low = s * (out - 1) + d * (k - 1) + 1 - pad
        sizes = [n for n in range(low, low + s) if n >= 1]
        raise ValueError(
            f"input_shape is needed: with stride {s}, images of {sizes[0]} to {sizes[-1]} "
            f"{axis} all give an output of {out} {axis}; pass input_shape=(H, W)"
        )
    size = out if pad is None else out - pad + d * (k - 1)
    if size < 1:
        raise ValueError(
            f"upstream gradient G has {out} {axis}, which a kernel of {k} {axis} with dilation "
            f"{d} and padding {pad} cannot give: check G's shape"
        )
    return size
