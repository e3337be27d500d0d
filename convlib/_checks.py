"""Input validation shared by every convlib function.

The rules (one place, so that every function applies the same ones):

- ``I``, ``w``, ``G`` are 2-D (4-D for a layer with channels and a batch), non-empty and real.
  Anything numpy can turn into such an array is accepted (lists of lists too). bool and integer
  arrays are computed in float64, float32 stays float32, and every other real dtype (float64,
  float16, longdouble) is computed in float64.
- Complex, object, string, bytes, datetime ... arrays raise ``TypeError``; a wrong number of
  dimensions, an empty array, a kernel that does not fit or a gradient of the wrong shape raise
  ``ValueError``. Every message names the argument, says what was expected and what came.
- Nothing here writes into its argument: the arrays returned are the inputs themselves or new
  copies, and convlib never writes into them.

This module imports numpy (and the shared types) only: ``convlib.reference`` uses it too and
must stay independent of the fast paths.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._types import LayerGeometry

__all__ = [
    "PADDINGS",
    "as_index",
    "as_int",
    "as_kernel_shape",
    "as_labels",
    "as_layer_bias",
    "as_nonnegative",
    "as_pair",
    "as_real_2d",
    "as_real_array",
    "as_real_layer_array",
    "as_real_nd",
    "as_real_scalar",
    "as_shape",
    "check_choice",
    "check_fits",
    "check_gradient_shape",
    "check_layer_gradient",
    "check_shape",
    "common_float",
    "input_size_from",
    "is_notes_setting",
    "kernel_size_from",
    "layer_geometry",
    "layer_ndim",
    "layer_settings",
    "output_shape_of",
    "total_padding",
]


def _describe(value: object) -> str:
    """Say what came, in words, for an error message."""
    if isinstance(value, np.ndarray):
        return f"a {value.ndim}-D {value.dtype} array of shape {value.shape}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_real_2d(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a 2-D, non-empty, real float32 or float64 array.

    Parameters
    ----------
    x : array_like
        The argument as the user passed it.
    name : str
        How to call it in error messages, for example ``"image I"``.

    Returns
    -------
    ndarray
        ``x`` itself when it already is a float32/float64 array, otherwise a float64
        (or float32) copy.

    Raises
    ------
    TypeError
        If ``x`` is not real numbers (complex, object, str, ...).
    ValueError
        If ``x`` is ragged, not 2-D, or empty.
    """
    return as_real_nd(x, name, 2)


def as_real_nd(
    x: object,
    name: str,
    ndim: int | tuple[int, ...] | None = None,
    axes: str = "",
    *,
    min_ndim: int = 0,
) -> np.ndarray:
    """Return ``x`` as a non-empty real float32 or float64 array of ``ndim`` dimensions.

    The dtype rule of :func:`as_real_2d`, for any number of dimensions: ``ndim`` is one int, a
    tuple of the legal ones, or None for at least ``min_ndim``; ``axes`` names the axes in the
    message, for example ``"(N, C, H, W)"``. ``x`` itself is returned when it already is a
    float32/float64 array.

    Examples
    --------
    >>> as_real_nd([[1, 2]], "input x of MaxPool2D", (3, 4), "(C, H, W) or (N, C, H, W)")
    Traceback (most recent call last):
    ...
    ValueError: input x of MaxPool2D must be a 3-D or 4-D array (C, H, W) or (N, C, H, W), \
got a 2-D array of shape (1, 2)
    """
    if ndim is None:
        legal = range(min_ndim, 65)
        what = f"an array of {min_ndim} or more dimensions" if min_ndim else "an array"
    else:
        legal = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        what = "a " + " or ".join(f"{d}-D" for d in legal) + " array"
    axes = f" {axes}" if axes else ""
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as error:  # ragged nested lists, for instance
        raise ValueError(
            f"{name} must be {what} of real numbers, got {_describe(x)} ({error})"
        ) from None
    kind = a.dtype.kind
    if kind in "biu":
        a = a.astype(np.float64)
    elif kind == "f":
        if a.dtype != np.float32 and a.dtype != np.float64:
            a = a.astype(np.float32 if a.dtype.itemsize == 4 else np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {a.dtype}")
    if a.ndim not in legal:
        raise ValueError(f"{name} must be {what}{axes}, got a {a.ndim}-D array of shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    return a


def as_labels(labels: object, n_samples: int, n_classes: int, name: str = "labels") -> np.ndarray:
    """Return class labels as a 1-D int array of ``n_samples`` entries in ``0 .. n_classes-1``.

    Integer arrays (and lists of ints) only: floats such as ``3.0`` and bools are refused
    (``TypeError``), as numpy refuses them as indices. A wrong length or a label out of range
    raises ``ValueError``, naming the first offending position.

    Examples
    --------
    >>> as_labels([0, 2, 3], 3, 3)
    Traceback (most recent call last):
    ...
    ValueError: labels must be class indices 0 <= label < 3 (one per column of the logits); \
got 3 at position 2
    """
    try:
        a = np.asarray(labels)
    except (ValueError, TypeError):  # ragged nested lists, for instance
        a = np.asarray(None)
    if a.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be integers, the class indices 0 .. {n_classes - 1}; "
            f"got {_describe(labels)}"
        )
    if a.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one label per row of the logits; "
            f"got shape {a.shape}"
        )
    bad = np.flatnonzero((a < 0) | (a >= n_classes))
    if bad.size:
        k = int(bad[0])
        raise ValueError(
            f"{name} must be class indices 0 <= label < {n_classes} (one per column of the "
            f"logits); got {a[k]} at position {k}"
        )
    return a.astype(np.intp)


