"""The pictures of convlib.figures (forward, gradients, rotation): they show what the maths says.

What a figure shows is read back from the drawing (cell colours, outlines, cell text) and
compared with an independent computation: brute force over windows, numpy's own rotation and
padding, scipy.signal's correlations. Sentences are compared with hand-written ones.
"""

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.signal
from figure_helpers import E_LABEL, png_pixels
from matplotlib.figure import Figure

import convlib
import convlib.figures as cf
from convlib.figures import cell_texts, cells_with_gid

MINUS = "\N{MINUS SIGN}"
RNG = np.random.default_rng(0)
I5 = RNG.integers(-3, 4, (5, 5)).astype(float)
W3 = RNG.integers(-2, 3, (3, 3)).astype(float)
G3 = RNG.integers(-2, 3, (3, 3)).astype(float)


@pytest.fixture(autouse=True)
def no_figures_left_open():
    """The figures never register with pyplot, so nothing is left to close."""
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert leaked == []


def cells(rows, cols):
    return {(r, c) for r in rows for c in cols}


def minus(x):
    return f"{x:.3g}".replace("-", MINUS)


PICTURES = {
    "operations": cf.Operations(),
    "window": cf.Window((5, 5), (3, 3), 1, 2),
    "window values": cf.Window(None, None, 0, 0, I=I5, w=W3, b=0.5),
    "weight gradient": cf.WeightGradient((5, 5), (3, 3), 1, 2),
    "weight gradient values": cf.WeightGradient(None, (3, 3), 2, 0, I=I5, G=G3),
    "influence centre": cf.InfluenceRegion((5, 5), (3, 3), 2, 2),
    "influence corner": cf.InfluenceRegion((5, 5), (3, 3), 0, 0),
    "rot180": cf.Rot180(),
    "rot180 numbers": cf.Rot180(W3, name="w"),
    "padded sweep": cf.PaddedSweep((3, 3), (3, 3), 2, 2),
    "padded sweep values": cf.PaddedSweep(None, None, 4, 0, G=G3, w=W3),
}


@pytest.mark.parametrize("name", PICTURES)
def test_figure_size_axes_and_alt_text(name):
    picture = PICTURES[name]
    fig = picture.figure()
    assert isinstance(fig, Figure) and len(fig.axes) == len(picture.panels())
    width, height = fig.get_size_inches() * fig.dpi
    assert 300 <= width <= 720 and 200 <= height <= 720
    assert fig.alt_text == picture.describe()
    assert fig.alt_text.endswith(".") and len(fig.alt_text) > 40
    assert not E_LABEL.search(fig.alt_text + picture.footer())


