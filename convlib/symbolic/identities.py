r"""The course's identities at concrete sizes, checked exactly: one table, one ``check``.

Each identity is named by the book's label of the equation it proves (``"eq-dw"`` is equation
(2.3), :math:`\partial L / \partial w = G \otimes I`) and compares what sympy found by
differentiating (:func:`convlib.symbolic.derive`) with the closed form on sympy matrices. A
failing identity raises :class:`IdentityError`, whose message names the identity, the size and
the first entry that differs; a passing one returns ``None``.

Examples
--------
>>> from convlib.symbolic import check, derive
>>> d = derive(3, 3, 2, 2)
>>> check("eq-dw", d)
>>> check("eq-region", d)
>>> sorted(IDENTITIES)[:3]
['eq-count', 'eq-db', 'eq-di']
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..book import eq
from ._latex import to_latex
from ._symbols import general
from .concrete import Derivation, derive
from .matrices import convolve2d, correlate2d, region, rot180, zero_pad

__all__ = [
    "IDENTITIES",
    "Identity",
    "IdentityError",
    "WorkedExample",
    "assert_matrices_equal",
    "check",
    "check_all",
    "matrices_equal",
    "worked_example",
]


class IdentityError(AssertionError):
    """An identity of the course does not hold (the message says which entry and why)."""


def matrices_equal(A, B) -> bool:
    """Whether two sympy matrices have the same shape and equal entries.

    Parameters
    ----------
    A, B : sympy.Matrix

    Returns
    -------
    bool
        ``True`` when every ``(a - b).expand() == 0``: exact for the polynomial entries here.
    """
    A, B = sp.ImmutableMatrix(A), sp.ImmutableMatrix(B)
    return A.shape == B.shape and all(sp.expand(a - b) == 0 for a, b in zip(A, B, strict=True))


def assert_matrices_equal(A, B, what: str) -> None:
    """Raise :class:`IdentityError` naming the first differing entry unless ``A == B``.

    Parameters
    ----------
    A, B : sympy.Matrix
    what : str
        The identity, e.g. ``"(2.3) dw == G ⊗ I at (H, W, k1, k2) = (3, 3, 2, 2)"``.

    Raises
    ------
    IdentityError
        If the shapes or an entry differ.
    """
    A, B = sp.ImmutableMatrix(A), sp.ImmutableMatrix(B)
    if A.shape != B.shape:
        raise IdentityError(f"{what}: shapes differ, {A.shape} != {B.shape}")
    for r, c in itertools.product(range(A.rows), range(A.cols)):
        if sp.expand(A[r, c] - B[r, c]) != 0:
            raise IdentityError(f"{what}: entry ({r}, {c}) differs: {A[r, c]} != {B[r, c]}")


def _at(d: Derivation) -> str:
    return f"at (H, W, k1, k2) = {d.sizes}"


# ---------------------------------------------------------------------------------------------
# The identities, one function each: (d, **options) -> None, raising IdentityError
# ---------------------------------------------------------------------------------------------


def _dw(d: Derivation) -> None:
    assert_matrices_equal(d.dw, correlate2d(d.I, d.G), f"{eq('eq-dw')} dw == G ⊗ I {_at(d)}")


def _db(d: Derivation) -> None:
    if sp.expand(d.db - sum(d.G)) != 0:
        raise IdentityError(f"{eq('eq-db')} db == sum(G) {_at(d)}: {d.db} != {sum(d.G)}")


def _region(d: Derivation, affected_region: Callable | None = None) -> None:
    outputs = list(itertools.product(range(d.G.rows), range(d.G.cols)))
    for ip, jp in itertools.product(range(d.H), range(d.W)):
        found = {(i, j) for i, j in outputs if d.Y_hat[i, j].has(d.I[ip, jp])}
        candidates = {"the clipped formula": region(ip, jp, d.H, d.W, d.k1, d.k2)}
        if affected_region is not None:
            candidates["affected_region"] = affected_region(ip, jp, (d.H, d.W), (d.k1, d.k2))[:2]
        for name, (rows, cols) in candidates.items():
            expected = set(itertools.product(rows, cols))
            if found != expected:
                raise IdentityError(
                    f"{eq('eq-region')} region of I({ip}, {jp}) {_at(d)}: the outputs "
                    f"containing it are {sorted(found)}, {name} gives {sorted(expected)}"
                )


def _di(d: Derivation) -> None:
    full = convolve2d(d.G, d.w, mode="full")
    assert_matrices_equal(d.dI, full, f"{eq('eq-di')} dI == w * G (full) {_at(d)}")


def _di_rot(d: Derivation) -> None:
    G_pad = zero_pad(d.G, d.k1 - 1, d.k2 - 1)
    assert_matrices_equal(
        d.dI,
        correlate2d(G_pad, rot180(d.w)),
        f"{eq('eq-di-rot')} dI == rot180(w) ⊗ pad(G) {_at(d)}",
    )


def _count(d: Derivation) -> None:
    n_outputs = d.G.rows * d.G.cols
    counts = {"dw": (len(d.dw), d.k1 * d.k2), "dI": (len(d.dI), d.H * d.W), "db": (1, 1)}
    for name, (found, expected) in counts.items():
        if found != expected:
            raise IdentityError(
                f"{eq('eq-count')} {_at(d)}: {found} {name} gradients, expected {expected}"
            )
    terms = [(f"dw{mn}", d.dw[mn], n_outputs) for mn in itertools.product(range(d.k1), range(d.k2))]
    terms.append(("db", d.db, n_outputs))
    for ip, jp in itertools.product(range(d.H), range(d.W)):
        rows, cols = region(ip, jp, d.H, d.W, d.k1, d.k2)
        terms.append((f"dI{(ip, jp)}", d.dI[ip, jp], len(rows) * len(cols)))
    for name, expr, expected in terms:
        found = len(sp.Add.make_args(expr)) if expr != 0 else 0
        if found != expected:
            raise IdentityError(
                f"{eq('eq-count')} {_at(d)}: {name} has {found} terms, expected {expected}"
            )


_a, _b, _c, _d = sp.symbols("a b c d")
Q = sp.ImmutableMatrix([[_a, _b], [_c, _d]])
"""The notes' kernel :math:`Q = [[a, b], [c, d]]`."""
Q_STAR = sp.ImmutableMatrix([[_d, _c], [_b, _a]])
"""The notes' :math:`Q^* = [[d, c], [b, a]]`, ``Q`` rotated by 180 degrees."""


