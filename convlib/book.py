"""The book's own equation numbers, so that everything a reader sees uses one numbering.

Widget titles and captions, figure descriptions, exercise-checker messages and derivation step
titles name an equation by the number the website prints beside it, ``(2.3)``, never by a
planning label. The numbers are written here once; ``tests/test_book.py`` recomputes them from
the chapters (the n-th labelled display equation of chapter c is ``(c.n)``, as Sphinx numbers
them) and fails when a chapter gains, loses or reorders an equation without this table following.

``import convlib.book`` needs only the standard library.
"""

from __future__ import annotations

import re

__all__ = ["EQUATIONS", "cite", "eq", "eqs"]

EQUATIONS: dict[str, str] = {
    # Chapter 1, the operations
    "eq-conv": "1.1",
    "eq-xcorr": "1.2",
    "eq-layer": "1.3",
    "eq-shape": "1.4",
    # Chapter 2, the weight and bias gradients
    "eq-chain-w": "2.1",
    "eq-dyhat-dw": "2.2",
    "eq-dw": "2.3",
    "eq-db": "2.4",
    "eq-count": "2.5",
    # Chapter 3, the input gradient
    "eq-region": "3.1",
    "eq-chain-i": "3.2",
    "eq-dyhat-di": "3.3",
    "eq-di": "3.4",
    # Chapter 4, the rotated kernel
    "eq-example": "4.1",
    "eq-rot180": "4.2",
    "eq-di-rot": "4.3",
    # Chapter 5, training
    "eq-mse": "5.1",
    "eq-sgd": "5.2",
    "eq-lr": "5.3",
    "eq-compose": "5.4",
    "eq-stack": "5.5",
    # Chapter 6, many channels, many filters, a batch
    "eq-layer-batch": "6.1",
    "eq-chain-w-batch": "6.2",
    "eq-dyhat-dw-batch": "6.3",
    "eq-dw-batch": "6.4",
    "eq-db-batch": "6.5",
    "eq-chain-i-batch": "6.6",
    "eq-dyhat-di-batch": "6.7",
    "eq-di-batch": "6.8",
    "eq-im2col": "6.9",
    "eq-im2col-back": "6.10",
    "eq-col2im": "6.11",
    "eq-groups": "6.12",
    "eq-groups-back": "6.13",
    # Chapter 7, stride, padding and dilation
    "eq-strided-layer": "7.1",
    "eq-strided-shape": "7.2",
    "eq-dilate": "7.3",
    "eq-strided-dw": "7.4",
    "eq-strided-region": "7.5",
    "eq-strided-chain": "7.6",
    "eq-strided-local": "7.7",
    "eq-strided-di": "7.8",
    "eq-strided-di-rot": "7.9",
    "eq-same": "7.10",
    "eq-transposed-size": "7.11",
    # Chapter 8, a network that reads digits (chapters 6 and 7 come before it)
    "eq-softmax-ce": "8.1",
    "eq-softmax-ce-grad": "8.2",
    "eq-dense": "8.3",
    "eq-dense-grad": "8.4",
    "eq-maxpool": "8.5",
    "eq-maxpool-grad": "8.6",
    "eq-relu": "8.7",
    "eq-relu-grad": "8.8",
    "eq-minibatch-sgd": "8.9",
}
"""The book's labelled equations: label -> number as the website prints it (without brackets)."""


def eq(label: str) -> str:
    """Return how the book cites the equation ``label``: its number in brackets.

    Parameters
    ----------
    label : str
        A label of :data:`EQUATIONS`, such as ``"eq-dw"``.

    Returns
    -------
    str
        ``"(2.3)"``.

    Raises
    ------
    KeyError
        If the book has no equation of that label; the message lists the labels.

    Examples
    --------
    >>> from convlib.book import eq
    >>> eq("eq-dw")
    '(2.3)'
    """
    try:
        return f"({EQUATIONS[label]})"
    except KeyError:
        known = ", ".join(EQUATIONS)
        raise KeyError(f"the book has no equation labelled {label!r}; it has {known}") from None


def eqs(*labels: str) -> str:
    """Cite several equations: ``eqs("eq-region", "eq-di")`` is ``"(3.1), (3.4)"``.

    Consecutive numbers of one chapter are joined with an en dash: ``"(3.1)–(3.4)"``.

    Examples
    --------
    >>> from convlib.book import eqs
    >>> eqs("eq-region", "eq-chain-i", "eq-dyhat-di", "eq-di")
    '(3.1)–(3.4)'
    >>> eqs("eq-xcorr", "eq-layer")
    '(1.2), (1.3)'
    """
    numbers = [EQUATIONS[label] if label in EQUATIONS else eq(label) for label in labels]
    split = [tuple(int(p) for p in n.split(".")) for n in numbers]
    consecutive = len(split) > 2 and all(
        b[0] == a[0] and b[1] == a[1] + 1 for a, b in zip(split, split[1:], strict=False)
    )
    if consecutive:
        return f"({numbers[0]})\N{EN DASH}({numbers[-1]})"
    return ", ".join(f"({n})" for n in numbers)


_CITATION = re.compile(r"\((eq-[A-Za-z0-9_.:-]+)\)")


def cite(text: str) -> str:
    """Replace every ``(eq-label)`` in ``text`` by the equation's number: ``(2.3)``.

    Messages are written with labels, so that they follow the book when it is renumbered.

    Examples
    --------
    >>> from convlib.book import cite
    >>> cite("the sum of equation (eq-db), not a mean")
    'the sum of equation (2.4), not a mean'
    """
    return _CITATION.sub(lambda m: eq(m.group(1)), text)
