"""How the course writes numbers, ranges and counts in plain text (figures, widgets, captions).

One home for the small formatting rules that every sentence a figure or widget writes follows:

- numbers with a true minus sign and at most four significant digits: ``num(-1.5) == "−1.5"``;
- a negative factor of a product in brackets: ``products([(2, -1)]) == "2·(−1)"``;
- index ranges as ``"0–2"`` (en dash) or ``"0"``, with their noun: ``"rows 0–2"``, ``"row 0"``;
- counts with their noun: ``"1 output"``, ``"9 outputs"``;
- sizes as ``"3×3"``.

Needs only the standard library. Private: the rules are the course's, not an API.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MINUS = "\N{MINUS SIGN}"
DASH = "\N{EN DASH}"
TIMES = "\N{MULTIPLICATION SIGN}"
DOT = "\N{MIDDLE DOT}"
PRIME = "\N{PRIME}"
PARTIAL = "\N{PARTIAL DIFFERENTIAL}"
Y_HAT = "\N{LATIN CAPITAL LETTER Y WITH CIRCUMFLEX}"

__all__ = [
    "DASH",
    "DOT",
    "MINUS",
    "PARTIAL",
    "PRIME",
    "TIMES",
    "Y_HAT",
    "factor",
    "matrix",
    "num",
    "plural",
    "products",
    "size",
    "span",
    "span_of",
    "w",
]


def num(x: float, digits: int = 4) -> str:
    """Write a number as the course prints it: ``2``, ``−1.5``, ``0.3333`` (true minus sign).

    >>> num(-1.5), num(2.0), num(1 / 3), num(-0.0)
    ('−1.5', '2', '0.3333', '0')
    """
    x = float(x) + 0.0  # -0.0 prints as 0
    return f"{x:.{digits}g}".replace("-", MINUS)


def factor(x: float) -> str:
    """Write a factor of a product, a negative one in brackets: ``2``, ``(−1)``."""
    return f"({num(x)})" if float(x) < 0 else num(x)


def products(pairs: Iterable[tuple[float, float]]) -> str:
    """Write the products of a sum: ``"2·1 + 0·(−1)"``."""
    return " + ".join(f"{factor(a)}{DOT}{factor(b)}" for a, b in pairs)


def span(r: range) -> str:
    """Write a range of indices: ``"0–2"``, or ``"0"`` for one index.

    >>> span(range(0, 3)), span(range(4, 5))
    ('0–2', '4')
    """
    return str(r.start) if len(r) == 1 else f"{r.start}{DASH}{r[-1]}"


def span_of(word: str, r: range) -> str:
    """Write a range of indices with its noun: ``"rows 0–2"``, ``"row 0"``.

    >>> span_of("column", range(1, 3)), span_of("row", range(2, 3))
    ('columns 1–2', 'row 2')
    """
    return f"{word} {r.start}" if len(r) == 1 else f"{word}s {span(r)}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """Write a count with its noun: ``"1 output"``, ``"9 outputs"``, ``"2 entries"``.

    >>> plural(1, "output"), plural(9, "output"), plural(2, "entry", "entries")
    ('1 output', '9 outputs', '2 entries')
    """
    return f"{count} " + (word if count == 1 else many or word + "s")


def size(shape: Sequence[int]) -> str:
    """Write a shape as ``"3×3"``."""
    return TIMES.join(str(int(d)) for d in shape)


def matrix(rows: Iterable[Iterable[str]]) -> str:
    """Write a small matrix of already formatted entries: ``"[[a, b], [c, d]]"``."""
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


def w(m: int, n: int) -> str:
    """Write the kernel entry ``w(m,n)`` as the figures label it: ``w(0,2)``."""
    return f"w({m},{n})"
