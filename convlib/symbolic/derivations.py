r"""The derivations at general sizes, one labelled :class:`Step` at a time, in the notes' order.

With integer symbols ``H, W, k1, k2``, ``IndexedBase`` arrays and symbolic sums, sympy carries
out each step of the notes: differentiate a double sum (Kronecker deltas), sum the deltas, keep
the one term whose indices match, substitute, re-index. :func:`steps` returns a derivation as
:class:`Steps`, looked up by label (``steps("dw")["eq-chain-w"]``); every step states what its
right-hand side equals (``Step.quantity``), so that :func:`convlib.symbolic.verify_step` can
check it against :func:`convlib.symbolic.derive` at concrete sizes. :func:`check_general`
checks the results for symbolic sizes, with no size substituted.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.core.relational import Relational

from .._checks import check_choice
from ..book import eq
from ._latex import Step, to_latex
from ._symbols import general
from .identities import Q_STAR, IdentityError, worked_example, worked_latex

__all__ = ["DERIVATIONS", "Steps", "check_general", "steps"]


class Steps(tuple):
    """The steps of one derivation, in order, also looked up by label: ``s["eq-dw"]``.

    A plain tuple of :class:`Step` otherwise (iterate it, ``len`` it, slice it).
    """

    def __getitem__(self, key):
        if isinstance(key, str):
            for step in self:
                if step.label == key:
                    return step
            known = ", ".join(step.label for step in self)
            raise KeyError(f"no step labelled {key!r} in this derivation; its steps are {known}")
        return super().__getitem__(key)

    @property
    def labels(self) -> list[str]:
        """The labels of the steps, in order."""
        return [step.label for step in self]


def _Y_hat_def(row, col, r, s):
    """Write the layer (1.3) out at output ``(row, col)`` with kernel indices ``(r, s)``."""
    g = general
    return sp.Sum(g.I[row + r, col + s] * g.w[r, s], (r, 0, g.k1 - 1), (s, 0, g.k2 - 1)) + g.b


def _L_def(r, s):
    """``L = sum_ij G(i, j) Y_hat(i, j)`` with kernel indices ``(r, s)`` inside ``Y_hat``."""
    g = general
    return sp.Sum(
        g.G[g.i, g.j] * _Y_hat_def(g.i, g.j, r, s), (g.i, 0, g.H - g.k1), (g.j, 0, g.W - g.k2)
    )


def _G_tilde_def(row, col):
    """Return G extended by zeros outside its range (the boundary convention)."""
    g = general
    inside = sp.And(row >= 0, row <= g.H - g.k1, col >= 0, col <= g.W - g.k2)
    return sp.Piecewise((g.G[row, col], inside), (0, True))


def _given_kernel_index(expr, *index_sizes):
    r"""Replace the Piecewise conditions that hold for every kernel index by ``True``.

    ``index_sizes`` are pairs ``(x, k)`` stating the hypothesis ``0 <= x <= k - 1``. A relation
    in `expr` is replaced by ``True`` only when it holds identically after writing ``x = u``,
    ``k = u + 1 + v`` with ``u, v >= 0`` integers (every ``x`` and ``k`` allowed by the
    hypothesis), so nothing is assumed beyond it. Raises :class:`IdentityError` if a Piecewise
    is left, i.e. if some condition does not follow from the hypothesis.
    """
    reparametrise = {}
    for x, k in index_sizes:
        u, v = (
            sp.Dummy("u", integer=True, nonnegative=True),
            sp.Dummy("v", integer=True, nonnegative=True),
        )
        reparametrise.update({x: u, k: u + 1 + v})
    implied = {r: sp.true for r in expr.atoms(Relational) if r.xreplace(reparametrise) is sp.true}
    result = expr.xreplace(implied)
    if result.has(sp.Piecewise):
        raise IdentityError(f"conditions of {result} do not follow from {index_sizes}")
    return result


def _canonical(expr):
    """Write every relation in canonical form, so that equal conditions compare equal."""
    return expr.xreplace({r: r.canonical for r in expr.atoms(Relational)})


def _eq(lhs, rhs) -> sp.Eq:
    return sp.Eq(lhs, rhs, evaluate=False)


def _step(label, title, lhs, rhs, quantity, extra: str = "", **kwargs) -> Step:
    """Make the step ``lhs = rhs``; a book label puts the book's number before the title."""
    if label.startswith("eq-"):
        title = f"{eq(label)} {title}"
    latex = f"{to_latex(lhs)} = {to_latex(rhs)}{extra}"
    return Step(label, title, _eq(lhs, rhs), latex, quantity, **kwargs)