def as_real_scalar(x: object, name: str) -> float:
    """Return ``x`` as a Python float, or raise if it is not one real number.

    bool, int, float, numpy real scalars and 0-d real arrays are accepted. A Python float keeps
    the dtype of the array it is added to (float32 stays float32).
    """
    if isinstance(x, numbers.Real) and not isinstance(x, np.ndarray):
        return float(x)
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real number, got {_describe(x)}")
    if a.ndim != 0:
        raise ValueError(f"{name} must be a scalar (one number), got an array of shape {a.shape}")
    return float(a)


def as_real_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` (any shape, a scalar too) as a new float64 array; refuse non-real values."""
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be an array of real numbers, got {_describe(x)} ({error})"
        ) from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {a.dtype}")
    return a.astype(np.float64)  # always a copy


def _is_int(value: object) -> bool:
    if type(value) is int:  # the common case, without the slower abstract checks
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def as_int(value: object, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int (bool and float refused), at least ``minimum`` if given.

    Raises ``TypeError`` for a value that is not an int and ``ValueError`` for one below
    ``minimum``; both messages read "``name`` must be an int >= ``minimum``, got ...".
    """
    rule = "an int" if minimum is None else f"an int >= {minimum}"
    if not _is_int(value):
        raise TypeError(f"{name} must be {rule}, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {rule}, got {value}")
    return int(value)


def as_index(value: object, size: int, name: str, what: str) -> int:
    """Return ``value`` as an index ``0 <= value < size`` of ``what`` (e.g. "a row of the image").

    Examples
    --------
    >>> as_index(3, 2, "ip", "a row of the image I")
    Traceback (most recent call last):
    ...
    ValueError: ip must be a row of the image I, 0 <= ip < 2; got 3
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be {what}, 0 <= {name} < {size}; got {value}")
    return int(value)


def as_nonnegative(value: object, name: str, strict: bool = False) -> float:
    """Return the real number ``value``, which must be ``> 0`` (``strict``) or ``>= 0``."""
    value = as_real_scalar(value, name)
    if not (value > 0 if strict else value >= 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0'}, got {value}")
    return value


def as_shape(shape: object, name: str) -> tuple[int, int]:
    """Return ``shape`` as a pair of positive Python ints, for example ``(H, W)``.

    A float such as ``3.0`` is refused (``TypeError``), as in numpy's own shapes.
    """
    try:
        rows, cols = shape  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of positive ints, got {shape!r}") from None
    for d in (rows, cols):
        if not _is_int(d):
            raise TypeError(f"{name} must be a pair of positive ints, got {shape!r}")
        if d < 1:
            raise ValueError(f"{name} must be a pair of positive ints, got {shape!r}")
    return int(rows), int(cols)


def check_shape(a: np.ndarray, expected: tuple[int, ...], name: str, why: str = "") -> None:
    """Raise ``ValueError`` unless ``a.shape == expected``; ``why`` explains the rule."""
    if a.shape != tuple(expected):
        reason = f": {why}" if why else ""
        raise ValueError(f"{name} must have shape {tuple(expected)}, got shape {a.shape}{reason}")


def check_fits(
    image_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    image: str = "image I",
    kernel: str = "kernel w",
) -> None:
    """Raise ``ValueError`` unless the kernel fits inside the image (valid padding)."""
    if kernel_shape[0] > image_shape[0] or kernel_shape[1] > image_shape[1]:
        k, i = kernel.split()[-1], image.split()[-1]
        raise ValueError(
            f"{kernel} has shape {tuple(kernel_shape)} but {image} has shape "
            f"{tuple(image_shape)}: {k} must fit inside {i} (valid padding)"
        )


def check_gradient_shape(G: np.ndarray, expected: tuple[int, int]) -> None:
    """Raise ``ValueError`` unless ``G = dL/dY_hat`` has the shape of ``Y_hat``."""
    if G.shape != tuple(expected):
        raise ValueError(
            f"upstream gradient G has shape {G.shape} but the output Y_hat has shape "
            f"{tuple(expected)} = (H-k1+1, W-k2+1): G = dL/dY_hat must have the shape of Y_hat"
        )


# ---------------------------------------------------------------------------------------------
# Rules of the general layer (conv2d_forward, conv2d_backward, Conv2D with channels, a batch,
# stride, padding, dilation, groups). The layer and the explicit loops both apply them.
# ---------------------------------------------------------------------------------------------

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

    The rules and messages of :func:`as_real_2d`; the message says which axes were expected and,
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
        want = f"a 2-D array {two} or a 4-D array {four}"
    else:
        want = f"a 4-D array {four}" + (f" like {like}" if like and like != name else "")
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be {want} of real numbers, got {_describe(x)} ({error})"
        ) from None
    kind = a.dtype.kind
    if kind in "biu":
        a = a.astype(np.float64)
    elif kind == "f":
        if a.dtype != np.float32 and a.dtype != np.float64:
            a = a.astype(np.float32 if a.dtype.itemsize == 4 else np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {a.dtype}")
    if a.ndim != 4:
        raise ValueError(f"{name} must be {want}, got a {a.ndim}-D array of shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    return a


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


def check_choice(value: object, name: str, legal: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``legal``, else raise ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in legal:
        options = ", ".join(repr(option) for option in legal)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def common_float(*arrays: np.ndarray) -> list[np.ndarray]:
    """Cast float32/float64 arrays to their common dtype: float64 if any is float64."""
    dtype = np.result_type(*arrays)
    return [a if a.dtype == dtype else a.astype(dtype) for a in arrays]


# --------------------------------------------------------------------------------------------
# Rules for the figures (convlib.figures): a shape or the array it describes, matrices of
# symbols, lists of kernels. Same wording as the rules above (indices: as_index).
# --------------------------------------------------------------------------------------------


def as_shape_or_array(
    shape: object, values: object, shape_name: str, values_name: str
) -> tuple[tuple[int, int], np.ndarray | None]:
    """Return ``(shape, values)`` from a shape, a 2-D real array, or both when they agree.

    ``values`` comes back as a new float64 array (or None); a shape given beside it must be
    the array's shape.
    """
    if values is None:
        if shape is None:
            raise ValueError(f"give {shape_name} or {values_name}; both are None")
        return as_shape(shape, shape_name), None
    array = as_real_2d(values, values_name).astype(np.float64)
    if shape is not None and as_shape(shape, shape_name) != array.shape:
        raise ValueError(
            f"{values_name} has shape {array.shape} but {shape_name} is {tuple(shape)}: "
            "give one of them, or both alike"
        )
    return array.shape, array


def as_symbols(x: object, name: str) -> tuple[np.ndarray, bool]:
    """Return a non-empty 2-D matrix of symbols (str) or real numbers, and whether it is symbols.

    Symbols come back as a str array, numbers as a float64 array.
    """
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be a 2-D array of symbols (str) or real numbers, got {_describe(x)} "
            f"({error})"
        ) from None
    if a.dtype.kind in "US":
        if a.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array, got a {a.ndim}-D array of shape {a.shape}"
            )
        if a.size == 0:
            raise ValueError(f"{name} must not be empty, got shape {a.shape}")
        return a.astype(str), True
    return as_real_2d(a, name).astype(np.float64), False


def as_kernels(kernels: object, name: str = "kernels") -> list[tuple[int, int] | np.ndarray]:
    """Return the kernels a figure offers: each a shape ``(k1, k2)`` or a 2-D real array.

    One shape such as ``(3, 3)`` or one 2-D array counts as a list of one kernel.
    """
    if isinstance(kernels, np.ndarray) and kernels.ndim == 2:
        kernels = [kernels]
    elif (
        isinstance(kernels, tuple)
        and len(kernels) == 2
        and all(isinstance(d, numbers.Integral) for d in kernels)
    ):
        kernels = [kernels]
    try:
        items = list(kernels)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of kernel shapes (k1, k2) or 2-D arrays, "
            f"got {_describe(kernels)}"
        ) from None
    if not items:
        raise ValueError(f"{name} must name at least one kernel, got {kernels!r}")
    out: list[tuple[int, int] | np.ndarray] = []
    for k, item in enumerate(items):
        if isinstance(item, tuple | list) and len(item) == 2 and np.ndim(item) == 1:
            out.append(as_shape(item, f"{name}[{k}]"))
        else:
            out.append(as_real_2d(item, f"{name}[{k}]").astype(np.float64))
    return out
