"""What a checker returns: :class:`CheckResult`, shown as text, Markdown or HTML."""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CheckResult"]


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The verdict of a checker, shown nicely in Jupyter.

    ``bool(result)`` is ``result.passed``, so ``assert check_grad_w(fn)`` works.

    Attributes
    ----------
    exercise : str
        The checker's name, e.g. ``"check_grad_w"``.
    passed : bool
        True when the function gave the right answer on every case.
    message : str
        One paragraph in words: ``"✓ passed: N cases"``, or what went wrong, on which case,
        and the classic mistake it matches.
    mistake : str or None
        The mistake's identifier (a key of :data:`MISTAKES`), or None when passed.
    n_cases : int
        How many cases the checker has (all of them were run when passed).
    case : str or None
        The failing case, in words.
    inputs : dict of str to ndarray, or None
        The failing case's inputs (``I``, ``w`` and, for gradients, ``G``).
    expected : ndarray, float or None
        The right answer on the failing case.
    got : object
        What the function returned on the failing case (None if it raised).
    quantity : str
        What the function computes, in symbols (``"∂L/∂w"``), used to label the display.
    """

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None
    n_cases: int = 0
    case: str | None = None
    inputs: dict[str, np.ndarray] | None = None
    expected: Any = None
    got: Any = None
    quantity: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def _blocks(self) -> list[tuple[str, str]]:
        """Return the (label, text) pairs that show the failing case."""
        if self.passed or self.inputs is None:
            return []
        blocks = [(name, _format(value)) for name, value in self.inputs.items()]
        blocks.append((f"expected {self.quantity}", _format(self.expected)))
        if self.mistake != "raised":
            blocks.append(("got", _format(self.got)))
        return blocks

    def __repr__(self) -> str:
        text = self.message
        for label, shown in self._blocks():
            text += f"\n\n{label} =\n{shown}"
        return text

    def _repr_markdown_(self) -> str:
        if self.passed:
            return f"**✓ passed:** {self.n_cases} cases (`{self.exercise}`)"
        head, _, rest = self.message.partition("\n")
        parts = [f"**{head}**", "", rest]
        for label, shown in self._blocks():
            parts += ["", f"`{label}` =", "```text", shown, "```"]
        lines = "\n".join(parts).split("\n")
        return "\n".join(f"> {line}".rstrip() for line in lines) + "\n"

    def _repr_html_(self) -> str:
        if self.passed:
            return (
                '<div style="border:1px solid #2e7d32;background:#e8f5e9;color:#1b5e20;'
                'padding:0.4em 0.8em;border-radius:4px;display:inline-block">'
                f"✓ <b>passed:</b> {self.n_cases} cases "
                f"(<code>{html.escape(self.exercise)}</code>)</div>"
            )
        head, _, rest = self.message.partition("\n")
        if self.mistake == "not_written":  # a stub waiting for the reader: no alarm
            return (
                '<div style="border:1px solid #546e7a;background:#eceff1;color:#263238;'
                'padding:0.4em 0.8em;border-radius:4px;display:inline-block">'
                f"<b>{html.escape(head)}</b><br>{html.escape(rest)}</div>"
            )
        # The blocks (inputs, expected, got) wrap onto more lines on a narrow page.
        blocks = "".join(
            '<div style="margin:0 1em 0.4em 0">'
            f'<div style="font-weight:bold">{html.escape(label)}</div>'
            '<pre style="margin:0.2em 0;background:#fff;color:#212121;padding:0.3em">'
            f"{html.escape(shown)}</pre></div>"
            for label, shown in self._blocks()
        )
        table = f'<div style="display:flex;flex-wrap:wrap">{blocks}</div>' if blocks else ""
        body = "".join(
            f"<p style='margin:0.3em 0;color:#212121'>{html.escape(p)}</p>"
            for p in rest.split("\n")
        )
        return (
            '<div style="border:2px solid #c62828;background:#ffebee;color:#b71c1c;'
            'padding:0.5em 0.8em;border-radius:4px">'
            f"<div style='font-weight:bold'>{html.escape(head)}</div>{body}{table}</div>"
        )


def _format_number(x: Any) -> str:
    """Format one number compactly: integers without a decimal point, -0 as 0."""
    if isinstance(x, bool | np.bool_):
        return str(x)
    if isinstance(x, numbers.Real):
        return f"{float(x) + 0.0:.4g}"
    return repr(x)


def _format(value: Any) -> str:
    """Format an array as aligned rows (a scalar or any other object on one line)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.ndim <= 2:
        if value.ndim == 0:
            return _format_number(value[()])
        rows = np.atleast_2d(value)
        cells = [[_format_number(x) for x in row] for row in rows]
        width = max((len(c) for row in cells for c in row), default=1)
        lines = ["  ".join(c.rjust(width) for c in row) for row in cells]
        return "\n".join(lines) + f"\n(shape {_shape(value)})"
    if isinstance(value, numbers.Real | np.generic) and not isinstance(value, bool):
        return _format_number(value)
    text = repr(value)
    return text if len(text) <= 400 else text[:400] + " ..."


def _shape(a: np.ndarray) -> str:
    return "(" + ", ".join(str(s) for s in a.shape) + ("," if a.ndim == 1 else "") + ")"