def _rot180(d: Derivation) -> None:
    k1, k2 = d.k1, d.k2
    what = f"{eq('eq-rot180')} rot180"
    mapped = sp.ImmutableMatrix(k1, k2, lambda m, n: d.w[k1 - 1 - m, k2 - 1 - n])
    assert_matrices_equal(rot180(d.w), mapped, f"{what} as an index map, k = ({k1}, {k2})")
    assert_matrices_equal(rot180(rot180(d.w)), d.w, f"{what} twice, k = ({k1}, {k2})")
    assert_matrices_equal(rot180(Q), Q_STAR, f"{what}: the notes' Q -> Q*")


def _example(d: Derivation) -> None:
    for ip, jp in itertools.product(range(d.H), range(d.W)):
        ex = _expand(d, ip, jp)
        expected = {
            (m, n): (ip - m, jp - n)
            for m, n in itertools.product(range(d.k1), range(d.k2))
            if 0 <= ip - m < d.G.rows and 0 <= jp - n < d.G.cols
        }
        if ex.pairs != expected:
            raise IdentityError(
                f"{eq('eq-example')} at (i*, j*) = ({ip}, {jp}) {_at(d)}: w(m, n) pairs with "
                f"{ex.pairs}, expected G(i*-m, j*-n): {expected}"
            )


