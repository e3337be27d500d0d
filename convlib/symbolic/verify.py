r"""Verify a general step at concrete sizes: write its sums out and compare with ``derive``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache

import sympy as sp

from ._latex import Step
from ._symbols import general
from .concrete import Derivation, derive
from .identities import IdentityError, Q, assert_matrices_equal
from .matrices import rot180, zero_pad

__all__ = ["verify_step", "verify_steps"]


def _at(d: Derivation) -> str:
    return f"at (H, W, k1, k2) = {d.sizes}"


def _unroll(expr):
    """Write out every Sum with integer limits as an Add, without evaluating its summand."""
    if isinstance(expr, sp.Sum):
        return _unroll_limits(expr.function, list(expr.limits))
    if not expr.has(sp.Sum):
        return expr
    return expr.func(*(_unroll(arg) for arg in expr.args))


def _unroll_limits(function, limits):
    if not limits:
        return _unroll(function)
    x, lo, hi = limits[-1]  # outermost
    if not (lo.is_Integer and hi.is_Integer) or hi < lo - 1:
        raise ValueError(f"cannot unroll the sum over {x} from {lo} to {hi}")
    terms = []
    for value in range(int(lo), int(hi) + 1):
        inner = [(y, a.xreplace({x: value}), c.xreplace({x: value})) for y, a, c in limits[:-1]]
        terms.append(_unroll_limits(function.xreplace({x: value}), inner))
    return sp.Add(*terms)


@cache
def _padded_and_rotated(d: Derivation) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """Return ``pad(G)`` by ``(k1-1, k2-1)`` and ``rot180(w)`` for `d` (cached)."""
    return zero_pad(d.G, d.k1 - 1, d.k2 - 1), rot180(d.w)


def _concretize(expr, d: Derivation, values: dict):
    """Evaluate a general expression at the sizes of `d` and the given index values."""
    g = general
    H, W, k1, k2 = d.sizes
    expr = _unroll(expr.xreplace({g.H: H, g.W: W, g.k1: k1, g.k2: k2, **values}))

    def entry(A, name, r, c, outside=None):
        if 0 <= r < A.rows and 0 <= c < A.cols:
            return A[r, c]
        if outside is None:
            raise IndexError(f"{name}({r}, {c}) is outside {name} of shape {A.shape}")
        return outside

    def indices(e):
        r, c = e.indices
        if not (r.is_Integer and c.is_Integer):
            raise ValueError(f"{e} still has a symbolic index after substitution")
        return int(r), int(c)

    G_pad, w_rot = _padded_and_rotated(d)
    definitions = {  # first the arrays defined from others, so that 0 * (...) collapses
        g.G_tilde: lambda r, c: entry(d.G, "G", r, c, outside=sp.S.Zero),
        g.G_pad: lambda r, c: entry(G_pad, "G_pad", r, c),
        g.w_rot: lambda r, c: entry(w_rot, "w*", r, c),
    }
    arrays = {
        g.I: lambda r, c: entry(d.I, "I", r, c),
        g.w: lambda r, c: entry(d.w, "w", r, c),
        g.G: lambda r, c: entry(d.G, "G", r, c),
        g.Y_hat: lambda r, c: entry(d.Y_hat, "Y_hat", r, c),
    }
    for table in (definitions, arrays):
        expr = expr.xreplace(
            {e: table[e.base](*indices(e)) for e in expr.atoms(sp.Indexed) if e.base in table}
        )
    if expr.has(sp.Indexed):
        raise ValueError(f"unknown array left in {expr}")
    return expr.doit()


@cache
def _quantities(d: Derivation):
    """For each quantity: its free index symbols, their values, and the expected value."""
    g = general
    H, W, k1, k2 = d.sizes
    out_r, out_c = range(H - k1 + 1), range(W - k2 + 1)
    kernel = list(itertools.product(range(k1), range(k2)))
    outputs = list(itertools.product(out_r, out_c))
    pixels = list(itertools.product(range(H), range(W)))

    def shifted(only_kernel: bool):
        # (i', j', m, n) with Y_hat(i'-m, j'-n) an output; all such m, n, or kernel ones only
        for ip, jp in pixels:
            for i, j in outputs:
                m, n = ip - i, jp - j
                if not only_kernel or (0 <= m < k1 and 0 <= n < k2):
                    yield ip, jp, m, n

    def count(ip, jp):
        return sum(1 for i, j in outputs if d.Y_hat[i, j].has(d.I[ip, jp]))

    def dY_dI(i, j, ip, jp):
        return sp.diff(d.Y_hat[i, j], d.I[ip, jp])

    G_pad, w_rot = _padded_and_rotated(d)
    big = list(itertools.product(range(-k1, H + 1), range(-k2, W + 1)))
    return {
        "Y_hat": ((g.i, g.j), outputs, lambda i, j: d.Y_hat[i, j]),
        "Y_hat(i'-m, j'-n)": (
            (g.ip, g.jp, g.m, g.n),
            list(shifted(False)),
            lambda ip, jp, m, n: d.Y_hat[ip - m, jp - n],
        ),
        "dY_hat/dw": (
            (g.i, g.j, g.mp, g.np_),
            [o + k for o in outputs for k in kernel],
            lambda i, j, m, n: sp.diff(d.Y_hat[i, j], d.w[m, n]),
        ),
        "dY_hat/db": ((g.i, g.j), outputs, lambda i, j: sp.diff(d.Y_hat[i, j], d.b)),
        "dY_hat/dI": (
            (g.i, g.j, g.ip, g.jp),
            [o + x for o in outputs for x in pixels],
            dY_dI,
        ),
        "dY_hat(i'-m, j'-n)/dI": (
            (g.ip, g.jp, g.m, g.n),
            list(shifted(False)),
            lambda ip, jp, m, n: dY_dI(ip - m, jp - n, ip, jp),
        ),
        "dY_hat(i'-m, j'-n)/dI, (m, n) in the kernel": (
            (g.ip, g.jp, g.m, g.n),
            list(shifted(True)),
            lambda ip, jp, m, n: dY_dI(ip - m, jp - n, ip, jp),
        ),
        "region": (
            (g.i, g.j, g.ip, g.jp),
            [o + x for o in outputs for x in pixels],
            lambda i, j, ip, jp: sp.true if d.Y_hat[i, j].has(d.I[ip, jp]) else sp.false,
        ),
        "region size": ((g.ip, g.jp), pixels, count),
        "G_tilde": (
            (g.i, g.j),
            big,
            lambda i, j: d.G[i, j] if i in out_r and j in out_c else sp.S.Zero,
        ),
        "G_pad": (
            (g.i, g.j),
            list(itertools.product(range(G_pad.rows), range(G_pad.cols))),
            lambda i, j: G_pad[i, j],
        ),
        "rot180(w)": ((g.m, g.n), kernel, lambda m, n: w_rot[m, n]),
        "dL/dw": ((g.mp, g.np_), kernel, lambda m, n: d.dw[m, n]),
        "dL/db": ((), [()], lambda: d.db),
        "dL/dI": ((g.ip, g.jp), pixels, lambda ip, jp: d.dI[ip, jp]),
    }


def verify_step(step: Step, H: int, W: int, k1: int, k2: int) -> None:
    """Check a general step at concrete sizes, against :func:`derive`, for every index value.

    The right-hand side of ``step.expr`` (the whole condition for the region steps) has the
    sizes and the index values substituted, its sums written out, and its arrays replaced by the
    symbols of ``derive(H, W, k1, k2)`` (``G~`` by ``G`` inside the output and 0 outside); the
    remaining derivatives are evaluated. The result must equal ``step.quantity`` computed from
    the concrete derivation, for every value of the step's free indices.

    Parameters
    ----------
    step : Step
        A step of :func:`convlib.symbolic.steps`.
    H, W, k1, k2 : int
        Sizes; ignored for a step fixed at its own sizes (``step.sizes``, the worked example).

    Raises
    ------
    IdentityError
        Naming the step and the index values where it fails.
    """
    if step.quantity == "Q*":
        assert_matrices_equal(rot180(Q), step.expr.rhs, f"step {step.label!r}")
        return
    if step.quantity is None:
        raise ValueError(f"step {step.label!r} has no quantity to verify")
    d = derive(*(step.sizes or (H, W, k1, k2)))
    symbols, values, expected = _quantities(d)[step.quantity]
    fixed = dict(step.at)
    rhs = step.expr.rhs if isinstance(step.expr, sp.Eq) else step.expr  # the region: a condition
    for value in values:
        assignment = dict(zip(symbols, value, strict=True))
        if any(assignment[s] != v for s, v in fixed.items()):
            continue
        where = ", ".join(f"{s} = {v}" for s, v in assignment.items())
        try:
            got = _concretize(rhs, d, assignment)
        except IndexError as error:  # e.g. a bound that overruns G, as in the notes' slips
            raise IdentityError(f"step {step.label!r} fails {_at(d)}, {where}: {error}") from None
        want = expected(*value)
        if isinstance(want, sp.logic.boolalg.BooleanAtom):
            same = got == want
        else:
            same = sp.expand(got - want) == 0
        if not same:
            raise IdentityError(
                f"step {step.label!r} fails {_at(d)}, {where}: gives {got}, expected {want}"
            )


def verify_steps(steps: Sequence[Step], H: int, W: int, k1: int, k2: int) -> None:
    """Run :func:`verify_step` on every step at the given sizes.

    Parameters
    ----------
    steps : sequence of Step
    H, W, k1, k2 : int

    Raises
    ------
    IdentityError
        At the first step that fails.
    """
    for step in steps:
        verify_step(step, H, W, k1, k2)