def test_png_is_deterministic_carries_the_alt_text_and_displays_in_jupyter():
    fig = cf.InfluenceRegion().figure()
    png = fig.to_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"Description" in png
    assert b"affects" in png
    assert cf.InfluenceRegion().figure().to_png() == png
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(fig)
    assert data["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature
    assert data["text/plain"] == fig.alt_text


def test_pictures_are_values_hashable_and_checked_again_by_replace():
    a = cf.Window(None, None, 1, 1, I=I5, w=W3)
    b = cf.Window(None, None, 1, 1, I=I5.tolist(), w=W3.copy())
    assert a == b and hash(a) == hash(b)
    assert a.replace(i=2) != a and a.replace(i=2).i == 2
    with pytest.raises(ValueError, match="i must be a row of Ŷ"):
        a.replace(i=3)


def test_redraw_in_place_equals_a_fresh_figure():
    fig = cf.InfluenceRegion((5, 5), (3, 3), 2, 2).figure()
    size = tuple(fig.get_size_inches())
    fig.redraw(cf.InfluenceRegion((5, 5), (3, 3), 0, 0))
    assert tuple(fig.get_size_inches()) == size
    assert cells_with_gid(fig.axes[1], "affected") == {(0, 0)}
    assert fig.to_png() == cf.InfluenceRegion((5, 5), (3, 3), 0, 0).figure().to_png()


def test_importing_convlib_does_not_import_the_figures():
    code = "import sys, convlib; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("missing", ["matplotlib", "ipywidgets"])
def test_without_matplotlib_or_ipywidgets_the_error_says_what_to_install(missing):
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "try:\n    import convlib.figures\n"
        "except ImportError as error:\n    print(error)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    message = out.stdout.strip()
    assert message == (
        f"convlib.figures needs matplotlib and ipywidgets ({missing} is missing): "
        'pip install "convlib[course]"'
    )


# --- one set of rules: the same bad input gets the same message everywhere ---------------------

SHAPE_TAKERS = {
    "Operations": lambda s: cf.Operations(image_shape=s),
    "Window": lambda s: cf.Window(image_shape=s, kernel_shape=(2, 2)),
    "WeightGradient": lambda s: cf.WeightGradient(image_shape=s, kernel_shape=(2, 2)),
    "InfluenceRegion": lambda s: cf.InfluenceRegion(image_shape=s),
    "influence_region_widget": lambda s: cf.influence_region_widget(image_shape=s),
    "convlib.output_shape": lambda s: convlib.output_shape(s, (2, 2)),
    "convlib.affected_region": lambda s: convlib.affected_region(0, 0, s, (2, 2)),
}


@pytest.mark.parametrize(
    ("shape", "error", "message"),
    [
        ((3.0, 3), TypeError, "image_shape must be a pair of positive ints, got (3.0, 3)"),
        ((0, 3), ValueError, "image_shape must be a pair of positive ints, got (0, 3)"),
        ((True, 3), TypeError, "image_shape must be a pair of positive ints, got (True, 3)"),
        ("55", TypeError, "image_shape must be a pair of positive ints, got '55'"),
    ],
)
def test_a_bad_shape_gets_one_message_in_every_picture_and_in_the_core(shape, error, message):
    for name, make in SHAPE_TAKERS.items():
        with pytest.raises(error) as info:
            make(shape)
        assert str(info.value) == message, name


def test_a_pixel_outside_the_image_gets_one_message_everywhere():
    message = "ip must be a row of the image I, 0 <= ip < 5; got 5"
    for make in (
        lambda: cf.InfluenceRegion((5, 5), (3, 3), 5, 0),
        lambda: cf.influence_region_widget((5, 5), [(3, 3)], ip=5, jp=0),
    ):
        with pytest.raises(ValueError) as info:
            make()
        assert str(info.value) == message
    with pytest.raises(TypeError, match=r"^jp must be an int, got float 1\.5$"):
        cf.InfluenceRegion((5, 5), (3, 3), 0, 1.5)
    with pytest.raises(TypeError, match=r"^jp must be an int, got bool True$"):
        cf.InfluenceRegion((5, 5), (3, 3), 0, True)


def test_arrays_are_checked_by_the_core_rules():
    with pytest.raises(TypeError, match="I must hold real numbers"):
        cf.Window(None, (2, 2), 0, 0, I=np.ones((3, 3), complex))
    with pytest.raises(
        ValueError, match=r"^w must be a 2-D array, got a 1-D array of shape \(3,\)"
    ):
        cf.PaddedSweep((3, 3), None, 0, 0, w=np.ones(3))
    with pytest.raises(ValueError, match=r"I has shape \(5, 5\) but image_shape is \(4, 4\)"):
        cf.Window((4, 4), (3, 3), 0, 0, I=I5)
    with pytest.raises(ValueError, match="kernel_shape has shape"):
        cf.InfluenceRegion((2, 5), (3, 3), 0, 0)
    with pytest.raises(ValueError, match=r"G has shape \(2, 2\) but a 3×3 kernel"):
        cf.WeightGradient(None, (3, 3), 0, 0, I=I5, G=np.ones((2, 2)))


def test_draw_needs_one_axes_per_grid():
    axes = Figure().subplots(1, 2)
    with pytest.raises(ValueError, match="InfluenceRegion draws 3 grids, got 2 Axes"):
        cf.InfluenceRegion().draw(axes)


# --- (1.1), (1.2): the two operations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("image_shape", "kernel_shape", "i", "j"), [((5, 5), (3, 3), 2, 2), ((6, 7), (2, 3), 3, 2)]
)
def test_operations_pairs_each_weight_with_its_pixel(image_shape, kernel_shape, i, j):
    fig = cf.Operations(image_shape, kernel_shape, i, j).figure()
    ax_corr, ax_conv = fig.axes
    k1, k2 = kernel_shape
    corr, conv = cell_texts(ax_corr), cell_texts(ax_conv)
    for m, n in np.ndindex(kernel_shape):
        assert corr[(i + m, j + n)] == [f"w({m},{n})"]  # (1.2)
        assert conv[(i - m, j - n)] == [f"w({m},{n})"]  # (1.1)
    assert len(corr) == len(conv) == k1 * k2
    assert cells_with_gid(ax_corr, "window") == cells(range(i, i + k1), range(j, j + k2))
    assert cells_with_gid(ax_conv, "window") == cells(
        range(i - k1 + 1, i + 1), range(j - k2 + 1, j + 1)
    )
    assert cells_with_gid(ax_corr, "w00") == cells_with_gid(ax_conv, "w00") == {(i, j)}
    assert cells_with_gid(ax_corr, "wlast") == {(i + k1 - 1, j + k2 - 1)}
    assert cells_with_gid(ax_conv, "wlast") == {(i - k1 + 1, j - k2 + 1)}
    assert cells_with_gid(ax_conv, "anchor") == {(i, j)}


