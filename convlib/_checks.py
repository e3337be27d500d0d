"""Input validation shared by every convlib function.

The rules (one place, so that every function applies the same ones):

- ``I``, ``w``, ``G`` are 2-D, non-empty and real. Anything numpy can turn into such an array is
  accepted (lists of lists too). bool and integer arrays are computed in float64, float32 stays
  float32, and every other real dtype (float64, float16, longdouble) is computed in float64.
- Complex, object, string, bytes, datetime ... arrays raise ``TypeError``; a wrong number of
  dimensions, an empty array, a kernel that does not fit or a gradient of the wrong shape raise
  ``ValueError``. Every message names the argument, says what was expected and what came.
- Nothing here writes into its argument: the arrays returned are the inputs themselves or new
  copies, and convlib never writes into them.

This module imports numpy only: ``convlib.reference`` uses it too and must stay independent of
the fast paths.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_index",
    "as_int",
    "as_nonnegative",
    "as_real_2d",
    "as_real_array",
    "as_real_scalar",
    "as_shape",
    "check_choice",
    "check_fits",
    "check_gradient_shape",
    "check_shape",
    "common_float",
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
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as error:  # ragged nested lists, for instance
        raise ValueError(
            f"{name} must be a 2-D array of real numbers, got {_describe(x)} ({error})"
        ) from None
    kind = a.dtype.kind
    if kind in "biu":
        a = a.astype(np.float64)
    elif kind == "f":
        if a.dtype != np.float32 and a.dtype != np.float64:
            a = a.astype(np.float32 if a.dtype.itemsize == 4 else np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got a {a.ndim}-D array of shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    return a


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
