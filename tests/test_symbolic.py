"""Tests for convlib.symbolic: sympy derives the gradients, and the course's identities hold."""

import itertools
import re

import numpy as np
import pytest
import scipy.signal
import sympy as sp

import convlib
from convlib import symbolic as S
from convlib.book import eq

g = S.general
SIZES = list(S.fitting_sizes(5))  # every H, W <= 5 and every kernel that fits: 225 sizes
IMAGES = sorted({(H, W) for H, W, _, _ in SIZES})
# sizes at which the general-size steps are substituted and compared with derive(): 1x1 kernels,
# kernels as large as the image (one output), square and rectangular, tall and wide
STEP_SIZES = [
    (1, 1, 1, 1),
    (3, 3, 1, 1),
    (3, 3, 3, 3),
    (3, 4, 2, 3),
    (5, 5, 3, 3),
    (2, 5, 2, 1),
    (5, 3, 4, 3),
]
ALL_STEPS = [step for name in S.DERIVATIONS for step in S.steps(name)]


def kernels(H, W):
    return list(itertools.product(range(1, H + 1), range(1, W + 1)))


# --- derive(): concrete sizes -----------------------------------------------------------------


def test_derive_shapes_and_symbol_names():
    d = S.derive(4, 5, 2, 3)
    assert (d.I.shape, d.w.shape, d.G.shape, d.Y_hat.shape) == ((4, 5), (2, 3), (3, 3), (3, 3))
    assert (d.dw.shape, d.dI.shape) == ((2, 3), (4, 5))
    assert isinstance(d.b, sp.Symbol)
    assert [sp.latex(x) for x in (d.I[0, 1], d.w[0, 0], d.G[1, 2], d.b)] == [
        "I_{0,1}",
        "w_{0,0}",
        "G_{1,2}",
        "b",
    ]


def test_derive_builds_the_layer_and_L_from_their_definitions():
    d = S.derive(3, 3, 2, 2)
    I, w, b = d.I, d.w, d.b
    by_hand = I[1, 0] * w[0, 0] + I[1, 1] * w[0, 1] + I[2, 0] * w[1, 0] + I[2, 1] * w[1, 1] + b
    assert sp.expand(d.Y_hat[1, 0] - by_hand) == 0
    # dL/dY_hat = G: L is linear in Y_hat with coefficients G
    assert sp.expand(d.L - sum(G * Y for G, Y in zip(d.G, d.Y_hat, strict=True))) == 0


def test_gradients_are_derivatives_of_L():
    d = S.derive(3, 4, 2, 2)
    assert d.dw[1, 0] == sp.diff(d.L, d.w[1, 0])
    assert d.db == sp.diff(d.L, d.b)
    assert d.dI[2, 3] == sp.diff(d.L, d.I[2, 3])


@pytest.mark.parametrize(
    ("sizes", "error", "message"),
    [
        ((3, 3, 4, 1), ValueError, "must fit inside I"),
        ((3, 3, 0, 1), ValueError, "k1 must be an int >= 1, got 0"),
        ((3.0, 3, 1, 1), TypeError, "H must be an int >= 1, got float 3.0"),
    ],
)
def test_derive_rejects_bad_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        S.derive(*sizes)


# --- closed forms on sympy matrices, against scipy on numbers ---------------------------------


@pytest.mark.parametrize(("H", "W", "k1", "k2"), [(4, 5, 2, 3), (3, 3, 3, 1), (5, 4, 1, 4)])
def test_closed_forms_match_scipy(H, W, k1, k2):
    rng = np.random.default_rng(0)
    I, w = rng.integers(-5, 6, (H, W)), rng.integers(-5, 6, (k1, k2))
    as_array = lambda M: np.array(M.tolist(), dtype=float)  # noqa: E731
    np.testing.assert_array_equal(
        as_array(S.correlate2d(sp.Matrix(I), sp.Matrix(w))),
        scipy.signal.correlate2d(I, w, mode="valid"),
    )
    for mode in ("valid", "full"):
        np.testing.assert_array_equal(
            as_array(S.convolve2d(sp.Matrix(I), sp.Matrix(w), mode)),
            scipy.signal.convolve2d(I, w, mode=mode),
        )
    np.testing.assert_array_equal(as_array(S.rot180(sp.Matrix(w))), w[::-1, ::-1])
    np.testing.assert_array_equal(as_array(S.zero_pad(sp.Matrix(I), 2, 1)), np.pad(I, [(2,), (1,)]))


