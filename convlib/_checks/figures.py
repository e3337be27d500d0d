"""Input rules of the figures (``convlib.figures``).

A shape or the array it describes, matrices of symbols, lists of kernels. Same wording as the
shared rules of ``convlib._checks``.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _describe, as_real_2d, as_shape


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
