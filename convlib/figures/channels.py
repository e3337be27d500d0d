r"""Chapter 6's pictures: which outputs one weight, or one pixel, touches across a batch.

A batch of ``N`` images of ``C_in`` channels goes through ``C_out`` filters (valid padding,
stride 1, optionally in ``groups``). Each picture draws every channel of every image as a
small grid, one row of grids per image ``ν``: the input channels ``I[ν, c]`` on the left, the
output channels ``Ŷ[ν, o]`` on the right.

- :class:`WeightReach`: the weight ``w[o′, c′, m′, n′]`` touches every output of channel
  ``o′``, in every image, and meets there the block of input channel ``c′`` (of ``o′``'s group)
  that (6.3) names.
- :class:`PixelReach`: the pixel ``I[ν′, c′, i′, j′]`` touches, in its own image only, the
  region (3.1) of every output channel of its group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import _format as fmt
from .._checks import as_index, as_int, as_shape, check_fits
from ..book import eq
from ..ops import affected_region, output_shape
from ._layout import PALETTE, CourseFigure, Outline, Panel, arrange, block, figure_for, one_cell
from ._picture import FILL, Picture, _redraw

__all__ = ["PixelReach", "WeightReach"]

NU = "\N{GREEK SMALL LETTER NU}"
P = fmt.PRIME
#: Largest cell side in pixels: a batch has many small grids, never one grid filling the page.
MAX_CELL = 30


@dataclass(frozen=True)
class _Batch(Picture):
    """What both pictures share: the sizes, their checks, and the grid of panels."""

    N: Any = 2
    C_in: Any = 2
    C_out: Any = 3
    image_shape: Any = (4, 4)
    kernel_shape: Any = (2, 2)
    groups: Any = 1
    stacked: bool = False

    def _check_sizes(self) -> None:
        counts = {name: as_int(getattr(self, name), name, 1) for name in ("N", "C_in", "C_out")}
        groups = as_int(self.groups, "groups", 1)
        if counts["C_in"] % groups or counts["C_out"] % groups:
            raise ValueError(
                f"groups={groups} must divide both C_in={counts['C_in']} and "
                f"C_out={counts['C_out']}"
            )
        H, W = as_shape(self.image_shape, "image_shape")
        k1, k2 = as_shape(self.kernel_shape, "kernel_shape")
        check_fits((H, W), (k1, k2), "image_shape", "kernel_shape")
        self._store(**counts, groups=groups, image_shape=(H, W), kernel_shape=(k1, k2))
        self._store(stacked=bool(self.stacked))

    @property
    def Cg(self) -> int:
        """Input channels per group, ``C_in // groups``."""
        return self.C_in // self.groups

    @property
    def Og(self) -> int:
        """Filters per group, ``C_out // groups``."""
        return self.C_out // self.groups

    @property
    def output_shape(self) -> tuple[int, int]:
        """``(H′, W′)``."""
        return output_shape(self.image_shape, self.kernel_shape)

    @property
    def columns(self) -> tuple[tuple[int, ...], ...]:  # type: ignore[override]
        """Where the grids go: a column per channel, an image per row; or ``stacked``."""
        per = self.C_in + self.C_out
        if self.stacked:  # per image and group: its input channels, then its filters
            return tuple(
                tuple(nu * per + k for k in ks)
                for nu in range(self.N)
                for g in range(self.groups)
                for ks in (
                    range(g * self.Cg, (g + 1) * self.Cg),
                    range(self.C_in + g * self.Og, self.C_in + (g + 1) * self.Og),
                )
            )
        return tuple(tuple(nu * per + k for nu in range(self.N)) for k in range(per))

    def figure(self) -> CourseFigure:
        """Return a figure of the picture, its cells at most :data:`MAX_CELL` pixels."""
        arrangement = arrange(
            [self.panels()],
            self.columns,
            footers=[self.footer()],
            fontsize=self.fontsize,
            max_cell=MAX_CELL,
        )
        fig, _ = figure_for(arrangement)
        y = 1 - arrangement.footer_y / arrangement.height
        fig.footer = fig.text(8 / arrangement.width, y, "", va="top", fontsize=self.fontsize)
        fig.footer.set_linespacing(1.28)
        return _redraw(fig, self)

    def _titles(self) -> tuple[list[str], list[str]]:
        """Titles with ``{nu}`` to fill in; with groups, each grid's group on a second line."""
        inputs = [f"I[{NU}={{nu}}, c={c}]" for c in range(self.C_in)]
        outputs = [f"{fmt.Y_HAT}[{NU}={{nu}}, o={o}]" for o in range(self.C_out)]
        if self.groups > 1:
            inputs = [f"{t}\ngroup {c // self.Cg}" for c, t in enumerate(inputs)]
            outputs = [f"{t}\ngroup {o // self.Og}" for o, t in enumerate(outputs)]
        return inputs, outputs

    def _grid(self, input_panel, output_panel) -> list[Panel]:
        """Return the panels, image by image: ``input_panel(nu, c)``, ``output_panel(nu, o)``."""
        panels = []
        for nu in range(self.N):
            panels += [input_panel(nu, c) for c in range(self.C_in)]
            panels += [output_panel(nu, o) for o in range(self.C_out)]
        return panels

    def _group_words(self) -> str:
        if self.groups == 1:
            return ""
        return (
            f" With groups = {self.groups}, filter o reads only the "
            f"{fmt.plural(self.Cg, 'input channel')} of its group."
        )


