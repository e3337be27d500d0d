"""Chapter 6's pictures (convlib.figures.channels): what they show is what the layer does.

The cells a picture highlights are read back from the drawing and compared with an
independent oracle, the explicit loops of ``convlib.reference``: a nudged weight or pixel, and
the outputs that change.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_helpers import E_LABEL, MIN_TEXT_PX, displayed_px, visible_texts

from convlib import reference
from convlib.figures import PixelReach, WeightReach, cells_with_gid

# The chapter's three figures, and a few more layers
PICTURES = {
    "weight": WeightReach(),
    "pixel": PixelReach(),
    "groups stacked": PixelReach(
        N=1, C_in=4, C_out=4, groups=2, c=2, image_shape=(3, 3), ip=1, jp=1, stacked=True
    ),
    "weight in a group": WeightReach(
        N=1, C_in=4, C_out=2, groups=2, image_shape=(3, 3), o=1, c=1, stacked=True
    ),
    "pixel at a corner": PixelReach(N=3, C_in=1, C_out=2, image_shape=(4, 5), c=0, ip=3, jp=4),
    "weight, 3x2 kernel": WeightReach(
        N=1, C_in=3, C_out=2, image_shape=(5, 4), kernel_shape=(3, 2), o=0, c=2, m=2, n=1
    ),
}


@pytest.fixture(autouse=True)
def no_figures_left_open():
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert leaked == []


def _panels(picture):
    """The figure's Axes as {("I" or "Y", nu, channel): ax}."""
    fig = picture.figure()
    keys = [
        (kind, nu, k)
        for nu in range(picture.N)
        for kind, count in (("I", picture.C_in), ("Y", picture.C_out))
        for k in range(count)
    ]
    return fig, dict(zip(keys, fig.axes, strict=True))


