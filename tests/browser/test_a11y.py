"""Every reader: a screen reader, a keyboard, dark mode, a phone, a projector and paper.

Each check reads the built site in headless Chromium, on the page the ``reader`` fixture keeps
open for all the checks of that page (see conftest.py), and puts back what it changes.

* axe-core (pinned in package-lock.json) finds no violation of impact serious or critical on
  any page, in light and in dark mode, folded solutions and code opened too.
* Widgets speak: every control has a name, sliders say their state in words, kernel buttons say
  which one is pressed, a polite live region reads the new frame's caption, focus is visible.
* The keyboard: formulas are not Tab stops, the arrow keys never change chapter.
* Dark mode, a 390 px phone, a 1024 × 768 projector and print each get their own check.

The widgets' parts are found by the hooks convlib.figures.widgets gives them (``course-widget``,
``course-frame`` with ``data-label``, ``course-caption``, ``course-widget-help``...).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from html.parser import HTMLParser

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sitetools import (
    ARTIFACTS,
    AXE,
    COLOURS,
    PHONE,
    PROJECTOR,
    SITE,
    pages,
    pages_holding,
    slug,
    widget_pages,
)

pytestmark = pytest.mark.browser

PAGES = pages()
# index.html only redirects to the first chapter: test_root_page reads it on its own.
AUDITED = [p for p in PAGES if p != "index.html"]
WIDGET_PAGES = widget_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
PRINTED = sorted(set(pages_holding('class="solution dropdown')) | set(WIDGET_PAGES))
AXE_LOG = ARTIFACTS / "axe-serious-critical.json"

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n =>
      n.target.join(' ') + ' :: '
      + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200))}));
}"""

# Open every folded thing on the page (solutions, folded code cells); return what was opened,
# marked so that CLOSE_FOLDED folds exactly those again.
OPEN_FOLDED = """() => {
  let n = 0;
  document.querySelectorAll('.admonition.toggle.toggle-hidden > .admonition-title').forEach(t => {
    t.click(); t.parentElement.dataset.auditOpened = ''; n++;
  });
  document.querySelectorAll('.bd-content details:not([open])').forEach(d => {
    d.open = true; d.dataset.auditOpened = ''; n++;
  });
  return n;
}"""
CLOSE_FOLDED = """() => document.querySelectorAll('[data-audit-opened]').forEach(e => {
  delete e.dataset.auditOpened;
  if (e.tagName === 'DETAILS') e.open = false; else e.querySelector('.admonition-title').click();
})"""
SETTLED = "() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))"


def _axe(reader) -> list[dict]:
    tab = reader.tab
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.add_script_tag(path=str(AXE))
    tab.evaluate(SETTLED)
    return tab.evaluate(AXE_RUN)


def _log_axe(page: str, counts: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    log = json.loads(AXE_LOG.read_text()) if AXE_LOG.exists() else {}
    log[page] = counts
    AXE_LOG.write_text(json.dumps(log, indent=1, sort_keys=True))


def _step(tab, handle) -> str:
    """Move a slider one step by keyboard (right, or left at its end); return the key used."""
    now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
    key = "ArrowRight" if now < top else "ArrowLeft"
    handle.focus()
    tab.keyboard.press(key)
    return key


def _move_to(tab, handle, value: float) -> None:
    """Bring a slider back to ``value`` by keyboard."""
    handle.focus()
    for _ in range(100):
        now = float(handle.get_attribute("aria-valuenow"))
        if now == value:
            return
        tab.keyboard.press("ArrowRight" if now < value else "ArrowLeft")
        tab.wait_for_function(
            "([h, v]) => parseFloat(h.getAttribute('aria-valuenow')) !== v",
            arg=[handle.element_handle(), now],
            timeout=3_000,
        )
    raise AssertionError(f"the slider did not come back to {value}")


# The caption of the frame a widget shows now (the last frame: chapter 4 shows a fixed one,
# the kernel and its rotation, above its controls).
CAPTION = """root => { const f = [...root.querySelectorAll('figure.course-frame .course-caption')];
  return f.length ? f[f.length - 1].textContent.replace(/\\s+/g, ' ').trim() : ''; }"""
LIVE = "root => (root.querySelector('[aria-live]') || {textContent: null}).textContent"


def _widgets(reader):
    return [reader.tab.locator("div.widget-subarea").nth(k) for k in range(reader.n_widgets)]


# --------------------------------------------------------------------------------------------
# axe-core: no serious or critical violation, light and dark
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", AUDITED, indirect=True)
def test_axe_finds_nothing_serious(reader):
    page, tab = reader.page, reader.tab
    found, counts = [], {}
    try:
        # What is folded (solutions, hidden code) is not read while folded: open it all. The
        # title bars and fold buttons are the same elements folded or not.
        tab.evaluate(OPEN_FOLDED)
        with contextlib.suppress(PlaywrightTimeout):  # if they never do, axe says so
            tab.wait_for_function(
                """() => [...document.querySelectorAll('[data-audit-opened] pre')]
                    .every(p => p.scrollWidth <= p.clientWidth + 1 || p.tabIndex === 0)""",
                timeout=3_000,
            )
        for mode in ("light", "dark"):
            reader.set_mode(mode)
            violations = _axe(reader)
            counts[mode] = {v["id"]: len(v["nodes"]) for v in violations}
            found += [(mode, v) for v in violations]
    finally:
        tab.evaluate(CLOSE_FOLDED)
        reader.reset()
    _log_axe(page, counts)
    report = "\n".join(f"[{mode}] {v['impact']} {v['id']}: {v['nodes']}" for mode, v in found)
    assert not found, f"{page}: axe-core finds serious or critical violations:\n{report}"


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = self.title = self.refresh = None
        self.links: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refresh = a.get("content")
        elif tag == "a":
            self.links.append(a.get("href"))

    def handle_endtag(self, tag):
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data):
        if self._in_title:
            self.title = (self.title or "") + data