@dataclass(frozen=True)
class WeightReach(_Batch):
    r"""The outputs one weight ``w[o′, c′, m′, n′]`` touches, and the pixels it meets there.

    Parameters
    ----------
    N, C_in, C_out : int, optional
        Samples, input channels and filters.
    image_shape, kernel_shape : (int, int), optional
        ``(H, W)`` and ``(k1, k2)``.
    groups : int, optional
        Filter ``o`` reads the ``C_in // groups`` channels of its group.
    stacked : bool, optional
        Draw the channels of each image, group by group, as columns: the group's input channels
        above each other, then its output channels beside them (for many channels, and to show
        the groups); by default one row of grids per image.
    o, c, m, n : int, optional
        The weight: filter ``o``, its input channel ``c`` (``0 <= c < C_in // groups``), kernel
        entry ``(m, n)``.

    Notes
    -----
    (6.3): :math:`\partial \hat{Y}[\nu, o, i, j] / \partial w[o', c', m', n']` is
    :math:`I[\nu, c', i + m', j + n']` when :math:`o = o'` and 0 otherwise. Gids: ``"touched"``
    (outputs of channel ``o′``), ``"met"`` (the block of the input channel the weight reads),
    ``"met-outline"``, ``"touched-outline"``.
    """

    o: Any = 1
    c: Any = 0
    m: Any = 0
    n: Any = 1

    def __post_init__(self) -> None:
        self._check_sizes()
        self._store(o=as_index(self.o, self.C_out, "o", "a filter"))
        self._store(c=as_index(self.c, self.Cg, "c", "an input channel of the filter"))
        self._store(m=as_index(self.m, self.kernel_shape[0], "m", "a row of the kernel"))
        self._store(n=as_index(self.n, self.kernel_shape[1], "n", "a column of the kernel"))

    @property
    def channel(self) -> int:
        """The image's channel the weight reads: ``c`` in the group of filter ``o``."""
        return self.o // self.Og * self.Cg + self.c

    def panels(self) -> list[Panel]:
        """Return the grids, image by image: the input channels, then the output channels."""
        (H, W), (Hp, Wp) = self.image_shape, self.output_shape
        rows, cols = range(self.m, self.m + Hp), range(self.n, self.n + Wp)
        in_titles, out_titles = self._titles()

        def input_panel(nu: int, c: int) -> Panel:
            title = in_titles[c].format(nu=nu)
            if c != self.channel:
                return Panel((H, W), title=title)
            return Panel(
                (H, W),
                title=title,
                fills={"met": (block(rows, cols), FILL.purple)},
                outlines=[Outline("met-outline", rows, cols, PALETTE["purple"])],
            )

        def output_panel(nu: int, o: int) -> Panel:
            title = out_titles[o].format(nu=nu)
            if o != self.o:
                return Panel((Hp, Wp), title=title)
            return Panel(
                (Hp, Wp),
                title=title,
                fills={"touched": (block(range(Hp), range(Wp)), FILL.sky)},
                outlines=[Outline("touched-outline", range(Hp), range(Wp), PALETTE["blue"])],
            )

        return self._grid(input_panel, output_panel)

    def footer(self) -> str:
        """Return the weight gradient's sum (6.4), or (6.13) with groups."""
        channel = "c" if self.groups == 1 else "c of o's group"
        label = "eq-dw-batch" if self.groups == 1 else "eq-groups-back"
        return (
            f"w[o{P}, c{P}, m{P}, n{P}] touches output channel o{P} of every image, "
            f"at every position {eq('eq-dyhat-dw-batch')}, so:\n"
            f"dw[o, c] = Σ G[{NU}, o] ⊗ I[{NU}, {channel}], summed over the images {NU}    "
            f"{eq(label)}"
        )

    def describe(self) -> str:
        """Say which outputs the weight touches and which pixels it meets there."""
        (Hp, Wp), (k1, k2) = self.output_shape, self.kernel_shape
        rows, cols = range(self.m, self.m + Hp), range(self.n, self.n + Wp)
        o, m, n = self.o, self.m, self.n
        others = self.C_out - 1
        return (
            f"A batch of {fmt.plural(self.N, 'image')}, {fmt.plural(self.C_in, 'input channel')} "
            f"and {fmt.plural(self.C_out, 'filter')} of {fmt.size((k1, k2))}.{self._group_words()} "
            f"The weight w[{o}, {self.c}, {m}, {n}] touches all {Hp * Wp} outputs of channel {o} "
            f"in each of the {fmt.plural(self.N, 'image')}, and none of the other "
            f"{fmt.plural(others, 'output channel')}; there it meets the pixels of input channel "
            f"{self.channel} at {fmt.span_of('row', rows)}, {fmt.span_of('column', cols)} "
            f"{eq('eq-dyhat-dw-batch')}."
        )