def test_describe_operations():
    assert cf.Operations().describe() == (
        "For the output at (2,2), cross-correlation (1.2) multiplies w(m,n) by I(2+m, 2+n) "
        "(rows 2–4, columns 2–4, w(0,0) on I(2,2)); convolution (1.1) multiplies it by "
        f"I(2{MINUS}m, 2{MINUS}n) (rows 0–2, columns 0–2, w(0,0) on I(2,2), w(2,2) on I(0,0)): "
        "the kernel is turned by 180°."
    )


def test_operations_needs_both_windows_inside_the_image():
    with pytest.raises(ValueError, match=r"^i must be in 2\.\.2 so that both windows"):
        cf.Operations((5, 5), (3, 3), 1, 2)
    with pytest.raises(ValueError, match="I is too small: give it 5 rows"):
        cf.Operations((4, 5), (3, 3), 2, 2)


# --- (1.3), (1.4): the window and the output shape ----------------------------------------------


def test_window_highlights_the_window_and_the_output():
    fig = cf.Window((5, 6), (3, 2), 2, 4).figure()
    ax_I, ax_w, ax_Y = fig.axes
    assert cells_with_gid(ax_I, "window") == cells(range(2, 5), range(4, 6))
    assert cells_with_gid(ax_I, "window-outline") == cells(range(2, 5), range(4, 6))
    assert cells_with_gid(ax_Y, "output") == {(2, 4)}
    assert ax_Y.get_xlim() == (-0.5, 4.5) and ax_Y.get_ylim() == (2.5, -0.5)  # 3×5 output
    assert cell_texts(ax_I)[(3, 4)] == ["w(1,0)"]
    caption = ax_Y.texts  # the output-shape caption under the grid
    assert any(
        t.get_text() == f"H′ = 5 {MINUS} 3 + 1 = 3\nW′ = 6 {MINUS} 2 + 1 = 5" for t in caption
    )


def test_window_values_come_from_the_cross_correlation():
    fig = cf.Window(None, None, 1, 2, I=I5, w=W3, b=0.5).figure()
    Y_hat = scipy.signal.correlate2d(I5, W3, mode="valid") + 0.5
    found = cell_texts(fig.axes[2])
    assert found == {cell: [minus(Y_hat[cell])] for cell in np.ndindex(Y_hat.shape)}
    assert cell_texts(fig.axes[0]) == {cell: [minus(I5[cell])] for cell in np.ndindex(5, 5)}