def _changed_outputs(picture, what):
    """Oracle: the outputs (ν, o, i, j) that change when the weight or the pixel is nudged."""
    rng = np.random.default_rng(6)
    H, W = picture.image_shape
    k1, k2 = picture.kernel_shape
    I = rng.uniform(1, 2, (picture.N, picture.C_in, H, W))
    w = rng.uniform(1, 2, (picture.C_out, picture.C_in // picture.groups, k1, k2))
    Y = reference.conv2d_forward(I, w, groups=picture.groups)
    if what == "weight":
        w = w.copy()
        w[picture.o, picture.c, picture.m, picture.n] += 1.0
    else:
        I = I.copy()
        I[picture.nu, picture.c, picture.ip, picture.jp] += 1.0
    changed = reference.conv2d_forward(I, w, groups=picture.groups) != Y
    return {tuple(int(x) for x in idx) for idx in np.argwhere(changed)}


@pytest.mark.parametrize("name", PICTURES)
def test_figure_fits_the_column_and_says_what_it_shows(name):
    picture = PICTURES[name]
    fig = picture.figure()
    width, height = fig.get_size_inches() * fig.dpi
    assert width <= 720 and height <= 760
    assert len(fig.axes) == picture.N * (picture.C_in + picture.C_out)
    assert fig.alt_text == picture.describe() and fig.alt_text.endswith(".")
    assert not E_LABEL.search(fig.alt_text + picture.footer())
    sizes = [displayed_px(t, fig) for t in visible_texts(fig)]
    assert len(sizes) > 20 and min(sizes) >= MIN_TEXT_PX


@pytest.mark.parametrize("name", [n for n in PICTURES if isinstance(PICTURES[n], WeightReach)])
def test_weight_reach_highlights_the_outputs_that_change(name):
    picture = PICTURES[name]
    _, axes = _panels(picture)
    drawn = {
        (nu, o, i, j)
        for (kind, nu, o), ax in axes.items()
        if kind == "Y"
        for i, j in cells_with_gid(ax, "touched")
    }
    assert drawn == _changed_outputs(picture, "weight")


@pytest.mark.parametrize("name", [n for n in PICTURES if isinstance(PICTURES[n], WeightReach)])
def test_weight_reach_marks_the_pixels_the_weight_multiplies(name):
    """Oracle: dw[o, c, m, n] of a loss on channel o is non-zero exactly for those pixels."""
    picture = PICTURES[name]
    _, axes = _panels(picture)
    H, W = picture.image_shape
    k1, k2 = picture.kernel_shape
    w = np.ones((picture.C_out, picture.C_in // picture.groups, k1, k2))
    G = np.zeros((picture.N, picture.C_out, H - k1 + 1, W - k2 + 1))
    G[:, picture.o] = 1.0
    met = set()
    for nu, c, u, v in np.ndindex(picture.N, picture.C_in, H, W):
        I = np.zeros((picture.N, picture.C_in, H, W))
        I[nu, c, u, v] = 1.0
        dw = reference.conv2d_backward(I, w, G, groups=picture.groups).dw
        if dw[picture.o, picture.c, picture.m, picture.n] != 0:
            met.add((nu, c, u, v))
    drawn = {
        (nu, c, u, v)
        for (kind, nu, c), ax in axes.items()
        if kind == "I"
        for u, v in cells_with_gid(ax, "met")
    }
    assert drawn == met


@pytest.mark.parametrize("name", [n for n in PICTURES if isinstance(PICTURES[n], PixelReach)])
def test_pixel_reach_highlights_the_outputs_that_change(name):
    picture = PICTURES[name]
    _, axes = _panels(picture)
    drawn = {
        (nu, o, i, j)
        for (kind, nu, o), ax in axes.items()
        if kind == "Y"
        for i, j in cells_with_gid(ax, "region")
    }
    assert drawn == _changed_outputs(picture, "pixel")
    pixels = {
        (nu, c, u, v)
        for (kind, nu, c), ax in axes.items()
        if kind == "I"
        for u, v in cells_with_gid(ax, "pixel")
    }
    assert pixels == {(picture.nu, picture.c, picture.ip, picture.jp)}


def test_describe_weight_reach():
    assert WeightReach().describe() == (
        "A batch of 2 images, 2 input channels and 3 filters of 2×2. The weight w[1, 0, 0, 1] "
        "touches all 9 outputs of channel 1 in each of the 2 images, and none of the other 2 "
        "output channels; there it meets the pixels of input channel 0 at rows 0–2, columns "
        "1–3 (6.3)."
    )
    grouped = PICTURES["weight in a group"]
    assert grouped.channel == 3  # channel 1 of filter 1's group, group 1 holds channels 2, 3
    assert "With groups = 2, filter o reads only the 2 input channels of its group" in (
        grouped.describe()
    )
    assert "input channel 3 at" in grouped.describe()


def test_describe_pixel_reach():
    assert PixelReach().describe() == (
        "A batch of 2 images, 2 input channels and 3 filters of 2×2. The pixel I[0, 1, 1, 2] "
        "touches, in its own image 0, every one of the 3 output channels: in each, the 4 "
        "outputs at rows 0–1, columns 1–2 (3.1), and nothing in the other image (6.7)."
    )
    text = PICTURES["groups stacked"].describe()
    assert "output channels 2–3 (the filters of its group) and no other" in text
    corner = PICTURES["pixel at a corner"].describe()
    assert "the 1 output at row 2, column 3" in corner
    assert "nothing in the other 2 images" in corner


def test_footers_cite_the_book_and_follow_the_groups():
    assert "(6.4)" in WeightReach().footer() and "(6.3)" in WeightReach().footer()
    assert "(6.8)" in PixelReach().footer() and "(6.7)" in PixelReach().footer()
    grouped = PICTURES["groups stacked"].footer()
    assert "every filter of its group" in grouped and "(6.13)" in grouped


def test_layouts_a_row_per_sample_or_stacked_columns():
    assert WeightReach().columns == ((0, 5), (1, 6), (2, 7), (3, 8), (4, 9))
    stacked = WeightReach(stacked=True).columns
    assert stacked == ((0, 1), (2, 3, 4), (5, 6), (7, 8, 9))
    grouped = PICTURES["groups stacked"].columns  # one image, two groups of 2 channels, 2 filters
    assert grouped == ((0, 1), (4, 5), (2, 3), (6, 7))
    titles = [p.title for p in PICTURES["groups stacked"].panels()]
    assert titles[2] == "I[ν=0, c=2]\ngroup 1" and titles[5] == "Ŷ[ν=0, o=1]\ngroup 0"


def test_png_is_deterministic_with_the_alt_text():
    png = PixelReach().figure().to_png()
    assert png == PixelReach().figure().to_png()
    assert png.startswith(b"\x89PNG") and b"Description" in png


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: WeightReach(groups=2, C_in=2, C_out=3), ValueError, "groups=2 must divide"),
        (lambda: WeightReach(o=3), ValueError, "o must be a filter, 0 <= o < 3; got 3"),
        (lambda: WeightReach(C_in=4, groups=2, C_out=2, c=2), ValueError, "0 <= c < 2"),
        (lambda: PixelReach(nu=2), ValueError, "nu must be an image of the batch"),
        (lambda: PixelReach(ip=4), ValueError, "ip must be a row of the image"),
        (lambda: PixelReach(N=0), ValueError, "N must be an int >= 1, got 0"),
        (lambda: PixelReach(C_in=2.0), TypeError, "C_in must be an int >= 1"),
        (lambda: PixelReach(kernel_shape=(5, 2)), ValueError, "kernel_shape"),
    ],
)
def test_bad_arguments_get_a_clear_error(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_pictures_are_values():
    assert WeightReach() == WeightReach() and hash(PixelReach()) == hash(PixelReach())
    corner = PixelReach().replace(ip=0, jp=0)
    assert corner.region.size == 1 and (corner.ip, corner.jp) == (0, 0)
    with pytest.raises(ValueError, match="jp must be a column of the image"):
        PixelReach().replace(jp=9)