@dataclass(frozen=True)
class PixelReach(_Batch):
    r"""The outputs one pixel ``I[ν′, c′, i′, j′]`` touches: its image, its group's filters.

    Parameters
    ----------
    N, C_in, C_out, image_shape, kernel_shape, groups, stacked
        As in :class:`WeightReach`.
    nu, c, ip, jp : int, optional
        The pixel: image ``ν′``, channel ``c′``, position ``(i′, j′)``.

    Notes
    -----
    In each output channel ``o`` of the pixel's group the region is (3.1),
    ``convlib.affected_region(ip, jp, image_shape, kernel_shape)``; (6.7): the derivative is
    :math:`w[o, c', m, n]` in its own image and 0 in the others. Gids: ``"pixel"``,
    ``"pixel-outline"``, ``"region"``, ``"region-outline"``.
    """

    nu: Any = 0
    c: Any = 1
    ip: Any = 1
    jp: Any = 2

    def __post_init__(self) -> None:
        self._check_sizes()
        H, W = self.image_shape
        self._store(nu=as_index(self.nu, self.N, "nu", "an image of the batch"))
        self._store(c=as_index(self.c, self.C_in, "c", "an input channel"))
        self._store(ip=as_index(self.ip, H, "ip", "a row of the image"))
        self._store(jp=as_index(self.jp, W, "jp", "a column of the image"))

    @property
    def filters(self) -> range:
        """The filters that read the pixel's channel: those of its group."""
        group = self.c // self.Cg
        return range(group * self.Og, (group + 1) * self.Og)

    @property
    def region(self) -> Any:
        """The outputs of one channel the pixel affects: ``convlib.affected_region`` (3.1)."""
        return affected_region(self.ip, self.jp, self.image_shape, self.kernel_shape)

    def panels(self) -> list[Panel]:
        """Return the grids, image by image: the input channels, then the output channels."""
        (H, W), (Hp, Wp) = self.image_shape, self.output_shape
        region = self.region
        in_titles, out_titles = self._titles()

        def input_panel(nu: int, c: int) -> Panel:
            title = in_titles[c].format(nu=nu)
            if (nu, c) != (self.nu, self.c):
                return Panel((H, W), title=title)
            return Panel(
                (H, W),
                title=title,
                fills={"pixel": ([(self.ip, self.jp)], FILL.red)},
                outlines=[
                    Outline("pixel-outline", *one_cell(self.ip, self.jp), PALETTE["vermillion"])
                ],
            )

        def output_panel(nu: int, o: int) -> Panel:
            title = out_titles[o].format(nu=nu)
            if nu != self.nu or o not in self.filters:
                return Panel((Hp, Wp), title=title)
            return Panel(
                (Hp, Wp),
                title=title,
                fills={"region": (block(region.rows, region.cols), FILL.sky)},
                outlines=[Outline("region-outline", region.rows, region.cols, PALETTE["blue"])],
            )

        return self._grid(input_panel, output_panel)

    def footer(self) -> str:
        """Return the input gradient's sum (6.8), or (6.13) with groups."""
        if self.groups == 1:
            which, filters, label = "every filter", "the filters o", "eq-di-batch"
        else:
            which, filters, label = "every filter of its group", "its group's o", "eq-groups-back"
        return (
            f"I[{NU}{P}, c{P}, i{P}, j{P}] touches its own image only, "
            f"through {which} {eq('eq-dyhat-di-batch')}, so:\n"
            f"dI[{NU}, c] = Σ w[o, c] * G[{NU}, o], summed over {filters}    {eq(label)}"
        )

    def describe(self) -> str:
        """Say which outputs the pixel touches: its image, its group's filters, the region."""
        region, k1k2 = self.region, self.kernel_shape
        filters = self.filters
        which = (
            f"every one of the {fmt.plural(self.C_out, 'output channel')}"
            if len(filters) == self.C_out
            else f"{fmt.span_of('output channel', filters)} (the filters of its group) and no other"
        )
        samples = {1: "", 2: ", and nothing in the other image"}.get(
            self.N, f", and nothing in the other {self.N - 1} images"
        )
        return (
            f"A batch of {fmt.plural(self.N, 'image')}, {fmt.plural(self.C_in, 'input channel')} "
            f"and {fmt.plural(self.C_out, 'filter')} of {fmt.size(k1k2)}.{self._group_words()} "
            f"The pixel I[{self.nu}, {self.c}, {self.ip}, {self.jp}] touches, in its own image "
            f"{self.nu}, {which}: in each, the {fmt.plural(region.size, 'output')} at "
            f"{fmt.span_of('row', region.rows)}, {fmt.span_of('column', region.cols)} "
            f"{eq('eq-region')}{samples} {eq('eq-dyhat-di-batch')}."
        )