def test_describe_window():
    assert cf.Window((5, 5), (3, 3), 1, 2).describe() == (
        "Ŷ(1,2) adds up the 3×3 window of I at rows 1–3, columns 2–4, each pixel times its "
        f"w(m,n), and b, as in (1.3). Ŷ has shape 3×3, by (1.4): H′ = 5 {MINUS} 3 + 1, "
        f"W′ = 5 {MINUS} 3 + 1."
    )
    value = scipy.signal.correlate2d(I5, W3, mode="valid")[0, 0] + 1.0
    text = cf.Window(None, None, 0, 0, I=I5, w=W3, b=1.0).describe()
    assert text.endswith(f". Here Ŷ(0,0) = {value:.4g}.".replace("-", MINUS))


# --- (2.3): the weight gradient -----------------------------------------------------------------


def test_weight_gradient_lays_G_on_the_block():
    fig = cf.WeightGradient((5, 6), (2, 3), 1, 2).figure()
    ax_I, ax_G, ax_dw = fig.axes
    assert cells_with_gid(ax_I, "block") == cells(range(1, 5), range(2, 6))  # G is 4×4
    assert cells_with_gid(ax_G, "gradient") == cells(range(4), range(4))
    assert cells_with_gid(ax_dw, "target") == {(1, 2)}
    found = cell_texts(ax_I)
    assert found == {(i + 1, j + 2): [f"G({i},{j})"] for i, j in np.ndindex(4, 4)}


def test_weight_gradient_values_fill_progressively():
    picture = cf.WeightGradient(None, (3, 3), 1, 0, I=I5, G=G3, progressive=True)
    fig = picture.figure()
    dw = scipy.signal.correlate2d(I5, G3, mode="valid")  # (2.3) without convlib
    found = cell_texts(fig.axes[2])
    assert found == {cell: [minus(dw[cell])] for cell in [(0, 0), (0, 1), (0, 2), (1, 0)]}
    assert picture.describe().endswith(f" = {dw[1, 0]:.4g}.".replace("-", MINUS))


def test_describe_weight_gradient():
    assert cf.WeightGradient((5, 5), (3, 3), 1, 2).describe() == (
        "∂L/∂w(1,2) lays G (3×3) on the block of I at rows 1–3, columns 2–4: "
        "the sum (2.3) of 9 products G(i,j)·I(i+1, j+2)."
    )


# --- (3.1)-(3.4): the region a pixel affects, for every pixel -----------------------------------


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 3)])
def test_influence_highlights_exactly_the_outputs_whose_window_covers_the_pixel(kernel_shape):
    H, W = 5, 5
    k1, k2 = kernel_shape
    fig = cf.InfluenceRegion((H, W), kernel_shape).figure()
    ax_I, ax_Y, ax_w = fig.axes
    for ip, jp in np.ndindex(H, W):
        fig.redraw(cf.InfluenceRegion((H, W), kernel_shape, ip, jp))
        brute = {
            (i, j)
            for i in range(H - k1 + 1)
            for j in range(W - k2 + 1)
            if i <= ip < i + k1 and j <= jp < j + k2
        }
        assert cells_with_gid(ax_Y, "affected") == brute, (ip, jp)
        assert cells_with_gid(ax_Y, "region-outline") == brute
        assert cells_with_gid(ax_I, "pixel") == {(ip, jp)}
        region = convlib.affected_region(ip, jp, (H, W), kernel_shape)
        assert cells(region.rows, region.cols) == brute
        # in each affected output, the label is the w(m, n) that multiplies I(ip, jp): (3.3)
        assert cell_texts(ax_Y) == {(i, j): [f"w({ip - i},{jp - j})"] for i, j in brute}
        assert cells_with_gid(ax_w, "kernel-used") == {(ip - i, jp - j) for i, j in brute}


