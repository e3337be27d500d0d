r"""LaTeX in the notes' notation, and :class:`Step`, one labelled step of a derivation.

:func:`to_latex` writes ``I(i + m, j + n)`` rather than ``I_{i+m, j+n}``, a first derivative as
a fraction, and a double sum as two ``\sum`` in the notes' order.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

__all__ = ["Step", "to_latex"]


class _NotesPrinter(LatexPrinter):
    """LaTeX printer that writes arrays and derivatives as the notes do."""

    def _print_Indexed(self, expr):
        indices = ", ".join(self._print(index) for index in expr.indices)
        return rf"{self._print(expr.base.label)}({indices})"

    def _print_Derivative(self, expr):
        if len(expr.variable_count) == 1 and expr.variable_count[0][1] == 1:
            variable = expr.variable_count[0][0]
            return (
                rf"\frac{{\partial {self._print(expr.expr)}}}{{\partial {self._print(variable)}}}"
            )
        return super()._print_Derivative(expr)

    def _print_Sum(self, expr):
        # one \sum per index, in the notes' order (m before n) when the bounds allow it
        limits = list(expr.limits)
        dummies = {x for x, _, _ in limits}
        if any((a.free_symbols | b.free_symbols) & dummies for _, a, b in limits):
            limits.reverse()  # dependent bounds: outermost first, as sympy nests them
        tex = "".join(
            rf"\sum_{{{self._print(x)}={self._print(a)}}}^{{{self._print(b)}}} "
            for x, a, b in limits
        )
        function = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            function = rf"\left({function}\right)"
        return tex + function

    def _print_Add(self, expr, order=None):
        # sums before the bias, as in the layer's definition, and no leading minus: i' - i,
        # not -i + i'
        terms = self._as_ordered_terms(expr, order=order)
        terms.sort(key=lambda term: not term.has(sp.Sum))
        if terms[0].could_extract_minus_sign():
            first = next((t for t in terms if not t.could_extract_minus_sign()), terms[0])
            terms.remove(first)
            terms.insert(0, first)
        tex = self._print(terms[0])
        for term in terms[1:]:
            sign = " - " if term.could_extract_minus_sign() else " + "
            term = -term if sign == " - " else term
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += sign + term_tex
        return tex

    def _print_Mul(self, expr):
        # the notes' order: dL/dY_hat(i, j) · dY_hat(i, j)/dw(m', n'), derivatives last
        derivatives = [f for f in expr.args if isinstance(f, sp.Derivative)]
        if not derivatives or len(derivatives) == len(expr.args):
            return super()._print_Mul(expr)
        others = sp.Mul(*(f for f in expr.args if not isinstance(f, sp.Derivative)))
        factors = [self.parenthesize(others, PRECEDENCE["Mul"]), *map(self._print, derivatives)]
        return r" \cdot ".join(factors)


def to_latex(expr) -> str:
    r"""Return LaTeX for `expr` in the notes' notation.

    Parameters
    ----------
    expr : sympy.Basic
        Any sympy expression, equation or boolean.

    Returns
    -------
    str
        LaTeX without surrounding ``$``. Indexed arrays print as ``I(i + m, j + n)``, a first
        derivative as ``\frac{\partial \hat{Y}(i, j)}{\partial w(m', n')}``, and a double sum as two
        nested ``\sum`` with their bounds, as in the notes.

    Examples
    --------
    >>> from convlib.symbolic import general as g
    >>> to_latex(g.I[g.i + g.m, g.j + g.n])
    'I(i + m, j + n)'
    """
    return _NotesPrinter().doprint(expr)


def _text(title: str) -> str:
    r"""Check that a plain-text title can go inside ``\text{...}`` (MathJax takes it verbatim)."""
    if any(char in title for char in "\\{}$"):
        raise ValueError(f"a step title cannot contain backslashes, braces or dollars: {title!r}")
    return title


_LONG_FORMULA = 120  # characters of LaTeX past which a step breaks after its '='
# characters of LaTeX past which a step breaks after its '='


@dataclass(frozen=True, repr=False)
class Step:
    r"""One step of a derivation, for display in a notebook cell.

    Attributes
    ----------
    label : str
        The step's name within its derivation, how chapters and tests look it up: the book's
        equation label (``"eq-chain-w"``) when the step is a numbered equation of the book,
        otherwise a short name of its own (``"dyhat-dw-deltas"``).
    title : str
        Plain text saying what the step does; it starts with the book's equation number, such
        as ``"(2.2) "``, when the step is that equation.
    expr : sympy.Basic
        The step, usually ``Eq(lhs, rhs)``; for the region a boolean condition.
    latex : str
        LaTeX of the step (without ``$``), in the notes' notation.
    quantity : str or None
        What ``expr`` (its right-hand side) equals, for :func:`verify_step`: one of
        ``"Y_hat"``, ``"Y_hat(i'-m, j'-n)"``, ``"dY_hat/dw"``, ``"dY_hat/db"``,
        ``"dY_hat/dI"``, ``"dY_hat(i'-m, j'-n)/dI"`` (and its restriction
        ``"dY_hat(i'-m, j'-n)/dI, (m, n) in the kernel"``), ``"region"``, ``"region size"``,
        ``"G_tilde"``, ``"G_pad"``, ``"rot180(w)"``, ``"dL/dw"``, ``"dL/db"``, ``"dL/dI"``,
        ``"Q*"``.
    sizes : tuple of int or None
        ``(H, W, k1, k2)`` when the step is about one concrete size (the worked example),
        else ``None``.
    at : tuple of (sympy.Symbol, int) pairs
        Index values the step is fixed at (the worked example is read at ``(i', j') = (2, 2)``).

    Notes
    -----
    ``_repr_latex_`` returns ``$$\begin{aligned}&\text{title}\\&\text{step}\end{aligned}$$``,
    so ``display(step)`` renders it in Jupyter and in the built book.
    """

    label: str
    title: str
    expr: sp.Basic
    latex: str
    quantity: str | None = None
    sizes: tuple[int, int, int, int] | None = None
    at: tuple[tuple[sp.Symbol, int], ...] = ()

    def _repr_latex_(self) -> str:
        return rf"$$\begin{{aligned}}&\text{{{_text(self.title)}}}\\&{self.latex}\end{{aligned}}$$"

    def _repr_markdown_(self) -> str:
        # Preferred by Jupyter and by the book: the title as text, which wraps on a narrow page,
        # and the formula as display math, its right-hand side on a line of its own when long.
        title = self.title.replace("*", r"\*").replace("_", r"\_")
        formula = self.latex
        if len(formula) > _LONG_FORMULA and " = " in formula:
            lhs, rhs = formula.split(" = ", 1)
            formula = rf"\begin{{aligned}}&{lhs} = \\ &\quad {rhs}\end{{aligned}}"
        # equation*, not $$: JupyterLab's MyST numbers every $$ display; the site, labelled ones.
        return f"*{title}*\n\n\\begin{{equation*}}\n{formula}\n\\end{{equation*}}"

    def __repr__(self) -> str:
        return f"[{self.label}] {self.title}\n    {sp.sstr(self.expr)}"