def test_root_page(browser, site_url):
    """index.html: a page with a language and a title, which sends the reader on at once."""
    text = (SITE / "index.html").read_text(encoding="utf-8")
    head = _Head()
    head.feed(text)
    assert head.lang == "en", f"index.html: <html lang> is {head.lang!r}"
    assert head.title and head.title.strip(), "index.html has no <title>"
    delay, _, target = (head.refresh or "").partition(";")
    target = target.strip().removeprefix("url=")
    assert delay.strip() == "0" and (SITE / target).exists(), f"refresh {head.refresh!r}"
    assert target in head.links, "index.html should also offer a link to the first chapter"
    # axe reads the page itself: served without its refresh, which would leave it at once.
    context = browser.new_context()
    tab = context.new_page()
    stay = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", text, flags=re.I)
    tab.route(
        site_url + "index.html", lambda route: route.fulfill(body=stay, content_type="text/html")
    )
    tab.goto(site_url + "index.html")
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate(AXE_RUN)
    context.close()
    assert not violations, f"index.html: {violations}"


@pytest.mark.parametrize("reader", ["chapters/intro.html"], indirect=True)
def test_theme_buttons_say_what_they_show(reader):
    tab = reader.tab
    try:
        mode_button = tab.locator(".theme-switch-button")
        assert 'button "Color mode: Light"' in mode_button.aria_snapshot()
        reader.set_mode("dark")
        tab.wait_for_function(
            "() => document.querySelector('.theme-switch-button')"
            ".getAttribute('aria-label') === 'Color mode: Dark'"
        )
        search = tab.locator(".search-button-field").first.aria_snapshot()
        assert search.startswith('- button "Search Ctrl'), search
    finally:
        reader.reset()