def test_describe_influence_region_centre_border_corner():
    assert cf.InfluenceRegion((5, 5), (3, 3), 2, 2).describe() == (
        "With a 3×3 kernel, I(2,2) affects Ŷ rows 0–2, columns 0–2 (3.1): 9 outputs, so "
        f"∂L/∂I(2,2) sums 9 terms G(2{MINUS}m, 2{MINUS}n)·w(m,n) (3.4), m = 0–2, n = 0–2."
    )
    assert cf.InfluenceRegion((5, 5), (3, 3), 0, 0).describe() == (
        "With a 3×3 kernel, I(0,0) affects Ŷ row 0, column 0 (3.1): 1 output, so "
        f"∂L/∂I(0,0) sums 1 term G(0{MINUS}m, 0{MINUS}n)·w(m,n) (3.4), m = 0, n = 0."
    )
    assert cf.InfluenceRegion((5, 5), (2, 3), 4, 1).describe() == (
        "With a 2×3 kernel, I(4,1) affects Ŷ row 3, columns 0–1 (3.1): 2 outputs, so "
        f"∂L/∂I(4,1) sums 2 terms G(4{MINUS}m, 1{MINUS}n)·w(m,n) (3.4), m = 1, n = 0–1."
    )


# --- (4.2): Q -> Q* -----------------------------------------------------------------------------


def test_rot180_symbols_move_as_numpy_turns_them():
    fig = cf.Rot180().figure()
    ax_Q, ax_R = fig.axes
    Q = np.array([["a", "b"], ["c", "d"]])
    turned = np.rot90(Q, 2)  # numpy's half turn, independent of convlib.rot180
    assert cell_texts(ax_Q) == {cell: [Q[cell]] for cell in np.ndindex(2, 2)}
    assert cell_texts(ax_R) == {
        (a, b): [turned[a, b], f"Q({1 - a},{1 - b})"] for a, b in np.ndindex(2, 2)
    }
    assert fig.alt_text == (
        "Q = [[a, b], [c, d]] turned by 180° is Q* = [[d, c], [b, a]]: "
        f"Q*(m,n) = Q(1{MINUS}m, 1{MINUS}n) (4.2)."
    )
    # each entry keeps its colour: the cell of Q*(a, b) has the colour of Q(1-a, 1-b)
    for a, b in np.ndindex(2, 2):
        gid = f"entry-{1 - a}-{1 - b}"
        assert cells_with_gid(ax_Q, gid) == {(1 - a, 1 - b)}
        assert cells_with_gid(ax_R, gid) == {(a, b)}


def test_rot180_numbers():
    w = np.arange(6.0).reshape(2, 3) - 2
    fig = cf.Rot180(w, name="w").figure()
    turned = np.rot90(w, 2)
    found = cell_texts(fig.axes[1])
    for a, b in np.ndindex(2, 3):
        assert found[(a, b)] == [minus(turned[a, b]), f"w({1 - a},{2 - b})"]


# --- (4.3): the padded sweep --------------------------------------------------------------------


@pytest.mark.parametrize(("G_shape", "kernel_shape"), [((3, 3), (3, 3)), ((4, 3), (2, 3))])
def test_padded_sweep_padding_window_and_terms(G_shape, kernel_shape):
    k1, k2 = kernel_shape
    H, W = G_shape[0] + k1 - 1, G_shape[1] + k2 - 1
    padded = np.pad(np.ones(G_shape), ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))  # numpy, not convlib
    zeros = {cell for cell in np.ndindex(padded.shape) if padded[cell] == 0}
    fig = cf.PaddedSweep(G_shape, kernel_shape, 0, 0).figure()
    ax_P, _, ax_D = fig.axes
    for ip, jp in np.ndindex(H, W):
        fig.redraw(cf.PaddedSweep(G_shape, kernel_shape, ip, jp))
        assert cells_with_gid(ax_P, "padding") == zeros
        window = cells(range(ip, ip + k1), range(jp, jp + k2))
        assert cells_with_gid(ax_P, "window") == cells_with_gid(ax_P, "sweep-window") == window
        assert cells_with_gid(ax_D, "target") == {(ip, jp)}
        # window cell (ip+a, jp+b) holds G(ip-m, jp-n) and meets w(m, n): the term of (3.4)
        found = cell_texts(ax_P)
        for a, b in np.ndindex(kernel_shape):
            m, n = k1 - 1 - a, k2 - 1 - b
            g = (ip - m, jp - n)
            inside = 0 <= g[0] < G_shape[0] and 0 <= g[1] < G_shape[1]
            assert found[(ip + a, jp + b)] == [
                f"G({g[0]},{g[1]})" if inside else "0",
                f"w({m},{n})",
            ]