def _rhs(derivation: Steps, label: str):
    """Return the right-hand side of the step ``label`` of a derivation."""
    return derivation[label].expr.rhs


# ---------------------------------------------------------------------------------------------
# The derivations, step by step
# ---------------------------------------------------------------------------------------------


@cache
def _derivation_dw() -> Steps:
    g = general
    i, j, mp, np_ = g.i, g.j, g.mp, g.np_
    dL_dw = sp.Derivative(g.L, g.w[mp, np_])
    dY_dw = sp.Derivative(g.Y_hat[i, j], g.w[mp, np_])
    over_Y = ((i, 0, g.H - g.k1), (j, 0, g.W - g.k2))

    definition = _Y_hat_def(i, j, g.m, g.n)
    chain = sp.Sum(g.G[i, j] * dY_dw, *over_Y)  # (2.1)
    deltas = sp.diff(definition, g.w[mp, np_])  # sympy: Kronecker deltas
    summed = sp.piecewise_fold(deltas.doit())  # sympy sums the deltas
    local = _given_kernel_index(summed, (mp, g.k1), (np_, g.k2))  # (2.2)
    substituted = chain.xreplace({dY_dw: local})  # (2.2) into (2.1): (2.3)
    direct = _given_kernel_index(
        sp.diff(_L_def(g.m, g.n), g.w[mp, np_]).doit(), (mp, g.k1), (np_, g.k2)
    )
    return Steps((
        _step("eq-layer", "the layer's output, by definition (sum over the whole kernel)",
              g.Y_hat[i, j], definition, "Y_hat"),
        _step("eq-chain-w", "chain rule; w(m', n') touches every pixel of Ŷ, so the sum runs "
              "over all of Ŷ, and G = ∂L/∂Ŷ comes from the next layer",
              dL_dw, chain, "dL/dw"),
        _step("dyhat-dw-deltas", "Differentiate the definition (sympy.diff); the Kronecker "
              "deltas keep only the term m = m', n = n'", dY_dw, deltas, "dY_hat/dw"),
        _step("dyhat-dw-summed", "Sympy sums the deltas (Sum.doit); the term exists only when "
              "(m', n') lies inside the kernel", dY_dw, summed, "dY_hat/dw"),
        _step("eq-dyhat-dw", "(m', n') is a kernel index, 0 ≤ m' ≤ k1-1 and 0 ≤ n' ≤ k2-1, so "
              "the condition holds", dY_dw, local, "dY_hat/dw"),
        _step("eq-dw", "substitute the local derivative into the chain rule (the notes' ①′); "
              "one such sum for each of the k1·k2 weights", dL_dw, substituted, "dL/dw",
              extra=r" = (G \otimes I)(m', n')"),
        _step("dw-direct", "Cross-check: sympy.diff of L itself, deltas summed, gives the same "
              "sum", dL_dw, direct, "dL/dw"),
    ))  # fmt: skip


@cache
def _derivation_db() -> Steps:
    g = general
    i, j = g.i, g.j
    dL_db = sp.Derivative(g.L, g.b)
    dY_db = sp.Derivative(g.Y_hat[i, j], g.b)
    over_Y = ((i, 0, g.H - g.k1), (j, 0, g.W - g.k2))

    definition = _Y_hat_def(i, j, g.m, g.n)
    chain = sp.Sum(g.G[i, j] * dY_db, *over_Y)
    local = sp.diff(definition, g.b)
    substituted = chain.xreplace({dY_db: local})
    direct = sp.diff(_L_def(g.m, g.n), g.b).doit()
    return Steps((
        _step("eq-layer", "the layer's output, by definition", g.Y_hat[i, j], definition,
              "Y_hat"),
        _step("chain-b", "Chain rule; b enters every pixel of Ŷ", dL_db, chain, "dL/db"),
        _step("dyhat-db", "Differentiate the definition (sympy.diff): b has coefficient 1",
              dY_db, local, "dY_hat/db"),
        _step("eq-db", "substitute (the gradient the notes announce but never derive)",
              dL_db, substituted, "dL/db"),
        _step("db-direct", "Cross-check: sympy.diff of L itself", dL_db, direct, "dL/db"),
    ))  # fmt: skip


