"""Fixtures for the browser checks of the built site (``make site-check``).

These tests need ``_build/html`` (``make build-site``) and Debian's Chromium; ``make unit`` leaves
this folder out.

One Chromium serves the whole run, and each page is loaded once: the ``reader`` fixture is
parametrized indirectly by page (``@pytest.mark.parametrize("reader", PAGES, indirect=True)``)
and lives for the session, so pytest runs every check of a page, from every module, on the same
open page before it moves to the next. A check that changes the page's mode, size or media puts
them back (``reader.reset()``), and one that moves a widget puts it back where it was.
"""

from __future__ import annotations

import pytest
from sitetools import CHROMIUM, CHROMIUM_ARGS, SITE, Reader, serve

if not (SITE / "index.html").exists():
    pytest.exit(f"no built site at {SITE}: run `make build-site` first", returncode=1)


@pytest.fixture(scope="session")
def site_url():
    """The built site, served on loopback."""
    with serve() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, kept off the network."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def reader(request, browser, site_url):
    """A page of the site (``request.param``), loaded once and shared by every check of it."""
    r = Reader(browser, site_url, request.param)
    yield r
    r.close()