def test_padded_sweep_values_are_the_full_convolution():
    picture = cf.PaddedSweep(None, None, 2, 3, G=G3, w=W3, progressive=True)
    fig = picture.figure()
    dI = scipy.signal.convolve2d(G3, W3, mode="full")  # (3.4) without convlib
    shown = [cell for cell in np.ndindex(dI.shape) if cell <= (2, 3)]
    assert cell_texts(fig.axes[2]) == {cell: [minus(dI[cell])] for cell in shown}
    assert picture.describe().endswith(f"sum to {dI[2, 3]:.4g} = (w ∗ G)(2,3).".replace("-", MINUS))


def test_describe_padded_sweep_centre_and_corner():
    assert cf.PaddedSweep((3, 3), (3, 3), 2, 2).describe() == (
        "∂L/∂I(2,2) puts rot180(w) (3×3) on G padded with 2 rows and 2 columns of zeros on each "
        "side (7×7) at rows 2–4, columns 2–4 (4.3): it covers 9 entries of G and 0 zeros."
    )
    assert (
        cf.PaddedSweep((3, 3), (3, 3), 0, 0)
        .describe()
        .endswith("(7×7) at rows 0–2, columns 0–2 (4.3): it covers 1 entry of G and 8 zeros.")
    )
    assert "with 1 row and 0 columns of zeros" in cf.PaddedSweep((2, 2), (2, 1), 0, 0).describe()


# --- the drawing itself -------------------------------------------------------------------------


def test_grids_keep_their_right_and_bottom_borders():
    fig = cf.InfluenceRegion().figure()
    pixels = png_pixels(fig.to_png())
    height = pixels.shape[0]
    for ax in fig.axes:
        x0, y0, x1, y1 = (round(v) for v in ax.bbox.extents)
        middle_row, middle_col = height - round((y0 + y1) / 2), round((x0 + x1) / 2)
        right = pixels[middle_row, x1 - 1 : x1 + 1].min()
        bottom = pixels[height - y0 - 1 : height - y0 + 1, middle_col].min()
        assert right < 120 and bottom < 120, "a grid's right or bottom border is missing"


def test_draw_grid_writes_values_with_true_minus_signs_and_highlights():
    ax = Figure().subplots()
    A = np.array([[1.0, -2.5, 3.0], [0.125, 5.0, 6.0]])
    cf.draw_grid(ax, A, highlight=[(1, 0), (1, 1)], title="A")
    assert ax.get_xlim() == (-0.5, 2.5) and ax.get_ylim() == (1.5, -0.5)
    assert cell_texts(ax)[(0, 1)] == [f"{MINUS}2.5"] and cell_texts(ax)[(1, 0)] == ["0.125"]
    assert cells_with_gid(ax, "highlight") == {(1, 0), (1, 1)}
    cf.draw_grid(ax, np.ones((2, 3)))  # drawing again replaces the picture
    assert cells_with_gid(ax, "highlight") == set() and cell_texts(ax)[(0, 0)] == ["1"]
    with pytest.raises(ValueError, match="A must be a 2-D array"):
        cf.draw_grid(ax, np.zeros(3))


def test_cells_are_read_back_from_the_drawn_colours():
    fig = cf.InfluenceRegion((5, 5), (3, 3), 2, 2).figure()
    view = fig.axes[1]._convlib_grid
    colours = view.fills.get_facecolor().copy()
    colours[0] = (1.0, 1.0, 1.0, 1.0)  # repaint output (0, 0) white behind the picture's back
    view.fills.set_facecolor(colours)
    assert cells_with_gid(fig.axes[1], "affected") == cells(range(3), range(3)) - {(0, 0)}