@cache
def _derivation_dI() -> Steps:
    g = general
    i, j, m, n, p, q, ip, jp = g.i, g.j, g.m, g.n, g.p, g.q, g.ip, g.jp
    dL_dI = sp.Derivative(g.L, g.I[ip, jp])
    dYij_dI = sp.Derivative(g.Y_hat[i, j], g.I[ip, jp])
    dY_dI = sp.Derivative(g.Y_hat[ip - m, jp - n], g.I[ip, jp])
    over_Y = ((i, 0, g.H - g.k1), (j, 0, g.W - g.k2))

    # (3.1): which outputs does I(i', j') enter?
    definition = _Y_hat_def(i, j, p, q)
    deltas = sp.diff(definition, g.I[ip, jp])
    summed = sp.piecewise_fold(deltas.doit())
    (_, condition), _ = summed.args  # Piecewise((w(i'-i, j'-j), condition), (0, True))
    unclipped = sp.And(ip - g.k1 + 1 <= i, i <= ip, jp - g.k2 + 1 <= j, j <= jp)
    size = (sp.Min(ip, g.H - g.k1) - sp.Max(0, ip - g.k1 + 1) + 1) * (
        sp.Min(jp, g.W - g.k2) - sp.Max(0, jp - g.k2 + 1) + 1
    )
    # (3.2): chain rule over all of Y_hat, then over the region only, re-indexed
    chain = sp.Sum(g.G[i, j] * dYij_dI, *over_Y)
    on_region = sp.Sum(g.G_tilde[i, j] * dYij_dI, (i, ip - g.k1 + 1, ip), (j, jp - g.k2 + 1, jp))
    reindexed = on_region.change_index(i, ip - i, m).change_index(j, jp - j, n)
    # (3.3)
    shifted = _Y_hat_def(ip - m, jp - n, p, q)
    deltas10 = sp.diff(shifted, g.I[ip, jp])
    summed10 = sp.piecewise_fold(deltas10.doit())
    local10 = _given_kernel_index(summed10, (m, g.k1), (n, g.k2))
    # (3.4)
    substituted = reindexed.xreplace({dY_dI: local10})
    direct_diff, direct_swapped, direct = _dL_dI_direct()
    region_latex = (
        r"R(i', j') = [\max(0, i'-k_{1}+1),\ \min(i', H-k_{1})] "
        r"\times [\max(0, j'-k_{2}+1),\ \min(j', W-k_{2})]"
    )
    return Steps((
        _step("eq-layer", "the layer's output, by definition, with kernel indices p, q",
              g.Y_hat[i, j], definition, "Y_hat"),
        _step("dyhat-di-deltas", "Differentiate with respect to one pixel I(i', j') "
              "(sympy.diff)", dYij_dI, deltas, "dY_hat/dI"),
        _step("dyhat-di-summed", "Sympy sums the deltas: a term survives only when the window "
              "of Ŷ(i, j) covers (i', j')", dYij_dI, summed, "dY_hat/dI"),
        Step("region-condition",
             "So I(i', j') enters Ŷ(i, j) exactly under sympy's condition",
             condition,
             rf"\hat{{Y}}(i, j) \text{{ depends on }} I(i', j') \iff {to_latex(condition)}",
             "region"),
        Step("region-solved",
             "Solved for (i, j): the region [i'-k1+1 : i', j'-k2+1 : j'] of Ŷ",
             unclipped,
             r"\hat{Y}(i, j) \text{ depends on } I(i', j') \iff i' - k_{1} + 1 \leq i \leq i' "
             r"\;\wedge\; j' - k_{2} + 1 \leq j \leq j'", "region"),
        _step("eq-region", "clipped to the output, its size is k1·k2 inside and smaller at the "
              "borders", sp.Symbol(r"\left|R(i', j')\right|"), size, "region size",
              extra=r",\quad " + region_latex),
        _step("chain-i-all", "Chain rule over all of Ŷ", dL_dI, chain, "dL/dI"),
        _step("g-tilde", "Boundary convention: G-tilde is G inside the output and zero outside "
              "it (the notes leave it implicit)", g.G_tilde[i, j], _G_tilde_def(i, j),
              "G_tilde"),
        _step("chain-i-region", "Only the region of Ŷ contributes; where the region leaves "
              "the output, G-tilde is 0", dL_dI, on_region, "dL/dI"),
        _step("eq-chain-i", "re-index i = i' - m, j = j' - n (Sum.change_index): the notes' ②",
              dL_dI, reindexed, "dL/dI"),
        _step("yhat-shifted", "The output Ŷ(i'-m, j'-n), by definition",
              g.Y_hat[ip - m, jp - n], shifted, "Y_hat(i'-m, j'-n)"),
        _step("dyhat-di-shifted-deltas", "Differentiate with respect to I(i', j') "
              "(sympy.diff)", dY_dI, deltas10, "dY_hat(i'-m, j'-n)/dI"),
        _step("dyhat-di-shifted-summed", "Sympy sums the deltas: only p = m, q = n survives",
              dY_dI, summed10, "dY_hat(i'-m, j'-n)/dI"),
        _step("eq-dyhat-di", "(m, n) is a kernel index, so the condition holds", dY_dI,
              local10, "dY_hat(i'-m, j'-n)/dI, (m, n) in the kernel"),
        _step("eq-di", "substitute the local derivative into the chain rule (the notes' ②′): "
              "a true convolution, with G-tilde zero outside the output", dL_dI, substituted,
              "dL/dI", extra=r" = (w * G)(i', j')"),
        _step("di-direct-diff", "Cross-check: sympy.diff of L itself", dL_dI, direct_diff,
              "dL/dI"),
        _step("di-direct-swapped", "Cross-check: G(i, j) does not depend on p, q, so it moves "
              "inside, and the finite sums are reordered to sum over i, j first", dL_dI,
              direct_swapped, "dL/dI"),
        _step("di-direct", "Cross-check: sympy sums the deltas over i, j (renaming p, q as m, "
              "n) and finds the zero extension of G on its own", dL_dI, direct, "dL/dI"),
    ))  # fmt: skip