def test_closed_forms_reject_bad_arguments():
    with pytest.raises(ValueError, match="mode must be one of 'valid', 'full'; got 'same'"):
        S.convolve2d(sp.eye(3), sp.eye(2), mode="same")
    with pytest.raises(ValueError, match="must fit inside I"):
        S.correlate2d(sp.eye(2), sp.eye(3))


# --- the identities, for every H, W <= 5 and every kernel that fits ---------------------------


@pytest.mark.parametrize(("H", "W"), IMAGES)
def test_identities_for_every_fitting_kernel(H, W):
    for k1, k2 in kernels(H, W):
        d = S.derive(H, W, k1, k2)
        S.check("eq-dw", d)  # dw == G ⊗ I
        S.check("eq-db", d)  # db == sum G
        S.check("eq-region", d, affected_region=convlib.affected_region)  # also vs convlib
        S.check("eq-di", d)  # dI == w * G, full
        S.check("eq-di-rot", d)  # dI == pad(G) ⊗ rot180(w)
        S.check("eq-count", d)  # k1*k2, H*W and 1 gradients
        S.check("eq-rot180", d)  # the index map, an involution, and Q -> Q*
        S.check("eq-example", d)  # w(m, n) pairs with G(i*-m, j*-n) at every pixel


def test_check_all_runs_every_identity():
    d = S.derive(5, 4, 3, 2)
    assert S.check_all(d, affected_region=convlib.affected_region) is None
    assert set(S.IDENTITIES) == {
        "eq-dw", "eq-db", "eq-count", "eq-region", "eq-di", "eq-example", "eq-rot180", "eq-di-rot"
    }  # fmt: skip


def test_identity_statements_use_the_book_numbers():
    from convlib.book import eq

    for label, identity in S.IDENTITIES.items():
        assert identity.label == label
        assert identity.statement.startswith(eq(label) + " ")


def test_an_unknown_identity_lists_the_known_ones():
    with pytest.raises(KeyError, match="no identity labelled 'eq-nope'; the identities are eq-dw"):
        S.check("eq-nope", S.derive(2, 2, 1, 1))


def test_the_count_explicitly():
    d = S.derive(5, 4, 3, 2)
    assert (len(d.dw), len(d.dI), len([d.db])) == (3 * 2, 5 * 4, 1)


@pytest.mark.parametrize(("H", "W", "k1", "k2"), [(5, 5, 3, 3), (4, 6, 2, 4), (3, 3, 1, 1)])
def test_region_at_every_pixel_and_its_size_at_the_borders(H, W, k1, k2):
    d = S.derive(H, W, k1, k2)
    for ip, jp in itertools.product(range(H), range(W)):
        rows, cols = S.region(ip, jp, H, W, k1, k2)
        found = {
            (i, j)
            for i, j in itertools.product(range(d.G.rows), range(d.G.cols))
            if d.Y_hat[i, j].has(d.I[ip, jp])
        }
        assert found == set(itertools.product(rows, cols))
        expected = convlib.affected_region(ip, jp, (H, W), (k1, k2))
        assert (expected.rows, expected.cols) == (rows, cols)
        assert expected.size == len(found)
    # the notes' picture: a 3x3 kernel, pixel I(2, 2), nine outputs; a corner touches one
    assert [len(r) for r in S.region(2, 2, 5, 5, 3, 3)] == [3, 3]
    assert [len(r) for r in S.region(0, 0, 5, 5, 3, 3)] == [1, 1]


def test_q_star_and_rot180_index_map():
    a, b, c, d = sp.symbols("a b c d")
    assert S.rot180(sp.Matrix([[a, b], [c, d]])) == sp.Matrix([[d, c], [b, a]])
    assert S.rot180(S.Q) == S.Q_STAR
    w = sp.Matrix(3, 4, lambda m, n: sp.Symbol(f"w_{m}{n}"))
    for m, n in itertools.product(range(3), range(4)):
        assert S.rot180(w)[m, n] == w[3 - 1 - m, 4 - 1 - n]


