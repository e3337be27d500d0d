"""Helpers for the browser checks: serve the built site on loopback and drive Debian's Chromium.

Only the tests in this folder use these; they need ``_build/html`` (``make build-site``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# axe-core, pinned in package-lock.json (a dev dependency: never served by the site).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# As root Chromium needs --no-sandbox; the rest keep it from reaching out to the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1024, "height": 768}

VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
# Every saved widget view has been drawn by the widget manager.
ALL_RENDERED = f"""() => [...document.querySelectorAll('{VIEW}')].every(s => {{
    const area = s.previousElementSibling;
    return area && area.classList.contains('widget-subarea')
        && area.querySelector('.jupyter-widgets') !== null;
}})"""

# Colour arithmetic in the page (WCAG 2 relative luminance and contrast ratio), on computed
# styles: `background(el)` composites every translucent background behind `el` onto white.
COLOURS = r"""(() => {
  const parse = c => {
    const m = /rgba?\(([^)]+)\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) =>
    [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = c => {
    const f = v => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const textContrast = el => {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    return ratio(fg, bg);
  };
  const hex = c =>
    '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  return {parse, over, background, ratio, textContrast, hex};
})()"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(directory: Path = SITE) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 on a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def pages(site: Path = SITE) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    skip = {"genindex.html"}
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip
    )


def pages_holding(text: str, site: Path = SITE) -> list[str]:
    """The pages whose HTML holds ``text``."""
    return [p for p in pages(site) if text in (site / p).read_text(encoding="utf-8")]


def widget_pages(site: Path = SITE) -> list[str]:
    """The pages with interactive figures (saved widget views)."""
    return pages_holding("application/vnd.jupyter.widget-view+json", site)


def slug(page: str) -> str:
    """A file-name-safe form of a page path."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", page.removesuffix(".html"))


class Reader:
    """One page of the site open in its own browser context, as a reader first sees it.

    Desktop size, light mode, screen media. Every request that would leave the machine is
    refused and recorded in ``outside``; failed requests go to ``failed``, script and console
    errors to ``errors``, from the first request on. Tests that change the page's mode, size or
    media put them back with :meth:`reset`.
    """

    def __init__(self, browser, site_url: str, page: str) -> None:
        self.page = page
        self.url = site_url + page
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        origin = urlparse(site_url).netloc
        self.context = browser.new_context(viewport=DESKTOP, color_scheme="light")
        tab = self.tab = self.context.new_page()

        def on_route(route):
            if urlparse(route.request.url).netloc in (origin, ""):
                route.continue_()
            else:  # recorded, then refused before it is sent
                self.outside.append(route.request.url)
                route.abort()

        tab.route("**/*", on_route)
        tab.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        tab.on(
            "response",
            lambda r: self.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else 0,
        )
        tab.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        tab.on(
            "console",
            lambda m: (
                self.errors.append(f"console error: {m.text} at {m.location.get('url')}")
                if m.type == "error"
                else 0
            ),
        )
        tab.goto(self.url, wait_until="load")
        self.has_math = tab.locator(".math").count() > 0
        if self.has_math:
            tab.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                " && document.querySelectorAll('mjx-container').length > 0",
                timeout=20_000,
            )
            tab.evaluate("() => MathJax.startup.promise")
        self.n_widgets = tab.locator(VIEW).count()
        if self.n_widgets:
            tab.wait_for_function(ALL_RENDERED, timeout=30_000)
        tab.wait_for_load_state("networkidle")
        # What each widget's live region said as the page loaded (it should say nothing).
        self.live_at_load = tab.evaluate(
            "() => [...document.querySelectorAll('.widget-subarea')].map(w =>"
            " (w.querySelector('[aria-live]') || {textContent: null}).textContent)"
        )

    def set_mode(self, mode: str) -> None:
        """Switch the theme's colour mode as its button does (``light`` or ``dark``)."""
        self.tab.evaluate(
            """mode => {
                const html = document.documentElement;
                html.dataset.mode = mode;
                html.dataset.theme = mode;
                localStorage.setItem('mode', mode);
            }""",
            mode,
        )

    def settle(self) -> None:
        """Wait until the page has laid itself out and painted twice."""
        self.tab.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )

    def shoot(self, locator, name: str | None = None) -> bytes:
        """A picture of an element as the window shows it, kept in ``test-artifacts/`` under
        ``name`` if given.

        The window is made tall enough for the whole element for the picture (Playwright's
        pictures beyond the window misplace this theme's pages once they have scrolled).
        """
        size = self.tab.viewport_size
        height = locator.evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
        if height + 80 > size["height"]:
            self.tab.set_viewport_size({"width": size["width"], "height": height + 80})
        try:
            box = locator.evaluate(
                """e => { e.scrollIntoView({block: 'end'}); const r = e.getBoundingClientRect();
                    return {x: r.left, y: r.top, width: r.width, height: r.height}; }"""
            )
            png = self.tab.screenshot(clip=box)
        finally:
            self.tab.set_viewport_size(size)
        if name:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / name).write_bytes(png)
        return png

    def reset(self) -> None:
        """Light mode, desktop size, screen media: the page as it was loaded."""
        self.tab.emulate_media(media="screen")
        self.set_mode("light")
        self.tab.set_viewport_size(DESKTOP)
        self.settle()

    def close(self) -> None:
        self.context.close()