def _dL_dI_direct():
    """Differentiate L itself with respect to ``I(i', j')``, summing the deltas over ``i, j``.

    Returns the three stages: ``sympy.diff(L, I(i', j'))``, which is
    ``sum_ij G(i,j) sum_pq delta(i', i+p) delta(j', j+q) w(p,q)``; the same with ``G(i,j)``
    moved inside the inner sum (it does not depend on ``p, q``) and the four finite sums
    reordered so that ``i, j`` are summed first; and sympy's ``doit`` of that, whose
    ``Piecewise`` conditions ``0 <= i'-p <= H-k1``, ``0 <= j'-q <= W-k2`` are the zero
    extension of ``G``, with ``p, q`` renamed ``m, n``.
    """
    g = general
    derivative = sp.diff(_L_def(g.p, g.q), g.I[g.ip, g.jp])
    G_ij, inner = derivative.function.as_independent(sp.Sum)
    if not isinstance(inner, sp.Sum) or G_ij.has(g.p, g.q):
        raise IdentityError(f"unexpected form of sympy.diff(L, I(i', j')): {derivative}")
    swapped = sp.Sum(G_ij * inner.function, *derivative.limits, *inner.limits)
    summed = swapped.doit()
    final = sp.Sum(sp.piecewise_fold(summed.function), *summed.limits)
    return derivative, swapped, final.xreplace({g.p: g.m, g.q: g.n})