def test_worked_example_pairs_G_backward_with_w_forward():
    ex = S.worked_example()  # (i*, j*) = (2, 2), 3x3 kernel, 5x5 image
    assert len(ex.pairs) == 9
    assert all(ex.pairs[(m, n)] == (2 - m, 2 - n) for m, n in itertools.product(range(3), range(3)))
    assert {ex.pairs[(0, n)][0] for n in range(3)} == {2}  # m = 0 pairs with row 2 of G
    assert {ex.pairs[(3 - 1, n)][0] for n in range(3)} == {0}  # m = k1-1 pairs with row 0
    assert ex._repr_latex_().startswith("$$") and "row 2 of" in ex._repr_latex_()


def test_worked_example_at_a_corner_has_one_term():
    ex = S.worked_example(ip=0, jp=0)
    assert ex.pairs == {(0, 0): (0, 0)}


# --- negative checks: the checks can fail -----------------------------------------------------


def test_non_rotated_kernel_is_detected():
    d = S.derive(4, 4, 2, 3)
    wrong = S.correlate2d(S.zero_pad(d.G, 1, 2), d.w)  # pad(G) ⊗ w, kernel not rotated
    assert not S.matrices_equal(d.dI, wrong)
    with pytest.raises(S.IdentityError, match=r"entry \(\d, \d\) differs"):
        S.assert_matrices_equal(d.dI, wrong, "pad(G) ⊗ w")


def test_other_wrong_closed_forms_are_detected():
    d = S.derive(4, 5, 2, 3)
    assert not S.matrices_equal(d.dw, S.correlate2d(d.I, S.rot180(d.G)))  # G flipped
    assert not S.matrices_equal(d.dI, S.convolve2d(d.G, d.w, "valid"))  # valid, not full
    with pytest.raises(S.IdentityError, match="shapes differ"):
        S.assert_matrices_equal(d.dI, S.convolve2d(d.G, d.w, "valid"), "(3.4) in valid mode")
    assert sp.expand(d.db - sum(d.G[:, 1:])) != 0


def test_wrong_region_is_detected():
    d = S.derive(4, 4, 2, 2)

    def unclipped(ip, jp, image_shape, kernel_shape):
        return range(ip - 1, ip + 1), range(jp - 1, jp + 1)

    with pytest.raises(S.IdentityError, match=r"\(3\.1\) region of I\(0, 0\)"):
        S.check("eq-region", d, affected_region=unclipped)


def test_each_identity_fails_on_a_tampered_derivation():
    # swap two entries of sympy's gradients (or of Y_hat): every identity that reads them fails
    import dataclasses

    d = S.derive(4, 4, 2, 2)
    swap = lambda M, a, b: M.subs({M[a]: M[b], M[b]: M[a]}, simultaneous=True)  # noqa: E731
    tampered = {
        "eq-dw": dataclasses.replace(d, dw=swap(d.dw, (0, 0), (1, 1))),
        "eq-db": dataclasses.replace(d, db=d.db - d.G[0, 0]),
        "eq-di": dataclasses.replace(d, dI=swap(d.dI, (0, 0), (3, 3))),
        "eq-di-rot": dataclasses.replace(d, dI=swap(d.dI, (0, 0), (3, 3))),
        "eq-example": dataclasses.replace(d, dI=d.dI.subs(d.w[0, 0], d.w[1, 1])),
        "eq-count": dataclasses.replace(d, dI=d.dI.applyfunc(lambda x: x + d.b)),
        "eq-region": dataclasses.replace(d, Y_hat=d.Y_hat.applyfunc(lambda y: y + d.I[3, 3])),
    }
    assert set(tampered) == set(S.IDENTITIES) - {"eq-rot180"}
    for label, wrong in tampered.items():
        S.check(label, d)  # the true derivation passes ...
        with pytest.raises(S.IdentityError, match=re.escape(eq(label))):
            S.check(label, wrong)  # ... the tampered one fails, naming the equation


def test_the_rot180_identity_fails_for_a_one_mirror_flip(monkeypatch):
    # eq-rot180 checks the function rot180 itself: a flip of the rows only must fail it
    from convlib.symbolic import identities

    monkeypatch.setattr(identities, "rot180", lambda w: sp.ImmutableMatrix(w[::-1, :]))
    with pytest.raises(S.IdentityError, match=r"\(4\.2\) rot180 as an index map"):
        S.check("eq-rot180", S.derive(3, 3, 2, 2))


