"""convlib._format: how numbers, ranges and counts are written, with hand-written expectations."""

import pytest

from convlib import _format as fmt


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (-1.5, "−1.5"),
        (2.0, "2"),
        (-0.0, "0"),
        (1 / 3, "0.3333"),
        (13, "13"),
        (-12345.6, "−1.235e+04"),
    ],
)
def test_num_writes_a_true_minus_and_four_digits(x, text):
    assert fmt.num(x) == text


def test_num_with_fewer_digits():
    assert fmt.num(2 / 3, 3) == "0.667"


def test_products_bracket_negative_factors():
    assert fmt.products([(2, 1), (0, -1), (-2.5, 3)]) == "2·1 + 0·(−1) + (−2.5)·3"
    assert fmt.factor(-1) == "(−1)" and fmt.factor(4) == "4"


def test_ranges_and_counts():
    assert fmt.span(range(0, 3)) == "0–2" and fmt.span(range(4, 5)) == "4"
    assert fmt.span_of("row", range(1, 4)) == "rows 1–3"
    assert fmt.span_of("column", range(0, 1)) == "column 0"
    assert fmt.plural(1, "output") == "1 output" and fmt.plural(0, "output") == "0 outputs"
    assert fmt.plural(2, "entry", "entries") == "2 entries"


def test_sizes_and_matrices():
    assert fmt.size((3, 4)) == "3×4"
    assert fmt.matrix([["a", "b"], ["c", "d"]]) == "[[a, b], [c, d]]"