@cache
def _derivation_rot180() -> Steps:
    g = general
    m, n, ip, jp, k1, k2 = g.m, g.n, g.ip, g.jp, g.k1, g.k2
    dL_dI = sp.Derivative(g.L, g.I[ip, jp])
    full = _rhs(_derivation_dI(), "eq-di")
    flipped = full.change_index(m, k1 - 1 - m, m).change_index(n, k2 - 1 - n, n)
    as_correlation = flipped.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == g.G_tilde,
        lambda e: g.G_pad[e.indices[0] + k1 - 1, e.indices[1] + k2 - 1],
    ).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == g.w,
        lambda e: g.w_rot[k1 - 1 - e.indices[0], k2 - 1 - e.indices[1]],
    )
    ex = worked_example()
    example = sp.Add(*(g.G[ij] * g.w[mn] for mn, ij in ex.pairs.items()))
    Q = sp.Symbol("Q^{*}")
    Q_def = sp.ImmutableMatrix([[sp.Symbol(s) for s in "ab"], [sp.Symbol(s) for s in "cd"]])
    return Steps((
        _step("eq-di", "(previous chapter) a convolution with G-tilde, zero outside the output",
              dL_dI, full, "dL/dI"),
        Step("eq-example",
             f"{eq('eq-example')} the notes' example (i*, j*) = (2, 2), 3x3 kernel, 5x5 image: "
             "walking m forward walks G backward",
             _eq(sp.Derivative(g.L, g.I[2, 2]), example), worked_latex(ex), "dL/dI",
             sizes=(5, 5, 3, 3), at=((ip, 2), (jp, 2))),
        _step("eq-rot180", "rotate the kernel by 180 degrees, as an index map", g.w_rot[m, n],
              g.w[k1 - 1 - m, k2 - 1 - n], "rot180(w)"),
        Step("q-star", "The notes' Q → Q*", _eq(Q, Q_STAR),
             rf"Q = {to_latex(Q_def)} \;\longrightarrow\; Q^{{*}} = {to_latex(Q_STAR)}", "Q*"),
        _step("flip-indices", "Change the summation indices m → k1-1-m, n → k2-1-n "
              "(Sum.change_index)", dL_dI, flipped, "dL/dI"),
        _step("g-pad", "Pad G with k1-1 rows and k2-1 columns of zeros on each side",
              g.G_pad[g.i, g.j], g.G_tilde[g.i - k1 + 1, g.j - k2 + 1], "G_pad"),
        _step("eq-di-rot", "the same sum is the forward operation, a cross-correlation of the "
              "rotated kernel with the padded G", dL_dI, as_correlation, "dL/dI",
              extra=r" = (w^{*} \otimes G_{\mathrm{pad}})(i', j')"),
    ))  # fmt: skip


_DERIVE = {
    "dw": _derivation_dw,
    "db": _derivation_db,
    "dI": _derivation_dI,
    "rot180": _derivation_rot180,
}

DERIVATIONS = tuple(_DERIVE)
"""The names :func:`steps` knows: ``"dw"``, ``"db"``, ``"dI"``, ``"rot180"``."""


def steps(name: str) -> Steps:
    r"""Return one derivation for symbolic sizes, one labelled :class:`Step` per notebook cell.

    Parameters
    ----------
    name : {"dw", "db", "dI", "rot180"}
        ``"dw"``: :math:`\partial L / \partial w`, equations (2.1)–(2.3), with the layer's
        definition first and sympy's direct derivative of ``L`` as a cross-check last;
        ``"db"``: :math:`\partial L / \partial b`, (2.4); ``"dI"``: the region (3.1) from
        sympy's condition, the chain rule (3.2) over all of ``Y_hat`` then over the region,
        re-indexed with the boundary convention ``G-tilde``, the local derivative (3.3) and the
        convolution (3.4), cross-checked; ``"rot180"``: (3.4) recalled, the worked example
        (4.1), ``rot180`` as an index map (4.2) and the notes' ``Q -> Q*``, the change of
        summation index, and (4.3).

    Returns
    -------
    Steps
        A tuple of :class:`Step`; ``steps(name)[label]`` is the step of that label, and
        ``steps(name).labels`` lists them.

    Raises
    ------
    ValueError
        If ``name`` is not one of the four.

    Notes
    -----
    One step of ``"dI"`` is typed rather than computed: ``"chain-i-region"``, "only the region
    contributes", swaps the support of a finite sum with symbolic bounds, which sympy cannot do.
    :func:`convlib.symbolic.verify_step` checks it at concrete sizes, and the cross-check
    (sympy's derivative of ``L`` with the deltas summed over ``i, j``) reaches the same (3.4)
    without it, symbolically (:func:`check_general`).

    Examples
    --------
    >>> dw = steps("dw")
    >>> dw["eq-dyhat-dw"].expr.rhs
    I[i + m', j + n']
    >>> dw.labels[:2]
    ['eq-layer', 'eq-chain-w']
    """
    check_choice(name, "name", DERIVATIONS)
    return _DERIVE[name]()


