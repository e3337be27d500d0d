"""The types that the fast layer and the explicit-loop reference both use.

Kept apart from ``convlib.layer`` so that ``convlib.reference`` can return the same named tuple
(:class:`Gradients`) and read the same sizes (:class:`LayerGeometry`) without importing any fast
code. Imports numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Gradients", "LayerGeometry"]


class Gradients(NamedTuple):
    r"""The layer's three gradients for one upstream gradient :math:`G`.

    Attributes
    ----------
    dw : ndarray, shape (k1, k2) or (C_out, C_in // groups, k1, k2)
        :math:`\partial L / \partial w`, equation (2.3), one number per weight.
    db : numpy scalar, or ndarray of shape (C_out,)
        :math:`\partial L / \partial b`, equation (2.4): one number, or one per output channel.
    dI : ndarray, shape (H, W) or (N, C_in, H, W)
        :math:`\partial L / \partial I`, equation (3.4), one number per pixel.

    Notes
    -----
    :math:`k_1 k_2 + 1 + H W` numbers in all for the notes' layer, equation (2.5); each has the
    shape of what it is the gradient of.
    """

    dw: np.ndarray
    db: np.floating
    dI: np.ndarray


class LayerGeometry(NamedTuple):
    r"""The sizes of one general layer, once its input rules have passed.

    Made by ``convlib._checks.layer_geometry``; the fast layer and the explicit loops both read
    it, so they cannot disagree on a size. Shapes are those of the 4-D layer: the notes' 2-D
    case is ``N = C_in = C_out = 1``.

    Attributes
    ----------
    N, C_in, H, W : int
        The input ``I``: samples, channels, rows, columns.
    C_out, groups, k1, k2 : int
        The kernel ``w``: filters, channel groups, rows, columns.
    stride, dilation : tuple of int
        :math:`(s_1, s_2)` and :math:`(d_1, d_2)`.
    padding : tuple of int
        Zero rows and columns added: ``(top, bottom, left, right)``.
    H_out, W_out : int
        The output's rows and columns, :math:`H' = \lfloor (H + p_\text{top} +
        p_\text{bottom} - d_1 (k_1 - 1) - 1) / s_1 \rfloor + 1`, and the same for
        :math:`W'`.
    """

    N: int
    C_in: int
    H: int
    W: int
    C_out: int
    groups: int
    k1: int
    k2: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]
    H_out: int
    W_out: int

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_in, H, W)``."""
        return (self.N, self.C_in, self.H, self.W)

    @property
    def kernel_shape(self) -> tuple[int, int, int, int]:
        """``(C_out, C_in // groups, k1, k2)``."""
        return (self.C_out, self.C_in // self.groups, self.k1, self.k2)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, C_out, H_out, W_out)``."""
        return (self.N, self.C_out, self.H_out, self.W_out)
