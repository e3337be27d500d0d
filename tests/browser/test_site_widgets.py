"""The interactive figures on the built website, with no kernel and no network.

On every page whose HTML holds a widget view, headless Chromium checks that each widget
rendered from the state saved in the page, and that its controls still change the picture in
the browser alone: a slider moved by keyboard, the Play button, and the kernel-size buttons.
No request may fail or leave the machine, and no script may fail. Screenshots of each widget,
before and after, are kept in ``test-artifacts/``. Each page must also stay light: its HTML,
which holds the widget state and every frame's image, under 1.5 MB.
"""

from __future__ import annotations

import pytest
from sitetools import SITE, VIEW, pages, slug, widget_pages

pytestmark = pytest.mark.browser


PAGES = pages()
WIDGET_PAGES = widget_pages()
MAX_PAGE_BYTES = 1_500_000

# What a widget currently draws: the source of every image it shows and every caption under
# them (not its controls' text, which also changes when a slider moves).
DRAWN = """root => [...root.querySelectorAll('img')].map(i => i.getAttribute('src')).join('|')
    + '#' + [...root.querySelectorAll('figcaption')].map(f => f.textContent).join('|')"""


def test_the_site_has_interactive_figures():
    assert WIDGET_PAGES, (
        f"no page of the site at {SITE} holds a widget view ({VIEW}): the chapters must show "
        "the interactive figures of convlib.widgets, executed with their widget state saved "
        "(make execute)"
    )


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(page):
    size = (SITE / page).stat().st_size
    assert size < MAX_PAGE_BYTES, (
        f"{page} weighs {size / 1e6:.2f} MB (HTML with widget state and frames), over "
        f"{MAX_PAGE_BYTES / 1e6:.1f} MB: use fewer or smaller frames (kernels=, dpi=)"
    )


def _wait_changed(tab, root, before: str, timeout_ms: int = 6_000) -> str:
    """Wait until the widget draws something else than ``before``; return what it draws."""
    handle = root.element_handle()
    tab.wait_for_function(
        f"([root, before]) => ({DRAWN})(root) !== before", arg=[handle, before], timeout=timeout_ms
    )
    return root.evaluate(DRAWN)


def step(tab, handle) -> str:
    """Move a slider one step by keyboard (right, or left at its end); return the key used."""
    now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
    key = "ArrowRight" if now < top else "ArrowLeft"
    handle.focus()
    tab.keyboard.press(key)
    return key


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_widgets_work_without_a_kernel(reader):
    tab, page = reader.tab, reader.page
    n_views = reader.n_widgets
    assert n_views > 0, f"{page}: no widget view script"
    assert tab.locator(".jupyter-widgets").count() > 0, f"{page}: no .jupyter-widgets rendered"
    name = slug(page)
    played = moved = 0
    for k in range(n_views):
        root = tab.locator("div.widget-subarea").nth(k)
        root.scroll_into_view_if_needed()
        start = root.evaluate(DRAWN)
        assert start.split("#")[0], f"{page}: widget {k} draws no image"
        reader.shoot(root, f"widgets__{name}__{k}__0-initial.png")

        # A slider moved by keyboard: focus its handle, press an arrow key.
        handles = root.locator(".noUi-handle:visible")
        if handles.count():
            key = step(tab, handles.first)
            after_key = _wait_changed(tab, root, start)
            assert tab.url == reader.url, f"{page}: {key} on a slider left the page for {tab.url}"
            moved += 1
            reader.shoot(root, f"widgets__{name}__{k}__1-slider.png")
            back = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}[key]
            tab.keyboard.press(back)
            _wait_changed(tab, root, after_key)
        else:
            after_key = start

        # The Play button steps the frames by itself.
        before_play = root.evaluate(DRAWN)
        play = root.locator(".widget-play:visible button").first
        if root.locator(".widget-play:visible").count():
            play.click()
            _wait_changed(tab, root, before_play, timeout_ms=8_000)
            played += 1
            reader.shoot(root, f"widgets__{name}__{k}__2-play.png")
            # Stop (the second button; the first toggles play and pause): a still picture again.
            root.locator(".widget-play:visible button").nth(1).click()

        # Another kernel size, chosen live; then the first one again.
        buttons = root.locator(".widget-toggle-buttons:visible button")
        if buttons.count() > 1:
            before = root.evaluate(DRAWN)
            buttons.nth(1).click()
            _wait_changed(tab, root, before)
            reader.shoot(root, f"widgets__{name}__{k}__3-kernel.png")
            buttons.nth(0).click()
    assert moved > 0, f"{page}: no widget has a slider to move"
    assert played > 0, f"{page}: no widget has a Play button"
    assert not reader.outside, f"{page}: requests leaving the machine: {reader.outside}"
    assert not reader.failed, f"{page}: failed requests: {reader.failed}"
    assert not reader.errors, f"{page}: {reader.errors}"