# --------------------------------------------------------------------------------------------
# The keyboard
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", CHAPTERS, indirect=True)
def test_formulas_are_read_not_tabbed(reader):
    """Formulas are not Tab stops (but those that scroll sideways), and keep their MathML."""
    if not reader.has_math:
        pytest.skip("no formulas")
    found = reader.tab.evaluate(
        """() => {
          const all = [...document.querySelectorAll('mjx-container')];
          const stops = all.filter(m => m.tabIndex >= 0 && m.scrollWidth <= m.clientWidth + 1);
          return {n: all.length, stops: stops.length,
                  mathml: all.filter(m => m.querySelector('mjx-assistive-mml math')).length};
        }"""
    )
    assert found["stops"] == 0, (
        f"{reader.page}: {found['stops']} of {found['n']} formulas are Tab stops"
    )
    assert found["mathml"] == found["n"], (
        f"{reader.page}: formulas without MathML for screen readers"
    )


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_tab_reaches_the_first_widget_control(reader):
    tab = reader.tab
    # Start from the top of the page, as a reader who has just arrived.
    tab.evaluate(
        """() => { const s = document.createElement('span'); s.tabIndex = -1; s.id = 'audit-top';
                   document.body.prepend(s); s.focus(); window.scrollTo(0, 0); }"""
    )
    stops = []
    try:
        for _ in range(200):
            tab.keyboard.press("Tab")
            where = tab.evaluate(
                """() => { const e = document.activeElement;
                   return {inWidget: !!e.closest('.widget-subarea'), tag: e.tagName.toLowerCase(),
                           text: (e.getAttribute('aria-label') || e.textContent || '')
                                   .trim().slice(0, 40)}; }"""
            )
            stops.append(f"{where['tag']} {where['text']!r}")
            if where["inWidget"]:
                break
    finally:
        tab.evaluate("() => document.getElementById('audit-top').remove()")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"tab-stops__{slug(reader.page)}.txt").write_text("\n".join(stops))
    assert stops and "mjx-container" not in " ".join(s.split()[0] for s in stops[:-1])
    # Before this work, formulas made the first widget control Tab number 113 to 231.
    assert len(stops) <= 80, f"{reader.page}: the first widget control is Tab number {len(stops)}"


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_arrow_keys_never_change_chapter(reader):
    tab = reader.tab
    assert tab.evaluate("() => DOCUMENTATION_OPTIONS.NAVIGATION_WITH_KEYS") is False
    root = _widgets(reader)[0]
    handle = root.locator('[role="slider"]').first
    start = float(handle.get_attribute("aria-valuenow"))
    # 1. A click on the picture (nothing there takes focus: it stays on the page itself).
    image = root.locator(".course-frame-image").last
    image.scroll_into_view_if_needed()
    image.click()
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowLeft")
    # 2. A click on a slider's track moves the slider; the arrows then move it too.
    track = root.locator(".noUi-base").first
    box = track.bounding_box()
    track.click(position={"x": box["width"] * 0.9, "y": box["height"] / 2})
    tab.keyboard.press("ArrowLeft")
    # 3. A link in the text, focused.
    tab.locator("article a.reference.internal").first.focus()
    tab.keyboard.press("ArrowLeft")
    # 4. A formula, clicked.
    formula = tab.locator('mjx-container[display="true"]').first
    if formula.count():
        formula.scroll_into_view_if_needed()
        formula.click()
        tab.keyboard.press("ArrowRight")
    # 5. Code that scrolls sideways: the arrows scroll it.
    wide = tab.locator("article pre[tabindex='0']:visible").first  # not in a folded cell
    if wide.count():
        wide.focus()
        tab.keyboard.press("ArrowRight")
        tab.wait_for_function("p => p.scrollLeft > 0", arg=wide.element_handle(), timeout=3_000)
    with pytest.raises(PlaywrightTimeout):
        tab.wait_for_event("framenavigated", timeout=600)
    assert tab.url == reader.url, f"an arrow key changed page to {tab.url}"
    _move_to(tab, handle, start)


# --------------------------------------------------------------------------------------------
# Widgets that speak
# --------------------------------------------------------------------------------------------

CONTROLS = """root => {
  const label = id => {
    const e = id && document.getElementById(id);
    return e ? e.textContent.trim() : '';
  };
  const caption = el => {
    const f = [...root.querySelectorAll('figure.course-frame')].find(
      f => el.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
    return f ? f.querySelector('.course-caption').textContent.replace(/\\s+/g, ' ').trim() : '';
  };
  return {
    sliders: [...root.querySelectorAll('.widget-slider')].map(s => {
      const h = s.querySelector('[role="slider"]');
      return {visible: s.querySelector('.widget-label').textContent.trim(),
              name: label(h.getAttribute('aria-labelledby')) || h.getAttribute('aria-label'),
              valuetext: h.getAttribute('aria-valuetext') || '',
              readout: s.querySelector('.widget-readout').textContent.trim(),
              caption: caption(s)};
    }),
    toggles: [...root.querySelectorAll('.widget-toggle-buttons button')].map(
      b => ({text: b.textContent.trim(), pressed: b.getAttribute('aria-pressed'),
             active: b.classList.contains('mod-active')})),
  };
}"""