def test_notes_slip_in_the_bounds_of_dw_is_detected():
    # the notes' last form of dL/dw sums i = 0..k1, j = 0..k2 instead of 0..H-k1, 0..W-k2
    slip = S.Step(
        "notes-bounds",
        "notes: bounds k1, k2",
        sp.Eq(
            sp.Derivative(g.L, g.w[g.mp, g.np_]),
            sp.Sum(g.I[g.mp + g.i, g.np_ + g.j] * g.G[g.i, g.j], (g.i, 0, g.k1), (g.j, 0, g.k2)),
            evaluate=False,
        ),
        "",
        "dL/dw",
    )
    with pytest.raises(S.IdentityError, match="notes-bounds"):
        S.verify_step(slip, 5, 5, 2, 2)
    with pytest.raises(S.IdentityError, match="notes-bounds"):
        S.verify_step(slip, 5, 5, 3, 3)  # G has 3 rows: i = 0..3 overruns it


def test_a_wrong_general_step_is_detected():
    # (3.4) with the kernel not flipped: G(i'+m, j'+n) instead of G(i'-m, j'-n)
    wrong = S.Step(
        "no-flip",
        "(3.4) without the flip",
        sp.Eq(
            sp.Derivative(g.L, g.I[g.ip, g.jp]),
            sp.Sum(
                g.G_tilde[g.ip + g.m, g.jp + g.n] * g.w[g.m, g.n],
                (g.m, 0, g.k1 - 1),
                (g.n, 0, g.k2 - 1),
            ),
            evaluate=False,
        ),
        "",
        "dL/dI",
    )
    with pytest.raises(S.IdentityError, match="no-flip"):
        S.verify_step(wrong, 4, 4, 2, 2)


def test_conditions_that_do_not_follow_are_not_discharged():
    # the zero extension of G in sympy's direct (3.4) is a real condition, not a kernel bound
    from convlib.symbolic import derivations as steps_module

    _, _, direct = steps_module._dL_dI_direct()
    with pytest.raises(S.IdentityError, match="do not follow"):
        steps_module._given_kernel_index(direct, (g.m, g.k1), (g.n, g.k2))


# --- general sizes ----------------------------------------------------------------------------


def test_general_derivations_reach_the_notes_results():
    assert S.check_general() is None


def test_general_results_and_conditions():
    steps = S.steps("dw")
    piecewise = steps["dyhat-dw-summed"].expr.rhs
    assert isinstance(piecewise, sp.Piecewise)
    (value, condition), (zero, otherwise) = piecewise.args
    assert value == g.I[g.i + g.mp, g.j + g.np_] and zero == 0 and otherwise == sp.true
    assert condition == sp.And(g.mp >= 0, g.mp <= g.k1 - 1, g.np_ >= 0, g.np_ <= g.k2 - 1)
    assert steps["eq-dyhat-dw"].expr.rhs == g.I[g.i + g.mp, g.j + g.np_]
    over_Y = ((g.i, 0, g.H - g.k1), (g.j, 0, g.W - g.k2))
    e6 = sp.Sum(g.G[g.i, g.j] * g.I[g.i + g.mp, g.j + g.np_], *over_Y)
    assert steps["eq-dw"].expr.rhs == e6
    assert steps["dw-direct"].expr.rhs == e6
    assert S.steps("db")["db-direct"].expr.rhs == sp.Sum(
        g.G[g.i, g.j], (g.i, 0, g.H - g.k1), (g.j, 0, g.W - g.k2)
    )
    dI = S.steps("dI")
    assert dI["eq-dyhat-di"].expr.rhs == g.w[g.m, g.n]
    assert dI["eq-di"].expr.rhs == sp.Sum(
        g.G_tilde[g.ip - g.m, g.jp - g.n] * g.w[g.m, g.n], (g.m, 0, g.k1 - 1), (g.n, 0, g.k2 - 1)
    )
    # the boundary convention: G-tilde is G inside the output, zero outside
    convention = dI["g-tilde"]
    assert convention.expr.rhs.subs({g.i: -1, g.j: 0}) == 0
    assert convention.expr.rhs.subs({g.H: 5, g.W: 5, g.k1: 3, g.k2: 3, g.i: 2, g.j: 0}) == g.G[2, 0]


@pytest.mark.parametrize("sizes", STEP_SIZES, ids=str)
def test_every_general_step_matches_derive(sizes):
    assert S.verify_steps(ALL_STEPS, *sizes) is None


