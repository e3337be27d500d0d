"""What the tests of ``convlib.figures`` share: text sizes as the site shows them, widget wiring.

``COLUMN_PX`` is the width the website gives a figure at a 1024×768 viewport, measured once in
Chromium on the built site (see its comment); a figure wider than that is scaled down by the
browser, and its text with it.
"""

from __future__ import annotations

import html
import io
import re

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

# Measured in Debian's Chromium 156 on the built site (`make build-site`), viewport 1024×768:
# a widget's frame <figure> is 733 px wide and a static figure's <img> at most 739 px (the
# article is 819 px, the output area 755 px). At 1280×800 the column is narrower, 688 px,
# because the right-hand table of contents appears. The smaller of the two at 1024: 733.
COLUMN_PX = 733
MIN_TEXT_PX = 14.0  # issue 13: figure text at least ~14 px on a 1024×768 projector

E_LABEL = re.compile(r"\bE(1[0-4]|[1-9])\b")  # the planning labels E1–E14


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, read by Pillow."""
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def png_pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def visible_texts(fig: Figure) -> list[Text]:
    """Every Text a reader sees in ``fig``: visible, not empty, on a visible Axes (if any)."""
    found = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not (t.axes.get_visible() and t.axes.axison or t in t.axes.texts):
            continue  # tick labels of a bare grid Axes are never drawn
        found.append(t)
    return found


def displayed_px(t: Text, fig: Figure) -> float:
    """Font size of ``t`` in CSS pixels as the site shows the figure at 1024×768."""
    rendered_width = fig.get_figwidth() * fig.dpi
    shown_width = min(rendered_width, COLUMN_PX)
    return t.get_fontsize() * fig.dpi / 72 * shown_width / rendered_width


# --- widgets ----------------------------------------------------------------------------------


def follow_links(fig) -> None:
    """Do what the browser does with the jslinks: copy each source trait onto its target."""
    for _ in range(4):  # links feed links (Play -> slider -> stack): a few passes settle them
        for link in fig.links:
            (src, src_trait), (dst, dst_trait) = link.source, link.target
            setattr(dst, dst_trait, getattr(src, src_trait))


def displayed(fig) -> widgets.HTML:
    """The frame view the stacks show, walking down from the outer stack."""
    node = fig.stack
    while isinstance(node, widgets.Stack | widgets.VBox):
        if isinstance(node, widgets.Stack):
            node = node.children[node.selected_index]
        else:  # a kernel size's panel: its last child is the stack of frames
            node = node.children[-1]
    assert isinstance(node, widgets.HTML)
    return node


def link_pairs(fig) -> set[tuple[int, str, int, str]]:
    return {
        (id(link.source[0]), link.source[1], id(link.target[0]), link.target[1])
        for link in fig.links
    }


def caption(view: widgets.HTML) -> str:
    """The text of a frame view's caption, unescaped."""
    found = re.search(
        r'<figcaption class="course-caption"[^>]*>(.*?)</figcaption>', view.value, re.S
    )
    assert found, view.value[:200]
    return html.unescape(found.group(1))


def assert_shows(fig) -> None:
    """The stacks, once the links have run, show the frame the widget says it shows."""
    follow_links(fig)
    view = displayed(fig)
    assert view is fig.frame_view(*fig._locate())
    assert caption(view) == fig.description


# --- the figures as the chapters make them ------------------------------------------------------


def chapter_widgets():
    """The interactive figures with the arguments the chapters give them (chapters 1-4)."""
    import convlib.figures as cf

    I_ex = cf.example_arrays((5, 6), (2, 3))[0]
    _, w, G = cf.example_arrays((5, 5), (3, 3))
    return {
        "ch1 receptive window": lambda: cf.receptive_window_widget(kernels=((3, 3), (2, 3))),
        "ch2 weight gradient": lambda: cf.weight_gradient_sweep_widget(
            I_ex, kernels=((2, 3), (3, 3))
        ),
        "ch3 influence region": lambda: cf.influence_region_widget(
            (5, 5), kernels=[(3, 3), (2, 3)], ip=2, jp=2
        ),
        "ch4 rotated kernel sweep": lambda: cf.rotated_kernel_sweep_widget(G, kernels=(w,)),
    }


def chapter_pictures():
    """The still figures with the arguments the chapters give them (chapters 1-4)."""
    import convlib.figures as cf

    I_ex, _, G_ex = cf.example_arrays((5, 6), (2, 3))
    w = cf.example_arrays((5, 5), (3, 3))[1]
    return {
        "ch1 operations": cf.Operations((5, 5), (3, 3), 2, 2),
        "ch1 window": cf.Window((5, 5), (3, 3), 1, 2),
        "ch2 weight gradient": cf.WeightGradient(None, (2, 3), 1, 2, I=I_ex, G=G_ex),
        "ch3 region interior": cf.InfluenceRegion((5, 5), (3, 3), 2, 2),
        "ch3 region border": cf.InfluenceRegion((5, 5), (3, 3), 0, 2),
        "ch3 region corner": cf.InfluenceRegion((5, 5), (3, 3), 4, 4),
        "ch4 Q and Q*": cf.Rot180(),
        "ch4 padded sweep": cf.PaddedSweep((3, 3), (3, 3), 2, 2),
        "ch4 padded sweep border": cf.PaddedSweep((3, 3), (3, 3), 0, 1),
        "ch4 widget's w and w*": cf.Rot180(w, name="w"),
    }