@dataclass(frozen=True)
class Identity:
    """One identity of the course: its book label, its statement, and how to check it.

    Attributes
    ----------
    label : str
        The book's label of the equation it proves, such as ``"eq-dw"``.
    statement : str
        The identity in words, starting with the equation's number: ``"(2.3) dL/dw = G ⊗ I"``.
    function : callable
        ``function(d, **options)`` raises :class:`IdentityError` if it fails at ``d``.
    """

    label: str
    statement: str
    function: Callable[..., None]


def _identity(label: str, text: str, function: Callable[..., None]) -> Identity:
    return Identity(label, f"{eq(label)} {text}", function)


IDENTITIES: dict[str, Identity] = {
    identity.label: identity
    for identity in (
        _identity("eq-dw", "dL/dw = G ⊗ I, sympy's derivative entry by entry", _dw),
        _identity("eq-db", "dL/db = Σ G, sympy's derivative", _db),
        _identity(
            "eq-count",
            "k1·k2 weight gradients of H'·W' terms, one bias gradient, H·W input gradients "
            "of as many terms as the pixel's region has outputs",
            _count,
        ),
        _identity(
            "eq-region",
            "the outputs whose expression contains I(i', j') are its clipped region",
            _region,
        ),
        _identity("eq-di", "dL/dI = w * G, the full convolution", _di),
        _identity(
            "eq-example",
            "at every pixel (i*, j*), w(m, n) multiplies G(i*-m, j*-n) in dL/dI(i*, j*)",
            _example,
        ),
        _identity(
            "eq-rot180",
            "rot180 is the index map (m, n) -> (k1-1-m, k2-1-n), its own inverse, and Q -> Q*",
            _rot180,
        ),
        _identity("eq-di-rot", "dL/dI = rot180(w) ⊗ pad(G, k1-1, k2-1)", _di_rot),
    )
}
"""Every identity, by the book's label; ``IDENTITIES[label].statement`` says what it checks."""


def check(label: str, d: Derivation, **options) -> None:
    r"""Check the identity ``label`` at the sizes of ``d``; raise if it fails.

    Parameters
    ----------
    label : str
        A key of :data:`IDENTITIES`: ``"eq-dw"`` (2.3), ``"eq-db"`` (2.4), ``"eq-count"``
        (2.5), ``"eq-region"`` (3.1), ``"eq-di"`` (3.4), ``"eq-example"`` (4.1),
        ``"eq-rot180"`` (4.2), ``"eq-di-rot"`` (4.3).
    d : Derivation
        From :func:`convlib.symbolic.derive`.
    **options
        ``affected_region=`` for ``"eq-region"``: a function ``(ip, jp, image_shape,
        kernel_shape) -> (rows, cols)``, such as ``convlib.affected_region``, compared with
        sympy's answer too.

    Raises
    ------
    IdentityError
        If the identity does not hold; the message names the entry.
    KeyError
        If ``label`` names no identity; the message lists them.

    Notes
    -----
    For instance ``"eq-di"`` compares sympy's :math:`\partial L / \partial I(i', j')`, for
    every pixel, with the full convolution

    .. math:: (w * G)(i', j') = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} \tilde{G}(i'-m, j'-n)\,
        w(m, n),

    :math:`\tilde{G}` being :math:`G` inside the output and zero outside.
    """
    try:
        identity = IDENTITIES[label]
    except KeyError:
        known = ", ".join(IDENTITIES)
        raise KeyError(f"no identity labelled {label!r}; the identities are {known}") from None
    identity.function(d, **options)


def check_all(d: Derivation, affected_region: Callable | None = None) -> None:
    """Check every identity of :data:`IDENTITIES` at the sizes of ``d``.

    Raises
    ------
    IdentityError
        At the first identity that fails.
    """
    for label in IDENTITIES:
        options = {"affected_region": affected_region} if label == "eq-region" else {}
        check(label, d, **options)