def _check_sliders(page, sliders):
    for s in sliders:
        assert s["visible"] and s["name"] == s["visible"], (
            f"{page}: a slider handle is named {s['name']!r}, not by its label {s['visible']!r}"
        )
        vt = s["valuetext"]
        assert re.search(r"[^\d\s.,:-]", vt), f"{page}: slider {s['name']} says only {vt!r}"
        assert s["readout"] in vt, f"{page}: {vt!r} does not say the readout {s['readout']!r}"
        words = vt.split(": ", 1)[-1].removesuffix("…")
        assert words in s["caption"], (
            f"{page}: {vt!r} is not what the frame shows: {s['caption']!r}"
        )


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_every_widget_control_is_named(reader):
    tab, page = reader.tab, reader.page
    for root in _widgets(reader):
        snap = root.aria_snapshot()
        assert re.match('- \'?group "[^"]{10,}"', snap), (
            f"{page}: the widget is no named group:\n{snap}"
        )
        unnamed = re.findall(r"^\s*- (button|slider|textbox)\s*$", snap, flags=re.M)
        assert not unnamed, f"{page}: controls with no name: {unnamed}\n{snap}"
        if root.locator(".widget-play").count():
            assert '- button "Play"' in snap and '- button "Stop' in snap, snap
        found = root.evaluate(CONTROLS)
        assert found["sliders"], f"{page}: no slider"
        _check_sliders(page, found["sliders"])
        # Moved by keyboard, a slider says its new state.
        handle = root.locator('[role="slider"]').first
        before = handle.get_attribute("aria-valuetext")
        key = _step(tab, handle)
        tab.wait_for_function(
            "([h, t]) => h.getAttribute('aria-valuetext') !== t",
            arg=[handle.element_handle(), before],
            timeout=5_000,
        )
        _check_sliders(page, root.evaluate(CONTROLS)["sliders"])
        tab.keyboard.press({"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}[key])
        # Kernel buttons say which one is pressed, and follow a click.
        toggles = found["toggles"]
        if toggles:
            assert [t["pressed"] for t in toggles] == [str(t["active"]).lower() for t in toggles]
            assert sum(t["pressed"] == "true" for t in toggles) == 1, toggles
            buttons = root.locator(".widget-toggle-buttons button")
            pressed = [t["pressed"] for t in toggles].index("true")
            other = (pressed + 1) % len(toggles)
            buttons.nth(other).click()
            tab.wait_for_function(
                "b => b.getAttribute('aria-pressed') === 'true'",
                arg=buttons.nth(other).element_handle(),
                timeout=5_000,
            )
            assert buttons.nth(pressed).get_attribute("aria-pressed") == "false"
            buttons.nth(pressed).click()


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_live_region_reads_the_new_frame(reader):
    tab, page = reader.tab, reader.page
    assert reader.live_at_load == [""] * reader.n_widgets, (
        f"{page}: each widget needs one live region, silent as the page loads: "
        f"{reader.live_at_load}"
    )
    for root in _widgets(reader):
        live = root.locator("[aria-live]")
        assert live.count() == 1 and live.get_attribute("aria-live") == "polite"
        assert live.bounding_box()["width"] <= 1, "the live region is for screen readers only"
        handle = root.locator('[role="slider"]').first
        before = root.evaluate(CAPTION)
        key = _step(tab, handle)
        tab.wait_for_function(
            f"([root, before]) => ({CAPTION})(root) !== before"
            f" && ({LIVE})(root) === ({CAPTION})(root)",
            arg=[root.element_handle(), before],
            timeout=5_000,
        )
        said = root.evaluate(LIVE)
        assert said and said != before, f"{page}: the live region said {said!r}"
        tab.keyboard.press({"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}[key])
        tab.wait_for_function(
            f"([root, before]) => ({LIVE})(root) === before",
            arg=[root.element_handle(), before],
            timeout=5_000,
        )


# The focus ring of an element: its style, width, and contrast against what is around it.
FOCUS = (
    "el => { const c = "
    + COLOURS
    + """; const s = getComputedStyle(el);
  const ring = c.parse(s.outlineColor), around = c.background(el.parentElement);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor,
          ratio: ring ? c.ratio(c.over(ring, around), around) : 0}; }"""
)


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_focus_is_visible_on_widget_controls(reader):
    tab, page = reader.tab, reader.page
    root = _widgets(reader)[0]
    targets = [root.locator('[role="slider"]').first, root.locator(".widget-play button").first]
    if root.locator(".widget-toggle-buttons button").count():
        targets.append(root.locator(".widget-toggle-buttons button").first)
    weak = []
    try:
        for mode in ("light", "dark"):
            reader.set_mode(mode)
            for target in targets:
                target.focus()
                tab.keyboard.press("Shift+Tab")
                tab.keyboard.press("Tab")  # focus by keyboard, as :focus-visible wants
                assert target.evaluate("el => el === document.activeElement")
                ring = target.evaluate(FOCUS)
                if ring["style"] == "none" or ring["width"] < 2 or ring["ratio"] < 3:
                    weak.append((mode, target.evaluate("el => el.className || el.tagName"), ring))
    finally:
        tab.evaluate("() => document.activeElement.blur()")
        reader.reset()
    assert not weak, f"{page}: focus rings under 2 px or 3:1: {weak}"


# --------------------------------------------------------------------------------------------
# Dark mode
# --------------------------------------------------------------------------------------------

TEXTS = """root => { const c = COLOURS; const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || el.closest('.course-sr-only')) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({text: n.textContent.trim().slice(0, 30), ratio: c.textContrast(el),
              need: large ? 3 : 4.5, fg: s.color, bg: c.hex(c.background(el))});
  }
  return out; }"""


# The slider's track and knob rim against the widget around them (WCAG 1.4.11: 3:1).
PARTS = (
    "root => { const c = "
    + COLOURS
    + """; return [...root.querySelectorAll('.noUi-target')].map(t => {
    const around = c.background(t.parentElement);
    const track = c.parse(getComputedStyle(t.querySelector('.noUi-connects')).backgroundColor);
    const rim = c.parse(getComputedStyle(t.querySelector('.noUi-handle')).borderTopColor);
    return {track: c.ratio(c.over(track, around), around),
            knob: c.ratio(c.over(rim, around), around)}; }); }"""
)


def _texts(root):
    return root.evaluate(
        "root => { const COLOURS = " + COLOURS + "; return (" + TEXTS + ")(root); }"
    )


def _image_contrast(png: bytes) -> float:
    """Contrast between a picture's commonest colour (its panel) and its darkest text."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        grey = im.convert("RGB")
        colours = grey.getcolors(1 << 24)
    colours.sort(key=lambda c: -c[0])

    def lum(rgb):
        f = [v / 255 for v in rgb]
        f = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in f]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]

    panel = lum(colours[0][1])
    total = sum(n for n, _ in colours)
    # The darkest 0.3 % of the pixels: the figure's text and lines.
    by_lum = sorted(colours, key=lambda c: lum(c[1]))
    acc, dark = 0, panel
    for n, rgb in by_lum:
        acc += n
        dark = lum(rgb)
        if acc >= 0.003 * total:
            break
    hi, lo = max(panel, dark), min(panel, dark)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_widget_text_is_readable_in_both_modes(reader):
    page = reader.page
    low = []
    try:
        for mode in ("light", "dark"):
            reader.set_mode(mode)
            reader.settle()
            for k, root in enumerate(_widgets(reader)):
                root.scroll_into_view_if_needed()
                texts = _texts(root)
                caption = root.evaluate(CAPTION)
                assert any(caption.startswith(t["text"]) for t in texts), (
                    f"{page}: the caption of widget {k} is not among its texts"
                )
                low += [(mode, t) for t in texts if t["ratio"] < t["need"]]
                for part in root.evaluate(PARTS):
                    low += [(mode, k, r) for k, r in part.items() if r < 3]
                if mode == "light":
                    continue  # the frames' own colours are convlib's; dark mode changes them
                reader.shoot(root, f"a11y__{slug(page)}__{k}__{mode}.png")
                for image in root.locator(".course-frame-image").all():
                    ratio = _image_contrast(reader.shoot(image))
                    if ratio < 4.5:
                        low.append((mode, {"text": "the frame's picture", "ratio": ratio}))
    finally:
        reader.reset()
    assert not low, f"{page}: text under its contrast minimum: {low}"


# --------------------------------------------------------------------------------------------
# A phone, a projector
# --------------------------------------------------------------------------------------------

LAYOUT = """root => {
  const box = e => { const r = e.getBoundingClientRect();
    return {w: r.width, h: r.height, left: r.left, right: r.right}; };
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const targets = [...root.querySelectorAll('button, [role="slider"], .widget-readout')]
    .filter(shown).map(e => ({what: e.getAttribute('aria-label') || e.textContent.trim()
                                || e.className, ...box(e)}));
  return {root: box(root), page: document.documentElement.clientWidth, targets,
          tracks: [...root.querySelectorAll('.noUi-target')].filter(shown).map(e => box(e).w),
          frames: [...root.querySelectorAll('.course-frame-image')].filter(shown)
                    .map(i => ({natural: i.naturalWidth, ...box(i)}))};
}"""


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_widgets_work_on_a_phone(reader):
    tab, page = reader.tab, reader.page
    try:
        tab.set_viewport_size(PHONE)
        reader.settle()
        for k, root in enumerate(_widgets(reader)):
            root.scroll_into_view_if_needed()
            found = root.evaluate(LAYOUT)
            width = found["page"]
            assert found["root"]["right"] <= width + 1, (
                f"{page}: the widget is wider than the phone"
            )
            outside = [t for t in found["targets"] if t["left"] < 0 or t["right"] > width + 1]
            assert not outside, f"{page}: controls off the screen: {outside}"
            small = [t for t in found["targets"] if t["w"] < 24 or t["h"] < 24]
            assert not small, f"{page}: touch targets under 24 x 24 px: {small}"
            assert found["tracks"] and min(found["tracks"]) >= 120, (
                f"{page}: slider tracks {found['tracks']} px wide at {width} px"
            )
            # convlib draws frame text at 14 px or more when shown 1:1: zoomed in twice, a
            # frame shown at half its size or more reads at 14 px or more.
            for f in found["frames"]:
                assert f["left"] >= -1 and f["right"] <= width + 1, f"{page}: frame {f} off screen"
                assert f["w"] >= 0.5 * f["natural"], f"{page}: frame {f} too small to zoom"
            # A tap near the end of the first track moves the slider, and the picture.
            handle = root.locator('[role="slider"]').first
            start = float(handle.get_attribute("aria-valuenow"))
            before = root.evaluate(CAPTION)
            track = root.locator(".noUi-base").first
            box = track.bounding_box()
            x = 0.95 if start < float(handle.get_attribute("aria-valuemax")) else 0.05
            track.click(position={"x": box["width"] * x, "y": box["height"] / 2})
            tab.wait_for_function(
                f"([root, b]) => ({CAPTION})(root) !== b",
                arg=[root.element_handle(), before],
                timeout=5_000,
            )
            reader.shoot(root, f"a11y__{slug(page)}__{k}__phone.png")
            _move_to(tab, handle, start)
    finally:
        reader.reset()


PHONE_TEXT = """() => {
  const column = document.querySelector('#main-content article, #main-content');
  const width = column.getBoundingClientRect().width;
  const margins = [...column.querySelectorAll('aside.margin, div.margin, .admonition.margin')]
    .map(e => ({text: e.textContent.trim().slice(0, 40), w: e.getBoundingClientRect().width}))
    .filter(m => m.w < 0.85 * width);
  const wide = [...column.querySelectorAll(
      'mjx-container[display="true"], .pst-scrollable-table-container')]
    .filter(m => m.offsetParent !== null && getComputedStyle(m).visibility !== 'hidden'
      && m.scrollWidth > m.clientWidth + 1);  // shown: not in a folded solution
  const uncued = wide.filter(m => !('courseScrolls' in m.dataset)
      || !getComputedStyle(m).backgroundImage.includes('gradient'))
    .map(m => m.textContent.slice(0, 40));
  return {width, margins, wide: wide.length, uncued,
          page: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("reader", CHAPTERS, indirect=True)
def test_phone_and_projector_margin_notes_span_the_column_and_wide_formulas_show_they_scroll(
    reader,
):
    """On a 390 px phone and a 1024 x 768 projector a margin note is a box of its own in the
    column (the theme floats it beside the text: at 40 % on a phone, squeezing the formulas next
    to it, and past the page's right edge at 1024 px), nothing makes the page scroll sideways,
    and a formula wider than the column shows, by a shadow at its edge, that it scrolls."""
    tab, page = reader.tab, reader.page
    try:
        for size in (PHONE, PROJECTOR):
            tab.set_viewport_size(size)
            reader.settle()
            tab.wait_for_timeout(300)  # course.js marks what scrolls 150 ms after a resize
            found = tab.evaluate(PHONE_TEXT)
            width = size["width"]
            assert not found["margins"], (
                f"{page} at {width} px: margin notes beside the text: {found['margins']}"
            )
            assert not found["uncued"], (
                f"{page} at {width} px: {len(found['uncued'])} of {found['wide']} wide formulas"
                " scroll unmarked"
            )
            assert found["page"] <= width, f"{page}: {found['page']} px wide at {width} px"
    finally:
        reader.reset()


@pytest.mark.parametrize("reader", WIDGET_PAGES, indirect=True)
def test_captions_read_on_a_projector(reader):
    """At 1024 x 768 every caption is in the text's colour at 7:1 or more; a widget's caption,
    the frame in words, is also large (>= 17 px) and a little bold (>= 500); frames show 1:1."""
    tab, page = reader.tab, reader.page
    js = (
        "() => { const c = " + COLOURS + "; return [...document.querySelectorAll("
        "'.bd-article figcaption')].filter(f => f.getClientRects().length).map(f => {"
        " const s = getComputedStyle(f); return {widget: !!f.closest('.course-frame'),"
        " text: f.textContent.trim().slice(0, 30), size: parseFloat(s.fontSize),"
        " weight: parseInt(s.fontWeight), ratio: c.textContrast(f)}; }); }"
    )
    try:
        tab.set_viewport_size(PROJECTOR)
        reader.settle()
        captions = tab.evaluate(js)
        frames = tab.evaluate(
            """() => [...document.querySelectorAll('.course-frame-image')]
                .filter(i => i.getClientRects().length)
                .map(i => ({natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))"""
        )
        for k, root in enumerate(_widgets(reader)):
            reader.shoot(root, f"a11y__{slug(page)}__{k}__projector.png")
    finally:
        reader.reset()
    assert any(c["widget"] for c in captions), f"{page}: no widget caption"
    faint = [c for c in captions if c["ratio"] < 7 or c["weight"] < 400]
    assert not faint, f"{page}: faint captions on a projector: {faint}"
    small = [c for c in captions if c["widget"] and (c["size"] < 17 or c["weight"] < 500)]
    assert not small, f"{page}: widget captions too small or thin for a projector: {small}"
    # convlib draws frame text at 14 px or more for a frame shown 1:1 (its test_figures_layout).
    shrunk = [f for f in frames if f["shown"] < f["natural"] - 1]
    assert frames and not shrunk, f"{page}: frames shown smaller than drawn at 1024x768: {shrunk}"


# --------------------------------------------------------------------------------------------
# Paper
# --------------------------------------------------------------------------------------------

SHOWN = """e => e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'"""
PRINTED_WIDGETS = f"""() => {{ const shown = {SHOWN};
  return [...document.querySelectorAll('.widget-subarea')].map(w => ({{
    controls: [...w.querySelectorAll('.widget-play, .widget-slider, .widget-toggle-buttons')]
      .filter(shown).length,
    images: [...w.querySelectorAll('.course-frame-image')].filter(shown).length,
    caption: [...w.querySelectorAll('.course-caption')].filter(shown)
      .map(f => f.textContent.replace(/\\s+/g, ' ').trim()).pop() || '',
    state: shown(w.querySelector('.course-print-state'))
      ? w.querySelector('.course-print-state').textContent : '',
    how: /press Play|Move the slider|move the slider/.test(w.innerText),
  }})); }}"""
# Everything but the inside of formulas (thousands of glyph boxes, none of them a box).
ARTICLE = ".bd-article *:not(mjx-container *)"
PRINTED_PAGE = f"""() => {{ const shown = {SHOWN};
  const solutions = [...document.querySelectorAll('.admonition.toggle')].map(a => ({{
    folded: a.classList.contains('toggle-hidden'),
    body: [...a.children].filter(c => !c.classList.contains('admonition-title')).some(shown),
    button: shown(a.querySelector('button.toggle-button')),
  }}));
  const elements = [...document.querySelectorAll('{ARTICLE}')].filter(shown);
  // A box whose first content cannot be split, while it can: its border is left empty at the
  // foot of a page and its content starts on the next.
  const boxed = s => parseFloat(s.borderTopWidth) + parseFloat(s.borderLeftWidth) > 0
    || !/rgba\\(0, 0, 0, 0\\)|transparent/.test(s.backgroundColor);
  const split = elements.filter(e => {{
    if (e.getBoundingClientRect().height < 40) return false;
    const s = getComputedStyle(e);
    if (!boxed(s) || s.breakInside === 'avoid' || s.display.startsWith('inline')) return false;
    const first = [...e.children].find(shown);
    return first && getComputedStyle(first).breakInside === 'avoid'
      && first.getBoundingClientRect().height > 0.5 * e.getBoundingClientRect().height;
  }}).map(e => e.className || e.tagName);
  const hints = elements.filter(e => /Click to (show|hide)/.test(
    getComputedStyle(e, '::before').content) || /^(Show|Hide) code cell/.test(e.textContent)
    && e.matches('summary, summary *')).length;
  return {{solutions, split, hints}}; }}"""
# The lowest contrast of the text on white paper (browsers leave backgrounds out of print).
ON_PAPER = (
    "() => { const c = "
    + COLOURS
    + """; const paper = [255, 255, 255, 1];
  return Math.min(...[...document.querySelectorAll('.bd-article p, .bd-article li, figcaption')]
    .filter(e => e.getClientRects().length)
    .map(e => c.ratio(c.over(c.parse(getComputedStyle(e).color), paper), paper))); }"""
)


@pytest.mark.parametrize("reader", PRINTED, indirect=True)
def test_print(reader):
    tab, page = reader.tab, reader.page
    moved = []
    for root in _widgets(reader):  # a reader moves a slider, then prints
        handle = root.locator('[role="slider"]').first
        start = float(handle.get_attribute("aria-valuenow"))
        before = root.evaluate(CAPTION)
        _step(tab, handle)
        tab.wait_for_function(
            f"([root, b]) => ({CAPTION})(root) !== b", arg=[root.element_handle(), before]
        )
        readouts = root.locator(".widget-slider .widget-readout").all_inner_texts()
        moved.append((handle, start, root.evaluate(CAPTION), readouts))
    try:
        tab.emulate_media(media="print")
        tab.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
        found = tab.evaluate(PRINTED_PAGE)
        widgets = tab.evaluate(PRINTED_WIDGETS)
        paper = {"light": tab.evaluate(ON_PAPER)}
        reader.set_mode("dark")  # a reader in dark mode prints too
        paper["dark"] = tab.evaluate(ON_PAPER)
        tab.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    finally:
        reader.reset()
        for handle, start, _, _ in moved:
            _move_to(tab, handle, start)
    for s in found["solutions"]:
        assert not s["button"], f"{page}: a solution prints its fold button"
        assert not (s["folded"] and s["body"]), f"{page}: a folded solution prints open"
    assert found["hints"] == 0, f"{page}: {found['hints']} 'Click to show', 'Show code' hints print"
    assert not found["split"], f"{page}: boxes that would print empty: {found['split']}"
    for mode, ratio in paper.items():
        assert ratio >= 4.5, f"{page}, printed in {mode} mode: text at {ratio:.2f}:1 on paper"
    for w, (_, _, caption, readouts) in zip(widgets, moved, strict=True):
        assert w["controls"] == 0, f"{page}: widget controls are printed"
        assert not w["how"], f"{page}: a widget prints how to use its controls"
        assert w["images"] >= 1 and w["caption"] == caption, (
            f"{page}: the widget prints {w['caption']!r}, not the frame on screen {caption!r}"
        )
        assert w["state"] and all(r in w["state"] for r in readouts), (
            f"{page}: the settings {readouts} are not printed: {w['state']!r}"
        )


# --------------------------------------------------------------------------------------------
# Alt text (the saved widget state, as the site serves it)
# --------------------------------------------------------------------------------------------


def _alts(page: str) -> list[str]:
    text = (SITE / page).read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S
    )
    assert match, f"{page}: no saved widget state"
    alts = []
    for model in json.loads(match.group(1))["state"].values():
        value = model["state"].get("value")
        if model["model_name"] == "HTMLModel" and isinstance(value, str) and "<img" in value:
            alts += [html.unescape(a) for a in re.findall(r'<img[^>]*\salt="([^"]*)"', value)]
    return alts


@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_every_frame_has_its_own_alt_text(page):
    alts = _alts(page)
    assert alts and all(a.strip() for a in alts), f"{page}: frames without alt text"
    repeated = sorted({a for a in alts if alts.count(a) > 1})
    assert not repeated, f"{page}: {len(alts)} frames share {len(set(alts))} alt texts: {repeated}"


def test_axe_core_is_installed():
    assert AXE.exists(), f"{AXE} is missing: run `make setup` (npm ci)"
