"""convlib.symbolic.layer: the general layer built from symbols, against the explicit loops."""

import numpy as np
import pytest
import sympy as sp

from convlib import reference
from convlib import symbolic as S

LAYERS = [
    # N, C_in, C_out, H, W, k1, k2, stride, padding, dilation, groups
    (1, 1, 1, 5, 5, 2, 2, 2, 1, 1, 1),
    (2, 2, 2, 5, 6, 2, 2, 1, 0, 2, 2),
    (1, 2, 2, 5, 5, 3, 3, 2, 1, 1, 1),
    (1, 1, 1, 4, 5, 2, 3, 1, "same", 1, 1),
    (1, 3, 3, 4, 5, 2, 2, (2, 1), (1, 0), 1, 3),
]


def _numbers(d, rng):
    arrays = {name: rng.standard_normal(getattr(d, name).shape) for name in ("I", "w", "b", "G")}
    subs = {}
    for name, values in arrays.items():
        subs.update(zip(getattr(d, name).ravel(), values.ravel(), strict=True))

    def evaluate(A):
        return np.array([float(sp.sympify(x).xreplace(subs)) for x in A.ravel()]).reshape(A.shape)

    return arrays, evaluate


@pytest.mark.parametrize("layer", LAYERS, ids=str)
def test_the_derivation_is_the_explicit_loops(layer):
    *sizes, stride, padding, dilation, groups = layer
    settings = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    d = S.derive_layer(*sizes, **settings)
    a, evaluate = _numbers(d, np.random.default_rng(len(str(layer))))
    Y = reference.conv2d_forward(a["I"], a["w"], a["b"], **settings)
    dw, db, dI = reference.conv2d_backward(a["I"], a["w"], a["G"], **settings)
    np.testing.assert_allclose(evaluate(d.Y_hat), Y, atol=1e-12)
    np.testing.assert_allclose(evaluate(d.dw), dw, atol=1e-12)
    np.testing.assert_allclose(evaluate(d.db), db, atol=1e-12)
    np.testing.assert_allclose(evaluate(d.dI), dI, atol=1e-12)


def test_the_notes_layer_is_the_notes_derivation():
    d, notes = S.derive_layer(1, 1, 1, 4, 4, 2, 2), S.derive(4, 4, 2, 2)
    rename = {**dict(zip(d.I[0, 0].ravel(), notes.I, strict=True))}
    rename.update(zip(d.w[0, 0].ravel(), notes.w, strict=True))
    rename.update(zip(d.G[0, 0].ravel(), notes.G, strict=True))
    rename[d.b[0]] = notes.b
    for ours, theirs in ((d.dI[0, 0], notes.dI), (d.dw[0, 0], notes.dw)):
        renamed = sp.ImmutableMatrix(ours).xreplace(rename)
        assert S.matrices_equal(renamed, theirs)


def test_dilate_and_crop():
    A = sp.Matrix([[1, 2], [3, 4]])
    assert S.dilate(A, 3, 1) == sp.Matrix([[1, 2], [0, 0], [0, 0], [3, 4]])
    assert S.dilate(A, 1) == A
    assert S.crop(S.zero_pad(A, 1, 2), 1, 1, 2, 2) == A
    with pytest.raises(ValueError, match="s1 must be an int >= 1, got 0"):
        S.dilate(A, 0)
    with pytest.raises(ValueError, match="cannot crop"):
        S.crop(A, 2, 1, 0, 0)


def test_bad_settings_are_refused_as_the_layer_refuses_them():
    with pytest.raises(ValueError, match="groups=2 must divide both C_in=3 and C_out=4"):
        S.derive_layer(1, 3, 4, 4, 4, 2, 2, groups=2)
    with pytest.raises(ValueError, match="dilated kernel must fit inside the padded image"):
        S.derive_layer(1, 1, 1, 3, 3, 2, 2, dilation=3)
    with pytest.raises(TypeError, match="H must be an int >= 1"):
        S.derive_layer(1, 1, 1, 3.0, 3, 2, 2)