def test_steps_are_in_the_notes_order_and_display():
    assert S.steps("dw").labels == [
        "eq-layer", "eq-chain-w", "dyhat-dw-deltas", "dyhat-dw-summed", "eq-dyhat-dw", "eq-dw",
        "dw-direct",
    ]  # fmt: skip
    assert S.steps("db").labels == ["eq-layer", "chain-b", "dyhat-db", "eq-db", "db-direct"]
    assert S.steps("dI").labels == [
        "eq-layer", "dyhat-di-deltas", "dyhat-di-summed", "region-condition", "region-solved",
        "eq-region", "chain-i-all", "g-tilde", "chain-i-region", "eq-chain-i", "yhat-shifted",
        "dyhat-di-shifted-deltas", "dyhat-di-shifted-summed", "eq-dyhat-di", "eq-di",
        "di-direct-diff", "di-direct-swapped", "di-direct",
    ]  # fmt: skip
    assert S.steps("rot180").labels == [
        "eq-di", "eq-example", "eq-rot180", "q-star", "flip-indices", "g-pad", "eq-di-rot",
    ]  # fmt: skip
    for name in S.DERIVATIONS:
        labels = S.steps(name).labels
        assert len(labels) == len(set(labels)), f"{name}: a label twice"
    for step in ALL_STEPS:
        # a step that is a book equation starts its title with the book's number; no planning
        # label (E1-E14) anywhere
        if step.label.startswith("eq-"):
            assert step.title.startswith(eq(step.label) + " ")
        assert not re.search(r"(?<![A-Za-z0-9_])E(1[0-4]|[1-9])(?![0-9])", step.title)
        latex = step._repr_latex_()
        assert latex.startswith("$$") and latex.endswith("$$")
        assert step.title in latex and step.latex in latex
        assert step.title in str(step)
    assert r"\frac{\partial \hat{Y}(i, j)}{\partial w(m', n')} = I(i + m', j + n')" in [
        s.latex for s in S.steps("dw")
    ]


def test_steps_are_looked_up_by_label():
    dw = S.steps("dw")
    assert dw["eq-dw"] is dw[5]
    with pytest.raises(KeyError, match="no step labelled 'eq-nope' in this derivation"):
        dw["eq-nope"]
    with pytest.raises(ValueError, match="name must be one of 'dw', 'db', 'dI', 'rot180'"):
        S.steps("dx")


def test_to_latex_uses_the_notes_notation():
    assert S.to_latex(g.I[g.i + g.m, g.j + g.n]) == "I(i + m, j + n)"
    assert S.to_latex(g.w[g.mp, g.np_]) == "w(m', n')"
    assert S.to_latex(sp.Derivative(g.L, g.w[g.mp, g.np_])) == (
        r"\frac{\partial L}{\partial w(m', n')}"
    )
    assert S.to_latex(g.ip - g.i) == "i' - i"


# --- lambdified, against the numeric core ------------------------------------------------------


LAMBDIFY_SIZES = [(5, 5, 3, 3), (4, 6, 2, 3), (3, 3, 1, 1), (4, 4, 4, 4), (6, 5, 3, 2)]


@pytest.mark.parametrize(("H", "W", "k1", "k2"), LAMBDIFY_SIZES)
def test_lambdified_gradients_equal_conv2d_backward(H, W, k1, k2):
    rng = np.random.default_rng(20240611)
    d = S.derive(H, W, k1, k2)
    I, w, b = rng.normal(size=(H, W)), rng.normal(size=(k1, k2)), rng.normal()
    G = rng.normal(size=(H - k1 + 1, W - k2 + 1))
    dw, db, dI = S.lambdify_backward(d)(I, w, G)
    expected = convlib.conv2d_backward(I, w, G)
    np.testing.assert_allclose(dw, expected.dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, expected.db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dI, expected.dI, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        S.lambdify_forward(d)(I, w, b), convlib.conv2d_forward(I, w, b), rtol=1e-12, atol=1e-12
    )


def test_lambdified_function_checks_shapes():
    f = S.lambdify_backward(S.derive(3, 3, 2, 2))
    with pytest.raises(ValueError, match=r"upstream gradient G must have shape \(2, 2\)"):
        f(np.zeros((3, 3)), np.zeros((2, 2)), np.zeros((3, 3)))