def check_general() -> None:
    r"""Check, for symbolic sizes, that sympy's own derivations give the notes' results.

    Structural identities (no concrete size substituted):

    * (2.2): the derivative of (1.3) with respect to ``w(m', n')``, deltas summed and the
      kernel-index condition discharged, is ``I(i+m', j+n')``; (2.3): substituted into (2.1) it
      is the notes' sum, and sympy's direct derivative of ``L`` is the same sum;
    * (2.4): sympy's derivative of ``L`` with respect to ``b`` is ``sum_ij G(i, j)``;
    * (3.3): the derivative of ``Y_hat(i'-m, j'-n)`` with respect to ``I(i', j')`` is
      ``w(m, n)``;
    * (3.4): the notes' route ((3.2) with ``G-tilde``, then (3.3)) and sympy's direct derivative
      of ``L`` are the same sum once ``G-tilde`` is written out;
    * (4.3): the cross-correlation form, with ``G_pad`` and ``w^*`` written out, is the flipped
      sum, which ``Sum.change_index`` obtained from (3.4).

    Raises
    ------
    IdentityError
        Naming the identity that fails.
    """
    g = general
    i, j, m, n, ip, jp, mp, np_ = g.i, g.j, g.m, g.n, g.ip, g.jp, g.mp, g.np_
    over_Y = ((i, 0, g.H - g.k1), (j, 0, g.W - g.k2))
    over_kernel = ((m, 0, g.k1 - 1), (n, 0, g.k2 - 1))
    dw, db, dI, rot = _derivation_dw(), _derivation_db(), _derivation_dI(), _derivation_rot180()

    def expand_definitions(expr):
        expr = expr.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == g.G_pad,
            lambda e: g.G_tilde[e.indices[0] - g.k1 + 1, e.indices[1] - g.k2 + 1],
        ).replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == g.w_rot,
            lambda e: g.w[g.k1 - 1 - e.indices[0], g.k2 - 1 - e.indices[1]],
        )
        expr = expr.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == g.G_tilde,
            lambda e: _G_tilde_def(*e.indices),
        )
        if isinstance(expr, sp.Sum):
            expr = sp.Sum(sp.piecewise_fold(expr.function), *expr.limits)
        return _canonical(expr)

    e6 = sp.Sum(g.G[i, j] * g.I[i + mp, j + np_], *over_Y)
    e11 = sp.Sum(g.G_tilde[ip - m, jp - n] * g.w[m, n], *over_kernel)
    sum_G = sp.Sum(g.G[i, j], *over_Y)
    identities = {
        f"{eq('eq-dyhat-dw')} dY_hat(i,j)/dw(m',n') == I(i+m', j+n')": (
            _rhs(dw, "eq-dyhat-dw"),
            g.I[i + mp, j + np_],
        ),
        f"{eq('eq-dw')} ((2.2) substituted into (2.1)) == the notes' sum": (
            _rhs(dw, "eq-dw"),
            e6,
        ),
        f"{eq('eq-dw')} sympy.diff(L, w(m',n')) == the notes' sum": (_rhs(dw, "dw-direct"), e6),
        f"{eq('eq-db')} (substituted) == sum G": (_rhs(db, "eq-db"), sum_G),
        f"{eq('eq-db')} sympy.diff(L, b) == sum G": (_rhs(db, "db-direct"), sum_G),
        f"{eq('eq-dyhat-di')} dY_hat(i'-m, j'-n)/dI(i',j') == w(m, n)": (
            _rhs(dI, "eq-dyhat-di"),
            g.w[m, n],
        ),
        f"{eq('eq-di')} ((3.3) substituted into (3.2)) == the notes' sum": (
            _rhs(dI, "eq-di"),
            e11,
        ),
        f"{eq('eq-di')} sympy.diff(L, I(i',j')) == the notes' sum with G-tilde written out": (
            _rhs(dI, "di-direct"),
            expand_definitions(e11),
        ),
        f"{eq('eq-di-rot')} (w* ⊗ G_pad)(i',j') == (3.4) with indices flipped": (
            expand_definitions(_rhs(rot, "eq-di-rot")),
            expand_definitions(_rhs(rot, "flip-indices")),
        ),
    }
    for name, (derived, expected) in identities.items():
        if _canonical(derived) != _canonical(expected):
            raise IdentityError(f"{name} fails: sympy gives {derived}, expected {expected}")
