"""The result types that the fast layer and the explicit-loop reference both return.

Kept apart from ``convlib.layer`` so that ``convlib.reference`` can return the same named tuple
without importing any fast code. Imports numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Gradients"]


class Gradients(NamedTuple):
    r"""The layer's three gradients for one upstream gradient :math:`G`.

    Attributes
    ----------
    dw : ndarray, shape (k1, k2)
        :math:`\partial L / \partial w`, equation (2.3), one number per weight.
    db : numpy scalar
        :math:`\partial L / \partial b`, equation (2.4).
    dI : ndarray, shape (H, W)
        :math:`\partial L / \partial I`, equation (3.4), one number per pixel.

    Notes
    -----
    :math:`k_1 k_2 + 1 + H W` numbers in all, equation (2.5).
    """

    dw: np.ndarray
    db: np.floating
    dI: np.ndarray