# ---------------------------------------------------------------------------------------------
# The notes' worked example at (i*, j*) = (2, 2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkedExample:
    r"""``dL/dI(i*, j*)`` expanded at concrete sizes, term by term, equation (4.1).

    Attributes
    ----------
    d : Derivation
    ip, jp : int
        The pixel ``(i*, j*)``.
    expr : sympy.Expr
        ``d.dI[ip, jp]``.
    pairs : dict
        ``{(m, n): (i, j)}``: the weight ``w(m, n)`` multiplies ``G(i, j)`` in `expr`.
    """

    d: Derivation
    ip: int
    jp: int
    expr: sp.Expr
    pairs: dict

    def _repr_latex_(self) -> str:
        return f"$${worked_latex(self)}$$"


def worked_example(
    H: int = 5, W: int = 5, k1: int = 3, k2: int = 3, ip: int = 2, jp: int = 2
) -> WorkedExample:
    r"""Expand ``dL/dI(i*, j*)`` and read off which ``G`` each weight multiplies, (4.1).

    Parameters
    ----------
    H, W, k1, k2 : int
        Sizes; the default is the notes' picture, a 3x3 kernel on a 5x5 image (3x3 output).
    ip, jp : int
        The pixel ``(i*, j*)``, the notes' ``(2, 2)`` by default.

    Returns
    -------
    WorkedExample
        ``pairs[(m, n)]`` is the ``(i, j)`` of the ``G`` that multiplies ``w(m, n)``.

    Raises
    ------
    IdentityError
        If a term of ``dI[ip, jp]`` is not a product ``G(i, j)·w(m, n)``.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial I(i^*, j^*)}
        = \sum_{m=0}^{k_1-1} \sum_{n=0}^{k_2-1} G(i^*-m, j^*-n)\, w(m, n):

    walking ``m`` forward walks ``G`` backward: ``m = 0`` pairs with row ``i*`` of ``G``,
    ``m = k1-1`` with row ``i* - k1 + 1``. ``check("eq-example", d)`` checks this pairing at
    every pixel.

    Examples
    --------
    >>> ex = worked_example()
    >>> ex.pairs[(0, 0)], ex.pairs[(2, 2)]
    ((2, 2), (0, 0))
    """
    d = derive(H, W, k1, k2)
    if not (0 <= ip < H and 0 <= jp < W):
        raise ValueError(f"pixel ({ip}, {jp}) is outside the image of shape ({H}, {W})")
    return _expand(d, ip, jp)


def _expand(d: Derivation, ip: int, jp: int) -> WorkedExample:
    G_index = {d.G[r, c]: (r, c) for r, c in itertools.product(range(d.G.rows), range(d.G.cols))}
    w_index = {d.w[m, n]: (m, n) for m, n in itertools.product(range(d.k1), range(d.k2))}
    expr = d.dI[ip, jp]
    pairs = {}
    for term in sp.Add.make_args(expr):
        factors = term.as_ordered_factors()
        Gs = [G_index[f] for f in factors if f in G_index]
        ws = [w_index[f] for f in factors if f in w_index]
        if len(factors) != 2 or len(Gs) != 1 or len(ws) != 1:
            raise IdentityError(f"{eq('eq-example')}: the term {term} is not a product G·w")
        pairs[ws[0]] = Gs[0]
    return WorkedExample(d, ip, jp, expr, pairs)


def worked_latex(ex: WorkedExample) -> str:
    """Write the expansion as an ``aligned`` block, one line per kernel row m."""
    d, g = ex.d, general
    lines = []
    for m in range(d.k1):
        ns = [n for n in range(d.k2) if (m, n) in ex.pairs]
        if not ns:
            continue
        products = " + ".join(
            rf"{to_latex(g.G[ex.pairs[(m, n)]])}\,{to_latex(g.w[m, n])}" for n in ns
        )
        row = ex.pairs[(m, ns[0])][0]
        lines.append(
            rf"&{'=' if not lines else '+'} {products} && m = {m}:\ \text{{row {row} of }} G"
        )
    lhs = rf"\frac{{\partial L}}{{\partial I({ex.ip}, {ex.jp})}}"
    return rf"\begin{{aligned}}{lhs} " + r" \\ ".join(lines) + r"\end{aligned}"
